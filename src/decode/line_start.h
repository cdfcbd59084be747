/*
 * line_start.h - the look-back to a line's start (lines.c), for the
 * stages that pass over runs of lines and must end a run on a line.
 */
#ifndef LT_LINE_START_H
#define LT_LINE_START_H

/*
 * The start of the line that the bytes just before at belong to: just
 * past the last newline in lo[0..at - lo), or lo when there is none.
 */
const char *lt_line_start(const char *lo, const char *at);

#endif

/*
 * utf8.h - byte-exact UTF-8 checks and terminal escape removal (utf8.c),
 * for the stages that write log text out.
 */
#ifndef LT_UTF8_H
#define LT_UTF8_H

#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence at p, 0 if none. */
size_t lt_utf8_seq(const char *p, size_t n);

/*
 * Bytes that p[0..n) becomes after cleaning (invalid bytes become the
 * three bytes of U+FFFD); maps an input offset to an output offset.
 */
size_t lt_utf8_clean_len(const char *p, size_t n);

/* Remove ANSI escape sequences; writes at most n bytes to dst. */
size_t lt_ansi_strip(char *dst, const char *src, size_t n);

#endif

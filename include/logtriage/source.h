/*
 * logtriage/source.h - reading a file descriptor into a run.
 *
 * The simplest source: it reads a descriptor (a file, a pipe, a
 * terminal) to its end and pushes what it reads into the pipeline with
 * lt_triage_feed() (triage.h).  On a live pipe it waits for input no
 * longer than the next pending match's hold (lt_triage_tick), so that a
 * pipe that stays silent still sees its pending matches written.
 */
#ifndef LOGTRIAGE_SOURCE_H
#define LOGTRIAGE_SOURCE_H

#include "api.h"
#include "status.h"
#include "triage.h"

/*
 * Read fd to its end into the current source (begun by the caller).  On
 * a read error fills err (origin: the source name) and returns LT_ERR_IO.
 * Stops early, with the status, when a feed does not return LT_OK, and
 * with LT_STOP when the run's opts.interrupted is set.
 */
LT_API enum lt_status lt_triage_fd(struct lt_triage *t, int fd,
    struct lt_error *err);

/*
 * 1 when an input of this stat(2) mode is live, a pipe, FIFO, socket or
 * terminal (character device), which may never end and is read as it
 * comes; 0 for a regular file (or anything else), which ends on its own.
 * The one definition: lt_triage_fd and the archive reader use it for
 * pending matches' hold (lt_triage_set_live), the CLI for its live
 * outputs.
 */
LT_API int lt_source_mode_live(unsigned long mode);

#endif

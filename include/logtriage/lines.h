/*
 * logtriage/lines.h - the push-fed line splitter.
 *
 * Sources (a file descriptor, libcurl's write callback, a test) push
 * buffers of any size with lt_lines_feed(); the splitter calls back once
 * per complete line, with the line's bytes and 1-based number.  It never
 * pulls, so the same code serves every source.  Lines that lie wholly
 * inside one fed buffer are passed without copying; only a line split
 * across buffers is assembled, in a buffer capped at max_line bytes.
 *
 * A line longer than max_line is passed once its end arrives, cut to its
 * first max_line bytes, with LT_LINE_TRUNCATED set; the rest is dropped.
 * The newline and one CR before it are not part of the line.
 */
#ifndef LOGTRIAGE_LINES_H
#define LOGTRIAGE_LINES_H

#include <stddef.h>

#include "api.h"
#include "status.h"

#define LT_LINE_TRUNCATED 0x1u

/* Bytes of a line that are kept and matched: default and cap. */
#define LT_MAX_LINE_DEFAULT (1u << 20)
#define LT_MAX_LINE_MAX (1u << 30)

struct lt_line {
	const char *p;
	size_t len;
	unsigned long long no;	/* 1-based */
	unsigned flags;
};

/* Return LT_OK to go on, LT_STOP to end quietly, or an error. */
typedef enum lt_status lt_line_fn(void *ctx, const struct lt_line *line);

struct lt_lines;

/* NULL when out of memory or max_line is 0. */
LT_API struct lt_lines *lt_lines_new(size_t max_line, lt_line_fn *fn,
    void *ctx);
LT_API void lt_lines_free(struct lt_lines *s);

/* Split buf; stops at the first callback result that is not LT_OK. */
LT_API enum lt_status lt_lines_feed(struct lt_lines *s, const void *buf,
    size_t len);

/* End of input: pass a last line that had no newline, if any. */
LT_API enum lt_status lt_lines_finish(struct lt_lines *s);

/* Forget any partial line and restart numbering at 1. */
LT_API void lt_lines_reset(struct lt_lines *s);

/*
 * Runs: lines passed over together.  A caller that can tell, for a
 * stretch of a fed buffer, that none of its lines needs a look of its
 * own (its prefilter found nothing there) sets an ask function.  Before
 * each line that starts inside a fed buffer, ask(ctx, p, n) gets the
 * buffer from that line's start on and returns how many bytes, from p,
 * are such lines: 0, or a length that ends just after a newline (any
 * other answer is taken as 0).  The splitter numbers and measures those
 * lines as it would one by one and reports them to fn once, instead of
 * calling the line function for each.  ask NULL: no runs.
 */
struct lt_run {
	const char *p;		/* the lines' bytes, newlines included */
	size_t len;
	unsigned long long first;	/* number of the first line */
	unsigned long long lines;	/* how many lines */
	unsigned long long truncated;	/* how many were over max_line */
};
typedef size_t lt_run_ask_fn(void *ctx, const char *p, size_t n);
/* Return LT_OK to go on, LT_STOP to end quietly, or an error. */
typedef enum lt_status lt_run_fn(void *ctx, const struct lt_run *run);
LT_API void lt_lines_runs(struct lt_lines *s, lt_run_ask_fn *ask, lt_run_fn *fn,
    void *ctx);

#endif

/*
 * logtriage/triage.h - one classification run: sources in, verdict out.
 *
 * struct lt_triage wires the pipeline stages for a caller:
 *
 *   bytes -> lt_decoder (BOM, format, lt_lines split, per-format decode)
 *         -> record (message, time, labels) -> normalise (ANSI)
 *         -> lt_scanner (match) -> lt_evidence (count, cleared_by)
 *         -> redact -> context (-A/-B) -> lt_verdict (root cause, counts)
 *         -> the emitters (emit.h: JSON Lines, text, GitHub, metrics)
 *
 * A caller adds the emitters it wants with lt_triage_add_emitter() (none:
 * nothing is written, the verdict is still there).  A source (source.h,
 * loki.h, archive.h: a descriptor, an archive's members, Loki) pushes
 * into the pipeline through one small interface and is never called
 * back: it opens with lt_triage_begin() and pushes its bytes with
 * lt_triage_feed() (the splitter and a decoder make records of them), or
 * opens with lt_triage_begin_entries() and pushes entries it decoded
 * itself with lt_triage_entry(); it closes with lt_triage_end().  After
 * the last source, lt_triage_finish() writes the summary.  Output
 * goes through the caller's write function: what the emitters wrote for
 * a feed is written at its end, so a line typed into a pipe gets its
 * verdict at once.  Memory is bounded by max_line and the size of the
 * ruleset, never by the input.
 */
#ifndef LOGTRIAGE_TRIAGE_H
#define LOGTRIAGE_TRIAGE_H

#include <signal.h>
#include <stddef.h>

#include "api.h"
#include "decode.h"
#include "emit.h"
#include "rules.h"
#include "status.h"
#include "verdict.h"

/*
 * Write n bytes of output.  Return LT_OK, LT_STOP (the reader went away:
 * end quietly), or LT_ERR_IO.
 */
typedef enum lt_status lt_write_fn(void *ctx, const char *p, size_t n);

struct lt_triage_opts {
	enum lt_severity fail_on;	/* lowest severity that is a failure */
	size_t max_line;	/* bytes of a line that are matched */
	enum lt_input input;	/* format of every source (default: auto) */
	lt_write_fn *write;	/* where the emitters' output goes */
	void *write_ctx;
	lt_diag_fn *diag;	/* warnings, e.g. a rule hit its limit */
	void *diag_ctx;
	int rule_stats;		/* match every rule on every line (lint) */
	int redact;		/* hide secrets in written text (default 1) */
	size_t before;		/* context lines before a match (-B) */
	size_t after;		/* ... and after it (-A); at most LT_CONTEXT_MAX */
	int exit_code;		/* the failed step's status; -1: unknown */
	/*
	 * When not NULL and nonzero, sources stop reading (lt_triage_fd()
	 * returns LT_STOP): a signal handler sets it (the read must be
	 * interruptible, i.e. the handler installed without SA_RESTART).
	 */
	volatile sig_atomic_t *interrupted;
	unsigned jobs;		/* threads (see lt_scanner_jobs); default 1 */
	/*
	 * 1: a summary per source as well (with "group":{"file":NAME}),
	 * written when the next source begins or the run finishes, before
	 * the overall one.
	 */
	int per_source;
	/*
	 * ms a match of a rule with cleared_by may wait undecided before it
	 * is written as "pending" (a live pipe must not wait for ever);
	 * default 5000, 0: never.
	 */
	unsigned long hold_ms;
	/*
	 * An observer of the run (the exporter's, --listen), called from
	 * the thread that feeds: on_match for every match the verdict
	 * counts (n: how many matches it stands for, more than 1 when a
	 * cleared_by match stood for several), on_progress with the verdict
	 * so far whenever output is flushed (after every feed, source and
	 * the run).  NULL: none.  Why this is not an emitter (emit.h):
	 * docs/architecture.md.
	 */
	void (*on_match)(void *ctx, const struct lt_match *m,
	    unsigned long long n);
	void (*on_progress)(void *ctx, const struct lt_verdict *v);
	void *observe_ctx;
	/*
	 * Not NULL: a summary per value of this label as well (with
	 * "group":{"LABEL":VALUE}, null for lines without it), in the order
	 * first seen, written before the overall one when the run
	 * finishes; at most 1000 values, the lines of further values count
	 * with those without the label.  Every line is decoded.
	 */
	const char *group_label;
};

/* Per rule, with rule_stats: how its sample lines went. */
struct lt_rule_stats {
	unsigned long long fired;	/* lines the rule matched */
	unsigned long long won;		/* ... where it was the best rule */
	size_t winner;		/* rank index of the rule that beat it first */
};

#define LT_TRIAGE_EMITTERS_MAX 16

LT_API void lt_triage_opts_init(struct lt_triage_opts *o);

struct lt_triage;

/* NULL when out of memory or opts are invalid. rs must outlive it. */
LT_API struct lt_triage *lt_triage_new(const struct lt_ruleset *rs,
    const struct lt_triage_opts *opts);
LT_API void lt_triage_free(struct lt_triage *t);

/*
 * Add an output format (emit.h), after those added before it: each event
 * goes to the emitters in that order.  Calls its begin callback.  The
 * emitter is borrowed: it must outlive t (free it after t).  LT_ERR_LIMIT
 * past LT_TRIAGE_EMITTERS_MAX.
 */
LT_API enum lt_status lt_triage_add_emitter(struct lt_triage *t,
    struct lt_emitter *e);

/* Start a source of bytes; name is copied ("-" for standard input). */
LT_API enum lt_status lt_triage_begin(struct lt_triage *t, const char *name);
LT_API enum lt_status lt_triage_feed(struct lt_triage *t, const void *buf,
    size_t len);

/*
 * Start a source of entries it decoded itself (Loki: time, labels, line),
 * pushed with lt_triage_entry(); the decoder is not used for it.
 */
LT_API enum lt_status lt_triage_begin_entries(struct lt_triage *t,
    const char *name);
/*
 * One entry: r->text is cut to max_line here (LT_LINE_TRUNCATED); r->no
 * is its number in the source.  r is only read during the call.
 */
LT_API enum lt_status lt_triage_entry(struct lt_triage *t,
    const struct lt_record *r);

/*
 * Write the pending matches whose hold is over, and whatever the
 * emitters wrote so far; *due_ms: ms until the next hold is over, 0 when
 * none waits.  A source that waits for input calls it before waiting, and
 * waits no longer than *due_ms.
 */
LT_API enum lt_status lt_triage_tick(struct lt_triage *t,
    unsigned long long *due_ms);

/*
 * Whether the current source can wait on its writer (a pipe, a terminal,
 * a socket, Loki --follow: 1, the default) or ends on its own (a regular
 * file: 0).  Only a live source's pending matches are written when their
 * hold is over; a file's are decided at its end, so a file's output does
 * not depend on how fast it was read.  A source sets it after
 * lt_triage_begin.
 */
LT_API void lt_triage_set_live(struct lt_triage *t, int live);

/* The current source's name ("-" before the first). */
LT_API const char *lt_triage_source(const struct lt_triage *t);
/*
 * End the current source (a last line without newline counts; matches
 * waiting for context lines or for evidence are decided).  When the
 * source itself was bad (a saved Loki document cut short or over its
 * cap; see decode.h) feed or end return LT_ERR_SYNTAX or LT_ERR_LIMIT,
 * and end fills err (origin: the source name); the run can go on with
 * the next source.  err may be NULL.  A source of entries may end more
 * than once (Loki: after each page), and goes on as the same source.
 */
LT_API enum lt_status lt_triage_end(struct lt_triage *t, struct lt_error *err);

/*
 * Count an input that could not be read (name: its name; NULL: the
 * current source's).  With per_source, it belongs to the open source's
 * summary, or to a summary of its own when it was never begun.
 */
LT_API void lt_triage_input_failed(struct lt_triage *t, const char *name);

/* 1 when opts.interrupted is set: a source should stop reading. */
LT_API int lt_triage_interrupted(const struct lt_triage *t);

/* Write the summary (when enabled) and flush. */
LT_API enum lt_status lt_triage_finish(struct lt_triage *t);

LT_API const struct lt_verdict *lt_triage_verdict(const struct lt_triage *t);

/* Stats of rule i (rank index); all zero unless opts.rule_stats. */
LT_API void lt_triage_rule_stats(const struct lt_triage *t, size_t i,
    struct lt_rule_stats *out);

#endif

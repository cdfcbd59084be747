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
 * nothing is written, the verdict is still there), opens a source with
 * lt_triage_begin(), pushes its bytes with lt_triage_feed() (or lets
 * lt_triage_fd() read a descriptor), closes it with lt_triage_end(), and
 * after the last source calls lt_triage_finish() for the summary.  Output
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
	 * When not NULL and nonzero, lt_triage_fd() stops reading and
	 * returns LT_STOP: a signal handler sets it (the read must be
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

/* Start a source; name is copied ("-" for standard input). */
LT_API enum lt_status lt_triage_begin(struct lt_triage *t, const char *name);
LT_API enum lt_status lt_triage_feed(struct lt_triage *t, const void *buf,
    size_t len);
/*
 * End the current source (a last line without newline counts).  When the
 * source itself was bad (a Loki document cut short or over its cap; see
 * decode.h) feed or end return LT_ERR_SYNTAX or LT_ERR_LIMIT, and end
 * fills err (origin: the source name); the run can go on with the next
 * source.  err may be NULL.
 */
LT_API enum lt_status lt_triage_end(struct lt_triage *t, struct lt_error *err);

/*
 * Start the next document of the current source (a Loki source pages
 * through several responses): the decoder starts afresh, dropping a
 * document fed only in part, while the source's name, counts and
 * redaction state go on.
 */
LT_API void lt_triage_next(struct lt_triage *t);

/* Set the decoder's Loki entry hook (decode.h); NULL removes it. */
LT_API void lt_triage_loki_hook(struct lt_triage *t, lt_loki_entry_fn *fn,
    void *ctx);

/*
 * Count an input that could not be read (name: its name; NULL: the
 * current source's).  With per_source, it belongs to the open source's
 * summary, or to a summary of its own when it was never begun.
 */
LT_API void lt_triage_input_failed(struct lt_triage *t, const char *name);

/* 1 when opts.interrupted is set: a source should stop reading. */
LT_API int lt_triage_interrupted(const struct lt_triage *t);

/*
 * Read fd to its end into the current source.  On a read error fills err
 * (origin: the source name) and returns LT_ERR_IO.  Stops early, with the
 * status, when a feed does not return LT_OK.
 */
LT_API enum lt_status lt_triage_fd(struct lt_triage *t, int fd,
    struct lt_error *err);

/* Write the summary (when enabled) and flush. */
LT_API enum lt_status lt_triage_finish(struct lt_triage *t);

LT_API const struct lt_verdict *lt_triage_verdict(const struct lt_triage *t);

/* Stats of rule i (rank index); all zero unless opts.rule_stats. */
LT_API void lt_triage_rule_stats(const struct lt_triage *t, size_t i,
    struct lt_rule_stats *out);

#endif

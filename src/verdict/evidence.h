/*
 * evidence.h - matches that become evidence only over time (private to
 * the library; see evidence.c).
 *
 * Rules with `count`, `within` or `cleared_by` (logtriage-rules(5)) do not
 * make every match evidence at once.  The pipeline offers such a rule's
 * match here; the answer is that it is evidence now, that it is kept
 * pending (a later line of its stream may still clear it), or that it is
 * not evidence (its count is not reached).  Every line that may clear a
 * pending match is shown here, and every line that counts towards its
 * clear_within is shown or counted (lt_evidence_passed); at the end of a source what is still pending is decided as evidence.
 *
 * Ownership: lt_evidence_new/lt_evidence_free pair; free(NULL) is a
 * no-op.  The matches handed to the callback live during the call only.
 */
#ifndef LT_VERDICT_EVIDENCE_H
#define LT_VERDICT_EVIDENCE_H

#include <stddef.h>

#include "logtriage/decode.h"
#include "logtriage/rules.h"
#include "logtriage/verdict.h"

#define LT_EV_STREAMS_MAX 64	/* streams followed per rule (LRU beyond) */
#define LT_EV_KEEP 8		/* pending matches kept whole per stream */
/*
 * Bytes of text the kept pending matches of a run may hold together;
 * beyond it a stream's second and later pending matches are only
 * counted (its first is always kept, so that none is lost).
 */
#define LT_EV_BYTES_MAX (16u << 20)

enum lt_ev_kind {
	LT_EV_EVIDENCE,	/* write it as a match and count it */
	LT_EV_RESOLVED,	/* cleared by a later line: write, never the cause */
	LT_EV_PENDING	/* kept past the hold: write as pending, not counted */
};

/* What the callback is told about a decided match. */
struct lt_ev_note {
	unsigned count;		/* matches in the window (1: no count key) */
	unsigned long long first_line;	/* line of the window's first */
	unsigned long long matches;	/* matches it stands for (itself and
					   the ones not kept whole) */
	unsigned long long clear_line;	/* LT_EV_RESOLVED: clearing line */
	const char *clear_text;		/* ... and its text */
	size_t clear_len;
};

typedef enum lt_status lt_ev_fn(void *ctx, enum lt_ev_kind kind,
    const struct lt_match *m, const struct lt_ev_note *note);

struct lt_evidence;

/* NULL when out of memory. */
struct lt_evidence *lt_evidence_new(const struct lt_ruleset *rs);
void lt_evidence_free(struct lt_evidence *ev);

/* 1 when matches of rule (rank index) go through lt_evidence_offer. */
int lt_evidence_waits(const struct lt_evidence *ev, size_t rule);

/* 1 while some match is pending. */
int lt_evidence_pending(const struct lt_evidence *ev);

/*
 * 1 when lines the prefilter passes over (whose literals hold none of a
 * cleared_by rule's: see clear_seen in match/ruleset.h) need not be
 * shown here: nothing is pending, or every pending match can only be
 * cleared by a line a run never holds and waits for no time bound, and
 * (unless one_stream: the lines of a run are of the stream of the last
 * line shown, as with the Actions decoder) for no bound in lines.
 */
int lt_evidence_skippable(const struct lt_evidence *ev, int one_stream);

/*
 * lines lines of the stream of the last line shown (or offered) were
 * passed over, when lt_evidence_skippable said so: they count towards
 * clear_within in lines, and the groups whose bound they reach are
 * decided (fn with LT_EV_EVIDENCE).
 */
enum lt_status lt_evidence_passed(struct lt_evidence *ev,
    unsigned long long lines, lt_ev_fn *fn, void *ctx);

/*
 * A match m of a rule that waits, from record r (its stream: source and
 * raw labels, as lt_evidence_line sees them).  Evidence now: fn is called with
 * LT_EV_EVIDENCE before this returns.  Pending: a copy is kept.  Below
 * its count: *below is set to 1.
 */
enum lt_status lt_evidence_offer(struct lt_evidence *ev,
    const struct lt_record *r, const struct lt_match *m, lt_ev_fn *fn,
    void *ctx, int *below);

/*
 * A line of source (its record r, the text p[0..n) as matched): clears
 * the pending matches of its stream that a rule's cleared_by pattern
 * matches (fn with LT_EV_RESOLVED).
 */
enum lt_status lt_evidence_line(struct lt_evidence *ev, const char *source,
    const struct lt_record *r, const char *p, size_t n, lt_ev_fn *fn,
    void *ctx);

/* The time, in ms of a monotonic clock, for matches kept from now on. */
void lt_evidence_clock(struct lt_evidence *ev, unsigned long long now_ms);

/*
 * Write (LT_EV_PENDING) each kept match that has waited hold_ms or more
 * and was not written so yet; *next_ms: the clock when the next one is
 * due, 0 for none.  hold_ms 0: never.
 */
enum lt_status lt_evidence_tick(struct lt_evidence *ev,
    unsigned long long hold_ms, lt_ev_fn *fn, void *ctx,
    unsigned long long *next_ms);

/* End of input: every pending match is decided as evidence. */
enum lt_status lt_evidence_end(struct lt_evidence *ev, lt_ev_fn *fn,
    void *ctx);

#endif

/*
 * logtriage/verdict.h - root cause and counts over a whole run.
 *
 * The verdict sees every match and keeps only what the summary needs:
 * counts per category and the best match of up to LT_VERDICT_TOP distinct
 * rules.  Since a rule's rank (priority, severity) does not change between
 * its matches, a rule's first match is its best, so a bounded top list is
 * exact: memory does not grow with the input.
 *
 * Root cause policy: among matches whose severity is at or above fail_on,
 * the highest priority wins, then the highest severity, then the earliest
 * match (in input order).  Matches below fail_on are counted but never
 * become the cause.
 */
#ifndef LOGTRIAGE_VERDICT_H
#define LOGTRIAGE_VERDICT_H

#include <stddef.h>

#include "api.h"
#include "decode.h"
#include "rules.h"
#include "scan.h"

#define LT_VERDICT_TOP 4	/* the cause and three runners-up */

#define LT_CONTEXT_MAX 50		/* -A/-B/-C lines each way */
#define LT_CONTEXT_LINE_MAX 8192u	/* bytes of a context line kept */

/* A line of context around a match (already redacted). */
struct lt_ctx_line {
	const char *text;
	size_t len;
	unsigned long long line;
};

/* One matched line, as the emitters and the verdict see it. */
struct lt_match {
	size_t rule;		/* rank index in the ruleset */
	const char *source;	/* source name */
	unsigned long long line;	/* 1-based line (entry) in the source */
	unsigned long long seq;	/* position in the whole run */
	const char *time;	/* RFC 3339 UTC; NULL when the input has none */
	size_t n_labels;
	const struct lt_label *labels;	/* origin: host, unit, step, ... */
	const char *text;	/* the message as matched */
	size_t text_len;
	size_t start;		/* [start, end) of the match in text */
	size_t end;
	size_t n_fields;
	struct lt_field fields[LT_FIELDS_MAX];
	int has_context;	/* -A/-B/-C were asked for */
	size_t n_before;
	const struct lt_ctx_line *before;	/* oldest first */
	size_t n_after;
	const struct lt_ctx_line *after;
	unsigned ev_count;	/* > 1: it completed a count of this many */
	unsigned long long ev_first_line;	/* where that count began */
	unsigned long long ev_matches;	/* > 1: it stands for this many
					   pending matches (itself and those
					   only counted), all of them counted */
};

/*
 * A deep copy of src in one allocation: *dst is src with every pointer
 * (text, source, time, labels, context) moved into the returned block,
 * which the caller frees with free().  NULL when out of memory.
 */
LT_API void *lt_match_dup(const struct lt_match *src, struct lt_match *dst);

struct lt_counts {
	unsigned long long lines;
	unsigned long long matches;
	unsigned long long sources;
	unsigned long long truncated_lines;	/* longer than max_line */
	unsigned long long limit_hits;	/* regex budget exhausted */
	unsigned long long unreadable_inputs;
	unsigned long long decode_errors;	/* lines not valid in their format */
	unsigned long long resolved;	/* matches a cleared_by line cleared */
	unsigned long long unconfirmed;	/* matches short of their count */
};

struct lt_category_count {
	unsigned long long count;
	enum lt_severity severity;	/* highest seen */
	unsigned long long first_line;
	const char *first_source;	/* owned by the verdict */
};

struct lt_verdict;

LT_API struct lt_verdict *lt_verdict_new(const struct lt_ruleset *rs,
    enum lt_severity fail_on);
LT_API void lt_verdict_free(struct lt_verdict *v);

/* Count and rank a match; its strings and labels are copied when kept. */
LT_API enum lt_status lt_verdict_add(struct lt_verdict *v,
    const struct lt_match *m);

/* Counters, for the caller to update as lines pass. */
LT_API struct lt_counts *lt_verdict_counts(struct lt_verdict *v);
LT_API const struct lt_counts *lt_verdict_counts_const(
    const struct lt_verdict *v);

/* Matches of rule i (rank index) so far. */
LT_API unsigned long long lt_verdict_rule_count(const struct lt_verdict *v,
    size_t i);

/* 1 when a cause was found (the run failed), 0 when clean. */
LT_API int lt_verdict_failed(const struct lt_verdict *v);

/*
 * The summary's verdict: "failure" when a cause was found, else
 * "incomplete" when an input could not be read (nothing found in what
 * was read, but not everything was read), else "clean".
 */
LT_API const char *lt_verdict_word(const struct lt_verdict *v);

#define LT_VERDICT_UNREADABLE_MAX 16	/* names kept; all are counted */

/* An input that could not be read: counted, and its name kept. */
LT_API enum lt_status lt_verdict_unreadable(struct lt_verdict *v,
    const char *source);

/* The i-th unreadable input's name; NULL past the end. */
LT_API const char *lt_verdict_unreadable_name(const struct lt_verdict *v,
    size_t i);

/* i-th best distinct-rule match: 0 is the cause.  NULL past the end. */
LT_API const struct lt_match *lt_verdict_top(const struct lt_verdict *v,
    size_t i);

/* Per category counts (index as lt_ruleset_category); NULL if none. */
LT_API const struct lt_category_count *lt_verdict_category(
    const struct lt_verdict *v, size_t i);

/*
 * One sentence saying why the cause won (which step of the policy
 * decided), written into buf (always NUL-terminated).
 */
LT_API void lt_verdict_why(const struct lt_verdict *v, char *buf, size_t size);

LT_API const struct lt_ruleset *lt_verdict_ruleset(const struct lt_verdict *v);
LT_API enum lt_severity lt_verdict_fail_on(const struct lt_verdict *v);

#endif

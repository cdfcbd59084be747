/*
 * logtriage/scan.h - the per-stream matcher.
 *
 * A scanner holds everything that changes while matching (PCRE2 match
 * data, JIT stack, scratch) for one compiled ruleset, which it only reads.
 * One scanner serves one thread; make one per thread or stream.
 *
 * lt_scanner_scan() takes one line as a (pointer, length) span of bytes:
 * NUL bytes and invalid UTF-8 are allowed.  Rules are tried in rank order
 * (see lt_ruleset_rule) and the first rule that matches wins, so the hit
 * is the best rule for that line.  A rule matches when any of its match
 * patterns matches and none of its unless patterns does.  The ruleset's
 * prefilter, when it has one, only spares PCRE2 the patterns that cannot
 * match; the results are the same without it.
 */
#ifndef LOGTRIAGE_SCAN_H
#define LOGTRIAGE_SCAN_H

#include <stddef.h>

#include "api.h"
#include "rules.h"

#define LT_FIELDS_MAX 16
#define LT_JOBS_MAX 64		/* threads one scanner may use */

/* A named capture: name lives in the ruleset, offsets index the line. */
struct lt_field {
	const char *name;
	size_t start;
	size_t end;
};

struct lt_hit {
	size_t rule;		/* rank index, for lt_ruleset_rule() */
	size_t start;		/* [start, end) of the match in the line */
	size_t end;
	size_t n_fields;
	struct lt_field fields[LT_FIELDS_MAX];
};

/* What went wrong but did not stop the scan of one line. */
struct lt_scan_note {
	unsigned limit_hits;	/* (pattern) evaluations stopped by a limit */
	size_t limit_rule;	/* rank index of the first such rule */
	int budget_out;		/* the line used its CPU budget (line_budget_ms) */
	size_t budget_rule;	/* rank index of the rule it ran out in */
};

struct lt_scanner;

/* NULL when out of memory.  The ruleset must outlive the scanner. */
LT_API struct lt_scanner *lt_scanner_new(const struct lt_ruleset *rs);
LT_API void lt_scanner_free(struct lt_scanner *sc);

/*
 * Let the prefilter scan the window (see lt_scanner_window) ahead of the
 * lines with jobs - 1 helper threads (at most LT_JOBS_MAX - 1), while the
 * calling thread matches lines in order; results do not change.  Returns
 * the number of threads now used, 1 when there is no prefilter or no
 * thread could be started.  Call it before the first window.
 */
LT_API unsigned lt_scanner_jobs(struct lt_scanner *sc, unsigned jobs);

/*
 * Say that the lines about to be scanned come from buf[0..len) (the
 * buffer a caller is splitting), so that the prefilter can look at many
 * lines in one pass; lines that do not point into it are looked at on
 * their own.  buf must not change until the next call, and
 * lt_scanner_window(sc, NULL, 0) forgets it.  Only speed depends on it.
 */
LT_API void lt_scanner_window(struct lt_scanner *sc, const char *buf,
    size_t len);

/*
 * p[0..n) is the window from the start of a line on.  Returns how many
 * bytes from p are whole lines (the last ends in a newline) that no rule
 * can match as they are, whole or in part, and that hold none of the
 * ruleset's attention literals (the bytes the stages after the matcher
 * declared they must see, compiled with the ruleset): the prefilter
 * found none of the rules' literals or of those there, and every
 * pattern has literals.  0 when it cannot
 * tell, or the first line may match.  Lets a caller pass such lines over
 * without a look (see lt_decoder_runs).  Lines are taken as they are: a
 * caller that removes ANSI escapes before matching must also stop a run
 * before a line with an ESC, as removing one can join a literal.
 */
LT_API size_t lt_scanner_run(struct lt_scanner *sc, const char *p, size_t n);

/*
 * Match one line.  Returns 1 and fills *hit when a rule matched, 0 when
 * none did.  *note is always filled.  A pattern that exceeds its match,
 * depth or heap limit counts as not matching and is counted in *note.
 */
LT_API int lt_scanner_scan(struct lt_scanner *sc, const char *line, size_t len,
    struct lt_hit *hit, struct lt_scan_note *note);

/*
 * Match one line against every rule, not only until the first hit: sets
 * matched[r] to 1 for each rank index r whose rule matches (match and not
 * vetoed) and 0 otherwise; matched must hold lt_ruleset_count() bytes.
 * Returns how many rules matched.  For analysis (lint), not the hot path.
 */
LT_API size_t lt_scanner_scan_all(struct lt_scanner *sc, const char *line,
    size_t len, unsigned char *matched, struct lt_scan_note *note);

/*
 * Rules with annotation = WORD (rules.h) match every line whose decoder
 * labelled it annotation=WORD, whatever its text: word[0..len) is the
 * line's annotation label (NULL: it has none).  Given what
 * lt_scanner_scan() returned for the line (have, *hit), *hit becomes the
 * better ranked of that and the best annotation rule: the whole line
 * [0, n), no fields.  Returns 1 when the line has a hit.
 */
LT_API int lt_scanner_annotated(const struct lt_scanner *sc,
    const char *word, size_t len, size_t n, int have, struct lt_hit *hit);

/* The same for lt_scanner_scan_all(): sets matched[r] of each annotation
 * rule that matches; returns how many it set that were 0. */
LT_API size_t lt_scanner_annotated_all(const struct lt_scanner *sc,
    const char *word, size_t len, unsigned char *matched);

#endif

/*
 * scan.c - match one line against a compiled ruleset.
 *
 * The ruleset is in rank order, so the scanner walks it and stops at the
 * first rule that matches: that rule is the line's best, by the same
 * policy the verdict uses for the whole run.  For one rule, match
 * patterns are tried in order until one matches; then every unless
 * pattern is tried and any match vetoes the rule for this line.
 *
 * When the ruleset has a prefilter (prefilter.c), the walk only visits
 * the match patterns the prefilter names for the line, still in rank
 * order; a pattern it leaves out cannot match, so the first hit, and the
 * PCRE2 match data that describe it, are those of the full walk.  Unless
 * patterns are always PCRE2's alone: they run only on a line that some
 * match pattern of their rule has matched.
 *
 * Every pcre2_match() runs under the ruleset's match, depth and heap
 * limits with a private JIT stack, so a pathological pattern on a hostile
 * line costs a bounded amount of work; the evaluation counts as "no
 * match" and is reported in the scan note for the caller to count and
 * name.  A \K that moves the start past the end is clamped to an empty
 * span at the end.
 *
 * PCRE2's limits count per start position, so a pattern that does linear
 * work from each of a long line's starts (".*X" on a line of near-misses)
 * is quadratic and never hits one.  Hence a per-line budget: a line
 * longer than WINDOW is searched WINDOW start positions at a time (the
 * offset limit; the first match found is the one a single search finds),
 * and between windows the thread's CPU time is read.  When the line has
 * used the ruleset's line_budget_ms for each MiB of it begun (a fixed
 * budget made the verdict on a 65 MiB line depend on the machine's speed:
 * a slow one ran out in linear work), the evaluation stops, counts as a
 * limit hit, and every later pattern on that line counts as one too
 * (the note says so, for the caller to warn).
 *
 * A rule with annotation = WORD also matches a line by its decoder's
 * label, not its text (an Actions "##[error]" line, whose marker the
 * decoder takes off): the caller hands the label to
 * lt_scanner_annotated(), which keeps the better ranked of the scan's
 * hit and the best such rule, from the ruleset's list of them.
 *
 * JIT on first use.  The ruleset leaves its match and unless programs
 * uncompiled (rules_compile.c); a program is JIT compiled just before
 * its first pcre2_match(), so a short log pays only for the patterns
 * the prefilter names.  A ruleset may be shared by scanners in several
 * threads, and pcre2_jit_compile() writes to the program while
 * pcre2_match() reads it, so no thread may match a program another may
 * be compiling: every thread calls code_of() before a match, which
 * returns at once when the program's flag is set (an acquire load) and
 * otherwise compiles it under one process-wide mutex, then sets the flag
 * (a release store).  A program is thus compiled once, before any
 * thread matches it, and only read after; the mutex is taken only until
 * a thread has seen a program's flag.  The results are those of
 * compiling everything up front: the same programs, JIT or not.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logtriage/scan.h"
#include "match/match_int.h"

#define JIT_STACK_MIN (32u << 10)
#define JIT_STACK_MAX (1u << 20)
#define WINDOW 4096		/* start positions per search of a long line */
#define BUDGET_UNIT (1u << 20)	/* line_budget_ms is per MiB of line begun */

static pthread_mutex_t jit_mu = PTHREAD_MUTEX_INITIALIZER;

/* Program i of rule c (match, then unless), JIT compiled if it can be. */
static const pcre2_code *
code_of(const struct lt_crule *c, size_t i)
{
	pcre2_code *code = i < c->info.n_match ? c->match[i] :
	    c->unless[i - c->info.n_match];

	if (atomic_load_explicit(&c->jit[i], memory_order_acquire))
		return code;
	pthread_mutex_lock(&jit_mu);
	if (!atomic_load_explicit(&c->jit[i], memory_order_relaxed)) {
		/* a failure leaves the interpreter, as compiling up front did */
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
		atomic_store_explicit(&c->jit[i], 1, memory_order_release);
	}
	pthread_mutex_unlock(&jit_mu);
	return code;
}

struct lt_scanner {
	const struct lt_ruleset *rs;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	struct lt_pfscan *pf;	/* NULL: no prefilter */
	long long line_t0;	/* CPU ns when this line's search began, or -1 */
	int spent;		/* this line's budget is used up */
};

struct lt_scanner *
lt_scanner_new(const struct lt_ruleset *rs)
{
	struct lt_scanner *sc = calloc(1, sizeof *sc);

	if (sc == NULL)
		return NULL;
	sc->rs = rs;
	sc->md = pcre2_match_data_create(rs->max_ovec, NULL);
	sc->mctx = pcre2_match_context_create(NULL);
	sc->jstack = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL);
	if (rs->pf != NULL)
		sc->pf = lt_pfscan_new(rs->pf);
	if (sc->md == NULL || sc->mctx == NULL ||
	    (rs->pf != NULL && sc->pf == NULL)) {
		lt_scanner_free(sc);
		return NULL;
	}
	pcre2_set_match_limit(sc->mctx, rs->opts.match_limit);
	pcre2_set_depth_limit(sc->mctx, rs->opts.depth_limit);
	pcre2_set_heap_limit(sc->mctx, rs->opts.heap_limit_kib);
	if (sc->jstack != NULL)
		pcre2_jit_stack_assign(sc->mctx, NULL, sc->jstack);
	return sc;
}

void
lt_scanner_free(struct lt_scanner *sc)
{
	if (sc == NULL)
		return;
	pcre2_match_data_free(sc->md);
	pcre2_match_context_free(sc->mctx);
	pcre2_jit_stack_free(sc->jstack);
	lt_pfscan_free(sc->pf);
	free(sc);
}

static long long
cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A new line: its budget is whole again. */
static void
line_begin(struct lt_scanner *sc, struct lt_scan_note *note)
{
	note->limit_hits = 0;
	note->limit_rule = 0;
	note->budget_out = 0;
	sc->line_t0 = -1;
	sc->spent = 0;
}

/*
 * The line's budget in CPU ns: line_budget_ms for each MiB of it begun,
 * so linear work over a long line (--max-line 64M) always fits, on a
 * slow machine too, and only super-linear work runs out.  Saturates.
 */
static long long
line_budget_ns(uint32_t ms, size_t n)
{
	unsigned long long units = n / BUDGET_UNIT + (n % BUDGET_UNIT != 0);
	unsigned long long per = (unsigned long long)ms * 1000000ULL;

	if (units == 0)
		units = 1;
	if (per > (unsigned long long)LLONG_MAX / units)
		return LLONG_MAX;
	return (long long)(per * units);
}

/* Has the line used its budget?  Read the clock only on long lines. */
static int
over_budget(struct lt_scanner *sc, size_t n)
{
	long long now, budget = line_budget_ns(sc->rs->opts.line_budget_ms,
	    n);

	if (budget <= 0)
		return 0;
	now = cpu_ns();
	if (sc->line_t0 < 0)
		sc->line_t0 = now;
	return now - sc->line_t0 > budget;
}

/* A long line: WINDOW start positions a search, the budget between. */
static int
search_windows(struct lt_scanner *sc, const pcre2_code *code,
    const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t s = 0, lim;
	int rc;

	for (;;) {
		if (over_budget(sc, n)) {
			sc->spent = 1;
			rc = PCRE2_ERROR_MATCHLIMIT;
			break;
		}
		lim = n - s > WINDOW ? s + WINDOW : PCRE2_UNSET;
		pcre2_set_offset_limit(sc->mctx, lim);
		rc = pcre2_match(code, (PCRE2_SPTR)p, n, s, 0, sc->md,
		    sc->mctx);
		if (rc != PCRE2_ERROR_NOMATCH || lim == PCRE2_UNSET)
			break;
		/* the next window starts on a character, not inside one */
		for (s = lim + 1; s < n && (u[s] & 0xc0) == 0x80 &&
		    s < lim + 4; s++)
			;
	}
	pcre2_set_offset_limit(sc->mctx, PCRE2_UNSET);
	return rc;
}

/* 1 matched, 0 did not; a limit counts as 0 and is noted. */
static int
try(struct lt_scanner *sc, const pcre2_code *code, const char *p, size_t n,
    size_t rule, struct lt_scan_note *note)
{
	int rc;

	if (sc->spent)
		rc = PCRE2_ERROR_MATCHLIMIT;	/* the line's budget is gone */
	else if (n <= WINDOW)
		rc = pcre2_match(code, (PCRE2_SPTR)p, n, 0, 0, sc->md,
		    sc->mctx);
	else
		rc = search_windows(sc, code, p, n);
	if (rc >= 0)
		return 1;
	if (rc != PCRE2_ERROR_NOMATCH && rc != PCRE2_ERROR_PARTIAL) {
		/* match/depth/heap limit, budget, JIT stack, or no memory */
		if (note->limit_hits++ == 0)
			note->limit_rule = rule;
		if (sc->spent && !note->budget_out) {
			note->budget_out = 1;
			note->budget_rule = rule;
		}
	}
	return 0;
}

static void
fill_hit(struct lt_scanner *sc, const pcre2_code *code, size_t rule,
    size_t n, struct lt_hit *hit)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
	uint32_t count, esize, i, ovn = pcre2_get_ovector_count(sc->md);
	PCRE2_SPTR table;

	hit->rule = rule;
	hit->start = ov[0];
	hit->end = ov[1];
	if (hit->end > n)
		hit->end = n;
	if (hit->start > hit->end)
		hit->start = hit->end;
	hit->n_fields = 0;
	if (pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count) != 0 ||
	    count == 0)
		return;
	pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count && hit->n_fields < LT_FIELDS_MAX; i++) {
		const unsigned char *ent = table + (size_t)i * esize;
		uint32_t g = ((uint32_t)ent[0] << 8) | ent[1];
		struct lt_field *f;

		if (g >= ovn || ov[2 * g] == PCRE2_UNSET)
			continue;
		f = &hit->fields[hit->n_fields++];
		f->name = (const char *)ent + 2;
		f->start = ov[2 * g];
		f->end = ov[2 * g + 1];
		if (f->end > n)
			f->end = n;
		if (f->start > f->end)
			f->start = f->end;
	}
}

unsigned
lt_scanner_jobs(struct lt_scanner *sc, unsigned jobs)
{
	return sc->pf != NULL ? lt_pfscan_jobs(sc->pf, jobs) : 1;
}

size_t
lt_scanner_run(struct lt_scanner *sc, const char *p, size_t n)
{
	return sc->pf != NULL ? lt_pfscan_run(sc->pf, p, n) : 0;
}

void
lt_scanner_window(struct lt_scanner *sc, const char *buf, size_t len)
{
	if (sc->pf != NULL)
		lt_pfscan_window(sc->pf, buf, len);
}

/* Match pattern j of rule r: 1 a hit (filled), 0 no match, -1 vetoed. */
static int
try_rule(struct lt_scanner *sc, size_t r, size_t j, const char *p, size_t n,
    struct lt_hit *hit, struct lt_scan_note *note)
{
	const struct lt_crule *c = &sc->rs->rules[r];
	const pcre2_code *code = code_of(c, j);
	size_t k;

	if (!try(sc, code, p, n, r, note))
		return 0;
	fill_hit(sc, code, r, n, hit);
	for (k = 0; k < c->info.n_unless; k++)
		if (try(sc, code_of(c, c->info.n_match + k), p, n, r, note))
			return -1;
	return 1;
}

/* Every pattern of every rule. */
static int
walk_all(struct lt_scanner *sc, const char *p, size_t n, struct lt_hit *hit,
    struct lt_scan_note *note)
{
	const struct lt_ruleset *rs = sc->rs;
	size_t r, j;
	int rc;

	for (r = 0; r < rs->n_rules; r++)
		for (j = 0; j < rs->rules[r].info.n_match; j++) {
			if ((rc = try_rule(sc, r, j, p, n, hit, note)) == 1)
				return 1;
			if (rc < 0)
				break;	/* vetoed: next rule */
		}
	return 0;
}

/* The prefilter's candidates: two sorted lists of pattern indexes. */
static int
walk_cand(struct lt_scanner *sc, const struct lt_pfcand *c, const char *p,
    size_t n, struct lt_hit *hit, struct lt_scan_note *note)
{
	const struct lt_ruleset *rs = sc->rs;
	size_t i = 0, e = 0;
	uint32_t k, r, vetoed = UINT32_MAX;
	int rc;

	while (i < c->na || e < c->nb) {
		if (e >= c->nb || (i < c->na && c->a[i] <= c->b[e])) {
			k = c->a[i++];
			if (e < c->nb && c->b[e] == k)
				e++;
		} else {
			k = c->b[e++];
		}
		r = rs->pat_rule[k];
		if (r == vetoed)
			continue;
		if ((rc = try_rule(sc, r, rs->pat_j[k], p, n, hit, note)) == 1)
			return 1;
		if (rc < 0)
			vetoed = r;
	}
	return 0;
}

int
lt_scanner_scan(struct lt_scanner *sc, const char *p, size_t n,
    struct lt_hit *hit, struct lt_scan_note *note)
{
	struct lt_pfcand c;

	line_begin(sc, note);
	if (sc->pf == NULL || lt_pfscan_line(sc->pf, p, n, &c) != 0)
		return walk_all(sc, p, n, hit, note);
	return walk_cand(sc, &c, p, n, hit, note);
}

/* Does rule r match (some match pattern, no unless pattern)? */
static int
rule_matches(struct lt_scanner *sc, size_t r, const char *p, size_t n,
    struct lt_scan_note *note)
{
	const struct lt_crule *c = &sc->rs->rules[r];
	size_t j, k;

	for (j = 0; j < c->info.n_match; j++)
		if (try(sc, code_of(c, j), p, n, r, note))
			break;
	if (j == c->info.n_match)
		return 0;
	for (k = 0; k < c->info.n_unless; k++)
		if (try(sc, code_of(c, c->info.n_match + k), p, n, r, note))
			return 0;
	return 1;
}

size_t
lt_scanner_scan_all(struct lt_scanner *sc, const char *p, size_t n,
    unsigned char *matched, struct lt_scan_note *note)
{
	size_t r, count = 0;

	line_begin(sc, note);
	for (r = 0; r < sc->rs->n_rules; r++) {
		matched[r] = (unsigned char)rule_matches(sc, r, p, n, note);
		count += matched[r];
	}
	return count;
}

/* Is rank index r an annotation rule for word[0..len)? */
static int
ann_is(const struct lt_ruleset *rs, uint32_t r, const char *word, size_t len)
{
	const char *w = rs->rules[r].info.annotation;

	return strlen(w) == len && memcmp(w, word, len) == 0;
}

int
lt_scanner_annotated(const struct lt_scanner *sc, const char *word,
    size_t len, size_t n, int have, struct lt_hit *hit)
{
	const struct lt_ruleset *rs = sc->rs;
	size_t i;

	if (word == NULL)
		return have;
	for (i = 0; i < rs->n_ann && (!have || rs->ann_rule[i] < hit->rule);
	    i++)
		if (ann_is(rs, rs->ann_rule[i], word, len)) {
			hit->rule = rs->ann_rule[i];
			hit->start = 0;
			hit->end = n;
			hit->n_fields = 0;
			return 1;
		}
	return have;
}

size_t
lt_scanner_annotated_all(const struct lt_scanner *sc, const char *word,
    size_t len, unsigned char *matched)
{
	const struct lt_ruleset *rs = sc->rs;
	size_t i, count = 0;

	for (i = 0; word != NULL && i < rs->n_ann; i++)
		if (!matched[rs->ann_rule[i]] &&
		    ann_is(rs, rs->ann_rule[i], word, len)) {
			matched[rs->ann_rule[i]] = 1;
			count++;
		}
	return count;
}

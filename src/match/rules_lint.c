/*
 * rules_lint.c - spot patterns that are likely to backtrack badly.
 *
 * PCRE2 runs every pattern under a match budget (see scan.c), so a bad
 * pattern cannot hang logtriage, but it can make it slow on long lines
 * and silently miss matches when the budget runs out.  This is a cheap
 * look at the pattern's text, not a proof: it warns about the shapes that
 * cause most trouble in practice.
 *
 *  - a quantified group that itself holds an unbounded quantifier,
 *    (a+)+ or (\w*x?)*: exponential on a near-miss;
 *  - a pattern that starts with .* or .+: it is tried from every start
 *    position and scans to the end each time (quadratic), and a match
 *    anywhere in the line is what PCRE2 looks for anyway;
 *  - .* or .+ directly before a capture group: the greedy run swallows
 *    the line and gives it back one byte at a time.
 *
 * The pattern is read as tokens of the PCRE2 lexer (rxlex.c), so escapes,
 * classes, \Q...\E, comments and (?x) are read as PCRE2 reads them; the
 * scan tracks group nesting to a fixed depth, stops where the lexer
 * stops following the syntax (a verb, a conditional, ...), and reports
 * each shape once per pattern with the column of the offending token.
 */
#include <string.h>

#include "match/rxlex.h"
#include "rules_int.h"

#define DEPTH_MAX 64

/* Is t an unbounded quantifier (*, +, {n,})? */
static int
unbounded(const struct lt_rx_token *t)
{
	return t->kind == LT_RX_QUANT && t->max == LT_RX_INF;
}

/* Does t make the item before it optional (?, *, {0,...})? */
static int
optional(const struct lt_rx_token *t)
{
	return t->kind == LT_RX_QUANT && t->min == 0;
}

/* Is t a quantifier written as a lone '*' or '+' (lazy allowed)? */
static int
star_or_plus(const char *p, const struct lt_rx_token *t)
{
	return t->kind == LT_RX_QUANT && (p[t->off] == '*' || p[t->off] == '+');
}

/* An option setting such as (?i) or (?-m), as the leading check skips. */
static int
plain_options(const char *p, const struct lt_rx_token *t)
{
	size_t k;

	if (t->kind != LT_RX_OPTS || t->len < 4)
		return 0;
	for (k = t->off + 2; k + 1 < t->off + t->len; k++)
		if (strchr("imsxnU-^", p[k]) == NULL)
			return 0;
	return 1;
}

/* A pattern that starts with .* or .+, after inline options. */
static void
leading_any(const char *p, size_t n, lt_risk_fn *warn, void *ctx)
{
	struct lt_rxlex lx;
	struct lt_rx_token t;
	size_t k;

	lt_rxlex_init(&lx, p, n, 0);
	for (k = 0; k <= n && lt_rxlex_next(&lx, &t) == LT_RX_OPTS; k++)
		if (!plain_options(p, &t))
			return;
	if (t.kind != LT_RX_ANY)
		return;
	if (star_or_plus(p, lt_rxlex_peek(&lx)))
		warn(ctx, t.off, "pattern starts with '.*' or '.+': it scans the "
		    "rest of the line from every start position; drop it");
}

void
lt_pattern_risks(const char *p, size_t n, lt_risk_fn *warn, void *ctx)
{
	/* per open group: holds an unbounded quantifier / a mandatory literal */
	unsigned char unb[DEPTH_MAX], lit[DEPTH_MAX];
	struct lt_rxlex lx;
	struct lt_rx_token t;
	const struct lt_rx_token *q;
	/* the two tokens before: a .* right before a ( */
	enum lt_rx_kind kind1 = LT_RX_END, kind2 = LT_RX_END;
	size_t off1 = 0, off2 = 0;
	int star1 = 0;
	size_t depth = 0, d, k;
	int warned_nested = 0, warned_capture = 0;

	memset(unb, 0, sizeof unb);
	memset(lit, 0, sizeof lit);
	leading_any(p, n, warn, ctx);
	lt_rxlex_init(&lx, p, n, 0);
	for (k = 0; k <= n; k++) {
		(void)lt_rxlex_next(&lx, &t);
		if (t.kind == LT_RX_END || t.kind == LT_RX_ERROR ||
		    t.kind == LT_RX_UNSUPPORTED)
			break;
		q = lt_rxlex_peek(&lx);
		d = depth < DEPTH_MAX ? depth : DEPTH_MAX - 1;
		switch (t.kind) {
		case LT_RX_LIT:
		case LT_RX_BACKREF:
			if (unbounded(q))
				unb[d] = 1;
			else if (!optional(q))
				lit[d] = 1;
			break;
		case LT_RX_ANY:
		case LT_RX_TYPE:
		case LT_RX_ASSERT:
			/* ^ and $ are not items; \b+ counts as one */
			if (unbounded(q) && !(t.kind == LT_RX_ASSERT &&
			    (t.cp == '^' || t.cp == '$')))
				unb[d] = 1;
			break;
		case LT_RX_CLASS:
			while (k++ <= n && lt_rxlex_next(&lx, &t) !=
			    LT_RX_CLASS_END && t.kind != LT_RX_END &&
			    t.kind != LT_RX_ERROR && t.kind != LT_RX_UNSUPPORTED)
				;
			if (t.kind != LT_RX_CLASS_END)
				return;
			if (unbounded(lt_rxlex_peek(&lx)))
				unb[d] = 1;
			break;
		case LT_RX_GROUP:
			if (!warned_capture && kind1 == LT_RX_QUANT && star1 &&
			    kind2 == LT_RX_ANY &&
			    (t.group == LT_RXG_CAPTURE ||
			    t.group == LT_RXG_NAMED)) {
				warn(ctx, off2, "greedy '.*' before a "
				    "capture group backtracks over the whole "
				    "line; use a tighter class or '.*?'");
				warned_capture = 1;
			}
			depth++;
			if (depth < DEPTH_MAX)
				unb[depth] = lit[depth] = 0;
			break;
		case LT_RX_CLOSE:
			if (depth == 0)
				break;
			if (depth < DEPTH_MAX && unb[depth] && !lit[depth] &&
			    unbounded(q) && !warned_nested) {
				warn(ctx, q->off, "nested unbounded quantifiers "
				    "(like '(a+)+') can backtrack exponentially");
				warned_nested = 1;
			}
			if (depth < DEPTH_MAX && depth > 1) {
				unb[depth - 1] |= unb[depth] || unbounded(q);
				lit[depth - 1] |= lit[depth] && !optional(q);
			}
			depth--;
			break;
		default:	/* | option settings, quantifiers */
			break;
		}
		kind2 = kind1;
		off2 = off1;
		kind1 = t.kind;
		off1 = t.off;
		star1 = t.len == 1 && star_or_plus(p, &t);
	}
}

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
 * The scan skips escapes and character classes, tracks group nesting to
 * a fixed depth, and reports each shape once per pattern with the column
 * of the offending quantifier.
 */
#include <string.h>

#include "rules_int.h"

#define DEPTH_MAX 64

/* Is p[i] the start of an unbounded quantifier (*, +, {n,})? */
static int
unbounded_at(const char *p, size_t n, size_t i)
{
	size_t j;

	if (i >= n)
		return 0;
	if (p[i] == '*' || p[i] == '+')
		return 1;
	if (p[i] != '{')
		return 0;
	for (j = i + 1; j < n && p[j] >= '0' && p[j] <= '9'; j++)
		;
	return j > i + 1 && j + 1 < n && p[j] == ',' && p[j + 1] == '}';
}

/* Skip a character class starting at p[i] == '['; index after it. */
static size_t
skip_class(const char *p, size_t n, size_t i)
{
	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')
		i++;
	while (i < n && p[i] != ']') {
		if (p[i] == '\\')
			i++;
		i++;
	}
	return i < n ? i + 1 : n;
}

/* Is the atom ending before p[i] made optional by ?, * or {0,...}? */
static int
optional_at(const char *p, size_t n, size_t i)
{
	return i < n && (p[i] == '?' || p[i] == '*' ||
	    (p[i] == '{' && i + 1 < n && p[i + 1] == '0'));
}

void
lt_pattern_risks(const char *p, size_t n, lt_risk_fn *warn, void *ctx)
{
	/* per open group: holds an unbounded quantifier / a mandatory literal */
	unsigned char unb[DEPTH_MAX], lit[DEPTH_MAX];
	size_t i = 0, depth = 0, d;
	int warned_nested = 0, warned_capture = 0;

	memset(unb, 0, sizeof unb);
	memset(lit, 0, sizeof lit);
	/* a leading .* or .+, after inline options such as (?i) */
	while (i + 2 < n && p[i] == '(' && p[i + 1] == '?' &&
	    strchr("imsxnU-^", p[i + 2]) != NULL) {
		size_t j = i + 2;

		while (j < n && strchr("imsxnU-^", p[j]) != NULL)
			j++;
		if (j < n && p[j] == ')')
			i = j + 1;
		else
			break;
	}
	if (i + 1 < n && p[i] == '.' && (p[i + 1] == '*' || p[i + 1] == '+'))
		warn(ctx, i, "pattern starts with '.*' or '.+': it scans the "
		    "rest of the line from every start position; drop it");
	for (i = 0; i < n; i++) {
		d = depth < DEPTH_MAX ? depth : DEPTH_MAX - 1;
		switch (p[i]) {
		case '\\':
			i++;
			if (i >= n)
				continue;
			if (unbounded_at(p, n, i + 1))
				unb[d] = 1;
			else if (!optional_at(p, n, i + 1) &&
			    !((p[i] >= 'a' && p[i] <= 'z') ||
			    (p[i] >= 'A' && p[i] <= 'Z')))
				lit[d] = 1;	/* an escaped literal */
			continue;
		case '[':
			i = skip_class(p, n, i) - 1;
			if (unbounded_at(p, n, i + 1))
				unb[d] = 1;
			continue;
		case '(':
			if (!warned_capture && i >= 2 && p[i - 2] == '.' &&
			    (p[i - 1] == '*' || p[i - 1] == '+') &&
			    (i < 3 || p[i - 3] != '\\') &&
			    (i + 1 >= n || p[i + 1] != '?' || (i + 2 < n &&
			    (p[i + 2] == '<' || p[i + 2] == 'P' ||
			    p[i + 2] == '\'')))) {
				warn(ctx, i - 2, "greedy '.*' before a capture "
				    "group backtracks over the whole line; use a "
				    "tighter class or '.*?'");
				warned_capture = 1;
			}
			depth++;
			if (depth < DEPTH_MAX)
				unb[depth] = lit[depth] = 0;
			continue;
		case ')':
			if (depth == 0)
				continue;
			if (depth < DEPTH_MAX && unb[depth] && !lit[depth] &&
			    unbounded_at(p, n, i + 1) && !warned_nested) {
				warn(ctx, i + 1, "nested unbounded quantifiers "
				    "(like '(a+)+') can backtrack exponentially");
				warned_nested = 1;
			}
			if (depth < DEPTH_MAX && depth > 1) {
				unb[depth - 1] |= unb[depth] ||
				    unbounded_at(p, n, i + 1);
				lit[depth - 1] |= lit[depth] &&
				    !optional_at(p, n, i + 1);
			}
			depth--;
			continue;
		case '.':
			if (unbounded_at(p, n, i + 1))
				unb[d] = 1;
			continue;
		case '{': {	/* skip a quantifier's digits */
			size_t j = i + 1;

			while (j < n && ((p[j] >= '0' && p[j] <= '9') ||
			    p[j] == ','))
				j++;
			if (j < n && p[j] == '}' && j > i + 1)
				i = j;
			continue;
		}
		case '|': case '^': case '$': case '*': case '+': case '?':
		case '}':
			continue;
		default:	/* a literal character */
			if (unbounded_at(p, n, i + 1))
				unb[d] = 1;
			else if (!optional_at(p, n, i + 1))
				lit[d] = 1;
			continue;
		}
	}
}

/*
 * logtriage/logql.h - rule pushdown: a LogQL line filter from the rules.
 *
 * Before logtriage asks Loki for lines, it can ask Loki to leave out the
 * lines no rule could match: one line filter `|~ "RE"` is appended to the
 * query, RE an alternation of the rules' match patterns translated from
 * PCRE2 into the syntax of Go's regexp package (RE2's), which Loki uses.
 * Loki returns fewer lines; PCRE2 still decides every verdict.
 *
 * The contract is one-sided: the filter must match every line that some
 * rule's match pattern matches (a superset), never fewer.  A pattern the
 * translator cannot turn into such a superset (a backreference, a
 * subroutine call, a Unicode property, a non-ASCII letter under (?i), ...)
 * means no filter at all, and says why.  docs/loki.md lists the rules.
 *
 * Output is in the subset of syntax that Go's regexp and Python's re
 * share, so tests can check the superset property with Python.
 */
#ifndef LOGTRIAGE_LOGQL_H
#define LOGTRIAGE_LOGQL_H

#include <stddef.h>

#include "api.h"
#include "buf.h"
#include "rules.h"
#include "status.h"

#define LT_LOGQL_FILTER_MAX (64u << 10)	/* bytes of the filter's RE */
#define LT_LOGQL_QUERY_MAX (128u << 10)	/* bytes of a whole query */
#define LT_LOGQL_LOKI_MAX 5120u	/* Loki refuses a query this long or more */
#define LT_LOGQL_REPEAT_MAX 1000u	/* Go's cap on x{n}, nested product */
#define LT_LOGQL_NEST_MAX 250u		/* groups open at once */

/*
 * Append to out a Go regexp that matches every string PCRE2 pattern
 * pat[0..n) matches (compiled with UTF and no UCP, as rules are), and
 * perhaps more.  LT_OK; or LT_ERR_REGEX when it cannot, with why's
 * message saying what (why may be NULL; out is then partly written);
 * LT_ERR_LIMIT when out is full; LT_ERR_NOMEM.
 */
LT_API enum lt_status lt_logql_translate(const char *pat, size_t n,
    struct lt_buf *out, struct lt_error *why);

/*
 * The pushdown RE for rule set rs, at most budget bytes: a Go regexp
 * that matches every line some match pattern matches.  It is the
 * patterns' required literals (atoms.c: strings one of which every
 * match holds), those that another literal implies dropped, the
 * case-sensitive ones as a|b|..., the caseless ones in one (?i:...);
 * a pattern without such literals goes in whole, translated
 * (lt_logql_translate); and \x1b (a line with an escape sequence always
 * passes: rules see it with the escapes removed).  When that is longer
 * than budget, a coarser superset is tried: every literal caseless, then
 * cut to 24, 20, 16, ... 3 bytes (a part of a required literal is required
 * too), and *coarse is set.  why always gets a note (LT_LEVEL_NOTE):
 * what was built and why, or why nothing could be.  LT_ERR_REGEX when
 * a pattern has no literal and cannot be translated (why: the rule, its
 * pattern and the reason; origin and line: where the rule is),
 * LT_ERR_LIMIT when even the coarsest filter is over budget, LT_ERR_ARG
 * when rs has no rules.
 */
LT_API enum lt_status lt_logql_filter(const struct lt_ruleset *rs,
    size_t budget, struct lt_buf *out, int *coarse, struct lt_error *why);

/*
 * Append to out the LogQL string literal for s[0..n): double-quoted,
 * backslash and double quote escaped.
 */
LT_API enum lt_status lt_logql_quote(struct lt_buf *out, const char *s,
    size_t n);

/*
 * The query to send: selector, then ` |~ `RE`` (a raw string) when rs is
 * not NULL and a filter fits, so that the whole query is shorter than
 * LT_LOGQL_LOKI_MAX bytes.  *pushed: 0 no filter, 1 the rules'
 * literals, 2 a coarser superset of them; note says what and why (level
 * LT_LEVEL_NOTE; empty when rs is NULL).  Fails only for an empty
 * selector (LT_ERR_ARG), a query over LT_LOGQL_QUERY_MAX (LT_ERR_LIMIT)
 * and LT_ERR_NOMEM.
 */
LT_API enum lt_status lt_logql_query(const char *selector,
    const struct lt_ruleset *rs, struct lt_buf *out, int *pushed,
    struct lt_error *note);

#endif

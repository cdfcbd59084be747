/*
 * emit_int.h - what the files of src/emit share (private to the folder).
 */
#ifndef LT_EMIT_INT_H
#define LT_EMIT_INT_H

#include "logtriage/buf.h"
#include "logtriage/rules.h"
#include "logtriage/verdict.h"

/*
 * One Prometheus label, NAME="VALUE", with the value escaped as the text
 * exposition format requires (backslash, double quote, newline); after
 * a comma unless first.  Used by the run's metrics (emit_prom.c) and the
 * exporter's (metrics.c).
 */
enum lt_status lt_prom_label(struct lt_buf *b, const char *name,
    const char *value, int first);

/*
 * The verdict in words for a person (words.c; docs/summary-wording.md).
 */
/* The category of that name, or NULL. */
const struct lt_category_info *lt_words_category(const struct lt_ruleset *rs,
    const char *name);
/* s with its first letter lower-cased, unless it starts an acronym. */
enum lt_status lt_words_lower_first(struct lt_buf *b, const char *s);
/*
 * 1 when a rule's summary says what its category's does, articles and
 * case aside, perhaps with a detail in parentheses after it ("the
 * filesystem ran out of space (ENOSPC)" under "a filesystem ran out of
 * space"): a headline then says the rule's words alone.
 */
int lt_words_same(const char *category, const char *rule);
/* The category's summary of rule ri, its first letter lower-cased. */
enum lt_status lt_words_category_summary(struct lt_buf *b,
    const struct lt_ruleset *rs, const struct lt_rule_info *ri);
/* "Failed: " and the category's summary. */
enum lt_status lt_words_headline(struct lt_buf *b,
    const struct lt_ruleset *rs, const struct lt_rule_info *ri);
/* How strong a line of a rule of this priority is, as a predicate. */
const char *lt_words_strength(int priority);
/*
 * The step's exit status when m is the --exit-code evidence (source
 * "exit-code", line 0, "exit code N"), else -1.
 */
int lt_words_exit_status(const struct lt_match *m);
/* "2025-01-11 10:00:36 UTC" from an RFC 3339 UTC time: 1, or 0 (none). */
int lt_words_when(char out[24], const char *t);
/*
 * Why the cause won, in one or two sentences (nothing when clean); self
 * names the cause's line ("This line", or "it" after a colon).
 */
enum lt_status lt_words_why(struct lt_buf *b, const struct lt_verdict *v,
    const char *self);
/* 1 when runner-up i (> 0) is worth showing a person (see words.c). */
int lt_words_also(const struct lt_verdict *v, size_t i);
/*
 * The mark of line `line` of m's source among the evidence lines: '+'
 * when a runner-up worth showing is on it, else ' ' (v may be NULL).
 */
char lt_words_mark(const struct lt_verdict *v, const struct lt_match *m,
    unsigned long long line);
/* The match's label of that key (step, job, host), or NULL. */
const struct lt_label *lt_words_label(const struct lt_match *m,
    const char *key);

#endif

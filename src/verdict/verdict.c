/*
 * verdict.c - pick the root cause of a run.
 *
 * The policy is stated in verdict.h: priority, then severity, then the
 * earliest match.  Its first two steps are coded once, in
 * lt_rule_rank_cmp() (match/ruleset.h), which also sorts the rules into
 * the scanner's rank order.  A rule's priority and severity are fixed, so
 * its first match is its best, and the run's best LT_VERDICT_TOP distinct
 * rules can be kept exactly with a small sorted array and a "has fired"
 * bit per rule: a later match of a rule that fired is never better than
 * the first.  "Later" is by position in the input (seq), not by arrival:
 * a pending match (evidence.c) is decided after lines that came after
 * it, so a match that arrives with an earlier seq than its rule's kept
 * one replaces it (and a category's first line moves back likewise).
 * The kept matches own copies of their text, source name, time
 * and labels (the labels in one block: the array, then the bytes);
 * nothing else of a match outlives lt_verdict_add().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/verdict.h"
#include "match/ruleset.h"

struct kept {
	struct lt_match m;
	void *block;		/* lt_match_dup's copy */
};

struct lt_verdict {
	const struct lt_ruleset *rs;
	enum lt_severity fail_on;
	struct lt_counts counts;
	struct lt_category_count *cats;
	unsigned long long *cat_seq;	/* per category: seq of first_line */
	unsigned char *fired;
	unsigned long long *rule_counts;
	struct kept top[LT_VERDICT_TOP];
	size_t n_top;
	char *unreadable[LT_VERDICT_UNREADABLE_MAX];	/* names, owned */
	size_t n_unreadable;
};

static void
kept_free(struct kept *k)
{
	free(k->block);
	k->block = NULL;
}

struct lt_verdict *
lt_verdict_new(const struct lt_ruleset *rs, enum lt_severity fail_on)
{
	struct lt_verdict *v = calloc(1, sizeof *v);

	if (v == NULL)
		return NULL;
	v->rs = rs;
	v->fail_on = fail_on;
	v->cats = calloc(rs->n_cats ? rs->n_cats : 1, sizeof *v->cats);
	v->cat_seq = calloc(rs->n_cats ? rs->n_cats : 1, sizeof *v->cat_seq);
	v->fired = calloc(rs->n_rules ? rs->n_rules : 1, 1);
	v->rule_counts = calloc(rs->n_rules ? rs->n_rules : 1,
	    sizeof *v->rule_counts);
	if (v->cats == NULL || v->cat_seq == NULL || v->fired == NULL ||
	    v->rule_counts == NULL) {
		lt_verdict_free(v);
		return NULL;
	}
	return v;
}

void
lt_verdict_free(struct lt_verdict *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n_top; i++)
		kept_free(&v->top[i]);
	if (v->cats != NULL)
		for (i = 0; i < v->rs->n_cats; i++)
			free((char *)v->cats[i].first_source);
	for (i = 0; i < v->n_unreadable; i++)
		free(v->unreadable[i]);
	free(v->cats);
	free(v->cat_seq);
	free(v->fired);
	free(v->rule_counts);
	free(v);
}

enum lt_status
lt_verdict_unreadable(struct lt_verdict *v, const char *source)
{
	size_t n = strlen(source);
	char *s;

	v->counts.unreadable_inputs++;
	if (v->n_unreadable == LT_VERDICT_UNREADABLE_MAX)
		return LT_OK;
	if ((s = malloc(n + 1)) == NULL)
		return LT_ERR_NOMEM;
	memcpy(s, source, n + 1);
	v->unreadable[v->n_unreadable++] = s;
	return LT_OK;
}

const char *
lt_verdict_unreadable_name(const struct lt_verdict *v, size_t i)
{
	return i < v->n_unreadable ? v->unreadable[i] : NULL;
}

const char *
lt_verdict_word(const struct lt_verdict *v)
{
	if (v->n_top > 0)
		return "failure";
	return v->counts.unreadable_inputs > 0 ? "incomplete" : "clean";
}

static char *
dup_bytes(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		if (n > 0)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}


/* <0 when a ranks before b: its rule's rank, then the earlier match. */
static int
cmp(const struct lt_ruleset *rs, const struct lt_match *a,
    const struct lt_match *b)
{
	int c = lt_rule_rank_cmp(&rs->rules[a->rule].info,
	    &rs->rules[b->rule].info);

	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

enum lt_status
lt_verdict_add(struct lt_verdict *v, const struct lt_match *m)
{
	const struct lt_rule_info *ri = &v->rs->rules[m->rule].info;
	size_t c_i = v->rs->rule_cat[m->rule];
	struct lt_category_count *cc = &v->cats[c_i];
	struct kept k;
	size_t pos, i;

	v->counts.matches++;
	v->rule_counts[m->rule]++;
	if (cc->count++ == 0 || m->seq < v->cat_seq[c_i]) {
		char *src = dup_bytes(m->source, strlen(m->source));

		if (src == NULL)
			return LT_ERR_NOMEM;
		free((char *)cc->first_source);
		cc->first_source = src;
		cc->first_line = m->line;
		v->cat_seq[c_i] = m->seq;
	}
	if (ri->severity > cc->severity)
		cc->severity = ri->severity;
	if (ri->severity < v->fail_on)
		return LT_OK;
	if (v->fired[m->rule]) {
		/*
		 * Matches mostly come in input order, so a later one of a
		 * rule that fired is no better; but a pending match is
		 * decided late (evidence.c), and may be the earlier one.
		 */
		for (i = 0; i < v->n_top && v->top[i].m.rule != m->rule; i++)
			;
		if (i < v->n_top) {
			if (m->seq >= v->top[i].m.seq)
				return LT_OK;
			kept_free(&v->top[i]);
			for (; i + 1 < v->n_top; i++)
				v->top[i] = v->top[i + 1];
			v->n_top--;
		}
	}
	v->fired[m->rule] = 1;
	for (pos = 0; pos < v->n_top; pos++)
		if (cmp(v->rs, m, &v->top[pos].m) < 0)
			break;
	if (pos >= LT_VERDICT_TOP)
		return LT_OK;
	if ((k.block = lt_match_dup(m, &k.m)) == NULL)
		return LT_ERR_NOMEM;
	if (v->n_top == LT_VERDICT_TOP) {
		kept_free(&v->top[LT_VERDICT_TOP - 1]);
		v->n_top--;
	}
	for (i = v->n_top; i > pos; i--)
		v->top[i] = v->top[i - 1];
	v->top[pos] = k;
	v->n_top++;
	return LT_OK;
}

struct lt_counts *
lt_verdict_counts(struct lt_verdict *v)
{
	return &v->counts;
}

const struct lt_counts *
lt_verdict_counts_const(const struct lt_verdict *v)
{
	return &v->counts;
}

int
lt_verdict_failed(const struct lt_verdict *v)
{
	return v->n_top > 0;
}

const struct lt_match *
lt_verdict_top(const struct lt_verdict *v, size_t i)
{
	return i < v->n_top ? &v->top[i].m : NULL;
}

const struct lt_category_count *
lt_verdict_category(const struct lt_verdict *v, size_t i)
{
	if (i >= v->rs->n_cats || v->cats[i].count == 0)
		return NULL;
	return &v->cats[i];
}

const struct lt_ruleset *
lt_verdict_ruleset(const struct lt_verdict *v)
{
	return v->rs;
}

void
lt_verdict_why(const struct lt_verdict *v, char *buf, size_t size)
{
	const struct lt_rule_info *a, *b;
	const struct lt_match *x, *y;

	if (size == 0)
		return;
	if (v->n_top == 0) {
		snprintf(buf, size, "No line matched a rule at severity %s or "
		    "above.", lt_severity_name(v->fail_on));
		return;
	}
	x = &v->top[0].m;
	a = &v->rs->rules[x->rule].info;
	if (v->n_top == 1) {
		snprintf(buf, size, "%s is the only rule at severity %s or above "
		    "that matched.", a->id, lt_severity_name(v->fail_on));
		return;
	}
	y = &v->top[1].m;
	b = &v->rs->rules[y->rule].info;
	if (a->priority != b->priority)
		snprintf(buf, size, "%s has the highest priority (%d; next is "
		    "%s with %d).", a->id, a->priority, b->id, b->priority);
	else if (a->severity != b->severity)
		snprintf(buf, size, "%s and %s share priority %d; %s severity "
		    "outranks %s.", a->id, b->id, a->priority,
		    lt_severity_name(a->severity), lt_severity_name(b->severity));
	else
		snprintf(buf, size, "%s and %s share priority %d and severity "
		    "%s; %s matched first (%s:%llu).", a->id, b->id, a->priority,
		    lt_severity_name(a->severity), a->id, x->source, x->line);
}

enum lt_severity
lt_verdict_fail_on(const struct lt_verdict *v)
{
	return v->fail_on;
}

unsigned long long
lt_verdict_rule_count(const struct lt_verdict *v, size_t i)
{
	return i < v->rs->n_rules ? v->rule_counts[i] : 0;
}

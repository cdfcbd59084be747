/*
 * words.c - the verdict in words for a person: what the step summary,
 * -o markdown, -o slack and -o text say, where the JSON says the same in
 * keys (docs/summary-wording.md fixes the wording).
 *
 * Someone on call reads the first line and maybe the second, so the
 * headline is what happened in the category's words ("Failed: a
 * filesystem ran out of space"), not a category ID or a severity word;
 * the time is a UTC wall-clock time to the second; and the why is not
 * the rule engine's deciding step ("highest priority (85; next is ...)")
 * but what that step means: how strong this line is as evidence (the
 * rule's priority band, docs/rules-guide.md), and what the next best
 * line says, or that the two were equal and this one is the more serious
 * or came first.  Priorities, IDs and severities stay in the footer and
 * in JSON.
 *
 * A cause that is the step's exit status (--exit-code: the pipeline's
 * match of source "exit-code", line 0) has no line: the outputs say so
 * instead of showing "exit-code:0", and the why says what it is.
 *
 * The runners-up a person is shown leave out the category "unknown"
 * when the cause is known: such lines (the step's exit code, GitHub's own
 * "##[error]Process completed with exit code 1" annotation, which GitHub
 * already shows) only say that something failed, which the cause says
 * better; and a category already shown is not repeated.
 *
 * Everything written here comes from the rules and the verdict's
 * numbers, except the time (checked to be RFC 3339 before it is used);
 * the callers quote log text their own way.
 */
#include <string.h>

#include "emit_int.h"
#include "logtriage/emit.h"

#define TRY(x) do { if ((st = (x)) != LT_OK) return st; } while (0)

const struct lt_category_info *
lt_words_category(const struct lt_ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < lt_ruleset_category_count(rs); i++)
		if (strcmp(lt_ruleset_category(rs, i)->name, name) == 0)
			return lt_ruleset_category(rs, i);
	return NULL;
}

enum lt_status
lt_words_lower_first(struct lt_buf *b, const char *s)
{
	enum lt_status st;

	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z')) {
		TRY(lt_buf_addc(b, (char)(s[0] - 'A' + 'a')));
		s++;
	}
	return lt_emit_text_safe(b, s, strlen(s));
}

enum lt_status
lt_words_category_summary(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_rule_info *ri)
{
	const struct lt_category_info *ci = lt_words_category(rs,
	    ri->category);

	return lt_words_lower_first(b, ci != NULL && ci->summary[0] != '\0' ?
	    ci->summary : ri->category);
}

enum lt_status
lt_words_headline(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_rule_info *ri)
{
	enum lt_status st;

	TRY(lt_buf_adds(b, "Failed: "));
	return lt_words_category_summary(b, rs, ri);
}

const char *
lt_words_strength(int priority)
{
	if (priority >= 80)
		return "states the cause by itself";
	if (priority >= 55)
		return "is a specific error of the tool";
	if (priority >= 20)
		return "is weaker evidence: a symptom this cause often has";
	if (priority >= 10)
		return "uses words that usually mean this cause";
	return "only says that something failed";
}

int
lt_words_exit_status(const struct lt_match *m)
{
	int code = 0;
	size_t i;

	if (m == NULL || m->line != 0 || strcmp(m->source, "exit-code") != 0 ||
	    m->text_len <= 10 || m->text_len > 13 ||
	    memcmp(m->text, "exit code ", 10) != 0)
		return -1;
	for (i = 10; i < m->text_len; i++) {
		if (m->text[i] < '0' || m->text[i] > '9')
			return -1;
		code = code * 10 + (m->text[i] - '0');
	}
	return code;
}

int
lt_words_when(char out[24], const char *t)
{
	size_t i;

	out[0] = '\0';
	if (t == NULL || strlen(t) < 19 || t[10] != 'T' || t[4] != '-' ||
	    t[7] != '-' || t[13] != ':' || t[16] != ':')
		return 0;
	for (i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 &&
		    (t[i] < '0' || t[i] > '9'))
			return 0;
	memcpy(out, t, 10);
	out[10] = ' ';
	memcpy(out + 11, t + 11, 8);
	memcpy(out + 19, " UTC", 5);
	return 1;
}

enum lt_status
lt_words_why(struct lt_buf *b, const struct lt_verdict *v, const char *self)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_match *x = lt_verdict_top(v, 0), *y;
	const struct lt_rule_info *a, *r2;
	enum lt_status st;
	int code;

	if (x == NULL)
		return LT_OK;
	a = lt_ruleset_rule(rs, x->rule);
	if ((code = lt_words_exit_status(x)) >= 0) {
		TRY(lt_buf_addf(b, "The step's exit status, %d, is the evidence: "
		    "it is what this cause gives, though not only this cause.",
		    code));
		return (y = lt_verdict_top(v, 1)) == NULL ? LT_OK :
		    lt_buf_addf(b, " No line of the log points to a cause "
		    "more strongly.");
	}
	if ((y = lt_verdict_top(v, 1)) == NULL)
		return lt_buf_addf(b, "%s %s; no other line points to a "
		    "cause.", self, lt_words_strength(a->priority));
	r2 = lt_ruleset_rule(rs, y->rule);
	if (a->priority != r2->priority) {
		TRY(lt_buf_addf(b, "%s %s.", self,
		    lt_words_strength(a->priority)));
		if (strcmp(r2->id, "job.exit-code") == 0)
			return lt_buf_addf(b, " The step's exit code on line "
			    "%llu only says that the step failed.", y->line);
		if (r2->priority < 10)
			return lt_buf_addf(b, " Line %llu only says that "
			    "something failed.", y->line);
		TRY(lt_buf_adds(b, " The next best, "));
		TRY(lt_words_category_summary(b, rs, r2));
		if (lt_words_exit_status(y) >= 0)
			return lt_buf_addf(b, " from the step's exit status, "
			    "%s.", lt_words_strength(r2->priority));
		return lt_buf_addf(b, " on line %llu, %s.", y->line,
		    lt_words_strength(r2->priority));
	}
	if (a->severity != r2->severity)
		return lt_buf_addf(b, "Lines %llu and %llu are equally specific; "
		    "this one is the more serious (%s against %s).", x->line,
		    y->line, lt_severity_name(a->severity),
		    lt_severity_name(r2->severity));
	return lt_buf_addf(b, "Lines %llu and %llu are equally specific and "
	    "serious; this one came first, and later ones are usually its "
	    "consequences.", x->line, y->line);
}

int
lt_words_also(const struct lt_verdict *v, size_t i)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_match *m = lt_verdict_top(v, i), *c = lt_verdict_top(v,
	    0);
	const struct lt_rule_info *ri, *ci;
	size_t k;

	if (m == NULL || c == NULL || i == 0)
		return 0;
	ri = lt_ruleset_rule(rs, m->rule);
	ci = lt_ruleset_rule(rs, c->rule);
	if (strcmp(ri->category, "unknown") == 0 &&
	    strcmp(ci->category, "unknown") != 0)
		return 0;
	for (k = 0; k < i; k++)	/* a category once */
		if (strcmp(lt_ruleset_rule(rs, lt_verdict_top(v, k)->rule)->
		    category, ri->category) == 0)
			return 0;
	return 1;
}

char
lt_words_mark(const struct lt_verdict *v, const struct lt_match *m,
    unsigned long long line)
{
	const struct lt_match *o;
	size_t i;

	for (i = 1; v != NULL && (o = lt_verdict_top(v, i)) != NULL; i++)
		if (o->line == line && strcmp(o->source, m->source) == 0 &&
		    lt_words_also(v, i))
			return '+';
	return ' ';
}

const struct lt_label *
lt_words_label(const struct lt_match *m, const char *key)
{
	size_t i, k = strlen(key);

	for (i = 0; i < m->n_labels; i++)
		if (m->labels[i].key_len == k &&
		    memcmp(m->labels[i].key, key, k) == 0)
			return &m->labels[i];
	return NULL;
}

/* s past a leading "a ", "an " or "the ", case aside. */
static const char *
past_article(const char *s)
{
	static const char *const art[] = { "a ", "an ", "the " };
	size_t i, k;

	for (i = 0; i < sizeof art / sizeof art[0]; i++) {
		for (k = 0; art[i][k] != '\0' && (s[k] | 0x20) == art[i][k];
		    k++)
			;
		if (art[i][k] == '\0')
			return s + k;
	}
	return s;
}

int
lt_words_same(const char *category, const char *rule)
{
	const char *a = past_article(category), *b = past_article(rule);

	for (; *a != '\0' && *b != '\0'; a++, b++)
		if ((*a | 0x20) != (*b | 0x20))
			return 0;
	return *a == '\0' && (*b == '\0' || strncmp(b, " (", 2) == 0);
}


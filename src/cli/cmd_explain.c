/*
 * cmd_explain.c - `logtriage rules --explain LINE`: why a line gets the
 * rule it gets.
 *
 * A line is classified by the first rule in rank order that matches it,
 * so a rule author whose rule "does not fire" needs to see every rule
 * that matches the line, which of them an `unless` pattern vetoes, and
 * the ranking step that picks one (priority, then severity, then
 * definition order): what fail2ban-regex shows for a filter.
 *
 * The line first goes through the real pipeline, alone, as a run would
 * see it (format detection, prefixes taken off, no redaction: the user
 * typed it), which gives the message the rules are matched against and
 * the verdict a run would give.  Then each rule's patterns are compiled
 * from their sources (lt_rule_info) with the flags the library uses and
 * tried on that message one by one, so that the explanation names the
 * pattern that matched and the span it matched.
 *
 * Exit status as grep's: 0 when some rule matches, 1 when none does.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "logtriage/redact.h"
#include "logtriage/triage.h"

#define SHOW_MAX 300		/* bytes of a line or pattern shown */

struct hit {
	const struct lt_rule_info *ri;
	size_t pat;		/* the match pattern that matched */
	size_t start, end;	/* its span in the message */
	long veto;		/* the unless pattern that matched, or -1 */
};

static enum lt_status
to_buf(void *ctx, const char *p, size_t n)
{
	return lt_buf_add(ctx, p, n);
}

struct cJSON *
cli_line_match(const struct lt_ruleset *rs, const char *text, size_t len)
{
	struct lt_triage_opts o;
	struct lt_emit_opts eo;
	struct lt_emitter *em = NULL;
	struct lt_triage *t = NULL;
	struct lt_buf json;
	const char *p, *nl, *end, *s;
	cJSON *m = NULL;

	lt_buf_init(&json, (size_t)16 << 20);
	lt_triage_opts_init(&o);
	o.redact = 0;
	o.write = to_buf;
	o.write_ctx = &json;
	lt_emit_opts_init(&eo);
	eo.summary = 0;	/* the match objects only */
	if ((em = lt_emit_json_new(rs, &eo)) == NULL ||
	    (t = lt_triage_new(rs, &o)) == NULL ||
	    lt_triage_add_emitter(t, em) != LT_OK) {
		lt_triage_free(t);
		goto out;
	}
	if (lt_triage_begin(t, "-") == LT_OK &&
	    lt_triage_feed(t, text, len) == LT_OK &&
	    lt_triage_feed(t, "\n", 1) == LT_OK &&
	    lt_triage_end(t, NULL) == LT_OK)
		(void)lt_triage_finish(t);
	lt_triage_free(t);
	/* no output: json.p is NULL, and NULL + 0 is undefined */
	end = json.p != NULL ? json.p + json.len : NULL;
	for (p = json.p; p != NULL && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		m = cJSON_ParseWithLength(p, (size_t)(nl - p));
		s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m,
		    "type"));
		if (s != NULL && strcmp(s, "match") == 0)
			break;
		cJSON_Delete(m);
		m = NULL;
	}
out:
	lt_emitter_free(em);
	lt_buf_free(&json);
	return m;
}

/* Does pattern src match text?  1 and the span, 0 no, -1 not compiled. */
static int
try(const char *src, const char *text, size_t len, size_t *start,
    size_t *end)
{
	pcre2_code *re;
	pcre2_match_data *md;
	PCRE2_SIZE erroff, *ov;
	int err, rc;

	re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_UTF |
	    PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &err, &erroff,
	    NULL);
	if (re == NULL)
		return -1;
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL) {
		pcre2_code_free(re);
		return -1;
	}
	rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, md, NULL);
	if (rc >= 0) {
		ov = pcre2_get_ovector_pointer(md);
		*start = ov[0];
		*end = ov[1] >= ov[0] ? ov[1] : ov[0];
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0 ? 1 : 0;
}

/* Print s (len bytes) made safe, cut at SHOW_MAX. */
static void
show(const char *s, size_t len)
{
	struct lt_buf b;

	lt_buf_init(&b, 16 * SHOW_MAX);
	if (lt_emit_text_safe(&b, s, len > SHOW_MAX ? SHOW_MAX : len) ==
	    LT_OK && b.len > 0)
		fwrite(b.p, 1, b.len, stdout);
	if (len > SHOW_MAX)
		fputs(" [...]", stdout);
	lt_buf_free(&b);
}

/*
 * Print s (len bytes) made safe, cut at SHOW_MAX; log text (the line, the
 * message, what a pattern matched) first goes through the redactor, as
 * in every output; patterns do not.
 */
static void
show_log(struct lt_redactor *red, const char *s, size_t len)
{
	const char *out;
	size_t n;

	lt_redactor_reset(red);
	if (lt_redactor_apply(red, s, len, &out, &n, NULL, 0) == LT_OK) {
		s = out;
		len = n;
	} else {
		s = "[REDACTED]";
		len = strlen(s);
	}
	show(s, len);
}

static void
rule_head(const char *mark, const struct lt_rule_info *ri)
{
	printf("  %s %s  %s  %s  priority %d  (%s:%lu)\n", mark, ri->id,
	    ri->category, lt_severity_name(ri->severity), ri->priority,
	    ri->origin, ri->line);
}

/* The ranking step that puts a before b, in words. */
static void
why(const struct hit *a, const struct hit *b)
{
	const struct lt_rule_info *x = a->ri, *y = b->ri;

	if (x->priority != y->priority)
		printf("the highest priority (%d; next is %s with %d)", x->priority,
		    y->id, y->priority);
	else if (x->severity != y->severity)
		printf("the same priority as %s (%d), and a higher severity "
		    "(%s over %s)", y->id, x->priority,
		    lt_severity_name(x->severity), lt_severity_name(y->severity));
	else
		printf("the same priority and severity as %s (%d, %s), and "
		    "defined first (%s:%lu)", y->id, x->priority,
		    lt_severity_name(x->severity), x->origin, x->line);
}

int
cli_cmd_explain(const struct cli *c, const struct lt_ruleset *rs)
{
	struct lt_buf msg;
	struct hit *hits = NULL, *h;
	size_t n = lt_ruleset_count(rs), n_hits = 0, n_win = 0, i, j;
	const struct lt_rule_info *ri;
	struct lt_redactor *red = NULL;
	const char *v;
	cJSON *m;
	char rule[256];
	int rc = EXIT_FAILURE_FOUND, r;

	lt_buf_init(&msg, (size_t)1 << 20);
	if ((hits = calloc(n ? n : 1, sizeof *hits)) == NULL ||
	    (red = lt_redactor_new(rs)) == NULL) {
		cli_warn("error: out of memory");
		rc = EXIT_USAGE;
		goto out;
	}
	(void)lt_buf_adds(&msg, c->explain);
	rule[0] = '\0';
	if ((m = cli_line_match(rs, c->explain, strlen(c->explain))) != NULL) {
		v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m,
		    "rule"));
		snprintf(rule, sizeof rule, "%s", v ? v : "?");
		if ((v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    m, "text"))) != NULL) {
			lt_buf_reset(&msg);
			(void)lt_buf_adds(&msg, v);
		}
		cJSON_Delete(m);
	}
	fputs("line: ", stdout);
	show_log(red, c->explain, strlen(c->explain));
	fputc('\n', stdout);
	if (msg.len != strlen(c->explain) || (msg.p != NULL &&
	    memcmp(msg.p, c->explain, msg.len) != 0)) {
		fputs("matched as: ", stdout);
		show_log(red, msg.p ? msg.p : "", msg.len);
		fputs("  (the format's prefixes taken off)\n", stdout);
	}
	for (i = 0; i < n; i++) {
		ri = lt_ruleset_rule(rs, i);
		h = &hits[n_hits];
		h->ri = ri;
		h->veto = -1;
		for (j = 0; j < ri->n_match; j++)
			if ((r = try(ri->match[j], msg.p ? msg.p : "", msg.len,
			    &h->start, &h->end)) == 1)
				break;
		if (j == ri->n_match)
			continue;
		h->pat = j;
		for (j = 0; j < ri->n_unless; j++) {
			size_t s, e;

			if (try(ri->unless[j], msg.p ? msg.p : "", msg.len, &s,
			    &e) == 1) {
				h->veto = (long)j;
				break;
			}
		}
		n_hits++;
	}
	/* the rules that match, best first, then those an unless vetoed */
	for (i = 0; i < n_hits; i++)
		n_win += hits[i].veto < 0;
	printf("\n%zu rule%s match%s", n_win, n_win == 1 ? "" : "s",
	    n_win == 1 ? "es" : "");
	printf("%s\n", n_win ? ", best first:" : "");
	for (i = 0, j = 0; i < n_hits; i++) {
		char mark[16];

		h = &hits[i];
		if (h->veto >= 0)
			continue;
		snprintf(mark, sizeof mark, "%zu.", ++j);
		rule_head(mark, h->ri);
		fputs("       match: ", stdout);
		show(h->ri->match[h->pat], strlen(h->ri->match[h->pat]));
		fputs("\n       matched: \"", stdout);
		show_log(red, msg.p + h->start, h->end - h->start);
		fputs("\"\n", stdout);
	}
	for (i = 0, j = 0; i < n_hits; i++) {
		h = &hits[i];
		if (h->veto < 0)
			continue;
		if (j++ == 0)
			printf("\nmatched, but vetoed by an unless pattern:\n");
		rule_head("-", h->ri);
		fputs("       match: ", stdout);
		show(h->ri->match[h->pat], strlen(h->ri->match[h->pat]));
		fputs("\n       unless: ", stdout);
		show(h->ri->unless[h->veto], strlen(h->ri->unless[h->veto]));
		fputc('\n', stdout);
	}
	fputc('\n', stdout);
	if (n_win == 0) {
		printf("no rule classifies this line\n");
	} else {
		const struct hit *w = NULL, *next = NULL;

		for (i = 0; i < n_hits; i++)
			if (hits[i].veto < 0) {
				if (w == NULL)
					w = &hits[i];
				else if (next == NULL)
					next = &hits[i];
			}
		printf("the line's rule: %s (%s), ", w->ri->id, w->ri->category);
		if (next == NULL)
			printf("the only rule that matches");
		else
			why(w, next);
		printf("\n");
		if (w->ri->count > 1)
			printf("note: %s is evidence only after %u matches in one "
			    "stream%s\n", w->ri->id, w->ri->count,
			    w->ri->within_ns || w->ri->within_lines ?
			    " within its window" : "");
		if (w->ri->n_cleared_by > 0)
			printf("note: %s waits for a cleared_by line until its "
			    "stream ends\n", w->ri->id);
		rc = EXIT_CLEAN;
	}
	printf("a run on this line alone: %s\n", rule[0] ? rule :
	    "no match (clean)");
out:
	if (fflush(stdout) != 0)
		rc = EXIT_INPUT;
	lt_redactor_free(red);
	free(hits);
	lt_buf_free(&msg);
	return rc;
}

/*
 * emit_text.c - output for people: one line per match, a verdict block.
 *
 * Terminals interpret bytes, so log text is never written raw: control
 * characters (C0, DEL, C1) become \xNN, invalid UTF-8 becomes U+FFFD.
 * That also keeps a hostile log from moving the cursor, retitling the
 * window or starting a GitHub workflow command (every line written here
 * starts with a fixed, non-colon prefix).  Colour is the caller's choice
 * (see --color); it marks the severity and the matched span, as grep
 * marks its matches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "emit_int.h"
#include "util/utf8.h"

#define TRY(x) do { if ((st = (x)) != LT_OK) return st; } while (0)

#define C_RESET "\033[0m"
#define C_MATCH "\033[1;31m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

static const char *
sev_color(enum lt_severity s)
{
	switch (s) {
	case LT_SEV_CRITICAL:	return "\033[1;31m";
	case LT_SEV_HIGH:	return "\033[31m";
	case LT_SEV_MEDIUM:	return "\033[33m";
	case LT_SEV_LOW:	return "\033[36m";
	case LT_SEV_INFO:	return "\033[2m";
	}
	return "";
}

/*
 * Text for a terminal and for the Actions runner: controls as \xNN,
 * invisible code points (bidi overrides, zero-width characters) as
 * \u{XXXX}, bad UTF-8 as U+FFFD, and the '[' of a "##[" (the runner's
 * legacy command prefix, recognised anywhere in a line) as \x5b.
 */
enum lt_status
lt_emit_text_safe(struct lt_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	enum lt_status st;
	size_t i = 0, k;
	uint32_t cp;
	char esc[4] = { '\\', 'x', 0, 0 };

	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '[') {
			size_t j = i;

			while (j < n && p[j] >= 0x20 && p[j] < 0x7f &&
			    p[j] != '[')
				j++;
			TRY(lt_buf_add(b, p + i, j - i));
			i = j;
			continue;
		}
		if (p[i] == '[') {
			if (b->len >= 2 && b->p[b->len - 1] == '#' &&
			    b->p[b->len - 2] == '#')
				TRY(lt_buf_add(b, "\\x5b", 4));
			else
				TRY(lt_buf_addc(b, '['));
			i++;
			continue;
		}
		if (p[i] == '\t') {
			TRY(lt_buf_addc(b, '\t'));
			i++;
			continue;
		}
		if (p[i] < 0x80) {	/* C0 control or DEL */
			esc[2] = hex[p[i] >> 4];
			esc[3] = hex[p[i] & 0xf];
			TRY(lt_buf_add(b, esc, 4));
			i++;
			continue;
		}
		k = lt_utf8_seq((const char *)p + i, n - i);
		if (k == 0) {
			TRY(lt_buf_add(b, "\xef\xbf\xbd", 3));
			i++;
		} else if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			esc[2] = hex[p[i + 1] >> 4];	/* C1 control */
			esc[3] = hex[p[i + 1] & 0xf];
			TRY(lt_buf_add(b, esc, 4));
			i += 2;
		} else if (k >= 2 && lt_utf8_invisible(cp =
		    lt_utf8_decode((const char *)p + i, k))) {
			TRY(lt_buf_addf(b, "\\u{%04lx}", (unsigned long)cp));
			i += k;
		} else {
			TRY(lt_buf_add(b, p + i, k));
			i += k;
		}
	}
	return LT_OK;
}

/*
 * The text that starts a line (a source name): the runner trims white
 * space and then reads "::" as a command, so a leading space or colon
 * is written as \xNN (U+00A0 and the other Unicode spaces as \u{XXXX}).
 */
static enum lt_status
line_head(struct lt_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	enum lt_status st;
	size_t k;
	uint32_t cp;

	if (n > 0 && (p[0] == ' ' || p[0] == '\t' || p[0] == ':')) {
		TRY(lt_buf_addf(b, "\\x%02x", p[0]));
		s++;
		n--;
	} else if (n > 0 && p[0] >= 0x80 && (k = lt_utf8_seq(s, n)) >= 2 &&
	    ((cp = lt_utf8_decode(s, k)) == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
	    cp == 0x205f || cp == 0x3000)) {
		TRY(lt_buf_addf(b, "\\u{%04lx}", (unsigned long)cp));
		s += k;
		n -= k;
	}
	return lt_emit_text_safe(b, s, n);
}

static enum lt_status
location(struct lt_buf *b, const struct lt_match *m)
{
	enum lt_status st;

	TRY(line_head(b, m->source, strlen(m->source)));
	return lt_buf_addf(b, ":%llu", m->line);
}

/* The line, with the matched span marked when colour is on. */
static enum lt_status
marked_text(struct lt_buf *b, const struct lt_match *m, int color)
{
	enum lt_status st;

	if (!color)
		return lt_emit_text_safe(b, m->text, m->text_len);
	TRY(lt_emit_text_safe(b, m->text, m->start));
	TRY(lt_buf_adds(b, C_MATCH));
	TRY(lt_emit_text_safe(b, m->text + m->start, m->end - m->start));
	TRY(lt_buf_adds(b, C_RESET));
	return lt_emit_text_safe(b, m->text + m->end, m->text_len - m->end);
}

/* "SOURCE-LINE- text" lines, as grep prints context. */
static enum lt_status
context_lines(struct lt_buf *b, const struct lt_match *m,
    const struct lt_ctx_line *c, size_t n, int color)
{
	enum lt_status st;
	size_t i;

	for (i = 0; i < n; i++) {
		if (color)
			TRY(lt_buf_adds(b, C_DIM));
		TRY(line_head(b, m->source, strlen(m->source)));
		TRY(lt_buf_addf(b, "-%llu- ", c[i].line));
		TRY(lt_emit_text_safe(b, c[i].text, c[i].len));
		if (color)
			TRY(lt_buf_adds(b, C_RESET));
		TRY(lt_buf_addc(b, '\n'));
	}
	return LT_OK;
}

/*
 * "SOURCE:LINE: [WHAT ]SEVERITY CATEGORY (ID): TEXT", and with a clearing
 * line (clear > 0) " (cleared by line N)".
 */
static enum lt_status
match_line(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_match *m, int color, const char *what,
    unsigned long long clear)
{
	const struct lt_rule_info *ri = lt_ruleset_rule(rs, m->rule);
	enum lt_status st;

	TRY(location(b, m));
	TRY(lt_buf_adds(b, ": "));
	if (what != NULL)
		TRY(lt_buf_addf(b, "%s ", what));
	if (color)
		TRY(lt_buf_adds(b, sev_color(ri->severity)));
	TRY(lt_buf_adds(b, lt_severity_name(ri->severity)));
	if (color)
		TRY(lt_buf_adds(b, C_RESET));
	TRY(lt_buf_addf(b, " %s (%s): ", ri->category, ri->id));
	TRY(marked_text(b, m, color));
	if (clear > 0)
		TRY(lt_buf_addf(b, " (cleared by line %llu)", clear));
	return lt_buf_addc(b, '\n');
}

enum lt_status
lt_emit_text_match(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_match *m, int color)
{
	enum lt_status st;

	if (m->has_context)
		TRY(context_lines(b, m, m->before, m->n_before, color));
	TRY(match_line(b, rs, m, color, NULL, 0));
	if (m->has_context) {
		TRY(context_lines(b, m, m->after, m->n_after, color));
		TRY(lt_buf_adds(b, "--\n"));
	}
	return LT_OK;
}

/* A runbook as a link: relative paths are joined to base when given. */
enum lt_status
lt_emit_runbook(struct lt_buf *b, const char *runbook, const char *base)
{
	enum lt_status st;
	size_t n;

	if (base == NULL || base[0] == '\0' || strstr(runbook, "://") != NULL)
		return lt_buf_adds(b, runbook);
	n = strlen(base);
	TRY(lt_buf_add(b, base, n));
	if (n > 0 && base[n - 1] != '/')
		TRY(lt_buf_addc(b, '/'));
	while (runbook[0] == '/' || (runbook[0] == '.' && runbook[1] == '/'))
		runbook += runbook[0] == '/' ? 1 : 2;
	return lt_buf_adds(b, runbook);
}

/* One evidence line: 8 spaces, the mark, the number to width w, text. */
static enum lt_status
text_evidence_line(struct lt_buf *b, char mark, int w, unsigned long long line,
    const struct lt_match *m, const char *p, size_t n, int color)
{
	enum lt_status st;

	TRY(lt_buf_addf(b, "        %c %*llu  ", mark, w, line));
	if (p == NULL)
		TRY(marked_text(b, m, color));
	else
		TRY(lt_emit_text_safe(b, p, n));
	return lt_buf_addc(b, '\n');
}

/*
 * The verdict block, in the order of docs/summary-wording.md: FAILED (or
 * CLEAN, INCOMPLETE) first, for a script to test; then one fact a line,
 * each under a word (step, time, host, log, why, do, read, also) so that
 * grep '^  step' works; the evidence within the log line's block, the
 * cause marked '>' (a runner-up '+'); a footer for rule authors.
 */
enum lt_status
lt_emit_text_summary(struct lt_buf *b, const struct lt_verdict *v, int color,
    const char *runbook_base)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_counts *c = lt_verdict_counts_const(v);
	const struct lt_match *m = lt_verdict_top(v, 0), *o;
	const struct lt_category_info *ci;
	const struct lt_rule_info *ri;
	const struct lt_label *step, *l;
	enum lt_status st;
	char when[24], num[24];
	size_t i, shown = 0;
	int w;

	if (m == NULL) {
		int clean = c->unreadable_inputs == 0;

		TRY(lt_buf_addf(b, "%s%s%s  no failure at severity %s or "
		    "above in %llu line%s (%llu match%s)",
		    color ? C_BOLD : "", clean ? "CLEAN" : "INCOMPLETE",
		    color ? C_RESET : "",
		    lt_severity_name(lt_verdict_fail_on(v)), c->lines,
		    c->lines == 1 ? "" : "s", c->matches,
		    c->matches == 1 ? "" : "es"));
		if (!clean) {
			TRY(lt_buf_addf(b, ", but %llu input%s could not be "
			    "read:", c->unreadable_inputs,
			    c->unreadable_inputs == 1 ? "" : "s"));
			for (i = 0; lt_verdict_unreadable_name(v, i); i++) {
				const char *u = lt_verdict_unreadable_name(v,
				    i);

				TRY(lt_buf_adds(b, i ? ", " : " "));
				TRY(lt_emit_text_safe(b, u, strlen(u)));
			}
		}
		return lt_buf_addc(b, '\n');
	}
	ri = lt_ruleset_rule(rs, m->rule);
	ci = lt_words_category(rs, ri->category);
	TRY(lt_buf_addf(b, "%s%sFAILED%s  ", color ? C_BOLD : "",
	    color ? sev_color(ri->severity) : "", color ? C_RESET : ""));
	if (ri->summary[0] != '\0' && ci != NULL &&
	    lt_words_same(ci->summary, ri->summary)) {
		TRY(lt_words_lower_first(b, ri->summary));
	} else {
		TRY(lt_words_category_summary(b, rs, ri));
		if (ri->summary[0] != '\0') {
			TRY(lt_buf_adds(b, ": "));	/* the rule's words */
			TRY(lt_words_lower_first(b, ri->summary));
		}
	}
	TRY(lt_buf_addc(b, '\n'));
	if ((step = lt_words_label(m, "step")) != NULL) {
		TRY(lt_buf_adds(b, "  step  "));
		TRY(lt_emit_text_safe(b, step->value, step->value_len));
		if ((l = lt_words_label(m, "job")) != NULL) {
			TRY(lt_buf_adds(b, " (job "));
			TRY(lt_emit_text_safe(b, l->value, l->value_len));
			TRY(lt_buf_addc(b, ')'));
		}
		TRY(lt_buf_addc(b, '\n'));
	}
	if (lt_words_when(when, m->time))
		TRY(lt_buf_addf(b, "  time  %s\n", when));
	if ((l = lt_words_label(m, "host")) != NULL) {
		TRY(lt_buf_adds(b, "  host  "));
		TRY(lt_emit_text_safe(b, l->value, l->value_len));
		TRY(lt_buf_addc(b, '\n'));
	}
	if (lt_words_exit_status(m) >= 0) {
		TRY(lt_buf_addf(b, "  log   the step's exit status, %d "
		    "(--exit-code)\n", lt_words_exit_status(m)));
		goto why;
	}
	TRY(lt_buf_adds(b, "  log   "));
	TRY(lt_emit_text_safe(b, m->source, strlen(m->source)));
	TRY(lt_buf_addf(b, ":%llu\n", m->line));
	w = snprintf(num, sizeof num, "%llu", m->n_after > 0 ?
	    m->after[m->n_after - 1].line : m->line);
	for (i = 0; i < m->n_before; i++)
		if (m->before[i].len > 0)
			TRY(text_evidence_line(b, lt_words_mark(v, m,
			    m->before[i].line), w, m->before[i].line, m,
			    m->before[i].text, m->before[i].len, color));
	TRY(text_evidence_line(b, '>', w, m->line, m, NULL, 0, color));
	for (i = 0; i < m->n_after; i++)
		if (m->after[i].len > 0)
			TRY(text_evidence_line(b, lt_words_mark(v, m,
			    m->after[i].line), w, m->after[i].line, m,
			    m->after[i].text, m->after[i].len, color));
why:
	TRY(lt_buf_adds(b, "  why   "));
	TRY(lt_words_why(b, v, "This line"));
	TRY(lt_buf_adds(b, "\n  do    "));
	TRY(lt_emit_text_safe(b, ri->remediation, strlen(ri->remediation)));
	if (ri->runbook[0] != '\0') {
		TRY(lt_buf_adds(b, "\n  read  "));
		TRY(lt_emit_runbook(b, ri->runbook, runbook_base));
	}
	for (i = 1; (o = lt_verdict_top(v, i)) != NULL; i++) {
		const struct lt_rule_info *r2 = lt_ruleset_rule(rs, o->rule);
		const struct lt_label *s2 = lt_words_label(o, "step");

		if (!lt_words_also(v, i))
			continue;
		TRY(lt_buf_adds(b, shown++ == 0 ? "\n  also  " : "\n        "));
		TRY(lt_emit_text_safe(b, r2->summary[0] ? r2->summary : r2->id,
		    strlen(r2->summary[0] ? r2->summary : r2->id)));
		if (lt_words_exit_status(o) >= 0) {
			TRY(lt_buf_adds(b, ", from the step's exit status"));
			continue;
		}
		TRY(lt_buf_addf(b, ", line %llu", o->line));
		if (strcmp(o->source, m->source) != 0) {
			TRY(lt_buf_adds(b, " of "));
			TRY(lt_emit_text_safe(b, o->source, strlen(o->source)));
		}
		if (s2 != NULL && (step == NULL || s2->value_len !=
		    step->value_len || memcmp(s2->value, step->value,
		    s2->value_len) != 0)) {
			TRY(lt_buf_adds(b, " in step "));
			TRY(lt_emit_text_safe(b, s2->value, s2->value_len));
		}
	}
	if (shown == 0)
		TRY(lt_buf_adds(b, "\n  also  nothing else points to a cause"));
	TRY(lt_buf_addf(b, "\n        %srule %s (", color ? C_DIM : "", ri->id));
	TRY(lt_emit_text_safe(b, ri->origin, strlen(ri->origin)));
	TRY(lt_buf_addf(b, "), %s confidence; %llu line%s, %llu match%s%s\n",
	    lt_confidence_name(ri->confidence), c->lines,
	    c->lines == 1 ? "" : "s", c->matches, c->matches == 1 ? "" : "es",
	    color ? C_RESET : ""));
	return LT_OK;
}

/*
 * The text emitter: a line per decided match (with its context block,
 * when asked for, once the after lines are in), a verdict block per
 * group ("== NAME") and one for the run.
 */
struct text_emitter {
	struct lt_emitter base;
	const struct lt_ruleset *rs;
	struct lt_emit_opts o;
};

static enum lt_status
text_match(struct lt_emitter *e, struct lt_buf *out, const struct lt_match *m)
{
	struct text_emitter *t = (struct text_emitter *)e;

	if (!t->o.matches || m->has_context)
		return LT_OK;	/* with context: written whole at context */
	return lt_emit_text_match(out, t->rs, m, t->o.color);
}

static enum lt_status
text_context(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_match *m)
{
	struct text_emitter *t = (struct text_emitter *)e;

	return t->o.matches ? lt_emit_text_match(out, t->rs, m, t->o.color) :
	    LT_OK;
}

/*
 * Live: a match still undecided after the hold, "... pending SEVERITY
 * ...", and one that a later line cleared, "... resolved SEVERITY ...
 * (cleared by line N)", as the JSON output writes its pending and
 * resolved objects.
 */
static enum lt_status
text_evidence(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_emit_ev *ev)
{
	struct text_emitter *t = (struct text_emitter *)e;

	if (!t->o.matches || !t->o.live)
		return LT_OK;
	if (ev->kind == LT_EMIT_PENDING)
		return match_line(out, t->rs, ev->m, t->o.color, "pending", 0);
	return match_line(out, t->rs, ev->m, t->o.color, "resolved",
	    ev->clear_line);
}

static enum lt_status
text_summary(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v, const char *gkey, const char *gvalue)
{
	struct text_emitter *t = (struct text_emitter *)e;
	enum lt_status st;

	if (!t->o.summary)
		return LT_OK;
	/* "== job.log" for a file, "== unit=VALUE" or "== unit (none)" */
	TRY(lt_buf_adds(out, "== "));
	if (gkey != NULL && strcmp(gkey, "file") != 0) {
		TRY(lt_emit_text_safe(out, gkey, strlen(gkey)));
		TRY(lt_buf_adds(out, gvalue != NULL ? "=" : " (none)"));
	}
	if (gvalue != NULL)
		TRY(lt_emit_text_safe(out, gvalue, strlen(gvalue)));
	TRY(lt_buf_adds(out, "\n"));
	return lt_emit_text_summary(out, v, t->o.color, t->o.runbook_base);
}

static enum lt_status
text_finish(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v)
{
	struct text_emitter *t = (struct text_emitter *)e;
	enum lt_status st;

	if (!t->o.summary)
		return LT_OK;
	if (t->o.groups)
		TRY(lt_buf_adds(out, "== all inputs\n"));
	return lt_emit_text_summary(out, v, t->o.color, t->o.runbook_base);
}

static void
text_free(struct lt_emitter *e)
{
	free(e);
}

static const struct lt_emitter_ops text_ops = {
	.name = "text",
	.match = text_match,
	.context = text_context,
	.evidence = text_evidence,
	.summary = text_summary,
	.finish = text_finish,
	.free = text_free,
};

struct lt_emitter *
lt_emit_text_new(const struct lt_ruleset *rs, const struct lt_emit_opts *o)
{
	struct text_emitter *t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->base.ops = &text_ops;
	t->rs = rs;
	t->o = *o;
	return &t->base;
}

/*
 * emit_slack.c - the verdict as a Slack incoming-webhook payload.
 *
 * Slack reads a JSON object with a "text" (the notification's words, and
 * what clients without blocks show) and "blocks" in Block Kit: a header
 * (plain text, at most 150 characters), sections of mrkdwn text (at most
 * 3000 characters each), a context line; at most 50 blocks.  The order is
 * the one a person on call reads (docs/summary-wording.md): what failed,
 * in words; the rule's summary with the step, time and host when the log
 * gave them and the file and line; the evidence with its context; what to
 * do now and the runbook; the runners-up; a footer for rule authors.
 *
 * The payload is built to be safe whatever the log holds:
 *
 * - It is one line of JSON (every string through lt_emit_json_string),
 *   so it is valid JSON and UTF-8 for any bytes, and no line of it can
 *   start with "::" or hold "##[": written to standard output in GitHub
 *   Actions, nothing of it acts as a workflow command.
 * - Log text in mrkdwn has Slack's three control characters escaped
 *   (& < > as &amp; &lt; &gt;), so it can make no link and no mention
 *   (<!channel>, <@U123>), and it sits only in code: a code block or a
 *   code span, where mrkdwn formats nothing.  A backtick in it would end
 *   the code early (Slack has no longer fences), so it is written as
 *   U+02CB MODIFIER LETTER GRAVE ACCENT, which looks the same.  Controls
 *   are \xNN and invisible code points \u{XXXX} (lt_emit_text_safe).
 * - Lengths are counted in characters, as Slack counts them, after the
 *   escapes: the evidence block keeps the cause's line (cut at 1500
 *   characters) and then the context lines nearest to it while they fit
 *   under 3000 (lines the decoder emptied, ##[group] and ##[endgroup],
 *   left out); other texts are cut at a character with "...".
 * - The text is already redacted (the pipeline redacts before it emits).
 *
 * Links come only from the rules and the runbook base, never from the
 * log: the runbook when it is an http(s) URL, its '|', '<', '>' and
 * spaces percent-encoded so that it cannot end Slack's <URL|label> early.
 */
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "emit_int.h"

#define TRY(x) do { if ((st = (x)) != LT_OK) goto out; } while (0)

#define SECTION_MAX 3000	/* characters of a section's text */
#define HEADER_MAX 150		/* characters of the header */
#define FALLBACK_MAX 3000	/* characters of the top-level text */
#define CAUSE_LINE_MAX 1500	/* characters of the cause's line */
#define CONTEXT_LINE_MAX 300	/* characters of a context line */
#define SPAN_MAX 150		/* characters of a name in a code span */
#define TEXT_MAX ((size_t)64 << 10)	/* bytes of one text being built */

/* Characters (code points) of valid UTF-8 p[0..n). */
static size_t
chars(const char *p, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* The byte length of the first max characters of valid UTF-8 p[0..n). */
static size_t
chars_len(const char *p, size_t n, size_t max)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80 && c++ == max)
			return i;
	return n;
}

/*
 * Cut b to at most max characters, "..." said when it was longer, never
 * inside an escape (&amp;): the cut backs up to its '&'.
 */
static void
cut_chars(struct lt_buf *b, size_t max)
{
	size_t k;

	if (b->len == 0 || chars(b->p, b->len) <= max)
		return;
	b->len = chars_len(b->p, b->len, max - 3);
	for (k = b->len; k > 0 && b->len - k < 5; k--)
		if (b->p[k - 1] == ';')
			break;
		else if (b->p[k - 1] == '&') {
			b->len = k - 1;
			break;
		}
	memcpy(b->p + b->len, "...", 3);	/* the bytes cut make room */
	b->len += 3;
}

/*
 * Log bytes as mrkdwn inside code: safe text, & < > escaped, backticks
 * as U+02CB; at most max characters ("..." said), counted after the
 * escapes and cut between two of them.
 */
static enum lt_status
code_text(struct lt_buf *b, const char *p, size_t n, size_t max)
{
	enum lt_status st;
	struct lt_buf safe;
	size_t i, k, used = 0, w;
	const char *tok;
	char one[2] = { 0, 0 };

	lt_buf_init(&safe, TEXT_MAX);
	if (n > TEXT_MAX / 16)	/* more than any cut below keeps */
		n = TEXT_MAX / 16;
	TRY(lt_emit_text_safe(&safe, p, n));
	for (i = 0; i < safe.len; i += k) {
		k = 1;
		switch (safe.p[i]) {
		case '&': tok = "&amp;"; w = 5; break;
		case '<': tok = "&lt;"; w = 4; break;
		case '>': tok = "&gt;"; w = 4; break;
		case '`': tok = "\xcb\x8b"; w = 1; break;
		default:
			while (i + k < safe.len &&
			    ((unsigned char)safe.p[i + k] & 0xc0) == 0x80)
				k++;	/* one character, all its bytes */
			one[0] = safe.p[i];
			tok = one;
			w = 1;
			break;
		}
		if (used + w > max - 3 && (used + w > max ||
		    chars(safe.p + i, safe.len - i) > 1)) {
			TRY(lt_buf_adds(b, "..."));
			break;
		}
		used += w;
		TRY(tok == one ? lt_buf_add(b, safe.p + i, k) : lt_buf_adds(b,
		    tok));
	}
	st = LT_OK;
out:
	lt_buf_free(&safe);
	return st;
}

/* Trusted words (from the rules) in mrkdwn: & < > escaped. */
static enum lt_status
words(struct lt_buf *b, const char *s)
{
	return code_text(b, s, strlen(s), SECTION_MAX);
}

/* A name from outside (file, step, host) as a code span. */
static enum lt_status
span(struct lt_buf *b, const char *p, size_t n)
{
	enum lt_status st;

	TRY(lt_buf_addc(b, '`'));
	TRY(code_text(b, p, n, SPAN_MAX));
	st = lt_buf_addc(b, '`');
out:
	return st;
}

/* One JSON member "key":"mrkdwn or plain text" from b. */
static enum lt_status
json_text(struct lt_buf *out, const char *type, const struct lt_buf *b)
{
	enum lt_status st;

	TRY(lt_buf_addf(out, "{\"type\":\"%s\",\"text\":", type));
	TRY(lt_emit_json_string(out, b->p ? b->p : "", b->len));
	if (strcmp(type, "plain_text") == 0)
		TRY(lt_buf_adds(out, ",\"emoji\":false"));
	st = lt_buf_addc(out, '}');
out:
	return st;
}

struct blocks {
	struct lt_buf *out;
	size_t n;
};

/* A section block of mrkdwn text (cut to SECTION_MAX characters). */
static enum lt_status
section(struct blocks *bl, struct lt_buf *text)
{
	enum lt_status st;

	if (bl->n >= LT_SLACK_BLOCKS_MAX)
		return LT_OK;	/* not reached: the payload has a few */
	cut_chars(text, SECTION_MAX);
	TRY(lt_buf_adds(bl->out, bl->n++ ? ",{\"type\":\"section\",\"text\":" :
	    "{\"type\":\"section\",\"text\":"));
	TRY(json_text(bl->out, "mrkdwn", text));
	st = lt_buf_addc(bl->out, '}');
out:
	return st;
}

/* One line of the evidence: the gutter, then the text. */
static enum lt_status
evidence_line(struct lt_buf *b, char mark, unsigned long long line,
    const char *p, size_t n, size_t max)
{
	enum lt_status st;

	/* Slack's '>' is a control character, in code too: escaped */
	TRY(lt_buf_addf(b, "%s%4llu  ", mark == '>' ? "&gt;" : " ", line));
	TRY(code_text(b, p, n, max));
	st = lt_buf_addc(b, '\n');
out:
	return st;
}

/*
 * The evidence block: the cause's line, then the context lines nearest
 * to it first while the block stays under SECTION_MAX characters.
 */
static enum lt_status
evidence(struct lt_buf *b, const struct lt_match *m)
{
	enum lt_status st;
	struct lt_buf cause, line;
	size_t total, i, nb = 0, na = 0, room;
	int more = 1;

	lt_buf_init(&cause, TEXT_MAX);
	lt_buf_init(&line, TEXT_MAX);
	TRY(evidence_line(&cause, '>', m->line, m->text, m->text_len,
	    CAUSE_LINE_MAX));
	total = 8 + chars(cause.p, cause.len);	/* and the fences */
	while (more) {	/* how many lines each way fit */
		more = 0;
		for (i = 0; i < 2; i++) {
			const struct lt_ctx_line *c = i == 0 ?
			    (nb < m->n_before ? &m->before[m->n_before - 1 - nb] :
			    NULL) : (na < m->n_after ? &m->after[na] : NULL);

			if (c == NULL)
				continue;
			if (c->len == 0) {	/* emptied by the decoder: left out */
				*(i == 0 ? &nb : &na) += 1;
				more = 1;
				continue;
			}
			lt_buf_reset(&line);
			TRY(evidence_line(&line, ' ', c->line, c->text, c->len,
			    CONTEXT_LINE_MAX));
			room = chars(line.p, line.len);
			if (total + room > SECTION_MAX - 16)
				continue;
			total += room;
			*(i == 0 ? &nb : &na) += 1;
			more = 1;
		}
	}
	TRY(lt_buf_adds(b, "```\n"));
	for (i = m->n_before - nb; i < m->n_before; i++)
		if (m->before[i].len > 0)
			TRY(evidence_line(b, ' ', m->before[i].line,
			    m->before[i].text, m->before[i].len,
			    CONTEXT_LINE_MAX));
	TRY(lt_buf_add(b, cause.p, cause.len));
	for (i = 0; i < na; i++)
		if (m->after[i].len > 0)
			TRY(evidence_line(b, ' ', m->after[i].line,
			    m->after[i].text, m->after[i].len,
			    CONTEXT_LINE_MAX));
	st = lt_buf_adds(b, "```");
out:
	lt_buf_free(&cause);
	lt_buf_free(&line);
	return st;
}

/* ", at 2025-01-11 10:00:36 UTC" from an RFC 3339 UTC time, if it is one. */
static enum lt_status
when(struct lt_buf *b, const char *t)
{
	char w[24];

	return lt_words_when(w, t) ? lt_buf_addf(b, ", at %s", w) : LT_OK;
}

/* The runbook, as a link when it is a URL, else as a path in code. */
static enum lt_status
runbook(struct lt_buf *b, const struct lt_rule_info *ri, const char *base)
{
	enum lt_status st;
	struct lt_buf link;
	size_t i;

	lt_buf_init(&link, 8192);
	TRY(lt_emit_runbook(&link, ri->runbook, base));
	TRY(lt_buf_adds(b, "\n*Runbook:* "));
	if (link.len > 8 && (strncmp(link.p, "https://", 8) == 0 ||
	    strncmp(link.p, "http://", 7) == 0)) {
		TRY(lt_buf_addc(b, '<'));
		for (i = 0; i < link.len; i++) {
			unsigned char c = (unsigned char)link.p[i];

			if (c == '|' || c == '<' || c == '>' || c <= ' ' ||
			    c >= 0x7f)
				TRY(lt_buf_addf(b, "%%%02X", c));
			else if (c == '&')
				TRY(lt_buf_adds(b, "&amp;"));
			else
				TRY(lt_buf_addc(b, (char)c));
		}
		TRY(lt_buf_adds(b, "|"));
		TRY(words(b, ri->category));
		st = lt_buf_adds(b, ": confirm, fix, validate>");
	} else {
		st = span(b, link.p ? link.p : "", link.len);
	}
out:
	lt_buf_free(&link);
	return st;
}

/* The sections of a failure. */
static enum lt_status
failure(struct blocks *bl, struct lt_buf *t, const struct lt_verdict *v,
    const char *base)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_match *m = lt_verdict_top(v, 0), *o;
	const struct lt_rule_info *ri = lt_ruleset_rule(rs, m->rule), *r2;
	const struct lt_label *l;
	enum lt_status st;
	size_t i;

	lt_buf_reset(t);	/* the cause, where and when */
	TRY(lt_buf_addc(t, '*'));
	TRY(words(t, ri->summary[0] != '\0' ? ri->summary : ri->id));
	TRY(lt_buf_addc(t, '*'));
	if ((l = lt_words_label(m, "step")) != NULL) {
		TRY(lt_buf_adds(t, " in step "));
		TRY(span(t, l->value, l->value_len));
	}
	TRY(when(t, m->time));
	if ((l = lt_words_label(m, "host")) != NULL) {
		TRY(lt_buf_adds(t, ", on host "));
		TRY(span(t, l->value, l->value_len));
	}
	if (lt_words_exit_status(m) >= 0) {
		TRY(lt_buf_addf(t, ".\nFrom the step's exit status, %d "
		    "(`--exit-code`).", lt_words_exit_status(m)));
		TRY(section(bl, t));
	} else {
		TRY(lt_buf_addf(t, ".\nLine %llu of ", m->line));
		TRY(span(t, m->source, strlen(m->source)));
		TRY(lt_buf_addc(t, '.'));
		TRY(section(bl, t));
		lt_buf_reset(t);
		TRY(evidence(t, m));
		TRY(section(bl, t));
	}
	lt_buf_reset(t);	/* why, in plain words */
	TRY(lt_buf_adds(t, lt_words_exit_status(m) < 0 ? "*Why this line:* " :
	    "*Why:* "));
	TRY(lt_words_why(t, v, "it"));
	TRY(section(bl, t));
	lt_buf_reset(t);	/* what to do now */
	TRY(lt_buf_adds(t, "*What to do now:* "));
	TRY(words(t, ri->remediation));
	if (ri->runbook[0] != '\0')
		TRY(runbook(t, ri, base));
	TRY(section(bl, t));
	lt_buf_reset(t);	/* also found */
	for (i = 1; (o = lt_verdict_top(v, i)) != NULL; i++) {
		if (!lt_words_also(v, i))
			continue;	/* see words.c */
		r2 = lt_ruleset_rule(rs, o->rule);
		TRY(lt_buf_adds(t, t->len == 0 ? "*Also found:*" : ""));
		TRY(lt_buf_adds(t, "\n\xe2\x80\xa2 "));
		TRY(words(t, r2->summary[0] != '\0' ? r2->summary : r2->id));
		if (lt_words_exit_status(o) >= 0) {
			TRY(lt_buf_adds(t, ", from the step's exit status"));
			continue;
		}
		TRY(lt_buf_addf(t, ", line %llu of ", o->line));
		TRY(span(t, o->source, strlen(o->source)));
	}
	if (t->len > 0)
		TRY(section(bl, t));
	st = LT_OK;
out:
	return st;
}

/* The sections of a run with no failure. */
static enum lt_status
clean(struct blocks *bl, struct lt_buf *t, const struct lt_verdict *v)
{
	const struct lt_counts *c = lt_verdict_counts_const(v);
	const char *name;
	enum lt_status st;
	size_t i;

	lt_buf_reset(t);
	TRY(lt_buf_addf(t, "No failure at severity %s or above in %llu "
	    "line%s.", lt_severity_name(lt_verdict_fail_on(v)), c->lines,
	    c->lines == 1 ? "" : "s"));
	if (c->unreadable_inputs > 0) {
		TRY(lt_buf_addf(t, "\n*%llu input%s could not be read*, so this "
		    "is not a clean bill:", c->unreadable_inputs,
		    c->unreadable_inputs == 1 ? "" : "s"));
		for (i = 0; (name = lt_verdict_unreadable_name(v, i)) != NULL;
		    i++) {
			TRY(lt_buf_adds(t, "\n\xe2\x80\xa2 "));
			TRY(span(t, name, strlen(name)));
		}
	}
	st = section(bl, t);
out:
	return st;
}

enum lt_status
lt_emit_slack(struct lt_buf *out, const struct lt_verdict *v,
    const char *runbook_base)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_counts *c = lt_verdict_counts_const(v);
	const struct lt_match *m = lt_verdict_top(v, 0);
	const struct lt_rule_info *ri = m ? lt_ruleset_rule(rs, m->rule) : NULL;
	struct lt_buf head, t, fallback;
	struct blocks bl = { out, 0 };
	enum lt_status st;

	lt_buf_init(&head, TEXT_MAX);
	lt_buf_init(&t, TEXT_MAX);
	lt_buf_init(&fallback, TEXT_MAX);
	if (ri != NULL) {
		TRY(lt_words_headline(&head, rs, ri));
		TRY(lt_buf_add(&fallback, head.p, head.len));
		TRY(lt_buf_adds(&fallback, ": "));
		TRY(words(&fallback, ri->summary[0] != '\0' ? ri->summary :
		    ri->id));
	} else {
		TRY(lt_buf_adds(&head, strcmp(lt_verdict_word(v), "clean") == 0 ?
		    "No failure found" : "Triage incomplete: an input could "
		    "not be read"));
		TRY(lt_buf_add(&fallback, head.p, head.len));
	}
	cut_chars(&head, HEADER_MAX);
	cut_chars(&fallback, FALLBACK_MAX);
	TRY(lt_buf_adds(out, "{\"text\":"));
	TRY(lt_emit_json_string(out, fallback.p, fallback.len));
	TRY(lt_buf_adds(out, ",\"blocks\":[{\"type\":\"header\",\"text\":"));
	TRY(json_text(out, "plain_text", &head));
	TRY(lt_buf_addc(out, '}'));
	bl.n = 1;
	TRY(ri != NULL ? failure(&bl, &t, v, runbook_base) : clean(&bl, &t, v));
	lt_buf_reset(&t);	/* the footer, for rule authors */
	if (ri != NULL) {
		TRY(lt_buf_adds(&t, "rule "));
		TRY(span(&t, ri->id, strlen(ri->id)));
		TRY(lt_buf_addf(&t, ", %s confidence; ",
		    lt_confidence_name(ri->confidence)));
	}
	TRY(lt_buf_addf(&t, "%llu line%s, %llu match%s; logtriage", c->lines,
	    c->lines == 1 ? "" : "s", c->matches, c->matches == 1 ? "" : "es"));
	cut_chars(&t, SECTION_MAX);
	TRY(lt_buf_adds(out, ",{\"type\":\"context\",\"elements\":["));
	TRY(json_text(out, "mrkdwn", &t));
	st = lt_buf_adds(out, "]}]}\n");
out:
	lt_buf_free(&head);
	lt_buf_free(&t);
	lt_buf_free(&fallback);
	return st;
}

/* The payload as an emitter: written at finish. */
struct slack_emitter {
	struct lt_emitter base;
	const char *runbook_base;
};

static enum lt_status
slack_finish(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v)
{
	return lt_emit_slack(out, v, ((struct slack_emitter *)e)->runbook_base);
}

static void
slack_free(struct lt_emitter *e)
{
	free(e);
}

static const struct lt_emitter_ops slack_ops = {
	.name = "slack",
	.finish = slack_finish,
	.free = slack_free,
};

struct lt_emitter *
lt_emit_slack_new(const struct lt_emit_opts *o)
{
	struct slack_emitter *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	s->base.ops = &slack_ops;
	s->runbook_base = o->runbook_base;
	return &s->base;
}

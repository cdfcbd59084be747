/*
 * emit_github.c - GitHub Actions: workflow-command annotations and the
 * Markdown step summary.
 *
 * Annotations: the cause and up to three runners-up (the verdict keeps
 * no more), as ::error for critical and high, ::warning for medium and
 * low, ::notice for info; GitHub shows at most 10 of a type per step and
 * 50 per job, so the list is ranked and short by construction.  Values
 * are escaped as the runner's parser expects: in the message %, CR and
 * LF; in properties also ':' and ','.  Nothing from the log can start a
 * line, so log text can never become a command of its own.
 *
 * The step summary is Markdown, appended by the caller to the file
 * $GITHUB_STEP_SUMMARY names.  GitHub refuses summaries over 1 MiB, so
 * the document is built whole and, when too long, cut at a line boundary
 * with any open code fence closed and a note saying it was cut.  Log text
 * sits in fenced code blocks whose fence is longer than any run of
 * backticks in the text, so it cannot end the block early.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "emit_int.h"

#define TRY(x) do { if ((st = (x)) != LT_OK) return st; } while (0)
#define EVIDENCE_MAX 4096	/* bytes of a log line shown in Markdown */

static enum lt_status
gh_escape(struct lt_buf *b, const char *s, size_t n, int property)
{
	enum lt_status st = LT_OK;
	struct lt_buf tmp;
	size_t i, k, seg;

	/* safe text (no control bytes, valid UTF-8), line by line; then the
	 * runner's escapes, newlines becoming %0A */
	lt_buf_init(&tmp, n * 4 + 16);
	for (seg = 0; seg < n && st == LT_OK; seg += k + 1) {
		const char *nl = memchr(s + seg, '\n', n - seg);

		k = nl ? (size_t)(nl - (s + seg)) : n - seg;
		lt_buf_reset(&tmp);
		if ((st = lt_emit_text_safe(&tmp, s + seg, k)) != LT_OK)
			break;
		for (i = 0; i < tmp.len && st == LT_OK; i++) {
			switch (tmp.p[i]) {
			case '%': st = lt_buf_adds(b, "%25"); break;
			case ':':
				st = property ? lt_buf_adds(b, "%3A") :
				    lt_buf_addc(b, ':');
				break;
			case ',':
				st = property ? lt_buf_adds(b, "%2C") :
				    lt_buf_addc(b, ',');
				break;
			default: st = lt_buf_addc(b, tmp.p[i]); break;
			}
		}
		if (st == LT_OK && nl != NULL)
			st = lt_buf_adds(b, "%0A");
	}
	lt_buf_free(&tmp);
	return st;
}

/*
 * The evidence line of an annotation, at most EVIDENCE_MAX bytes (cut on
 * a character boundary, " [...]" said): GitHub shows a few lines of an
 * annotation, and a line of --max-line 1G must not make the message
 * outgrow its buffer and lose the summary.
 */
static enum lt_status
evidence_cut(struct lt_buf *b, const char *p, size_t n)
{
	enum lt_status st;
	size_t k = n;

	if (n <= EVIDENCE_MAX)
		return lt_buf_add(b, p, n);
	k = EVIDENCE_MAX;
	while (k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
		k--;
	TRY(lt_buf_add(b, p, k));
	return lt_buf_adds(b, " [...]");
}

static const char *
command_for(enum lt_severity s)
{
	if (s >= LT_SEV_HIGH)
		return "error";
	return s >= LT_SEV_LOW ? "warning" : "notice";
}

/*
 * One annotation: "TITLE: category (rule, C confidence)" and a message of
 * the summary, the evidence line, the remediation and the runbook, with
 * tail (may be NULL) after the evidence line.
 */
static enum lt_status
annotation(struct lt_buf *b, const struct lt_rule_info *ri,
    const struct lt_match *m, const char *what, const char *tail,
    const char *runbook_base)
{
	enum lt_status st;
	struct lt_buf title, msg;

	lt_buf_init(&title, 4096);
	lt_buf_init(&msg, (size_t)64 << 20);
	if ((st = lt_buf_addf(&title, "%s: %s (%s, %s confidence)", what,
	    ri->category, ri->id, lt_confidence_name(ri->confidence))) !=
	    LT_OK)
		goto out;
	if ((st = lt_buf_addf(&msg, "%s\n%s:%llu: ", ri->summary, m->source,
	    m->line)) != LT_OK ||
	    (st = evidence_cut(&msg, m->text, m->text_len)) != LT_OK ||
	    (tail != NULL && (st = lt_buf_adds(&msg, tail)) != LT_OK) ||
	    (st = lt_buf_addf(&msg, "\nFix: %s", ri->remediation)) != LT_OK)
		goto out;
	if (ri->runbook[0] != '\0' && ((st = lt_buf_adds(&msg,
	    "\nRunbook: ")) != LT_OK || (st = lt_emit_runbook(&msg,
	    ri->runbook, runbook_base)) != LT_OK))
		goto out;
	if ((st = lt_buf_addf(b, "::%s title=", command_for(ri->severity))) !=
	    LT_OK || (st = gh_escape(b, title.p, title.len, 1)) != LT_OK ||
	    (st = lt_buf_add(b, "::", 2)) != LT_OK ||
	    (st = gh_escape(b, msg.p, msg.len, 0)) != LT_OK)
		goto out;
	st = lt_buf_addc(b, '\n');
out:
	lt_buf_free(&title);
	lt_buf_free(&msg);
	return st;
}

enum lt_status
lt_emit_github(struct lt_buf *b, const struct lt_verdict *v,
    const char *runbook_base)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_match *m;
	enum lt_status st;
	size_t i;

	for (i = 0, st = LT_OK; st == LT_OK && (m = lt_verdict_top(v, i)) != NULL;
	    i++)
		st = annotation(b, lt_ruleset_rule(rs, m->rule), m,
		    i == 0 ? "Root cause" : "Also found", NULL, runbook_base);
	return st;
}

/* A fenced code block around text that cannot close it early. */
static enum lt_status
md_code_n(struct lt_buf *b, const char *p, size_t n, size_t max)
{
	enum lt_status st;
	size_t i, run = 0, longest = 0, fence;
	int cut = n > max;

	if (cut)
		n = max;
	for (i = 0; i < n; i++) {
		run = p[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	fence = longest < 3 ? 3 : longest + 1;
	for (i = 0; i < fence; i++)
		TRY(lt_buf_addc(b, '`'));
	TRY(lt_buf_adds(b, "text\n"));
	for (i = 0; i < n;) {	/* line by line: newlines stay newlines */
		const char *nl = memchr(p + i, '\n', n - i);
		size_t k = nl ? (size_t)(nl - (p + i)) : n - i;

		TRY(lt_emit_text_safe(b, p + i, k));
		i += k;
		if (nl != NULL) {
			TRY(lt_buf_addc(b, '\n'));
			i++;
		}
	}
	if (cut)
		TRY(lt_buf_adds(b, " [...]"));
	TRY(lt_buf_addc(b, '\n'));
	for (i = 0; i < fence; i++)
		TRY(lt_buf_addc(b, '`'));
	return lt_buf_addc(b, '\n');
}

/*
 * One line of the evidence block: a gutter of the line number, '>' in
 * front of the cause's line, then the text (at most EVIDENCE_MAX bytes).
 * The gutter is also what keeps log text from starting a line of the
 * document: a report written to standard output in Actions is read by
 * the runner, which takes a line starting with "::" as a command.
 */
static enum lt_status
md_evidence_line(struct lt_buf *b, char mark, unsigned long long line,
    const char *p, size_t n)
{
	enum lt_status st;

	TRY(lt_buf_addf(b, "%c%4llu  ", mark, line));
	TRY(evidence_cut(b, p, n));
	return lt_buf_addc(b, '\n');
}

/*
 * The cause's line with its context, one code block.  Context lines the
 * decoder emptied (a job log's ##[group] and ##[endgroup]) are left out:
 * the gap in the numbers shows them.
 */
static enum lt_status
md_evidence(struct lt_buf *b, const struct lt_match *m,
    const struct lt_verdict *v)
{
	struct lt_buf all;
	enum lt_status st = LT_OK;
	size_t i;

	lt_buf_init(&all, (LT_CONTEXT_MAX * 2 + 1) * (EVIDENCE_MAX + 32));
	for (i = 0; st == LT_OK && i < m->n_before; i++)
		if (m->before[i].len > 0)
			st = md_evidence_line(&all, lt_words_mark(v, m,
			    m->before[i].line), m->before[i].line,
			    m->before[i].text, m->before[i].len);
	if (st == LT_OK)
		st = md_evidence_line(&all, '>', m->line, m->text, m->text_len);
	for (i = 0; st == LT_OK && i < m->n_after; i++)
		if (m->after[i].len > 0)
			st = md_evidence_line(&all, lt_words_mark(v, m,
			    m->after[i].line), m->after[i].line,
			    m->after[i].text, m->after[i].len);
	if (st == LT_OK)	/* without the last newline: md_code adds it */
		st = md_code_n(b, all.p, all.len - 1, all.len - 1);
	lt_buf_free(&all);
	return st;
}

/*
 * Text from outside (a file name) in running text: a code span, so that
 * nothing in it is Markdown, HTML or an autolink, with a backtick run
 * longer than any inside it, at most 200 bytes (cut on a character).
 */
static enum lt_status
md_code_span_in(struct lt_buf *b, const char *s, int table)
{
	enum lt_status st;
	struct lt_buf tmp;
	size_t i, run = 0, longest = 0, n = strlen(s);

	if (n > 200) {
		n = 200;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	lt_buf_init(&tmp, n * 12 + 16);
	if ((st = lt_emit_text_safe(&tmp, s, n)) != LT_OK)
		goto out;
	for (i = 0; i < tmp.len; i++) {
		run = tmp.p[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (i = 0; i <= longest && st == LT_OK; i++)
		st = lt_buf_addc(b, '`');
	if (st == LT_OK && tmp.len > 0 && (tmp.p[0] == '`' ||
	    tmp.p[tmp.len - 1] == '`'))
		st = lt_buf_addc(b, ' ');
	for (i = 0; i < tmp.len && st == LT_OK; i++)	/* GFM: even here */
		st = table && tmp.p[i] == '|' ? lt_buf_adds(b, "\\|") :
		    lt_buf_addc(b, tmp.p[i]);
	if (st == LT_OK && tmp.len > 0 && (tmp.p[0] == '`' ||
	    tmp.p[tmp.len - 1] == '`'))
		st = lt_buf_addc(b, ' ');
	for (i = 0; i <= longest && st == LT_OK; i++)
		st = lt_buf_addc(b, '`');
	if (n < strlen(s) && st == LT_OK)
		st = lt_buf_adds(b, " [...]");
out:
	lt_buf_free(&tmp);
	return st;
}

static enum lt_status
md_code_span(struct lt_buf *b, const char *s)
{
	return md_code_span_in(b, s, 0);
}

/* Markdown inline text: no HTML, no table breaks. */
static enum lt_status
md_text(struct lt_buf *b, const char *s)
{
	enum lt_status st;
	struct lt_buf tmp;
	size_t i;

	lt_buf_init(&tmp, strlen(s) * 4 + 16);
	st = lt_emit_text_safe(&tmp, s, strlen(s));
	for (i = 0; st == LT_OK && i < tmp.len; i++) {
		char c = tmp.p[i];

		if (strchr("\\`*_[]<>|#", c) != NULL)
			st = lt_buf_addc(b, '\\');
		if (st == LT_OK)
			st = lt_buf_addc(b, c);
	}
	lt_buf_free(&tmp);
	return st;
}

/*
 * The runbook: an http(s) URL as an autolink (which takes no backslash
 * escapes, so the bytes that would end it or are not plain ASCII are
 * percent-encoded), else a path on the machine, as text in a code span:
 * a link to a file on the runner is of no use in a browser.
 */
static enum lt_status
md_runbook(struct lt_buf *b, const char *link, size_t n)
{
	enum lt_status st;
	size_t i;

	if (strncmp(link, "https://", 8) != 0 && strncmp(link, "http://", 7) != 0)
		return md_code_span(b, link);
	TRY(lt_buf_addc(b, '<'));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)link[i];

		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '`' ||
		    c == '\\')
			TRY(lt_buf_addf(b, "%%%02X", c));
		else
			TRY(lt_buf_addc(b, (char)c));
	}
	return lt_buf_addc(b, '>');
}

/* A label's value (log text) as a code span, NUL-ended first. */
static enum lt_status
md_label_span(struct lt_buf *b, const char *before, const struct lt_label *l)
{
	enum lt_status st;
	char v[256];
	size_t n = l->value_len < sizeof v - 1 ? l->value_len : sizeof v - 1;

	memcpy(v, l->value, n);
	v[n] = '\0';
	TRY(lt_buf_adds(b, before));
	return md_code_span(b, v);
}

/* The runbook: a link named for the category, or the path as text. */
static enum lt_status
md_runbook_line(struct lt_buf *b, const struct lt_rule_info *ri,
    const char *runbook_base)
{
	enum lt_status st;
	struct lt_buf link;
	size_t i;

	lt_buf_init(&link, 8192);
	if ((st = lt_emit_runbook(&link, ri->runbook, runbook_base)) != LT_OK ||
	    (st = lt_buf_adds(b, "\n\n**Runbook:** ")) != LT_OK)
		goto out;
	if (link.len > 0 && (strncmp(link.p, "https://", 8) == 0 ||
	    strncmp(link.p, "http://", 7) == 0)) {
		if ((st = lt_buf_addc(b, '[')) != LT_OK)
			goto out;
		for (i = 0; ri->category[i] != '\0' && st == LT_OK; i++)
			st = lt_buf_addc(b, ri->category[i] == '_' ? ' ' :
			    ri->category[i]);
		if (st == LT_OK)
			st = lt_buf_adds(b, ": confirm, fix, validate](");
		if (st == LT_OK)
			st = md_runbook(b, link.p, link.len);
		if (st == LT_OK)
			st = lt_buf_addc(b, ')');
	} else {
		st = md_code_span(b, link.p ? link.p : "");
	}
out:
	lt_buf_free(&link);
	return st;
}

/*
 * The words of words.c as Markdown text: the headline (what 0) or the
 * why (what 1) of v's cause.
 */
static enum lt_status
md_words(struct lt_buf *b, const struct lt_verdict *v, int what)
{
	const struct lt_match *m = lt_verdict_top(v, 0);
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	enum lt_status st;
	struct lt_buf w;

	lt_buf_init(&w, 8192);
	if ((st = what == 0 ? lt_words_headline(&w, rs, lt_ruleset_rule(rs,
	    m->rule)) : lt_words_why(&w, v, "it")) != LT_OK)
		goto out;
	st = md_text(b, w.p ? w.p : "");
out:
	lt_buf_free(&w);
	return st;
}

/*
 * The report for a person, in the order of docs/summary-wording.md: what
 * failed in words; the rule's summary with the step, job, time and host
 * the log gave, and the job log's link (log_url, built by the caller from
 * the Actions environment) or the file and line; the evidence in its
 * context, the cause marked; why this line, in plain words; what to do
 * and the runbook; the runners-up worth a look; a footer for rule authors.
 */
static enum lt_status
md_document(struct lt_buf *b, const struct lt_verdict *v,
    const char *runbook_base, const char *log_url)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_counts *c = lt_verdict_counts_const(v);
	const struct lt_match *m = lt_verdict_top(v, 0), *o;
	const struct lt_rule_info *ri;
	const struct lt_label *l, *step;
	enum lt_status st;
	char when[24];
	size_t i, shown = 0;

	if (m == NULL) {
		TRY(lt_buf_addf(b, "## No failure found in %llu line%s\n\nNo "
		    "line matched a rule at severity %s or above.\n", c->lines,
		    c->lines == 1 ? "" : "s",
		    lt_severity_name(lt_verdict_fail_on(v))));
		if (c->unreadable_inputs == 0)
			return LT_OK;
		TRY(lt_buf_addf(b, "\n**%llu input%s could not be read**, so "
		    "this is not a clean bill:\n\n", c->unreadable_inputs,
		    c->unreadable_inputs == 1 ? "" : "s"));
		for (i = 0; lt_verdict_unreadable_name(v, i) != NULL; i++) {
			TRY(lt_buf_adds(b, "- "));
			TRY(md_code_span(b, lt_verdict_unreadable_name(v, i)));
			TRY(lt_buf_addc(b, '\n'));
		}
		return LT_OK;
	}
	ri = lt_ruleset_rule(rs, m->rule);
	TRY(lt_buf_adds(b, "## "));
	TRY(md_words(b, v, 0));
	TRY(lt_buf_adds(b, "\n\n**"));
	TRY(md_text(b, ri->summary[0] != '\0' ? ri->summary : ri->id));
	TRY(lt_buf_adds(b, "**"));
	if ((step = lt_words_label(m, "step")) != NULL)
		TRY(md_label_span(b, " in step ", step));
	if ((l = lt_words_label(m, "job")) != NULL)
		TRY(md_label_span(b, step ? " of job " : " in job ", l));
	if (lt_words_when(when, m->time))
		TRY(lt_buf_addf(b, ", at %s", when));
	if ((l = lt_words_label(m, "host")) != NULL)
		TRY(md_label_span(b, ", on host ", l));
	if (lt_words_exit_status(m) >= 0) {
		TRY(lt_buf_addf(b, ". From the step's exit status, %d "
		    "(`--exit-code`).\n\n", lt_words_exit_status(m)));
	} else if (log_url != NULL && log_url[0] != '\0') {
		TRY(lt_buf_adds(b, strstr(log_url, "/job/") != NULL ?
		    ". [Open the job log](" : ". [Open the run]("));
		TRY(md_runbook(b, log_url, strlen(log_url)));
		TRY(lt_buf_addf(b, ") (line %llu of ", m->line));
		TRY(md_code_span(b, m->source));
		TRY(lt_buf_adds(b, ").\n\n"));
	} else {
		TRY(lt_buf_addf(b, ". Line %llu of ", m->line));
		TRY(md_code_span(b, m->source));
		TRY(lt_buf_adds(b, ".\n\n"));
	}
	if (lt_words_exit_status(m) < 0)
		TRY(md_evidence(b, m, v));
	TRY(lt_buf_adds(b, lt_words_exit_status(m) < 0 ? "\n**Why this line:** " :
	    "**Why:** "));
	TRY(md_words(b, v, 1));
	TRY(lt_buf_adds(b, "\n\n**What to do now:** "));
	TRY(md_text(b, ri->remediation));
	if (ri->runbook[0] != '\0')
		TRY(md_runbook_line(b, ri, runbook_base));
	for (i = 1; (o = lt_verdict_top(v, i)) != NULL; i++) {
		const struct lt_rule_info *r2 = lt_ruleset_rule(rs, o->rule);
		const struct lt_label *s2 = lt_words_label(o, "step");

		if (!lt_words_also(v, i))
			continue;
		TRY(lt_buf_adds(b, shown++ == 0 ? "\n\n**Also found:**\n\n" :
		    ""));
		TRY(lt_buf_adds(b, "- "));
		TRY(md_text(b, r2->summary[0] != '\0' ? r2->summary : r2->id));
		if (lt_words_exit_status(o) >= 0) {
			TRY(lt_buf_adds(b, ", from the step's exit status\n"));
			continue;
		}
		TRY(lt_buf_addf(b, ", line %llu", o->line));
		if (strcmp(o->source, m->source) != 0) {
			TRY(lt_buf_adds(b, " of "));
			TRY(md_code_span(b, o->source));
		}
		if (s2 != NULL && (step == NULL || s2->value_len !=
		    step->value_len || memcmp(s2->value, step->value,
		    s2->value_len) != 0))
			TRY(md_label_span(b, " in step ", s2));
		TRY(lt_buf_addc(b, '\n'));
	}
	if (shown == 0)
		TRY(lt_buf_adds(b, "\n\n**Also found:** nothing else points to "
		    "a cause.\n"));
	TRY(lt_buf_adds(b, "\n*rule `"));
	TRY(lt_buf_adds(b, ri->id));
	TRY(lt_buf_adds(b, "` ("));
	TRY(md_text(b, ri->origin));
	return lt_buf_addf(b, "), %s confidence; %llu line%s, %llu match%s*\n",
	    lt_confidence_name(ri->confidence), c->lines,
	    c->lines == 1 ? "" : "s", c->matches, c->matches == 1 ? "" : "es");
}

/*
 * The fence left open at the end of p[0..n) (whole lines), as CommonMark
 * reads them: outside a block, a line that starts with three or more
 * backticks opens one; inside, only a line of at least as many backticks
 * and nothing else closes it.  A log line in a block starts with
 * backticks often enough (`cmd`), and never closes the block (its fence
 * is longer than any run in the text).  Returns the open fence's length,
 * or 0.
 */
static size_t
open_fence(const char *p, size_t n)
{
	size_t i = 0, open = 0, k, e;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);

		e = nl ? (size_t)(nl - p) : n;
		for (k = 0; i + k < e && p[i + k] == '`'; k++)
			;
		if (open == 0 && k >= 3)
			open = k;
		else if (open > 0 && k >= open && i + k == e)
			open = 0;
		i = e + 1;
	}
	return open;
}

static enum lt_status
md_cut(struct lt_buf *b, const struct lt_verdict *v, const char *runbook_base,
    const char *log_url, size_t cap)
{
	static const char note[] = "\n*(cut: the report reached its size "
	    "limit)*\n";
	struct lt_buf doc;
	enum lt_status st;
	size_t cut, i, open;

	lt_buf_init(&doc, (size_t)256 << 20);
	if ((st = md_document(&doc, v, runbook_base, log_url)) != LT_OK)
		goto out;
	if (doc.len <= cap) {
		st = lt_buf_add(b, doc.p, doc.len);
		goto out;
	}
	/* cut at a line boundary, leaving room to close a fence and say so */
	cut = cap > sizeof note ? cap - sizeof note : 0;
	for (;;) {
		while (cut > 0 && doc.p[cut - 1] != '\n')
			cut--;
		open = open_fence(doc.p, cut);
		if (cut == 0 || cut + open + 1 + sizeof note <= cap)
			break;
		cut = cut > open + 1 ? cut - open - 1 : 0;
	}
	if ((st = lt_buf_add(b, doc.p, cut)) != LT_OK)
		goto out;
	for (i = 0; i < open && st == LT_OK; i++)	/* close it */
		st = lt_buf_addc(b, '`');
	if (st == LT_OK && open > 0)
		st = lt_buf_addc(b, '\n');
	if (st == LT_OK)
		st = lt_buf_adds(b, note);
out:
	lt_buf_free(&doc);
	return st;
}

enum lt_status
lt_emit_markdown(struct lt_buf *b, const struct lt_verdict *v,
    const char *runbook_base, size_t cap)
{
	return md_cut(b, v, runbook_base, NULL, cap);
}

/*
 * The GitHub emitter: annotations for the cause and the runners-up at
 * the end.  With a stop token it also owns the ::stop-commands:: fence:
 * other formats echo log text to the same output (JSON, text), and a
 * line of it that looks like a workflow command must not act as one, so
 * the fence opens before anything else is written (begin) and closes
 * just before the annotations, which must act.  Whether the closing line
 * really went out is known only when the output reports it written; till
 * then lt_emit_github_closing() hands the caller the line to write.
 */
#define TOKEN_MAX 64
_Static_assert(TOKEN_MAX + 5 <= LT_GITHUB_CLOSING_MAX,
    "the closing line always fits LT_GITHUB_CLOSING_MAX");

struct github_emitter {
	struct lt_emitter base;
	const struct lt_ruleset *rs;
	const char *runbook_base;
	void (*make_token)(char *buf, size_t size);
	char token[TOKEN_MAX];
	int fenced;		/* the fence is open */
	int closing;		/* its closing line is in the output */
	int live;
	size_t n_live;		/* live annotations written */
	size_t live_rule[LT_GITHUB_LIVE_MAX];	/* ... for these rules */
	unsigned long long held[LT_GITHUB_LIVE_MAX];	/* seq said pending */
	size_t n_held;
};

/* Open the fence with a fresh token. */
static enum lt_status
fence_open(struct github_emitter *g, struct lt_buf *out)
{
	enum lt_status st;
	size_t i;

	memset(g->token, 0, sizeof g->token);
	g->make_token(g->token, sizeof g->token);
	for (i = 0; g->token[i] != '\0'; i++)	/* no line of its own */
		if (g->token[i] == '\n' || g->token[i] == '\r' ||
		    g->token[i] == ':')
			return LT_ERR_ARG;
	if (i == 0)
		return LT_ERR_ARG;
	TRY(lt_buf_addf(out, "::stop-commands::%s\n", g->token));
	g->fenced = 1;
	return LT_OK;
}

static enum lt_status
github_begin(struct lt_emitter *e, struct lt_buf *out)
{
	struct github_emitter *g = (struct github_emitter *)e;

	return g->make_token != NULL ? fence_open(g, out) : LT_OK;
}

static enum lt_status
github_finish(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v)
{
	struct github_emitter *g = (struct github_emitter *)e;
	enum lt_status st;

	if (g->fenced) {
		TRY(lt_buf_addf(out, "::%s::\n", g->token));
		g->closing = 1;
	}
	return lt_emit_github(out, v, g->runbook_base);
}

/*
 * A live annotation: the fence (when there is one) is lifted around it,
 * and opened again with a fresh token, for the annotation must act while
 * the log text echoed before and after it must not.
 */
static enum lt_status
live_annotation(struct github_emitter *g, struct lt_buf *out,
    const struct lt_match *m, const char *what, const char *tail)
{
	enum lt_status st;
	int fenced = g->fenced;

	if (fenced)
		TRY(lt_buf_addf(out, "::%s::\n", g->token));
	TRY(annotation(out, lt_ruleset_rule(g->rs, m->rule), m, what, tail,
	    g->runbook_base));
	g->n_live++;
	return fenced ? fence_open(g, out) : LT_OK;
}

/* Live: the first decided match of each rule, at once. */
static enum lt_status
github_match(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_match *m)
{
	struct github_emitter *g = (struct github_emitter *)e;
	size_t i;

	if (!g->live || g->n_live >= LT_GITHUB_LIVE_MAX)
		return LT_OK;
	for (i = 0; i < g->n_live; i++)
		if (g->live_rule[i] == m->rule)
			return LT_OK;
	g->live_rule[g->n_live] = m->rule;
	return live_annotation(g, out, m, "Found", NULL);
}

/* A notice that a match said to be pending was cleared after all. */
static enum lt_status
cleared_notice(struct github_emitter *g, struct lt_buf *out,
    const struct lt_emit_ev *ev)
{
	const struct lt_rule_info *ri = lt_ruleset_rule(g->rs, ev->m->rule);
	enum lt_status st;
	struct lt_buf t;
	int fenced = g->fenced;

	if (fenced)
		TRY(lt_buf_addf(out, "::%s::\n", g->token));
	lt_buf_init(&t, (size_t)1 << 20);
	if ((st = lt_buf_addf(&t, "Cleared: %s (%s)", ri->category,
	    ri->id)) == LT_OK &&
	    (st = lt_buf_adds(out, "::notice title=")) == LT_OK &&
	    (st = gh_escape(out, t.p, t.len, 1)) == LT_OK) {
		lt_buf_reset(&t);
		if ((st = lt_buf_addf(&t, "%s:%llu is not a failure: line %llu "
		    "cleared it", ev->m->source, ev->m->line,
		    ev->clear_line)) == LT_OK &&
		    (st = lt_buf_add(out, "::", 2)) == LT_OK &&
		    (st = gh_escape(out, t.p, t.len, 0)) == LT_OK)
			st = lt_buf_addc(out, '\n');
	}
	lt_buf_free(&t);
	if (st != LT_OK)
		return st;
	return fenced ? fence_open(g, out) : LT_OK;
}

/*
 * Live: a match still undecided after the hold is said to be pending (an
 * annotation cannot be taken back, so it says it may clear), and when
 * one said so is cleared, a notice says that too.
 */
static enum lt_status
github_evidence(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_emit_ev *ev)
{
	struct github_emitter *g = (struct github_emitter *)e;
	size_t i;

	if (!g->live)
		return LT_OK;
	if (ev->kind == LT_EMIT_PENDING) {
		if (g->n_live >= LT_GITHUB_LIVE_MAX)
			return LT_OK;
		g->live_rule[g->n_live] = ev->m->rule;
		if (g->n_held < LT_GITHUB_LIVE_MAX)
			g->held[g->n_held++] = ev->m->seq;
		return live_annotation(g, out, ev->m, "Pending (may still "
		    "clear)", NULL);
	}
	for (i = 0; i < g->n_held && g->held[i] != ev->m->seq; i++)
		;
	if (i == g->n_held)
		return LT_OK;	/* never said pending: nothing to take back */
	g->held[i] = g->held[--g->n_held];
	return cleared_notice(g, out, ev);
}

static void
github_written(struct lt_emitter *e)
{
	struct github_emitter *g = (struct github_emitter *)e;

	if (g->closing)
		g->fenced = g->closing = 0;	/* the closing line went out */
}

static void
github_free(struct lt_emitter *e)
{
	free(e);
}

static const struct lt_emitter_ops github_ops = {
	.name = "github",
	.begin = github_begin,
	.match = github_match,
	.evidence = github_evidence,
	.finish = github_finish,
	.written = github_written,
	.free = github_free,
};

struct lt_emitter *
lt_emit_github_new(const struct lt_ruleset *rs, const struct lt_emit_opts *o)
{
	struct github_emitter *g;

	if ((g = calloc(1, sizeof *g)) == NULL)
		return NULL;
	g->base.ops = &github_ops;
	g->rs = rs;
	g->runbook_base = o->runbook_base;
	g->make_token = o->stop_token;
	g->live = o->live;
	return &g->base;
}

size_t
lt_emit_github_closing(const struct lt_emitter *e, char *buf, size_t size)
{
	const struct github_emitter *g = (const struct github_emitter *)e;
	int n;

	if (e == NULL || e->ops != &github_ops || !g->fenced || buf == NULL)
		return 0;
	n = snprintf(buf, size, "::%s::\n", g->token);
	if (n <= 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

/* The step summary as an emitter: the Markdown document at the end. */
struct markdown_emitter {
	struct lt_emitter base;
	const char *runbook_base;
	const char *log_url;
	size_t cap;
};

static enum lt_status
markdown_finish(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v)
{
	struct markdown_emitter *md = (struct markdown_emitter *)e;

	return md_cut(out, v, md->runbook_base, md->log_url, md->cap);
}

static void
markdown_free(struct lt_emitter *e)
{
	free(e);
}

static const struct lt_emitter_ops markdown_ops = {
	.name = "markdown",
	.finish = markdown_finish,
	.free = markdown_free,
};

struct lt_emitter *
lt_emit_markdown_new(const struct lt_emit_opts *o)
{
	struct markdown_emitter *md;

	if ((md = calloc(1, sizeof *md)) == NULL)
		return NULL;
	md->base.ops = &markdown_ops;
	md->runbook_base = o->runbook_base;
	md->log_url = o->log_url;
	md->cap = o->cap;
	return &md->base;
}

/*
 * logtriage/emit.h - writers for the output formats, and the emitter
 * interface through which the pipeline drives them (below).
 *
 * Emitters append to a caller's lt_buf and never write anywhere
 * themselves.  Every string that reaches JSON output passes through one
 * function that replaces bytes that are not valid UTF-8 with U+FFFD and
 * escapes what JSON requires, so output is valid JSON and valid UTF-8 for
 * any input bytes.  Offsets into text (span, fields) are translated to
 * byte offsets of the emitted (cleaned) text.
 *
 * The JSON objects are documented in man/logtriage.1 (OUTPUT).
 */
#ifndef LOGTRIAGE_EMIT_H
#define LOGTRIAGE_EMIT_H

#include "api.h"
#include "buf.h"
#include "rules.h"
#include "verdict.h"

/* One "match" object and a newline. */
LT_API enum lt_status lt_emit_json_match(struct lt_buf *out,
    const struct lt_ruleset *rs, const struct lt_match *m);

/*
 * A "pending" object and a newline: match m of a rule with cleared_by,
 * kept longer than the hold and not decided yet (it may still clear).
 */
LT_API enum lt_status lt_emit_json_pending(struct lt_buf *out,
    const struct lt_ruleset *rs, const struct lt_match *m);

/*
 * A "resolved" object and a newline: match m (of a rule with cleared_by)
 * and the matches of its stream after it that a later line cleared
 * (matches counts them all), with that line.
 */
LT_API enum lt_status lt_emit_json_resolved(struct lt_buf *out,
    const struct lt_ruleset *rs, const struct lt_match *m,
    unsigned long long matches, unsigned long long clear_line,
    const char *clear_text, size_t clear_len);

/* The "summary" object and a newline. */
LT_API enum lt_status lt_emit_json_summary(struct lt_buf *out,
    const struct lt_verdict *v);

/*
 * The summary of one group of the input (e.g. gkey "file", gvalue its
 * name), with "group":{gkey:gvalue} after "type" (null for a NULL
 * gvalue), and a newline.
 */
LT_API enum lt_status lt_emit_json_group_summary(struct lt_buf *out,
    const struct lt_verdict *v, const char *gkey, const char *gvalue);

/* One "rule" object (as `logtriage rules` lists it) and a newline. */
LT_API enum lt_status lt_emit_json_rule(struct lt_buf *out,
    const struct lt_rule_info *r);

/* Text for people (see emit_text.c); color adds ANSI colours. */
LT_API enum lt_status lt_emit_text_match(struct lt_buf *out,
    const struct lt_ruleset *rs, const struct lt_match *m, int color);
LT_API enum lt_status lt_emit_text_summary(struct lt_buf *out,
    const struct lt_verdict *v, int color, const char *runbook_base);
/* Bytes as terminal-safe text: controls as \xNN, bad UTF-8 as U+FFFD. */
LT_API enum lt_status lt_emit_text_safe(struct lt_buf *out, const char *p,
    size_t n);
/* A runbook path, joined to base when it is relative and base is set. */
LT_API enum lt_status lt_emit_runbook(struct lt_buf *out, const char *runbook,
    const char *base);

/* GitHub workflow-command annotations for the cause and runners-up. */
LT_API enum lt_status lt_emit_github(struct lt_buf *out,
    const struct lt_verdict *v, const char *runbook_base);
#define LT_STEP_SUMMARY_MAX (1u << 20)	/* GitHub's limit per step */
#define LT_GITHUB_LIVE_MAX 6	/* live annotations, before those at the end */

/* The Markdown step summary, at most cap bytes (cut cleanly). */
LT_API enum lt_status lt_emit_markdown(struct lt_buf *out,
    const struct lt_verdict *v, const char *runbook_base, size_t cap);

/*
 * A Slack incoming-webhook payload (Block Kit) for the verdict: one line
 * of JSON and a newline, at most LT_SLACK_BLOCKS_MAX blocks and 3000
 * characters a section (see emit_slack.c); log text only in code, with
 * Slack's & < > escaped.
 */
LT_API enum lt_status lt_emit_slack(struct lt_buf *out,
    const struct lt_verdict *v, const char *runbook_base);
#define LT_SLACK_BLOCKS_MAX 50	/* Slack's limit per message */
/* The Markdown report to standard output (-o markdown): a GitHub issue's
 * body holds at most 65536 characters */
#define LT_MARKDOWN_STDOUT_MAX 65536u

/* Prometheus text exposition of the run; now in seconds. */
LT_API enum lt_status lt_emit_prometheus(struct lt_buf *out,
    const struct lt_verdict *v, long long now);

/* A JSON string literal for bytes p[0..n), cleaned as described above. */
LT_API enum lt_status lt_emit_json_string(struct lt_buf *out, const char *p,
    size_t n);

/*
 * The emitter interface: how the pipeline (triage.h) drives an output
 * format, as ripgrep's searcher drives its sinks.  An emitter is a table
 * of callbacks (struct lt_emitter_ops) and its own state; each callback
 * appends to the buffer it is handed and never writes anywhere itself.
 * Any callback may be NULL (nothing to do).  In the order a run calls
 * them:
 *
 *   begin     once, when the emitter joins the pipeline
 *   match     a decided match, as soon as it is decided; with context
 *             (-A/-B/-C: m->has_context) it carries its before lines only
 *   context   the same match again once its after lines are complete (or
 *             its source ended): m->after is filled; only with context.
 *             A format that writes a match together with its context
 *             (JSON, text) writes it here, a live one (GitHub) at match
 *   evidence  a match of a rule with cleared_by that is not decided:
 *             written as pending after the hold, or resolved by a later
 *             line (struct lt_emit_ev)
 *   summary   the verdict of one group of the input (gkey, gvalue: e.g.
 *             "file" and its name, or a label's key and value; gvalue
 *             NULL for the lines without the label), when such groups
 *             are asked for
 *   finish    the verdict of the whole run, once at the end
 *   written   what the emitter appended so far has been written out
 *   free      the emitter's own memory
 *
 * Text reaching an emitter is already redacted (the pipeline redacts
 * before it emits); matches and verdicts are only borrowed for the call.
 */
struct lt_emitter;

enum lt_emit_ev_kind {
	LT_EMIT_PENDING,	/* kept longer than the hold, may still clear */
	LT_EMIT_RESOLVED	/* a cleared_by line cleared it */
};

struct lt_emit_ev {
	enum lt_emit_ev_kind kind;
	const struct lt_match *m;
	unsigned long long matches;	/* resolved: matches it stands for */
	unsigned long long clear_line;	/* resolved: the clearing line */
	const char *clear_text;
	size_t clear_len;
};

struct lt_emitter_ops {
	const char *name;	/* "json", "text", ... */
	enum lt_status (*begin)(struct lt_emitter *e, struct lt_buf *out);
	enum lt_status (*match)(struct lt_emitter *e, struct lt_buf *out,
	    const struct lt_match *m);
	enum lt_status (*context)(struct lt_emitter *e, struct lt_buf *out,
	    const struct lt_match *m);
	enum lt_status (*evidence)(struct lt_emitter *e, struct lt_buf *out,
	    const struct lt_emit_ev *ev);
	enum lt_status (*summary)(struct lt_emitter *e, struct lt_buf *out,
	    const struct lt_verdict *v, const char *gkey, const char *gvalue);
	enum lt_status (*finish)(struct lt_emitter *e, struct lt_buf *out,
	    const struct lt_verdict *v);
	void (*written)(struct lt_emitter *e);
	void (*free)(struct lt_emitter *e);
};

/* Every emitter starts with this; its state follows. */
struct lt_emitter {
	const struct lt_emitter_ops *ops;
};

/* The presentation options of the formats below; each reads its own. */
struct lt_emit_opts {
	int matches;		/* json, text: write matches (default 1) */
	int summary;		/* json, text: write summaries (default 1) */
	int color;		/* text: ANSI colours */
	/*
	 * text: the input is summarised by groups as well, so the overall
	 * summary is headed "== all inputs"
	 */
	int groups;
	const char *runbook_base;	/* text, github, markdown, slack */
	/*
	 * github: fills buf (size bytes, NUL-terminated) with a fresh
	 * random token that the log's author cannot guess; when set,
	 * everything written between the emitter's begin and its finish
	 * is inside ::stop-commands::TOKEN, so log text that other formats
	 * echo cannot act as a command
	 */
	void (*stop_token)(char *buf, size_t size);
	/*
	 * github, text: the input is live (a pipe that may never end), so
	 * what JSON writes as it happens is written as it happens: github
	 * annotates the first decided match of each rule at once (at most
	 * LT_GITHUB_LIVE_MAX annotations, leaving room under GitHub's 10
	 * per type and step for those at the end) and a match still
	 * pending after the hold, and says when a match it said was
	 * pending is cleared; text writes pending and resolved lines
	 */
	int live;
	long long now;		/* prometheus: seconds since the epoch */
	size_t cap;		/* markdown: most bytes (LT_STEP_SUMMARY_MAX) */
	/*
	 * markdown: the job log (or the run) to link, built by the caller
	 * from the Actions environment; NULL: the file and line as text
	 */
	const char *log_url;
};

LT_API void lt_emit_opts_init(struct lt_emit_opts *o);

/*
 * The formats as emitters; NULL when out of memory.  rs and the strings
 * in o must outlive the emitter.  Free with lt_emitter_free().
 */
LT_API struct lt_emitter *lt_emit_json_new(const struct lt_ruleset *rs,
    const struct lt_emit_opts *o);
LT_API struct lt_emitter *lt_emit_text_new(const struct lt_ruleset *rs,
    const struct lt_emit_opts *o);
/* Annotations at finish (and the fence, with o->stop_token). */
LT_API struct lt_emitter *lt_emit_github_new(const struct lt_ruleset *rs,
    const struct lt_emit_opts *o);
/* The Markdown step summary, at finish. */
LT_API struct lt_emitter *lt_emit_markdown_new(const struct lt_emit_opts *o);
/* The Slack payload, at finish. */
LT_API struct lt_emitter *lt_emit_slack_new(const struct lt_emit_opts *o);
/* The metrics, at finish. */
LT_API struct lt_emitter *lt_emit_prometheus_new(
    const struct lt_emit_opts *o);
LT_API void lt_emitter_free(struct lt_emitter *e);

/*
 * github: while its ::stop-commands:: fence is open and the closing line
 * has not been reported written, the closing line ("::TOKEN::" and a
 * newline) into buf[0..size), NUL-terminated, and its length: the caller
 * must write those bytes itself where the runner still reads them (the
 * run ended early, or the output failed).  0, buf untouched, when no
 * fence is open (or e is NULL or not a GitHub emitter); 0 and buf empty
 * when the line does not fit (LT_GITHUB_CLOSING_MAX always does).
 */
#define LT_GITHUB_CLOSING_MAX 80
LT_API size_t lt_emit_github_closing(const struct lt_emitter *e, char *buf,
    size_t size);

/* Call one callback of e when it has it (LT_OK when not). */
LT_API enum lt_status lt_emitter_begin(struct lt_emitter *e,
    struct lt_buf *out);
LT_API enum lt_status lt_emitter_match(struct lt_emitter *e,
    struct lt_buf *out, const struct lt_match *m);
LT_API enum lt_status lt_emitter_context(struct lt_emitter *e,
    struct lt_buf *out, const struct lt_match *m);
LT_API enum lt_status lt_emitter_evidence(struct lt_emitter *e,
    struct lt_buf *out, const struct lt_emit_ev *ev);
LT_API enum lt_status lt_emitter_summary(struct lt_emitter *e,
    struct lt_buf *out, const struct lt_verdict *v, const char *gkey,
    const char *gvalue);
LT_API enum lt_status lt_emitter_finish(struct lt_emitter *e,
    struct lt_buf *out, const struct lt_verdict *v);
LT_API void lt_emitter_written(struct lt_emitter *e);

#endif

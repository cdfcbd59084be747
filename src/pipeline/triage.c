/*
 * triage.c - one run of the pipeline, for the CLI, `logtriage test` and
 * the fuzzers alike.
 *
 * The decoder (decode.c) splits each source into records, in whatever
 * format the source is, and calls on_record() for each: the message is
 * normalised (ANSI escapes removed into a scratch buffer, only when an
 * ESC byte is present), scanned, and a hit becomes an lt_match, carrying
 * the record's time and labels, that is redacted, waits for its context
 * lines (context.c) when they were asked for, and is then ranked by the
 * verdict and handed to the emitters the caller added (emit.h: JSON,
 * text, GitHub, ...), in the order they were added.  The pipeline knows
 * no output format: it calls the emitters' callbacks and writes what
 * they append.  Output is gathered in one capped buffer and handed to
 * the caller's write function at the end of every feed (and whenever it
 * passes FLUSH_AT), so a live pipe sees a verdict as soon as the line
 * arrives while a large file is written in large blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/line_start.h"
#include "logtriage/buf.h"
#include "logtriage/decode.h"
#include "logtriage/emit.h"
#include "logtriage/redact.h"
#include "logtriage/scan.h"
#include "logtriage/triage.h"
#include "logtriage/verdict.h"
#include "match/ruleset.h"
#include "pipeline_int.h"
#include "util/utf8.h"
#include "util/util.h"
#include "verdict/evidence.h"
#include "verdict/group.h"

#define FLUSH_AT (64u << 10)

struct lt_triage {
	const struct lt_ruleset *rs;
	struct lt_triage_opts o;
	int not_live;		/* the current source is a regular file */
	struct lt_decoder *dec;
	struct lt_scanner *sc;
	struct lt_redactor *red;	/* NULL when redaction is off */
	struct lt_verdict *v;
	struct lt_evidence *ev;	/* count, within, cleared_by */
	struct lt_verdict *gv;	/* per_source: this source's own verdict */
	struct lt_counts g0;	/* per_source: counts when it began */
	char *gname;		/* per_source: its name; NULL: none open */
	struct lt_groups *groups;	/* group_label: a verdict per value */
	struct lt_buf out;
	char *scratch;		/* max_line bytes, for ANSI stripping */
	char *label_red;	/* redacted label values, with redaction */
	char *source;
	int entries;		/* the source pushes entries, not bytes */
	unsigned char *limit_warned;	/* per rule */
	int budget_warned;	/* the line budget warning was given */
	unsigned char *matched;	/* per rule, with rule_stats */
	struct lt_rule_stats *stats;	/* per rule, with rule_stats */
	unsigned long long seq;
	enum lt_status werr;	/* sticky write failure */
	struct lt_context *ctx;	/* -B/-A; NULL without context */
	struct lt_emitter *em[LT_TRIAGE_EMITTERS_MAX];	/* borrowed */
	size_t n_em;
	int ev_now;		/* in lt_evidence_offer for the line at hand */
	int has_ann;		/* some rule has an annotation key */
};

void
lt_triage_opts_init(struct lt_triage_opts *o)
{
	memset(o, 0, sizeof *o);
	o->fail_on = LT_SEV_LOW;
	o->max_line = LT_MAX_LINE_DEFAULT;
	o->redact = 1;
	o->exit_code = -1;
	o->jobs = 1;
	o->hold_ms = 5000;
}

static enum lt_status on_record(void *ctx, const struct lt_record *r);
static enum lt_status on_evidence(void *ctx, enum lt_ev_kind kind,
    const struct lt_match *m, const struct lt_ev_note *note);
static size_t run_ask(void *ctx, const char *p, size_t n);
static enum lt_status run_passed(void *ctx, unsigned long long lines,
    unsigned long long truncated);

struct lt_triage *
lt_triage_new(const struct lt_ruleset *rs, const struct lt_triage_opts *o)
{
	struct lt_triage *t;

	if (o->max_line == 0 || o->max_line > LT_MAX_LINE_MAX ||
	    o->write == NULL || o->before > LT_CONTEXT_MAX ||
	    o->after > LT_CONTEXT_MAX)
		return NULL;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->rs = rs;
	t->o = *o;
	t->has_ann = rs->n_ann > 0;
	if (lt_context_new(o->before, o->after, &t->ctx) != LT_OK) {
		lt_triage_free(t);
		return NULL;
	}
	/* a match object escapes each byte to at most 6; four in a summary */
	lt_buf_init(&t->out, 32 * o->max_line + (4u << 20));
	t->dec = lt_decoder_new(o->input, o->max_line, on_record, t);
	t->sc = lt_scanner_new(rs);
	if (o->redact && rs->n_redacts > 0 &&
	    ((t->red = lt_redactor_new(rs)) == NULL ||
	    (t->label_red = malloc(LT_LABELS_MAX * LT_LABEL_VALUE_MAX)) ==
	    NULL)) {
		lt_triage_free(t);
		return NULL;
	}
	t->v = lt_verdict_new(rs, o->fail_on);
	t->ev = lt_evidence_new(rs);
	if (o->group_label != NULL && (t->groups = lt_groups_new(rs,
	    o->fail_on, o->group_label)) == NULL) {
		lt_triage_free(t);
		return NULL;
	}
	t->scratch = malloc(o->max_line);
	t->limit_warned = calloc(rs->n_rules ? rs->n_rules : 1, 1);
	if (o->rule_stats) {
		t->matched = calloc(rs->n_rules ? rs->n_rules : 1, 1);
		t->stats = calloc(rs->n_rules ? rs->n_rules : 1,
		    sizeof *t->stats);
		if (t->matched == NULL || t->stats == NULL) {
			lt_triage_free(t);
			return NULL;
		}
	}
	if (!t->dec || !t->sc || !t->v || !t->ev || !t->scratch ||
	    !t->limit_warned) {
		lt_triage_free(t);
		return NULL;
	}
	if (o->jobs > 1)
		(void)lt_scanner_jobs(t->sc, o->jobs);
	/*
	 * lint's stats, context lines and label groups (each line counts
	 * for its group) need every line decoded
	 */
	if (rs->pf != NULL && t->stats == NULL && t->ctx == NULL &&
	    t->groups == NULL)
		lt_decoder_runs(t->dec, run_ask, run_passed, t);
	return t;
}

void
lt_triage_free(struct lt_triage *t)
{
	if (t == NULL)
		return;
	lt_decoder_free(t->dec);
	lt_scanner_free(t->sc);
	lt_redactor_free(t->red);
	lt_verdict_free(t->v);
	lt_verdict_free(t->gv);
	free(t->gname);
	lt_groups_free(t->groups);
	lt_evidence_free(t->ev);
	lt_buf_free(&t->out);
	free(t->scratch);
	free(t->label_red);
	free(t->source);
	free(t->limit_warned);
	free(t->matched);
	free(t->stats);
	lt_context_free(t->ctx);
	free(t);
}

enum lt_status
lt_triage_add_emitter(struct lt_triage *t, struct lt_emitter *e)
{
	if (t->n_em >= LT_TRIAGE_EMITTERS_MAX)
		return LT_ERR_LIMIT;
	t->em[t->n_em++] = e;
	return lt_emitter_begin(e, &t->out);
}

static enum lt_status
flush(struct lt_triage *t)
{
	enum lt_status st;

	if (t->o.on_progress != NULL)
		t->o.on_progress(t->o.observe_ctx, t->v);
	if (t->werr != LT_OK)
		return t->werr;
	if (t->out.len == 0)
		return LT_OK;
	st = t->o.write(t->o.write_ctx, t->out.p, t->out.len);
	lt_buf_reset(&t->out);
	if (st != LT_OK) {
		t->werr = st;
		return st;
	}
	for (size_t i = 0; i < t->n_em; i++)
		lt_emitter_written(t->em[i]);
	return LT_OK;
}

/* Room in the output before an emitter appends to it. */
static enum lt_status
room(struct lt_triage *t)
{
	return t->out.len >= FLUSH_AT ? flush(t) : LT_OK;
}

static void
warn_limit(struct lt_triage *t, size_t rule)
{
	struct lt_error e;

	if (t->limit_warned[rule] || t->o.diag == NULL)
		return;
	t->limit_warned[rule] = 1;
	lt_error_set(&e, LT_ERR_LIMIT, LT_LEVEL_WARNING, t->source, 0, 0,
	    "rule '%s' hit its match limit; the line counts as not matched "
	    "by it (limit_hits in the summary)", t->rs->rules[rule].info.id);
	t->o.diag(t->o.diag_ctx, &e);
}

/* The record's annotation label: its value in *len, or NULL. */
static const char *
annotation_of(const struct lt_record *r, size_t *len)
{
	size_t i;

	for (i = 0; i < r->n_labels; i++)
		if (r->labels[i].key_len == 10 &&
		    memcmp(r->labels[i].key, "annotation", 10) == 0) {
			*len = r->labels[i].value_len;
			return r->labels[i].value;
		}
	*len = 0;
	return NULL;
}

/* The line's hit: the scanner's, or an annotation rule's (scan.h). */
static int
line_hit(struct lt_triage *t, const struct lt_record *r, const char *p,
    size_t n, struct lt_hit *hit, struct lt_scan_note *note)
{
	int have = lt_scanner_scan(t->sc, p, n, hit, note);
	const char *w;
	size_t wlen;

	if (t->has_ann && (w = annotation_of(r, &wlen)) != NULL)
		have = lt_scanner_annotated(t->sc, w, wlen, n, have, hit);
	return have;
}

/* rule_stats: which rules match this line, and which of them wins. */
static void
count_rules(struct lt_triage *t, const struct lt_record *rec, const char *p,
    size_t n)
{
	struct lt_scan_note note;
	const char *w;
	size_t r, best = SIZE_MAX, count, wlen;

	count = lt_scanner_scan_all(t->sc, p, n, t->matched, &note);
	if (t->has_ann && (w = annotation_of(rec, &wlen)) != NULL)
		count += lt_scanner_annotated_all(t->sc, w, wlen, t->matched);
	if (count == 0)
		return;
	for (r = 0; r < t->rs->n_rules; r++) {
		if (!t->matched[r])
			continue;
		if (best == SIZE_MAX) {
			best = r;	/* rank order: the first is the best */
			t->stats[r].won++;
		} else if (t->stats[r].fired == t->stats[r].won) {
			t->stats[r].winner = best;	/* first time beaten */
		}
		t->stats[r].fired++;
	}
}

static void
count_limits(struct lt_triage *t, const struct lt_scan_note *note,
    unsigned long long line)
{
	struct lt_error e;

	if (note->limit_hits == 0)
		return;
	lt_verdict_counts(t->v)->limit_hits += note->limit_hits;
	if (!note->budget_out) {
		warn_limit(t, note->limit_rule);
		return;
	}
	if (t->budget_warned || t->o.diag == NULL)
		return;
	t->budget_warned = 1;	/* once a run: a hostile log has many */
	lt_error_set(&e, LT_ERR_LIMIT, LT_LEVEL_WARNING, t->source,
	    (unsigned long)line, 0, "the line used its match budget (%u ms "
	    "of CPU per MiB) in rule '%s'; that rule and the ones after it "
	    "count as not matched on the line (limit_hits in the summary)",
	    (unsigned)t->rs->opts.line_budget_ms,
	    t->rs->rules[note->budget_rule].info.id);
	t->o.diag(t->o.diag_ctx, &e);
}

/*
 * Labels can hold secrets too (an Actions step is named after the first
 * line of its script): redact each value into t->label_red, cut to
 * LT_LABEL_VALUE_MAX, and point lab at the results.
 */
static enum lt_status
redact_labels(struct lt_triage *t, const struct lt_record *r,
    struct lt_label *lab)
{
	const char *out;
	size_t i, len;
	enum lt_status st;
	char *dst;

	for (i = 0; i < r->n_labels; i++) {
		lab[i] = r->labels[i];
		if ((st = lt_redactor_label(t->red, lab[i].key,
		    lab[i].key_len, lab[i].value, lab[i].value_len, &out,
		    &len)) != LT_OK)
			return st;
		if (len > LT_LABEL_VALUE_MAX)
			len = LT_LABEL_VALUE_MAX;
		dst = t->label_red + i * LT_LABEL_VALUE_MAX;
		if (len > 0)
			memcpy(dst, out, len);
		lab[i].value = dst;
		lab[i].value_len = len;
	}
	return LT_OK;
}

/*
 * group_label: the verdict of match m's group (by its labels), NULL
 * without groups; *st: LT_ERR_NOMEM when it could not be made.
 */
static struct lt_verdict *
group_of(struct lt_triage *t, const struct lt_label *l, size_t n,
    enum lt_status *st)
{
	struct lt_verdict *v;

	*st = LT_OK;
	if (t->groups == NULL)
		return NULL;
	v = lt_groups_find(t->groups, l, n,
	    lt_verdict_counts_const(t->v)->sources);
	if (v == NULL)
		*st = LT_ERR_NOMEM;
	return v;
}

/* Rank match m in its label group too (group_label). */
static enum lt_status
group_add(struct lt_triage *t, const struct lt_match *m)
{
	enum lt_status st;
	struct lt_verdict *v = group_of(t, m->labels, m->n_labels, &st);

	return v == NULL ? st : lt_verdict_add(v, m);
}

/* A match was decided: the emitters that write it at once. */
static enum lt_status
emit_match(struct lt_triage *t, const struct lt_match *m)
{
	enum lt_status st;
	size_t i;

	if (t->n_em > 0 && (st = room(t)) != LT_OK)
		return st;
	for (i = 0; i < t->n_em; i++)
		if ((st = lt_emitter_match(t->em[i], &t->out, m)) != LT_OK)
			return st;
	return LT_OK;
}

/*
 * Count and write a complete match: with context, its after lines are
 * in now (emitters' context callback); without, it was just decided.
 */
static enum lt_status
publish(void *ctx, const struct lt_match *m)
{
	struct lt_triage *t = ctx;
	enum lt_status st;
	size_t i;

	if ((st = lt_verdict_add(t->v, m)) != LT_OK ||
	    (t->gv != NULL && (st = lt_verdict_add(t->gv, m)) != LT_OK) ||
	    (st = group_add(t, m)) != LT_OK)
		return st;
	if (t->o.on_match != NULL)
		t->o.on_match(t->o.observe_ctx, m, 1);
	if (!m->has_context)
		return emit_match(t, m);
	if (t->n_em > 0 && (st = room(t)) != LT_OK)
		return st;
	for (i = 0; i < t->n_em; i++)
		if ((st = lt_emitter_context(t->em[i], &t->out, m)) != LT_OK)
			return st;
	return LT_OK;
}

/*
 * A matched line: without context, publish it now; with context, attach
 * the ring's lines before it, tell the emitters, and wait for the lines
 * after it.
 */
static enum lt_status
deliver(struct lt_triage *t, struct lt_match *m)
{
	struct lt_ctx_line before[LT_CONTEXT_MAX];
	enum lt_status st;

	if (t->ctx == NULL)
		return publish(t, m);
	lt_context_attach(t->ctx, m, before);
	if ((st = emit_match(t, m)) != LT_OK)
		return st;
	if (!lt_context_waits(t->ctx))
		return publish(t, m);
	return lt_context_wait(t->ctx, m);
}

/* The undecided: a pending or resolved match, to every emitter. */
static enum lt_status
emit_evidence(struct lt_triage *t, const struct lt_emit_ev *ev)
{
	enum lt_status st;
	size_t i;

	if ((st = room(t)) != LT_OK)
		return st;
	for (i = 0; i < t->n_em; i++)
		if ((st = lt_emitter_evidence(t->em[i], &t->out, ev)) != LT_OK)
			return st;
	return LT_OK;
}

/* End of a source: waiting matches go out with what they have. */
static enum lt_status
context_flush(struct lt_triage *t)
{
	return t->ctx ? lt_context_release(t->ctx, 1, publish, t) : LT_OK;
}

/*
 * The evidence stage decided a match.  Evidence of the line at hand goes
 * the usual way (with its context); one kept from earlier (pending until
 * a cleared_by line or the end) is written without context, and counts
 * for every match it stands for.  A resolved match is written, never
 * ranked.
 */
static enum lt_status
on_evidence(void *ctx, enum lt_ev_kind kind, const struct lt_match *m,
    const struct lt_ev_note *note)
{
	struct lt_triage *t = ctx;
	struct lt_match c = *m;
	struct lt_emit_ev ev;
	enum lt_status st;
	unsigned long long i;

	c.ev_count = note->count;
	c.ev_first_line = note->first_line;
	memset(&ev, 0, sizeof ev);
	ev.m = &c;
	if (kind == LT_EV_PENDING) {
		if (t->n_em == 0)
			return LT_OK;
		ev.kind = LT_EMIT_PENDING;
		return emit_evidence(t, &ev);
	}
	if (kind == LT_EV_RESOLVED) {
		struct lt_verdict *gv = group_of(t, m->labels, m->n_labels,
		    &st);

		if (st != LT_OK)
			return st;
		if (gv != NULL)
			lt_verdict_counts(gv)->resolved += note->matches;
		lt_verdict_counts(t->v)->resolved += note->matches;
		if (t->n_em == 0)
			return LT_OK;
		ev.kind = LT_EMIT_RESOLVED;
		ev.matches = note->matches;
		ev.clear_line = note->clear_line;
		ev.clear_text = note->clear_text;
		ev.clear_len = note->clear_len;
		if (t->red != NULL && (st = lt_redactor_apply(t->red,
		    ev.clear_text, ev.clear_len, &ev.clear_text, &ev.clear_len,
		    NULL, 0)) != LT_OK)
			return st;
		return emit_evidence(t, &ev);
	}
	c.ev_matches = note->matches;
	if (t->ev_now && c.seq == t->seq)
		return deliver(t, &c);
	c.has_context = 0;
	c.n_before = c.n_after = 0;
	if ((st = publish(t, &c)) != LT_OK)
		return st;
	for (i = 1; i < note->matches; i++)
		if ((st = lt_verdict_add(t->v, &c)) != LT_OK ||
		    (t->gv != NULL && (st = lt_verdict_add(t->gv, &c)) !=
		    LT_OK) || (st = group_add(t, &c)) != LT_OK)
			return st;
	if (t->o.on_match != NULL && note->matches > 1)
		t->o.on_match(t->o.observe_ctx, &c, note->matches - 1);
	return LT_OK;
}

/* A line cut at max_line may end inside a secret: its last word goes. */
static unsigned
cut_flag(const struct lt_record *r)
{
	return (r->flags & LT_LINE_TRUNCATED) ? LT_REDACT_CUT : 0;
}

/* A line matched: redact, rank and write it. */
static enum lt_status
matched(struct lt_triage *t, const struct lt_record *r, const char *p,
    size_t n, const struct lt_hit *hit)
{
	size_t offs[2 + 2 * LT_FIELDS_MAX], i, k = 0;
	struct lt_label lab[LT_LABELS_MAX];
	struct lt_match m;
	enum lt_status st;

	memset(&m, 0, sizeof m);
	m.rule = hit->rule;
	m.source = t->source;
	m.line = r->no;
	m.seq = t->seq;
	m.time = r->time;
	m.n_labels = r->n_labels;
	m.labels = r->labels;
	m.text = p;
	m.text_len = n;
	m.start = hit->start;
	m.end = hit->end;
	m.n_fields = hit->n_fields;
	memcpy(m.fields, hit->fields, hit->n_fields * sizeof hit->fields[0]);
	if (t->red != NULL) {
		/* labels first: the text's redaction must stay valid */
		if ((st = redact_labels(t, r, lab)) != LT_OK)
			return st;
		m.labels = lab;
		offs[k++] = m.start;
		offs[k++] = m.end;
		for (i = 0; i < m.n_fields; i++) {
			offs[k++] = m.fields[i].start;
			offs[k++] = m.fields[i].end;
		}
		if ((st = lt_redactor_apply_flags(t->red, p, n, cut_flag(r),
		    &m.text, &m.text_len, offs, k)) != LT_OK)
			return st;
		m.start = offs[0];
		m.end = offs[1];
		for (i = 0; i < m.n_fields; i++) {
			m.fields[i].start = offs[2 + 2 * i];
			m.fields[i].end = offs[3 + 2 * i];
		}
	}
	if (lt_evidence_waits(t->ev, m.rule)) {
		int below;

		t->ev_now = 1;
		st = lt_evidence_offer(t->ev, r, &m, on_evidence, t, &below);
		t->ev_now = 0;
		lt_verdict_counts(t->v)->unconfirmed += (unsigned)below;
		if (st == LT_OK && below) {
			struct lt_verdict *gv = group_of(t, m.labels,
			    m.n_labels, &st);

			if (gv != NULL)
				lt_verdict_counts(gv)->unconfirmed++;
		}
		return st;
	}
	return deliver(t, &m);
}

/*
 * on_record with context: the line (redacted, as it would be written)
 * joins the after-context of waiting matches, may match itself, releases
 * the matches whose after-context is complete, and enters the ring.
 */
static enum lt_status
with_context(struct lt_triage *t, const struct lt_record *r, const char *p,
    size_t n)
{
	struct lt_scan_note note;
	struct lt_hit hit;
	enum lt_status st = LT_OK;
	const char *cp = p;
	size_t cn = n;
	char *copy = NULL;

	if (t->red != NULL) {
		const char *out;

		if ((st = lt_redactor_apply_flags(t->red, p, n, cut_flag(r),
		    &out, &cn, NULL, 0)) != LT_OK)
			return st;
		if (cn > LT_CONTEXT_LINE_MAX)
			cn = LT_CONTEXT_LINE_MAX;
		if ((copy = malloc(cn ? cn : 1)) == NULL)
			return LT_ERR_NOMEM;
		memcpy(copy, out, cn);
		cp = copy;
	}
	lt_context_after(t->ctx, cp, cn, r->no);
	st = lt_evidence_line(t->ev, t->source, r, p, n, on_evidence, t);
	if (st == LT_OK && line_hit(t, r, p, n, &hit, &note))
		st = matched(t, r, p, n, &hit);
	count_limits(t, &note, r->no);
	if (st == LT_OK)
		st = lt_context_release(t->ctx, 0, publish, t);
	lt_context_remember(t->ctx, cp, cn, r->no);
	if (t->red != NULL)
		lt_redactor_follow(t->red, p, n);
	free(copy);
	return st;
}

/*
 * Lines passed over (lt_decoder_runs): the prefilter names runs of lines
 * in the buffer being fed that no rule can match and that hold nothing
 * else anyone must see (private-key armour, an Actions group, a line
 * that may clear a pending match); they are only counted.  A run also stops before a line with an ESC: removing
 * colour codes can join a rule's literal, so such a line is matched as
 * usual.
 */
static size_t
run_ask(void *ctx, const char *p, size_t n)
{
	struct lt_triage *t = ctx;
	size_t k;
	const char *e;

	/*
	 * A clearing line is never in a run (its literals are the
	 * prefilter's attention literals); the Actions decoder's runs are
	 * of one stream, so their lines can count towards clear_within.
	 */
	if (!lt_evidence_skippable(t->ev, lt_decoder_input(t->dec) ==
	    LT_INPUT_GHA))
		return 0;
	k = lt_scanner_run(t->sc, p, n);
	if (k > 0 && (e = memchr(p, 0x1b, k)) != NULL)
		k = (size_t)(lt_line_start(p, e) - p);
	return k;
}

static enum lt_status
run_passed(void *ctx, unsigned long long lines, unsigned long long truncated)
{
	struct lt_triage *t = ctx;
	struct lt_counts *c = lt_verdict_counts(t->v);

	c->lines += lines;
	c->truncated_lines += truncated;
	if (t->red != NULL)
		lt_redactor_passed(t->red, lines);
	t->seq += lines;
	return lt_evidence_passed(t->ev, lines, on_evidence, t);
}

static enum lt_status
on_record(void *ctx, const struct lt_record *r)
{
	struct lt_triage *t = ctx;
	struct lt_counts *c = lt_verdict_counts(t->v);
	struct lt_scan_note note;
	struct lt_hit hit;
	const char *p = r->text;
	size_t n = r->len;
	enum lt_status st;

	c->lines++;
	t->seq++;
	if (r->flags & LT_LINE_TRUNCATED)
		c->truncated_lines++;
	if (r->flags & LT_RECORD_UNDECODED)
		c->decode_errors++;
	if (t->groups != NULL) {
		struct lt_verdict *gv = group_of(t, r->labels, r->n_labels,
		    &st);
		struct lt_counts *gc;

		if (gv == NULL)
			return st;
		gc = lt_verdict_counts(gv);
		gc->lines++;
		gc->truncated_lines += (r->flags & LT_LINE_TRUNCATED) != 0;
		gc->decode_errors += (r->flags & LT_RECORD_UNDECODED) != 0;
	}
	if (memchr(p, 0x1b, n) != NULL) {
		n = lt_ansi_strip(t->scratch, p, n);
		p = t->scratch;
	}
	if (t->stats != NULL)
		count_rules(t, r, p, n);
	if (t->ctx != NULL)
		return with_context(t, r, p, n);
	if ((st = lt_evidence_line(t->ev, t->source, r, p, n, on_evidence,
	    t)) != LT_OK)
		return st;
	if (!line_hit(t, r, p, n, &hit, &note)) {
		count_limits(t, &note, r->no);
		if (t->red != NULL)
			lt_redactor_follow(t->red, p, n);
		return LT_OK;
	}
	count_limits(t, &note, r->no);
	st = matched(t, r, p, n, &hit);
	if (t->red != NULL)
		lt_redactor_follow(t->red, p, n);
	return st;
}

/*
 * per_source: write the open source's summary.  Its counters are the
 * run's now less the run's when it began (they only grow); its matches
 * were ranked by its own verdict as they were published.
 */
static enum lt_status
group_close(struct lt_triage *t)
{
	const struct lt_counts *now = lt_verdict_counts_const(t->v);
	struct lt_counts d;
	enum lt_status st = LT_OK;

	if (t->gname == NULL)
		return LT_OK;
	d.lines = now->lines - t->g0.lines;
	d.matches = now->matches - t->g0.matches;
	d.sources = 1;
	d.truncated_lines = now->truncated_lines - t->g0.truncated_lines;
	d.limit_hits = now->limit_hits - t->g0.limit_hits;
	d.unreadable_inputs = now->unreadable_inputs - t->g0.unreadable_inputs;
	d.decode_errors = now->decode_errors - t->g0.decode_errors;
	d.resolved = now->resolved - t->g0.resolved;
	d.unconfirmed = now->unconfirmed - t->g0.unconfirmed;
	if (d.unreadable_inputs > 0)
		st = lt_verdict_unreadable(t->gv, t->gname);
	*lt_verdict_counts(t->gv) = d;
	for (size_t i = 0; i < t->n_em && st == LT_OK; i++)
		st = lt_emitter_summary(t->em[i], &t->out, t->gv, "file",
		    t->gname);
	lt_verdict_free(t->gv);
	t->gv = NULL;
	free(t->gname);
	t->gname = NULL;
	return st;
}

/* per_source: a fresh verdict for the source that begins. */
static enum lt_status
group_open(struct lt_triage *t, const char *name)
{
	enum lt_status st;
	size_t n = strlen(name);

	if (!t->o.per_source)
		return LT_OK;
	if ((st = group_close(t)) != LT_OK)
		return st;
	t->gv = lt_verdict_new(t->rs, t->o.fail_on);
	t->gname = malloc(n + 1);
	if (t->gv == NULL || t->gname == NULL)
		return LT_ERR_NOMEM;
	memcpy(t->gname, name, n + 1);
	t->g0 = *lt_verdict_counts_const(t->v);
	return LT_OK;
}

static enum lt_status
begin(struct lt_triage *t, const char *name, int entries)
{
	size_t n = strlen(name);
	char *s;
	enum lt_status st;

	/*
	 * What the last source left pending is decided now, not at each
	 * lt_triage_end: a source such as Loki ends a document per page,
	 * and a clearing line on the next page must still clear.
	 */
	if ((st = lt_evidence_end(t->ev, on_evidence, t)) != LT_OK ||
	    (st = group_open(t, name)) != LT_OK)
		return st;
	if ((s = malloc(n + 1)) == NULL)
		return LT_ERR_NOMEM;
	memcpy(s, name, n + 1);
	free(t->source);
	t->source = s;
	t->entries = entries;
	lt_decoder_begin(t->dec, s);
	if (t->red != NULL)
		lt_redactor_reset(t->red);
	lt_verdict_counts(t->v)->sources++;
	return LT_OK;
}

enum lt_status
lt_triage_begin(struct lt_triage *t, const char *name)
{
	return begin(t, name, 0);
}

enum lt_status
lt_triage_begin_entries(struct lt_triage *t, const char *name)
{
	return begin(t, name, 1);
}

const char *
lt_triage_source(const struct lt_triage *t)
{
	return t->source != NULL ? t->source : "-";
}

/* A monotonic clock in ms, for the hold of pending matches. */
static unsigned long long
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (unsigned long long)ts.tv_sec * 1000u +
	    (unsigned long long)ts.tv_nsec / 1000000u;
}

/*
 * Write the pending matches whose hold is over; *due_ms: ms until the
 * next one is due, 0 for none.
 */
static enum lt_status
hold_tick(struct lt_triage *t, unsigned long long *due_ms)
{
	unsigned long long now = mono_ms(), next = 0;
	enum lt_status st;

	*due_ms = 0;
	lt_evidence_clock(t->ev, now);
	if (t->not_live || !lt_evidence_pending(t->ev))
		return LT_OK;
	if ((st = lt_evidence_tick(t->ev, t->o.hold_ms, on_evidence, t,
	    &next)) != LT_OK)
		return st;
	if (next > now)
		*due_ms = next - now;
	return LT_OK;
}

enum lt_status
lt_triage_feed(struct lt_triage *t, const void *buf, size_t len)
{
	unsigned long long due;
	enum lt_status st;

	lt_evidence_clock(t->ev, mono_ms());
	lt_scanner_window(t->sc, buf, len);
	st = lt_decoder_feed(t->dec, buf, len);
	lt_scanner_window(t->sc, NULL, 0);
	if (st == LT_OK)
		st = hold_tick(t, &due);

	if (flush(t) != LT_OK)
		return t->werr;
	return st;
}

/*
 * An entry a source decoded itself: cut to max_line, as the decoders cut
 * their records, and on as a record.
 */
enum lt_status
lt_triage_entry(struct lt_triage *t, const struct lt_record *r)
{
	struct lt_record c = *r;

	if (c.len > t->o.max_line) {
		c.len = t->o.max_line;
		c.flags |= LT_LINE_TRUNCATED;
	}
	lt_evidence_clock(t->ev, mono_ms());
	return on_record(t, &c);
}

void
lt_triage_set_live(struct lt_triage *t, int live)
{
	t->not_live = !live;
}

enum lt_status
lt_triage_tick(struct lt_triage *t, unsigned long long *due_ms)
{
	enum lt_status st;

	if ((st = hold_tick(t, due_ms)) != LT_OK)
		return st;
	return flush(t);
}

enum lt_status
lt_triage_end(struct lt_triage *t, struct lt_error *err)
{
	enum lt_status st = t->entries ? LT_OK : lt_decoder_end(t->dec, err),
	    st2;

	st2 = context_flush(t);
	if (flush(t) != LT_OK)
		return t->werr;
	return st != LT_OK ? st : st2;
}

int
lt_triage_interrupted(const struct lt_triage *t)
{
	return t->o.interrupted != NULL && *t->o.interrupted;
}

void
lt_triage_input_failed(struct lt_triage *t, const char *name)
{
	if (name == NULL)
		name = t->source ? t->source : "-";
	if (t->o.per_source && (t->gname == NULL || strcmp(t->gname, name)
	    != 0))
		(void)group_open(t, name);
	(void)lt_verdict_unreadable(t->v, name);
}

/*
 * --exit-code: every rule whose exit_code list holds the status is
 * evidence too, once, as a match of source "exit-code", line 0, ranked
 * after every line (it happened last).  Its own priority and severity
 * decide how it weighs against the lines: mem.exit-137 (medium, 25)
 * explains a bare SIGKILL, and loses to an OOM-killer line (critical, 90).
 */
static enum lt_status
exit_code_evidence(struct lt_triage *t)
{
	struct lt_match m;
	enum lt_status st;
	char text[32];
	size_t i, j;
	int n;

	if (t->o.exit_code < 0)
		return LT_OK;
	n = snprintf(text, sizeof text, "exit code %d", t->o.exit_code);
	for (i = 0; i < t->rs->n_rules; i++) {
		const struct lt_rule_info *ri = &t->rs->rules[i].info;

		for (j = 0; j < ri->n_exit_codes; j++)
			if (ri->exit_codes[j] == t->o.exit_code)
				break;
		if (j == ri->n_exit_codes)
			continue;
		memset(&m, 0, sizeof m);
		m.rule = i;
		m.source = "exit-code";
		m.line = 0;
		m.seq = ++t->seq;
		m.text = text;
		m.text_len = (size_t)n;
		m.start = 0;
		m.end = (size_t)n;
		if ((st = publish(t, &m)) != LT_OK)
			return st;
	}
	return LT_OK;
}

/*
 * group_label: each label group's summary, in the order the values were
 * first seen ("group":{"NAME":VALUE}, null for the lines without one).
 */
static enum lt_status
groups_write(struct lt_triage *t)
{
	const char *label, *value;
	struct lt_verdict *v;
	enum lt_status st = LT_OK;
	size_t i, j;

	if (t->groups == NULL)
		return LT_OK;
	label = lt_groups_label(t->groups);
	for (i = 0; i < lt_groups_count(t->groups) && st == LT_OK; i++) {
		v = lt_groups_at(t->groups, i, &value);
		if (t->n_em > 0 && (st = room(t)) != LT_OK)
			break;
		for (j = 0; j < t->n_em && st == LT_OK; j++)
			st = lt_emitter_summary(t->em[j], &t->out, v, label,
			    value);
	}
	return st;
}

enum lt_status
lt_triage_finish(struct lt_triage *t)
{
	enum lt_status st;
	size_t i;

	if ((st = context_flush(t)) != LT_OK ||
	    (st = lt_evidence_end(t->ev, on_evidence, t)) != LT_OK ||
	    (st = group_close(t)) != LT_OK ||
	    (st = exit_code_evidence(t)) != LT_OK)
		return st;
	if ((st = groups_write(t)) != LT_OK)
		return st;
	for (i = 0; i < t->n_em; i++)
		if ((st = lt_emitter_finish(t->em[i], &t->out, t->v)) != LT_OK)
			return st;
	return flush(t);
}

const struct lt_verdict *
lt_triage_verdict(const struct lt_triage *t)
{
	return t->v;
}

void
lt_triage_rule_stats(const struct lt_triage *t, size_t i,
    struct lt_rule_stats *out)
{
	memset(out, 0, sizeof *out);
	if (t->stats != NULL && i < t->rs->n_rules)
		*out = t->stats[i];
}

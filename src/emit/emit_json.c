/*
 * emit_json.c - JSON Lines output.
 *
 * The objects are small and their keys fixed, so they are written
 * directly into the output buffer rather than built as a tree: no
 * allocation per match, and the key order is stable for golden tests and
 * for people reading the stream.  All strings go through
 * lt_emit_json_string(), which guarantees valid UTF-8 and JSON escaping;
 * byte offsets (span) are translated into offsets of the emitted text.
 */
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "util/utf8.h"

#define TRY(x) do { if ((st = (x)) != LT_OK) return st; } while (0)

static enum lt_status
key(struct lt_buf *b, const char *k)
{
	enum lt_status st;

	TRY(lt_buf_addc(b, '"'));
	TRY(lt_buf_adds(b, k));
	return lt_buf_add(b, "\":", 2);
}

static enum lt_status
kv_str(struct lt_buf *b, const char *k, const char *s)
{
	enum lt_status st;

	TRY(key(b, k));
	TRY(lt_emit_json_string(b, s, strlen(s)));
	return lt_buf_addc(b, ',');
}

static enum lt_status
kv_u64(struct lt_buf *b, const char *k, unsigned long long n)
{
	enum lt_status st;

	TRY(key(b, k));
	return lt_buf_addf(b, "%llu,", n);
}

/* "name":[{"line":N,"text":"..."},...], */
static enum lt_status
context(struct lt_buf *b, const char *name, const struct lt_ctx_line *c,
    size_t n)
{
	enum lt_status st;
	size_t i;

	TRY(key(b, name));
	TRY(lt_buf_addc(b, '['));
	for (i = 0; i < n; i++) {
		TRY(lt_buf_addf(b, "%s{\"line\":%llu,\"text\":", i ? "," : "",
		    c[i].line));
		TRY(lt_emit_json_string(b, c[i].text, c[i].len));
		TRY(lt_buf_addc(b, '}'));
	}
	return lt_buf_add(b, "],", 2);
}

/* The members of a match object of the given type, without its '}'. */
static enum lt_status
match_members(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_match *m, const char *type)
{
	const struct lt_rule_info *ri = lt_ruleset_rule(rs, m->rule);
	enum lt_status st;
	size_t i, s0, s1;

	TRY(lt_buf_addf(b, "{\"type\":\"%s\",", type));
	TRY(kv_u64(b, "line", m->line));
	TRY(kv_str(b, "source", m->source));
	TRY(key(b, "time"));
	if (m->time != NULL)
		TRY(lt_emit_json_string(b, m->time, strlen(m->time)));
	else
		TRY(lt_buf_adds(b, "null"));
	TRY(lt_buf_adds(b, ",\"labels\":{"));
	for (i = 0; i < m->n_labels; i++) {
		if (i > 0)
			TRY(lt_buf_addc(b, ','));
		TRY(lt_emit_json_string(b, m->labels[i].key,
		    m->labels[i].key_len));
		TRY(lt_buf_addc(b, ':'));
		TRY(lt_emit_json_string(b, m->labels[i].value,
		    m->labels[i].value_len));
	}
	TRY(lt_buf_add(b, "},", 2));
	TRY(kv_str(b, "rule", ri->id));
	TRY(kv_str(b, "category", ri->category));
	TRY(kv_str(b, "severity", lt_severity_name(ri->severity)));
	TRY(kv_str(b, "confidence", lt_confidence_name(ri->confidence)));
	TRY(kv_u64(b, "priority", (unsigned long long)ri->priority));
	TRY(key(b, "text"));
	TRY(lt_emit_json_string(b, m->text, m->text_len));
	s0 = lt_utf8_clean_len(m->text, m->start);
	s1 = s0 + lt_utf8_clean_len(m->text + m->start, m->end - m->start);
	TRY(lt_buf_addf(b, ",\"span\":[%zu,%zu],\"fields\":{", s0, s1));
	for (i = 0; i < m->n_fields; i++) {
		const struct lt_field *f = &m->fields[i];

		if (i > 0)
			TRY(lt_buf_addc(b, ','));
		TRY(lt_emit_json_string(b, f->name, strlen(f->name)));
		TRY(lt_buf_addc(b, ':'));
		TRY(lt_emit_json_string(b, m->text + f->start,
		    f->end - f->start));
	}
	TRY(lt_buf_add(b, "},", 2));
	if (m->has_context) {
		TRY(context(b, "before", m->before, m->n_before));
		TRY(context(b, "after", m->after, m->n_after));
	}
	if (m->ev_count > 1)
		TRY(lt_buf_addf(b, "\"evidence\":{\"count\":%u,"
		    "\"first_line\":%llu},", m->ev_count, m->ev_first_line));
	if (m->ev_matches > 1)
		TRY(lt_buf_addf(b, "\"matches\":%llu,", m->ev_matches));
	TRY(kv_str(b, "summary", ri->summary));
	TRY(kv_str(b, "remediation", ri->remediation));
	TRY(key(b, "runbook"));
	return lt_emit_json_string(b, ri->runbook, strlen(ri->runbook));
}

/* The match object, without a newline. */
static enum lt_status
match_object(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_match *m)
{
	enum lt_status st;

	TRY(match_members(b, rs, m, "match"));
	return lt_buf_addc(b, '}');
}

enum lt_status
lt_emit_json_pending(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_match *m)
{
	enum lt_status st;

	TRY(match_members(b, rs, m, "pending"));
	return lt_buf_add(b, "}\n", 2);
}

enum lt_status
lt_emit_json_resolved(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_match *m, unsigned long long matches,
    unsigned long long clear_line, const char *clear_text, size_t clear_len)
{
	enum lt_status st;

	TRY(match_members(b, rs, m, "resolved"));
	TRY(lt_buf_addf(b, ",\"matches\":%llu,\"cleared_by\":{\"line\":%llu,"
	    "\"text\":", matches, clear_line));
	TRY(lt_emit_json_string(b, clear_text, clear_len));
	return lt_buf_add(b, "}}\n", 3);
}

enum lt_status
lt_emit_json_match(struct lt_buf *b, const struct lt_ruleset *rs,
    const struct lt_match *m)
{
	enum lt_status st;

	TRY(match_object(b, rs, m));
	return lt_buf_addc(b, '\n');
}

enum lt_status
lt_emit_json_summary(struct lt_buf *b, const struct lt_verdict *v)
{
	return lt_emit_json_group_summary(b, v, NULL, NULL);
}

enum lt_status
lt_emit_json_group_summary(struct lt_buf *b, const struct lt_verdict *v,
    const char *gkey, const char *gvalue)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_counts *c = lt_verdict_counts_const(v);
	const struct lt_match *m;
	const struct lt_category_count *cc;
	const char *name;
	enum lt_status st;
	char why[512];
	size_t i;
	int first;

	TRY(lt_buf_adds(b, "{\"type\":\"summary\","));
	if (gkey != NULL) {
		TRY(lt_buf_adds(b, "\"group\":{"));
		TRY(lt_emit_json_string(b, gkey, strlen(gkey)));
		TRY(lt_buf_addc(b, ':'));
		if (gvalue == NULL)
			TRY(lt_buf_adds(b, "null"));
		else
			TRY(lt_emit_json_string(b, gvalue, strlen(gvalue)));
		TRY(lt_buf_add(b, "},", 2));
	}
	TRY(kv_str(b, "verdict", lt_verdict_word(v)));
	TRY(key(b, "confidence"));
	if ((m = lt_verdict_top(v, 0)) != NULL)
		TRY(lt_buf_addf(b, "\"%s\",", lt_confidence_name(
		    lt_ruleset_rule(rs, m->rule)->confidence)));
	else
		TRY(lt_buf_adds(b, "null,"));
	TRY(key(b, "cause"));
	if (m != NULL)
		TRY(match_object(b, rs, m));
	else
		TRY(lt_buf_adds(b, "null"));
	TRY(lt_buf_adds(b, ",\"runner_up\":["));
	for (i = 1; (m = lt_verdict_top(v, i)) != NULL; i++) {
		if (i > 1)
			TRY(lt_buf_addc(b, ','));
		TRY(match_object(b, rs, m));
	}
	TRY(lt_buf_add(b, "],", 2));
	lt_verdict_why(v, why, sizeof why);
	TRY(kv_str(b, "why", why));
	TRY(lt_buf_adds(b, "\"categories\":{"));
	for (i = 0, first = 1; i < lt_ruleset_category_count(rs); i++) {
		if ((cc = lt_verdict_category(v, i)) == NULL)
			continue;
		if (!first)
			TRY(lt_buf_addc(b, ','));
		first = 0;
		name = lt_ruleset_category(rs, i)->name;
		TRY(lt_emit_json_string(b, name, strlen(name)));
		TRY(lt_buf_addf(b, ":{\"count\":%llu,\"severity\":\"%s\","
		    "\"first_line\":%llu,\"first_source\":", cc->count,
		    lt_severity_name(cc->severity), cc->first_line));
		TRY(lt_emit_json_string(b, cc->first_source,
		    strlen(cc->first_source)));
		TRY(lt_buf_addc(b, '}'));
	}
	TRY(lt_buf_add(b, "},", 2));
	TRY(kv_u64(b, "lines", c->lines));
	TRY(kv_u64(b, "matches", c->matches));
	TRY(kv_u64(b, "sources", c->sources));
	TRY(kv_u64(b, "truncated_lines", c->truncated_lines));
	TRY(kv_u64(b, "limit_hits", c->limit_hits));
	TRY(kv_u64(b, "unreadable_inputs", c->unreadable_inputs));
	TRY(lt_buf_adds(b, "\"unreadable\":["));
	for (i = 0; lt_verdict_unreadable_name(v, i) != NULL; i++) {
		const char *u = lt_verdict_unreadable_name(v, i);

		if (i > 0)
			TRY(lt_buf_addc(b, ','));
		TRY(lt_emit_json_string(b, u, strlen(u)));
	}
	TRY(lt_buf_add(b, "],", 2));
	TRY(kv_u64(b, "decode_errors", c->decode_errors));
	TRY(kv_u64(b, "resolved", c->resolved));
	TRY(kv_u64(b, "unconfirmed", c->unconfirmed));
	TRY(key(b, "fail_on"));
	TRY(lt_buf_addf(b, "\"%s\"}\n", lt_severity_name(
	    lt_verdict_fail_on(v))));
	return LT_OK;
}

static enum lt_status
str_array(struct lt_buf *b, const char *k, const char *const *v, size_t n)
{
	enum lt_status st;
	size_t i;

	TRY(key(b, k));
	TRY(lt_buf_addc(b, '['));
	for (i = 0; i < n; i++) {
		if (i > 0)
			TRY(lt_buf_addc(b, ','));
		TRY(lt_emit_json_string(b, v[i], strlen(v[i])));
	}
	return lt_buf_add(b, "],", 2);
}

enum lt_status
lt_emit_json_rule(struct lt_buf *b, const struct lt_rule_info *r)
{
	enum lt_status st;

	TRY(lt_buf_adds(b, "{\"type\":\"rule\","));
	TRY(kv_str(b, "id", r->id));
	TRY(kv_str(b, "category", r->category));
	TRY(kv_str(b, "severity", lt_severity_name(r->severity)));
	TRY(kv_str(b, "confidence", lt_confidence_name(r->confidence)));
	TRY(kv_u64(b, "priority", (unsigned long long)r->priority));
	TRY(kv_str(b, "summary", r->summary));
	TRY(kv_str(b, "remediation", r->remediation));
	TRY(kv_str(b, "runbook", r->runbook));
	TRY(str_array(b, "match", r->match, r->n_match));
	TRY(str_array(b, "unless", r->unless, r->n_unless));
	TRY(kv_u64(b, "count", r->count));
	TRY(kv_u64(b, "within_seconds", r->within_ns / 1000000000ull));
	TRY(kv_u64(b, "within_lines", r->within_lines));
	TRY(str_array(b, "cleared_by", r->cleared_by, r->n_cleared_by));
	TRY(key(b, "exit_code"));
	TRY(lt_buf_addc(b, '['));
	for (size_t i = 0; i < r->n_exit_codes; i++)
		TRY(lt_buf_addf(b, "%s%d", i ? "," : "", r->exit_codes[i]));
	TRY(lt_buf_add(b, "],", 2));
	if (r->annotation != NULL)
		TRY(kv_str(b, "annotation", r->annotation));
	else
		TRY(lt_buf_adds(b, "\"annotation\":null,"));
	TRY(kv_str(b, "origin", r->origin));
	TRY(key(b, "line"));
	return lt_buf_addf(b, "%lu}\n", r->line);
}

/*
 * The JSON Lines emitter: a match object per decided match (with its
 * context, when asked for, once the after lines are in), pending and
 * resolved objects, a summary per group and one for the run.
 */
struct json_emitter {
	struct lt_emitter base;
	const struct lt_ruleset *rs;
	int matches;
	int summary;
};

static enum lt_status
json_match(struct lt_emitter *e, struct lt_buf *out, const struct lt_match *m)
{
	struct json_emitter *j = (struct json_emitter *)e;

	if (!j->matches || m->has_context)
		return LT_OK;	/* with context: written whole at context */
	return lt_emit_json_match(out, j->rs, m);
}

static enum lt_status
json_context(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_match *m)
{
	struct json_emitter *j = (struct json_emitter *)e;

	return j->matches ? lt_emit_json_match(out, j->rs, m) : LT_OK;
}

static enum lt_status
json_evidence(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_emit_ev *ev)
{
	struct json_emitter *j = (struct json_emitter *)e;

	if (!j->matches)
		return LT_OK;
	if (ev->kind == LT_EMIT_PENDING)
		return lt_emit_json_pending(out, j->rs, ev->m);
	return lt_emit_json_resolved(out, j->rs, ev->m, ev->matches,
	    ev->clear_line, ev->clear_text, ev->clear_len);
}

static enum lt_status
json_summary(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v, const char *gkey, const char *gvalue)
{
	struct json_emitter *j = (struct json_emitter *)e;

	return j->summary ? lt_emit_json_group_summary(out, v, gkey, gvalue) :
	    LT_OK;
}

static enum lt_status
json_finish(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v)
{
	struct json_emitter *j = (struct json_emitter *)e;

	return j->summary ? lt_emit_json_summary(out, v) : LT_OK;
}

static void
json_free(struct lt_emitter *e)
{
	free(e);
}

static const struct lt_emitter_ops json_ops = {
	.name = "json",
	.match = json_match,
	.context = json_context,
	.evidence = json_evidence,
	.summary = json_summary,
	.finish = json_finish,
	.free = json_free,
};

struct lt_emitter *
lt_emit_json_new(const struct lt_ruleset *rs, const struct lt_emit_opts *o)
{
	struct json_emitter *j;

	if ((j = calloc(1, sizeof *j)) == NULL)
		return NULL;
	j->base.ops = &json_ops;
	j->rs = rs;
	j->matches = o->matches;
	j->summary = o->summary;
	return &j->base;
}

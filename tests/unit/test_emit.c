/*
 * test_emit.c - the emitters that have limits of their own: the
 * Markdown step summary cut at its cap, and the Prometheus text; and the
 * emitter interface as a run drives it: the order of the callbacks, the
 * context each carries, the GitHub fence's state; and the Slack payload
 * within Slack's limits, valid JSON, whatever the lines hold.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "logtriage/triage.h"
#include "logtriage/verdict.h"
#include "t.h"

static struct lt_ruleset *
compile(const char *text)
{
	struct lt_rules *b = lt_rules_new(NULL, NULL);
	struct lt_ruleset *rs = NULL;

	lt_rules_add_buffer(b, "t.rules", text, strlen(text));
	lt_rules_compile(b, NULL, &rs);
	lt_rules_free(b);
	return rs;
}

static size_t
count(const char *hay, size_t n, const char *needle)
{
	size_t k = 0, m = strlen(needle), i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			k++;
	return k;
}

/*
 * 1 when every code fence in the Markdown is closed, read as CommonMark
 * does: outside a block, a line starting with 3 or more backticks opens
 * one; inside, only a line of at least as many backticks (and nothing
 * else) closes it.
 */
static int
fences_closed(const char *p, size_t n)
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
	return open == 0;
}

/* An emitter that writes down the callbacks it gets. */
struct rec {
	struct lt_emitter base;
	struct lt_buf log;
};

static enum lt_status
rec_begin(struct lt_emitter *e, struct lt_buf *out)
{
	(void)out;
	return lt_buf_adds(&((struct rec *)e)->log, "begin;");
}

static enum lt_status
rec_match(struct lt_emitter *e, struct lt_buf *out, const struct lt_match *m)
{
	(void)out;
	return lt_buf_addf(&((struct rec *)e)->log, "match %llu %d/%zu/%zu;",
	    m->line, m->has_context, m->n_before, m->n_after);
}

static enum lt_status
rec_context(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_match *m)
{
	(void)out;
	return lt_buf_addf(&((struct rec *)e)->log, "context %llu %zu/%zu "
	    "%.*s;", m->line, m->n_before, m->n_after,
	    m->n_after ? (int)m->after[0].len : 0,
	    m->n_after ? m->after[0].text : "");
}

static enum lt_status
rec_summary(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v, const char *gkey, const char *gvalue)
{
	(void)out;
	return lt_buf_addf(&((struct rec *)e)->log, "summary %s=%s %llu;",
	    gkey, gvalue, lt_verdict_counts_const(v)->matches);
}

static enum lt_status
rec_finish(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v)
{
	(void)out;
	return lt_buf_addf(&((struct rec *)e)->log, "finish %llu;",
	    lt_verdict_counts_const(v)->matches);
}

static void
rec_written(struct lt_emitter *e)
{
	(void)lt_buf_adds(&((struct rec *)e)->log, "written;");
}

static const struct lt_emitter_ops rec_ops = {
	.name = "rec",
	.begin = rec_begin,
	.match = rec_match,
	.context = rec_context,
	.summary = rec_summary,
	.finish = rec_finish,
	.written = rec_written,
};

static int write_fails;

/* Characters (code points) of a UTF-8 string. */
static size_t
chars(const char *s)
{
	size_t c = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			c++;
	return c;
}

/*
 * The Slack payload of v: one line of JSON; a header of at most 150
 * characters, sections of at most 3000, at most 50 blocks; a code block
 * with no backtick inside and no raw <, > or & in any mrkdwn text.
 */
static void
check_slack(const struct lt_verdict *v)
{
	struct lt_buf b;
	cJSON *doc, *blocks, *bl, *t;
	const char *s;
	size_t n = 0;

	lt_buf_init(&b, 1 << 20);
	CHECK(lt_emit_slack(&b, v, "https://w.example/a|b/") == LT_OK);
	CHECK(b.len > 0 && memchr(b.p, '\n', b.len) == b.p + b.len - 1);
	CHECK(lt_buf_addc(&b, '\0') == LT_OK);
	doc = cJSON_Parse(b.p);
	CHECK(doc != NULL);
	blocks = cJSON_GetObjectItem(doc, "blocks");
	CHECK(cJSON_IsString(cJSON_GetObjectItem(doc, "text")));
	cJSON_ArrayForEach(bl, blocks) {
		t = cJSON_GetObjectItem(bl, "text");
		if (t == NULL)	/* the context: its one element */
			t = cJSON_GetArrayItem(cJSON_GetObjectItem(bl,
			    "elements"), 0);
		s = cJSON_GetStringValue(cJSON_GetObjectItem(t, "text"));
		CHECK(s != NULL);
		if (s == NULL)
			continue;
		CHECK(chars(s) <= (n == 0 ? 150u : 3000u));
		if (strncmp(s, "```\n", 4) == 0)
			CHECK(strchr(s + 3, '`') == s + strlen(s) - 3);
		if (n > 0 && strstr(s, "*Runbook:*") == NULL)
			CHECK(strpbrk(s, "<>") == NULL);
		n++;
	}
	CHECK(n >= 3 && n <= LT_SLACK_BLOCKS_MAX);
	cJSON_Delete(doc);
	lt_buf_free(&b);
}

static void
test_token(char *buf, size_t size)
{
	snprintf(buf, size, "T0K");
}

static enum lt_status
to_buf(void *ctx, const char *p, size_t n)
{
	if (write_fails)
		return LT_ERR_IO;
	return lt_buf_add(ctx, p, n);
}

/*
 * One run with -B 1 -A 1 and --per-file: a match is told at once with its
 * line before, and again with its line after once that is in (or cut by
 * the end of its source); the JSON object waits for the second call.
 */
static void
test_interface(const struct lt_ruleset *rs)
{
	static const char in[] = "a\nboom 1\nb\nboom 2\n";
	struct lt_triage_opts o;
	struct lt_emit_opts eo;
	struct lt_emitter *json, *gh;
	struct lt_triage *t;
	struct rec r;
	struct lt_buf out;
	size_t k;
	char line[LT_GITHUB_CLOSING_MAX];

	for (k = 0; k < 2; k++) {
		lt_buf_init(&out, 1 << 20);
		lt_buf_init(&r.log, 1 << 16);
		r.base.ops = &rec_ops;
		lt_triage_opts_init(&o);
		o.before = 1;
		o.after = 1;
		o.per_source = 1;
		o.write = to_buf;
		o.write_ctx = &out;
		lt_emit_opts_init(&eo);
		eo.stop_token = test_token;
		json = lt_emit_json_new(rs, &eo);
		gh = lt_emit_github_new(rs, &eo);
		t = lt_triage_new(rs, &o);
		CHECK(t != NULL && json != NULL && gh != NULL);
		if (t == NULL || json == NULL || gh == NULL)
			return;
		CHECK(lt_triage_add_emitter(t, gh) == LT_OK);
		CHECK(lt_triage_add_emitter(t, &r.base) == LT_OK);
		CHECK(lt_triage_add_emitter(t, json) == LT_OK);
		CHECK(lt_emit_github_closing(gh, line, sizeof line) == 8 &&
		    strcmp(line, "::T0K::\n") == 0);
		CHECK(lt_emit_github_closing(gh, line, 8) == 0 &&
		    line[0] == '\0');	/* does not fit: nothing */
		write_fails = 0;
		CHECK(lt_triage_begin(t, "f") == LT_OK);
		CHECK(lt_triage_feed(t, in, sizeof in - 1) == LT_OK);
		/* the feed is written at its end: the first match has its
		 * after line, the second not yet */
		CHECK(out.p != NULL && strncmp(out.p, "::stop-commands::T0K\n",
		    21) == 0);
		CHECK(count(out.p, out.len, "\"type\":\"match\"") == 1);
		CHECK(strstr(out.p, "\"after\":[{\"line\":3,\"text\":\"b\"}]")
		    != NULL);
		CHECK(lt_triage_end(t, NULL) == LT_OK);
		CHECK(count(out.p, out.len, "\"type\":\"match\"") == 2);
		write_fails = (int)k;	/* the second time the output fails */
		CHECK(lt_triage_finish(t) == (k ? LT_ERR_IO : LT_OK));
		/* the last flush failed: its emitters are not told written */
		CHECK(r.log.p != NULL && strcmp(r.log.p, k == 0 ?
		    "begin;match 2 1/1/0;context 2 1/1 b;match 4 1/1/0;"
		    "written;context 4 1/0 ;written;summary file=f 2;"
		    "finish 2;written;" :
		    "begin;match 2 1/1/0;context 2 1/1 b;match 4 1/1/0;"
		    "written;context 4 1/0 ;written;summary file=f 2;"
		    "finish 2;") == 0);
		if (r.log.p != NULL)
			printf("callbacks: %s\n", r.log.p);
		/* the fence closed before the annotations */
		CHECK(k == 1 || strstr(out.p, "\n::T0K::\n::error title=") !=
		    NULL);
		/* closed only once the closing line was written */
		CHECK((lt_emit_github_closing(gh, line, sizeof line) != 0) ==
		    (int)k);
		lt_triage_free(t);
		lt_emitter_free(json);
		lt_emitter_free(gh);
		lt_buf_free(&r.log);
		lt_buf_free(&out);
	}
}

/* Emitters past LT_TRIAGE_EMITTERS_MAX are refused. */
static void
test_emitters_max(const struct lt_ruleset *rs)
{
	struct lt_triage_opts o;
	struct lt_triage *t;
	struct rec r;
	struct lt_buf out;
	size_t i;

	lt_buf_init(&out, 1 << 20);
	lt_buf_init(&r.log, 1 << 16);
	r.base.ops = &rec_ops;
	lt_triage_opts_init(&o);
	o.write = to_buf;
	o.write_ctx = &out;
	t = lt_triage_new(rs, &o);
	CHECK(t != NULL);
	for (i = 0; t != NULL && i < LT_TRIAGE_EMITTERS_MAX; i++)
		CHECK(lt_triage_add_emitter(t, &r.base) == LT_OK);
	CHECK(t == NULL || lt_triage_add_emitter(t, &r.base) == LT_ERR_LIMIT);
	lt_triage_free(t);
	lt_buf_free(&r.log);
	lt_buf_free(&out);
}

int
main(void)
{
	struct lt_ruleset *rs = compile("[category c]\nseverity = high\n"
	    "summary = Something broke\nremediation = Fix it.\n"
	    "[rule r]\ncategory = c\nmatch = boom\n");
	struct lt_verdict *v;
	struct lt_match m;
	struct lt_buf b;
	char text[3000];
	size_t cap;

	CHECK(rs != NULL);
	if (rs == NULL)
		return T_DONE();
	v = lt_verdict_new(rs, LT_SEV_LOW);
	memset(text, 'x', sizeof text);
	memcpy(text, "boom", 4);
	memset(&m, 0, sizeof m);
	m.source = "job.log";
	m.line = 7;
	m.seq = 1;
	m.text = text;
	m.text_len = sizeof text;
	m.end = 4;
	CHECK(lt_verdict_add(v, &m) == LT_OK);
	lt_buf_init(&b, 1 << 20);
	/* uncut: the whole document, the evidence in one balanced fence */
	CHECK(lt_emit_markdown(&b, v, NULL, 1 << 20) == LT_OK);
	CHECK(b.len > 3000 && count(b.p, b.len, "```") == 2);
	CHECK(count(b.p, b.len, "(cut:") == 0);
	/* cut inside the evidence: the fence is closed and the cut said */
	for (cap = 400; cap <= 2900; cap += 500) {
		lt_buf_reset(&b);
		CHECK(lt_emit_markdown(&b, v, NULL, cap) == LT_OK);
		CHECK(b.len <= cap);
		CHECK(count(b.p, b.len, "```") % 2 == 0);
		CHECK(count(b.p, b.len, "(cut: the report reached") == 1);
		CHECK(b.p[b.len - 1] == '\n');
	}
	/*
	 * Log lines that start with backticks, inside the evidence (with
	 * context): they do not open or close anything, so a cut anywhere
	 * leaves no fence open, also one longer than three backticks.
	 */
	{
		struct lt_verdict *v2 = lt_verdict_new(rs, LT_SEV_LOW);
		struct lt_ctx_line ctx[4];
		static const char *const ln[4] = { "`one tick", "``two ticks",
		    "```three, like a fence", "```` four ``` x" };
		size_t k;

		for (k = 0; k < 4; k++) {
			ctx[k].text = ln[k];
			ctx[k].len = strlen(ln[k]);
			ctx[k].line = k + 1;
		}
		m.before = ctx;
		m.n_before = 4;
		m.after = ctx;
		m.n_after = 4;
		m.has_context = 1;
		m.line = 5;
		m.text_len = 600;
		CHECK(lt_verdict_add(v2, &m) == LT_OK);
		lt_buf_reset(&b);
		CHECK(lt_emit_markdown(&b, v2, NULL, 1 << 20) == LT_OK);
		CHECK(fences_closed(b.p, b.len));
		CHECK(strstr(b.p, "\n`````text\n") != NULL);
		check_slack(v2);
		for (cap = 200; cap <= 1400; cap += 7) {
			lt_buf_reset(&b);
			CHECK(lt_emit_markdown(&b, v2, NULL, cap) == LT_OK);
			CHECK(b.len <= cap && fences_closed(b.p, b.len));
		}
		lt_verdict_free(v2);
	}
	check_slack(v);	/* a cause line of 3000 bytes */
	{	/* 100 context lines of 8 KiB of & < > ` and bad UTF-8 */
		struct lt_verdict *v3 = lt_verdict_new(rs, LT_SEV_LOW);
		static struct lt_ctx_line ctx[LT_CONTEXT_MAX];
		static char hostile[LT_CONTEXT_LINE_MAX];
		size_t k;

		for (k = 0; k < sizeof hostile; k++)
			hostile[k] = "&<>`\xff\xe2x"[k % 7];
		for (k = 0; k < LT_CONTEXT_MAX; k++) {
			ctx[k].text = hostile;
			ctx[k].len = sizeof hostile;
			ctx[k].line = k + 1;
		}
		m.before = ctx;
		m.n_before = LT_CONTEXT_MAX;
		m.after = ctx;
		m.n_after = LT_CONTEXT_MAX;
		m.text = hostile;
		m.text_len = sizeof hostile;
		CHECK(lt_verdict_add(v3, &m) == LT_OK);
		check_slack(v3);
		lt_verdict_free(v3);
	}
	/* prometheus: the series and their values */
	lt_buf_reset(&b);
	CHECK(lt_emit_prometheus(&b, v, 1700000000) == LT_OK);
	CHECK(strstr(b.p, "\nlogtriage_matches_total{category=\"c\","
	    "severity=\"high\",rule=\"r\"} 1\n") != NULL);
	CHECK(strstr(b.p, "\nlogtriage_verdict{category=\"c\"} 1\n") != NULL);
	CHECK(strstr(b.p, "\nlogtriage_last_run_timestamp_seconds 1700000000\n")
	    != NULL);
	CHECK(strstr(b.p, "logtriage_verdict{category=\"clean\"}") == NULL);
	/* a clean run: verdict clean 1, failed 0 */
	{
		struct lt_verdict *v3 = lt_verdict_new(rs, LT_SEV_LOW);

		lt_buf_reset(&b);
		CHECK(lt_emit_prometheus(&b, v3, 1700000000) == LT_OK);
		CHECK(strstr(b.p, "\nlogtriage_verdict{category=\"clean\"} 1\n")
		    != NULL);
		CHECK(strstr(b.p, "\nlogtriage_failed 0\n") != NULL);
		CHECK(strstr(b.p, "logtriage_verdict{category=\"c\"}") == NULL);
		lt_verdict_free(v3);
	}
	lt_buf_free(&b);
	lt_verdict_free(v);
	test_interface(rs);
	test_emitters_max(rs);
	lt_ruleset_free(rs);
	return T_DONE();
}

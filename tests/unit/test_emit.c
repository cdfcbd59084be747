/*
 * test_emit.c - the emitters that have limits of their own: the
 * Markdown step summary cut at its cap, and the Prometheus text.
 */
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/emit.h"
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
		CHECK(count(b.p, b.len, "(cut: the step summary reached") == 1);
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
		for (cap = 200; cap <= 1400; cap += 7) {
			lt_buf_reset(&b);
			CHECK(lt_emit_markdown(&b, v2, NULL, cap) == LT_OK);
			CHECK(b.len <= cap && fences_closed(b.p, b.len));
		}
		lt_verdict_free(v2);
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
	lt_ruleset_free(rs);
	return T_DONE();
}

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
	/* prometheus: the series and their values */
	lt_buf_reset(&b);
	CHECK(lt_emit_prometheus(&b, v, 1700000000) == LT_OK);
	CHECK(strstr(b.p, "\nlogtriage_matches_total{category=\"c\","
	    "severity=\"high\",rule=\"r\"} 1\n") != NULL);
	CHECK(strstr(b.p, "\nlogtriage_verdict{category=\"c\"} 1\n") != NULL);
	CHECK(strstr(b.p, "\nlogtriage_last_run_timestamp_seconds 1700000000\n")
	    != NULL);
	lt_buf_free(&b);
	lt_verdict_free(v);
	lt_ruleset_free(rs);
	return T_DONE();
}

/*
 * test_metrics.c - the exporter's registry (src/emit/metrics.c): counts
 * that add up per rule and label set, the cap on label sets and the
 * "__other__" set past it, label values cleaned, the last-match time,
 * and the counters and verdict taken from the pipeline's verdict.
 */
#include <stdlib.h>
#include <string.h>

#include "emit/metrics.h"
#include "logtriage/buf.h"
#include "logtriage/rules.h"
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
rule_index(const struct lt_ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < lt_ruleset_count(rs); i++)
		if (strcmp(lt_ruleset_rule(rs, i)->id, id) == 0)
			return i;
	return (size_t)-1;
}

/* A match of rule id with host=host (NULL: no label) and time t. */
static void
mk(struct lt_match *m, struct lt_label *lab, const struct lt_ruleset *rs,
    const char *id, const char *host, const char *t)
{
	memset(m, 0, sizeof *m);
	m->rule = rule_index(rs, id);
	m->source = "-";
	m->text = "x";
	m->text_len = 1;
	m->time = t;
	if (host != NULL) {
		lab->key = "host";
		lab->key_len = 4;
		lab->value = host;
		lab->value_len = strlen(host);
		m->labels = lab;
		m->n_labels = 1;
	}
}

static int
has(const struct lt_buf *b, const char *line)
{
	size_t n = strlen(line);
	const char *p = b->p;

	while (p != NULL && (p = strstr(p, line)) != NULL) {
		if ((p == b->p || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

static void
render(const struct lt_metrics *x, struct lt_buf *b)
{
	lt_buf_reset(b);
	CHECK(lt_metrics_render(x, b) == LT_OK);
	CHECK(b->p != NULL);
}

int
main(void)
{
	struct lt_ruleset *rs = compile("[category disk]\nseverity = high\n"
	    "[category net]\nseverity = medium\n"
	    "[rule d1]\ncategory = disk\nmatch = full\n"
	    "[rule n1]\ncategory = net\nmatch = refused\n");
	const char *names[] = { "host" }, *keys[] = { "host" };
	const char *why = NULL;
	struct lt_metrics *x;
	struct lt_verdict *v;
	struct lt_match m;
	struct lt_label lab;
	struct lt_buf b;
	char big[400];

	CHECK(rs != NULL);
	if (rs == NULL)
		return T_DONE();
	lt_buf_init(&b, 1 << 20);

	/* label names: Prometheus syntax, not ours, not Prometheus's own */
	CHECK(lt_metrics_label_ok("host", &why));
	CHECK(lt_metrics_label_ok("_x9", &why));
	CHECK(!lt_metrics_label_ok("9x", &why));
	CHECK(!lt_metrics_label_ok("a.b", &why));
	CHECK(!lt_metrics_label_ok("__name", &why));
	CHECK(!lt_metrics_label_ok("rule", &why));
	CHECK(!lt_metrics_label_ok("instance", &why));
	CHECK(!lt_metrics_label_ok("", &why));
	CHECK(lt_metrics_new(rs, names, keys, 1, 0) == NULL);

	/* two sets allowed: web-1 and web-2; web-3 goes to __other__ */
	x = lt_metrics_new(rs, names, keys, 1, 2);
	CHECK(x != NULL);
	if (x == NULL)
		return T_DONE();
	render(x, &b);
	CHECK(has(&b, "logtriage_lines_total 0"));
	CHECK(has(&b, "logtriage_verdict{category=\"clean\"} 1"));
	CHECK(has(&b, "logtriage_failed 0"));
	CHECK(strstr(b.p, "logtriage_matches_total{") == NULL);

	mk(&m, &lab, rs, "d1", "web-1", "2025-01-11T10:00:00.5Z");
	lt_metrics_match(x, &m, 1, 5.0);
	lt_metrics_match(x, &m, 2, 5.0);	/* n counts */
	mk(&m, &lab, rs, "d1", "web-1", "2025-01-11T09:00:00Z");
	lt_metrics_match(x, &m, 1, 5.0);	/* older: time stays */
	mk(&m, &lab, rs, "n1", "web-2", NULL);	/* no time: now */
	lt_metrics_match(x, &m, 1, 1700000000.25);
	mk(&m, &lab, rs, "n1", "web-3", NULL);
	lt_metrics_match(x, &m, 1, 1700000000.0);
	mk(&m, &lab, rs, "d1", "web-4", NULL);
	lt_metrics_match(x, &m, 4, 1700000000.0);
	mk(&m, &lab, rs, "d1", NULL, NULL);	/* no host: a set of its own */
	lt_metrics_match(x, &m, 1, 1700000000.0);
	render(x, &b);
	CHECK(has(&b, "logtriage_matches_total{category=\"disk\","
	    "severity=\"high\",rule=\"d1\",host=\"web-1\"} 4"));
	CHECK(has(&b, "logtriage_matches_total{category=\"net\","
	    "severity=\"medium\",rule=\"n1\",host=\"web-2\"} 1"));
	CHECK(has(&b, "logtriage_matches_total{category=\"net\","
	    "severity=\"medium\",rule=\"n1\",host=\"__other__\"} 1"));
	/* web-4 and the set without host came after the cap: other */
	CHECK(has(&b, "logtriage_matches_total{category=\"disk\","
	    "severity=\"high\",rule=\"d1\",host=\"__other__\"} 5"));
	CHECK(has(&b, "logtriage_label_overflow_total 6"));
	CHECK(has(&b, "logtriage_label_sets 2"));
	CHECK(has(&b, "logtriage_label_sets_max 2"));
	CHECK(has(&b, "logtriage_last_match_timestamp_seconds{"
	    "category=\"disk\",host=\"web-1\"} 1736589600.500"));
	CHECK(has(&b, "logtriage_last_match_timestamp_seconds{"
	    "category=\"net\",host=\"web-2\"} 1700000000.250"));
	CHECK(strstr(b.p, "web-3") == NULL && strstr(b.p, "web-4") == NULL);
	/* a line whose host is "__other__" itself: the same series, once */
	mk(&m, &lab, rs, "n1", "__other__", NULL);
	lt_metrics_match(x, &m, 1, 1700000000.0);
	render(x, &b);
	CHECK(has(&b, "logtriage_matches_total{category=\"net\","
	    "severity=\"medium\",rule=\"n1\",host=\"__other__\"} 2"));
	CHECK(has(&b, "logtriage_label_overflow_total 6"));

	/* the verdict's counters and state, at progress */
	v = lt_verdict_new(rs, LT_SEV_LOW);
	lt_verdict_counts(v)->lines = 1234;
	lt_verdict_counts(v)->decode_errors = 3;
	lt_verdict_counts(v)->limit_hits = 2;
	lt_verdict_counts(v)->truncated_lines = 1;
	mk(&m, &lab, rs, "n1", NULL, NULL);
	CHECK(lt_verdict_add(v, &m) == LT_OK);
	lt_metrics_progress(x, v);
	render(x, &b);
	CHECK(has(&b, "logtriage_lines_total 1234"));
	CHECK(has(&b, "logtriage_decode_errors_total 3"));
	CHECK(has(&b, "logtriage_limit_hits_total{limit=\"regex\"} 2"));
	CHECK(has(&b, "logtriage_limit_hits_total{limit=\"max_line\"} 1"));
	CHECK(has(&b, "logtriage_verdict{category=\"net\"} 1"));
	CHECK(strstr(b.p, "category=\"clean\"") == NULL);
	CHECK(has(&b, "logtriage_failed 1"));
	lt_verdict_free(v);
	lt_metrics_free(x);

	/* values: escaped, bad UTF-8 replaced, cut at 128 bytes on a
	 * character boundary; KEY differs from NAME */
	{
		const char *n2[] = { "node" }, *k2[] = { "host" };
		const char *start;
		size_t i;

		x = lt_metrics_new(rs, n2, k2, 1, 10);
		CHECK(x != NULL);
		if (x == NULL)
			return T_DONE();
		mk(&m, &lab, rs, "d1", "a\"b\\c\nd\xff", NULL);
		lt_metrics_match(x, &m, 1, 1.0);
		for (i = 0; i + 2 <= sizeof big - 1; i += 2)
			memcpy(big + i, "\xc3\xa9", 2);	/* é */
		big[sizeof big - 1] = '\0';
		mk(&m, &lab, rs, "n1", big, NULL);
		lt_metrics_match(x, &m, 1, 1.0);
		render(x, &b);
		CHECK(has(&b, "logtriage_matches_total{category=\"disk\","
		    "severity=\"high\",rule=\"d1\",node=\"a\\\"b\\\\c\\nd"
		    "\xef\xbf\xbd\"} 1"));
		start = strstr(b.p, "rule=\"n1\",node=\"");
		CHECK(start != NULL);
		if (start != NULL) {
			start += strlen("rule=\"n1\",node=\"");
			CHECK(strchr(start, '"') - start == 128);
		}
		lt_metrics_free(x);
	}
	lt_buf_free(&b);
	lt_ruleset_free(rs);
	return T_DONE();
}

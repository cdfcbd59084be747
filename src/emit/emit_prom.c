/*
 * emit_prom.c - the run as Prometheus metrics, in the text exposition
 * format (version 0.0.4), for a scrape file or a Pushgateway.
 *
 * Series: logtriage_lines_total, logtriage_matches_total per (category,
 * severity, rule), logtriage_verdict per category that matched (1 for
 * the cause's category, 0 for the others; category="clean" 1 when the
 * run found no cause, so that a clean run is counted by the same
 * series as the failed ones), logtriage_failed (1 or 0),
 * logtriage_confidence and logtriage_last_run_timestamp_seconds.  Label values are escaped as the
 * format requires (backslash, double quote, newline); names and IDs are
 * ASCII by the rule syntax, so they are valid UTF-8 already.
 */
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"
#include "logtriage/buf.h"
#include "logtriage/emit.h"

#define TRY(x) do { if ((st = (x)) != LT_OK) return st; } while (0)

enum lt_status
lt_prom_label(struct lt_buf *b, const char *name, const char *value, int first)
{
	enum lt_status st;
	const char *p;

	TRY(lt_buf_addf(b, "%s%s=\"", first ? "" : ",", name));
	for (p = value; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			TRY(lt_buf_addc(b, '\\'));
		if (*p == '\n')
			TRY(lt_buf_adds(b, "\\n"));
		else
			TRY(lt_buf_addc(b, *p));
	}
	return lt_buf_addc(b, '"');
}

enum lt_status
lt_emit_prometheus(struct lt_buf *b, const struct lt_verdict *v,
    long long now)
{
	const struct lt_ruleset *rs = lt_verdict_ruleset(v);
	const struct lt_counts *c = lt_verdict_counts_const(v);
	const struct lt_match *cause = lt_verdict_top(v, 0);
	const char *cause_cat = cause ? lt_ruleset_rule(rs, cause->rule)->category :
	    NULL;
	enum lt_status st;
	size_t i;

	TRY(lt_buf_addf(b, "# HELP logtriage_lines_total Log lines read.\n"
	    "# TYPE logtriage_lines_total counter\n"
	    "logtriage_lines_total %llu\n", c->lines));
	TRY(lt_buf_adds(b, "# HELP logtriage_matches_total Classified lines, "
	    "by category, severity and rule.\n"
	    "# TYPE logtriage_matches_total counter\n"));
	for (i = 0; i < lt_ruleset_count(rs); i++) {
		const struct lt_rule_info *ri = lt_ruleset_rule(rs, i);
		unsigned long long n = lt_verdict_rule_count(v, i);

		if (n == 0)
			continue;
		TRY(lt_buf_adds(b, "logtriage_matches_total{"));
		TRY(lt_prom_label(b, "category", ri->category, 1));
		TRY(lt_prom_label(b, "severity", lt_severity_name(ri->severity), 0));
		TRY(lt_prom_label(b, "rule", ri->id, 0));
		TRY(lt_buf_addf(b, "} %llu\n", n));
	}
	TRY(lt_buf_adds(b, "# HELP logtriage_verdict 1 for the category of "
	    "the root cause, 0 for other categories that matched; clean 1 "
	    "when none failed.\n"
	    "# TYPE logtriage_verdict gauge\n"));
	if (cause == NULL)	/* a clean run is a series too */
		TRY(lt_buf_adds(b, "logtriage_verdict{category=\"clean\"} 1\n"));
	for (i = 0; i < lt_ruleset_category_count(rs); i++) {
		const char *name = lt_ruleset_category(rs, i)->name;

		if (lt_verdict_category(v, i) == NULL)
			continue;
		TRY(lt_buf_adds(b, "logtriage_verdict{"));
		TRY(lt_prom_label(b, "category", name, 1));
		TRY(lt_buf_addf(b, "} %d\n", cause_cat != NULL &&
		    strcmp(cause_cat, name) == 0));
	}
	TRY(lt_buf_addf(b, "# HELP logtriage_failed 1 when the run found a "
	    "failure, 0 when clean.\n# TYPE logtriage_failed gauge\n"
	    "logtriage_failed %d\n", cause != NULL));
	TRY(lt_buf_addf(b, "# HELP logtriage_confidence How sure the root "
	    "cause is: 3 high, 2 medium, 1 low; 0 when clean.\n"
	    "# TYPE logtriage_confidence gauge\nlogtriage_confidence %d\n",
	    cause == NULL ? 0 : 1 + (int)lt_ruleset_rule(rs,
	    cause->rule)->confidence));
	return lt_buf_addf(b, "# HELP logtriage_last_run_timestamp_seconds "
	    "When the run ended, in seconds since the epoch.\n"
	    "# TYPE logtriage_last_run_timestamp_seconds gauge\n"
	    "logtriage_last_run_timestamp_seconds %lld\n", now);
}

/* The metrics as an emitter: written once, at the end of the run. */
struct prom_emitter {
	struct lt_emitter base;
	long long now;
};

static enum lt_status
prom_finish(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v)
{
	return lt_emit_prometheus(out, v, ((struct prom_emitter *)e)->now);
}

static void
prom_free(struct lt_emitter *e)
{
	free(e);
}

static const struct lt_emitter_ops prom_ops = {
	.name = "prometheus",
	.finish = prom_finish,
	.free = prom_free,
};

struct lt_emitter *
lt_emit_prometheus_new(const struct lt_emit_opts *o)
{
	struct prom_emitter *p;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	p->base.ops = &prom_ops;
	p->now = o->now;
	return &p->base;
}

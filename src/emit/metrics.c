/*
 * metrics.c - the exporter's registry: counters that add up over a long
 * run (logtriage --listen), and their rendering in the Prometheus text
 * exposition format.
 *
 * A run that ends pushes or prints one set of totals (emit_prom.c).  A
 * run that never ends (journalctl -f, Loki --follow, tail -F) is scraped
 * instead, and what a scrape must see is counters that only go up:
 * matches per rule, lines, decode errors, limit hits, and per category
 * when it last matched, so that increase() and rate() in Prometheus give
 * the causes of the last hour or week.  The pipeline feeds the registry
 * through its observer hooks (triage.h): every counted match, and the
 * verdict's counters and state whenever output is flushed.
 *
 * Selected labels.  The user may name decoded labels of the lines (the
 * journal's host and unit, a Loki stream's labels) to split the match
 * series by.  Each distinct combination of their values is a "set", and
 * a set holds one counter per rule and one last-match time per category,
 * so the series a scrape returns are at most (rules + categories) times
 * the sets.  The sets are capped (max_sets): a match whose combination
 * is new once the cap is reached is counted in one more set whose every
 * selected label is "__other__", and logtriage_label_overflow_total
 * counts those matches.  Nothing is dropped, so a sum by category or
 * rule stays right; only the split by the selected labels is lost for
 * the newest combinations.  Values are cleaned to valid UTF-8 and cut to
 * LT_METRICS_VALUE_MAX bytes; a label the line does not have is empty,
 * which Prometheus reads as absent.  Lines, decode errors and limit hits
 * are not split: lines the prefilter passes over are never decoded, so
 * their labels are unknown.
 *
 * The registry does no locking; listen.c owns the one lock around it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"
#include "logtriage/buf.h"
#include "logtriage/decode.h"
#include "metrics.h"
#include "util/utf8.h"

#define TRY(x) do { if ((st = (x)) != LT_OK) return st; } while (0)

struct set {
	char *val[LT_METRICS_LABELS_MAX];	/* "" when the line had none */
	unsigned long long *n;	/* matches per rule (rank index) */
	double *last;		/* per category: latest match time; 0: none */
	uint64_t hash;
};

struct lt_metrics {
	const struct lt_ruleset *rs;
	size_t n_rules, n_cats;
	size_t *rule_cat;	/* rule -> category index */
	size_t n_labels;
	char name[LT_METRICS_LABELS_MAX][LT_METRICS_NAME_MAX + 1];
	char key[LT_METRICS_LABELS_MAX][LT_LABEL_KEY_MAX + 1];
	struct set *sets;	/* max_sets, then the "__other__" set */
	size_t n_sets, max_sets;
	size_t *slot;		/* open addressing: set index + 1; 0 empty */
	size_t n_slot;		/* a power of two above 2 * max_sets */
	unsigned long long overflow;
	int other_used;
	/* from the verdict, at the last progress */
	struct lt_counts c;
	int failed, confidence;
	size_t cause_cat;	/* n_cats: none */
	unsigned char *cat_seen;	/* the category matched */
};

int
lt_metrics_label_ok(const char *name, const char **why)
{
	static const char *const taken[] = { "category", "severity", "rule",
	    "limit", "job", "instance" };
	size_t i, n = strlen(name);

	if (n == 0 || n > LT_METRICS_NAME_MAX) {
		*why = "a label name has 1 to 64 characters";
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' &&
		    name[i] <= 'Z') || name[i] == '_' || (i > 0 &&
		    name[i] >= '0' && name[i] <= '9'))) {
			*why = "not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)";
			return 0;
		}
	if (n >= 2 && name[0] == '_' && name[1] == '_') {
		*why = "names starting with __ are Prometheus's own";
		return 0;
	}
	for (i = 0; i < sizeof taken / sizeof taken[0]; i++)
		if (strcmp(name, taken[i]) == 0) {
			*why = "the name is taken (category, severity, rule, limit, "
			    "job, instance)";
			return 0;
		}
	return 1;
}

static void
set_free(struct set *s, size_t n_labels)
{
	size_t i;

	for (i = 0; i < n_labels; i++)
		free(s->val[i]);
	free(s->n);
	free(s->last);
}

void
lt_metrics_free(struct lt_metrics *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->n_sets; i++)
		set_free(&x->sets[i], x->n_labels);
	if (x->other_used)
		set_free(&x->sets[x->max_sets], x->n_labels);
	free(x->sets);
	free(x->slot);
	free(x->rule_cat);
	free(x->cat_seen);
	free(x);
}

struct lt_metrics *
lt_metrics_new(const struct lt_ruleset *rs, const char *const *names,
    const char *const *keys, size_t n, size_t max_sets)
{
	struct lt_metrics *x;
	const char *why;
	size_t i, k;

	if (n > LT_METRICS_LABELS_MAX || max_sets < 1 ||
	    max_sets > LT_METRICS_SETS_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if (!lt_metrics_label_ok(names[i], &why) ||
		    strlen(keys[i]) > LT_LABEL_KEY_MAX)
			return NULL;
	if ((x = calloc(1, sizeof *x)) == NULL)
		return NULL;
	x->rs = rs;
	x->n_rules = lt_ruleset_count(rs);
	x->n_cats = lt_ruleset_category_count(rs);
	x->cause_cat = x->n_cats;
	x->n_labels = n;
	x->max_sets = max_sets;
	for (i = 0; i < n; i++) {
		snprintf(x->name[i], sizeof x->name[i], "%s", names[i]);
		snprintf(x->key[i], sizeof x->key[i], "%s", keys[i]);
	}
	for (x->n_slot = 4; x->n_slot < 2 * max_sets + 2; x->n_slot *= 2)
		;
	x->sets = calloc(max_sets + 1, sizeof *x->sets);
	x->slot = calloc(x->n_slot, sizeof *x->slot);
	x->rule_cat = calloc(x->n_rules + 1, sizeof *x->rule_cat);
	x->cat_seen = calloc(x->n_cats + 1, 1);
	if (x->sets == NULL || x->slot == NULL || x->rule_cat == NULL ||
	    x->cat_seen == NULL) {
		lt_metrics_free(x);
		return NULL;
	}
	for (i = 0; i < x->n_rules; i++) {
		const char *cat = lt_ruleset_rule(rs, i)->category;

		for (k = 0; k < x->n_cats; k++)
			if (strcmp(lt_ruleset_category(rs, k)->name, cat) == 0)
				break;
		x->rule_cat[i] = k;	/* n_cats: none (cannot happen) */
	}
	return x;
}

/* v[0..n) cleaned into dst (at least LT_METRICS_VALUE_MAX + 1 bytes). */
static void
clean_value(char *dst, const char *v, size_t n)
{
	size_t i = 0, o = 0, k;

	while (i < n) {
		k = lt_utf8_seq(v + i, n - i);
		if (k == 0 || v[i] == '\0') {	/* a bad byte: U+FFFD */
			if (o + 3 > LT_METRICS_VALUE_MAX)
				break;
			memcpy(dst + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		if (o + k > LT_METRICS_VALUE_MAX)
			break;
		memcpy(dst + o, v + i, k);
		o += k;
		i += k;
	}
	dst[o] = '\0';
}

static uint64_t
hash_values(char vals[][LT_METRICS_VALUE_MAX + 1], size_t n)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	size_t i;
	const unsigned char *p;

	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)vals[i]; *p != '\0'; p++)
			h = (h ^ *p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;	/* separator */
	}
	return h;
}

static int
set_init(struct lt_metrics *x, struct set *s,
    char vals[][LT_METRICS_VALUE_MAX + 1], uint64_t h)
{
	size_t i;

	memset(s, 0, sizeof *s);
	s->hash = h;
	s->n = calloc(x->n_rules + 1, sizeof *s->n);
	s->last = calloc(x->n_cats + 1, sizeof *s->last);
	if (s->n == NULL || s->last == NULL)
		goto fail;
	for (i = 0; i < x->n_labels; i++)
		if ((s->val[i] = strdup(vals[i])) == NULL)
			goto fail;
	return 0;
fail:
	set_free(s, x->n_labels);
	memset(s, 0, sizeof *s);
	return -1;
}

/* The "__other__" set, made on first use; NULL: no memory. */
static struct set *
other_set(struct lt_metrics *x)
{
	char vals[LT_METRICS_LABELS_MAX][LT_METRICS_VALUE_MAX + 1];
	struct set *s = &x->sets[x->max_sets];
	size_t i;

	if (!x->other_used) {
		for (i = 0; i < x->n_labels; i++)
			memcpy(vals[i], LT_METRICS_OTHER,
			    sizeof LT_METRICS_OTHER);
		if (set_init(x, s, vals, 0) != 0)
			return NULL;
		x->other_used = 1;
	}
	return s;
}

/*
 * The set for m's values: found, added, or the "__other__" set (*over
 * set when the cap sent it there); NULL: no memory.  Values that are
 * all "__other__" in the line itself are that set too, or a scrape
 * would hold the same series twice, which Prometheus refuses whole.
 */
static struct set *
find_set(struct lt_metrics *x, const struct lt_match *m, int *over)
{
	char vals[LT_METRICS_LABELS_MAX][LT_METRICS_VALUE_MAX + 1];
	size_t i, j, at, n_other = 0;
	uint64_t h;
	struct set *s;

	for (i = 0; i < x->n_labels; i++) {
		size_t klen = strlen(x->key[i]);

		vals[i][0] = '\0';
		for (j = 0; j < m->n_labels; j++)
			if (m->labels[j].key_len == klen && memcmp(
			    m->labels[j].key, x->key[i], klen) == 0) {
				clean_value(vals[i], m->labels[j].value,
				    m->labels[j].value_len);
				break;
			}
		n_other += strcmp(vals[i], LT_METRICS_OTHER) == 0;
	}
	*over = 0;
	if (x->n_labels > 0 && n_other == x->n_labels)
		return other_set(x);
	h = hash_values(vals, x->n_labels);
	for (at = (size_t)h & (x->n_slot - 1); x->slot[at] != 0;
	    at = (at + 1) & (x->n_slot - 1)) {
		s = &x->sets[x->slot[at] - 1];
		if (s->hash != h)
			continue;
		for (i = 0; i < x->n_labels; i++)
			if (strcmp(s->val[i], vals[i]) != 0)
				break;
		if (i == x->n_labels)
			return s;
	}
	if (x->n_sets < x->max_sets) {
		s = &x->sets[x->n_sets];
		if (set_init(x, s, vals, h) != 0)
			return NULL;
		x->slot[at] = ++x->n_sets;	/* the table is never full */
		return s;
	}
	*over = 1;
	return other_set(x);
}

void
lt_metrics_match(struct lt_metrics *x, const struct lt_match *m,
    unsigned long long n, double now)
{
	unsigned long long ns;
	struct set *s;
	size_t cat;
	double t = now;
	int over;

	if (m->rule >= x->n_rules || (s = find_set(x, m, &over)) == NULL)
		return;	/* out of memory: the match is not counted */
	if (over)
		x->overflow += n;
	s->n[m->rule] += n;
	if (m->time != NULL && lt_time_ns(m->time, strlen(m->time), &ns) == 0)
		t = (double)(ns / 1000000ull) / 1000.0;
	cat = x->rule_cat[m->rule];
	if (cat < x->n_cats && t > s->last[cat])
		s->last[cat] = t;	/* never backwards */
}

void
lt_metrics_progress(struct lt_metrics *x, const struct lt_verdict *v)
{
	const struct lt_match *cause = lt_verdict_top(v, 0);
	size_t i;

	x->c = *lt_verdict_counts_const(v);
	x->failed = cause != NULL;
	x->confidence = cause == NULL ? 0 : 1 + (int)lt_ruleset_rule(x->rs,
	    cause->rule)->confidence;
	x->cause_cat = cause == NULL ? x->n_cats : x->rule_cat[cause->rule];
	for (i = 0; i < x->n_cats; i++)
		x->cat_seen[i] = lt_verdict_category(v, i) != NULL;
}

/* A label of a series: "{" before the first, none for an empty value. */
static enum lt_status
label(struct lt_buf *b, const char *name, const char *value, int *first)
{
	enum lt_status st;

	if (value[0] == '\0')
		return LT_OK;	/* empty is absent */
	if (*first)
		TRY(lt_buf_addc(b, '{'));
	st = lt_prom_label(b, name, value, *first);
	*first = 0;
	return st;
}

static enum lt_status
set_labels(struct lt_buf *b, const struct lt_metrics *x, const struct set *s,
    int *first)
{
	enum lt_status st;
	size_t i;

	for (i = 0; i < x->n_labels; i++)
		TRY(label(b, x->name[i], s->val[i], first));
	return LT_OK;
}

static enum lt_status
close_labels(struct lt_buf *b, int first)
{
	return first ? LT_OK : lt_buf_addc(b, '}');
}

static const struct set *
set_at(const struct lt_metrics *x, size_t i)
{
	if (i < x->n_sets)
		return &x->sets[i];
	return i == x->n_sets && x->other_used ? &x->sets[x->max_sets] : NULL;
}

static enum lt_status
render_matches(const struct lt_metrics *x, struct lt_buf *b)
{
	const struct set *s;
	enum lt_status st;
	size_t i, r;
	int first;

	TRY(lt_buf_adds(b, "# HELP logtriage_matches_total Classified lines, "
	    "by category, severity and rule.\n"
	    "# TYPE logtriage_matches_total counter\n"));
	for (i = 0; (s = set_at(x, i)) != NULL; i++)
		for (r = 0; r < x->n_rules; r++) {
			const struct lt_rule_info *ri;

			if (s->n[r] == 0)
				continue;
			ri = lt_ruleset_rule(x->rs, r);
			first = 1;
			TRY(lt_buf_adds(b, "logtriage_matches_total"));
			TRY(label(b, "category", ri->category, &first));
			TRY(label(b, "severity", lt_severity_name(ri->severity),
			    &first));
			TRY(label(b, "rule", ri->id, &first));
			TRY(set_labels(b, x, s, &first));
			TRY(close_labels(b, first));
			TRY(lt_buf_addf(b, " %llu\n", s->n[r]));
		}
	TRY(lt_buf_adds(b, "# HELP logtriage_last_match_timestamp_seconds "
	    "When a line of the category last matched (its own time when it "
	    "has one).\n"
	    "# TYPE logtriage_last_match_timestamp_seconds gauge\n"));
	for (i = 0; (s = set_at(x, i)) != NULL; i++)
		for (r = 0; r < x->n_cats; r++) {
			if (s->last[r] == 0)
				continue;
			first = 1;
			TRY(lt_buf_adds(b,
			    "logtriage_last_match_timestamp_seconds"));
			TRY(label(b, "category", lt_ruleset_category(x->rs,
			    r)->name, &first));
			TRY(set_labels(b, x, s, &first));
			TRY(close_labels(b, first));
			TRY(lt_buf_addf(b, " %.3f\n", s->last[r]));
		}
	return LT_OK;
}

enum lt_status
lt_metrics_render(const struct lt_metrics *x, struct lt_buf *b)
{
	enum lt_status st;
	size_t i;

	TRY(lt_buf_addf(b, "# HELP logtriage_lines_total Log lines read.\n"
	    "# TYPE logtriage_lines_total counter\n"
	    "logtriage_lines_total %llu\n", x->c.lines));
	TRY(render_matches(x, b));
	TRY(lt_buf_addf(b, "# HELP logtriage_decode_errors_total Lines not "
	    "valid in their input format.\n"
	    "# TYPE logtriage_decode_errors_total counter\n"
	    "logtriage_decode_errors_total %llu\n", x->c.decode_errors));
	TRY(lt_buf_addf(b, "# HELP logtriage_limit_hits_total Times a cap "
	    "was hit: regex, a rule's match budget (the line counts as not "
	    "matched by it); max_line, a line longer than --max-line.\n"
	    "# TYPE logtriage_limit_hits_total counter\n"
	    "logtriage_limit_hits_total{limit=\"regex\"} %llu\n"
	    "logtriage_limit_hits_total{limit=\"max_line\"} %llu\n",
	    x->c.limit_hits, x->c.truncated_lines));
	TRY(lt_buf_addf(b, "# HELP logtriage_label_overflow_total Matches "
	    "counted under " LT_METRICS_OTHER " because the label sets "
	    "reached their cap.\n"
	    "# TYPE logtriage_label_overflow_total counter\n"
	    "logtriage_label_overflow_total %llu\n", x->overflow));
	TRY(lt_buf_addf(b, "# HELP logtriage_label_sets Distinct "
	    "combinations of the selected labels' values in use.\n"
	    "# TYPE logtriage_label_sets gauge\n"
	    "logtriage_label_sets %zu\n"
	    "# HELP logtriage_label_sets_max The cap of logtriage_label_sets "
	    "(--max-label-sets).\n# TYPE logtriage_label_sets_max gauge\n"
	    "logtriage_label_sets_max %zu\n", x->n_sets, x->max_sets));
	TRY(lt_buf_adds(b, "# HELP logtriage_verdict 1 for the category of "
	    "the root cause so far, 0 for other categories that matched; "
	    "clean 1 while none did.\n# TYPE logtriage_verdict gauge\n"));
	if (!x->failed)
		TRY(lt_buf_adds(b, "logtriage_verdict{category=\"clean\"} 1\n"));
	for (i = 0; i < x->n_cats; i++) {
		int first = 1;

		if (!x->cat_seen[i])
			continue;
		TRY(lt_buf_adds(b, "logtriage_verdict"));
		TRY(label(b, "category", lt_ruleset_category(x->rs, i)->name,
		    &first));
		TRY(close_labels(b, first));
		TRY(lt_buf_addf(b, " %d\n", x->cause_cat == i));
	}
	return lt_buf_addf(b, "# HELP logtriage_failed 1 once the run found a "
	    "failure, 0 while clean.\n# TYPE logtriage_failed gauge\n"
	    "logtriage_failed %d\n"
	    "# HELP logtriage_confidence How sure the root cause is: 3 high, 2 "
	    "medium, 1 low; 0 when clean.\n"
	    "# TYPE logtriage_confidence gauge\nlogtriage_confidence %d\n",
	    x->failed, x->confidence);
}

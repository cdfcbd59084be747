/*
 * metrics.h - cumulative counters of a long run, for the exporter
 * (metrics.c; served by listen.c).  Not part of the library's ABI: the
 * executable uses it through the static library.
 */
#ifndef LT_METRICS_H
#define LT_METRICS_H

#include <stddef.h>

#include "logtriage/buf.h"
#include "logtriage/rules.h"
#include "logtriage/verdict.h"

#define LT_METRICS_LABELS_MAX 8		/* selected labels */
#define LT_METRICS_SETS_DEFAULT 500	/* combinations of their values */
#define LT_METRICS_SETS_MAX 100000
#define LT_METRICS_VALUE_MAX 128	/* bytes of a value kept */
#define LT_METRICS_NAME_MAX 64		/* bytes of a label name */
#define LT_METRICS_OTHER "__other__"	/* the values past the cap */

struct lt_metrics;

/*
 * A registry for rs (which must outlive it) with the selected labels:
 * names[i] is the label written, keys[i] the decoded label it takes its
 * value from; at most max_sets distinct combinations of their values
 * (1 to LT_METRICS_SETS_MAX).  NULL when out of memory or an argument
 * is out of range; lt_metrics_label_ok() tells which names may be used.
 */
struct lt_metrics *lt_metrics_new(const struct lt_ruleset *rs,
    const char *const *names, const char *const *keys, size_t n,
    size_t max_sets);
void lt_metrics_free(struct lt_metrics *x);

/* 1 when name is a label name the exporter may add; else 0 and why. */
int lt_metrics_label_ok(const char *name, const char **why);

/* Count n matches like m; now: seconds since the epoch, for m without time. */
void lt_metrics_match(struct lt_metrics *x, const struct lt_match *m,
    unsigned long long n, double now);

/* Take the line counters and the verdict state from v. */
void lt_metrics_progress(struct lt_metrics *x, const struct lt_verdict *v);

/* Every series in the text exposition format (0.0.4). */
enum lt_status lt_metrics_render(const struct lt_metrics *x,
    struct lt_buf *out);

#endif

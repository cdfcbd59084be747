/*
 * group.h - a verdict per value of one label (private to the library; see
 * group.c).
 *
 * `--group-by label:NAME` asks for one summary per value of the label
 * NAME (a host, a unit, a step, a Loki stream label), then the overall
 * one.  The pipeline hands every record and every published match here;
 * each value gets its own struct lt_verdict, in the order the values were
 * first seen.  Lines without the label, and lines of values beyond the
 * first LT_GROUPS_MAX, share one more group whose value is NULL.
 *
 * Ownership: lt_groups_new/lt_groups_free pair; free(NULL) is a no-op.
 * The verdicts belong to the set.
 */
#ifndef LT_VERDICT_GROUP_H
#define LT_VERDICT_GROUP_H

#include <stddef.h>

#include "logtriage/decode.h"
#include "logtriage/rules.h"
#include "logtriage/verdict.h"

#define LT_GROUPS_MAX 1000	/* label values with a group of their own */
#define LT_GROUP_VALUE_MAX 256	/* bytes of a value kept (and compared) */

struct lt_groups;

/* NULL when out of memory.  label: the label's key (copied). */
struct lt_groups *lt_groups_new(const struct lt_ruleset *rs,
    enum lt_severity fail_on, const char *label);
void lt_groups_free(struct lt_groups *g);

/* The label's key, as given to lt_groups_new. */
const char *lt_groups_label(const struct lt_groups *g);

/*
 * The verdict of the group that labels[0..n) belong to, made if need be;
 * source: the source index (0, 1, ...) the record comes from, to count
 * the sources a group was seen in.  NULL when out of memory.
 */
struct lt_verdict *lt_groups_find(struct lt_groups *g,
    const struct lt_label *labels, size_t n, unsigned long long source);

/* Groups made so far, and the i-th in the order first seen. */
size_t lt_groups_count(const struct lt_groups *g);
/* *value: NUL-terminated, NULL for the group of lines without a value. */
struct lt_verdict *lt_groups_at(const struct lt_groups *g, size_t i,
    const char **value);

#endif

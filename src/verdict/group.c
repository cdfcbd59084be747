/*
 * group.c - a verdict per value of one label.
 *
 * A journal, a syslog stream or a Loki query often holds several jobs or
 * services at once, and one verdict for all of them says too little:
 * `--group-by label:unit` gives each unit its summary.  The pipeline
 * shows every record and every published match; this module finds the
 * value of the label among the record's (or match's) labels and keeps a
 * struct lt_verdict per value, in the order the values were first seen,
 * so that the pipeline can write them in that order before the overall
 * summary.
 *
 * State is bounded: at most LT_GROUPS_MAX values get a group of their
 * own, each value is kept to LT_GROUP_VALUE_MAX bytes (longer values that
 * agree on those share a group), and the lines of values beyond the cap
 * go to the group of lines without the label (value NULL), so a stream
 * with a label that changes on every line (a request id) costs at most
 * LT_GROUPS_MAX verdicts.  Lookup is an open-addressing table of twice
 * the cap, keyed by a 64-bit FNV-1a hash of the value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verdict/group.h"

#define SLOTS 2048		/* > 2 * LT_GROUPS_MAX, a power of two */

struct group {
	char *value;		/* NUL-terminated copy; NULL: no value */
	size_t len;
	uint64_t hash;
	struct lt_verdict *v;
	unsigned long long last_source;	/* + 1; 0: none yet */
};

struct lt_groups {
	const struct lt_ruleset *rs;
	enum lt_severity fail_on;
	char *label;
	size_t label_len;
	struct group *g;	/* in the order first seen */
	size_t n;
	size_t none;		/* index of the NULL group; SIZE_MAX: none */
	size_t slot[SLOTS];	/* index + 1; 0: empty */
};

static uint64_t
fnv(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

struct lt_groups *
lt_groups_new(const struct lt_ruleset *rs, enum lt_severity fail_on,
    const char *label)
{
	struct lt_groups *g;
	size_t n = strlen(label);

	if ((g = calloc(1, sizeof *g)) == NULL)
		return NULL;
	g->rs = rs;
	g->fail_on = fail_on;
	g->none = SIZE_MAX;
	g->label_len = n;
	g->g = calloc(LT_GROUPS_MAX + 1, sizeof *g->g);
	if ((g->label = malloc(n + 1)) == NULL || g->g == NULL) {
		lt_groups_free(g);
		return NULL;
	}
	memcpy(g->label, label, n + 1);
	return g;
}

void
lt_groups_free(struct lt_groups *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++) {
		free(g->g[i].value);
		lt_verdict_free(g->g[i].v);
	}
	free(g->g);
	free(g->label);
	free(g);
}

const char *
lt_groups_label(const struct lt_groups *g)
{
	return g->label;
}

/* A new group at the end; value NULL for the group without one. */
static struct group *
add(struct lt_groups *g, const char *value, size_t len, uint64_t h)
{
	struct group *e = &g->g[g->n];

	memset(e, 0, sizeof *e);
	if ((e->v = lt_verdict_new(g->rs, g->fail_on)) == NULL)
		return NULL;
	if (value != NULL) {
		if ((e->value = malloc(len + 1)) == NULL) {
			lt_verdict_free(e->v);
			e->v = NULL;
			return NULL;
		}
		memcpy(e->value, value, len);
		e->value[len] = '\0';
	}
	e->len = len;
	e->hash = h;
	g->n++;
	return e;
}

/* The group of lines without a value (and of values beyond the cap). */
static struct group *
no_value(struct lt_groups *g)
{
	struct group *e;

	if (g->none != SIZE_MAX)
		return &g->g[g->none];
	if ((e = add(g, NULL, 0, 0)) != NULL)
		g->none = g->n - 1;
	return e;
}

static struct group *
by_value(struct lt_groups *g, const char *value, size_t len)
{
	uint64_t h;
	size_t i, k;
	struct group *e;

	if (len > LT_GROUP_VALUE_MAX)
		len = LT_GROUP_VALUE_MAX;
	h = fnv(value, len);
	for (i = (size_t)h & (SLOTS - 1), k = 0; k < SLOTS;
	    i = (i + 1) & (SLOTS - 1), k++) {
		if (g->slot[i] == 0)
			break;
		e = &g->g[g->slot[i] - 1];
		if (e->hash == h && e->len == len &&
		    memcmp(e->value, value, len) == 0)
			return e;
	}
	/* one slot of the array is kept for the NULL group */
	if (k == SLOTS || g->n - (g->none != SIZE_MAX) >= LT_GROUPS_MAX)
		return no_value(g);
	if ((e = add(g, value, len, h)) == NULL)
		return NULL;
	g->slot[i] = g->n;
	return e;
}

struct lt_verdict *
lt_groups_find(struct lt_groups *g, const struct lt_label *labels, size_t n,
    unsigned long long source)
{
	struct group *e = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (labels[i].key_len == g->label_len &&
		    memcmp(labels[i].key, g->label, g->label_len) == 0) {
			e = by_value(g, labels[i].value, labels[i].value_len);
			break;
		}
	if (i == n)
		e = no_value(g);
	if (e == NULL)
		return NULL;
	if (e->last_source != source + 1) {
		e->last_source = source + 1;
		lt_verdict_counts(e->v)->sources++;
	}
	return e->v;
}

size_t
lt_groups_count(const struct lt_groups *g)
{
	return g == NULL ? 0 : g->n;
}

struct lt_verdict *
lt_groups_at(const struct lt_groups *g, size_t i, const char **value)
{
	*value = g->g[i].value;
	return g->g[i].v;
}

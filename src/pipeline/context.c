/*
 * context.c - the lines around a match (-B, -A, -C), between the scanner
 * and the emitters, as ripgrep keeps its searcher apart from its sinks.
 *
 * The lines before a match come from a ring of the last `before` lines
 * that passed; a match takes pointers into it for as long as it is being
 * handed on.  The lines after a match are not there yet: the match is
 * copied (lt_match_dup) and waits, in a FIFO of at most after + 1
 * matches, until `after` more lines have arrived or its source ends;
 * every line that arrives is appended to each waiting match that still
 * lacks lines.  A match can wait in the FIFO only while fewer than
 * `after` lines followed it, so after + 1 places are enough.  All the
 * storage (lines cut to LT_CONTEXT_LINE_MAX) is allocated once, when the
 * context is made: a long run with context uses no more memory than a
 * short one.  The lines handed in are already redacted.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline_int.h"

/* A line kept for context: cut to LT_CONTEXT_LINE_MAX. */
struct slot {
	char *text;		/* LT_CONTEXT_LINE_MAX bytes of storage */
	size_t len;
	unsigned long long line;
};

/* A match waiting for its after-context lines. */
struct waiting {
	struct lt_match m;	/* owned copy, with its before lines */
	void *block;
	struct slot *after;	/* `after` slots */
	size_t n_after;
};

struct lt_context {
	size_t before, after;
	char *store;
	struct slot *ring;	/* `before` slots */
	size_t ring_start;
	size_t ring_n;
	struct waiting *wait;	/* after + 1 entries, a FIFO */
	size_t wait_start;
	size_t wait_n;
};

void
lt_context_free(struct lt_context *c)
{
	if (c == NULL)
		return;
	if (c->wait != NULL) {
		for (size_t i = 0; i < c->after + 1; i++) {
			free(c->wait[i].block);
			free(c->wait[i].after);
		}
	}
	free(c->wait);
	free(c->ring);
	free(c->store);
	free(c);
}

enum lt_status
lt_context_new(size_t before, size_t after, struct lt_context **out)
{
	struct lt_context *c;
	size_t slots, i, j, k = 0;

	*out = NULL;
	if (before == 0 && after == 0)
		return LT_OK;
	if (before > LT_CONTEXT_MAX || after > LT_CONTEXT_MAX)
		return LT_ERR_LIMIT;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return LT_ERR_NOMEM;
	c->before = before;
	c->after = after;
	slots = before + (after + 1) * after;
	c->store = malloc(slots * LT_CONTEXT_LINE_MAX);
	c->ring = calloc(before ? before : 1, sizeof *c->ring);
	c->wait = calloc(after + 1, sizeof *c->wait);
	if (c->store == NULL || c->ring == NULL || c->wait == NULL)
		goto fail;
	for (i = 0; i < before; i++)
		c->ring[i].text = c->store + (k++) * LT_CONTEXT_LINE_MAX;
	for (i = 0; i < after + 1 && after > 0; i++) {
		if ((c->wait[i].after = calloc(after, sizeof *c->wait[i].after))
		    == NULL)
			goto fail;
		for (j = 0; j < after; j++)
			c->wait[i].after[j].text = c->store +
			    (k++) * LT_CONTEXT_LINE_MAX;
	}
	*out = c;
	return LT_OK;
fail:
	lt_context_free(c);
	return LT_ERR_NOMEM;
}

void
lt_context_attach(const struct lt_context *c, struct lt_match *m,
    struct lt_ctx_line *before)
{
	size_t i;

	for (i = 0; i < c->ring_n; i++) {
		const struct slot *s = &c->ring[(c->ring_start + i) %
		    c->before];

		before[i].text = s->text;
		before[i].len = s->len;
		before[i].line = s->line;
	}
	m->has_context = 1;
	m->before = before;
	m->n_before = c->ring_n;
	m->after = NULL;
	m->n_after = 0;
}

int
lt_context_waits(const struct lt_context *c)
{
	return c->after > 0;
}

enum lt_status
lt_context_wait(struct lt_context *c, const struct lt_match *m)
{
	struct waiting *w;

	if (c->wait_n > c->after)
		return LT_ERR_LIMIT;	/* cannot be: release runs first */
	w = &c->wait[(c->wait_start + c->wait_n) % (c->after + 1)];
	if ((w->block = lt_match_dup(m, &w->m)) == NULL)
		return LT_ERR_NOMEM;
	w->n_after = 0;
	c->wait_n++;
	return LT_OK;
}

void
lt_context_after(struct lt_context *c, const char *p, size_t n,
    unsigned long long no)
{
	size_t i, a = c->after;

	if (n > LT_CONTEXT_LINE_MAX)
		n = LT_CONTEXT_LINE_MAX;
	for (i = 0; i < c->wait_n; i++) {
		struct waiting *w = &c->wait[(c->wait_start + i) % (a + 1)];
		struct slot *s;

		if (w->n_after >= a)
			continue;
		s = &w->after[w->n_after++];
		memcpy(s->text, p, n);
		s->len = n;
		s->line = no;
	}
}

void
lt_context_remember(struct lt_context *c, const char *p, size_t n,
    unsigned long long no)
{
	size_t b = c->before;
	struct slot *s;

	if (b == 0)
		return;
	if (n > LT_CONTEXT_LINE_MAX)
		n = LT_CONTEXT_LINE_MAX;
	if (c->ring_n < b) {
		s = &c->ring[(c->ring_start + c->ring_n) % b];
		c->ring_n++;
	} else {
		s = &c->ring[c->ring_start];
		c->ring_start = (c->ring_start + 1) % b;
	}
	memcpy(s->text, p, n);
	s->len = n;
	s->line = no;
}

/* Hand on the oldest waiting match with the after lines it has. */
static enum lt_status
release_oldest(struct lt_context *c, lt_context_fn *fn, void *ctx)
{
	struct waiting *w = &c->wait[c->wait_start];
	struct lt_ctx_line after[LT_CONTEXT_MAX];
	struct lt_match m = w->m;
	enum lt_status st;
	size_t i;

	for (i = 0; i < w->n_after; i++) {
		after[i].text = w->after[i].text;
		after[i].len = w->after[i].len;
		after[i].line = w->after[i].line;
	}
	m.after = after;
	m.n_after = w->n_after;
	st = fn(ctx, &m);
	free(w->block);
	w->block = NULL;
	w->n_after = 0;
	c->wait_start = (c->wait_start + 1) % (c->after + 1);
	c->wait_n--;
	return st;
}

enum lt_status
lt_context_release(struct lt_context *c, int all, lt_context_fn *fn,
    void *ctx)
{
	enum lt_status st = LT_OK;

	while (st == LT_OK && c->wait_n > 0 &&
	    (all || c->wait[c->wait_start].n_after == c->after))
		st = release_oldest(c, fn, ctx);
	if (all) {
		c->ring_n = 0;
		c->ring_start = 0;
	}
	return st;
}

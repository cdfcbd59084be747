/*
 * buf.c - capped growable buffers.
 *
 * Every piece of memory that grows with input (a line assembled across
 * reads, the output of one feed, a rule file) lives in an lt_buf with a
 * maximum fixed at creation.  Growth doubles the capacity, clamped at the
 * maximum plus one byte for the terminating NUL; a failed append leaves
 * the buffer unchanged, so callers can report the cap and go on.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "util/util.h"

void
lt_buf_init(struct lt_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
lt_buf_free(struct lt_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
lt_buf_reset(struct lt_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static enum lt_status
reserve(struct lt_buf *b, size_t n)
{
	size_t need, cap;
	char *np;

	if (n > b->max || b->len > b->max - n)
		return LT_ERR_LIMIT;
	need = b->len + n + 1;
	if (need <= b->cap)
		return LT_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	np = realloc(b->p, cap);
	if (np == NULL)
		return LT_ERR_NOMEM;
	b->p = np;
	b->cap = cap;
	return LT_OK;
}

enum lt_status
lt_buf_add(struct lt_buf *b, const void *p, size_t n)
{
	enum lt_status st;

	if ((st = reserve(b, n)) != LT_OK)
		return st;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return LT_OK;
}

enum lt_status
lt_buf_addc(struct lt_buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return LT_OK;
	}
	return lt_buf_add(b, &c, 1);
}

enum lt_status
lt_buf_adds(struct lt_buf *b, const char *s)
{
	return lt_buf_add(b, s, strlen(s));
}

enum lt_status
lt_buf_addf(struct lt_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	char *big = NULL;
	int n;
	enum lt_status st;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return LT_ERR_ARG;
	if ((size_t)n < sizeof small)
		return lt_buf_add(b, small, (size_t)n);
	if ((big = malloc((size_t)n + 1)) == NULL)
		return LT_ERR_NOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	st = lt_buf_add(b, big, (size_t)n);
	free(big);
	return st;
}

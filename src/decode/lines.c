/*
 * lines.c - the push-fed line splitter.
 *
 * The fast path is the common one: a fed buffer holds many whole lines,
 * and each is found with memchr and handed on as a span into the caller's
 * buffer, with no copy.  Only the tail of a buffer (a line that continues
 * in the next feed) is copied, into one assembly buffer capped at
 * max_line; bytes beyond the cap are counted as dropped until the line
 * ends, so a 100 MiB line costs max_line bytes of memory, not 100 MiB.
 *
 * Faster still is not calling back per line at all.  Most lines of a
 * big log match nothing, and the prefilter knows where the few that may
 * match are before the lines are split.  A caller with such knowledge
 * answers "ask" with the length of the lines up to the next one it needs
 * to see, and the splitter only counts them (numbers, and lines over the
 * cap, as emit() would) and reports the run in one call.
 *
 * Counting a run's lines is then most of what is left per byte, and a
 * memchr per line costs a call and its set-up for every 70 or so bytes.
 * Where SSE2 is there (every x86-64), count_run() compares 32 bytes at a
 * time with '\n' and counts the bits of the mask instead (and
 * lt_line_start() looks back 16 bytes at a time); a line is
 * measured on its own only when it may be over the cap: when it ends at
 * the first newline of a block and started more than max_line bytes
 * before (a line that starts and ends inside one block is shorter than
 * the block, and max_line is at least that, or the plain loop runs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define BLOCK 32u
#endif

#include "decode/line_start.h"
#include "logtriage/buf.h"
#include "logtriage/lines.h"

struct lt_lines {
	lt_line_fn *fn;
	void *ctx;
	size_t max_line;
	struct lt_buf part;	/* line assembled across feeds */
	int in_part;		/* a partial line is pending */
	int truncated;		/* the pending line passed max_line */
	unsigned long long no;
	lt_run_ask_fn *ask;	/* runs: see lt_lines_runs() */
	lt_run_fn *run_fn;
	void *run_ctx;
};

struct lt_lines *
lt_lines_new(size_t max_line, lt_line_fn *fn, void *ctx)
{
	struct lt_lines *s;

	if (max_line == 0 || fn == NULL)
		return NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	s->fn = fn;
	s->ctx = ctx;
	s->max_line = max_line;
	/* + 1 for a CR that may be stripped once the newline arrives */
	lt_buf_init(&s->part, max_line + 1);
	return s;
}

void
lt_lines_free(struct lt_lines *s)
{
	if (s == NULL)
		return;
	lt_buf_free(&s->part);
	free(s);
}

void
lt_lines_reset(struct lt_lines *s)
{
	lt_buf_reset(&s->part);
	s->in_part = 0;
	s->truncated = 0;
	s->no = 0;
}

const char *
lt_line_start(const char *lo, const char *at)
{
#ifdef BLOCK
	const __m128i nl = _mm_set1_epi8('\n');
	unsigned m;

	/* 16 bytes at a time, back from at: the last newline before it */
	for (; at - lo >= 16; at -= 16) {
		m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(nl,
		    _mm_loadu_si128((const __m128i *)(const void *)(at - 16))));
		if (m != 0)
			return at - 16 + (31 - __builtin_clz(m)) + 1;
	}
#endif
	while (at > lo && at[-1] != '\n')
		at--;
	return at;
}

/* A line's length: without the CR before its newline, cut at max_line. */
static size_t
measure(const struct lt_lines *s, const char *p, size_t n, int *truncated)
{
	if (n > 0 && p[n - 1] == '\r' && !*truncated)
		n--;
	if (n > s->max_line) {
		n = s->max_line;
		*truncated = 1;
	}
	return n;
}

static enum lt_status
emit(struct lt_lines *s, const char *p, size_t n, int truncated)
{
	struct lt_line l;

	l.p = p;
	l.len = measure(s, p, n, &truncated);
	l.no = ++s->no;
	l.flags = truncated ? LT_LINE_TRUNCATED : 0;
	return s->fn(s->ctx, &l);
}

/* Append to the pending line, keeping at most max_line + 1 bytes. */
static enum lt_status
append(struct lt_lines *s, const char *p, size_t n)
{
	size_t room = s->part.max - s->part.len;

	s->in_part = 1;
	if (n > room) {
		s->truncated = 1;
		n = room;
	}
	return lt_buf_add(&s->part, p, n);
}

static enum lt_status
emit_part(struct lt_lines *s)
{
	enum lt_status st;

	/* emit() cuts a max_line + 1 byte line that does not end in CR. */
	st = emit(s, s->part.p ? s->part.p : "", s->part.len, s->truncated);
	lt_buf_reset(&s->part);
	s->in_part = 0;
	s->truncated = 0;
	return st;
}

void
lt_lines_runs(struct lt_lines *s, lt_run_ask_fn *ask, lt_run_fn *fn,
    void *ctx)
{
	s->ask = fn != NULL ? ask : NULL;
	s->run_fn = fn;
	s->run_ctx = ctx;
}

/* The lines of p[0..n) one memchr at a time: count, and those over the cap. */
static void
count_plain(const struct lt_lines *s, const char *p, size_t n,
    struct lt_run *r)
{
	const char *q = p, *end = p + n, *nl;
	int cut;

	while (q < end && (nl = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		cut = 0;
		(void)measure(s, q, (size_t)(nl - q), &cut);
		r->truncated += (unsigned)cut;
		r->lines++;
		q = nl + 1;
	}
}

#ifdef BLOCK
/* Newlines in 32 bytes at p, a bit each. */
static uint32_t
nl_mask(const char *p)
{
	const __m128i nl = _mm_set1_epi8('\n');
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));

	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, nl)) |
	    (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, nl)) << 16;
}

/* As count_plain(), BLOCK bytes at a time (see the top). */
static void
count_run(const struct lt_lines *s, const char *p, size_t n,
    struct lt_run *r)
{
	const char *q = p, *start = p, *end = p + n;
	uint32_t m;
	size_t len;
	int cut;

	if (s->max_line < BLOCK) {
		count_plain(s, p, n, r);
		return;
	}
	for (; (size_t)(end - q) >= BLOCK; q += BLOCK) {
		if ((m = nl_mask(q)) == 0)
			continue;
		len = (size_t)(q + __builtin_ctz(m) - start);
		if (len > s->max_line) {
			cut = 0;
			(void)measure(s, start, len, &cut);
			r->truncated += (unsigned)cut;
		}
		start = q + (31 - __builtin_clz(m)) + 1;
		for (; m != 0; m &= m - 1)	/* no popcnt in baseline x86-64 */
			r->lines++;
	}
	count_plain(s, start, (size_t)(end - start), r);
}
#else
#define count_run count_plain
#endif

/* Count and report the whole lines p[0..n); p[n - 1] is a newline. */
static enum lt_status
pass_run(struct lt_lines *s, const char *p, size_t n)
{
	struct lt_run r;

	r.p = p;
	r.len = n;
	r.first = s->no + 1;
	r.lines = 0;
	r.truncated = 0;
	count_run(s, p, n, &r);
	s->no += r.lines;
	return s->run_fn(s->run_ctx, &r);
}

enum lt_status
lt_lines_feed(struct lt_lines *s, const void *buf, size_t len)
{
	const char *p = buf, *end = p + len, *nl;
	enum lt_status st;
	size_t k;

	while (p < end) {
		if (s->ask != NULL && !s->in_part &&
		    (k = s->ask(s->run_ctx, p, (size_t)(end - p))) > 0 &&
		    k <= (size_t)(end - p) && p[k - 1] == '\n') {
			if ((st = pass_run(s, p, k)) != LT_OK)
				return st;
			p += k;
			continue;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return append(s, p, (size_t)(end - p));
		if (s->in_part) {
			if ((st = append(s, p, (size_t)(nl - p))) != LT_OK)
				return st;
			st = emit_part(s);
		} else {
			st = emit(s, p, (size_t)(nl - p), 0);
		}
		if (st != LT_OK)
			return st;
		p = nl + 1;
	}
	return LT_OK;
}

enum lt_status
lt_lines_finish(struct lt_lines *s)
{
	if (!s->in_part)
		return LT_OK;
	return emit_part(s);
}

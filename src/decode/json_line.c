/*
 * json_line.c - one JSON object on one line, read in place.
 *
 * journalctl -o json, logcli's jsonl and docker's json-file write an
 * object a line, and a big dump is hundreds of thousands of them.  A
 * general parser builds a tree of every member (cJSON: a malloc per
 * value, a strdup per key and string) only for the decoder to read three
 * fields and throw the tree away; on a journal dump that was 70% of the
 * run.  This reader validates the whole line against the JSON grammar
 * (RFC 8259) in one pass without allocating, and notes where each
 * top-level member's key and value lie in the line.  A string is decoded
 * only when it is asked for, and only when it has escapes: otherwise it
 * is handed out as the span of the line it is, so the prefilter's events
 * for that buffer still apply to it.
 *
 * Choices: nesting deeper than LT_JL_DEPTH_MAX is an error (no stack
 * grows with the input); members past LT_JL_MEMBERS_MAX are checked but
 * not noted, so lookups do not find them; the first of two members with
 * the same key is the one found.  Strings are bytes: anything from 0x20
 * up is taken as it is, valid UTF-8 or not (the emitters make output
 * valid); "\u0000" is a NUL byte, not the end; an unpaired surrogate
 * escape becomes U+FFFD.
 *
 * Speed: a journal entry is mostly the bytes of its strings, and taking
 * them one at a time was a third of a journal run.  With SSE2 (every
 * x86-64) plain_run() looks at 16 bytes at a time for the three kinds of
 * byte that end a plain stretch: '"', '\\' and a control byte below 0x20;
 * the grammar is checked from there as before.
 */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decode_int.h"

struct reader {
	const char *p;
	const char *end;
	unsigned depth;
};

static void
skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
hex4(const char *p, unsigned *u)
{
	unsigned v = 0, i, c;

	for (i = 0; i < 4; i++) {
		c = (unsigned char)p[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | c;
	}
	*u = v;
	return 0;
}

/* A byte that a string may hold as it is. */
#define PLAIN(c) ((unsigned char)(c) >= 0x20 && (c) != '"' && (c) != '\\')

/* The first byte of p[0..end) that is not PLAIN, or end. */
static const char *
plain_run(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bsl = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);
	__m128i x, hit;
	unsigned m;

	for (; end - p >= 16; p += 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* x <= 0x1f unsigned: min(x, 0x1f) == x */
		hit = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x),
		    _mm_or_si128(_mm_cmpeq_epi8(x, quote),
		    _mm_cmpeq_epi8(x, bsl)));
		if ((m = (unsigned)_mm_movemask_epi8(hit)) != 0)
			return p + __builtin_ctz(m);
	}
#endif
	while (p < end && PLAIN(*p))
		p++;
	return p;
}

/* A string at r->p (the opening quote); its inside in *v. */
static int
string(struct reader *r, struct lt_jl_val *v)
{
	const char *s = ++r->p;
	unsigned u;

	v->type = LT_JL_STRING;
	v->escaped = 0;
	for (;;) {
		r->p = plain_run(r->p, r->end);
		if (r->p >= r->end || *r->p != '\\')
			break;
		v->escaped = 1;
		if (++r->p >= r->end)
			return -1;
		switch (*r->p) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			break;
		case 'u':
			if (r->end - r->p < 5 || hex4(r->p + 1, &u) != 0)
				return -1;
			r->p += 4;
			break;
		default:
			return -1;
		}
		r->p++;
	}
	if (r->p >= r->end || *r->p != '"')
		return -1;	/* the end of the line, or a control byte */
	v->p = s;
	v->n = (size_t)(r->p - s);
	r->p++;
	return 0;
}

static int
digits(struct reader *r)
{
	const char *s = r->p;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > s ? 0 : -1;
}

static int
number(struct reader *r, struct lt_jl_val *v)
{
	const char *s = r->p;

	v->type = LT_JL_NUMBER;
	if (*r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (digits(r) != 0)
		return -1;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (digits(r) != 0)
			return -1;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (digits(r) != 0)
			return -1;
	}
	v->p = s;
	v->n = (size_t)(r->p - s);
	return 0;
}

static int value(struct reader *r, struct lt_jl_val *v);

/* An object or array at r->p; with o, note an object's members. */
static int
container(struct reader *r, struct lt_jl_val *v, struct lt_jl *o)
{
	const char *s = r->p;
	char close = *r->p == '{' ? '}' : ']';
	struct lt_jl_val key = { 0 }, item;
	int first = 1;

	v->type = close == '}' ? LT_JL_OBJECT : LT_JL_ARRAY;
	if (++r->depth > LT_JL_DEPTH_MAX)
		return -1;
	r->p++;
	for (;;) {
		skip_ws(r);
		if (r->p >= r->end)
			return -1;
		if (*r->p == close && first)
			break;
		if (!first) {
			if (*r->p == close)
				break;
			if (*r->p != ',')
				return -1;
			r->p++;
			skip_ws(r);
			if (r->p >= r->end)
				return -1;
		}
		first = 0;
		if (close == '}') {
			if (*r->p != '"' || string(r, &key) != 0)
				return -1;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return -1;
			r->p++;
		}
		if (value(r, &item) != 0)
			return -1;
		if (o != NULL && o->n < LT_JL_MEMBERS_MAX) {
			o->m[o->n].key = key;
			o->m[o->n].v = item;
			o->n++;
		}
	}
	r->p++;
	r->depth--;
	v->p = s;
	v->n = (size_t)(r->p - s);
	return 0;
}

static int
word(struct reader *r, const char *w, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return -1;
	r->p += n;
	return 0;
}

static int
value(struct reader *r, struct lt_jl_val *v)
{
	skip_ws(r);
	if (r->p >= r->end)
		return -1;
	v->p = r->p;
	v->escaped = 0;
	switch (*r->p) {
	case '{':
	case '[':
		return container(r, v, NULL);
	case '"':
		return string(r, v);
	case 't':
		v->type = LT_JL_TRUE;
		v->n = 4;
		return word(r, "true", 4);
	case 'f':
		v->type = LT_JL_FALSE;
		v->n = 5;
		return word(r, "false", 5);
	case 'n':
		v->type = LT_JL_NULL;
		v->n = 4;
		return word(r, "null", 4);
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return number(r, v);
		return -1;
	}
}

int
lt_jl_parse(const char *p, size_t n, struct lt_jl *o)
{
	struct reader r = { p, p + n, 0 };
	struct lt_jl_val v;

	o->n = 0;
	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{' || container(&r, &v, o) != 0)
		return -1;
	skip_ws(&r);
	return r.p == r.end ? 0 : -1;
}

/* UTF-8 of code point u into d (room for 4); its length. */
static size_t
put_utf8(char *d, unsigned u)
{
	if (u < 0x80) {
		d[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		d[0] = (char)(0xc0 | u >> 6);
		d[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		d[0] = (char)(0xe0 | u >> 12);
		d[1] = (char)(0x80 | (u >> 6 & 0x3f));
		d[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | u >> 18);
	d[1] = (char)(0x80 | (u >> 12 & 0x3f));
	d[2] = (char)(0x80 | (u >> 6 & 0x3f));
	d[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

size_t
lt_jl_string(const struct lt_jl_val *v, char *dst, size_t cap,
    const char **out)
{
	const char *s = v->p, *end = v->p + v->n;
	char tmp[4];
	size_t k = 0, m;
	unsigned u = 0, lo;

	if (!v->escaped) {
		*out = v->p;
		return v->n;
	}
	*out = dst;
	while (s < end && k < cap) {
		if (*s != '\\') {
			dst[k++] = *s++;
			continue;
		}
		s++;		/* the reader checked every escape */
		switch (*s++) {
		case 'b': tmp[0] = '\b'; m = 1; break;
		case 'f': tmp[0] = '\f'; m = 1; break;
		case 'n': tmp[0] = '\n'; m = 1; break;
		case 'r': tmp[0] = '\r'; m = 1; break;
		case 't': tmp[0] = '\t'; m = 1; break;
		case 'u':
			(void)hex4(s, &u);
			s += 4;
			if (u >= 0xd800 && u <= 0xdbff && end - s >= 6 &&
			    s[0] == '\\' && s[1] == 'u' &&
			    hex4(s + 2, &lo) == 0 && lo >= 0xdc00 &&
			    lo <= 0xdfff) {
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00);
				s += 6;
			} else if (u >= 0xd800 && u <= 0xdfff) {
				u = 0xfffd;	/* a surrogate alone */
			}
			m = put_utf8(tmp, u);
			break;
		default:	/* " \ / */
			tmp[0] = s[-1];
			m = 1;
			break;
		}
		if (m > cap - k)
			break;	/* cut before a character, not inside it */
		memcpy(dst + k, tmp, m);
		k += m;
	}
	return k;
}

/* Does string v spell key[0..n)? */
static int
key_is(const struct lt_jl_val *v, const char *key, size_t n)
{
	char buf[LT_LABEL_KEY_MAX + 1];
	const char *s;
	size_t k;

	if (!v->escaped)
		return v->n == n && memcmp(v->p, key, n) == 0;
	if (n > LT_LABEL_KEY_MAX)
		return 0;
	k = lt_jl_string(v, buf, sizeof buf, &s);
	return k == n && memcmp(s, key, n) == 0;
}

const struct lt_jl_val *
lt_jl_get(const struct lt_jl *o, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < o->n; i++)
		if (key_is(&o->m[i].key, key, n))
			return &o->m[i].v;
	return NULL;
}

int
lt_jl_first(const struct lt_jl_val *v, struct lt_jl_val *first)
{
	struct reader r;

	if (v->type != LT_JL_ARRAY)
		return -1;
	r.p = v->p + 1;
	r.end = v->p + v->n - 1;
	r.depth = 0;
	skip_ws(&r);
	if (r.p >= r.end)
		return -1;	/* [] */
	return value(&r, first);
}

int
lt_jl_bytes(const struct lt_jl_val *v, char *dst, size_t cap, size_t *n)
{
	const char *s, *end;
	unsigned x;
	size_t k = 0, i;

	if (v->type != LT_JL_ARRAY)
		return -1;
	s = v->p + 1;
	end = v->p + v->n - 1;
	/* the reader checked the grammar: numbers, commas and spaces */
	while (s < end) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == ',') {
			s++;
			continue;
		}
		for (x = 0, i = 0; s < end && *s >= '0' && *s <= '9' && i < 4;
		    s++, i++)
			x = x * 10 + (unsigned)(*s - '0');
		if (i == 0 || i == 4 || x > 255 || (i > 1 && *(s - i) == '0') ||
		    (s < end && *s != ',' && *s != ' ' && *s != '\t' &&
		    *s != '\n' && *s != '\r'))
			return -1;	/* not an integer 0..255 */
		if (k < cap)
			dst[k++] = (char)x;
	}
	*n = k;
	return 0;
}

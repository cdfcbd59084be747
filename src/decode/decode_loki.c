/*
 * decode_loki.c - a Loki query or query_range response, as curl saves it.
 *
 *   {"status":"success","data":{"resultType":"streams","result":[
 *     {"stream":{"job":"ci"},"values":[["1736589601000000001","line"],...]},
 *     ...], "stats":{...}}}
 *
 * The response is one JSON document, so it cannot be classified line by
 * line: its bytes are gathered (at most LT_LOKI_DOC_MAX; more is an error
 * that names the cap) and parsed when the source ends.  A document that
 * does not parse whole (curl interrupted, a disk that filled up) is an
 * error for that source alone; nothing of it is classified, because
 * which entries survived a cut is anybody's guess.
 *
 * Loki groups entries by stream and, by default, returns the newest
 * first; a root cause is about what happened first, so the entries of all
 * streams are put in timestamp order, ties kept in stream order and then
 * in their order within the stream (a stable sort spelt out as a total
 * order).  An entry's line number is its 1-based position in that order.
 * The stream's labels become the record's labels, then structured
 * metadata and parsed labels when the response carries them (the third
 * element of an entry, with or without the categorize-labels encoding).
 * The nanosecond timestamp becomes an RFC 3339 time with nine fraction
 * digits.  An entry whose timestamp or line is not a string of the right
 * kind is counted as a decode error and kept, with no time, sorted first.
 *
 * The parse (lt_loki_doc_parse, decode/loki_doc.h) is shared with the
 * Loki source (source_loki.c), which pages through many responses: it
 * gets each entry, in the same order, with its timestamp, its line and
 * its stream's labels in a canonical form (sorted, so that Loki's varying
 * label order does not matter), drops the entries it has seen and pushes
 * the others into the pipeline itself.  This decoder only hands each
 * record on.
 *
 * Memory: the document, 32 bytes per entry, and the streams' labels
 * once more (for the source's keys).  cJSON's tree of a whole response took some
 * 38 times the document (2.5 GB for 64 MiB of short lines), so the
 * document is not parsed whole: one pass over it (walk below) checks it
 * is valid JSON, as strictly as cJSON reads it, and notes where each
 * stream's labels and each entry are; only then, so that nothing of a
 * bad document is classified, each entry and its stream's labels are
 * parsed alone, with cJSON, when the entry is passed on.
 */
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stdio.h>

#include "decode_int.h"
#include "loki_doc.h"

struct entry {
	unsigned long long ns;
	uint32_t stream;
	uint32_t pos;
	size_t off;		/* ["ns", "line", {metadata}] in the document */
	size_t len;
};

/* ---- one pass over the document ---- */

/* Where things are in the document: extents [off, off + len). */
struct span {
	size_t off, len;	/* len 0: absent */
};

struct walk {
	const char *p;
	size_t n, i;
	int cut;		/* the document ended inside a value */
	int bad;		/* not JSON; i is where */
	struct span status, error, type, result;
	struct span *streams;	/* each result element's "stream" */
	size_t n_streams, cap_streams;
	struct entry *e;
	size_t n_e, cap_e;
	int nomem;
};

static void
ws(struct walk *w)
{
	while (w->i < w->n && (w->p[w->i] == ' ' || w->p[w->i] == '\t' ||
	    w->p[w->i] == '\r' || w->p[w->i] == '\n'))
		w->i++;
}

/* Fail at w->i: cut short when at the end, else not JSON. */
static int
fail(struct walk *w)
{
	if (w->i >= w->n)
		w->cut = 1;
	else
		w->bad = 1;
	return -1;
}

static int
hex4(const char *p)
{
	int k;

	for (k = 0; k < 4; k++)
		if (!((p[k] >= '0' && p[k] <= '9') || ((p[k] | 0x20) >= 'a' &&
		    (p[k] | 0x20) <= 'f')))
			return 0;
	return 1;
}

/* At '"': past the string; its contents into *sp when not NULL. */
static int
string(struct walk *w, struct span *sp)
{
	size_t start = ++w->i;

	while (w->i < w->n) {
		if (w->p[w->i] == '"') {
			if (sp != NULL) {
				sp->off = start;
				sp->len = w->i - start;
			}
			w->i++;
			return 0;
		}
		if (w->p[w->i] == '\\') {
			if (w->i + 1 >= w->n) {
				w->i = w->n;
				return fail(w);
			}
			if (w->p[w->i + 1] == 'u') {
				if (w->i + 6 > w->n) {
					w->i = w->n;
					return fail(w);
				}
				if (!hex4(w->p + w->i + 2)) {
					w->i += 2;
					return fail(w);
				}
				w->i += 6;
				continue;
			}
			if (strchr("\"\\/bfnrt", w->p[w->i + 1]) == NULL ||
			    w->p[w->i + 1] == '\0') {
				w->i++;
				return fail(w);
			}
			w->i += 2;
			continue;
		}
		w->i++;
	}
	return fail(w);
}

static int
number(struct walk *w)
{
	size_t d;

	if (w->i < w->n && w->p[w->i] == '-')
		w->i++;
	for (d = 0; w->i < w->n && w->p[w->i] >= '0' && w->p[w->i] <= '9';
	    d++)
		w->i++;
	if (d == 0)
		return fail(w);
	if (w->i < w->n && w->p[w->i] == '.') {
		w->i++;
		for (d = 0; w->i < w->n && w->p[w->i] >= '0' &&
		    w->p[w->i] <= '9'; d++)
			w->i++;
		if (d == 0)
			return fail(w);
	}
	if (w->i < w->n && (w->p[w->i] | 0x20) == 'e') {
		w->i++;
		if (w->i < w->n && (w->p[w->i] == '+' || w->p[w->i] == '-'))
			w->i++;
		for (d = 0; w->i < w->n && w->p[w->i] >= '0' &&
		    w->p[w->i] <= '9'; d++)
			w->i++;
		if (d == 0)
			return fail(w);
	}
	return 0;
}

static int
word(struct walk *w, const char *lit)
{
	size_t k, n = strlen(lit);

	for (k = 0; k < n; k++, w->i++)
		if (w->i >= w->n || w->p[w->i] != lit[k])
			return fail(w);
	return 0;
}

static int value(struct walk *w, unsigned depth);

/* At '{' or '[': the members, each checked by value(). */
static int
container(struct walk *w, unsigned depth)
{
	char close = w->p[w->i] == '{' ? '}' : ']';

	if (depth >= CJSON_NESTING_LIMIT)
		return fail(w);
	w->i++;
	ws(w);
	if (w->i < w->n && w->p[w->i] == close) {
		w->i++;
		return 0;
	}
	for (;;) {
		ws(w);
		if (close == '}') {
			if (w->i >= w->n || w->p[w->i] != '"')
				return fail(w);
			if (string(w, NULL) != 0)
				return -1;
			ws(w);
			if (w->i >= w->n || w->p[w->i] != ':')
				return fail(w);
			w->i++;
			ws(w);
		}
		if (value(w, depth + 1) != 0)
			return -1;
		ws(w);
		if (w->i >= w->n)
			return fail(w);
		if (w->p[w->i] == close) {
			w->i++;
			return 0;
		}
		if (w->p[w->i] != ',')
			return fail(w);
		w->i++;
	}
}

/* Any JSON value at w->i (after white space): checked and skipped. */
static int
value(struct walk *w, unsigned depth)
{
	ws(w);
	if (w->i >= w->n)
		return fail(w);
	switch (w->p[w->i]) {
	case '{': case '[': return container(w, depth);
	case '"': return string(w, NULL);
	case 't': return word(w, "true");
	case 'f': return word(w, "false");
	case 'n': return word(w, "null");
	default: return number(w);
	}
}

/* The key at w->i (a string), then the ':'; *key its contents. */
static int
key(struct walk *w, struct span *k)
{
	ws(w);
	if (w->i >= w->n || w->p[w->i] != '"')
		return fail(w);
	if (string(w, k) != 0)
		return -1;
	ws(w);
	if (w->i >= w->n || w->p[w->i] != ':')
		return fail(w);
	w->i++;
	ws(w);
	return 0;
}

static int
is_key(const struct walk *w, const struct span *k, const char *name)
{
	return k->len == strlen(name) && memcmp(w->p + k->off, name,
	    k->len) == 0;
}

/*
 * At '{' or '[' (or anything): each member through fn (objects: with
 * its key), which must consume it.  Anything else: value().
 */
static int
members(struct walk *w, unsigned depth,
    int (*fn)(struct walk *, const struct span *, unsigned, size_t),
    size_t ctx)
{
	struct span k = { 0, 0 };
	char close;

	ws(w);
	if (w->i >= w->n)
		return fail(w);
	if (w->p[w->i] != '{' && w->p[w->i] != '[')
		return value(w, depth);
	close = w->p[w->i] == '{' ? '}' : ']';
	if (depth >= CJSON_NESTING_LIMIT)
		return fail(w);
	w->i++;
	ws(w);
	if (w->i < w->n && w->p[w->i] == close) {
		w->i++;
		return 0;
	}
	for (;;) {
		if (close == '}' && key(w, &k) != 0)
			return -1;
		ws(w);
		if (fn(w, close == '}' ? &k : NULL, depth + 1, ctx) != 0)
			return -1;
		ws(w);
		if (w->i >= w->n)
			return fail(w);
		if (w->p[w->i] == close) {
			w->i++;
			return 0;
		}
		if (w->p[w->i] != ',')
			return fail(w);
		w->i++;
		ws(w);
	}
}

/* A string value: its contents; else the value is skipped. */
static int
string_or_skip(struct walk *w, struct span *sp, unsigned depth)
{
	if (w->i < w->n && w->p[w->i] == '"')
		return string(w, sp);
	return value(w, depth);
}

/* One element of "values": its extent, and its timestamp if it has one. */
static int
on_value(struct walk *w, const struct span *k, unsigned depth, size_t st)
{
	struct entry *e, *ne;
	struct span ts = { 0, 0 };
	size_t start = w->i, save, nc;

	(void)k;
	if (w->n_e == w->cap_e) {
		nc = w->cap_e ? w->cap_e * 2 : 1024;
		if (nc > UINT32_MAX || (ne = realloc(w->e, nc *
		    sizeof *ne)) == NULL) {
			w->nomem = 1;
			return -1;
		}
		w->e = ne;
		w->cap_e = nc;
	}
	e = &w->e[w->n_e];
	e->ns = 0;
	if (w->p[w->i] == '[') {	/* a peek at the first element */
		save = w->i++;
		ws(w);
		if (w->i < w->n && w->p[w->i] == '"' && string(w, &ts) == 0 &&
		    (ts.len == 0 || memchr(w->p + ts.off, '\\', ts.len) ||
		    lt_time_decimal(w->p + ts.off, ts.len, &e->ns) != 0))
			e->ns = 0;
		w->cut = w->bad = 0;
		w->i = save;
	}
	if (value(w, depth) != 0)
		return -1;
	e->stream = (uint32_t)st;
	e->pos = 0;
	e->off = start;
	e->len = w->i - start;
	w->n_e++;
	return 0;
}

/* One member of a result element: "stream" and "values" are noted. */
static int
on_stream_member(struct walk *w, const struct span *k, unsigned depth,
    size_t st)
{
	size_t start = w->i, first = w->n_e, j;

	if (is_key(w, k, "stream")) {
		if (value(w, depth) != 0)
			return -1;
		w->streams[st].off = start;
		w->streams[st].len = w->i - start;
		return 0;
	}
	if (is_key(w, k, "values") && w->p[w->i] == '[') {
		if (members(w, depth, on_value, st) != 0)
			return -1;
		for (j = first; j < w->n_e; j++)
			w->e[j].pos = (uint32_t)(j - first);
		return 0;
	}
	return value(w, depth);
}

/* One element of "result". */
static int
on_result(struct walk *w, const struct span *k, unsigned depth, size_t ctx)
{
	struct span *ns;
	size_t nc;

	(void)k;
	(void)ctx;
	if (w->n_streams == w->cap_streams) {
		nc = w->cap_streams ? w->cap_streams * 2 : 64;
		if (nc > UINT32_MAX || (ns = realloc(w->streams, nc *
		    sizeof *ns)) == NULL) {
			w->nomem = 1;
			return -1;
		}
		w->streams = ns;
		w->cap_streams = nc;
	}
	w->streams[w->n_streams].off = w->streams[w->n_streams].len = 0;
	w->n_streams++;
	if (w->p[w->i] != '{')
		return value(w, depth);
	return members(w, depth, on_stream_member, w->n_streams - 1);
}

/* One member of "data". */
static int
on_data(struct walk *w, const struct span *k, unsigned depth, size_t ctx)
{
	(void)ctx;
	if (is_key(w, k, "resultType"))
		return string_or_skip(w, &w->type, depth);
	if (is_key(w, k, "result") && w->p[w->i] == '[' &&
	    w->result.len == 0) {
		w->result.len = 1;
		return members(w, depth, on_result, 0);
	}
	return value(w, depth);
}

/* One member of the document. */
static int
on_top(struct walk *w, const struct span *k, unsigned depth, size_t ctx)
{
	(void)ctx;
	if (is_key(w, k, "status"))
		return string_or_skip(w, &w->status, depth);
	if (is_key(w, k, "error"))
		return string_or_skip(w, &w->error, depth);
	if (is_key(w, k, "data") && w->p[w->i] == '{')
		return members(w, depth, on_data, 0);
	return value(w, depth);
}

static int
cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Parse doc[sp]: a cJSON value, or NULL. */
static cJSON *
parse_span(const char *doc, const struct span *sp)
{
	return sp->len > 0 ? cJSON_ParseWithLength(doc + sp->off, sp->len) :
	    NULL;
}

static enum lt_status
pass_entry(const struct lt_loki_entry *e, const cJSON *v,
    const cJSON *stream_labels, unsigned long long no, lt_loki_doc_fn *fn,
    void *ctx)
{
	const cJSON *t = NULL, *line = NULL, *meta = NULL;
	struct lt_recb b;
	struct lt_line l;
	unsigned long long ns = 0;
	int ok;

	if (cJSON_IsArray(v) && v->child != NULL) {
		t = v->child;
		line = t->next;
		meta = line != NULL ? line->next : NULL;
	}
	ok = cJSON_IsString(line) && cJSON_IsString(t) &&
	    lt_time_decimal(t->valuestring, strlen(t->valuestring), &ns) == 0;
	l.p = cJSON_IsString(line) ? line->valuestring : "";
	l.len = strlen(l.p);
	l.no = no;
	l.flags = ok ? 0 : LT_RECORD_UNDECODED;
	lt_recb_init(&b, &l);
	if (ok && lt_time_format(b.time, (long long)(ns / 1000000000u),
	    (unsigned long)(ns % 1000000000u), 9) == 0)
		b.r.time = b.time;
	lt_json_labels(&b, stream_labels);
	if (lt_json_get(meta, "structuredMetadata") ||
	    lt_json_get(meta, "parsed")) {
		lt_json_labels(&b, lt_json_get(meta, "structuredMetadata"));
		lt_json_labels(&b, lt_json_get(meta, "parsed"));
	} else {
		lt_json_labels(&b, meta);
	}
	return fn(ctx, e, &b.r);
}

struct label {
	const char *k;
	const char *v;
};

static int
cmp_label(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c != 0 ? c : strcmp(x->v, y->v);
}

/*
 * The canonical form of each stream's labels into keys, stream k's at
 * keys->p + off[k] up to off[k + 1].
 */
static enum lt_status
canonical(const char *doc, const struct span *streams, size_t n,
    struct lt_buf *keys, size_t *off)
{
	struct label lab[LT_LABELS_MAX * 4];
	const cJSON *o;
	cJSON *s;
	enum lt_status st = LT_OK;
	size_t k, m, j;

	for (k = 0; k < n && st == LT_OK; k++) {
		off[k] = keys->len;
		m = 0;
		s = parse_span(doc, &streams[k]);
		o = cJSON_IsObject(s) ? s->child : NULL;
		for (; o != NULL; o = o->next) {
			if (!cJSON_IsString(o) || o->string == NULL)
				continue;
			if (m == LT_ARRAY_LEN(lab)) {
				cJSON_Delete(s);
				return LT_ERR_LIMIT;
			}
			lab[m].k = o->string;
			lab[m++].v = o->valuestring;
		}
		qsort(lab, m, sizeof lab[0], cmp_label);
		for (j = 0; j < m && st == LT_OK; j++)
			if ((st = lt_buf_add(keys, lab[j].k,
			    strlen(lab[j].k) + 1)) == LT_OK)
				st = lt_buf_add(keys, lab[j].v,
				    strlen(lab[j].v) + 1);
		cJSON_Delete(s);
	}
	off[n] = keys->len;
	return st;
}

/* The key of entry e (parsed: v); keys NULL: without its stream's. */
static void
make_entry(struct lt_loki_entry *le, const struct entry *e, const cJSON *v,
    const char *keys, const size_t *off)
{
	const cJSON *line = NULL;

	if (cJSON_IsArray(v) && v->child != NULL)
		line = v->child->next;
	le->ns = e->ns;
	le->stream = keys != NULL ? keys + off[e->stream] : "";
	le->stream_len = keys != NULL ? off[e->stream + 1] - off[e->stream] :
	    0;
	le->line = cJSON_IsString(line) ? line->valuestring : "";
	le->len = strlen(le->line);
}

/* A bad document: say why in msg; returns st. */
LT_PRINTF(4, 5) static enum lt_status
bad(char *msg, size_t size, enum lt_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return st;
}

/* Check the envelope; 0, or -1 with msg set. */
static int
envelope(const struct walk *w, char *msg, size_t size)
{
	struct span q;
	cJSON *etext;

	if (w->status.len == 0 && !(w->status.off > 0 &&
	    w->p[w->status.off - 1] == '"')) {
		bad(msg, size, LT_ERR_SYNTAX, "not a Loki response: no "
		    "\"status\" string");
		return -1;
	}
	if (!is_key(w, &w->status, "success")) {
		q.off = w->error.off - 1;	/* with its quotes */
		q.len = w->error.len + 2;
		etext = w->error.off > 0 ? parse_span(w->p, &q) : NULL;
		bad(msg, size, LT_ERR_SYNTAX, "Loki response has status "
		    "\"%.*s\": %.300s", (int)(w->status.len < 32 ?
		    w->status.len : 32), w->p + w->status.off,
		    cJSON_IsString(etext) ? etext->valuestring :
		    "(no error text)");
		cJSON_Delete(etext);
		return -1;
	}
	if (w->type.off == 0) {
		bad(msg, size, LT_ERR_SYNTAX, "not a Loki response: no "
		    "\"data.resultType\" string");
		return -1;
	}
	if (!is_key(w, &w->type, "streams")) {
		bad(msg, size, LT_ERR_SYNTAX, "Loki response has "
		    "resultType \"%.*s\"; only \"streams\" carries log lines "
		    "(a metric query was sent?)", (int)(w->type.len < 32 ?
		    w->type.len : 32), w->p + w->type.off);
		return -1;
	}
	if (w->result.len == 0) {
		bad(msg, size, LT_ERR_SYNTAX, "not a Loki response: no "
		    "\"data.result\" array");
		return -1;
	}
	return 0;
}

enum lt_status
lt_loki_doc_parse(const char *p, size_t n, int want_keys, lt_loki_doc_fn *fn,
    void *ctx, char *msg, size_t size)
{
	struct walk w;
	enum lt_status st = LT_OK;
	struct lt_buf keys;
	struct lt_loki_entry le;
	size_t *koff = NULL, i, last = SIZE_MAX;
	cJSON *v = NULL, *labels = NULL;

	msg[0] = '\0';
	memset(&w, 0, sizeof w);
	w.p = p != NULL ? p : "";
	w.n = n;
	lt_buf_init(&keys, LT_LOKI_DOC_MAX);
	if (w.n == 0)
		return bad(msg, size, LT_ERR_SYNTAX, "empty input is not a "
		    "Loki response");
	ws(&w);
	if ((w.i < w.n && w.p[w.i] == '{' ? members(&w, 0, on_top, 0) :
	    value(&w, 0)) != 0) {
		if (w.nomem)
			st = LT_ERR_NOMEM;
		else if (w.cut)
			st = bad(msg, size, LT_ERR_SYNTAX, "Loki response "
			    "ends before its JSON document does (cut short?)");
		else
			st = bad(msg, size, LT_ERR_SYNTAX, "Loki response is "
			    "not valid JSON (at byte %zu)", w.i + 1);
		goto out;
	}
	ws(&w);
	if (w.i < w.n) {
		st = bad(msg, size, LT_ERR_SYNTAX, "Loki response has more "
		    "after its JSON document (at byte %zu)", w.i + 1);
		goto out;
	}
	if (envelope(&w, msg, size) != 0) {
		st = LT_ERR_SYNTAX;
		goto out;
	}
	if (w.n_e > 1)
		qsort(w.e, w.n_e, sizeof *w.e, cmp);
	if (want_keys) {
		if ((koff = calloc(w.n_streams + 1, sizeof *koff)) == NULL) {
			st = LT_ERR_NOMEM;
			goto out;
		}
		st = canonical(w.p, w.streams, w.n_streams, &keys, koff);
		if (st == LT_ERR_LIMIT)
			st = bad(msg, size, st, "Loki response has a stream "
			    "with more than %u labels", LT_LABELS_MAX * 4);
		if (st != LT_OK)
			goto out;
	}
	for (i = 0; i < w.n_e; i++) {
		struct span es = { w.e[i].off, w.e[i].len };

		v = parse_span(w.p, &es);	/* NULL: a lone surrogate */
		make_entry(&le, &w.e[i], v, want_keys ? (keys.p ? keys.p : "") :
		    NULL, koff);
		if (w.e[i].stream != last) {
			cJSON_Delete(labels);
			labels = parse_span(w.p, &w.streams[w.e[i].stream]);
			last = w.e[i].stream;
		}
		st = pass_entry(&le, v, labels, i + 1, fn, ctx);
		cJSON_Delete(v);
		v = NULL;
		if (st != LT_OK)
			goto out;
	}
out:
	cJSON_Delete(v);
	cJSON_Delete(labels);
	lt_buf_free(&keys);
	free(koff);
	free(w.e);
	free(w.streams);
	return st;
}

/* The saved response's records go on to the matcher as they are. */
static enum lt_status
to_decoder(void *ctx, const struct lt_loki_entry *e, struct lt_record *r)
{
	(void)e;
	return lt_decoder_pass_record(ctx, r);
}

enum lt_status
lt_loki_end(struct lt_decoder *d)
{
	char msg[LT_MESSAGE_MAX];
	enum lt_status st;

	st = lt_loki_doc_parse(d->doc.p, d->doc.len, 0, to_decoder, d, msg,
	    sizeof msg);
	if (st != LT_OK && msg[0] != '\0')
		return lt_decoder_fail(d, st, "%s", msg);
	return st;
}

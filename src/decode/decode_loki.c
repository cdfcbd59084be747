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
 * A source that pages through many responses (source_loki.c) sets an
 * entry hook: it sees each entry, in the same order, with its timestamp,
 * its line and its stream's labels in a canonical form (sorted, so that
 * Loki's varying label order does not matter), and may drop the entry or
 * renumber it before it is classified.
 *
 * Memory: the document, cJSON's tree of it, and 24 bytes per entry (and
 * with a hook, the streams' labels once more).
 */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

struct entry {
	unsigned long long ns;
	uint32_t stream;
	uint32_t pos;
	const cJSON *v;		/* ["ns", "line", {metadata}] */
};

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

/* The timestamp of entry v; -1 when it is not a decimal string. */
static int
entry_ns(const cJSON *v, unsigned long long *ns)
{
	const cJSON *t = cJSON_IsArray(v) ? v->child : NULL;

	if (!cJSON_IsString(t) ||
	    lt_time_decimal(t->valuestring, strlen(t->valuestring), ns) != 0)
		return -1;
	return 0;
}

static enum lt_status
pass_entry(struct lt_decoder *d, const struct entry *e,
    const cJSON *stream_labels, unsigned long long no)
{
	const cJSON *line = NULL, *meta = NULL;
	struct lt_recb b;
	struct lt_line l;
	unsigned long long ns;
	int ok;

	if (cJSON_IsArray(e->v) && e->v->child != NULL) {
		line = e->v->child->next;
		meta = line != NULL ? line->next : NULL;
	}
	ok = cJSON_IsString(line) && entry_ns(e->v, &ns) == 0;
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
	return lt_decoder_pass(d, &b);
}

/*
 * 1 when p[0..n) ends inside a string or an unclosed object or array: a
 * document cut short, rather than one that is wrong.
 */
static int
cut_short(const char *p, size_t n)
{
	char open[CJSON_NESTING_LIMIT];
	size_t i, depth = 0;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		if (in_str) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in_str = 0;
		} else if (p[i] == '"') {
			in_str = 1;
		} else if (p[i] == '{' || p[i] == '[') {
			if (depth == sizeof open)
				return 0;	/* too deep: wrong, not cut */
			open[depth++] = p[i] == '{' ? '}' : ']';
		} else if (p[i] == '}' || p[i] == ']') {
			if (depth == 0 || open[depth - 1] != p[i])
				return 0;	/* mismatched: wrong, not cut */
			depth--;
		}
	}
	return in_str || depth > 0;
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
canonical(const cJSON *const *streams, size_t n, struct lt_buf *keys,
    size_t *off)
{
	struct label lab[LT_LABELS_MAX * 4];
	const cJSON *o;
	enum lt_status st = LT_OK;
	size_t k, m, j;

	for (k = 0; k < n && st == LT_OK; k++) {
		off[k] = keys->len;
		m = 0;
		o = cJSON_IsObject(streams[k]) ? streams[k]->child : NULL;
		for (; o != NULL; o = o->next) {
			if (!cJSON_IsString(o) || o->string == NULL)
				continue;
			if (m == LT_ARRAY_LEN(lab))
				return LT_ERR_LIMIT;
			lab[m].k = o->string;
			lab[m++].v = o->valuestring;
		}
		qsort(lab, m, sizeof lab[0], cmp_label);
		for (j = 0; j < m && st == LT_OK; j++)
			if ((st = lt_buf_add(keys, lab[j].k,
			    strlen(lab[j].k) + 1)) == LT_OK)
				st = lt_buf_add(keys, lab[j].v,
				    strlen(lab[j].v) + 1);
	}
	off[n] = keys->len;
	return st;
}

/* Ask the hook about entry e; *keep and *no are its answer. */
static enum lt_status
ask_hook(struct lt_decoder *d, const struct entry *e, const char *keys,
    const size_t *off, int *keep, unsigned long long *no)
{
	const cJSON *line = NULL;
	struct lt_loki_entry le;

	if (cJSON_IsArray(e->v) && e->v->child != NULL)
		line = e->v->child->next;
	le.ns = e->ns;
	le.stream = keys + off[e->stream];
	le.stream_len = off[e->stream + 1] - off[e->stream];
	le.line = cJSON_IsString(line) ? line->valuestring : "";
	le.len = strlen(le.line);
	*keep = 1;
	return d->loki_fn(d->loki_ctx, &le, keep, no);
}

/* Check the envelope; the result array, or NULL after lt_decoder_fail. */
static const cJSON *
result_of(struct lt_decoder *d, const cJSON *doc)
{
	const cJSON *status, *data, *type, *msg, *result;

	status = lt_json_get(doc, "status");
	data = lt_json_get(doc, "data");
	if (!cJSON_IsString(status)) {
		lt_decoder_fail(d, LT_ERR_SYNTAX, "not a Loki response: no "
		    "\"status\" string");
		return NULL;
	}
	if (strcmp(status->valuestring, "success") != 0) {
		msg = lt_json_get(doc, "error");
		lt_decoder_fail(d, LT_ERR_SYNTAX, "Loki response has status "
		    "\"%.32s\": %.300s", status->valuestring,
		    cJSON_IsString(msg) ? msg->valuestring : "(no error text)");
		return NULL;
	}
	type = lt_json_get(data, "resultType");
	if (!cJSON_IsString(type)) {
		lt_decoder_fail(d, LT_ERR_SYNTAX, "not a Loki response: no "
		    "\"data.resultType\" string");
		return NULL;
	}
	if (strcmp(type->valuestring, "streams") != 0) {
		lt_decoder_fail(d, LT_ERR_SYNTAX, "Loki response has "
		    "resultType \"%.32s\"; only \"streams\" carries log lines "
		    "(a metric query was sent?)", type->valuestring);
		return NULL;
	}
	result = lt_json_get(data, "result");
	if (!cJSON_IsArray(result)) {
		lt_decoder_fail(d, LT_ERR_SYNTAX, "not a Loki response: no "
		    "\"data.result\" array");
		return NULL;
	}
	return result;
}

enum lt_status
lt_loki_end(struct lt_decoder *d)
{
	const char *p = d->doc.p ? d->doc.p : "", *end = NULL;
	size_t len = d->doc.len, off, n = 0, i, k;
	const cJSON *result, *s, *v, **streams = NULL;
	struct entry *e = NULL;
	enum lt_status st = LT_OK;
	struct lt_buf keys;
	size_t *koff = NULL;
	unsigned long long no;
	cJSON *doc;
	int ok, keep;

	lt_buf_init(&keys, LT_LOKI_DOC_MAX);
	doc = cJSON_ParseWithLengthOpts(p, len, &end, 0);
	if (doc == NULL) {
		off = end != NULL && end >= p ? (size_t)(end - p) : 0;
		if (len == 0)
			return lt_decoder_fail(d, LT_ERR_SYNTAX, "empty input "
			    "is not a Loki response");
		if (cut_short(p, len))
			return lt_decoder_fail(d, LT_ERR_SYNTAX, "Loki response "
			    "ends before its JSON document does (cut short?)");
		return lt_decoder_fail(d, LT_ERR_SYNTAX, "Loki response is "
		    "not valid JSON (at byte %zu)", off + 1);
	}
	for (off = end != NULL ? (size_t)(end - p) : len; off < len; off++)
		if (p[off] != ' ' && p[off] != '\t' && p[off] != '\r' &&
		    p[off] != '\n') {
			st = lt_decoder_fail(d, LT_ERR_SYNTAX, "Loki response "
			    "has more after its JSON document (at byte %zu)",
			    off + 1);
			goto out;
		}
	if ((result = result_of(d, doc)) == NULL) {
		st = d->err.status;
		goto out;
	}
	k = (size_t)cJSON_GetArraySize(result);
	for (s = result->child; s != NULL; s = s->next)
		n += (size_t)cJSON_GetArraySize(lt_json_get(s, "values"));
	if (k > UINT32_MAX || n > UINT32_MAX) {
		st = lt_decoder_fail(d, LT_ERR_LIMIT, "Loki response has "
		    "more than %lu entries", (unsigned long)UINT32_MAX);
		goto out;
	}
	if ((streams = calloc(k ? k : 1, sizeof *streams)) == NULL ||
	    (e = calloc(n ? n : 1, sizeof *e)) == NULL) {
		st = LT_ERR_NOMEM;
		goto out;
	}
	for (n = 0, k = 0, s = result->child; s != NULL; s = s->next, k++) {
		streams[k] = lt_json_get(s, "stream");
		v = lt_json_get(s, "values");
		for (i = 0, v = cJSON_IsArray(v) ? v->child : NULL; v != NULL;
		    v = v->next, i++, n++) {
			ok = entry_ns(v, &e[n].ns) == 0;
			if (!ok)
				e[n].ns = 0;
			e[n].stream = (uint32_t)k;
			e[n].pos = (uint32_t)i;
			e[n].v = v;
		}
	}
	qsort(e, n, sizeof *e, cmp);
	if (d->loki_fn != NULL) {
		if ((koff = calloc(k + 1, sizeof *koff)) == NULL) {
			st = LT_ERR_NOMEM;
			goto out;
		}
		if ((st = canonical(streams, k, &keys, koff)) != LT_OK) {
			if (st == LT_ERR_LIMIT)
				st = lt_decoder_fail(d, st, "Loki response has "
				    "a stream with more than %u labels",
				    LT_LABELS_MAX * 4);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		no = i + 1;
		if (d->loki_fn != NULL) {
			st = ask_hook(d, &e[i], keys.p ? keys.p : "", koff,
			    &keep, &no);
			if (st != LT_OK)
				break;
			if (!keep)
				continue;
		}
		if ((st = pass_entry(d, &e[i], streams[e[i].stream],
		    no)) != LT_OK)
			break;
	}
out:
	lt_buf_free(&keys);
	free(koff);
	free(e);
	free(streams);
	cJSON_Delete(doc);
	return st;
}

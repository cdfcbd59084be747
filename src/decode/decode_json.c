/*
 * decode_json.c - formats of one JSON object a line: journalctl -o json,
 * logcli --output=jsonl, and docker's json-file logs.
 *
 * Each line is checked and read in place by json_line.c (no tree, no
 * allocation); the message, time and labels are taken from the fields
 * the format defines and nothing else is looked at.  A
 * line that is not a JSON object, or lacks the message field, is not
 * dropped: it goes to the text decoder (syslog prefixes and all) and is
 * counted as a decode error, so a dump with a shell prompt or a
 * "-- Boot --" line in it is still classified whole.  A line the splitter
 * cut at max_line is not valid JSON any more and takes the same way.
 *
 * journal: a field that is not printable UTF-8 (a MESSAGE with a colour
 * escape, a newline or invalid bytes) is written by journalctl as an
 * array of byte values, and is decoded back to those bytes; a field with
 * several values is an array of values, of which the first is used (the
 * journal keeps a field's values in the order they were logged, and the
 * first is the one a reader sees first); a field journalctl left out as
 * too large is null, which is an empty message.  __REALTIME_TIMESTAMP is
 * microseconds since the epoch.
 *
 * docker: a line longer than 16 KiB is written as several records whose
 * "log" does not end in a newline; they are joined (per stream, as
 * stdout and stderr records interleave) up to max_line, and the joined
 * line carries the time and line number of its first record.  Parts
 * still open at the end of the input are passed as they are.
 *
 * Strings are bytes: a JSON "\u0000" inside a message is a NUL byte of
 * the message, like any other.  A string without escapes is not copied:
 * the record's text is its span of the line.
 */
#include <stdio.h>
#include <string.h>

#include "decode_int.h"

/*
 * The line as a JSON object (noted in d->jl) that has member key (a
 * string, when string is set): that member's value.  Otherwise NULL, and
 * the line went to the text decoder with the result in *st: a blank line
 * as it is, anything else as a decode error.
 */
static const struct lt_jl_val *
object_line(struct lt_decoder *d, const struct lt_line *l, const char *key,
    int string, enum lt_status *st)
{
	const struct lt_jl_val *v = NULL;
	size_t i;

	for (i = 0; i < l->len && (l->p[i] == ' ' || l->p[i] == '\t'); i++)
		;
	if (i == l->len) {
		*st = lt_decode_text(d, l, 0);
		return NULL;
	}
	if (!(l->flags & LT_LINE_TRUNCATED) &&
	    lt_jl_parse(l->p, l->len, d->jl) == 0)
		v = lt_jl_get(d->jl, key);
	if (v == NULL || (string && v->type != LT_JL_STRING)) {
		*st = lt_decode_text(d, l, LT_RECORD_UNDECODED);
		return NULL;
	}
	return v;
}

const cJSON *
lt_json_get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) :
	    NULL;
}

void
lt_json_labels(struct lt_recb *b, const cJSON *o)
{
	const cJSON *c;

	if (!cJSON_IsObject(o))
		return;
	for (c = o->child; c != NULL; c = c->next)
		if (c->string != NULL && cJSON_IsString(c))
			lt_recb_label(b, c->string, strlen(c->string),
			    c->valuestring, strlen(c->valuestring));
}

/*
 * The bytes of value v into *p, *n: a string (decoded into dst if it has
 * escapes), a byte array decoded into dst (journald's form for bytes that
 * are not printable UTF-8), null as empty; at most cap bytes into dst,
 * more is cut.  0, or -1 when v is none of these (v NULL included).
 */
static int
journal_bytes(const struct lt_jl_val *v, char *dst, size_t cap,
    const char **p, size_t *n)
{
	if (v == NULL)
		return -1;
	switch (v->type) {
	case LT_JL_STRING:
		*n = lt_jl_string(v, dst, cap, p);
		return 0;
	case LT_JL_NULL:
		*p = "";
		*n = 0;
		return 0;
	case LT_JL_ARRAY:
		*p = dst;
		return lt_jl_bytes(v, dst, cap, n);
	default:
		return -1;
	}
}

/*
 * A label's value: journal_bytes() with the label memory as dst, at most
 * LT_LABEL_VALUE_MAX bytes, keeping the bytes it wrote there.
 */
static int
label_bytes(struct lt_decoder *d, const struct lt_jl_val *v, const char **p,
    size_t *n)
{
	size_t room = sizeof d->label_mem - d->label_used;
	char *dst = d->label_mem + d->label_used;

	if (journal_bytes(v, dst, room < LT_LABEL_VALUE_MAX ? room :
	    LT_LABEL_VALUE_MAX, p, n) != 0)
		return -1;
	if (*p == dst)
		d->label_used += *n;
	return 0;
}

/*
 * The string members of object v (anything else: none) as labels.  A key
 * is decoded on the stack first, into room for a few bytes more than a
 * key may have, so that one too long shows as too long (and is left out)
 * rather than cut to fit; the label memory holds every label a record can
 * keep (LT_LABEL_MEM), and only what is kept is copied there.
 */
static void
object_labels(struct lt_decoder *d, struct lt_recb *b,
    const struct lt_jl_val *v)
{
	char kbuf[LT_LABEL_KEY_MAX + 8];
	const char *k, *s;
	size_t i, kn, sn;

	if (v == NULL || v->type != LT_JL_OBJECT ||
	    lt_jl_parse(v->p, v->n, d->jl_inner) != 0)
		return;
	for (i = 0; i < d->jl_inner->n; i++) {
		if (d->jl_inner->m[i].v.type != LT_JL_STRING)
			continue;
		kn = lt_jl_string(&d->jl_inner->m[i].key, kbuf, sizeof kbuf,
		    &k);
		if (!lt_recb_wants(b, k, kn) || (k == kbuf &&
		    (k = lt_decoder_label_copy(d, kbuf, kn)) == NULL) ||
		    label_bytes(d, &d->jl_inner->m[i].v, &s, &sn) != 0)
			continue;
		lt_recb_label(b, k, kn, s, sn);
	}
}

/* A short string value into buf (cap bytes): its length, or 0. */
static size_t
short_string(const struct lt_jl_val *v, char *buf, size_t cap,
    const char **out)
{
	if (v == NULL || v->type != LT_JL_STRING || v->n >= cap)
		return 0;
	return lt_jl_string(v, buf, cap, out);
}

/* An RFC 3339 string member as the record's time. */
static void
rfc3339_time(struct lt_recb *b, const struct lt_jl_val *v)
{
	char buf[64];
	const char *s;
	size_t n = short_string(v, buf, sizeof buf, &s);

	if (n > 0 && lt_time_parse(s, n, b->time) == n)
		b->r.time = b->time;
}

/* ---- journal ---- */

/* The value of a field that may have several: the first. */
static const struct lt_jl_val *
first_value(const struct lt_jl_val *v, struct lt_jl_val *tmp)
{
	if (lt_jl_first(v, tmp) == 0 && tmp->type != LT_JL_NUMBER)
		return tmp;
	return v;
}

enum lt_status
lt_decode_journal(struct lt_decoder *d, const struct lt_line *l)
{
	static const char *const map[][2] = {
		{ "_HOSTNAME", "host" },
		{ "_SYSTEMD_UNIT", "unit" },
		{ "SYSLOG_IDENTIFIER", "identifier" },
		{ "_PID", "pid" },
		{ "PRIORITY", "priority" },
	};
	struct lt_recb b;
	struct lt_jl_val tmp;
	unsigned long long us;
	const struct lt_jl_val *v;
	const char *p;
	char num[32];
	enum lt_status st;
	size_t i, n;

	if ((v = object_line(d, l, "MESSAGE", 0, &st)) == NULL)
		return st;
	lt_recb_init(&b, l);
	/* decoded, a value is never longer than its JSON: max_line is room */
	if (journal_bytes(first_value(v, &tmp), d->scratch, d->max_line,
	    &b.r.text, &b.r.len) != 0)
		return lt_decode_text(d, l, LT_RECORD_UNDECODED);
	n = short_string(lt_jl_get(d->jl, "__REALTIME_TIMESTAMP"), num,
	    sizeof num, &p);
	if (n > 0 && lt_time_decimal(p, n, &us) == 0 &&
	    lt_time_format(b.time, (long long)(us / 1000000),
	    (unsigned long)(us % 1000000), 6) == 0)
		b.r.time = b.time;
	for (i = 0; i < LT_ARRAY_LEN(map); i++) {
		if ((v = lt_jl_get(d->jl, map[i][0])) == NULL)
			continue;
		if (label_bytes(d, first_value(v, &tmp), &p, &n) != 0)
			continue;
		lt_recb_label(&b, map[i][1], strlen(map[i][1]), p, n);
	}
	return lt_decoder_pass(d, &b);
}

/* ---- logcli jsonl ---- */

enum lt_status
lt_decode_jsonl(struct lt_decoder *d, const struct lt_line *l)
{
	struct lt_recb b;
	const struct lt_jl_val *line;
	enum lt_status st;

	if ((line = object_line(d, l, "line", 1, &st)) == NULL)
		return st;
	lt_recb_init(&b, l);
	b.r.len = lt_jl_string(line, d->scratch, d->max_line, &b.r.text);
	rfc3339_time(&b, lt_jl_get(d->jl, "timestamp"));
	object_labels(d, &b, lt_jl_get(d->jl, "labels"));
	return lt_decoder_pass(d, &b);
}

/* ---- docker json-file ---- */

/* Append to a part, up to max_line; past it the line counts as cut. */
static enum lt_status
part_add(struct lt_docker_part *pt, const char *s, size_t n)
{
	size_t room = pt->text.max - pt->text.len;

	if (n > room) {
		n = room;
		pt->flags |= LT_LINE_TRUNCATED;
	}
	return lt_buf_add(&pt->text, s, n);
}

static void
part_clear(struct lt_docker_part *pt)
{
	lt_buf_reset(&pt->text);
	pt->active = 0;
}

/* Pass a joined part; labels: its stream, and attrs when given. */
static enum lt_status
part_pass(struct lt_decoder *d, struct lt_docker_part *pt,
    const struct lt_jl_val *attrs)
{
	struct lt_recb b;
	struct lt_line l;
	enum lt_status st;

	l.p = pt->text.p ? pt->text.p : "";
	l.len = pt->text.len;
	l.no = pt->no;
	l.flags = pt->flags;
	lt_recb_init(&b, &l);
	if (pt->time[0] != '\0') {
		memcpy(b.time, pt->time, LT_TIME_MAX);
		b.r.time = b.time;
	}
	if (pt->stream[0] != '\0')
		lt_recb_label(&b, "stream", 6, pt->stream, strlen(pt->stream));
	object_labels(d, &b, attrs);
	st = lt_decoder_pass(d, &b);
	part_clear(pt);
	return st;
}

enum lt_status
lt_decode_docker(struct lt_decoder *d, const struct lt_line *l)
{
	struct lt_docker_part *pt;
	struct lt_recb b;
	const struct lt_jl_val *log, *sv;
	const char *s, *stream = NULL;
	enum lt_status st = LT_OK;
	size_t n, i, sn = 0, n_copy;
	int whole;

	if ((log = object_line(d, l, "log", 1, &st)) == NULL)
		return st;
	if ((sv = lt_jl_get(d->jl, "stream")) == NULL ||
	    sv->type != LT_JL_STRING || label_bytes(d, sv, &stream, &sn) != 0)
		stream = NULL;
	i = stream == NULL ? 2 : sn == 6 && memcmp(stream, "stdout", 6) == 0 ?
	    0 : sn == 6 && memcmp(stream, "stderr", 6) == 0 ? 1 : 2;
	pt = &d->part[i];
	n = lt_jl_string(log, d->scratch, d->max_line, &s);
	whole = n > 0 && s[n - 1] == '\n';
	if (whole && --n > 0 && s[n - 1] == '\r')
		n--;
	lt_recb_init(&b, l);
	rfc3339_time(&b, lt_jl_get(d->jl, "time"));
	if (!pt->active && !whole) {
		/* the first part of a line docker split */
		pt->active = 1;
		pt->no = l->no;
		pt->flags = 0;
		memcpy(pt->time, b.r.time ? b.time : "", b.r.time ?
		    LT_TIME_MAX : 1);
		n_copy = stream == NULL ? 0 : sn < sizeof pt->stream ? sn :
		    sizeof pt->stream - 1;
		memcpy(pt->stream, stream ? stream : "", n_copy);
		pt->stream[n_copy] = '\0';
	}
	if (pt->active) {
		if ((st = part_add(pt, s, n)) == LT_OK && whole)
			st = part_pass(d, pt, lt_jl_get(d->jl, "attrs"));
		return st;
	}
	b.r.text = s;
	b.r.len = n;
	if (stream != NULL)
		lt_recb_label(&b, "stream", 6, stream, sn);
	object_labels(d, &b, lt_jl_get(d->jl, "attrs"));
	return lt_decoder_pass(d, &b);
}

enum lt_status
lt_docker_flush(struct lt_decoder *d)
{
	struct lt_docker_part *pt, *first;
	enum lt_status st;
	size_t i;

	for (;;) {
		/* in the order the lines began */
		first = NULL;
		for (i = 0; i < LT_DOCKER_STREAMS; i++) {
			pt = &d->part[i];
			if (pt->active && (first == NULL || pt->no < first->no))
				first = pt;
		}
		if (first == NULL)
			return LT_OK;
		if ((st = part_pass(d, first, NULL)) != LT_OK)
			return st;
	}
}

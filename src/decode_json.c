/*
 * decode_json.c - formats of one JSON object a line: journalctl -o json,
 * logcli --output=jsonl, and docker's json-file logs.
 *
 * Each line is parsed with cJSON; the message, time and labels are taken
 * from the fields the format defines and nothing else is looked at.  A
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
 * cJSON's strings end at a NUL, so a JSON "\u0000" inside a message cuts
 * the message there.  journalctl never writes one (such a MESSAGE is a
 * byte array), and docker only for programs that print NUL bytes.
 */
#include <stdio.h>
#include <string.h>

#include "decode_int.h"

/*
 * The line as a JSON object that has member key (a string, when string
 * is set), with that member in *v.  Otherwise NULL, and the line went to
 * the text decoder with the result in *st: a blank line as it is,
 * anything else as a decode error.
 */
static cJSON *
object_line(struct lt_decoder *d, const struct lt_line *l, const char *key,
    int string, const cJSON **v, enum lt_status *st)
{
	cJSON *o = NULL;
	size_t i;

	for (i = 0; i < l->len && (l->p[i] == ' ' || l->p[i] == '\t'); i++)
		;
	if (i == l->len) {
		*st = lt_decode_text(d, l, 0);
		return NULL;
	}
	if (!(l->flags & LT_LINE_TRUNCATED))
		o = cJSON_ParseWithLength(l->p, l->len);
	*v = lt_json_get(o, key);
	if (*v == NULL || (string && !cJSON_IsString(*v))) {
		cJSON_Delete(o);
		*st = lt_decode_text(d, l, LT_RECORD_UNDECODED);
		return NULL;
	}
	return o;
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

/* An RFC 3339 string member as the record's time. */
static void
rfc3339_time(struct lt_recb *b, const cJSON *v)
{
	size_t n;

	if (!cJSON_IsString(v))
		return;
	n = strlen(v->valuestring);
	if (n > 0 && lt_time_parse(v->valuestring, n, b->time) == n)
		b->r.time = b->time;
}

/* ---- journal ---- */

/* One element of a byte array; -1 when it is not an integer 0..255. */
static int
byte_at(const cJSON *e, unsigned char *c)
{
	double x;

	if (!cJSON_IsNumber(e))
		return -1;
	x = e->valuedouble;
	if (!(x >= 0 && x <= 255) || x != (double)(int)x)
		return -1;
	*c = (unsigned char)x;
	return 0;
}

/* The value of a field that may have several: the first. */
static const cJSON *
first_value(const cJSON *v)
{
	if (cJSON_IsArray(v) && v->child != NULL && !cJSON_IsNumber(v->child))
		return v->child;
	return v;
}

/*
 * The bytes of journal field value v into *p, *n: a string as it is, a
 * byte array decoded into dst (at most cap bytes; more is cut), null as
 * empty.  0, or -1 when v is none of these.
 */
static int
journal_bytes(const cJSON *v, char *dst, size_t cap, const char **p,
    size_t *n)
{
	const cJSON *e;
	unsigned char c;
	size_t k = 0;

	if (cJSON_IsString(v)) {
		*p = v->valuestring;
		*n = strlen(v->valuestring);
		return 0;
	}
	if (cJSON_IsNull(v)) {
		*p = "";
		*n = 0;
		return 0;
	}
	if (!cJSON_IsArray(v))
		return -1;
	for (e = v->child; e != NULL; e = e->next) {
		if (byte_at(e, &c) != 0)
			return -1;
		if (k < cap)
			dst[k++] = (char)c;
	}
	*p = dst;
	*n = k;
	return 0;
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
	unsigned long long us;
	const cJSON *v;
	const char *p;
	enum lt_status st;
	size_t i, n, room;
	cJSON *o;

	if ((o = object_line(d, l, "MESSAGE", 0, &v, &st)) == NULL)
		return st;
	lt_recb_init(&b, l);
	/* a byte array has fewer bytes than its JSON text: max_line is room */
	if (journal_bytes(first_value(v), d->scratch, d->max_line, &b.r.text,
	    &b.r.len) != 0) {
		cJSON_Delete(o);
		return lt_decode_text(d, l, LT_RECORD_UNDECODED);
	}
	v = lt_json_get(o, "__REALTIME_TIMESTAMP");
	if (cJSON_IsString(v) && lt_time_decimal(v->valuestring,
	    strlen(v->valuestring), &us) == 0 && lt_time_format(b.time,
	    (long long)(us / 1000000), (unsigned long)(us % 1000000), 6) == 0)
		b.r.time = b.time;
	for (i = 0; i < LT_ARRAY_LEN(map); i++) {
		if ((v = lt_json_get(o, map[i][0])) == NULL)
			continue;
		room = sizeof d->label_mem - d->label_used;
		if (journal_bytes(first_value(v), d->label_mem + d->label_used,
		    room < LT_LABEL_VALUE_MAX ? room : LT_LABEL_VALUE_MAX,
		    &p, &n) != 0)
			continue;
		if (p == d->label_mem + d->label_used)
			d->label_used += n;
		lt_recb_label(&b, map[i][1], strlen(map[i][1]), p, n);
	}
	st = lt_decoder_pass(d, &b);
	cJSON_Delete(o);
	return st;
}

/* ---- logcli jsonl ---- */

enum lt_status
lt_decode_jsonl(struct lt_decoder *d, const struct lt_line *l)
{
	struct lt_recb b;
	const cJSON *line;
	enum lt_status st;
	cJSON *o;

	if ((o = object_line(d, l, "line", 1, &line, &st)) == NULL)
		return st;
	lt_recb_init(&b, l);
	b.r.text = line->valuestring;
	b.r.len = strlen(line->valuestring);
	rfc3339_time(&b, lt_json_get(o, "timestamp"));
	lt_json_labels(&b, lt_json_get(o, "labels"));
	st = lt_decoder_pass(d, &b);
	cJSON_Delete(o);
	return st;
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
    const cJSON *attrs)
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
	lt_json_labels(&b, attrs);
	st = lt_decoder_pass(d, &b);
	part_clear(pt);
	return st;
}

enum lt_status
lt_decode_docker(struct lt_decoder *d, const struct lt_line *l)
{
	struct lt_docker_part *pt;
	struct lt_recb b;
	const cJSON *log, *stream;
	const char *s;
	enum lt_status st = LT_OK;
	size_t n, i;
	cJSON *o;
	int whole;

	if ((o = object_line(d, l, "log", 1, &log, &st)) == NULL)
		return st;
	stream = lt_json_get(o, "stream");
	if (!cJSON_IsString(stream))
		stream = NULL;
	i = stream == NULL ? 2 : strcmp(stream->valuestring, "stdout") == 0 ?
	    0 : strcmp(stream->valuestring, "stderr") == 0 ? 1 : 2;
	pt = &d->part[i];
	s = log->valuestring;
	n = strlen(s);
	whole = n > 0 && s[n - 1] == '\n';
	if (whole && --n > 0 && s[n - 1] == '\r')
		n--;
	lt_recb_init(&b, l);
	rfc3339_time(&b, lt_json_get(o, "time"));
	if (!pt->active && !whole) {
		/* the first part of a line docker split */
		pt->active = 1;
		pt->no = l->no;
		pt->flags = 0;
		memcpy(pt->time, b.r.time ? b.time : "", b.r.time ?
		    LT_TIME_MAX : 1);
		snprintf(pt->stream, sizeof pt->stream, "%s",
		    stream ? stream->valuestring : "");
	}
	if (pt->active) {
		if ((st = part_add(pt, s, n)) == LT_OK && whole)
			st = part_pass(d, pt, lt_json_get(o, "attrs"));
		goto out;
	}
	b.r.text = s;
	b.r.len = n;
	if (stream != NULL)
		lt_recb_label(&b, "stream", 6, stream->valuestring,
		    strlen(stream->valuestring));
	lt_json_labels(&b, lt_json_get(o, "attrs"));
	st = lt_decoder_pass(d, &b);
out:
	cJSON_Delete(o);
	return st;
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

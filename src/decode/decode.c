/*
 * decode.c - the front of the decoders: one source's bytes in, records out.
 *
 * People pipe whatever they have into logtriage: a runner's job log, a
 * journal dump, a Loki response saved by curl, a container's json-file.
 * Asking them to say which would make every wrapper script longer, so by
 * default each source's format is decided from its first bytes.  The
 * decision needs at most the first non-blank line (a pretty-printed Loki
 * document: up to LT_DETECT_MAX bytes), so the bytes seen so far are held
 * in a small buffer, and once the format is known they are replayed
 * through the same path as the rest.  A line typed into a pipe is
 * classified as soon as its newline arrives.  A UTF-8 byte order mark
 * (the Actions runner writes one at the start of every log page) is
 * dropped first, in every format.
 *
 * Detection is deliberately conservative: it only picks a structured
 * format when the first line is one, and anything unknown is text.  The
 * text and gha decoders accept every line, and the JSON line decoders
 * fall back to the text decoder for a line that is not theirs, counting
 * it as a decode error; so a wrong guess costs time and labels, never
 * lines.
 *
 * Line formats go through the splitter (lines.c), which calls on_line()
 * here, which hands the line to its format's decoder.  A Loki response
 * is one JSON document, not lines, so its bytes are gathered whole
 * (capped) and decoded at the end of the source.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

static const char *const input_names[] = {
	[LT_INPUT_AUTO] = "auto",
	[LT_INPUT_TEXT] = "text",
	[LT_INPUT_JOURNAL] = "journal",
	[LT_INPUT_GHA] = "gha",
	[LT_INPUT_LOKI] = "loki",
	[LT_INPUT_JSONL] = "jsonl",
	[LT_INPUT_DOCKER] = "docker",
	[LT_INPUT_GH] = "gh",
};

const char *
lt_input_name(enum lt_input in)
{
	if ((size_t)in >= LT_ARRAY_LEN(input_names))
		return "?";
	return input_names[in];
}

int
lt_input_parse(const char *s, size_t n, enum lt_input *out)
{
	size_t i;

	for (i = 0; i < LT_ARRAY_LEN(input_names); i++)
		if (strlen(input_names[i]) == n &&
		    memcmp(input_names[i], s, n) == 0) {
			*out = (enum lt_input)i;
			return 0;
		}
	return -1;
}

/* ---- detection ---- */

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
has(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (p[i] == s[0] && memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

/* The keys of a one-line JSON object decide among the JSON formats. */
static enum lt_input
by_keys(const cJSON *o)
{
	const cJSON *data;

	if (lt_json_get(o, "__REALTIME_TIMESTAMP") || lt_json_get(o, "MESSAGE"))
		return LT_INPUT_JOURNAL;
	if (lt_json_get(o, "log") && lt_json_get(o, "time"))
		return LT_INPUT_DOCKER;
	if (lt_json_get(o, "line") &&
	    (lt_json_get(o, "labels") || lt_json_get(o, "timestamp")))
		return LT_INPUT_JSONL;
	data = lt_json_get(o, "data");
	if (cJSON_IsString(lt_json_get(o, "status")) &&
	    lt_json_get(data, "resultType"))
		return LT_INPUT_LOKI;
	return LT_INPUT_TEXT;
}

/* The same on the text of a line too long to parse whole. */
static enum lt_input
by_key_text(const char *p, size_t n)
{
	if (has(p, n, "\"__REALTIME_TIMESTAMP\"") || has(p, n, "\"MESSAGE\""))
		return LT_INPUT_JOURNAL;
	if (has(p, n, "\"log\"") && has(p, n, "\"time\""))
		return LT_INPUT_DOCKER;
	if (has(p, n, "\"line\"") && (has(p, n, "\"labels\"") ||
	    has(p, n, "\"timestamp\"")))
		return LT_INPUT_JSONL;
	return LT_INPUT_TEXT;
}

int
lt_input_detect(const char *p, size_t n, int eof, enum lt_input *out)
{
	const char *end = p + n, *q = p, *nl, *r;
	int final = eof || n >= LT_DETECT_MAX;
	struct lt_gha_diag dg;
	char t[LT_TIME_MAX];
	size_t len, jn, so, sn, rest;
	cJSON *o;

	while (q < end && is_ws(*q))
		q++;
	if (q == end) {
		*out = LT_INPUT_TEXT;
		return final;
	}
	nl = memchr(q, '\n', (size_t)(end - q));
	if (nl == NULL && !final)
		return 0;
	len = (size_t)((nl ? nl : end) - q);
	if (*q == '{') {
		if ((o = cJSON_ParseWithLength(q, len)) != NULL) {
			*out = cJSON_IsObject(o) ? by_keys(o) : LT_INPUT_TEXT;
			cJSON_Delete(o);
			return 1;
		}
		/* not a whole object on one line: pretty-printed, or long */
		for (r = q + 1; r < end && is_ws(*r); r++)
			;
		if ((size_t)(end - r) < 8 && !final)
			return 0;
		if ((size_t)(end - r) >= 8 && memcmp(r, "\"status\"", 8) == 0) {
			if (has(r, (size_t)(end - r), "\"resultType\"")) {
				*out = LT_INPUT_LOKI;
				return 1;
			}
			if (!final)
				return 0;
		}
		*out = by_key_text(q, len);
		return 1;
	}
	/* gh run view --log: two columns, then the runner's stamp */
	if (lt_gh_columns(q, len, &jn, &so, &sn, &rest) &&
	    lt_gha_stamp(q + rest, len - rest, t) > 0) {
		*out = LT_INPUT_GH;
		return 1;
	}
	/* the Actions runner's stamp, or its _diag prefix */
	*out = lt_gha_stamp(q, len, t) > 0 || lt_gha_diag(q, len, t, &dg) > 0 ?
	    LT_INPUT_GHA : LT_INPUT_TEXT;
	return 1;
}

/* ---- records ---- */

void
lt_recb_init(struct lt_recb *b, const struct lt_line *l)
{
	b->r.text = l->p;
	b->r.len = l->len;
	b->r.no = l->no;
	b->r.flags = l->flags;
	b->r.time = NULL;
	b->r.n_labels = 0;
	b->r.labels = b->lab;
}

int
lt_recb_wants(const struct lt_recb *b, const char *k, size_t kn)
{
	size_t i;

	if (kn == 0 || kn > LT_LABEL_KEY_MAX || b->r.n_labels >= LT_LABELS_MAX)
		return 0;
	for (i = 0; i < b->r.n_labels; i++)
		if (b->lab[i].key_len == kn && memcmp(b->lab[i].key, k, kn) == 0)
			return 0;
	return 1;
}

void
lt_recb_label(struct lt_recb *b, const char *k, size_t kn, const char *v,
    size_t vn)
{
	struct lt_label *l;

	if (!lt_recb_wants(b, k, kn))
		return;
	l = &b->lab[b->r.n_labels++];
	l->key = k;
	l->key_len = kn;
	l->value = v;
	l->value_len = vn < LT_LABEL_VALUE_MAX ? vn : LT_LABEL_VALUE_MAX;
}

char *
lt_decoder_label_copy(struct lt_decoder *d, const char *p, size_t n)
{
	char *s;

	if (n > LT_LABEL_VALUE_MAX)
		n = LT_LABEL_VALUE_MAX;
	if (n > sizeof d->label_mem - d->label_used)
		return NULL;
	s = d->label_mem + d->label_used;
	if (n > 0)
		memcpy(s, p, n);
	d->label_used += n;
	return s;
}

enum lt_status
lt_decoder_pass_record(struct lt_decoder *d, struct lt_record *r)
{
	d->label_used = 0;
	if (r->len > d->max_line) {
		r->len = d->max_line;
		r->flags |= LT_LINE_TRUNCATED;
	}
	return d->fn(d->ctx, r);
}

enum lt_status
lt_decoder_pass(struct lt_decoder *d, struct lt_recb *b)
{
	return lt_decoder_pass_record(d, &b->r);
}

enum lt_status
lt_decoder_fail(struct lt_decoder *d, enum lt_status st, const char *fmt,
    ...)
{
	va_list ap;

	d->failed = 1;
	d->err.status = st;
	d->err.level = LT_LEVEL_ERROR;
	d->err.line = 0;
	d->err.column = 0;
	va_start(ap, fmt);
	vsnprintf(d->err.message, sizeof d->err.message, fmt, ap);
	va_end(ap);
	return st;
}

/* ---- the decoder ---- */

/* Runs of lines the caller has no use for (lt_decoder_runs). */
static size_t
run_ask(void *ctx, const char *p, size_t n)
{
	struct lt_decoder *d = ctx;

	if (d->in != LT_INPUT_GHA && d->in != LT_INPUT_TEXT)
		return 0;
	return d->ask(d->run_ctx, p, n);
}

static enum lt_status
run_pass(void *ctx, const struct lt_run *r)
{
	struct lt_decoder *d = ctx;

	if (d->in == LT_INPUT_GHA)
		lt_gha_keep_run(d, r->p, r->len);
	return d->passed(d->run_ctx, r->lines, r->truncated);
}

void
lt_decoder_runs(struct lt_decoder *d, lt_run_ask_fn *ask,
    lt_passed_fn *passed, void *ctx)
{
	d->ask = passed != NULL ? ask : NULL;
	d->passed = passed;
	d->run_ctx = ctx;
	if (d->ask != NULL)
		lt_lines_runs(d->lines, run_ask, run_pass, d);
	else
		lt_lines_runs(d->lines, NULL, NULL, NULL);
}

static enum lt_status
on_line(void *ctx, const struct lt_line *l)
{
	struct lt_decoder *d = ctx;

	switch (d->in) {
	case LT_INPUT_GHA:
		return lt_decode_gha(d, l);
	case LT_INPUT_JOURNAL:
		return lt_decode_journal(d, l);
	case LT_INPUT_JSONL:
		return lt_decode_jsonl(d, l);
	case LT_INPUT_DOCKER:
		return lt_decode_docker(d, l);
	case LT_INPUT_GH:
		return lt_decode_gh(d, l);
	default:
		return lt_decode_text(d, l, 0);
	}
}

struct lt_decoder *
lt_decoder_new(enum lt_input in, size_t max_line, lt_record_fn *fn,
    void *ctx)
{
	struct lt_decoder *d;
	size_t i;

	if (max_line == 0 || fn == NULL ||
	    (size_t)in >= LT_ARRAY_LEN(input_names))
		return NULL;
	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	d->want = in;
	d->max_line = max_line;
	d->fn = fn;
	d->ctx = ctx;
	lt_buf_init(&d->head, LT_DETECT_MAX);
	lt_buf_init(&d->doc, LT_LOKI_DOC_MAX);
	for (i = 0; i < LT_DOCKER_STREAMS; i++)
		lt_buf_init(&d->part[i].text, max_line);
	d->lines = lt_lines_new(max_line, on_line, d);
	d->scratch = malloc(max_line);
	d->jl = malloc(sizeof *d->jl);
	d->jl_inner = malloc(sizeof *d->jl_inner);
	if (d->lines == NULL || d->scratch == NULL || d->jl == NULL ||
	    d->jl_inner == NULL) {
		lt_decoder_free(d);
		return NULL;
	}
	lt_decoder_begin(d, "-");
	return d;
}

void
lt_decoder_free(struct lt_decoder *d)
{
	size_t i;

	if (d == NULL)
		return;
	lt_lines_free(d->lines);
	lt_buf_free(&d->head);
	free(d->scratch);
	free(d->jl);
	free(d->jl_inner);
	lt_buf_free(&d->doc);
	for (i = 0; i < LT_DOCKER_STREAMS; i++)
		lt_buf_free(&d->part[i].text);
	free(d);
}

void
lt_decoder_begin(struct lt_decoder *d, const char *name)
{
	size_t i;

	lt_lines_reset(d->lines);
	lt_buf_reset(&d->head);
	lt_buf_free(&d->doc);	/* may be large: give it back */
	lt_error_clear(&d->err);
	snprintf(d->err.origin, sizeof d->err.origin, "%s", name);
	d->in = LT_INPUT_AUTO;
	d->failed = 0;
	d->has_step = 0;
	d->step_len = 0;
	d->has_job = 0;
	d->job_len = 0;
	d->last_time[0] = '\0';
	for (i = 0; i < LT_DOCKER_STREAMS; i++) {
		lt_buf_reset(&d->part[i].text);
		d->part[i].active = 0;
	}
}

enum lt_input
lt_decoder_input(const struct lt_decoder *d)
{
	return d->in;
}

/* Bytes after the format is known. */
static enum lt_status
route(struct lt_decoder *d, const char *p, size_t n)
{
	enum lt_status st;

	if (d->in != LT_INPUT_LOKI)
		return lt_lines_feed(d->lines, p, n);
	st = lt_buf_add(&d->doc, p, n);
	if (st == LT_ERR_LIMIT)
		return lt_decoder_fail(d, LT_ERR_LIMIT, "Loki response is "
		    "larger than %u MiB, the cap for one document",
		    LT_LOKI_DOC_MAX >> 20);
	return st;
}

/*
 * The format of a source that begins with p[0..n): 1 with *in and *skip
 * (a byte order mark's length) set, or 0 when more bytes are needed.
 */
static int
detect(const struct lt_decoder *d, const char *p, size_t n, int eof,
    enum lt_input *in, size_t *skip)
{
	static const char bom[3] = { '\xef', '\xbb', '\xbf' };

	if (n > LT_DETECT_MAX)
		n = LT_DETECT_MAX;
	*skip = 0;
	*in = d->want;
	if (n < 3 && !eof && memcmp(p, bom, n) == 0)
		return 0;
	if (n >= 3 && memcmp(p, bom, 3) == 0)
		*skip = 3;
	return *in != LT_INPUT_AUTO || lt_input_detect(p + *skip, n - *skip,
	    eof || n >= LT_DETECT_MAX, in);
}

/* Decide from the head once enough is there; then replay the head. */
static enum lt_status
decide(struct lt_decoder *d, int eof)
{
	const char *p = d->head.p ? d->head.p : "";
	size_t n = d->head.len, skip;
	enum lt_input in;
	enum lt_status st;

	if (!detect(d, p, n, eof, &in, &skip))
		return LT_OK;
	d->in = in;
	st = route(d, p + skip, n - skip);
	lt_buf_reset(&d->head);
	return st;
}

enum lt_status
lt_decoder_feed(struct lt_decoder *d, const void *buf, size_t len)
{
	const char *p = buf;
	enum lt_status st;
	enum lt_input in;
	size_t take;

	if (d->failed)
		return d->err.status;
	/*
	 * The usual first buffer shows the format at once: its lines are
	 * then split where they are, not replayed from a copy.
	 */
	if (d->in == LT_INPUT_AUTO && d->head.len == 0 && len > 0 &&
	    detect(d, p, len, 0, &in, &take)) {
		d->in = in;
		p += take;
		len -= take;
	}
	if (d->in == LT_INPUT_AUTO) {
		take = LT_DETECT_MAX - d->head.len;
		if (take > len)
			take = len;
		if ((st = lt_buf_add(&d->head, p, take)) != LT_OK)
			return st;
		p += take;
		len -= take;
		if ((st = decide(d, 0)) != LT_OK)
			return st;
		if (d->in == LT_INPUT_AUTO)
			return LT_OK;
	}
	if (len == 0)
		return LT_OK;
	return route(d, p, len);
}

enum lt_status
lt_decoder_end(struct lt_decoder *d, struct lt_error *err)
{
	enum lt_status st = LT_OK;

	if (!d->failed && d->in == LT_INPUT_AUTO)
		st = decide(d, 1);
	if (st == LT_OK && !d->failed) {
		if (d->in == LT_INPUT_LOKI)
			st = lt_loki_end(d);
		else if ((st = lt_lines_finish(d->lines)) == LT_OK &&
		    d->in == LT_INPUT_DOCKER)
			st = lt_docker_flush(d);
	}
	if (d->failed) {
		if (err != NULL)
			*err = d->err;
		return d->err.status;
	}
	return st;
}

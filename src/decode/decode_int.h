/*
 * decode_int.h - what the decoders (decode*.c) share: the decoder's
 * state, the record under construction, the JSON line reader.  Private
 * to src/decode/; the times are in decode_time.h.
 */
#ifndef LT_DECODE_INT_H
#define LT_DECODE_INT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "decode/line_start.h"
#include "decode/decode_time.h"
#include "logtriage/buf.h"
#include "logtriage/decode.h"
#include "util/util.h"

#define LT_DIGIT(c) ((c) >= '0' && (c) <= '9')
/* label bytes a decoder builds per record: every label's key and value */
#define LT_LABEL_MEM (LT_LABELS_MAX * (LT_LABEL_KEY_MAX + LT_LABEL_VALUE_MAX))
#define LT_DOCKER_STREAMS 3	/* stdout, stderr, anything else */

/* A record being built: the public view plus the storage it points to. */
struct lt_recb {
	struct lt_record r;
	struct lt_label lab[LT_LABELS_MAX];
	char time[LT_TIME_MAX];
};

/* A docker line that docker split into partial records, being joined. */
struct lt_docker_part {
	struct lt_buf text;	/* capped at max_line */
	char time[LT_TIME_MAX];	/* of the first part; "" when unknown */
	char stream[16];	/* its stream's name; "" when none */
	unsigned long long no;	/* line of the first part */
	unsigned flags;
	int active;
};

struct lt_decoder {
	enum lt_input want;	/* as asked: LT_INPUT_AUTO or a format */
	enum lt_input in;	/* the current source's: AUTO until decided */
	size_t max_line;
	lt_record_fn *fn;
	void *ctx;
	struct lt_lines *lines;
	struct lt_buf head;	/* bytes held until the format is decided */
	struct lt_error err;	/* the current source's own error */
	int failed;		/* err is set: ignore the rest of the source */

	/* Label bytes that are not in the input as they are (byte arrays). */
	char label_mem[LT_LABEL_MEM];
	size_t label_used;
	char *scratch;		/* max_line bytes: a decoded byte array */

	/* gha: the current step, and the last time seen */
	char step[LT_LABEL_VALUE_MAX];
	size_t step_len;
	int has_step;
	char last_time[LT_TIME_MAX];

	/* gh (gh run view --log): the job of the last line */
	char job[LT_LABEL_VALUE_MAX];
	size_t job_len;
	int has_job;

	/* JSON lines: the line's members, and a nested object's */
	struct lt_jl *jl;
	struct lt_jl *jl_inner;

	/* docker: partial lines per stream */
	struct lt_docker_part part[LT_DOCKER_STREAMS];

	/* loki: the whole document, and the entry hook */
	struct lt_buf doc;

	/* lines nothing can match are passed over (lt_decoder_runs) */
	lt_run_ask_fn *ask;
	lt_passed_fn *passed;
	void *run_ctx;
};

/* Start b as the record of line l: text = the line, no time or labels. */
void lt_recb_init(struct lt_recb *b, const struct lt_line *l);

/* Would lt_recb_label() keep a label with key k[0..kn)? */
int lt_recb_wants(const struct lt_recb *b, const char *k, size_t kn);

/*
 * Add a label; left out when the key is empty, too long or present
 * already, or when LT_LABELS_MAX are there.  The value is cut to
 * LT_LABEL_VALUE_MAX.  k and v must outlive the record's callback.
 */
void lt_recb_label(struct lt_recb *b, const char *k, size_t kn,
    const char *v, size_t vn);

/* Copy n bytes into the decoder's label memory; NULL when full. */
char *lt_decoder_label_copy(struct lt_decoder *d, const char *p, size_t n);

/* Labels from the string members of cJSON object o (Loki documents). */
void lt_json_labels(struct lt_recb *b, const cJSON *o);

/* Hand a finished record on (cut to max_line). */
enum lt_status lt_decoder_pass(struct lt_decoder *d, struct lt_recb *b);
enum lt_status lt_decoder_pass_record(struct lt_decoder *d,
    struct lt_record *r);

/* Set the source's own error (origin: the source name). */
enum lt_status lt_decoder_fail(struct lt_decoder *d, enum lt_status st,
    const char *fmt, ...) LT_PRINTF(3, 4);

/* Per-format line decoders, called by the splitter through decode.c. */
enum lt_status lt_decode_text(struct lt_decoder *d, const struct lt_line *l,
    unsigned flags);
enum lt_status lt_decode_gha(struct lt_decoder *d, const struct lt_line *l);
/*
 * The Actions message p[0..n) (stamp, _diag prefix, markers) into b,
 * keeping the labels b has, and pass it on.  step NULL: the step is the
 * last ##[group] opened; else step[0..step_len) (gh's column).
 */
enum lt_status lt_gha_line(struct lt_decoder *d, struct lt_recb *b,
    const char *p, size_t n, const char *step, size_t step_len);
/* gh run view --log: "JOB<TAB>STEP<TAB>" and an Actions line. */
enum lt_status lt_decode_gh(struct lt_decoder *d, const struct lt_line *l);
/*
 * The columns of a gh run view --log line p[0..n): 1 with the job, the
 * step and the offset of the Actions line (past a byte order mark), or 0.
 */
int lt_gh_columns(const char *p, size_t n, size_t *job_len,
    size_t *step_off, size_t *step_len, size_t *rest);
/*
 * What lt_decode_gha() would keep of the whole lines p[0..n), which end
 * in a newline and hold no "##[group]": the last time, and no more.
 */
void lt_gha_keep_run(struct lt_decoder *d, const char *p, size_t n);
enum lt_status lt_decode_journal(struct lt_decoder *d,
    const struct lt_line *l);
enum lt_status lt_decode_jsonl(struct lt_decoder *d, const struct lt_line *l);
enum lt_status lt_decode_docker(struct lt_decoder *d, const struct lt_line *l);

/* End of a source: docker's pending partial lines; the Loki document. */
enum lt_status lt_docker_flush(struct lt_decoder *d);
enum lt_status lt_loki_end(struct lt_decoder *d);

/*
 * A syslog or journalctl short prefix at the start of p[0..n): when one
 * is there, set b's text to the message after it, its time and labels,
 * and return 1; otherwise 0 and b is unchanged.  Cheap to call on any
 * line: it gives up at the first byte that does not fit.
 */
int lt_syslog_prefix(struct lt_recb *b, const char *p, size_t n);

/*
 * A dmesg prefix at the start of p[0..n): "[12345.678901] " (seconds
 * since boot), "[Tue Dec  1 10:00:00 2026] " (dmesg -T) or
 * "2026-12-01T10:00:00,123456+00:00 " (dmesg --time-format iso).  As
 * lt_syslog_prefix: 1 with b's text, time and labels set, or 0 and b
 * unchanged; gives up at the first byte that does not fit.
 */
int lt_dmesg_prefix(struct lt_recb *b, const char *p, size_t n);
/*
 * The bracketed dmesg stamps at the start of b's text, after a prefix
 * that gave the line its time (a syslog prefix whose identifier is
 * "kernel", an Actions stamp): taken off into the label kernel_time or
 * dmesg_time; b's time is not touched.
 */
void lt_dmesg_inner(struct lt_recb *b);

/* The runner's parts of a _diag line. */
struct lt_gha_diag {
	const char *level;
	size_t level_len;
	const char *component;
	size_t component_len;
};

/*
 * An Actions job log stamp ("2025-01-11T10:00:01.1234567Z ") at p: its
 * time into time and the length with the space, or 0.
 */
size_t lt_gha_stamp(const char *p, size_t n, char time[LT_TIME_MAX]);

/*
 * A runner _diag prefix ("[2025-01-11 10:00:01Z INFO Runner] ") at p:
 * time and parts, and the offset of the message, or 0.
 */
size_t lt_gha_diag(const char *p, size_t n, char time[LT_TIME_MAX],
    struct lt_gha_diag *dg);

/* The member k of object o, or NULL (o may be NULL or not an object). */
const cJSON *lt_json_get(const cJSON *o, const char *k);

/*
 * json_line.c: one JSON object on one line, read in place (no
 * allocation).  Values are spans of the line; a string's span is its
 * inside, escapes as they are, until lt_jl_string() decodes it.
 */
#define LT_JL_MEMBERS_MAX 256u	/* top-level members noted */
#define LT_JL_DEPTH_MAX 64u	/* nesting deeper is an error */

enum lt_jl_type {
	LT_JL_STRING, LT_JL_NUMBER, LT_JL_NULL, LT_JL_TRUE, LT_JL_FALSE,
	LT_JL_ARRAY, LT_JL_OBJECT
};

struct lt_jl_val {
	enum lt_jl_type type;
	const char *p;		/* the value's text (a string: its inside) */
	size_t n;
	int escaped;		/* a string with backslash escapes */
};

struct lt_jl {
	struct {
		struct lt_jl_val key;
		struct lt_jl_val v;
	} m[LT_JL_MEMBERS_MAX];
	size_t n;
};

/*
 * Check that p[0..n) is one JSON object (RFC 8259; white space around
 * it allowed) and note its top-level members in *o.  0, or -1 when it is
 * not.  The spans point into p.
 */
int lt_jl_parse(const char *p, size_t n, struct lt_jl *o);
/* The value of the first member named key, or NULL. */
const struct lt_jl_val *lt_jl_get(const struct lt_jl *o, const char *key);
/*
 * The bytes of string v: *out = its span when it has no escapes (dst
 * unused), else decoded into dst, at most cap bytes (cut before a
 * character that does not fit).  Returns the length.
 */
size_t lt_jl_string(const struct lt_jl_val *v, char *dst, size_t cap,
    const char **out);
/* The first element of array v into *first: 0, or -1 (not an array, empty). */
int lt_jl_first(const struct lt_jl_val *v, struct lt_jl_val *first);
/*
 * Array v of integers 0..255 as bytes into dst (at most cap; more are
 * cut), the count in *n: 0, or -1 when v is not such an array.
 */
int lt_jl_bytes(const struct lt_jl_val *v, char *dst, size_t cap,
    size_t *n);

/* 1 when a line starting with c may carry a prefix lt_syslog_prefix knows. */
extern const unsigned char lt_prefix_start[256];

#endif

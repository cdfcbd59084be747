/*
 * logtriage/decode.h - input formats: from a source's bytes to records.
 *
 * A decoder sits between a source and the matcher.  It takes the bytes of
 * one source at a time, removes a UTF-8 byte order mark, decides the
 * format (or takes the one it was told), splits lines with lt_lines and
 * turns each line (or, for a Loki response, each log entry) into one
 * struct lt_record: the message that rules are matched against, with the
 * prefixes and escapes of the format removed, its time and its labels.
 *
 * The formats, the detection rules and the choices made where a format
 * is ambiguous are described in docs/input-formats.md.
 *
 * Lifetime: a record and everything it points to is valid only during the
 * callback; keep copies.  Records of one source arrive in input order
 * (Loki: in timestamp order), one callback at a time.
 */
#ifndef LOGTRIAGE_DECODE_H
#define LOGTRIAGE_DECODE_H

#include <stddef.h>

#include "api.h"
#include "lines.h"
#include "status.h"

enum lt_input {
	LT_INPUT_AUTO = 0,	/* decide per source from its first bytes */
	LT_INPUT_TEXT,		/* lines; syslog, journalctl prefixes */
	LT_INPUT_JOURNAL,	/* journalctl -o json */
	LT_INPUT_GHA,		/* Actions job log, runner _diag log */
	LT_INPUT_LOKI,		/* Loki query or query_range response */
	LT_INPUT_JSONL,		/* logcli --output=jsonl */
	LT_INPUT_DOCKER,	/* docker json-file log */
	LT_INPUT_GH		/* gh run view --log (and --log-failed) */
};

/* Caps.  Labels past them are left out; values are cut. */
#define LT_LABELS_MAX 32u		/* labels on one record */
#define LT_LABEL_KEY_MAX 128u		/* bytes of a key (more: left out) */
#define LT_LABEL_VALUE_MAX 1024u	/* bytes of a value (longer: cut) */
#define LT_TIME_MAX 40u			/* an RFC 3339 time and its NUL */
#define LT_DETECT_MAX (64u << 10)	/* bytes auto-detection looks at */
#define LT_LOKI_DOC_MAX (256u << 20)	/* bytes of one Loki response */

/* Record flags: LT_LINE_TRUNCATED (lines.h), and: */
#define LT_RECORD_UNDECODED 0x2u	/* not valid in its format: raw text */

struct lt_label {
	const char *key;
	size_t key_len;
	const char *value;	/* bytes; not always valid UTF-8 */
	size_t value_len;
};

struct lt_record {
	const char *text;	/* the message to match, at most max_line */
	size_t len;
	unsigned long long no;	/* 1-based line (Loki: entry) number */
	unsigned flags;
	const char *time;	/* RFC 3339 UTC, NUL-ended; NULL: unknown */
	size_t n_labels;
	const struct lt_label *labels;	/* keys are distinct */
};

/* Return LT_OK to go on, LT_STOP to end quietly, or an error. */
typedef enum lt_status lt_record_fn(void *ctx, const struct lt_record *r);

/* "auto", "text", ...; and back: 0 and *out set, or -1. */
LT_API const char *lt_input_name(enum lt_input in);
LT_API int lt_input_parse(const char *s, size_t n, enum lt_input *out);

/*
 * Auto-detection on the first bytes p[0..n) of a source (BOM removed).
 * Returns 1 and sets *out (never LT_INPUT_AUTO) when decided, 0 when it
 * needs more bytes.  It always decides when eof is set or when n reaches
 * LT_DETECT_MAX, so a caller holds at most that much.  Unknown or mixed
 * input is LT_INPUT_TEXT, never an error.
 */
LT_API int lt_input_detect(const char *p, size_t n, int eof,
    enum lt_input *out);

struct lt_decoder;

/*
 * A decoder for format in (LT_INPUT_AUTO: detect per source) that passes
 * records of at most max_line bytes to fn.  NULL when out of memory or
 * max_line is 0.
 */
LT_API struct lt_decoder *lt_decoder_new(enum lt_input in, size_t max_line,
    lt_record_fn *fn, void *ctx);
LT_API void lt_decoder_free(struct lt_decoder *d);

/* Start a source; name (copied, cut to LT_ORIGIN_MAX) names it in errors. */
LT_API void lt_decoder_begin(struct lt_decoder *d, const char *name);

/*
 * Bytes of the current source, in any pieces.  Returns the first callback
 * result that is not LT_OK, or an error of the source itself (a Loki
 * response over LT_LOKI_DOC_MAX: LT_ERR_LIMIT), after which the rest of
 * the source is ignored and lt_decoder_end() reports it.
 */
LT_API enum lt_status lt_decoder_feed(struct lt_decoder *d, const void *buf,
    size_t len);

/*
 * End of the source: pass what was held back (a last line without a
 * newline, docker partial lines, the records of a Loki document).  When
 * the source itself was bad (a Loki response cut short or over its cap)
 * returns LT_ERR_SYNTAX or LT_ERR_LIMIT and fills err (origin: the name).
 */
LT_API enum lt_status lt_decoder_end(struct lt_decoder *d,
    struct lt_error *err);

/*
 * Lines passed over.  For formats whose message is a part of the line as
 * it is (text, gha), the decoder lets ask name runs of whole lines in a
 * fed buffer that hold nothing of interest (see lt_lines_runs; the
 * caller's prefilter found no rule's literal there).  Those lines are not
 * decoded and make no records: passed(ctx, lines, truncated) is told how
 * many there were, and how many of them were over max_line.  What later
 * lines inherit (the Actions step and last time) is still kept, provided
 * no run holds the bytes "##[group]": the Actions decoder takes the step
 * from them, and looks only for times in a run.  ask NULL: every line is
 * decoded in full.
 */
typedef enum lt_status lt_passed_fn(void *ctx, unsigned long long lines,
    unsigned long long truncated);
LT_API void lt_decoder_runs(struct lt_decoder *d, lt_run_ask_fn *ask,
    lt_passed_fn *passed, void *ctx);

/* The format of the current source: LT_INPUT_AUTO until decided. */
LT_API enum lt_input lt_decoder_input(const struct lt_decoder *d);

/*
 * The whole of p[0..n) as an RFC 3339 time (a record's time, or one as
 * lt_time_parse reads it): 0 and *ns, nanoseconds since the epoch, or -1
 * (before 1970 included).
 */
LT_API int lt_time_ns(const char *p, size_t n, unsigned long long *ns);

#endif

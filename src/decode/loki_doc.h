/*
 * decode/loki_doc.h - a Loki query_range response, parsed: for the Loki
 * decoder (a response saved to a file, decode_loki.c) and for the Loki
 * source (responses read over HTTP, source/source_loki.c) alike, so that
 * both read the same documents the same way.
 */
#ifndef LT_DECODE_LOKI_DOC_H
#define LT_DECODE_LOKI_DOC_H

#include <stddef.h>

#include "logtriage/decode.h"
#include "logtriage/status.h"

/*
 * An entry as a paging source needs it to drop the ones it has seen:
 * stream is the stream's labels as canonical bytes, sorted by key (then
 * value), each "key\0value\0", so the same label set gives the same bytes
 * whatever its order in the response (empty unless asked for).
 */
struct lt_loki_entry {
	unsigned long long ns;	/* timestamp; 0 when not a decimal string */
	const char *stream;
	size_t stream_len;
	const char *line;	/* the whole line, not cut at max_line */
	size_t len;
};

/*
 * Called for each entry in timestamp order with the record it makes:
 * number r->no (its position, 1-based; the callee may change it), time,
 * labels, the whole line (not cut at any max_line).  Both are valid only
 * during the call.  Return LT_OK, or a status that ends the parse.
 */
typedef enum lt_status lt_loki_doc_fn(void *ctx, const struct lt_loki_entry *e,
    struct lt_record *r);

/*
 * Parse the document p[0..n) whole, and only when it is a valid Loki
 * response of streams call fn for each entry, so that nothing of a bad
 * document is classified.  keys: fill e->stream (costs the labels once
 * more).  LT_OK; LT_ERR_SYNTAX or LT_ERR_LIMIT for a bad document, with
 * msg (size bytes) saying why; LT_ERR_NOMEM; or fn's status (msg empty).
 */
enum lt_status lt_loki_doc_parse(const char *p, size_t n, int keys,
    lt_loki_doc_fn *fn, void *ctx, char *msg, size_t size);

#endif

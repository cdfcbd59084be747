/*
 * fuzz_decode.c - every input decoder on arbitrary bytes.
 *
 * The first byte picks the format (auto, text, journal, gha, loki,
 * jsonl, docker, gh) and where the rest is split into two feeds; the
 * decoder's records are checked against its contract (length within
 * max_line, a time that is NULL or an RFC 3339 UTC stamp, labels within
 * their caps), so the fuzzer finds broken records, not just crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINE 4096

static enum lt_status
check(void *ctx, const struct lt_record *r)
{
	size_t i, n;

	(void)ctx;
	if (r->len > MAX_LINE || (r->len > 0 && r->text == NULL))
		abort();
	if (r->time != NULL) {
		n = strlen(r->time);
		/* 2025-01-11T10:00:01Z at the least, ending in Z */
		if (n < 20 || r->time[4] != '-' || r->time[10] != 'T' ||
		    r->time[n - 1] != 'Z')
			abort();
	}
	if (r->n_labels > LT_LABELS_MAX)
		abort();
	for (i = 0; i < r->n_labels; i++)
		if (r->labels[i].key_len == 0 ||
		    r->labels[i].key_len > LT_LABEL_KEY_MAX ||
		    r->labels[i].value_len > LT_LABEL_VALUE_MAX)
			abort();
	return LT_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_decoder *d;
	struct lt_error err;
	enum lt_input in;
	size_t cut;

	if (size < 1)
		return 0;
	in = (enum lt_input)(data[0] % 8);
	data++;
	size--;
	cut = size > 0 ? (size_t)data[0] % (size + 1) : 0;
	if ((d = lt_decoder_new(in, MAX_LINE, check, NULL)) == NULL)
		abort();
	lt_decoder_begin(d, "fuzz");
	lt_decoder_feed(d, data, cut);
	lt_decoder_feed(d, data + cut, size - cut);
	lt_error_clear(&err);
	lt_decoder_end(d, &err);
	lt_decoder_free(d);
	return 0;
}

/*
 * match.c - deep copies of a match.
 *
 * A match points into buffers that live only as long as the line (the
 * decoder's record, the redactor's output, the context ring).  Whoever
 * keeps one past that (the verdict's top list, a match waiting for its
 * after-context) takes a copy made here: one allocation holding the
 * arrays first (so they are aligned) and then every byte they point to,
 * released with a single free().
 */
#include <stdlib.h>
#include <string.h>

#include "logtriage/verdict.h"

static size_t
cstr_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

void *
lt_match_dup(const struct lt_match *src, struct lt_match *dst)
{
	size_t i, bytes, arrays;
	struct lt_label *lab;
	struct lt_ctx_line *ctx;
	char *block, *p;

	arrays = src->n_labels * sizeof *lab +
	    (src->n_before + src->n_after) * sizeof *ctx;
	bytes = arrays + src->text_len + 1 + cstr_size(src->source) +
	    cstr_size(src->time);
	for (i = 0; i < src->n_labels; i++)
		bytes += src->labels[i].key_len + src->labels[i].value_len;
	for (i = 0; i < src->n_before; i++)
		bytes += src->before[i].len;
	for (i = 0; i < src->n_after; i++)
		bytes += src->after[i].len;
	if ((block = malloc(bytes)) == NULL)
		return NULL;
	*dst = *src;
	lab = (struct lt_label *)(void *)block;
	ctx = (struct lt_ctx_line *)(void *)(lab + src->n_labels);
	p = block + arrays;
#define COPY(dstp, srcp, n) do { \
	if ((n) > 0) \
		memcpy(p, (srcp), (n)); \
	(dstp) = p; \
	p += (n); \
} while (0)
	for (i = 0; i < src->n_labels; i++) {
		lab[i] = src->labels[i];
		COPY(lab[i].key, src->labels[i].key, src->labels[i].key_len);
		COPY(lab[i].value, src->labels[i].value,
		    src->labels[i].value_len);
	}
	dst->labels = lab;
	for (i = 0; i < src->n_before + src->n_after; i++) {
		const struct lt_ctx_line *s = i < src->n_before ?
		    &src->before[i] : &src->after[i - src->n_before];

		ctx[i] = *s;
		COPY(ctx[i].text, s->text, s->len);
	}
	dst->before = ctx;
	dst->after = ctx + src->n_before;
	COPY(dst->text, src->text, src->text_len);
	*p++ = '\0';
	if (src->source != NULL) {
		COPY(dst->source, src->source, strlen(src->source) + 1);
	}
	if (src->time != NULL) {
		COPY(dst->time, src->time, strlen(src->time) + 1);
	}
#undef COPY
	return block;
}

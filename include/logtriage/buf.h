/*
 * logtriage/buf.h - a growable byte buffer with a hard cap.
 *
 * Modelled on curl's dynbuf: every buffer is created with the most it may
 * ever hold, and an append that would pass it fails with LT_ERR_LIMIT and
 * leaves the buffer as it was.  The bytes are always followed by a NUL
 * (not counted in len) so they can be handed to C string functions when
 * the content is known to be NUL-free.
 */
#ifndef LOGTRIAGE_BUF_H
#define LOGTRIAGE_BUF_H

#include <stddef.h>

#include "api.h"
#include "status.h"

struct lt_buf {
	char *p;		/* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;		/* most bytes len may reach */
};

LT_API void lt_buf_init(struct lt_buf *b, size_t max);
LT_API void lt_buf_free(struct lt_buf *b);	/* back to empty; keeps max */
LT_API void lt_buf_reset(struct lt_buf *b);	/* len = 0, keeps the memory */
LT_API enum lt_status lt_buf_add(struct lt_buf *b, const void *p, size_t n);
LT_API enum lt_status lt_buf_addc(struct lt_buf *b, char c);
LT_API enum lt_status lt_buf_adds(struct lt_buf *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
LT_API enum lt_status lt_buf_addf(struct lt_buf *b, const char *fmt, ...);

#endif

/*
 * pipeline_int.h - what the files of src/pipeline/ share: the context
 * ring (context.c) between the scanner and the emitters.
 */
#ifndef LT_PIPELINE_INT_H
#define LT_PIPELINE_INT_H

#include <stddef.h>

#include "logtriage/status.h"
#include "logtriage/verdict.h"

struct lt_context;

/* A match with its context complete: hand it on. */
typedef enum lt_status lt_context_fn(void *ctx, const struct lt_match *m);

/*
 * Context of before and after lines (each at most LT_CONTEXT_MAX).  *out
 * is NULL when both are 0 (no context asked for).  LT_ERR_NOMEM when out
 * of memory.
 */
enum lt_status lt_context_new(size_t before, size_t after,
    struct lt_context **out);
void lt_context_free(struct lt_context *c);

/*
 * A matched line: point m's before lines at the ring's (in storage
 * before[LT_CONTEXT_MAX], which must live as long as m is used) and mark
 * it as having context; its after lines are none yet.
 */
void lt_context_attach(const struct lt_context *c, struct lt_match *m,
    struct lt_ctx_line *before);

/* 1 when matches wait for after lines (after > 0). */
int lt_context_waits(const struct lt_context *c);

/* Keep a copy of attached match m until its after lines are in. */
enum lt_status lt_context_wait(struct lt_context *c, const struct lt_match *m);

/* A line arrived: it is after-context of the waiting matches. */
void lt_context_after(struct lt_context *c, const char *p, size_t n,
    unsigned long long no);

/* A line passed: keep it for the next match's before-context. */
void lt_context_remember(struct lt_context *c, const char *p, size_t n,
    unsigned long long no);

/*
 * Hand the waiting matches whose after lines are complete to fn, oldest
 * first; with all, every waiting match with what it has, and the ring
 * starts empty (the end of a source).  Stops at fn's first error.
 */
enum lt_status lt_context_release(struct lt_context *c, int all,
    lt_context_fn *fn, void *ctx);

#endif

/*
 * emitter.c - the emitter interface's common part (logtriage/emit.h).
 *
 * An output format is a table of callbacks the pipeline calls as a run
 * goes: begin, match, context, evidence, summary, finish.  This file
 * holds what every format shares: the options' defaults and the calls
 * through the table, which do nothing for a callback a format leaves
 * out, so the pipeline and the CLI (which runs the step summary and the
 * pushed metrics itself, beside standard output) need not ask.
 */
#include <string.h>

#include "logtriage/emit.h"

void
lt_emit_opts_init(struct lt_emit_opts *o)
{
	memset(o, 0, sizeof *o);
	o->matches = 1;
	o->summary = 1;
	o->cap = LT_STEP_SUMMARY_MAX;
}

void
lt_emitter_free(struct lt_emitter *e)
{
	if (e != NULL && e->ops->free != NULL)
		e->ops->free(e);
}

enum lt_status
lt_emitter_begin(struct lt_emitter *e, struct lt_buf *out)
{
	return e->ops->begin ? e->ops->begin(e, out) : LT_OK;
}

enum lt_status
lt_emitter_match(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_match *m)
{
	return e->ops->match ? e->ops->match(e, out, m) : LT_OK;
}

enum lt_status
lt_emitter_context(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_match *m)
{
	return e->ops->context ? e->ops->context(e, out, m) : LT_OK;
}

enum lt_status
lt_emitter_evidence(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_emit_ev *ev)
{
	return e->ops->evidence ? e->ops->evidence(e, out, ev) : LT_OK;
}

enum lt_status
lt_emitter_summary(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v, const char *gkey, const char *gvalue)
{
	return e->ops->summary ? e->ops->summary(e, out, v, gkey, gvalue) :
	    LT_OK;
}

enum lt_status
lt_emitter_finish(struct lt_emitter *e, struct lt_buf *out,
    const struct lt_verdict *v)
{
	return e->ops->finish ? e->ops->finish(e, out, v) : LT_OK;
}

void
lt_emitter_written(struct lt_emitter *e)
{
	if (e->ops->written != NULL)
		e->ops->written(e);
}

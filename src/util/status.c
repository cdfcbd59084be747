/*
 * status.c - names for status codes and the one function that fills an
 * error record.  Messages are truncated, never overflowed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "logtriage/status.h"
#include "util/util.h"

const char *
lt_status_str(enum lt_status st)
{
	switch (st) {
	case LT_OK:		return "success";
	case LT_STOP:		return "stopped";
	case LT_ERR_NOMEM:	return "out of memory";
	case LT_ERR_IO:		return "input/output error";
	case LT_ERR_SYNTAX:	return "syntax error";
	case LT_ERR_REGEX:	return "bad regular expression";
	case LT_ERR_RULES:	return "inconsistent rules";
	case LT_ERR_LIMIT:	return "limit exceeded";
	case LT_ERR_ARG:	return "invalid argument";
	case LT_ERR_NET:	return "network error";
	}
	return "unknown status";
}

void
lt_error_clear(struct lt_error *e)
{
	memset(e, 0, sizeof *e);
}

void
lt_error_set(struct lt_error *e, enum lt_status st, enum lt_level lvl,
    const char *origin, unsigned long line, unsigned long col,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	e->status = st;
	e->level = lvl;
	snprintf(e->origin, sizeof e->origin, "%s", origin ? origin : "");
	e->line = line;
	e->column = col;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

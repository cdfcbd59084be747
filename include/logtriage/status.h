/*
 * logtriage/status.h - status codes and the error record.
 *
 * Every library call that can fail returns an enum lt_status.  Calls that
 * can say more fill a caller-owned struct lt_error: where (origin, line,
 * column) and what (message).  The library never prints and never exits;
 * turning an lt_error into "logtriage: FILE:LINE:COL: error: MSG" is the
 * caller's job (see src/cli/diag.c).
 */
#ifndef LOGTRIAGE_STATUS_H
#define LOGTRIAGE_STATUS_H

#include <stddef.h>

#include "api.h"

enum lt_status {
	LT_OK = 0,
	LT_STOP,		/* a callback asked for a quiet early end */
	LT_ERR_NOMEM,
	LT_ERR_IO,		/* read or write failed (errno kept in message) */
	LT_ERR_SYNTAX,		/* rule file or input document malformed */
	LT_ERR_REGEX,		/* a pattern did not compile */
	LT_ERR_RULES,		/* rule set inconsistent (unknown category...) */
	LT_ERR_LIMIT,		/* a cap was exceeded */
	LT_ERR_ARG,		/* bad argument from the caller */
	LT_ERR_NET		/* a remote source failed */
};

enum lt_level {
	LT_LEVEL_ERROR = 0,
	LT_LEVEL_WARNING,
	LT_LEVEL_NOTE
};

#define LT_ORIGIN_MAX 512
#define LT_MESSAGE_MAX 512

/* One diagnostic.  line and column are 1-based; 0 means "not known". */
struct lt_error {
	enum lt_status status;
	enum lt_level level;
	char origin[LT_ORIGIN_MAX];
	unsigned long line;
	unsigned long column;
	char message[LT_MESSAGE_MAX];
};

/*
 * Receiver for diagnostics that do not stop the work (rule warnings, every
 * error of a lint run, "pattern hit its match limit").  The record is only
 * valid during the call.
 */
typedef void lt_diag_fn(void *ctx, const struct lt_error *e);

/* A static English name for a status ("out of memory", ...). */
LT_API const char *lt_status_str(enum lt_status st);

/* Reset an error record to "no error". */
LT_API void lt_error_clear(struct lt_error *e);

#endif

/*
 * diag.c - every message logtriage prints to stderr goes through here,
 * in one form: "logtriage: ORIGIN:LINE:COL: LEVEL: MESSAGE", with the
 * parts that are unknown left out, as compilers and pcre2grep do.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("logtriage: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_error_report(const struct lt_error *e)
{
	static const char *const lvl[] = { "error", "warning", "note" };

	fputs("logtriage: ", stderr);
	if (e->origin[0] != '\0') {
		fputs(e->origin, stderr);
		if (e->line > 0) {
			fprintf(stderr, ":%lu", e->line);
			if (e->column > 0)
				fprintf(stderr, ":%lu", e->column);
		}
		fputs(": ", stderr);
	}
	fprintf(stderr, "%s: %s\n", lvl[e->level <= LT_LEVEL_NOTE ? e->level :
	    0], e->message);
}

void
cli_diag(void *ctx, const struct lt_error *e)
{
	const int *show_warnings = ctx;

	if (e->level != LT_LEVEL_ERROR && !(show_warnings && *show_warnings))
		return;
	cli_error_report(e);
}

/*
 * diag.c - every message logtriage prints to stderr goes through here,
 * in one form: "logtriage: ORIGIN:LINE:COL: LEVEL: MESSAGE", with the
 * parts that are unknown left out, as compilers and pcre2grep do.
 *
 * Messages carry text from outside: file names, a Loki or Pushgateway
 * answer, a URL as the user gave it.  So a message is made safe before
 * it is written: the user:password of a URL becomes [REDACTED], and the
 * rest goes through lt_emit_text_safe() (controls as \xNN, invisible code
 * points escaped, "##[" broken), so that one message stays one line that
 * starts with "logtriage: " and the GitHub Actions runner, which reads
 * stderr too, can never see a workflow command in it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "logtriage/buf.h"
#include "logtriage/emit.h"

#define MSG_MAX 8192		/* bytes of one message, before escaping */

/* Copy s to out with "scheme://user:password@" credentials hidden. */
static void
hide_credentials(const char *s, struct lt_buf *out)
{
	const char *p = s, *sep, *auth, *end, *at;

	while ((sep = strstr(p, "://")) != NULL) {
		auth = sep + 3;
		end = auth + strcspn(auth, "/?# \t\r\n\"'<>");
		at = NULL;
		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		(void)lt_buf_add(out, p, (size_t)(auth - p));
		if (at != NULL) {
			(void)lt_buf_adds(out, "[REDACTED]");
			p = at;
		} else {
			p = auth;
		}
	}
	(void)lt_buf_adds(out, p);
}

/* Write "logtriage: " + the safe form of msg + newline to stderr. */
static void
emit(const char *msg)
{
	struct lt_buf raw, safe;

	lt_buf_init(&raw, 2 * MSG_MAX);
	lt_buf_init(&safe, 16 * MSG_MAX);
	hide_credentials(msg, &raw);
	(void)lt_emit_text_safe(&safe, raw.p ? raw.p : "", raw.len);
	fputs("logtriage: ", stderr);
	if (safe.len > 0)
		fwrite(safe.p, 1, safe.len, stderr);
	fputc('\n', stderr);
	fflush(stderr);
	lt_buf_free(&raw);
	lt_buf_free(&safe);
}

void
cli_warn(const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	emit(msg);
}

void
cli_error_report(const struct lt_error *e)
{
	static const char *const lvl[] = { "error", "warning", "note" };
	const char *level = lvl[e->level <= LT_LEVEL_NOTE ? e->level : 0];
	char msg[MSG_MAX];

	if (e->origin[0] == '\0')
		snprintf(msg, sizeof msg, "%s: %s", level, e->message);
	else if (e->line > 0 && e->column > 0)
		snprintf(msg, sizeof msg, "%s:%lu:%lu: %s: %s", e->origin,
		    e->line, e->column, level, e->message);
	else if (e->line > 0)
		snprintf(msg, sizeof msg, "%s:%lu: %s: %s", e->origin,
		    e->line, level, e->message);
	else
		snprintf(msg, sizeof msg, "%s: %s: %s", e->origin, level,
		    e->message);
	emit(msg);
}

void
cli_diag(void *ctx, const struct lt_error *e)
{
	const int *show_warnings = ctx;

	if (e->level != LT_LEVEL_ERROR && !(show_warnings && *show_warnings))
		return;
	cli_error_report(e);
}

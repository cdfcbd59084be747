/*
 * logtriage/emit.h - writers for the output formats.
 *
 * Emitters append to a caller's lt_buf and never write anywhere
 * themselves.  Every string that reaches JSON output passes through one
 * function that replaces bytes that are not valid UTF-8 with U+FFFD and
 * escapes what JSON requires, so output is valid JSON and valid UTF-8 for
 * any input bytes.  Offsets into text (span, fields) are translated to
 * byte offsets of the emitted (cleaned) text.
 *
 * The JSON objects are documented in man/logtriage.1 (OUTPUT).
 */
#ifndef LOGTRIAGE_EMIT_H
#define LOGTRIAGE_EMIT_H

#include "api.h"
#include "buf.h"
#include "rules.h"
#include "verdict.h"

/* One "match" object and a newline. */
LT_API enum lt_status lt_emit_json_match(struct lt_buf *out,
    const struct lt_ruleset *rs, const struct lt_match *m);

/*
 * A "pending" object and a newline: match m of a rule with cleared_by,
 * kept longer than the hold and not decided yet (it may still clear).
 */
LT_API enum lt_status lt_emit_json_pending(struct lt_buf *out,
    const struct lt_ruleset *rs, const struct lt_match *m);

/*
 * A "resolved" object and a newline: match m (of a rule with cleared_by)
 * and the matches of its stream after it that a later line cleared
 * (matches counts them all), with that line.
 */
LT_API enum lt_status lt_emit_json_resolved(struct lt_buf *out,
    const struct lt_ruleset *rs, const struct lt_match *m,
    unsigned long long matches, unsigned long long clear_line,
    const char *clear_text, size_t clear_len);

/* The "summary" object and a newline. */
LT_API enum lt_status lt_emit_json_summary(struct lt_buf *out,
    const struct lt_verdict *v);

/*
 * The summary of one group of the input (e.g. gkey "file", gvalue its
 * name), with "group":{gkey:gvalue} after "type" (null for a NULL
 * gvalue), and a newline.
 */
LT_API enum lt_status lt_emit_json_group_summary(struct lt_buf *out,
    const struct lt_verdict *v, const char *gkey, const char *gvalue);

/* One "rule" object (as `logtriage rules` lists it) and a newline. */
LT_API enum lt_status lt_emit_json_rule(struct lt_buf *out,
    const struct lt_rule_info *r);

/* Text for people (see emit_text.c); color adds ANSI colours. */
LT_API enum lt_status lt_emit_text_match(struct lt_buf *out,
    const struct lt_ruleset *rs, const struct lt_match *m, int color);
LT_API enum lt_status lt_emit_text_summary(struct lt_buf *out,
    const struct lt_verdict *v, int color, const char *runbook_base);
/* Bytes as terminal-safe text: controls as \xNN, bad UTF-8 as U+FFFD. */
LT_API enum lt_status lt_emit_text_safe(struct lt_buf *out, const char *p,
    size_t n);
/* A runbook path, joined to base when it is relative and base is set. */
LT_API enum lt_status lt_emit_runbook(struct lt_buf *out, const char *runbook,
    const char *base);

/* GitHub workflow-command annotations for the cause and runners-up. */
LT_API enum lt_status lt_emit_github(struct lt_buf *out,
    const struct lt_verdict *v, const char *runbook_base);
#define LT_STEP_SUMMARY_MAX (1u << 20)	/* GitHub's limit per step */

/* The Markdown step summary, at most cap bytes (cut cleanly). */
LT_API enum lt_status lt_emit_markdown(struct lt_buf *out,
    const struct lt_verdict *v, const char *runbook_base, size_t cap);

/* Prometheus text exposition of the run; now in seconds. */
LT_API enum lt_status lt_emit_prometheus(struct lt_buf *out,
    const struct lt_verdict *v, long long now);

/* A JSON string literal for bytes p[0..n), cleaned as described above. */
LT_API enum lt_status lt_emit_json_string(struct lt_buf *out, const char *p,
    size_t n);

#endif

/*
 * logtriage/redact.h - keep secrets out of everything logtriage writes.
 *
 * A redactor replaces each secret in a line with "[REDACTED]" before the
 * line reaches any output (match text, fields, context, annotations,
 * summaries, metric labels).  What counts as a secret is defined by the
 * ruleset's [redact NAME] stanzas (see logtriage-rules(5)); when a
 * pattern has a group named "secret", only that group is replaced, so
 * "password=hunter2" becomes "password=[REDACTED]".  Private key blocks
 * (-----BEGIN ... PRIVATE KEY----- to -----END ...) span lines, so the
 * redactor also follows every line of a stream to know when it is inside
 * one.  When a redact pattern exhausts its match budget the whole line is
 * replaced: failing closed is the only safe way to fail.
 *
 * One redactor per stream, like a scanner; the ruleset must outlive it.
 */
#ifndef LOGTRIAGE_REDACT_H
#define LOGTRIAGE_REDACT_H

#include <stddef.h>

#include "api.h"
#include "rules.h"
#include "status.h"

#define LT_REDACTED "[REDACTED]"
#define LT_REDACT_REGIONS_MAX 256	/* past this, the whole line goes */
#define LT_KEY_LINES_MAX 256	/* a key block without END ends here */
#define LT_REDACT_CUT 1u	/* flag: the line was cut; hide its last word */

struct lt_redactor;

/* NULL when out of memory. */
LT_API struct lt_redactor *lt_redactor_new(const struct lt_ruleset *rs);
LT_API void lt_redactor_free(struct lt_redactor *r);

/* A new stream begins: forget any open private key block. */
LT_API void lt_redactor_reset(struct lt_redactor *r);

/*
 * Redact line p[0..n).  *out and *out_len receive the redacted text, owned
 * by the redactor and valid until its next call.  offs holds n_offs byte
 * offsets into p as (start, end) pairs; each is rewritten to the same
 * place in the output, and a pair that reached into a secret is widened
 * to cover the whole "[REDACTED]".  Call before lt_redactor_follow() for
 * the same line.
 */
LT_API enum lt_status lt_redactor_apply(struct lt_redactor *r, const char *p,
    size_t n, const char **out, size_t *out_len, size_t *offs,
    size_t n_offs);

/* The same, with LT_REDACT_* flags. */
LT_API enum lt_status lt_redactor_apply_flags(struct lt_redactor *r,
    const char *p, size_t n, unsigned flags, const char **out,
    size_t *out_len, size_t *offs, size_t n_offs);

/*
 * Redact a label's value: the whole value when the key names a secret
 * (password, token, secret, api_key, auth, ... anywhere in the key,
 * case-insensitively), else as lt_redactor_apply() does.
 */
LT_API enum lt_status lt_redactor_label(struct lt_redactor *r, const char *key,
    size_t key_len, const char *p, size_t n, const char **out,
    size_t *out_len);

/*
 * Lines passed over without being followed (the prefilter's runs, which
 * hold no key armour): they count towards LT_KEY_LINES_MAX.
 */
LT_API void lt_redactor_passed(struct lt_redactor *r,
    unsigned long long lines);

/* Follow every line of the stream, emitted or not (private key blocks). */
LT_API void lt_redactor_follow(struct lt_redactor *r, const char *p, size_t n);

#endif

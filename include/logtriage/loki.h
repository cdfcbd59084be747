/*
 * logtriage/loki.h - a Loki source: a LogQL query over HTTP, paged.
 *
 * lt_loki_run() asks Loki's /loki/api/v1/query_range for the entries of
 * a query between two instants, page after page, oldest first, and
 * pushes each response through the caller's struct lt_triage as one
 * source named "loki": every entry is classified exactly once, in
 * timestamp order, numbered 1, 2, ... across the whole query.  With
 * follow set it then polls for new entries until interrupted.
 *
 * The library reads no environment and prints nothing: the caller fills
 * struct lt_loki_opts (the CLI takes LOKI_ADDR, LOKI_ORG_ID, ... from the
 * environment, as logcli does).  Secrets in the options (password,
 * token) are sent to the server and never copied into an lt_error.
 *
 * The paging algorithm, the retry policy and their limits are described
 * in docs/loki.md.
 */
#ifndef LOGTRIAGE_LOKI_H
#define LOGTRIAGE_LOKI_H

#include <signal.h>
#include <stddef.h>

#include "api.h"
#include "status.h"
#include "triage.h"

#define LT_LOKI_BATCH_DEFAULT 1000u	/* entries per request */
#define LT_LOKI_BATCH_MAX 5000u		/* Loki's default max_entries_limit */
#define LT_LOKI_RETRIES_DEFAULT 3u
#define LT_LOKI_RETRIES_MAX 10u
#define LT_LOKI_BACKOFF_MS 500u		/* first wait; doubles each retry */
#define LT_LOKI_RETRY_AFTER_MAX_MS 30000u	/* cap on a Retry-After */
#define LT_LOKI_TIMEOUT_MS 60000u	/* per request, connect and total */
#define LT_LOKI_INTERVAL_MS 2000u	/* between polls with follow */
/* With follow, how far behind the clock reading stays: entries reach Loki
 * late (clients batch them), often after newer ones of other streams. */
#define LT_LOKI_DELAY_MS 2000u
#define LT_LOKI_DELAY_MAX_MS 3600000u
#define LT_LOKI_SEEN_MAX (64u << 20)	/* bytes of entry keys remembered */
#define LT_LOKI_ERROR_TEXT_MAX 300u	/* bytes of an error body reported */
#define LT_LOKI_SOURCE "loki"		/* the source name in verdicts */

struct lt_loki_opts {
	const char *addr;	/* base URL, "http://host:3100[/prefix]" */
	const char *query;	/* LogQL, sent as it is */
	unsigned long long start_ns;	/* first instant, inclusive */
	unsigned long long end_ns;	/* exclusive; 0: the time of the run */
	unsigned batch;		/* entries per request, 1..LT_LOKI_BATCH_MAX */
	unsigned long long limit;	/* entries classified at most; 0: all */
	unsigned long timeout_ms;	/* per request: connect, and in total */
	unsigned retries;	/* after a 429, 5xx or connection failure */
	unsigned long backoff_ms;	/* wait before the first retry */
	unsigned long retry_after_max_ms;	/* cap on a Retry-After */
	int follow;		/* then poll for new entries until stopped */
	unsigned long interval_ms;	/* between polls */
	/* with follow: read only up to this long before now, so that an entry
	 * that reaches Loki that much after its timestamp is still read */
	unsigned long delay_ms;
	const char *org_id;	/* X-Scope-OrgID, or NULL */
	const char *username;	/* basic auth, with password; or NULL */
	const char *password;
	const char *bearer_token;	/* Authorization: Bearer; or NULL */
	const char *ca_cert;	/* PEM file of CAs to trust, or NULL */
	const char *client_cert;	/* PEM client certificate, or NULL */
	const char *client_key;
	int tls_skip_verify;	/* do not check the server's certificate */
	/* nonzero ends the run between (or during) requests: LT_STOP */
	volatile sig_atomic_t *interrupted;
	lt_diag_fn *diag;	/* notes: a retry and why */
	void *diag_ctx;
};

/* The defaults above; addr and query NULL. */
LT_API void lt_loki_opts_init(struct lt_loki_opts *o);

/*
 * Run the query into t (as source LT_LOKI_SOURCE: begun here, ended
 * here).  Returns LT_OK; LT_STOP when interrupted (what was classified
 * stays); or an error with err filled (origin LT_LOKI_SOURCE):
 * LT_ERR_NET for a failed request, the message "CODE: BODY" for an HTTP
 * error ("400: parse error at line 1, ..."); LT_ERR_SYNTAX for a response
 * that is not a Loki streams document; LT_ERR_LIMIT for a response over
 * LT_LOKI_DOC_MAX, or when LT_LOKI_BATCH_MAX or more entries share one
 * timestamp (paging past them could lose lines); LT_ERR_SYNTAX also for
 * an entry outside the range asked for (a server that ignores start
 * and end would otherwise be paged forever); LT_ERR_ARG for bad
 * options; LT_ERR_NOMEM; or the status of a failed write of output.
 */
LT_API enum lt_status lt_loki_run(const struct lt_loki_opts *o,
    struct lt_triage *t, struct lt_error *err);

/* Now, in nanoseconds since the epoch. */
LT_API unsigned long long lt_loki_now(void);

/*
 * A duration such as "1h", "30m", "90s", "2d", "1h30m", "500ms" ("w" for
 * weeks too): 0 and *ns, or -1.
 */
LT_API int lt_loki_duration(const char *s, unsigned long long *ns);

/*
 * An instant: RFC 3339 ("2025-01-11T10:00:00Z", with a fraction or an
 * offset) or Unix seconds ("1736589600", with a fraction): 0 and *ns, or
 * -1.
 */
LT_API int lt_loki_time(const char *s, unsigned long long *ns);

#endif

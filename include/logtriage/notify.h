/*
 * logtriage/notify.h - post a notification (a Slack incoming-webhook
 * payload, from lt_emit_slack) to a webhook URL.
 *
 * One POST of the body as application/json, retried after an answer of
 * 429 or 5xx and after a connection error or timeout, waiting what the
 * answer's Retry-After asks (capped) or else 1, 2, 4 ... seconds.  Other
 * answers outside 2xx are final (a 404 or 403 will not get better);
 * redirects are not followed.  The URL of an incoming webhook is its
 * credential, so no message ever holds it, nor its path.
 */
#ifndef LOGTRIAGE_NOTIFY_H
#define LOGTRIAGE_NOTIFY_H

#include <stddef.h>

#include "api.h"
#include "status.h"

#define LT_NOTIFY_RETRIES 3		/* after the first attempt */
#define LT_NOTIFY_TIMEOUT_MS 10000L	/* connect and total, per attempt */
#define LT_NOTIFY_WAIT_MAX_MS 30000L	/* the longest wait between tries */

struct lt_notify {
	const char *url;	/* the webhook; a secret */
	long timeout_ms;	/* per attempt; 0: LT_NOTIFY_TIMEOUT_MS */
	int retries;		/* -1: LT_NOTIFY_RETRIES */
	long wait_max_ms;	/* cap of Retry-After; 0: LT_NOTIFY_WAIT_MAX_MS */
	long backoff_ms;	/* first wait without Retry-After; 0: 1000 */
};

/* The defaults above. */
LT_API void lt_notify_init(struct lt_notify *n);

/*
 * POST body[0..len).  On failure fills err (origin "notify": the HTTP
 * status and the start of the answer, or curl's error, and the number of
 * attempts) and returns LT_ERR_NET (LT_ERR_ARG for a URL that is not
 * http or https).
 */
LT_API enum lt_status lt_notify_post(const struct lt_notify *n,
    const char *body, size_t len, struct lt_error *err);

#endif

/*
 * notify.c - POST a notification to a webhook, on libcurl.
 *
 * The one use today is a Slack incoming webhook (--notify URL with the
 * payload of emit_slack.c), and what is written here follows what Slack
 * documents for it: a JSON body, 200 on success, 429 with Retry-After
 * when a channel is posted to too fast, 5xx when Slack has trouble.  So
 * an attempt is retried after 429, 5xx, a connection error or a timeout,
 * at most retries times, waiting Retry-After when the answer has it
 * (libcurl parses both its forms) and 1, 2, 4 ... seconds otherwise, each
 * wait capped at wait_max_ms so that a triage step cannot hang on a
 * webhook.  A retry after a timeout may post twice: a notification
 * twice is better than none.  Any other answer is final.  Redirects are
 * not followed: the body would go somewhere the user did not name.
 *
 * The URL of an incoming webhook is its credential (anyone holding it
 * can post to the channel), so no error message holds it: not the URL,
 * not its path, and curl's own error text only when it holds no '/' and
 * no '@' (it names the host at most), else curl's generic words for the
 * code.  The answer's body (Slack says "invalid_payload", "no_service")
 * is quoted, cut to one line of 200 bytes, unless it holds the URL.
 *
 * libcurl is called through the table curl_dl.c fills (loaded at run
 * time, as for --push and --loki).  The library prints nothing: the
 * caller reports err.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "logtriage/buf.h"
#include "logtriage/notify.h"
#include "util/curl_dl.h"
#include "util/util.h"

#define ANSWER_MAX 4096
#define QUOTE_MAX 200

void
lt_notify_init(struct lt_notify *n)
{
	memset(n, 0, sizeof *n);
	n->timeout_ms = LT_NOTIFY_TIMEOUT_MS;
	n->retries = LT_NOTIFY_RETRIES;
	n->wait_max_ms = LT_NOTIFY_WAIT_MAX_MS;
	n->backoff_ms = 1000;
}

/* Sleep ms; 0, or -1 when a signal cut it short (stop retrying). */
static int
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (nanosleep(&ts, NULL) != 0 && errno == EINTR)
		return -1;
	return 0;
}

/* 1 when a failed attempt may succeed later. */
static int
transient(CURLcode rc, long code)
{
	if (rc != CURLE_OK)
		return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SEND_ERROR ||
		    rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
		    rc == CURLE_PARTIAL_FILE;
	return code == 429 || (code >= 500 && code <= 599);
}

/* What to say of a failed attempt, without the URL (see above). */
static void
describe(char *why, size_t size, const struct lt_curl *f, CURLcode rc,
    const char *cerr, long code, struct lt_buf *answer, const char *url)
{
	size_t k;

	if (rc != CURLE_OK) {
		if (cerr[0] != '\0' && strchr(cerr, '/') == NULL &&
		    strchr(cerr, '@') == NULL)
			snprintf(why, size, "%s", cerr);
		else
			snprintf(why, size, "%s", f->easy_strerror(rc));
		return;
	}
	for (k = 0; k < answer->len && k < QUOTE_MAX && answer->p[k] != '\n' &&
	    answer->p[k] != '\r'; k++)
		if ((unsigned char)answer->p[k] < 0x20 ||
		    (unsigned char)answer->p[k] >= 0x7f)
			answer->p[k] = '?';
	if (k > 0 && lt_buf_addc(answer, '\0') == LT_OK &&
	    strstr(answer->p, url) == NULL)
		snprintf(why, size, "HTTP %ld: %.*s", code, (int)k, answer->p);
	else
		snprintf(why, size, "HTTP %ld%s", code, code >= 300 && code < 400 ?
		    " (redirects are not followed)" : "");
}

enum lt_status
lt_notify_post(const struct lt_notify *n, const char *body, size_t len,
    struct lt_error *err)
{
	struct curl_slist *hdr = NULL;
	struct lt_buf answer;
	struct lt_curl_upload up;
	enum lt_status st = LT_ERR_NET;
	char cerr[CURL_ERROR_SIZE], why[512] = "";
	long code = 0, wait, timeout = n->timeout_ms > 0 ? n->timeout_ms :
	    LT_NOTIFY_TIMEOUT_MS, wait_max = n->wait_max_ms > 0 ?
	    n->wait_max_ms : LT_NOTIFY_WAIT_MAX_MS, backoff = n->backoff_ms > 0 ?
	    n->backoff_ms : 1000;
	int retries = n->retries >= 0 ? n->retries : LT_NOTIFY_RETRIES, attempt;
	curl_off_t after;
	CURLcode rc = CURLE_OK;
	CURL *c = NULL;
	struct lt_curl f;

	lt_buf_init(&answer, ANSWER_MAX + 1);
	memset(&f, 0, sizeof f);
	if (strncmp(n->url, "https://", 8) != 0 &&
	    strncmp(n->url, "http://", 7) != 0) {
		lt_error_set(err, LT_ERR_ARG, LT_LEVEL_ERROR, "notify", 0, 0,
		    "the webhook URL is not http:// or https:// (not shown: "
		    "it is a secret)");
		st = LT_ERR_ARG;
		goto out;
	}
	if (lt_curl_load(&f, why, sizeof why) != 0) {
		lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR, "notify", 0, 0,
		    "%s", why);
		goto out;
	}
	if ((c = f.easy_init()) == NULL ||
	    (hdr = f.slist_append(NULL, "Content-Type: application/json; "
	    "charset=utf-8")) == NULL) {
		lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR, "notify", 0, 0,
		    "cannot start libcurl");
		goto out;
	}
	if (retries > 10)
		retries = 10;
	for (attempt = 1;; attempt++) {
		up.p = body;
		up.left = len;
		lt_buf_reset(&answer);
		cerr[0] = '\0';
		code = 0;
		lt_curl_body_request(&f, c, n->url, 1, &up, hdr, &answer, cerr,
		    timeout);
		f.easy_setopt(c, CURLOPT_USERAGENT, "logtriage");
		f.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		rc = f.easy_perform(c);
		if (rc == CURLE_OK)
			f.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && code >= 200 && code < 300) {
			st = LT_OK;
			goto out;
		}
		describe(why, sizeof why, &f, rc, cerr, code, &answer, n->url);
		if (!transient(rc, code) || attempt > retries)
			break;
		wait = backoff;
		after = 0;
		if (rc == CURLE_OK && f.easy_getinfo(c, CURLINFO_RETRY_AFTER,
		    &after) == CURLE_OK && after > 0)
			wait = after > wait_max / 1000 ? wait_max : (long)after *
			    1000;
		if (wait > wait_max)
			wait = wait_max;
		if (nap(wait) != 0)
			break;
		if (backoff < wait_max)
			backoff *= 2;
	}
	lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR, "notify", 0, 0,
	    "cannot post to the webhook (its URL is not shown): %s (%d "
	    "attempt%s)", why, attempt, attempt == 1 ? "" : "s");
out:
	if (f.lib != NULL) {
		f.slist_free_all(hdr);
		f.easy_cleanup(c);
	}
	lt_curl_unload(&f);
	lt_buf_free(&answer);
	return st;
}

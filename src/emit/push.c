/*
 * push.c - a Pushgateway client on libcurl.
 *
 * One PUT per run, with connect and total timeouts, no redirects
 * followed beyond a few, and the answer body kept (capped) only to quote
 * it in an error.  The grouping key goes into the path, so every value is
 * encoded: percent-encoding for ordinary values, and the gateway's
 * "@base64" form for values with a '/' or empty ones, which percent-
 * encoding cannot carry through its router.  libcurl is called through
 * the table curl_dl.c fills when a push starts.
 */
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/push.h"
#include "util/curl_dl.h"
#include "util/util.h"

#define ANSWER_MAX 4096

static enum lt_status
add_b64(struct lt_buf *b, const char *s)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;
	enum lt_status st = LT_OK;

	for (i = 0; i + 2 < n && st == LT_OK; i += 3) {
		char q[4] = { tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >>
		    4)], tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)],
		    tab[p[i + 2] & 63] };

		st = lt_buf_add(b, q, 4);
	}
	if (st == LT_OK && n - i == 1) {
		char q[4] = { tab[p[i] >> 2], tab[(p[i] & 3) << 4], '=', '=' };

		st = lt_buf_add(b, q, 4);
	} else if (st == LT_OK && n - i == 2) {
		char q[4] = { tab[p[i] >> 2], tab[((p[i] & 3) << 4) |
		    (p[i + 1] >> 4)], tab[(p[i + 1] & 15) << 2], '=' };

		st = lt_buf_add(b, q, 4);
	}
	if (st == LT_OK && n == 0)
		st = lt_buf_adds(b, "=");	/* the gateway's empty value */
	return st;
}

static enum lt_status
add_pair(struct lt_buf *b, const struct lt_curl *f, CURL *c,
    const char *name, const char *value)
{
	enum lt_status st;
	char *esc;

	if (value[0] == '\0' || strchr(value, '/') != NULL) {
		if ((st = lt_buf_addf(b, "/%s@base64/", name)) != LT_OK)
			return st;
		return add_b64(b, value);
	}
	if ((esc = f->easy_escape(c, value, 0)) == NULL)
		return LT_ERR_NOMEM;
	st = lt_buf_addf(b, "/%s/%s", name, esc);
	f->free(esc);
	return st;
}

enum lt_status
lt_push_metrics(const struct lt_push *p, const char *body, size_t len,
    struct lt_error *err)
{
	struct curl_slist *hdr = NULL;
	struct lt_buf url, answer;
	struct lt_curl_upload up = { body, len };
	enum lt_status st = LT_ERR_NET;
	char cerr[CURL_ERROR_SIZE] = "";
	long code = 0, timeout = p->timeout_ms > 0 ? p->timeout_ms : 10000;
	CURLcode rc;
	CURL *c = NULL;
	struct lt_curl f;
	char why[256];
	size_t i, n;

	lt_buf_init(&url, 16384);
	lt_buf_init(&answer, ANSWER_MAX);
	if (lt_curl_load(&f, why, sizeof why) != 0) {
		lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR, "push", 0, 0,
		    "%s", why);
		return LT_ERR_NET;
	}
	if ((c = f.easy_init()) == NULL) {
		lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR, "push", 0, 0,
		    "cannot start libcurl");
		goto out;
	}
	n = strlen(p->url);
	while (n > 0 && p->url[n - 1] == '/')
		n--;
	if (lt_buf_add(&url, p->url, n) != LT_OK ||
	    lt_buf_adds(&url, "/metrics") != LT_OK ||
	    add_pair(&url, &f, c, "job", p->job) != LT_OK ||
	    (p->instance && add_pair(&url, &f, c, "instance", p->instance) !=
	    LT_OK)) {
		lt_error_set(err, LT_ERR_LIMIT, LT_LEVEL_ERROR, "push", 0, 0,
		    "push URL too long");
		goto out;
	}
	for (i = 0; i < p->n_labels && i < LT_PUSH_LABELS_MAX; i++)
		if (add_pair(&url, &f, c, p->label_names[i],
		    p->label_values[i]) != LT_OK) {
			lt_error_set(err, LT_ERR_LIMIT, LT_LEVEL_ERROR, "push",
			    0, 0, "push URL too long");
			goto out;
		}
	hdr = f.slist_append(NULL, "Content-Type: text/plain; version=0.0.4");
	lt_curl_body_request(&f, c, url.p, 0, &up, hdr, &answer, cerr,
	    timeout);
	rc = f.easy_perform(c);
	if (rc != CURLE_OK) {
		lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR, "push", 0, 0,
		    "%s: %s", url.p, cerr[0] ? cerr : f.easy_strerror(rc));
		goto out;
	}
	f.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code >= 300) {
		size_t k;

		for (k = 0; k < answer.len && answer.p[k] != '\n'; k++)
			if ((unsigned char)answer.p[k] < 0x20)
				answer.p[k] = ' ';
		lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR, "push", 0, 0,
		    "%s: HTTP %ld: %.*s", url.p, code, (int)(k < 200 ? k : 200),
		    answer.p ? answer.p : "");
		goto out;
	}
	st = LT_OK;
out:
	f.slist_free_all(hdr);
	f.easy_cleanup(c);
	lt_curl_unload(&f);
	lt_buf_free(&url);
	lt_buf_free(&answer);
	return st;
}

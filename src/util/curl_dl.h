/*
 * curl_dl.h - the libcurl functions logtriage calls, found at run time
 * (see curl_dl.c), and the two callbacks that send a body and keep the
 * start of an answer.  Private to the library: push.c, notify.c and
 * source_loki.c.
 */
#ifndef LT_CURL_DL_H
#define LT_CURL_DL_H

#include <stddef.h>

#include <curl/curl.h>

struct lt_buf;

struct lt_curl {
	void *lib;		/* dlopen() handle; NULL: not loaded */
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
};

/*
 * Load libcurl and find every function above: 0, or -1 with why (cut to
 * size bytes, NUL-ended) and *c all NULL.
 */
int lt_curl_load(struct lt_curl *c, char *why, size_t size);

/*
 * Forget the table (the library itself stays loaded until the process
 * ends: see curl_dl.c); lt_curl_unload() of a failed load is harmless.
 */
void lt_curl_unload(struct lt_curl *c);

/* A request body sent with CURLOPT_READFUNCTION lt_curl_upload_read and
 * CURLOPT_READDATA pointing here: p[0..left) is what is still to send. */
struct lt_curl_upload {
	const char *p;
	size_t left;
};

size_t lt_curl_upload_read(char *dst, size_t size, size_t nmemb, void *ctx);

/* CURLOPT_WRITEFUNCTION with CURLOPT_WRITEDATA a struct lt_buf *: keeps
 * the start of an answer, as much as the buffer's max holds, and reads
 * (and drops) the rest. */
size_t lt_curl_answer_keep(char *src, size_t size, size_t nmemb, void *ctx);

/*
 * Set up c to send up's body to url, POST (post) or PUT, with the headers
 * hdr, keeping the start of the answer in answer and libcurl's message in
 * cerr (CURL_ERROR_SIZE bytes), within timeout_ms to connect and in all,
 * over http or https only, without signals.  The callers add what is
 * theirs (a user agent, redirects) and perform.
 */
void lt_curl_body_request(const struct lt_curl *f, CURL *c, const char *url,
    int post, struct lt_curl_upload *up, struct curl_slist *hdr,
    struct lt_buf *answer, char *cerr, long timeout_ms);

#endif

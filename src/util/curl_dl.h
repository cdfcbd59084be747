/*
 * curl_dl.h - the libcurl functions logtriage calls, found at run time
 * (see curl_dl.c).  Private to the library: push.c and source_loki.c.
 */
#ifndef LT_CURL_DL_H
#define LT_CURL_DL_H

#include <stddef.h>

#include <curl/curl.h>

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

#endif

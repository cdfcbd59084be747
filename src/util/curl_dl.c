/*
 * curl_dl.c - libcurl, loaded when it is needed rather than at start.
 *
 * Only two features talk HTTP: reading from Loki (--loki) and pushing
 * metrics (--push).  Linked the ordinary way, libcurl and the libraries
 * it needs in turn (TLS, Kerberos, LDAP, SSH, IDN: about 30 here) were
 * loaded and relocated by every run, classifying a file from disk as
 * much as a Loki query: 20 ms of start-up, more than a tenth of the time
 * it takes to classify 64 MiB.  So the two modules call libcurl through
 * a table of functions that is filled with dlopen() and dlsym() when
 * they start, and a missing libcurl is an error of those features alone.
 *
 * The table is a value the caller owns (no global state); dlopen() counts
 * references, so loading it for each use costs little after the first.
 * It is never unloaded: libcurl brings in TLS and compression libraries
 * with thread-local state and exit handlers of their own, and glibc keeps
 * an unloaded module's thread-local bookkeeping.  LeakSanitizer's exit
 * scan then reads a range that is gone and its tracer dies (SIGSEGV in
 * ScanRangeForPointers; every run of some inputs with --push under ASan,
 * tests/cli/secrets_corpus.py).  The process ends soon after, and the
 * loader lets go of everything then.
 * Headers are still libcurl's, so the types and constants are checked at
 * compile time as before.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "curl_dl.h"
#include "logtriage/buf.h"
#include "dl.h"

#define SYM(c, name, field) LT_DL_SYM((c)->lib, (name), (c)->field)

int
lt_curl_load(struct lt_curl *c, char *why, size_t size)
{
	static const char *const names[] = { "libcurl.so.4", "libcurl.so" };

	memset(c, 0, sizeof *c);
	if ((c->lib = lt_dl_open(names, sizeof names / sizeof names[0],
	    "libcurl", why, size)) == NULL)
		return -1;
	if (SYM(c, "curl_global_init", global_init) ||
	    SYM(c, "curl_global_cleanup", global_cleanup) ||
	    SYM(c, "curl_easy_init", easy_init) ||
	    SYM(c, "curl_easy_setopt", easy_setopt) ||
	    SYM(c, "curl_easy_perform", easy_perform) ||
	    SYM(c, "curl_easy_getinfo", easy_getinfo) ||
	    SYM(c, "curl_easy_cleanup", easy_cleanup) ||
	    SYM(c, "curl_easy_strerror", easy_strerror) ||
	    SYM(c, "curl_easy_escape", easy_escape) ||
	    SYM(c, "curl_free", free) ||
	    SYM(c, "curl_slist_append", slist_append) ||
	    SYM(c, "curl_slist_free_all", slist_free_all)) {
		snprintf(why, size, "libcurl lacks a function logtriage uses");
		memset(c, 0, sizeof *c);	/* loaded, but never closed */
		return -1;
	}
	return 0;
}

void
lt_curl_unload(struct lt_curl *c)
{
	memset(c, 0, sizeof *c);	/* the library stays: see above */
}

size_t
lt_curl_upload_read(char *dst, size_t size, size_t nmemb, void *ctx)
{
	struct lt_curl_upload *u = ctx;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

size_t
lt_curl_answer_keep(char *src, size_t size, size_t nmemb, void *ctx)
{
	struct lt_buf *b = ctx;
	size_t n = size * nmemb, room = b->max - b->len;

	(void)lt_buf_add(b, src, n < room ? n : room);
	return n;	/* keep reading; only the start is kept */
}

void
lt_curl_body_request(const struct lt_curl *f, CURL *c, const char *url,
    int post, struct lt_curl_upload *up, struct curl_slist *hdr,
    struct lt_buf *answer, char *cerr, long timeout_ms)
{
	curl_off_t len = (curl_off_t)up->left;

	f->easy_setopt(c, CURLOPT_URL, url);
	if (post) {
		f->easy_setopt(c, CURLOPT_POST, 1L);
		f->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, len);
	} else {
		f->easy_setopt(c, CURLOPT_UPLOAD, 1L);
		f->easy_setopt(c, CURLOPT_INFILESIZE_LARGE, len);
	}
	f->easy_setopt(c, CURLOPT_READFUNCTION, lt_curl_upload_read);
	f->easy_setopt(c, CURLOPT_READDATA, up);
	f->easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	f->easy_setopt(c, CURLOPT_WRITEFUNCTION, lt_curl_answer_keep);
	f->easy_setopt(c, CURLOPT_WRITEDATA, answer);
	f->easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	f->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	f->easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	f->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	f->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
}


/*
 * source_loki.c - a LogQL query, over HTTP with libcurl, into the triage.
 *
 * Loki answers /loki/api/v1/query_range with at most `limit` entries,
 * and says nothing about whether there are more: a page that holds
 * exactly `limit` entries may be the last or not.  So the range is read
 * oldest first (direction=forward; Loki's default is backward) in pages
 * of opts.batch entries, each request starting at the timestamp of the
 * newest entry of the page before.  That timestamp is asked for again
 * on purpose: several entries may share it, and the page before may
 * have held only some of them.  The entries of the new page at that
 * timestamp that were on the page before are dropped, keyed on (stream
 * labels as a sorted set, timestamp, line): logcli pages the same way
 * but keys on less, and loses lines where streams interleave.  Only the
 * keys at the newest timestamp of the last page need remembering, so
 * memory stays bounded by the batch size (and LT_LOKI_SEEN_MAX bytes).
 * A full page whose entries all share one timestamp cannot be paged
 * past without guessing which of them Loki will return next, so that
 * instant alone is asked for with the largest limit, and only when even
 * that is full is it an error, not an endless loop or a silent loss.
 * An entry outside the range asked for is an error too: it means the
 * server ignores the range, and paging on could never end.
 *
 * libcurl is called through the table curl_dl.c fills when a query
 * starts, so that runs without --loki do not load it.
 *
 * Each response body is gathered here (at most LT_LOKI_DOC_MAX bytes) and
 * parsed whole, with the function the Loki decoder uses for a saved
 * response (lt_loki_doc_parse, decode/loki_doc.h), which sorts its
 * entries into timestamp order and hands each over with its record: this
 * module drops the entries seen already, numbers the others across the
 * whole query, stops at opts.limit, remembers the keys at the newest
 * timestamp, and pushes the rest into the pipeline as decoded entries
 * (lt_triage_entry); nothing calls back into the source.  A body cut
 * short is dropped whole and asked for again, so a retry can neither
 * lose nor repeat a line.
 *
 * Failures: connection errors, timeouts, a body cut short, 429 and 5xx
 * are retried opts.retries times, waiting opts.backoff_ms and doubling,
 * or as long as a Retry-After says (capped).  Other HTTP statuses are
 * final: Loki sends its errors as plain text, reported as "CODE: TEXT".
 * Every request has a connect and a total timeout, since a slow query
 * may end with the server closing the connection without a reply.
 *
 * With follow set, the query is repeated every opts.interval_ms from
 * the newest timestamp seen, with the same de-duplication, until
 * opts.interrupted is set.  Each read stops opts.delay_ms short of the
 * clock, since entries reach Loki late and out of order across streams.  A signal ends a transfer or a wait at once
 * (curl's progress callback, and nanosleep's EINTR).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode_time.h"
#include "decode/loki_doc.h"
#include "logtriage/buf.h"
#include "logtriage/duration.h"
#include "logtriage/logql.h"
#include "logtriage/loki.h"
#include "util/curl_dl.h"
#include "util/util.h"

/* A request's URL: the address, the query escaped, the parameters. */
#define URL_MAX (3 * LT_LOGQL_QUERY_MAX + 8192)

/* One remembered entry key: stream bytes, then line bytes, in mem. */
struct slot {
	uint64_t h;
	size_t off;
	size_t stream_len;
	size_t len;		/* stream and line */
	unsigned count;		/* how many such entries not yet met again */
	unsigned used;		/* 0: the slot is free */
};

/* The keys of the entries at one timestamp. */
struct seen {
	unsigned long long ns;
	struct slot *tab;	/* open addressing, cap a power of two */
	size_t cap;
	size_t n;
	struct lt_buf mem;
};

struct loki {
	const struct lt_loki_opts *o;
	struct lt_triage *t;
	struct lt_curl cu;	/* libcurl, loaded by lt_loki_run() */
	CURL *curl;
	struct curl_slist *hdr;
	char curl_err[CURL_ERROR_SIZE];
	struct lt_buf url;
	struct lt_buf ebody;	/* the body of an error reply, capped */
	struct lt_buf doc;	/* the body of a 200 reply, LT_LOKI_DOC_MAX */
	long code;		/* HTTP status of the reply being read */
	enum lt_status feed_st;	/* why a body feed stopped */

	unsigned long long cursor;	/* start of the next request */
	unsigned long long req_end;	/* end of the request being read */
	int tie;		/* the next request is [cursor, cursor + 1) */
	unsigned long long numbered;	/* entries classified so far */
	int limit_hit;
	size_t page_n;		/* entries of the current page */
	unsigned long long first_ns, last_ns;
	struct seen prev;	/* keys at the newest time of the last page */
	struct seen cur;	/* ... of this page so far */
	enum lt_status hook_st;
	struct lt_error hook_err;
};

/* ---- times ---- */

unsigned long long
lt_loki_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	    (unsigned long long)ts.tv_nsec;
}

int
lt_loki_duration(const char *s, unsigned long long *ns)
{
	return lt_duration_parse(s, strlen(s), ns);
}

int
lt_loki_time(const char *s, unsigned long long *ns)
{
	unsigned long long secs, frac = 0, scale = 100000000ull;
	size_t n = strlen(s), i, k;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == n || (i > 0 && s[i] == '.')) {
		if (lt_time_decimal(s, i, &secs) != 0 || secs > 18000000000ull)
			return -1;
		for (k = i + 1; i < n && k < n; k++, scale /= 10) {
			if (s[k] < '0' || s[k] > '9')
				return -1;
			frac += (unsigned long long)(s[k] - '0') * scale;
		}
		if (i < n && k == i + 1)
			return -1;	/* "123." */
		*ns = secs * 1000000000ull + frac;
		return 0;
	}
	return lt_time_ns(s, n, ns);
}

/* ---- the keys of entries seen ---- */

static uint64_t
fnv(uint64_t h, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t
key_hash(const struct lt_loki_entry *e)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, e->stream, e->stream_len);

	h = fnv(h ^ 0xff, e->line, e->len);
	return h;
}

static void
seen_init(struct seen *s)
{
	memset(s, 0, sizeof *s);
	s->ns = ~0ull;
	lt_buf_init(&s->mem, LT_LOKI_SEEN_MAX);
}

static void
seen_free(struct seen *s)
{
	free(s->tab);
	lt_buf_free(&s->mem);
}

static void
seen_reset(struct seen *s, unsigned long long ns)
{
	if (s->tab != NULL && s->n > 0)
		memset(s->tab, 0, s->cap * sizeof *s->tab);
	s->n = 0;
	s->ns = ns;
	lt_buf_reset(&s->mem);
}

static struct slot *
seen_slot(struct seen *s, const struct lt_loki_entry *e, uint64_t h)
{
	size_t i = (size_t)h & (s->cap - 1);
	struct slot *x;

	for (;; i = (i + 1) & (s->cap - 1)) {
		x = &s->tab[i];
		if (!x->used)
			return x;
		if (x->h == h && x->stream_len == e->stream_len &&
		    x->len == e->stream_len + e->len &&
		    memcmp(s->mem.p + x->off, e->stream, e->stream_len) == 0 &&
		    memcmp(s->mem.p + x->off + e->stream_len, e->line,
		    e->len) == 0)
			return x;
	}
}

/*
 * e's slot when it was added and not yet met as often as it was added.
 * A slot whose count fell to 0 stays used: freeing it would cut the
 * probe chain of the keys placed after it.
 */
static struct slot *
seen_find(struct seen *s, const struct lt_loki_entry *e)
{
	struct slot *x;

	if (s->cap == 0 || s->n == 0)
		return NULL;
	x = seen_slot(s, e, key_hash(e));
	return x->count > 0 ? x : NULL;
}

static enum lt_status
seen_grow(struct seen *s)
{
	struct slot *old = s->tab, *x;
	size_t oldcap = s->cap, i, j;

	s->cap = oldcap ? oldcap * 2 : 64;
	if ((s->tab = calloc(s->cap, sizeof *s->tab)) == NULL) {
		s->tab = old;
		s->cap = oldcap;
		return LT_ERR_NOMEM;
	}
	for (i = 0; i < oldcap; i++) {
		if (!old[i].used)
			continue;
		for (j = (size_t)old[i].h & (s->cap - 1);
		    s->tab[j].used; j = (j + 1) & (s->cap - 1))
			;
		x = &s->tab[j];
		*x = old[i];
	}
	free(old);
	return LT_OK;
}

static enum lt_status
seen_add(struct seen *s, const struct lt_loki_entry *e)
{
	uint64_t h = key_hash(e);
	struct slot *x;
	size_t off;
	enum lt_status st;

	if ((s->n + 1) * 2 > s->cap && (st = seen_grow(s)) != LT_OK)
		return st;
	x = seen_slot(s, e, h);
	if (x->used) {
		x->count++;
		return LT_OK;
	}
	off = s->mem.len;
	if ((st = lt_buf_add(&s->mem, e->stream, e->stream_len)) != LT_OK ||
	    (st = lt_buf_add(&s->mem, e->line, e->len)) != LT_OK) {
		s->mem.len = off;
		return st;
	}
	x->h = h;
	x->off = off;
	x->stream_len = e->stream_len;
	x->len = e->stream_len + e->len;
	x->count = 1;
	x->used = 1;
	s->n++;
	return LT_OK;
}

static void
seen_swap(struct seen *a, struct seen *b)
{
	struct seen tmp = *a;

	*a = *b;
	*b = tmp;
}

/* ---- the entries of a page ---- */

/* ns as RFC 3339 with nine fraction digits (or the number). */
static void
fmt_ns(char t[LT_TIME_MAX], unsigned long long ns)
{
	if (lt_time_format(t, (long long)(ns / 1000000000u),
	    (unsigned long)(ns % 1000000000u), 9) != 0)
		snprintf(t, LT_TIME_MAX, "%llu", ns);
}

static enum lt_status
on_entry(void *ctx, const struct lt_loki_entry *e, int *keep,
    unsigned long long *no)
{
	struct loki *l = ctx;
	struct slot *x;
	enum lt_status st;

	if (e->ns < l->cursor || e->ns >= l->req_end) {
		char t[LT_TIME_MAX];

		fmt_ns(t, e->ns);
		lt_error_set(&l->hook_err, LT_ERR_SYNTAX, LT_LEVEL_ERROR,
		    LT_LOKI_SOURCE, 0, 0, "Loki returned an entry at %s, "
		    "outside the range asked for; stopping rather than "
		    "paging on (a server or proxy that ignores start and "
		    "end?)", t);
		return l->hook_st = LT_ERR_SYNTAX;
	}
	if (l->page_n++ == 0)
		l->first_ns = e->ns;
	l->last_ns = e->ns;
	if (e->ns != l->cur.ns)
		seen_reset(&l->cur, e->ns);
	if ((st = seen_add(&l->cur, e)) != LT_OK) {
		if (st == LT_ERR_LIMIT)
			lt_error_set(&l->hook_err, st, LT_LEVEL_ERROR,
			    LT_LOKI_SOURCE, 0, 0, "the entries sharing one "
			    "timestamp take more than %u MiB to remember; "
			    "lower --batch", LT_LOKI_SEEN_MAX >> 20);
		return l->hook_st = st;
	}
	if (e->ns == l->prev.ns && (x = seen_find(&l->prev, e)) != NULL) {
		x->count--;	/* on the page before: classified then */
		*keep = 0;
		return LT_OK;
	}
	if (l->o->limit > 0 && l->numbered >= l->o->limit) {
		l->limit_hit = 1;
		*keep = 0;
		return LT_OK;
	}
	*no = ++l->numbered;
	return LT_OK;
}

/* An entry of the page: pushed on unless seen (or past the limit). */
static enum lt_status
on_doc_entry(void *ctx, const struct lt_loki_entry *e, struct lt_record *r)
{
	struct loki *l = ctx;
	unsigned long long no = r->no;
	enum lt_status st;
	int keep = 1;

	if ((st = on_entry(l, e, &keep, &no)) != LT_OK || !keep)
		return st;
	r->no = no;
	return lt_triage_entry(l->t, r);
}

/* ---- HTTP ---- */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct loki *l = ctx;
	size_t n = size * nmemb, room;
	enum lt_status st;

	if (l->code == 0)
		l->cu.easy_getinfo(l->curl, CURLINFO_RESPONSE_CODE, &l->code);
	if (l->code != 200) {
		room = LT_LOKI_ERROR_TEXT_MAX - l->ebody.len;
		(void)lt_buf_add(&l->ebody, p, n < room ? n : room);
		return n;
	}
	if ((st = lt_buf_add(&l->doc, p, n)) != LT_OK) {
		l->feed_st = st;
		return 0;	/* curl ends the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

static int
on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	const struct loki *l = ctx;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return l->o->interrupted != NULL && *l->o->interrupted ? 1 : 0;
}

/* Sleep ms, or less when interrupted; 1 when interrupted. */
static int
nap(const struct loki *l, unsigned long ms)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	for (;;) {
		if (l->o->interrupted != NULL && *l->o->interrupted)
			return 1;
		if (nanosleep(&ts, &rem) == 0)
			break;
		if (errno != EINTR)
			break;
		ts = rem;
	}
	return l->o->interrupted != NULL && *l->o->interrupted;
}

static enum lt_status
setup(struct loki *l, struct lt_error *err)
{
	const struct lt_loki_opts *o = l->o;
	struct lt_buf h;
	enum lt_status st = LT_OK;
	CURL *c;

	lt_buf_init(&h, 8192);
	if ((c = l->curl = l->cu.easy_init()) == NULL)
		return LT_ERR_NOMEM;
	l->cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	l->cu.easy_setopt(c, CURLOPT_ERRORBUFFER, l->curl_err);
	l->cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	l->cu.easy_setopt(c, CURLOPT_WRITEDATA, l);
	l->cu.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	l->cu.easy_setopt(c, CURLOPT_XFERINFODATA, l);
	l->cu.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	l->cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)o->timeout_ms);
	l->cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	l->cu.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)LT_LOKI_DOC_MAX);
	l->cu.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	l->cu.easy_setopt(c, CURLOPT_USERAGENT, "logtriage");
	l->cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->username != NULL) {
		l->cu.easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		l->cu.easy_setopt(c, CURLOPT_USERNAME, o->username);
		l->cu.easy_setopt(c, CURLOPT_PASSWORD,
		    o->password ? o->password : "");
	}
	if (o->ca_cert != NULL)
		l->cu.easy_setopt(c, CURLOPT_CAINFO, o->ca_cert);
	if (o->client_cert != NULL)
		l->cu.easy_setopt(c, CURLOPT_SSLCERT, o->client_cert);
	if (o->client_key != NULL)
		l->cu.easy_setopt(c, CURLOPT_SSLKEY, o->client_key);
	if (o->tls_skip_verify) {
		l->cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		l->cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->org_id != NULL) {
		if (strpbrk(o->org_id, "\r\n") != NULL)
			goto bad_header;
		lt_buf_reset(&h);
		if ((st = lt_buf_addf(&h, "X-Scope-OrgID: %s", o->org_id)) !=
		    LT_OK)
			goto out;
		if ((l->hdr = l->cu.slist_append(l->hdr, h.p)) == NULL)
			goto nomem;
	}
	if (o->bearer_token != NULL) {
		if (strpbrk(o->bearer_token, "\r\n") != NULL)
			goto bad_header;
		lt_buf_reset(&h);
		if ((st = lt_buf_addf(&h, "Authorization: Bearer %s",
		    o->bearer_token)) != LT_OK)
			goto out;
		if ((l->hdr = l->cu.slist_append(l->hdr, h.p)) == NULL)
			goto nomem;
	}
	l->cu.easy_setopt(c, CURLOPT_HTTPHEADER, l->hdr);
	goto out;
bad_header:
	lt_error_set(err, LT_ERR_ARG, LT_LEVEL_ERROR, LT_LOKI_SOURCE, 0, 0,
	    "the org ID or token holds a line break");
	st = LT_ERR_ARG;
	goto out;
nomem:
	st = LT_ERR_NOMEM;
out:
	if (h.p != NULL)	/* it may have held the token */
		memset(h.p, 0, h.cap);
	lt_buf_free(&h);
	return st;
}

static enum lt_status
set_url(struct loki *l, unsigned long long start, unsigned long long end,
    unsigned limit)
{
	const char *a = l->o->addr;
	size_t n = strlen(a);
	enum lt_status st;
	char *q;

	while (n > 0 && a[n - 1] == '/')
		n--;
	if ((q = l->cu.easy_escape(l->curl, l->o->query, 0)) == NULL)
		return LT_ERR_NOMEM;
	lt_buf_reset(&l->url);
	if ((st = lt_buf_add(&l->url, a, n)) == LT_OK)
		st = lt_buf_addf(&l->url, "/loki/api/v1/query_range?query=%s"
		    "&start=%llu&end=%llu&limit=%u&direction=forward", q, start,
		    end, limit);
	l->cu.free(q);
	if (st == LT_OK)
		l->cu.easy_setopt(l->curl, CURLOPT_URL, l->url.p);
	return st;
}

static int
retryable(CURLcode rc, long code)
{
	switch (rc) {
	case CURLE_OK:
		return code == 429 || code >= 500;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

/* The text of an error reply: one line, control bytes as spaces. */
static void
error_text(struct loki *l, char *out, size_t cap)
{
	size_t n = l->ebody.len, i;

	while (n > 0 && strchr(" \t\r\n", l->ebody.p[n - 1]) != NULL)
		n--;
	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)l->ebody.p[i] < 0x20 ? ' ' :
		    l->ebody.p[i];
	out[n] = '\0';
}

/*
 * One page: the reply to a request for [start, end), fed to the triage;
 * retried as the policy says.  LT_OK when a 200 body was fed whole (the
 * caller ends the document), LT_STOP when interrupted, or an error.
 */
static enum lt_status
fetch(struct loki *l, unsigned long long start, unsigned long long end,
    unsigned limit, struct lt_error *err)
{
	const struct lt_loki_opts *o = l->o;
	char text[LT_LOKI_ERROR_TEXT_MAX + 1], what[LT_MESSAGE_MAX];
	unsigned long wait;
	unsigned attempt;
	enum lt_status st;
	curl_off_t after;
	CURLcode rc;

	if ((st = set_url(l, start, end, limit)) != LT_OK)
		return st;
	for (attempt = 0;; attempt++) {
		lt_buf_reset(&l->doc);	/* drop what a failed try read */
		l->code = 0;
		l->feed_st = LT_OK;
		l->curl_err[0] = '\0';
		lt_buf_reset(&l->ebody);
		rc = l->cu.easy_perform(l->curl);
		if (o->interrupted != NULL && *o->interrupted)
			return LT_STOP;
		if (rc == CURLE_OK)
			l->cu.easy_getinfo(l->curl, CURLINFO_RESPONSE_CODE,
			    &l->code);
		if (rc == CURLE_OK && l->code == 200)
			return LT_OK;
		if (rc == CURLE_WRITE_ERROR && l->feed_st != LT_OK) {
			/* a document over its cap */
			if (l->feed_st == LT_ERR_LIMIT)
				lt_error_set(err, LT_ERR_LIMIT, LT_LEVEL_ERROR,
				    LT_LOKI_SOURCE, 0, 0, "Loki response is "
				    "larger than %u MiB, the cap for one "
				    "document", LT_LOKI_DOC_MAX >> 20);
			else
				lt_error_set(err, l->feed_st, LT_LEVEL_ERROR,
				    LT_LOKI_SOURCE, 0, 0, "%s",
				    lt_status_str(l->feed_st));
			return l->feed_st;
		}
		if (rc == CURLE_FILESIZE_EXCEEDED) {
			lt_error_set(err, LT_ERR_LIMIT, LT_LEVEL_ERROR,
			    LT_LOKI_SOURCE, 0, 0, "Loki response is larger "
			    "than %u MiB, the cap for one document",
			    LT_LOKI_DOC_MAX >> 20);
			return LT_ERR_LIMIT;
		}
		if (rc != CURLE_OK) {
			snprintf(what, sizeof what, "%s", l->curl_err[0] ?
			    l->curl_err : l->cu.easy_strerror(rc));
		} else {
			error_text(l, text, sizeof text);
			snprintf(what, sizeof what, "%ld: %s", l->code,
			    text[0] ? text : "(no text)");
		}
		if (!retryable(rc, l->code) || attempt >= o->retries) {
			lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR,
			    LT_LOKI_SOURCE, 0, 0, "%s%s", what,
			    attempt > 0 && retryable(rc, l->code) ?
			    " (retries exhausted)" : "");
			return LT_ERR_NET;
		}
		wait = o->backoff_ms << (attempt < 16 ? attempt : 16);
		/* libcurl reads Retry-After (seconds or an HTTP date); 0 when
		 * the reply has none */
		if (rc == CURLE_OK && l->cu.easy_getinfo(l->curl,
		    CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
			wait = after > (curl_off_t)(ULONG_MAX / 1000) ?
			    ULONG_MAX : (unsigned long)after * 1000;
		if (wait > o->retry_after_max_ms)
			wait = o->retry_after_max_ms;
		if (o->diag != NULL) {
			struct lt_error note;

			lt_error_set(&note, LT_ERR_NET, LT_LEVEL_NOTE,
			    LT_LOKI_SOURCE, 0, 0,
			    "%s; retry %u of %u in %lu.%03lu s",
			    what, attempt + 1, o->retries, wait / 1000,
			    wait % 1000);
			o->diag(o->diag_ctx, &note);
		}
		if (nap(l, wait))
			return LT_STOP;
	}
}

/*
 * Read [cursor, end) page by page.  LT_OK when the range is done (or
 * the limit reached), LT_STOP, or an error.
 *
 * A full page ends at the timestamp T of its newest entry, and the next
 * one starts at T again.  When the whole page is at T, starting at T
 * again would return it once more: instead the instant [T, T + 1) alone
 * is asked for, with the largest limit Loki allows by default
 * (LT_LOKI_BATCH_MAX), and the next page starts at T + 1.  Only when
 * even that page is full is there no way on without losing lines.
 * Every page either moves the cursor or is that one request for an
 * instant, so paging ends; entries outside the range asked for are an
 * error (in on_entry), so a server that ignores start cannot make it
 * loop.
 */
static enum lt_status
pages(struct loki *l, unsigned long long end, struct lt_error *err)
{
	char msg[LT_MESSAGE_MAX];
	enum lt_status st, pst;
	unsigned limit;
	int full;

	while (!l->limit_hit) {
		if (l->cursor >= end)
			return LT_OK;
		limit = l->tie ? LT_LOKI_BATCH_MAX : l->o->batch;
		l->req_end = l->tie ? l->cursor + 1 : end;
		if ((st = fetch(l, l->cursor, l->req_end, limit, err)) !=
		    LT_OK)
			return st;
		l->page_n = 0;
		l->hook_st = LT_OK;
		seen_reset(&l->cur, ~0ull);
		pst = lt_loki_doc_parse(l->doc.p, l->doc.len, 1, on_doc_entry, l,
		    msg, sizeof msg);
		lt_buf_free(&l->doc);	/* may be large: give it back */
		/* the page ends: matches waiting for context or evidence go */
		st = lt_triage_end(l->t, err);
		if (l->hook_st != LT_OK) {
			if (l->hook_err.message[0] != '\0')
				*err = l->hook_err;
			return l->hook_st;
		}
		if (pst != LT_OK) {
			if (msg[0] != '\0')
				lt_error_set(err, pst, LT_LEVEL_ERROR,
				    LT_LOKI_SOURCE, 0, 0, "%s", msg);
			return pst;
		}
		if (st != LT_OK)
			return st;
		full = l->page_n >= limit;
		if (full && l->first_ns == l->last_ns &&
		    (l->tie || limit >= LT_LOKI_BATCH_MAX)) {
			char t[LT_TIME_MAX];

			fmt_ns(t, l->last_ns);
			lt_error_set(err, LT_ERR_LIMIT, LT_LEVEL_ERROR,
			    LT_LOKI_SOURCE, 0, 0, "%u or more entries share "
			    "the timestamp %s: no page can hold them, and "
			    "paging past them could lose lines; narrow the "
			    "query", limit, t);
			return LT_ERR_LIMIT;
		}
		if (l->tie) {	/* every entry at the cursor was read */
			l->tie = 0;
			seen_reset(&l->prev, ~0ull);
			l->cursor++;
			continue;
		}
		if (l->page_n > 0) {
			seen_swap(&l->prev, &l->cur);
			l->cursor = l->last_ns;
		}
		if (full && l->first_ns == l->last_ns)
			l->tie = 1;
		else if (!full)
			return LT_OK;
	}
	return LT_OK;
}

/*
 * Where a read up to now ends.  With follow, delay_ms before now: the
 * cursor moves on to the newest timestamp read, so an entry that reaches
 * Loki after a newer one of another stream was read would never be asked
 * for.  Clients send in batches (Promtail waits up to a second), so that
 * is the common case, not a race; Loki's own tail waits the same way
 * (delay_for).
 */
static unsigned long long
follow_end(const struct lt_loki_opts *o)
{
	unsigned long long now = lt_loki_now(), d;

	if (!o->follow)
		return now;
	d = (unsigned long long)o->delay_ms * 1000000ull;
	return now > d ? now - d : 0;
}

void
lt_loki_opts_init(struct lt_loki_opts *o)
{
	memset(o, 0, sizeof *o);
	o->batch = LT_LOKI_BATCH_DEFAULT;
	o->timeout_ms = LT_LOKI_TIMEOUT_MS;
	o->retries = LT_LOKI_RETRIES_DEFAULT;
	o->backoff_ms = LT_LOKI_BACKOFF_MS;
	o->retry_after_max_ms = LT_LOKI_RETRY_AFTER_MAX_MS;
	o->interval_ms = LT_LOKI_INTERVAL_MS;
	o->delay_ms = LT_LOKI_DELAY_MS;
}

enum lt_status
lt_loki_run(const struct lt_loki_opts *o, struct lt_triage *t,
    struct lt_error *err)
{
	struct loki l;
	unsigned long long end;
	enum lt_status st;
	char why[256];

	lt_error_clear(err);
	if (o->addr == NULL || o->query == NULL || o->batch == 0 ||
	    o->batch > LT_LOKI_BATCH_MAX || o->retries > LT_LOKI_RETRIES_MAX ||
	    o->timeout_ms == 0) {
		lt_error_set(err, LT_ERR_ARG, LT_LEVEL_ERROR, LT_LOKI_SOURCE, 0,
		    0, "bad options");
		return LT_ERR_ARG;
	}
	memset(&l, 0, sizeof l);
	l.o = o;
	l.t = t;
	l.cursor = o->start_ns;
	lt_buf_init(&l.url, URL_MAX);
	lt_buf_init(&l.ebody, LT_LOKI_ERROR_TEXT_MAX);
	lt_buf_init(&l.doc, LT_LOKI_DOC_MAX);
	seen_init(&l.prev);
	seen_init(&l.cur);
	if (lt_curl_load(&l.cu, why, sizeof why) != 0) {
		lt_error_set(err, LT_ERR_NET, LT_LEVEL_ERROR, LT_LOKI_SOURCE, 0,
		    0, "%s", why);
		st = LT_ERR_NET;
		goto done;
	}
	if (l.cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		st = LT_ERR_NOMEM;
		goto unload;
	}
	if ((st = setup(&l, err)) != LT_OK)
		goto out;
	if ((st = lt_triage_begin_entries(t, LT_LOKI_SOURCE)) != LT_OK)
		goto out;
	/* a time range ends on its own; only --follow is live */
	lt_triage_set_live(t, o->follow);
	end = o->end_ns ? o->end_ns : follow_end(o);
	st = pages(&l, end, err);
	while (st == LT_OK && o->follow && !l.limit_hit) {
		if (nap(&l, o->interval_ms)) {
			st = LT_STOP;
			break;
		}
		st = pages(&l, follow_end(o), err);
	}
out:
	l.cu.slist_free_all(l.hdr);
	l.cu.easy_cleanup(l.curl);
	l.cu.global_cleanup();
unload:
	lt_curl_unload(&l.cu);
done:
	lt_buf_free(&l.url);
	lt_buf_free(&l.ebody);
	lt_buf_free(&l.doc);
	seen_free(&l.prev);
	seen_free(&l.cur);
	if (st == LT_ERR_NOMEM && err->message[0] == '\0')
		lt_error_set(err, st, LT_LEVEL_ERROR, LT_LOKI_SOURCE, 0, 0,
		    "out of memory");
	if (st == LT_OK && o->interrupted != NULL && *o->interrupted)
		st = LT_STOP;
	return st;
}

/*
 * listen.c - the exporter's HTTP server: GET /metrics and /healthz for a
 * run that does not end (logtriage --listen), as mtail and
 * grok_exporter serve theirs.
 *
 * The server is libmicrohttpd's, not one of our own: HTTP/1.1 parsing,
 * keep-alive, timeouts and connection limits are its job.  Like libcurl
 * (util/curl_dl.c) it is loaded with dlopen() when --listen asks for it,
 * so that the runs that do not serve do not load it and GnuTLS behind
 * it; its header still checks the types at compile time.
 *
 * Threads.  libmicrohttpd answers requests on one thread of its own
 * (MHD_USE_INTERNAL_POLLING_THREAD, one request at a time), while the
 * pipeline runs on the caller's thread.  They share exactly one thing,
 * the registry (metrics.c), and one mutex guards it:
 *   - the pipeline thread takes the lock in the observer hooks, for one
 *     match (a hash lookup and an addition) or one progress (a copy of
 *     the verdict's counters and state);
 *   - the server thread takes it to render the registry into a buffer
 *     of its own, and answers after letting go.
 * Nothing else crosses: the ruleset both read is immutable once
 * compiled, the verdict is read only by the pipeline thread (progress
 * copies what a scrape shows), and the response buffer belongs to the
 * server thread and then to libmicrohttpd, which frees it.  So a scrape
 * sees the counters as of the last match or flush, never half of an
 * update, and neither side holds the lock while doing I/O.
 *
 * Signals.  SIGINT and SIGTERM must interrupt the pipeline's read(2)
 * (main.c), so the server thread is started with every signal blocked
 * and they are delivered to the caller's thread only.
 *
 * The listening socket is made here (getaddrinfo, bind, listen) and
 * handed to libmicrohttpd, so that "address in use" is reported as such
 * and port 0 tells which port it got.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "logtriage/buf.h"
#include "listen.h"
#include "util/dl.h"

#define RENDER_MAX ((size_t)256 << 20)	/* a scrape's body, at most */
#define CONN_MAX 32u			/* clients at once */
#define CONN_TIMEOUT_S 10u		/* an idle connection is closed */

struct mhd {
	void *lib;
	struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t,
	    MHD_AcceptPolicyCallback, void *, MHD_AccessHandlerCallback,
	    void *, ...);
	void (*stop_daemon)(struct MHD_Daemon *);
	struct MHD_Response *(*create_response)(size_t, void *,
	    enum MHD_ResponseMemoryMode);
	enum MHD_Result (*add_header)(struct MHD_Response *, const char *,
	    const char *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int,
	    struct MHD_Response *);
	void (*destroy_response)(struct MHD_Response *);
};

struct lt_listen {
	struct mhd f;
	struct MHD_Daemon *d;
	pthread_mutex_t mu;	/* guards x */
	struct lt_metrics *x;
	char where[128];
};

#define SYM(f, name, field) LT_DL_SYM((f)->lib, (name), (f)->field)

static int
mhd_load(struct mhd *f, char *why, size_t size)
{
	static const char *const names[] = { "libmicrohttpd.so.12",
	    "libmicrohttpd.so" };

	memset(f, 0, sizeof *f);
	if ((f->lib = lt_dl_open(names, sizeof names / sizeof names[0],
	    "libmicrohttpd", why, size)) == NULL)
		return -1;
	if (SYM(f, "MHD_start_daemon", start_daemon) ||
	    SYM(f, "MHD_stop_daemon", stop_daemon) ||
	    SYM(f, "MHD_create_response_from_buffer", create_response) ||
	    SYM(f, "MHD_add_response_header", add_header) ||
	    SYM(f, "MHD_queue_response", queue_response) ||
	    SYM(f, "MHD_destroy_response", destroy_response)) {
		snprintf(why, size, "libmicrohttpd lacks a function logtriage "
		    "uses");
		return -1;
	}
	return 0;
}

/* Queue status with body[0..n) (copied, or taken when owned: freed). */
static enum MHD_Result
answer(struct lt_listen *l, struct MHD_Connection *c, unsigned status,
    const char *type, char *body, size_t n, int owned)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = l->f.create_response(n, body, owned ? MHD_RESPMEM_MUST_FREE :
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (owned)
			free(body);
		return MHD_NO;	/* libmicrohttpd closes the connection */
	}
	(void)l->f.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)l->f.add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = l->f.queue_response(c, status, r);
	l->f.destroy_response(r);	/* queued: libmicrohttpd keeps it */
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req)
{
	static char ok[] = "ok\n", index[] = "logtriage exporter: /metrics, "
	    "/healthz\n", missing[] = "not found: try /metrics\n",
	    not_allowed[] = "only GET and HEAD\n", failed[] =
	    "cannot render the metrics\n";
	static const char text[] = "text/plain; charset=utf-8";
	struct lt_listen *l = cls;
	struct lt_buf b;
	enum lt_status st;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer(l, c, MHD_HTTP_METHOD_NOT_ALLOWED, text,
		    not_allowed, sizeof not_allowed - 1, 0);
	if (strcmp(url, "/healthz") == 0)
		return answer(l, c, MHD_HTTP_OK, text, ok, sizeof ok - 1, 0);
	if (strcmp(url, "/") == 0)
		return answer(l, c, MHD_HTTP_OK, text, index, sizeof index - 1,
		    0);
	if (strcmp(url, "/metrics") != 0)
		return answer(l, c, MHD_HTTP_NOT_FOUND, text, missing,
		    sizeof missing - 1, 0);
	lt_buf_init(&b, RENDER_MAX);
	pthread_mutex_lock(&l->mu);
	st = lt_metrics_render(l->x, &b);
	pthread_mutex_unlock(&l->mu);
	if (st != LT_OK || b.p == NULL) {
		lt_buf_free(&b);
		return answer(l, c, MHD_HTTP_INTERNAL_SERVER_ERROR, text,
		    failed, sizeof failed - 1, 0);
	}
	return answer(l, c, MHD_HTTP_OK, "text/plain; version=0.0.4; "
	    "charset=utf-8", b.p, b.len, 1);
}

void
lt_listen_on_match(void *ctx, const struct lt_match *m, unsigned long long n)
{
	struct lt_listen *l = ctx;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&l->mu);
	lt_metrics_match(l->x, m, n, (double)ts.tv_sec +
	    (double)(ts.tv_nsec / 1000000) / 1000.0);
	pthread_mutex_unlock(&l->mu);
}

void
lt_listen_on_progress(void *ctx, const struct lt_verdict *v)
{
	struct lt_listen *l = ctx;

	pthread_mutex_lock(&l->mu);
	lt_metrics_progress(l->x, v);
	pthread_mutex_unlock(&l->mu);
}

/* Split "HOST:PORT", "[V6]:PORT", ":PORT"; 0, or -1 with why. */
static int
split_addr(const char *addr, char *host, size_t hsize, char *port,
    size_t psize, char *why, size_t size)
{
	const char *colon, *h = addr, *he;
	size_t n;

	if (addr[0] == '[') {
		h = addr + 1;
		if ((he = strchr(h, ']')) == NULL || he[1] != ':') {
			snprintf(why, size, "'%s': expected [IPV6]:PORT", addr);
			return -1;
		}
		colon = he + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL || memchr(addr, ':', (size_t)(colon - addr))
		    != NULL) {
			snprintf(why, size, "'%s': expected HOST:PORT, :PORT or "
			    "[IPV6]:PORT", addr);
			return -1;
		}
		he = colon;
	}
	n = (size_t)(he - h);
	if (n >= hsize || strlen(colon + 1) >= psize) {
		snprintf(why, size, "'%s': too long", addr);
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	n = strspn(colon + 1, "0123456789");
	if (n == 0 || colon[1 + n] != '\0' || n > 5 || strtol(colon + 1, NULL, 10) >
	    65535) {
		snprintf(why, size, "'%s': the port is not a number from 0 to "
		    "65535", addr);
		return -1;
	}
	memcpy(port, colon + 1, n + 1);
	if (host[0] == '\0')
		memcpy(host, "0.0.0.0", sizeof "0.0.0.0");
	return 0;
}

/* A listening socket for addr; its fd, or -1 with why. */
static int
open_socket(const char *addr, char *where, size_t wsize, int *family,
    char *why, size_t size)
{
	char host[256], port[8], nh[INET6_ADDRSTRLEN + 8], np[8];
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = -1, one = 1, rc;

	if (split_addr(addr, host, sizeof host, port, sizeof port, why,
	    size) != 0)
		return -1;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(why, size, "'%s': %s", host, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, nh, sizeof nh, np,
	    sizeof np, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(why, size, "%s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
		goto out;
	}
	*family = ai->ai_family;
	snprintf(where, wsize, ai->ai_family == AF_INET6 ? "[%s]:%s" :
	    "%s:%s", nh, np);
out:
	freeaddrinfo(ai);
	return fd;
}

struct lt_listen *
lt_listen_start(const char *addr, struct lt_metrics *x, char *why,
    size_t size)
{
	struct lt_listen *l;
	sigset_t all, old;
	int fd = -1, family = AF_INET;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;

	if ((l = calloc(1, sizeof *l)) == NULL) {
		snprintf(why, size, "out of memory");
		return NULL;
	}
	l->x = x;
	if (pthread_mutex_init(&l->mu, NULL) != 0) {
		snprintf(why, size, "cannot make a lock");
		free(l);
		return NULL;
	}
	if (mhd_load(&l->f, why, size) != 0)
		goto fail;
	if ((fd = open_socket(addr, l->where, sizeof l->where, &family, why,
	    size)) < 0)
		goto fail;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);	/* the server thread's */
	l->d = l->f.start_daemon(flags, 0, NULL, NULL, on_request, l,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, CONN_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT_S,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (l->d == NULL) {
		snprintf(why, size, "%s: libmicrohttpd cannot start its server",
		    addr);
		goto fail;
	}
	return l;
fail:
	if (fd >= 0)
		close(fd);
	/* l->f.lib stays loaded, as libcurl does: see util/curl_dl.c */
	pthread_mutex_destroy(&l->mu);
	free(l);
	return NULL;
}

const char *
lt_listen_where(const struct lt_listen *l)
{
	return l->where;
}

void
lt_listen_stop(struct lt_listen *l)
{
	if (l == NULL)
		return;
	l->f.stop_daemon(l->d);	/* joins its thread, closes the socket */
	/* the library stays loaded (its TLS library too): see util/curl_dl.c */
	pthread_mutex_destroy(&l->mu);
	free(l);
}

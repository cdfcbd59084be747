/*
 * listen.h - the exporter's HTTP server (listen.c): /metrics and
 * /healthz for a long run (logtriage --listen).  Not part of the
 * library's ABI: the executable uses it through the static library.
 */
#ifndef LT_LISTEN_H
#define LT_LISTEN_H

#include <stddef.h>

#include "emit/metrics.h"
#include "logtriage/verdict.h"

struct lt_listen;

/*
 * Serve x at addr: "HOST:PORT", "[IPV6]:PORT" or ":PORT" (every IPv4
 * address); port 0 takes a free one.  HOST may be a name; its first
 * address is used.  x must outlive the server, and after this call is
 * read and changed only through the server's hooks below.  NULL on
 * failure, with why (cut to size bytes).
 */
struct lt_listen *lt_listen_start(const char *addr, struct lt_metrics *x,
    char *why, size_t size);

/* Where it listens, "127.0.0.1:9411" or "[::1]:9411" (the port bound). */
const char *lt_listen_where(const struct lt_listen *l);

/* The observer hooks of lt_triage_opts; ctx is the struct lt_listen. */
void lt_listen_on_match(void *ctx, const struct lt_match *m,
    unsigned long long n);
void lt_listen_on_progress(void *ctx, const struct lt_verdict *v);

/* Stop serving (waits for the request being answered) and free l. */
void lt_listen_stop(struct lt_listen *l);

#endif

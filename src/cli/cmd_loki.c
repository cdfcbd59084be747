/*
 * cmd_loki.c - the executable's side of the Loki source: what logcli
 * users expect from the command line and the environment, turned into
 * struct lt_loki_opts for the library, and its outcome into messages.
 *
 * The library reads no environment, so everything logcli takes from
 * LOKI_* variables is read here, and an option given on the command
 * line wins over its variable.  Secrets (the password, the bearer token)
 * come only from the environment or a token file, never from argv where
 * ps(1) would show them, and no message here ever prints them.
 *
 * The query is sent with the rules' line filter appended (logql.c)
 * unless --no-pushdown; when the rules cannot be pushed down, a note
 * says which pattern stopped it and the query goes without the filter.
 * Errors of the source are printed as "logtriage: loki: MESSAGE", such
 * as "logtriage: loki: 400: parse error at line 1, col 21: ...", and
 * count as an input that could not be read (exit status 3).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "logtriage/logql.h"

#define TOKEN_MAX 16384u	/* bytes of a bearer token file */
#define DEFAULT_SINCE_NS 3600000000000ull	/* 1h, as logcli */

/* A variable's value; NULL when unset or empty. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static int
env_true(const char *name)
{
	const char *v = env(name);

	return v != NULL && (strcmp(v, "1") == 0 ||
	    strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0);
}

/* Read a token file into buf (NUL-ended, without trailing space). */
static int
read_token(const char *path, char *buf, size_t cap)
{
	ssize_t got;
	size_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		cli_warn("loki: error: cannot read the bearer token file '%s': "
		    "%s", path, strerror(errno));
		return -1;
	}
	while (n + 1 < cap) {
		got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]) != NULL)
		n--;
	buf[n] = '\0';
	if (n == 0 || n + 1 >= cap || strpbrk(buf, "\r\n") != NULL) {
		cli_warn("loki: error: the bearer token file '%s' is empty, "
		    "too long, or has more than one line", path);
		return -1;
	}
	return 0;
}

/* Options (c->lo as given) and environment into o; 0, or -1 (reported). */
static int
settle(const struct cli *c, struct lt_loki_opts *o, char *token, size_t cap)
{
	const char *f;
	unsigned long long now = lt_loki_now();

	if (c->n_files > 0) {
		cli_warn("error: no FILE operands with --loki ('%s')",
		    c->files[0]);
		return -1;
	}
	if (o->addr == NULL && (o->addr = env("LOKI_ADDR")) == NULL) {
		cli_warn("error: no Loki address: give --loki URL or set "
		    "LOKI_ADDR");
		return -1;
	}
	if (o->query == NULL || strspn(o->query, " \t\r\n") ==
	    strlen(o->query)) {
		cli_warn("error: no LogQL query: give -q '{job=\"...\"}'");
		return -1;
	}
	if (c->has_since && c->has_from) {
		cli_warn("error: --since and --from exclude each other");
		return -1;
	}
	if (o->follow && c->has_to) {
		cli_warn("error: --follow and --to exclude each other");
		return -1;
	}
	o->end_ns = c->has_to ? c->to_ns : 0;
	if (c->has_from)
		o->start_ns = c->from_ns;
	else
		o->start_ns = now - (c->has_since ? (c->since_ns < now ?
		    c->since_ns : now) : DEFAULT_SINCE_NS);
	if (c->has_to && o->end_ns <= o->start_ns) {
		cli_warn("error: the time range is empty (--to is not after "
		    "the start)");
		return -1;
	}
	if (o->org_id == NULL)
		o->org_id = env("LOKI_ORG_ID");
	if (o->username == NULL)
		o->username = env("LOKI_USERNAME");
	o->password = env("LOKI_PASSWORD");
	if (o->username == NULL && o->password != NULL) {
		cli_warn("error: LOKI_PASSWORD is set but no user name: set "
		    "LOKI_USERNAME or give --username");
		return -1;
	}
	o->bearer_token = env("LOKI_BEARER_TOKEN");
	if ((f = c->token_file) != NULL ||
	    (o->bearer_token == NULL &&
	    (f = env("LOKI_BEARER_TOKEN_FILE")) != NULL)) {
		if (read_token(f, token, cap) != 0)
			return -1;
		o->bearer_token = token;
	}
	if (o->bearer_token != NULL && o->username != NULL) {
		cli_warn("error: both basic auth (LOKI_USERNAME) and a bearer "
		    "token are set: use one");
		return -1;
	}
	if (o->ca_cert == NULL)
		o->ca_cert = env("LOKI_CA_CERT_PATH");
	if (o->client_cert == NULL)
		o->client_cert = env("LOKI_CLIENT_CERT_PATH");
	if (o->client_key == NULL)
		o->client_key = env("LOKI_CLIENT_KEY_PATH");
	if (!o->tls_skip_verify)
		o->tls_skip_verify = env_true("LOKI_TLS_SKIP_VERIFY");
	return 0;
}

/*
 * The pushdown note: "FILE:LINE: note: no rule pushdown (...): WHY" when
 * nothing could be pushed, else "note: pushdown: WHAT".
 */
static void
report_note(struct lt_error *note, int pushed)
{
	char msg[LT_MESSAGE_MAX];

	if (note->message[0] == '\0')
		return;
	if (!pushed) {
		snprintf(msg, sizeof msg, "no rule pushdown (the query goes "
		    "without a line filter): %.400s", note->message);
		snprintf(note->message, sizeof note->message, "%s", msg);
	}
	note->level = LT_LEVEL_NOTE;
	cli_error_report(note);
}

/*
 * The query to send, into q; 0, or -1 (reported).  The pushdown note is
 * printed when nothing could be pushed (Loki then sends every line), or
 * always with always set (logtriage logql, --verbose): a coarser filter
 * is still a superset, so it is no news without being asked.
 */
static int
build_query(const char *selector, const struct lt_ruleset *rs,
    int no_pushdown, int always, struct lt_buf *q)
{
	struct lt_error note;
	enum lt_status st;
	int pushed;

	lt_error_clear(&note);
	st = lt_logql_query(selector, no_pushdown ? NULL : rs, q, &pushed,
	    &note);
	if (st != LT_OK) {
		cli_warn("error: %s", st == LT_ERR_ARG ? "empty LogQL query" :
		    st == LT_ERR_LIMIT ? "the LogQL query is too long" :
		    lt_status_str(st));
		return -1;
	}
	if (!no_pushdown && (always || !pushed))
		report_note(&note, pushed);
	return lt_buf_addc(q, '\0') == LT_OK ? 0 : -1;
}

int
cli_loki_run(const struct cli *c, const struct lt_ruleset *rs,
    struct lt_triage *t, volatile sig_atomic_t *interrupted, int *stop)
{
	struct lt_loki_opts lo = c->lo;
	char token[TOKEN_MAX];
	struct lt_error err;
	struct lt_buf q;
	enum lt_status st;
	int show = 1, rc = 0;

	memset(token, 0, sizeof token);
	lt_buf_init(&q, LT_LOGQL_QUERY_MAX + 1);
	if (settle(c, &lo, token, sizeof token) != 0 ||
	    build_query(lo.query, rs, c->no_pushdown, c->verbose, &q) != 0) {
		*stop = 1;
		rc = -3;
		goto out;
	}
	lo.query = q.p;
	lo.interrupted = interrupted;
	lo.diag = cli_diag;
	lo.diag_ctx = &show;
	st = lt_loki_run(&lo, t, &err);
	if (st == LT_STOP) {
		*stop = 1;
	} else if (st == LT_ERR_NOMEM || st == LT_ERR_IO) {
		if (st == LT_ERR_NOMEM)
			cli_warn("loki: error: out of memory");
		*stop = 1;
		rc = -2;
	} else if (st != LT_OK) {
		cli_warn("%s: %s", err.origin[0] ? err.origin : "loki",
		    err.message[0] ? err.message : lt_status_str(st));
		lt_triage_input_failed(t, NULL);
		rc = -1;
	}
out:
	memset(token, 0, sizeof token);
	lt_buf_free(&q);
	return rc;
}

int
cli_cmd_logql(const struct cli *c, const struct lt_ruleset *rs)
{
	struct lt_buf q;
	int rc = EXIT_CLEAN;

	if (c->n_files != 1) {
		cli_warn("error: logql needs one SELECTOR, such as "
		    "'{job=\"github-runner\"}'");
		return EXIT_USAGE;
	}
	lt_buf_init(&q, LT_LOGQL_QUERY_MAX + 1);
	if (build_query(c->files[0], rs, c->no_pushdown, 1, &q) != 0)
		rc = EXIT_USAGE;
	else if (printf("%s\n", q.p) < 0 || fflush(stdout) != 0)
		rc = EXIT_INPUT;
	lt_buf_free(&q);
	return rc;
}

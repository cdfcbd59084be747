/*
 * main.c - the logtriage executable: parse options, load rules, wire the
 * sources to the library, map the outcome to an exit status.  Nothing
 * here classifies anything; see src/ for that.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "emit/listen.h"
#include "emit/metrics.h"
#include "logtriage/archive.h"
#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "logtriage/notify.h"
#include "logtriage/push.h"
#include "logtriage/rules.h"
#include "logtriage/source.h"
#include "logtriage/triage.h"

_Static_assert(CLI_METRIC_LABELS_MAX == LT_METRICS_LABELS_MAX &&
    CLI_LABEL_NAME_MAX == LT_METRICS_NAME_MAX &&
    CLI_LABEL_SETS_DEFAULT == LT_METRICS_SETS_DEFAULT &&
    CLI_LABEL_SETS_MAX == LT_METRICS_SETS_MAX, "cli.h and metrics.h agree");

#ifndef LT_DOCDIR
#define LT_DOCDIR "/usr/local/share/doc/logtriage"
#endif

#define EMITTERS_MAX 6	/* one per LT_OUT_* format */

static volatile sig_atomic_t got_signal;
static int stdout_failed;	/* a write to standard output failed */

static void
on_signal(int sig)
{
	got_signal = sig;
}

/*
 * SIGINT and SIGTERM end the read; the summary of what was read follows.
 * SIGPIPE is ignored: a reader that left (| head) shows as EPIPE, and the
 * run still ends its own way (fence closed, step summary, push).
 */
static void
catch_signals(void)
{
	struct sigaction sa;

	signal(SIGPIPE, SIG_IGN);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: read(2) must return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * After SIGINT or SIGTERM, standard output gets STOP_GRACE_MS more to take
 * what is left (the summary): a reader that stalled must not keep the
 * run, its step summary and its push, waiting.  The signal interrupts a
 * blocked write (no SA_RESTART); from then on each write waits for room
 * with poll() until the grace ends, and writes at most PIPE_BUF bytes, a
 * size a pipe with room takes without blocking.
 */
#define STOP_GRACE_MS 2000

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* After a signal: 1 when standard output can take bytes within the grace. */
static int
room_after_signal(void)
{
	static long long deadline;
	struct pollfd pfd;
	long long left;
	int rc;

	if (deadline == 0)
		deadline = now_ms() + STOP_GRACE_MS;
	for (;;) {
		left = deadline - now_ms();
		pfd.fd = STDOUT_FILENO;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (rc < 0 && errno == EINTR)
			continue;
		return rc > 0;
	}
}

static enum lt_status
write_stdout(void *ctx, const char *p, size_t n)
{
	ssize_t w;

	(void)ctx;
	while (n > 0) {
		if (got_signal && !room_after_signal()) {
			stdout_failed = 1;
			return LT_STOP;	/* stalled after a signal: give up */
		}
		w = write(STDOUT_FILENO, p, got_signal && n > PIPE_BUF ?
		    PIPE_BUF : n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EPIPE) {
			stdout_failed = 1;
			return LT_STOP;	/* the reader left: end quietly */
		}
		if (w < 0) {
			stdout_failed = 1;
			cli_warn("error: write to standard output: %s",
			    strerror(errno));
			return LT_ERR_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return LT_OK;
}

/* Build and compile the rule set; NULL after reporting errors. */
static struct lt_ruleset *
load_rules(const struct cli *c, int show_warnings, size_t *n_errors)
{
	struct lt_rules *b = NULL;
	struct lt_ruleset *rs = NULL;
	struct lt_compile_opts co;
	int show = show_warnings, given;

	*n_errors = 0;
	if ((b = lt_rules_new(cli_diag, &show)) == NULL) {
		cli_warn("error: out of memory");
		*n_errors = 1;
		return NULL;
	}
	/*
	 * The default rules' runbooks are the installed pages, unless the
	 * user set a base (the emitters join it) or reads the pages
	 * themselves (runbook, lint: the embedded copies).
	 */
	(void)cli_runbook_base(c, &given);
	if (!given && (c->cmd & (CMD_RUN | CMD_RULES | CMD_TEST)) &&
	    lt_rules_set_runbook_base(b, LT_DOCDIR) != LT_OK) {
		cli_warn("error: out of memory");
		*n_errors = 1;
		lt_rules_free(b);
		return NULL;
	}
	if (!c->no_defaults)
		(void)lt_rules_add_defaults(b);
	else if (!c->no_redact)	/* redaction stays on: only --no-redact */
		(void)lt_rules_add_default_redactions(b);
	(void)lt_rules_set_runbook_base(b, NULL);
	cli_add_rule_paths(c, b);
	lt_compile_opts_init(&co);
	co.no_jit = c->no_jit;
	co.no_prefilter = c->no_prefilter;
	(void)lt_rules_compile(b, &co, &rs);
	*n_errors = lt_rules_error_count(b);
	lt_rules_free(b);
	return rs;
}

static int
cmd_rules(const struct lt_ruleset *rs)
{
	struct lt_buf out;
	size_t i;
	int rc = EXIT_CLEAN;

	lt_buf_init(&out, (size_t)64 << 20);
	for (i = 0; i < lt_ruleset_count(rs); i++) {
		lt_buf_reset(&out);
		if (lt_emit_json_rule(&out, lt_ruleset_rule(rs, i)) != LT_OK ||
		    write_stdout(NULL, out.p, out.len) != LT_OK) {
			rc = EXIT_INPUT;
			break;
		}
	}
	lt_buf_free(&out);
	return rc;
}

/*
 * The first read of an input: up to HEAD_SIZE bytes, as much as one
 * read(2) gives (a live pipe is not waited on), to tell a compressed
 * file or an archive by its first bytes.
 */
#define HEAD_SIZE 4096

/* Classify one operand; returns 0, or -1 when it could not be read. */
static int
run_one(struct lt_triage *t, const char *name, int *stop)
{
	struct lt_error err;
	struct stat sb;
	enum lt_status st, est;
	int fd = STDIN_FILENO, rc = 0;
	unsigned char head[HEAD_SIZE];
	ssize_t got;

	lt_error_clear(&err);
	if (strcmp(name, "-") != 0) {
		if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
			cli_warn("%s: error: cannot open: %s", name,
			    strerror(errno));
			goto unreadable_begin;
		}
		if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			cli_warn("%s: error: is a directory", name);
			goto unreadable_begin;
		}
	}
	do
		got = read(fd, head, sizeof head);
	while (got < 0 && errno == EINTR && !got_signal);
	if (got < 0 && !got_signal) {
		cli_warn("%s: error: read error: %s", name, strerror(errno));
		goto unreadable_begin;
	}
	if (got > 0 && lt_archive_sniff(head, (size_t)got)) {
		st = lt_archive_read(t, fd, name, head, (size_t)got, &err);
		if (st == LT_STOP || got_signal) {
			*stop = 1;
			goto out;
		}
		if (st == LT_OK)
			goto out;
		if (err.message[0] == '\0')
			goto fail_status;
		cli_error_report(&err);
		goto unreadable;
	}
	if ((st = lt_triage_begin(t, name)) != LT_OK)
		goto fail_status;
	/* the head is this source's first feed: a file is not live already */
	lt_triage_set_live(t, fstat(fd, &sb) == 0 &&
	    lt_source_mode_live((unsigned long)sb.st_mode));
	if (got > 0)
		st = lt_triage_feed(t, head, (size_t)got);
	else
		st = got_signal ? LT_STOP : LT_OK;
	if (st == LT_OK && got > 0)
		st = lt_triage_fd(t, fd, &err);
	if (st == LT_ERR_IO && err.message[0] != '\0') {
		cli_error_report(&err);
		(void)lt_triage_end(t, NULL);
		goto unreadable;
	}
	/*
	 * A last line without newline counts, also after a signal; a bad
	 * document (LT_ERR_SYNTAX, _LIMIT) is told by lt_triage_end.
	 */
	if (st == LT_OK || (st == LT_STOP && got_signal) ||
	    st == LT_ERR_SYNTAX || st == LT_ERR_LIMIT) {
		est = lt_triage_end(t, &err);
		if (st == LT_OK || st == LT_STOP || err.message[0] != '\0')
			st = est;
	}
	if (st == LT_STOP || got_signal) {
		*stop = 1;
		goto out;
	}
	if ((st == LT_ERR_SYNTAX || st == LT_ERR_LIMIT) &&
	    err.message[0] != '\0') {
		cli_error_report(&err);
		goto unreadable;
	}
	if (st != LT_OK)
		goto fail_status;
	goto out;
fail_status:
	if (st != LT_ERR_IO)	/* write errors were reported already */
		cli_warn("%s: error: %s", name, lt_status_str(st));
	*stop = 1;
	rc = -2;
	goto out;
unreadable_begin:
	/* an input that could not be read is a source of its own */
	if ((st = lt_triage_begin(t, name)) != LT_OK)
		goto fail_status;
unreadable:
	lt_triage_input_failed(t, name);
	rc = -1;
out:
	if (fd != STDIN_FILENO && fd >= 0)
		close(fd);
	return rc;
}

static int
env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
}

static int
env_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v != NULL && strcmp(v, value) == 0;
}

/* 1 when s is 1 to max bytes, each of them in set. */
static int
env_only(const char *s, const char *set, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= max && strspn(s, set) == n;
}

#define URL_SAFE "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
    "0123456789-._~:/"
#define NAME_SAFE "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
    "0123456789-._"

/*
 * The link of the step summary to the job's log, from the environment of
 * an Actions step (docs/summary-wording.md, Links): $LOGTRIAGE_JOB_URL
 * when it is a job of this run on this server, else the job built from
 * $LOGTRIAGE_JOB_ID (a workflow passes ${{ job.check_run_id }}), else the
 * run's attempt.  Every part is checked against a strict pattern, so that
 * nothing else can become the link.  Fills buf, or leaves it empty.
 */
static void
actions_log_url(char *buf, size_t size)
{
	const char *server = getenv("GITHUB_SERVER_URL"),
	    *repo = getenv("GITHUB_REPOSITORY"), *run = getenv("GITHUB_RUN_ID"),
	    *attempt = getenv("GITHUB_RUN_ATTEMPT"),
	    *job_url = getenv("LOGTRIAGE_JOB_URL"),
	    *job_id = getenv("LOGTRIAGE_JOB_ID");
	const char *slash = repo ? strchr(repo, '/') : NULL;
	int n;

	buf[0] = '\0';
	if (!env_is("GITHUB_ACTIONS", "true") || !env_only(server, URL_SAFE,
	    256) || strncmp(server, "https://", 8) != 0 || slash == NULL ||
	    strchr(slash + 1, '/') != NULL || !env_only(slash + 1, NAME_SAFE,
	    100) || slash == repo || strspn(repo, NAME_SAFE) != (size_t)(slash -
	    repo) || !env_only(run, "0123456789", 20))
		return;
	n = snprintf(buf, size, "%s/%s/actions/runs/%s/", server, repo, run);
	if (n <= 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return;
	}
	if (env_only(job_url, URL_SAFE, 512) && strncmp(job_url, buf,
	    (size_t)n) == 0 && strncmp(job_url + n, "job/", 4) == 0 &&
	    env_only(job_url + n + 4, "0123456789", 20))
		snprintf(buf, size, "%s", job_url);
	else if (env_only(job_id, "0123456789", 20))
		snprintf(buf + n, size - (size_t)n, "job/%s", job_id);
	else if (env_only(attempt, "0123456789", 10))
		snprintf(buf + n, size - (size_t)n, "attempts/%s", attempt);
	else
		buf[n - 1] = '\0';
}

/* A token for ::stop-commands::, unguessable by the log's author. */
static void
stop_token(char *buf, size_t size)
{
	unsigned char rnd[16];
	size_t i, got = 0;
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
		ssize_t r = read(fd, rnd, sizeof rnd);

		got = r > 0 ? (size_t)r : 0;
		close(fd);
	}
	for (i = got; i < sizeof rnd; i++)	/* fallback: less strong */
		rnd[i] = (unsigned char)((unsigned long)time(NULL) >> (i % 4 * 8)
		    ^ (unsigned long)getpid() * (i + 1));
	for (i = 0; i < sizeof rnd && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, 3, "%02x", rnd[i]);
}

/*
 * The ::stop-commands:: fence is still open (the run ended early, or
 * standard output went away): close it where the runner still reads,
 * standard output if it works, else standard error, or every later
 * workflow command of the step (::add-mask:: too) would be ignored.
 */
static void
close_fence(const struct lt_emitter *github)
{
	char line[LT_GITHUB_CLOSING_MAX];
	size_t n = lt_emit_github_closing(github, line, sizeof line);

	if (n == 0)
		return;
	if (!stdout_failed && write_stdout(NULL, line, n) == LT_OK)
		return;
	if (write(STDERR_FILENO, line, n) < 0)
		return;	/* nowhere left to say it */
}

/*
 * Append the Markdown report (at most 1 MiB) to file: 0, or -1 after a
 * message (the exit status is then 3: output that could not be written).
 */
static int
write_step_summary(struct lt_triage *t, const char *file, const char *base,
    const char *log_url)
{
	struct lt_emit_opts eo;
	struct lt_emitter *e;
	struct lt_buf md;
	size_t off = 0;
	ssize_t w;
	int fd, rc = -1;

	lt_buf_init(&md, LT_STEP_SUMMARY_MAX);
	lt_emit_opts_init(&eo);
	eo.runbook_base = base;
	eo.log_url = log_url;
	eo.cap = LT_STEP_SUMMARY_MAX;
	if ((e = lt_emit_markdown_new(&eo)) == NULL ||
	    lt_emitter_finish(e, &md, lt_triage_verdict(t)) != LT_OK) {
		cli_warn("%s: error: cannot build the step summary", file);
		goto out;
	}
	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0) {
		cli_warn("%s: error: cannot open: %s", file, strerror(errno));
		goto out;
	}
	while (off < md.len) {
		w = write(fd, md.p + off, md.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			cli_warn("%s: error: write: %s", file, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 && off == md.len) {
		cli_warn("%s: error: close: %s", file, strerror(errno));
		goto out;
	}
	if (off == md.len)
		rc = 0;
out:
	lt_emitter_free(e);
	lt_buf_free(&md);
	return rc;
}

static int
has_label(const struct lt_push *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_labels; i++)
		if (strcmp(p->label_names[i], name) == 0)
			return 1;
	return 0;
}

/*
 * The grouping labels the CI system gives, for those --push-label did
 * not name, so that each run is a group of its own: parallel jobs and
 * later runs do not replace each other (contrib/README.md).  GitHub
 * Actions: runner = $RUNNER_NAME, run_id = $GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT;
 * GitLab CI: runner = $CI_RUNNER_DESCRIPTION, run_id = $CI_JOB_ID;
 * Jenkins: runner = $NODE_NAME, run_id = $BUILD_TAG.  An empty
 * --push-label run_id= (or runner=) keeps one out.
 */
static void
ci_labels(struct lt_push *p, char *run_id, size_t size)
{
	const char *runner = NULL, *id = NULL, *attempt = NULL;

	if (env_is("GITHUB_ACTIONS", "true")) {
		runner = getenv("RUNNER_NAME");
		id = getenv("GITHUB_RUN_ID");
		attempt = getenv("GITHUB_RUN_ATTEMPT");
	} else if (env_is("GITLAB_CI", "true")) {
		runner = getenv("CI_RUNNER_DESCRIPTION");
		id = getenv("CI_JOB_ID");
	} else if (env_set("JENKINS_URL")) {
		runner = getenv("NODE_NAME");
		id = getenv("BUILD_TAG");
	}
	if (runner != NULL && runner[0] != '\0' && !has_label(p, "runner") &&
	    p->n_labels < LT_PUSH_LABELS_MAX) {
		p->label_names[p->n_labels] = "runner";
		p->label_values[p->n_labels++] = runner;
	}
	if (id != NULL && id[0] != '\0' && !has_label(p, "run_id") &&
	    p->n_labels < LT_PUSH_LABELS_MAX) {
		if (attempt != NULL && attempt[0] != '\0')
			snprintf(run_id, size, "%s-%s", id, attempt);
		else
			snprintf(run_id, size, "%s", id);
		p->label_names[p->n_labels] = "run_id";
		p->label_values[p->n_labels++] = run_id;
	}
}

/* Push the run's metrics; a failure is reported, never fatal. */
static void
push(const struct cli *c, struct lt_triage *t, long long now)
{
	struct lt_emit_opts eo;
	struct lt_emitter *e;
	struct lt_push p;
	struct lt_error err;
	struct lt_buf metrics;
	char names[CLI_PUSH_LABELS_MAX][128], run_id[256];
	size_t i, k;

	memset(&p, 0, sizeof p);
	p.url = c->push_url;
	p.job = c->push_job;
	for (i = 0; i < c->n_push_labels; i++) {
		const char *eq = strchr(c->push_labels[i], '=');

		k = (size_t)(eq - c->push_labels[i]);
		snprintf(names[i], sizeof names[i], "%.*s", (int)k,
		    c->push_labels[i]);
		p.label_names[i] = names[i];
		p.label_values[i] = eq + 1;
	}
	p.n_labels = c->n_push_labels;
	ci_labels(&p, run_id, sizeof run_id);
	lt_buf_init(&metrics, (size_t)64 << 20);
	lt_error_clear(&err);
	lt_emit_opts_init(&eo);
	eo.now = now;
	if ((e = lt_emit_prometheus_new(&eo)) == NULL ||
	    lt_emitter_finish(e, &metrics, lt_triage_verdict(t)) != LT_OK)
		cli_warn("push: error: cannot build the metrics");
	else if (lt_push_metrics(&p, metrics.p, metrics.len, &err) != LT_OK)
		cli_error_report(&err);
	lt_emitter_free(e);
	lt_buf_free(&metrics);
}

/*
 * --notify: post the Slack payload of the verdict, for a failure (or any
 * verdict with --notify-always).  0, or -1 after a message that never
 * holds the URL: the exit status is then 3, as for any output that could
 * not be written.
 */
static int
notify(const struct cli *c, struct lt_triage *t, const char *base)
{
	const struct lt_verdict *v = lt_triage_verdict(t);
	struct lt_notify n;
	struct lt_error err;
	struct lt_buf body;
	int rc = -1;

	if (c->notify_url[0] == '\0') {
		cli_warn("note: --notify: the URL is empty; nothing posted");
		return 0;
	}
	if (!lt_verdict_failed(v) && !c->notify_always)
		return 0;
	lt_buf_init(&body, (size_t)1 << 20);
	lt_error_clear(&err);
	lt_notify_init(&n);
	n.url = c->notify_url;
	if (lt_emit_slack(&body, v, base) != LT_OK)
		cli_warn("notify: error: cannot build the Slack payload");
	else if (lt_notify_post(&n, body.p, body.len, &err) != LT_OK)
		cli_error_report(&err);
	else
		rc = 0;
	lt_buf_free(&body);
	return rc;
}

int
cli_metric_label_ok(const char *name, const char **why)
{
	return lt_metrics_label_ok(name, why);
}

/*
 * --listen: the registry and its server, hooked to the run's observer.
 * 0, or -1 after a message.
 */
static int
start_exporter(const struct cli *c, const struct lt_ruleset *rs,
    struct lt_triage_opts *o, struct lt_metrics **mx, struct lt_listen **srv)
{
	const char *names[CLI_METRIC_LABELS_MAX], *keys[CLI_METRIC_LABELS_MAX];
	char nbuf[CLI_METRIC_LABELS_MAX][CLI_LABEL_NAME_MAX + 1];
	char why[512];
	size_t i;

	for (i = 0; i < c->n_metric_labels; i++) {
		const char *arg = c->metric_labels[i], *eq = strchr(arg, '=');

		snprintf(nbuf[i], sizeof nbuf[i], "%.*s", (int)(eq ? (size_t)(eq -
		    arg) : strlen(arg)), arg);
		names[i] = nbuf[i];
		keys[i] = eq ? eq + 1 : arg;
	}
	if ((*mx = lt_metrics_new(rs, names, keys, c->n_metric_labels,
	    c->max_label_sets)) == NULL) {
		cli_warn("error: --listen: out of memory");
		return -1;
	}
	if ((*srv = lt_listen_start(c->listen, *mx, why, sizeof why)) == NULL) {
		cli_warn("error: --listen: %s", why);
		lt_metrics_free(*mx);
		*mx = NULL;
		return -1;
	}
	cli_warn("note: serving metrics at http://%s/metrics",
	    lt_listen_where(*srv));
	o->on_match = lt_listen_on_match;
	o->on_progress = lt_listen_on_progress;
	o->observe_ctx = *srv;
	return 0;
}

/*
 * 1 when an input is live: a pipe, FIFO, socket or terminal (journalctl
 * -f | logtriage), or Loki with --follow, which may never end, rather
 * than a file, which is read to its end.  The github and text outputs
 * then write as they go what they would otherwise keep for the end.
 */
static int
input_live(const struct cli *c, char **files, size_t n)
{
	struct stat sb;
	size_t i;
	int r;

	if (c->loki)
		return c->lo.follow;
	if (n == 0)
		return fstat(STDIN_FILENO, &sb) == 0 &&
		    lt_source_mode_live((unsigned long)sb.st_mode);
	for (i = 0; i < n; i++) {
		r = strcmp(files[i], "-") == 0 ? fstat(STDIN_FILENO, &sb) :
		    stat(files[i], &sb);
		if (r == 0 && lt_source_mode_live((unsigned long)sb.st_mode))
			return 1;
	}
	return 0;
}

/*
 * The output formats asked for, as emitters, in the order their output
 * has always come: JSON, text, GitHub, Markdown, Slack, metrics.  *github: the GitHub
 * emitter (its fence), or NULL.  Returns the number made, or -1 when out
 * of memory.  With -q, none: nothing is written to standard output.
 */
static int
make_emitters(const struct cli *c, const struct lt_ruleset *rs,
    unsigned formats, const struct lt_emit_opts *eo,
    struct lt_emitter **e, struct lt_emitter **github)
{
	int n = 0;

	*github = NULL;
	if (c->quiet)
		return 0;
	if ((formats & LT_OUT_JSON) && (e[n++] = lt_emit_json_new(rs, eo)) ==
	    NULL)
		return -1;
	if ((formats & LT_OUT_TEXT) && (e[n++] = lt_emit_text_new(rs, eo)) ==
	    NULL)
		return -1;
	if ((formats & LT_OUT_GITHUB) && (*github = e[n++] =
	    lt_emit_github_new(rs, eo)) == NULL)
		return -1;
	if (formats & LT_OUT_MARKDOWN) {
		struct lt_emit_opts mo = *eo;

		mo.cap = LT_MARKDOWN_STDOUT_MAX;	/* an issue's body */
		if ((e[n++] = lt_emit_markdown_new(&mo)) == NULL)
			return -1;
	}
	if ((formats & LT_OUT_SLACK) && (e[n++] = lt_emit_slack_new(eo)) ==
	    NULL)
		return -1;
	if ((formats & LT_OUT_PROMETHEUS) && (e[n++] =
	    lt_emit_prometheus_new(eo)) == NULL)
		return -1;
	return n;
}

static int
cmd_run(const struct cli *c, const struct lt_ruleset *rs)
{
	struct lt_metrics *mx = NULL;
	struct lt_listen *srv = NULL;
	static char *stdin_only[] = { "-" };
	struct lt_triage_opts o;
	struct lt_emit_opts eo;
	struct lt_emitter *em[EMITTERS_MAX] = { NULL }, *github = NULL;
	struct lt_triage *t;
	char **files = c->files, **walked = NULL;
	size_t n = c->n_files, n_walked = 0, i;
	int stop = 0, unreadable = 0, fatal = 0, rc, in_actions, n_em, given;
	int side_failed = 0;	/* -1: a report beside the output failed */
	enum lt_status st;
	int show = 1;
	const char *summary_file;
	unsigned formats = c->formats ? c->formats : LT_OUT_JSON;
	long long now = (long long)time(NULL);
	char log_url[1024];

	actions_log_url(log_url, sizeof log_url);
	lt_triage_opts_init(&o);
	o.fail_on = c->fail_on;
	o.max_line = c->max_line;
	o.input = c->input;	/* Loki pushes decoded entries */
	o.write = write_stdout;
	o.diag = cli_diag;
	o.diag_ctx = &show;
	o.interrupted = &got_signal;
	o.redact = !c->no_redact;
	o.before = c->before;
	o.after = c->after;
	o.exit_code = c->exit_code;
	lt_emit_opts_init(&eo);
	eo.matches = !c->summary_only && !c->quiet;
	eo.summary = !c->quiet;
	eo.groups = c->per_file || c->group_label != NULL;
	eo.runbook_base = cli_runbook_base(c, &given);
	eo.log_url = log_url;
	eo.now = now;
	eo.color = strcmp(c->color, "always") == 0 || (strcmp(c->color,
	    "auto") == 0 && isatty(STDOUT_FILENO) && !env_set("NO_COLOR"));
	in_actions = env_is("GITHUB_ACTIONS", "true");
	if (c->github && in_actions)
		formats |= LT_OUT_GITHUB;
	/* log text is echoed: no line of it may act as a command */
	if ((formats & LT_OUT_GITHUB) && (formats & (LT_OUT_JSON |
	    LT_OUT_TEXT)) && eo.matches)
		eo.stop_token = stop_token;
	/*
	 * One spelling: in Actions, -o github (or --github) writes the
	 * annotations and the step summary, unless --no-step-summary
	 */
	summary_file = c->step_summary;
	if (summary_file == NULL && (formats & LT_OUT_GITHUB) && in_actions &&
	    !c->no_step_summary)
		summary_file = getenv("GITHUB_STEP_SUMMARY");
	catch_signals();
	o.jobs = c->jobs;
	o.per_source = c->per_file;
	o.group_label = c->group_label;
	o.hold_ms = c->hold_ms;
	if (c->recursive) {
		if (cli_walk(c->files, c->n_files, &walked, &n_walked) != 0)
			return EXIT_INPUT;
		files = walked;
		n = n_walked;
		if (c->n_files > 0 && n == 0) {
			cli_warn("error: no files under the operands");
			cli_walk_free(walked, n_walked);
			return EXIT_INPUT;
		}
	}
	if (c->listen != NULL && start_exporter(c, rs, &o, &mx, &srv) != 0) {
		cli_walk_free(walked, n_walked);
		return EXIT_USAGE;
	}
	eo.live = input_live(c, files, n);
	t = lt_triage_new(rs, &o);
	n_em = t ? make_emitters(c, rs, formats, &eo, em, &github) : -1;
	for (i = 0; n_em > 0 && i < (size_t)n_em; i++)
		if (lt_triage_add_emitter(t, em[i]) != LT_OK)
			n_em = -1;
	if (n_em < 0) {
		cli_warn("error: out of memory");
		lt_triage_free(t);
		for (i = 0; i < EMITTERS_MAX; i++)
			lt_emitter_free(em[i]);
		lt_listen_stop(srv);
		lt_metrics_free(mx);
		cli_walk_free(walked, n_walked);
		return EXIT_INPUT;
	}
	if (n == 0) {
		files = stdin_only;
		n = 1;
	}
	if (c->loki) {
		rc = cli_loki_run(c, rs, t, &got_signal, &stop);
		if (rc == -3) {
			lt_listen_stop(srv);
			lt_metrics_free(mx);
			lt_triage_free(t);
			for (i = 0; i < EMITTERS_MAX; i++)
				lt_emitter_free(em[i]);
			cli_walk_free(walked, n_walked);
			return EXIT_USAGE;
		}
		unreadable = rc == -1;
		fatal = rc == -2;
		n = 0;
	}
	for (i = 0; i < n && !stop; i++) {
		rc = run_one(t, files[i], &stop);
		if (rc == -1)
			unreadable = 1;
		else if (rc == -2)
			fatal = 1;
	}
	/* interrupted: still say what was found in what was read */
	if ((got_signal || !stop) && (st = lt_triage_finish(t)) != LT_OK &&
	    !got_signal) {
		if (st != LT_ERR_IO && st != LT_STOP)	/* not told yet */
			cli_warn("error: cannot write the summary: %s",
			    lt_status_str(st));
		fatal = 1;
	}
	close_fence(github);
	/* reports beside the output, on every way out: never the verdict */
	if (summary_file != NULL && summary_file[0] != '\0' &&
	    write_step_summary(t, summary_file, eo.runbook_base, log_url) != 0)
		side_failed = -1;	/* an output that could not be written: 3 */
	if (c->push_url != NULL && c->push_url[0] == '\0')
		cli_warn("note: --push: the URL is empty; nothing pushed");
	else if (c->push_url != NULL)
		push(c, t, now);
	if (c->notify_url != NULL && notify(c, t, eo.runbook_base) != 0)
		side_failed = -1;
	/* the server stops before the triage it reads from goes */
	lt_listen_stop(srv);
	lt_metrics_free(mx);
	rc = lt_verdict_failed(lt_triage_verdict(t)) ? EXIT_FAILURE_FOUND :
	    EXIT_CLEAN;
	if (unreadable || fatal || side_failed < 0)
		rc = EXIT_INPUT;
	if (got_signal)
		rc = 128 + got_signal;
	lt_triage_free(t);
	for (i = 0; i < EMITTERS_MAX; i++)
		lt_emitter_free(em[i]);
	cli_walk_free(walked, n_walked);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli c;
	struct lt_ruleset *rs = NULL;
	size_t errors;
	int rc;

	rc = cli_parse(argc, argv, &c);
	if (rc != 0) {
		cli_free(&c);
		return rc < 0 ? EXIT_USAGE : EXIT_CLEAN;
	}
	rs = load_rules(&c, c.cmd == CMD_LINT, &errors);
	if (c.cmd == CMD_LINT) {
		size_t warnings = 0;

		if (rs != NULL)
			errors += cli_lint_runbooks(rs);
		rc = errors ? EXIT_USAGE : EXIT_CLEAN;
		if (rs != NULL && c.n_files > 0 &&
		    cli_lint_samples(&c, rs, &warnings) != 0)
			rc = EXIT_INPUT;
		fprintf(stderr, "logtriage: lint: %zu rules, %zu error%s",
		    rs ? lt_ruleset_count(rs) : (size_t)0, errors,
		    errors == 1 ? "" : "s");
		if (c.n_files > 0)
			fprintf(stderr, ", %zu sample warning%s", warnings,
			    warnings == 1 ? "" : "s");
		fputc('\n', stderr);
	} else if (rs == NULL) {
		rc = EXIT_USAGE;
	} else if (c.cmd == CMD_RULES && c.explain != NULL) {
		rc = cli_cmd_explain(&c, rs);
	} else if (c.cmd == CMD_RULES) {
		rc = cmd_rules(rs);
	} else if (c.cmd == CMD_TEST) {
		rc = cli_cmd_test(&c, rs);
	} else if (c.cmd == CMD_RUNBOOK) {
		rc = cli_cmd_runbook(&c, rs);
	} else if (c.cmd == CMD_LOGQL) {
		rc = cli_cmd_logql(&c, rs);
	} else {
		rc = cmd_run(&c, rs);
	}
	lt_ruleset_free(rs);
	cli_free(&c);
	return rc;
}

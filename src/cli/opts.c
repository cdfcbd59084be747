/*
 * opts.c - the option table, and everything generated from it.
 *
 * One array describes every option: its names, argument, the commands it
 * applies to and its help line.  getopt_long's tables and the --help text
 * are built from it, and a test checks that man/logtriage.1 documents
 * exactly the options --help lists (pcre2grep keeps its optionlist[] the
 * same way).  The table also says what a plain option does, so that it
 * needs no code: a flag sets an int field, a string option stores its
 * argument, a number option parses and range-checks it (FLAG, STRING,
 * NUMBER below).  Adding an option is one line here, a case in apply()
 * only when it does more than that, and one entry in the man page.  The
 * command list of --help comes from commands[] the same way.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "logtriage/duration.h"
#include "logtriage/scan.h"

#ifndef LT_VERSION
#define LT_VERSION "unknown"
#endif

enum opt_key {
	OPT_HELP = 'h',
	OPT_JOBS = 'j',
	OPT_RECURSIVE = 'R',
	OPT_QUIET = 'q',
	OPT_RULES = 'r',
	OPT_VERSION = 'V',
	OPT_NO_DEFAULTS = 256,
	OPT_FAIL_ON,
	OPT_SUMMARY_ONLY,
	OPT_MAX_LINE,
	OPT_NO_REDACT,
	OPT_NO_JIT,
	OPT_AFTER = 'A',
	OPT_BEFORE = 'B',
	OPT_CONTEXT = 'C',
	OPT_OUTPUT = 'o',
	OPT_COLOR = 300,
	OPT_GITHUB,
	OPT_STEP_SUMMARY,
	OPT_RUNBOOK_BASE,
	OPT_PUSH,
	OPT_PUSH_JOB,
	OPT_PUSH_LABEL,
	OPT_EXIT_CODE,
	OPT_PER_FILE,
	OPT_GROUP_BY,
	OPT_HOLD,
	OPT_BLESS,
	OPT_NO_COVERAGE,
	OPT_INPUT,
	OPT_LOKI,
	OPT_QUERY,
	OPT_SINCE,
	OPT_FROM,
	OPT_TO,
	OPT_BATCH,
	OPT_LIMIT,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_FOLLOW,
	OPT_INTERVAL,
	OPT_DELAY_FOR,
	OPT_NO_PUSHDOWN,
	OPT_VERBOSE,
	OPT_ORG_ID,
	OPT_USERNAME,
	OPT_TOKEN_FILE,
	OPT_CA_CERT,
	OPT_CERT,
	OPT_KEY,
	OPT_TLS_SKIP_VERIFY,
	OPT_NO_PREFILTER,
	OPT_PATH,
	OPT_NO_CONFIG,
	OPT_PRINT_MISSED,
	OPT_EXPLAIN,
	OPT_LISTEN,
	OPT_METRIC_LABEL,
	OPT_MAX_LABEL_SETS,
	OPT_NOTIFY,
	OPT_NOTIFY_ALWAYS,
	OPT_NO_STEP_SUMMARY
};

/* What an option does with its argument. */
enum opt_type {
	OT_CODE,		/* what its case in apply() says */
	OT_FLAG,		/* the int field = val */
	OT_STRING,		/* the const char * field = the argument */
	OT_NUMBER		/* the unsigned field = the argument, lo to hi */
};

struct opt {
	const char *name;
	int key;		/* short option letter, or > 255 */
	const char *arg;	/* argument name, NULL for none */
	unsigned cmds;		/* enum cli_cmd bits */
	const char *help;
	enum opt_type type;
	size_t off;		/* the field: offsetof(struct cli, ...) */
	size_t size;		/* and its size */
	unsigned long long lo, hi;	/* OT_NUMBER: the range */
	int val;		/* OT_FLAG: the value set */
};

#define FIELD(f) offsetof(struct cli, f), sizeof(((struct cli *)0)->f)
#define CODE OT_CODE, 0, 0, 0, 0, 0
#define FLAG(f) OT_FLAG, FIELD(f), 0, 0, 1
#define UNFLAG(f) OT_FLAG, FIELD(f), 0, 0, 0
#define STRING(f) OT_STRING, FIELD(f), 0, 0, 0
#define NUMBER(f, lo, hi) OT_NUMBER, FIELD(f), (lo), (hi), 0
/* the commands that load rules */
#define RULE_CMDS (CMD_RUN | CMD_LINT | CMD_RULES | CMD_TEST | CMD_LOGQL | \
    CMD_RUNBOOK)

static const struct opt options[] = {
	{ "rules", OPT_RULES, "PATH", RULE_CMDS,
	  "add a rule file, or a directory of *.rules files (repeatable)",
	  CODE },
	{ "no-defaults", OPT_NO_DEFAULTS, NULL, RULE_CMDS,
	  "do not load the embedded default rules", FLAG(no_defaults) },
	{ "fail-on", OPT_FAIL_ON, "SEVERITY", CMD_RUN,
	  "lowest severity that fails the run (default: low)", CODE },
	{ "summary-only", OPT_SUMMARY_ONLY, NULL, CMD_RUN,
	  "print only the summary object", FLAG(summary_only) },
	{ "per-file", OPT_PER_FILE, NULL, CMD_RUN,
	  "a summary for each input file too, before the overall one",
	  FLAG(per_file) },
	{ "group-by", OPT_GROUP_BY, "file|label:NAME", CMD_RUN,
	  "a summary per input file, or per value of label NAME, too",
	  CODE },
	{ "recursive", OPT_RECURSIVE, NULL, CMD_RUN,
	  "read every file under directory operands, in name order",
	  FLAG(recursive) },
	{ "hold", OPT_HOLD, "DURATION", CMD_RUN,
	  "write an undecided cleared_by match as pending after this (5s)",
	  CODE },
	{ "quiet", OPT_QUIET, NULL, CMD_RUN,
	  "print nothing; report through the exit status", FLAG(quiet) },
	{ "max-line", OPT_MAX_LINE, "BYTES", CMD_RUN,
	  "match only the first BYTES of a line (default: 1M; K, M, G)", CODE },
	{ "input", OPT_INPUT, "FORMAT", CMD_RUN,
	  "auto (default), text, journal, gha, gh, loki, jsonl, docker",
	  CODE },
	{ "output", OPT_OUTPUT, "FORMAT", CMD_RUN,
	  "json (default), text, github, markdown, slack, prometheus "
	  "(repeatable)", CODE },
	{ "context", OPT_CONTEXT, "N", CMD_RUN,
	  "show N lines before and after each match", CODE },
	{ "before-context", OPT_BEFORE, "N", CMD_RUN,
	  "show N lines before each match", CODE },
	{ "after-context", OPT_AFTER, "N", CMD_RUN,
	  "show N lines after each match", CODE },
	{ "color", OPT_COLOR, "WHEN", CMD_RUN,
	  "colour text output: auto (default), always or never", CODE },
	{ "github", OPT_GITHUB, NULL, CMD_RUN,
	  "in GitHub Actions: annotations and a step summary too",
	  FLAG(github) },
	{ "step-summary", OPT_STEP_SUMMARY, "FILE", CMD_RUN,
	  "append a Markdown report to FILE", STRING(step_summary) },
	{ "no-step-summary", OPT_NO_STEP_SUMMARY, NULL, CMD_RUN,
	  "in Actions, -o github and --github: no step summary",
	  FLAG(no_step_summary) },
	{ "runbook-base", OPT_RUNBOOK_BASE, "URL", CMD_RUN | CMD_RUNBOOK,
	  "turn relative runbook paths into links under URL",
	  STRING(runbook_base) },
	{ "push", OPT_PUSH, "URL", CMD_RUN,
	  "push the metrics to a Prometheus Pushgateway at URL",
	  STRING(push_url) },
	{ "push-job", OPT_PUSH_JOB, "NAME", CMD_RUN,
	  "job name for --push (default: logtriage)", CODE },
	{ "push-label", OPT_PUSH_LABEL, "K=V", CMD_RUN,
	  "grouping label for --push, e.g. instance=runner-1 (repeatable)",
	  CODE },
	{ "notify", OPT_NOTIFY, "URL", CMD_RUN,
	  "post a failure to a Slack incoming webhook at URL (a secret)",
	  STRING(notify_url) },
	{ "notify-always", OPT_NOTIFY_ALWAYS, NULL, CMD_RUN,
	  "--notify: post every verdict, clean ones too",
	  FLAG(notify_always) },
	{ "listen", OPT_LISTEN, "ADDR:PORT", CMD_RUN,
	  "serve cumulative metrics at http://ADDR:PORT/metrics while reading",
	  STRING(listen) },
	{ "metric-label", OPT_METRIC_LABEL, "NAME[=KEY]", CMD_RUN,
	  "--listen: split matches by the line label KEY (repeatable, 8)",
	  CODE },
	{ "max-label-sets", OPT_MAX_LABEL_SETS, "N", CMD_RUN,
	  "--listen: distinct --metric-label value sets kept (default 500)",
	  NUMBER(max_label_sets, 1, CLI_LABEL_SETS_MAX) },
	{ "exit-code", OPT_EXIT_CODE, "N", CMD_RUN,
	  "the failed step's exit status, as evidence (see exit_code)",
	  NUMBER(exit_code, 0, 255) },
	{ "no-redact", OPT_NO_REDACT, NULL, CMD_RUN,
	  "write secrets as they are (default: [REDACTED])", FLAG(no_redact) },
	{ "no-jit", OPT_NO_JIT, NULL, CMD_RUN | CMD_LINT | CMD_TEST,
	  "match without PCRE2's JIT compiler (slower; for valgrind)",
	  FLAG(no_jit) },
	{ "bless", OPT_BLESS, NULL, CMD_TEST,
	  "test: write expect files from the current verdicts", FLAG(bless) },
	{ "no-coverage", OPT_NO_COVERAGE, NULL, CMD_TEST,
	  "test: do not require a sample for every rule", UNFLAG(coverage) },
	{ "loki", OPT_LOKI, "URL", CMD_RUN,
	  "read a LogQL query's lines from Loki at URL ($LOKI_ADDR)", CODE },
	{ "query", OPT_QUERY, "LOGQL", CMD_RUN,
	  "the LogQL query (after --loki, -q is short for it)", CODE },
	{ "since", OPT_SINCE, "DURATION", CMD_RUN,
	  "Loki: from DURATION ago (1h, 30m, 90s, 2d; default 1h)", CODE },
	{ "from", OPT_FROM, "TIME", CMD_RUN,
	  "Loki: from TIME (RFC 3339 or Unix seconds), inclusive", CODE },
	{ "to", OPT_TO, "TIME", CMD_RUN,
	  "Loki: up to TIME, exclusive (default: now)", CODE },
	{ "batch", OPT_BATCH, "N", CMD_RUN,
	  "Loki: entries per request (default 1000, at most 5000)",
	  NUMBER(lo.batch, 1, LT_LOKI_BATCH_MAX) },
	{ "limit", OPT_LIMIT, "N", CMD_RUN,
	  "Loki: classify at most N entries", NUMBER(lo.limit, 1, ULLONG_MAX) },
	{ "timeout", OPT_TIMEOUT, "SECONDS", CMD_RUN,
	  "Loki: connect and total time per request (default 60)", CODE },
	{ "retries", OPT_RETRIES, "N", CMD_RUN,
	  "Loki: retries after 429, 5xx, network errors (default 3)",
	  NUMBER(lo.retries, 0, LT_LOKI_RETRIES_MAX) },
	{ "follow", OPT_FOLLOW, NULL, CMD_RUN,
	  "Loki: then poll for new lines until interrupted", FLAG(lo.follow) },
	{ "interval", OPT_INTERVAL, "SECONDS", CMD_RUN,
	  "Loki: between polls with --follow (default 2)", CODE },
	{ "delay-for", OPT_DELAY_FOR, "SECONDS", CMD_RUN,
	  "Loki: with --follow, read only lines this old, for late senders "
	  "(default 2)", CODE },
	{ "no-pushdown", OPT_NO_PUSHDOWN, NULL, CMD_RUN | CMD_LOGQL,
	  "Loki: send the query without the rules' line filter",
	  FLAG(no_pushdown) },
	{ "verbose", OPT_VERBOSE, NULL, CMD_RUN,
	  "Loki: say on stderr what the rules' line filter is, and why",
	  FLAG(verbose) },
	{ "org-id", OPT_ORG_ID, "ID", CMD_RUN,
	  "Loki: tenant, sent as X-Scope-OrgID ($LOKI_ORG_ID)",
	  STRING(lo.org_id) },
	{ "username", OPT_USERNAME, "NAME", CMD_RUN,
	  "Loki: basic auth user ($LOKI_USERNAME; $LOKI_PASSWORD)",
	  STRING(lo.username) },
	{ "bearer-token-file", OPT_TOKEN_FILE, "FILE", CMD_RUN,
	  "Loki: read the bearer token from FILE", STRING(token_file) },
	{ "ca-cert", OPT_CA_CERT, "FILE", CMD_RUN,
	  "Loki: trust the CA certificates in FILE", STRING(lo.ca_cert) },
	{ "cert", OPT_CERT, "FILE", CMD_RUN,
	  "Loki: TLS client certificate", STRING(lo.client_cert) },
	{ "key", OPT_KEY, "FILE", CMD_RUN,
	  "Loki: TLS client key", STRING(lo.client_key) },
	{ "tls-skip-verify", OPT_TLS_SKIP_VERIFY, NULL, CMD_RUN,
	  "Loki: do not verify the server's certificate",
	  FLAG(lo.tls_skip_verify) },
	{ "no-prefilter", OPT_NO_PREFILTER, NULL, CMD_RUN,
	  "run every pattern on every line (same results, slower)",
	  FLAG(no_prefilter) },
	{ "jobs", OPT_JOBS, "N", CMD_RUN,
	  "use N threads (default: the number of CPUs; same results)",
	  NUMBER(jobs, 1, LT_JOBS_MAX) },
	/* runbooks, configuration, rule authors (issue 18) */
	{ "no-config", OPT_NO_CONFIG, NULL, RULE_CMDS,
	  "read no rules.d directory and no $LOGTRIAGE_RULES",
	  FLAG(no_config) },
	{ "path", OPT_PATH, NULL, CMD_RUNBOOK,
	  "runbook: print where the link points, not the page",
	  FLAG(runbook_path) },
	{ "print-missed", OPT_PRINT_MISSED, NULL, CMD_TEST,
	  "test: show each failing fixture's expected cause line",
	  FLAG(print_missed) },
	{ "explain", OPT_EXPLAIN, "LINE", CMD_RULES,
	  "rules: every rule that matches LINE, and why one wins",
	  STRING(explain) },
	{ "version", OPT_VERSION, NULL, RULE_CMDS,
	  "print the version and exit", CODE },
	{ "help", OPT_HELP, NULL, RULE_CMDS,
	  "print this help and exit", CODE },
};

#define N_OPTIONS (sizeof options / sizeof options[0])

/* The usage lines, and the commands (those with a name) with their help. */
static const struct {
	const char *name;
	enum cli_cmd cmd;
	const char *usage;
	const char *help;
} commands[] = {
	{ NULL, CMD_RUN, "logtriage [OPTIONS] [FILE...]", NULL },
	{ "lint", CMD_LINT, "logtriage lint [-r PATH]... [--no-defaults] "
	  "[SAMPLE...]",
	  "compile the rules and report every error and warning" },
	{ "rules", CMD_RULES, "logtriage rules [-r PATH]... [--no-defaults] "
	  "[--explain LINE]",
	  "list the loaded rules as JSON Lines, or explain a line" },
	{ "test", CMD_TEST, "logtriage test [-r PATH]... [--bless] "
	  "[--print-missed] [DIR|FILE...]",
	  "check the rules against log fixtures and their expect files" },
	{ NULL, CMD_RUN, "logtriage --loki URL -q LOGQL [--since D | --from T "
	  "[--to T]] [--follow]", NULL },
	{ "logql", CMD_LOGQL, "logtriage logql [-r PATH]... [--no-pushdown] "
	  "SELECTOR",
	  "print the LogQL query sent to Loki, with the rules' line filter" },
	{ "runbook", CMD_RUNBOOK, "logtriage runbook [--path] [CATEGORY]",
	  "print a category's runbook (or its path); without one, list them" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void
print_help(FILE *f)
{
	size_t i, w;
	char left[64];

	fputs("Usage:", f);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "%s%s\n", i ? "       " : " ", commands[i].usage);
	fputs("\nClassify CI, deployment and runner logs: read FILEs (or "
	    "standard input, or -),\nmatch every line against the rules, "
	    "write JSON Lines verdicts.\n\n"
	    "Commands:\n", f);
	for (i = 0; i < N_COMMANDS; i++)
		if (commands[i].name != NULL)
			fprintf(f, "  %-8s %s\n", commands[i].name,
			    commands[i].help);
	fputs("\nOptions:\n", f);
	for (i = 0; i < N_OPTIONS; i++) {
		const struct opt *o = &options[i];

		if (o->key < 256)
			w = (size_t)snprintf(left, sizeof left, "-%c, --%s%s%s",
			    o->key, o->name, o->arg ? "=" : "",
			    o->arg ? o->arg : "");
		else
			w = (size_t)snprintf(left, sizeof left, "    --%s%s%s",
			    o->name, o->arg ? "=" : "", o->arg ? o->arg : "");
		if (w < 26)
			fprintf(f, "  %-26s%s\n", left, o->help);
		else
			fprintf(f, "  %s\n  %-26s%s\n", left, "", o->help);
	}
	fputs("\nExit status: 0 clean, 1 failure classified, 2 usage or rule "
	    "error,\n3 an input could not be read.  See logtriage(1) and "
	    "logtriage-rules(5).\n", f);
}

static int
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	default: break;
	}
	if (*end != '\0' || v == 0 || v > (1ull << 30))
		return -1;
	*out = (size_t)v;
	return 0;
}

/* A whole number from 0 to max; 0 on success. */
static int
parse_count(const char *s, size_t max, size_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A number from lo to hi; 0 and *out, or -1. */
static int
parse_number(const char *s, unsigned long long lo, unsigned long long hi,
    unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Seconds, with a fraction, as milliseconds from 1 ms to a day. */
static int
parse_seconds(const char *s, unsigned long *ms)
{
	unsigned long long ns;
	size_t n = strlen(s);
	char buf[64];

	if (n == 0 || n + 2 > sizeof buf || strspn(s, "0123456789.") != n)
		return -1;
	snprintf(buf, sizeof buf, "%ss", s);
	if (strchr(s, '.') != NULL) {	/* "0.5": as Unix time, in ns */
		if (lt_loki_time(s, &ns) != 0)
			return -1;
	} else if (lt_loki_duration(buf, &ns) != 0) {
		return -1;
	}
	if (ns < 1000000ull || ns > 86400000000000ull)
		return -1;
	*ms = (unsigned long)(ns / 1000000ull);
	return 0;
}

/* The Loki options; 0 ok, -1 usage error. */
static int
apply_loki(struct cli *c, int key, const char *arg)
{
	switch (key) {
	case OPT_LOKI:
		c->loki = 1;
		c->lo.addr = arg;
		return 0;
	case OPT_QUERY:
		c->loki = 1;
		c->lo.query = arg;
		return 0;
	case OPT_SINCE:
		c->has_since = 1;
		if (lt_loki_duration(arg, &c->since_ns) == 0)
			return 0;
		cli_warn("error: --since: '%s' is not a duration (1h, 30m, "
		    "90s, 2d, 1h30m)", arg);
		return -1;
	case OPT_FROM:
	case OPT_TO:
		if (lt_loki_time(arg, key == OPT_FROM ? &c->from_ns :
		    &c->to_ns) != 0) {
			cli_warn("error: --%s: '%s' is not a time (RFC 3339, "
			    "such as 2025-01-11T10:00:00Z, or Unix seconds)",
			    key == OPT_FROM ? "from" : "to", arg);
			return -1;
		}
		*(key == OPT_FROM ? &c->has_from : &c->has_to) = 1;
		return 0;
	case OPT_TIMEOUT:
	case OPT_INTERVAL:
		if (parse_seconds(arg, key == OPT_TIMEOUT ? &c->lo.timeout_ms :
		    &c->lo.interval_ms) == 0)
			return 0;
		cli_warn("error: --%s: '%s' is not a number of seconds from "
		    "0.001 to 86400", key == OPT_TIMEOUT ? "timeout" :
		    "interval", arg);
		return -1;
	case OPT_DELAY_FOR:
		if (strcmp(arg, "0") == 0) {
			c->lo.delay_ms = 0;
			return 0;
		}
		if (parse_seconds(arg, &c->lo.delay_ms) == 0 &&
		    c->lo.delay_ms <= LT_LOKI_DELAY_MAX_MS)
			return 0;
		cli_warn("error: --delay-for: '%s' is not a number of seconds "
		    "from 0 to 3600", arg);
		return -1;
	}
	return -1;
}

static unsigned
default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > LT_JOBS_MAX ? LT_JOBS_MAX : (unsigned)n;
}

static const struct opt *
find(int key)
{
	size_t i;

	for (i = 0; i < N_OPTIONS; i++)
		if (options[i].key == key)
			return &options[i];
	return NULL;
}

/* An unsigned integer of size bytes at p = v (v fits: its range says so). */
static void
store(void *p, size_t size, unsigned long long v)
{
	unsigned char uc = (unsigned char)v;
	unsigned short us = (unsigned short)v;
	unsigned u = (unsigned)v;

	if (size == sizeof uc)
		memcpy(p, &uc, size);
	else if (size == sizeof us)
		memcpy(p, &us, size);
	else if (size == sizeof u)
		memcpy(p, &u, size);
	else if (size == sizeof v)
		memcpy(p, &v, size);
}

/* The options the table says all about; 0 ok, -1 usage error. */
static int
apply_plain(struct cli *c, const struct opt *o, const char *arg)
{
	char *field = (char *)c + o->off;
	unsigned long long v;

	switch (o->type) {
	case OT_FLAG:
		store(field, o->size, (unsigned long long)o->val);
		return 0;
	case OT_STRING:
		memcpy(field, &arg, sizeof arg);
		return 0;
	case OT_NUMBER:
		if (parse_number(arg, o->lo, o->hi, &v) == 0) {
			store(field, o->size, v);
			return 0;
		}
		if (o->hi == ULLONG_MAX)
			cli_warn("error: --%s: '%s' is not a positive number",
			    o->name, arg);
		else
			cli_warn("error: --%s: '%s' is not a number from %llu "
			    "to %llu", o->name, arg, o->lo, o->hi);
		return -1;
	case OT_CODE:
		break;
	}
	return -1;
}

/* 0 ok, -1 usage error, 1 done. */
static int
apply(struct cli *c, int key, const char *arg)
{
	const char **np;

	switch (key) {
	case OPT_RULES:
		np = realloc(c->rule_paths, (c->n_rule_paths + 1) *
		    sizeof *np);
		if (np == NULL) {
			cli_warn("error: out of memory");
			return -1;
		}
		c->rule_paths = np;
		c->rule_paths[c->n_rule_paths++] = arg;
		return 0;
	case OPT_FAIL_ON:
		if (lt_severity_parse(arg, strlen(arg), &c->fail_on) != 0) {
			cli_warn("error: --fail-on: '%s' is not a severity "
			    "(critical, high, medium, low, info)", arg);
			return -1;
		}
		return 0;
	case OPT_OUTPUT:
		if (strcmp(arg, "json") == 0)
			c->formats |= LT_OUT_JSON;
		else if (strcmp(arg, "text") == 0)
			c->formats |= LT_OUT_TEXT;
		else if (strcmp(arg, "github") == 0)
			c->formats |= LT_OUT_GITHUB;
		else if (strcmp(arg, "prometheus") == 0)
			c->formats |= LT_OUT_PROMETHEUS;
		else if (strcmp(arg, "markdown") == 0)
			c->formats |= LT_OUT_MARKDOWN;
		else if (strcmp(arg, "slack") == 0)
			c->formats |= LT_OUT_SLACK;
		else {
			cli_warn("error: --output: '%s' is not json, text, github, "
			    "markdown, slack or prometheus", arg);
			return -1;
		}
		return 0;
	case OPT_CONTEXT:
	case OPT_BEFORE:
	case OPT_AFTER: {
		size_t n;

		if (parse_count(arg, LT_CONTEXT_MAX, &n) != 0) {
			cli_warn("error: -%c: '%s' is not a number from 0 to %d",
			    key, arg, LT_CONTEXT_MAX);
			return -1;
		}
		if (key != OPT_AFTER)
			c->before = n;
		if (key != OPT_BEFORE)
			c->after = n;
		return 0;
	}
	case OPT_COLOR:
		if (strcmp(arg, "auto") == 0 || strcmp(arg, "always") == 0 ||
		    strcmp(arg, "never") == 0) {
			c->color = arg;
			return 0;
		}
		cli_warn("error: --color: '%s' is not auto, always or never", arg);
		return -1;
	case OPT_PUSH_JOB:
		if (arg[0] == '\0') {
			cli_warn("error: --push-job: the name is empty");
			return -1;
		}
		c->push_job = arg;
		return 0;
	case OPT_PUSH_LABEL: {
		const char *eq = strchr(arg, '=');
		size_t i;

		if (eq == NULL || eq == arg || c->n_push_labels ==
		    CLI_PUSH_LABELS_MAX) {
			cli_warn("error: --push-label: expected NAME=VALUE (at most "
			    "%d)", CLI_PUSH_LABELS_MAX);
			return -1;
		}
		for (i = 0; arg + i < eq; i++)
			if (!((arg[i] >= 'a' && arg[i] <= 'z') || (arg[i] >= 'A' &&
			    arg[i] <= 'Z') || arg[i] == '_' || (i > 0 &&
			    arg[i] >= '0' && arg[i] <= '9'))) {
				cli_warn("error: --push-label: '%.*s' is not a "
				    "Prometheus label name", (int)(eq - arg), arg);
				return -1;
			}
		c->push_labels[c->n_push_labels++] = arg;
		return 0;
	}
	case OPT_METRIC_LABEL: {
		const char *eq = strchr(arg, '='), *why = NULL;
		char name[CLI_LABEL_NAME_MAX + 1];
		size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

		if (c->n_metric_labels == CLI_METRIC_LABELS_MAX) {
			cli_warn("error: --metric-label: at most %d",
			    CLI_METRIC_LABELS_MAX);
			return -1;
		}
		snprintf(name, sizeof name, "%.*s", (int)n, arg);
		if (n > CLI_LABEL_NAME_MAX || !cli_metric_label_ok(name, &why)) {
			cli_warn("error: --metric-label: '%.*s': %s", (int)n, arg,
			    why ? why : "too long");
			return -1;
		}
		if (eq != NULL && eq[1] == '\0') {
			cli_warn("error: --metric-label: '%s': the KEY after = is "
			    "empty", arg);
			return -1;
		}
		if (strlen(eq ? eq + 1 : arg) > LT_LABEL_KEY_MAX) {
			cli_warn("error: --metric-label: '%s': the KEY is longer "
			    "than %u bytes", arg, LT_LABEL_KEY_MAX);
			return -1;
		}
		for (size_t i = 0; i < c->n_metric_labels; i++)
			if (strncmp(c->metric_labels[i], arg, n) == 0 &&
			    (c->metric_labels[i][n] == '\0' ||
			    c->metric_labels[i][n] == '=')) {
				cli_warn("error: --metric-label: '%s' is given "
				    "twice", name);
				return -1;
			}
		c->metric_labels[c->n_metric_labels++] = arg;
		return 0;
	}
	case OPT_GROUP_BY: {
		const char *name = arg + 6;
		size_t len = strlen(name);

		if (strcmp(arg, "file") == 0) {
			c->per_file = 1;
			return 0;
		}
		if (strncmp(arg, "label:", 6) != 0 || len == 0 || len > 128 ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len) {
			cli_warn("error: --group-by: '%s' is neither 'file' nor "
			    "'label:NAME' (NAME: 1 to 128 letters, digits, "
			    "'_', '.', '-')", arg);
			return -1;
		}
		c->group_label = name;
		return 0;
	}
	case OPT_HOLD: {
		unsigned long long ns;
		size_t len = strlen(arg);
		const char *s = arg;
		char buf[32];

		/* A bare number is seconds, as sleep(1) reads it. */
		if (len > 0 && len + 2 <= sizeof buf &&
		    strspn(arg, "0123456789") == len) {
			snprintf(buf, sizeof buf, "%ss", arg);
			s = buf;
			len++;
		}
		if (lt_duration_parse(s, len, &ns) != 0 ||
		    ns > 86400000000000ull) {
			cli_warn("error: --hold: '%s' is not a duration such as "
			    "500ms, 5s or 2m (at most a day)", arg);
			return -1;
		}
		c->hold_ms = (unsigned long)(ns / 1000000ull);
		return 0;
	}
	case OPT_MAX_LINE:
		if (parse_size(arg, &c->max_line) != 0) {
			cli_warn("error: --max-line: '%s' is not a size from 1 "
			    "to 1G", arg);
			return -1;
		}
		return 0;
	case OPT_INPUT:
		if (lt_input_parse(arg, strlen(arg), &c->input) != 0) {
			cli_warn("error: --input: '%s' is not a format (auto, "
			    "text, journal, gha, gh, loki, jsonl, docker)", arg);
			return -1;
		}
		return 0;
	case OPT_VERSION:
		printf("logtriage %s\n", LT_VERSION);
		return 1;
	case OPT_HELP:
		print_help(stdout);
		return 1;
	}
	return apply_loki(c, key, arg);
}

int
cli_parse(int argc, char **argv, struct cli *c)
{
	struct option lopts[N_OPTIONS + 1];
	char sopts[2 * N_OPTIONS + 2];
	size_t i, ns = 0;
	int key, rc, first = 1, loki = 0, k;
	const struct opt *o;

	memset(c, 0, sizeof *c);
	c->cmd = CMD_RUN;
	c->fail_on = LT_SEV_LOW;
	c->max_line = 1u << 20;
	c->coverage = 1;
	c->exit_code = -1;
	c->hold_ms = 5000;
	c->color = "auto";
	c->push_job = "logtriage";
	c->max_label_sets = CLI_LABEL_SETS_DEFAULT;
	c->input = LT_INPUT_AUTO;
	lt_loki_opts_init(&c->lo);
	c->jobs = default_jobs();
	if (argc > 1) {
		for (i = 1; i < N_COMMANDS; i++)
			if (commands[i].name != NULL &&
			    strcmp(argv[1], commands[i].name) == 0) {
				c->cmd = commands[i].cmd;
				first = 2;
			}
	}
	/* after --loki, -q is --query (as in the Loki examples), not --quiet */
	for (k = first; k < argc && strcmp(argv[k], "--") != 0; k++)
		if (strcmp(argv[k], "--loki") == 0 ||
		    strncmp(argv[k], "--loki=", 7) == 0)
			loki = 1;
	sopts[ns++] = ':';	/* we report missing arguments ourselves */
	for (i = 0; i < N_OPTIONS; i++) {
		lopts[i].name = options[i].name;
		lopts[i].has_arg = options[i].arg ? required_argument :
		    no_argument;
		lopts[i].flag = NULL;
		lopts[i].val = options[i].key;
		if (options[i].key < 256) {
			sopts[ns++] = (char)options[i].key;
			if (options[i].arg || (loki && options[i].key == 'q'))
				sopts[ns++] = ':';
		}
	}
	memset(&lopts[N_OPTIONS], 0, sizeof lopts[N_OPTIONS]);
	sopts[ns] = '\0';
	optind = first;
	opterr = 0;
	for (;;) {
		int lidx = -1;

		key = getopt_long(argc, argv, sopts, lopts, &lidx);
		if (key == -1)
			break;
		if (key == '?') {
			if (optopt && optopt < 256)
				cli_warn("error: unknown option '-%c'", optopt);
			else
				cli_warn("error: unknown option '%s'",
				    argv[optind - 1]);
			goto usage;
		}
		if (key == ':') {
			cli_warn("error: option '%s' needs an argument",
			    argv[optind - 1]);
			goto usage;
		}
		if (loki && key == OPT_QUIET && lidx < 0)
			key = OPT_QUERY;	/* -q only: --quiet stays quiet */
		o = find(key);
		if (o != NULL && !(o->cmds & c->cmd)) {
			cli_warn("error: option '--%s' does not apply to this "
			    "command", o->name);
			goto usage;
		}
		if (o != NULL && o->type != OT_CODE)
			rc = apply_plain(c, o, optarg);
		else
			rc = apply(c, key, optarg);
		if (rc != 0) {
			if (rc < 0)
				goto usage;
			return 1;
		}
	}
	if (c->notify_always && c->notify_url == NULL) {
		cli_warn("error: --notify-always needs --notify");
		goto usage;
	}
	if (c->listen == NULL && (c->n_metric_labels > 0 ||
	    c->max_label_sets != CLI_LABEL_SETS_DEFAULT)) {
		cli_warn("error: --%s needs --listen", c->n_metric_labels > 0 ?
		    "metric-label" : "max-label-sets");
		goto usage;
	}
	c->files = argv + optind;
	c->n_files = (size_t)(argc - optind);
	if (c->cmd == CMD_RULES && c->n_files > 0) {
		cli_warn("error: unexpected operand '%s'", c->files[0]);
		goto usage;
	}
	if (c->per_file && c->group_label != NULL) {
		cli_warn("error: --group-by label:%s and a summary per file "
		    "(--per-file, --group-by file) exclude each other",
		    c->group_label);
		goto usage;
	}
	return 0;
usage:
	cli_warn("try 'logtriage --help'");
	return -1;
}

void
cli_free(struct cli *c)
{
	free(c->rule_paths);
	c->rule_paths = NULL;
}

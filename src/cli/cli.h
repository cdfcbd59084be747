/*
 * cli.h - what the executable's three files share: the parsed command
 * line and the diagnostic printers.
 */
#ifndef LT_CLI_H
#define LT_CLI_H

#include <stddef.h>

#include "logtriage/decode.h"
#include "logtriage/loki.h"
#include "logtriage/rules.h"
#include "logtriage/triage.h"
#include "logtriage/status.h"

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* Exit statuses: the interface documented in logtriage(1). */
enum {
	EXIT_CLEAN = 0,
	EXIT_FAILURE_FOUND = 1,
	EXIT_USAGE = 2,
	EXIT_INPUT = 3
};

#define CLI_PUSH_LABELS_MAX 16
/* --listen's labels; the same as emit/metrics.h (main.c checks) */
#define CLI_METRIC_LABELS_MAX 8
#define CLI_LABEL_NAME_MAX 64
#define CLI_LABEL_SETS_DEFAULT 500
#define CLI_LABEL_SETS_MAX 100000

enum cli_cmd {
	CMD_RUN = 1 << 0,
	CMD_LINT = 1 << 1,
	CMD_RULES = 1 << 2,
	CMD_TEST = 1 << 3,
	CMD_LOGQL = 1 << 4,
	CMD_RUNBOOK = 1 << 5
};

/* Output formats (-o), combinable; their output comes in this order. */
#define LT_OUT_JSON 0x1u	/* JSON Lines: matches and the summary */
#define LT_OUT_TEXT 0x2u	/* lines and a verdict block for people */
#define LT_OUT_GITHUB 0x4u	/* workflow-command annotations at the end */
#define LT_OUT_PROMETHEUS 0x8u	/* metrics in the text format at the end */
#define LT_OUT_MARKDOWN 0x10u	/* the Markdown report at the end */
#define LT_OUT_SLACK 0x20u	/* a Slack webhook payload at the end */

struct cli {
	enum cli_cmd cmd;
	const char **rule_paths;	/* points into argv */
	size_t n_rule_paths;
	int no_defaults;
	enum lt_severity fail_on;
	int summary_only;
	int per_file;		/* --per-file, --group-by file */
	const char *group_label;	/* --group-by label:NAME */
	int recursive;		/* -R: directory operands are walked */
	int quiet;
	size_t max_line;
	enum lt_input input;
	int no_prefilter;
	unsigned jobs;
	char **files;		/* operands, points into argv */
	size_t n_files;
	int no_redact;
	unsigned formats;	/* LT_OUT_* from -o; 0: JSON */
	size_t before;		/* -B, -C */
	size_t after;		/* -A, -C */
	const char *color;	/* auto, always, never */
	int github;
	const char *step_summary;
	int no_step_summary;	/* --no-step-summary: not even in Actions */
	const char *runbook_base;
	const char *push_url;
	const char *push_job;
	const char *push_labels[CLI_PUSH_LABELS_MAX];	/* "k=v" */
	size_t n_push_labels;
	const char *notify_url;	/* --notify: a Slack webhook; a secret */
	int notify_always;	/* --notify-always: clean verdicts too */
	const char *listen;	/* --listen ADDR:PORT */
	const char *metric_labels[CLI_METRIC_LABELS_MAX];	/* NAME[=KEY] */
	size_t n_metric_labels;
	unsigned max_label_sets;	/* --max-label-sets */
	int exit_code;		/* -1: not given */
	unsigned long hold_ms;	/* --hold */
	int no_jit;
	int bless;		/* test: write expect files */
	int coverage;		/* test: every rule needs a sample */

	/* runbooks, configuration, rule authors (cmd_runbook.c, config) */
	int runbook_path;	/* runbook --path: where, not what */
	int no_config;		/* --no-config: no rules.d, no LOGTRIAGE_RULES */
	int print_missed;	/* test --print-missed */
	const char *explain;	/* rules --explain LINE */

	/* the Loki source (cmd_loki.c); options and environment */
	int loki;		/* --loki or --query: read from Loki */
	struct lt_loki_opts lo;	/* addr, query, batch, ... as given */
	unsigned long long since_ns, from_ns, to_ns;
	int has_since, has_from, has_to;
	int no_pushdown;
	int verbose;		/* --verbose: the pushdown note always */
	const char *token_file;	/* --bearer-token-file */
};

/*
 * Parse argv.  Returns -1 on a usage error (already reported), 0 to go
 * on, 1 when the run is over (--help or --version was printed).
 */
int cli_parse(int argc, char **argv, struct cli *c);
void cli_free(struct cli *c);

struct cli_list {
	char **v;
	size_t n;
	size_t cap;
};

/* Add path, or every *.log below the directory path, in name order. */
int cli_collect_logs(const char *path, struct cli_list *out);
void cli_list_free(struct cli_list *l);

/*
 * lint with operands: report rules that never fire on the samples and
 * rules that never win a line they match.  Adds to *warnings; -1 when a
 * sample could not be read.
 */
int cli_lint_samples(const struct cli *c, const struct lt_ruleset *rs,
    size_t *warnings);

/*
 * Classify a Loki query into t: environment, pushdown, lt_loki_run, and
 * the diagnostics.  Returns 0, -1 when the query failed (reported, and
 * counted as an unreadable input), -2 for a fatal error (out of memory,
 * output failed), -3 for a usage error (reported; nothing was asked);
 * sets *stop when the run was interrupted or output went away.
 */
int cli_loki_run(const struct cli *c, const struct lt_ruleset *rs,
    struct lt_triage *t, volatile sig_atomic_t *interrupted, int *stop);

/* `logtriage logql SELECTOR`: print the query to send; exit status. */
int cli_cmd_logql(const struct cli *c, const struct lt_ruleset *rs);

/* `logtriage test`: returns the exit status. */
int cli_cmd_test(const struct cli *c, const struct lt_ruleset *rs);

/* 1 when --metric-label may use name; else 0 and why (main.c). */
int cli_metric_label_ok(const char *name, const char **why);

/* A file embedded at build time (runbooks_embedded.c). */
struct cli_embedded_file {
	const char *name;	/* "runbooks/disk-space.md" */
	const unsigned char *data;
	size_t len;
};
extern const struct cli_embedded_file cli_runbooks[];
extern const size_t cli_runbooks_count;

/*
 * The runbook base in force: --runbook-base, else $LOGTRIAGE_RUNBOOK_BASE
 * (set and empty: none), else NULL, when the default rules' runbooks
 * point at the installed pages (LT_DOCDIR).  *given says whether the user
 * set one.
 */
const char *cli_runbook_base(const struct cli *c, int *given);

/*
 * config.c: add the rule files after the defaults: the system and user
 * rules.d, $LOGTRIAGE_RULES (unless --no-config, and never for `test`),
 * then the -r paths; errors go to the builder's diagnostics.
 */
void cli_add_rule_paths(const struct cli *c, struct lt_rules *b);

/* `logtriage rules --explain LINE`: returns the exit status. */
int cli_cmd_explain(const struct cli *c, const struct lt_ruleset *rs);
/*
 * The first match object (JSON, as -o json writes it) the rules give
 * text[0..len) as a log of one line, redaction off (the caller shows only
 * what its user gave it); NULL when no rule matches.  Free it with
 * cJSON_Delete.  Used by rules --explain and test --print-missed.
 */
struct cJSON *cli_line_match(const struct lt_ruleset *rs, const char *text,
    size_t len);

/* `logtriage runbook [--path] [CATEGORY]`: returns the exit status. */
int cli_cmd_runbook(const struct cli *c, const struct lt_ruleset *rs);

/*
 * lint: report (as errors) every rule whose runbook is a local file that
 * does not exist; returns how many.
 */
size_t cli_lint_runbooks(const struct lt_ruleset *rs);

void cli_warn(const char *fmt, ...) CLI_PRINTF(1, 2);
void cli_error_report(const struct lt_error *e);
/* lt_diag_fn that prints errors, and warnings when ctx points to a 1. */
void cli_diag(void *ctx, const struct lt_error *e);

/*
 * walk.c: the operands with every directory replaced by the regular files
 * under it (depth first, names in byte order, links not followed); *out
 * is freed with cli_walk_free.  0, or -1 after a message (a cap).
 */
int cli_walk(char **ops, size_t n, char ***out, size_t *n_out);
void cli_walk_free(char **v, size_t n);

#endif

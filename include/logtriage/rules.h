/*
 * logtriage/rules.h - rule files in, immutable compiled rule set out.
 *
 * The split follows YARA: a builder (struct lt_rules) takes rule text from
 * files, directories and the embedded defaults, reports every problem it
 * sees through the diagnostic callback, and then compiles into a frozen
 * struct lt_ruleset.  A ruleset is never changed after compilation, so any
 * number of scanners (see scan.h) may share it, in any threads.
 *
 * Rule syntax is documented in man/logtriage-rules.5.
 *
 * Ownership: lt_rules_new/lt_rules_free and lt_ruleset_free pair as usual;
 * passing NULL to a _free function does nothing.  Strings returned by the
 * accessors live as long as the ruleset.
 */
#ifndef LOGTRIAGE_RULES_H
#define LOGTRIAGE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "status.h"

enum lt_severity {
	LT_SEV_INFO = 0,
	LT_SEV_LOW,
	LT_SEV_MEDIUM,
	LT_SEV_HIGH,
	LT_SEV_CRITICAL
};

/*
 * How sure a match is of its category: high for a rule written for one
 * tool's message, medium for the generic tier (words any tool uses) or
 * corroborated soft evidence, low for a bare failure marker.  A rule takes
 * its category's confidence unless it sets its own; a category's default
 * is high.
 */
enum lt_confidence {
	LT_CONF_LOW = 0,
	LT_CONF_MEDIUM,
	LT_CONF_HIGH
};

#define LT_PRIORITY_DEFAULT 50
#define LT_PRIORITY_MAX 100

/* Caps.  Exceeding one is an error that names it. */
#define LT_RULES_FILE_MAX (16u << 20)	/* bytes in one rule file */
#define LT_RULES_LINE_MAX 65536u	/* bytes in one rule file line */
#define LT_RULES_MAX 100000u		/* rules + categories in a set */
#define LT_RULE_PATTERNS_MAX 256u	/* match + unless lines in one rule */
#define LT_RULES_DIR_FILES_MAX 10000u	/* *.rules files in one directory */
#define LT_EXIT_CODES_MAX 16u		/* values of one exit_code key */
#define LT_ANNOTATION_MAX 16u		/* letters of an annotation word */
#define LT_COUNT_MAX 1000u		/* the count key's largest value */
#define LT_CLEARED_BY_MAX 16u		/* cleared_by patterns of one rule */

/* "critical", "high", ... */
LT_API const char *lt_severity_name(enum lt_severity s);
/* 0 and *out set when s[0..n) names a severity, -1 otherwise. */
LT_API int lt_severity_parse(const char *s, size_t n, enum lt_severity *out);
/* "high", "medium", "low". */
LT_API const char *lt_confidence_name(enum lt_confidence c);
/* 0 and *out set when s[0..n) names a confidence, -1 otherwise. */
LT_API int lt_confidence_parse(const char *s, size_t n,
    enum lt_confidence *out);

struct lt_rules;	/* builder: mutable, single-threaded */
struct lt_ruleset;	/* compiled: immutable, shareable */

/*
 * A new, empty builder.  Diagnostics (errors and warnings, with origin,
 * line and column) go to diag, which may be NULL.  NULL when out of memory.
 */
LT_API struct lt_rules *lt_rules_new(lt_diag_fn *diag, void *diag_ctx);
LT_API void lt_rules_free(struct lt_rules *b);

/*
 * Add rule text.  origin names it in diagnostics.  Parsing goes on after
 * an error so that one run reports every problem; the return value is
 * LT_OK only when this text had no error.
 */
LT_API enum lt_status lt_rules_add_buffer(struct lt_rules *b,
    const char *origin, const char *text, size_t len);

/* Add a rule file, or every "*.rules" file of a directory in name order. */
LT_API enum lt_status lt_rules_add_path(struct lt_rules *b, const char *path);

/*
 * Relative runbook paths of the rule text added from now on are joined to
 * base ("URL/" + path; NULL or "" to stop): the executable points the
 * default rules' "runbooks/x.md" at the installed pages this way.  A rule
 * file may set its own with "runbook_base = URL" before its first stanza,
 * which wins for that file.  The base is copied.
 */
LT_API enum lt_status lt_rules_set_runbook_base(struct lt_rules *b,
    const char *base);

/* Add the rule files embedded at build time (rules/\*.rules). */
LT_API enum lt_status lt_rules_add_defaults(struct lt_rules *b);
/*
 * Only the default [redact] stanzas (rules/redact.rules): for
 * --no-defaults, which must not turn redaction off.
 */
LT_API enum lt_status lt_rules_add_default_redactions(struct lt_rules *b);

/* Number of errors reported so far. */
LT_API size_t lt_rules_error_count(const struct lt_rules *b);

struct lt_compile_opts {
	uint32_t match_limit;	/* PCRE2 match limit per (line, pattern) */
	uint32_t depth_limit;	/* PCRE2 depth limit */
	uint32_t heap_limit_kib;	/* PCRE2 heap limit */
	uint32_t line_budget_ms;	/* CPU per MiB of line begun, all rules; 0: none */
	int no_jit;		/* 1: never JIT-compile */
	int no_prefilter;	/* 1: run every pattern on every line */
};

/* Defaults for the compile options. */
LT_API void lt_compile_opts_init(struct lt_compile_opts *o);

/*
 * Resolve categories and defaults, check consistency, JIT-compile, and
 * freeze.  Fails (and *out stays NULL) when any error was reported, now
 * or by an earlier add.  The builder may be freed afterwards.
 */
LT_API enum lt_status lt_rules_compile(struct lt_rules *b,
    const struct lt_compile_opts *opts, struct lt_ruleset **out);

LT_API void lt_ruleset_free(struct lt_ruleset *rs);

/* Read-only view of one compiled rule. */
struct lt_rule_info {
	const char *id;
	const char *category;
	enum lt_severity severity;
	enum lt_confidence confidence;
	int priority;
	const char *summary;	/* "" when none */
	const char *remediation;
	const char *runbook;
	const char *origin;	/* rule file the rule came from */
	unsigned long line;	/* line of its [rule] header */
	size_t n_match;
	const char *const *match;	/* pattern sources */
	size_t n_unless;
	const char *const *unless;
	size_t n_exit_codes;	/* exit_code = N[, N...] */
	const int *exit_codes;
	/*
	 * annotation = WORD: the rule also matches every line its decoder
	 * gave the label annotation=WORD (an Actions or Azure Pipelines
	 * "##[error]" line), whatever its text; NULL: none.
	 */
	const char *annotation;
	/*
	 * Evidence over time (see evidence.h): a match is evidence once
	 * count matches of the rule in one stream fall within within_ns of
	 * the lines' times (within_lines lines where they have no time or
	 * no within_ns is set; 0: no bound), and stays pending while a
	 * cleared_by pattern can still clear it.  count is 1 and the rest 0
	 * for a rule without these keys.
	 */
	unsigned count;
	unsigned long long within_ns;
	unsigned long long within_lines;
	size_t n_cleared_by;
	const char *const *cleared_by;	/* pattern sources */
	/*
	 * clear_within: a pending match waits at most this long (by the
	 * lines' times) or this many further lines of its stream for a
	 * clearing line, then is evidence at once; 0: until the end.
	 */
	unsigned long long clear_within_ns;
	unsigned long long clear_within_lines;
};

/* Rules in rank order (see lt_ruleset_rule). */
LT_API size_t lt_ruleset_count(const struct lt_ruleset *rs);

/*
 * Rule i, 0 <= i < count, in rank order: priority high to low, then
 * severity high to low, then order of definition.  NULL when out of range.
 */
LT_API const struct lt_rule_info *lt_ruleset_rule(const struct lt_ruleset *rs,
    size_t i);

/* Categories of the set, in order of definition. */
struct lt_category_info {
	const char *name;
	enum lt_severity severity;
	enum lt_confidence confidence;
	const char *summary;
	const char *remediation;
	const char *runbook;
};
LT_API size_t lt_ruleset_category_count(const struct lt_ruleset *rs);
LT_API const struct lt_category_info *lt_ruleset_category(
    const struct lt_ruleset *rs, size_t i);

#endif

/*
 * rules_int.h - the rule builder, shared by rules_parse.c (text in) and
 * rules_compile.c (frozen ruleset out).
 */
#ifndef LT_RULES_INT_H
#define LT_RULES_INT_H

#include "match/match_int.h"

struct lt_pat {
	char *src;
	pcre2_code *code;
	unsigned long line;
	unsigned long col;	/* column of the pattern's first byte */
};

/* What a pattern of a rule is for (struct lt_rdef's pat_kind). */
enum { PAT_MATCH = 0, PAT_UNLESS = 1, PAT_CLEAR = 2 };

/* Bits of keys seen in a stanza, to refuse duplicates. */
enum {
	K_CATEGORY = 1 << 0,
	K_SEVERITY = 1 << 1,
	K_PRIORITY = 1 << 2,
	K_SUMMARY = 1 << 3,
	K_REMEDIATION = 1 << 4,
	K_RUNBOOK = 1 << 5,
	K_DISABLED = 1 << 6,
	K_EXIT_CODE = 1 << 7,
	K_CONFIDENCE = 1 << 8,
	K_COUNT = 1 << 9,
	K_WITHIN_TIME = 1 << 10,
	K_WITHIN_LINES = 1 << 11,
	K_CLEAR_WITHIN_TIME = 1 << 12,
	K_CLEAR_WITHIN_LINES = 1 << 13,
	K_ANNOTATION = 1 << 14
};

struct lt_rdef {
	char *id;
	const char *origin;	/* owned by the builder's origin list */
	unsigned long line;
	unsigned long col;
	char *category;
	unsigned long cat_line;
	unsigned long cat_col;
	struct lt_pat *pats;	/* match and unless, in order */
	unsigned char *pat_kind;	/* a PAT_ kind per pattern */
	size_t n_pats;
	size_t cap_pats;
	enum lt_severity severity;
	enum lt_confidence confidence;	/* with K_CONFIDENCE; else the category's */
	int priority;
	char *summary;		/* NULL: the category's */
	char *remediation;
	char *runbook;
	int exit_codes[LT_EXIT_CODES_MAX];
	size_t n_exit_codes;
	char annotation[LT_ANNOTATION_MAX + 1];	/* "": none */
	unsigned count;		/* 0: not set */
	unsigned long long within_ns;
	unsigned long long within_lines;
	unsigned long long clear_within_ns;	/* 0: not set */
	unsigned long long clear_within_lines;
	size_t n_clears;	/* cleared_by patterns among pats */
	int disabled;
	int broken;		/* had a parse error: skip whole-set checks */
	unsigned keys;
	size_t order;
};

struct lt_cdef {
	char *name;
	const char *origin;
	unsigned long line;
	enum lt_severity severity;
	enum lt_confidence confidence;
	char *summary;
	char *remediation;
	char *runbook;
	unsigned keys;
};

struct lt_rules {
	lt_diag_fn *diag;
	void *diag_ctx;
	struct lt_rdef *rules;
	size_t n_rules;
	size_t cap_rules;
	struct lt_cdef *cats;
	size_t n_cats;
	size_t cap_cats;
	struct lt_rdef *redacts;	/* [redact NAME]: id, pats, disabled */
	size_t n_redacts;
	size_t cap_redacts;
	char **origins;
	size_t n_origins;
	size_t cap_origins;
	size_t errors;
	size_t next_order;
	char *runbook_base;	/* lt_rules_set_runbook_base; NULL: none */
};

/* Called for each risky shape in a pattern, col 0-based in the pattern. */
typedef void lt_risk_fn(void *ctx, size_t col, const char *msg);
void lt_pattern_risks(const char *p, size_t n, lt_risk_fn *warn, void *ctx);

void lt_rules_diag(struct lt_rules *b, enum lt_status st, enum lt_level lvl,
    const char *origin, unsigned long line, unsigned long col,
    const char *fmt, ...) LT_PRINTF(7, 8);
void lt_rdef_clear(struct lt_rdef *r);
void lt_cdef_clear(struct lt_cdef *c);

#endif

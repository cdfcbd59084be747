/*
 * ruleset.h - the layout of a compiled ruleset, for the stages that run
 * its PCRE2 programs (the scanner, the redactor) or index by its rules'
 * rank order (the verdict, the pipeline).  Only src/match/ builds or
 * changes one; everyone else reads it, and the public view of a rule is
 * lt_ruleset_rule() (rules.h).
 */
#ifndef LT_RULESET_H
#define LT_RULESET_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "logtriage/rules.h"

struct lt_prefilter;	/* see match_int.h */

/* One compiled rule: the public view plus its PCRE2 programs. */
struct lt_crule {
	struct lt_rule_info info;
	pcre2_code **match;	/* info.n_match programs */
	pcre2_code **unless;	/* info.n_unless programs */
	pcre2_code **clear;	/* info.n_cleared_by programs */
	/*
	 * Per match, then unless program: 1 once it needs no JIT compile
	 * (done, failed, or JIT off).  The scanner compiles a program on its
	 * first use (scan.c, code_of): the only change to a ruleset
	 * after it is built.
	 */
	atomic_uchar *jit;
	size_t def_order;	/* position of first definition */
	/*
	 * 1 when the prefilter attends to the literals of every cleared_by
	 * pattern (rules_compile.c): no run of lines it passes over can
	 * hold a line that clears this rule's pending matches.
	 */
	unsigned char clear_seen;
	/* "##[WORD]" of info.annotation, an attention literal; or NULL */
	const char *ann_mark;
};

/*
 * The literals (atoms.c) one of which every match of a redact pattern
 * holds; the redactor does not run a pattern whose literals a line lacks.
 * n == 0: no such literals, the pattern runs on every line.
 */
#define LT_GATE_ATOMS 16
#define LT_GATE_LEN 32
struct lt_gate {
	size_t n;
	unsigned char len[LT_GATE_ATOMS];
	char s[LT_GATE_ATOMS][LT_GATE_LEN];
};

/* One compiled [redact NAME] stanza. */
struct lt_credact {
	const char *name;
	pcre2_code **codes;
	int *secret;		/* group number of (?<secret>...), or 0 */
	struct lt_gate *gates;	/* per pattern */
	size_t n;
};

struct lt_ruleset {
	struct lt_crule *rules;	/* rank order */
	size_t n_rules;
	/* every match pattern, rule by rule in rank order ("pattern index") */
	uint32_t *pat_rule;	/* rule of pattern k */
	uint32_t *pat_j;	/* its index among the rule's match patterns */
	size_t n_pats;
	uint32_t *ann_rule;	/* the rules with an annotation, in rank order */
	size_t n_ann;
	struct lt_prefilter *pf;	/* NULL: PCRE2 runs every pattern */
	struct lt_category_info *cats;
	size_t n_cats;
	size_t *rule_cat;	/* category index of each rule */
	uint32_t max_ovec;	/* largest capture count + 1 */
	struct lt_compile_opts opts;
	struct lt_credact *redacts;
	size_t n_redacts;
	char **strings;		/* every string the views point at */
	size_t n_strings;
};

/*
 * The root-cause order's first two steps, written once: priority, then
 * severity, both high to low.  <0 when rule a outranks rule b, >0 when b
 * outranks a, 0 when they share both.  The compiler sorts the rules by it
 * (ties: order of first definition), which is the scanner's order and
 * the rank index; the verdict orders matches by it (ties: the earlier
 * match).
 */
int lt_rule_rank_cmp(const struct lt_rule_info *a,
    const struct lt_rule_info *b);

#endif

/*
 * internal.h - what the library's modules share and callers never see:
 * the layout of a compiled ruleset and small helpers.
 */
#ifndef LT_INTERNAL_H
#define LT_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdint.h>

#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "logtriage/lines.h"
#include "logtriage/rules.h"
#include "logtriage/scan.h"
#include "logtriage/status.h"
#include "logtriage/triage.h"
#include "logtriage/verdict.h"

#if defined(__GNUC__)
#define LT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LT_PRINTF(a, b)
#endif

#define LT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fill e (when not NULL); message is printf-formatted and truncated. */
void lt_error_set(struct lt_error *e, enum lt_status st, enum lt_level lvl,
    const char *origin, unsigned long line, unsigned long col,
    const char *fmt, ...) LT_PRINTF(7, 8);

/* One compiled rule: the public view plus its PCRE2 programs. */
struct lt_crule {
	struct lt_rule_info info;
	pcre2_code **match;	/* info.n_match programs */
	pcre2_code **unless;	/* info.n_unless programs */
	pcre2_code **clear;	/* info.n_cleared_by programs */
	size_t def_order;	/* position of first definition */
};

/* One compiled [redact NAME] stanza. */
struct lt_credact {
	const char *name;
	pcre2_code **codes;
	int *secret;		/* group number of (?<secret>...), or 0 */
	size_t n;
};

struct lt_ruleset {
	struct lt_crule *rules;	/* rank order */
	size_t n_rules;
	/* every match pattern, rule by rule in rank order ("pattern index") */
	uint32_t *pat_rule;	/* rule of pattern k */
	uint32_t *pat_j;	/* its index among the rule's match patterns */
	size_t n_pats;
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

/* Embedded default rule files, generated at build time. */
struct lt_embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct lt_embedded_file lt_embedded_rules[];
extern const size_t lt_embedded_rules_count;

/* Length (1-4) of the well-formed UTF-8 sequence at p, 0 if none. */
size_t lt_utf8_seq(const char *p, size_t n);

/* Remove ANSI escape sequences; writes at most n bytes to dst. */
size_t lt_ansi_strip(char *dst, const char *src, size_t n);

/* ---- lines.c ---- */

/*
 * The start of the line that the bytes just before at belong to: just
 * past the last newline in lo[0..at - lo), or lo when there is none.
 */
const char *lt_line_start(const char *lo, const char *at);

/* ---- atoms.c: literals a pattern cannot match without ---- */

#define LT_ATOM_MAX 32		/* bytes in one atom */
#define LT_ATOMS_MAX 16		/* alternatives in one atom set */
#define LT_ATOM_MIN 3		/* shorter atoms are not worth it */

struct lt_atom {
	unsigned char len;
	unsigned char caseless;	/* compare without regard to ASCII case */
	char s[LT_ATOM_MAX];
};

struct lt_atoms {
	size_t n;
	struct lt_atom a[LT_ATOMS_MAX];
};

/*
 * For a pattern as the rule parser compiles it (PCRE2_UTF,
 * PCRE2_MATCH_INVALID_UTF): 0 and *out filled when every match contains
 * one of the atoms (each at least LT_ATOM_MIN bytes); -1 and *why (a
 * static string) when the pattern uses syntax the reader does not follow
 * or no such atoms exist.
 */
int lt_atoms_extract(const char *src, size_t len, struct lt_atoms *out,
    const char **why);

/* ---- prefilter.c: which patterns may match a line ---- */

struct lt_prefilter;	/* immutable, owned by the ruleset */
struct lt_pfscan;	/* per scanner */

/* Told about each pattern PCRE2 must run on every line (j: match index). */
typedef void lt_pf_warn_fn(void *ctx, size_t rule, size_t j,
    const char *why);

/*
 * Build rs->pf from rs (rules in rank order, pattern tables filled).
 * LT_OK also when no prefilter is possible (rs->pf stays NULL); the only
 * error is LT_ERR_NOMEM.
 */
enum lt_status lt_prefilter_build(struct lt_ruleset *rs, lt_pf_warn_fn *warn,
    void *warn_ctx);
void lt_prefilter_free(struct lt_prefilter *pf);

/* NULL when out of memory. */
struct lt_pfscan *lt_pfscan_new(const struct lt_prefilter *pf);
void lt_pfscan_free(struct lt_pfscan *ps);

/* See lt_scanner_window(). */
void lt_pfscan_window(struct lt_pfscan *ps, const char *buf, size_t len);

/* See lt_scanner_jobs(); returns the threads now used (at least 1). */
unsigned lt_pfscan_jobs(struct lt_pfscan *ps, unsigned jobs);

/* Patterns that may match one line: the union of two sorted lists. */
struct lt_pfcand {
	const uint32_t *a;
	size_t na;
	const uint32_t *b;
	size_t nb;
};

/* See lt_scanner_run(). */
size_t lt_pfscan_run(struct lt_pfscan *ps, const char *p, size_t n);

/* 0 with *c filled, or -1 when every pattern must be tried. */
int lt_pfscan_line(struct lt_pfscan *ps, const char *p, size_t n,
    struct lt_pfcand *c);

#endif

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

#endif

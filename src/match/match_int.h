/*
 * match_int.h - what the matcher's modules share and no other stage
 * sees: the atoms of a pattern (atoms.c), the prefilter (prefilter.c),
 * the embedded default rules.  Private to src/match/.
 */
#ifndef LT_MATCH_INT_H
#define LT_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "match/ruleset.h"
#include "util/util.h"

/* Embedded default rule files, generated at build time. */
struct lt_embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct lt_embedded_file lt_embedded_rules[];
extern const size_t lt_embedded_rules_count;

/*
 * The default rules' prefilter databases, compiled and serialized at
 * build time (pfdb_gen.c, lt_prefilter_export); lt_pfdb_blob_len is 0
 * when the build embeds none (no vectorscan, cross builds: pfdb_none.c).
 */
extern const unsigned char lt_pfdb_blob[];
extern const size_t lt_pfdb_blob_len;

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
 * An attention literal: bytes that make a line need a look of its own
 * whatever the rules say (a stage after the matcher must see the line),
 * so that no run of lines passed over (lt_pfscan_run) holds them.  They
 * name no pattern: a line that holds one gets no candidates from it.
 */
struct lt_pf_attend {
	const char *s;
	size_t len;		/* 1 to LT_ATOM_MAX */
	int caseless;		/* ASCII case folded, as an atom's */
};

#define LT_PF_ATTEND_MAX 4096	/* attention literals of one prefilter */

/*
 * Build rs->pf from rs (rules in rank order, pattern tables filled) and
 * the attention literals att[0..n_att) (at most LT_PF_ATTEND_MAX; more,
 * or one of a bad length: LT_ERR_ARG).  LT_OK also when no prefilter is
 * possible (rs->pf stays NULL).
 */
enum lt_status lt_prefilter_build(struct lt_ruleset *rs,
    const struct lt_pf_attend *att, size_t n_att, lt_pf_warn_fn *warn,
    void *warn_ctx);
void lt_prefilter_free(struct lt_prefilter *pf);

/*
 * The ruleset's prefilter databases with what they were compiled from,
 * as the blob lt_pfdb_blob holds: *out (malloc'd) and *out_len.  LT_OK,
 * LT_ERR_ARG when rs has no prefilter, LT_ERR_NOMEM.
 */
enum lt_status lt_prefilter_export(const struct lt_ruleset *rs,
    unsigned char **out, size_t *out_len);

/*
 * Which of rs's databases came from the blob instead of a compile: bit 0
 * the literal database, bit 1 the regex one; -1 when rs has no
 * prefilter.  For tests, as is lt_prefilter_blob(0), which makes every
 * later build compile (not thread-safe: call it before building).
 */
int lt_prefilter_blob_used(const struct lt_ruleset *rs);
void lt_prefilter_blob(int on);

/*
 * For tests: lt_prefilter_pad(0) makes later builds leave mid-sized
 * literal sets unpadded (see prefilter.c; not thread-safe), and
 * lt_prefilter_db_size() is the literal database's size in bytes (0:
 * none).
 */
void lt_prefilter_pad(int on);
size_t lt_prefilter_db_size(const struct lt_ruleset *rs);

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

/*
 * prefilter.c - which patterns may match a line, for many lines at once.
 *
 * Running every rule's PCRE2 program on every line costs rules x bytes;
 * at 500 rules that is a few MB/s.  Almost every line matches nothing,
 * so the scanner first asks the prefilter which patterns *may* match a
 * line and runs PCRE2 on those alone, in the rules' rank order.  PCRE2
 * stays the only judge of a match: the prefilter may say "maybe" too
 * often, never "no" wrongly, so results are the same with it or without
 * it (--no-prefilter; the equivalence tests hold us to that).
 *
 * Every match pattern lands in one of three tiers when the ruleset is
 * compiled:
 *
 *  A. Atoms.  atoms.c finds literals every match contains.  All atoms of
 *     all tier A patterns go into one vectorscan literal database, which
 *     compiles in milliseconds and scans at GB/s.  A whole regex database
 *     was measured first: it took 0.1 s to compile 50 patterns and over a
 *     second for 500 (more than ripgrep needs for the whole job) and
 *     scanned slower, so regex mode is kept for the few patterns below.
 *  B. Regex prefilter.  Patterns without useful atoms that vectorscan
 *     accepts in prefilter mode (HS_FLAG_PREFILTER | HS_FLAG_MULTILINE),
 *     minus everything whose meaning could differ between PCRE2 on one
 *     normalised line and vectorscan on raw bytes: non-ASCII in the
 *     pattern (byte vs character semantics), \A \z \Z \G \K (buffer vs
 *     line boundaries), hex, octal, Unicode and newline escapes, (*VERB)s,
 *     ambiguous braces, (?x), syntax the pattern lexer (rxlex.c) does not
 *     follow, a pattern that can match the empty string, or a PCRE2
 *     newline convention other than LF.
 *  C. Everything else: PCRE2 runs it on every line, and `logtriage lint`
 *     names it with a warning.
 *
 * Scanning.  The scanner is told the buffer the lines come from
 * (lt_pfscan_window).  On the first line that needs it, a region of whole
 * lines (up to REGION bytes) is scanned with both databases in one call
 * each, and the events (end offset, pattern) are kept, sorted by offset.
 * A line that lies in the region takes the events that end inside it.
 * Anything else (a line assembled across reads, a line whose ANSI escapes
 * were removed into a copy, a decoded line, a region that overflowed the
 * event cap) is scanned on its own.
 *
 * Why atoms may be looked for in raw bytes: a line PCRE2 sees is either
 * those very bytes or a prefix of them (the CR before the newline and the
 * tail past --max-line are cut, never added), so any literal inside it is
 * also in the buffer, ending inside the line's span.  Case: vectorscan
 * folds ASCII only, PCRE2 also folds U+017F to s and U+212A to k; the
 * literal database also carries these two characters as markers, and a
 * line that contains one is checked against every pattern.
 *
 * Tier B results are used only for a line whose span is a whole line of
 * the buffer (a newline, or the buffer edge, on both sides) and is all
 * ASCII, or for a line scanned on its own that is all ASCII: there the
 * bytes vectorscan sees are the bytes PCRE2 sees, ^ and $ (multi-line)
 * and \b behave alike at the edges, and byte and character semantics
 * agree.  On any other line every tier B pattern is a candidate.
 *
 * Memory is fixed by the ruleset: events are capped (the lines of a region
 * whose events pass the cap are scanned one by one, which needs no
 * events, and get no runs), and the candidate list holds each pattern
 * once.
 *
 * Runs.  The events also say where nothing is: lt_pfscan_run() answers,
 * for a line of the window, how far the lines with no event go (to the
 * line of the next event, or the region's end).  The splitter then passes
 * them over in one step without calling back per line; that is what
 * leaves most lines of a big log costing a memchr.
 *
 * A PCRE2 limit ("match limit") can only be hit by a pattern that runs,
 * so with the prefilter fewer lines can count limit hits.
 *
 * Start-up.  Compiling the literal database of the default rules was
 * more than half of a short run (100 M of 177 M instructions for a
 * one-line log).  The build compiles it once (pfdb_gen.c) and embeds it
 * serialized, with its key: the bytes of everything the compile is
 * given, each literal's id, flags and bytes (the regex database the
 * same).  A build here makes the key of what it is about to compile and
 * deserializes the embedded database instead when the keys are equal,
 * the running vectorscan is the version that serialized it, in block
 * mode, and this CPU has the same features as the one it was compiled
 * for (then it is the database the compile would build, which
 * unit.prefilter checks byte for byte, and this CPU can run it).
 * Otherwise, and for any other rule set (one more literal changes the
 * key), it compiles as before.  So it is not "the rules came from
 * lt_rules_add_defaults" that decides, but the literals themselves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/line_start.h"
#include "logtriage/scan.h"
#include "match/match_int.h"
#include "match/rxlex.h"

#ifdef LT_HAVE_VECTORSCAN

#include <hs/hs.h>
#include <pthread.h>

#define MARK UINT32_MAX		/* event of a U+017F / U+212A marker */
#define NOTE (UINT32_MAX - 1)	/* event of an attention literal */
#define PAD (UINT32_MAX - 2)	/* a padding literal: never an event */
#define PAD_FROM 32u		/* literal sets of this size ... */
#define PAD_TO 112u		/* ... and up are padded to this size */
#define PAD_LEN 8u
#define REGION (64u << 10)	/* bytes scanned at once, normally */
#define REGIONS_MAX 64u		/* in one window; larger windows, larger regions */
#define SLOTS 16u		/* regions scanned ahead of the main thread */
#define EVENTS_MAX 8192u	/* events kept from one region */

/*
 * Attention literals (lt_prefilter_build's att): bytes that make a line
 * need a look of its own whatever the rules say, so a run of lines
 * passed over (lt_pfscan_run) never holds them.  The prefilter does not
 * know whose they are or why: the stages after the matcher declare them
 * (rules_compile.c gathers them), and they go into the literal database
 * after the atoms and markers, as events that name no pattern (NOTE).
 */

/*
 * The literal engine, chosen on purpose.  vectorscan matches a small
 * literal set with Teddy (SIMD shuffles over a few buckets of literals)
 * and a larger one with FDR (hashing).  Teddy is fast while its buckets
 * are lightly loaded; from about 30 literals up to the 96 that its
 * largest (AVX2 "fat") form takes, it is the slower one: bench-50's 62
 * literals: a 16 MiB run took 27 ms of CPU with it, 21 ms with FDR.  FDR
 * in turn picks a larger hash domain from about 100 literals, which is
 * what made the difference (97 literals: no faster).  So a set of
 * PAD_FROM to PAD_TO literals is padded to PAD_TO with literals no
 * UTF-8 text holds (0xFF 0xFE "P" three digits 0xFE 0xFD); their events
 * are dropped (on_event, add_cand), so whatever the input, even one
 * that holds them, the results are those without padding.
 * unit.prefilter checks that the padded database is the larger engine
 * (by its size), not how fast it is.
 * Measured in docs/performance.md; smaller sets (the 5-rule one: 9
 * literals) stay with Teddy, which is faster there.
 */

struct lt_prefilter {
	hs_database_t *lit;	/* atoms, markers, attention literals */
	hs_database_t *rx;	/* tier B; NULL if none */
	uint32_t *lit_pat;	/* literal id -> pattern index, MARK or NOTE */
	uint32_t n_lit;		/* rx ids are n_lit + pattern index */
	uint32_t *verify;	/* tier C, sorted */
	size_t n_verify;
	uint32_t *verify_rx;	/* tiers B and C, sorted */
	size_t n_verify_rx;
	size_t n_pats;
	/* what each database was compiled from (see "Start-up" above) */
	unsigned char *key[2];	/* [LIT], [RX]; NULL: no such database */
	size_t key_len[2];
	unsigned from_blob;	/* bit LIT, RX: deserialized, not compiled */
};

enum { LIT = 0, RX = 1 };

struct event {
	uint32_t to;		/* end offset, from the region's start */
	uint32_t pat;		/* pattern index, MARK or NOTE */
};


/* ---- building ---- */

/*
 * Why a tier B pattern could behave differently in vectorscan, or NULL.
 * Read with the PCRE2 lexer (rxlex.c), so that a \A inside \Q...\E or
 * a brace inside a class is what PCRE2 makes of it; syntax the lexer
 * does not follow is refused too.
 */
static const char *
rx_unsafe(const char *src, size_t n)
{
	static const char esc[] = "an escape it may read differently";
	struct lt_rxlex lx;
	struct lt_rx_token t;
	size_t i, k;

	lt_rxlex_init(&lx, src, n, 0);
	for (k = 0; k <= n; k++) {
		switch (lt_rxlex_next(&lx, &t)) {
		case LT_RX_END:
			k = n + 1;
			break;
		case LT_RX_ERROR:
			return t.why;
		case LT_RX_UNSUPPORTED:
			if (t.unsup == LT_RXU_VERB)
				return "a (*VERB)";
			if (t.unsup == LT_RXU_BRACE)
				return "a brace PCRE2 versions read differently";
			return t.unsup == LT_RXU_ESCAPE ? esc : t.why;
		case LT_RX_LIT:
		case LT_RX_RANGE:
			/* hex, octal, control and Unicode escapes */
			if (t.esc != 0 && strchr("xo0cN", t.esc) != NULL)
				return esc;
			if (t.cp >= 0x80 || (t.kind == LT_RX_RANGE &&
			    t.hi >= 0x80))
				return "non-ASCII characters in the pattern";
			break;
		case LT_RX_TYPE:
			if (strchr("NpXRhv", (int)t.cp) != NULL)
				return esc;
			break;
		case LT_RX_ASSERT:
			if (strchr("AzZGK", (int)t.cp) != NULL)
				return "\\A, \\z, \\Z, \\G or \\K";
			break;
		case LT_RX_BACKREF:
			return esc;
		case LT_RX_OPTS:
		case LT_RX_GROUP:
			if (t.flags & LT_RXF_X)
				return "(?x): white space and comments";
			break;
		default:
			break;
		}
	}
	/* in a comment or a group name: still not the same bytes */
	for (i = 0; i < n; i++)
		if ((unsigned char)src[i] >= 0x80)
			return "non-ASCII characters in the pattern";
	return NULL;
}

struct build {
	struct lt_ruleset *rs;
	lt_pf_warn_fn *warn;
	void *warn_ctx;
	unsigned char *tier;	/* per pattern: 'A', 'B' or 'C' */
	const char **lits;	/* literal database input */
	size_t *lit_len;
	unsigned *lit_flags;
	unsigned *lit_ids;
	size_t n_lit, cap_lit;
	const char **rx_src;	/* regex database input */
	unsigned *rx_flags;
	unsigned *rx_ids;
	size_t n_rx;
	uint32_t *lit_pat;	/* literal id -> pattern index or MARK */
	char *atom_store;	/* atom bytes: cap_lit * LT_ATOM_MAX */
	int need_markers;
};

static void
warn_pat(struct build *b, uint32_t k, const char *why)
{
	if (b->warn != NULL)
		b->warn(b->warn_ctx, b->rs->pat_rule[k], b->rs->pat_j[k], why);
}

static const char *
pattern_src(const struct lt_ruleset *rs, uint32_t k)
{
	return rs->rules[rs->pat_rule[k]].info.match[rs->pat_j[k]];
}

static const pcre2_code *
pattern_code(const struct lt_ruleset *rs, uint32_t k)
{
	return rs->rules[rs->pat_rule[k]].match[rs->pat_j[k]];
}

static int
add_literal(struct build *b, const char *s, size_t len, int caseless,
    uint32_t pat)
{
	char *dst;

	if (b->n_lit == b->cap_lit)
		return -1;	/* sized in advance; cannot happen */
	dst = b->atom_store + b->n_lit * LT_ATOM_MAX;
	memcpy(dst, s, len);
	b->lits[b->n_lit] = dst;
	b->lit_len[b->n_lit] = len;
	b->lit_flags[b->n_lit] = caseless ? HS_FLAG_CASELESS : 0;
	b->lit_ids[b->n_lit] = (unsigned)b->n_lit;
	b->lit_pat[b->n_lit] = pat;
	b->n_lit++;
	return 0;
}

/* ---- the embedded database of the default rules ---- */

/*
 * A database's key: the bytes of everything its compile is given (kind,
 * each expression's id, flags and bytes); two compiles with equal keys
 * on the same library and CPU build the same database.  Host byte order:
 * a key never leaves the machine that made it (cross builds embed none).
 */
static unsigned char *
make_key(int kind, const char *const *src, const size_t *len,
    const unsigned *flags, const unsigned *ids, size_t n, size_t *key_len)
{
	unsigned char *key, *w;
	size_t i, total = 1 + sizeof(uint64_t), l;
	uint32_t v[3];

	for (i = 0; i < n; i++) {
		l = len != NULL ? len[i] : strlen(src[i]);
		if (l > UINT32_MAX || total > SIZE_MAX - sizeof v - l)
			return NULL;
		total += sizeof v + l;
	}
	if ((key = malloc(total)) == NULL)
		return NULL;
	w = key;
	*w++ = kind == LIT ? 'L' : 'R';
	memcpy(w, &(uint64_t){ n }, sizeof(uint64_t));
	w += sizeof(uint64_t);
	for (i = 0; i < n; i++) {
		l = len != NULL ? len[i] : strlen(src[i]);
		v[0] = ids[i];
		v[1] = flags[i];
		v[2] = (uint32_t)l;
		memcpy(w, v, sizeof v);
		w += sizeof v;
		memcpy(w, src[i], l);
		w += l;
	}
	*key_len = total;
	return key;
}

static int blob_on = 1;	/* lt_prefilter_blob() */
static int pad_on = 1;	/* lt_prefilter_pad() */

void
lt_prefilter_pad(int on)
{
	pad_on = on;
}


void
lt_prefilter_blob(int on)
{
	blob_on = on;
}

/* Read n bytes at *p of the blob's [*p, end); NULL past the end. */
static const unsigned char *
take(const unsigned char **p, const unsigned char *end, size_t n)
{
	const unsigned char *q = *p;

	if ((size_t)(end - q) < n)
		return NULL;
	*p = q + n;
	return q;
}

static int
take_len(const unsigned char **p, const unsigned char *end, size_t *n)
{
	const unsigned char *q = take(p, end, sizeof(uint64_t));
	uint64_t v;

	if (q == NULL)
		return -1;
	memcpy(&v, q, sizeof v);
	if (v > (uint64_t)(end - *p))
		return -1;
	*n = (size_t)v;
	return 0;
}

#define BLOB_MAGIC "LTPFDB1\n"

/*
 * The blob (lt_pfdb_blob, made at build time by lt_prefilter_export):
 * BLOB_MAGIC, the CPU features (uint64_t) it was compiled for, then for
 * LIT and RX a key (length, bytes) and a serialized database (length,
 * bytes; length 0: none).  Finds kind's section; 0 when found.
 */
static int
blob_section(int kind, const unsigned char **key, size_t *key_len,
    const unsigned char **db, size_t *db_len, uint64_t *features)
{
	const unsigned char *p = lt_pfdb_blob, *end = p + lt_pfdb_blob_len, *q;
	int k;

	if ((q = take(&p, end, 8)) == NULL || memcmp(q, BLOB_MAGIC, 8) != 0 ||
	    (q = take(&p, end, sizeof *features)) == NULL)
		return -1;
	memcpy(features, q, sizeof *features);
	for (k = 0; k <= kind; k++) {
		if (take_len(&p, end, key_len) != 0 ||
		    (*key = take(&p, end, *key_len)) == NULL ||
		    take_len(&p, end, db_len) != 0 ||
		    (*db = take(&p, end, *db_len)) == NULL)
			return -1;
	}
	return 0;
}

/* Does a serialized database fit the running library (version, mode)? */
static int
fits_library(const unsigned char *db, size_t n)
{
	const char *ver = hs_version();
	char *info = NULL, want[64];
	size_t vl = strcspn(ver, " ");
	int ok;

	if (vl == 0 || vl > 32)
		return 0;
	(void)snprintf(want, sizeof want, "Version: %.*s ", (int)vl, ver);
	if (hs_serialized_database_info((const char *)db, n, &info) !=
	    HS_SUCCESS || info == NULL)
		return 0;
	ok = strncmp(info, want, strlen(want)) == 0 &&
	    strstr(info, "Mode: BLOCK") != NULL;
	free(info);
	return ok;
}

/*
 * The database compiled at build time from this very key, when the blob
 * has one that fits: the same library version, block mode, and the same
 * CPU features as this machine (so it is the database compiling here
 * would build, and this CPU can run it).  NULL: compile it.
 */
static hs_database_t *
from_blob(int kind, const unsigned char *key, size_t key_len)
{
	const unsigned char *bkey, *bdb;
	size_t bkey_len, bdb_len;
	uint64_t features;
	hs_platform_info_t plat;
	hs_database_t *db = NULL;
	hs_scratch_t *s = NULL;

	if (!blob_on || blob_section(kind, &bkey, &bkey_len, &bdb, &bdb_len,
	    &features) != 0 || bdb_len == 0 || bkey_len != key_len ||
	    memcmp(bkey, key, key_len) != 0)
		return NULL;
	if (hs_populate_platform(&plat) != HS_SUCCESS ||
	    plat.cpu_features != features || !fits_library(bdb, bdb_len))
		return NULL;
	if (hs_deserialize_database((const char *)bdb, bdb_len, &db) !=
	    HS_SUCCESS)
		return NULL;
	if (hs_alloc_scratch(db, &s) != HS_SUCCESS) {	/* platform check */
		hs_free_database(db);
		return NULL;
	}
	hs_free_scratch(s);
	return db;
}

/* Append a length and bytes to the growing blob. */
static int
put(unsigned char **out, size_t *len, size_t *cap, const void *p, size_t n,
    int with_len)
{
	uint64_t l = n;
	size_t need = n + (with_len ? sizeof l : 0);
	unsigned char *np;

	if (*cap - *len < need) {
		size_t ncap = *cap * 2 + need + 4096;

		if ((np = realloc(*out, ncap)) == NULL)
			return -1;
		*out = np;
		*cap = ncap;
	}
	if (with_len) {
		memcpy(*out + *len, &l, sizeof l);
		*len += sizeof l;
	}
	if (n > 0)
		memcpy(*out + *len, p, n);
	*len += n;
	return 0;
}

enum lt_status
lt_prefilter_export(const struct lt_ruleset *rs, unsigned char **out,
    size_t *out_len)
{
	const struct lt_prefilter *pf = rs->pf;
	const hs_database_t *db[2];
	hs_platform_info_t plat;
	uint64_t features;
	unsigned char *o = NULL;
	size_t len = 0, cap = 0, sl;
	char *ser;
	int k;

	*out = NULL;
	*out_len = 0;
	if (pf == NULL || hs_populate_platform(&plat) != HS_SUCCESS)
		return LT_ERR_ARG;
	db[LIT] = pf->lit;
	db[RX] = pf->rx;
	features = plat.cpu_features;
	if (put(&o, &len, &cap, BLOB_MAGIC, 8, 0) != 0 ||
	    put(&o, &len, &cap, &features, sizeof features, 0) != 0)
		goto nomem;
	for (k = LIT; k <= RX; k++) {
		ser = NULL;
		sl = 0;
		if (db[k] != NULL && pf->key[k] != NULL &&
		    hs_serialize_database(db[k], &ser, &sl) != HS_SUCCESS)
			goto nomem;
		if (put(&o, &len, &cap, pf->key[k], ser ? pf->key_len[k] : 0,
		    1) != 0 || put(&o, &len, &cap, ser, sl, 1) != 0) {
			free(ser);
			goto nomem;
		}
		free(ser);
	}
	*out = o;
	*out_len = len;
	return LT_OK;
nomem:
	free(o);
	return LT_ERR_NOMEM;
}

int
lt_prefilter_blob_used(const struct lt_ruleset *rs)
{
	return rs->pf != NULL ? (int)rs->pf->from_blob : -1;
}

size_t
lt_prefilter_db_size(const struct lt_ruleset *rs)
{
	size_t n = 0;

	if (rs->pf == NULL || rs->pf->lit == NULL ||
	    hs_database_size(rs->pf->lit, &n) != HS_SUCCESS)
		return 0;
	return n;
}

/* Decide tier A (atoms added) or a candidate for B, or C. */
static void
classify(struct build *b, uint32_t k)
{
	const char *src = pattern_src(b->rs, k), *why, *rxwhy;
	const pcre2_code *code = pattern_code(b->rs, k);
	struct lt_atoms at;
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *err = NULL;
	uint32_t nl = 0, empty = 1;
	size_t i, j;
	char msg[256];

	if (lt_atoms_extract(src, strlen(src), &at, &why) == 0) {
		b->tier[k] = 'A';
		for (i = 0; i < at.n; i++) {
			(void)add_literal(b, at.a[i].s, at.a[i].len,
			    at.a[i].caseless, k);
			if (!at.a[i].caseless)
				continue;
			for (j = 0; j < at.a[i].len; j++)
				if (strchr("kKsS", at.a[i].s[j]) != NULL)
					b->need_markers = 1;
		}
		return;
	}
	b->tier[k] = 'C';
	(void)pcre2_pattern_info(code, PCRE2_INFO_NEWLINE, &nl);
	(void)pcre2_pattern_info(code, PCRE2_INFO_MATCHEMPTY, &empty);
	if ((rxwhy = rx_unsafe(src, strlen(src))) != NULL) {
		;
	} else if (empty) {
		rxwhy = "it can match an empty string";
	} else if (nl != PCRE2_NEWLINE_LF) {
		rxwhy = "a newline convention other than LF";
	} else if (hs_expression_info(src, HS_FLAG_PREFILTER |
	    HS_FLAG_MULTILINE, &info, &err) != HS_SUCCESS) {
		(void)snprintf(msg, sizeof msg, "%s",
		    err ? err->message : "rejected");
		rxwhy = msg;
		hs_free_compile_error(err);
	} else if (info->min_width == 0) {
		rxwhy = "it can match an empty string";
	} else {
		b->tier[k] = 'B';
	}
	free(info);
	if (b->tier[k] == 'C') {
		char full[LT_MESSAGE_MAX];

		(void)snprintf(full, sizeof full, "literals: %s; vectorscan: %s",
		    why, rxwhy);
		warn_pat(b, k, full);
	}
}

/* The regex database of tier B; patterns it refuses move to tier C. */
static enum lt_status
build_rx(struct build *b, struct lt_prefilter *pf)
{
	hs_compile_error_t *err = NULL;
	size_t k, i, tries;
	char why[LT_MESSAGE_MAX];

	for (tries = 0; tries <= b->rs->n_pats; tries++) {
		b->n_rx = 0;
		for (k = 0; k < b->rs->n_pats; k++) {
			if (b->tier[k] != 'B')
				continue;
			b->rx_src[b->n_rx] = pattern_src(b->rs, (uint32_t)k);
			b->rx_flags[b->n_rx] = HS_FLAG_PREFILTER |
			    HS_FLAG_MULTILINE;
			b->rx_ids[b->n_rx] = (unsigned)(pf->n_lit + k);
			b->n_rx++;
		}
		if (b->n_rx == 0)
			return LT_OK;
		free(pf->key[RX]);
		if ((pf->key[RX] = make_key(RX, b->rx_src, NULL, b->rx_flags,
		    b->rx_ids, b->n_rx, &pf->key_len[RX])) == NULL)
			return LT_ERR_NOMEM;
		if ((pf->rx = from_blob(RX, pf->key[RX],
		    pf->key_len[RX])) != NULL) {
			pf->from_blob |= 1u << RX;
			return LT_OK;
		}
		if (hs_compile_multi(b->rx_src, b->rx_flags, b->rx_ids,
		    (unsigned)b->n_rx, HS_MODE_BLOCK, NULL, &pf->rx,
		    &err) == HS_SUCCESS)
			return LT_OK;
		pf->rx = NULL;
		(void)snprintf(why, sizeof why, "vectorscan: %s",
		    err ? err->message : "rejected the database");
		if (err == NULL || err->expression < 0 ||
		    (size_t)err->expression >= b->n_rx) {
			/* not one pattern's fault: give up on tier B */
			free(pf->key[RX]);
			pf->key[RX] = NULL;
			for (k = 0; k < b->rs->n_pats; k++)
				if (b->tier[k] == 'B') {
					b->tier[k] = 'C';
					warn_pat(b, (uint32_t)k, why);
				}
			hs_free_compile_error(err);
			return LT_OK;
		}
		i = b->rx_ids[err->expression] - pf->n_lit;
		hs_free_compile_error(err);
		b->tier[i] = 'C';
		warn_pat(b, (uint32_t)i, why);
	}
	return LT_OK;
}

static enum lt_status
verify_lists(struct build *b, struct lt_prefilter *pf)
{
	size_t k, nc = 0, nb = 0;

	for (k = 0; k < b->rs->n_pats; k++) {
		nc += b->tier[k] == 'C';
		nb += b->tier[k] == 'B';
	}
	pf->verify = malloc((nc ? nc : 1) * sizeof *pf->verify);
	pf->verify_rx = malloc((nc + nb ? nc + nb : 1) *
	    sizeof *pf->verify_rx);
	if (pf->verify == NULL || pf->verify_rx == NULL)
		return LT_ERR_NOMEM;
	for (k = 0; k < b->rs->n_pats; k++) {
		if (b->tier[k] == 'C')
			pf->verify[pf->n_verify++] = (uint32_t)k;
		if (b->tier[k] != 'A')
			pf->verify_rx[pf->n_verify_rx++] = (uint32_t)k;
	}
	return LT_OK;
}

enum lt_status
lt_prefilter_build(struct lt_ruleset *rs, const struct lt_pf_attend *att,
    size_t n_att, lt_pf_warn_fn *warn, void *warn_ctx)
{
	struct build b;
	struct lt_prefilter *pf = NULL;
	hs_compile_error_t *err = NULL;
	enum lt_status st = LT_ERR_NOMEM;
	size_t k, cap, n_atoms;

	memset(&b, 0, sizeof b);
	b.rs = rs;
	b.warn = warn;
	b.warn_ctx = warn_ctx;
	if (n_att > LT_PF_ATTEND_MAX)
		return LT_ERR_ARG;
	for (k = 0; k < n_att; k++)
		if (att[k].len == 0 || att[k].len > LT_ATOM_MAX)
			return LT_ERR_ARG;
	if (rs->n_pats == 0 || rs->n_pats >= UINT32_MAX / 2)
		return LT_OK;
	cap = rs->n_pats * LT_ATOMS_MAX + 2 + n_att + PAD_TO;
	b.cap_lit = cap;
	b.tier = calloc(rs->n_pats, 1);
	b.lits = calloc(cap, sizeof *b.lits);
	b.lit_len = calloc(cap, sizeof *b.lit_len);
	b.lit_flags = calloc(cap, sizeof *b.lit_flags);
	b.lit_ids = calloc(cap, sizeof *b.lit_ids);
	b.atom_store = malloc(cap * LT_ATOM_MAX);
	b.rx_src = calloc(rs->n_pats, sizeof *b.rx_src);
	b.rx_flags = calloc(rs->n_pats, sizeof *b.rx_flags);
	b.rx_ids = calloc(rs->n_pats, sizeof *b.rx_ids);
	pf = calloc(1, sizeof *pf);
	if (pf != NULL)
		pf->lit_pat = calloc(cap, sizeof *pf->lit_pat);
	if (!b.tier || !b.lits || !b.lit_len || !b.lit_flags || !b.lit_ids ||
	    !b.atom_store || !b.rx_src || !b.rx_flags || !b.rx_ids || !pf ||
	    !pf->lit_pat)
		goto out;
	pf->n_pats = rs->n_pats;
	b.lit_pat = pf->lit_pat;
	for (k = 0; k < rs->n_pats; k++)
		classify(&b, (uint32_t)k);
	for (k = 0; k < n_att; k++) {
		if (!att[k].caseless)
			continue;
		for (size_t j = 0; j < att[k].len; j++)
			if (strchr("kKsS", att[k].s[j]) != NULL)
				b.need_markers = 1;
	}
	if (b.need_markers) {
		(void)add_literal(&b, "\xc5\xbf", 2, 0, MARK);	/* U+017F */
		(void)add_literal(&b, "\xe2\x84\xaa", 3, 0, MARK); /* U+212A */
	}
	n_atoms = b.n_lit;
	for (k = 0; k < n_att; k++)
		(void)add_literal(&b, att[k].s, att[k].len, att[k].caseless,
		    NOTE);
	if (b.n_lit >= PAD_FROM && b.n_lit < PAD_TO && pad_on) {
		char pad[PAD_LEN] = "\xff\xfe" "P000" "\xfe\xfd";

		for (k = 0; b.n_lit < PAD_TO; k++) {	/* k < PAD_TO */
			pad[3] = (char)('0' + k / 100 % 10);
			pad[4] = (char)('0' + k / 10 % 10);
			pad[5] = (char)('0' + k % 10);
			(void)add_literal(&b, pad, PAD_LEN, 0, PAD);
		}
	}
	pf->n_lit = (uint32_t)b.n_lit;
	if ((pf->key[LIT] = make_key(LIT, b.lits, b.lit_len, b.lit_flags,
	    b.lit_ids, b.n_lit, &pf->key_len[LIT])) == NULL)
		goto out;
	if ((pf->lit = from_blob(LIT, pf->key[LIT], pf->key_len[LIT])) !=
	    NULL) {
		pf->from_blob |= 1u << LIT;
	} else if (hs_compile_lit_multi(b.lits, b.lit_flags,
	    b.lit_ids, b.lit_len, (unsigned)b.n_lit, HS_MODE_BLOCK, NULL,
	    &pf->lit, &err) != HS_SUCCESS) {
		/* cannot happen for plain literals; run without prefilter */
		pf->lit = NULL;
		if (warn != NULL)
			warn(warn_ctx, SIZE_MAX, 0, err ? err->message :
			    "vectorscan refused the literals");
		hs_free_compile_error(err);
		st = LT_OK;
		goto out;
	}
	if ((st = build_rx(&b, pf)) != LT_OK ||
	    (st = verify_lists(&b, pf)) != LT_OK)
		goto out;
	st = LT_OK;
	if (n_atoms == 0 && pf->rx == NULL)
		goto out;	/* nothing to prefilter with */
	rs->pf = pf;
	pf = NULL;
out:
	lt_prefilter_free(pf);
	free(b.tier);
	free(b.lits);
	free(b.lit_len);
	free(b.lit_flags);
	free(b.lit_ids);
	free(b.atom_store);
	free(b.rx_src);
	free(b.rx_flags);
	free(b.rx_ids);
	return st;
}

void
lt_prefilter_free(struct lt_prefilter *pf)
{
	if (pf == NULL)
		return;
	hs_free_database(pf->lit);
	hs_free_database(pf->rx);
	free(pf->key[LIT]);
	free(pf->key[RX]);
	free(pf->lit_pat);
	free(pf->verify);
	free(pf->verify_rx);
	free(pf);
}

/* ---- scanning ---- */

/*
 * One region's events live in a slot; region i uses slot i % SLOTS, and
 * helpers scan at most SLOTS regions past the one the main thread is on,
 * so a slot is never reused while its region may still be read.
 */
struct slot {
	struct event ev[EVENTS_MAX];
	size_t n_ev;
	int ok;			/* all events are here (no overflow, error) */
};

enum { R_TODO, R_BUSY, R_DONE };

struct region {
	size_t start;		/* [start, end) of the window; start is 0 */
	size_t end;		/* or just past a newline */
	int state;
};

static hs_error_t
scan_db(const hs_database_t *db, const char *p, size_t n, hs_scratch_t *s,
    match_event_handler fn, void *ctx)
{
	if (db == NULL || n == 0)
		return HS_SUCCESS;
	return hs_scan(db, p, (unsigned)n, 0, s, fn, ctx);
}

struct fill {
	const struct lt_prefilter *pf;
	struct slot *slot;
	int unsorted;
	int overflow;
};

static uint32_t
id_pattern(const struct lt_prefilter *pf, unsigned id)
{
	return id < pf->n_lit ? pf->lit_pat[id] : id - pf->n_lit;
}

static int
on_event(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	struct fill *f = ctx;
	struct slot *s = f->slot;
	struct event *e;

	(void)from;
	(void)flags;
	if (id < f->pf->n_lit && f->pf->lit_pat[id] == PAD)
		return 0;
	if (s->n_ev == EVENTS_MAX) {
		f->overflow = 1;
		return 1;	/* stop the scan */
	}
	e = &s->ev[s->n_ev++];
	e->to = (uint32_t)to;
	e->pat = id_pattern(f->pf, id);
	if (s->n_ev > 1 && e->to < e[-1].to)
		f->unsorted = 1;
	return 0;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->pat < y->pat ? -1 : x->pat > y->pat;
}

/* Scan p[0..n) with both databases into s (any thread, own scratch). */
static void
fill_slot(const struct lt_prefilter *pf, const char *p, size_t n,
    hs_scratch_t *scratch, struct slot *s)
{
	struct fill f = { pf, s, 0, 0 };

	s->n_ev = 0;
	s->ok = 0;
	if (n > UINT32_MAX)
		return;
	if (scan_db(pf->lit, p, n, scratch, on_event, &f) != HS_SUCCESS ||
	    scan_db(pf->rx, p, n, scratch, on_event, &f) != HS_SUCCESS ||
	    f.overflow)
		return;
	if (f.unsorted || (pf->lit != NULL && pf->rx != NULL))
		qsort(s->ev, s->n_ev, sizeof *s->ev, ev_cmp);
	s->ok = 1;
}

struct lt_pfscan {
	const struct lt_prefilter *pf;
	hs_scratch_t *scratch;	/* the calling thread's */
	/* the window and its regions */
	const char *win;	/* the caller's buffer, or NULL */
	size_t win_len;
	struct region reg[REGIONS_MAX];
	size_t n_reg;
	size_t next;		/* first region no thread has taken */
	size_t base;		/* regions below it are no longer read */
	size_t cur_reg;		/* region of the last line, or n_reg */
	size_t cur_ev;		/* first event not before the last line */
	size_t ready;		/* a region known scanned, or SIZE_MAX */
	struct slot *slot;	/* SLOTS of them */
	/* this line */
	uint32_t *seen;		/* per pattern: gen when listed */
	uint32_t gen;
	uint32_t *cand;
	size_t n_cand;
	int mark;
	/* helper threads (none when jobs is 1) */
	unsigned n_helpers;
	pthread_t th[LT_JOBS_MAX];
	hs_scratch_t *hscratch[LT_JOBS_MAX];
	pthread_mutex_t mu;
	pthread_cond_t work;	/* a region to take, or quit */
	pthread_cond_t done;	/* a region finished */
	unsigned busy;		/* helpers scanning now */
	int quit;
};

static void
lock(struct lt_pfscan *ps)
{
	if (ps->n_helpers > 0)
		pthread_mutex_lock(&ps->mu);
}

static void
unlock(struct lt_pfscan *ps)
{
	if (ps->n_helpers > 0)
		pthread_mutex_unlock(&ps->mu);
}

/* Is there a region a helper may take?  (Lock held.) */
static int
work_left(const struct lt_pfscan *ps)
{
	return ps->win != NULL && ps->next < ps->n_reg &&
	    ps->next < ps->base + SLOTS;
}

/* Take the next region, scan it with scratch s, mark it done. */
static void
take_and_scan(struct lt_pfscan *ps, hs_scratch_t *s, int helper)
{
	size_t i = ps->next++;
	struct region *r = &ps->reg[i];
	const char *p = ps->win + r->start;	/* read under the lock */
	size_t n = r->end - r->start;

	r->state = R_BUSY;
	ps->busy += helper;
	unlock(ps);
	fill_slot(ps->pf, p, n, s, &ps->slot[i % SLOTS]);
	lock(ps);
	r->state = R_DONE;
	ps->busy -= helper;
	if (ps->n_helpers > 0)
		pthread_cond_broadcast(&ps->done);
}

static void *
helper(void *arg)
{
	struct lt_pfscan *ps = arg;
	hs_scratch_t *s = NULL;
	unsigned k;

	pthread_mutex_lock(&ps->mu);
	for (k = 0; k < ps->n_helpers; k++)
		if (pthread_equal(ps->th[k], pthread_self()))
			s = ps->hscratch[k];
	for (;;) {
		while (!ps->quit && !work_left(ps))
			pthread_cond_wait(&ps->work, &ps->mu);
		if (ps->quit)
			break;
		take_and_scan(ps, s, 1);
	}
	pthread_mutex_unlock(&ps->mu);
	return NULL;
}

struct lt_pfscan *
lt_pfscan_new(const struct lt_prefilter *pf)
{
	struct lt_pfscan *ps = calloc(1, sizeof *ps);

	if (ps == NULL)
		return NULL;
	ps->pf = pf;
	ps->slot = malloc(SLOTS * sizeof *ps->slot);
	ps->seen = calloc(pf->n_pats, sizeof *ps->seen);
	ps->cand = malloc(pf->n_pats * sizeof *ps->cand);
	if (ps->slot == NULL || ps->seen == NULL || ps->cand == NULL ||
	    (pf->lit != NULL && hs_alloc_scratch(pf->lit, &ps->scratch) !=
	    HS_SUCCESS) ||
	    (pf->rx != NULL && hs_alloc_scratch(pf->rx, &ps->scratch) !=
	    HS_SUCCESS)) {
		lt_pfscan_free(ps);
		return NULL;
	}
	return ps;
}

/* Stop using the window: wait until no helper reads it.  (Lock held.) */
static void
drop_window(struct lt_pfscan *ps)
{
	ps->win = NULL;
	ps->win_len = 0;
	ps->n_reg = 0;
	ps->next = ps->base = ps->cur_reg = ps->cur_ev = 0;
	ps->ready = SIZE_MAX;
	while (ps->busy > 0)
		pthread_cond_wait(&ps->done, &ps->mu);
}

static void
stop_helpers(struct lt_pfscan *ps)
{
	unsigned k;

	if (ps->n_helpers == 0)
		return;
	pthread_mutex_lock(&ps->mu);
	drop_window(ps);
	ps->quit = 1;
	pthread_cond_broadcast(&ps->work);
	pthread_mutex_unlock(&ps->mu);
	for (k = 0; k < ps->n_helpers; k++) {
		pthread_join(ps->th[k], NULL);
		hs_free_scratch(ps->hscratch[k]);
	}
	ps->n_helpers = 0;
	ps->quit = 0;
	pthread_cond_destroy(&ps->work);
	pthread_cond_destroy(&ps->done);
	pthread_mutex_destroy(&ps->mu);
}

unsigned
lt_pfscan_jobs(struct lt_pfscan *ps, unsigned jobs)
{
	unsigned k, want = jobs > 1 ? jobs - 1 : 0;

	stop_helpers(ps);
	if (want > LT_JOBS_MAX - 1)
		want = LT_JOBS_MAX - 1;
	if (want == 0 || ps->scratch == NULL)
		return 1;
	if (pthread_mutex_init(&ps->mu, NULL) != 0)
		return 1;
	if (pthread_cond_init(&ps->work, NULL) != 0) {
		pthread_mutex_destroy(&ps->mu);
		return 1;
	}
	if (pthread_cond_init(&ps->done, NULL) != 0) {
		pthread_cond_destroy(&ps->work);
		pthread_mutex_destroy(&ps->mu);
		return 1;
	}
	/* helpers wait for the lock until every thread has been created */
	pthread_mutex_lock(&ps->mu);
	for (k = 0; k < want; k++) {
		ps->hscratch[k] = NULL;
		if (hs_clone_scratch(ps->scratch, &ps->hscratch[k]) !=
		    HS_SUCCESS ||
		    pthread_create(&ps->th[k], NULL, helper, ps) != 0) {
			hs_free_scratch(ps->hscratch[k]);
			break;
		}
	}
	ps->n_helpers = k;
	pthread_mutex_unlock(&ps->mu);
	if (k == 0) {		/* no thread: run alone */
		pthread_cond_destroy(&ps->work);
		pthread_cond_destroy(&ps->done);
		pthread_mutex_destroy(&ps->mu);
	}
	return k + 1;
}

void
lt_pfscan_free(struct lt_pfscan *ps)
{
	if (ps == NULL)
		return;
	stop_helpers(ps);
	hs_free_scratch(ps->scratch);
	free(ps->slot);
	free(ps->seen);
	free(ps->cand);
	free(ps);
}

/* Cut buf into regions of whole lines, about REGION bytes each. */
static void
plan_regions(struct lt_pfscan *ps)
{
	size_t s = 0, e, size = REGION;
	const char *nl;

	if (ps->win_len / REGIONS_MAX >= size)
		size = ps->win_len / REGIONS_MAX + 1;
	ps->n_reg = 0;
	while (s < ps->win_len) {
		e = ps->win_len;
		if (ps->win_len - s > size && ps->n_reg + 1 < REGIONS_MAX) {
			nl = memchr(ps->win + s + size - 1, '\n',
			    ps->win_len - (s + size - 1));
			if (nl != NULL)
				e = (size_t)(nl - ps->win) + 1;
		}
		ps->reg[ps->n_reg].start = s;
		ps->reg[ps->n_reg].end = e;
		ps->reg[ps->n_reg].state = R_TODO;
		ps->n_reg++;
		s = e;
	}
}

void
lt_pfscan_window(struct lt_pfscan *ps, const char *buf, size_t len)
{
	lock(ps);
	if (ps->n_helpers > 0)
		drop_window(ps);
	ps->win = buf;
	ps->win_len = buf ? len : 0;
	ps->next = ps->base = ps->cur_ev = 0;
	ps->n_reg = 0;
	if (buf != NULL)
		plan_regions(ps);
	ps->cur_reg = ps->n_reg;
	ps->ready = SIZE_MAX;
	if (ps->n_helpers > 0 && ps->n_reg > 0)
		pthread_cond_broadcast(&ps->work);
	unlock(ps);
}

/* The region holding win[off, off + n], or n_reg. */
static size_t
find_region(const struct lt_pfscan *ps, size_t off, size_t n)
{
	size_t i = ps->cur_reg < ps->n_reg ? ps->cur_reg : 0, a, b;

	if (ps->n_reg == 0)
		return 0;
	if (ps->reg[i].start > off || ps->reg[i].end <= off) {
		for (a = 0, b = ps->n_reg; a < b;) {
			size_t mid = a + (b - a) / 2;

			if (ps->reg[mid].end <= off)
				a = mid + 1;
			else
				b = mid;
		}
		i = a;
	}
	if (i >= ps->n_reg || off + n > ps->reg[i].end)
		return ps->n_reg;
	return i;
}

/* Make sure region i has been scanned; its slot, or NULL. */
static const struct slot *
region_ready(struct lt_pfscan *ps, size_t i)
{
	const struct slot *s = NULL;

	if (i == ps->ready)	/* the common case: no lock */
		return &ps->slot[i % SLOTS];
	lock(ps);
	if (i < ps->base)
		goto out;	/* released: its slot may hold another */
	if (i > ps->base) {
		ps->base = i;
		if (ps->n_helpers > 0)
			pthread_cond_broadcast(&ps->work);
	}
	while (ps->reg[i].state != R_DONE) {
		if (ps->reg[i].state == R_TODO) {
			if (i < ps->next)
				goto out;	/* skipped earlier */
			ps->next = i;	/* regions skipped are not needed */
			take_and_scan(ps, ps->scratch, 0);
		} else if (work_left(ps)) {
			take_and_scan(ps, ps->scratch, 0);	/* help */
		} else {
			pthread_cond_wait(&ps->done, &ps->mu);
		}
	}
	s = &ps->slot[i % SLOTS];
	ps->ready = i;
out:
	unlock(ps);
	return s;
}

/* A new line for the seen[] marks (only when it may have candidates). */
static void
next_gen(struct lt_pfscan *ps)
{
	if (++ps->gen == 0) {
		memset(ps->seen, 0, ps->pf->n_pats * sizeof *ps->seen);
		ps->gen = 1;
	}
}

static void
add_cand(struct lt_pfscan *ps, uint32_t pat)
{
	if (pat == MARK) {
		ps->mark = 1;
		return;
	}
	if (pat == NOTE || pat == PAD)
		return;
	if (ps->seen[pat] == ps->gen)
		return;
	ps->seen[pat] = ps->gen;
	ps->cand[ps->n_cand++] = pat;
}

/* Candidates from a region's events ending in (lo, hi]. */
static void
region_events(struct lt_pfscan *ps, const struct slot *s, size_t i,
    uint32_t lo, uint32_t hi)
{
	size_t k = ps->cur_reg == i ? ps->cur_ev : 0, a = 0, b = s->n_ev;

	if (k > 0 && s->ev[k - 1].to > lo) {	/* went back: search */
		while (a < b) {
			size_t mid = a + (b - a) / 2;

			if (s->ev[mid].to > lo)
				b = mid;
			else
				a = mid + 1;
		}
		k = a;
	}
	while (k < s->n_ev && s->ev[k].to <= lo)
		k++;
	ps->cur_reg = i;
	ps->cur_ev = k;
	if (k >= s->n_ev || s->ev[k].to > hi)
		return;		/* the common case: nothing in this line */
	next_gen(ps);
	for (; k < s->n_ev && s->ev[k].to <= hi; k++)
		add_cand(ps, s->ev[k].pat);
}

static int
on_line_event(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	struct lt_pfscan *ps = ctx;

	(void)from;
	(void)to;
	(void)flags;
	add_cand(ps, id_pattern(ps->pf, id));
	return 0;
}

/* All bytes below 0x80? */
static int
ascii(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	uint64_t w, acc = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= s[i];
	return (acc & 0x8080808080808080ull) == 0;
}

/* The line on its own; *rx_ok set when tier B results apply. */
static int
scan_line(struct lt_pfscan *ps, const char *p, size_t n, int *rx_ok)
{
	const struct lt_prefilter *pf = ps->pf;

	*rx_ok = 0;
	if (n == 0) {
		*rx_ok = 1;	/* tier B cannot match an empty line */
		return 0;
	}
	if (n > UINT32_MAX)
		return -1;
	next_gen(ps);
	if (scan_db(pf->lit, p, n, ps->scratch, on_line_event, ps) !=
	    HS_SUCCESS)
		return -1;
	if (pf->rx != NULL && ascii(p, n)) {
		if (scan_db(pf->rx, p, n, ps->scratch, on_line_event, ps) !=
		    HS_SUCCESS)
			return -1;
		*rx_ok = 1;
	}
	return 0;
}

static void
sort_cand(uint32_t *c, size_t n)
{
	size_t i, j;
	uint32_t x;

	for (i = 1; i < n; i++) {
		x = c[i];
		for (j = i; j > 0 && c[j - 1] > x; j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
}

size_t
lt_pfscan_run(struct lt_pfscan *ps, const char *p, size_t n)
{
	const struct slot *s;
	uintptr_t wp = (uintptr_t)ps->win, lp = (uintptr_t)p;
	size_t off, i, k, end;
	uint32_t lo;

	if (ps->pf->n_verify_rx > 0 || ps->win == NULL || lp < wp ||
	    lp - wp >= ps->win_len || n > ps->win_len - (lp - wp))
		return 0;
	off = lp - wp;
	if ((i = find_region(ps, off, 0)) >= ps->n_reg ||
	    (s = region_ready(ps, i)) == NULL || !s->ok)
		return 0;
	lo = (uint32_t)(off - ps->reg[i].start);
	k = ps->cur_reg == i ? ps->cur_ev : 0;
	if (k > 0 && s->ev[k - 1].to > lo)
		k = 0;		/* went back: start over */
	while (k < s->n_ev && s->ev[k].to <= lo)
		k++;
	ps->cur_reg = i;
	ps->cur_ev = k;
	/* up to the line of the next event's last byte, or the region end */
	end = k < s->n_ev ? ps->reg[i].start + s->ev[k].to - 1 :
	    ps->reg[i].end;
	if (end > off + n)
		end = off + n;
	return (size_t)(lt_line_start(p, ps->win + end) - p);
}

int
lt_pfscan_line(struct lt_pfscan *ps, const char *p, size_t n,
    struct lt_pfcand *c)
{
	const struct lt_prefilter *pf = ps->pf;
	const struct slot *s = NULL;
	uintptr_t wp = (uintptr_t)ps->win, lp = (uintptr_t)p;
	size_t off = 0, i = 0;
	int rx_ok = 0;

	ps->n_cand = 0;
	ps->mark = 0;
	if (ps->win != NULL && lp >= wp && lp - wp <= ps->win_len &&
	    n <= ps->win_len - (lp - wp)) {
		off = lp - wp;
		if ((i = find_region(ps, off, n)) < ps->n_reg &&
		    (s = region_ready(ps, i)) != NULL && !s->ok)
			s = NULL;
	}
	if (s != NULL) {
		region_events(ps, s, i, (uint32_t)(off - ps->reg[i].start),
		    (uint32_t)(off + n - ps->reg[i].start));
		rx_ok = pf->rx == NULL || ((off == 0 || p[-1] == '\n') &&
		    off + n < ps->win_len && p[n] == '\n' && ascii(p, n));
	} else if (scan_line(ps, p, n, &rx_ok) != 0) {
		return -1;
	}
	if (ps->mark)
		return -1;
	if (ps->n_cand > 1)
		sort_cand(ps->cand, ps->n_cand);
	c->a = ps->cand;
	c->na = ps->n_cand;
	if (rx_ok) {
		c->b = pf->verify;
		c->nb = pf->n_verify;
	} else {
		c->b = pf->verify_rx;
		c->nb = pf->n_verify_rx;
	}
	return 0;
}

#else	/* no vectorscan: the prefilter is never built */

void
lt_prefilter_blob(int on)
{
	(void)on;
}

void
lt_prefilter_pad(int on)
{
	(void)on;
}

size_t
lt_prefilter_db_size(const struct lt_ruleset *rs)
{
	(void)rs;
	return 0;
}

enum lt_status
lt_prefilter_export(const struct lt_ruleset *rs, unsigned char **out,
    size_t *out_len)
{
	(void)rs;
	*out = NULL;
	*out_len = 0;
	return LT_ERR_ARG;
}

int
lt_prefilter_blob_used(const struct lt_ruleset *rs)
{
	(void)rs;
	return -1;
}

enum lt_status
lt_prefilter_build(struct lt_ruleset *rs, const struct lt_pf_attend *att,
    size_t n_att, lt_pf_warn_fn *warn, void *warn_ctx)
{
	(void)rs;
	(void)att;
	(void)n_att;
	(void)warn;
	(void)warn_ctx;
	return LT_OK;
}

void
lt_prefilter_free(struct lt_prefilter *pf)
{
	(void)pf;
}

struct lt_pfscan *
lt_pfscan_new(const struct lt_prefilter *pf)
{
	(void)pf;
	return NULL;
}

void
lt_pfscan_free(struct lt_pfscan *ps)
{
	(void)ps;
}

void
lt_pfscan_window(struct lt_pfscan *ps, const char *buf, size_t len)
{
	(void)ps;
	(void)buf;
	(void)len;
}

unsigned
lt_pfscan_jobs(struct lt_pfscan *ps, unsigned jobs)
{
	(void)ps;
	(void)jobs;
	return 1;
}

size_t
lt_pfscan_run(struct lt_pfscan *ps, const char *p, size_t n)
{
	(void)ps;
	(void)p;
	(void)n;
	return 0;
}

int
lt_pfscan_line(struct lt_pfscan *ps, const char *p, size_t n,
    struct lt_pfcand *c)
{
	(void)ps;
	(void)p;
	(void)n;
	(void)c;
	return -1;
}

#endif

/*
 * redact.c - replace secrets in a line with "[REDACTED]".
 *
 * Redaction runs only on lines that are about to be written, so it can
 * afford to run every redact pattern over the whole line: collect the
 * regions to hide (the "secret" group, or the whole match), sort and
 * merge them, then copy the line around them.  Offsets into the line
 * (match span, named fields) are carried across by the same walk, so the
 * emitted span still points at the emitted text.
 *
 * The one piece of state that crosses lines is "inside a private key
 * block": lt_redactor_follow() sees every line of the stream and notes
 * BEGIN and END markers (PEM's "PRIVATE KEY-----" and PGP's "PRIVATE KEY
 * BLOCK-----"), and a line inside a block is hidden whole.  A block
 * without its END stops hiding after LT_KEY_LINES_MAX lines, longer
 * than any real key, so one stray BEGIN does not hide the rest of a log.
 *
 * Two secrets are not visible to the patterns alone.  A line cut at
 * --max-line may end inside a token too short now to match its pattern:
 * with LT_REDACT_CUT the last word of the line (from the last white
 * space or quote) is hidden as well.  A label's value is a secret by its
 * key (a Loki stream label "password"): lt_redactor_label() hides the
 * whole value when the key names a secret.
 */
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/lines.h"
#include "logtriage/redact.h"
#include "match/ruleset.h"

#define RLEN (sizeof LT_REDACTED - 1)
#define BIGRAM_BITS 4096	/* the line's byte-pair set, hashed */

struct region {
	size_t a;
	size_t b;
};

struct lt_redactor {
	const struct lt_ruleset *rs;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	struct region reg[LT_REDACT_REGIONS_MAX];
	size_t n_reg;
	struct lt_buf out;
	int in_key;		/* inside a private key block */
	unsigned key_lines;	/* lines of it so far */
	uint64_t pairs[BIGRAM_BITS / 64];	/* byte pairs of the line */
};

struct lt_redactor *
lt_redactor_new(const struct lt_ruleset *rs)
{
	struct lt_redactor *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->rs = rs;
	r->md = pcre2_match_data_create(rs->max_ovec, NULL);
	r->mctx = pcre2_match_context_create(NULL);
	if (r->md == NULL || r->mctx == NULL) {
		lt_redactor_free(r);
		return NULL;
	}
	pcre2_set_match_limit(r->mctx, rs->opts.match_limit);
	pcre2_set_depth_limit(r->mctx, rs->opts.depth_limit);
	pcre2_set_heap_limit(r->mctx, rs->opts.heap_limit_kib);
	lt_buf_init(&r->out, LT_MAX_LINE_MAX + LT_REDACT_REGIONS_MAX * RLEN);
	return r;
}

void
lt_redactor_free(struct lt_redactor *r)
{
	if (r == NULL)
		return;
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
	lt_buf_free(&r->out);
	free(r);
}

void
lt_redactor_reset(struct lt_redactor *r)
{
	r->in_key = 0;
	r->key_lines = 0;
}

static const char *
find(const char *p, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	const char *q = p, *end = p + n;

	while ((size_t)(end - q) >= m &&
	    (q = memchr(q, needle[0], (size_t)(end - q) - m + 1)) != NULL) {
		if (memcmp(q, needle, m) == 0)
			return q;
		q++;
	}
	return NULL;
}

void
lt_redactor_follow(struct lt_redactor *r, const char *p, size_t n)
{
	const char *begin, *end;

	if (r->in_key && ++r->key_lines >= LT_KEY_LINES_MAX)
		r->in_key = 0;	/* no END in sight: not a key after all */
	if (find(p, n, "PRIVATE KEY") == NULL)
		return;
	begin = find(p, n, "-----BEGIN");
	end = find(p, n, "-----END");
	while (begin != NULL && end != NULL && end > begin) {
		/* a block that ends on its line; look past it */
		const char *q = end + 8;
		size_t k = (size_t)(p + n - q);

		begin = find(q, k, "-----BEGIN");
		end = find(q, k, "-----END");
	}
	if (begin != NULL && (end == NULL || end < begin)) {
		r->in_key = 1;
		r->key_lines = 0;
	} else if (end != NULL) {
		r->in_key = 0;
	}
}

void
lt_redactor_passed(struct lt_redactor *r, unsigned long long lines)
{
	if (!r->in_key)
		return;
	if (lines >= LT_KEY_LINES_MAX - r->key_lines)
		r->in_key = 0;	/* see lt_redactor_follow() */
	else
		r->key_lines += (unsigned)lines;
}

static int
cmp_region(const void *x, const void *y)
{
	const struct region *a = x, *b = y;

	return a->a < b->a ? -1 : a->a > b->a;
}

/*
 * The gate: a pattern whose every match holds one of its atoms (atoms.c)
 * cannot match a line that lacks every byte pair of each atom.  The pairs
 * of the line are put in a hashed bit set once, ASCII case folded (so a
 * caseless atom is covered too); an atom is "maybe there" when all its
 * pairs are in the set.  The gate may say maybe wrongly, never no.
 */
static unsigned
pair_hash(unsigned char a, unsigned char b)
{
	if (a >= 'A' && a <= 'Z')
		a |= 32;
	if (b >= 'A' && b <= 'Z')
		b |= 32;
	return ((unsigned)a * 67u + b) & (BIGRAM_BITS - 1);
}

static void
pairs_fill(struct lt_redactor *r, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i;
	unsigned h;

	memset(r->pairs, 0, sizeof r->pairs);
	for (i = 0; i + 1 < n; i++) {
		h = pair_hash(u[i], u[i + 1]);
		r->pairs[h >> 6] |= (uint64_t)1 << (h & 63);
	}
}

static int
maybe(const struct lt_redactor *r, const struct lt_gate *g)
{
	size_t i, k;
	unsigned h;

	if (g->n == 0)
		return 1;	/* no literals known: always run */
	for (i = 0; i < g->n; i++) {
		const unsigned char *s = (const unsigned char *)g->s[i];

		for (k = 0; k + 1 < g->len[i]; k++) {
			h = pair_hash(s[k], s[k + 1]);
			if (!(r->pairs[h >> 6] & ((uint64_t)1 << (h & 63))))
				break;
		}
		if (k + 1 >= g->len[i])
			return 1;
	}
	return 0;
}

/* Collect regions; -1 when the whole line must go (limit, overflow). */
static int
collect(struct lt_redactor *r, const char *p, size_t n)
{
	const struct lt_ruleset *rs = r->rs;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
	size_t i, j, start, guard;
	int rc, g;

	r->n_reg = 0;
	pairs_fill(r, p, n);
	for (i = 0; i < rs->n_redacts; i++) {
		for (j = 0; j < rs->redacts[i].n; j++) {
			if (!maybe(r, &rs->redacts[i].gates[j]))
				continue;
			g = rs->redacts[i].secret[j];
			for (start = 0, guard = 0; start <= n &&
			    guard < 4 * LT_REDACT_REGIONS_MAX; guard++) {
				rc = pcre2_match(rs->redacts[i].codes[j],
				    (PCRE2_SPTR)p, n, start, 0, r->md, r->mctx);
				if (rc == PCRE2_ERROR_NOMATCH)
					break;
				if (rc < 0)
					return -1;	/* fail closed */
				if (r->n_reg == LT_REDACT_REGIONS_MAX)
					return -1;
				if (g > 0 && (uint32_t)g < pcre2_get_ovector_count(
				    r->md) && ov[2 * g] != PCRE2_UNSET) {
					r->reg[r->n_reg].a = ov[2 * g];
					r->reg[r->n_reg].b = ov[2 * g + 1];
				} else {
					r->reg[r->n_reg].a = ov[0];
					r->reg[r->n_reg].b = ov[1];
				}
				if (r->reg[r->n_reg].b > r->reg[r->n_reg].a &&
				    r->reg[r->n_reg].b <= n)
					r->n_reg++;
				start = ov[1] > start ? ov[1] : start + 1;
			}
		}
	}
	return 0;
}

/* Map input offset o to the output; an end offset inside a region goes
 * to the region's end, a start offset to its start. */
static size_t
map(const struct region *reg, size_t n_reg, size_t o, int is_end)
{
	size_t i, shift_out = 0, consumed = 0;

	for (i = 0; i < n_reg; i++) {
		if (o <= reg[i].a)
			break;
		if (o < reg[i].b)	/* inside: snap to an edge */
			return reg[i].a - consumed + shift_out +
			    (is_end ? RLEN : 0);
		consumed += reg[i].b - reg[i].a;
		shift_out += RLEN;
	}
	return o - consumed + shift_out;
}

/* Add region [a, b); 0, or -1 when there is no room left. */
static int
add_region(struct lt_redactor *r, size_t a, size_t b)
{
	if (b <= a)
		return 0;
	if (r->n_reg == LT_REDACT_REGIONS_MAX)
		return -1;
	r->reg[r->n_reg].a = a;
	r->reg[r->n_reg].b = b;
	r->n_reg++;
	return 0;
}

/* The start of the last word of p[0..n): after white space or a quote. */
static size_t
last_word(const char *p, size_t n)
{
	size_t i = n;

	while (i > 0 && p[i - 1] != ' ' && p[i - 1] != '\t' &&
	    p[i - 1] != '"' && p[i - 1] != '\'' && p[i - 1] != '\n')
		i--;
	return i;
}

enum lt_status
lt_redactor_apply(struct lt_redactor *r, const char *p, size_t n,
    const char **out, size_t *out_len, size_t *offs, size_t n_offs)
{
	return lt_redactor_apply_flags(r, p, n, 0, out, out_len, offs,
	    n_offs);
}

enum lt_status
lt_redactor_apply_flags(struct lt_redactor *r, const char *p, size_t n,
    unsigned flags, const char **out, size_t *out_len, size_t *offs,
    size_t n_offs)
{
	enum lt_status st;
	size_t i, m, pos;
	int whole = collect(r, p, n) != 0;

	lt_buf_reset(&r->out);
	if (!whole && r->in_key) {
		/* inside a key block: all of it, up to an END marker */
		const char *end = find(p, n, "-----END");

		whole = add_region(r, 0, end ? (size_t)(end - p) : n) != 0;
	}
	if (!whole && (flags & LT_REDACT_CUT))
		whole = add_region(r, last_word(p, n), n) != 0;
	if (whole) {
		/* the whole line is the secret */
		r->reg[0].a = 0;
		r->reg[0].b = n;
		r->n_reg = n > 0;
	}
	if (r->n_reg > 1) {
		qsort(r->reg, r->n_reg, sizeof r->reg[0], cmp_region);
		for (i = 1, m = 0; i < r->n_reg; i++) {
			if (r->reg[i].a <= r->reg[m].b) {
				if (r->reg[i].b > r->reg[m].b)
					r->reg[m].b = r->reg[i].b;
			} else {
				r->reg[++m] = r->reg[i];
			}
		}
		r->n_reg = m + 1;
	}
	for (i = 0, pos = 0; i < r->n_reg; i++) {
		if ((st = lt_buf_add(&r->out, p + pos, r->reg[i].a - pos)) !=
		    LT_OK || (st = lt_buf_add(&r->out, LT_REDACTED, RLEN)) !=
		    LT_OK)
			return st;
		pos = r->reg[i].b;
	}
	if ((st = lt_buf_add(&r->out, p + pos, n - pos)) != LT_OK)
		return st;
	for (i = 0; i < n_offs; i++)
		offs[i] = map(r->reg, r->n_reg, offs[i], i & 1);
	*out = r->out.p ? r->out.p : "";
	*out_len = r->out.len;
	return LT_OK;
}

/* Does a label key name a secret?  Case-insensitive, anywhere in it. */
static int
secret_key(const char *k, size_t n)
{
	static const char *const words[] = { "password", "passwd",
	    "passphrase", "pwd", "secret", "token", "apikey", "api_key",
	    "api-key", "accesskey", "access_key", "privatekey", "private_key",
	    "credential", "authorization", "cookie", "signature" };
	char low[64];
	size_t i, j, m;

	if (n == 4 && (k[0] | 32) == 'a' && (k[1] | 32) == 'u' &&
	    (k[2] | 32) == 't' && (k[3] | 32) == 'h')
		return 1;
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		m = strlen(words[i]);
		for (j = 0; j + m <= n; j++) {
			size_t c;

			if (m > sizeof low)
				break;
			for (c = 0; c < m; c++)
				low[c] = (char)(k[j + c] >= 'A' && k[j + c] <= 'Z' ?
				    k[j + c] | 32 : k[j + c]);
			if (memcmp(low, words[i], m) == 0)
				return 1;
		}
	}
	return 0;
}

enum lt_status
lt_redactor_label(struct lt_redactor *r, const char *key, size_t key_len,
    const char *p, size_t n, const char **out, size_t *out_len)
{
	enum lt_status st;

	if (n == 0 || !secret_key(key, key_len))
		return lt_redactor_apply(r, p, n, out, out_len, NULL, 0);
	lt_buf_reset(&r->out);
	if ((st = lt_buf_add(&r->out, LT_REDACTED, RLEN)) != LT_OK)
		return st;
	*out = r->out.p;
	*out_len = r->out.len;
	return LT_OK;
}

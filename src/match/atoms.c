/*
 * atoms.c - the literals a pattern cannot match without.
 *
 * The prefilter (prefilter.c) needs, for each match pattern, a short list
 * of byte strings ("atoms") such that every match of the pattern contains
 * at least one of them.  A line that contains none of a pattern's atoms
 * cannot match it, so PCRE2 is only asked about lines where some atom
 * turned up, and one pass of a multi-literal matcher over a whole buffer
 * finds the atoms of every rule at once.  YARA's atoms.c does the same
 * job for its hex strings; here the input is PCRE2 syntax.
 *
 * The reader below takes the pattern's tokens from the PCRE2 lexer
 * (rxlex.c: literals with the caseless state in force, classes, groups,
 * quantifiers, ...), claims only what it is sure of, and gives up (the
 * pattern is then prefiltered another way, or verified on every line)
 * at anything it does not fully understand: backreferences, recursion,
 * conditionals, callouts, verbs, (?x), \c, octal escapes, ambiguous
 * braces, a quantifier after something that is not an item, whatever
 * the lexer does not follow.  Giving up is always safe; a wrong atom is
 * not, so every rule here errs towards fewer or shorter atoms.
 *
 * For each piece of the pattern the reader computes two sets of strings:
 * "exact", the complete set of strings the piece can match (when it is
 * small and known), and "req", strings one of which every match of the
 * piece contains.  Literals are exact; a sequence multiplies the exact
 * sets of neighbouring pieces (so a(?:b|c)d gives abd, acd) and keeps the
 * best set seen; an alternation unites its branches' sets, and has none
 * as soon as one branch has none; x? adds the empty string; x+ keeps x's
 * requirement; anything that can match an unknown string (., \d, a big
 * class) cuts the sequence.  Assertions (^, $, \b, lookaround, \K)
 * consume nothing, so they neither add nor cut anything: the literals on
 * both sides are still adjacent in the subject.  The best set is the one
 * whose shortest string is longest, then the one with fewer strings.
 *
 * Case: in a caseless scope an ASCII letter makes its atom caseless
 * (matched without regard to ASCII case).  A non-ASCII character is only
 * literal where case matters, since PCRE2 folds it with Unicode tables
 * the literal matcher does not have.  PCRE2 also folds two non-ASCII
 * characters onto ASCII letters, U+017F (s) and U+212A (k); the prefilter
 * handles lines that contain them (see prefilter.c).
 *
 * Atoms are compared as bytes against the bytes PCRE2 is given, which is
 * sound in UTF mode: an ASCII byte is never part of a multi-byte
 * character, and with PCRE2_MATCH_INVALID_UTF a match never includes an
 * invalid sequence, so every literal character of a match is present in
 * the subject byte for byte.
 */
#include <string.h>

#include "match/match_int.h"
#include "match/rxlex.h"

#define DEPTH_MAX 16	/* nested groups followed */
#define CLASS_SMALL 8	/* members of a class that is expanded */
#define SCORE_LEN_CAP 16	/* longer atoms are not much better */

struct aset {
	int ok;			/* 0: unknown (exact) or none (req) */
	size_t n;
	struct lt_atom a[LT_ATOMS_MAX];
};

struct info {
	struct aset exact;	/* the piece matches exactly these */
	struct aset req;	/* every match contains one of these */
	int nonitem;		/* (?i), (?#...), \E: a quantifier would bind
				   to what came before */
};

struct rd {
	const char *src;
	size_t len;
	struct lt_rxlex lx;
	size_t prev_end;	/* where the last token taken ends */
	int prev_quoted;	/* ... and it was a character in \Q...\E */
	int depth;
	const char *why;	/* reason for giving up */
};

static int
bail(struct rd *r, const char *why)
{
	if (r->why == NULL)
		r->why = why;
	return -1;
}

static void
set_none(struct aset *s)
{
	s->ok = 0;
	s->n = 0;
}

static void
set_empty_string(struct aset *s)
{
	s->ok = 1;
	s->n = 1;
	s->a[0].len = 0;
	s->a[0].caseless = 0;
}

static int
is_alpha(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A set of one string of n bytes. */
static void
set_bytes(struct aset *s, const unsigned char *b, size_t n, int ci)
{
	s->ok = 1;
	s->n = 1;
	memcpy(s->a[0].s, b, n);
	s->a[0].len = (unsigned char)n;
	s->a[0].caseless = (unsigned char)ci;
}

static int
atom_eq(const struct lt_atom *x, const struct lt_atom *y)
{
	return x->len == y->len && x->caseless == y->caseless &&
	    memcmp(x->s, y->s, x->len) == 0;
}

/* Add atom x to s unless present; -1 when s is full. */
static int
set_add(struct aset *s, const struct lt_atom *x)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (atom_eq(&s->a[i], x))
			return 0;
	if (s->n == LT_ATOMS_MAX)
		return -1;
	s->a[s->n++] = *x;
	return 0;
}

/* out = a | b (both must be known); -1 when too many. */
static int
set_union(const struct aset *a, const struct aset *b, struct aset *out)
{
	struct aset t = *a;
	size_t i;

	if (!a->ok || !b->ok)
		return -1;
	for (i = 0; i < b->n; i++)
		if (set_add(&t, &b->a[i]) != 0)
			return -1;
	*out = t;
	return 0;
}

/* out = every a-string followed by every b-string; -1 when too big. */
static int
set_product(const struct aset *a, const struct aset *b, struct aset *out)
{
	struct aset t;
	struct lt_atom x;
	size_t i, j;

	if (!a->ok || !b->ok || a->n * b->n > LT_ATOMS_MAX)
		return -1;
	t.ok = 1;
	t.n = 0;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++) {
			if ((size_t)a->a[i].len + b->a[j].len > LT_ATOM_MAX)
				return -1;
			x.len = (unsigned char)(a->a[i].len + b->a[j].len);
			x.caseless = a->a[i].caseless | b->a[j].caseless;
			memcpy(x.s, a->a[i].s, a->a[i].len);
			memcpy(x.s + a->a[i].len, b->a[j].s, b->a[j].len);
			if (set_add(&t, &x) != 0)
				return -1;
		}
	*out = t;
	return 0;
}

/* Shortest atom length (capped), scaled, less the count; -1: none. */
static long
score(const struct aset *s)
{
	size_t i, min = SCORE_LEN_CAP;

	if (!s->ok || s->n == 0)
		return -1;
	for (i = 0; i < s->n; i++)
		if (s->a[i].len < min)
			min = s->a[i].len;
	return (long)min * (LT_ATOMS_MAX + 1) + (long)(LT_ATOMS_MAX - s->n);
}

static void
consider(struct aset *best, const struct aset *cand)
{
	if (score(cand) > score(best))
		*best = *cand;
}

static int alt(struct rd *r, struct info *out);

/* The next token, noting where it ends. */
static enum lt_rx_kind
tok_next(struct rd *r, struct lt_rx_token *t)
{
	(void)lt_rxlex_next(&r->lx, t);
	r->prev_end = t->off + t->len;
	r->prev_quoted = t->kind == LT_RX_LIT && t->esc == 'Q';
	return t->kind;
}

/*
 * Does a quantifier at offset q follow the item just read directly?  A
 * comment or \E in between (which the lexer makes nothing) is not
 * followed, except the \E that ends the quoted character.
 */
static int
adjacent(const struct rd *r, size_t q)
{
	return q == r->prev_end || (r->prev_quoted && q == r->prev_end + 2 &&
	    memcmp(r->src + r->prev_end, "\\E", 2) == 0);
}

/* One literal character, token t. */
static void
literal(const struct rd *r, const struct lt_rx_token *t, struct info *it)
{
	int ci = (t->flags & LT_RXF_I) != 0;
	unsigned char b;

	set_none(&it->req);
	if (t->cp >= 0x80) {
		/* its UTF-8 bytes, written as they are; only where case
		   matters, since PCRE2 folds it with Unicode tables */
		if (ci)
			set_none(&it->exact);
		else
			set_bytes(&it->exact, (const unsigned char *)r->src +
			    t->off, t->len, 0);
		return;
	}
	b = (unsigned char)t->cp;
	set_bytes(&it->exact, &b, 1, ci && is_alpha(b));
}

static void
opaque(struct info *it)
{
	set_none(&it->exact);
	set_none(&it->req);
}

static void
zero_width(struct info *it)
{
	set_empty_string(&it->exact);
	set_none(&it->req);
}

/* Give up where the lexer stopped, in the reader's own words. */
static int
stopped(struct rd *r, const struct lt_rx_token *t)
{
	const char *s = r->src + t->off;
	size_t left = r->len - t->off;
	int c1 = left > 1 ? s[1] : 0;

	if (t->kind == LT_RX_ERROR) {
		if (strcmp(t->why, "missing )") == 0 ||
		    strcmp(t->why, "unmatched )") == 0)
			return bail(r, "unbalanced parenthesis");
		if (left > 0 && s[0] == '\\' && left < 2)
			return bail(r, "trailing backslash");
		return bail(r, t->why);
	}
	if (t->kind != LT_RX_UNSUPPORTED)
		return bail(r, "unbalanced parenthesis");
	switch (t->unsup) {
	case LT_RXU_VERB:
		return bail(r, "(*VERB)");
	case LT_RXU_BRACE:
		return bail(r, "brace the PCRE2 versions read differently");
	case LT_RXU_DEPTH:
		return bail(r, "groups nested too deeply");
	case LT_RXU_COND: case LT_RXU_CALLOUT: case LT_RXU_OPTION:
	case LT_RXU_CALL:
		if (s[0] == '\\')
			break;
		return bail(r, "inline option the atom reader does not "
		    "follow");
	case LT_RXU_ESCAPE:
		if (s[0] == '\\' && c1 == 'N' && !t->in_class)
			return bail(r, "\\N{...}");
		break;
	case LT_RXU_OTHER:
		if (s[0] == '(')
			return bail(r, "group name the atom reader does not "
			    "follow");
		if (s[0] == '\\')
			break;
		return bail(r, t->why);
	default:
		return bail(r, t->why);
	}
	return bail(r, t->in_class ? "escape in a class the atom reader "
	    "does not follow" : "escape the atom reader does not follow");
}

/*
 * The letters of an option setting, (?i) or (?i:, as the reader follows
 * them: i (caseless) and the ones that do not change which strings
 * match, m s n U J.  (?x) and (?^) are not followed.
 */
static int
plain_letters(struct rd *r, const struct lt_rx_token *t)
{
	size_t k;

	for (k = t->off + 2; k < t->off + t->len; k++) {
		if (r->src[k] == ')' || r->src[k] == ':')
			return 0;
		if (strchr("imsnUJ-", r->src[k]) == NULL)
			return bail(r, "inline option the atom reader does "
			    "not follow");
	}
	return 0;
}

/* A character class, after its [ token. */
static int
char_class(struct rd *r, const struct lt_rx_token *open, struct info *it)
{
	unsigned char members[CLASS_SMALL];
	struct lt_rx_token t;
	size_t n = 0, k, i;
	int simple = !open->negated;

	for (k = 0; k <= r->len; k++) {
		switch (tok_next(r, &t)) {
		case LT_RX_CLASS_END:
			k = r->len + 1;
			continue;
		case LT_RX_LIT:
		case LT_RX_RANGE:
			if ((t.esc != 0 && strchr("c0oN", t.esc) != NULL) ||
			    (t.esc == '\\' && t.cp >= 0x80))
				return bail(r, "escape in a class the atom "
				    "reader does not follow");
			if (t.kind == LT_RX_RANGE || t.cp >= 0x80) {
				simple = 0;
				continue;
			}
			break;
		case LT_RX_TYPE:
		case LT_RX_POSIX:
			simple = 0;
			continue;
		default:
			return stopped(r, &t);
		}
		if (n < CLASS_SMALL)
			members[n] = (unsigned char)t.cp;
		n++;
	}
	if (t.kind != LT_RX_CLASS_END)
		return bail(r, "unterminated class");
	set_none(&it->req);
	set_none(&it->exact);
	if (!simple || n == 0 || n > CLASS_SMALL)
		return 0;
	it->exact.ok = 1;
	it->exact.n = 0;
	for (i = 0; i < n; i++) {
		struct lt_atom a;

		a.len = 1;
		a.s[0] = (char)members[i];
		a.caseless = (unsigned char)((open->flags & LT_RXF_I) &&
		    is_alpha(members[i]));
		(void)set_add(&it->exact, &a);
	}
	return 0;
}

/* A group, after its ( token. */
static int
group(struct rd *r, const struct lt_rx_token *open, struct info *it)
{
	struct lt_rx_token t;
	int rc;

	if (r->depth >= DEPTH_MAX)
		return bail(r, "groups nested too deeply");
	if (open->group == LT_RXG_PLAIN && open->len > 3 &&
	    plain_letters(r, open) != 0)
		return -1;	/* (?i:... */
	r->depth++;
	rc = alt(r, it);
	r->depth--;
	if (rc != 0)
		return -1;
	if (tok_next(r, &t) != LT_RX_CLOSE)
		return stopped(r, &t);
	if (open->group == LT_RXG_AHEAD || open->group == LT_RXG_NAHEAD ||
	    open->group == LT_RXG_BEHIND || open->group == LT_RXG_NBEHIND)
		zero_width(it);
	return 0;
}

/*
 * The quantifier after an item, if any: 1 (taken; *min and *max set,
 * *inf when there is no upper bound), 0 none.
 */
static int
quantifier(struct rd *r, unsigned long *min, unsigned long *max, int *inf)
{
	struct lt_rx_token t;

	if (lt_rxlex_peek(&r->lx)->kind != LT_RX_QUANT)
		return 0;
	(void)tok_next(r, &t);
	*min = t.min;
	*inf = t.max == LT_RX_INF;
	*max = *inf ? 1 : t.max;	/* lazy, possessive: same strings */
	return 1;
}

/* One item and its quantifier. */
static int
item(struct rd *r, struct info *it)
{
	struct lt_rx_token t;
	const struct lt_rx_token *q;
	unsigned long min, max;
	int inf;
	struct aset s;

	it->nonitem = 0;
	switch (tok_next(r, &t)) {
	case LT_RX_LIT:
		if (t.esc == 'N')
			return bail(r, "\\N{...}");
		if ((t.esc != 0 && strchr("c0o", t.esc) != NULL) ||
		    (t.esc == '\\' && t.cp >= 0x80))
			return bail(r, "escape the atom reader does not "
			    "follow");
		if (t.esc == 'x' && t.cp >= 0x80)
			opaque(it);	/* not the bytes written */
		else
			literal(r, &t, it);
		break;
	case LT_RX_ANY:
	case LT_RX_TYPE:
		opaque(it);
		break;
	case LT_RX_CLASS:
		if (char_class(r, &t, it) != 0)
			return -1;
		break;
	case LT_RX_GROUP:
		if (group(r, &t, it) != 0)
			return -1;
		break;
	case LT_RX_ASSERT:
		zero_width(it);
		break;
	case LT_RX_OPTS:	/* (?i): the rest of this group */
		if (plain_letters(r, &t) != 0)
			return -1;
		zero_width(it);
		it->nonitem = 1;
		break;
	case LT_RX_QUANT:
		return bail(r, r->src[t.off] == '{' ? "brace the PCRE2 "
		    "versions read differently" : "quantifier without an "
		    "item");
	case LT_RX_BACKREF:
		return bail(r, r->src[t.off] == '(' ? "inline option the atom "
		    "reader does not follow" : "escape the atom reader does "
		    "not follow");
	default:
		return stopped(r, &t);
	}
	if (it->nonitem) {
		if (lt_rxlex_peek(&r->lx)->kind == LT_RX_QUANT)
			return bail(r, "quantifier after a comment, option or "
			    "\\E");
		return 0;
	}
	q = lt_rxlex_peek(&r->lx);
	if (q->kind == LT_RX_QUANT && !adjacent(r, q->off))
		return bail(r, "quantifier after a comment, option or \\E");
	if (quantifier(r, &min, &max, &inf) == 0)
		return 0;
	if (lt_rxlex_peek(&r->lx)->kind == LT_RX_QUANT)
		return bail(r, "quantifier after a quantifier");
	if (!inf && max == 0) {
		zero_width(it);
		return 0;
	}
	if (min == 0) {
		set_empty_string(&s);
		if (!inf && max == 1 && set_union(&it->exact, &s, &s) == 0)
			it->exact = s;
		else
			set_none(&it->exact);
		set_none(&it->req);
		return 0;
	}
	consider(&it->req, &it->exact);
	if (inf || min != 1 || max != 1)
		set_none(&it->exact);
	return 0;
}

/* The next token ends a sequence: |, ) or the end. */
static int
seq_end(struct rd *r)
{
	switch (lt_rxlex_peek(&r->lx)->kind) {
	case LT_RX_ALT: case LT_RX_CLOSE: case LT_RX_END:
		return 1;
	default:
		return 0;
	}
}

/* A sequence of items, up to '|', ')' or the end. */
static int
seq(struct rd *r, struct info *out)
{
	struct info it;
	struct aset best, run, t;
	int whole = 1;
	size_t k;

	set_none(&best);
	set_empty_string(&run);
	for (k = 0; k <= r->len && !seq_end(r); k++) {
		if (item(r, &it) != 0)
			return -1;
		if (it.exact.ok && set_product(&run, &it.exact, &t) == 0) {
			run = t;
			continue;
		}
		consider(&best, &run);
		consider(&best, &it.req);
		if (it.exact.ok)
			run = it.exact;
		else
			set_empty_string(&run);
		whole = 0;
	}
	out->exact = run;
	if (!whole)
		set_none(&out->exact);
	out->req = best;
	consider(&out->req, &run);
	return 0;
}

static int
has_empty(const struct aset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->a[i].len == 0)
			return 1;
	return 0;
}

/* Alternatives, up to ')' or the end. */
static int
alt(struct rd *r, struct info *out)
{
	struct lt_rx_token t;
	struct info b;
	int first = 1;
	size_t k;

	for (k = 0; k <= r->len; k++) {
		if (seq(r, &b) != 0)
			return -1;
		if (first) {
			*out = b;
			first = 0;
		} else {
			if (set_union(&out->exact, &b.exact, &out->exact) != 0)
				set_none(&out->exact);
			if (set_union(&out->req, &b.req, &out->req) != 0)
				set_none(&out->req);
		}
		if (out->req.ok && has_empty(&out->req))
			set_none(&out->req);
		if (lt_rxlex_peek(&r->lx)->kind != LT_RX_ALT)
			break;
		(void)tok_next(r, &t);
	}
	consider(&out->req, &out->exact);
	out->nonitem = 0;
	return 0;
}

int
lt_atoms_extract(const char *src, size_t len, struct lt_atoms *out,
    const char **why)
{
	struct rd r;
	struct info top;
	struct lt_rx_token t;
	size_t i, min;

	out->n = 0;
	*why = NULL;
	memset(&r, 0, sizeof r);
	r.src = src;
	r.len = len;
	if (memchr(src, '\0', len) != NULL) {
		*why = "NUL byte in the pattern";
		return -1;
	}
	lt_rxlex_init(&r.lx, src, len, 0);
	if (alt(&r, &top) != 0 || lt_rxlex_next(&r.lx, &t) != LT_RX_END) {
		*why = r.why ? r.why : "unbalanced parenthesis";
		return -1;
	}
	if (!top.req.ok || top.req.n == 0) {
		*why = "no literal that every match contains";
		return -1;
	}
	for (i = 0, min = LT_ATOM_MAX; i < top.req.n; i++)
		if (top.req.a[i].len < min)
			min = top.req.a[i].len;
	if (min < LT_ATOM_MIN) {
		*why = "no literal of 3 bytes or more that every match "
		    "contains";
		return -1;
	}
	out->n = top.req.n;
	memcpy(out->a, top.req.a, top.req.n * sizeof top.req.a[0]);
	return 0;
}

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
 * The reader below follows just enough of that syntax to be sure of what
 * it claims, and gives up (the pattern is then prefiltered another way,
 * or verified on every line) at anything it does not fully understand:
 * backreferences, recursion, conditionals, callouts, verbs, (?x), \c,
 * octal escapes, ambiguous braces, a quantifier after something that is
 * not an item.  Giving up is always safe; a wrong atom is not, so every
 * rule here errs towards fewer or shorter atoms.
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
	const unsigned char *p;
	const unsigned char *end;
	int ci;			/* in a caseless scope */
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

static int
is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

static int
hex_val(unsigned c)
{
	if (is_digit(c))
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
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

/* Length of the UTF-8 character starting with byte c (pattern is valid). */
static size_t
utf8_len(unsigned c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* One literal character of n bytes at b. */
static void
literal(struct rd *r, struct info *it, const unsigned char *b, size_t n)
{
	set_none(&it->req);
	if (n > 1 && r->ci) {	/* Unicode folding: not a byte literal */
		set_none(&it->exact);
		return;
	}
	set_bytes(&it->exact, b, n, n == 1 && r->ci && is_alpha(b[0]));
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

/* \x escapes after the x; *v gets the value.  -1 on odd syntax. */
static int
hex_escape(struct rd *r, unsigned long *v)
{
	int d, k;

	*v = 0;
	if (r->p < r->end && *r->p == '{') {
		r->p++;
		for (k = 0; r->p < r->end && (d = hex_val(*r->p)) >= 0; k++) {
			if (k >= 8)
				return bail(r, "long \\x{...} escape");
			*v = *v * 16 + (unsigned long)d;
			r->p++;
		}
		if (k == 0 || r->p >= r->end || *r->p != '}')
			return bail(r, "unusual \\x{...} escape");
		r->p++;
		return 0;
	}
	for (k = 0; k < 2 && r->p < r->end && (d = hex_val(*r->p)) >= 0; k++) {
		*v = *v * 16 + (unsigned long)d;
		r->p++;
	}
	return 0;
}

/* Skip the name of \p / \P (after the letter). */
static int
prop_escape(struct rd *r)
{
	if (r->p >= r->end)
		return bail(r, "truncated \\p");
	if (*r->p != '{') {
		r->p++;
		return 0;
	}
	while (r->p < r->end && *r->p != '}')
		r->p++;
	if (r->p >= r->end)
		return bail(r, "unterminated \\p{");
	r->p++;
	return 0;
}

/* An escape outside a class, after the backslash. */
static int
escape(struct rd *r, struct info *it, int *quote)
{
	unsigned c;
	unsigned long v;
	unsigned char b;

	if (r->p >= r->end)
		return bail(r, "trailing backslash");
	c = *r->p++;
	switch (c) {
	case 'Q':
		*quote = 1;
		zero_width(it);
		it->nonitem = 1;
		return 0;
	case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G':
	case 'K':
		zero_width(it);
		return 0;
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
	case 'h': case 'H': case 'v': case 'V': case 'R': case 'X':
		opaque(it);
		return 0;
	case 'N':
		if (r->p < r->end && *r->p == '{')
			return bail(r, "\\N{...}");
		opaque(it);
		return 0;
	case 'p': case 'P':
		opaque(it);
		return prop_escape(r);
	case 't': b = '\t'; break;
	case 'n': b = '\n'; break;
	case 'r': b = '\r'; break;
	case 'f': b = '\f'; break;
	case 'e': b = 0x1b; break;
	case 'a': b = 0x07; break;
	case 'x':
		if (hex_escape(r, &v) != 0)
			return -1;
		if (v >= 0x80) {
			opaque(it);
			return 0;
		}
		b = (unsigned char)v;
		break;
	default:
		if (c >= 0x80 || is_alpha(c) || is_digit(c))
			return bail(r, "escape the atom reader does not follow");
		b = (unsigned char)c;
		break;
	}
	literal(r, it, &b, 1);
	return 0;
}

/*
 * PCRE2's test for a POSIX class such as [:alpha:] at p (pointing at the
 * '[' inside a class): 1 when it is one, and *after set past ":]".
 */
static int
posix_class(const unsigned char *p, const unsigned char *end,
    const unsigned char **after)
{
	unsigned char term = p[1];

	for (p += 2; p < end; p++) {
		if (*p == '\\' && p + 1 < end && (p[1] == ']' || p[1] == '\\'))
			p++;
		else if ((*p == '[' && p + 1 < end && p[1] == term) ||
		    *p == ']')
			return 0;
		else if (*p == term && p + 1 < end && p[1] == ']') {
			*after = p + 2;
			return 1;
		}
	}
	return 0;
}

/* A character class, after the '['. */
static int
char_class(struct rd *r, struct info *it)
{
	unsigned char members[CLASS_SMALL];
	size_t n = 0;
	int simple = 1, first = 1;
	unsigned c;
	unsigned long v;
	const unsigned char *after;

	if (r->p < r->end && *r->p == '^') {
		simple = 0;
		r->p++;
	}
	for (;;) {
		if (r->p >= r->end)
			return bail(r, "unterminated class");
		c = *r->p;
		if (c == ']' && !first) {
			r->p++;
			break;
		}
		first = 0;
		if (c == '[' && r->p + 1 < r->end && (r->p[1] == ':' ||
		    r->p[1] == '.' || r->p[1] == '=')) {
			if (posix_class(r->p, r->end, &after)) {
				if (r->p[1] != ':')
					return bail(r, "POSIX collating element");
				simple = 0;
				r->p = after;
				continue;
			}
		}
		r->p++;
		if (c >= 0x80) {
			simple = 0;
			r->p += utf8_len(c) - 1;
			if (r->p > r->end)
				return bail(r, "truncated character");
			continue;
		}
		if (c == '-' && n > 0 && r->p < r->end && *r->p != ']')
			simple = 0;	/* a range */
		if (c == '\\') {
			if (r->p >= r->end)
				return bail(r, "trailing backslash");
			c = *r->p++;
			switch (c) {
			case 'd': case 'D': case 'w': case 'W': case 's':
			case 'S': case 'h': case 'H': case 'v': case 'V':
				simple = 0;
				continue;
			case 'p': case 'P':
				simple = 0;
				if (prop_escape(r) != 0)
					return -1;
				continue;
			case 'x':
				if (hex_escape(r, &v) != 0)
					return -1;
				if (v >= 0x80) {
					simple = 0;
					continue;
				}
				c = (unsigned)v;
				break;
			case 'b': c = 0x08; break;
			case 't': c = '\t'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 'f': c = '\f'; break;
			case 'e': c = 0x1b; break;
			case 'a': c = 0x07; break;
			default:
				if (c >= 0x80 || is_alpha(c) || is_digit(c))
					return bail(r, "escape in a class the "
					    "atom reader does not follow");
				break;
			}
		}
		if (n < CLASS_SMALL)
			members[n] = (unsigned char)c;
		n++;
	}
	set_none(&it->req);
	set_none(&it->exact);
	if (!simple || n == 0 || n > CLASS_SMALL)
		return 0;
	it->exact.ok = 1;
	it->exact.n = 0;
	for (v = 0; v < n; v++) {
		struct lt_atom a;

		a.len = 1;
		a.s[0] = (char)members[v];
		a.caseless = (unsigned char)(r->ci && is_alpha(members[v]));
		(void)set_add(&it->exact, &a);
	}
	return 0;
}

/* Flag letters of (?...) up to ')' or ':'; *ci updated. */
static int
flags(struct rd *r, int *ci)
{
	int on = 1;

	for (; r->p < r->end; r->p++) {
		switch (*r->p) {
		case ')': case ':':
			return 0;
		case '-':
			on = 0;
			break;
		case 'i':
			*ci = on;
			break;
		case 'm': case 's': case 'n': case 'U': case 'J':
			break;
		default:
			return bail(r, "inline option the atom reader does "
			    "not follow");
		}
	}
	return bail(r, "unterminated group");
}

/* Skip a group name (word characters) and its terminator. */
static int
group_name(struct rd *r, unsigned char term)
{
	while (r->p < r->end && (is_alpha(*r->p) || is_digit(*r->p) ||
	    *r->p == '_'))
		r->p++;
	if (r->p >= r->end || *r->p != term)
		return bail(r, "group name the atom reader does not follow");
	r->p++;
	return 0;
}

/* A group, after the '('. */
static int
group(struct rd *r, struct info *it)
{
	int saved = r->ci, look = 0, rc;
	unsigned c;

	if (r->depth >= DEPTH_MAX)
		return bail(r, "groups nested too deeply");
	if (r->p < r->end && *r->p == '*')
		return bail(r, "(*VERB)");
	if (r->p < r->end && *r->p == '?') {
		r->p++;
		if (r->p >= r->end)
			return bail(r, "truncated group");
		c = *r->p;
		if (c == ':' || c == '>' || c == '|') {
			r->p++;
		} else if (c == '=' || c == '!') {
			r->p++;
			look = 1;
		} else if (c == '<' && r->p + 1 < r->end &&
		    (r->p[1] == '=' || r->p[1] == '!')) {
			r->p += 2;
			look = 1;
		} else if (c == '<' || c == '\'') {
			r->p++;
			if (group_name(r, c == '<' ? '>' : '\'') != 0)
				return -1;
		} else if (c == 'P' && r->p + 1 < r->end && r->p[1] == '<') {
			r->p += 2;
			if (group_name(r, '>') != 0)
				return -1;
		} else if (c == '#') {
			while (r->p < r->end && *r->p != ')')
				r->p++;
			if (r->p >= r->end)
				return bail(r, "unterminated comment");
			r->p++;
			zero_width(it);
			it->nonitem = 1;
			return 0;
		} else {
			if (flags(r, &r->ci) != 0)
				return -1;
			if (*r->p == ')') {	/* (?i): rest of this group */
				r->p++;
				zero_width(it);
				it->nonitem = 1;
				return 0;
			}
			r->p++;		/* (?i:...) */
		}
	}
	r->depth++;
	rc = alt(r, it);
	r->depth--;
	r->ci = saved;
	if (rc != 0)
		return -1;
	if (r->p >= r->end || *r->p != ')')
		return bail(r, "unbalanced parenthesis");
	r->p++;
	if (look)
		zero_width(it);
	return 0;
}

/* Digits at p into *v (capped); returns how many. */
static size_t
number(struct rd *r, unsigned long *v)
{
	size_t k = 0;

	*v = 0;
	while (r->p < r->end && is_digit(*r->p)) {
		if (*v < 1000000)
			*v = *v * 10 + (*r->p - '0');
		r->p++;
		k++;
	}
	return k;
}

/*
 * A quantifier at r->p, if any: 1 found (*min and *max set, *inf when
 * there is no upper bound), 0 none, -1 gave up.
 */
static int
quantifier(struct rd *r, unsigned long *min, unsigned long *max, int *inf)
{
	const unsigned char *save = r->p;
	unsigned c;

	if (r->p >= r->end)
		return 0;
	c = *r->p;
	*inf = 0;
	if (c == '?' || c == '*' || c == '+') {
		r->p++;
		*min = c == '+';
		*max = 1;
		*inf = c != '?';
	} else if (c == '{') {
		r->p++;
		if (r->p < r->end && (*r->p == ',' || *r->p == ' '))
			return bail(r, "brace the PCRE2 versions read "
			    "differently");
		if (number(r, min) == 0) {
			r->p = save;	/* a literal '{' */
			return 0;
		}
		*max = *min;
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			if (number(r, max) == 0)
				*inf = 1;
		}
		if (r->p >= r->end || *r->p != '}')
			return bail(r, "brace the PCRE2 versions read "
			    "differently");
		r->p++;
	} else {
		return 0;
	}
	if (r->p < r->end && (*r->p == '?' || *r->p == '+'))
		r->p++;		/* lazy or possessive: same strings */
	return 1;
}

static int
starts_quantifier(const struct rd *r)
{
	if (r->p >= r->end)
		return 0;
	return *r->p == '?' || *r->p == '*' || *r->p == '+' ||
	    (*r->p == '{' && r->p + 1 < r->end && (is_digit(r->p[1]) ||
	    r->p[1] == ',' || r->p[1] == ' '));
}

/* One item and its quantifier. */
static int
item(struct rd *r, struct info *it, int *quote)
{
	unsigned c;
	unsigned long min, max;
	int inf, q;
	struct aset t;

	it->nonitem = 0;
	c = *r->p;
	if (*quote) {
		if (c == '\\' && r->p + 1 < r->end && r->p[1] == 'E') {
			r->p += 2;
			*quote = 0;
			zero_width(it);
			it->nonitem = 1;
			return 0;
		}
		r->p += utf8_len(c);
		if (r->p > r->end)
			return bail(r, "truncated character");
		literal(r, it, r->p - utf8_len(c), utf8_len(c));
		/* a quantifier binds to the last quoted character */
		if (!(r->p + 1 < r->end && r->p[0] == '\\' && r->p[1] == 'E'))
			return 0;
		r->p += 2;
		*quote = 0;
	} else {
		r->p++;
		switch (c) {
		case '\\':
			if (r->p < r->end && *r->p == 'E') {
				r->p++;
				zero_width(it);
				it->nonitem = 1;
				break;
			}
			if (escape(r, it, quote) != 0)
				return -1;
			if (*quote)
				return 0;	/* what follows is quoted */
			break;
		case '(':
			if (group(r, it) != 0)
				return -1;
			break;
		case '[':
			if (char_class(r, it) != 0)
				return -1;
			break;
		case '.':
			opaque(it);
			break;
		case '^': case '$':
			zero_width(it);
			break;
		case '?': case '*': case '+':
			return bail(r, "quantifier without an item");
		case '{':
			if (r->p < r->end && (is_digit(*r->p) || *r->p == ',' ||
			    *r->p == ' '))
				return bail(r, "brace the PCRE2 versions read "
				    "differently");
			literal(r, it, r->p - 1, 1);
			break;
		default:
			if (c >= 0x80) {
				size_t n = utf8_len(c);

				if (r->p - 1 + n > r->end)
					return bail(r, "truncated character");
				r->p += n - 1;
				literal(r, it, r->p - n, n);
			} else {
				literal(r, it, r->p - 1, 1);
			}
			break;
		}
	}
	if (it->nonitem) {
		if (starts_quantifier(r))
			return bail(r, "quantifier after a comment, option or "
			    "\\E");
		return 0;
	}
	if ((q = quantifier(r, &min, &max, &inf)) < 0)
		return -1;
	if (q == 0)
		return 0;
	if (starts_quantifier(r))
		return bail(r, "quantifier after a quantifier");
	if (!inf && max == 0) {
		zero_width(it);
		return 0;
	}
	if (min == 0) {
		set_empty_string(&t);
		if (!inf && max == 1 && set_union(&it->exact, &t, &t) == 0)
			it->exact = t;
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

/* A sequence of items, up to '|', ')' or the end. */
static int
seq(struct rd *r, struct info *out)
{
	struct info it;
	struct aset best, run, t;
	int whole = 1, quote = 0;

	set_none(&best);
	set_empty_string(&run);
	while (r->p < r->end && (quote || (*r->p != '|' && *r->p != ')'))) {
		if (item(r, &it, &quote) != 0)
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
	if (quote)
		return bail(r, "unterminated \\Q");
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
	struct info b;
	int first = 1;

	for (;;) {
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
		if (r->p >= r->end || *r->p != '|')
			break;
		r->p++;
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
	size_t i, min;

	out->n = 0;
	*why = NULL;
	memset(&r, 0, sizeof r);
	r.p = (const unsigned char *)src;
	r.end = r.p + len;
	if (memchr(src, '\0', len) != NULL) {
		*why = "NUL byte in the pattern";
		return -1;
	}
	if (alt(&r, &top) != 0 || r.p != r.end) {
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

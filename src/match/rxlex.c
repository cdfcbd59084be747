/*
 * rxlex.c - one lexer of PCRE2 pattern syntax for the matcher's readers.
 *
 * Several parts of the matcher look at a pattern's text rather than at
 * what PCRE2 compiled from it: the lint (which shapes backtrack), the
 * prefilter (what vectorscan may run in PCRE2's place), the LogQL
 * pushdown (a Go regexp that matches at least as much) and the atoms
 * (which literals every match holds).  Each is only right if it reads
 * PCRE2's grammar right, so they take tokens from here.
 *
 * The lexer cuts a pattern into tokens, each a byte span of the pattern
 * with its meaning: a literal character (with its code point and the
 * inline options in force, so (?i) is known), ., an escape type (\d,
 * \p{L}, ...), a class as its members between an opening and a closing
 * token, a group with its kind, |, ), a quantifier with its bounds, an
 * assertion, a backreference, an option setting.  It keeps a stack of
 * the options to restore at each ), since (?i) lasts to the end of its
 * group and carries over into the later branches of that group.
 * Comments ((?#...), and # and white space under (?x)) and \E without
 * \Q produce nothing; \Q...\E produces its characters as literals.
 *
 * It does not judge the token stream (whether a quantifier follows an
 * item, whether a lookbehind has a fixed length): PCRE2 has done that
 * for every pattern a rule holds, and the readers each decide what they
 * do with an odd stream.  What it does not follow ends the stream with
 * LT_RX_UNSUPPORTED and a reason: verbs, callouts, conditionals,
 * recursion and subroutine calls, braces that PCRE2 10.43 reads as a
 * quantifier and older versions as text ({,3} and { 3}), numeric escapes
 * that are an octal character or a backreference depending on the groups
 * before them, escapes PCRE2 refuses or that need tables (\N{name}, \u),
 * option letters beyond imnsxJU.  LT_RX_ERROR is kept for what PCRE2
 * refuses as well (a missing ), a trailing backslash, invalid UTF-8), so
 * that a reader never calls a pattern PCRE2 compiled malformed;
 * tests/unit/test_rxlex.c checks that and the group count against PCRE2
 * itself on random patterns, and tests/fuzz/fuzz_rxlex.c on any bytes.
 *
 * The pattern is a byte span (NUL bytes are literal characters); every
 * token takes at least one byte except the last, so a pattern of n bytes
 * gives at most n + 1 tokens, and every inner loop stops at the end of
 * the span.  The lexer owns no memory.
 */
#include <string.h>

#include "match/rxlex.h"

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_word(int c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

static int
hex_val(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte k past the cursor, or -1 past the end. */
static int
at(const struct lt_rxlex *lx, size_t k)
{
	return lx->i + k < lx->n ? lx->p[lx->i + k] : -1;
}

void
lt_rxlex_init(struct lt_rxlex *lx, const char *pat, size_t n,
    unsigned flags)
{
	/* not the whole struct: saved[] is written before it is read */
	lx->p = (const unsigned char *)pat;
	lx->n = n;
	lx->i = 0;
	lx->flags = flags;
	lx->depth = 0;
	lx->in_class = 0;
	lx->quote = 0;
	lx->has_ahead = 0;
	lx->done = 0;
}

/* Make *t the last token: kind END, ERROR or UNSUPPORTED. */
static enum lt_rx_kind
finish(struct lt_rxlex *lx, struct lt_rx_token *t, enum lt_rx_kind kind,
    enum lt_rx_unsup u, const char *why)
{
	t->kind = kind;
	t->unsup = u;
	t->why = why;
	if (t->len == 0 && kind != LT_RX_END)
		t->len = lx->i > t->off ? lx->i - t->off : 0;
	lx->last = *t;
	lx->done = 1;
	return kind;
}

static enum lt_rx_kind
unsup(struct lt_rxlex *lx, struct lt_rx_token *t, enum lt_rx_unsup u,
    const char *why)
{
	return finish(lx, t, LT_RX_UNSUPPORTED, u, why);
}

static enum lt_rx_kind
error(struct lt_rxlex *lx, struct lt_rx_token *t, const char *why)
{
	return finish(lx, t, LT_RX_ERROR, LT_RXU_OTHER, why);
}

/*
 * The UTF-8 character at the cursor into *cp; advances.  -1 when the
 * bytes are not UTF-8 (PCRE2_UTF refuses the pattern).
 */
static int
utf8(struct lt_rxlex *lx, uint32_t *cp)
{
	const unsigned char *s = lx->p + lx->i;
	size_t left = lx->n - lx->i, len, k;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		lx->i++;
		return 0;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		v = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		v = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		v = s[0] & 0x07u;
	} else {
		return -1;
	}
	for (k = 1; k < len && k < left && (s[k] & 0xc0) == 0x80; k++)
		v = (v << 6) | (s[k] & 0x3fu);
	if (k < len || (len == 3 && v < 0x800) ||
	    (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return -1;
	lx->i += len;
	*cp = v;
	return 0;
}

/*
 * Skip what (?x) makes nothing: white space and # comments up to a
 * newline.  Outside classes only.
 */
static void
skip_extended(struct lt_rxlex *lx)
{
	int c;

	while (lx->i < lx->n) {
		c = lx->p[lx->i];
		if (c == ' ' || (c >= 0x09 && c <= 0x0d)) {
			lx->i++;
		} else if (c == 0xc2 && at(lx, 1) == 0x85) {
			lx->i += 2;	/* U+0085 */
		} else if (c == 0xe2 && at(lx, 1) == 0x80 && (at(lx, 2) == 0x8e ||
		    at(lx, 2) == 0x8f || at(lx, 2) == 0xa8 || at(lx, 2) == 0xa9)) {
			lx->i += 3;	/* U+200E U+200F U+2028 U+2029 */
		} else if (c == '#') {
			while (lx->i < lx->n && lx->p[lx->i] != '\n')
				lx->i++;
		} else {
			return;
		}
	}
}

/* Digits at the cursor into *v (saturating at 2^20); how many. */
static size_t
number(struct lt_rxlex *lx, uint32_t *v)
{
	size_t k = 0;

	*v = 0;
	while (lx->i < lx->n && is_digit(lx->p[lx->i])) {
		if (*v < (1u << 20))
			*v = *v * 10 + (uint32_t)(lx->p[lx->i] - '0');
		lx->i++;
		k++;
	}
	return k;
}

/*
 * At '{': 1 and *t a quantifier when the brace is one, 0 (cursor
 * unchanged) when it is a literal, -1 when unsupported (done).
 */
static int
brace(struct lt_rxlex *lx, struct lt_rx_token *t)
{
	size_t save = lx->i;
	uint32_t lo, hi;

	lx->i++;
	if (at(lx, 0) == ',' || at(lx, 0) == ' ' || at(lx, 0) == '\t') {
		/* 10.43 reads {,n} and { n } as quantifiers, 10.42 as text */
		size_t k = 0;
		int c;

		while ((c = at(lx, k)) == ',' || c == ' ' || c == '\t' ||
		    is_digit(c))
			k++;
		if (c == '}') {
			unsup(lx, t, LT_RXU_BRACE, "a brace PCRE2 versions "
			    "read differently");
			return -1;
		}
		lx->i = save;
		return 0;
	}
	if (number(lx, &lo) == 0) {
		lx->i = save;
		return 0;
	}
	hi = lo;
	if (at(lx, 0) == ',') {
		lx->i++;
		if (number(lx, &hi) == 0)
			hi = LT_RX_INF;
	}
	if (at(lx, 0) == ' ' || at(lx, 0) == '\t') {
		size_t k = 0;
		int c;

		while ((c = at(lx, k)) == ',' || c == ' ' || c == '\t' ||
		    is_digit(c))
			k++;
		if (c == '}') {
			unsup(lx, t, LT_RXU_BRACE, "a brace PCRE2 versions "
			    "read differently");
			return -1;
		}
	}
	if (at(lx, 0) != '}') {
		lx->i = save;
		return 0;
	}
	lx->i++;
	if (lo > 65535 || (hi != LT_RX_INF && (hi > 65535 || hi < lo))) {
		unsup(lx, t, LT_RXU_OTHER, "a repeat count PCRE2 refuses");
		return -1;
	}
	t->kind = LT_RX_QUANT;
	t->min = lo;
	t->max = hi;
	return 1;
}

/* After a quantifier: a lazy ? or possessive +. */
static enum lt_rx_kind
quant_end(struct lt_rxlex *lx, struct lt_rx_token *t)
{
	if (at(lx, 0) == '?') {
		t->lazy = 1;
		lx->i++;
	} else if (at(lx, 0) == '+') {
		t->possessive = 1;
		lx->i++;
	}
	t->kind = LT_RX_QUANT;
	return LT_RX_QUANT;
}

/* \x.. after the x; -1 bad. */
static int
hex_escape(struct lt_rxlex *lx, uint32_t *v)
{
	size_t k;
	int d;

	*v = 0;
	if (at(lx, 0) != '{') {
		for (k = 0; k < 2 && (d = hex_val(at(lx, 0))) >= 0; k++) {
			*v = *v * 16 + (uint32_t)d;
			lx->i++;
		}
		return 0;
	}
	lx->i++;
	for (k = 0; (d = hex_val(at(lx, 0))) >= 0; k++) {
		if (*v < 0x1000000)
			*v = *v * 16 + (uint32_t)d;
		lx->i++;
	}
	if (k == 0 || at(lx, 0) != '}')
		return -1;
	lx->i++;
	return 0;
}

/* \o{...} after the o; -1 bad. */
static int
oct_brace(struct lt_rxlex *lx, uint32_t *v)
{
	size_t k;
	int c;

	*v = 0;
	if (at(lx, 0) != '{')
		return -1;
	lx->i++;
	for (k = 0; (c = at(lx, 0)) >= '0' && c <= '7'; k++) {
		if (*v < 0x1000000)
			*v = *v * 8 + (uint32_t)(c - '0');
		lx->i++;
	}
	if (k == 0 || at(lx, 0) != '}')
		return -1;
	lx->i++;
	return 0;
}

/* \p{...} or \pL after the letter; name into t->arg. -1 bad. */
static int
property(struct lt_rxlex *lx, struct lt_rx_token *t)
{
	if (lx->i >= lx->n)
		return -1;
	if (at(lx, 0) != '{') {
		t->arg_off = lx->i;
		t->arg_len = 1;
		lx->i++;
		return 0;
	}
	lx->i++;
	t->arg_off = lx->i;
	while (lx->i < lx->n && lx->p[lx->i] != '}')
		lx->i++;
	if (lx->i >= lx->n)
		return -1;
	t->arg_len = lx->i - t->arg_off;
	lx->i++;
	return 0;
}

/* A name of word characters up to term; 0 and t->arg set, or -1. */
static int
name(struct lt_rxlex *lx, struct lt_rx_token *t, int term)
{
	size_t k = 0;

	while (is_word(at(lx, k)))
		k++;
	if (k == 0 || is_digit(at(lx, 0)) || at(lx, k) != term)
		return -1;
	t->arg_off = lx->i;
	t->arg_len = k;
	lx->i += k + 1;
	return 0;
}

static int
is_valid_cp(uint32_t v)
{
	return v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff);
}

/*
 * An escape that stands for one character, at the letter after the
 * backslash (in a class or not).  1: *t is its LIT; 0: not such an
 * escape (cursor unchanged); -1: done (unsupported or error).
 */
static int
char_escape(struct lt_rxlex *lx, struct lt_rx_token *t)
{
	int c = at(lx, 0), d;
	uint32_t v = 0;
	size_t k;

	t->esc = (unsigned char)c;
	switch (c) {
	case 'a': v = 0x07; break;
	case 'e': v = 0x1b; break;
	case 'f': v = 0x0c; break;
	case 'n': v = 0x0a; break;
	case 'r': v = 0x0d; break;
	case 't': v = 0x09; break;
	case 'c':
		d = at(lx, 1);
		if (d < 0x20 || d > 0x7e) {
			error(lx, t, "\\c must be followed by a printable "
			    "ASCII character");
			return -1;
		}
		if (d >= 'a' && d <= 'z')
			d -= 32;
		v = (uint32_t)d ^ 0x40;
		lx->i++;
		break;
	case 'x':
		lx->i++;
		if (hex_escape(lx, &v) != 0 || !is_valid_cp(v)) {
			unsup(lx, t, LT_RXU_ESCAPE, "a \\x{...} escape PCRE2 "
			    "refuses");
			return -1;
		}
		goto lit;
	case 'o':
		lx->i++;
		if (oct_brace(lx, &v) != 0 || !is_valid_cp(v)) {
			unsup(lx, t, LT_RXU_ESCAPE, "a \\o{...} escape PCRE2 "
			    "refuses");
			return -1;
		}
		goto lit;
	case 'N':
		if (at(lx, 1) != '{')
			return 0;
		if (at(lx, 2) != 'U' || at(lx, 3) != '+') {
			unsup(lx, t, LT_RXU_ESCAPE, "\\N{name}");
			return -1;
		}
		lx->i += 4;
		for (k = 0; (d = hex_val(at(lx, 0))) >= 0; k++) {
			if (v < 0x1000000)
				v = v * 16 + (uint32_t)d;
			lx->i++;
		}
		if (k == 0 || at(lx, 0) != '}' || !is_valid_cp(v)) {
			unsup(lx, t, LT_RXU_ESCAPE, "a \\N{U+...} escape "
			    "PCRE2 refuses");
			return -1;
		}
		lx->i++;
		goto lit;
	case '0':
		t->esc = '0';
		for (k = 0; k < 3 && (d = at(lx, 0)) >= '0' && d <= '7'; k++) {
			v = v * 8 + (uint32_t)(d - '0');
			lx->i++;
		}
		goto lit;
	default:
		if (c >= '1' && c <= '7' && lx->in_class) {
			t->esc = '0';
			for (k = 0; k < 3 && (d = at(lx, 0)) >= '0' && d <= '7';
			    k++) {
				v = v * 8 + (uint32_t)(d - '0');
				lx->i++;
			}
			goto lit;
		}
		t->esc = 0;
		return 0;
	}
	lx->i++;
lit:
	t->kind = LT_RX_LIT;
	t->cp = v;
	return 1;
}

/* \d \w \s ... (and \p \P); 1 a TYPE, 0 not one, -1 done. */
static int
type_escape(struct lt_rxlex *lx, struct lt_rx_token *t)
{
	int c = at(lx, 0);

	switch (c) {
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
	case 'h': case 'H': case 'v': case 'V':
		lx->i++;
		break;
	case 'R': case 'X': case 'N':
		if (c == 'N' && at(lx, 1) == '{')
			return 0;
		if (lx->in_class) {
			error(lx, t, "\\R, \\X or \\N in a class");
			return -1;
		}
		lx->i++;
		break;
	case 'p': case 'P':
		lx->i++;
		if (property(lx, t) != 0) {
			error(lx, t, "malformed \\p or \\P");
			return -1;
		}
		break;
	default:
		return 0;
	}
	t->kind = LT_RX_TYPE;
	if (c == 'R' || c == 'X' || c == 'N') {
		t->cp = (uint32_t)c;	/* no lower-case partner */
	} else {
		t->negated = (unsigned char)(c >= 'A' && c <= 'Z');
		t->cp = (uint32_t)(t->negated ? c + 32 : c);
	}
	return 1;
}

/* PCRE2's check for [:name:] at the cursor ('[' then : . or =). */
static int
posix_syntax(const struct lt_rxlex *lx, size_t *len)
{
	int term = at(lx, 1), c;
	size_t k;

	for (k = 2; (c = at(lx, k)) >= 0; k++) {
		if (c == '\\' && (at(lx, k + 1) == ']' || at(lx, k + 1) == '\\'))
			k++;
		else if ((c == '[' && at(lx, k + 1) == term) || c == ']')
			return 0;
		else if (c == term && at(lx, k + 1) == ']') {
			*len = k + 2;
			return 1;
		}
	}
	return 0;
}

static const char *const posix_names[] = {
	"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
	"lower", "print", "punct", "space", "upper", "word", "xdigit",
};

/* One member of a class (or its end), at the cursor. */
static enum lt_rx_kind
class_member(struct lt_rxlex *lx, struct lt_rx_token *t)
{
	size_t len, k, save;
	uint32_t lo;
	int c, first = lx->in_class == 1;
	struct lt_rx_token hi;

	t->in_class = 1;
	lx->in_class = 2;
again:
	if (lx->i >= lx->n)
		return error(lx, t, "missing ] at the end of a class");
	c = lx->p[lx->i];
	if (c == '\\' && at(lx, 1) == 'E') {
		lx->i += 2;	/* \E alone: nothing */
		t->off = lx->i;
		goto again;
	}
	if (c == '\\' && at(lx, 1) == 'Q') {
		if (at(lx, 2) != '\\' || at(lx, 3) != 'E')
			return unsup(lx, t, LT_RXU_CLASS, "\\Q...\\E in a "
			    "class");
		lx->i += 4;
		t->off = lx->i;
		goto again;
	}
	if ((lx->flags & LT_RXF_XX) && (c == ' ' || c == '\t')) {
		lx->i++;
		t->off = lx->i;
		goto again;
	}
	if (c == ']' && !first) {
		lx->i++;
		lx->in_class = 0;
		t->kind = LT_RX_CLASS_END;
		t->len = 1;
		return LT_RX_CLASS_END;
	}
	if (c == '[' && (at(lx, 1) == ':' || at(lx, 1) == '.' ||
	    at(lx, 1) == '=') && posix_syntax(lx, &len)) {
		if (at(lx, 1) != ':')
			return error(lx, t, "POSIX collating elements are "
			    "not supported");
		t->negated = at(lx, 2) == '^';
		t->arg_off = lx->i + 2 + t->negated;
		t->arg_len = len - 4 - t->negated;
		for (k = 0; k < sizeof posix_names / sizeof posix_names[0];
		    k++)
			if (strlen(posix_names[k]) == t->arg_len &&
			    memcmp(posix_names[k], lx->p + t->arg_off,
			    t->arg_len) == 0)
				break;
		if (k == sizeof posix_names / sizeof posix_names[0])
			return unsup(lx, t, LT_RXU_CLASS, "an unknown POSIX "
			    "class");
		lx->i += len;
		t->kind = LT_RX_POSIX;
		t->len = len;
		goto after_set;
	}
	if (c == '\\') {
		lx->i++;
		if (lx->i >= lx->n)
			return error(lx, t, "\\ at the end of the pattern");
		switch (type_escape(lx, t)) {
		case 1:
			t->len = lx->i - t->off;
			goto after_set;
		case -1:
			return t->kind;
		default:
			break;
		}
		if (at(lx, 0) == 'b') {
			lx->i++;
			t->esc = 'b';
			lo = 0x08;
			goto have_lo;
		}
		switch (char_escape(lx, t)) {
		case 1:
			lo = t->cp;
			goto have_lo;
		case -1:
			return t->kind;
		default:
			break;
		}
		c = at(lx, 0);
		if (c < 0x80 && (is_alpha(c) || is_digit(c)))
			return unsup(lx, t, LT_RXU_ESCAPE, "an escape in a "
			    "class the lexer does not follow");
		t->esc = '\\';
	}
	if (utf8(lx, &lo) != 0)
		return error(lx, t, "invalid UTF-8");
have_lo:
	t->cp = lo;
	t->hi = lo;
	t->kind = LT_RX_LIT;
	/* a range: '-' not last, and then a single character */
	if (at(lx, 0) != '-' || at(lx, 1) == ']' ||
	    at(lx, 1) < 0) {
		t->len = lx->i - t->off;
		return LT_RX_LIT;
	}
	save = lx->i;
	lx->i++;
	memset(&hi, 0, sizeof hi);
	hi.off = lx->i;
	c = at(lx, 0);
	if (c == '[' && (at(lx, 1) == ':' || at(lx, 1) == '.' ||
	    at(lx, 1) == '=') && posix_syntax(lx, &len))
		return unsup(lx, t, LT_RXU_CLASS, "a range that ends in a "
		    "POSIX class");
	if (c == '\\' && (at(lx, 1) == 'Q' || at(lx, 1) == 'E'))
		return unsup(lx, t, LT_RXU_CLASS, "a range that ends in "
		    "\\Q or \\E");
	if (c == '\\') {
		lx->i++;
		if (lx->i >= lx->n)
			return error(lx, t, "\\ at the end of the pattern");
		switch (type_escape(lx, &hi)) {
		case 1:
			return unsup(lx, t, LT_RXU_CLASS, "a range that ends "
			    "in an escape type");
		case -1:
			*t = hi;	/* the error, as finish() keeps it */
			return t->kind;
		default:
			break;
		}
		if (at(lx, 0) == 'b') {
			lx->i++;
			hi.cp = 0x08;
		} else {
			switch (char_escape(lx, &hi)) {
			case 1:
				break;
			case -1:
				*t = hi;
				return t->kind;
			default:
				c = at(lx, 0);
				if (c < 0x80 && (is_alpha(c) || is_digit(c)))
					return unsup(lx, t, LT_RXU_ESCAPE,
					    "an escape in a class the lexer "
					    "does not follow");
				if (utf8(lx, &hi.cp) != 0)
					return error(lx, t, "invalid UTF-8");
				break;
			}
		}
	} else if ((lx->flags & LT_RXF_XX) && (c == ' ' || c == '\t')) {
		lx->i = save;	/* PCRE2 skips these even here: not followed */
		return unsup(lx, t, LT_RXU_CLASS, "a range with white space "
		    "under (?xx)");
	} else if (utf8(lx, &hi.cp) != 0) {
		return error(lx, t, "invalid UTF-8");
	}
	if (hi.cp < lo)
		return unsup(lx, t, LT_RXU_CLASS, "a range out of order");
	t->kind = LT_RX_RANGE;
	t->hi = hi.cp;
	if (t->esc == 0 || t->esc == '\\' || t->esc == 'b')
		t->esc = hi.esc;
	t->len = lx->i - t->off;
	return LT_RX_RANGE;
after_set:
	/* [\d-z] and [[:digit:]-z]: PCRE2 refuses, unless - is last */
	if (at(lx, 0) == '-' && at(lx, 1) != ']' && at(lx, 1) >= 0)
		return unsup(lx, t, LT_RXU_CLASS, "a range after a class "
		    "escape or POSIX class");
	return t->kind;
}

/* The option letters of (? up to ')' or ':'; *fl updated; -1 done. */
static int
options(struct lt_rxlex *lx, struct lt_rx_token *t, unsigned *fl)
{
	unsigned on = 0, off = 0, bit, fl0 = *fl;
	int neg = 0, c;

	if (at(lx, 0) == '^') {
		fl0 &= ~(LT_RXF_I | LT_RXF_M | LT_RXF_N | LT_RXF_S | LT_RXF_X |
		    LT_RXF_XX);
		neg = 2;	/* no hyphen after ^ */
		lx->i++;
	}
	for (;;) {
		c = at(lx, 0);
		if (c == ')' || c == ':')
			break;
		if (c < 0) {
			error(lx, t, "missing ) after an option setting");
			return -1;
		}
		lx->i++;
		switch (c) {
		case '-':
			if (neg) {
				error(lx, t, "a second - in an option setting");
				return -1;
			}
			neg = 1;
			continue;
		case 'i': bit = LT_RXF_I; break;
		case 'm': bit = LT_RXF_M; break;
		case 's': bit = LT_RXF_S; break;
		case 'n': bit = LT_RXF_N; break;
		case 'U': bit = LT_RXF_U; break;
		case 'J': bit = LT_RXF_J; break;
		case 'x':
			bit = LT_RXF_X;
			if (at(lx, 0) == 'x') {
				lx->i++;
				bit |= LT_RXF_XX;
			}
			break;
		default:
			unsup(lx, t, LT_RXU_OPTION, "an inline option the "
			    "lexer does not follow");
			return -1;
		}
		if (neg == 1) {
			/* unsetting either extended option unsets both */
			off |= bit & (LT_RXF_X | LT_RXF_XX) ?
			    LT_RXF_X | LT_RXF_XX : bit;
		} else {
			on |= bit;
		}
	}
	*fl = (fl0 | on) & ~off;
	if (!(*fl & LT_RXF_X))
		*fl &= ~LT_RXF_XX;
	return 0;
}

/* At '(': the group, an option setting, or a comment (0: nothing). */
static enum lt_rx_kind
group(struct lt_rxlex *lx, struct lt_rx_token *t, int *nothing)
{
	unsigned fl = lx->flags;
	int c;

	lx->i++;
	t->kind = LT_RX_GROUP;
	t->group = (fl & LT_RXF_N) ? LT_RXG_PLAIN : LT_RXG_CAPTURE;
	if (at(lx, 0) == '*')
		return unsup(lx, t, LT_RXU_VERB, "a (*VERB) or (*alpha: "
		    "assertion");
	if (at(lx, 0) != '?')
		goto open;
	lx->i++;
	c = at(lx, 0);
	switch (c) {
	case -1:
		return error(lx, t, "( at the end of the pattern");
	case '#':
		while (lx->i < lx->n && lx->p[lx->i] != ')')
			lx->i++;
		if (lx->i >= lx->n)
			return error(lx, t, "missing ) after a comment");
		lx->i++;
		*nothing = 1;
		return LT_RX_END;
	case ':': lx->i++; t->group = LT_RXG_PLAIN; goto open;
	case '>': lx->i++; t->group = LT_RXG_ATOMIC; goto open;
	case '|': lx->i++; t->group = LT_RXG_RESET; goto open;
	case '=': lx->i++; t->group = LT_RXG_AHEAD; goto open;
	case '!': lx->i++; t->group = LT_RXG_NAHEAD; goto open;
	case '<':
		if (at(lx, 1) == '=' || at(lx, 1) == '!') {
			t->group = at(lx, 1) == '=' ? LT_RXG_BEHIND :
			    LT_RXG_NBEHIND;
			lx->i += 2;
			goto open;
		}
		lx->i++;
		if (name(lx, t, '>') != 0)
			return unsup(lx, t, LT_RXU_OTHER, "a group name the "
			    "lexer does not follow");
		t->group = LT_RXG_NAMED;
		goto open;
	case '\'':
		lx->i++;
		if (name(lx, t, '\'') != 0)
			return unsup(lx, t, LT_RXU_OTHER, "a group name the "
			    "lexer does not follow");
		t->group = LT_RXG_NAMED;
		goto open;
	case 'P':
		if (at(lx, 1) == '<') {
			lx->i += 2;
			if (name(lx, t, '>') != 0)
				return unsup(lx, t, LT_RXU_OTHER, "a group name "
				    "the lexer does not follow");
			t->group = LT_RXG_NAMED;
			goto open;
		}
		if (at(lx, 1) == '=') {
			lx->i += 2;
			if (name(lx, t, ')') != 0)
				return unsup(lx, t, LT_RXU_OTHER, "a group name "
				    "the lexer does not follow");
			t->kind = LT_RX_BACKREF;
			return LT_RX_BACKREF;
		}
		return unsup(lx, t, LT_RXU_CALL, "a subroutine call");
	case '(':
		return unsup(lx, t, LT_RXU_COND, "a conditional group");
	case 'C':
		return unsup(lx, t, LT_RXU_CALLOUT, "a callout");
	case 'R': case '&': case '+':
		return unsup(lx, t, LT_RXU_CALL, "recursion or a subroutine "
		    "call");
	default:
		if (is_digit(c) || (c == '-' && is_digit(at(lx, 1))))
			return unsup(lx, t, LT_RXU_CALL, "recursion or a "
			    "subroutine call");
		break;
	}
	if (options(lx, t, &fl) != 0)
		return t->kind;
	if (at(lx, 0) == ')') {	/* (?i): the rest of this group */
		lx->i++;
		lx->flags = fl;
		t->kind = LT_RX_OPTS;
		t->flags = fl;
		return LT_RX_OPTS;
	}
	lx->i++;		/* (?i:...) */
	t->group = LT_RXG_PLAIN;
open:
	if (lx->depth >= LT_RX_DEPTH_MAX)
		return unsup(lx, t, LT_RXU_DEPTH, "groups nested too deeply");
	lx->saved[lx->depth++] = lx->flags;
	lx->flags = fl;
	t->flags = fl;
	return LT_RX_GROUP;
}

/* At '\\' outside a class. */
static enum lt_rx_kind
escape(struct lt_rxlex *lx, struct lt_rx_token *t, int *nothing)
{
	int c, d;
	size_t k;

	lx->i++;
	if (lx->i >= lx->n)
		return error(lx, t, "\\ at the end of the pattern");
	c = lx->p[lx->i];
	switch (c) {
	case 'Q':
		lx->i++;
		lx->quote = 1;
		*nothing = 1;
		return LT_RX_END;
	case 'E':
		lx->i++;
		*nothing = 1;
		return LT_RX_END;
	case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G':
	case 'K':
		lx->i++;
		t->kind = LT_RX_ASSERT;
		t->cp = (uint32_t)c;
		return LT_RX_ASSERT;
	case 'C':
		return unsup(lx, t, LT_RXU_ESCAPE, "\\C");
	case 'g':
		lx->i++;
		d = at(lx, 0);
		if (d == '<' || d == '\'')
			return unsup(lx, t, LT_RXU_CALL, "a subroutine call");
		t->kind = LT_RX_BACKREF;
		if (d == '{') {
			lx->i++;
			t->arg_off = lx->i;
			for (k = 0; at(lx, k) >= 0 && at(lx, k) != '}'; k++)
				;
			if (at(lx, k) != '}' || k == 0)
				return error(lx, t, "malformed \\g{...}");
			t->arg_len = k;
			lx->i += k + 1;
			return LT_RX_BACKREF;
		}
		t->arg_off = lx->i;
		if (d == '-' || d == '+')
			lx->i++;
		for (k = 0; is_digit(at(lx, 0)); k++)
			lx->i++;
		if (k == 0)
			return error(lx, t, "malformed \\g");
		t->arg_len = lx->i - t->arg_off;
		return LT_RX_BACKREF;
	case 'k':
		lx->i++;
		d = at(lx, 0);
		if (d != '<' && d != '\'' && d != '{')
			return error(lx, t, "malformed \\k");
		lx->i++;
		if (name(lx, t, d == '<' ? '>' : d == '{' ? '}' : '\'') != 0)
			return unsup(lx, t, LT_RXU_OTHER, "a group name the "
			    "lexer does not follow");
		t->kind = LT_RX_BACKREF;
		return LT_RX_BACKREF;
	default:
		break;
	}
	if (c >= '1' && c <= '9') {
		if (is_digit(at(lx, 1)))
			return unsup(lx, t, LT_RXU_ESCAPE, "a numeric escape "
			    "that is a character or a backreference");
		lx->i++;
		t->kind = LT_RX_BACKREF;
		t->arg_off = lx->i - 1;
		t->arg_len = 1;
		return LT_RX_BACKREF;
	}
	if (type_escape(lx, t) != 0)
		return t->kind;
	switch (char_escape(lx, t)) {
	case 1: return LT_RX_LIT;
	case -1: return t->kind;
	default: break;
	}
	if (c < 0x80 && (is_alpha(c) || is_digit(c)))
		return unsup(lx, t, LT_RXU_ESCAPE, "an escape the lexer does "
		    "not follow");
	if (utf8(lx, &t->cp) != 0)
		return error(lx, t, "invalid UTF-8");
	t->kind = LT_RX_LIT;
	t->esc = '\\';
	return LT_RX_LIT;
}

/* Bytes that are a literal character by themselves outside a class. */
static const unsigned char plain[256] = {
	['\t'] = 1, [' '] = 1, ['!'] = 1, ['"'] = 1, ['#'] = 1, ['%'] = 1,
	['&'] = 1, ['\''] = 1, [','] = 1, ['-'] = 1, ['/'] = 1, ['0'] = 1,
	['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1,
	['='] = 1, ['>'] = 1, ['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
	['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
	['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
	['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, [']'] = 1,
	['_'] = 1, ['`'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
	['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
	['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['}'] = 1, ['~'] = 1,
};

/* The next token, not looking at lx->ahead. */
static enum lt_rx_kind
lex(struct lt_rxlex *lx, struct lt_rx_token *t)
{
	static const struct lt_rx_token zero;
	int c, nothing;
	size_t guard;

	if (lx->done) {
		*t = lx->last;
		return t->kind;
	}
	/* the common case first: a plain ASCII character outside [] */
	if (lx->i < lx->n && !lx->in_class && !lx->quote &&
	    !(lx->flags & LT_RXF_X) && plain[lx->p[lx->i]]) {
		*t = zero;
		t->kind = LT_RX_LIT;
		t->off = lx->i;
		t->len = 1;
		t->flags = lx->flags;
		t->cp = lx->p[lx->i++];
		return LT_RX_LIT;
	}
	for (guard = 0; guard <= lx->n; guard++) {
		*t = zero;	/* (a memset of this size is slower) */
		if (lx->in_class) {
			t->off = lx->i;
			t->flags = lx->flags;
			return class_member(lx, t);
		}
		if ((lx->flags & LT_RXF_X) && !lx->quote)
			skip_extended(lx);
		t->off = lx->i;
		t->flags = lx->flags;
		if (lx->i >= lx->n) {
			if (lx->depth > 0)
				return error(lx, t, "missing )");
			return finish(lx, t, LT_RX_END, LT_RXU_OTHER, NULL);
		}
		c = lx->p[lx->i];
		nothing = 0;
		if (lx->quote) {
			if (c == '\\' && at(lx, 1) == 'E') {
				lx->quote = 0;
				lx->i += 2;
				continue;
			}
			if (utf8(lx, &t->cp) != 0)
				return error(lx, t, "invalid UTF-8");
			t->kind = LT_RX_LIT;
			t->esc = 'Q';
		} else {
			switch (c) {
			case '\\':
				(void)escape(lx, t, &nothing);
				break;
			case '(':
				(void)group(lx, t, &nothing);
				break;
			case ')':
				if (lx->depth == 0)
					return error(lx, t, "unmatched )");
				lx->i++;
				lx->flags = lx->saved[--lx->depth];
				t->kind = LT_RX_CLOSE;
				t->flags = lx->flags;
				break;
			case '[':
				if (lx->n - lx->i >= 7 && (memcmp(lx->p + lx->i,
				    "[[:<:]]", 7) == 0 || memcmp(lx->p + lx->i,
				    "[[:>:]]", 7) == 0))
					return unsup(lx, t, LT_RXU_CLASS,
					    "[[:<:]] or [[:>:]]");
				lx->i++;
				t->kind = LT_RX_CLASS;
				if (at(lx, 0) == '^') {
					t->negated = 1;
					lx->i++;
				}
				lx->in_class = 1;
				break;
			case '|':
				lx->i++;
				t->kind = LT_RX_ALT;
				break;
			case '.':
				lx->i++;
				t->kind = LT_RX_ANY;
				break;
			case '^': case '$':
				lx->i++;
				t->kind = LT_RX_ASSERT;
				t->cp = (uint32_t)c;
				break;
			case '*': case '+': case '?':
				lx->i++;
				t->min = c == '+';
				t->max = c == '?' ? 1 : LT_RX_INF;
				(void)quant_end(lx, t);
				break;
			case '{':
				switch (brace(lx, t)) {
				case 1:
					(void)quant_end(lx, t);
					break;
				case 0:
					lx->i++;
					t->kind = LT_RX_LIT;
					t->cp = '{';
					break;
				default:
					break;
				}
				break;
			default:
				if (utf8(lx, &t->cp) != 0)
					return error(lx, t, "invalid UTF-8");
				t->kind = LT_RX_LIT;
				break;
			}
		}
		if (lx->done)
			return t->kind;
		if (nothing)
			continue;
		t->len = lx->i - t->off;
		return t->kind;
	}
	return error(lx, t, "lexer made no progress");	/* cannot happen */
}

enum lt_rx_kind
lt_rxlex_next(struct lt_rxlex *lx, struct lt_rx_token *t)
{
	if (lx->has_ahead) {
		*t = lx->ahead;
		lx->has_ahead = 0;
		return t->kind;
	}
	return lex(lx, t);
}

const struct lt_rx_token *
lt_rxlex_peek(struct lt_rxlex *lx)
{
	if (!lx->has_ahead) {
		(void)lex(lx, &lx->ahead);
		lx->has_ahead = 1;
	}
	return &lx->ahead;
}

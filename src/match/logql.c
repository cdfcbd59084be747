/*
 * logql.c - rule pushdown: PCRE2 patterns to one LogQL line filter.
 *
 * Loki filters lines with Go's regexp package, whose syntax is RE2's.
 * PCRE2 is the larger language, so a translation cannot be exact; what
 * pushdown needs is weaker and safer: the filter may let through lines
 * no rule wants (PCRE2 still decides), but it must never hold back a
 * line some rule would match.  So the translator writes, for each
 * pattern, a Go regexp whose language is a superset of the pattern's,
 * and refuses (no filter at all) when it cannot be sure of that.
 *
 * It is one pass over the pattern with a stack of open groups, writing
 * as it reads.  The rules it follows, one construct at a time:
 *
 * - Whatever only narrows a match may be dropped, since dropping it can
 *   only widen the language in a context that is not negated: the
 *   assertions \b \B \G \z \Z $ \K, ^ under (?m) (PCRE2's newline
 *   convention may differ from Go's), and whole look-around groups
 *   (their contents are skipped unread: a negative look-around negates,
 *   so nothing inside it may be touched).  A quantifier on something
 *   dropped goes with it.  Atomic groups become plain groups and
 *   possessive quantifiers greedy ones (both only remove ways to match).
 *   Capturing and named groups become (?:...): a filter needs no
 *   captures, and the same name in two rules would be an error in Go.
 * - What means the same in both is written in the common syntax, so that
 *   a test can run the output through Python's re as a stand-in: \d \w
 *   \D \W (ASCII in both, as PCRE2 runs without UCP), classes, . (and
 *   the s flag), alternation, greedy and lazy quantifiers.  \s is
 *   spelled out, because PCRE2's includes the vertical tab and Go's does
 *   not; \S is kept (Go's is the larger).  POSIX classes are spelled out
 *   as ASCII ranges.  Literals are written raw, escaped with a backslash
 *   when punctuation, or as \xHH when control characters.
 * - Inline flags: i and s are carried over as scoped groups (?i:...),
 *   closed where PCRE2's scope ends (the end of the group) and reopened
 *   after each | of that group (PCRE2 carries a setting into the later
 *   alternatives); m only changes ^ and $, which are handled as above; U
 *   only changes which match is found, not whether there is one.  Any
 *   other flag (x, n, J, ^) is refused.
 * - Refused: backreferences, subroutine calls and recursion,
 *   conditionals, callouts, verbs such as (*UCP), \p \P \X \R \h \H \v
 *   \V \N \C, repetition counts past Go's 1000 (also as a nested
 *   product, as Go counts them), and any non-ASCII character where
 *   (?i) is in force: Go and PCRE2 fold non-ASCII case from different
 *   Unicode tables and rules, and "if in doubt, refuse" is the contract.
 *
 * The rules' filter is the alternation of every match pattern, plus
 * \x1b: the scanner matches a line after removing ANSI escapes, which
 * could join text that a raw-line filter sees apart, so any line holding
 * an ESC byte passes.  Lines are also matched cut at --max-line; every
 * end-of-text assertion being dropped, a match in a prefix of a line is a
 * match of the whole line too.  unless patterns are not pushed: they only
 * take matches away.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "logtriage/logql.h"
#include "match/ruleset.h"
#include "util/util.h"

#define F_I 0x1u	/* case-insensitive */
#define F_S 0x2u	/* . matches newline */
#define F_M 0x4u	/* multi-line: ^ after each newline */
#define F_EMIT (F_I | F_S)	/* flags written into the output */

struct frame {
	unsigned open;		/* flags in force in the output at its ( */
	unsigned cur;		/* flags in force now */
	int span;		/* a (?flags: of ours is open in this group */
	unsigned prod;		/* largest nested repetition product inside */
};

struct tr {
	const unsigned char *p;
	size_t n;
	size_t i;
	struct lt_buf *out;
	struct lt_error *why;
	enum lt_status st;
	struct frame f[LT_LOGQL_NEST_MAX + 1];
	size_t depth;
	int have_atom;		/* something a quantifier can apply to */
	int quantified;		/* ... and it has one already */
	int skip_quant;		/* a dropped item: drop its quantifier */
	unsigned last_prod;	/* repetition product inside the last atom */
};

static void
refuse(struct tr *t, const char *fmt, ...) LT_PRINTF(2, 3);

static void
refuse(struct tr *t, const char *fmt, ...)
{
	char msg[LT_MESSAGE_MAX / 2];
	va_list ap;

	if (t->st != LT_OK)
		return;
	t->st = LT_ERR_REGEX;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lt_error_set(t->why, LT_ERR_REGEX, LT_LEVEL_NOTE, "", 0, 0,
	    "%s (at offset %zu)", msg, t->i);
}

static void
put(struct tr *t, const char *s, size_t n)
{
	if (t->st == LT_OK)
		t->st = lt_buf_add(t->out, s, n);
}

static void
puts_(struct tr *t, const char *s)
{
	put(t, s, strlen(s));
}

static int
peek(const struct tr *t, size_t k)
{
	return t->i + k < t->n ? t->p[t->i + k] : -1;
}

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The UTF-8 code point at t->i; advances.  -1 (refused) when invalid. */
static long
next_cp(struct tr *t)
{
	const unsigned char *p = t->p + t->i;
	size_t left = t->n - t->i, len, k;
	long cp;

	if (p[0] < 0x80) {
		t->i++;
		return p[0];
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		len = 0;
		cp = 0;
	}
	for (k = 1; k < len && k < left && (p[k] & 0xc0) == 0x80; k++)
		cp = (cp << 6) | (p[k] & 0x3f);
	if (len == 0 || k < len || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff)) {
		refuse(t, "invalid UTF-8");
		return -1;
	}
	t->i += len;
	return cp;
}

static void
put_utf8(struct tr *t, long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	put(t, b, n);
}

/* One literal character, in a class or not. */
static void
put_lit(struct tr *t, long cp, int in_class)
{
	char b[8];

	if (cp >= 0x80 && (t->f[t->depth].cur & F_I)) {
		refuse(t, "non-ASCII character under (?i): case folding "
		    "differs between PCRE2 and Go");
		return;
	}
	if (cp < 0x20 || cp == 0x7f) {
		snprintf(b, sizeof b, "\\x%02x", (unsigned)cp);
		puts_(t, b);
	} else if (cp >= 0x80 || is_alnum((int)cp) || cp == '_' ||
	    (!in_class && strchr("\\.+*?()|[]{}^$", (int)cp) == NULL)) {
		put_utf8(t, cp);
	} else {
		b[0] = '\\';
		b[1] = (char)cp;
		put(t, b, 2);
	}
}

static int
p_next(struct tr *t)
{
	return t->p[t->i++];
}

/* An atom was written: a quantifier may follow. */
static void
atom(struct tr *t)
{
	t->have_atom = 1;
	t->quantified = 0;
	t->skip_quant = 0;
	t->last_prod = 1;
}

/* Something was dropped: so is a quantifier after it. */
static void
dropped(struct tr *t)
{
	t->have_atom = 0;
	t->quantified = 0;
	t->skip_quant = 1;
}

/*
 * An escape that stands for one character: \x.. \o{..} \0.. \cX \a \e
 * \f \n \r \t, octal \1-\7 in a class, \ before a non-alphanumeric.  t->i
 * is after the backslash.  Returns the code point, or -2 when the escape
 * is something else (t->i unchanged), or -1 (refused).
 */
static long
char_escape(struct tr *t, int in_class)
{
	int c = peek(t, 0), d;
	long v = 0;
	size_t k;

	switch (c) {
	case 'a': t->i++; return 0x07;
	case 'e': t->i++; return 0x1b;
	case 'f': t->i++; return 0x0c;
	case 'n': t->i++; return 0x0a;
	case 'r': t->i++; return 0x0d;
	case 't': t->i++; return 0x09;
	case 'b':
		if (!in_class)
			return -2;
		t->i++;
		return 0x08;
	case 'c':
		d = peek(t, 1);
		if (d < 0x20 || d > 0x7e) {
			refuse(t, "bad \\c escape");
			return -1;
		}
		t->i += 2;
		if (d >= 'a' && d <= 'z')
			d -= 32;
		return d ^ 0x40;
	case 'x':
		t->i++;
		if (peek(t, 0) == '{') {
			for (k = 1; hexval(peek(t, k)) >= 0 && k <= 8; k++)
				v = v * 16 + hexval(peek(t, k));
			if (k == 1 || peek(t, k) != '}' || v > 0x10ffff ||
			    (v >= 0xd800 && v <= 0xdfff)) {
				refuse(t, "bad \\x{...} escape");
				return -1;
			}
			t->i += k + 1;
			return v;
		}
		for (k = 0; k < 2 && hexval(peek(t, 0)) >= 0; k++)
			v = v * 16 + hexval(p_next(t));
		return v;
	case 'o':
		if (peek(t, 1) != '{') {
			refuse(t, "bad \\o escape");
			return -1;
		}
		for (k = 2; peek(t, k) >= '0' && peek(t, k) <= '7' && k < 10;
		    k++)
			v = v * 8 + (peek(t, k) - '0');
		if (k == 2 || peek(t, k) != '}' || v > 0x10ffff ||
		    (v >= 0xd800 && v <= 0xdfff)) {
			refuse(t, "bad \\o{...} escape");
			return -1;
		}
		t->i += k + 1;
		return v;
	default:
		break;
	}
	if (c == '0' || (in_class && c >= '1' && c <= '7')) {
		for (k = 0; k < 3 && peek(t, 0) >= '0' && peek(t, 0) <= '7';
		    k++)
			v = v * 8 + (p_next(t) - '0');
		return v;
	}
	if (c >= 0 && c < 0x80 && !is_alnum(c)) {
		t->i++;
		return c;
	}
	if (c >= 0x80)
		return next_cp(t);	/* an escaped non-ASCII is itself */
	return -2;
}

/* ---- character classes ---- */

static const struct {
	const char *name;
	const char *set;	/* ASCII, as PCRE2 has them without UCP */
} posix[] = {
	{ "alnum", "0-9A-Za-z" },
	{ "alpha", "A-Za-z" },
	{ "ascii", "\\x00-\\x7f" },
	{ "blank", "\\x09\\x20" },
	{ "cntrl", "\\x00-\\x1f\\x7f" },
	{ "digit", "0-9" },
	{ "graph", "\\x21-\\x7e" },
	{ "lower", "a-z" },
	{ "print", "\\x20-\\x7e" },
	{ "punct", "\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e" },
	{ "space", "\\x09-\\x0d\\x20" },
	{ "upper", "A-Z" },
	{ "word", "0-9A-Za-z_" },
	{ "xdigit", "0-9A-Fa-f" },
};

/* Length of "[:name:]" or "[:^name:]" at t->i, or 0. */
static size_t
posix_len(const struct tr *t)
{
	size_t k = 2;

	if (peek(t, 0) != '[' || peek(t, 1) != ':')
		return 0;
	if (peek(t, k) == '^')
		k++;
	while (peek(t, k) >= 'a' && peek(t, k) <= 'z')
		k++;
	return peek(t, k) == ':' && peek(t, k + 1) == ']' ? k + 2 : 0;
}

#define C_END (-4)	/* the closing ] */
#define C_NONE (-3)	/* \Q or \E: nothing */
#define C_SET (-2)	/* a set, written already */

/* One item of a class: a character (>= 0), or C_END, C_NONE, C_SET, -1. */
static long
class_item(struct tr *t, int *in_q, int first)
{
	size_t k, len;
	long cp;
	int c;

	if (*in_q) {
		if (peek(t, 0) == '\\' && peek(t, 1) == 'E') {
			*in_q = 0;
			t->i += 2;
			return C_NONE;
		}
		return next_cp(t);
	}
	c = peek(t, 0);
	if (c == ']' && !first) {
		t->i++;
		return C_END;
	}
	if ((len = posix_len(t)) > 0) {
		if (peek(t, 2) == '^') {
			refuse(t, "negated POSIX class");
			return -1;
		}
		for (k = 0; k < LT_ARRAY_LEN(posix); k++)
			if (strlen(posix[k].name) == len - 4 && memcmp(
			    posix[k].name, t->p + t->i + 2, len - 4) == 0)
				break;
		if (k == LT_ARRAY_LEN(posix)) {
			refuse(t, "unknown POSIX class");
			return -1;
		}
		puts_(t, posix[k].set);
		t->i += len;
		return C_SET;
	}
	if (c != '\\')
		return next_cp(t);
	t->i++;
	c = peek(t, 0);
	switch (c) {
	case 'Q':
		*in_q = 1;
		t->i++;
		return C_NONE;
	case 'E':
		t->i++;
		return C_NONE;
	case 'd': case 'w': case 'D': case 'W': case 'S':
		put(t, "\\", 1);
		put(t, (const char *)t->p + t->i, 1);
		t->i++;
		return C_SET;
	case 's':
		puts_(t, "\\x09-\\x0d\\x20");
		t->i++;
		return C_SET;
	default:
		break;
	}
	if ((cp = char_escape(t, 1)) == -2)
		refuse(t, "\\%c in a class has no Go equivalent", c);
	return cp < 0 ? -1 : cp;
}

static void
class_(struct tr *t)
{
	int in_q = 0, first = 1;
	long a, b;

	t->i++;
	if (peek(t, 0) == '^') {
		t->i++;
		puts_(t, "[^");
	} else {
		puts_(t, "[");
	}
	while (t->st == LT_OK) {
		if (t->i >= t->n) {
			refuse(t, "missing ]");
			return;
		}
		a = class_item(t, &in_q, first);
		first = 0;
		if (a == C_END) {
			puts_(t, "]");
			return;
		}
		if (a < 0)
			continue;	/* a set, nothing, or refused */
		if (!in_q && peek(t, 0) == '-' && peek(t, 1) != ']' &&
		    peek(t, 1) >= 0) {
			t->i++;
			b = class_item(t, &in_q, 0);
			if (t->st != LT_OK)
				return;
			if (b < a) {
				refuse(t, "range with a class or out of order");
				return;
			}
			put_lit(t, a, 1);
			puts_(t, "-");
			put_lit(t, b, 1);
		} else {
			put_lit(t, a, 1);
		}
	}
}

/* ---- groups ---- */

/* Open a span that changes the flags in force from "from" to "to". */
static void
put_flags(struct tr *t, unsigned from, unsigned to)
{
	unsigned on = to & ~from & F_EMIT, off = from & ~to & F_EMIT;

	puts_(t, "(?");
	if (on & F_I)
		puts_(t, "i");
	if (on & F_S)
		puts_(t, "s");
	if (off)
		puts_(t, "-");
	if (off & F_I)
		puts_(t, "i");
	if (off & F_S)
		puts_(t, "s");
	puts_(t, ":");
}

static void
push(struct tr *t, unsigned fl)
{
	struct frame *up = &t->f[t->depth], *f;

	if (t->depth >= LT_LOGQL_NEST_MAX) {
		refuse(t, "groups nested too deep");
		return;
	}
	if ((fl & F_EMIT) != (up->cur & F_EMIT))
		put_flags(t, up->cur, fl);
	else
		puts_(t, "(?:");
	f = &t->f[++t->depth];
	f->open = fl;
	f->cur = fl;
	f->span = 0;
	f->prod = 1;
	t->have_atom = 0;
	t->quantified = 0;
	t->skip_quant = 0;
}

/* (?flags) inside a group: the rest of the group is a span of ours. */
static void
set_flags(struct tr *t, unsigned fl)
{
	struct frame *f = &t->f[t->depth];

	f->cur = fl;
	if (f->span)
		puts_(t, ")");
	f->span = (fl & F_EMIT) != (f->open & F_EMIT);
	if (f->span)
		put_flags(t, f->open, fl);
	t->have_atom = 0;
	t->quantified = 0;
	t->skip_quant = 0;
}

/* After a backslash: skip the escaped character, or a \Q...\E run. */
static void
skip_escape(struct tr *t)
{
	if (peek(t, 0) != 'Q') {
		t->i++;
		return;
	}
	while (t->i < t->n && !(peek(t, 0) == '\\' && peek(t, 1) == 'E'))
		t->i++;
	t->i += 2;
}

/* Skip "[...]" from after its [ (a dropped group's contents). */
static void
skip_class(struct tr *t)
{
	size_t len;
	int c;

	if (peek(t, 0) == '^')
		t->i++;
	if (peek(t, 0) == ']')
		t->i++;
	while (t->i < t->n) {
		if ((len = posix_len(t)) > 0) {
			t->i += len;
			continue;
		}
		c = p_next(t);
		if (c == '\\') {
			skip_escape(t);
		} else if (c == ']') {
			return;
		}
	}
}

/* Skip to the ) that closes a group whose ( was read. */
static void
skip_group(struct tr *t)
{
	size_t depth = 1;
	int c;

	while (t->i < t->n) {
		c = p_next(t);
		if (c == '\\') {
			skip_escape(t);
		} else if (c == '[') {
			skip_class(t);
		} else if (c == '(' && peek(t, 0) == '?' && peek(t, 1) == '#') {
			while (t->i < t->n && t->p[t->i] != ')')
				t->i++;
			t->i++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			return;
		}
	}
	refuse(t, "missing )");
}

/* A group name up to its end character; 0 when there is none. */
static int
skip_name(struct tr *t, int end)
{
	size_t k = 0;
	int c;

	while ((c = peek(t, k)) == '_' || is_alnum(c))
		k++;
	if (k == 0 || c != end)
		return 0;
	t->i += k + 1;
	return 1;
}

static void
flags(struct tr *t)
{
	unsigned on = 0, off = 0, bit, fl;
	int neg = 0, c;
	size_t k;

	for (k = 1;; k++) {
		c = peek(t, k);
		if (c == ')' || c == ':' || c < 0)
			break;
		if (c == '-' && !neg) {
			neg = 1;
			continue;
		}
		switch (c) {
		case 'i': bit = F_I; break;
		case 's': bit = F_S; break;
		case 'm': bit = F_M; break;
		case 'U': bit = 0; break;	/* greediness: same language */
		default:
			t->i += k;
			refuse(t, "group or flag \"(?%c\" has no Go equivalent",
			    c);
			return;
		}
		if (neg)
			off |= bit;
		else
			on |= bit;
	}
	if (c < 0) {
		refuse(t, "missing )");
		return;
	}
	t->i += k + 1;
	fl = (t->f[t->depth].cur | on) & ~off;
	if (c == ':')
		push(t, fl);
	else
		set_flags(t, fl);
}

/* At "(". */
static void
group_open(struct tr *t)
{
	unsigned fl = t->f[t->depth].cur;
	int c;

	t->i++;
	if (peek(t, 0) == '*') {
		refuse(t, "(*...) verbs and assertions have no Go equivalent");
		return;
	}
	if (peek(t, 0) != '?') {
		push(t, fl);	/* capturing: a plain group will do */
		return;
	}
	c = peek(t, 1);
	switch (c) {
	case '#':
		while (t->i < t->n && t->p[t->i] != ')')
			t->i++;
		if (t->i >= t->n)
			refuse(t, "missing )");
		t->i++;
		return;
	case ':': case '|': case '>':	/* atomic: plain is a superset */
		t->i += 2;
		push(t, fl);
		return;
	case '=': case '!': case '*':
		t->i += 2;
		skip_group(t);
		dropped(t);
		return;
	case '<':
		c = peek(t, 2);
		if (c == '=' || c == '!' || c == '*') {
			t->i += 3;
			skip_group(t);
			dropped(t);
			return;
		}
		t->i += 2;
		if (skip_name(t, '>'))
			push(t, fl);
		else
			refuse(t, "bad group name");
		return;
	case '\'':
		t->i += 2;
		if (skip_name(t, '\''))
			push(t, fl);
		else
			refuse(t, "bad group name");
		return;
	case 'P':
		if (peek(t, 2) == '<') {
			t->i += 3;
			if (skip_name(t, '>'))
				push(t, fl);
			else
				refuse(t, "bad group name");
			return;
		}
		refuse(t, "backreference or subroutine call (?P=, (?P>");
		return;
	case '(':
		refuse(t, "conditional group");
		return;
	case 'R': case '&': case '+': case '0': case '1': case '2': case '3':
	case '4': case '5': case '6': case '7': case '8': case '9':
		refuse(t, "recursion or subroutine call");
		return;
	case 'C':
		refuse(t, "callout");
		return;
	default:
		if (c == '-' && peek(t, 2) >= '0' && peek(t, 2) <= '9') {
			refuse(t, "subroutine call");
			return;
		}
		flags(t);
		return;
	}
}

static void
group_close(struct tr *t)
{
	struct frame *f, *up;

	if (t->depth == 0) {
		refuse(t, "unmatched )");
		return;
	}
	t->i++;
	f = &t->f[t->depth];
	if (f->span)
		puts_(t, ")");
	puts_(t, ")");
	up = &t->f[--t->depth];
	if (f->prod > up->prod)
		up->prod = f->prod;
	t->have_atom = 1;
	t->quantified = 0;
	t->skip_quant = 0;
	t->last_prod = f->prod;
}

static void
alt(struct tr *t)
{
	struct frame *f = &t->f[t->depth];

	t->i++;
	if (f->span)
		puts_(t, ")");
	puts_(t, "|");
	f->span = (f->cur & F_EMIT) != (f->open & F_EMIT);
	if (f->span)
		put_flags(t, f->open, f->cur);
	t->have_atom = 0;
	t->quantified = 0;
	t->skip_quant = 0;
}

/* ---- quantifiers ---- */

/* At "{": the length of {n}, {n,} or {n,m} there (0: a literal {). */
static size_t
brace(const struct tr *t, long *min, long *max)
{
	size_t k = 1, d;
	long a = 0, b = 0;

	for (d = 0; peek(t, k) >= '0' && peek(t, k) <= '9'; k++, d++)
		if (a < 1000000)
			a = a * 10 + (peek(t, k) - '0');
	if (d == 0)
		return 0;
	*min = *max = a;
	if (peek(t, k) == '}')
		return k + 1;
	if (peek(t, k++) != ',')
		return 0;
	*max = -1;
	if (peek(t, k) == '}')
		return k + 1;
	for (d = 0; peek(t, k) >= '0' && peek(t, k) <= '9'; k++, d++)
		if (b < 1000000)
			b = b * 10 + (peek(t, k) - '0');
	if (d == 0 || peek(t, k) != '}')
		return 0;
	*max = b;
	return k + 1;
}

static void
quant(struct tr *t, size_t len, long min, long max)
{
	struct frame *f = &t->f[t->depth];
	unsigned long c, prod;
	char b[48];

	if (t->skip_quant) {
		t->i += len;
		if (peek(t, 0) == '?' || peek(t, 0) == '+')
			t->i++;
		return;
	}
	if (!t->have_atom || t->quantified) {
		refuse(t, "quantifier without an item or after another");
		return;
	}
	if (t->p[t->i] == '{') {
		if (min > (long)LT_LOGQL_REPEAT_MAX ||
		    max > (long)LT_LOGQL_REPEAT_MAX ||
		    (max >= 0 && max < min)) {
			refuse(t, "repetition count over Go's limit of %u",
			    LT_LOGQL_REPEAT_MAX);
			return;
		}
		c = (unsigned long)(max >= 0 ? max : min);
		if (c >= 2) {
			prod = (unsigned long)t->last_prod * c;
			if (prod > LT_LOGQL_REPEAT_MAX) {
				refuse(t, "nested repetition over Go's limit "
				    "of %u", LT_LOGQL_REPEAT_MAX);
				return;
			}
			t->last_prod = (unsigned)prod;
		}
		if (max == min)
			snprintf(b, sizeof b, "{%ld}", min);
		else if (max < 0)
			snprintf(b, sizeof b, "{%ld,}", min);
		else
			snprintf(b, sizeof b, "{%ld,%ld}", min, max);
		puts_(t, b);
	} else {
		put(t, (const char *)t->p + t->i, 1);
	}
	t->i += len;
	if (peek(t, 0) == '?') {
		puts_(t, "?");
		t->i++;
	} else if (peek(t, 0) == '+') {
		t->i++;		/* possessive: greedy is a superset */
	}
	t->quantified = 1;
	if (t->last_prod > f->prod)
		f->prod = t->last_prod;
}

/* ---- escapes outside classes ---- */

static void
escape(struct tr *t, int *in_q)
{
	int c;
	long cp;

	t->i++;
	c = peek(t, 0);
	switch (c) {
	case -1:
		refuse(t, "\\ at the end");
		return;
	case 'd': case 'w': case 'D': case 'W': case 'S':
		put(t, "\\", 1);
		put(t, (const char *)t->p + t->i, 1);
		t->i++;
		atom(t);
		return;
	case 's':
		puts_(t, "[\\x09-\\x0d\\x20]");
		t->i++;
		atom(t);
		return;
	case 'b': case 'B': case 'G': case 'z': case 'Z': case 'K':
		t->i++;
		dropped(t);
		return;
	case 'A':
		puts_(t, "\\A");
		t->i++;
		t->have_atom = 0;
		t->skip_quant = 0;
		return;
	case 'Q':
		*in_q = 1;
		t->i++;
		return;
	case 'E':
		t->i++;
		return;
	case 'g': case 'k':
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
	case '8': case '9':
		refuse(t, "backreference");
		return;
	default:
		break;
	}
	if ((cp = char_escape(t, 0)) == -2) {
		refuse(t, "\\%c has no Go equivalent", c);
		return;
	}
	if (cp >= 0) {
		put_lit(t, cp, 0);
		atom(t);
	}
}

enum lt_status
lt_logql_translate(const char *pat, size_t n, struct lt_buf *out,
    struct lt_error *why)
{
	struct tr t;
	long min = 0, max = 0;
	size_t len;
	int in_q = 0;

	memset(&t, 0, sizeof t);
	t.p = (const unsigned char *)pat;
	t.n = n;
	t.out = out;
	t.why = why;
	t.last_prod = 1;
	while (t.i < t.n && t.st == LT_OK) {
		if (in_q) {
			if (peek(&t, 0) == '\\' && peek(&t, 1) == 'E') {
				in_q = 0;
				t.i += 2;
			} else if ((min = next_cp(&t)) >= 0) {
				put_lit(&t, min, 0);
				atom(&t);
			}
			continue;
		}
		switch (t.p[t.i]) {
		case '\\':
			escape(&t, &in_q);
			break;
		case '[':
			class_(&t);
			atom(&t);
			break;
		case '(':
			group_open(&t);
			break;
		case ')':
			group_close(&t);
			break;
		case '|':
			alt(&t);
			break;
		case '*': case '+': case '?':
			quant(&t, 1, 0, 0);
			break;
		case '{':
			if ((len = brace(&t, &min, &max)) > 0) {
				quant(&t, len, min, max);
			} else {
				t.i++;
				put_lit(&t, '{', 0);
				atom(&t);
			}
			break;
		case '.':
			t.i++;
			puts_(&t, ".");
			atom(&t);
			break;
		case '^':
			t.i++;
			if (t.f[t.depth].cur & F_M) {
				dropped(&t);
			} else {
				puts_(&t, "^");
				t.have_atom = 0;
				t.skip_quant = 0;
			}
			break;
		case '$':
			t.i++;
			dropped(&t);
			break;
		default:
			if ((min = next_cp(&t)) >= 0) {
				put_lit(&t, min, 0);
				atom(&t);
			}
			break;
		}
	}
	if (t.st == LT_OK && t.depth > 0)
		refuse(&t, "missing )");
	if (t.st == LT_OK && t.f[0].span)
		puts_(&t, ")");
	return t.st;
}

/* ---- the rules' filter and the query ---- */

enum lt_status
lt_logql_filter(const struct lt_ruleset *rs, struct lt_buf *out,
    struct lt_error *why)
{
	const struct lt_rule_info *r;
	struct lt_error e;
	struct lt_buf f;
	enum lt_status st = LT_OK;
	size_t i, j;

	lt_buf_init(&f, LT_LOGQL_FILTER_MAX);
	if (lt_ruleset_count(rs) == 0) {
		lt_error_set(why, LT_ERR_ARG, LT_LEVEL_NOTE, "", 0, 0,
		    "no rules to push down");
		st = LT_ERR_ARG;
		goto out;
	}
	for (i = 0; i < lt_ruleset_count(rs); i++) {
		r = lt_ruleset_rule(rs, i);
		for (j = 0; j < r->n_match; j++) {
			lt_error_clear(&e);
			if (f.len > 0 && (st = lt_buf_addc(&f, '|')) != LT_OK)
				goto full;
			st = lt_logql_translate(r->match[j],
			    strlen(r->match[j]), &f, &e);
			if (st == LT_ERR_REGEX) {
				lt_error_set(why, st, LT_LEVEL_NOTE, r->origin,
				    r->line, 0, "rule '%.100s': /%.150s/: %s",
				    r->id, r->match[j], e.message);
				goto out;
			}
			if (st != LT_OK)
				goto full;
		}
	}
	if ((st = lt_buf_adds(&f, "|\\x1b")) != LT_OK)
		goto full;
	st = lt_buf_add(out, f.p, f.len);
	goto out;
full:
	if (st == LT_ERR_LIMIT)
		lt_error_set(why, st, LT_LEVEL_NOTE, "", 0, 0, "the rules' "
		    "filter would be longer than %u KiB",
		    LT_LOGQL_FILTER_MAX >> 10);
out:
	lt_buf_free(&f);
	return st;
}

enum lt_status
lt_logql_quote(struct lt_buf *out, const char *s, size_t n)
{
	enum lt_status st = lt_buf_addc(out, '"');
	size_t i;

	for (i = 0; i < n && st == LT_OK; i++) {
		if (s[i] == '\\' || s[i] == '"')
			st = lt_buf_addc(out, '\\');
		if (st == LT_OK)
			st = lt_buf_addc(out, s[i]);
	}
	return st == LT_OK ? lt_buf_addc(out, '"') : st;
}

enum lt_status
lt_logql_query(const char *selector, const struct lt_ruleset *rs,
    struct lt_buf *out, int *pushed, struct lt_error *note)
{
	struct lt_buf q, f;
	enum lt_status st;
	size_t n = strlen(selector), base;

	*pushed = 0;
	lt_buf_init(&q, LT_LOGQL_QUERY_MAX);
	lt_buf_init(&f, LT_LOGQL_FILTER_MAX);
	while (n > 0 && strchr(" \t\r\n", selector[n - 1]) != NULL)
		n--;
	if (n == 0) {
		st = LT_ERR_ARG;
		goto out;
	}
	if ((st = lt_buf_add(&q, selector, n)) != LT_OK)
		goto out;
	base = q.len;
	if (rs != NULL) {
		st = lt_logql_filter(rs, &f, note);
		if (st == LT_OK) {
			if ((st = lt_buf_adds(&q, " |~ ")) == LT_OK)
				st = lt_logql_quote(&q, f.p, f.len);
			if (st == LT_ERR_LIMIT)
				lt_error_set(note, st, LT_LEVEL_NOTE, "", 0, 0,
				    "the query with the rules' filter would be "
				    "longer than %u KiB",
				    LT_LOGQL_QUERY_MAX >> 10);
		}
		if (st == LT_OK) {
			*pushed = 1;
		} else if (st == LT_ERR_NOMEM) {
			goto out;
		} else {
			q.len = base;	/* the selector alone */
			st = LT_OK;
		}
	}
	st = lt_buf_add(out, q.p, q.len);
out:
	lt_buf_free(&q);
	lt_buf_free(&f);
	return st;
}

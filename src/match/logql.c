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
 * It is one pass over the pattern's tokens (the PCRE2 lexer, rxlex.c)
 * with a stack of open groups, writing as it reads.  The rules it
 * follows, one construct at a time:
 *
 * - Whatever only narrows a match may be dropped, since dropping it can
 *   only widen the language in a context that is not negated: the
 *   assertions \b \B \G \z \Z $ \K, ^ under (?m) (PCRE2's newline
 *   convention may differ from Go's), and whole look-around groups
 *   (their contents are read past, never written: a negative
 *   look-around negates, so nothing inside it may be touched; what the
 *   lexer does not follow inside one is refused).  A quantifier on
 *   something dropped goes with it.  Atomic groups become plain groups and
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
 *   \V \N \C, braces that PCRE2 10.43 reads as quantifiers and older
 *   versions as text ({,3}, { 3}), \Q...\E inside a class, whatever
 *   else the lexer does not follow, repetition counts past Go's 1000
 *   (also as a nested product, as Go counts them), and any non-ASCII
 *   character where (?i) is in force: Go and PCRE2 fold non-ASCII case
 *   from different Unicode tables and rules, and "if in doubt, refuse"
 *   is the contract.
 *
 * The rules' filter is not those translations joined, which for the
 * default rules is longer than the 5,120 bytes Loki accepts in a whole
 * query.  It is the literals one of which every match of a pattern
 * holds (atoms.c, shared with the prefilter): a line without any of a
 * pattern's literals cannot match it.  Literals that another implies
 * are dropped and those sharing a long prefix become it; a pattern
 * without literals goes in translated.  When that does not fit the room
 * the query leaves, a coarser superset is tried: every literal cut
 * shorter and shorter (a part of a required literal is required too),
 * as many as fit, in the rules' rank order, one byte longer than the
 * rest; only below 7 bytes caseless as well (which lets two spellings
 * merge), and nothing when even 3 bytes each do not fit.  Case is kept
 * as long as it can be: cut caseless, short literals pass far more
 * lines ("E: " matches every "name: ", and with the default rules at
 * 10 bytes Loki shipped 35% of the benchmark corpus caseless, 30% with
 * case kept, in fewer bytes).
 * The filter starts with \x1b.?: the scanner matches a line after
 * removing ANSI escapes, which could join text that a raw-line filter
 * sees apart, so any line holding an ESC byte passes; and the .? keeps
 * Loki from rewriting the filter into its own substring tests, which
 * lose lines when case is ignored (see write_filter).  Lines are also
 * matched cut at --max-line; every end-of-text assertion being dropped,
 * a match in a prefix of a line is a match of the whole line too.
 * unless patterns are not pushed: they only take matches away; cleared_by
 * patterns are, like match patterns: their lines must come back too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/logql.h"
#include "match/match_int.h"
#include "match/rxlex.h"
#include "match/ruleset.h"
#include "util/utf8.h"
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
	size_t i;		/* where a refusal is said to be */
	struct lt_rxlex lx;
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

/* The pattern's byte at offset k, or -1 past its end. */
static int
byte_at(const struct tr *t, size_t k)
{
	return k < t->n ? t->p[k] : -1;
}

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static void
put_utf8(struct tr *t, uint32_t cp)
{
	char b[4];

	put(t, b, lt_utf8_encode(cp, b));
}

/* One literal character, in a class or not. */
static void
put_lit(struct tr *t, uint32_t cp, int in_class)
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

/* The lexer's inline options as ours. */
static unsigned
flags_of(const struct lt_rx_token *k)
{
	return (k->flags & LT_RXF_I ? F_I : 0) |
	    (k->flags & LT_RXF_S ? F_S : 0) | (k->flags & LT_RXF_M ? F_M : 0);
}

/*
 * The option letters of a (?...) token: 0 when all are i, s, m, U and
 * one -, else refused at the first other one.
 */
static int
option_letters(struct tr *t, const struct lt_rx_token *k)
{
	size_t j;
	int c, neg = 0;

	for (j = k->off + 2; (c = byte_at(t, j)) >= 0 && c != ')' && c != ':';
	    j++) {
		if (c == '-' && !neg) {
			neg = 1;
			continue;
		}
		if (c == 'i' || c == 's' || c == 'm' || c == 'U')
			continue;
		t->i = j;
		refuse(t, "group or flag \"(?%c\" has no Go equivalent", c);
		return -1;
	}
	return 0;
}

/*
 * Refuse what the lexer ended at (LT_RX_UNSUPPORTED or LT_RX_ERROR),
 * in the words the translator uses for it.
 */
static void
refuse_token(struct tr *t, const struct lt_rx_token *k)
{
	int c0 = byte_at(t, k->off), c1 = byte_at(t, k->off + 1);
	int c2 = byte_at(t, k->off + 2);

	t->i = k->off + 1;
	if (k->kind == LT_RX_ERROR) {
		t->i = k->off;
		refuse(t, "%s", k->why);
		return;
	}
	switch (k->unsup) {
	case LT_RXU_VERB:
		refuse(t, "(*...) verbs and assertions have no Go equivalent");
		return;
	case LT_RXU_COND:
		refuse(t, "conditional group");
		return;
	case LT_RXU_CALLOUT:
		refuse(t, "callout");
		return;
	case LT_RXU_CALL:
		if (c0 == '\\')
			refuse(t, "backreference");
		else if (c2 == 'P')
			refuse(t, "backreference or subroutine call (?P=, "
			    "(?P>");
		else if (c2 == '-')
			refuse(t, "subroutine call");
		else
			refuse(t, "recursion or subroutine call");
		return;
	case LT_RXU_OPTION:
		(void)option_letters(t, k);
		refuse(t, "%s", k->why);
		return;
	case LT_RXU_ESCAPE:
		if (c0 != '\\') {
			refuse(t, "%s", k->why);
		} else if (c1 >= '0' && c1 <= '9') {
			refuse(t, "backreference");
		} else if (c1 == 'x') {
			t->i++;
			refuse(t, "bad \\x{...} escape");
		} else if (c1 == 'o') {
			refuse(t, c2 == '{' ? "bad \\o{...} escape" :
			    "bad \\o escape");
		} else {
			refuse(t, k->in_class ? "\\%c in a class has no Go "
			    "equivalent" : "\\%c has no Go equivalent", c1);
		}
		return;
	case LT_RXU_DEPTH:
		refuse(t, "groups nested too deep");
		return;
	case LT_RXU_OTHER:
		if (c0 == '(' && c1 == '?') {
			t->i = k->off + (c2 == 'P' ? 4 : 3);
			refuse(t, "bad group name");
			return;
		}
		if (c0 == '\\' && c1 == 'k') {
			refuse(t, "backreference");
			return;
		}
		break;
	default:
		break;
	}
	t->i = k->off;
	refuse(t, "%s", k->why);
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

/* An escape type (\d, \s, ...), in a class or not. */
static void
type_(struct tr *t, const struct lt_rx_token *k, int in_class)
{
	int c = byte_at(t, k->off + 1);

	t->i = k->off + 1;
	switch (c) {
	case 'd': case 'w': case 'D': case 'W': case 'S':
		put(t, "\\", 1);
		put(t, (const char *)t->p + k->off + 1, 1);
		return;
	case 's':
		puts_(t, in_class ? "\\x09-\\x0d\\x20" : "[\\x09-\\x0d\\x20]");
		return;
	default:
		refuse(t, in_class ? "\\%c in a class has no Go equivalent" :
		    "\\%c has no Go equivalent", c);
		return;
	}
}

/* The members of a class, after its [ token, up to its ]. */
static void
class_(struct tr *t, const struct lt_rx_token *open)
{
	struct lt_rx_token k;
	size_t j, guard;

	puts_(t, open->negated ? "[^" : "[");
	for (guard = 0; guard <= t->n && t->st == LT_OK; guard++) {
		(void)lt_rxlex_next(&t->lx, &k);
		t->i = k.off + k.len;
		switch (k.kind) {
		case LT_RX_CLASS_END:
			puts_(t, "]");
			return;
		case LT_RX_LIT:
			put_lit(t, k.cp, 1);
			break;
		case LT_RX_RANGE:
			put_lit(t, k.cp, 1);
			puts_(t, "-");
			put_lit(t, k.hi, 1);
			break;
		case LT_RX_POSIX:
			t->i = k.off;
			if (k.negated) {
				refuse(t, "negated POSIX class");
				return;
			}
			for (j = 0; j < LT_ARRAY_LEN(posix); j++)
				if (strlen(posix[j].name) == k.arg_len &&
				    memcmp(posix[j].name, t->p + k.arg_off,
				    k.arg_len) == 0)
					break;
			if (j == LT_ARRAY_LEN(posix)) {
				refuse(t, "unknown POSIX class");
				return;
			}
			puts_(t, posix[j].set);
			break;
		case LT_RX_TYPE:
			type_(t, &k, 1);
			break;
		default:
			refuse_token(t, &k);
			return;
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

/* A look-around, after its ( token: read to its ), written nowhere. */
static void
skip_group(struct tr *t)
{
	struct lt_rx_token k;
	size_t depth = 1, guard;

	for (guard = 0; guard <= t->n; guard++) {
		switch (lt_rxlex_next(&t->lx, &k)) {
		case LT_RX_GROUP:
			depth++;
			break;
		case LT_RX_CLOSE:
			if (--depth == 0)
				return;
			break;
		case LT_RX_END:
		case LT_RX_ERROR:
		case LT_RX_UNSUPPORTED:
			refuse_token(t, &k);
			return;
		default:
			break;
		}
	}
}

/* A group's ( token. */
static void
group_open(struct tr *t, const struct lt_rx_token *k)
{
	t->i = k->off + k->len;
	switch (k->group) {
	case LT_RXG_AHEAD: case LT_RXG_NAHEAD:
	case LT_RXG_BEHIND: case LT_RXG_NBEHIND:
		skip_group(t);
		dropped(t);
		return;
	case LT_RXG_PLAIN:
		if (k->len > 3 && option_letters(t, k) != 0)
			return;
		t->i = k->off + k->len;
		break;
	default:	/* capturing, named, atomic, branch reset */
		break;
	}
	push(t, flags_of(k));
}

static void
group_close(struct tr *t)
{
	struct frame *f, *up;

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

static void
quant(struct tr *t, const struct lt_rx_token *k)
{
	struct frame *f = &t->f[t->depth];
	unsigned long c, prod;
	long min = (long)k->min, max = k->max == LT_RX_INF ? -1 :
	    (long)k->max;
	char b[48];

	if (t->skip_quant)
		return;
	if (!t->have_atom || t->quantified) {
		refuse(t, "quantifier without an item or after another");
		return;
	}
	if (t->p[k->off] == '{') {
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
		put(t, (const char *)t->p + k->off, 1);
	}
	if (k->lazy)
		puts_(t, "?");	/* possessive: greedy is a superset */
	t->quantified = 1;
	if (t->last_prod > f->prod)
		f->prod = t->last_prod;
}

/* ---- the translation ---- */

enum lt_status
lt_logql_translate(const char *pat, size_t n, struct lt_buf *out,
    struct lt_error *why)
{
	struct tr t;
	struct lt_rx_token k;
	size_t guard;

	memset(&t, 0, sizeof t);
	t.p = (const unsigned char *)pat;
	t.n = n;
	t.out = out;
	t.why = why;
	t.last_prod = 1;
	lt_rxlex_init(&t.lx, pat, n, 0);
	for (guard = 0; guard <= n && t.st == LT_OK; guard++) {
		(void)lt_rxlex_next(&t.lx, &k);
		t.i = k.off;
		switch (k.kind) {
		case LT_RX_END:
			guard = n + 1;
			break;
		case LT_RX_ERROR:
		case LT_RX_UNSUPPORTED:
			refuse_token(&t, &k);
			break;
		case LT_RX_LIT:
			t.i = k.off + k.len;
			put_lit(&t, k.cp, 0);
			atom(&t);
			break;
		case LT_RX_ANY:
			puts_(&t, ".");
			atom(&t);
			break;
		case LT_RX_TYPE:
			type_(&t, &k, 0);
			atom(&t);
			break;
		case LT_RX_CLASS:
			class_(&t, &k);
			atom(&t);
			break;
		case LT_RX_GROUP:
			group_open(&t, &k);
			break;
		case LT_RX_CLOSE:
			group_close(&t);
			break;
		case LT_RX_ALT:
			alt(&t);
			break;
		case LT_RX_QUANT:
			quant(&t, &k);
			break;
		case LT_RX_ASSERT:
			if (k.cp == 'A' || (k.cp == '^' &&
			    !(t.f[t.depth].cur & F_M))) {
				puts_(&t, k.cp == 'A' ? "\\A" : "^");
				t.have_atom = 0;
				t.skip_quant = 0;
			} else {
				dropped(&t);	/* $ \b \B \G \z \Z \K, ^ (?m) */
			}
			break;
		case LT_RX_BACKREF:
			t.i = k.off + 1;
			refuse(&t, byte_at(&t, k.off) == '(' ? "backreference "
			    "or subroutine call (?P=, (?P>" : "backreference");
			break;
		case LT_RX_OPTS:
			if (option_letters(&t, &k) == 0)
				set_flags(&t, flags_of(&k));
			break;
		default:	/* class members come inside class_() */
			refuse(&t, "unexpected token");
			break;
		}
	}
	if (t.st == LT_OK && t.f[0].span)
		puts_(&t, ")");
	return t.st;
}

/* ---- the rules' filter ---- */

/* One literal of the filter: every match of some pattern contains it. */
struct lit {
	unsigned char len;
	unsigned char ci;	/* ASCII case does not matter */
	char s[LT_ATOM_MAX];
};

struct plan {
	struct lit *l;		/* the patterns' literals, as extracted */
	size_t n, cap;
	struct lt_buf rx;	/* translated whole patterns, |-joined */
	size_t n_rx;		/* patterns there */
	size_t n_pat;		/* match and cleared_by patterns */
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* 1 when b[0..bn) holds a[0..an), ASCII case ignored when ci. */
static int
contains(const char *b, size_t bn, const char *a, size_t an, int ci)
{
	size_t i, k;

	for (i = 0; i + an <= bn; i++) {
		for (k = 0; k < an; k++)
			if (ci ? lower((unsigned char)b[i + k]) !=
			    lower((unsigned char)a[k]) : b[i + k] != a[k])
				break;
		if (k == an)
			return 1;
	}
	return 0;
}

static int
has_letter(const struct lit *a)
{
	size_t k;

	for (k = 0; k < a->len; k++)
		if (lower((unsigned char)a->s[k]) >= 'a' &&
		    lower((unsigned char)a->s[k]) <= 'z')
			return 1;
	return 0;
}

/* 1 when every string holding b holds a: b is then not needed. */
static int
subsumes(const struct lit *a, const struct lit *b)
{
	if (a->ci || !has_letter(a))
		return contains(b->s, b->len, a->s, a->len, 1);
	return !b->ci && contains(b->s, b->len, a->s, a->len, 0);
}

static int
cmp_lit(const void *x, const void *y)
{
	const struct lit *a = x, *b = y;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->ci != b->ci)
		return a->ci > b->ci ? -1 : 1;	/* caseless first */
	return memcmp(a->s, b->s, a->len);
}

/* The longest prefix of s[0..n), at most max bytes, of whole UTF-8. */
static size_t
utf8_prefix(const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	if (n > max)
		n = max;
	while (i < n) {
		len = p[i] < 0x80 ? 1 : p[i] >= 0xc2 && p[i] <= 0xdf ? 2 :
		    p[i] >= 0xe0 && p[i] <= 0xef ? 3 :
		    p[i] >= 0xf0 && p[i] <= 0xf4 ? 4 : 0;
		if (len == 0 || i + len > n)
			break;
		i += len;
	}
	return i;
}

static int
cmp_text(const void *x, const void *y)
{
	const struct lit *a = x, *b = y;
	size_t k, n = a->len < b->len ? a->len : b->len;
	int c;

	if (a->ci != b->ci)
		return a->ci < b->ci ? -1 : 1;
	for (k = 0; k < n; k++) {
		c = a->ci ? lower((unsigned char)a->s[k]) -
		    lower((unsigned char)b->s[k]) :
		    (unsigned char)a->s[k] - (unsigned char)b->s[k];
		if (c != 0)
			return c;
	}
	return a->len < b->len ? -1 : a->len > b->len;
}

/*
 * Literals that share a long prefix ("could not resolve host " and
 * "could not resolve host: ") become that prefix: a part of a required
 * literal is required too, and one literal is shorter than two.
 */
static void
merge_prefixes(struct lit *l, size_t n)
{
	size_t i, k, min;

	qsort(l, n, sizeof *l, cmp_text);
	for (i = 0; i + 1 < n; i++) {
		if (l[i].ci != l[i + 1].ci)
			continue;
		min = l[i].len < l[i + 1].len ? l[i].len : l[i + 1].len;
		for (k = 0; k < min && (l[i].ci ? lower((unsigned char)
		    l[i].s[k]) == lower((unsigned char)l[i + 1].s[k]) :
		    l[i].s[k] == l[i + 1].s[k]); k++)
			;
		k = utf8_prefix(l[i].s, k, k);
		if (k >= 6 && k * 3 >= min * 2 && k < min)
			l[i].len = l[i + 1].len = (unsigned char)k;
	}
}

/*
 * The literals of pl, coarsened: all caseless when all_ci, each cut to
 * at most max bytes (the first longer of them, in the rules' rank
 * order, to max + 1), those sharing a long prefix cut to it, then
 * sorted and with every literal that another one subsumes dropped.  Into
 * out (room for pl->n); returns how many.
 */
static size_t
coarsen(const struct plan *pl, int all_ci, size_t max, size_t longer,
    struct lit *out)
{
	size_t i, j, n = 0, m = 0;

	for (i = 0; i < pl->n; i++) {
		out[n] = pl->l[i];
		out[n].len = (unsigned char)utf8_prefix(pl->l[i].s,
		    pl->l[i].len, i < longer ? max + 1 : max);
		if (all_ci)
			out[n].ci = 1;
		if (out[n].len > 0)
			n++;
	}
	merge_prefixes(out, n);
	qsort(out, n, sizeof *out, cmp_lit);
	for (i = 0; i < n; i++) {
		for (j = 0; j < m; j++)
			if (subsumes(&out[j], &out[i]))
				break;
		if (j == m)
			out[m++] = out[i];
	}
	/*
	 * In text order: Go's parser factors the common prefixes of
	 * neighbouring alternatives into a tree, which its regexp engine
	 * runs about twice as fast (measured against Loki 2.7.3 with the
	 * default rules) as the same literals in length order.
	 */
	qsort(out, m, sizeof *out, cmp_text);
	return m;
}

/* A literal byte in a Go regexp inside a LogQL raw string (`...`). */
static enum lt_status
put_byte(struct lt_buf *o, unsigned char c)
{
	char b[8];

	if (c < 0x20 || c == 0x7f || c == '`') {
		snprintf(b, sizeof b, "\\x%02x", c);
		return lt_buf_adds(o, b);
	}
	if (strchr("\\.+*?()|[]{}^$", c) != NULL && lt_buf_addc(o, '\\') !=
	    LT_OK)
		return LT_ERR_LIMIT;
	return lt_buf_addc(o, (char)c);
}

/*
 * The filter for literals l[0..n) and pl's whole patterns, into o:
 * \x1b.? first, then the case-sensitive literals, the caseless ones in
 * one (?i:...), the whole patterns.
 *
 * Why \x1b.? and not \x1b: Loki 2.7 rewrites a regexp made of literals
 * into substring tests (pkg/logql/log/filter.go, simplify), and that
 * rewrite loses lines when case is ignored: its caseless search does
 * not back up after a partial match ((?i)ab misses "aab", (?i)oom
 * misses "zoooom"), and the common prefix Go factors out of caseless
 * alternatives ((?i:no route|no runner) is "no r" then (oute|unner))
 * is joined to them as case-sensitive.  Both were seen against the
 * real Loki 2.7.3.  A branch the rewrite cannot handle (a quantifier
 * after a literal) makes Loki keep the whole expression as a regexp,
 * run by Go's regexp package with the meaning the contract is about;
 * \x1b.? matches what \x1b does.
 */
static enum lt_status
write_filter(const struct plan *pl, const struct lit *l, size_t n,
    struct lt_buf *o)
{
	enum lt_status st = lt_buf_adds(o, "\\x1b.?");
	size_t i, k;
	int pass, open;

	for (pass = 0; pass < 2 && st == LT_OK; pass++) {
		open = 0;
		for (i = 0; i < n && st == LT_OK; i++) {
			if (l[i].ci != pass)
				continue;
			if (pass == 0 || open)
				st = lt_buf_addc(o, '|');
			else
				st = lt_buf_adds(o, "|(?i:");
			open = 1;
			for (k = 0; k < l[i].len && st == LT_OK; k++)
				st = put_byte(o, (unsigned char)l[i].s[k]);
		}
		if (pass == 1 && open && st == LT_OK)
			st = lt_buf_addc(o, ')');
	}
	if (pl->rx.len > 0 && st == LT_OK) {
		if ((st = lt_buf_addc(o, '|')) == LT_OK)
			st = lt_buf_add(o, pl->rx.p, pl->rx.len);
	}
	return st;
}

/*
 * Gather each match and cleared_by pattern's literals (atoms.c), or the
 * pattern translated whole when it has none: a line that clears a
 * pending match must reach logtriage as much as one that matches.  LT_ERR_REGEX (why set) when a
 * pattern has neither.
 */
static enum lt_status
gather(const struct lt_ruleset *rs, struct plan *pl, struct lt_error *why)
{
	const struct lt_rule_info *r;
	struct lt_atoms at;
	struct lt_error e;
	const char *aw, *pat;
	struct lit *nl;
	size_t i, j, k;
	enum lt_status st;

	for (i = 0; i < lt_ruleset_count(rs); i++) {
		r = lt_ruleset_rule(rs, i);
		for (j = 0; j < r->n_match + r->n_cleared_by; j++,
		    pl->n_pat++) {
			pat = j < r->n_match ? r->match[j] :
			    r->cleared_by[j - r->n_match];
			if (lt_atoms_extract(pat, strlen(pat),
			    &at, &aw) == 0) {
				if (pl->n + at.n > pl->cap) {
					k = pl->cap ? pl->cap * 2 : 256;
					if (k < pl->n + at.n)
						k = pl->n + at.n;
					if ((nl = realloc(pl->l, k *
					    sizeof *nl)) == NULL)
						return LT_ERR_NOMEM;
					pl->l = nl;
					pl->cap = k;
				}
				for (k = 0; k < at.n; k++) {
					nl = &pl->l[pl->n];
					nl->ci = at.a[k].caseless;
					memcpy(nl->s, at.a[k].s, at.a[k].len);
					nl->len = (unsigned char)utf8_prefix(
					    at.a[k].s, at.a[k].len,
					    LT_ATOM_MAX);
					if (nl->len > 0)
						pl->n++;
				}
				continue;
			}
			/* no literal: the whole pattern, translated */
			lt_error_clear(&e);
			st = pl->rx.len > 0 ? lt_buf_addc(&pl->rx, '|') : LT_OK;
			if (st == LT_OK)
				st = lt_buf_adds(&pl->rx, "(?:");
			if (st == LT_OK)
				st = lt_logql_translate(pat, strlen(pat),
				    &pl->rx, &e);
			if (st == LT_OK)
				st = lt_buf_addc(&pl->rx, ')');
			if (st == LT_ERR_REGEX) {
				lt_error_set(why, st, LT_LEVEL_NOTE, r->origin,
				    r->line, 0, "rule '%.100s': /%.150s/ has "
				    "no literal every match holds (%s), and %s",
				    r->id, pat, aw, e.message);
				return st;
			}
			if (st == LT_ERR_LIMIT) {
				lt_error_set(why, st, LT_LEVEL_NOTE, r->origin,
				    r->line, 0, "the patterns without literals "
				    "(rule '%.100s' and before) take more than "
				    "%u KiB", r->id, LT_LOGQL_FILTER_MAX >> 10);
				return st;
			}
			if (st != LT_OK)
				return st;
			pl->n_rx++;
		}
	}
	return LT_OK;
}

/*
 * The length of f as Loki's query frontend writes it again for its
 * queriers: a Go double-quoted string (strconv.Quote), where each \ and
 * " takes two bytes.  The querier applies the 5,120-byte cap once more
 * to that text (seen against Loki 2.7.3: a query of 5,103 bytes with a
 * raw-string filter passed the frontend and failed in the querier as
 * 5,125 bytes, a 500).  f holds no other byte Go would escape: control
 * bytes are written as \xHH, non-ASCII as printable UTF-8.
 */
static size_t
quoted_len(const struct lt_buf *f)
{
	size_t i, n = f->len + 2;

	for (i = 0; i < f->len; i++)
		n += f->p[i] == '\\' || f->p[i] == '"';
	return n;
}

/* Coarsening steps: all caseless?, longest literal. */
static const struct {
	int all_ci;
	unsigned char max;
} steps[] = {
	{ 0, LT_ATOM_MAX }, { 0, 24 }, { 0, 20 }, { 0, 18 }, { 0, 16 },
	{ 0, 15 }, { 0, 14 }, { 0, 13 }, { 0, 12 }, { 0, 11 }, { 0, 10 },
	{ 0, 9 }, { 0, 8 }, { 0, 7 }, { 0, 6 },
	{ 1, 6 }, { 1, 5 }, { 1, 4 }, { 1, 3 },
};

/* The filter of pl's literals coarsened so, into f; its quoted length. */
static enum lt_status
try_filter(const struct plan *pl, int all_ci, size_t max, size_t longer,
    struct lit *l, size_t *n, struct lt_buf *f, size_t *qlen)
{
	enum lt_status st;

	*n = coarsen(pl, all_ci, max, longer, l);
	lt_buf_reset(f);
	st = write_filter(pl, l, *n, f);
	*qlen = st == LT_OK ? quoted_len(f) : LT_LOGQL_FILTER_MAX;
	return st;
}

enum lt_status
lt_logql_filter(const struct lt_ruleset *rs, size_t budget,
    struct lt_buf *out, int *coarse, struct lt_error *why)
{
	struct plan pl;
	struct lit *l = NULL;
	struct lt_buf f;
	enum lt_status st = LT_OK;
	size_t n = 0, s, full = 0, n_ci, i, qlen = 0, longer = 0;

	*coarse = 0;
	memset(&pl, 0, sizeof pl);
	lt_buf_init(&pl.rx, LT_LOGQL_FILTER_MAX);
	lt_buf_init(&f, LT_LOGQL_FILTER_MAX);
	if (budget > LT_LOGQL_FILTER_MAX)
		budget = LT_LOGQL_FILTER_MAX;
	if (lt_ruleset_count(rs) == 0) {
		lt_error_set(why, LT_ERR_ARG, LT_LEVEL_NOTE, "", 0, 0,
		    "no rules to push down");
		st = LT_ERR_ARG;
		goto out;
	}
	if ((st = gather(rs, &pl, why)) != LT_OK)
		goto out;
	if ((l = malloc((pl.n ? pl.n : 1) * sizeof *l)) == NULL) {
		st = LT_ERR_NOMEM;
		goto out;
	}
	for (s = 0; s < LT_ARRAY_LEN(steps); s++) {
		st = try_filter(&pl, steps[s].all_ci, steps[s].max, 0, l, &n,
		    &f, &qlen);
		if (st == LT_ERR_NOMEM)
			goto out;
		if (s == 0)
			full = qlen;
		if (st == LT_OK && qlen <= budget)
			break;
	}
	/*
	 * Cut to one byte less than the step before, everything fits; so
	 * give as many literals as still fit (the best ranked rules' first)
	 * that one byte back: the most of the rules' own text in the room.
	 * lo fits, hi does not; at most ~10 tries.
	 */
	if (s > 0 && s < LT_ARRAY_LEN(steps) &&
	    steps[s - 1].max == steps[s].max + 1) {
		size_t lo = 0, hi = pl.n + 1, mid;

		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			st = try_filter(&pl, steps[s].all_ci, steps[s].max,
			    mid, l, &n, &f, &qlen);
			if (st == LT_ERR_NOMEM)
				goto out;
			if (st == LT_OK && qlen <= budget)
				lo = mid;
			else
				hi = mid;
		}
		longer = lo;
		st = try_filter(&pl, steps[s].all_ci, steps[s].max, longer,
		    l, &n, &f, &qlen);
		if (st != LT_OK)
			goto out;
	}
	if (s == LT_ARRAY_LEN(steps)) {
		lt_error_set(why, LT_ERR_LIMIT, LT_LEVEL_NOTE, "", 0, 0,
		    "the rules' literals make a filter of %zu bytes, and "
		    "even cut to %u bytes each and caseless, %zu; the query "
		    "has room for %zu (Loki refuses a query of %u bytes or "
		    "more)", full, steps[s - 1].max, quoted_len(&f), budget,
		    LT_LOGQL_LOKI_MAX);
		st = LT_ERR_LIMIT;
		goto out;
	}
	for (i = 0, n_ci = 0; i < n; i++)
		n_ci += l[i].ci;
	*coarse = s > 0;
	lt_error_set(why, LT_OK, LT_LEVEL_NOTE, "", 0, 0,
	    "pushdown: %zu literals (%zu caseless) that the %zu match "
	    "patterns need, %zu patterns whole, a filter of %zu bytes (%zu "
	    "as Loki quotes it)", n, n_ci, pl.n_pat, pl.n_rx, f.len,
	    quoted_len(&f));
	if (s > 0) {
		size_t len = strlen(why->message);
		char more[80] = "";

		if (longer > 0)
			snprintf(more, sizeof more, " (the first %zu of the "
			    "rules' literals to %u)", longer, steps[s].max + 1u);
		snprintf(why->message + len, sizeof why->message - len,
		    "; coarser than the rules: their own literals make %zu "
		    "bytes, over the %zu the query has room for (Loki refuses "
		    "%u bytes or more), so every literal is %scut to at "
		    "most %u bytes%s: more lines pass, none is lost", full,
		    budget, LT_LOGQL_LOKI_MAX, steps[s].all_ci ?
		    "caseless and " : "", steps[s].max, more);
	}
	st = lt_buf_add(out, f.p, f.len);
out:
	free(l);
	free(pl.l);
	lt_buf_free(&pl.rx);
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
	size_t n = strlen(selector), room, base;
	int coarse = 0;

	*pushed = 0;
	lt_error_clear(note);
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
	/* selector |~ `RE`, shorter than Loki's cap */
	/*
	 * selector |~ "RE" as Loki writes the query again, under its cap:
	 * the user's part may grow too (", " between matchers, quoting),
	 * so an eighth of it and 16 bytes are kept spare.
	 */
	base = n + n / 8 + 16 + 4;
	room = base < LT_LOGQL_LOKI_MAX - 1 ? LT_LOGQL_LOKI_MAX - 1 - base : 0;
	if (rs != NULL && room == 0) {
		lt_error_set(note, LT_ERR_LIMIT, LT_LEVEL_NOTE, "", 0, 0,
		    "the query alone takes %zu bytes: no room for a filter "
		    "under Loki's cap of %u", n, LT_LOGQL_LOKI_MAX);
	} else if (rs != NULL) {
		st = lt_logql_filter(rs, room, &f, &coarse, note);
		if (st == LT_OK) {
			if ((st = lt_buf_adds(&q, " |~ `")) == LT_OK &&
			    (st = lt_buf_add(&q, f.p, f.len)) == LT_OK)
				st = lt_buf_addc(&q, '`');
			if (st == LT_OK)
				*pushed = coarse ? 2 : 1;
		}
		if (st == LT_ERR_NOMEM)
			goto out;
		if (st != LT_OK) {
			q.len = n;	/* the selector alone */
			st = LT_OK;
		}
	}
	st = lt_buf_add(out, q.p, q.len);
out:
	lt_buf_free(&q);
	lt_buf_free(&f);
	return st;
}

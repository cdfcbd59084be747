/*
 * test_rxlex.c - the PCRE2 pattern lexer on a table, and against PCRE2.
 *
 * The table pins the tokens of patterns whose reading was checked by
 * hand against pcre2pattern(3).  The differential part builds random
 * patterns from fragments (seeded, so every run sees the same ones),
 * compiles each with PCRE2 as the rule parser does, and for each that
 * compiles checks three things the lexer must get right:
 *
 *  - it never calls it malformed (LT_RX_ERROR);
 *  - when it follows the whole pattern (no LT_RX_UNSUPPORTED), it counts
 *    the capture groups PCRE2 counts (PCRE2_INFO_CAPTURECOUNT), branch
 *    resets included;
 *  - when the pattern has no assertion, lookaround, backreference,
 *    atomic group or possessive quantifier, a subject built from the
 *    tokens alone (each literal in a random case when caseless, one
 *    member of each class, a digit for \d, the first branch of each
 *    alternation, each quantified item its minimum number of times)
 *    matches the whole pattern in PCRE2 (anchored at both ends).  That
 *    holds only if literals, escapes, classes, quantifier bounds, option
 *    scopes, comments, \Q...\E and (?x) were all read as PCRE2 reads
 *    them.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/rxlex.h"
#include "t.h"
#include "util/utf8.h"

#define TOKS_MAX 512

/* A compact spelling of a pattern's tokens, for the table. */
static void
dump(const char *pat, char *out, size_t cap)
{
	static const char *const gname[] = {
		"cap", "named", "plain", "atomic", "reset", "ahead", "nahead",
		"behind", "nbehind",
	};
	struct lt_rxlex lx;
	struct lt_rx_token t;
	size_t len = 0, k;
	char b[96];

	out[0] = '\0';
	lt_rxlex_init(&lx, pat, strlen(pat), 0);
	for (k = 0; k < TOKS_MAX; k++) {
		switch (lt_rxlex_next(&lx, &t)) {
		case LT_RX_END: snprintf(b, sizeof b, "END"); break;
		case LT_RX_LIT:
			if (t.cp >= 0x21 && t.cp < 0x7f)
				snprintf(b, sizeof b, "%s%c", t.flags & LT_RXF_I ?
				    "~" : "", (int)t.cp);
			else
				snprintf(b, sizeof b, "%s#%x", t.flags & LT_RXF_I ?
				    "~" : "", (unsigned)t.cp);
			break;
		case LT_RX_ANY: snprintf(b, sizeof b, "."); break;
		case LT_RX_TYPE:
			snprintf(b, sizeof b, "\\%s%c", t.negated ? "^" : "",
			    (int)t.cp);
			break;
		case LT_RX_CLASS: snprintf(b, sizeof b, "[%s", t.negated ?
		    "^" : ""); break;
		case LT_RX_RANGE:
			snprintf(b, sizeof b, "%x-%x", (unsigned)t.cp,
			    (unsigned)t.hi);
			break;
		case LT_RX_POSIX:
			snprintf(b, sizeof b, ":%s%.*s", t.negated ? "^" : "",
			    (int)t.arg_len, pat + t.arg_off);
			break;
		case LT_RX_CLASS_END: snprintf(b, sizeof b, "]"); break;
		case LT_RX_GROUP:
			snprintf(b, sizeof b, "(%s%s", gname[t.group],
			    t.flags & LT_RXF_I ? "~" : "");
			break;
		case LT_RX_CLOSE: snprintf(b, sizeof b, ")"); break;
		case LT_RX_ALT: snprintf(b, sizeof b, "|"); break;
		case LT_RX_QUANT:
			if (t.max == LT_RX_INF)
				snprintf(b, sizeof b, "{%u,}%s", (unsigned)t.min,
				    t.lazy ? "?" : t.possessive ? "+" : "");
			else
				snprintf(b, sizeof b, "{%u,%u}%s",
				    (unsigned)t.min, (unsigned)t.max,
				    t.lazy ? "?" : t.possessive ? "+" : "");
			break;
		case LT_RX_ASSERT: snprintf(b, sizeof b, "@%c", (int)t.cp);
		    break;
		case LT_RX_BACKREF:
			snprintf(b, sizeof b, "&%.*s", (int)t.arg_len,
			    pat + t.arg_off);
			break;
		case LT_RX_OPTS: snprintf(b, sizeof b, "opts%x", t.flags);
		    break;
		case LT_RX_UNSUPPORTED: snprintf(b, sizeof b, "UNSUP"); break;
		case LT_RX_ERROR: snprintf(b, sizeof b, "ERROR"); break;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s%s",
		    len ? " " : "", b);
		if (len >= cap || t.kind == LT_RX_END ||
		    t.kind == LT_RX_ERROR || t.kind == LT_RX_UNSUPPORTED)
			return;
	}
}

static const struct {
	const char *pat, *toks;
} cases[] = {
	{ "abc", "a b c END" },
	{ "a.b", "a . b END" },
	{ "(?i)ab(?-i)c", "opts1 ~a ~b opts0 c END" },
	{ "(a(?i)b|c)d", "(cap a opts1 ~b | ~c ) d END" },
	{ "(?i:a)b", "(plain~ ~a ) b END" },
	{ "a*b+?c??d{2}e{2,}f{2,5}+", "a {0,} b {1,}? c {0,1}? d {2,2} e "
	  "{2,} f {2,5}+ END" },
	{ "x{,3}", "x UNSUP" },
	{ "x{ 3}", "x UNSUP" },
	{ "x{a}{", "x { a } { END" },
	{ "x{3", "x { 3 END" },
	{ "\\d\\W\\s\\pL\\P{Lu}\\R\\X\\N", "\\d \\^w \\s \\p \\^p \\R \\X "
	  "\\N END" },
	{ "\\x41\\x{42}\\101\\0\\o{103}\\cA\\e\\t\\.\\N{U+44}",
	  "A B UNSUP" },
	{ "\\x41\\x{42}\\0\\o{103}\\cA\\e\\t\\.\\N{U+44}",
	  "A B #0 C #1 #1b #9 . D END" },
	{ "[a-c\\d[:alpha:][:^digit:]\\]x-]", "[ 61-63 \\d :alpha :^digit ] x "
	  "- ] END" },
	{ "[]a][^]b]", "[ ] a ] [^ ] b ] END" },
	{ "[\\b\\x41-\\x{5a}]", "[ #8 41-5a ] END" },
	{ "[\\d-z]", "[ UNSUP" },
	{ "[z-a]", "[ UNSUP" },
	{ "(?<n>a)(?'m'b)(?P<o>c)\\k<n>\\g{-1}\\g2(?P=m)\\1",
	  "(named a ) (named b ) (named c ) &n &-1 &2 &m &1 END" },
	{ "(?=a)(?!b)(?<=c)(?<!d)(?>e)(?|f|g)",
	  "(ahead a ) (nahead b ) (behind c ) (nbehind d ) (atomic e ) "
	  "(reset f | g ) END" },
	{ "^a$\\b\\B\\A\\z\\Z\\G\\K", "@^ a @$ @b @B @A @z @Z @G @K END" },
	{ "a(?#c)b\\Qx.*\\Ey\\E", "a b x . * y END" },
	{ "\\Qa", "a END" },
	{ "(?x) a b # c\n c", "opts8 a b c END" },
	{ "(?x)[ a]", "opts8 [ #20 a ] END" },
	{ "(?xx)[ a]", "opts18 [ a ] END" },
	{ "(?n)(a)(?<x>b)", "opts20 (plain a ) (named b ) END" },
	{ "(*UCP)a", "UNSUP" },
	{ "a(?C1)", "a UNSUP" },
	{ "(?(1)a|b)", "UNSUP" },
	{ "(?R)", "UNSUP" },
	{ "(?1)", "UNSUP" },
	{ "\\12", "UNSUP" },
	{ "\\u0041", "UNSUP" },
	{ "(?a)", "UNSUP" },
	{ "[[:<:]]", "UNSUP" },
	{ "(a", "(cap a ERROR" },
	{ "a)", "a ERROR" },
	{ "a\\", "a ERROR" },
	{ "[a", "[ a ERROR" },
	{ "\xc3\xa9\xff", "#e9 ERROR" },
	{ "(?^i)", "opts1 END" },
};

static void
test_table(void)
{
	char got[1024];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dump(cases[i].pat, got, sizeof got);
		if (strcmp(got, cases[i].toks) != 0)
			fprintf(stderr, "pattern /%s/\n", cases[i].pat);
		CHECK_STR(got, cases[i].toks);
	}
}

/* Peek returns what next returns; spans are inside the pattern. */
static void
test_peek(void)
{
	static const char pat[] = "a(?i)[b-c]+|\\d{2,3}?";
	struct lt_rxlex lx, ly;
	struct lt_rx_token a, b, c;
	size_t k, last = 0;

	lt_rxlex_init(&lx, pat, sizeof pat - 1, 0);
	lt_rxlex_init(&ly, pat, sizeof pat - 1, 0);
	for (k = 0; k < 40; k++) {
		a = *lt_rxlex_peek(&lx);
		(void)lt_rxlex_next(&lx, &b);
		(void)lt_rxlex_next(&ly, &c);
		CHECK(a.kind == b.kind && a.off == b.off && a.len == b.len);
		CHECK(b.kind == c.kind && b.off == c.off && b.len == c.len);
		CHECK(b.off >= last && b.off + b.len <= sizeof pat - 1);
		last = b.off;
		if (b.kind == LT_RX_END)
			break;
	}
	CHECK(b.kind == LT_RX_END);
	(void)lt_rxlex_next(&lx, &b);
	CHECK(b.kind == LT_RX_END);
}

/* ---- against PCRE2 ---- */

static const char *const frags[] = {
	"a", "b", "Z", "1", "-", ",", " ", "#", "\n", "\xc3\xa9",
	"\\.", "\\*", "\\x41", "\\x{62}", "\\t", "\\0", "\\07", "\\o{101}",
	"\\cA", "\\e", "\\Q+*\\E", "\\Qx", "\\E", "\\N{U+63}",
	".", "\\d", "\\w", "\\s", "\\D", "\\pL", "\\h", "\\N", "\\R",
	"[abc]", "[^a]", "[a-c]", "[[:digit:]]", "[\\]x]", "[]a]", "[\\d_]",
	"[a-]", "[\\x41-\\x43]", "[ b]", "[\\Q\\E]", "[#]",
	"(", "(", "(?:", "(?<n1>", "(?'n2'", "(?P<n3>", "(?i)", "(?-i)",
	"(?i:", "(?x)", "(?-x)", "(?xx)", "(?n)", "(?s)", "(?m)", "(?U)",
	"(?^)", "(?=", "(?!", "(?<=", "(?>", "(?|", "(?#c)", ")", ")", ")",
	"|", "|", "*", "+", "?", "{2}", "{1,3}", "{2,}", "*?", "+?", "?+",
	"{0}", "{", "}", "{x", "{,3}", "{ 2}",
	"^", "$", "\\b", "\\B", "\\A", "\\z", "\\Z", "\\K", "\\1", "\\g{1}",
	"\\k<n1>", "(*FAIL)", "(?(1)a|b)", "(?1)", "(?C1)", "\\12", "\\y",
};

struct witness {
	char s[512];
	size_t n;
	int ok;		/* 0: the pattern has something we cannot build */
	const char *pat;
};

static void
put_cp(struct witness *w, uint32_t cp)
{
	char b[4];
	size_t n;

	n = lt_utf8_encode(cp, b);
	if (w->n + n >= sizeof w->s) {
		w->ok = 0;
		return;
	}
	memcpy(w->s + w->n, b, n);
	w->n += n;
}

/*
 * The tokens of a pattern, read once, for the checks below.  Returns
 * 0 when the stream ends at LT_RX_END, 1 at UNSUPPORTED, -1 at ERROR.
 */
static int
read_all(const char *pat, size_t n, struct lt_rx_token *tok, size_t *nt)
{
	struct lt_rxlex lx;
	size_t k;

	lt_rxlex_init(&lx, pat, n, 0);
	for (k = 0; k < TOKS_MAX; k++) {
		(void)lt_rxlex_next(&lx, &tok[k]);
		if (tok[k].off + tok[k].len > n)
			fprintf(stderr, "/%.*s/: token %d at %zu+%zu\n", (int)n,
			    pat, (int)tok[k].kind, tok[k].off, tok[k].len);
		CHECK(tok[k].off + tok[k].len <= n);
		if (tok[k].kind == LT_RX_END || tok[k].kind == LT_RX_ERROR ||
		    tok[k].kind == LT_RX_UNSUPPORTED) {
			*nt = k + 1;
			return tok[k].kind == LT_RX_END ? 0 :
			    tok[k].kind == LT_RX_UNSUPPORTED ? 1 : -1;
		}
	}
	*nt = k;
	return -1;
}

/* Capture groups from *k to the end of the group open before it. */
static uint32_t
count_caps(const struct lt_rx_token *tok, size_t nt, size_t *k, int reset)
{
	uint32_t n = 0, best = 0;

	while (*k < nt) {
		const struct lt_rx_token *t = &tok[(*k)++];

		if (t->kind == LT_RX_CLOSE || t->kind == LT_RX_END)
			break;
		if (t->kind == LT_RX_ALT && reset) {
			if (n > best)
				best = n;
			n = 0;
		}
		if (t->kind != LT_RX_GROUP)
			continue;
		n += t->group == LT_RXG_CAPTURE || t->group == LT_RXG_NAMED;
		n += count_caps(tok, nt, k, t->group == LT_RXG_RESET);
	}
	return n > best ? n : best;
}

/* One member of a class from *k (after its CLASS token) into w. */
static void
class_witness(const struct lt_rx_token *tok, size_t nt, size_t *k,
    struct witness *w, int negated)
{
	int done = 0;

	for (; *k < nt && tok[*k].kind != LT_RX_CLASS_END; (*k)++) {
		const struct lt_rx_token *t = &tok[*k];

		if (done)
			continue;
		done = 1;
		if (negated) {
			w->ok = 0;	/* builds no member: not checked */
		} else if (t->kind == LT_RX_LIT || t->kind == LT_RX_RANGE) {
			put_cp(w, t->hi);
		} else if (t->kind == LT_RX_TYPE && t->cp == 'd' &&
		    !t->negated) {
			put_cp(w, '7');
		} else if (t->kind == LT_RX_POSIX && !t->negated &&
		    t->arg_len == 5 && memcmp(w->pat + t->arg_off, "digit",
		    5) == 0) {
			put_cp(w, '5');
		} else {
			w->ok = 0;
		}
	}
	(*k)++;
}

/*
 * The items from *k up to the end of the enclosing group into w; only
 * the first branch of an alternation is taken.
 */
static void
seq_witness(const struct lt_rx_token *tok, size_t nt, size_t *k,
    struct witness *w, unsigned long long *rnd, int depth)
{
	int skipping = 0;
	size_t start, rep, min, from;

	while (*k < nt && w->ok) {
		const struct lt_rx_token *t = &tok[*k];
		size_t before = w->n;

		if (t->kind == LT_RX_CLOSE || t->kind == LT_RX_END) {
			(*k)++;
			return;
		}
		from = *k;
		start = w->n;
		(*k)++;
		switch (t->kind) {
		case LT_RX_ALT:
			skipping = 1;	/* later branches: read, not built */
			continue;
		case LT_RX_LIT:
			if ((t->flags & LT_RXF_I) && t->cp < 0x80 &&
			    t_rnd(rnd, 2)) {
				uint32_t c = t->cp;

				if (c >= 'a' && c <= 'z')
					c -= 32;
				else if (c >= 'A' && c <= 'Z')
					c += 32;
				put_cp(w, c);
			} else {
				put_cp(w, t->cp);
			}
			break;
		case LT_RX_ANY:
			put_cp(w, 'y');
			break;
		case LT_RX_TYPE:
			if (t->cp == 'd' && !t->negated)
				put_cp(w, '3');
			else if (t->cp == 'w' && !t->negated)
				put_cp(w, '_');
			else if (t->cp == 's' && !t->negated)
				put_cp(w, ' ');
			else if (t->cp == 'N' || (t->cp == 'd' && t->negated))
				put_cp(w, 'y');
			else
				w->ok = 0;
			break;
		case LT_RX_CLASS:
			class_witness(tok, nt, k, w, t->negated);
			break;
		case LT_RX_GROUP:
			if (t->group != LT_RXG_CAPTURE &&
			    t->group != LT_RXG_NAMED &&
			    t->group != LT_RXG_PLAIN) {
				w->ok = 0;
				return;
			}
			if (depth > 60) {
				w->ok = 0;
				return;
			}
			seq_witness(tok, nt, k, w, rnd, depth + 1);
			break;
		case LT_RX_OPTS:
			continue;
		case LT_RX_QUANT:
			w->ok = 0;	/* without an item: not checked */
			return;
		default:
			w->ok = 0;
			return;
		}
		if (!w->ok)
			return;
		/* a quantifier on the item: repeat it min times */
		if (*k < nt && tok[*k].kind == LT_RX_QUANT) {
			if (tok[*k].possessive || (*k + 1 < nt &&
			    tok[*k + 1].kind == LT_RX_QUANT)) {
				w->ok = 0;
				return;
			}
			min = tok[*k].min;
			(*k)++;
			if (min > 8) {
				w->ok = 0;
				return;
			}
			{
				char item[512];
				size_t len = w->n - start;

				memcpy(item, w->s + start, len);
				w->n = start;
				for (rep = 0; rep < min; rep++) {
					if (w->n + len >= sizeof w->s) {
						w->ok = 0;
						return;
					}
					memcpy(w->s + w->n, item, len);
					w->n += len;
				}
			}
		}
		(void)from;
		if (skipping)
			w->n = before;
	}
}

static void
test_pcre2_random(void)
{
	static struct lt_rx_token tok[TOKS_MAX];
	unsigned long long rnd = 0x5eed1e5bull;
	char pat[512];
	size_t n, k, nt, f, nfrag;
	unsigned long tried = 0, compiled = 0, counted = 0, built = 0;
	unsigned long iter;
	int rc, err;
	PCRE2_SIZE eoff;
	pcre2_code *code;
	pcre2_match_data *md = NULL;
	uint32_t caps;

	for (iter = 0; iter < 300000; iter++) {
		nfrag = 1 + t_rnd(&rnd, 10);
		n = 0;
		for (f = 0; f < nfrag; f++) {
			const char *s = frags[t_rnd(&rnd, sizeof frags /
			    sizeof frags[0])];
			size_t l = strlen(s);

			if (n + l >= sizeof pat)
				break;
			memcpy(pat + n, s, l);
			n += l;
		}
		pat[n] = '\0';
		tried++;
		rc = read_all(pat, n, tok, &nt);
		code = pcre2_compile((PCRE2_SPTR)pat, n, PCRE2_UTF |
		    PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &err,
		    &eoff, NULL);
		if (code == NULL)
			continue;
		compiled++;
		if (rc < 0)
			fprintf(stderr, "malformed to the lexer, not to "
			    "PCRE2: /%s/ (%s)\n", pat, tok[nt - 1].why);
		CHECK(rc >= 0);
		if (rc != 0) {
			pcre2_code_free(code);
			continue;
		}
		counted++;
		(void)pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &caps);
		k = 0;
		if (count_caps(tok, nt, &k, 0) != caps) {
			k = 0;
			fprintf(stderr, "/%s/: %u groups, PCRE2 %u\n", pat,
			    (unsigned)count_caps(tok, nt, &k, 0),
			    (unsigned)caps);
			CHECK(0);
		}
		{
			struct witness w;

			w.n = 0;
			w.ok = 1;
			w.pat = pat;
			k = 0;
			seq_witness(tok, nt, &k, &w, &rnd, 0);
			if (w.ok) {
				if (md == NULL)
					md = pcre2_match_data_create(4, NULL);
				built++;
				rc = pcre2_match(code, (PCRE2_SPTR)w.s, w.n, 0,
				    PCRE2_ANCHORED | PCRE2_ENDANCHORED, md,
				    NULL);
				if (rc < 0)
					fprintf(stderr, "/%s/ does not match "
					    "\"%.*s\" built from its tokens\n",
					    pat, (int)w.n, w.s);
				CHECK(rc >= 0);
			}
		}
		pcre2_code_free(code);
	}
	pcre2_match_data_free(md);
	fprintf(stderr, "random: %lu patterns, %lu compiled, %lu followed "
	    "whole (groups counted), %lu matched a subject built from "
	    "the tokens\n", tried, compiled, counted, built);
	CHECK(counted > 10000 && built > 10000);
}

int
main(void)
{
	test_table();
	test_peek();
	test_pcre2_random();
	return T_DONE();
}

/*
 * test_prefilter.c - the prefilter may say "maybe" too often but never
 * "no" wrongly.  Atoms are checked on a table of patterns and against
 * PCRE2 on random patterns and subjects; the scanner and the whole
 * pipeline are checked with the prefilter on and off, on lines built to
 * trip it: ANSI escapes inside a match, CRLF before $, invalid UTF-8 next
 * to a match, . over a multi-byte character, (?i) and non-ASCII, lines
 * cut at max_line, buffers split anywhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/scan.h"
#include "logtriage/emit.h"
#include "logtriage/triage.h"
#include "match/match_int.h"
#include "t.h"
#include "util/utf8.h"

/* ---- atoms on a table ---- */

struct want {
	const char *pat;
	const char *atoms;	/* "|"-separated, '~' prefix: caseless; NULL:
				   extraction must fail */
};

static const struct want atom_cases[] = {
	{ "(?i)\\bconnection refused\\b", "~connection refused" },
	{ "\\bECONNREFUSED\\b", "ECONNREFUSED" },
	{ "x509: certificate (?:has expired|signed by unknown authority)",
	  "x509: certificate " },
	{ "a(?:bc|de)f", "abcf|adef" },
	{ "colou?r", "color|colour" },
	{ "(?i)foo(?-i)BAR", "~fooBAR" },
	{ "(?i:foo)BAR", "~fooBAR" },
	{ "(foo(?i))bar", "foobar" },
	{ "(foo(?i)bar|baz)", "~foobar|~baz" },
	{ "foo|bar", "foo|bar" },
	{ "foo|b", NULL },
	{ "foo|", NULL },
	{ "(foo)?bar", "bar|foobar" },
	{ "\\d+ errors", " errors" },
	{ "a.b.c", NULL },
	{ "(a)\\1xyz", NULL },
	{ "(?x) foo", NULL },
	{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
	{ "(?i)\xc3\xa9t\xc3\xa9", NULL },
	{ "(?i)\xc3\x89" "CHEC", "~CHEC" },
	{ "[ab]cd", "acd|bcd" },
	{ "(?i)[ab]cd", "~acd|~bcd" },
	{ "[a-c]def", "def" },
	{ "[^a]def", "def" },
	{ "\\Qab.cd\\E+x", "ab.c" },
	{ "\\Qa.b)\\E", "a.b)" },
	{ "foox{2}", "foo" },
	{ "foo{,2}", NULL },
	{ "foo{ 2}", NULL },
	{ "a{2,}bcd", "bcd" },
	{ "ab{0}cde", "acde" },
	{ "x{abc}", "x{abc}" },
	{ "ab(?=c)cd", "abcd" },
	{ "(?<=ab)cde", "cde" },
	{ "(?<!x)abc", "abc" },
	{ "(?<name>foo)bar", "foobar" },
	{ "(?P<n>foo)bar", "foobar" },
	{ "(?'n'foo)bar", "foobar" },
	{ "(*UCP)foo", NULL },
	{ "(?#c)foo", "foo" },
	{ "a(?#c)?bcd", NULL },
	{ "a\\E?bcd", NULL },
	{ "[[:alpha:]]foo", "foo" },
	{ "[]x]foo", "]foo|xfoo" },
	{ "[^]x]foo", "foo" },
	{ "\\x41BC", "ABC" },
	{ "(?i)\\x{212a}bc", NULL },
	{ "foo\\Kbar", "foobar" },
	{ "^abc$", "abc" },
	{ "(?R)", NULL },
	{ "(?(1)a|b)", NULL },
	{ "abc(?1)", NULL },
	{ "a\\p{L}bcd", "bcd" },
	{ "\\bwatch\\b.*ENOSPC", "ENOSPC" },
	{ "(?i)inotify|file watchers|watch(?:er)?s? reached",
	  "~inotify|~file watchers|~watch reached|~watchs reached|"
	  "~watcher reached|~watchers reached" },
	{ "(?i)runner: .* lost communication with the server",
	  "~ lost communication with the ser" },
	{ "(?<*abc)def", NULL },
	{ "abc**", NULL },
	{ "a++bcd", "bcd" },
	{ "(?:abc)+", "abc" },
	{ "(?:abc)*x", NULL },
	{ NULL, NULL }
};

static int
has_atom(const struct lt_atoms *at, const char *s, size_t n, int ci)
{
	size_t i;

	for (i = 0; i < at->n; i++)
		if (at->a[i].len == n && at->a[i].caseless == ci &&
		    memcmp(at->a[i].s, s, n) == 0)
			return 1;
	return 0;
}

static void
test_atom_table(void)
{
	const struct want *w;
	struct lt_atoms at;
	const char *why, *p, *bar;
	size_t count;
	int rc;

	for (w = atom_cases; w->pat != NULL; w++) {
		rc = lt_atoms_extract(w->pat, strlen(w->pat), &at, &why);
		if (w->atoms == NULL) {
			if (rc == 0)
				fprintf(stderr, "pattern %s: atoms found\n",
				    w->pat);
			CHECK(rc != 0 && why != NULL);
			continue;
		}
		if (rc != 0) {
			fprintf(stderr, "pattern %s: %s\n", w->pat, why);
			CHECK(rc == 0);
			continue;
		}
		for (p = w->atoms, count = 0; *p != '\0'; count++) {
			int ci = *p == '~';

			p += ci;
			bar = strchr(p, '|');
			if (bar == NULL)
				bar = p + strlen(p);
			if (!has_atom(&at, p, (size_t)(bar - p), ci))
				fprintf(stderr, "pattern %s: no atom %.*s\n",
				    w->pat, (int)(bar - p), p);
			CHECK(has_atom(&at, p, (size_t)(bar - p), ci));
			p = *bar ? bar + 1 : bar;
		}
		if (count != at.n)
			fprintf(stderr, "pattern %s: %zu atoms, expected %zu\n",
			    w->pat, at.n, count);
		CHECK(count == at.n);
	}
}

/* ---- atoms against PCRE2 on random patterns ---- */

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	return t_rnd(&rng, n);
}

static const char *const frag[] = {
	"a", "b", "k", "s", "K", "S", "ab", "ks", "abc", "sk", "x",
	".", "\\d", "\\w", "\\s", "\\W", "\\b", "\\B", "^", "$", "\\K",
	"[ab]", "[^a]", "[a-c]", "[[:alpha:]]", "[ks]", "[]a]",
	"(?i)", "(?-i)", "\\.", "\\x61", "\\Qa.b\\E", "\xc3\xa9",
	"\xe2\x84\xaa", "(?=a)", "(?!b)", "(?<=a)", "(?<!k)", "\\n",
	"{", "}", "]", "x{a}", "\\E", "(?#c)", "\\Q\\E", "[\\]a]",
	"[a\\-z]", "\\x{41}", "(?|a|b)", "[[:^alpha:]k]", "\\Qs(\\E",
};

/* Append a random pattern of at most depth nesting to b. */
static void
gen_pattern(struct lt_buf *b, int depth)
{
	unsigned i, n = 1 + rnd(5);

	for (i = 0; i < n; i++) {
		unsigned r = rnd(depth > 0 ? 14 : 10);

		if (r < 10) {
			lt_buf_adds(b, frag[rnd(LT_ARRAY_LEN(frag))]);
		} else if (r < 13) {
			static const char *const open[] = {
				"(", "(?:", "(?i:", "(?>", "(?<g>"
			};
			static unsigned g;
			char name[16];
			const char *o = open[rnd(LT_ARRAY_LEN(open))];

			if (strcmp(o, "(?<g>") == 0) {
				snprintf(name, sizeof name, "(?<g%u>", g++);
				o = name;
			}
			lt_buf_adds(b, o);
			gen_pattern(b, depth - 1);
			while (rnd(3) == 0) {
				lt_buf_addc(b, '|');
				gen_pattern(b, depth - 1);
			}
			lt_buf_addc(b, ')');
		} else {
			lt_buf_addc(b, '|');
		}
		if (rnd(4) == 0) {
			static const char *const q[] = {
				"?", "*", "+", "{2}", "{0,2}", "{1,}", "??",
				"+?", "*+", "{0}"
			};

			if (b->len > 0 && b->p[b->len - 1] != '|' &&
			    b->p[b->len - 1] != '(')
				lt_buf_adds(b, q[rnd(LT_ARRAY_LEN(q))]);
		}
	}
}

static const char *const subj_frag[] = {
	"a", "b", "k", "s", "K", "S", "A", "B", "x", ".", " ", "1",
	"\xc3\xa9", "\xc3\x89", "\xe2\x84\xaa", "\xc5\xbf", "\xff", "\n",
	"abc", "ks", "sk", "a.b", "ab",
};

static int
ci_eq(const char *x, const char *y, size_t n, int ci)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char a = (unsigned char)x[i], b = (unsigned char)y[i];

		if (ci && a >= 'A' && a <= 'Z')
			a += 32;
		if (ci && b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return 0;
	}
	return 1;
}

static int
contains_atom(const struct lt_atoms *at, const char *s, size_t n)
{
	size_t i, j;

	for (i = 0; i < at->n; i++)
		for (j = 0; j + at->a[i].len <= n; j++)
			if (ci_eq(s + j, at->a[i].s, at->a[i].len,
			    at->a[i].caseless))
				return 1;
	return 0;
}

static void
test_atom_random(void)
{
	struct lt_buf pat, subj;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	struct lt_atoms at;
	const char *why;
	unsigned round, k;
	unsigned long extracted = 0, matched = 0;
	int ec;
	PCRE2_SIZE eo;

	lt_buf_init(&pat, 4096);
	lt_buf_init(&subj, 4096);
	for (round = 0; round < 20000; round++) {
		pcre2_code *re;

		lt_buf_reset(&pat);
		gen_pattern(&pat, 3);
		if (pat.len == 0)
			continue;
		re = pcre2_compile((PCRE2_SPTR)pat.p, pat.len, PCRE2_UTF |
		    PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &ec,
		    &eo, NULL);
		if (re == NULL)
			continue;
		if (lt_atoms_extract(pat.p, pat.len, &at, &why) != 0) {
			pcre2_code_free(re);
			continue;
		}
		extracted++;
		for (k = 0; k < 300; k++) {
			unsigned j, n = rnd(12);

			lt_buf_reset(&subj);
			for (j = 0; j < n; j++)
				lt_buf_adds(&subj,
				    subj_frag[rnd(LT_ARRAY_LEN(subj_frag))]);
			if (pcre2_match(re, (PCRE2_SPTR)(subj.p ? subj.p : ""),
			    subj.len, 0, 0, md, NULL) < 0)
				continue;
			matched++;
			if (subj.p != NULL && (strstr(subj.p, "\xe2\x84\xaa") ||
			    strstr(subj.p, "\xc5\xbf")))
				continue;	/* the markers cover these */
			if (!contains_atom(&at, subj.p, subj.len)) {
				fprintf(stderr, "pattern /%s/ matches \"%s\" "
				    "without its atoms\n", pat.p, subj.p);
				CHECK(0);
			}
		}
		pcre2_code_free(re);
	}
	fprintf(stderr, "random atoms: %lu patterns, %lu matches checked\n",
	    extracted, matched);
	CHECK(extracted > 1000 && matched > 10000);
	pcre2_match_data_free(md);
	lt_buf_free(&pat);
	lt_buf_free(&subj);
}

/* PCRE2 folds only U+017F and U+212A onto ASCII letters. */
static void
test_fold_assumption(void)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)"(?i)[\\x00-\\x7f]",
	    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec,
	    &eo, NULL);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	unsigned char b[4];
	uint32_t c;
	size_t n;
	int others = 0;

	for (c = 0x80; c < 0x110000; c++) {
		if (c >= 0xd800 && c < 0xe000)
			continue;
		if (c < 0x800) {
			b[0] = (unsigned char)(0xc0 | c >> 6);
			b[1] = (unsigned char)(0x80 | (c & 0x3f));
			n = 2;
		} else if (c < 0x10000) {
			b[0] = (unsigned char)(0xe0 | c >> 12);
			b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			b[2] = (unsigned char)(0x80 | (c & 0x3f));
			n = 3;
		} else {
			b[0] = (unsigned char)(0xf0 | c >> 18);
			b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
			b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			b[3] = (unsigned char)(0x80 | (c & 0x3f));
			n = 4;
		}
		if (pcre2_match(re, b, n, 0, 0, md, NULL) >= 0 &&
		    c != 0x17f && c != 0x212a) {
			fprintf(stderr, "U+%04X folds onto ASCII\n",
			    (unsigned)c);
			others++;
		}
	}
	CHECK(others == 0);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
}

/* ---- the pipeline with and without the prefilter ---- */

static unsigned n_warnings;

static void
count_warning(void *ctx, const struct lt_error *e)
{
	(void)ctx;
	if (e->level == LT_LEVEL_WARNING && strstr(e->message, "every line"))
		n_warnings++;
}

static struct lt_ruleset *
compile(const char *text, int no_prefilter)
{
	struct lt_rules *b = lt_rules_new(count_warning, NULL);
	struct lt_ruleset *rs = NULL;
	struct lt_compile_opts o;

	lt_compile_opts_init(&o);
	o.no_prefilter = no_prefilter;
	lt_rules_add_buffer(b, "t.rules", text, strlen(text));
	lt_rules_compile(b, &o, &rs);
	lt_rules_free(b);
	return rs;
}

static const char nasty_rules[] =
    "[category c]\nseverity = high\n"
    "[rule esc]\ncategory = c\nmatch = connection refused\n"
    "[rule crlf]\ncategory = c\nmatch = (?i)build failed$\n"
    "[rule dot]\ncategory = c\nmatch = size .B total\n"
    "[rule dotb]\ncategory = c\nmatch = x.y\n"
    "[rule kelvin]\ncategory = c\nmatch = (?i)token expired\n"
    "[rule longs]\ncategory = c\nmatch = (?i)disk full\n"
    "[rule inval]\ncategory = c\nmatch = \\berror\\b\n"
    "[rule anch]\ncategory = c\nmatch = \\A[a-z]\\d\n"
    "[rule digits]\ncategory = c\nmatch = ^\\d+$\n"
    "[rule trunc]\ncategory = c\nmatch = abcdef\n"
    "[rule fold]\ncategory = c\nmatch = (?i)\xc3\x89" "CHEC\n"
    "[rule veto]\ncategory = c\nmatch = (?i)warning\nmatch = deprecated\n"
    "unless = ignored\npriority = 40\n"
    "[rule early]\ncategory = c\nmatch = \\bfail\\b\npriority = 30\n"
    "[rule many]\ncategory = c\nmatch = aaa\npriority = 20\n"
    "[rule ws]\ncategory = c\nmatch = a\\sb\\z\npriority = 10\n";

/* Lines that must match, and the rule that must win. */
static const struct {
	const char *line;
	size_t len;
	const char *rule;
} nasty[] = {
	{ "x connec\x1b[31mtion\x1b[0m refused", 0, "esc" },
	{ "\x1b]0;title\x07" "connection refused", 0, "esc" },
	{ "BUILD FAILED\r", 0, "crlf" },
	{ "size \xc3\xa9" "B total", 0, "dot" },
	{ "x\xe2\x82\xacy", 0, "dotb" },
	{ "to\xe2\x84\xaa" "en expired", 0, "kelvin" },
	{ "di\xc5\xbfk full", 0, "longs" },
	{ "\xff" "error\xfe", 0, "inval" },
	{ "\xc3\xa9" "error", 0, "inval" },
	{ "q7 xx", 0, "anch" },
	{ "12345\r", 0, "digits" },
	{ "12345", 0, "digits" },
	{ "\xc3\xa9" "chec total", 0, "fold" },
	{ "deprecated: ignored, WARNING", 0, NULL },
	{ "a\tb", 0, "ws" },
	{ "a\0b error", 9, "inval" },
};

struct sink {
	struct lt_buf out;
};

static enum lt_status
collect(void *ctx, const char *p, size_t n)
{
	struct sink *s = ctx;

	return lt_buf_add(&s->out, p, n);
}

/* Run input through a triage fed in chunks of 1..maxchunk bytes. */
static void
run_as(const struct lt_ruleset *rs, const char *in, size_t len,
    size_t maxchunk, size_t max_line, unsigned jobs, enum lt_input input,
    struct lt_buf *out)
{
	struct lt_triage_opts o;
	struct lt_emit_opts eo;
	struct lt_emitter *json;
	struct lt_triage *t;
	struct sink s;
	size_t i = 0, n;

	lt_buf_init(&s.out, (size_t)64 << 20);
	lt_triage_opts_init(&o);
	o.max_line = max_line;
	o.write = collect;
	o.write_ctx = &s;
	o.jobs = jobs;
	o.input = input;
	lt_emit_opts_init(&eo);
	json = lt_emit_json_new(rs, &eo);
	t = lt_triage_new(rs, &o);
	CHECK(t != NULL && json != NULL);
	if (t == NULL || json == NULL)
		return;
	CHECK(lt_triage_add_emitter(t, json) == LT_OK);
	lt_triage_begin(t, "-");
	while (i < len) {
		n = 1 + rnd((unsigned)maxchunk);
		if (n > len - i)
			n = len - i;
		lt_triage_feed(t, in + i, n);
		i += n;
	}
	lt_triage_end(t, NULL);
	lt_triage_finish(t);
	lt_triage_free(t);
	lt_emitter_free(json);
	*out = s.out;
}

#ifdef LT_HAVE_VECTORSCAN
static void
test_scanner_nasty(void)
{
	struct lt_ruleset *on = compile(nasty_rules, 0);
	struct lt_ruleset *off = compile(nasty_rules, 1);
	struct lt_scanner *son, *soff;
	struct lt_hit h1, h2;
	struct lt_scan_note n1, n2;
	size_t i, len;
	int r1, r2;
	char lines[8][64];

	CHECK(on != NULL && off != NULL);
	if (on == NULL || off == NULL)
		return;
	CHECK(on->pf != NULL);
	CHECK(off->pf == NULL);
	son = lt_scanner_new(on);
	soff = lt_scanner_new(off);
	for (i = 0; i < LT_ARRAY_LEN(nasty); i++) {
		char clean[128];
		const char *p = nasty[i].line;

		len = nasty[i].len ? nasty[i].len : strlen(p);
		/* what triage hands the scanner: ANSI removed, CR cut */
		if (memchr(p, 0x1b, len) != NULL) {
			len = lt_ansi_strip(clean, p, len);
			p = clean;
		}
		if (len > 0 && p[len - 1] == '\r')
			len--;
		r1 = lt_scanner_scan(son, p, len, &h1, &n1);
		r2 = lt_scanner_scan(soff, p, len, &h2, &n2);
		CHECK(r1 == r2);
		if (r1 != r2)
			fprintf(stderr, "line %zu differs\n", i);
		if (r1 && r2)
			CHECK(h1.rule == h2.rule && h1.start == h2.start &&
			    h1.end == h2.end);
		if (nasty[i].rule != NULL) {
			CHECK(r2 == 1);
			if (r2 == 1)
				CHECK_STR(lt_ruleset_rule(off, h2.rule)->id,
				    nasty[i].rule);
		}
	}
	/* the same bytes, with lines in a window at different offsets */
	snprintf(lines[0], sizeof lines[0], "x\xe2\x82\xacy\nBUILD FAILED\r\n");
	len = strlen(lines[0]);
	lt_scanner_window(son, lines[0], len);
	r1 = lt_scanner_scan(son, lines[0], 5, &h1, &n1);
	CHECK(r1 == 1 && strcmp(lt_ruleset_rule(on, h1.rule)->id, "dotb")
	    == 0);
	r1 = lt_scanner_scan(son, lines[0] + 6, 12, &h1, &n1);
	CHECK(r1 == 1 && strcmp(lt_ruleset_rule(on, h1.rule)->id, "crlf")
	    == 0);
	/* a span inside a line: \A anchors at the span, not the line */
	snprintf(lines[1], sizeof lines[1], "zz q7 12\n");
	lt_scanner_window(son, lines[1], strlen(lines[1]));
	r1 = lt_scanner_scan(son, lines[1] + 3, 2, &h1, &n1);
	CHECK(r1 == 1 && strcmp(lt_ruleset_rule(on, h1.rule)->id, "anch")
	    == 0);
	r1 = lt_scanner_scan(son, lines[1] + 6, 2, &h1, &n1);
	CHECK(r1 == 1 && strcmp(lt_ruleset_rule(on, h1.rule)->id, "digits")
	    == 0);
	/* a whole ASCII line: the regex database's events decide */
	snprintf(lines[2], sizeof lines[2], "abc\n12345\nzz\n");
	lt_scanner_window(son, lines[2], strlen(lines[2]));
	r1 = lt_scanner_scan(son, lines[2], 3, &h1, &n1);
	CHECK(r1 == 0);
	r1 = lt_scanner_scan(son, lines[2] + 4, 5, &h1, &n1);
	CHECK(r1 == 1 && strcmp(lt_ruleset_rule(on, h1.rule)->id, "digits")
	    == 0);
	r1 = lt_scanner_scan(son, lines[2] + 10, 2, &h1, &n1);
	CHECK(r1 == 0);
	lt_scanner_window(son, NULL, 0);
	lt_scanner_free(son);
	lt_scanner_free(soff);
	lt_ruleset_free(on);
	lt_ruleset_free(off);
}

#endif

static void
run(const struct lt_ruleset *rs, const char *in, size_t len, size_t maxchunk,
    size_t max_line, unsigned jobs, struct lt_buf *out)
{
	run_as(rs, in, len, maxchunk, max_line, jobs, LT_INPUT_AUTO, out);
}

/* shape with its two "%u" replaced by x and y */
static void
fill(char *out, size_t size, const char *shape, unsigned x, unsigned y)
{
	size_t o = 0;
	unsigned v[2], k = 0;

	v[0] = x;
	v[1] = y;
	for (; *shape != '\0' && o + 12 < size; shape++) {
		if (shape[0] == '%' && shape[1] == 'u' && k < 2) {
			o += (size_t)snprintf(out + o, size - o, "%u", v[k++]);
			shape++;
		} else {
			out[o++] = *shape;
		}
	}
	out[o] = '\0';
}

/*
 * Actions and syslog lines: most are passed over undecoded (no literal
 * of any rule), yet the step and last time that matching lines inherit
 * from them must be what full decoding gives.
 */
static void
test_quick_formats(void)
{
	static const char *const shapes[] = {
		"2025-01-11T00:00:0%u.1234567Z ##[group]Step %u\n",
		"2025-01-11T00:00:0%u.1234567Z ##[endgroup]\n",
		"2025-01-11T00:00:0%u.1234567Z plain output %u\n",
		"2025-01-11T00:00:0%uZ connection refused %u\n",
		"##[group]bare group %u%u\n",
		"##[error]connection refused %u%u\n",
		"continued line %u %u without a stamp\n",
		"connection refused on a bare line %u%u\n",
		"[2025-01-11 00:00:0%uZ INFO Worker] job %u\n",
		"[2025-01-11 00:00:0%uZ ERR  Worker] connection refused %u\n",
		"Jan 11 00:00:0%u host unit[%u]: connection refused\n",
		"2025-01-11T00:00:0%u+0000 host unit[%u]: ok\n",
		"Jan 11 00:00:0%u host unit[%u]: fine\n",
		"2025-01-11T00:00:0%u+0130 host u: token expired %u\n",
		"\x1b[31m2025-01-11T00:00:0%u.5Z con\x1b[0mnection refused %u\n",
		"x%u PRIVATE KEY----- %u\n",
	};
	/* literals only: lines without them are passed over */
	static const char quick_rules[] =
	    "[category c]\nseverity = high\n"
	    "[rule refused]\ncategory = c\nmatch = connection refused\n"
	    "[rule token]\ncategory = c\nmatch = (?i)token expired\n"
	    "[rule fine]\ncategory = c\nmatch = \\bfine$\n";
	struct lt_ruleset *on = compile(quick_rules, 0);
	struct lt_ruleset *off = compile(quick_rules, 1);
	static const enum lt_input inputs[] = {
		LT_INPUT_AUTO, LT_INPUT_GHA, LT_INPUT_TEXT
	};
	struct lt_buf in, o1, o2;
	unsigned round, i;
	char line[256];

	CHECK(on != NULL && off != NULL);
	if (on == NULL || off == NULL)
		return;
	lt_buf_init(&in, (size_t)8 << 20);
	for (round = 0; round < 30; round++) {
		lt_buf_reset(&in);
		for (i = 0; i < 4000; i++) {
			unsigned k = rnd(LT_ARRAY_LEN(shapes));

			fill(line, sizeof line, shapes[k], rnd(10), rnd(99));
			lt_buf_adds(&in, line);
		}
		run_as(on, in.p, in.len, round % 2 ? 1 + rnd(5000) : 1 << 20,
		    LT_MAX_LINE_DEFAULT, 1 + round % 2, inputs[round % 3], &o1);
		run_as(off, in.p, in.len, 1 << 16, LT_MAX_LINE_DEFAULT, 1,
		    inputs[round % 3], &o2);
		CHECK(o1.len == o2.len && memcmp(o1.p, o2.p, o1.len) == 0);
		if (o1.len != o2.len || memcmp(o1.p, o2.p, o1.len) != 0)
			fprintf(stderr, "formats round %u: outputs differ\n",
			    round);
		CHECK(o1.len > 10000);
		lt_buf_free(&o1);
		lt_buf_free(&o2);
	}
	lt_buf_free(&in);
	lt_ruleset_free(on);
	lt_ruleset_free(off);
}

#ifdef LT_HAVE_VECTORSCAN
/* lt_pfscan_run on window w from offset off (the window is set anew). */
static size_t
run_at(struct lt_pfscan *ps, const char *w, size_t off)
{
	size_t n = strlen(w);

	lt_pfscan_window(ps, w, n);
	return lt_pfscan_run(ps, w + off, n - off);
}

/*
 * Runs: how far from a line's start the lines without a rule's literal
 * or an attention literal go.  Lengths worked out by hand.
 */
static void
test_runs(void)
{
	static const char rules[] =
	    "[category c]\nseverity = high\n"
	    "[rule refused]\ncategory = c\nmatch = connection refused\n";
	struct lt_ruleset *rs = compile(rules, 0);
	struct lt_pfscan *ps;
	const char *w = "aa\nbb connection refused\ncc\r\nee\ndd";
	static char big[200000];
	size_t i, off, k, total;

	CHECK(rs != NULL && rs->pf != NULL);
	if (rs == NULL || rs->pf == NULL)
		return;
	ps = lt_pfscan_new(rs->pf);
	CHECK(ps != NULL);
	CHECK(run_at(ps, w, 0) == 3);		/* "aa\n" */
	CHECK(run_at(ps, w, 3) == 0);		/* the literal's line */
	CHECK(run_at(ps, w, 25) == 7);		/* "cc\r\nee\n", not "dd" */
	CHECK(run_at(ps, w, 32) == 0);		/* "dd": no newline yet */
	/* the literal's first byte opens its line */
	CHECK(run_at(ps, "x\nconnection refused\n", 0) == 2);
	/* attention literals end runs like a rule's literal */
	CHECK(run_at(ps, "a\n##[group]x\nb\n", 0) == 2);
	CHECK(run_at(ps, "a\n##[group]x\nb\n", 2) == 0);
	CHECK(run_at(ps, "a\n##[group]x\nb\n", 13) == 2);
	CHECK(run_at(ps, "a\n-----BEGIN PRIVATE KEY-----\nb\n", 0) == 2);
	/* a pointer outside the window: cannot tell */
	lt_pfscan_window(ps, w, strlen(w));
	CHECK(lt_pfscan_run(ps, "aa\n", 3) == 0);
	/*
	 * Many regions: runs stop at region ends and go on from there, end
	 * in newlines, and together cover every line before the literal's.
	 */
	for (i = 0; i + 1 < sizeof big; i++)
		big[i] = i % 10 == 9 ? '\n' : 'z';
	big[sizeof big - 1] = '\0';
	/* the literal's line is big[150000..150019]: it covers one newline */
	memcpy(big + 150000, "connection refused", 18);
	lt_pfscan_window(ps, big, strlen(big));
	for (off = 0, total = 0; off < 150000; off += k) {
		k = lt_pfscan_run(ps, big + off, strlen(big) - off);
		if (k == 0)
			break;
		CHECK(big[off + k - 1] == '\n');
		total += k;
	}
	CHECK(total == 150000 && off == 150000);
	CHECK(lt_pfscan_run(ps, big + 150000, strlen(big) - 150000) == 0);
	k = lt_pfscan_run(ps, big + 150020, strlen(big) - 150020);
	CHECK(k > 0 && big[150020 + k - 1] == '\n');
	lt_pfscan_window(ps, NULL, 0);
	lt_pfscan_free(ps);
	lt_ruleset_free(rs);
}
#endif

/* Random input made of the nasty lines and noise, fed in random chunks. */
static void
test_pipeline_random(void)
{
	static const char *const noise[] = {
		"ok", "connection", "refused", "\x1b[1m", "\x1b[0m", "\r",
		"\xc3\xa9", "\xe2\x84\xaa", "\xff", "token", " ", "expired",
		"12", "x", "y", "fail", "aaaa", "WARNING", "ignored", "\t",
		"deprecated", "\0", "abcdef", "BUILD FAILED", "\xc5\xbf",
		"disk full", "error", "size", "B total", "a", "b",
	};
	struct lt_ruleset *on = compile(nasty_rules, 0);
	struct lt_ruleset *off = compile(nasty_rules, 1);
	struct lt_buf in, o1, o2;
	unsigned round, i, k;
	size_t max_line;

	CHECK(on != NULL && off != NULL);
	if (on == NULL || off == NULL)
		return;
	lt_buf_init(&in, (size_t)16 << 20);
	for (round = 0; round < 60; round++) {
		lt_buf_reset(&in);
		for (i = 0; i < 3000; i++) {
			if (rnd(3) == 0) {
				k = rnd(LT_ARRAY_LEN(nasty));
				lt_buf_add(&in, nasty[k].line, nasty[k].len ?
				    nasty[k].len : strlen(nasty[k].line));
			}
			for (k = rnd(6); k > 0; k--) {
				const char *f = noise[rnd(LT_ARRAY_LEN(noise))];

				lt_buf_add(&in, f, f[0] ? strlen(f) : 1);
			}
			if (rnd(50) == 0)	/* a run of atoms */
				for (k = rnd(3000); k > 0; k--)
					lt_buf_adds(&in, "aaa");
			lt_buf_adds(&in, rnd(4) ? "\n" : "\r\n");
		}
		max_line = round % 3 == 0 ? 7 + rnd(20) : LT_MAX_LINE_DEFAULT;
		/* jobs: helper threads scan regions of big feeds */
		run(on, in.p, in.len, round % 2 ? 1 + rnd(300) : 1 << 20,
		    max_line, 1 + round % 3, &o1);
		run(off, in.p, in.len, 1 << 16, max_line, 1, &o2);
		CHECK(o1.len == o2.len && memcmp(o1.p, o2.p, o1.len) == 0);
		if (o1.len != o2.len || memcmp(o1.p, o2.p, o1.len) != 0)
			fprintf(stderr, "round %u: outputs differ\n", round);
		CHECK(o1.len > 1000);
		lt_buf_free(&o1);
		lt_buf_free(&o2);
	}
	lt_buf_free(&in);
	lt_ruleset_free(on);
	lt_ruleset_free(off);
}

#ifdef LT_HAVE_VECTORSCAN
/* Tier C patterns are named once each, where they are written. */
static void
test_lint_warning(void)
{
	struct lt_ruleset *rs;

	n_warnings = 0;
	rs = compile(nasty_rules, 0);
	CHECK(rs != NULL);
	CHECK(n_warnings == 2);	/* anch (\A), ws (\z) */
	lt_ruleset_free(rs);
	n_warnings = 0;
	rs = compile(nasty_rules, 1);
	CHECK(n_warnings == 0);
	lt_ruleset_free(rs);
}
#endif

int
main(void)
{
	test_atom_table();
	test_atom_random();
	test_fold_assumption();
#ifdef LT_HAVE_VECTORSCAN
	test_scanner_nasty();
	test_lint_warning();
	test_runs();
#endif
	test_pipeline_random();
	test_quick_formats();
	return T_DONE();
}

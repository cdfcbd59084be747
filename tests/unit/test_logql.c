/*
 * test_logql.c - the PCRE2 to Go regexp translation behind rule
 * pushdown.  Each expected output was written by hand from the rules in
 * logql.c's header (what is kept, spelt out, dropped or refused), not
 * copied from the program.  Whether the outputs really are supersets is
 * checked on the fixtures by tests/cli/logql_superset.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/logql.h"
#include "logtriage/rules.h"
#include "t.h"

static const char *
tr(const char *pat)
{
	static char res[1024];
	struct lt_buf b;
	struct lt_error e;
	enum lt_status st;

	lt_buf_init(&b, 4096);
	lt_error_clear(&e);
	st = lt_logql_translate(pat, strlen(pat), &b, &e);
	if (st == LT_OK)
		snprintf(res, sizeof res, "%.*s", (int)b.len, b.p ? b.p : "");
	else
		snprintf(res, sizeof res, "REFUSED %s", e.message);
	lt_buf_free(&b);
	return res;
}

static void
ok(const char *pat, const char *want)
{
	const char *got = tr(pat);

	t_checks++;
	if (strcmp(got, want) != 0) {
		t_failures++;
		fprintf(stderr, "translate /%s/: expected \"%s\", got \"%s\"\n",
		    pat, want, got);
	}
}

static void
refused(const char *pat, const char *why)
{
	const char *got = tr(pat);

	t_checks++;
	if (strncmp(got, "REFUSED ", 8) != 0 || strstr(got, why) == NULL) {
		t_failures++;
		fprintf(stderr, "translate /%s/: expected a refusal with "
		    "\"%s\", got \"%s\"\n", pat, why, got);
	}
}

static void
test_translate(void)
{
	/* kept as they are */
	ok("connection refused", "connection refused");
	ok("a.b*c+?d{2,5}e{3}f{2,}", "a.b*c+?d{2,5}e{3}f{2,}");
	ok("\\d+\\w\\D\\W\\S", "\\d+\\w\\D\\W\\S");
	ok("^make", "^make");
	ok("\\Afoo", "\\Afoo");
	ok("[a-z0-9_.-]", "[a-z0-9_\\.\\-]");
	ok("[^\\s\"',;]+", "[^\\x09-\\x0d\\x20\\\"\\'\\,\\;]+");
	ok("[]a]", "[\\]a]");
	ok("[[:alpha:][:digit:]]", "[A-Za-z0-9]");
	ok("caf\xc3\xa9", "caf\xc3\xa9");
	/* escapes: literals, spelled-out classes */
	ok("\\s+", "[\\x09-\\x0d\\x20]+");
	ok("\\(\\)\\.\\-\\/\\:", "\\(\\)\\.-/:");
	ok("\\t\\x41\\x{263a}\\e\\cA\\0", "\\x09A\xe2\x98\xba\\x1b\\x01\\x00");
	ok("\\Qa.b\\E.", "a\\.b.");
	ok("[\\b]", "[\\x08]");
	ok("a{x}b{3", "a\\{x\\}b\\{3");
	/* groups */
	ok("(a|b)", "(?:a|b)");
	ok("(?<host>[\\w.-]+)", "(?:[\\w\\.\\-]+)");
	ok("(?P<x>a)(?'y'b)", "(?:a)(?:b)");
	ok("(?>ab|a)c", "(?:ab|a)c");
	ok("(?#note)x", "x");
	/* flags */
	ok("(?i)\\bno space left\\b", "(?i:no space left)");
	ok("a(?i)b|c", "a(?i:b)|(?i:c)");
	ok("(a(?i)b)c", "(?:a(?i:b))c");
	ok("(?i:x)y", "(?i:x)y");
	ok("(?s).", "(?s:.)");
	ok("(?is)a(?-i)b", "(?is:a)(?s:b)");
	ok("(?i)a(?-i:b)", "(?i:a(?-i:b))");
	ok("(?U)a+", "a+");
	ok("(?m)^a$", "a");
	/* dropped: assertions, look-around, possessive, \K */
	ok("\\bE401\\b", "E401");
	ok("foo$", "foo");
	ok("status=(?!0/)\\d+", "status=\\d+");
	ok("(?<=x)y(?=z)", "y");
	ok("(?<!a)b", "b");
	ok("x(?=a)?y", "xy");
	ok("a++b*+c?+d{2}+", "a+b*c?d{2}");
	ok("ab\\Kc\\z", "abc");
	ok("(?!(a)\\1)b", "b");
	/* refused */
	refused("(a)\\1", "backreference");
	refused("(?<n>a)\\k<n>", "backreference");
	refused("(?P=n)", "backreference");
	refused("(a)(?1)", "subroutine");
	refused("(?R)", "recursion");
	refused("(?(1)a|b)", "conditional");
	refused("(*UCP)\\w", "verbs");
	refused("\\p{L}", "\\p");
	refused("\\h", "\\h");
	refused("\\R", "\\R");
	refused("\\X", "\\X");
	refused("\\v", "\\v");
	refused("[\\h]", "\\h");
	refused("(?x)a b", "(?x");
	refused("(?n)a", "(?n");
	refused("(?i)caf\xc3\xa9", "non-ASCII");
	refused("(?i)[\\x{e0}-\\x{ff}]", "non-ASCII");
	refused("a{1001}", "limit");
	refused("(?:(?:a{11}){10}){10}", "nested repetition");
	refused("[[:^alpha:]]", "negated POSIX");
	refused("(a", "missing )");
	/* {,3} is text before PCRE2 10.43 and a quantifier after it */
	refused("a{,3}", "brace");
	refused("a{ 3}", "brace");
	refused("a\xff", "UTF-8");
	ok("(?:(?:a{10}){10}){10}", "(?:(?:a{10}){10}){10}");
}

static void
test_quote_and_query(void)
{
	struct lt_buf b;
	struct lt_error e;
	int pushed = -1;

	lt_buf_init(&b, 4096);
	CHECK(lt_logql_quote(&b, "a\\\"b", 4) == LT_OK);
	CHECK(b.len == 8 && memcmp(b.p, "\"a\\\\\\\"b\"", 8) == 0);
	lt_buf_reset(&b);
	CHECK(lt_logql_query("{job=\"x\"} \n", NULL, &b, &pushed, &e) ==
	    LT_OK);
	CHECK(pushed == 0 && b.len == 9 && memcmp(b.p, "{job=\"x\"}", 9) == 0);
	CHECK(lt_logql_query("  ", NULL, &b, &pushed, &e) == LT_ERR_ARG);
	lt_buf_free(&b);
}

/* A rule set from text; NULL on error. */
static struct lt_ruleset *
rules(const char *text, int defaults)
{
	struct lt_rules *b = lt_rules_new(NULL, NULL);
	struct lt_ruleset *rs = NULL;
	struct lt_compile_opts o;

	if (b == NULL)
		return NULL;
	if (defaults)
		(void)lt_rules_add_defaults(b);
	if (text != NULL)
		(void)lt_rules_add_buffer(b, "t.rules", text, strlen(text));
	lt_compile_opts_init(&o);
	o.no_jit = 1;
	(void)lt_rules_compile(b, &o, &rs);
	lt_rules_free(b);
	return rs;
}

static void
test_filter(void)
{
	struct lt_ruleset *rs;
	struct lt_buf b;
	struct lt_error e;
	int pushed = -1, coarse = -1;

	lt_buf_init(&b, LT_LOGQL_QUERY_MAX);
	/* the default rules: literals, under Loki's cap */
	rs = rules(NULL, 1);
	CHECK(rs != NULL);
	lt_error_clear(&e);
	CHECK(lt_logql_filter(rs, LT_LOGQL_FILTER_MAX, &b, &coarse, &e) ==
	    LT_OK);
	CHECK(coarse == 0 && strstr(e.message, "pushdown: ") != NULL);
	CHECK(b.len > 1000 && b.len < LT_LOGQL_FILTER_MAX);
	CHECK(b.len > 7 && memcmp(b.p, "\\x1b.?|", 7) == 0);
	lt_buf_reset(&b);
	/* under Loki's cap: the literals, or coarser (the rules grow) */
	CHECK(lt_logql_query("{job=\"ci\"}", rs, &b, &pushed, &e) == LT_OK);
	CHECK(pushed == 1 || pushed == 2);
	CHECK(b.len > 16 && b.len < LT_LOGQL_LOKI_MAX &&
	    memcmp(b.p, "{job=\"ci\"} |~ `", 15) == 0 && b.p[b.len - 1] == '`');
	/* a long selector leaves less room: coarser, still under the cap */
	{
		char sel[3000];

		memset(sel, 'a', sizeof sel);
		memcpy(sel, "{job=\"", 6);
		memcpy(sel + sizeof sel - 3, "\"}", 3);
		lt_buf_reset(&b);
		lt_error_clear(&e);
		CHECK(lt_logql_query(sel, rs, &b, &pushed, &e) == LT_OK);
		CHECK(pushed == 2 && b.len < LT_LOGQL_LOKI_MAX);
		CHECK(strstr(e.message, "coarser than the rules") != NULL);
		/* no room at all: the selector alone, and why */
		lt_buf_reset(&b);
		lt_error_clear(&e);
		lt_buf_reset(&b);
		CHECK(lt_logql_filter(rs, 40, &b, &coarse, &e) ==
		    LT_ERR_LIMIT);
		CHECK(strstr(e.message, "room for 40") != NULL);
	}
	lt_ruleset_free(rs);

	/*
	 * Coarser, case kept: 65 bytes as Loki quotes them do not fit in 60;
	 * cut to 14 bytes they do (59), and the best ranked rule's literal
	 * gets its 15th byte back (60); caseless stays caseless
	 */
	rs = rules("[category c]\nseverity = high\n"
	    "[rule r.b]\ncategory = c\npriority = 50\n"
	    "match = QRSTUVWXYZabcdef\n"
	    "[rule r.a]\ncategory = c\npriority = 90\n"
	    "match = ABCDEFGHIJKLMNOP\n"
	    "[rule r.c]\ncategory = c\npriority = 10\n"
	    "match = (?i)ghijklmnopqrstuv\n", 0);
	CHECK(rs != NULL);
	lt_buf_reset(&b);
	lt_error_clear(&e);
	CHECK(lt_logql_filter(rs, 65, &b, &coarse, &e) == LT_OK && coarse == 0);
	lt_buf_reset(&b);
	lt_error_clear(&e);
	CHECK(lt_logql_filter(rs, 60, &b, &coarse, &e) == LT_OK && coarse == 1);
	CHECK(b.len == 57 && memcmp(b.p, "\\x1b.?|ABCDEFGHIJKLMNO|QRSTUVWXYZabcd|"
	    "(?i:ghijklmnopqrst)", 57) == 0);
	CHECK(strstr(e.message, "every literal is cut to at most 14 bytes "
	    "(the first 1 of the rules' literals to 15)") != NULL);
	lt_ruleset_free(rs);

	/* no literal and not translatable: no filter, the note names it */
	rs = rules("[category c]\nseverity = high\n[rule r.back]\n"
	    "category = c\nmatch = (a)\\1\n[rule r.ok]\ncategory = c\n"
	    "match = fine\n", 0);
	CHECK(rs != NULL);
	lt_buf_reset(&b);
	lt_error_clear(&e);
	CHECK(lt_logql_query("{a=\"b\"}", rs, &b, &pushed, &e) == LT_OK);
	CHECK(pushed == 0);
	CHECK(b.len == 7 && memcmp(b.p, "{a=\"b\"}", 7) == 0);
	CHECK(strstr(e.message, "r.back") != NULL);
	CHECK(strstr(e.message, "backreference") != NULL);
	CHECK(strcmp(e.origin, "t.rules") == 0 && e.line == 3);
	lt_ruleset_free(rs);

	/*
	 * literals: case-sensitive, then caseless; one that another
	 * implies is dropped ("Fatal error" by caseless "fatal"); rule d's
	 * best literals are " ac+" and " bc+"; a pattern without literals
	 * goes whole; metacharacters and the backtick escaped
	 */
	rs = rules("[category c]\nseverity = high\n[rule a]\ncategory = c\n"
	    "priority = 60\nmatch = (?i)x`y\n[rule b]\ncategory = c\n"
	    "match = z\\d\n[rule d]\ncategory = c\nmatch = xyz. (a|b)c\\+\n"
	    "[rule e]\ncategory = c\nmatch = (?i)fatal|Fatal error\n", 0);
	CHECK(rs != NULL);
	lt_buf_reset(&b);
	CHECK(lt_logql_query("{a=\"b\"}", rs, &b, &pushed, &e) == LT_OK);
	CHECK(pushed == 1);
	lt_buf_addc(&b, '\0');
	CHECK_STR(b.p, "{a=\"b\"} |~ `\\x1b.?| ac\\+| bc\\+|(?i:fatal|x\\x60y)|"
	    "(?:z\\d)`");
	lt_ruleset_free(rs);
	lt_buf_free(&b);
}

int
main(void)
{
	test_translate();
	test_quote_and_query();
	test_filter();
	return T_DONE();
}

/*
 * test_rules.c - the rule parser and compiler: every diagnostic the
 * parser can give, with its position, and the semantics of a good set
 * (defaults from the category, replacement, disabled, rank order).
 */
#include <stdlib.h>
#include <string.h>

#include "logtriage/rules.h"
#include "t.h"

#define MAXD 16

struct diags {
	size_t n;
	struct lt_error e[MAXD];
};

static void
collect(void *ctx, const struct lt_error *e)
{
	struct diags *d = ctx;

	if (d->n < MAXD)
		d->e[d->n++] = *e;
}

static const char cats[] =
    "[category disk_space]\n"
    "severity = critical\n"
    "summary = Disk full\n"
    "remediation = Free space.\n"
    "runbook = runbooks/disk.md\n";

/* Parse cats + text as "t.rules" and compile; returns the ruleset. */
static struct lt_ruleset *
build(const char *text, struct diags *d)
{
	struct lt_rules *b = lt_rules_new(collect, d);
	struct lt_ruleset *rs = NULL;

	memset(d, 0, sizeof *d);
	lt_rules_add_buffer(b, "cats.rules", cats, strlen(cats));
	lt_rules_add_buffer(b, "t.rules", text, strlen(text));
	lt_rules_compile(b, NULL, &rs);
	lt_rules_free(b);
	return rs;
}

/* Expect exactly one error at line:col whose message contains msg. */
static void
expect_error(const char *text, unsigned long line, unsigned long col,
    const char *msg)
{
	struct diags d;
	struct lt_ruleset *rs = build(text, &d);
	size_t i, errs = 0;

	CHECK(rs == NULL);
	lt_ruleset_free(rs);
	for (i = 0; i < d.n; i++)
		if (d.e[i].level == LT_LEVEL_ERROR)
			errs++;
	CHECK(errs == 1);
	if (errs != 1)
		for (i = 0; i < d.n; i++)
			fprintf(stderr, "  %s:%lu:%lu: %s\n", d.e[i].origin,
			    d.e[i].line, d.e[i].column, d.e[i].message);
	for (i = 0; i < d.n; i++) {
		if (d.e[i].level != LT_LEVEL_ERROR)
			continue;
		if (strcmp(d.e[i].origin, "t.rules") != 0 ||
		    d.e[i].line != line || d.e[i].column != col ||
		    strstr(d.e[i].message, msg) == NULL) {
			fprintf(stderr, "  for %s:%lu:%lu '%s' got %s:%lu:%lu "
			    "'%s'\n", "t.rules", line, col, msg, d.e[i].origin,
			    d.e[i].line, d.e[i].column, d.e[i].message);
			CHECK(0);
		}
		break;
	}
}

static void
test_errors(void)
{
	/* syntax */
	expect_error("match = x\n", 1, 1, "key outside any stanza");
	expect_error("[rule a.b\n", 1, 10, "expected ']'");
	expect_error("[rule]\n", 1, 1, "expected '[category NAME]' or");
	expect_error("[rule a b]\n", 1, 1, "expected '[category NAME]' or");
	expect_error("[thing x]\n", 1, 2, "unknown stanza type 'thing'");
	expect_error("[rule -x]\n", 1, 7, "invalid rule id");
	expect_error("[category bad/name]\n", 1, 11, "invalid category name");
	expect_error("[rule r]\ncategory = disk_space\nmatch = x\nwhat\n",
	    4, 5, "expected 'key = value'");
	expect_error("[rule r]\ncategory = disk_space\nmatch = x\n= y\n",
	    4, 1, "expected 'key = value'");
	expect_error("[rule r]\ncategory = disk_space\nmatch = x\nfoo = 1\n",
	    4, 1, "unknown key 'foo' in a rule stanza");
	expect_error("[category c]\ncolour = red\n[rule r]\ncategory = c\n"
	    "match = x\n", 2, 1, "unknown key 'colour' in a category stanza");
	expect_error("[rule r]\ncategory = disk_space\ncategory = disk_space\n"
	    "match = x\n", 3, 1, "duplicate key 'category'");
	expect_error("[rule r]\ncategory = disk_space\nmatch = x\n"
	    "severity = urgent\n", 4, 12, "invalid severity");
	expect_error("[rule r]\ncategory = disk_space\nmatch = x\n"
	    "priority = 101\n", 4, 12, "invalid priority");
	expect_error("[rule r]\ncategory = disk_space\nmatch = x\n"
	    "priority = -1\n", 4, 12, "invalid priority");
	expect_error("[rule r]\ncategory = disk_space\nmatch = x\n"
	    "disabled = yes\n", 4, 12, "invalid value for 'disabled'");
	expect_error("[rule r]\ncategory = Bad Name\nmatch = x\n", 2, 12,
	    "invalid category name");
	/* regex errors point into the pattern */
	expect_error("[rule r]\ncategory = disk_space\nmatch =   a(b\n", 3, 14,
	    "missing closing parenthesis");
	expect_error("[rule r]\ncategory = disk_space\nunless = x**\nmatch = y\n",
	    3, 12, "quantifier does not follow");
	expect_error("[rule r]\ncategory = disk_space\nmatch =\n", 3, 8,
	    "empty pattern");
	expect_error("[redact r]\nmatch = a\nwhat = b\n", 3, 1,
	    "unknown key 'what' in a redact stanza");
	expect_error("[redact r]\nmatch = (\n", 2, 10,
	    "missing closing parenthesis");
	expect_error("[redact r]\n", 1, 9, "redact 'r' has no match pattern");
	expect_error("[redact r]\nmatch = a\ndisabled = no\n", 3, 12,
	    "invalid value for 'disabled'");
	/* whole-set checks */
	expect_error("[rule r]\ncategory = nowhere\nmatch = x\n", 2, 12,
	    "unknown category 'nowhere'");
	expect_error("[rule r]\nmatch = x\n", 1, 7, "rule 'r' has no category");
	expect_error("[rule r]\ncategory = disk_space\nunless = x\n", 1, 7,
	    "rule 'r' has no match pattern");
	/* NUL in rule text */
	{
		static const char nul[] = "[rule r]\ncategory = disk_space\n"
		    "match = a\0b\n";
		struct diags d;
		struct lt_rules *b = lt_rules_new(collect, &d);

		memset(&d, 0, sizeof d);
		CHECK(lt_rules_add_buffer(b, "t.rules", nul, sizeof nul - 1) !=
		    LT_OK);
		CHECK(d.n == 1 && d.e[0].line == 3 && d.e[0].column == 10 &&
		    strstr(d.e[0].message, "NUL byte") != NULL);
		lt_rules_free(b);
	}
	/* an unreadable path */
	{
		struct diags d;
		struct lt_rules *b = lt_rules_new(collect, &d);

		memset(&d, 0, sizeof d);
		CHECK(lt_rules_add_path(b, "/nonexistent/x.rules") ==
		    LT_ERR_IO);
		CHECK(d.n == 1 && strstr(d.e[0].message, "cannot open") &&
		    strcmp(d.e[0].origin, "/nonexistent/x.rules") == 0);
		lt_rules_free(b);
	}
}

static void
test_errors_keep_going(void)
{
	struct diags d;
	struct lt_ruleset *rs = build("[rule a]\nfoo = 1\nmatch = (\n"
	    "[rule b]\ncategory = disk_space\nmatch = ok\nbar = 2\n", &d);

	CHECK(rs == NULL);
	/* foo, the regex and bar are all reported; no cascade for a */
	CHECK(d.n == 3);
}

static void
test_semantics(void)
{
	struct diags d;
	const struct lt_rule_info *r;
	struct lt_ruleset *rs = build(
	    "# comment\n"
	    "  # indented comment\n"
	    "\n"
	    "[rule low]\r\n"
	    "category = disk_space\n"
	    "match = one\n"
	    "severity = low\n"
	    "[rule first]\n"
	    "category=disk_space\n"
	    "match = \\bfirst\\b   \n"
	    "unless = not first\n"
	    "summary = Own summary\n"
	    "[rule high]\n"
	    "category = disk_space\n"
	    "match = (?<what>two)\n"
	    "priority = 90\n"
	    "[rule off]\n"
	    "category = disk_space\n"
	    "match = three\n"
	    "disabled = true\n"
	    "[rule low]\n"
	    "category = disk_space\n"
	    "match = replaced\n", &d);

	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	CHECK(lt_ruleset_count(rs) == 3);	/* "off" dropped */
	r = lt_ruleset_rule(rs, 0);
	CHECK_STR(r->id, "high");
	CHECK(r->priority == 90);
	CHECK(r->severity == LT_SEV_CRITICAL);	/* from the category */
	CHECK_STR(r->summary, "Disk full");
	CHECK_STR(r->runbook, "runbooks/disk.md");
	/* the replacement keeps the slot of the first definition of "low",
	 * so it ranks before "first" at equal priority and severity */
	r = lt_ruleset_rule(rs, 1);
	CHECK_STR(r->id, "low");	/* replaced: default severity again */
	CHECK(r->severity == LT_SEV_CRITICAL);
	CHECK_STR(r->match[0], "replaced");
	CHECK(r->line == 21);
	r = lt_ruleset_rule(rs, 2);
	CHECK_STR(r->id, "first");
	CHECK_STR(r->summary, "Own summary");
	CHECK_STR(r->match[0], "\\bfirst\\b");	/* trailing blanks trimmed */
	CHECK(r->n_unless == 1);
	CHECK_STR(r->unless[0], "not first");
	CHECK(lt_ruleset_rule(rs, 3) == NULL);
	/* the same-origin redefinition was a warning */
	CHECK(d.n == 1 && d.e[0].level == LT_LEVEL_WARNING &&
	    strstr(d.e[0].message, "redefined") != NULL);
	lt_ruleset_free(rs);
}

static void
test_defaults_compile(void)
{
	struct diags d;
	struct lt_rules *b = lt_rules_new(collect, &d);
	struct lt_ruleset *rs = NULL;
	size_t i;

	memset(&d, 0, sizeof d);
	CHECK(lt_rules_add_defaults(b) == LT_OK);
	CHECK(lt_rules_compile(b, NULL, &rs) == LT_OK);
	CHECK(rs != NULL && lt_ruleset_count(rs) > 0);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "  default rules: %s:%lu: %s\n", d.e[i].origin,
		    d.e[i].line, d.e[i].message);
	CHECK(d.n == 0);
	lt_ruleset_free(rs);
	lt_rules_free(b);
	lt_rules_free(NULL);
	lt_ruleset_free(NULL);
}

/* Found by fuzz_rules: a last line ending in CR without a newline hung
 * the parser (it stepped back onto the CR forever). */
static void
test_trailing_cr(void)
{
	struct lt_rules *b = lt_rules_new(NULL, NULL);
	static const char text[] = "[category c]\r\n[rule r]\ncategory = c\r"
	    "\nmatch = x\r";

	CHECK(lt_rules_add_buffer(b, "t.rules", text, sizeof text - 1) == LT_OK);
	CHECK(lt_rules_add_buffer(b, "u.rules", "\r", 1) == LT_OK);
	CHECK(lt_rules_add_buffer(b, "v.rules", "# c\r\r", 5) == LT_OK);
	lt_rules_free(b);
}

static void
test_severity(void)
{
	enum lt_severity s;

	CHECK(lt_severity_parse("critical", 8, &s) == 0 && s == LT_SEV_CRITICAL);
	CHECK(lt_severity_parse("info", 4, &s) == 0 && s == LT_SEV_INFO);
	CHECK(lt_severity_parse("Info", 4, &s) != 0);
	CHECK(lt_severity_parse("inf", 3, &s) != 0);
	CHECK_STR(lt_severity_name(LT_SEV_MEDIUM), "medium");
}

/*
 * Runbook bases: the builder's (lt_rules_set_runbook_base) for the files
 * added after it, a file's own "runbook_base =" before its first stanza,
 * and neither touching URLs, absolute paths or empty runbooks.
 */
static void
test_runbook_base(void)
{
	struct diags d;
	struct lt_rules *b = lt_rules_new(collect, &d);
	struct lt_ruleset *rs = NULL;
	const struct lt_rule_info *r;
	size_t i;
	static const char a[] =
	    "[category ca]\nsummary = A\nrunbook = ./runbooks/a.md\n"
	    "[rule ra]\ncategory = ca\nmatch = A\n"
	    "[rule rurl]\ncategory = ca\nmatch = U\nrunbook = https://x/u\n"
	    "[rule rabs]\ncategory = ca\nmatch = P\nrunbook = /srv/p.md\n";
	static const char f[] =
	    "# own base\nrunbook_base = https://wiki.example/ops\n"
	    "[category cf]\nsummary = F\nrunbook = runbooks/f.md\n"
	    "[rule rf]\ncategory = cf\nmatch = F\n"
	    "[rule rempty]\ncategory = cf\nmatch = E\nrunbook =\n";
	static const char n[] =
	    "[rule rn]\ncategory = ca\nmatch = N\nrunbook = runbooks/n.md\n";

	memset(&d, 0, sizeof d);
	CHECK(lt_rules_set_runbook_base(b, "/usr/share/doc/lt/") == LT_OK);
	CHECK(lt_rules_add_buffer(b, "a.rules", a, strlen(a)) == LT_OK);
	CHECK(lt_rules_add_buffer(b, "f.rules", f, strlen(f)) == LT_OK);
	CHECK(lt_rules_set_runbook_base(b, NULL) == LT_OK);
	CHECK(lt_rules_add_buffer(b, "n.rules", n, strlen(n)) == LT_OK);
	CHECK(lt_rules_compile(b, NULL, &rs) == LT_OK && d.n == 0);
	for (i = 0; rs != NULL && i < lt_ruleset_count(rs); i++) {
		r = lt_ruleset_rule(rs, i);
		if (strcmp(r->id, "ra") == 0)
			CHECK_STR(r->runbook, "/usr/share/doc/lt/runbooks/a.md");
		else if (strcmp(r->id, "rurl") == 0)
			CHECK_STR(r->runbook, "https://x/u");
		else if (strcmp(r->id, "rabs") == 0)
			CHECK_STR(r->runbook, "/srv/p.md");
		else if (strcmp(r->id, "rf") == 0)
			CHECK_STR(r->runbook,
			    "https://wiki.example/ops/runbooks/f.md");
		else if (strcmp(r->id, "rempty") == 0)
			CHECK_STR(r->runbook, "");
		else if (strcmp(r->id, "rn") == 0)
			CHECK_STR(r->runbook, "runbooks/n.md");
	}
	CHECK(rs != NULL && lt_ruleset_count(rs) == 6);
	lt_ruleset_free(rs);
	lt_rules_free(b);
	/* only before the first stanza */
	expect_error("[rule r]\ncategory = disk_space\nmatch = x\n"
	    "runbook_base = https://late/\n", 4, 1, "unknown key");
	expect_error("summary = x\n", 1, 1, "key outside any stanza");
}

int
main(void)
{
	test_errors();
	test_errors_keep_going();
	test_semantics();
	test_defaults_compile();
	test_severity();
	test_trailing_cr();
	test_runbook_base();
	return T_DONE();
}

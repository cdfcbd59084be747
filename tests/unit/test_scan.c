/*
 * test_scan.c - splitter, scanner, JSON string writer and verdict: the
 * stages one at a time, on inputs chosen to break them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/line_start.h"
#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "logtriage/lines.h"
#include "logtriage/scan.h"
#include "logtriage/verdict.h"
#include "t.h"
#include "util/utf8.h"

/* ---- splitter ---- */

struct got {
	char text[8][64];
	size_t len[8];
	unsigned flags[8];
	unsigned long long no[8];
	size_t n;
};

static enum lt_status
on_line(void *ctx, const struct lt_line *l)
{
	struct got *g = ctx;

	if (g->n < 8) {
		memcpy(g->text[g->n], l->p, l->len < 63 ? l->len : 63);
		g->len[g->n] = l->len;
		g->flags[g->n] = l->flags;
		g->no[g->n] = l->no;
	}
	g->n++;
	return LT_OK;
}

/* Feed s one byte at a time or whole, and check both agree. */
static void
split(const char *s, size_t n, size_t max, struct got *g, int bytewise)
{
	struct lt_lines *sp = lt_lines_new(max, on_line, g);
	size_t i;

	memset(g, 0, sizeof *g);
	if (bytewise)
		for (i = 0; i < n; i++)
			lt_lines_feed(sp, s + i, 1);
	else
		lt_lines_feed(sp, s, n);
	lt_lines_finish(sp);
	lt_lines_free(sp);
}

static void
test_lines(void)
{
	static const char in[] = "a\r\n\nlonger line\nno-newline";
	struct got g;
	int bw;

	for (bw = 0; bw < 2; bw++) {
		split(in, sizeof in - 1, 8, &g, bw);
		CHECK(g.n == 4);
		CHECK(g.len[0] == 1 && memcmp(g.text[0], "a", 1) == 0);
		CHECK(g.len[1] == 0);
		CHECK(g.len[2] == 8 && memcmp(g.text[2], "longer l", 8) == 0);
		CHECK(g.flags[2] == LT_LINE_TRUNCATED);
		CHECK(g.flags[0] == 0 && g.flags[1] == 0);
		/* the last line has no newline and is over max too */
		CHECK(g.len[3] == 8 && g.no[3] == 4 &&
		    g.flags[3] == LT_LINE_TRUNCATED);
	}
	/* exactly max bytes plus CR is not truncated */
	for (bw = 0; bw < 2; bw++) {
		split("12345678\r\n", 10, 8, &g, bw);
		CHECK(g.n == 1 && g.len[0] == 8 && g.flags[0] == 0);
		split("123456789\n", 10, 8, &g, bw);
		CHECK(g.n == 1 && g.len[0] == 8 && g.flags[0] == LT_LINE_TRUNCATED);
	}
	/* NUL bytes are data */
	split("a\0b\n", 4, 8, &g, 0);
	CHECK(g.n == 1 && g.len[0] == 3 && g.text[0][1] == '\0');
	/* empty input: no line */
	split("", 0, 8, &g, 0);
	CHECK(g.n == 0);
	CHECK(lt_lines_new(0, on_line, &g) == NULL);
}

/*
 * Runs: ask answers from a script of lengths, one per call; the answers
 * that do not end just after a newline inside the buffer must be ignored.
 */
struct runs {
	struct got g;
	const size_t *answer;
	size_t n_answer, asked;
	struct lt_run run[4];
	size_t n_run;
};

static size_t
ask(void *ctx, const char *p, size_t n)
{
	struct runs *r = ctx;

	(void)p;
	(void)n;
	return r->asked < r->n_answer ? r->answer[r->asked++] : 0;
}

static enum lt_status
on_run(void *ctx, const struct lt_run *run)
{
	struct runs *r = ctx;

	if (r->n_run < 4)
		r->run[r->n_run] = *run;
	r->n_run++;
	return LT_OK;
}

static enum lt_status
on_run_line(void *ctx, const struct lt_line *l)
{
	return on_line(&((struct runs *)ctx)->g, l);
}

static void
test_runs(void)
{
	/*
	 * lines 1-2: a run | 3 alone | 4-6: a run (5 is 9 bytes and CR: cut;
	 * 6 is 8 and CR: whole) | 7 alone (the answer is bad) | 8, "ff", has
	 * no newline and is kept for the next feed (the answer is bad)
	 */
	static const char in[] = "aa\nbb\ncc\ndd\n123456789\r\n12345678\r\n"
	    "ee\nff";
	static const size_t answer[] = {
		6, 0, 24, 4,	/* 4 would end inside line 8: not a run */
		100,		/* the tail "ff": past the buffer */
	};
	struct runs r;
	struct lt_lines *sp;

	memset(&r, 0, sizeof r);
	r.answer = answer;
	r.n_answer = sizeof answer / sizeof answer[0];
	sp = lt_lines_new(8, on_run_line, &r);
	lt_lines_runs(sp, ask, on_run, &r);
	CHECK(lt_lines_feed(sp, in, sizeof in - 1) == LT_OK);
	CHECK(lt_lines_finish(sp) == LT_OK);
	CHECK(r.n_run == 2);
	CHECK(r.run[0].p == in && r.run[0].len == 6 && r.run[0].first == 1 &&
	    r.run[0].lines == 2 && r.run[0].truncated == 0);
	CHECK(r.run[1].p == in + 9 && r.run[1].len == 24 &&
	    r.run[1].first == 4 && r.run[1].lines == 3 &&
	    r.run[1].truncated == 1);
	/* the rest, line by line, numbered on from the runs */
	CHECK(r.g.n == 3);
	CHECK(r.g.no[0] == 3 && r.g.len[0] == 2 &&
	    memcmp(r.g.text[0], "cc", 2) == 0);
	CHECK(r.g.no[1] == 7 && memcmp(r.g.text[1], "ee", 2) == 0);
	CHECK(r.g.no[2] == 8 && memcmp(r.g.text[2], "ff", 2) == 0);
	CHECK(r.asked == 5);
	lt_lines_free(sp);
}

/*
 * A run's lines are counted 32 bytes at a time (lines.c): the count and
 * the lines over the cap must be those of a line-by-line count, for any
 * line lengths around the block size and the cap, CRs included.
 */
static void
test_runs_random(void)
{
	static const size_t caps[] = { 8, 31, 32, 33, 40, 64, 100, 1000 };
	unsigned long long st = 0x2545f4914f6cdd1dull;
	static char buf[1 << 16];

	for (unsigned round = 0; round < 400; round++) {
		size_t max = caps[round % (sizeof caps / sizeof caps[0])], n = 0, len, k;
		unsigned long long lines = 0, over = 0;
		struct runs r;
		struct lt_lines *sp;
		size_t ans[1];

		while (n < sizeof buf - 3000) {
			len = t_rnd(&st, 4) == 0 ? t_rnd(&st, 2 * max + 80) :
			    t_rnd(&st, 40);
			if (t_rnd(&st, 5) == 0)
				len = max + t_rnd(&st, 3);	/* near the cap */
			for (k = 0; k < len; k++)
				buf[n + k] = (char)('a' + t_rnd(&st, 26));
			if (len > 0 && t_rnd(&st, 3) == 0)
				buf[n + len - 1] = '\r';
			over += (len > 0 && buf[n + len - 1] == '\r' ? len - 1 :
			    len) > max;
			n += len;
			buf[n++] = '\n';
			lines++;
		}
		memset(&r, 0, sizeof r);
		ans[0] = n;
		r.answer = ans;
		r.n_answer = 1;
		sp = lt_lines_new(max, on_run_line, &r);
		lt_lines_runs(sp, ask, on_run, &r);
		CHECK(lt_lines_feed(sp, buf, n) == LT_OK);
		CHECK(r.n_run == 1 && r.g.n == 0);
		CHECK(r.run[0].lines == lines && r.run[0].truncated == over);
		lt_lines_free(sp);
	}
}

/* lt_line_start() looks back 16 bytes at a time: as a byte at a time. */
static void
test_line_start(void)
{
	unsigned long long st = 0x853c49e6748fea9bull;
	static char buf[600];
	const char *want, *at;
	size_t i, lo, k;

	for (unsigned round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof buf; i++)
			buf[i] = t_rnd(&st, 1 + round % 60) == 0 ? '\n' : 'x';
		lo = t_rnd(&st, 40);
		k = lo + t_rnd(&st, (unsigned)(sizeof buf - lo + 1));
		for (at = buf + k; at > buf + lo && at[-1] != '\n'; at--)
			;
		want = at;
		CHECK(lt_line_start(buf + lo, buf + k) == want);
	}
}

/* ---- scanner ---- */

static struct lt_ruleset *
compile_opts(const char *text, int no_prefilter)
{
	struct lt_rules *b = lt_rules_new(NULL, NULL);
	struct lt_ruleset *rs = NULL;
	struct lt_compile_opts o;

	lt_compile_opts_init(&o);
	o.no_prefilter = no_prefilter;
	lt_rules_add_buffer(b, "t.rules", text, strlen(text));
	lt_rules_compile(b, &o, &rs);
	lt_rules_free(b);
	return rs;
}

static struct lt_ruleset *
compile(const char *text)
{
	return compile_opts(text, 0);
}

static const char rules[] =
    "[category c]\nseverity = high\n"
    "[category d]\nseverity = critical\n"
    "[rule low]\ncategory = c\nmatch = (?i)error\npriority = 10\n"
    "[rule host]\ncategory = c\nmatch = host (?<host>[a-z.]+)\n"
    "unless = (?i)retrying\n"
    "[rule crit]\ncategory = d\nmatch = disk\n"
    "[rule limit]\ncategory = c\nmatch = ^(a+)+$\npriority = 5\n";

static void
test_scan(void)
{
	struct lt_ruleset *rs = compile(rules), *slow;
	struct lt_scanner *sc, *ssc;
	struct lt_hit h;
	struct lt_scan_note note;
	const char *s;
	char *big;
	size_t n;

	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	sc = lt_scanner_new(rs);
	/* rank: crit (50, critical) > host (50, high) > low > limit */
	CHECK_STR(lt_ruleset_rule(rs, 0)->id, "crit");
	CHECK_STR(lt_ruleset_rule(rs, 1)->id, "host");
	s = "Error: host example.com unreachable";
	CHECK(lt_scanner_scan(sc, s, strlen(s), &h, &note) == 1);
	CHECK_STR(lt_ruleset_rule(rs, h.rule)->id, "host");
	CHECK(h.start == 7 && h.end == 23);
	CHECK(h.n_fields == 1 && strcmp(h.fields[0].name, "host") == 0 &&
	    h.fields[0].start == 12 && h.fields[0].end == 23);
	/* the unless vetoes host; the next rule (low) wins */
	s = "error: host example.com, retrying";
	CHECK(lt_scanner_scan(sc, s, strlen(s), &h, &note) == 1);
	CHECK_STR(lt_ruleset_rule(rs, h.rule)->id, "low");
	/* the best rule wins even when a weaker one matches earlier */
	s = "error on disk";
	CHECK(lt_scanner_scan(sc, s, strlen(s), &h, &note) == 1);
	CHECK_STR(lt_ruleset_rule(rs, h.rule)->id, "crit");
	s = "all fine";
	CHECK(lt_scanner_scan(sc, s, strlen(s), &h, &note) == 0);
	/* invalid UTF-8 and NUL bytes do not stop matching */
	s = "\xff\xfe\0 error";
	CHECK(lt_scanner_scan(sc, s, 9, &h, &note) == 1 && h.start == 4);
	/*
	 * Catastrophic backtracking is bounded and noted.  The prefilter
	 * knows ^(a+)+$ cannot match and spares PCRE2 the work, so the limit
	 * is seen only without it.
	 */
	n = 100000;
	big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = 'b';
	CHECK(lt_scanner_scan(sc, big, n + 1, &h, &note) == 0);
	slow = compile_opts(rules, 1);
	ssc = lt_scanner_new(slow);
	CHECK(lt_scanner_scan(ssc, big, n + 1, &h, &note) == 0);
	CHECK(note.limit_hits == 1);
	CHECK_STR(lt_ruleset_rule(slow, note.limit_rule)->id, "limit");
	lt_scanner_free(ssc);
	lt_ruleset_free(slow);
	free(big);
	lt_scanner_free(sc);
	lt_scanner_free(NULL);
	lt_ruleset_free(rs);
}

/*
 * A line longer than the scanner's window (4096 start positions) is
 * searched a window at a time: matches that start at a window's edge,
 * look behind across it or run over it are found as one search finds
 * them; a quadratic pattern runs out of the per-line budget, is counted
 * and noted, and so is every pattern after it on that line.
 */
static const char wrules[] =
    "[category c]\nseverity = high\n"
    "[rule behind]\ncategory = c\nmatch = (?<=x)needle\npriority = 30\n"
    "[rule word]\ncategory = c\nmatch = \\bstraddle\\b\npriority = 20\n"
    "[rule quad]\ncategory = c\n"
    "match = \\bmake(?:\\[\\d+\\])?: \\*\\*\\* .*Error \\d+\npriority = 10\n"
    "[rule after]\ncategory = c\nmatch = make\npriority = 5\n";

static void
test_windows(void)
{
	struct lt_rules *b = lt_rules_new(NULL, NULL);
	struct lt_ruleset *rs = NULL;
	struct lt_compile_opts o;
	struct lt_scanner *sc;
	struct lt_scan_note note;
	struct lt_hit h;
	size_t n = 1 << 18, i, at;
	char *line = malloc(n);

	lt_compile_opts_init(&o);
	o.no_prefilter = 1;
	o.line_budget_ms = 20;
	lt_rules_add_buffer(b, "w.rules", wrules, strlen(wrules));
	CHECK(lt_rules_compile(b, &o, &rs) == LT_OK && rs != NULL);
	lt_rules_free(b);
	if (rs == NULL || line == NULL)
		return;
	sc = lt_scanner_new(rs);
	for (at = 4094; at <= 4098; at++) {	/* around the first edge */
		memset(line, '.', n);
		line[at - 1] = 'x';
		memcpy(line + at, "needle", 6);
		CHECK(lt_scanner_scan(sc, line, n, &h, &note) == 1 &&
		    h.start == at && h.end == at + 6 &&
		    strcmp(lt_ruleset_rule(rs, h.rule)->id, "behind") == 0);
	}
	memset(line, '.', n);
	memcpy(line + 3 * 4096 - 3, "astraddle", 9);	/* no \b before it */
	memcpy(line + 5 * 4096 - 4, " straddle ", 10);
	CHECK(lt_scanner_scan(sc, line, n, &h, &note) == 1 &&
	    h.start == 5 * 4096 - 3 && note.limit_hits == 0);
	/* a multi-byte character across an edge: the next window starts
	 * after it, and a match just past it is found */
	memset(line, '.', n);
	memcpy(line + 4096, "\xe2\x82\xac", 3);
	memcpy(line + 4099, "straddle ", 9);
	CHECK(lt_scanner_scan(sc, line, n, &h, &note) == 1 &&
	    h.start == 4099);
	/* quadratic: the budget ends it, and the rules after it */
	for (i = 0; i + 16 <= n; i += 16)	/* the old job.make-error */
		memcpy(line + i, "make: *** Error ", 16);
	CHECK(lt_scanner_scan(sc, line, i, &h, &note) == 0);
	CHECK(note.budget_out == 1 && note.limit_hits == 2 &&
	    strcmp(lt_ruleset_rule(rs, note.budget_rule)->id, "quad") == 0);
	/* the next line has its budget again */
	CHECK(lt_scanner_scan(sc, "make: x Error 1", 15, &h, &note) == 1 &&
	    note.limit_hits == 0 && note.budget_out == 0);
	lt_scanner_free(sc);
	lt_ruleset_free(rs);
	free(line);
}

static long long
thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The line budget is line_budget_ms for each MiB of the line begun: on a
 * line of 2 MiB and 1 byte a pattern that never finishes in time runs
 * out after 3 x 20 ms of CPU, not 20.  Each start costs a bounded 4,000
 * steps (the whole line would take seconds), so the scan is stopped at a
 * window edge soon after the budget; only the lower bound is checked,
 * which no load can break.
 */
static const char brules[] =
    "[category c]\nseverity = high\n"
    "[rule slow]\ncategory = c\nmatch = \\d{1,4000}\\D\n";

static void
test_budget_per_mib(void)
{
	struct lt_rules *b = lt_rules_new(NULL, NULL);
	struct lt_ruleset *rs = NULL;
	struct lt_compile_opts o;
	struct lt_scanner *sc = NULL;
	struct lt_scan_note note;
	struct lt_hit h;
	size_t n = (2u << 20) + 1;
	char *line = malloc(n);
	long long t0;

	lt_compile_opts_init(&o);
	o.no_prefilter = 1;
	o.line_budget_ms = 20;
	lt_rules_add_buffer(b, "b.rules", brules, strlen(brules));
	CHECK(lt_rules_compile(b, &o, &rs) == LT_OK && rs != NULL);
	lt_rules_free(b);
	if (rs == NULL || line == NULL)
		goto out;
	memset(line, '7', n);
	sc = lt_scanner_new(rs);
	CHECK(sc != NULL);
	if (sc == NULL)
		goto out;
	t0 = thread_cpu_ms();
	CHECK(lt_scanner_scan(sc, line, n, &h, &note) == 0);
	CHECK(note.budget_out == 1 && note.limit_hits == 1);
	CHECK(thread_cpu_ms() - t0 >= 60);
out:
	lt_scanner_free(sc);
	lt_ruleset_free(rs);
	free(line);
}

/* ---- JSON strings ---- */

static const char *
js(struct lt_buf *b, const char *s, size_t n)
{
	lt_buf_reset(b);
	lt_emit_json_string(b, s, n);
	return b->p;
}

static void
test_json(void)
{
	struct lt_buf b;

	lt_buf_init(&b, 1 << 20);
	CHECK_STR(js(&b, "plain", 5), "\"plain\"");
	CHECK_STR(js(&b, "q\"b\\", 4), "\"q\\\"b\\\\\"");
	CHECK_STR(js(&b, "\n\t\r\b\f\x01\x1f", 7),
	    "\"\\n\\t\\r\\b\\f\\u0001\\u001f\"");
	CHECK_STR(js(&b, "a\0b", 3), "\"a\\u0000b\"");
	CHECK_STR(js(&b, "\xc3\xa9", 2), "\"\xc3\xa9\"");	/* é kept */
	CHECK_STR(js(&b, "\xff", 1), "\"\xef\xbf\xbd\"");
	CHECK_STR(js(&b, "\xc0\xaf", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(js(&b, "\xed\xa0\x80", 3),	/* a surrogate */
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(js(&b, "\xf4\x90\x80\x80", 4),	/* above U+10FFFF */
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(js(&b, "\xf0\x9f\x92\xa5", 4), "\"\xf0\x9f\x92\xa5\"");
	CHECK_STR(js(&b, "\xe2\x82", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK(lt_utf8_clean_len("\xff" "ab", 3) == 5);
	CHECK(lt_utf8_clean_len("\xc3\xa9", 2) == 2);
	/* the cap is an error, not an overflow */
	{
		struct lt_buf small;

		lt_buf_init(&small, 4);
		CHECK(lt_emit_json_string(&small, "abcdef", 6) == LT_ERR_LIMIT);
		lt_buf_reset(&small);
		CHECK(lt_buf_add(&small, "abcd", 4) == LT_OK);
		CHECK(lt_buf_addc(&small, 'e') == LT_ERR_LIMIT);
		CHECK(small.len == 4);
		lt_buf_free(&small);
	}
	lt_buf_free(&b);
}

/* ---- verdict ---- */

static struct lt_match
mk(const struct lt_ruleset *rs, const char *id, unsigned long long seq)
{
	struct lt_match m;
	size_t i;

	memset(&m, 0, sizeof m);
	for (i = 0; i < lt_ruleset_count(rs); i++)
		if (strcmp(lt_ruleset_rule(rs, i)->id, id) == 0)
			m.rule = i;
	m.source = "-";
	m.line = seq;
	m.seq = seq;
	m.text = id;
	m.text_len = strlen(id);
	return m;
}

static void
test_verdict(void)
{
	struct lt_ruleset *rs = compile(
	    "[category c]\nseverity = high\n"
	    "[category d]\nseverity = critical\n"
	    "[rule a]\ncategory = c\nmatch = a\npriority = 60\n"
	    "[rule b]\ncategory = d\nmatch = b\npriority = 60\n"
	    "[rule e]\ncategory = c\nmatch = e\npriority = 60\n"
	    "[rule f]\ncategory = c\nmatch = f\npriority = 20\n"
	    "[rule g]\ncategory = c\nmatch = g\npriority = 10\n"
	    "[rule i]\ncategory = c\nmatch = i\nseverity = info\n"
	    "priority = 99\n");
	struct lt_verdict *v;
	struct lt_match m;
	char why[256];

	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	v = lt_verdict_new(rs, LT_SEV_LOW);
	CHECK(lt_verdict_failed(v) == 0);
	m = mk(rs, "i", 1);	/* info: below fail_on, counted only */
	lt_verdict_add(v, &m);
	CHECK(lt_verdict_failed(v) == 0);
	m = mk(rs, "g", 2);
	lt_verdict_add(v, &m);
	m = mk(rs, "e", 3);
	lt_verdict_add(v, &m);
	m = mk(rs, "a", 4);
	lt_verdict_add(v, &m);
	m = mk(rs, "f", 5);
	lt_verdict_add(v, &m);
	m = mk(rs, "e", 6);	/* a rule's later match changes nothing */
	lt_verdict_add(v, &m);
	CHECK(lt_verdict_failed(v) == 1);
	/* e and a tie on priority and severity: e came first */
	CHECK_STR(lt_ruleset_rule(rs, lt_verdict_top(v, 0)->rule)->id, "e");
	CHECK(lt_verdict_top(v, 0)->line == 3);
	CHECK_STR(lt_ruleset_rule(rs, lt_verdict_top(v, 1)->rule)->id, "a");
	lt_verdict_why(v, why, sizeof why);
	CHECK(strstr(why, "e matched first") != NULL);
	m = mk(rs, "b", 7);	/* same priority, higher severity */
	lt_verdict_add(v, &m);
	CHECK_STR(lt_ruleset_rule(rs, lt_verdict_top(v, 0)->rule)->id, "b");
	CHECK_STR(lt_ruleset_rule(rs, lt_verdict_top(v, 3)->rule)->id, "f");
	CHECK(lt_verdict_top(v, 4) == NULL);	/* g fell off the top */
	lt_verdict_why(v, why, sizeof why);
	CHECK(strstr(why, "critical severity outranks high") != NULL);
	CHECK(lt_verdict_counts(v)->matches == 7);
	/*
	 * A pending match decided late (evidence.c) may be earlier in the
	 * input than its rule's kept one: it replaces it, and moves its
	 * category's first line back.
	 */
	m = mk(rs, "a", 1);
	lt_verdict_add(v, &m);
	/* a (line 1 now, not 4) ties with e on rank and is earlier */
	CHECK_STR(lt_ruleset_rule(rs, lt_verdict_top(v, 1)->rule)->id, "a");
	CHECK(lt_verdict_top(v, 1)->line == 1);
	CHECK_STR(lt_ruleset_rule(rs, lt_verdict_top(v, 2)->rule)->id, "e");
	CHECK(lt_verdict_top(v, 4) == NULL);	/* a still once in the top */
	m = mk(rs, "a", 9);			/* later again: no change */
	lt_verdict_add(v, &m);
	CHECK(lt_verdict_top(v, 1)->line == 1);
	CHECK(lt_verdict_category(v, 1)->first_line == 7);	/* d: b */
	m = mk(rs, "b", 2);
	lt_verdict_add(v, &m);
	CHECK(lt_verdict_top(v, 0)->line == 2);
	CHECK(lt_verdict_category(v, 1)->first_line == 2);
	CHECK(lt_verdict_category(v, 1)->count == 2);
	lt_verdict_free(v);
	lt_ruleset_free(rs);
}

/*
 * The root-cause order against a brute-force reading of verdict.h's
 * policy, on random rule sets: the ruleset's rank order is priority, then
 * severity, both high to low, then order of definition; the verdict's top
 * list is the rules that matched, by priority, severity, then the earlier
 * match.
 */
static void
test_rank_random(void)
{
	static const int prio[] = { 10, 20, 30 };
	unsigned long long st = 0x9e3779b97f4a7c15ull;
	char text[2048], id[16];

	for (unsigned round = 0; round < 300; round++) {
		unsigned k = 2 + t_rnd(&st, 7), i, j;
		int p[8];
		enum lt_severity sv[8];
		unsigned long long seq[8];
		size_t order[8], len = 0, n_top, def[8];
		struct lt_ruleset *rs;
		struct lt_verdict *v;

		len += (size_t)snprintf(text + len, sizeof text - len,
		    "[category c]\nseverity = high\n");
		for (i = 0; i < k; i++) {
			p[i] = prio[t_rnd(&st, 3)];
			sv[i] = (enum lt_severity)(LT_SEV_LOW + t_rnd(&st, 4));
			len += (size_t)snprintf(text + len, sizeof text - len,
			    "[rule r%u]\ncategory = c\nmatch = x\n"
			    "priority = %d\nseverity = %s\n", i, p[i],
			    lt_severity_name(sv[i]));
		}
		rs = compile(text);
		CHECK(rs != NULL && lt_ruleset_count(rs) == k);
		if (rs == NULL || lt_ruleset_count(rs) != k) {
			lt_ruleset_free(rs);
			continue;
		}
		for (i = 0; i < k; i++)
			def[i] = (size_t)strtoul(lt_ruleset_rule(rs, i)->id + 1,
			    NULL, 10);
		for (i = 0; i + 1 < k; i++) {
			size_t a = def[i], b = def[i + 1];

			CHECK(p[a] > p[b] || (p[a] == p[b] && (sv[a] > sv[b] ||
			    (sv[a] == sv[b] && a < b))));
		}
		/* each rule matches once, at a distinct random position */
		for (i = 0; i < k; i++)
			seq[i] = i + 1;
		for (i = k - 1; i > 0; i--) {
			unsigned long long t;

			j = t_rnd(&st, i + 1);
			t = seq[i], seq[i] = seq[j], seq[j] = t;
		}
		v = lt_verdict_new(rs, LT_SEV_LOW);
		for (unsigned long long s = 1; s <= k; s++)
			for (i = 0; i < k; i++)
				if (seq[i] == s) {
					struct lt_match m;

					snprintf(id, sizeof id, "r%u", i);
					m = mk(rs, id, s);
					lt_verdict_add(v, &m);
				}
		/* brute force: selection sort by the policy */
		for (i = 0; i < k; i++)
			order[i] = i;
		for (i = 0; i < k; i++)
			for (j = i + 1; j < k; j++) {
				size_t a = order[i], b = order[j];

				if (p[b] > p[a] || (p[b] == p[a] &&
				    (sv[b] > sv[a] || (sv[b] == sv[a] &&
				    seq[b] < seq[a])))) {
					order[i] = b;
					order[j] = a;
				}
			}
		n_top = k < LT_VERDICT_TOP ? k : LT_VERDICT_TOP;
		for (i = 0; i < n_top; i++) {
			const struct lt_match *m = lt_verdict_top(v, i);

			snprintf(id, sizeof id, "r%zu", order[i]);
			CHECK(m != NULL);
			if (m != NULL)
				CHECK_STR(lt_ruleset_rule(rs, m->rule)->id, id);
		}
		CHECK(lt_verdict_top(v, n_top) == NULL);
		lt_verdict_free(v);
		lt_ruleset_free(rs);
	}
}

int
main(void)
{
	test_runs();
	test_runs_random();
	test_line_start();
	test_lines();
	test_scan();
	test_windows();
	test_budget_per_mib();
	test_json();
	test_verdict();
	test_rank_random();
	return T_DONE();
}

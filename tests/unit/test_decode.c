/*
 * test_decode.c - the input decoders: detection, times, and the records
 * each format gives, fed whole and one byte at a time (both must agree).
 * Expected values are worked out by hand from the format descriptions
 * (times cross-checked with an independent calendar), not copied from
 * the program's output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode_int.h"
#include "logtriage/emit.h"
#include "logtriage/triage.h"
#include "t.h"

/* ---- collecting records ---- */

#define GOT_MAX 16

struct rec {
	char text[256];
	size_t len;
	char time[LT_TIME_MAX];	/* "-" when unknown */
	char labels[512];	/* "k=v;k=v" */
	size_t n_labels;
	size_t vlen0;		/* bytes of the first label's value */
	char lastkey[16];	/* the last label's key */
	unsigned long long no;
	unsigned flags;
};

struct got {
	struct rec r[GOT_MAX];
	size_t n;
	enum lt_status st;	/* of lt_decoder_end */
	struct lt_error err;
};

static enum lt_status
on_record(void *ctx, const struct lt_record *r)
{
	struct got *g = ctx;
	struct rec *x;
	size_t i, o = 0;

	if (g->n >= GOT_MAX) {
		g->n++;
		return LT_OK;
	}
	x = &g->r[g->n++];
	x->len = r->len;
	memset(x->text, 0, sizeof x->text);
	memcpy(x->text, r->text, r->len < 255 ? r->len : 255);
	snprintf(x->time, sizeof x->time, "%s", r->time ? r->time : "-");
	x->labels[0] = '\0';
	for (i = 0; i < r->n_labels && o < sizeof x->labels; i++)
		o += (size_t)snprintf(x->labels + o, sizeof x->labels - o,
		    "%s%.*s=%.*s", i ? ";" : "", (int)r->labels[i].key_len,
		    r->labels[i].key, (int)r->labels[i].value_len,
		    r->labels[i].value);
	x->n_labels = r->n_labels;
	x->vlen0 = r->n_labels ? r->labels[0].value_len : 0;
	x->lastkey[0] = '\0';
	if (r->n_labels > 0)
		snprintf(x->lastkey, sizeof x->lastkey, "%.*s",
		    (int)r->labels[r->n_labels - 1].key_len,
		    r->labels[r->n_labels - 1].key);
	x->no = r->no;
	x->flags = r->flags;
	return LT_OK;
}

static void
run(enum lt_input in, size_t max_line, const char *s, size_t n, int bytewise,
    struct got *g)
{
	struct lt_decoder *d = lt_decoder_new(in, max_line, on_record, g);
	size_t i;

	memset(g, 0, sizeof *g);
	lt_decoder_begin(d, "src.log");
	if (bytewise)
		for (i = 0; i < n; i++)
			lt_decoder_feed(d, s + i, 1);
	else
		lt_decoder_feed(d, s, n);
	g->st = lt_decoder_end(d, &g->err);
	lt_decoder_free(d);
}

/* Decode s both ways; the two must give the same records. */
static void
decode(enum lt_input in, const char *s, struct got *g)
{
	static struct got b;
	size_t i;

	run(in, 1u << 20, s, strlen(s), 1, &b);
	run(in, 1u << 20, s, strlen(s), 0, g);
	CHECK(b.n == g->n);
	CHECK(b.st == g->st);
	for (i = 0; i < g->n && i < b.n && i < GOT_MAX; i++)
		CHECK(memcmp(&b.r[i], &g->r[i], sizeof b.r[i]) == 0);
}

/* ---- names and detection ---- */

static void
test_names(void)
{
	enum lt_input in;

	CHECK(lt_input_parse("journal", 7, &in) == 0 && in == LT_INPUT_JOURNAL);
	CHECK(lt_input_parse("auto", 4, &in) == 0 && in == LT_INPUT_AUTO);
	CHECK(lt_input_parse("jsonlx", 6, &in) == -1);
	CHECK(lt_input_parse("json", 4, &in) == -1);
	CHECK_STR(lt_input_name(LT_INPUT_DOCKER), "docker");
	CHECK_STR(lt_input_name(LT_INPUT_GHA), "gha");
}

static int
detect(const char *s, int eof)
{
	enum lt_input in = LT_INPUT_AUTO;

	if (!lt_input_detect(s, strlen(s), eof, &in))
		return -1;
	return (int)in;
}

static void
test_detect(void)
{
	char *big;

	CHECK(detect("", 0) == -1);
	CHECK(detect("", 1) == LT_INPUT_TEXT);
	CHECK(detect(" \n\r\n", 0) == -1);
	CHECK(detect(" \n\r\n", 1) == LT_INPUT_TEXT);
	/* the first line must be complete, unless the input ended */
	CHECK(detect("{\"MESSAGE\":\"a\"", 0) == -1);
	CHECK(detect("{\"MESSAGE\":\"a\"}", 1) == LT_INPUT_JOURNAL);
	CHECK(detect("\n{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"a\"}\r\n",
	    0) == LT_INPUT_JOURNAL);
	CHECK(detect("{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":"
	    "\"2025-01-11T10:00:01Z\"}\r\n", 0) == LT_INPUT_DOCKER);
	CHECK(detect("{\"labels\":{},\"line\":\"a\",\"timestamp\":"
	    "\"2025-01-11T10:00:01Z\"}\n", 0) == LT_INPUT_JSONL);
	CHECK(detect("{\"line\":\"a\",\"timestamp\":\"2025-01-11T10:00:01Z\"}\n",
	    0) == LT_INPUT_JSONL);
	CHECK(detect("{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"streams\",\"result\":[]}}", 1) == LT_INPUT_LOKI);
	/* pretty-printed Loki: "resultType" decides, within the window */
	CHECK(detect("{\n  \"status\": \"success\",\n", 0) == -1);
	CHECK(detect("{\n  \"status\": \"success\",\n  \"data\": {\n"
	    "    \"resultType\": \"streams\",\n", 0) == LT_INPUT_LOKI);
	CHECK(detect("{\n  \"status\": \"success\",\n", 1) == LT_INPUT_TEXT);
	/* an application's JSON log is not Loki, nor anything else */
	CHECK(detect("{\"status\":200,\"data\":{\"user\":1}}\n", 0) ==
	    LT_INPUT_TEXT);
	CHECK(detect("{\"msg\":\"hello\"}\n", 0) == LT_INPUT_TEXT);
	CHECK(detect("[1,2]\n", 0) == LT_INPUT_TEXT);
	CHECK(detect("{not json\n", 0) == LT_INPUT_TEXT);
	/* a JSON first line decides, whatever follows */
	CHECK(detect("{\"MESSAGE\":\"a\"}\nplain text\n", 0) ==
	    LT_INPUT_JOURNAL);
	CHECK(detect("2025-01-11T10:00:01.1234567Z ##[group]Run make\n", 0) ==
	    LT_INPUT_GHA);
	CHECK(detect("2025-01-11T10:00:01.1234567Z\n", 0) == LT_INPUT_TEXT);
	CHECK(detect("[2025-01-11 10:00:01Z INFO Runner] Listening\n", 0) ==
	    LT_INPUT_GHA);
	CHECK(detect("[2025-01-11 10:00:01Z] no level\n", 0) == LT_INPUT_TEXT);
	CHECK(detect("2025-01-11T10:00:01+0000 host unit[1]: msg\n", 0) ==
	    LT_INPUT_TEXT);
	CHECK(detect("Jan 11 10:00:01 host unit[1]: msg\n", 0) ==
	    LT_INPUT_TEXT);
	/* a full window decides without a newline */
	big = malloc(LT_DETECT_MAX + 1);
	memset(big, 'x', LT_DETECT_MAX);
	big[LT_DETECT_MAX] = '\0';
	CHECK(detect(big, 0) == LT_INPUT_TEXT);
	memcpy(big, "{\"MESSAGE\":\"", 12);
	CHECK(detect(big, 0) == LT_INPUT_JOURNAL);
	memcpy(big, "{\"status\":\"success\",\"data\":{\"resultType\":\"s", 43);
	CHECK(detect(big, 0) == LT_INPUT_LOKI);
	free(big);
}

/* ---- time ---- */

static const char *
tparse(const char *s, size_t *used)
{
	static char out[LT_TIME_MAX];

	*used = lt_time_parse(s, strlen(s), out);
	return *used ? out : "-";
}

static void
test_time(void)
{
	char out[LT_TIME_MAX];
	unsigned long long v;
	size_t k;

	CHECK_STR(tparse("2024-02-29T23:59:59.5+01:00 x", &k),
	    "2024-02-29T22:59:59.5Z");
	CHECK(k == 27);
	CHECK_STR(tparse("2025-01-10T23:30:09-0530", &k),
	    "2025-01-11T05:00:09Z");
	CHECK_STR(tparse("2025-12-31T23:00:00-01", &k), "2026-01-01T00:00:00Z");
	CHECK(k == 22);
	CHECK_STR(tparse("2025-01-11 10:00:01Z", &k), "2025-01-11T10:00:01Z");
	CHECK_STR(tparse("2025-01-11T10:00:01.1234567Z", &k),
	    "2025-01-11T10:00:01.1234567Z");
	/* more than nanoseconds: cut to nine digits, all of them read */
	CHECK_STR(tparse("2025-01-11T10:00:01.1234567890123Z", &k),
	    "2025-01-11T10:00:01.123456789Z");
	CHECK(k == 34);
	CHECK_STR(tparse("2000-02-29T00:00:00Z", &k), "2000-02-29T00:00:00Z");
	CHECK_STR(tparse("1900-02-29T00:00:00Z", &k), "-");
	CHECK_STR(tparse("2023-02-29T00:00:00Z", &k), "-");
	CHECK_STR(tparse("2025-04-31T00:00:00Z", &k), "-");
	CHECK_STR(tparse("2025-01-11T10:00:01", &k), "-");	/* no zone */
	CHECK_STR(tparse("2025-01-11T10:00:01.Z", &k), "-");
	CHECK_STR(tparse("2025-01-11T24:00:00Z", &k), "-");
	CHECK_STR(tparse("2025-01-11T23:59:60Z", &k), "-");
	CHECK_STR(tparse("2025-01-11T10:00:01+24:00", &k), "-");
	CHECK_STR(tparse("2025-01-11T10:00:01+01:60", &k), "-");
	CHECK_STR(tparse("0000-01-01T00:30:00+01:00", &k), "-");
	CHECK_STR(tparse("9999-12-31T23:59:59-00:01", &k), "-");
	CHECK_STR(tparse("2025-1-11T10:00:01Z", &k), "-");
	CHECK(lt_time_format(out, 0, 0, 0) == 0);
	CHECK_STR(out, "1970-01-01T00:00:00Z");
	CHECK(lt_time_format(out, -1, 5, 1) == 0);
	CHECK_STR(out, "1969-12-31T23:59:59.5Z");
	CHECK(lt_time_format(out, 951782400, 7, 6) == 0);
	CHECK_STR(out, "2000-02-29T00:00:00.000007Z");
	CHECK(lt_time_format(out, 253402300799LL, 999999999, 9) == 0);
	CHECK_STR(out, "9999-12-31T23:59:59.999999999Z");
	CHECK(lt_time_format(out, 253402300800LL, 0, 0) == -1);
	CHECK(lt_time_format(out, 0, 0, 10) == -1);
	CHECK(lt_time_decimal("18446744073709551615", 20, &v) == 0 &&
	    v == 18446744073709551615ull);
	CHECK(lt_time_decimal("18446744073709551616", 20, &v) == -1);
	CHECK(lt_time_decimal("", 0, &v) == -1);
	CHECK(lt_time_decimal("12a", 3, &v) == -1);
}

/* ---- text ---- */

static void
test_text(void)
{
	struct got g;

	decode(LT_INPUT_TEXT,
	    "Jan 11 10:00:01 runner-1 systemd[1]: Started x.\n"
	    "Jan  9 10:00:02 h sshd[22]: NOTE a\n"
	    "Jan 9 10:00:02 h kernel: Out of memory\n"
	    "Jan 11 10:00:01.123456 h u[7]: precise\n"
	    "2025-01-11T10:00:01+0000 h u[7]: iso\n"
	    "2025-01-11T11:00:01.5+01:00 h u: iso precise\n"
	    "Jan 11 10:00:01 h u:\n"
	    "May 2 things happened: nothing\n"
	    "2025-01-11 10:00:01,123 INFO x: python\n"
	    "Jan 11 10:00:01 host-only\n"
	    "Jan 11 10:00:01 h u[x]: bad pid\n"
	    "Jan 11 10:00:01 h u:no space\n"
	    "Fix the build\n", &g);
	CHECK(g.n == 13 && g.st == LT_OK);
	CHECK_STR(g.r[0].text, "Started x.");
	CHECK_STR(g.r[0].time, "-");
	CHECK_STR(g.r[0].labels, "host=runner-1;unit=systemd;pid=1;"
	    "syslog_time=Jan 11 10:00:01");
	CHECK_STR(g.r[1].text, "NOTE a");
	CHECK_STR(g.r[1].labels, "host=h;unit=sshd;pid=22;"
	    "syslog_time=Jan  9 10:00:02");
	CHECK_STR(g.r[2].labels, "host=h;unit=kernel;"
	    "syslog_time=Jan 9 10:00:02");
	CHECK_STR(g.r[3].text, "precise");
	CHECK_STR(g.r[3].labels, "host=h;unit=u;pid=7;"
	    "syslog_time=Jan 11 10:00:01.123456");
	CHECK_STR(g.r[4].text, "iso");
	CHECK_STR(g.r[4].time, "2025-01-11T10:00:01Z");
	CHECK_STR(g.r[4].labels, "host=h;unit=u;pid=7");
	CHECK_STR(g.r[5].text, "iso precise");
	CHECK_STR(g.r[5].time, "2025-01-11T10:00:01.5Z");
	CHECK_STR(g.r[6].text, "");		/* empty message */
	CHECK_STR(g.r[6].labels, "host=h;unit=u;syslog_time=Jan 11 10:00:01");
	/* not prefixes: the line as it is */
	CHECK_STR(g.r[7].text, "May 2 things happened: nothing");
	CHECK_STR(g.r[8].text, "2025-01-11 10:00:01,123 INFO x: python");
	CHECK_STR(g.r[9].text, "Jan 11 10:00:01 host-only");
	CHECK_STR(g.r[10].text, "Jan 11 10:00:01 h u[x]: bad pid");
	CHECK_STR(g.r[11].text, "Jan 11 10:00:01 h u:no space");
	CHECK_STR(g.r[12].text, "Fix the build");
	CHECK(g.r[7].labels[0] == '\0' && g.r[12].labels[0] == '\0');
	CHECK(g.r[12].no == 13 && g.r[12].flags == 0);
}

/* ---- GitHub Actions ---- */

static void
test_gha(void)
{
	struct got g;

	decode(LT_INPUT_AUTO,
	    "\xef\xbb\xbf" "2025-01-11T10:00:01.1234567Z Current runner\n"
	    "2025-01-11T10:00:02.0000001Z ##[group]Run make test\n"
	    "2025-01-11T10:00:02.0000002Z make test\n"
	    "  continued without a stamp\n"
	    "2025-01-11T10:00:02.0000003Z ##[endgroup]\n"
	    "2025-01-11T10:00:03.5Z ##[error]Process completed with exit "
	    "code 2.\n"
	    "2025-01-11T10:00:04.0000000Z ##[warning]careful\n"
	    "2025-01-11T10:00:04.1000000Z ##[Error]not a marker\n"
	    "2025-01-11T10:00:05.0000000Z ##[group]Run actions/cache@v4\n"
	    "Jan 11 10:00:06 h runsvc.sh[3]: journal line\n"
	    "2025-01-11T10:00:07.0000000Z ##[notice]n\n", &g);
	CHECK(g.n == 11 && g.st == LT_OK);
	CHECK_STR(g.r[0].text, "Current runner");
	CHECK_STR(g.r[0].time, "2025-01-11T10:00:01.1234567Z");
	CHECK_STR(g.r[0].labels, "");
	CHECK(g.r[0].no == 1);
	CHECK_STR(g.r[1].text, "Run make test");
	CHECK_STR(g.r[1].labels, "step=Run make test");
	CHECK_STR(g.r[2].text, "make test");
	CHECK_STR(g.r[3].text, "  continued without a stamp");
	CHECK_STR(g.r[3].time, "2025-01-11T10:00:02.0000002Z");
	CHECK_STR(g.r[3].labels, "step=Run make test");
	CHECK_STR(g.r[4].text, "");
	CHECK_STR(g.r[4].labels, "step=Run make test");
	/* the step goes on after its group's end */
	CHECK_STR(g.r[5].text, "Process completed with exit code 2.");
	CHECK_STR(g.r[5].time, "2025-01-11T10:00:03.5Z");
	CHECK_STR(g.r[5].labels, "step=Run make test;annotation=error");
	CHECK_STR(g.r[6].labels, "step=Run make test;annotation=warning");
	CHECK_STR(g.r[7].text, "##[Error]not a marker");
	CHECK_STR(g.r[8].labels, "step=Run actions/cache@v4");
	CHECK_STR(g.r[9].text, "journal line");
	CHECK_STR(g.r[9].time, "-");
	CHECK_STR(g.r[9].labels, "host=h;unit=runsvc.sh;pid=3;"
	    "syslog_time=Jan 11 10:00:06");
	CHECK_STR(g.r[10].labels, "step=Run actions/cache@v4;annotation=notice");

	/* a log copied from the web page: markers, no stamps */
	decode(LT_INPUT_GHA, "Run docker build\n##[error]Process completed "
	    "with exit code 1.\n", &g);
	CHECK(g.n == 2);
	CHECK_STR(g.r[1].text, "Process completed with exit code 1.");
	CHECK_STR(g.r[1].time, "-");
	CHECK_STR(g.r[1].labels, "annotation=error");

	/* the runner's _diag log */
	decode(LT_INPUT_AUTO,
	    "[2025-01-11 10:05:12Z ERR  Runner] Catch exception.\n"
	    " ---> System.Net.Sockets.SocketException (11): x\n"
	    "[2025-01-11 10:05:13Z INFO JobDispatcher] ok\n"
	    "[2025-01-11 10:05:14Z INFO] no component\n", &g);
	CHECK(g.n == 4);
	CHECK_STR(g.r[0].text, "Catch exception.");
	CHECK_STR(g.r[0].time, "2025-01-11T10:05:12Z");
	CHECK_STR(g.r[0].labels, "component=Runner;level=ERR");
	CHECK_STR(g.r[1].text, " ---> System.Net.Sockets.SocketException "
	    "(11): x");
	CHECK_STR(g.r[1].time, "2025-01-11T10:05:12Z");
	CHECK_STR(g.r[1].labels, "");
	CHECK_STR(g.r[2].labels, "component=JobDispatcher;level=INFO");
	CHECK_STR(g.r[3].text, "[2025-01-11 10:05:14Z INFO] no component");
}

/* ---- gh run view --log ---- */

static void
test_gh(void)
{
	struct got g;

	/* what gh prints: JOB, STEP, then the runner's line (a BOM opens
	 * each step file); the columns are labels, the rest a job log line */
	decode(LT_INPUT_AUTO,
	    "build (ubuntu)\tSet up job\t\xef\xbb\xbf"
	    "2025-01-11T10:00:01.1234567Z Current runner version: '2.321.0'\n"
	    "build (ubuntu)\tRun make\t\xef\xbb\xbf"
	    "2025-01-11T10:00:02.0000000Z ##[group]Run make\n"
	    "build (ubuntu)\tRun make\t2025-01-11T10:00:02.5Z ##[endgroup]\n"
	    "build (ubuntu)\tRun make\t2025-01-11T10:00:03.0000000Z "
	    "x\ty: no space left on device\n"
	    "build (ubuntu)\tRun make\t2025-01-11T10:00:04.0000000Z "
	    "##[error]Process completed with exit code 2.\n"
	    "lint\tUNKNOWN STEP\t\xef\xbb\xbf"
	    "2025-01-11T10:01:00.0000000Z Current runner version\n"
	    "lint\tUNKNOWN STEP\t2025-01-11T10:01:01.0000000Z "
	    "##[group]Run eslint .\n"
	    "lint\tUNKNOWN STEP\t  continued\n"
	    "lint\tUNKNOWN STEP\t2025-01-11T10:01:02.0000000Z "
	    "##[error]Process completed with exit code 1.\n"
	    "test\tUNKNOWN STEP\t2025-01-11T10:02:00.0000000Z next job\n"
	    "test\tdmesg\t[  12.500000] Out of memory\n"
	    "not gh at all\n"
	    "\n"
	    "j\t\t\n", &g);
	CHECK(g.n == 14 && g.st == LT_OK);
	CHECK_STR(g.r[0].text, "Current runner version: '2.321.0'");
	CHECK_STR(g.r[0].time, "2025-01-11T10:00:01.1234567Z");
	CHECK_STR(g.r[0].labels, "job=build (ubuntu);step=Set up job");
	CHECK_STR(g.r[1].text, "Run make");
	CHECK_STR(g.r[1].labels, "job=build (ubuntu);step=Run make");
	CHECK_STR(g.r[2].text, "");
	CHECK_STR(g.r[3].text, "x\ty: no space left on device");
	CHECK_STR(g.r[3].time, "2025-01-11T10:00:03.0000000Z");
	CHECK_STR(g.r[4].text, "Process completed with exit code 2.");
	CHECK_STR(g.r[4].labels, "job=build (ubuntu);step=Run make;"
	    "annotation=error");
	/* gh could not name the step: the last ##[group] of the job does */
	CHECK_STR(g.r[5].labels, "job=lint");
	CHECK_STR(g.r[6].labels, "job=lint;step=Run eslint .");
	CHECK_STR(g.r[7].text, "  continued");
	CHECK_STR(g.r[7].time, "2025-01-11T10:01:01.0000000Z");
	CHECK_STR(g.r[7].labels, "job=lint;step=Run eslint .");
	CHECK_STR(g.r[8].labels, "job=lint;step=Run eslint .;"
	    "annotation=error");
	/* a new job starts without the last one's group */
	CHECK_STR(g.r[9].labels, "job=test");
	CHECK(g.r[9].flags == 0);
	/* a dmesg line after the columns keeps the step column */
	CHECK_STR(g.r[10].text, "Out of memory");
	CHECK_STR(g.r[10].labels, "job=test;step=dmesg;kernel_time=12.500000");
	/* not in the format: decoded, and a decode error; an empty line not */
	CHECK_STR(g.r[11].text, "not gh at all");
	CHECK_STR(g.r[11].labels, "");
	CHECK_STR(g.r[11].time, "2025-01-11T10:02:00.0000000Z");
	CHECK(g.r[11].flags == LT_RECORD_UNDECODED);
	CHECK(g.r[12].flags == 0 && g.r[12].len == 0);
	/* an empty column is no label */
	CHECK_STR(g.r[13].labels, "job=j");
	CHECK(g.r[13].len == 0 && g.r[13].flags == 0);

	/* detection: two columns and a stamp, a BOM allowed between */
	CHECK(detect("j\ts\t2025-01-11T10:00:01.1234567Z x\n", 0) ==
	    LT_INPUT_GH);
	CHECK(detect("j\ts\t\xef\xbb\xbf" "2025-01-11T10:00:01.1Z x\n", 0) ==
	    LT_INPUT_GH);
	CHECK(detect("j\ts\tno stamp\n", 0) == LT_INPUT_TEXT);
	CHECK(detect("j\t2025-01-11T10:00:01.1234567Z x\n", 0) ==
	    LT_INPUT_TEXT);
	CHECK(detect("2025-01-11T10:00:01.1234567Z a\tb\tc\n", 0) ==
	    LT_INPUT_GHA);
	CHECK(detect("j\ts\t2025-01-11T10:00:01.1234567Z x", 0) == -1);
	CHECK_STR(lt_input_name(LT_INPUT_GH), "gh");

	/* a job name longer than a label is cut, and still one job */
	{
		static char big[5 * LT_LABEL_VALUE_MAX];
		size_t k = 2 * LT_LABEL_VALUE_MAX;

		memset(big, 'J', k);
		memcpy(big + k, "\ts\t2025-01-11T10:00:01Z a\n", 26);
		memcpy(big + k + 26, big, k);
		memcpy(big + k + 26 + k, "\ts\t2025-01-11T10:00:02Z ##[error]b\n",
		    36);
		decode(LT_INPUT_GH, big, &g);
		CHECK(g.n == 2);
		CHECK(g.r[0].vlen0 == LT_LABEL_VALUE_MAX);
		CHECK_STR(g.r[1].text, "b");
		CHECK_STR(g.r[1].time, "2025-01-11T10:00:02Z");
	}
}

/* ---- dmesg ---- */

static void
test_dmesg(void)
{
	struct got g;

	decode(LT_INPUT_AUTO,
	    "[    0.000000] Linux version 6.1.0\n"
	    "[  247.436380] exe invoked oom-killer: gfp_mask=0x100cca\n"
	    "[12345.678901]\n"
	    "[Mon Aug 31 18:23:18 2015] Out of memory: Killed process 7\n"
	    "[Tue Dec  1 10:00:00 2026] x\n"
	    "2026-12-01T10:00:00,123456+01:00 iso line\n"
	    "Dec  1 10:00:00 h kernel: [  12.000001] Out of memory\n"
	    "Dec  1 10:00:00 h app: [  12.000001] kept\n"
	    "[INFO] not dmesg\n"
	    "[1.2.3] not dmesg\n"
	    "[ 12.] not dmesg\n"
	    "[Mon Aug 31 18:23:18 15] not dmesg\n"
	    "[Mox Aug 31 18:23:18 2015] not dmesg\n"
	    "2026-12-01T10:00:00,123456 no zone\n", &g);
	CHECK(g.n == 14 && g.st == LT_OK);
	CHECK_STR(g.r[0].text, "Linux version 6.1.0");
	CHECK_STR(g.r[0].labels, "kernel_time=0.000000");
	CHECK_STR(g.r[0].time, "-");
	CHECK_STR(g.r[1].text, "exe invoked oom-killer: gfp_mask=0x100cca");
	CHECK_STR(g.r[1].labels, "kernel_time=247.436380");
	CHECK_STR(g.r[2].text, "");
	CHECK_STR(g.r[2].labels, "kernel_time=12345.678901");
	CHECK_STR(g.r[3].text, "Out of memory: Killed process 7");
	CHECK_STR(g.r[3].labels, "dmesg_time=Mon Aug 31 18:23:18 2015");
	CHECK_STR(g.r[3].time, "-");
	CHECK_STR(g.r[4].labels, "dmesg_time=Tue Dec  1 10:00:00 2026");
	CHECK_STR(g.r[5].text, "iso line");
	CHECK_STR(g.r[5].time, "2026-12-01T09:00:00.123456Z");
	CHECK_STR(g.r[5].labels, "");
	CHECK_STR(g.r[6].text, "Out of memory");
	CHECK_STR(g.r[6].labels, "host=h;unit=kernel;"
	    "syslog_time=Dec  1 10:00:00;kernel_time=12.000001");
	CHECK_STR(g.r[7].text, "[  12.000001] kept");
	CHECK_STR(g.r[8].text, "[INFO] not dmesg");
	CHECK_STR(g.r[9].text, "[1.2.3] not dmesg");
	CHECK_STR(g.r[10].text, "[ 12.] not dmesg");
	CHECK_STR(g.r[11].text, "[Mon Aug 31 18:23:18 15] not dmesg");
	CHECK_STR(g.r[12].text, "[Mox Aug 31 18:23:18 2015] not dmesg");
	CHECK_STR(g.r[13].text, "2026-12-01T10:00:00,123456 no zone");
	CHECK(g.r[8].labels[0] == '\0' && g.r[13].labels[0] == '\0');

	/* in an Actions log: after the stamp (a step ran dmesg), and alone */
	decode(LT_INPUT_AUTO,
	    "2025-01-11T10:00:01.0000000Z [  99.100000] Out of memory\n"
	    "[ 100.000000] Killed process 9\n"
	    "2025-01-11T10:00:02.0000000Z [2025-01-11 10:00:02Z INFO x] y\n",
	    &g);
	CHECK(g.n == 3);
	CHECK_STR(g.r[0].text, "Out of memory");
	CHECK_STR(g.r[0].time, "2025-01-11T10:00:01.0000000Z");
	CHECK_STR(g.r[0].labels, "kernel_time=99.100000");
	CHECK_STR(g.r[1].text, "Killed process 9");
	CHECK_STR(g.r[1].time, "-");
	CHECK_STR(g.r[1].labels, "kernel_time=100.000000");
	CHECK_STR(g.r[2].text, "[2025-01-11 10:00:02Z INFO x] y");
}

/* ---- journal ---- */

static void
test_journal(void)
{
	struct got g;

	decode(LT_INPUT_AUTO,
	    "{\"__REALTIME_TIMESTAMP\":\"1736589601123456\",\"_HOSTNAME\":"
	    "\"runner-1\",\"_SYSTEMD_UNIT\":\"a.service\",\"SYSLOG_IDENTIFIER\":"
	    "\"a\",\"_PID\":\"12\",\"PRIORITY\":\"3\",\"MESSAGE\":\"hello\"}\r\n"
	    /* bytes: ESC, "x", 0xff, NUL, "y"; a host as bytes too */
	    "{\"__REALTIME_TIMESTAMP\":\"0\",\"_HOSTNAME\":[104,49],"
	    "\"MESSAGE\":[27,120,255,0,121]}\n"
	    /* repeated fields: the first value */
	    "{\"MESSAGE\":[\"one\",\"two\"],\"SYSLOG_IDENTIFIER\":[[98],\"c\"]}\n"
	    "{\"MESSAGE\":null,\"__REALTIME_TIMESTAMP\":\"x1\"}\n"
	    "\n"
	    "{\"MESSAGE\":[1,256]}\n"
	    "{\"PRIORITY\":\"3\"}\n"
	    "-- Boot c0ffee --\n"
	    "Jan 11 10:00:01 h u[1]: plain\n"
	    "{\"MESSAGE\":\"cut", &g);
	CHECK(g.n == 10 && g.st == LT_OK);
	CHECK_STR(g.r[0].text, "hello");
	CHECK_STR(g.r[0].time, "2025-01-11T10:00:01.123456Z");
	CHECK_STR(g.r[0].labels, "host=runner-1;unit=a.service;identifier=a;"
	    "pid=12;priority=3");
	CHECK(g.r[0].flags == 0);
	CHECK(g.r[1].len == 5 && memcmp(g.r[1].text, "\x1bx\xff\0y", 5) == 0);
	CHECK_STR(g.r[1].time, "1970-01-01T00:00:00.000000Z");
	CHECK_STR(g.r[1].labels, "host=h1");
	CHECK_STR(g.r[2].text, "one");
	CHECK_STR(g.r[2].labels, "identifier=b");
	CHECK(g.r[3].len == 0 && g.r[3].flags == 0);
	CHECK_STR(g.r[3].time, "-");
	CHECK(g.r[4].len == 0 && g.r[4].flags == 0);	/* blank line */
	/* not journal entries: text, and counted */
	CHECK_STR(g.r[5].text, "{\"MESSAGE\":[1,256]}");
	CHECK(g.r[5].flags == LT_RECORD_UNDECODED);
	CHECK_STR(g.r[6].text, "{\"PRIORITY\":\"3\"}");
	CHECK(g.r[6].flags == LT_RECORD_UNDECODED);
	CHECK_STR(g.r[7].text, "-- Boot c0ffee --");
	CHECK(g.r[7].flags == LT_RECORD_UNDECODED);
	CHECK_STR(g.r[8].text, "plain");
	CHECK_STR(g.r[8].labels, "host=h;unit=u;pid=1;"
	    "syslog_time=Jan 11 10:00:01");
	CHECK(g.r[8].flags == LT_RECORD_UNDECODED);
	CHECK_STR(g.r[9].text, "{\"MESSAGE\":\"cut");
	CHECK(g.r[9].flags == LT_RECORD_UNDECODED && g.r[9].no == 10);
}

/* ---- logcli jsonl ---- */

static void
test_jsonl(void)
{
	struct got g;

	decode(LT_INPUT_AUTO,
	    "{\"labels\":{\"job\":\"ci\",\"n\":1},\"line\":\"a \\u003cb\\u003e\","
	    "\"timestamp\":\"2025-01-11T11:00:02.000000001+01:00\"}\n"
	    "{\"line\":\"b\",\"timestamp\":\"yesterday\"}\n"
	    "{\"labels\":{},\"timestamp\":\"2025-01-11T10:00:07Z\"}\n", &g);
	CHECK(g.n == 3);
	CHECK_STR(g.r[0].text, "a <b>");
	CHECK_STR(g.r[0].time, "2025-01-11T10:00:02.000000001Z");
	CHECK_STR(g.r[0].labels, "job=ci");	/* a number is no label */
	CHECK_STR(g.r[1].text, "b");
	CHECK_STR(g.r[1].time, "-");
	CHECK(g.r[1].flags == 0);
	CHECK(g.r[2].flags == LT_RECORD_UNDECODED);
}

/* ---- docker ---- */

static void
test_docker(void)
{
	struct got g;
	static const char two[] =
	    "{\"log\":\"abc\",\"stream\":\"stderr\",\"time\":"
	    "\"2025-01-11T10:00:02.1Z\"}\n"
	    "{\"log\":\"whole\\r\\n\",\"stream\":\"stdout\",\"time\":"
	    "\"2025-01-11T10:00:02.2Z\"}\n"
	    "{\"log\":\"def\",\"stream\":\"stderr\",\"time\":"
	    "\"2025-01-11T10:00:02.3Z\"}\n"
	    "{\"log\":\"ghi\\n\",\"stream\":\"stderr\",\"attrs\":{\"tag\":\"t\"},"
	    "\"time\":\"2025-01-11T10:00:02.4Z\"}\n"
	    "{\"log\":\"open\",\"stream\":\"stdout\",\"time\":"
	    "\"2025-01-11T10:00:03Z\"}\n"
	    "{\"log\":\"x\",\"stream\":\"stderr\",\"time\":"
	    "\"2025-01-11T10:00:04Z\"}\n";
	static const char cut[] = "{\"log\":\"0123456789012345678901\"}\n"
	    "{\"log\":\"abcdefghijklmnopqrstu\\n\"}\n";

	decode(LT_INPUT_AUTO, two, &g);
	CHECK(g.n == 4 && g.st == LT_OK);
	CHECK_STR(g.r[0].text, "whole");
	CHECK_STR(g.r[0].time, "2025-01-11T10:00:02.2Z");
	CHECK_STR(g.r[0].labels, "stream=stdout");
	CHECK(g.r[0].no == 2);
	/* joined: time and line of the first part, labels of the last */
	CHECK_STR(g.r[1].text, "abcdefghi");
	CHECK_STR(g.r[1].time, "2025-01-11T10:00:02.1Z");
	CHECK_STR(g.r[1].labels, "stream=stderr;tag=t");
	CHECK(g.r[1].no == 1);
	/* parts open at the end, in the order they began */
	CHECK_STR(g.r[2].text, "open");
	CHECK(g.r[2].no == 5);
	CHECK_STR(g.r[3].text, "x");
	CHECK_STR(g.r[3].labels, "stream=stderr");

	/* a joined line is capped at max_line (40: each record fits) */
	run(LT_INPUT_DOCKER, 40, cut, strlen(cut), 0, &g);
	CHECK(g.n == 1);
	CHECK_STR(g.r[0].text, "0123456789012345678901abcdefghijklmnopqr");
	CHECK(g.r[0].flags == LT_LINE_TRUNCATED);
	CHECK_STR(g.r[0].time, "-");
}

/* ---- Loki ---- */

static void
test_loki(void)
{
	struct got g;
	char *doc, *p;
	size_t i;

	decode(LT_INPUT_AUTO,
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\","
	    "\"result\":[{\"stream\":{\"job\":\"a\"},\"values\":["
	    "[\"3000000000\",\"a3\"],[\"1000000001\",\"a1\"]]},"
	    "{\"stream\":{\"job\":\"b\",\"host\":\"h\"},\"values\":["
	    "[\"3000000000\",\"b3\",{\"trace\":\"t1\"}],"
	    "[\"1000000001\",\"b1\",{\"structuredMetadata\":{\"trace\":\"t2\"},"
	    "\"parsed\":{\"level\":\"error\",\"job\":\"x\"}}],"
	    "[5,\"bad ts\"],[\"2\"]]}]}}", &g);
	CHECK(g.n == 6 && g.st == LT_OK);
	/* bad entries first (no time), then time, stream, position */
	CHECK_STR(g.r[0].text, "bad ts");
	CHECK(g.r[0].flags == LT_RECORD_UNDECODED);
	CHECK_STR(g.r[0].time, "-");
	CHECK_STR(g.r[1].text, "");
	CHECK(g.r[1].flags == LT_RECORD_UNDECODED);
	CHECK_STR(g.r[2].text, "a1");
	CHECK_STR(g.r[2].time, "1970-01-01T00:00:01.000000001Z");
	CHECK_STR(g.r[2].labels, "job=a");
	CHECK(g.r[2].no == 3);
	CHECK_STR(g.r[3].text, "b1");
	CHECK_STR(g.r[3].labels, "job=b;host=h;trace=t2;level=error");
	CHECK_STR(g.r[4].text, "a3");
	CHECK_STR(g.r[5].text, "b3");
	CHECK_STR(g.r[5].labels, "job=b;host=h;trace=t1");
	CHECK(g.r[5].no == 6);

	/* cut short: an error of the source, with its name */
	decode(LT_INPUT_LOKI, "{\"status\":\"success\",\"data\":{\"result", &g);
	CHECK(g.n == 0 && g.st == LT_ERR_SYNTAX);
	CHECK_STR(g.err.origin, "src.log");
	CHECK(strstr(g.err.message, "cut short") != NULL);
	decode(LT_INPUT_LOKI, "{\"status\":\"success\"]", &g);
	CHECK(g.st == LT_ERR_SYNTAX && strstr(g.err.message, "not valid JSON"));
	decode(LT_INPUT_LOKI, "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"matrix\",\"result\":[]}}", &g);
	CHECK(g.st == LT_ERR_SYNTAX && strstr(g.err.message, "\"matrix\""));
	decode(LT_INPUT_LOKI, "", &g);
	CHECK(g.st == LT_ERR_SYNTAX);

	/* a line longer than max_line is cut; labels are capped */
	doc = malloc(8192);
	p = doc + snprintf(doc, 8192, "{\"status\":\"success\",\"data\":"
	    "{\"resultType\":\"streams\",\"result\":[{\"stream\":{");
	p += snprintf(p, (size_t)(doc + 8192 - p),
	    "\"%0200d\":\"long key\",\"z\":\"%01100d\",", 0, 0);
	for (i = 0; i < 40; i++)
		p += snprintf(p, (size_t)(doc + 8192 - p), "\"k%02zu\":\"v\",", i);
	snprintf(p - 1, (size_t)(doc + 8192 - (p - 1)),
	    "},\"values\":[[\"1\",\"0123456789\"]]}]}}");
	run(LT_INPUT_LOKI, 8, doc, strlen(doc), 0, &g);
	CHECK(g.n == 1);
	CHECK_STR(g.r[0].text, "01234567");
	CHECK(g.r[0].flags == LT_LINE_TRUNCATED);
	/* the long key is left out, the long value cut, 32 kept */
	CHECK(strncmp(g.r[0].labels, "z=000", 5) == 0);
	CHECK(g.r[0].vlen0 == LT_LABEL_VALUE_MAX);
	CHECK(g.r[0].n_labels == LT_LABELS_MAX);
	CHECK_STR(g.r[0].lastkey, "k30");
	free(doc);
}

/* The Loki cap: 256 MiB, then an error that names it. */
static void
test_loki_cap(void)
{
	static const char small[] = "{\"status\":\"success\",\"data\":{"
	    "\"resultType\":\"streams\",\"result\":[{\"stream\":{},"
	    "\"values\":[[\"1\",\"x\"]]}]}}";
	struct lt_decoder *d;
	struct got g;
	char *chunk;
	size_t i;
	enum lt_status st = LT_OK;

	memset(&g, 0, sizeof g);
	chunk = malloc(1u << 20);
	memset(chunk, ' ', 1u << 20);
	chunk[0] = '{';
	d = lt_decoder_new(LT_INPUT_LOKI, 1024, on_record, &g);
	lt_decoder_begin(d, "big.json");
	for (i = 0; i <= (LT_LOKI_DOC_MAX >> 20) && st == LT_OK; i++)
		st = lt_decoder_feed(d, chunk, 1u << 20);
	CHECK(st == LT_ERR_LIMIT && i == (LT_LOKI_DOC_MAX >> 20) + 1);
	CHECK(lt_decoder_feed(d, "}", 1) == LT_ERR_LIMIT);
	CHECK(lt_decoder_end(d, &g.err) == LT_ERR_LIMIT);
	CHECK(strstr(g.err.message, "256 MiB") != NULL);
	CHECK_STR(g.err.origin, "big.json");
	/* the next source starts afresh */
	lt_decoder_begin(d, "next");
	CHECK(lt_decoder_feed(d, small, strlen(small)) == LT_OK);
	CHECK(lt_decoder_end(d, NULL) == LT_OK);
	CHECK(g.n == 1 && lt_decoder_input(d) == LT_INPUT_LOKI);
	lt_decoder_free(d);
	free(chunk);
}

/* ---- auto-detection per source ---- */

static void
test_auto(void)
{
	struct lt_decoder *d;
	struct got g;

	/* empty input: no records, no error */
	decode(LT_INPUT_AUTO, "", &g);
	CHECK(g.n == 0 && g.st == LT_OK);
	decode(LT_INPUT_AUTO, "\xef\xbb\xbf", &g);
	CHECK(g.n == 0 && g.st == LT_OK);
	/* a BOM is dropped in every format; blank lines keep their numbers */
	decode(LT_INPUT_TEXT, "\xef\xbb\xbfNOTE a\r\n", &g);
	CHECK(g.n == 1);
	CHECK_STR(g.r[0].text, "NOTE a");
	decode(LT_INPUT_AUTO, "\xef\xbb\xbf\r\n\n{\"MESSAGE\":\"m\"}\r\n", &g);
	CHECK(g.n == 3);
	CHECK_STR(g.r[0].text, "");
	CHECK_STR(g.r[1].text, "");
	CHECK(g.r[0].flags == 0 && g.r[1].flags == 0);
	CHECK_STR(g.r[2].text, "m");
	CHECK(g.r[2].no == 3 && g.r[2].flags == 0);
	/* a JSON first line then text: the text is counted, not lost */
	decode(LT_INPUT_AUTO, "{\"log\":\"a\\n\",\"time\":"
	    "\"2025-01-11T10:00:01Z\"}\nno space left on device\n", &g);
	CHECK(g.n == 2);
	CHECK_STR(g.r[1].text, "no space left on device");
	CHECK(g.r[1].flags == LT_RECORD_UNDECODED);
	/* each source is detected on its own */
	memset(&g, 0, sizeof g);
	d = lt_decoder_new(LT_INPUT_AUTO, 1024, on_record, &g);
	lt_decoder_begin(d, "a");
	lt_decoder_feed(d, "{\"MESSAGE\":\"j\"}\n", 16);
	CHECK(lt_decoder_input(d) == LT_INPUT_JOURNAL);
	lt_decoder_end(d, NULL);
	lt_decoder_begin(d, "b");
	CHECK(lt_decoder_input(d) == LT_INPUT_AUTO);
	lt_decoder_feed(d, "{\"MESSAGE\":\"not yet", 19);
	CHECK(g.n == 1 && lt_decoder_input(d) == LT_INPUT_AUTO);
	lt_decoder_end(d, NULL);
	CHECK(g.n == 2 && g.r[1].flags == LT_RECORD_UNDECODED);
	lt_decoder_free(d);
	CHECK(lt_decoder_new(LT_INPUT_AUTO, 0, on_record, &g) == NULL);
	CHECK(lt_decoder_new((enum lt_input)99, 10, on_record, &g) == NULL);
	lt_decoder_free(NULL);
}

/* ---- through triage: the verdict keeps its own copies ---- */

static enum lt_status
collect(void *ctx, const char *p, size_t n)
{
	return lt_buf_add(ctx, p, n);
}

static void
test_triage(void)
{
	static const char rules[] =
	    "[category disk]\nseverity = critical\n"
	    "[rule d]\ncategory = disk\nmatch = ^no space\n";
	static const char *line =
	    "{\"__REALTIME_TIMESTAMP\":\"1736589607000000\",\"_HOSTNAME\":"
	    "[104,111,115,116],\"_SYSTEMD_UNIT\":\"u\",\"MESSAGE\":"
	    "\"no space left\"}\n";
	struct lt_rules *b = lt_rules_new(NULL, NULL);
	struct lt_ruleset *rs = NULL;
	struct lt_triage_opts o;
	struct lt_emit_opts eo;
	struct lt_emitter *json;
	struct lt_triage *t;
	struct lt_buf out;
	char *copy;

	lt_buf_init(&out, 1u << 20);
	lt_rules_add_buffer(b, "t.rules", rules, strlen(rules));
	CHECK(lt_rules_compile(b, NULL, &rs) == LT_OK);
	lt_rules_free(b);
	lt_triage_opts_init(&o);
	o.write = collect;
	o.write_ctx = &out;
	lt_emit_opts_init(&eo);
	eo.matches = 0;
	json = lt_emit_json_new(rs, &eo);
	t = lt_triage_new(rs, &o);
	CHECK(lt_triage_add_emitter(t, json) == LT_OK);
	lt_triage_begin(t, "j.json");
	copy = strdup(line);	/* freed before the summary is written */
	lt_triage_feed(t, copy, strlen(copy));
	memset(copy, 'x', strlen(copy));
	free(copy);
	CHECK(lt_triage_end(t, NULL) == LT_OK);
	lt_triage_finish(t);
	CHECK(out.p && strstr(out.p, "\"cause\":{\"type\":\"match\",\"line\":1,"
	    "\"source\":\"j.json\",\"time\":\"2025-01-11T10:00:07.000000Z\","
	    "\"labels\":{\"host\":\"host\",\"unit\":\"u\"},\"rule\":\"d\"") !=
	    NULL);
	CHECK(out.p && strstr(out.p, "\"decode_errors\":0,") != NULL);
	lt_triage_free(t);
	lt_emitter_free(json);
	lt_ruleset_free(rs);
	lt_buf_free(&out);
}

int
main(void)
{
	test_names();
	test_detect();
	test_time();
	test_text();
	test_gha();
	test_gh();
	test_dmesg();
	test_journal();
	test_jsonl();
	test_docker();
	test_loki();
	test_loki_cap();
	test_auto();
	test_triage();
	return T_DONE();
}

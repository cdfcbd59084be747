/*
 * test_loki.c - the Loki source's pieces that need no server: durations
 * and instants as the options take them, and the decoder's entry hook
 * (canonical stream labels, dropping and renumbering).  The paging
 * itself is tested against a fake Loki in tests/cli/loki.py.  Expected
 * instants were worked out with an independent calendar (date -u).
 */
#include <stdio.h>
#include <string.h>

#include "decode/loki_doc.h"
#include "logtriage/decode.h"
#include "logtriage/duration.h"
#include "logtriage/loki.h"
#include "t.h"

static void
test_times(void)
{
	unsigned long long ns = 0;

	CHECK(lt_loki_duration("1h", &ns) == 0 && ns == 3600000000000ull);
	CHECK(lt_loki_duration("30m", &ns) == 0 && ns == 1800000000000ull);
	CHECK(lt_loki_duration("90s", &ns) == 0 && ns == 90000000000ull);
	CHECK(lt_loki_duration("2d", &ns) == 0 && ns == 172800000000000ull);
	CHECK(lt_loki_duration("1h30m", &ns) == 0 && ns == 5400000000000ull);
	CHECK(lt_loki_duration("500ms", &ns) == 0 && ns == 500000000ull);
	CHECK(lt_loki_duration("1w", &ns) == 0 && ns == 604800000000000ull);
	CHECK(lt_loki_duration("", &ns) == -1);
	CHECK(lt_loki_duration("h", &ns) == -1);
	CHECK(lt_loki_duration("1y", &ns) == -1);
	CHECK(lt_loki_duration("1.5h", &ns) == -1);
	CHECK(lt_loki_duration("99999999999999999999d", &ns) == -1);
	/* a byte span: read to n, not to a NUL; any other byte fails */
	CHECK(lt_duration_parse("5m30", 2, &ns) == 0 && ns == 300000000000ull);
	CHECK(lt_duration_parse("5m\0s", 4, &ns) == -1);
	CHECK(lt_duration_parse("1m1", 3, &ns) == -1);
	CHECK(lt_duration_parse("1M", 2, &ns) == -1);
	CHECK(lt_duration_parse("5 m", 3, &ns) == -1);
	CHECK(lt_duration_parse("1msx", 4, &ns) == -1);
	/* 9,999,999,999 weeks is past 2^64 ns; 11 digits are refused */
	CHECK(lt_duration_parse("9999999999w", 11, &ns) == -1);
	CHECK(lt_duration_parse("99999999999ms", 13, &ns) == -1);
	CHECK(lt_duration_parse("18446744074s", 12, &ns) == -1);
	ns = 7;
	CHECK(lt_duration_parse("", 0, &ns) == -1 && ns == 7);

	/* 2025-01-11T10:00:00Z is 1736589600 */
	CHECK(lt_loki_time("2025-01-11T10:00:00Z", &ns) == 0 &&
	    ns == 1736589600000000000ull);
	CHECK(lt_loki_time("2025-01-11T11:00:00.5+01:00", &ns) == 0 &&
	    ns == 1736589600500000000ull);
	CHECK(lt_loki_time("2025-01-11T10:00:00.123456789123Z", &ns) == 0 &&
	    ns == 1736589600123456789ull);
	CHECK(lt_loki_time("1736589600", &ns) == 0 &&
	    ns == 1736589600000000000ull);
	CHECK(lt_loki_time("1736589600.25", &ns) == 0 &&
	    ns == 1736589600250000000ull);
	CHECK(lt_loki_time("1736589600.", &ns) == -1);
	CHECK(lt_loki_time("2025-01-11T10:00:00", &ns) == -1);	/* no zone */
	CHECK(lt_loki_time("2025-01-11T10:00:00Zjunk", &ns) == -1);
	CHECK(lt_loki_time("1969-12-31T23:59:59Z", &ns) == -1);
	CHECK(lt_loki_time("", &ns) == -1);
	CHECK(lt_loki_now() > 1736589600000000000ull);
}

/* ---- the shared parse of a response, as the Loki source uses it ---- */

struct seen {
	char keys[8][64];
	size_t n;
	char texts[8][32];
	unsigned long long nos[8];
	size_t m;
};

static enum lt_status
entry(void *ctx, const struct lt_loki_entry *e, struct lt_record *r)
{
	struct seen *s = ctx;
	size_t i;

	if (s->n < 8) {
		for (i = 0; i < e->stream_len && i < 63; i++)
			s->keys[s->n][i] = e->stream[i] ? e->stream[i] : '|';
		s->n++;
	}
	if (strstr(e->line, "drop") != NULL)
		return LT_OK;
	r->no += 100;
	if (s->m < 8) {
		snprintf(s->texts[s->m], sizeof s->texts[0], "%.*s",
		    (int)r->len, r->text);
		s->nos[s->m++] = r->no;
	}
	return LT_OK;
}

static void
test_doc(void)
{
	static const char doc[] = "{\"status\":\"success\",\"data\":{"
	    "\"resultType\":\"streams\",\"result\":["
	    "{\"stream\":{\"job\":\"ci\",\"host\":\"a\"},\"values\":["
	    "[\"20\",\"second\"],[\"30\",\"drop me\"]]},"
	    "{\"stream\":{\"host\":\"a\",\"job\":\"ci\"},\"values\":["
	    "[\"10\",\"first\"]]}]}}";
	struct seen s;
	char msg[LT_MESSAGE_MAX];

	memset(&s, 0, sizeof s);
	CHECK(lt_loki_doc_parse(doc, sizeof doc - 1, 1, entry, &s, msg,
	    sizeof msg) == LT_OK && msg[0] == '\0');
	/* both label orders give one canonical key, sorted by key */
	CHECK(s.n == 3);
	CHECK_STR(s.keys[0], "host|a|job|ci|");
	CHECK_STR(s.keys[1], "host|a|job|ci|");
	CHECK_STR(s.keys[2], "host|a|job|ci|");
	/* time order, the dropped one gone, numbers from the hook */
	CHECK(s.m == 2);
	CHECK_STR(s.texts[0], "first");
	CHECK_STR(s.texts[1], "second");
	CHECK(s.nos[0] == 101 && s.nos[1] == 102);
	/* a document cut short: an error that says so, and no entry at all */
	memset(&s, 0, sizeof s);
	CHECK(lt_loki_doc_parse(doc, sizeof doc - 10, 1, entry, &s, msg,
	    sizeof msg) == LT_ERR_SYNTAX);
	CHECK(strstr(msg, "cut short") != NULL && s.n == 0 && s.m == 0);
	/* without keys: no stream bytes */
	memset(&s, 0, sizeof s);
	CHECK(lt_loki_doc_parse(doc, sizeof doc - 1, 0, entry, &s, msg,
	    sizeof msg) == LT_OK);
	CHECK(s.n == 3 && s.keys[0][0] == '\0' && s.m == 2);
}

int
main(void)
{
	test_times();
	test_doc();
	return T_DONE();
}

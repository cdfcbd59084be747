/*
 * test_json_line.c - the in-place JSON line reader: the grammar (a table
 * of lines RFC 8259 accepts or rejects, written from the RFC), string
 * decoding (expected bytes written from the escapes' definitions), byte
 * arrays, and a differential check against cJSON on generated objects:
 * both must accept them and agree on every string member.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "decode/decode_int.h"
#include "t.h"

static struct lt_jl jl;

static int
ok(const char *s)
{
	return lt_jl_parse(s, strlen(s), &jl) == 0;
}

/* {"a":[[...]]} with the given number of arrays: accepted? */
static int
nested(size_t arrays)
{
	char deep[2 * LT_JL_DEPTH_MAX + 16];
	size_t i, n = 0;

	memcpy(deep, "{\"a\":", 5);
	n = 5;
	for (i = 0; i < arrays; i++)
		deep[n++] = '[';
	for (i = 0; i < arrays; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	return lt_jl_parse(deep, n, &jl) == 0;
}

static void
test_grammar(void)
{
	static const char *const good[] = {
		"{}", " {} ", "\t{ }\r", "{\"a\":1}", "{\"a\":-0.5e+3}",
		"{\"a\":0}", "{\"a\":1E9}", "{\"\":\"\"}",
		"{\"a\" : [1, 2, {\"b\": null}] , \"c\":true,\"d\":false}",
		"{\"a\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\"}",
		"{\"a\":[]}", "{\"a\":[[]]}", "{\"a\":\"\xff\xfe bytes\"}",
	};
	static const char *const bad[] = {
		"", " ", "[1]", "\"a\"", "1", "{", "}", "{\"a\"}", "{\"a\":}",
		"{\"a\":1,}", "{,}", "{\"a\":1}x", "{\"a\":1}{}", "{a:1}",
		"{'a':1}", "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}",
		"{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}", "{\"a\":tru}",
		"{\"a\":nul}", "{\"a\":\"x\\q\"}", "{\"a\":\"\\u12G4\"}",
		"{\"a\":\"\\u12\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"x}",
		"{\"a\":\"x\\\"}", "{\"a\":[1,]}", "{\"a\":[,1]}",
		"{\"a\":[1 2]}", "{\"a\" 1}", "{\"a\":1 \"b\":2}",
	};
	size_t i;

	for (i = 0; i < sizeof good / sizeof *good; i++) {
		if (!ok(good[i]))
			fprintf(stderr, "rejected: %s\n", good[i]);
		CHECK(ok(good[i]));
	}
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (ok(bad[i]))
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(!ok(bad[i]));
	}
	/* a NUL byte is not JSON white space, inside a string it is control */
	CHECK(lt_jl_parse("{}\0", 3, &jl) != 0);
	CHECK(lt_jl_parse("{\"a\":\"\0\"}", 9, &jl) != 0);
	/* nesting: the object and LT_JL_DEPTH_MAX - 1 arrays, not one more */
	CHECK(nested(LT_JL_DEPTH_MAX - 1));
	CHECK(!nested(LT_JL_DEPTH_MAX));
}

/* The decoded bytes of member key of line s, compared with want[0..n). */
static int
decodes_to(const char *s, const char *key, const char *want, size_t n,
    size_t cap)
{
	const struct lt_jl_val *v;
	char buf[64];
	const char *out;
	size_t k;

	if (!ok(s) || (v = lt_jl_get(&jl, key)) == NULL ||
	    v->type != LT_JL_STRING)
		return 0;
	k = lt_jl_string(v, buf, cap, &out);
	return k == n && memcmp(out, want, n) == 0;
}

static void
test_strings(void)
{
	const char *s = "{\"m\":\"plain\"}";
	const struct lt_jl_val *v;
	const char *out;
	char buf[8];

	/* no escapes: the span of the line itself */
	CHECK(ok(s) && (v = lt_jl_get(&jl, "m")) != NULL);
	CHECK(lt_jl_string(v, buf, sizeof buf, &out) == 5 && out == s + 6);
	CHECK(decodes_to("{\"m\":\"a\\\"b\\\\c\\/d\"}", "m", "a\"b\\c/d", 7,
	    64));
	CHECK(decodes_to("{\"m\":\"\\b\\f\\n\\r\\t\"}", "m", "\b\f\n\r\t", 5,
	    64));
	/* U+00E9 is C3 A9; U+20AC is E2 82 AC; U+1F600 (D83D DE00) is
	   F0 9F 98 80; a lone surrogate is U+FFFD, EF BF BD */
	CHECK(decodes_to("{\"m\":\"\\u00e9\\u20AC\"}", "m",
	    "\xc3\xa9\xe2\x82\xac", 5, 64));
	CHECK(decodes_to("{\"m\":\"\\ud83d\\ude00\"}", "m",
	    "\xf0\x9f\x98\x80", 4, 64));
	CHECK(decodes_to("{\"m\":\"\\ud83dx\"}", "m", "\xef\xbf\xbdx", 4,
	    64));
	CHECK(decodes_to("{\"m\":\"\\ude00\"}", "m", "\xef\xbf\xbd", 3, 64));
	/* NUL is a byte of the string, not its end */
	CHECK(decodes_to("{\"m\":\"a\\u0000b\"}", "m", "a\0b", 3, 64));
	CHECK(decodes_to("{\"m\":\"\\u0041\"}", "m", "A", 1, 64));
	/* cut at cap, before a character that does not fit whole */
	CHECK(decodes_to("{\"m\":\"ab\\u00e9\"}", "m", "ab", 2, 3));
	CHECK(decodes_to("{\"m\":\"ab\\u00e9\"}", "m", "ab\xc3\xa9", 4, 4));
	/* keys with escapes are found by their decoded name */
	CHECK(decodes_to("{\"\\u004d\":\"x\"}", "M", "x", 1, 64));
	/* the first of two members with one name */
	CHECK(decodes_to("{\"m\":\"1\",\"m\":\"2\"}", "m", "1", 1, 64));
	CHECK(ok("{\"m\":1}") && lt_jl_get(&jl, "n") == NULL &&
	    lt_jl_get(&jl, "") == NULL);
}

static int
bytes_are(const char *s, const char *want, size_t n)
{
	const struct lt_jl_val *v;
	char buf[8];
	size_t k;

	if (!ok(s) || (v = lt_jl_get(&jl, "m")) == NULL ||
	    lt_jl_bytes(v, buf, sizeof buf, &k) != 0)
		return 0;
	return k == n && memcmp(buf, want, n) == 0;
}

static void
test_arrays(void)
{
	struct lt_jl_val first;
	const struct lt_jl_val *v;
	size_t k;
	char buf[8];

	CHECK(bytes_are("{\"m\":[72,105]}", "Hi", 2));
	CHECK(bytes_are("{\"m\":[ 0 , 255 ]}", "\0\xff", 2));
	CHECK(bytes_are("{\"m\":[]}", "", 0));
	/* only cap bytes are kept */
	CHECK(bytes_are("{\"m\":[1,2,3,4,5,6,7,8,9,10]}", "\1\2\3\4\5\6\7\10",
	    8));
	CHECK(!bytes_are("{\"m\":[256]}", "", 0));
	CHECK(!bytes_are("{\"m\":[-1]}", "", 0));
	CHECK(!bytes_are("{\"m\":[1.5]}", "", 0));
	CHECK(!bytes_are("{\"m\":[1e2]}", "", 0));
	CHECK(!bytes_are("{\"m\":[\"a\"]}", "", 0));
	CHECK(!bytes_are("{\"m\":[[1]]}", "", 0));
	CHECK(ok("{\"m\":\"s\"}") && (v = lt_jl_get(&jl, "m")) != NULL &&
	    lt_jl_bytes(v, buf, sizeof buf, &k) != 0);
	/* first element */
	CHECK(ok("{\"m\":[ \"a\", \"b\"]}") &&
	    (v = lt_jl_get(&jl, "m")) != NULL &&
	    lt_jl_first(v, &first) == 0 && first.type == LT_JL_STRING &&
	    first.n == 1 && first.p[0] == 'a');
	CHECK(ok("{\"m\":[ ]}") && (v = lt_jl_get(&jl, "m")) != NULL &&
	    lt_jl_first(v, &first) != 0);
	CHECK(ok("{\"m\":[[1,2],3]}") && (v = lt_jl_get(&jl, "m")) != NULL &&
	    lt_jl_first(v, &first) == 0 && first.type == LT_JL_ARRAY &&
	    first.n == 5);
}

/* ---- against cJSON ---- */

static unsigned long long rng = 88172645463325252ull;

static unsigned
rnd(unsigned n)
{
	return t_rnd(&rng, n);
}

/* A random JSON string (with the quotes) of printable ASCII, UTF-8 and
   escapes, never \u0000 or a surrogate (cJSON differs there by design). */
static size_t
gen_string(char *d)
{
	static const char *const esc[] = {
		"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
		"\\u00e9", "\\u20ac", "\\u0001", "\\u007f", "\\uFFFD",
		"\\ud83d\\ude00", "\xc3\xa9", "\xe2\x82\xac",
	};
	size_t n = 0, len = rnd(12), i;

	d[n++] = '"';
	for (i = 0; i < len; i++) {
		if (rnd(4) == 0) {
			const char *e = esc[rnd(sizeof esc / sizeof *esc)];

			memcpy(d + n, e, strlen(e));
			n += strlen(e);
		} else {
			char c = (char)(' ' + rnd(95));

			if (c == '"' || c == '\\')
				c = 'x';
			d[n++] = c;
		}
	}
	d[n++] = '"';
	return n;
}

static size_t gen_value(char *d, unsigned depth);

static size_t
ws(char *d)
{
	static const char *const w[] = { "", "", " ", "\t", "  ", "\r" };
	const char *s = w[rnd(sizeof w / sizeof *w)];

	memcpy(d, s, strlen(s));
	return strlen(s);
}

static size_t
gen_container(char *d, unsigned depth, int object)
{
	size_t n = 0, k = rnd(5), i;

	d[n++] = object ? '{' : '[';
	n += ws(d + n);
	for (i = 0; i < k; i++) {
		if (i > 0) {
			d[n++] = ',';
			n += ws(d + n);
		}
		if (object) {
			n += gen_string(d + n);
			n += ws(d + n);
			d[n++] = ':';
			n += ws(d + n);
		}
		n += gen_value(d + n, depth + 1);
		n += ws(d + n);
	}
	d[n++] = object ? '}' : ']';
	return n;
}

static size_t
gen_value(char *d, unsigned depth)
{
	static const char *const lit[] = {
		"true", "false", "null", "0", "-1", "12.5", "1e3", "-0.25E-2",
		"255", "7",
	};
	const char *s;

	switch (depth < 4 ? rnd(6) : 2 + rnd(4)) {
	case 0:
		return gen_container(d, depth, 1);
	case 1:
		return gen_container(d, depth, 0);
	case 2:
	case 3:
		return gen_string(d);
	default:
		s = lit[rnd(sizeof lit / sizeof *lit)];
		memcpy(d, s, strlen(s));
		return strlen(s);
	}
}

static void
test_against_cjson(void)
{
	static char line[1 << 16];
	char buf[4096];
	size_t round, n, i, agree = 0;
	cJSON *o, *c;
	const char *out;

	for (round = 0; round < 3000; round++) {
		n = gen_container(line, 0, 1);
		line[n] = '\0';
		o = cJSON_ParseWithLength(line, n);
		CHECK(o != NULL);
		CHECK(lt_jl_parse(line, n, &jl) == 0);
		if (o == NULL)
			continue;
		/* the same members, in order, strings decoded alike */
		for (c = o->child, i = 0; c != NULL && i < jl.n;
		    c = c->next, i++) {
			size_t k = lt_jl_string(&jl.m[i].key, buf, sizeof buf,
			    &out);

			CHECK(k == strlen(c->string) &&
			    memcmp(out, c->string, k) == 0);
			if (cJSON_IsString(c)) {
				CHECK(jl.m[i].v.type == LT_JL_STRING);
				k = lt_jl_string(&jl.m[i].v, buf, sizeof buf,
				    &out);
				CHECK(k == strlen(c->valuestring) &&
				    memcmp(out, c->valuestring, k) == 0);
				agree++;
			} else {
				CHECK(jl.m[i].v.type ==
				    (cJSON_IsNumber(c) ? LT_JL_NUMBER :
				    cJSON_IsArray(c) ? LT_JL_ARRAY :
				    cJSON_IsObject(c) ? LT_JL_OBJECT :
				    cJSON_IsNull(c) ? LT_JL_NULL :
				    cJSON_IsTrue(c) ? LT_JL_TRUE : LT_JL_FALSE));
			}
		}
		CHECK(c == NULL && i == jl.n);
		cJSON_Delete(o);
	}
	CHECK(agree > 1000);	/* the strings were really compared */
}

/*
 * Strings are looked at 16 bytes at a time (json_line.c): a raw control
 * byte, a quote or a backslash is seen wherever it falls in the block,
 * and bytes from 0x20 up (0x7f and 0x80 up too) are plain.
 */
static void
test_string_blocks(void)
{
	static const unsigned char bad[] = { 0x00, 0x01, 0x0a, 0x1f };
	static const unsigned char good[] = { 0x20, 0x7f, 0x80, 0xff };
	const struct lt_jl_val *v;
	char line[128];
	size_t pos, k, n;

	for (pos = 0; pos < 48; pos++) {
		n = (size_t)snprintf(line, sizeof line, "{\"M\":\"%.*s\"}",
		    60, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		for (k = 0; k < sizeof bad; k++) {
			line[6 + pos] = (char)bad[k];
			CHECK(lt_jl_parse(line, n, &jl) != 0);
		}
		for (k = 0; k < sizeof good; k++) {
			line[6 + pos] = (char)good[k];
			CHECK(lt_jl_parse(line, n, &jl) == 0);
			v = lt_jl_get(&jl, "M");
			CHECK(v != NULL && v->n == 60 && !v->escaped);
		}
		line[6 + pos] = '"';	/* the string ends early */
		CHECK(lt_jl_parse(line, n, &jl) != 0);
		line[6 + pos] = '\\';
		line[7 + pos] = 'n';
		CHECK(lt_jl_parse(line, n, &jl) == 0);
		v = lt_jl_get(&jl, "M");
		CHECK(v != NULL && v->n == 60 && v->escaped);
	}
}

int
main(void)
{
	test_grammar();
	test_strings();
	test_arrays();
	test_against_cjson();
	test_string_blocks();
	return T_DONE();
}

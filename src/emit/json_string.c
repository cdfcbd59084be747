/*
 * json_string.c - bytes as a JSON string literal, for every emitter that
 * writes JSON (the JSON Lines objects, the rule list, the annotations'
 * properties).
 *
 * The input is log bytes, so the output must be valid JSON whatever they
 * are: quotes, backslashes and control characters are escaped, a
 * well-formed UTF-8 sequence is copied as it is, and every other byte
 * becomes U+FFFD on its own (utf8.c states the rule, and
 * lt_utf8_clean_len() maps offsets through it).  Runs of plain ASCII are
 * copied in one piece: most log text is nothing else.
 *
 * Besides what JSON requires, three things are written as \u escapes,
 * which any JSON reader decodes to the same string: C1 controls, the
 * invisible code points (lt_utf8_invisible()), and a '[' that follows
 * "##".  The bytes of a line of output then never hold "##[", the
 * Actions runner's legacy command prefix, which it looks for anywhere in
 * a line (a JSON line starts with '{', so "::" cannot start one).
 */
#include <stdint.h>

#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "util/utf8.h"

enum lt_status
lt_emit_json_string(struct lt_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, k;
	enum lt_status st;
	uint32_t cp;
	char esc[12];

	if ((st = lt_buf_addc(b, '"')) != LT_OK)
		return st;
	while (i < n) {
		/* Copy a run of bytes that need nothing. */
		for (run = i; run < n && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\' && p[run] != '['; run++)
			;
		if (run > i) {
			if ((st = lt_buf_add(b, p + i, run - i)) != LT_OK)
				return st;
			i = run;
			continue;
		}
		if (p[i] == '[') {
			st = i >= 2 && p[i - 1] == '#' && p[i - 2] == '#' ?
			    lt_buf_add(b, "\\u005b", 6) : lt_buf_addc(b, '[');
			if (st != LT_OK)
				return st;
			i++;
			continue;
		}
		if (p[i] < 0x80) {
			const char *e = NULL;

			switch (p[i]) {
			case '"':  e = "\\\""; break;
			case '\\': e = "\\\\"; break;
			case '\n': e = "\\n"; break;
			case '\r': e = "\\r"; break;
			case '\t': e = "\\t"; break;
			case '\b': e = "\\b"; break;
			case '\f': e = "\\f"; break;
			default:
				esc[0] = '\\';
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hex[p[i] >> 4];
				esc[5] = hex[p[i] & 0xf];
				st = lt_buf_add(b, esc, 6);
				break;
			}
			if (e != NULL)
				st = lt_buf_adds(b, e);
			if (st != LT_OK)
				return st;
			i++;
			continue;
		}
		k = lt_utf8_seq((const char *)p + i, n - i);
		if (k == 0) {
			st = lt_buf_add(b, "\xef\xbf\xbd", 3);
			i++;
		} else if ((cp = lt_utf8_decode(s + i, k)) < 0xa0 ||
		    lt_utf8_invisible(cp)) {
			uint32_t u[2] = { cp, 0 };
			size_t m = 1, j;

			if (cp > 0xffff) {	/* a surrogate pair */
				u[0] = 0xd800 + ((cp - 0x10000) >> 10);
				u[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
				m = 2;
			}
			for (j = 0; j < m; j++) {
				esc[6 * j] = '\\';
				esc[6 * j + 1] = 'u';
				esc[6 * j + 2] = hex[u[j] >> 12 & 0xf];
				esc[6 * j + 3] = hex[u[j] >> 8 & 0xf];
				esc[6 * j + 4] = hex[u[j] >> 4 & 0xf];
				esc[6 * j + 5] = hex[u[j] & 0xf];
			}
			st = lt_buf_add(b, esc, 6 * m);
			i += k;
		} else {
			st = lt_buf_add(b, p + i, k);
			i += k;
		}
		if (st != LT_OK)
			return st;
	}
	return lt_buf_addc(b, '"');
}


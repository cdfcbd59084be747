/*
 * utf8.c - byte-exact UTF-8 validation, and removal of terminal escapes.
 *
 * Log lines are bytes: a crashed program can write anything, and journald
 * and docker pass it on.  Output, though, must be valid UTF-8 JSON.  The
 * rule here is simple and stable: a well-formed sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) is kept; every
 * other byte becomes U+FFFD on its own.  Because the replacement is per
 * byte, the cleaned length of any prefix that ends on a sequence boundary
 * is the cleaned length of that prefix alone, which is how match offsets
 * are carried from the input line to the emitted text.
 *
 * ANSI stripping removes CSI sequences (ESC [ params final), OSC strings
 * (ESC ] ... BEL or ESC \) and two-byte escapes, as CI runners colour
 * their output; rules are written against the visible text.
 */
#include <string.h>

#include "util/utf8.h"

/* Length (1-4) of the well-formed sequence at p, or 0. */
static size_t
seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (p[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		if (n < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (n < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

size_t
lt_utf8_seq(const char *p, size_t n)
{
	return n > 0 ? seq_len((const unsigned char *)p, n) : 0;
}

size_t
lt_utf8_clean_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, out = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			out++;
			continue;
		}
		k = seq_len(p + i, n - i);
		if (k == 0) {
			i++;
			out += 3;
		} else {
			i += k;
			out += k;
		}
	}
	return out;
}

size_t
lt_utf8_encode(uint32_t cp, char b[4])
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	b[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

uint32_t
lt_utf8_decode(const char *s, size_t k)
{
	const unsigned char *p = (const unsigned char *)s;

	switch (k) {
	case 1: return p[0];
	case 2: return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	case 3: return (uint32_t)(p[0] & 0x0f) << 12 |
	    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	case 4: return (uint32_t)(p[0] & 0x07) << 18 |
	    (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6 |
	    (p[3] & 0x3f);
	}
	return 0xfffd;
}

int
lt_utf8_invisible(uint32_t c)
{
	/* DerivedCoreProperties.txt, Default_Ignorable_Code_Point */
	static const uint32_t r[][2] = {
		{ 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x061c, 0x061c },
		{ 0x115f, 0x1160 }, { 0x17b4, 0x17b5 }, { 0x180b, 0x180f },
		{ 0x200b, 0x200f }, { 0x2028, 0x202e }, { 0x2060, 0x206f },
		{ 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
		{ 0xffa0, 0xffa0 }, { 0xfff0, 0xfffb }, { 0x1bca0, 0x1bca3 },
		{ 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
	};
	size_t i;

	if (c < 0xad)
		return 0;
	for (i = 0; i < sizeof r / sizeof r[0]; i++)
		if (c >= r[i][0] && c <= r[i][1])
			return 1;
	return 0;
}

size_t
lt_ansi_strip(char *dst, const char *src, size_t n)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t i = 0, o = 0, j;

	while (i < n) {
		if (p[i] != 0x1b) {
			dst[o++] = (char)p[i++];
			continue;
		}
		if (i + 1 >= n) {	/* lone ESC at the end */
			i++;
			continue;
		}
		if (p[i + 1] == '[') {	/* CSI: params, intermediates, final */
			j = i + 2;
			while (j < n && p[j] >= 0x30 && p[j] <= 0x3f)
				j++;
			while (j < n && p[j] >= 0x20 && p[j] <= 0x2f)
				j++;
			if (j < n && p[j] >= 0x40 && p[j] <= 0x7e)
				j++;
			i = j;	/* malformed: drop what was read, keep the rest */
		} else if (p[i + 1] == ']') {	/* OSC: to BEL or ESC \ */
			j = i + 2;
			while (j < n && p[j] != 0x07 &&
			    !(p[j] == 0x1b && j + 1 < n && p[j + 1] == '\\'))
				j++;
			if (j < n)
				j += p[j] == 0x07 ? 1 : 2;
			i = j;
		} else if (p[i + 1] >= 0x40 && p[i + 1] <= 0x5f) {
			i += 2;
		} else {
			i++;
		}
	}
	return o;
}

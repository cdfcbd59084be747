/*
 * decode_text.c - plain lines, and the prefixes syslog and journalctl put
 * on them.
 *
 * Most logs people pipe in are lines of text, and many of those lines
 * start with what a syslog daemon or journalctl's short formats put
 * there:
 *
 *   Jan 11 10:00:01 host unit[pid]: message            (syslog, short)
 *   Jan 11 10:00:01.123456 host unit[pid]: message     (short-precise)
 *   2025-01-11T10:00:01+0000 host unit[pid]: message   (short-iso)
 *   2025-01-11T10:00:01.123456+00:00 host unit: msg    (short-iso-precise,
 *                                                      rsyslog RFC 3339)
 *
 * Rules are written against the message, so the prefix is taken off and
 * kept as labels (host, unit, pid) and time.  The ISO forms carry a zone
 * and become an RFC 3339 UTC time.  The classic form has neither year nor
 * zone; rather than invent them (the year a log was written is not the
 * year it is read), time stays unknown and the stamp as written goes into
 * the label syslog_time.  "unit" is what journalctl and syslog print
 * there: the syslog identifier, often but not always the unit's name.
 *
 * The kernel's own lines keep dmesg's stamp after that prefix when a
 * syslog daemon took them from klogd ("host kernel: [12.345678] msg"),
 * and dmesg output itself is lines with only that stamp: both are taken
 * off too (decode_dmesg.c).
 *
 * This is the hot path: a line whose first byte cannot start a stamp (a
 * digit, the first letter of a month, or dmesg's '[') is passed on
 * untouched, with no copy and no allocation, and the recogniser gives up
 * at the first byte that does not fit, so a line that merely starts with
 * "Fix" costs a few comparisons.
 */
#include <string.h>

#include "decode_int.h"

#define HOST_MAX 255u
#define IDENT_MAX 256u

const unsigned char lt_prefix_start[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['D'] = 1, ['F'] = 1, ['J'] = 1, ['M'] = 1,
	['N'] = 1, ['O'] = 1, ['S'] = 1,
};

/* Length of "Mmm dd HH:MM:SS[.frac]" at p, or 0. */
static size_t
classic_stamp(const char *p, size_t n)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t i, m;

	if (n < 15 || p[3] != ' ')
		return 0;
	for (m = 0; m < 36; m += 3)
		if (memcmp(p, months + m, 3) == 0)
			break;
	if (m == 36)
		return 0;
	/* the day: " 1", "01" or "1" */
	if (p[4] == ' ' && LT_DIGIT(p[5]))
		i = 6;
	else if (LT_DIGIT(p[4]) && LT_DIGIT(p[5]))
		i = 6;
	else if (LT_DIGIT(p[4]) && p[5] == ' ')
		i = 5;
	else
		return 0;
	if (p[i] != ' ' || n - i < 9)
		return 0;
	i++;
	if (!LT_DIGIT(p[i]) || !LT_DIGIT(p[i + 1]) || p[i + 2] != ':' ||
	    !LT_DIGIT(p[i + 3]) || !LT_DIGIT(p[i + 4]) || p[i + 5] != ':' ||
	    !LT_DIGIT(p[i + 6]) || !LT_DIGIT(p[i + 7]))
		return 0;
	i += 8;
	if (i < n && p[i] == '.') {
		for (m = ++i; i < n && LT_DIGIT(p[i]) && i - m < 9; i++)
			;
		if (i == m)
			return 0;
	}
	return i;
}

/* Bytes that end a syslog identifier: blanks and controls, '[' and ':'. */
static const unsigned char ident_stop[256] = {
	[0] = 1, [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1,
	[7] = 1, [8] = 1, [9] = 1, [10] = 1, [11] = 1, [12] = 1, [13] = 1,
	[14] = 1, [15] = 1, [16] = 1, [17] = 1, [18] = 1, [19] = 1, [20] = 1,
	[21] = 1, [22] = 1, [23] = 1, [24] = 1, [25] = 1, [26] = 1, [27] = 1,
	[28] = 1, [29] = 1, [30] = 1, [31] = 1, [' '] = 1, ['['] = 1,
	[':'] = 1,
};

/*
 * "host ident[pid]: " at p[i..n): fill the labels and point the text at
 * the message.  1 when it fits.
 */
static int
host_ident(struct lt_recb *b, const char *p, size_t n, size_t i)
{
	size_t h0, h1, u0, u1, p0 = 0, p1 = 0, lim;

	h0 = i;
	lim = n - h0 > HOST_MAX ? h0 + HOST_MAX : n;
	while (i < lim && (unsigned char)p[i] > ' ')
		i++;
	h1 = i;
	if (h1 == h0 || i >= n || p[i] != ' ')
		return 0;
	u0 = ++i;
	lim = n - u0 > IDENT_MAX ? u0 + IDENT_MAX : n;
	while (i < lim && !ident_stop[(unsigned char)p[i]])
		i++;
	u1 = i;
	if (u1 == u0 || i >= n)
		return 0;
	if (p[i] == '[') {
		p0 = ++i;
		while (i < n && LT_DIGIT(p[i]) && i - p0 < 10)
			i++;
		p1 = i;
		if (p1 == p0 || i + 1 >= n || p[i] != ']')
			return 0;
		i++;
	}
	if (p[i] != ':')
		return 0;
	i++;
	if (i < n) {
		if (p[i] != ' ')
			return 0;
		i++;
	}
	b->r.text = p + i;
	b->r.len = n - i;
	lt_recb_label(b, "host", 4, p + h0, h1 - h0);
	lt_recb_label(b, "unit", 4, p + u0, u1 - u0);
	if (p1 > p0)
		lt_recb_label(b, "pid", 3, p + p0, p1 - p0);
	return 1;
}

/* A kernel line that kept its own dmesg stamp: that is taken off too. */
static void
kernel(struct lt_recb *b, size_t first)
{
	const struct lt_label *l;
	size_t i;

	for (i = first; i < b->r.n_labels; i++) {
		l = &b->lab[i];
		if (l->key_len == 4 && memcmp(l->key, "unit", 4) == 0) {
			if (l->value_len == 6 &&
			    memcmp(l->value, "kernel", 6) == 0)
				lt_dmesg_inner(b);
			return;
		}
	}
}

int
lt_syslog_prefix(struct lt_recb *b, const char *p, size_t n)
{
	size_t k, saved = b->r.n_labels;

	if (n == 0)
		return 0;
	if (LT_DIGIT(p[0])) {
		if ((k = lt_time_parse(p, n, b->time)) == 0 || k >= n ||
		    p[k] != ' ' || !host_ident(b, p, n, k + 1)) {
			b->r.n_labels = saved;
			return 0;
		}
		b->r.time = b->time;
		kernel(b, saved);
		return 1;
	}
	if ((k = classic_stamp(p, n)) == 0 || k >= n || p[k] != ' ' ||
	    !host_ident(b, p, n, k + 1)) {
		b->r.n_labels = saved;
		return 0;
	}
	lt_recb_label(b, "syslog_time", 11, p, k);
	kernel(b, saved);
	return 1;
}

enum lt_status
lt_decode_text(struct lt_decoder *d, const struct lt_line *l, unsigned flags)
{
	struct lt_recb b;

	lt_recb_init(&b, l);
	b.r.flags |= flags;
	if (l->len == 0)
		return lt_decoder_pass(d, &b);
	if (lt_prefix_start[(unsigned char)l->p[0]])
		(void)(lt_syslog_prefix(&b, l->p, l->len) ||
		    lt_dmesg_prefix(&b, l->p, l->len));
	else if (l->p[0] == '[')
		(void)lt_dmesg_prefix(&b, l->p, l->len);
	return lt_decoder_pass(d, &b);
}

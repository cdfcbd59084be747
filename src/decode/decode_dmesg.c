/*
 * decode_dmesg.c - the prefixes dmesg puts on kernel messages.
 *
 * What kills a runner is often only in the kernel's ring buffer (the OOM
 * killer, a full or failing disk, a hung task), and people paste or pipe
 * what dmesg prints:
 *
 *   [12345.678901] Out of memory: Killed process 2345 (node) ...
 *   [Tue Dec  1 10:00:00 2026] Out of memory: Killed process ...    (-T)
 *   2026-12-01T10:00:00,123456+00:00 Out of memory: ...  (--time-format iso)
 *
 * and syslog daemons that take the kernel's lines from klogd keep the
 * first form after their own prefix ("host kernel: [12345.678901] ..."),
 * as does a CI step that runs dmesg after its stamp.  Rules are written
 * against the message, so the prefix is taken off.
 *
 * Only the ISO form says when, in a zone, so only it becomes time.  The
 * first is seconds since boot: it is kept as the label kernel_time, and
 * time stays unknown, because the boot time is not in the log.  dmesg -T
 * turns those seconds into the local wall clock without a zone (and the
 * conversion drifts over a suspend); as for classic syslog stamps, no
 * zone is invented: time stays unknown and the stamp as written is the
 * label dmesg_time.
 *
 * These are tried on lines that start with '[' or a digit, as the text
 * and Actions decoders meet them; each gives up at the first byte that
 * does not fit (a "[INFO]" line costs two comparisons), copies nothing
 * but the ISO stamp (40 bytes at most) and allocates nothing.
 */
#include <string.h>

#include "decode_int.h"

#define SECS_MAX 12u	/* digits of the seconds since boot */
#define FRAC_MAX 9u	/* digits of their fraction (dmesg: 6) */
#define PAD_MAX 16u	/* spaces dmesg pads the seconds with */

/* "[  12345.678901]" at p: its length, and the number's span. */
static size_t
mono(const char *p, size_t n, size_t *v0, size_t *v1)
{
	size_t i = 1, k;

	if (n < 5 || p[0] != '[')
		return 0;
	while (i < n && p[i] == ' ' && i <= PAD_MAX)
		i++;
	*v0 = i;
	for (k = i; i < n && LT_DIGIT(p[i]) && i - k < SECS_MAX; i++)
		;
	if (i == k || i >= n || p[i] != '.')
		return 0;
	for (k = ++i; i < n && LT_DIGIT(p[i]) && i - k < FRAC_MAX; i++)
		;
	if (i == k || i >= n || p[i] != ']')
		return 0;
	*v1 = i;
	return i + 1;
}

static int
alpha3(const char *p, const char *names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (memcmp(p, names + 3 * i, 3) == 0)
			return 1;
	return 0;
}

/* "[Tue Dec  1 10:00:00 2026]" at p: its length, or 0. */
static size_t
wall(const char *p, size_t n)
{
	static const char days[] = "MonTueWedThuFriSatSun";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t i;

	/* '[' a 3 ' ' m 3 ' ' d 2 ' ' HH:MM:SS ' ' YYYY ']': 26 bytes */
	if (n < 26 || p[0] != '[' || p[4] != ' ' || p[8] != ' ' ||
	    !alpha3(p + 1, days, 7) || !alpha3(p + 5, months, 12))
		return 0;
	if (!((p[9] == ' ' || LT_DIGIT(p[9])) && LT_DIGIT(p[10])) ||
	    p[11] != ' ')
		return 0;
	for (i = 12; i < 20; i++)
		if (i == 14 || i == 17 ? p[i] != ':' : !LT_DIGIT(p[i]))
			return 0;
	if (p[20] != ' ' || !LT_DIGIT(p[21]) || !LT_DIGIT(p[22]) ||
	    !LT_DIGIT(p[23]) || !LT_DIGIT(p[24]) || p[25] != ']')
		return 0;
	return 26;
}

/* "2026-12-01T10:00:00,123456+00:00" at p: its length, time set; or 0. */
static size_t
iso(const char *p, size_t n, char time[LT_TIME_MAX])
{
	char s[LT_TIME_MAX];
	size_t k = n < sizeof s - 1 ? n : sizeof s - 1, r;

	if (k < 26 || p[10] != 'T' || p[19] != ',')
		return 0;
	memcpy(s, p, k);
	s[19] = '.';
	if ((r = lt_time_parse(s, k, time)) == 0 || r >= n || p[r] != ' ')
		return 0;
	return r;
}

/* Take the prefix's len bytes and the one space after it off b's text. */
static void
skip(struct lt_recb *b, const char *p, size_t n, size_t len)
{
	if (len < n && p[len] == ' ')
		len++;
	b->r.text = p + len;
	b->r.len = n - len;
}

int
lt_dmesg_prefix(struct lt_recb *b, const char *p, size_t n)
{
	size_t k, v0, v1;

	if (n == 0)
		return 0;
	if (LT_DIGIT(p[0])) {
		if ((k = iso(p, n, b->time)) == 0)
			return 0;
		b->r.time = b->time;
		skip(b, p, n, k);
		return 1;
	}
	if ((k = mono(p, n, &v0, &v1)) > 0) {
		skip(b, p, n, k);
		lt_recb_label(b, "kernel_time", 11, p + v0, v1 - v0);
		return 1;
	}
	if ((k = wall(p, n)) > 0) {
		skip(b, p, n, k);
		lt_recb_label(b, "dmesg_time", 10, p + 1, k - 2);
		return 1;
	}
	return 0;
}

void
lt_dmesg_inner(struct lt_recb *b)
{
	const char *p = b->r.text;
	size_t n = b->r.len, k, v0, v1;

	if (n == 0 || p[0] != '[')
		return;
	if ((k = mono(p, n, &v0, &v1)) > 0) {
		skip(b, p, n, k);
		lt_recb_label(b, "kernel_time", 11, p + v0, v1 - v0);
	} else if ((k = wall(p, n)) > 0) {
		skip(b, p, n, k);
		lt_recb_label(b, "dmesg_time", 10, p + 1, k - 2);
	}
}

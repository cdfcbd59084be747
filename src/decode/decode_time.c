/*
 * decode_time.c - the times of log records, as RFC 3339 UTC strings.
 *
 * Every input format states time its own way: journald as microseconds
 * since the epoch, Loki as nanoseconds, docker and logcli as RFC 3339
 * with whatever zone the writer had, the Actions runner as ISO 8601 with
 * seven fraction digits, journalctl short-iso with a "+0000" offset.  A
 * verdict should carry one form, so all of them become
 * "YYYY-MM-DDTHH:MM:SS[.f]Z" in UTC, keeping the fraction digits the
 * input had: a time is never made to look more (or less) precise than it
 * was.
 *
 * The conversion is plain calendar arithmetic on a proleptic Gregorian
 * calendar (days since 1970-01-01 from year, month, day and back), so it
 * does not depend on the C library's time zone state, locale or the range
 * of time_t, and never touches the environment.  Leap seconds are not
 * representable and are refused.  Years are 0000 to 9999.
 */
#include <stdio.h>
#include <string.h>

#include "decode_int.h"


/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe, mp;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);		/* 0..399 */
	mp = m > 2 ? m - 3 : m + 9;			/* March is 0 */
	doy = (153 * mp + 2) / 5 + d - 1;		/* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */
	return era * 146097 + (long long)doe - 719468;
}

/* The inverse of days_from_civil. */
static void
civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

static int
leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(long long y, unsigned m)
{
	static const unsigned char len[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && leap(y) ? 29 : len[m - 1];
}

/* v as exactly width decimal digits (v < 10^width) at o; past them. */
static char *
put_digits(char *o, unsigned long v, unsigned width)
{
	unsigned i;

	for (i = width; i > 0; i--) {
		o[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + width;
}

/*
 * Every record's time passes through here, so it writes the digits
 * itself: three snprintf calls a line were most of a run's time.
 */
int
lt_time_format(char out[LT_TIME_MAX], long long secs, unsigned long frac,
    unsigned digits)
{
	static const unsigned long pow10[10] = {
		1ul, 10ul, 100ul, 1000ul, 10000ul, 100000ul, 1000000ul,
		10000000ul, 100000000ul, 1000000000ul
	};
	long long days, y;
	unsigned m, d, sod;
	char *o = out;

	if (digits > 9)
		return -1;
	days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	sod = (unsigned)(secs - days * 86400);
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return -1;
	if (digits > 0 && frac >= pow10[digits]) {	/* wider than asked */
		int w = snprintf(out, LT_TIME_MAX, "%04lld-%02u-%02uT%02u:%02u:"
		    "%02u.%0*luZ", y, m, d, sod / 3600, sod / 60 % 60, sod % 60,
		    (int)digits, frac);

		return w < 0 ? -1 : 0;
	}
	o = put_digits(o, (unsigned long)y, 4);
	*o++ = '-';
	o = put_digits(o, m, 2);
	*o++ = '-';
	o = put_digits(o, d, 2);
	*o++ = 'T';
	o = put_digits(o, sod / 3600, 2);
	*o++ = ':';
	o = put_digits(o, sod / 60 % 60, 2);
	*o++ = ':';
	o = put_digits(o, sod % 60, 2);
	if (digits > 0) {
		*o++ = '.';
		o = put_digits(o, frac, digits);
	}
	*o++ = 'Z';
	*o = '\0';
	return 0;
}

/* n decimal digits at p as a number; -1 when one is not a digit. */
static long
num(const char *p, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!LT_DIGIT(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Two digits at p as a number, or -1 (the parser's hot path). */
static long
d2(const char *p)
{
	if (!LT_DIGIT(p[0]) || !LT_DIGIT(p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

size_t
lt_time_parse(const char *p, size_t n, char out[LT_TIME_MAX])
{
	long y, mo, d, h, mi, s, oh = 0, om = 0;
	unsigned long frac = 0;
	unsigned digits = 0;
	long long secs;
	size_t i;
	int sign = 0;

	/* YYYY-MM-DDTHH:MM:SS is 19 bytes, and a zone follows */
	if (n < 20 || p[4] != '-' || p[7] != '-' ||
	    (p[10] != 'T' && p[10] != ' ') || p[13] != ':' || p[16] != ':')
		return 0;
	if ((y = d2(p)) < 0 || (mo = d2(p + 2)) < 0)
		return 0;
	y = y * 100 + mo;
	if ((mo = d2(p + 5)) < 1 || mo > 12 ||
	    (d = d2(p + 8)) < 1 || d > (long)month_days(y, (unsigned)mo) ||
	    (h = d2(p + 11)) < 0 || h > 23 ||
	    (mi = d2(p + 14)) < 0 || mi > 59 ||
	    (s = d2(p + 17)) < 0 || s > 59)
		return 0;
	i = 19;
	if (i < n && p[i] == '.') {
		for (i++; i < n && LT_DIGIT(p[i]); i++)
			if (digits < 9) {	/* more than ns is cut off */
				frac = frac * 10 + (unsigned long)(p[i] - '0');
				digits++;
			}
		if (digits == 0)
			return 0;
	}
	if (i >= n)
		return 0;
	if (p[i] == 'Z') {
		i++;
	} else if (p[i] == '+' || p[i] == '-') {
		sign = p[i] == '-' ? -1 : 1;
		i++;
		if (i + 2 > n || (oh = d2(p + i)) < 0 || oh > 23)
			return 0;
		i += 2;
		if (i + 3 <= n && p[i] == ':' && LT_DIGIT(p[i + 1])) {
			if ((om = d2(p + i + 1)) < 0)
				return 0;
			i += 3;
		} else if (i + 2 <= n && LT_DIGIT(p[i])) {
			if ((om = d2(p + i)) < 0)
				return 0;
			i += 2;
		}
		if (om > 59)
			return 0;
	} else {
		return 0;
	}
	if (oh == 0 && om == 0) {
		/*
		 * Already UTC (Z, +0000, +00:00): the fields are the
		 * output's, so copy them rather than convert there and back.
		 */
		char *o = out;

		memcpy(o, p, 19);
		o[10] = 'T';
		o += 19;
		if (digits > 0) {
			*o++ = '.';
			memcpy(o, p + 20, digits);
			o += digits;
		}
		*o++ = 'Z';
		*o = '\0';
		return i;
	}
	secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60);
	if (lt_time_format(out, secs, frac, digits) != 0)
		return 0;
	return i;
}

int
lt_time_decimal(const char *p, size_t n, unsigned long long *v)
{
	unsigned long long x = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (!LT_DIGIT(p[i]))
			return -1;
		if (x > (~0ull - (unsigned)(p[i] - '0')) / 10)
			return -1;
		x = x * 10 + (unsigned)(p[i] - '0');
	}
	*v = x;
	return 0;
}

int
lt_time_ns(const char *p, size_t n, unsigned long long *ns)
{
	char t[LT_TIME_MAX];
	long long days, secs;
	unsigned long long frac = 0;
	size_t i, digits = 0;

	if (lt_time_parse(p, n, t) != n)
		return -1;
	/* t is "YYYY-MM-DDTHH:MM:SS[.f]Z" in UTC now */
	days = days_from_civil(num(t, 4), (unsigned)num(t + 5, 2),
	    (unsigned)num(t + 8, 2));
	secs = days * 86400 + num(t + 11, 2) * 3600 + num(t + 14, 2) * 60 +
	    num(t + 17, 2);
	for (i = 20; t[19] == '.' && LT_DIGIT(t[i]); i++, digits++)
		frac = frac * 10 + (unsigned)(t[i] - '0');
	for (; digits < 9; digits++)
		frac *= 10;
	if (secs < 0 || (unsigned long long)secs > 18000000000ull)
		return -1;
	*ns = (unsigned long long)secs * 1000000000ull + frac;
	return 0;
}

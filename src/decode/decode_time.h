/*
 * decode_time.h - record times (decode_time.c), for the decoders and for the
 * sources that get a time with each entry.  All output is RFC 3339 in
 * UTC: "YYYY-MM-DDTHH:MM:SS[.f]Z", with as many fraction digits as the
 * input had (at most 9).
 */
#ifndef LT_DECODE_TIME_H
#define LT_DECODE_TIME_H

#include <stddef.h>

#include "logtriage/decode.h"

/*
 * Parse "YYYY-MM-DD(T| )HH:MM:SS[.f...]" and a zone ("Z", "+HH:MM",
 * "+HHMM", "+HH"; "-" too) at the start of p[0..n) and write the same
 * instant in UTC to out.  Returns the bytes read, or 0 when p does not
 * start with such a time (a missing zone included) or it is out of range.
 */
size_t lt_time_parse(const char *p, size_t n, char out[LT_TIME_MAX]);

/* out = secs + frac / 10^digits after the epoch (digits <= 9); -1: range. */
int lt_time_format(char out[LT_TIME_MAX], long long secs,
    unsigned long frac, unsigned digits);

/* lt_time_ns, a record's time in nanoseconds, is public: decode.h. */

/* A decimal string of at most 20 digits; 0 and *v, or -1. */
int lt_time_decimal(const char *p, size_t n, unsigned long long *v);

#endif

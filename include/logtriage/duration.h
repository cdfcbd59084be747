/*
 * logtriage/duration.h - one reader of durations for every option and key
 * that takes one (--since, --hold, a rule's within).
 *
 * A duration is one or more numbers each followed by a unit, largest first
 * or not: "90s", "5m", "1h30m", "500ms", "2d", "1w".  Units: ms, s, m, h, d,
 * w.  No fractions, no sign, no blanks.  The text is a byte span: it need
 * not be NUL-terminated and may hold any bytes (which then fail).
 */
#ifndef LOGTRIAGE_DURATION_H
#define LOGTRIAGE_DURATION_H

#include <stddef.h>

#include "api.h"

/*
 * Read s[0..n) as a duration into *ns (nanoseconds).  0 when it is one,
 * -1 otherwise (empty, no unit, an unknown unit, a number with more than
 * ten digits, or a total past what 64 bits hold); *ns is then unchanged.
 */
LT_API int lt_duration_parse(const char *s, size_t n, unsigned long long *ns);

#endif

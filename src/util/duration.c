/*
 * duration.c - the one reader of durations ("90s", "1h30m", "500ms").
 *
 * Three places took a duration, each with its own reader and its own idea
 * of the units: --since knew "1h30m" and "w", --hold only "ms", "s" and
 * "m", a rule's within only one number and one letter.  A user who wrote
 * "within = 1h30m" got a syntax error for what --since accepted.  Now they
 * all read the same grammar (a run of number-and-unit terms, the units of
 * Prometheus and Loki) and keep only their own bounds.  The reader works
 * on a byte span, so a rule file's value needs no copy, and every number
 * is capped before it is multiplied so no input can overflow.
 */
#include <string.h>

#include "logtriage/duration.h"
#include "util/util.h"

#define DURATION_DIGITS_MAX 10	/* per term: 9,999,999,999 of a unit */

int
lt_duration_parse(const char *s, size_t n, unsigned long long *ns)
{
	static const struct {
		const char *unit;
		size_t len;
		unsigned long long ns;
	} units[] = {
		{ "ms", 2, 1000000ull }, { "s", 1, 1000000000ull },
		{ "m", 1, 60000000000ull }, { "h", 1, 3600000000000ull },
		{ "d", 1, 86400000000000ull }, { "w", 1, 604800000000000ull },
	};
	unsigned long long total = 0, v;
	size_t i = 0, d, len, k;

	if (n == 0)
		return -1;
	while (i < n) {
		for (v = 0, d = 0; i < n && s[i] >= '0' && s[i] <= '9';
		    i++, d++) {
			if (d == DURATION_DIGITS_MAX)
				return -1;
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		for (len = 0; i + len < n && s[i + len] >= 'a' &&
		    s[i + len] <= 'z' && len < 3; len++)
			;
		for (k = 0; k < LT_ARRAY_LEN(units); k++)
			if (units[k].len == len &&
			    memcmp(units[k].unit, s + i, len) == 0)
				break;
		if (d == 0 || k == LT_ARRAY_LEN(units) ||
		    v > (~0ull - total) / units[k].ns)
			return -1;
		total += v * units[k].ns;
		i += len;
	}
	*ns = total;
	return 0;
}

/*
 * suggest.c - "did you mean": the closest candidate to a misspelt word.
 *
 * A misspelt rule key and a misspelt category name on the command line
 * both deserve the hint a user of git or cargo expects.  The two places
 * had each grown their own Levenshtein distance with their own caps;
 * this is the one.  The distance keeps one row of the table on the stack
 * (words are capped at LT_SUGGEST_MAX_LEN bytes), so it allocates
 * nothing and its time is bounded by the cap squared per candidate.
 */
#include <string.h>

#include "util/suggest.h"

/* Levenshtein distance of a[0..an) and b[0..bn), both capped. */
static size_t
distance(const char *a, size_t an, const char *b, size_t bn)
{
	size_t row[LT_SUGGEST_MAX_LEN + 1], i, j, diag, up, best;

	for (j = 0; j <= bn; j++)
		row[j] = j;
	for (i = 1; i <= an; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= bn; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[bn];
}

const char *
lt_suggest(const char *word, size_t len, const char *const *cand, size_t n)
{
	size_t i, d, cn, best = (size_t)-1, limit;
	const char *pick = NULL;

	if (len == 0 || len > LT_SUGGEST_MAX_LEN)
		return NULL;
	limit = len / 3 > 2 ? len / 3 : 2;
	for (i = 0; i < n; i++) {
		if ((cn = strlen(cand[i])) > LT_SUGGEST_MAX_LEN)
			continue;
		d = distance(word, len, cand[i], cn);
		if (d < best) {
			best = d;
			pick = cand[i];
		}
	}
	return best <= limit ? pick : NULL;
}

/*
 * util/suggest.h - "did you mean": the closest of some words to one that
 * is not among them (suggest.c).
 */
#ifndef LT_UTIL_SUGGEST_H
#define LT_UTIL_SUGGEST_H

#include <stddef.h>

#define LT_SUGGEST_MAX_LEN 128	/* longer words get no suggestion */

/*
 * The candidate (of cand[0..n)) closest to word[0..len) by edit distance,
 * when it is a plausible misspelling: at most a third of the word's
 * length in edits, and at least 2 allowed, as git's suggestions.  NULL
 * when none is, or when word is empty or longer than LT_SUGGEST_MAX_LEN;
 * candidates longer than that are not considered.  The first of equally
 * close candidates wins.
 */
const char *lt_suggest(const char *word, size_t len, const char *const *cand,
    size_t n);

#endif

/*
 * t.h - the smallest useful unit test harness: CHECK records a failure
 * with file and line and goes on; T_DONE() returns the exit status CTest
 * reads.  Each test program is one CTest test.
 */
#ifndef LT_T_H
#define LT_T_H

#include <stdio.h>
#include <string.h>

static int t_failures;
static int t_checks;

#define CHECK(cond) do { \
	t_checks++; \
	if (!(cond)) { \
		t_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *t_a = (a), *t_b = (b); \
	t_checks++; \
	if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) { \
		t_failures++; \
		fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", \
		    __FILE__, __LINE__, t_b ? t_b : "(null)", \
		    t_a ? t_a : "(null)"); \
	} \
} while (0)

/* xorshift64: the same pseudo-random numbers on every machine. */
static inline unsigned
t_rnd(unsigned long long *state, unsigned n)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (unsigned)(*state % n);
}

#define T_DONE() ( \
	fprintf(stderr, "%d checks, %d failed\n", t_checks, t_failures), \
	t_failures ? 1 : 0)

#endif

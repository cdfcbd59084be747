/*
 * util.h - small helpers every stage of the library may use: printf
 * checking, array length, filling an error record.
 */
#ifndef LT_UTIL_H
#define LT_UTIL_H

#include "logtriage/status.h"

#if defined(__GNUC__)
#define LT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LT_PRINTF(a, b)
#endif

#define LT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fill e (when not NULL); message is printf-formatted and truncated. */
void lt_error_set(struct lt_error *e, enum lt_status st, enum lt_level lvl,
    const char *origin, unsigned long line, unsigned long col,
    const char *fmt, ...) LT_PRINTF(7, 8);

#endif

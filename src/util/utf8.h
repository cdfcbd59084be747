/*
 * utf8.h - byte-exact UTF-8 checks and terminal escape removal (utf8.c),
 * for the stages that write log text out.
 */
#ifndef LT_UTF8_H
#define LT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the well-formed UTF-8 sequence at p, 0 if none. */
size_t lt_utf8_seq(const char *p, size_t n);

/*
 * Bytes that p[0..n) becomes after cleaning (invalid bytes become the
 * three bytes of U+FFFD); maps an input offset to an output offset.
 */
size_t lt_utf8_clean_len(const char *p, size_t n);

/*
 * The code point of the well-formed k-byte sequence at p, and whether it
 * is one that shows nothing or reorders what follows: Unicode's
 * Default_Ignorable_Code_Point set (soft hyphen, zero-width characters,
 * bidi controls, variation selectors, tags), U+2028/U+2029 and
 * U+FFF9..U+FFFB.  The emitters write these as escapes: a terminal
 * cannot then hide or reorder text, and a culture-sensitive string
 * comparison (the Actions runner's, under ICU) cannot skip them to see
 * a workflow command that is not in the bytes.
 */
uint32_t lt_utf8_decode(const char *p, size_t k);
/* cp (at most 0x10FFFF) as UTF-8 into b; returns its length, 1 to 4. */
size_t lt_utf8_encode(uint32_t cp, char b[4]);
int lt_utf8_invisible(uint32_t cp);

/* Remove ANSI escape sequences; writes at most n bytes to dst. */
size_t lt_ansi_strip(char *dst, const char *src, size_t n);

#endif

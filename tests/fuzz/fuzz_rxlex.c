/*
 * fuzz_rxlex.c - the PCRE2 pattern lexer on arbitrary bytes.
 *
 * Whatever the bytes, the lexer must end (at most one token per byte,
 * then LT_RX_END, LT_RX_ERROR or LT_RX_UNSUPPORTED, which repeats), keep
 * every token inside the pattern and in order, and peek must agree with
 * next.  When PCRE2 compiles the bytes as the rule parser would, the
 * lexer must not call them malformed, and when it follows them whole it
 * must count PCRE2's capture groups.  A broken invariant aborts, which
 * is what libFuzzer (and the replay in the suite) reports.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/rxlex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAMES_MAX (LT_RX_DEPTH_MAX + 1)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_rxlex lx;
	struct lt_rx_token t, p;
	/* captures so far per open group, and per branch-reset best */
	static uint32_t caps[FRAMES_MAX], best[FRAMES_MAX];
	static unsigned char reset[FRAMES_MAX];
	size_t k, last = 0, depth = 0;
	pcre2_code *code;
	uint32_t want;
	int err;
	PCRE2_SIZE eoff;

	if (size > 4096)
		return 0;
	lt_rxlex_init(&lx, (const char *)data, size, 0);
	caps[0] = best[0] = 0;
	reset[0] = 0;
	for (k = 0; k <= size + 1; k++) {
		p = *lt_rxlex_peek(&lx);
		(void)lt_rxlex_next(&lx, &t);
		if (p.kind != t.kind || p.off != t.off || p.len != t.len)
			abort();
		if (t.off < last || t.off > size || t.len > size - t.off)
			abort();
		last = t.off;
		if (t.kind == LT_RX_END || t.kind == LT_RX_ERROR ||
		    t.kind == LT_RX_UNSUPPORTED)
			break;
		if (t.len == 0)
			abort();	/* every other token takes a byte */
		if (t.kind == LT_RX_GROUP) {
			if (depth + 1 >= FRAMES_MAX)
				abort();
			caps[depth] += t.group == LT_RXG_CAPTURE ||
			    t.group == LT_RXG_NAMED;
			depth++;
			caps[depth] = best[depth] = 0;
			reset[depth] = t.group == LT_RXG_RESET;
		} else if (t.kind == LT_RX_ALT && reset[depth]) {
			if (caps[depth] > best[depth])
				best[depth] = caps[depth];
			caps[depth] = 0;
		} else if (t.kind == LT_RX_CLOSE) {
			if (depth == 0)
				abort();
			if (best[depth] > caps[depth])
				caps[depth] = best[depth];
			depth--;
			caps[depth] += caps[depth + 1];
		}
	}
	if (k > size + 1)
		abort();	/* more tokens than bytes */
	(void)lt_rxlex_next(&lx, &p);
	if (p.kind != t.kind)
		abort();	/* the last token repeats */
	code = pcre2_compile((PCRE2_SPTR)data, size, PCRE2_UTF |
	    PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &err, &eoff,
	    NULL);
	if (code == NULL)
		return 0;
	if (t.kind == LT_RX_ERROR)
		abort();	/* PCRE2 compiled it */
	if (t.kind == LT_RX_END) {
		(void)pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &want);
		if (depth != 0 || caps[0] != want)
			abort();
	}
	pcre2_code_free(code);
	return 0;
}

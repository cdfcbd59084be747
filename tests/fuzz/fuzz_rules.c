/*
 * fuzz_rules.c - the rule parser and compiler on arbitrary text.
 *
 * Whatever the bytes, parsing must end with a ruleset or with
 * diagnostics, never a crash, a leak or unbounded work; a ruleset that
 * compiles is then used once, so the scanner meets odd patterns too.
 */
#include <stdint.h>
#include <string.h>

#include "logtriage/rules.h"
#include "logtriage/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
ignore(void *ctx, const struct lt_error *e)
{
	(void)ctx;
	(void)e;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char line[] = "error: no space left on device \xff\x00 x";
	struct lt_rules *b = lt_rules_new(ignore, NULL);
	struct lt_ruleset *rs = NULL;
	struct lt_scanner *sc;
	struct lt_scan_note note;
	struct lt_hit hit;

	if (b == NULL)
		return 0;
	lt_rules_add_buffer(b, "fuzz.rules", (const char *)data, size);
	if (lt_rules_compile(b, NULL, &rs) == LT_OK &&
	    (sc = lt_scanner_new(rs)) != NULL) {
		lt_scanner_scan(sc, line, sizeof line - 1, &hit, &note);
		lt_scanner_free(sc);
	}
	lt_ruleset_free(rs);
	lt_rules_free(b);
	return 0;
}

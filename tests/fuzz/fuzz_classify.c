/*
 * fuzz_classify.c - the whole classify path on arbitrary input: split,
 * normalise, match with the default rules, redact, rank, write JSON.
 *
 * The input is fed in two pieces (split at its first byte's value) so a
 * line straddling two feeds is exercised too, at the default max_line.
 * When the first byte's high bit is set, the rest of the input is
 * repeated into one line a little longer than max_line: full-length
 * lines (the shape of a ReDoS, and of truncation) from a small input.
 * Every output byte must form valid UTF-8, and no default rule may need
 * a match limit or the line budget; the harness checks both itself, so a
 * fuzzer finds bad output and slow rules, not just crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logtriage/buf.h"
#include "logtriage/lines.h"
#include "logtriage/rules.h"
#include "logtriage/emit.h"
#include "logtriage/triage.h"
#include "logtriage/verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lt_ruleset *rules;

static enum lt_status
sink(void *ctx, const char *p, size_t n)
{
	return lt_buf_add(ctx, p, n);
}

/* 1 when p[0..n) is valid UTF-8 with no raw control byte but \n. */
static int
valid_output(const unsigned char *p, size_t n)
{
	size_t i = 0, k, j;

	while (i < n) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 && p[i] != '\n')
				return 0;
			i++;
			continue;
		}
		k = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : p[i] >= 0xc2 ? 2 : 0;
		if (k == 0 || p[i] > 0xf4 || i + k > n)
			return 0;
		for (j = 1; j < k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_triage_opts o;
	struct lt_emit_opts eo;
	struct lt_emitter *json;
	struct lt_triage *t;
	struct lt_buf out;
	size_t cut;

	if (rules == NULL) {
		struct lt_rules *b = lt_rules_new(NULL, NULL);

		lt_rules_add_defaults(b);
		lt_rules_compile(b, NULL, &rules);
		lt_rules_free(b);
		if (rules == NULL)
			abort();
	}
	lt_buf_init(&out, (size_t)256 << 20);
	lt_triage_opts_init(&o);
	o.max_line = LT_MAX_LINE_DEFAULT;
	o.write = sink;
	o.write_ctx = &out;
	lt_emit_opts_init(&eo);
	if ((json = lt_emit_json_new(rules, &eo)) == NULL ||
	    (t = lt_triage_new(rules, &o)) == NULL ||
	    lt_triage_add_emitter(t, json) != LT_OK)
		abort();
	lt_triage_begin(t, "fuzz");
	if (size > 1 && (data[0] & 0x80)) {
		size_t k, len = LT_MAX_LINE_DEFAULT + 16;
		char *line = malloc(len);

		if (line == NULL)
			abort();
		for (k = 0; k < len; k++) {	/* one line: no newline in it */
			line[k] = (char)data[1 + k % (size - 1)];
			if (line[k] == '\n')
				line[k] = ' ';
		}
		lt_triage_feed(t, line, len);
		free(line);
	} else {
		cut = size > 0 ? data[0] % (size + 1) : 0;
		lt_triage_feed(t, data, cut);
		lt_triage_feed(t, data + cut, size - cut);
	}
	lt_triage_end(t, NULL);
	lt_triage_finish(t);
	if (!valid_output((const unsigned char *)out.p, out.len))
		abort();
	if (lt_verdict_counts_const(lt_triage_verdict(t))->limit_hits > 0)
		abort();	/* a default rule that is not linear */
	lt_triage_free(t);
	lt_emitter_free(json);
	lt_buf_free(&out);
	return 0;
}

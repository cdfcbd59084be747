/*
 * classify.c - logtriage embedded in a program: classify standard input
 * and print the run's verdict in one line.
 *
 *   cc classify.c -o classify $(pkg-config --cflags --libs logtriage)
 *   ./classify < job.log             the embedded default rules
 *   ./classify my.rules < job.log    only the rules of these files or dirs
 *
 * Prints "clean", or "failure CATEGORY line N rule ID (SEVERITY)" for the
 * root cause; exits 0 when clean, 1 on a failure, 2 when something went
 * wrong.  The library writes nothing itself: output goes to a callback,
 * diagnostics to another; this program asks for no output but the
 * verdict, which it reads once the run is over.
 */
#include <stdio.h>

#include <logtriage/rules.h>
#include <logtriage/source.h>
#include <logtriage/triage.h>
#include <logtriage/verdict.h>

static void
diag(void *ctx, const struct lt_error *e)
{
	(void)ctx;
	fprintf(stderr, "classify: %s:%lu: %s\n", e->origin, e->line,
	    e->message);
}

static enum lt_status
discard(void *ctx, const char *p, size_t n)
{
	(void)ctx, (void)p, (void)n;
	return LT_OK;
}

int
main(int argc, char **argv)
{
	struct lt_rules *b = lt_rules_new(diag, NULL);
	struct lt_ruleset *rs = NULL;
	struct lt_triage *t = NULL;
	struct lt_compile_opts co;
	struct lt_triage_opts o;
	struct lt_error err;
	const struct lt_match *m;
	enum lt_status st;
	int i, rc = 2;

	if (b == NULL)
		goto out;
	st = argc > 1 ? LT_OK : lt_rules_add_defaults(b);
	for (i = 1; i < argc && st == LT_OK; i++)
		st = lt_rules_add_path(b, argv[i]);
	lt_compile_opts_init(&co);
	if (st != LT_OK || lt_rules_compile(b, &co, &rs) != LT_OK)
		goto out;

	lt_triage_opts_init(&o);
	o.write = discard;	/* no emitter: only the verdict below */
	o.diag = diag;
	if ((t = lt_triage_new(rs, &o)) == NULL ||
	    lt_triage_begin(t, "-") != LT_OK)
		goto out;
	lt_error_clear(&err);
	st = lt_triage_fd(t, 0, &err);
	if (st == LT_OK)
		st = lt_triage_end(t, &err);
	if (st != LT_OK) {
		fprintf(stderr, "classify: %s\n", err.message[0] ?
		    err.message : lt_status_str(st));
		goto out;
	}
	if (lt_triage_finish(t) != LT_OK)
		goto out;

	if ((m = lt_verdict_top(lt_triage_verdict(t), 0)) == NULL) {
		printf("clean\n");
		rc = 0;
	} else {
		const struct lt_rule_info *ri = lt_ruleset_rule(rs, m->rule);

		printf("failure %s line %llu rule %s (%s)\n", ri->category,
		    m->line, ri->id, lt_severity_name(ri->severity));
		rc = 1;
	}
out:
	lt_triage_free(t);
	lt_ruleset_free(rs);
	lt_rules_free(b);
	return rc;
}

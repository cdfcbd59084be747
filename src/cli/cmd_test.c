/*
 * cmd_test.c - `logtriage test`: rule regression against log fixtures.
 *
 * A fixture is NAME.log beside NAME.expect.json.  The log is classified
 * exactly as `logtriage --summary-only NAME.log` would (same library
 * path), and every key of the expect object must equal the same key of
 * the summary; nested objects compare the same way, key by key, so an
 * expect file says only what matters ({"verdict":"clean"}, or the cause's
 * category, rule and line).  One line is printed per failing fixture and
 * the run ends with "N passed, N failed".
 *
 * The coverage gate makes the fixture set keep up with the rules: every
 * rule under test must be the cause of at least one fixture, or the gate
 * fails naming the rule.  The rules under test are those of the -r files
 * when there are any (a site's rule author tests the site's rules against
 * the site's fixtures; the defaults are the project's, covered by the
 * project's own fixtures), else every loaded rule.  --bless writes expect
 * files from the current verdicts, for a person to review in the diff.
 *
 * --print-missed shows, for each failing fixture whose expect file names
 * the cause line, that line (the one the rules missed, as fail2ban-regex
 * prints its missed lines) and what the rules make of it on its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "logtriage/redact.h"
#include "logtriage/source.h"
#include "logtriage/triage.h"

#define MAX_FIXTURES 100000u
#define MAX_DEPTH 16
#define EXPECT_MAX (1u << 20)

static int
list_add(struct cli_list *l, const char *s)
{
	char *c;

	if (l->n >= MAX_FIXTURES)
		return -1;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		char **nv = realloc(l->v, ncap * sizeof *nv);

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	if ((c = strdup(s)) == NULL)
		return -1;
	l->v[l->n++] = c;
	return 0;
}

void
cli_list_free(struct cli_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Collect *.log files under path (or path itself); -1 on error. */
static int
collect(const char *path, int depth, struct cli_list *out)
{
	struct stat sb;
	struct dirent *de;
	struct cli_list names = { 0 };
	char full[4096];
	DIR *d;
	size_t i;
	int rc = 0;

	if (stat(path, &sb) != 0) {
		cli_warn("%s: error: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return list_add(out, path);
	if (depth > MAX_DEPTH) {
		cli_warn("%s: error: directories nested deeper than %d", path,
		    MAX_DEPTH);
		return -1;
	}
	if ((d = opendir(path)) == NULL) {
		cli_warn("%s: error: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && list_add(&names, de->d_name) != 0) {
			rc = -1;
			break;
		}
	closedir(d);
	if (rc == 0 && names.n > 0)
		qsort(names.v, names.n, sizeof *names.v, cmp_name);
	for (i = 0; rc == 0 && i < names.n; i++) {
		if ((size_t)snprintf(full, sizeof full, "%s/%s", path,
		    names.v[i]) >= sizeof full) {
			cli_warn("%s: error: path too long", path);
			rc = -1;
			break;
		}
		if (stat(full, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			rc = collect(full, depth + 1, out);
		else if (ends_with(full, ".log"))
			rc = list_add(out, full);
	}
	cli_list_free(&names);
	return rc;
}

static enum lt_status
to_buf(void *ctx, const char *p, size_t n)
{
	return lt_buf_add(ctx, p, n);
}

/* Classify one file into a parsed summary; NULL on error (reported). */
static cJSON *
classify(const struct lt_ruleset *rs, const char *path)
{
	struct lt_triage_opts o;
	struct lt_emit_opts eo;
	struct lt_emitter *json = NULL;
	struct lt_triage *t = NULL;
	struct lt_error err;
	struct lt_buf out;
	cJSON *summary = NULL;
	int fd = -1;

	lt_buf_init(&out, (size_t)256 << 20);
	lt_triage_opts_init(&o);
	o.write = to_buf;
	o.write_ctx = &out;
	lt_emit_opts_init(&eo);
	eo.matches = 0;	/* the summary only */
	if ((json = lt_emit_json_new(rs, &eo)) == NULL ||
	    (t = lt_triage_new(rs, &o)) == NULL ||
	    lt_triage_add_emitter(t, json) != LT_OK)
		goto out;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		cli_warn("%s: error: cannot open: %s", path, strerror(errno));
		goto out;
	}
	lt_error_clear(&err);
	if (lt_triage_begin(t, path) != LT_OK ||
	    lt_triage_fd(t, fd, &err) != LT_OK ||
	    lt_triage_end(t, &err) != LT_OK || lt_triage_finish(t) != LT_OK) {
		cli_warn("%s: error: %s", path, err.message[0] ? err.message :
		    "classification failed");
		goto out;
	}
	summary = cJSON_ParseWithLength(out.p, out.len);
out:
	if (fd >= 0)
		close(fd);
	lt_triage_free(t);
	lt_emitter_free(json);
	lt_buf_free(&out);
	return summary;
}

static char *slurp(const char *path, size_t *len);
static void say(const char *fmt, ...) CLI_PRINTF(1, 2);

/* A string member of o, or "?". */
static const char *
str_of(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(o, key));

	return v != NULL ? v : "?";
}

/* Is origin the rule file path, or a file of the rule directory path? */
static int
from_path(const char *origin, const char *path)
{
	size_t n = strlen(path);

	if (strncmp(origin, path, n) != 0)
		return 0;
	if (origin[n] == '\0')
		return 1;
	if (n > 0 && path[n - 1] == '/')
		return strchr(origin + n, '/') == NULL;
	return origin[n] == '/' && strchr(origin + n + 1, '/') == NULL;
}

/* Does the coverage gate count rule ri? */
static int
under_test(const struct cli *c, const struct lt_rule_info *ri)
{
	size_t i;

	if (c->n_rule_paths == 0)
		return 1;
	for (i = 0; i < c->n_rule_paths; i++)
		if (from_path(ri->origin, c->rule_paths[i]))
			return 1;
	return 0;
}

/*
 * The rule and category the rules give text (one line) on its own, as
 * "RULE (CATEGORY)" in out; "" when no rule matches it.
 */
static void
line_rule(const struct lt_ruleset *rs, const char *text, size_t len,
    char *out, size_t size)
{
	cJSON *m = cli_line_match(rs, text, len);

	out[0] = '\0';
	if (m != NULL)
		snprintf(out, size, "%s (%s)", str_of(m, "rule"),
		    str_of(m, "category"));
	cJSON_Delete(m);
}

/*
 * --print-missed: the fixture's expected cause line, and what the rules
 * make of it alone.
 */
static void
print_missed(const struct lt_ruleset *rs, const char *log, const cJSON *want)
{
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(want, "cause"), "line");
	struct lt_redactor *red = NULL;
	char *text = NULL, rule[512];
	const char *p, *nl, *end, *shown;
	size_t len = 0, n, k, sn;

	if (!cJSON_IsNumber(line) || line->valuedouble < 1 ||
	    (text = slurp(log, &len)) == NULL)
		goto out;
	n = (size_t)line->valuedouble;
	for (p = text, end = text + len, k = 1; p < end && k < n; k++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto out;
		p = nl + 1;
	}
	if (p >= end)
		goto out;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		nl = end;
	if (nl > p && nl[-1] == '\r')
		nl--;
	line_rule(rs, p, (size_t)(nl - p), rule, sizeof rule);
	/* secrets are replaced, as in every output */
	shown = p;
	sn = (size_t)(nl - p);
	if ((red = lt_redactor_new(rs)) == NULL ||
	    lt_redactor_apply(red, p, sn, &shown, &sn, NULL, 0) != LT_OK) {
		shown = "[REDACTED]";
		sn = strlen(shown);
	}
	/* say() makes the text safe for a terminal and the runner */
	say("  missed %s:%zu: %.*s%s", log, n, (int)(sn > 400 ? 400 : sn),
	    shown, sn > 400 ? " [...]" : "");
	say("    on its own: %s", rule[0] ? rule : "no rule matches it");
out:
	lt_redactor_free(red);
	free(text);
}

/* Read a whole small file; NULL when missing (errno set). */
static char *
slurp(const char *path, size_t *len)
{
	struct lt_buf b;
	char chunk[8192];
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	lt_buf_init(&b, EXPECT_MAX);
	while ((got = read(fd, chunk, sizeof chunk)) > 0)
		if (lt_buf_add(&b, chunk, (size_t)got) != LT_OK) {
			got = -1;
			break;
		}
	close(fd);
	if (got < 0) {
		lt_buf_free(&b);
		errno = EFBIG;
		return NULL;
	}
	*len = b.len;
	if (b.p == NULL)
		return strdup("");
	return b.p;
}

/*
 * Does got hold every key of want with an equal value?  On a difference,
 * writes its path and values into diff.
 */
static int
subset(const cJSON *want, const cJSON *got, char *path, size_t psize,
    char *diff, size_t dsize)
{
	const cJSON *w;
	size_t plen = strlen(path);
	char *ws, *gs;

	if (cJSON_IsObject(want) && cJSON_IsObject(got)) {
		cJSON_ArrayForEach(w, want) {
			snprintf(path + plen, psize - plen, "%s%s",
			    plen ? "." : "", w->string);
			if (!subset(w, cJSON_GetObjectItemCaseSensitive(got,
			    w->string), path, psize, diff, dsize))
				return 0;
			path[plen] = '\0';
		}
		return 1;
	}
	if (got != NULL && cJSON_Compare(want, got, 1))
		return 1;
	ws = cJSON_PrintUnformatted(want);
	gs = got ? cJSON_PrintUnformatted(got) : NULL;
	snprintf(diff, dsize, "%s: expected %s, got %s", path[0] ? path :
	    "(top)", ws ? ws : "?", gs ? gs : "nothing");
	free(ws);
	free(gs);
	return 0;
}

static char *
expect_path(const char *log)
{
	size_t n = strlen(log) - 4;	/* ".log" */
	char *p = malloc(n + sizeof ".expect.json");

	if (p != NULL) {
		memcpy(p, log, n);
		memcpy(p + n, ".expect.json", sizeof ".expect.json");
	}
	return p;
}

static int
bless(const char *path, const cJSON *summary)
{
	const cJSON *cause = cJSON_GetObjectItemCaseSensitive(summary, "cause");
	cJSON *e = cJSON_CreateObject(), *c;
	char *s = NULL;
	FILE *f = NULL;
	int rc = -1;

	if (e == NULL)
		goto out;
	cJSON_AddItemToObject(e, "verdict", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(summary, "verdict"), 1));
	if (cJSON_IsObject(cause)) {
		c = cJSON_AddObjectToObject(e, "cause");
		cJSON_AddItemToObject(c, "category", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(cause, "category"), 1));
		cJSON_AddItemToObject(c, "rule", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(cause, "rule"), 1));
		cJSON_AddItemToObject(c, "line", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(cause, "line"), 1));
	}
	if ((s = cJSON_PrintUnformatted(e)) == NULL)
		goto out;
	if ((f = fopen(path, "w")) == NULL ||
	    fprintf(f, "%s\n", s) < 0) {
		cli_warn("%s: error: cannot write: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	free(s);
	cJSON_Delete(e);
	return rc;
}

static void
describe_cause(const cJSON *summary, char *buf, size_t size)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(summary, "cause");
	const char *rule, *text;

	if (!cJSON_IsObject(c)) {
		snprintf(buf, size, "verdict clean");
		return;
	}
	rule = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c,
	    "rule"));
	text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c,
	    "text"));
	snprintf(buf, size, "cause %s at line %.0f: %.120s", rule ? rule : "?",
	    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "line")),
	    text ? text : "");
}

/*
 * One line of the report on standard output.  It quotes fixture text (the
 * cause's line), so it goes out as -o text writes log text: controls as
 * \xNN, invisible code points escaped, no workflow command.
 */
static void CLI_PRINTF(1, 2)
say(const char *fmt, ...)
{
	char line[4096];
	struct lt_buf b;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	lt_buf_init(&b, 16 * sizeof line);
	if (lt_emit_text_safe(&b, line, strlen(line)) == LT_OK && b.len > 0)
		fwrite(b.p, 1, b.len, stdout);
	fputc('\n', stdout);
	lt_buf_free(&b);
}

int
cli_cmd_test(const struct cli *c, const struct lt_ruleset *rs)
{
	static char *dflt[] = { "fixtures" };
	struct cli_list files = { 0 };
	char **ops = c->files;
	size_t nops = c->n_files, i, passed = 0, failed = 0, n_rules;
	unsigned char *covered = NULL;
	char path[512], diff[1024], why[256];
	int rc = EXIT_USAGE;

	if (nops == 0) {
		ops = dflt;
		nops = 1;
	}
	for (i = 0; i < nops; i++)
		if (collect(ops[i], 0, &files) != 0)
			goto out;
	n_rules = lt_ruleset_count(rs);
	if ((covered = calloc(n_rules ? n_rules : 1, 1)) == NULL)
		goto out;
	for (i = 0; i < files.n; i++) {
		const char *log = files.v[i];
		char *xp = expect_path(log), *xtext = NULL;
		cJSON *summary = classify(rs, log), *want = NULL;
		const char *rule;
		size_t k, xlen;
		int ok = 0;

		if (xp == NULL || summary == NULL)
			goto next;
		rule = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(summary, "cause"), "rule"));
		for (k = 0; rule != NULL && k < n_rules; k++)
			if (strcmp(lt_ruleset_rule(rs, k)->id, rule) == 0)
				covered[k] = 1;
		if (c->bless) {
			ok = bless(xp, summary) == 0;
			goto next;
		}
		if ((xtext = slurp(xp, &xlen)) == NULL) {
			say("FAIL %s: no expect file %s (%s)", log, xp,
			    strerror(errno));
			goto next;
		}
		if ((want = cJSON_ParseWithLength(xtext, xlen)) == NULL ||
		    !cJSON_IsObject(want)) {
			say("FAIL %s: %s is not a JSON object", log, xp);
			goto next;
		}
		path[0] = '\0';
		if (!(ok = subset(want, summary, path, sizeof path, diff,
		    sizeof diff))) {
			describe_cause(summary, why, sizeof why);
			say("FAIL %s: %s (%s)", log, diff, why);
			if (c->print_missed)
				print_missed(rs, log, want);
		}
next:
		if (ok)
			passed++;
		else
			failed++;
		cJSON_Delete(want);
		cJSON_Delete(summary);
		free(xtext);
		free(xp);
	}
	if (c->coverage && files.n > 0) {
		size_t missing = 0;

		for (i = 0; i < n_rules; i++)
			if (!covered[i] && under_test(c, lt_ruleset_rule(rs, i))) {
				printf("FAIL coverage: rule %s has no sample "
				    "(no fixture has it as the cause)\n",
				    lt_ruleset_rule(rs, i)->id);
				missing++;
			}
		if (missing)
			failed++;
		else
			passed++;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	fflush(stdout);
	rc = failed || files.n == 0 ? EXIT_FAILURE_FOUND : EXIT_CLEAN;
	if (files.n == 0)
		cli_warn("test: error: no fixtures (*.log) found");
out:
	free(covered);
	cli_list_free(&files);
	return rc;
}

int
cli_collect_logs(const char *path, struct cli_list *out)
{
	return collect(path, 0, out);
}

/* Classify one sample file into t (already configured). */
static int
feed_file(struct lt_triage *t, const char *path)
{
	struct lt_error err;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		cli_warn("%s: error: cannot open: %s", path, strerror(errno));
		return -1;
	}
	lt_error_clear(&err);
	if (lt_triage_begin(t, path) == LT_OK &&
	    lt_triage_fd(t, fd, &err) == LT_OK &&
	    lt_triage_end(t, &err) == LT_OK)
		rc = 0;
	else
		cli_warn("%s: error: %s", path, err.message[0] ? err.message :
		    "classification failed");
	close(fd);
	return rc;
}

static enum lt_status
discard(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return LT_OK;
}

int
cli_lint_samples(const struct cli *c, const struct lt_ruleset *rs,
    size_t *warnings)
{
	struct cli_list files = { 0 };
	struct lt_triage_opts o;
	struct lt_triage *t = NULL;
	struct lt_rule_stats st;
	struct lt_error e;
	size_t i;
	int rc = -1;

	for (i = 0; i < c->n_files; i++)
		if (collect(c->files[i], 0, &files) != 0)
			goto out;
	lt_triage_opts_init(&o);
	o.write = discard;	/* no emitter: only the rules' statistics */
	o.rule_stats = 1;
	if ((t = lt_triage_new(rs, &o)) == NULL) {
		cli_warn("error: out of memory");
		goto out;
	}
	for (i = 0; i < files.n; i++)
		if (feed_file(t, files.v[i]) != 0)
			goto out;
	for (i = 0; i < lt_ruleset_count(rs); i++) {
		const struct lt_rule_info *r = lt_ruleset_rule(rs, i);

		lt_triage_rule_stats(t, i, &st);
		lt_error_clear(&e);
		e.level = LT_LEVEL_WARNING;
		snprintf(e.origin, sizeof e.origin, "%s", r->origin);
		e.line = r->line;
		if (st.fired == 0)
			snprintf(e.message, sizeof e.message, "rule '%s' never "
			    "fires on the %zu sample files", r->id, files.n);
		else if (st.won == 0)
			snprintf(e.message, sizeof e.message, "rule '%s' is "
			    "shadowed: on all %llu sample lines it matches, a "
			    "higher-ranked rule wins (first '%s')", r->id,
			    st.fired, lt_ruleset_rule(rs, st.winner)->id);
		else
			continue;
		cli_error_report(&e);
		(*warnings)++;
	}
	rc = 0;
out:
	lt_triage_free(t);
	cli_list_free(&files);
	return rc;
}

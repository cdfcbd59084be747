/*
 * cmd_runbook.c - the runbooks, for the person on call and for lint.
 *
 * Every category names a runbook; the default rules name pages of the
 * source tree's runbooks/ ("runbooks/disk-space.md").  Those pages are
 * embedded in the executable at build time, as the default rules are, so
 * that `logtriage runbook disk_space` prints the page from a build tree,
 * a container or a copied binary alike, always the page that goes with
 * the rules in use.  `cmake --install` also puts them under
 * share/doc/logtriage/runbooks (LT_DOCDIR), and that installed file is
 * where a verdict's link points unless a runbook base is set: the CLI
 * loads the default rules with LT_DOCDIR as their runbook base (main.c).
 * `--path` prints that link instead of the page.
 *
 * A site category's runbook is whatever its rule file says: a URL (which
 * cannot be printed, only named), an absolute path, or a path relative
 * to where logtriage runs or to its rule file.  lint checks that every
 * local runbook exists, looking where the page command looks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "logtriage/buf.h"
#include "logtriage/emit.h"
#include "util/suggest.h"

#ifndef LT_DOCDIR
#define LT_DOCDIR "/usr/local/share/doc/logtriage"
#endif

#define MISSING_MAX 1000	/* runbook errors reported by lint */
#define PAGE_MAX ((size_t)16 << 20)	/* a runbook file printed whole */

const char *
cli_runbook_base(const struct cli *c, int *given)
{
	const char *env = getenv("LOGTRIAGE_RUNBOOK_BASE");

	*given = 1;
	if (c->runbook_base != NULL)
		return c->runbook_base[0] != '\0' ? c->runbook_base : NULL;
	if (env != NULL)
		return env[0] != '\0' ? env : NULL;
	*given = 0;
	return NULL;
}

static int
is_url(const char *s)
{
	return strstr(s, "://") != NULL;
}

/* The embedded page of a relative runbook path, or NULL. */
static const struct cli_embedded_file *
embedded(const char *runbook)
{
	size_t i;

	while (runbook[0] == '.' && runbook[1] == '/')
		runbook += 2;
	for (i = 0; i < cli_runbooks_count; i++)
		if (strcmp(cli_runbooks[i].name, runbook) == 0)
			return &cli_runbooks[i];
	return NULL;
}

static int
is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/*
 * Where a local runbook is: the path itself (absolute, or relative to
 * the working directory), else relative to the rule file's directory or
 * to its parent (a repository with rules/ beside runbooks/, the layout
 * of the default rules).  0 and the path in out, or -1.
 */
static int
locate(const char *runbook, const char *origin, struct lt_buf *out)
{
	const char *slash;
	size_t dir;
	int up;

	lt_buf_reset(out);
	if (lt_buf_adds(out, runbook) != LT_OK)
		return -1;
	if (is_file(out->p))
		return 0;
	if (runbook[0] == '/' || origin == NULL ||
	    (slash = strrchr(origin, '/')) == NULL)
		return -1;
	dir = (size_t)(slash - origin);
	for (up = 0; up < 2; up++) {
		lt_buf_reset(out);
		if (lt_buf_addf(out, "%.*s/%s%s", (int)dir, origin,
		    up ? "../" : "", runbook) != LT_OK)
			return -1;
		if (is_file(out->p))
			return 0;
	}
	return -1;
}

size_t
cli_lint_runbooks(const struct lt_ruleset *rs)
{
	const char *missing[MISSING_MAX];
	size_t n_missing = 0, errors = 0, i, j;
	const struct lt_rule_info *ri;
	struct lt_buf path;
	struct lt_error e;

	lt_buf_init(&path, 8192);
	for (i = 0; i < lt_ruleset_count(rs); i++) {
		ri = lt_ruleset_rule(rs, i);
		if (ri->runbook[0] == '\0' || is_url(ri->runbook))
			continue;
		if ((ri->runbook[0] != '/' && embedded(ri->runbook)) ||
		    locate(ri->runbook, ri->origin, &path) == 0)
			continue;
		errors++;
		for (j = 0; j < n_missing; j++)
			if (strcmp(missing[j], ri->runbook) == 0)
				break;
		if (j < n_missing || n_missing == MISSING_MAX)
			continue;	/* one message per missing page */
		missing[n_missing++] = ri->runbook;
		lt_error_clear(&e);
		e.status = LT_ERR_IO;
		e.level = LT_LEVEL_ERROR;
		snprintf(e.origin, sizeof e.origin, "%s", ri->origin);
		e.line = ri->line;
		snprintf(e.message, sizeof e.message, "rule '%s': runbook '%s' "
		    "does not exist (not a page of runbooks/, nor a file %s)",
		    ri->id, ri->runbook, ri->runbook[0] == '/' ? "there" :
		    "under the working directory, the rule file's directory "
		    "or its parent");
		cli_error_report(&e);
	}
	lt_buf_free(&path);
	return errors;
}

/* The link a verdict gives for runbook, into out. */
static enum lt_status
link_of(const struct cli *c, const char *runbook, struct lt_buf *out)
{
	int given;
	const char *base = cli_runbook_base(c, &given);

	lt_buf_reset(out);
	if (given)
		return lt_emit_runbook(out, runbook, base);
	if (runbook[0] != '/' && !is_url(runbook) && embedded(runbook) != NULL)
		return lt_emit_runbook(out, runbook, LT_DOCDIR);
	return lt_buf_adds(out, runbook);
}

static int
write_all(const void *p, size_t n)
{
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

/* Print a local runbook file whole. */
static int
print_file(const char *path)
{
	char chunk[65536];
	size_t total = 0;
	ssize_t got;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		cli_warn("%s: error: cannot open: %s", path, strerror(errno));
		return EXIT_INPUT;
	}
	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			cli_warn("%s: error: read error: %s", path,
			    strerror(errno));
			rc = EXIT_INPUT;
			break;
		}
		if (got == 0 || (total += (size_t)got) > PAGE_MAX)
			break;
		if (write_all(chunk, (size_t)got) != 0) {
			rc = EXIT_INPUT;
			break;
		}
	}
	close(fd);
	return rc;
}

/* The category named arg ('-' read as '_'), or NULL after a message. */
static const struct lt_category_info *
find_category(const struct lt_ruleset *rs, const char *arg)
{
	size_t i, j, n = lt_ruleset_category_count(rs);
	const struct lt_category_info *ci;
	const char **names = NULL, *hint;
	char want[LT_SUGGEST_MAX_LEN + 1];

	for (j = 0; arg[j] != '\0' && j < LT_SUGGEST_MAX_LEN; j++)
		want[j] = arg[j] == '-' ? '_' : arg[j];
	want[j] = '\0';
	for (i = 0; i < n; i++) {
		ci = lt_ruleset_category(rs, i);
		if (strcmp(ci->name, arg) == 0 || strcmp(ci->name, want) == 0)
			return ci;
	}
	if (n > 0 && (names = calloc(n, sizeof *names)) != NULL)
		for (i = 0; i < n; i++)
			names[i] = lt_ruleset_category(rs, i)->name;
	hint = names ? lt_suggest(want, strlen(want), names, n) : NULL;
	if (hint != NULL)
		cli_warn("error: no category '%s'; did you mean '%s'?", arg,
		    hint);
	else
		cli_warn("error: no category '%s' (`logtriage runbook` lists "
		    "them)", arg);
	free(names);
	return NULL;
}

/* The rule file of a rule that has the category's runbook, or NULL. */
static const char *
origin_of(const struct lt_ruleset *rs, const struct lt_category_info *ci)
{
	const struct lt_rule_info *ri;
	size_t i;

	for (i = 0; i < lt_ruleset_count(rs); i++) {
		ri = lt_ruleset_rule(rs, i);
		if (strcmp(ri->category, ci->name) == 0 &&
		    strcmp(ri->runbook, ci->runbook) == 0)
			return ri->origin;
	}
	return NULL;
}

/* Every category and its runbook link, tab-separated. */
static int
list(const struct cli *c, const struct lt_ruleset *rs)
{
	struct lt_buf link;
	size_t i;
	int rc = EXIT_CLEAN;

	lt_buf_init(&link, 1 << 20);
	for (i = 0; i < lt_ruleset_category_count(rs); i++) {
		const struct lt_category_info *ci = lt_ruleset_category(rs, i);

		if (link_of(c, ci->runbook, &link) != LT_OK ||
		    printf("%s\t%.*s\n", ci->name, (int)link.len,
		    link.p ? link.p : "") < 0) {
			rc = EXIT_INPUT;
			break;
		}
	}
	lt_buf_free(&link);
	return rc;
}

int
cli_cmd_runbook(const struct cli *c, const struct lt_ruleset *rs)
{
	const struct lt_category_info *ci;
	const struct cli_embedded_file *page;
	struct lt_buf buf;
	int rc = EXIT_CLEAN;

	if (c->n_files > 1) {
		cli_warn("error: runbook: one CATEGORY at a time");
		return EXIT_USAGE;
	}
	if (c->n_files == 0)
		rc = list(c, rs);
	else if ((ci = find_category(rs, c->files[0])) == NULL)
		return EXIT_USAGE;
	else if (ci->runbook[0] == '\0') {
		cli_warn("error: category '%s' names no runbook", ci->name);
		return EXIT_INPUT;
	} else if (c->runbook_path) {
		lt_buf_init(&buf, 1 << 20);
		if (link_of(c, ci->runbook, &buf) != LT_OK ||
		    write_all(buf.p, buf.len) != 0 || write_all("\n", 1) != 0)
			rc = EXIT_INPUT;
		else if (!is_url(buf.p) && !is_file(buf.p))
			cli_warn("warning: %s does not exist (not installed?); "
			    "`logtriage runbook %s` prints the page", buf.p,
			    ci->name);
		lt_buf_free(&buf);
	} else if (ci->runbook[0] != '/' && (page = embedded(ci->runbook))) {
		if (write_all(page->data, page->len) != 0)
			rc = EXIT_INPUT;
	} else if (is_url(ci->runbook)) {
		/* a link cannot be printed: name it, for a browser or curl */
		if (write_all(ci->runbook, strlen(ci->runbook)) != 0 ||
		    write_all("\n", 1) != 0)
			rc = EXIT_INPUT;
		cli_warn("note: the runbook of '%s' is a link; open it in a "
		    "browser", ci->name);
	} else {
		lt_buf_init(&buf, 1 << 20);
		if (locate(ci->runbook, origin_of(rs, ci), &buf) != 0) {
			cli_warn("%s: error: the runbook of '%s' does not exist",
			    ci->runbook, ci->name);
			rc = EXIT_INPUT;
		} else {
			rc = print_file(buf.p);
		}
		lt_buf_free(&buf);
	}
	if (fflush(stdout) != 0 && rc == EXIT_CLEAN) {
		cli_warn("error: write to standard output: %s", strerror(errno));
		rc = EXIT_INPUT;
	}
	return rc;
}

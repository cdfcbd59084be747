/*
 * config.c - which rule files a run reads, and in what order.
 *
 * After the default rules come, unless --no-config:
 *   1. the system directory, /etc/logtriage/rules.d (LT_SYSCONFDIR at
 *      build time; $LOGTRIAGE_SYSCONFDIR in its place, for tests and
 *      relocated installs),
 *   2. the user's, $XDG_CONFIG_HOME/logtriage/rules.d (~/.config when
 *      XDG_CONFIG_HOME is unset, empty or relative, as the XDG base
 *      directory specification says),
 *   3. each path of $LOGTRIAGE_RULES, colon-separated, in order,
 * and then the -r paths.  A later rule with the ID of an earlier one
 * replaces it, so the user's files override the system's and -r overrides
 * both: the order a site expects from /etc, ~/.config and the command
 * line.  A missing configuration directory is no error (most machines
 * have none); a path named in LOGTRIAGE_RULES or -r must exist.
 *
 * `logtriage test` reads no configuration: a regression run must give the
 * same result on every machine, with exactly the defaults and its -r.
 *
 * A directory's files that are not *.rules are skipped, and each skip is
 * said on stderr: a file named x.rule or site.rules.txt is a rule file
 * that was meant to be read.  Names starting with '.' are skipped
 * silently (editor and VCS files).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "logtriage/buf.h"

#ifndef LT_SYSCONFDIR
#define LT_SYSCONFDIR "/etc"
#endif

#define SKIP_WARN_MAX 100	/* skipped files named per directory */

static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Say which files of directory dir are not read, and why. */
static void
warn_skipped(const char *dir)
{
	struct lt_buf full;
	struct dirent *de;
	struct stat sb;
	size_t len, n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;		/* lt_rules_add_path reports it */
	lt_buf_init(&full, 1 << 16);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || (len >= 7 &&
		    strcmp(de->d_name + len - 6, ".rules") == 0))
			continue;
		lt_buf_reset(&full);
		if (lt_buf_addf(&full, "%s%s%s", dir, dir[strlen(dir) - 1] ==
		    '/' ? "" : "/", de->d_name) != LT_OK ||
		    stat(full.p, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (++n > SKIP_WARN_MAX)
			break;
		cli_warn("%s: warning: skipped: not named *.rules", full.p);
	}
	if (n > SKIP_WARN_MAX)
		cli_warn("%s: warning: more files skipped", dir);
	lt_buf_free(&full);
	closedir(d);
}

/* A path given by the user (-r, LOGTRIAGE_RULES). */
static void
add_path(struct lt_rules *b, const char *path)
{
	if (is_dir(path))
		warn_skipped(path);
	(void)lt_rules_add_path(b, path);
}

/* A configuration directory: read when it exists. */
static void
add_config_dir(struct lt_rules *b, const char *base, const char *sub)
{
	struct lt_buf dir;

	lt_buf_init(&dir, 1 << 16);
	if (lt_buf_addf(&dir, "%s%s%s", base, base[0] != '\0' &&
	    base[strlen(base) - 1] == '/' ? "" : "/", sub) == LT_OK &&
	    is_dir(dir.p))
		add_path(b, dir.p);
	lt_buf_free(&dir);
}

void
cli_add_rule_paths(const struct cli *c, struct lt_rules *b)
{
	const char *sys, *xdg, *home, *env, *p, *colon;
	struct lt_buf one;
	size_t i;

	if (!c->no_config && c->cmd != CMD_TEST) {
		sys = getenv("LOGTRIAGE_SYSCONFDIR");
		add_config_dir(b, sys != NULL && sys[0] != '\0' ? sys :
		    LT_SYSCONFDIR, "logtriage/rules.d");
		xdg = getenv("XDG_CONFIG_HOME");
		home = getenv("HOME");
		if (xdg != NULL && xdg[0] == '/')
			add_config_dir(b, xdg, "logtriage/rules.d");
		else if (home != NULL && home[0] == '/')
			add_config_dir(b, home, ".config/logtriage/rules.d");
		if ((env = getenv("LOGTRIAGE_RULES")) != NULL) {
			lt_buf_init(&one, 1 << 16);
			for (p = env; *p != '\0'; p = *colon ? colon + 1 :
			    colon) {
				colon = p + strcspn(p, ":");
				if (colon == p)
					continue;	/* "a::b", a trailing ':' */
				lt_buf_reset(&one);
				if (lt_buf_add(&one, p, (size_t)(colon - p)) ==
				    LT_OK && lt_buf_addc(&one, '\0') == LT_OK)
					add_path(b, one.p);
			}
			lt_buf_free(&one);
		}
	}
	for (i = 0; i < c->n_rule_paths; i++)
		add_path(b, c->rule_paths[i]);
}

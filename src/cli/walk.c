/*
 * walk.c - the operands as a list of inputs: with -R, a directory stands
 * for the regular files under it.
 *
 * grep -r is the model: the walk is depth first, each directory's entries
 * in byte order of their names (so a run's order does not depend on the
 * locale or on the filesystem's order), and symbolic links met in the walk
 * are not followed (an operand that is a link to a directory is).  Other
 * operands pass through as they are, "-" included; a directory operand
 * without -R stays one, and reading it fails as an unreadable input.
 * Caps: CLI_WALK_FILES_MAX files, CLI_WALK_DEPTH_MAX levels.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define CLI_WALK_FILES_MAX 100000u
#define CLI_WALK_DEPTH_MAX 64

struct list {
	char **v;
	size_t n;
	size_t cap;
};

static int
add(struct list *l, const char *a, const char *b)
{
	size_t na = strlen(a), nb = b ? strlen(b) : 0;
	char *s;

	if (l->n >= CLI_WALK_FILES_MAX) {
		cli_warn("error: more than %u files to read", CLI_WALK_FILES_MAX);
		return -1;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, ncap * sizeof *nv);

		if (nv == NULL)
			goto nomem;
		l->v = nv;
		l->cap = ncap;
	}
	if ((s = malloc(na + nb + 2)) == NULL)
		goto nomem;
	memcpy(s, a, na);
	if (b != NULL) {
		s[na] = '/';
		memcpy(s + na + 1, b, nb);
		s[na + 1 + nb] = '\0';
	} else {
		s[na] = '\0';
	}
	l->v[l->n++] = s;
	return 0;
nomem:
	cli_warn("error: out of memory");
	return -1;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
walk(struct list *l, const char *dir, int depth)
{
	struct dirent **ents = NULL;
	struct stat sb;
	int n, i, rc = 0;
	char *path;

	if (depth > CLI_WALK_DEPTH_MAX) {
		cli_warn("%s: error: more than %d directory levels", dir,
		    CLI_WALK_DEPTH_MAX);
		return -1;
	}
	if ((n = scandir(dir, &ents, NULL, by_name)) < 0) {
		cli_warn("%s: error: cannot read directory: %s", dir,
		    strerror(errno));
		return add(l, dir, NULL);	/* reported again as unreadable */
	}
	for (i = 0; i < n && rc == 0; i++) {
		const char *name = ents[i]->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if ((rc = add(l, dir, name)) != 0)
			break;
		path = l->v[l->n - 1];
		if (lstat(path, &sb) != 0 || S_ISLNK(sb.st_mode) ||
		    !(S_ISDIR(sb.st_mode) || S_ISREG(sb.st_mode))) {
			free(l->v[--l->n]);	/* links, devices, sockets */
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			path = l->v[--l->n];
			rc = walk(l, path, depth + 1);
			free(path);
		}
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

int
cli_walk(char **ops, size_t n, char ***out, size_t *n_out)
{
	struct list l = { NULL, 0, 0 };
	struct stat sb;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(ops[i], "-") != 0 && stat(ops[i], &sb) == 0 &&
		    S_ISDIR(sb.st_mode)) {
			if (walk(&l, ops[i], 1) != 0)
				goto fail;
		} else if (add(&l, ops[i], NULL) != 0) {
			goto fail;
		}
	}
	*out = l.v;
	*n_out = l.n;
	return 0;
fail:
	cli_walk_free(l.v, l.n);
	return -1;
}

void
cli_walk_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

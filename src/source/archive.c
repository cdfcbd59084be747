/*
 * archive.c - compressed logs and archives of logs, read with libarchive.
 *
 * A log handed over as `job.log.gz` or as GitHub's zip of per-step logs
 * used to be read as binary and judged clean.  The CLI now looks at the
 * first bytes of every input (lt_archive_sniff: gzip, bzip2, xz, zstd,
 * lz4, zip, 7z magic numbers; tar only inside a compressed file) and hands
 * such an input here.  libarchive does the decompression and the formats
 * (a well-kept library for exactly this job): with every filter, the
 * tar, zip and 7z formats and the "raw" format, a compressed plain file
 * comes out as one entry, which stays the input's own source; each
 * regular member of an archive becomes a source "ARCHIVE:MEMBER" of its
 * own, so --per-file gives a verdict per job or step log.
 *
 * libarchive is loaded with dlopen() when the first such input appears
 * (util/dl.c), like libcurl: with its compressors and XML parser it would
 * otherwise double the libraries every run loads.
 *
 * GitHub's archive holds each job twice: the job's whole log as a
 * top-level "N_JOB.txt" and its steps again as "JOB/N_STEP.txt".  Read
 * both and every line counts twice (two matches, two verdicts for one
 * failure).  GitHub writes the job's file before its folder, so a member
 * under "JOB/" of a zip whose "N_JOB.txt" came earlier is skipped: each
 * line is read once, in the job's file, whose verdict is the job's.
 * (Step names are not lost: the job's log marks each step with
 * ##[group].)  Without the job file (older archives hold only the step
 * files) the step files are read as before.
 *
 * The bytes the CLI already read to sniff (from a pipe they cannot be
 * read again) are handed to libarchive first, through a read callback,
 * then the descriptor; so standard input works too.  Data is streamed in
 * READ_SIZE blocks: memory does not grow with the archive, and the caps
 * on members and expanded bytes bound the time a hostile archive can
 * take.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "logtriage/archive.h"
#include "logtriage/source.h"
#include "util/dl.h"
#include "util/util.h"

#define READ_SIZE (256u << 10)
#define NAME_MAX_BYTES 4096u
#define JOBS_MAX 256u		/* GitHub's cap on a matrix's jobs per run */

/* The libarchive functions used, from dlopen() (see dl.c). */
struct la {
	void *lib;
	struct archive *(*read_new)(void);
	int (*support_filter_all)(struct archive *);
	int (*support_format_tar)(struct archive *);
	int (*support_format_zip)(struct archive *);
	int (*support_format_7zip)(struct archive *);
	int (*support_format_raw)(struct archive *);
	int (*read_open)(struct archive *, void *, archive_open_callback *,
	    archive_read_callback *, archive_close_callback *);
	int (*next_header)(struct archive *, struct archive_entry **);
	int (*data_block)(struct archive *, const void **, size_t *,
	    la_int64_t *);
	int (*read_free)(struct archive *);
	const char *(*error_string)(struct archive *);
	void (*set_error)(struct archive *, int, const char *, ...);
	int (*format)(struct archive *);
	mode_t (*entry_filetype)(struct archive_entry *);
	const char *(*entry_pathname)(struct archive_entry *);
	int (*filter_count)(struct archive *);
};

static int
la_load(struct la *l, char *why, size_t size)
{
	static const char *const names[] = {
		"libarchive.so.13", "libarchive.so"
	};

	memset(l, 0, sizeof *l);
	if ((l->lib = lt_dl_open(names, LT_ARRAY_LEN(names), "libarchive",
	    why, size)) == NULL)
		return -1;
	if (LT_DL_SYM(l->lib, "archive_read_new", l->read_new) ||
	    LT_DL_SYM(l->lib, "archive_read_support_filter_all",
	    l->support_filter_all) ||
	    LT_DL_SYM(l->lib, "archive_read_support_format_tar",
	    l->support_format_tar) ||
	    LT_DL_SYM(l->lib, "archive_read_support_format_zip",
	    l->support_format_zip) ||
	    LT_DL_SYM(l->lib, "archive_read_support_format_7zip",
	    l->support_format_7zip) ||
	    LT_DL_SYM(l->lib, "archive_read_support_format_raw",
	    l->support_format_raw) ||
	    LT_DL_SYM(l->lib, "archive_read_open", l->read_open) ||
	    LT_DL_SYM(l->lib, "archive_read_next_header", l->next_header) ||
	    LT_DL_SYM(l->lib, "archive_read_data_block", l->data_block) ||
	    LT_DL_SYM(l->lib, "archive_read_free", l->read_free) ||
	    LT_DL_SYM(l->lib, "archive_error_string", l->error_string) ||
	    LT_DL_SYM(l->lib, "archive_set_error", l->set_error) ||
	    LT_DL_SYM(l->lib, "archive_format", l->format) ||
	    LT_DL_SYM(l->lib, "archive_entry_filetype", l->entry_filetype) ||
	    LT_DL_SYM(l->lib, "archive_entry_pathname", l->entry_pathname) ||
	    LT_DL_SYM(l->lib, "archive_filter_count", l->filter_count)) {
		snprintf(why, size, "libarchive lacks a function logtriage "
		    "uses");
		dlclose(l->lib);
		memset(l, 0, sizeof *l);
		return -1;
	}
	return 0;
}

struct src {
	const struct la *la;
	int fd;
	const unsigned char *head;
	size_t n_head;
	int head_done;
	unsigned char *buf;
	int err;		/* errno of a failed read */
};

static const struct magic {
	const char *magic;
	size_t n;
	const char *compressor;	/* NULL for an archive format */
} magics[] = {
	{ "\x1f\x8b", 2, "gzip" },
	{ "BZh", 3, "bzip2" },
	{ "\xfd" "7zXZ\x00", 6, "xz" },
	{ "\x28\xb5\x2f\xfd", 4, "zstd" },
	{ "\x04\x22\x4d\x18", 4, "lz4" },
	{ "PK\x03\x04", 4, NULL },		/* zip */
	{ "PK\x05\x06", 4, NULL },		/* empty zip */
	{ "7z\xbc\xaf\x27\x1c", 6, NULL },	/* 7z */
};

static const struct magic *
magic_of(const void *p, size_t n)
{
	size_t i;

	for (i = 0; i < LT_ARRAY_LEN(magics); i++)
		if (n >= magics[i].n && memcmp(p, magics[i].magic,
		    magics[i].n) == 0)
			return &magics[i];
	return NULL;
}

int
lt_archive_sniff(const void *p, size_t n)
{
	return magic_of(p, n) != NULL;
}

static la_ssize_t
src_read(struct archive *a, void *ctx, const void **out)
{
	struct src *s = ctx;
	ssize_t got;

	(void)a;
	if (!s->head_done) {
		s->head_done = 1;
		if (s->n_head > 0) {
			*out = s->head;
			return (la_ssize_t)s->n_head;
		}
	}
	do
		got = read(s->fd, s->buf, READ_SIZE);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		s->err = errno;
		s->la->set_error(a, errno, "read error: %s", strerror(errno));
		return -1;
	}
	*out = s->buf;
	return (la_ssize_t)got;
}

/* A member's source name: "archive:member", or the archive's own name. */
static char *
member_name(const char *name, const char *member, int raw)
{
	size_t n = strlen(name), m = member ? strlen(member) : 0;
	char *s;

	if (m > NAME_MAX_BYTES)
		m = NAME_MAX_BYTES;
	if ((s = malloc(n + m + 2)) == NULL)
		return NULL;
	memcpy(s, name, n);
	if (raw || m == 0) {
		s[n] = '\0';
		return s;
	}
	s[n] = ':';
	memcpy(s + n + 1, member, m);
	s[n + 1 + m] = '\0';
	return s;
}

/*
 * The jobs of GitHub's log archive seen so far: the NAME of each
 * top-level member "N_NAME.txt" (N digits), at most JOBS_MAX of them
 * (past that, step files are read as any member).
 */
struct jobs {
	char *name[JOBS_MAX];
	size_t n;
};

static void
jobs_free(struct jobs *j)
{
	while (j->n > 0)
		free(j->name[--j->n]);
}

/* Note a top-level "N_NAME.txt"; -1 when out of memory. */
static int
jobs_note(struct jobs *j, const char *path)
{
	size_t d, n = strlen(path);

	for (d = 0; d < n && path[d] >= '0' && path[d] <= '9'; d++)
		;
	if (d == 0 || d >= n || path[d] != '_' || n - d < 6 ||
	    strcmp(path + n - 4, ".txt") != 0 || memchr(path, '/', n) !=
	    NULL || j->n == JOBS_MAX)
		return 0;
	if ((j->name[j->n] = strndup(path + d + 1, n - d - 5)) == NULL)
		return -1;
	j->n++;
	return 0;
}

/* 1 when path is "NAME/..." of a job noted before. */
static int
jobs_covers(const struct jobs *j, const char *path)
{
	const char *slash = strchr(path, '/');
	size_t i, len;

	if (slash == NULL)
		return 0;
	len = (size_t)(slash - path);
	for (i = 0; i < j->n; i++)
		if (strlen(j->name[i]) == len &&
		    memcmp(j->name[i], path, len) == 0)
			return 1;
	return 0;
}

static const char *
la_error(const struct la *la, struct archive *a)
{
	const char *e = la->error_string(a);

	return e != NULL ? e : "archive error";
}

/* Feed one entry's data to the current source. */
static enum lt_status
feed_entry(struct lt_triage *t, const struct la *la, struct archive *a,
    const char *sname, unsigned long long *total, struct lt_error *err)
{
	const void *blk;
	size_t len;
	la_int64_t off;
	enum lt_status st;
	int r;

	for (;;) {
		if (lt_triage_interrupted(t))
			return LT_STOP;
		r = la->data_block(a, &blk, &len, &off);
		if (r == ARCHIVE_EOF)
			return LT_OK;
		if (r < ARCHIVE_WARN) {
			lt_error_set(err, LT_ERR_SYNTAX, LT_LEVEL_ERROR, sname, 0,
			    0, "cannot expand: %s", la_error(la, a));
			return LT_ERR_SYNTAX;
		}
		*total += len;
		if (*total > LT_ARCHIVE_BYTES_MAX) {
			lt_error_set(err, LT_ERR_LIMIT, LT_LEVEL_ERROR, sname, 0,
			    0, "expands past %llu GiB; the rest is not read",
			    LT_ARCHIVE_BYTES_MAX >> 30);
			return LT_ERR_LIMIT;
		}
		if (len > 0 && (st = lt_triage_feed(t, blk, len)) != LT_OK)
			return st;
	}
}

enum lt_status
lt_archive_read(struct lt_triage *t, int fd, const char *name,
    const void *head, size_t n, struct lt_error *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct la la;
	struct src s;
	struct jobs jobs;
	const struct magic *m;
	const char *path;
	struct stat sb;
	int live;
	unsigned long long total = 0, members = 0;
	enum lt_status st = LT_OK, est;
	char *sname = NULL;
	int r, raw;

	char why[256];

	memset(&s, 0, sizeof s);
	jobs.n = 0;
	/* a file's members end on their own (see source_fd.c) */
	live = fstat(fd, &sb) == 0 &&
	    lt_source_mode_live((unsigned long)sb.st_mode);
	if (la_load(&la, why, sizeof why) != 0) {
		lt_error_set(err, LT_ERR_IO, LT_LEVEL_ERROR, name, 0, 0,
		    "compressed or archived input: %s", why);
		return LT_ERR_IO;
	}
	s.la = &la;
	s.fd = fd;
	s.head = head;
	s.n_head = n;
	if ((s.buf = malloc(READ_SIZE)) == NULL || (a = la.read_new()) ==
	    NULL) {
		st = LT_ERR_NOMEM;
		goto out;
	}
	la.support_filter_all(a);
	/*
	 * The archive formats logs come in, not "all": libarchive's mtree
	 * reader takes a text whose first line is one word ("hello") for a
	 * file list, and a compressed log would then come out empty.
	 */
	la.support_format_tar(a);
	la.support_format_zip(a);
	la.support_format_7zip(a);
	la.support_format_raw(a);
	if (la.read_open(a, &s, NULL, src_read, NULL) != ARCHIVE_OK) {
		lt_error_set(err, s.err ? LT_ERR_IO : LT_ERR_SYNTAX,
		    LT_LEVEL_ERROR, name, 0, 0, "cannot read as an archive: %s",
		    la_error(&la, a));
		st = s.err ? LT_ERR_IO : LT_ERR_SYNTAX;
		goto out;
	}
	/*
	 * A compressor's magic number that no decompressor took (too short
	 * for its header, say) would otherwise be read by the raw format as
	 * the bytes themselves, and judged as text.
	 */
	if ((m = magic_of(head, n)) != NULL && m->compressor != NULL &&
	    la.filter_count(a) < 2) {
		lt_error_set(err, LT_ERR_SYNTAX, LT_LEVEL_ERROR, name, 0, 0,
		    "starts like %s but is not a %s stream", m->compressor,
		    m->compressor);
		st = LT_ERR_SYNTAX;
		goto out;
	}
	for (;;) {
		r = la.next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			lt_error_set(err, s.err ? LT_ERR_IO : LT_ERR_SYNTAX,
			    LT_LEVEL_ERROR, name, 0, 0, "%s", la_error(&la, a));
			st = s.err ? LT_ERR_IO : LT_ERR_SYNTAX;
			break;
		}
		if (la.entry_filetype(e) != AE_IFREG)
			continue;
		if (++members > LT_ARCHIVE_MEMBERS_MAX) {
			lt_error_set(err, LT_ERR_LIMIT, LT_LEVEL_ERROR, name, 0,
			    0, "more than %u members; the rest are not read",
			    LT_ARCHIVE_MEMBERS_MAX);
			st = LT_ERR_LIMIT;
			break;
		}
		raw = la.format(a) == ARCHIVE_FORMAT_RAW;
		path = la.entry_pathname(e);
		if (path != NULL && (la.format(a) & ARCHIVE_FORMAT_BASE_MASK) ==
		    ARCHIVE_FORMAT_ZIP) {
			if (jobs_covers(&jobs, path))
				continue;	/* a step file of a job read */
			if (jobs_note(&jobs, path) != 0) {
				st = LT_ERR_NOMEM;
				break;
			}
		}
		free(sname);
		if ((sname = member_name(name, path, raw)) == NULL) {
			st = LT_ERR_NOMEM;
			break;
		}
		if ((st = lt_triage_begin(t, sname)) != LT_OK)
			break;
		lt_triage_set_live(t, live);
		st = feed_entry(t, &la, a, sname, &total, err);
		est = lt_triage_end(t, st == LT_OK ? err : NULL);
		if (st == LT_OK)
			st = est;
		if (st != LT_OK)
			break;
	}
out:
	lt_triage_set_live(t, 1);
	jobs_free(&jobs);
	if (a != NULL)
		la.read_free(a);
	dlclose(la.lib);
	free(s.buf);
	free(sname);
	return st;
}

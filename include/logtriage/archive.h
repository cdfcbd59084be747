/*
 * logtriage/archive.h - compressed logs and archives of logs as sources.
 *
 * People have `run.log.gz`, `journal.xz`, and GitHub's "download log
 * archive" (a zip of one file per job and step).  These are recognised by
 * their first bytes, never by their names, and read with libarchive: a
 * compressed file (gzip, bzip2, xz, zstd, lz4) is the one source it holds;
 * an archive (zip, tar, 7z, possibly compressed) is one source per regular
 * member, named "ARCHIVE:MEMBER", in the archive's order.
 *
 * Caps: LT_ARCHIVE_MEMBERS_MAX members and LT_ARCHIVE_BYTES_MAX bytes
 * once expanded (more is LT_ERR_LIMIT, with what was read classified):
 * data is streamed, so memory does not grow with either.
 */
#ifndef LOGTRIAGE_ARCHIVE_H
#define LOGTRIAGE_ARCHIVE_H

#include <stddef.h>

#include "status.h"
#include "triage.h"

#define LT_ARCHIVE_SNIFF 8	/* bytes lt_archive_sniff needs at most */
#define LT_ARCHIVE_MEMBERS_MAX 100000u
#define LT_ARCHIVE_BYTES_MAX (64ull << 30)

/* 1 when p[0..n) starts like a compressed file or an archive. */
LT_API int lt_archive_sniff(const void *p, size_t n);

/*
 * Read the compressed file or archive on fd, whose first n bytes were
 * already read into head, into t: lt_triage_begin/feed/end for each
 * source it holds (name is the file's name).  LT_OK; LT_ERR_IO,
 * LT_ERR_SYNTAX (not a readable archive, or cut short) or LT_ERR_LIMIT
 * with err filled (origin: the source being read); LT_STOP when
 * opts.interrupted was set.  Every source begun is ended.
 */
LT_API enum lt_status lt_archive_read(struct lt_triage *t, int fd,
    const char *name, const void *head, size_t n, struct lt_error *err);

#endif

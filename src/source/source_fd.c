/*
 * source_fd.c - a file descriptor as a source: read it to its end and
 * push the bytes into the pipeline (lt_triage_feed), the first and
 * simplest user of the push interface (triage.h).
 *
 * Reads are large (READ_SIZE) so that a file goes through in few feeds,
 * and whatever one read(2) returns is fed at once, so that a line typed
 * into a live pipe is classified, and its output written, without
 * waiting for more.  A pipe that stays silent is waited on with poll()
 * no longer than the next pending match's hold (lt_triage_tick), so a
 * runner's journal that goes quiet still gets its pending matches
 * written.  A regular file is not live (lt_triage_set_live): it ends on
 * its own, so its pending matches are decided at its end, and its output
 * does not depend on how fast it was read.  A signal (opts.interrupted, with read(2) interruptible) ends
 * the read between feeds.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logtriage/source.h"
#include "logtriage/triage.h"
#include "util/util.h"

#define READ_SIZE (1u << 20)

int
lt_source_mode_live(unsigned long mode)
{
	mode_t m = (mode_t)mode;

	return S_ISFIFO(m) || S_ISSOCK(m) || S_ISCHR(m);
}

enum lt_status
lt_triage_fd(struct lt_triage *t, int fd, struct lt_error *err)
{
	unsigned long long due;
	struct pollfd pfd;
	struct stat sb;
	enum lt_status st;
	char *buf;
	ssize_t got;
	int r;

	if ((buf = malloc(READ_SIZE)) == NULL)
		return LT_ERR_NOMEM;
	/* a file ends on its own: its pending matches wait for its end */
	lt_triage_set_live(t, fstat(fd, &sb) == 0 &&
	    lt_source_mode_live((unsigned long)sb.st_mode));
	for (;;) {
		if (lt_triage_interrupted(t)) {
			st = LT_STOP;
			goto out;
		}
		/* a pending match waits no longer than the hold */
		if ((st = lt_triage_tick(t, &due)) != LT_OK)
			goto out;
		if (due > 0) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			r = poll(&pfd, 1, due > 60000 ? 60000 : (int)due);
			if (r == 0 || (r < 0 && errno == EINTR))
				continue;
		}
		got = read(fd, buf, READ_SIZE);
		if (got < 0 && errno == EINTR)
			continue;	/* the loop head checks for a stop */
		if (got < 0) {
			lt_error_set(err, LT_ERR_IO, LT_LEVEL_ERROR,
			    lt_triage_source(t), 0, 0, "read error: %s",
			    strerror(errno));
			st = LT_ERR_IO;
			goto out;
		}
		if (got == 0) {
			st = LT_OK;
			goto out;
		}
		if ((st = lt_triage_feed(t, buf, (size_t)got)) != LT_OK)
			goto out;
	}
out:
	lt_triage_set_live(t, 1);
	free(buf);
	return st;
}

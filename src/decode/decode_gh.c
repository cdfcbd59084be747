/*
 * decode_gh.c - what `gh run view --log` and `--log-failed` print.
 *
 * The GitHub CLI does not print a job log as the runner wrote it.  It
 * downloads the run's log archive and, for every step file in it, writes
 * each line as
 *
 *   JOB<TAB>STEP<TAB>LINE
 *
 * (pkg/cmd/run/view: a fmt.Sprintf("%s\t%s\t", job.Name, step.Name)
 * prefix before each line a bufio.Scanner gives, so the line's LF and a
 * CR before it are gone).  LINE is the runner's own line, stamp and
 * markers included, and the first line of every step file starts with
 * the UTF-8 byte order mark the runner writes at the top of each file,
 * so one appears after the second tab once per step.  --log-failed
 * prints the same, for failed steps only.  Since GitHub's archives
 * sometimes hold only the whole job's log (2025), gh falls back to it
 * and prints "UNKNOWN STEP" as the step of every line.
 *
 * So a line here is two columns and an Actions line.  The columns become
 * the labels job and step (as an Actions job log names its step by its
 * ##[group]), and the rest goes through the Actions decoder
 * (lt_gha_line): its stamp is the time, its markers are taken off, so
 * rules anchored at the start of the message and the ##[error] and exit
 * code evidence work as on the job log itself.  Where gh could not name
 * the step ("UNKNOWN STEP"), the step is the last ##[group] opened, as
 * in a job log, and it starts afresh when the job changes; the job does
 * not leak into the next job's lines either way.
 *
 * A line without the two columns is not in the format: it is decoded as
 * an Actions line and counted as a decode error (an empty line is not).
 * An empty column is no label.  Job and step names are cut to a label's
 * cap; a tab inside a job name cannot be told from the column's end
 * (GitHub's names have none).
 */
#include <string.h>

#include "decode_int.h"

#define UNKNOWN_STEP "UNKNOWN STEP"

int
lt_gh_columns(const char *p, size_t n, size_t *job_len, size_t *step_off,
    size_t *step_len, size_t *rest)
{
	const char *t1, *t2;
	size_t r;

	if (n == 0 || (t1 = memchr(p, '\t', n)) == NULL)
		return 0;
	t2 = memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - p));
	if (t2 == NULL)
		return 0;
	*job_len = (size_t)(t1 - p);
	*step_off = (size_t)(t1 + 1 - p);
	*step_len = (size_t)(t2 - t1 - 1);
	r = (size_t)(t2 + 1 - p);
	if (n - r >= 3 && memcmp(p + r, "\xef\xbb\xbf", 3) == 0)
		r += 3;
	*rest = r;
	return 1;
}

/* A new job: its name kept (cut to a label's cap), the group step gone. */
static void
job_seen(struct lt_decoder *d, const char *job, size_t n)
{
	if (n > sizeof d->job)
		n = sizeof d->job;
	if (d->has_job && d->job_len == n && memcmp(d->job, job, n) == 0)
		return;
	memcpy(d->job, job, n);
	d->job_len = n;
	d->has_job = 1;
	d->has_step = 0;
	d->step_len = 0;
	d->last_time[0] = '\0';
}

enum lt_status
lt_decode_gh(struct lt_decoder *d, const struct lt_line *l)
{
	struct lt_recb b;
	const char *p = l->p, *step;
	size_t n = l->len, jn, so, sn, rest;

	lt_recb_init(&b, l);
	if (!lt_gh_columns(p, n, &jn, &so, &sn, &rest)) {
		if (n > 0)
			b.r.flags |= LT_RECORD_UNDECODED;
		return lt_gha_line(d, &b, p, n, NULL, 0);
	}
	job_seen(d, p, jn);
	if (jn > 0)
		lt_recb_label(&b, "job", 3, p, jn);
	step = p + so;
	if (sn == sizeof UNKNOWN_STEP - 1 &&
	    memcmp(step, UNKNOWN_STEP, sn) == 0)
		step = NULL;
	else if (sn > 0)	/* now, for a syslog or dmesg line too */
		lt_recb_label(&b, "step", 4, step, sn);
	return lt_gha_line(d, &b, p + rest, n - rest, step, sn);
}

/*
 * decode_gha.c - GitHub Actions job logs and the runner's _diag logs.
 *
 * The runner writes every line of a job log as
 *
 *   2025-01-11T10:00:01.1234567Z message
 *
 * (.NET's round-trip "O" format, always UTC, seven fraction digits), and
 * marks structure inside the message: "##[group]NAME" opens a foldable
 * group, "##[endgroup]" closes it, "##[error]", "##[warning]", "##[notice]"
 * and "##[debug]" flag a line.  Every step begins with a group that the
 * runner names after it ("Run make test", "Run actions/checkout@v4"),
 * and its output follows that group's end, so the name of the last group
 * opened is the best answer to "which step was this": it is kept as the
 * label step until the next group opens (a group a script opens with
 * ::group:: names a part of the step, which is as useful).  Markers are
 * taken off the text, so a rule for "Process completed with exit code"
 * can be anchored; a flag becomes the label annotation.
 *
 * The runner's own _diag logs (Runner_*.log, Worker_*.log) write
 *
 *   [2025-01-11 10:00:01Z INFO Runner] message
 *
 * which gives time, level (INFO, WARN, ERR, CRIT, VERB) and component.
 *
 * A message with newlines continues on lines without a stamp (a script
 * echoed in a group, a .NET stack trace in _diag); those lines carry the
 * time of the line they continue.  A line that has neither stamp goes
 * through the syslog recogniser, so a mix of runner and journal lines
 * loses nothing.
 */
#include <string.h>

#include "decode_int.h"

#define MARKER_MAX 16u

/* "##[name]" at p: the length of name, or 0. */
static size_t
marker(const char *p, size_t n)
{
	size_t i;

	if (n < 5 || memcmp(p, "##[", 3) != 0)
		return 0;
	for (i = 3; i < n && i - 3 < MARKER_MAX && p[i] >= 'a' && p[i] <= 'z';
	    i++)
		;
	if (i == 3 || i >= n || p[i] != ']')
		return 0;
	return i - 3;
}

/* "[2025-01-11 10:00:01Z LEVEL Component] ": 1 and the parts, or 0. */
static int
diag(struct lt_recb *b, const char *p, size_t n)
{
	size_t i, l0, l1, c0, c1;

	/* '[', 19 bytes of date and time, 'Z', ' ', then the level */
	if (n < 23 || p[0] != '[' || p[11] != ' ' ||
	    lt_time_parse(p + 1, n - 1, b->time) != 20 || p[21] != ' ')
		return 0;
	l0 = i = 22;
	while (i < n && p[i] >= 'A' && p[i] <= 'Z')
		i++;
	l1 = i;
	if (l1 == l0)
		return 0;
	while (i < n && p[i] == ' ')	/* "ERR " is padded to four */
		i++;
	c0 = i;
	while (i < n && p[i] != ']' && i - c0 < LT_LABEL_VALUE_MAX)
		i++;
	c1 = i;
	if (c1 == c0 || i >= n || p[i] != ']')
		return 0;
	i++;
	if (i < n && p[i] == ' ')
		i++;
	b->r.text = p + i;
	b->r.len = n - i;
	b->r.time = b->time;
	lt_recb_label(b, "component", 9, p + c0, c1 - c0);
	lt_recb_label(b, "level", 5, p + l0, l1 - l0);
	return 1;
}

enum lt_status
lt_decode_gha(struct lt_decoder *d, const struct lt_line *l)
{
	struct lt_recb b;
	const char *p = l->p, *ann = NULL;
	size_t n = l->len, k, m;

	lt_recb_init(&b, l);
	if (n > 0 && p[0] >= '0' && p[0] <= '9' &&
	    (k = lt_time_parse(p, n, b.time)) > 0 && p[k - 1] == 'Z' &&
	    k < n && p[k] == ' ') {
		b.r.time = b.time;
		b.r.text = p + k + 1;
		b.r.len = n - k - 1;
		memcpy(d->last_time, b.time, LT_TIME_MAX);
	} else if (n > 0 && lt_prefix_start[(unsigned char)p[0]] &&
	    lt_syslog_prefix(&b, p, n)) {
		return lt_decoder_pass(d, &b);
	} else if (n > 0 && p[0] == '[' && diag(&b, p, n)) {
		memcpy(d->last_time, b.time, LT_TIME_MAX);
		return lt_decoder_pass(d, &b);
	} else if (d->last_time[0] != '\0') {
		memcpy(b.time, d->last_time, LT_TIME_MAX);
		b.r.time = b.time;
	}

	p = b.r.text;
	n = b.r.len;
	if ((m = marker(p, n)) > 0) {
		b.r.text = p + m + 4;
		b.r.len = n - m - 4;
		if (m == 5 && memcmp(p + 3, "group", 5) == 0) {
			d->step_len = b.r.len < sizeof d->step ? b.r.len :
			    sizeof d->step;
			memcpy(d->step, b.r.text, d->step_len);
			d->has_step = 1;
		} else if (!(m == 8 && memcmp(p + 3, "endgroup", 8) == 0)) {
			ann = p + 3;
		}
	}
	if (d->has_step)
		lt_recb_label(&b, "step", 4, d->step, d->step_len);
	if (ann != NULL)
		lt_recb_label(&b, "annotation", 10, ann, m);
	return lt_decoder_pass(d, &b);
}

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
 * through the syslog and dmesg recognisers, so a mix of runner, journal
 * and kernel lines loses nothing.
 *
 * lt_gha_line() is the part after whatever comes before the runner's
 * stamp: all of a job log line here, the third column of `gh run view
 * --log` in decode_gh.c, which names the step itself.
 */
#include <stddef.h>
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

/*
 * The time line p[0..n) leaves for the lines after it, as lt_decode_gha()
 * keeps it: 1 with time filled, or 0.  A line that starts like a syslog
 * prefix leaves none: it is a syslog line, or text that cannot be a
 * runner diagnostic (those start with '[').
 */
static int
leaves_time(const char *p, size_t n, char time[LT_TIME_MAX])
{
	struct lt_gha_diag dg;

	if (lt_gha_stamp(p, n, time) > 0)
		return 1;
	if (n > 0 && lt_prefix_start[(unsigned char)p[0]])
		return 0;
	return lt_gha_diag(p, n, time, &dg) > 0;
}

/*
 * For a run of lines passed over (lt_decoder_runs): what lt_decode_gha()
 * would have kept of them.  No run holds "##[group]", so the step stays;
 * the last time is the one the last line that has one leaves, so the
 * lines are looked at from the end, and mostly only the last is.
 */
void
lt_gha_keep_run(struct lt_decoder *d, const char *p, size_t n)
{
	char time[LT_TIME_MAX];
	const char *s, *e;
	size_t len;

	if (n == 0 || p[n - 1] != '\n')
		return;
	for (e = p + n - 1;; e = s - 1) {	/* e: the newline of a line */
		s = lt_line_start(p, e);
		len = (size_t)(e - s);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (len > d->max_line)
			len = d->max_line;
		if (leaves_time(s, len, time)) {
			memcpy(d->last_time, time, LT_TIME_MAX);
			return;
		}
		if (s == p)
			return;
	}
}

size_t
lt_gha_stamp(const char *p, size_t n, char time[LT_TIME_MAX])
{
	size_t k = 19;

	/* a quick look for the 'Z' first: short-iso syslog stamps are not */
	if (n < 20 || !LT_DIGIT(p[0]) || p[10] != 'T')
		return 0;
	if (p[k] == '.')
		for (k++; k < n && LT_DIGIT(p[k]); k++)
			;
	if (k >= n || p[k] != 'Z')
		return 0;
	if ((k = lt_time_parse(p, n, time)) == 0 ||
	    p[10] != 'T' || p[k - 1] != 'Z' || k >= n || p[k] != ' ')
		return 0;
	return k + 1;
}

size_t
lt_gha_diag(const char *p, size_t n, char time[LT_TIME_MAX],
    struct lt_gha_diag *dg)
{
	size_t i;

	/* '[', 19 bytes of date and time, 'Z', ' ', then the level */
	if (n < 23 || p[0] != '[' || p[11] != ' ' ||
	    lt_time_parse(p + 1, n - 1, time) != 20 || p[21] != ' ')
		return 0;
	dg->level = p + 22;
	for (i = 22; i < n && p[i] >= 'A' && p[i] <= 'Z'; i++)
		;
	dg->level_len = i - 22;
	if (dg->level_len == 0)
		return 0;
	while (i < n && p[i] == ' ')	/* "ERR " is padded to four */
		i++;
	dg->component = p + i;
	while (i < n && p[i] != ']' && p + i - dg->component <
	    (ptrdiff_t)LT_LABEL_VALUE_MAX)
		i++;
	dg->component_len = (size_t)(p + i - dg->component);
	if (dg->component_len == 0 || i >= n || p[i] != ']')
		return 0;
	i++;
	if (i < n && p[i] == ' ')
		i++;
	return i;
}

enum lt_status
lt_gha_line(struct lt_decoder *d, struct lt_recb *b, const char *p, size_t n,
    const char *step, size_t step_len)
{
	struct lt_gha_diag dg;
	const char *ann = NULL;
	size_t k, m;

	b->r.text = p;
	b->r.len = n;
	if ((k = lt_gha_stamp(p, n, b->time)) > 0) {
		b->r.time = b->time;
		b->r.text = p + k;
		b->r.len = n - k;
		memcpy(d->last_time, b->time, LT_TIME_MAX);
		lt_dmesg_inner(b);	/* a step that runs dmesg */
	} else if (n > 0 && lt_prefix_start[(unsigned char)p[0]] &&
	    (lt_syslog_prefix(b, p, n) || lt_dmesg_prefix(b, p, n))) {
		return lt_decoder_pass(d, b);
	} else if ((k = lt_gha_diag(p, n, b->time, &dg)) > 0) {
		b->r.time = b->time;
		b->r.text = p + k;
		b->r.len = n - k;
		lt_recb_label(b, "component", 9, dg.component,
		    dg.component_len);
		lt_recb_label(b, "level", 5, dg.level, dg.level_len);
		memcpy(d->last_time, b->time, LT_TIME_MAX);
		return lt_decoder_pass(d, b);
	} else if (n > 0 && p[0] == '[' && lt_dmesg_prefix(b, p, n)) {
		return lt_decoder_pass(d, b);
	} else if (d->last_time[0] != '\0') {
		memcpy(b->time, d->last_time, LT_TIME_MAX);
		b->r.time = b->time;
	}

	p = b->r.text;
	n = b->r.len;
	if ((m = marker(p, n)) > 0) {
		b->r.text = p + m + 4;
		b->r.len = n - m - 4;
		if (m == 5 && memcmp(p + 3, "group", 5) == 0) {
			d->step_len = b->r.len < sizeof d->step ? b->r.len :
			    sizeof d->step;
			memcpy(d->step, b->r.text, d->step_len);
			d->has_step = 1;
		} else if (!(m == 8 && memcmp(p + 3, "endgroup", 8) == 0)) {
			ann = p + 3;
		}
	}
	if (step != NULL) {
		if (step_len > 0)
			lt_recb_label(b, "step", 4, step, step_len);
	} else if (d->has_step)
		lt_recb_label(b, "step", 4, d->step, d->step_len);
	if (ann != NULL)
		lt_recb_label(b, "annotation", 10, ann, m);
	return lt_decoder_pass(d, b);
}

enum lt_status
lt_decode_gha(struct lt_decoder *d, const struct lt_line *l)
{
	struct lt_recb b;

	lt_recb_init(&b, l);
	return lt_gha_line(d, &b, l->p, l->len, NULL, 0);
}

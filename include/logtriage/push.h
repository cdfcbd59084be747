/*
 * logtriage/push.h - send the run's metrics to a Prometheus Pushgateway.
 *
 * The metrics (from lt_emit_prometheus) are PUT to
 *   URL/metrics/job/JOB[/instance/INSTANCE][/NAME/VALUE...]
 * replacing the group's previous push, which is what a run's result is.
 * Label values are percent-encoded, or sent in the gateway's base64 form
 * (NAME@base64/VALUE) when they hold a '/' or are empty.  A push never
 * changes a classification: failures are reported to the caller, who
 * decides what to say.
 */
#ifndef LOGTRIAGE_PUSH_H
#define LOGTRIAGE_PUSH_H

#include <stddef.h>

#include "api.h"
#include "status.h"

#define LT_PUSH_LABELS_MAX 32

struct lt_push {
	const char *url;	/* e.g. http://127.0.0.1:9091 */
	const char *job;
	const char *instance;	/* NULL: none */
	const char *label_names[LT_PUSH_LABELS_MAX];
	const char *label_values[LT_PUSH_LABELS_MAX];
	size_t n_labels;
	long timeout_ms;	/* connect and total; 0: 10 s */
};

/*
 * Push body[0..len).  On failure fills err (origin "push", message with
 * the HTTP status and the start of the gateway's answer, or curl's
 * error) and returns LT_ERR_NET.
 */
LT_API enum lt_status lt_push_metrics(const struct lt_push *p, const char *body,
    size_t len, struct lt_error *err);

#endif

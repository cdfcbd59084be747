/*
 * emit_int.h - what the files of src/emit share (private to the folder).
 */
#ifndef LT_EMIT_INT_H
#define LT_EMIT_INT_H

#include "logtriage/buf.h"

/*
 * One Prometheus label, NAME="VALUE", with the value escaped as the text
 * exposition format requires (backslash, double quote, newline); after
 * a comma unless first.  Used by the run's metrics (emit_prom.c) and the
 * exporter's (metrics.c).
 */
enum lt_status lt_prom_label(struct lt_buf *b, const char *name,
    const char *value, int first);

#endif

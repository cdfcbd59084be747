/*
 * evidence.c - evidence that builds up or clears over time.
 *
 * One line alone often says too little.  A runner that logs "Runner
 * connect error ... Retrying until reconnected" once and then "Listening
 * for Jobs" had a blip; thirty times in thirty minutes, it was offline.
 * pip's "Retrying" warnings followed by "Successfully installed" are
 * healthy.  fail2ban has judged such evidence for years (maxretry within
 * findtime); rules say it with three keys:
 *
 *   count = N, within = 5m | 200 lines
 *     a match is evidence once N matches of the rule in its stream fall
 *     within the window ending at it: the lines' own times where the
 *     input has them and the rule gives a duration, else the distance in
 *     lines, else the whole stream.  The match that completes a count
 *     carries it (and the line where the window starts); matches before
 *     it are counted as not evidence.
 *   cleared_by = REGEX
 *     evidence of the rule stays pending until the end of the source; a
 *     later line of the same stream that matches clears it (the pending
 *     matches are written as resolved, with the clearing line, and are
 *     never the cause) and starts its count anew.
 *   clear_within = 1 lines | 30s
 *     ... but waits no longer than that many further lines of its
 *     stream, or that long by the lines' times, after its first pending
 *     match: then the group is evidence at once (curl prints the same
 *     "curl: (7)" line before each retry's "Will retry" warning and after
 *     the last attempt; the next line tells them apart).
 *
 * A stream is a source and its labels, less the labels that change from
 * line to line of one stream (pid, priority, annotation, level,
 * component, syslog_time); it is known by a 64-bit FNV-1a hash.  State is
 * bounded: a rule follows at most LT_EV_STREAMS_MAX streams (the least
 * recently used one is decided and forgotten to make room), its window
 * holds at most count entries (count <= LT_COUNT_MAX), and a pending
 * group keeps LT_EV_KEEP whole matches and counts the rest; the text of
 * all kept matches of a run is held to LT_EV_BYTES_MAX, beyond which a
 * group keeps only its first.  So a rule that never clears, on an
 * endless stream, holds at most LT_EV_STREAMS_MAX * (the ring + one
 * kept match) plus a share of LT_EV_BYTES_MAX, whatever the input's
 * length (tests/bench/evidence-rss measures it).
 *
 * In a live pipe a pending match could wait for ever (a runner that
 * never comes back writes no clearing line, and `journalctl -f` never
 * ends).  So the pipeline tells the time (lt_evidence_clock, a monotonic
 * clock in ms) and asks now and then (lt_evidence_tick): a match kept
 * longer than the hold is written once as pending (not counted: it may
 * still clear), and decided later as usual.
 *
 * Clearing lines are seen although the pipeline passes over runs of
 * lines the prefilter clears: the atoms of every cleared_by pattern are
 * attention literals of the prefilter (rules_compile.c), so no run holds
 * a line that may clear, and a rule marked clear_seen needs no other
 * line.  What else a pending match waits for is a bound: in lines, the
 * lines of a run count (lt_evidence_passed, with the run's newline
 * count, when the run is known to be of the pending match's stream); by
 * time, or for a rule with a cleared_by pattern without atoms, the
 * pipeline shows every line while that match is pending
 * (lt_evidence_skippable).  The cleared_by patterns run only on the
 * streams that have something pending, under the ruleset's PCRE2 limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/ruleset.h"
#include "util/util.h"
#include "verdict/evidence.h"

struct ev_mark {
	unsigned long long ns;	/* the line's time; 0: none */
	unsigned long long seq;	/* position in the run */
	unsigned long long line;
};

struct ev_kept {
	struct lt_match m;
	void *block;		/* lt_match_dup's allocation */
	struct ev_note_keep {
		unsigned count;
		unsigned long long first_line;
	} note;
	size_t bytes;		/* its text, against LT_EV_BYTES_MAX */
	unsigned long long since_ms;	/* the clock when it was kept */
	int announced;		/* written as pending already */
};

struct ev_slot {
	uint64_t key;
	int used;
	unsigned long long last;	/* seq of last use, for LRU */
	struct ev_mark *ring;	/* count entries */
	size_t ring_start;
	size_t ring_n;
	struct ev_kept kept[LT_EV_KEEP];
	size_t n_kept;
	unsigned long long n_pending;	/* kept or only counted */
	unsigned long long wait_ns;	/* clear_within: the first's time */
	unsigned long long waited;	/* ... lines of the stream since */
	unsigned char holds;	/* pending, and lines may not be passed over */
	unsigned char lined;	/* pending, with clear_within in lines */
};

struct ev_rule {
	size_t rule;		/* rank index */
	const struct lt_crule *c;
	struct ev_slot slots[LT_EV_STREAMS_MAX];
};

struct lt_evidence {
	const struct lt_ruleset *rs;
	struct ev_rule *rules;
	size_t n_rules;
	size_t *of_rule;	/* rank index -> rules index, SIZE_MAX: none */
	size_t n_pending;	/* slots with n_pending > 0 */
	size_t n_holds;		/* ... of them with holds set */
	size_t n_lined;		/* ... with lined set */
	uint64_t last_key;	/* stream of the last line offered or shown */
	size_t kept_bytes;	/* text of all kept matches */
	unsigned long long seq;
	unsigned long long now_ms;	/* lt_evidence_clock */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

static const char *const per_line[] = {
	"pid", "priority", "annotation", "level", "component", "syslog_time"
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t
stream_key(const char *source, const struct lt_record *r)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, source, strlen(source) + 1);
	size_t i, j;

	for (i = 0; i < r->n_labels; i++) {
		const struct lt_label *l = &r->labels[i];

		for (j = 0; j < LT_ARRAY_LEN(per_line); j++)
			if (strlen(per_line[j]) == l->key_len &&
			    memcmp(per_line[j], l->key, l->key_len) == 0)
				break;
		if (j < LT_ARRAY_LEN(per_line))
			continue;
		h = fnv(h, l->key, l->key_len);
		h = fnv(h, "=", 1);
		h = fnv(h, l->value, l->value_len);
		h = fnv(h, "", 1);
	}
	return h ? h : 1;
}

struct lt_evidence *
lt_evidence_new(const struct lt_ruleset *rs)
{
	struct lt_evidence *ev;
	size_t i, n = 0;

	for (i = 0; i < rs->n_rules; i++)
		n += rs->rules[i].info.count > 1 ||
		    rs->rules[i].info.n_cleared_by > 0;
	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return NULL;
	ev->rs = rs;
	ev->rules = calloc(n ? n : 1, sizeof *ev->rules);
	ev->of_rule = malloc((rs->n_rules ? rs->n_rules : 1) *
	    sizeof *ev->of_rule);
	ev->md = pcre2_match_data_create(1, NULL);
	ev->mctx = pcre2_match_context_create(NULL);
	if (ev->rules == NULL || ev->of_rule == NULL || ev->md == NULL ||
	    ev->mctx == NULL)
		goto fail;
	pcre2_set_match_limit(ev->mctx, rs->opts.match_limit);
	pcre2_set_depth_limit(ev->mctx, rs->opts.depth_limit);
	pcre2_set_heap_limit(ev->mctx, rs->opts.heap_limit_kib);
	for (i = 0; i < rs->n_rules; i++) {
		const struct lt_crule *c = &rs->rules[i];

		ev->of_rule[i] = SIZE_MAX;
		if (c->info.count <= 1 && c->info.n_cleared_by == 0)
			continue;
		ev->rules[ev->n_rules].rule = i;
		ev->rules[ev->n_rules].c = c;
		ev->of_rule[i] = ev->n_rules++;
	}
	return ev;
fail:
	lt_evidence_free(ev);
	return NULL;
}

static void
slot_drop_kept(struct lt_evidence *ev, struct ev_slot *s)
{
	size_t i;

	for (i = 0; i < s->n_kept; i++) {
		free(s->kept[i].block);
		s->kept[i].block = NULL;
		ev->kept_bytes -= s->kept[i].bytes;
	}
	s->n_kept = 0;
}

void
lt_evidence_free(struct lt_evidence *ev)
{
	size_t i, j;

	if (ev == NULL)
		return;
	for (i = 0; i < ev->n_rules; i++)
		for (j = 0; j < LT_EV_STREAMS_MAX; j++) {
			slot_drop_kept(ev, &ev->rules[i].slots[j]);
			free(ev->rules[i].slots[j].ring);
		}
	free(ev->rules);
	free(ev->of_rule);
	pcre2_match_data_free(ev->md);
	pcre2_match_context_free(ev->mctx);
	free(ev);
}

int
lt_evidence_waits(const struct lt_evidence *ev, size_t rule)
{
	return ev != NULL && rule < ev->rs->n_rules &&
	    ev->of_rule[rule] != SIZE_MAX;
}

int
lt_evidence_pending(const struct lt_evidence *ev)
{
	return ev != NULL && ev->n_pending > 0;
}

/*
 * Slot s of rule c has its first pending match (at time ns, 0: none):
 * can lines be passed over unseen while it waits?  Only when the lines
 * that may clear it are never in a run (c->clear_seen) and no time
 * bound is in force (the times of lines passed over are not known).
 * A bound in lines is kept by counting them (lt_evidence_passed).
 */
static void
slot_wait(struct lt_evidence *ev, const struct lt_crule *c,
    struct ev_slot *s, unsigned long long ns)
{
	ev->n_pending++;
	s->wait_ns = ns;
	s->waited = 0;
	s->holds = !c->clear_seen || (c->info.clear_within_ns > 0 && ns > 0);
	s->lined = c->info.clear_within_lines > 0;
	ev->n_holds += s->holds;
	ev->n_lined += s->lined;
}

/* Slot s has nothing pending any more. */
static void
slot_done(struct lt_evidence *ev, struct ev_slot *s)
{
	ev->n_pending--;
	ev->n_holds -= s->holds;
	ev->n_lined -= s->lined;
	s->holds = s->lined = 0;
}

/* Decide slot s's pending group as evidence: write what was kept. */
static enum lt_status
decide(struct lt_evidence *ev, struct ev_slot *s, lt_ev_fn *fn, void *ctx)
{
	enum lt_status st = LT_OK;
	struct lt_ev_note note;
	size_t i;

	for (i = 0; i < s->n_kept && st == LT_OK; i++) {
		memset(&note, 0, sizeof note);
		note.count = s->kept[i].note.count;
		note.first_line = s->kept[i].note.first_line;
		note.matches = i + 1 < s->n_kept ? 1 :
		    s->n_pending - (s->n_kept - 1);
		st = fn(ctx, LT_EV_EVIDENCE, &s->kept[i].m, &note);
	}
	slot_drop_kept(ev, s);
	if (s->n_pending > 0)
		slot_done(ev, s);
	s->n_pending = 0;
	return st;
}

/* The slot of stream key in rule er, made (or taken over) if need be. */
static enum lt_status
find_slot(struct lt_evidence *ev, struct ev_rule *er, uint64_t key,
    int make, lt_ev_fn *fn, void *ctx, struct ev_slot **out)
{
	struct ev_slot *s, *lru = NULL;
	enum lt_status st;
	size_t i;

	*out = NULL;
	for (i = 0; i < LT_EV_STREAMS_MAX; i++) {
		s = &er->slots[i];
		if (s->used && s->key == key) {
			*out = s;
			return LT_OK;
		}
		if (lru == NULL || !s->used || (lru->used && s->last < lru->last))
			lru = s;
	}
	if (!make)
		return LT_OK;
	if (lru->used && (st = decide(ev, lru, fn, ctx)) != LT_OK)
		return st;
	if (lru->ring == NULL && (lru->ring = calloc(er->c->info.count,
	    sizeof *lru->ring)) == NULL)
		return LT_ERR_NOMEM;
	lru->used = 1;
	lru->key = key;
	lru->ring_start = 0;
	lru->ring_n = 0;
	*out = lru;
	return LT_OK;
}

/* 1 when the window from mark a to mark b is within the rule's bound. */
static int
inside(const struct lt_rule_info *ri, const struct ev_mark *a,
    const struct ev_mark *b)
{
	if (ri->within_ns > 0 && a->ns > 0 && b->ns > 0)
		return b->ns >= a->ns && b->ns - a->ns <= ri->within_ns;
	if (ri->within_lines > 0)
		return b->seq - a->seq <= ri->within_lines;
	return 1;
}

enum lt_status
lt_evidence_offer(struct lt_evidence *ev, const struct lt_record *r,
    const struct lt_match *m, lt_ev_fn *fn, void *ctx, int *below)
{
	struct ev_rule *er = &ev->rules[ev->of_rule[m->rule]];
	const struct lt_rule_info *ri = &er->c->info;
	struct lt_ev_note note;
	struct ev_mark mk, *first;
	struct ev_slot *s;
	struct ev_kept *k;
	enum lt_status st;
	size_t cnt = ri->count;

	*below = 0;
	ev->last_key = stream_key(m->source, r);
	if ((st = find_slot(ev, er, ev->last_key, 1, fn, ctx, &s)) != LT_OK)
		return st;
	s->last = ++ev->seq;
	mk.ns = 0;
	if (m->time != NULL && lt_time_ns(m->time, strlen(m->time),
	    &mk.ns) != 0)
		mk.ns = 0;
	mk.seq = m->seq;
	mk.line = m->line;
	if (s->ring_n < cnt) {
		s->ring[(s->ring_start + s->ring_n) % cnt] = mk;
		s->ring_n++;
	} else {
		s->ring[s->ring_start] = mk;
		s->ring_start = (s->ring_start + 1) % cnt;
	}
	first = &s->ring[s->ring_start];
	if (s->ring_n < cnt || !inside(ri, first, &mk)) {
		*below = 1;
		return LT_OK;
	}
	memset(&note, 0, sizeof note);
	note.count = (unsigned)cnt;
	note.first_line = first->line;
	note.matches = 1;
	if (ri->n_cleared_by == 0)
		return fn(ctx, LT_EV_EVIDENCE, m, &note);
	if (s->n_pending++ == 0)
		slot_wait(ev, er->c, s, mk.ns);
	if (s->n_kept == LT_EV_KEEP || (s->n_kept > 0 &&
	    ev->kept_bytes + m->text_len > LT_EV_BYTES_MAX))
		return LT_OK;
	k = &s->kept[s->n_kept];
	if ((k->block = lt_match_dup(m, &k->m)) == NULL)
		return LT_ERR_NOMEM;
	k->bytes = m->text_len;
	ev->kept_bytes += k->bytes;
	k->note.count = note.count;
	k->note.first_line = note.first_line;
	k->since_ms = ev->now_ms;
	k->announced = 0;
	s->n_kept++;
	return LT_OK;
}

void
lt_evidence_clock(struct lt_evidence *ev, unsigned long long now_ms)
{
	if (ev != NULL)
		ev->now_ms = now_ms;
}

enum lt_status
lt_evidence_tick(struct lt_evidence *ev, unsigned long long hold_ms,
    lt_ev_fn *fn, void *ctx, unsigned long long *next_ms)
{
	struct lt_ev_note note;
	enum lt_status st;
	size_t i, j, k;

	*next_ms = 0;
	if (ev == NULL || ev->n_pending == 0 || hold_ms == 0)
		return LT_OK;
	for (i = 0; i < ev->n_rules; i++)
		for (j = 0; j < LT_EV_STREAMS_MAX; j++) {
			struct ev_slot *s = &ev->rules[i].slots[j];

			for (k = 0; k < s->n_kept; k++) {
				struct ev_kept *kp = &s->kept[k];
				unsigned long long due = kp->since_ms + hold_ms;

				if (kp->announced)
					continue;
				if (due > ev->now_ms) {
					if (*next_ms == 0 || due < *next_ms)
						*next_ms = due;
					continue;
				}
				memset(&note, 0, sizeof note);
				note.count = kp->note.count;
				note.first_line = kp->note.first_line;
				note.matches = 1;
				kp->announced = 1;
				if ((st = fn(ctx, LT_EV_PENDING, &kp->m,
				    &note)) != LT_OK)
					return st;
			}
		}
	return LT_OK;
}

/* 1 when one of rule c's cleared_by patterns matches p[0..n). */
static int
clears(struct lt_evidence *ev, const struct lt_crule *c, const char *p,
    size_t n)
{
	size_t i;

	for (i = 0; i < c->info.n_cleared_by; i++)
		if (pcre2_match(c->clear[i], (PCRE2_SPTR)p, n, 0, 0, ev->md,
		    ev->mctx) >= 0)
			return 1;
	return 0;
}

/*
 * 1 when line r of slot s's stream comes later than the rule's
 * clear_within time after its first pending match (both have times):
 * the group is evidence now and r cannot clear it.
 */
static int
too_late(const struct lt_crule *c, const struct ev_slot *s,
    const struct lt_record *r)
{
	unsigned long long ns;

	if (c->info.clear_within_ns == 0 || s->wait_ns == 0 ||
	    r->time == NULL || lt_time_ns(r->time, strlen(r->time), &ns) != 0)
		return 0;
	return ns > s->wait_ns && ns - s->wait_ns > c->info.clear_within_ns;
}

enum lt_status
lt_evidence_line(struct lt_evidence *ev, const char *source,
    const struct lt_record *r, const char *p, size_t n, lt_ev_fn *fn,
    void *ctx)
{
	struct lt_ev_note note;
	struct ev_slot *s;
	enum lt_status st;
	uint64_t key;
	size_t i, j;

	if (ev == NULL || ev->n_pending == 0)
		return LT_OK;
	key = stream_key(source, r);
	ev->last_key = key;
	for (i = 0; i < ev->n_rules; i++) {
		struct ev_rule *er = &ev->rules[i];

		if (er->c->info.n_cleared_by == 0)
			continue;
		if ((st = find_slot(ev, er, key, 0, fn, ctx, &s)) != LT_OK)
			return st;
		if (s == NULL || s->n_pending == 0)
			continue;
		if (too_late(er->c, s, r)) {
			if ((st = decide(ev, s, fn, ctx)) != LT_OK)
				return st;
			continue;
		}
		if (!clears(ev, er->c, p, n)) {
			if (er->c->info.clear_within_lines > 0 &&
			    ++s->waited >= er->c->info.clear_within_lines &&
			    (st = decide(ev, s, fn, ctx)) != LT_OK)
				return st;
			continue;
		}
		for (j = 0; j < s->n_kept; j++) {
			memset(&note, 0, sizeof note);
			note.count = s->kept[j].note.count;
			note.first_line = s->kept[j].note.first_line;
			note.matches = j + 1 < s->n_kept ? 1 :
			    s->n_pending - (s->n_kept - 1);
			note.clear_line = r->no;
			note.clear_text = p;
			note.clear_len = n;
			if ((st = fn(ctx, LT_EV_RESOLVED, &s->kept[j].m,
			    &note)) != LT_OK)
				return st;
		}
		slot_drop_kept(ev, s);
		s->n_pending = 0;
		s->ring_n = 0;
		slot_done(ev, s);
	}
	return LT_OK;
}

int
lt_evidence_skippable(const struct lt_evidence *ev, int one_stream)
{
	if (ev == NULL || ev->n_pending == 0)
		return 1;
	return ev->n_holds == 0 && (one_stream || ev->n_lined == 0);
}

/*
 * lines lines of the last line's stream were passed over: each would
 * have counted towards the clear_within of that stream's pending
 * matches (none of them can clear, and no time bound is in force, or
 * lt_evidence_skippable said no).  A group whose bound falls inside the
 * run is decided now, in the order the lines would have decided them:
 * the fewest lines left first, then rule order, as lt_evidence_line
 * goes.  Nothing but decided groups is written between the deciding
 * line and the run's end, so the output is the same.
 */
enum lt_status
lt_evidence_passed(struct lt_evidence *ev, unsigned long long lines,
    lt_ev_fn *fn, void *ctx)
{
	struct ev_slot *s, *best;
	unsigned long long left, best_left;
	enum lt_status st;
	size_t i, round;

	if (ev == NULL || ev->n_lined == 0 || lines == 0)
		return LT_OK;
	for (round = 0; round <= ev->n_rules; round++) {
		best = NULL;
		best_left = 0;
		for (i = 0; i < ev->n_rules; i++) {
			const struct lt_crule *c = ev->rules[i].c;

			if (c->info.clear_within_lines == 0 ||
			    c->info.n_cleared_by == 0 ||
			    find_slot(ev, &ev->rules[i], ev->last_key, 0, NULL,
			    NULL, &s) != LT_OK || s == NULL ||
			    s->n_pending == 0)
				continue;
			left = c->info.clear_within_lines > s->waited ?
			    c->info.clear_within_lines - s->waited : 0;
			if (left <= lines && (best == NULL || left < best_left)) {
				best = s;
				best_left = left;
			}
		}
		if (best == NULL)
			break;
		if ((st = decide(ev, best, fn, ctx)) != LT_OK)
			return st;
	}
	for (i = 0; i < ev->n_rules; i++) {
		if (ev->rules[i].c->info.clear_within_lines == 0 ||
		    find_slot(ev, &ev->rules[i], ev->last_key, 0, NULL, NULL,
		    &s) != LT_OK || s == NULL || s->n_pending == 0)
			continue;
		s->waited += lines;
	}
	return LT_OK;
}

enum lt_status
lt_evidence_end(struct lt_evidence *ev, lt_ev_fn *fn, void *ctx)
{
	struct ev_slot *s, *first;
	enum lt_status st;
	size_t i, j;

	if (ev == NULL)
		return LT_OK;
	/* the pending groups in input order (of their first match) */
	while (ev->n_pending > 0) {
		first = NULL;
		for (i = 0; i < ev->n_rules; i++)
			for (j = 0; j < LT_EV_STREAMS_MAX; j++) {
				s = &ev->rules[i].slots[j];
				if (s->n_pending > 0 && s->n_kept > 0 &&
				    (first == NULL || s->kept[0].m.seq <
				    first->kept[0].m.seq))
					first = s;
			}
		if (first == NULL)
			break;
		if ((st = decide(ev, first, fn, ctx)) != LT_OK)
			return st;
	}
	for (i = 0; i < ev->n_rules; i++)
		for (j = 0; j < LT_EV_STREAMS_MAX; j++) {
			s = &ev->rules[i].slots[j];
			if ((st = decide(ev, s, fn, ctx)) != LT_OK)
				return st;
			s->used = 0;
			s->ring_n = 0;
		}
	return LT_OK;
}

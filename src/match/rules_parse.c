/*
 * rules_parse.c - rule text into the builder.
 *
 * The format is a line-based INI dialect chosen so that a regex can be
 * pasted in unchanged: a value is the rest of the line with blanks
 * trimmed, with no quoting, escapes or inline comments.  Stanzas are
 * "[category NAME]" and "[rule ID]"; the keys each accepts are fixed, and
 * an unknown key is an error rather than a silent typo.
 *
 * A file may begin with file-level keys, before its first stanza: only
 * "runbook_base = URL", which turns the file's relative runbook paths
 * into links under URL as they are read (lt_rules_set_runbook_base sets
 * the same for every file added after it).
 *
 * Patterns are compiled here, as each line is read, so that a PCRE2 error
 * is reported at the exact column of the pattern.  Everything that needs
 * the whole rule set (does the category exist, does a rule have a match)
 * is checked later, in rules_compile.c.
 *
 * The parser never stops at the first error: lint must report them all.
 * A broken stanza is still recorded (so later keys are not reported as
 * "outside any stanza"); compilation refuses any builder with errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logtriage/buf.h"
#include "logtriage/duration.h"
#include "rules_int.h"
#include "util/suggest.h"

#define NAME_MAX_LEN 128
#define LT_WITHIN_TIME_MAX_DAYS 366u	/* within = 366d at most */

void
lt_rules_diag(struct lt_rules *b, enum lt_status st, enum lt_level lvl,
    const char *origin, unsigned long line, unsigned long col,
    const char *fmt, ...)
{
	struct lt_error e;
	va_list ap;

	lt_error_clear(&e);
	e.status = st;
	e.level = lvl;
	snprintf(e.origin, sizeof e.origin, "%s", origin ? origin : "");
	e.line = line;
	e.column = col;
	va_start(ap, fmt);
	vsnprintf(e.message, sizeof e.message, fmt, ap);
	va_end(ap);
	if (lvl == LT_LEVEL_ERROR)
		b->errors++;
	if (b->diag != NULL)
		b->diag(b->diag_ctx, &e);
}

struct lt_rules *
lt_rules_new(lt_diag_fn *diag, void *diag_ctx)
{
	struct lt_rules *b = calloc(1, sizeof *b);

	if (b == NULL)
		return NULL;
	b->diag = diag;
	b->diag_ctx = diag_ctx;
	return b;
}

void
lt_rdef_clear(struct lt_rdef *r)
{
	size_t i;

	for (i = 0; i < r->n_pats; i++) {
		free(r->pats[i].src);
		pcre2_code_free(r->pats[i].code);
	}
	free(r->pats);
	free(r->pat_kind);
	free(r->id);
	free(r->category);
	free(r->summary);
	free(r->remediation);
	free(r->runbook);
	memset(r, 0, sizeof *r);
}

void
lt_cdef_clear(struct lt_cdef *c)
{
	free(c->name);
	free(c->summary);
	free(c->remediation);
	free(c->runbook);
	memset(c, 0, sizeof *c);
}

void
lt_rules_free(struct lt_rules *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n_rules; i++)
		lt_rdef_clear(&b->rules[i]);
	for (i = 0; i < b->n_cats; i++)
		lt_cdef_clear(&b->cats[i]);
	for (i = 0; i < b->n_redacts; i++)
		lt_rdef_clear(&b->redacts[i]);
	free(b->redacts);
	for (i = 0; i < b->n_origins; i++)
		free(b->origins[i]);
	free(b->rules);
	free(b->cats);
	free(b->origins);
	free(b->runbook_base);
	free(b);
}

enum lt_status
lt_rules_set_runbook_base(struct lt_rules *b, const char *base)
{
	char *s = NULL;

	if (base != NULL && base[0] != '\0' && (s = strdup(base)) == NULL)
		return LT_ERR_NOMEM;
	free(b->runbook_base);
	b->runbook_base = s;
	return LT_OK;
}

size_t
lt_rules_error_count(const struct lt_rules *b)
{
	return b->errors;
}

static char *
dup_span(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* Grow *arr (of elem-size items) to hold one more; 0 on success. */
static int
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	np = realloc(*arr, ncap * elem);
	if (np == NULL)
		return -1;
	memset((char *)np + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = np;
	*cap = ncap;
	return 0;
}

static int
valid_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '.' ||
		    c == '-'))))
			return 0;
	}
	return 1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parser state for one buffer. */
struct pstate {
	struct lt_rules *b;
	const char *origin;
	unsigned long line;
	enum { S_NONE, S_CATEGORY, S_RULE, S_REDACT, S_BAD } kind;
	size_t idx;		/* rule or category index */
	int failed;
	char *runbook_base;	/* this file's: "runbook_base =", or the builder's */
	int seen_stanza;	/* file-level keys only before the first */
};

static void perr(struct pstate *ps, enum lt_status st, unsigned long col,
    const char *fmt, ...) LT_PRINTF(4, 5);

static void
perr(struct pstate *ps, enum lt_status st, unsigned long col,
    const char *fmt, ...)
{
	char msg[LT_MESSAGE_MAX];
	va_list ap;

	ps->failed = 1;
	if (ps->kind == S_RULE)
		ps->b->rules[ps->idx].broken = 1;
	else if (ps->kind == S_REDACT)
		ps->b->redacts[ps->idx].broken = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lt_rules_diag(ps->b, st, LT_LEVEL_ERROR, ps->origin, ps->line, col,
	    "%s", msg);
}

static void
nomem(struct pstate *ps)
{
	ps->failed = 1;
	lt_rules_diag(ps->b, LT_ERR_NOMEM, LT_LEVEL_ERROR, ps->origin,
	    ps->line, 0, "out of memory");
}

/*
 * Find or add the rule-like definition (a rule or a redact) named
 * name[0..nlen) in *arr: a new one goes at the end, a redefinition is
 * cleared and keeps its place (and order).  SIZE_MAX after an error.
 */
static size_t
open_def(struct pstate *ps, struct lt_rdef **arr, size_t *n, size_t *cap,
    const char *kind, const char *noun, const char *name, size_t nlen,
    unsigned long ncol)
{
	struct lt_rules *b = ps->b;
	struct lt_rdef *d;
	size_t i, order;

	if (!valid_name(name, nlen)) {
		perr(ps, LT_ERR_SYNTAX, ncol, "invalid %s %s: use letters, "
		    "digits, '_', '.' and '-', at most 128", kind, noun);
		return SIZE_MAX;
	}
	for (i = 0; i < *n; i++)
		if (strlen((*arr)[i].id) == nlen &&
		    memcmp((*arr)[i].id, name, nlen) == 0)
			break;
	if (i < *n) {
		d = &(*arr)[i];
		order = d->order;
		if (d->origin == ps->origin)
			lt_rules_diag(b, LT_OK, LT_LEVEL_WARNING, ps->origin,
			    ps->line, ncol, "%s '%s' redefined; the definition "
			    "at line %lu is replaced", kind, d->id, d->line);
		lt_rdef_clear(d);
		d->order = order;
	} else {
		if (grow((void **)arr, cap, *n, sizeof **arr) != 0) {
			nomem(ps);
			return SIZE_MAX;
		}
		i = (*n)++;
		d = &(*arr)[i];
		d->order = b->next_order++;
	}
	if ((d->id = dup_span(name, nlen)) == NULL) {
		d->id = dup_span("", 0);
		nomem(ps);
	}
	d->origin = ps->origin;
	d->line = ps->line;
	d->col = ncol;
	return i;
}

static void
open_stanza(struct pstate *ps, const char *kw, size_t kwlen,
    const char *name, size_t nlen, unsigned long ncol)
{
	struct lt_rules *b = ps->b;
	size_t i;

	ps->kind = S_BAD;
	if (b->n_rules + b->n_cats >= LT_RULES_MAX) {
		perr(ps, LT_ERR_LIMIT, 1, "more than %u rules and categories",
		    LT_RULES_MAX);
		return;
	}
	if (kwlen == 4 && memcmp(kw, "rule", 4) == 0) {
		if ((i = open_def(ps, &b->rules, &b->n_rules, &b->cap_rules,
		    "rule", "id", name, nlen, ncol)) == SIZE_MAX)
			return;
		b->rules[i].priority = LT_PRIORITY_DEFAULT;
		b->rules[i].severity = LT_SEV_MEDIUM;
		ps->kind = S_RULE;
		ps->idx = i;
		return;
	}
	if (kwlen == 6 && memcmp(kw, "redact", 6) == 0) {
		if ((i = open_def(ps, &b->redacts, &b->n_redacts,
		    &b->cap_redacts, "redact", "name", name, nlen, ncol)) ==
		    SIZE_MAX)
			return;
		ps->kind = S_REDACT;
		ps->idx = i;
		return;
	}
	if (kwlen == 8 && memcmp(kw, "category", 8) == 0) {
		if (!valid_name(name, nlen)) {
			perr(ps, LT_ERR_SYNTAX, ncol, "invalid category name: "
			    "use letters, digits, '_', '.' and '-', at most 128");
			return;
		}
		for (i = 0; i < b->n_cats; i++)
			if (strlen(b->cats[i].name) == nlen &&
			    memcmp(b->cats[i].name, name, nlen) == 0)
				break;
		if (i < b->n_cats) {
			lt_cdef_clear(&b->cats[i]);
		} else {
			if (grow((void **)&b->cats, &b->cap_cats, b->n_cats,
			    sizeof *b->cats) != 0) {
				nomem(ps);
				return;
			}
			i = b->n_cats++;
		}
		b->cats[i].name = dup_span(name, nlen);
		if (b->cats[i].name == NULL) {
			b->cats[i].name = dup_span("", 0);
			nomem(ps);
		}
		b->cats[i].origin = ps->origin;
		b->cats[i].line = ps->line;
		b->cats[i].severity = LT_SEV_MEDIUM;
		b->cats[i].confidence = LT_CONF_HIGH;
		ps->kind = S_CATEGORY;
		ps->idx = i;
		return;
	}
	{
		char kwbuf[64];

		snprintf(kwbuf, sizeof kwbuf, "%.*s", (int)(kwlen < 40 ?
		    kwlen : 40), kw);
		perr(ps, LT_ERR_SYNTAX, 2, "unknown stanza type '%s' (expected "
		    "'category', 'rule' or 'redact')", kwbuf);
	}
}

static void
parse_header(struct pstate *ps, const char *p, size_t n, size_t off)
{
	size_t i = 1, kw, kwlen, name, nlen;

	/* p[0] == '[' */
	if (p[n - 1] != ']') {
		perr(ps, LT_ERR_SYNTAX, off + n + 1, "expected ']' at the end "
		    "of the stanza header");
		ps->kind = S_BAD;
		return;
	}
	n--;
	while (i < n && is_blank(p[i]))
		i++;
	kw = i;
	while (i < n && !is_blank(p[i]))
		i++;
	kwlen = i - kw;
	while (i < n && is_blank(p[i]))
		i++;
	name = i;
	while (i < n && !is_blank(p[i]))
		i++;
	nlen = i - name;
	while (i < n && is_blank(p[i]))
		i++;
	if (kwlen == 0 || nlen == 0 || i != n) {
		perr(ps, LT_ERR_SYNTAX, off + 1, "expected '[category NAME]' or "
		    "'[rule ID]'");
		ps->kind = S_BAD;
		return;
	}
	open_stanza(ps, p + kw, kwlen, p + name, nlen, off + name + 1);
}

static int
set_string(struct pstate *ps, char **dst, const char *v, size_t vlen)
{
	char *s = dup_span(v, vlen);

	if (s == NULL) {
		nomem(ps);
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/*
 * A runbook value: a relative path (no "://", not starting with '/') is
 * joined to the file's runbook base when there is one.
 */
static int
has_scheme(const char *v, size_t vlen)
{
	size_t i;

	for (i = 0; i + 3 <= vlen; i++)
		if (memcmp(v + i, "://", 3) == 0)
			return 1;
	return 0;
}

static void
set_runbook(struct pstate *ps, char **dst, const char *v, size_t vlen)
{
	const char *base = ps->runbook_base;
	size_t bl;
	char *s;

	if (base == NULL || vlen == 0 || v[0] == '/' || has_scheme(v, vlen)) {
		set_string(ps, dst, v, vlen);
		return;
	}
	while (vlen >= 2 && v[0] == '.' && v[1] == '/') {
		v += 2;
		vlen -= 2;
	}
	bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	if ((s = malloc(bl + 1 + vlen + 1)) == NULL) {
		nomem(ps);
		return;
	}
	memcpy(s, base, bl);
	s[bl] = '/';
	memcpy(s + bl + 1, v, vlen);
	s[bl + 1 + vlen] = '\0';
	free(*dst);
	*dst = s;
}

struct risk_ctx {
	struct pstate *ps;
	unsigned long vcol;
};

static void
risk_warning(void *ctx, size_t col, const char *msg)
{
	struct risk_ctx *rc = ctx;

	lt_rules_diag(rc->ps->b, LT_OK, LT_LEVEL_WARNING, rc->ps->origin,
	    rc->ps->line, rc->vcol + col, "%s", msg);
}

static void
add_pattern(struct pstate *ps, struct lt_rdef *r, int kind, const char *v,
    size_t vlen, unsigned long vcol)
{
	struct lt_pat *pt;
	int errcode;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[256];

	if (vlen == 0) {
		perr(ps, LT_ERR_SYNTAX, vcol, "empty pattern");
		return;
	}
	if (r->n_pats >= LT_RULE_PATTERNS_MAX) {
		perr(ps, LT_ERR_LIMIT, vcol, "more than %u patterns in one rule",
		    LT_RULE_PATTERNS_MAX);
		return;
	}
	if (r->n_pats == r->cap_pats) {
		size_t ncap = r->cap_pats ? r->cap_pats * 2 : 4;
		struct lt_pat *np = realloc(r->pats, ncap * sizeof *np);
		unsigned char *nu;

		if (np == NULL) {
			nomem(ps);
			return;
		}
		r->pats = np;
		nu = realloc(r->pat_kind, ncap);
		if (nu == NULL) {
			nomem(ps);
			return;
		}
		r->pat_kind = nu;
		r->cap_pats = ncap;
	}
	pt = &r->pats[r->n_pats];
	memset(pt, 0, sizeof *pt);
	pt->line = ps->line;
	pt->col = vcol;
	pt->code = pcre2_compile((PCRE2_SPTR)v, vlen, PCRE2_UTF |
	    PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C |
	    PCRE2_USE_OFFSET_LIMIT, &errcode,
	    &erroff, NULL);
	if (pt->code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof msg);
		perr(ps, LT_ERR_REGEX, vcol + erroff, "%s", (char *)msg);
		return;
	}
	if ((pt->src = dup_span(v, vlen)) == NULL) {
		pcre2_code_free(pt->code);
		nomem(ps);
		return;
	}
	r->pat_kind[r->n_pats] = (unsigned char)kind;
	r->n_pats++;
	r->n_clears += kind == PAT_CLEAR;
	/* "text" or 'text' with no quote between: quoted as in INI files */
	if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0] &&
	    memchr(v + 1, v[0], vlen - 2) == NULL)
		lt_rules_diag(ps->b, LT_OK, LT_LEVEL_WARNING, ps->origin,
		    ps->line, vcol, "the pattern is quoted: values are raw, so "
		    "the quotes must be in the line too (write it without "
		    "them)");
	{
		struct risk_ctx rc = { ps, vcol };

		lt_pattern_risks(v, vlen, risk_warning, &rc);
	}
}

static int
key_is(const char *k, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(k, name, klen) == 0;
}

/* Refuse a second occurrence of a single-valued key. */
static int
once(struct pstate *ps, unsigned *keys, unsigned bit, const char *k,
    size_t klen, unsigned long col)
{
	char kb[32];

	if (*keys & bit) {
		snprintf(kb, sizeof kb, "%.*s", (int)klen, k);
		perr(ps, LT_ERR_SYNTAX, col, "duplicate key '%s'", kb);
		return 0;
	}
	*keys |= bit;
	return 1;
}

static void
parse_severity(struct pstate *ps, const char *v, size_t vlen,
    unsigned long vcol, enum lt_severity *out)
{
	if (lt_severity_parse(v, vlen, out) != 0)
		perr(ps, LT_ERR_SYNTAX, vcol, "invalid severity: expected "
		    "critical, high, medium, low or info");
}

static void
parse_confidence(struct pstate *ps, const char *v, size_t vlen,
    unsigned long vcol, enum lt_confidence *out)
{
	if (lt_confidence_parse(v, vlen, out) != 0)
		perr(ps, LT_ERR_SYNTAX, vcol, "invalid confidence: expected "
		    "high, medium or low");
}

/* A whole number of at most 12 digits at v[0..n); -1 if it is not one. */
static long long
whole(const char *v, size_t n)
{
	long long x = 0;
	size_t i;

	if (n == 0 || n > 12)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

static void
parse_count(struct pstate *ps, struct lt_rdef *r, const char *v, size_t vlen,
    unsigned long vcol)
{
	long long x = whole(v, vlen);

	if (x < 1 || x > LT_COUNT_MAX) {
		perr(ps, LT_ERR_SYNTAX, vcol, "invalid count: expected a whole "
		    "number from 1 to %u", LT_COUNT_MAX);
		return;
	}
	r->count = (unsigned)x;
}

/*
 * within = 90s | 5m | 1h30m | 1d | 200 lines: a rule may have one of each
 * kind, a time for input with times and a line distance for the rest.
 * Times are read as --since and --hold read them (lt_duration_parse), from
 * 1 ms to LT_WITHIN_TIME_MAX_DAYS days.  clear_within takes the same
 * values (clear: 1).
 */
static void
parse_within(struct pstate *ps, struct lt_rdef *r, const char *k, size_t klen,
    unsigned long kcol, const char *v, size_t vlen, unsigned long vcol,
    int clear)
{
	unsigned long long ns;
	size_t i, d;
	long long x;

	for (d = 0; d < vlen && v[d] >= '0' && v[d] <= '9'; d++)
		;
	x = whole(v, d);
	for (i = d; i < vlen && is_blank(v[i]); i++)
		;
	if (x > 0 && vlen - i == 5 && memcmp(v + i, "lines", 5) == 0) {
		if (once(ps, &r->keys, clear ? K_CLEAR_WITHIN_LINES :
		    K_WITHIN_LINES, k, klen, kcol))
			*(clear ? &r->clear_within_lines : &r->within_lines) =
			    (unsigned long long)x;
		return;
	}
	if (lt_duration_parse(v, vlen, &ns) == 0 && ns >= 1000000ull &&
	    ns <= LT_WITHIN_TIME_MAX_DAYS * 86400000000000ull) {
		if (once(ps, &r->keys, clear ? K_CLEAR_WITHIN_TIME :
		    K_WITHIN_TIME, k, klen, kcol))
			*(clear ? &r->clear_within_ns : &r->within_ns) = ns;
		return;
	}
	perr(ps, LT_ERR_SYNTAX, vcol, "invalid %s: expected a duration "
	    "(90s, 5m, 1h30m, 1d; at most %u days) or a line distance "
	    "(200 lines)", clear ? "clear_within" : "within",
	    LT_WITHIN_TIME_MAX_DAYS);
}

/* annotation = WORD: the word of an Actions "##[WORD]" marker. */
static void
parse_annotation(struct pstate *ps, struct lt_rdef *r, const char *v,
    size_t vlen, unsigned long vcol)
{
	size_t i;

	for (i = 0; i < vlen && v[i] >= 'a' && v[i] <= 'z'; i++)
		;
	if (vlen == 0 || i < vlen || vlen > LT_ANNOTATION_MAX ||
	    key_is(v, vlen, "group") || key_is(v, vlen, "endgroup")) {
		perr(ps, LT_ERR_SYNTAX, vcol + (i < vlen ? i : 0), "invalid "
		    "annotation: expected the word of an Actions log marker, "
		    "1 to %u lower-case letters (error, warning, notice, ...; "
		    "not group or endgroup)", LT_ANNOTATION_MAX);
		return;
	}
	memcpy(r->annotation, v, vlen);
	r->annotation[vlen] = '\0';
}

/* "137" or "137, 143": whole numbers 0-255, at most 16. */
static void
parse_exit_codes(struct pstate *ps, struct lt_rdef *r, const char *v,
    size_t vlen, unsigned long vcol)
{
	size_t i = 0, start;
	int val;

	while (i < vlen) {
		start = i;
		for (val = 0; i < vlen && v[i] >= '0' && v[i] <= '9' &&
		    i - start < 4; i++)
			val = val * 10 + (v[i] - '0');
		if (i == start || val > 255 || (i < vlen && v[i] >= '0' &&
		    v[i] <= '9')) {
			perr(ps, LT_ERR_SYNTAX, vcol + start, "invalid exit_code: "
			    "expected whole numbers from 0 to 255, separated "
			    "by commas");
			return;
		}
		if (r->n_exit_codes == LT_EXIT_CODES_MAX) {
			perr(ps, LT_ERR_LIMIT, vcol + start, "more than %u exit "
			    "codes", LT_EXIT_CODES_MAX);
			return;
		}
		r->exit_codes[r->n_exit_codes++] = val;
		while (i < vlen && is_blank(v[i]))
			i++;
		if (i < vlen && v[i] == ',') {
			i++;
			while (i < vlen && is_blank(v[i]))
				i++;
			if (i == vlen) {
				perr(ps, LT_ERR_SYNTAX, vcol + i, "invalid "
				    "exit_code: a number must follow ','");
				return;
			}
		} else if (i < vlen) {
			perr(ps, LT_ERR_SYNTAX, vcol + i, "invalid exit_code: "
			    "expected whole numbers from 0 to 255, separated "
			    "by commas");
			return;
		}
	}
}

static void
set_disabled(struct pstate *ps, struct lt_rdef *r, const char *v, size_t vlen,
    unsigned long vcol)
{
	if (key_is(v, vlen, "true"))
		r->disabled = 1;
	else if (key_is(v, vlen, "false"))
		r->disabled = 0;
	else
		perr(ps, LT_ERR_SYNTAX, vcol, "invalid value for 'disabled': "
		    "expected true or false");
}

/* The keys of each stanza, for "did you mean". */
static const char *const rule_keys[] = { "match", "unless", "cleared_by",
	"count", "within", "category", "severity", "confidence", "priority",
	"summary", "remediation", "runbook", "disabled", "exit_code",
	"clear_within", "annotation", NULL };
static const char *const category_keys[] = { "severity", "confidence",
	"summary", "remediation", "runbook", NULL };
static const char *const redact_keys[] = { "match", "disabled", NULL };

/* The key of keys (NULL-ended) closest to k, if a plausible misspelling. */
static const char *
suggest_key(const char *k, size_t klen, const char *const *keys)
{
	size_t n = 0;

	while (keys[n] != NULL)
		n++;
	return lt_suggest(k, klen, keys, n);
}

static void
unknown_key(struct pstate *ps, const char *k, size_t klen, unsigned long kcol,
    const char *stanza)
{
	const char *hint = suggest_key(k, klen, stanza[0] == 'r' ?
	    (stanza[2] == 'l' ? rule_keys : redact_keys) : category_keys);
	const char *other = NULL;

	/* a rule key in a category stanza, or the reverse, says so */
	if (hint == NULL || strlen(hint) != klen || memcmp(hint, k, klen) != 0)
		other = suggest_key(k, klen, stanza[0] == 'c' ? rule_keys :
		    category_keys);
	if (hint != NULL)
		perr(ps, LT_ERR_SYNTAX, kcol, "unknown key '%.*s' in a %s "
		    "stanza; did you mean '%s'?", (int)klen, k, stanza, hint);
	else if (other != NULL && strlen(other) == klen &&
	    memcmp(other, k, klen) == 0)
		perr(ps, LT_ERR_SYNTAX, kcol, "unknown key '%.*s' in a %s "
		    "stanza (it is a key of %s stanzas)", (int)klen, k, stanza,
		    stanza[0] == 'c' ? "rule" : "category");
	else
		perr(ps, LT_ERR_SYNTAX, kcol, "unknown key '%.*s' in a %s stanza",
		    (int)(klen < 32 ? klen : 32), k, stanza);
}

static void
rule_key(struct pstate *ps, const char *k, size_t klen, unsigned long kcol,
    const char *v, size_t vlen, unsigned long vcol)
{
	struct lt_rdef *r = &ps->b->rules[ps->idx];

	if (key_is(k, klen, "match") || key_is(k, klen, "unless")) {
		add_pattern(ps, r, k[0] == 'u' ? PAT_UNLESS : PAT_MATCH, v, vlen,
		    vcol);
	} else if (key_is(k, klen, "cleared_by")) {
		if (r->n_clears >= LT_CLEARED_BY_MAX)
			perr(ps, LT_ERR_LIMIT, kcol, "more than %u cleared_by "
			    "patterns in one rule", LT_CLEARED_BY_MAX);
		else
			add_pattern(ps, r, PAT_CLEAR, v, vlen, vcol);
	} else if (key_is(k, klen, "count")) {
		if (once(ps, &r->keys, K_COUNT, k, klen, kcol))
			parse_count(ps, r, v, vlen, vcol);
	} else if (key_is(k, klen, "within")) {
		parse_within(ps, r, k, klen, kcol, v, vlen, vcol, 0);
	} else if (key_is(k, klen, "clear_within")) {
		parse_within(ps, r, k, klen, kcol, v, vlen, vcol, 1);
	} else if (key_is(k, klen, "category")) {
		if (!once(ps, &r->keys, K_CATEGORY, k, klen, kcol))
			return;
		if (!valid_name(v, vlen)) {
			perr(ps, LT_ERR_SYNTAX, vcol, "invalid category name");
			return;
		}
		if (set_string(ps, &r->category, v, vlen) == 0) {
			r->cat_line = ps->line;
			r->cat_col = vcol;
		}
	} else if (key_is(k, klen, "severity")) {
		if (once(ps, &r->keys, K_SEVERITY, k, klen, kcol))
			parse_severity(ps, v, vlen, vcol, &r->severity);
	} else if (key_is(k, klen, "confidence")) {
		if (once(ps, &r->keys, K_CONFIDENCE, k, klen, kcol))
			parse_confidence(ps, v, vlen, vcol, &r->confidence);
	} else if (key_is(k, klen, "priority")) {
		int pr = 0;
		size_t i;

		if (!once(ps, &r->keys, K_PRIORITY, k, klen, kcol))
			return;
		for (i = 0; i < vlen && i < 4 && v[i] >= '0' && v[i] <= '9';
		    i++)
			pr = pr * 10 + (v[i] - '0');
		if (vlen == 0 || i != vlen || pr > LT_PRIORITY_MAX) {
			perr(ps, LT_ERR_SYNTAX, vcol, "invalid priority: "
			    "expected a whole number from 0 to 100");
			return;
		}
		r->priority = pr;
	} else if (key_is(k, klen, "summary")) {
		if (once(ps, &r->keys, K_SUMMARY, k, klen, kcol))
			set_string(ps, &r->summary, v, vlen);
	} else if (key_is(k, klen, "remediation")) {
		if (once(ps, &r->keys, K_REMEDIATION, k, klen, kcol))
			set_string(ps, &r->remediation, v, vlen);
	} else if (key_is(k, klen, "runbook")) {
		if (once(ps, &r->keys, K_RUNBOOK, k, klen, kcol))
			set_runbook(ps, &r->runbook, v, vlen);
	} else if (key_is(k, klen, "disabled")) {
		if (once(ps, &r->keys, K_DISABLED, k, klen, kcol))
			set_disabled(ps, r, v, vlen, vcol);
	} else if (key_is(k, klen, "exit_code")) {
		if (once(ps, &r->keys, K_EXIT_CODE, k, klen, kcol))
			parse_exit_codes(ps, r, v, vlen, vcol);
	} else if (key_is(k, klen, "annotation")) {
		if (once(ps, &r->keys, K_ANNOTATION, k, klen, kcol))
			parse_annotation(ps, r, v, vlen, vcol);
	} else {
		unknown_key(ps, k, klen, kcol, "rule");
	}
}

static void
redact_key(struct pstate *ps, const char *k, size_t klen, unsigned long kcol,
    const char *v, size_t vlen, unsigned long vcol)
{
	struct lt_rdef *r = &ps->b->redacts[ps->idx];

	if (key_is(k, klen, "match")) {
		add_pattern(ps, r, 0, v, vlen, vcol);
	} else if (key_is(k, klen, "disabled")) {
		if (once(ps, &r->keys, K_DISABLED, k, klen, kcol))
			set_disabled(ps, r, v, vlen, vcol);
	} else {
		unknown_key(ps, k, klen, kcol, "redact");
	}
}

static void
category_key(struct pstate *ps, const char *k, size_t klen,
    unsigned long kcol, const char *v, size_t vlen, unsigned long vcol)
{
	struct lt_cdef *c = &ps->b->cats[ps->idx];

	if (key_is(k, klen, "severity")) {
		if (once(ps, &c->keys, K_SEVERITY, k, klen, kcol))
			parse_severity(ps, v, vlen, vcol, &c->severity);
	} else if (key_is(k, klen, "confidence")) {
		if (once(ps, &c->keys, K_CONFIDENCE, k, klen, kcol))
			parse_confidence(ps, v, vlen, vcol, &c->confidence);
	} else if (key_is(k, klen, "summary")) {
		if (once(ps, &c->keys, K_SUMMARY, k, klen, kcol))
			set_string(ps, &c->summary, v, vlen);
	} else if (key_is(k, klen, "remediation")) {
		if (once(ps, &c->keys, K_REMEDIATION, k, klen, kcol))
			set_string(ps, &c->remediation, v, vlen);
	} else if (key_is(k, klen, "runbook")) {
		if (once(ps, &c->keys, K_RUNBOOK, k, klen, kcol))
			set_runbook(ps, &c->runbook, v, vlen);
	} else {
		unknown_key(ps, k, klen, kcol, "category");
	}
}

static void
parse_line(struct pstate *ps, const char *p, size_t n)
{
	size_t s = 0, e = n, i, klen, v;

	while (s < e && is_blank(p[s]))
		s++;
	while (e > s && is_blank(p[e - 1]))
		e--;
	if (s == e || p[s] == '#')
		return;
	if (p[s] == '[') {
		ps->seen_stanza = 1;
		parse_header(ps, p + s, e - s, s);
		return;
	}
	for (i = s; i < e && ((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_');
	    i++)
		;
	klen = i - s;
	while (i < e && is_blank(p[i]))
		i++;
	if (klen == 0 || i == e || p[i] != '=') {
		perr(ps, LT_ERR_SYNTAX, (klen == 0 ? s : i) + 1, "expected "
		    "'key = value', a '[stanza]' or a '#' comment");
		return;
	}
	v = i + 1;
	while (v < e && is_blank(p[v]))
		v++;
	switch (ps->kind) {
	case S_NONE:
		if (!ps->seen_stanza && key_is(p + s, klen, "runbook_base")) {
			set_string(ps, &ps->runbook_base, p + v, e - v);
			if (ps->runbook_base != NULL &&
			    ps->runbook_base[0] == '\0') {
				free(ps->runbook_base);
				ps->runbook_base = NULL;
			}
			break;
		}
		perr(ps, LT_ERR_SYNTAX, s + 1, "key outside any stanza%s",
		    ps->seen_stanza || !key_is(p + s, klen, "runbook_base") ?
		    " (only runbook_base, and before the first stanza)" : "");
		break;
	case S_BAD:
		break;		/* the header was already reported */
	case S_RULE:
		rule_key(ps, p + s, klen, s + 1, p + v, e - v, v + 1);
		break;
	case S_CATEGORY:
		category_key(ps, p + s, klen, s + 1, p + v, e - v, v + 1);
		break;
	case S_REDACT:
		redact_key(ps, p + s, klen, s + 1, p + v, e - v, v + 1);
		break;
	}
}

static const char *
keep_origin(struct lt_rules *b, const char *origin)
{
	char *s;

	if (grow((void **)&b->origins, &b->cap_origins, b->n_origins,
	    sizeof *b->origins) != 0)
		return NULL;
	if ((s = dup_span(origin, strlen(origin))) == NULL)
		return NULL;
	b->origins[b->n_origins++] = s;
	return s;
}

enum lt_status
lt_rules_add_buffer(struct lt_rules *b, const char *origin, const char *text,
    size_t len)
{
	struct pstate ps;
	size_t pos = 0, n;
	const char *nl;

	memset(&ps, 0, sizeof ps);
	ps.b = b;
	if ((ps.origin = keep_origin(b, origin)) == NULL) {
		lt_rules_diag(b, LT_ERR_NOMEM, LT_LEVEL_ERROR, origin, 0, 0,
		    "out of memory");
		return LT_ERR_NOMEM;
	}
	if (len > LT_RULES_FILE_MAX) {
		lt_rules_diag(b, LT_ERR_LIMIT, LT_LEVEL_ERROR, origin, 0, 0,
		    "rule file larger than %u bytes", LT_RULES_FILE_MAX);
		return LT_ERR_LIMIT;
	}
	if (b->runbook_base != NULL &&
	    (ps.runbook_base = strdup(b->runbook_base)) == NULL) {
		lt_rules_diag(b, LT_ERR_NOMEM, LT_LEVEL_ERROR, origin, 0, 0,
		    "out of memory");
		return LT_ERR_NOMEM;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;	/* a UTF-8 byte order mark */
	while (pos < len) {
		ps.line++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > LT_RULES_LINE_MAX)
			perr(&ps, LT_ERR_LIMIT, LT_RULES_LINE_MAX + 1, "line "
			    "longer than %u bytes", LT_RULES_LINE_MAX);
		else if (memchr(text + pos, '\0', n) != NULL)
			perr(&ps, LT_ERR_SYNTAX, (unsigned long)((const char *)
			    memchr(text + pos, '\0', n) - (text + pos)) + 1,
			    "NUL byte in rule text");
		else
			parse_line(&ps, text + pos, n);
		/* past the newline, or to the end (a last line may end in CR) */
		pos = nl ? (size_t)(nl - text) + 1 : len;
	}
	free(ps.runbook_base);
	return ps.failed ? LT_ERR_SYNTAX : LT_OK;
}

/* Read a whole regular file (capped); fills *out, which the caller frees. */
static enum lt_status
read_file(struct lt_rules *b, const char *path, struct lt_buf *out)
{
	char chunk[65536];
	enum lt_status st = LT_OK;
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		lt_rules_diag(b, LT_ERR_IO, LT_LEVEL_ERROR, path, 0, 0,
		    "cannot open: %s", strerror(errno));
		return LT_ERR_IO;
	}
	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			lt_rules_diag(b, LT_ERR_IO, LT_LEVEL_ERROR, path, 0, 0,
			    "cannot read: %s", strerror(errno));
			st = LT_ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		if ((st = lt_buf_add(out, chunk, (size_t)got)) != LT_OK) {
			lt_rules_diag(b, st, LT_LEVEL_ERROR, path, 0, 0, "%s",
			    st == LT_ERR_LIMIT ? "rule file larger than 16 MiB" :
			    "out of memory");
			goto out;
		}
	}
out:
	close(fd);
	return st;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum lt_status
add_file(struct lt_rules *b, const char *path)
{
	struct lt_buf buf;
	enum lt_status st;

	lt_buf_init(&buf, LT_RULES_FILE_MAX);
	if ((st = read_file(b, path, &buf)) == LT_OK)
		st = lt_rules_add_buffer(b, path, buf.p ? buf.p : "", buf.len);
	lt_buf_free(&buf);
	return st;
}

static enum lt_status
add_dir(struct lt_rules *b, const char *path)
{
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i, len;
	enum lt_status st = LT_OK, st2;
	struct lt_buf full;

	lt_buf_init(&full, 4096);
	if ((d = opendir(path)) == NULL) {
		lt_rules_diag(b, LT_ERR_IO, LT_LEVEL_ERROR, path, 0, 0,
		    "cannot open directory: %s", strerror(errno));
		return LT_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 7 ||
		    strcmp(de->d_name + len - 6, ".rules") != 0)
			continue;
		if (n >= LT_RULES_DIR_FILES_MAX) {
			lt_rules_diag(b, LT_ERR_LIMIT, LT_LEVEL_ERROR, path, 0,
			    0, "more than %u rule files", LT_RULES_DIR_FILES_MAX);
			st = LT_ERR_LIMIT;
			goto out;
		}
		if (grow((void **)&names, &cap, n, sizeof *names) != 0 ||
		    (names[n] = dup_span(de->d_name, len)) == NULL) {
			st = LT_ERR_NOMEM;
			goto out;
		}
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		lt_buf_reset(&full);
		if (lt_buf_addf(&full, "%s%s%s", path, path[0] != '\0' &&
		    path[strlen(path) - 1] == '/' ? "" : "/", names[i]) !=
		    LT_OK) {
			st = LT_ERR_LIMIT;
			goto out;
		}
		if ((st2 = add_file(b, full.p)) != LT_OK && st == LT_OK)
			st = st2;
	}
out:
	if (st == LT_ERR_NOMEM)
		lt_rules_diag(b, LT_ERR_NOMEM, LT_LEVEL_ERROR, path, 0, 0,
		    "out of memory");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	lt_buf_free(&full);
	closedir(d);
	return st;
}

enum lt_status
lt_rules_add_path(struct lt_rules *b, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		lt_rules_diag(b, LT_ERR_IO, LT_LEVEL_ERROR, path, 0, 0,
		    "cannot open: %s", strerror(errno));
		return LT_ERR_IO;
	}
	if (S_ISDIR(sb.st_mode))
		return add_dir(b, path);
	return add_file(b, path);
}

enum lt_status
lt_rules_add_defaults(struct lt_rules *b)
{
	enum lt_status st = LT_OK, st2;
	size_t i;

	for (i = 0; i < lt_embedded_rules_count; i++) {
		st2 = lt_rules_add_buffer(b, lt_embedded_rules[i].name,
		    (const char *)lt_embedded_rules[i].data,
		    lt_embedded_rules[i].len);
		if (st2 != LT_OK && st == LT_OK)
			st = st2;
	}
	return st;
}

enum lt_status
lt_rules_add_default_redactions(struct lt_rules *b)
{
	size_t i;

	for (i = 0; i < lt_embedded_rules_count; i++)
		if (strcmp(lt_embedded_rules[i].name, "rules/redact.rules") == 0)
			return lt_rules_add_buffer(b, lt_embedded_rules[i].name,
			    (const char *)lt_embedded_rules[i].data,
			    lt_embedded_rules[i].len);
	return LT_OK;
}

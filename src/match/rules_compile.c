/*
 * rules_compile.c - freeze the builder into an immutable ruleset.
 *
 * Compilation is where the rule set is checked as a whole: every enabled
 * rule must name a defined category and have at least one match pattern;
 * rules inherit severity, summary, remediation and runbook from their
 * category; disabled rules are dropped.  The surviving rules are sorted
 * into rank order (priority, then severity, both high to low, then order
 * of first definition), which is the order the scanner tries them in:
 * the first rule that matches a line is the best rule for it, so a line
 * costs no more than the rules up to its winner.
 *
 * The PCRE2 programs move from the builder into the ruleset, and the
 * prefilter (prefilter.c) is built over all match patterns.  Redact and
 * cleared_by programs are JIT compiled here; match and unless programs
 * are JIT compiled by the scanner when it first runs them (scan.c): with
 * the prefilter most of them never run on a short log, and compiling
 * all of them was a third of such a run's work.  That first compile is
 * the only change to a ruleset after this, and it is made safe for
 * rulesets shared between threads there.  A pattern the prefilter cannot
 * cover is reported with a warning, since PCRE2 then runs it on every
 * line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

static const char *const sev_names[] = {
	"info", "low", "medium", "high", "critical"
};

static const char *const conf_names[] = { "low", "medium", "high" };

/* The index of s[0..n) in names[0..count), or -1. */
static int
name_index(const char *const *names, size_t count, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return (int)i;
	return -1;
}

const char *
lt_severity_name(enum lt_severity s)
{
	if ((unsigned)s < LT_ARRAY_LEN(sev_names))
		return sev_names[s];
	return "unknown";
}

int
lt_severity_parse(const char *s, size_t n, enum lt_severity *out)
{
	int i = name_index(sev_names, LT_ARRAY_LEN(sev_names), s, n);

	if (i < 0)
		return -1;
	*out = (enum lt_severity)i;
	return 0;
}

const char *
lt_confidence_name(enum lt_confidence c)
{
	if ((unsigned)c < LT_ARRAY_LEN(conf_names))
		return conf_names[c];
	return "unknown";
}

int
lt_confidence_parse(const char *s, size_t n, enum lt_confidence *out)
{
	int i = name_index(conf_names, LT_ARRAY_LEN(conf_names), s, n);

	if (i < 0)
		return -1;
	*out = (enum lt_confidence)i;
	return 0;
}

void
lt_compile_opts_init(struct lt_compile_opts *o)
{
	memset(o, 0, sizeof *o);
	o->match_limit = 10000000;	/* PCRE2's own default */
	o->depth_limit = 100000;
	o->heap_limit_kib = 20000;
	o->line_budget_ms = 1000;	/* far above any linear rule set */
}

void
lt_ruleset_free(struct lt_ruleset *rs)
{
	size_t i, j;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n_rules; i++) {
		struct lt_crule *r = &rs->rules[i];

		for (j = 0; j < r->info.n_match; j++)
			pcre2_code_free(r->match[j]);
		for (j = 0; j < r->info.n_unless; j++)
			pcre2_code_free(r->unless[j]);
		for (j = 0; j < r->info.n_cleared_by; j++)
			pcre2_code_free(r->clear[j]);
		free(r->match);
		free(r->unless);
		free(r->jit);
		free(r->clear);
		free((void *)r->info.match);
		free((void *)r->info.unless);
		free((void *)r->info.cleared_by);
		free((void *)r->info.exit_codes);
	}
	for (i = 0; i < rs->n_redacts; i++) {
		for (j = 0; j < rs->redacts[i].n; j++)
			pcre2_code_free(rs->redacts[i].codes[j]);
		free(rs->redacts[i].codes);
		free(rs->redacts[i].secret);
		free(rs->redacts[i].gates);
	}
	free(rs->redacts);
	lt_prefilter_free(rs->pf);
	free(rs->pat_rule);
	free(rs->ann_rule);
	free(rs->pat_j);
	for (i = 0; i < rs->n_strings; i++)
		free(rs->strings[i]);
	free(rs->strings);
	free(rs->rules);
	free(rs->cats);
	free(rs->rule_cat);
	free(rs);
}

/* Keep a copy of s in the ruleset; NULL when out of memory. */
static const char *
keep(struct lt_ruleset *rs, size_t *cap, const char *s)
{
	char *c;
	size_t n;

	if (s == NULL)
		s = "";
	if (rs->n_strings == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		char **np = realloc(rs->strings, ncap * sizeof *np);

		if (np == NULL)
			return NULL;
		rs->strings = np;
		*cap = ncap;
	}
	n = strlen(s);
	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(c, s, n + 1);
	rs->strings[rs->n_strings++] = c;
	return c;
}

int
lt_rule_rank_cmp(const struct lt_rule_info *a, const struct lt_rule_info *b)
{
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	return 0;
}

static int
rank_cmp(const void *a, const void *b)
{
	const struct lt_crule *x = a, *y = b;
	int c = lt_rule_rank_cmp(&x->info, &y->info);

	if (c != 0)
		return c;
	return x->def_order < y->def_order ? -1 : x->def_order > y->def_order;
}

static const struct lt_cdef *
find_cat(const struct lt_rules *b, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < b->n_cats; i++)
		if (strcmp(b->cats[i].name, name) == 0) {
			*idx = i;
			return &b->cats[i];
		}
	return NULL;
}

/* Check the set as a whole; reports every problem, returns their count. */
static size_t
check(struct lt_rules *b)
{
	size_t i, j, k, errs = 0, n_match, n_unless;

	for (i = 0; i < b->n_rules; i++) {
		const struct lt_rdef *r = &b->rules[i];

		if (r->disabled || r->id == NULL || r->broken)
			continue;	/* a broken rule was reported already */
		if (r->category == NULL) {
			lt_rules_diag(b, LT_ERR_RULES, LT_LEVEL_ERROR, r->origin,
			    r->line, r->col, "rule '%s' has no category", r->id);
			errs++;
		} else if (find_cat(b, r->category, &k) == NULL) {
			lt_rules_diag(b, LT_ERR_RULES, LT_LEVEL_ERROR, r->origin,
			    r->cat_line, r->cat_col, "unknown category '%s'",
			    r->category);
			errs++;
		}
		for (j = 0, n_match = 0, n_unless = 0; j < r->n_pats; j++) {
			n_match += r->pat_kind[j] == PAT_MATCH;
			n_unless += r->pat_kind[j] == PAT_UNLESS;
		}
		if (n_match == 0 && r->n_exit_codes == 0 &&
		    r->annotation[0] == '\0') {
			lt_rules_diag(b, LT_ERR_RULES, LT_LEVEL_ERROR, r->origin,
			    r->line, r->col, "rule '%s' has no match pattern "
			    "(nor exit_code, nor annotation)", r->id);
			errs++;
		}
		if (r->annotation[0] != '\0' && n_unless > 0) {
			lt_rules_diag(b, LT_ERR_RULES, LT_LEVEL_ERROR, r->origin,
			    r->line, r->col, "rule '%s' has annotation and "
			    "unless: an annotated line is matched by its "
			    "label, which unless cannot veto", r->id);
			errs++;
		}
		if ((r->keys & (K_WITHIN_TIME | K_WITHIN_LINES)) &&
		    r->count < 2) {
			lt_rules_diag(b, LT_ERR_RULES, LT_LEVEL_ERROR, r->origin,
			    r->line, r->col, "rule '%s' has within but no count "
			    "of 2 or more", r->id);
			errs++;
		}
		if ((r->keys & (K_CLEAR_WITHIN_TIME | K_CLEAR_WITHIN_LINES)) &&
		    r->n_clears == 0) {
			lt_rules_diag(b, LT_ERR_RULES, LT_LEVEL_ERROR, r->origin,
			    r->line, r->col, "rule '%s' has clear_within but no "
			    "cleared_by", r->id);
			errs++;
		}
	}
	for (i = 0; i < b->n_redacts; i++) {
		const struct lt_rdef *r = &b->redacts[i];

		if (r->disabled || r->broken || r->n_pats > 0)
			continue;
		lt_rules_diag(b, LT_ERR_RULES, LT_LEVEL_ERROR, r->origin,
		    r->line, r->col, "redact '%s' has no match pattern", r->id);
		errs++;
	}
	for (k = 0; k < b->n_cats; k++) {
		for (i = 0; i < b->n_rules; i++)
			if (!b->rules[i].disabled && b->rules[i].category &&
			    strcmp(b->rules[i].category, b->cats[k].name) == 0)
				break;
		if (i == b->n_rules)
			lt_rules_diag(b, LT_OK, LT_LEVEL_WARNING, b->cats[k].origin,
			    b->cats[k].line, 0, "category '%s' has no rules",
			    b->cats[k].name);
		if (b->cats[k].summary == NULL || b->cats[k].summary[0] == '\0')
			lt_rules_diag(b, LT_OK, LT_LEVEL_WARNING, b->cats[k].origin,
			    b->cats[k].line, 0, "category '%s' has an empty "
			    "summary: a verdict of its rules says nothing about "
			    "the failure", b->cats[k].name);
	}
	for (i = 0; i < b->n_rules; i++) {
		const struct lt_rdef *r = &b->rules[i];

		if (!r->disabled && !r->broken && (r->keys & K_SUMMARY) &&
		    r->summary != NULL && r->summary[0] == '\0')
			lt_rules_diag(b, LT_OK, LT_LEVEL_WARNING, r->origin,
			    r->line, r->col, "rule '%s' has an empty summary",
			    r->id);
	}
	return errs;
}

/* Move rule r's programs and strings into c; 0 on success. */
static int
fill_rule(struct lt_ruleset *rs, size_t *scap, struct lt_crule *c,
    struct lt_rdef *r, const struct lt_cdef *cat, int jit)
{
	size_t j, nm = 0, nu = 0, nc = r->n_clears;
	const char **msrc, **usrc, **csrc;

	for (j = 0; j < r->n_pats; j++) {
		if (r->pat_kind[j] == PAT_UNLESS)
			nu++;
		else if (r->pat_kind[j] == PAT_MATCH)
			nm++;
	}
	c->match = calloc(nm ? nm : 1, sizeof *c->match);
	c->unless = calloc(nu ? nu : 1, sizeof *c->unless);
	c->clear = calloc(nc ? nc : 1, sizeof *c->clear);
	c->jit = calloc(nm + nu ? nm + nu : 1, sizeof *c->jit);
	msrc = calloc(nm ? nm : 1, sizeof *msrc);
	usrc = calloc(nu ? nu : 1, sizeof *usrc);
	csrc = calloc(nc ? nc : 1, sizeof *csrc);
	c->info.match = msrc;
	c->info.unless = usrc;
	c->info.cleared_by = csrc;
	if (!c->match || !c->unless || !c->clear || !c->jit || !msrc ||
	    !usrc || !csrc)
		return -1;
	for (j = 0; j < nm + nu; j++)	/* 0: the scanner compiles it */
		atomic_init(&c->jit[j], (unsigned char)!jit);
	for (j = 0; j < r->n_pats; j++) {
		struct lt_pat *pt = &r->pats[j];
		const char *src = keep(rs, scap, pt->src);

		if (src == NULL)
			return -1;
		if (jit && r->pat_kind[j] == PAT_CLEAR)
			(void)pcre2_jit_compile(pt->code, PCRE2_JIT_COMPLETE);
		if (r->pat_kind[j] == PAT_CLEAR) {
			c->clear[c->info.n_cleared_by] = pt->code;
			csrc[c->info.n_cleared_by++] = src;
		} else if (r->pat_kind[j] == PAT_UNLESS) {
			c->unless[c->info.n_unless] = pt->code;
			usrc[c->info.n_unless++] = src;
		} else {
			c->match[c->info.n_match] = pt->code;
			msrc[c->info.n_match++] = src;
		}
		pt->code = NULL;	/* the ruleset owns it now */
	}
	c->info.id = keep(rs, scap, r->id);
	c->info.category = keep(rs, scap, cat->name);
	c->info.severity = (r->keys & K_SEVERITY) ? r->severity : cat->severity;
	c->info.confidence = (r->keys & K_CONFIDENCE) ? r->confidence :
	    cat->confidence;
	c->info.priority = r->priority;
	c->info.summary = keep(rs, scap, r->summary ? r->summary : cat->summary);
	c->info.remediation = keep(rs, scap, r->remediation ? r->remediation :
	    cat->remediation);
	c->info.runbook = keep(rs, scap, r->runbook ? r->runbook :
	    cat->runbook);
	c->info.origin = keep(rs, scap, r->origin);
	c->info.line = r->line;
	c->info.count = r->count ? r->count : 1;
	c->info.within_ns = r->within_ns;
	c->info.within_lines = r->within_lines;
	c->info.clear_within_ns = r->clear_within_ns;
	c->info.clear_within_lines = r->clear_within_lines;
	c->def_order = r->order;
	if (r->n_exit_codes > 0) {
		int *codes = malloc(r->n_exit_codes * sizeof *codes);

		if (codes == NULL)
			return -1;
		memcpy(codes, r->exit_codes, r->n_exit_codes * sizeof *codes);
		c->info.exit_codes = codes;
		c->info.n_exit_codes = r->n_exit_codes;
	}
	if (r->annotation[0] != '\0') {
		char mark[LT_ANNOTATION_MAX + 5];

		snprintf(mark, sizeof mark, "##[%s]", r->annotation);
		if ((c->info.annotation = keep(rs, scap, r->annotation)) ==
		    NULL || (c->ann_mark = keep(rs, scap, mark)) == NULL)
			return -1;
	}
	if (!c->info.id || !c->info.category || !c->info.summary ||
	    !c->info.remediation || !c->info.runbook || !c->info.origin)
		return -1;
	return 0;
}

/* Move the enabled redact stanzas' programs into the ruleset. */
static void
gate_of(const char *src, struct lt_gate *g)
{
	struct lt_atoms a;
	const char *why;
	size_t k;

	g->n = 0;
	if (lt_atoms_extract(src, strlen(src), &a, &why) != 0 ||
	    a.n > LT_GATE_ATOMS)
		return;
	for (k = 0; k < a.n; k++) {
		if (a.a[k].len > LT_GATE_LEN) {
			g->n = 0;
			return;
		}
		g->len[k] = a.a[k].len;
		memcpy(g->s[k], a.a[k].s, a.a[k].len);
	}
	g->n = a.n;
}

static int
fill_redacts(struct lt_ruleset *rs, size_t *scap, struct lt_rules *b, int jit)
{
	size_t i, j, n = 0;
	int g;

	for (i = 0; i < b->n_redacts; i++)
		n += !b->redacts[i].disabled;
	if ((rs->redacts = calloc(n ? n : 1, sizeof *rs->redacts)) == NULL)
		return -1;
	for (i = 0; i < b->n_redacts; i++) {
		struct lt_rdef *r = &b->redacts[i];
		struct lt_credact *c;

		if (r->disabled)
			continue;
		c = &rs->redacts[rs->n_redacts++];
		c->codes = calloc(r->n_pats, sizeof *c->codes);
		c->secret = calloc(r->n_pats, sizeof *c->secret);
		c->gates = calloc(r->n_pats, sizeof *c->gates);
		if ((c->name = keep(rs, scap, r->id)) == NULL ||
		    c->codes == NULL || c->secret == NULL || c->gates == NULL)
			return -1;
		for (j = 0; j < r->n_pats; j++) {
			/* the redactor skips a pattern whose literals are absent */
			gate_of(r->pats[j].src, &c->gates[c->n]);
			if (jit)
				(void)pcre2_jit_compile(r->pats[j].code,
				    PCRE2_JIT_COMPLETE);
			g = pcre2_substring_number_from_name(r->pats[j].code,
			    (PCRE2_SPTR)"secret");
			c->secret[j] = g > 0 ? g : 0;
			c->codes[c->n++] = r->pats[j].code;
			r->pats[j].code = NULL;
		}
	}
	return 0;
}

/*
 * Number every match pattern, rule by rule in rank order; list the rules
 * with an annotation, in rank order too (scan.c matches them by label).
 */
static int
pattern_tables(struct lt_ruleset *rs)
{
	size_t i, j, n = 0, n_ann = 0;

	for (i = 0; i < rs->n_rules; i++) {
		n += rs->rules[i].info.n_match;
		n_ann += rs->rules[i].info.annotation != NULL;
	}
	rs->pat_rule = malloc((n ? n : 1) * sizeof *rs->pat_rule);
	rs->pat_j = malloc((n ? n : 1) * sizeof *rs->pat_j);
	rs->ann_rule = malloc((n_ann ? n_ann : 1) * sizeof *rs->ann_rule);
	if (rs->pat_rule == NULL || rs->pat_j == NULL ||
	    rs->ann_rule == NULL || n >= UINT32_MAX ||
	    rs->n_rules >= UINT32_MAX)
		return -1;
	for (i = 0; i < rs->n_rules; i++) {
		for (j = 0; j < rs->rules[i].info.n_match; j++) {
			rs->pat_rule[rs->n_pats] = (uint32_t)i;
			rs->pat_j[rs->n_pats++] = (uint32_t)j;
		}
		if (rs->rules[i].info.annotation != NULL)
			rs->ann_rule[rs->n_ann++] = (uint32_t)i;
	}
	return 0;
}

/*
 * The attention literals the stages after the matcher declare: bytes a
 * line must be shown to them for, so that the prefilter's runs of lines
 * passed over never hold them (issue 12: the prefilter knows no stage's
 * needs).  Each entry is its stage's declaration, and its reason:
 *
 *  - the redactor (redact.c) follows multi-line private keys from their
 *    "PRIVATE KEY-----" armour (a literal with five equal bytes in a row
 *    took vectorscan 20 ms more to compile, so the prefix stands for it);
 *  - the Actions decoder (decode_gha.c) takes the step from "##[group]";
 *  - the pipeline must also see lines with an ESC (removing colour codes
 *    can join a literal), but as a literal it made vectorscan report
 *    every colour code of a colourful log and scan at a fifth of its
 *    speed, so triage.c looks for it with a memchr in the run instead.
 *
 * They are compiled with the ruleset because the prefilter is: one
 * literal database, scanned once, and the embedded database of the
 * default rules (pfdb_gen.c) is keyed by every literal it holds.  The
 * order (these first, then the evidence stage's below) keeps the key.
 */
static const struct lt_pf_attend stage_attention[] = {
	{ "PRIVATE KEY-", 12, 0 },	/* redact.c */
	{ "##[group]", 9, 0 },		/* decode_gha.c */
};

/*
 * The attention literals of the evidence stage (evidence.c): while a
 * match of a cleared_by rule is pending, the lines that may clear it
 * must be seen, so the atoms of every cleared_by pattern are literals
 * the prefilter's runs never hold.  A rule whose cleared_by patterns all
 * have atoms is marked clear_seen; for the others the pipeline stops
 * passing lines over while one of their matches is pending.  *att
 * (malloc'd) gets stage_attention and then these, *store (malloc'd)
 * the atoms they point into; -1 when out of memory.
 */
static int
attention(struct lt_ruleset *rs, struct lt_pf_attend **att,
    size_t *n_att, struct lt_atoms **store)
{
	struct lt_atoms *at;
	size_t i, j, k, n = 0, cap = 0;
	const char *why;

	*att = NULL;
	*n_att = 0;
	*store = NULL;
	for (i = 0; i < rs->n_rules; i++)
		cap += rs->rules[i].info.n_cleared_by;
	if ((*store = malloc((cap ? cap : 1) * sizeof **store)) == NULL ||
	    (*att = malloc((cap * LT_ATOMS_MAX + rs->n_ann +
	    LT_ARRAY_LEN(stage_attention)) * sizeof **att)) == NULL)
		return -1;
	for (i = 0; i < LT_ARRAY_LEN(stage_attention); i++)
		(*att)[n++] = stage_attention[i];
	/* a line an annotation rule matches by its label, not its words */
	for (i = 0; i < rs->n_ann; i++) {
		(*att)[n].s = rs->rules[rs->ann_rule[i]].ann_mark;
		(*att)[n].len = strlen((*att)[n].s);
		(*att)[n].caseless = 0;
		n++;
	}
	for (i = 0, k = 0; i < rs->n_rules; i++) {
		struct lt_crule *c = &rs->rules[i];
		size_t n0 = n;

		c->clear_seen = c->info.n_cleared_by > 0;
		for (j = 0; j < c->info.n_cleared_by; j++, k++) {
			const char *src = c->info.cleared_by[j];
			size_t a;

			at = &(*store)[k];
			if (lt_atoms_extract(src, strlen(src), at, &why) != 0) {
				c->clear_seen = 0;
				continue;
			}
			for (a = 0; a < at->n; a++) {
				(*att)[n].s = at->a[a].s;
				(*att)[n].len = at->a[a].len;
				(*att)[n].caseless = at->a[a].caseless;
				n++;
			}
		}
		if (!c->clear_seen || n > LT_PF_ATTEND_MAX) {
			n = n0;	/* no use: they cannot stand for the rule */
			c->clear_seen = 0;
		}
	}
	*n_att = n;
	return 0;
}

struct pf_warn_ctx {
	struct lt_rules *b;
	const struct lt_ruleset *rs;
};

/* Report a pattern PCRE2 must run on every line, where it was written. */
static void
pf_warn(void *ctx, size_t rule, size_t j, const char *why)
{
	struct pf_warn_ctx *w = ctx;
	const struct lt_rdef *r = NULL;
	const struct lt_pat *pt = NULL;
	size_t i, m;

	if (rule >= w->rs->n_rules) {
		lt_rules_diag(w->b, LT_OK, LT_LEVEL_WARNING, "", 0, 0,
		    "prefilter disabled: %s", why);
		return;
	}
	for (i = 0; i < w->b->n_rules && r == NULL; i++)
		if (w->b->rules[i].order == w->rs->rules[rule].def_order &&
		    !w->b->rules[i].disabled)
			r = &w->b->rules[i];
	for (i = 0, m = 0; r != NULL && i < r->n_pats && pt == NULL; i++)
		if (r->pat_kind[i] == PAT_MATCH && m++ == j)
			pt = &r->pats[i];
	lt_rules_diag(w->b, LT_OK, LT_LEVEL_WARNING,
	    w->rs->rules[rule].info.origin, pt ? pt->line :
	    w->rs->rules[rule].info.line, pt ? pt->col : 0,
	    "rule '%s': not prefiltered, PCRE2 runs this pattern on every "
	    "line (%s)", w->rs->rules[rule].info.id, why);
}

enum lt_status
lt_rules_compile(struct lt_rules *b, const struct lt_compile_opts *opts,
    struct lt_ruleset **out)
{
	struct lt_ruleset *rs = NULL;
	struct lt_compile_opts dflt;
	enum lt_status st = LT_OK;
	size_t i, j, n = 0, scap = 0, ci;
	uint32_t caps;

	*out = NULL;
	if (opts == NULL) {
		lt_compile_opts_init(&dflt);
		opts = &dflt;
	}
	if (check(b) > 0 || b->errors > 0)
		return LT_ERR_RULES;
	if ((rs = calloc(1, sizeof *rs)) == NULL)
		goto nomem;
	rs->opts = *opts;
	rs->max_ovec = 1;
	for (i = 0; i < b->n_rules; i++)
		n += !b->rules[i].disabled;
	rs->rules = calloc(n ? n : 1, sizeof *rs->rules);
	rs->rule_cat = calloc(n ? n : 1, sizeof *rs->rule_cat);
	rs->cats = calloc(b->n_cats ? b->n_cats : 1, sizeof *rs->cats);
	if (!rs->rules || !rs->rule_cat || !rs->cats)
		goto nomem;
	for (i = 0; i < b->n_cats; i++) {
		struct lt_category_info *c = &rs->cats[i];

		c->name = keep(rs, &scap, b->cats[i].name);
		c->severity = b->cats[i].severity;
		c->confidence = b->cats[i].confidence;
		c->summary = keep(rs, &scap, b->cats[i].summary);
		c->remediation = keep(rs, &scap, b->cats[i].remediation);
		c->runbook = keep(rs, &scap, b->cats[i].runbook);
		if (!c->name || !c->summary || !c->remediation || !c->runbook)
			goto nomem;
		rs->n_cats++;
	}
	for (i = 0; i < b->n_rules; i++) {
		struct lt_rdef *r = &b->rules[i];
		const struct lt_cdef *cat;

		if (r->disabled)
			continue;
		cat = find_cat(b, r->category, &ci);
		if (fill_rule(rs, &scap, &rs->rules[rs->n_rules++], r, cat,
		    !opts->no_jit) != 0)
			goto nomem;
	}
	if (fill_redacts(rs, &scap, b, !opts->no_jit) != 0)
		goto nomem;
	qsort(rs->rules, rs->n_rules, sizeof *rs->rules, rank_cmp);
	for (i = 0; i < rs->n_rules; i++) {
		struct lt_crule *c = &rs->rules[i];

		for (j = 0; j < rs->n_cats; j++)
			if (strcmp(rs->cats[j].name, c->info.category) == 0)
				rs->rule_cat[i] = j;
		for (j = 0; j < c->info.n_match + c->info.n_unless; j++) {
			pcre2_code *code = j < c->info.n_match ? c->match[j] :
			    c->unless[j - c->info.n_match];

			if (pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT,
			    &caps) == 0 && caps + 1 > rs->max_ovec)
				rs->max_ovec = caps + 1;
		}
	}
	for (i = 0; i < rs->n_redacts; i++)
		for (j = 0; j < rs->redacts[i].n; j++)
			if (pcre2_pattern_info(rs->redacts[i].codes[j],
			    PCRE2_INFO_CAPTURECOUNT, &caps) == 0 &&
			    caps + 1 > rs->max_ovec)
				rs->max_ovec = caps + 1;
	if (pattern_tables(rs) != 0)
		goto nomem;
	if (!opts->no_prefilter) {
		struct pf_warn_ctx w = { b, rs };
		struct lt_pf_attend *att;
		struct lt_atoms *store;
		size_t n_att;

		if (attention(rs, &att, &n_att, &store) != 0) {
			free(att);
			free(store);
			goto nomem;
		}
		st = lt_prefilter_build(rs, att, n_att, pf_warn, &w);
		free(att);
		free(store);
		if (st != LT_OK)
			goto nomem;
		if (rs->pf == NULL)
			for (i = 0; i < rs->n_rules; i++)
				rs->rules[i].clear_seen = 0;
	}
	*out = rs;
	rs = NULL;
	goto out;
nomem:
	st = LT_ERR_NOMEM;
	lt_rules_diag(b, st, LT_LEVEL_ERROR, "", 0, 0, "out of memory");
out:
	lt_ruleset_free(rs);
	return st;
}

size_t
lt_ruleset_count(const struct lt_ruleset *rs)
{
	return rs->n_rules;
}

const struct lt_rule_info *
lt_ruleset_rule(const struct lt_ruleset *rs, size_t i)
{
	return i < rs->n_rules ? &rs->rules[i].info : NULL;
}

size_t
lt_ruleset_category_count(const struct lt_ruleset *rs)
{
	return rs->n_cats;
}

const struct lt_category_info *
lt_ruleset_category(const struct lt_ruleset *rs, size_t i)
{
	return i < rs->n_cats ? &rs->cats[i] : NULL;
}

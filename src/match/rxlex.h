/*
 * match/rxlex.h - one reader of PCRE2 pattern syntax (rxlex.c).
 *
 * A narrow header: the matcher's readers of pattern text (risky shapes
 * in rules_lint.c, what the prefilter may hand to vectorscan in
 * prefilter.c, the LogQL translation in logql.c, the atoms in atoms.c)
 * take their tokens from here instead of each reading the grammar in its
 * own way.  The lexer reads patterns as the rule parser compiles them:
 * PCRE2_UTF, no PCRE2_EXTENDED at the start, default newline (LF).
 *
 * A token is a byte span of the pattern plus what it means.  The lexer
 * keeps the inline options in force ((?i), (?x), ...) and the group
 * nesting; it does not judge whether a quantifier has something to
 * apply to (the readers do, each in its own way).  It never says
 * LT_RX_ERROR for a pattern PCRE2 compiles; what it does not follow is
 * LT_RX_UNSUPPORTED with a reason.  Both, and LT_RX_END, are the last
 * token: every call after them returns the same token again.
 */
#ifndef LT_MATCH_RXLEX_H
#define LT_MATCH_RXLEX_H

#include <stddef.h>
#include <stdint.h>

#define LT_RX_DEPTH_MAX 250u	/* groups open at once (PCRE2's default) */
#define LT_RX_INF UINT32_MAX	/* a quantifier's unbounded max */

/* Inline options (flags in force). */
#define LT_RXF_I 0x01u		/* caseless */
#define LT_RXF_M 0x02u		/* multi-line ^ $ */
#define LT_RXF_S 0x04u		/* . matches newline */
#define LT_RXF_X 0x08u		/* extended: white space and # comments */
#define LT_RXF_XX 0x10u		/* extended more: also space, tab in [] */
#define LT_RXF_N 0x20u		/* no auto capture: ( does not capture */
#define LT_RXF_U 0x40u		/* ungreedy */
#define LT_RXF_J 0x80u		/* duplicate names */

enum lt_rx_kind {
	LT_RX_END,		/* end of the pattern (all groups closed) */
	LT_RX_LIT,		/* one character: cp; esc says how written */
	LT_RX_ANY,		/* . */
	LT_RX_TYPE,		/* \d \D \w \W \s \S \h \H \v \V \R \X \N \p \P:
				   letter in cp, negated for the capitals */
	LT_RX_CLASS,		/* [ or [^ (negated); members follow */
	LT_RX_RANGE,		/* a class member lo-hi: cp..hi */
	LT_RX_POSIX,		/* a class member [:name:] / [:^name:] */
	LT_RX_CLASS_END,	/* the ] closing a class */
	LT_RX_GROUP,		/* ( of a group: group says which kind */
	LT_RX_CLOSE,		/* ) */
	LT_RX_ALT,		/* | */
	LT_RX_QUANT,		/* min, max (LT_RX_INF), lazy, possessive */
	LT_RX_ASSERT,		/* ^ $ \b \B \A \z \Z \G \K: cp is '^', '$'
				   or the letter */
	LT_RX_BACKREF,		/* \1 \g{n} \g{-n} \k<name> (?P=name) ... */
	LT_RX_OPTS,		/* (?i) and the like: flags now in force */
	LT_RX_UNSUPPORTED,	/* syntax the lexer does not follow: why */
	LT_RX_ERROR,		/* syntax PCRE2 refuses too: why */
};

enum lt_rx_group {
	LT_RXG_CAPTURE,		/* ( */
	LT_RXG_NAMED,		/* (?<n> (?'n' (?P<n>: name in arg */
	LT_RXG_PLAIN,		/* (?: and (?flags: */
	LT_RXG_ATOMIC,		/* (?> */
	LT_RXG_RESET,		/* (?| branch reset */
	LT_RXG_AHEAD,		/* (?= */
	LT_RXG_NAHEAD,		/* (?! */
	LT_RXG_BEHIND,		/* (?<= */
	LT_RXG_NBEHIND,		/* (?<! */
};

/* What an LT_RX_UNSUPPORTED token stands for, for readers' own words. */
enum lt_rx_unsup {
	LT_RXU_OTHER,
	LT_RXU_VERB,		/* (*VERB), (*pla:...), (*atomic:...) */
	LT_RXU_CALLOUT,		/* (?C...) */
	LT_RXU_COND,		/* (?(...)...) */
	LT_RXU_CALL,		/* (?R) (?1) (?&n) (?P>n) \g<n> */
	LT_RXU_BRACE,		/* {,n} or { n}: read differently by versions */
	LT_RXU_ESCAPE,		/* \u \U \l \L \N{name} \12 (octal or backref) */
	LT_RXU_OPTION,		/* an inline option letter not listed above */
	LT_RXU_CLASS,		/* [[:<:]], [\d-z], a range out of order */
	LT_RXU_DEPTH,		/* more than LT_RX_DEPTH_MAX groups open */
};

struct lt_rx_token {
	enum lt_rx_kind kind;
	size_t off, len;	/* the token's bytes in the pattern */
	unsigned flags;		/* LT_RXF_* in force; for a group, inside it;
				   for LT_RX_CLOSE, after it */
	uint32_t cp;		/* LIT, RANGE (low end), TYPE, ASSERT */
	uint32_t hi;		/* RANGE: high end */
	uint32_t min, max;	/* QUANT */
	unsigned char lazy;	/* QUANT: a ? after it */
	unsigned char possessive;	/* QUANT: a + after it */
	unsigned char negated;	/* CLASS [^, TYPE \D..., POSIX [:^ */
	unsigned char in_class;	/* LIT, TYPE: a member of a class */
	/*
	 * LIT: 0 written as itself, 'Q' inside \Q...\E, '\\' an escaped
	 * non-alphanumeric, else the escape letter (a e f n r t b c x o N;
	 * '0' for an octal \0dd or, in a class, \ddd).  RANGE: the escape
	 * of one end, an escape letter other than b first.
	 */
	unsigned char esc;
	enum lt_rx_group group;	/* GROUP */
	enum lt_rx_unsup unsup;	/* UNSUPPORTED */
	size_t arg_off, arg_len;	/* a group's, backref's, POSIX
					   class's or \p property's name */
	const char *why;	/* UNSUPPORTED, ERROR: static text */
};

/* The lexer's state; fill it with lt_rxlex_init(), owns nothing. */
struct lt_rxlex {
	const unsigned char *p;
	size_t n, i;
	unsigned flags;			/* in force now */
	unsigned saved[LT_RX_DEPTH_MAX];	/* flags to restore at ) */
	size_t depth;
	int in_class;			/* 1 after [, 2 after [ and its ^ */
	int quote;			/* inside \Q...\E */
	int has_ahead;
	struct lt_rx_token ahead;	/* lt_rxlex_peek()'s token */
	struct lt_rx_token last;	/* END, ERROR or UNSUPPORTED given */
	int done;
};

/* Start reading pat[0..n) (any bytes) with options flags (LT_RXF_*). */
void lt_rxlex_init(struct lt_rxlex *lx, const char *pat, size_t n,
    unsigned flags);

/* The next token into *t; returns t->kind. */
enum lt_rx_kind lt_rxlex_next(struct lt_rxlex *lx, struct lt_rx_token *t);

/*
 * The token lt_rxlex_next() will return next, without taking it; valid
 * until the next call on lx.
 */
const struct lt_rx_token *lt_rxlex_peek(struct lt_rxlex *lx);

#endif

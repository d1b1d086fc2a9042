/*
 * filter.h - filter expressions (SPEC section 6): a hand-written lexer and
 * recursive-descent parser, an evaluator over one test's attributes, and a
 * printer that writes the canonical form back.  The module owns the parsed
 * tree; it knows nothing of config files or the command line.
 *
 * Grammar, loosest binding first:
 *   expr    := and ( ("or" | "|" | "+") and )*
 *   and     := unary ( ("and" | "&" | "-") unary )*      ("a - b" = a and not b)
 *   unary   := ("not" | "!") unary | primary
 *   primary := "(" expr ")" | "all()" | "none()" | "ignored()"
 *            | ("test" | "binary" | "suite") "(" matcher ")"
 *   matcher := "=" TEXT | "~" TEXT | "#" TEXT | "/" REGEX "/" | TEXT
 * A bare TEXT is "contains" for test() and "glob" for binary() and suite().
 */
#ifndef TESTRIG_FILTER_H
#define TESTRIG_FILTER_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* What an expression is evaluated against. */
struct filter_subject {
	const char *test_name;
	const char *binary_id;
	const char *suite;      /* "" for binaries given on the command line */
	bool ignored;
};

struct filter_error {
	size_t pos;             /* byte offset in the source where the error is */
	char msg[160];
};

struct filter;

/* Parses `src`; NULL with *err filled on a syntax or regex error. */
struct filter *filter_parse(const char *src, struct filter_error *err);
bool filter_match(const struct filter *f, const struct filter_subject *s);
/*
 * Whether some test of the binary could match, before its tests are known:
 * test() and ignored() count as maybe (test_name and ignored are not read).
 */
bool filter_may_match(const struct filter *f, const struct filter_subject *s);
/* The canonical text of f; parse(print(f)) prints the same again. */
void filter_print(const struct filter *f, struct buf *out);
void filter_free(struct filter *f);
/*
 * Formats an error for a person: the message, the expression, and a caret
 * under err->pos, e.g.
 *   error: expected ')' after matcher, found end of expression
 *     test(foo
 *             ^
 */
void filter_error_format(const char *src, const struct filter_error *err,
			 struct buf *out);

#endif

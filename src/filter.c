/*
 * filter.c - filter expressions (SPEC section 6): lexer, recursive-descent
 * parser, evaluator and canonical printer.  Owns the parsed tree and its
 * compiled regexes (each checked by regex_limits.c before regcomp sees it);
 * knows nothing of where the expression text came from.
 */
#define _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <fnmatch.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/filter.h"
#include "testrig/regex_limits.h"
#include "testrig/util.h"

/*
 * '(' and 'not' nest; the parser, evaluator, printer and destructor all
 * recurse over that nesting, so it is bounded to keep hostile input from
 * exhausting the stack.  'and'/'or' chains are flat lists and cost no depth,
 * so a generated "test(=a) or test(=b) or ..." of any length still parses.
 */
#define FILTER_MAX_DEPTH 256

enum node_kind {
	NODE_ALL,
	NODE_NONE,
	NODE_IGNORED,
	NODE_TEST,
	NODE_BINARY,
	NODE_SUITE,
	NODE_NOT,
	NODE_AND,
	NODE_OR,
};

enum matcher_kind {
	MATCH_EXACT,
	MATCH_CONTAINS,
	MATCH_GLOB,
	MATCH_REGEX,
};

/* One operand of an and/or chain; `negate` marks the right side of '-'. */
struct term {
	struct filter *node;
	bool negate;
};

struct filter {
	enum node_kind kind;
	/* NODE_TEST, NODE_BINARY, NODE_SUITE */
	enum matcher_kind matcher;
	char *text;             /* unescaped; for a regex, what regcomp was given */
	regex_t re;             /* valid only when has_regex */
	bool has_regex;
	/* NODE_NOT */
	struct filter *operand;
	/* NODE_AND, NODE_OR, left to right: "a - b & c" is [a, -b, c] */
	struct term *terms;
	size_t nterms, cap;
};

static const struct {
	const char *name;
	enum node_kind kind;
} predicates[] = {
	{ "all", NODE_ALL },
	{ "none", NODE_NONE },
	{ "ignored", NODE_IGNORED },
	{ "test", NODE_TEST },
	{ "binary", NODE_BINARY },
	{ "suite", NODE_SUITE },
};

static const char *predicate_name(enum node_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(predicates); i++)
		if (predicates[i].kind == kind)
			return predicates[i].name;
	return "?";
}

static struct filter *node_new(enum node_kind kind)
{
	struct filter *f = xcalloc(1, sizeof(*f));

	f->kind = kind;
	return f;
}

void filter_free(struct filter *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nterms; i++)
		filter_free(f->terms[i].node);
	free(f->terms);
	filter_free(f->operand);
	if (f->has_regex)
		regfree(&f->re);
	free(f->text);
	free(f);
}

/*
 * Adds `node` to a chain.  An operand that is itself a chain of the same
 * kind (it came from parentheses) is spliced in when that keeps the meaning,
 * so "(a or b) or c" and "a or (b or c)" give one tree and one printed form.
 */
static void chain_push(struct filter *chain, struct filter *node, bool negate)
{
	if (node->kind == chain->kind && !negate) {
		for (size_t i = 0; i < node->nterms; i++)
			chain_push(chain, node->terms[i].node, node->terms[i].negate);
		node->nterms = 0;
		filter_free(node);
		return;
	}
	if (chain->nterms == chain->cap) {
		chain->cap = chain->cap ? 2 * chain->cap : 4;
		chain->terms = xreallocarray(chain->terms, chain->cap,
					     sizeof(*chain->terms));
	}
	chain->terms[chain->nterms].node = node;
	chain->terms[chain->nterms].negate = negate;
	chain->nterms++;
}

/* Appends `next` to `acc`, first making `acc` a chain of `kind` if it is not one. */
static struct filter *chain_add(struct filter *acc, enum node_kind kind,
				struct filter *next, bool negate)
{
	if (acc->kind != kind) {
		struct filter *chain = node_new(kind);

		chain_push(chain, acc, false);
		acc = chain;
	}
	chain_push(acc, next, negate);
	return acc;
}

/* ---- lexer ---- */

enum token_kind {
	TOK_END,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_NOT,
	TOK_AND,
	TOK_DIFF,
	TOK_OR,
	TOK_WORD,
	TOK_OTHER,
};

struct token {
	enum token_kind kind;
	size_t start, len;
};

struct parser {
	const char *src;
	size_t pos;
	unsigned depth;
	struct filter_error *err;
	bool failed;
};

/* ASCII only: the expression's meaning must not depend on the locale. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static void skip_space(struct parser *p)
{
	while (is_space(p->src[p->pos]))
		p->pos++;
}

static bool token_is(const struct parser *p, const struct token *t, const char *word)
{
	return t->len == strlen(word) && memcmp(p->src + t->start, word, t->len) == 0;
}

/* The next token, after skipping whitespace; p->pos is left at its start. */
static struct token peek(struct parser *p)
{
	struct token t;
	const char *s;

	skip_space(p);
	s = p->src + p->pos;
	t.start = p->pos;
	t.len = 1;
	switch (*s) {
	case 0:
		t.kind = TOK_END;
		t.len = 0;
		return t;
	case '(':
		t.kind = TOK_LPAREN;
		return t;
	case ')':
		t.kind = TOK_RPAREN;
		return t;
	case '!':
		t.kind = TOK_NOT;
		return t;
	case '&':
		t.kind = TOK_AND;
		return t;
	case '-':
		t.kind = TOK_DIFF;
		return t;
	case '|':
	case '+':
		t.kind = TOK_OR;
		return t;
	default:
		break;
	}
	if (!is_word(*s)) {
		t.kind = TOK_OTHER;
		return t;
	}
	while (is_word(s[t.len]))
		t.len++;
	if (token_is(p, &t, "not"))
		t.kind = TOK_NOT;
	else if (token_is(p, &t, "and"))
		t.kind = TOK_AND;
	else if (token_is(p, &t, "or"))
		t.kind = TOK_OR;
	else
		t.kind = TOK_WORD;
	return t;
}

static void consume(struct parser *p, const struct token *t)
{
	p->pos = t->start + t->len;
}

/* ---- errors ---- */

/* What the user wrote at `pos`, for "found ..." in a message. */
static void describe_at(const char *src, size_t pos, char *out, size_t n)
{
	const char *s = src + pos;
	size_t len = 0;
	unsigned char c = (unsigned char)*s;

	if (!c) {
		snprintf(out, n, "end of expression");
	} else if (is_word(*s)) {
		while (is_word(s[len]))
			len++;
		if (len > 24)
			snprintf(out, n, "'%.24s...'", s);
		else
			snprintf(out, n, "'%.*s'", (int)len, s);
	} else if (c > 0x20 && c < 0x7f) {
		snprintf(out, n, "'%c'", c);
	} else {
		snprintf(out, n, "byte 0x%02x", c);
	}
}

__attribute__((format(printf, 3, 4)))
static void fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	/* The first error is the one the user needs; later ones are fallout. */
	if (p->failed)
		return;
	p->failed = true;
	p->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

/* "expected WHAT, found <whatever is at pos>" */
static void fail_found(struct parser *p, size_t pos, const char *what)
{
	char found[48];

	describe_at(p->src, pos, found, sizeof(found));
	fail(p, pos, "expected %s, found %s", what, found);
}

static bool enter(struct parser *p, size_t pos)
{
	if (p->depth >= FILTER_MAX_DEPTH) {
		fail(p, pos, "expression nested too deeply (more than %d levels "
		     "of '(' and 'not')", FILTER_MAX_DEPTH);
		return false;
	}
	p->depth++;
	return true;
}

/* ---- parser ---- */

static struct filter *parse_or(struct parser *p);

/*
 * TEXT of a matcher, up to the closing ')', which is consumed.  Leading and
 * trailing whitespace is trimmed unless escaped, so a printed "\ " survives.
 */
static char *parse_text(struct parser *p)
{
	struct buf b = BUF_INIT;
	size_t keep = 0;

	skip_space(p);
	for (;;) {
		char c = p->src[p->pos];

		if (c == 0) {
			fail(p, p->pos, "expected ')' after matcher, found end of expression");
			buf_free(&b);
			return NULL;
		}
		if (c == ')')
			break;
		if (c == '\\') {
			if (p->src[p->pos + 1] == 0) {
				fail(p, p->pos, "unfinished escape: '\\' at end of expression");
				buf_free(&b);
				return NULL;
			}
			buf_addc(&b, p->src[p->pos + 1]);
			p->pos += 2;
			keep = b.len;
			continue;
		}
		buf_addc(&b, c);
		p->pos++;
		if (!is_space(c))
			keep = b.len;
	}
	p->pos++;
	buf_setlen(&b, keep);
	return buf_detach(&b, NULL);
}

/*
 * "/REGEX/" then ')'.  Only "\/" is ours (a literal '/'); every other
 * backslash sequence belongs to regcomp and is passed through untouched.
 */
static struct filter *parse_regex(struct parser *p, enum node_kind kind)
{
	struct buf b = BUF_INIT;
	struct filter *f;
	size_t open = p->pos, bad = 0;
	const char *why_not;
	int rc;

	p->pos++;
	for (;;) {
		char c = p->src[p->pos];

		if (c == 0 || (c == '\\' && p->src[p->pos + 1] == 0)) {
			fail(p, open, "unterminated regex: expected a closing '/'");
			buf_free(&b);
			return NULL;
		}
		if (c == '/')
			break;
		if (c == '\\') {
			if (p->src[p->pos + 1] == '/')
				buf_addc(&b, '/');
			else
				buf_add(&b, p->src + p->pos, 2);
			p->pos += 2;
			continue;
		}
		buf_addc(&b, c);
		p->pos++;
	}
	why_not = regex_limits_check(p->src + open + 1, p->pos - open - 1, &bad);
	p->pos++;
	if (why_not) {
		fail(p, open + 1 + bad, "%s", why_not);
		buf_free(&b);
		return NULL;
	}
	/* An empty ERE is undefined in POSIX; say so rather than vary by libc. */
	if (b.len == 0) {
		fail(p, open, "empty regex (use all() or %s(/.*/) to match everything)",
		     predicate_name(kind));
		return NULL;
	}
	f = node_new(kind);
	f->matcher = MATCH_REGEX;
	f->text = buf_detach(&b, NULL);
	rc = regcomp(&f->re, f->text, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[100];

		regerror(rc, &f->re, why, sizeof(why));
		fail(p, open, "invalid regex: %s", why);
		filter_free(f);
		return NULL;
	}
	f->has_regex = true;
	skip_space(p);
	if (p->src[p->pos] != ')') {
		fail_found(p, p->pos, "')' after regex");
		filter_free(f);
		return NULL;
	}
	p->pos++;
	return f;
}

/* The argument of test(), binary() or suite(); p->pos is just past '('. */
static struct filter *parse_matcher(struct parser *p, enum node_kind kind)
{
	enum matcher_kind how;
	struct filter *f;
	char *text;

	skip_space(p);
	switch (p->src[p->pos]) {
	case '=':
		how = MATCH_EXACT;
		p->pos++;
		break;
	case '~':
		how = MATCH_CONTAINS;
		p->pos++;
		break;
	case '#':
		how = MATCH_GLOB;
		p->pos++;
		break;
	case '/':
		return parse_regex(p, kind);
	case ')':
		fail(p, p->pos, "%s() needs a matcher: =exact, ~contains, #glob "
		     "or /regex/", predicate_name(kind));
		return NULL;
	case 0:
		fail(p, p->pos, "unexpected end of expression: expected a matcher "
		     "and ')'");
		return NULL;
	default:
		how = kind == NODE_TEST ? MATCH_CONTAINS : MATCH_GLOB;
		break;
	}
	text = parse_text(p);
	if (!text)
		return NULL;
	f = node_new(kind);
	f->matcher = how;
	f->text = text;
	return f;
}

static struct filter *parse_predicate(struct parser *p, const struct token *word)
{
	enum node_kind kind = NODE_ALL;
	const char *name = NULL;
	char what[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(predicates); i++) {
		if (token_is(p, word, predicates[i].name)) {
			kind = predicates[i].kind;
			name = predicates[i].name;
		}
	}
	if (!name) {
		fail(p, word->start, "unknown predicate '%.*s%s' (expected all, none, "
		     "test, binary, suite, ignored)",
		     word->len > 24 ? 24 : (int)word->len, p->src + word->start,
		     word->len > 24 ? "..." : "");
		return NULL;
	}
	consume(p, word);
	skip_space(p);
	if (p->src[p->pos] != '(') {
		snprintf(what, sizeof(what), "'(' after '%s'", name);
		fail_found(p, p->pos, what);
		return NULL;
	}
	p->pos++;
	if (kind == NODE_TEST || kind == NODE_BINARY || kind == NODE_SUITE)
		return parse_matcher(p, kind);
	skip_space(p);
	if (p->src[p->pos] != ')') {
		snprintf(what, sizeof(what), "')' after '%s(' (%s() takes no matcher)",
			 name, name);
		fail_found(p, p->pos, what);
		return NULL;
	}
	p->pos++;
	return node_new(kind);
}

static struct filter *parse_primary(struct parser *p)
{
	struct token t = peek(p);
	struct filter *f;
	size_t open;

	switch (t.kind) {
	case TOK_LPAREN:
		open = t.start;
		if (!enter(p, open))
			return NULL;
		consume(p, &t);
		f = parse_or(p);
		p->depth--;
		if (!f)
			return NULL;
		t = peek(p);
		if (t.kind != TOK_RPAREN) {
			char what[80];

			snprintf(what, sizeof(what), "an operator or ')' to close the "
				 "'(' at offset %zu", open);
			fail_found(p, t.start, what);
			filter_free(f);
			return NULL;
		}
		consume(p, &t);
		return f;
	case TOK_WORD:
		return parse_predicate(p, &t);
	case TOK_END:
		fail(p, t.start, "unexpected end of expression: expected a "
		     "predicate, 'not' or '('");
		return NULL;
	default:
		fail_found(p, t.start, "a predicate, 'not' or '('");
		return NULL;
	}
}

static struct filter *parse_unary(struct parser *p)
{
	struct token t = peek(p);
	struct filter *operand, *f;

	if (t.kind != TOK_NOT)
		return parse_primary(p);
	if (!enter(p, t.start))
		return NULL;
	consume(p, &t);
	operand = parse_unary(p);
	p->depth--;
	if (!operand)
		return NULL;
	f = node_new(NODE_NOT);
	f->operand = operand;
	return f;
}

static struct filter *parse_and(struct parser *p)
{
	struct filter *acc = parse_unary(p);
	struct token t;

	if (!acc)
		return NULL;
	for (;;) {
		t = peek(p);
		if (t.kind != TOK_AND && t.kind != TOK_DIFF)
			return acc;
		consume(p, &t);
		struct filter *next = parse_unary(p);
		if (!next) {
			filter_free(acc);
			return NULL;
		}
		acc = chain_add(acc, NODE_AND, next, t.kind == TOK_DIFF);
	}
}

static struct filter *parse_or(struct parser *p)
{
	struct filter *acc = parse_and(p);
	struct token t;

	if (!acc)
		return NULL;
	for (;;) {
		t = peek(p);
		if (t.kind != TOK_OR)
			return acc;
		consume(p, &t);
		struct filter *next = parse_and(p);
		if (!next) {
			filter_free(acc);
			return NULL;
		}
		acc = chain_add(acc, NODE_OR, next, false);
	}
}

struct filter *filter_parse(const char *src, struct filter_error *err)
{
	struct filter_error scratch = { 0, "" };
	struct parser p;
	struct filter *f;
	struct token t;

	memset(&p, 0, sizeof(p));
	p.src = src;
	p.err = err ? err : &scratch;
	p.err->pos = 0;
	p.err->msg[0] = 0;
	if (peek(&p).kind == TOK_END) {
		fail(&p, 0, "empty expression");
		return NULL;
	}
	f = parse_or(&p);
	if (!f)
		return NULL;
	t = peek(&p);
	if (t.kind != TOK_END) {
		fail_found(&p, t.start, "an operator or end of expression");
		filter_free(f);
		return NULL;
	}
	return f;
}

/* ---- evaluator ---- */

static bool match_text(const struct filter *f, const char *s)
{
	if (!s)
		s = "";
	switch (f->matcher) {
	case MATCH_EXACT:
		return strcmp(s, f->text) == 0;
	case MATCH_CONTAINS:
		return strstr(s, f->text) != NULL;
	case MATCH_GLOB:
		return fnmatch(f->text, s, 0) == 0;
	case MATCH_REGEX:
		return regexec(&f->re, s, 0, NULL, 0) == 0;
	}
	return false;
}

bool filter_match(const struct filter *f, const struct filter_subject *s)
{
	size_t i;

	switch (f->kind) {
	case NODE_ALL:
		return true;
	case NODE_NONE:
		return false;
	case NODE_IGNORED:
		return s->ignored;
	case NODE_TEST:
		return match_text(f, s->test_name);
	case NODE_BINARY:
		return match_text(f, s->binary_id);
	case NODE_SUITE:
		return match_text(f, s->suite);
	case NODE_NOT:
		return !filter_match(f->operand, s);
	case NODE_AND:
		for (i = 0; i < f->nterms; i++)
			if (filter_match(f->terms[i].node, s) == f->terms[i].negate)
				return false;
		return true;
	case NODE_OR:
		for (i = 0; i < f->nterms; i++)
			if (filter_match(f->terms[i].node, s))
				return true;
		return false;
	}
	return false;
}

/*
 * Three-valued: 0 no, 1 yes, 2 maybe (the test's name and whether it is
 * ignored are not known yet).
 */
static int match3(const struct filter *f, const struct filter_subject *s)
{
	size_t i;
	int r, v;

	switch (f->kind) {
	case NODE_TEST:
	case NODE_IGNORED:
		return 2;
	case NODE_NOT:
		r = match3(f->operand, s);
		return r == 2 ? 2 : !r;
	case NODE_AND:
		for (i = 0, r = 1; i < f->nterms; i++) {
			v = match3(f->terms[i].node, s);
			v = v == 2 ? 2 : v != f->terms[i].negate;
			if (v == 0)
				return 0;
			if (v == 2)
				r = 2;
		}
		return r;
	case NODE_OR:
		for (i = 0, r = 0; i < f->nterms; i++) {
			v = match3(f->terms[i].node, s);
			if (v == 1)
				return 1;
			if (v == 2)
				r = 2;
		}
		return r;
	default:
		return filter_match(f, s);
	}
}

bool filter_may_match(const struct filter *f, const struct filter_subject *s)
{
	return match3(f, s) != 0;
}

/* ---- printer ---- */

static int precedence(const struct filter *f)
{
	switch (f->kind) {
	case NODE_OR:
		return 1;
	case NODE_AND:
		return 2;
	case NODE_NOT:
		return 3;
	default:
		return 4;
	}
}

/* Escapes what parse_text would otherwise eat: ')', '\' and edge whitespace. */
static void print_text(const char *text, struct buf *out)
{
	size_t len = strlen(text), first = 0, last = len, i;

	while (first < len && is_space(text[first]))
		first++;
	while (last > first && is_space(text[last - 1]))
		last--;
	for (i = 0; i < len; i++) {
		if (text[i] == ')' || text[i] == '\\' || i < first || i >= last)
			buf_addc(out, '\\');
		buf_addc(out, text[i]);
	}
}

/*
 * The stored pattern is a run of plain bytes, '/' (written "\/") and
 * backslash pairs that regcomp interprets; walking it pair by pair keeps a
 * pair's second byte from being mistaken for a delimiter.
 */
static void print_regex(const char *text, struct buf *out)
{
	size_t i;

	for (i = 0; text[i]; i++) {
		if (text[i] == '\\' && text[i + 1]) {
			buf_add(out, text + i, 2);
			i++;
		} else if (text[i] == '/') {
			buf_adds(out, "\\/");
		} else {
			buf_addc(out, text[i]);
		}
	}
}

static void print_node(const struct filter *f, struct buf *out);

static void print_operand(const struct filter *f, int min_prec, struct buf *out)
{
	if (precedence(f) < min_prec) {
		buf_addc(out, '(');
		print_node(f, out);
		buf_addc(out, ')');
	} else {
		print_node(f, out);
	}
}

static void print_node(const struct filter *f, struct buf *out)
{
	static const char prefix[] = { '=', '~', '#', '/' };
	int prec = precedence(f);
	size_t i;

	switch (f->kind) {
	case NODE_ALL:
	case NODE_NONE:
	case NODE_IGNORED:
		buf_printf(out, "%s()", predicate_name(f->kind));
		return;
	case NODE_TEST:
	case NODE_BINARY:
	case NODE_SUITE:
		buf_printf(out, "%s(%c", predicate_name(f->kind), prefix[f->matcher]);
		if (f->matcher == MATCH_REGEX) {
			print_regex(f->text, out);
			buf_addc(out, '/');
		} else {
			print_text(f->text, out);
		}
		buf_addc(out, ')');
		return;
	case NODE_NOT:
		buf_adds(out, "not ");
		print_operand(f->operand, prec, out);
		return;
	case NODE_AND:
	case NODE_OR:
		for (i = 0; i < f->nterms; i++) {
			if (i > 0)
				buf_adds(out, f->kind == NODE_OR ? " or " :
					 f->terms[i].negate ? " - " : " and ");
			/* Left-associative: a right operand at the same level needs parens. */
			print_operand(f->terms[i].node, i == 0 ? prec : prec + 1, out);
		}
		return;
	}
}

void filter_print(const struct filter *f, struct buf *out)
{
	print_node(f, out);
}

void filter_error_format(const char *src, const struct filter_error *err,
			 struct buf *out)
{
	size_t len = strlen(src), pos = err->pos < len ? err->pos : len, i;

	buf_printf(out, "error: %s\n  ", err->msg);
	/* Control characters would move the caret off its column. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		buf_addc(out, c < 0x20 || c == 0x7f ? ' ' : src[i]);
	}
	buf_adds(out, "\n  ");
	/* One column per character: UTF-8 continuation bytes take none. */
	for (i = 0; i < pos; i++)
		if (((unsigned char)src[i] & 0xc0) != 0x80)
			buf_addc(out, ' ');
	buf_adds(out, "^\n");
}

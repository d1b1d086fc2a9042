/*
 * test_filter.c - unit tests for the filter expression module: every
 * predicate, matcher, operator and error message, the error formatter, and a
 * seeded property test of parse/print stability against a reference model.
 */
#define _POSIX_C_SOURCE 200809L

#include <fnmatch.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/filter.h"
#include "testrig/util.h"
#include "check.h"

/* Parses src, reporting (not crashing) when it unexpectedly fails. */
static struct filter *parse_ok(const char *src)
{
	struct filter_error err;
	struct filter *f = filter_parse(src, &err);

	if (!f)
		fprintf(stderr, "unexpected parse error for \"%s\": %s at %zu\n",
			src, err.msg, err.pos);
	return f;
}

/* The canonical print of src, or "(parse error)"; caller frees. */
static char *printed(const char *src)
{
	struct filter *f = parse_ok(src);
	struct buf b = BUF_INIT;

	if (!f)
		return xstrdup("(parse error)");
	filter_print(f, &b);
	filter_free(f);
	return buf_detach(&b, NULL);
}

#define CHECK_PRINT(src, want) do { \
	char *p_ = printed(src); \
	CHECK_STR(p_, want); \
	free(p_); \
} while (0)

/* -1 on parse error, else whether src matches the subject. */
static int match4(const char *src, const char *test, const char *binary,
		  const char *suite, bool ignored)
{
	struct filter_subject s = { test, binary, suite, ignored };
	struct filter *f = parse_ok(src);
	int r;

	if (!f)
		return -1;
	r = filter_match(f, &s);
	filter_free(f);
	return r;
}

static int match_test(const char *src, const char *test)
{
	return match4(src, test, "bin", "suite", false);
}

static void test_predicates(void)
{
	CHECK_INT(match_test("all()", "x"), 1);
	CHECK_INT(match_test("none()", "x"), 0);
	CHECK_INT(match_test("all( )", "x"), 1);
	CHECK_INT(match_test("none(\t\n)", "x"), 0);
	CHECK_INT(match4("ignored()", "t", "b", "s", true), 1);
	CHECK_INT(match4("ignored()", "t", "b", "s", false), 0);
	CHECK_INT(match4("ignored (  )", "t", "b", "s", true), 1);
	CHECK_INT(match4("test(=t)", "t", "b", "s", false), 1);
	CHECK_INT(match4("binary(=b)", "t", "b", "s", false), 1);
	CHECK_INT(match4("binary(=t)", "t", "b", "s", false), 0);
	CHECK_INT(match4("suite(=s)", "t", "b", "s", false), 1);
	CHECK_INT(match4("suite(=b)", "t", "b", "s", false), 0);
	CHECK_INT(match4("test (=t)", "t", "b", "s", false), 1);
	/* An explicit prefix with no text is a real matcher. */
	CHECK_INT(match4("suite(=)", "t", "b", "", false), 1);
	CHECK_INT(match4("suite(=)", "t", "b", "s", false), 0);
	CHECK_INT(match4("test(~)", "t", "b", "s", false), 1);
	/* NULL fields behave as "". */
	CHECK_INT(match4("suite(=)", NULL, NULL, NULL, false), 1);
	CHECK_INT(match4("test(~x)", NULL, NULL, NULL, false), 0);
	CHECK_INT(match4("binary(/^$/)", NULL, NULL, NULL, false), 1);
}

static void test_matchers(void)
{
	CHECK_INT(match_test("test(=foo)", "foo"), 1);
	CHECK_INT(match_test("test(=foo)", "foobar"), 0);
	CHECK_INT(match_test("test(=fo*)", "foo"), 0);
	CHECK_INT(match_test("test(~oob)", "foobar"), 1);
	CHECK_INT(match_test("test(~oob)", "fooxbar"), 0);
	CHECK_INT(match_test("test(#f*r)", "foobar"), 1);
	CHECK_INT(match_test("test(#f?o)", "foo"), 1);
	CHECK_INT(match_test("test(#f[a-o]o)", "foo"), 1);
	CHECK_INT(match_test("test(#f*)", "xfoo"), 0);
	CHECK_INT(match_test("test(/^f.o$/)", "foo"), 1);
	CHECK_INT(match_test("test(/^f.o$/)", "fooo"), 0);
	CHECK_INT(match_test("test(/(x|y)+z/)", "axyxz"), 1);
	CHECK_INT(match_test("test(/o{2}/)", "foo"), 1);
	CHECK_INT(match_test("test(/o{3}/)", "foo"), 0);
	/* Patterns well inside the regcomp limits. */
	CHECK_INT(match_test("test(/^(foo_([a-z]+_)?[0-9]+)$/)", "foo_ab_12"), 1);
	CHECK_INT(match_test("test(/(ab+)*c{2,3}[{}+*(]x\\{/)", "abbcc(x{"), 1);
	CHECK_INT(match_test("test(/a{,2}b{3,}[[:digit:]]/)", "bbb1"), 1);
	CHECK_INT(match_test("test(/[]+]+/)", "a]"), 1);
	CHECK_INT(match_test("test(/(a|b){240}/)", "ab"), 0);
	CHECK_INT(match_test("test(/a+?/)", "a"), 1);
	/* Whitespace around the prefix and text is not part of the text. */
	CHECK_INT(match_test("test( = foo )", "foo"), 1);
	CHECK_INT(match_test("test( ~ oo\t)", "foo"), 1);
	CHECK_INT(match_test("test(/oo/  )", "foo"), 1);
	/* Inside a regex, whitespace is the pattern's. */
	CHECK_INT(match_test("test(/ o/)", "foo"), 0);
	CHECK_INT(match_test("test(/ o/)", "f o"), 1);
}

static void test_defaults(void)
{
	/* test(): contains, so glob characters are literal. */
	CHECK_INT(match_test("test(oo)", "foo"), 1);
	CHECK_INT(match_test("test(o*)", "foo"), 0);
	CHECK_INT(match_test("test(o*)", "fo*o"), 1);
	CHECK_PRINT("test(oo)", "test(~oo)");
	/* binary() and suite(): glob, anchored at both ends. */
	CHECK_INT(match4("binary(b*)", "t", "bin", "s", false), 1);
	CHECK_INT(match4("binary(in)", "t", "bin", "s", false), 0);
	CHECK_INT(match4("suite(s?i*)", "t", "b", "suite", false), 1);
	CHECK_INT(match4("suite(ui)", "t", "b", "suite", false), 0);
	CHECK_PRINT("binary(b*)", "binary(#b*)");
	CHECK_PRINT("suite(x)", "suite(#x)");
	/* A leading prefix character must be escaped to be bare text. */
	CHECK_PRINT("test(\\=a)", "test(~=a)");
	CHECK_PRINT("test(\\/a/)", "test(~/a/)");
	CHECK_PRINT("binary(\\#a)", "binary(##a)");
}

static void test_precedence(void)
{
	/* not > and > or */
	CHECK_INT(match_test("all() or none() and none()", "x"), 1);
	CHECK_INT(match_test("(all() or none()) and none()", "x"), 0);
	CHECK_INT(match_test("not all() or all()", "x"), 1);
	CHECK_INT(match_test("not (all() or all())", "x"), 0);
	CHECK_INT(match_test("not none() and none()", "x"), 0);
	CHECK_INT(match_test("none() and none() or all()", "x"), 1);
	CHECK_INT(match_test("all() - all() or all()", "x"), 1);
	CHECK_INT(match_test("all() - (all() or all())", "x"), 0);
	CHECK_INT(match_test("all() - not all()", "x"), 1);
	/* '-' and 'and' share a level, left to right: (a - b) and c. */
	CHECK_INT(match_test("test(a) - test(b) and test(c)", "ac"), 1);
	CHECK_INT(match_test("test(a) - test(b) and test(c)", "abc"), 0);
	/* a - b - c = (a - b) - c, not a - (b - c). */
	CHECK_INT(match_test("test(a) - test(b) - test(c)", "a"), 1);
	CHECK_INT(match_test("test(a) - test(b) - test(c)", "ac"), 0);
	CHECK_INT(match_test("test(a) - test(b) - test(c)", "abc"), 0);
	CHECK_INT(match_test("test(a) - (test(b) - test(c))", "abc"), 1);
	CHECK_INT(match_test("test(a) - (test(b) - test(c))", "ab"), 0);
	CHECK_INT(match_test("test(a) and not test(b) or test(c)", "abc"), 1);
	CHECK_INT(match_test("test(a) and not (test(b) or test(c))", "abc"), 0);
	CHECK_INT(match_test("((((all()))))", "x"), 1);
}

static void test_forms(void)
{
	CHECK_PRINT("!all()", "not all()");
	CHECK_PRINT("not all()", "not all()");
	CHECK_PRINT("not(all())", "not all()");
	CHECK_PRINT("!!all()", "not not all()");
	CHECK_PRINT("all()&none()", "all() and none()");
	CHECK_PRINT("all()and none()", "all() and none()");
	CHECK_PRINT("all()|none()", "all() or none()");
	CHECK_PRINT("all()+none()", "all() or none()");
	CHECK_PRINT("all()or(none())", "all() or none()");
	CHECK_PRINT("all()-none()", "all() - none()");
	CHECK_PRINT("  \t all()\n", "all()");
	CHECK_PRINT("ignored()", "ignored()");
	CHECK_PRINT("test(=a)", "test(=a)");
	CHECK_PRINT("test(/a/)", "test(/a/)");
	CHECK_PRINT("binary(~a)", "binary(~a)");
	CHECK_PRINT("suite(/a/)", "suite(/a/)");
}

static void test_print_parens(void)
{
	CHECK_PRINT("(test(a) or test(b)) and test(c)",
		    "(test(~a) or test(~b)) and test(~c)");
	CHECK_PRINT("test(a) or test(b) and test(c)",
		    "test(~a) or test(~b) and test(~c)");
	CHECK_PRINT("test(a) or (test(b) and test(c))",
		    "test(~a) or test(~b) and test(~c)");
	CHECK_PRINT("not (test(a) and test(b))", "not (test(~a) and test(~b))");
	CHECK_PRINT("not (not test(a))", "not not test(~a)");
	CHECK_PRINT("test(a) - test(b) - test(c)", "test(~a) - test(~b) - test(~c)");
	CHECK_PRINT("(test(a) - test(b)) - test(c)", "test(~a) - test(~b) - test(~c)");
	CHECK_PRINT("test(a) - (test(b) - test(c))",
		    "test(~a) - (test(~b) - test(~c))");
	CHECK_PRINT("test(a) - (test(b) and test(c))",
		    "test(~a) - (test(~b) and test(~c))");
	CHECK_PRINT("test(a) and (test(b) - test(c))",
		    "test(~a) and test(~b) - test(~c)");
	CHECK_PRINT("(test(a) or test(b)) or (test(c) or test(d))",
		    "test(~a) or test(~b) or test(~c) or test(~d)");
	CHECK_PRINT("test(a) - (test(b) or test(c))",
		    "test(~a) - (test(~b) or test(~c))");
	CHECK_PRINT("(test(a) or test(b)) - test(c)",
		    "(test(~a) or test(~b)) - test(~c)");
}

static void test_escapes(void)
{
	CHECK_INT(match_test("test(=a\\)b)", "a)b"), 1);
	CHECK_INT(match_test("test(=a\\\\b)", "a\\b"), 1);
	CHECK_INT(match_test("test(=\\a)", "a"), 1);
	CHECK_INT(match_test("test(=a(b)", "a(b"), 1);
	CHECK_INT(match_test("test(=\\ a\\ )", " a "), 1);
	CHECK_INT(match_test("test(= a b )", "a b"), 1);
	CHECK_PRINT("test(=a\\)b)", "test(=a\\)b)");
	CHECK_PRINT("test(=a\\\\b)", "test(=a\\\\b)");
	CHECK_PRINT("test(=\\ \\ a b\\ )", "test(=\\ \\ a b\\ )");
	CHECK_PRINT("test(= a \\  )", "test(=a\\ \\ )");
	CHECK_PRINT("test(=\\\ta)", "test(=\\\ta)");
	CHECK_PRINT("test(==a)", "test(==a)");
	CHECK_PRINT("test(=/a/)", "test(=/a/)");
	/* Regex: "\/" is a slash, other escapes belong to the regex. */
	CHECK_INT(match_test("test(/a\\/b/)", "xa/b"), 1);
	CHECK_INT(match_test("test(/a\\.b/)", "a.b"), 1);
	CHECK_INT(match_test("test(/a\\.b/)", "axb"), 0);
	CHECK_INT(match_test("test(/\\\\/)", "a\\b"), 1);
	CHECK_INT(match_test("test(/\\\\/)", "ab"), 0);
	CHECK_INT(match_test("test(/\\\\\\//)", "a\\/b"), 1);
	CHECK_INT(match_test("test(/[)]/)", "a)"), 1);
	CHECK_INT(match_test("test(/a)/)", "a)"), 1);
	CHECK_INT(match_test("test(/^[^\\/]*$/)", "a/b"), 0);
	CHECK_INT(match_test("test(/^[^\\/]*$/)", "ab"), 1);
	CHECK_PRINT("test(/a\\/b/)", "test(/a\\/b/)");
	CHECK_PRINT("test(/\\\\/)", "test(/\\\\/)");
	CHECK_PRINT("test(/\\\\\\//)", "test(/\\\\\\//)");
	CHECK_PRINT("test(/a)\\.b/ )", "test(/a)\\.b/)");
	CHECK_PRINT("test(/ a /)", "test(/ a /)");
}

struct error_case {
	const char *src;
	size_t pos;
	const char *msg;
};

static const struct error_case error_cases[] = {
	{ "", 0, "empty expression" },
	{ "  \t\n", 0, "empty expression" },
	{ "tset(foo)", 0, "unknown predicate 'tset' (expected all, none, test, binary, suite, ignored)" },
	{ "ALL()", 0, "unknown predicate 'ALL'" },
	{ "notall()", 0, "unknown predicate 'notall'" },
	{ "foo", 0, "unknown predicate 'foo'" },
	{ "abcdefghijabcdefghijabcdefghijXYZ()", 0,
	  "unknown predicate 'abcdefghijabcdefghijabcd...'" },
	{ "all", 3, "expected '(' after 'all', found end of expression" },
	{ "test foo", 5, "expected '(' after 'test', found 'foo'" },
	{ "all(x)", 4, "expected ')' after 'all(' (all() takes no matcher), found 'x'" },
	{ "ignored( =a)", 9, "expected ')' after 'ignored(' (ignored() takes no matcher), found '='" },
	{ "test()", 5, "test() needs a matcher: =exact, ~contains, #glob or /regex/" },
	{ "suite(  )", 8, "suite() needs a matcher" },
	{ "binary()", 7, "binary() needs a matcher" },
	{ "test(", 5, "unexpected end of expression: expected a matcher and ')'" },
	{ "test(  ", 7, "unexpected end of expression: expected a matcher" },
	{ "test(foo", 8, "expected ')' after matcher, found end of expression" },
	{ "test(=foo\\)", 11, "expected ')' after matcher, found end of expression" },
	{ "test(=foo\\", 9, "unfinished escape: '\\' at end of expression" },
	{ "test(/foo", 5, "unterminated regex: expected a closing '/'" },
	{ "test(/foo\\/)", 5, "unterminated regex" },
	{ "test(/foo\\", 5, "unterminated regex" },
	{ "all() or test(/", 14, "unterminated regex" },
	{ "test(/foo/", 10, "expected ')' after regex, found end of expression" },
	{ "test(/foo/ x)", 11, "expected ')' after regex, found 'x'" },
	{ "test(/foo/bar)", 10, "expected ')' after regex, found 'bar'" },
	{ "test(//)", 5, "empty regex" },
	{ "test(/a(/)", 5, "invalid regex: " },
	{ "test(/a{2,1}/)", 5, "invalid regex: " },
	/* A bracket does not protect '/': the regex here is "[". */
	{ "test(/[/]/)", 5, "invalid regex: " },
	{ "all() AND_X()", 6, "found 'AND_X'" },
	/* Limits that keep glibc's regcomp from taking minutes or gigabytes. */
	{ "test(/a+++/)", 9, "regex nests repetition more than 2 deep" },
	{ "test(/a***********************/)", 9, "nests repetition" },
	{ "test(/((|.*)+){300}/)", 14, "nests repetition" },
	{ "test(/((a{99}){99})/)", 14, "regex too large once repetitions are expanded" },
	{ "test(/a{1001}/)", 7, "regex too large" },
	{ "test(/a{99999999999999999999999}/)", 7, "regex too large" },
	{ "test(/(a|b){400}c/)", 11, "regex too large" },
	{ "all() and", 9, "unexpected end of expression: expected a predicate, 'not' or '('" },
	{ "all() or  ", 10, "unexpected end of expression" },
	{ "all() -", 7, "unexpected end of expression" },
	{ "not", 3, "unexpected end of expression" },
	{ "!", 1, "unexpected end of expression" },
	{ "not not not ", 12, "unexpected end of expression" },
	{ "(", 1, "unexpected end of expression" },
	{ "(all()", 6, "expected an operator or ')' to close the '(' at offset 0, found end of expression" },
	{ "all() and ((all())", 18, "to close the '(' at offset 10, found end of expression" },
	{ "(all() x", 7, "expected an operator or ')' to close the '(' at offset 0, found 'x'" },
	{ "all())", 5, "expected an operator or end of expression, found ')'" },
	{ "all() x", 6, "expected an operator or end of expression, found 'x'" },
	{ "all() all()", 6, "expected an operator or end of expression, found 'all'" },
	{ "all() andnone()", 6, "found 'andnone'" },
	{ "all() aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 6,
	  "found 'aaaaaaaaaaaaaaaaaaaaaaaa...'" },
	{ "all() $", 6, "expected an operator or end of expression, found '$'" },
	{ "all() \x01", 6, "found byte 0x01" },
	{ "all() \xc3\xa9", 6, "found byte 0xc3" },
	{ "test(a) ) ", 8, "found ')'" },
	{ "and all()", 0, "expected a predicate, 'not' or '(', found 'and'" },
	{ "or", 0, "expected a predicate, 'not' or '(', found 'or'" },
	{ "()", 1, "expected a predicate, 'not' or '(', found ')'" },
	{ ")", 0, "found ')'" },
	{ "- all()", 0, "found '-'" },
	{ "all() && none()", 7, "expected a predicate, 'not' or '(', found '&'" },
	{ "all() | | none()", 8, "found '|'" },
	{ "not and", 4, "found 'and'" },
	{ "binary(=a) or suite(=b", 22, "expected ')' after matcher" },
};

static void test_errors(void)
{
	struct filter_error err;
	struct filter *f;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(error_cases); i++) {
		const struct error_case *c = &error_cases[i];

		memset(&err, 0x5a, sizeof(err));
		f = filter_parse(c->src, &err);
		CHECK(f == NULL);
		filter_free(f);
		if (!memchr(err.msg, 0, sizeof(err.msg))) {
			CHECK(!"message not terminated");
			continue;
		}
		if (err.pos != c->pos || !strstr(err.msg, c->msg))
			fprintf(stderr, "  case \"%s\": pos %zu msg \"%s\"\n",
				c->src, err.pos, err.msg);
		CHECK_INT(err.pos, c->pos);
		CHECK(strstr(err.msg, c->msg) != NULL);
	}
	/* A NULL error pointer is allowed. */
	CHECK(filter_parse("nope", NULL) == NULL);
}

static void test_regex_error_text(void)
{
	struct filter_error err;
	regex_t re;
	char why[100], want[160];
	int rc;

	rc = regcomp(&re, "a(", REG_EXTENDED | REG_NOSUB);
	CHECK(rc != 0);
	if (rc == 0) {
		regfree(&re);
		return;
	}
	regerror(rc, &re, why, sizeof(why));
	snprintf(want, sizeof(want), "invalid regex: %s", why);
	CHECK(filter_parse("test(a) or binary(/a(/)", &err) == NULL);
	CHECK_STR(err.msg, want);
	CHECK_INT(err.pos, 18);
}

static void test_error_format(void)
{
	struct filter_error err;
	struct buf b = BUF_INIT;
	const char *src = "test(=a)\tand\ntset(x)";

	CHECK(filter_parse(src, &err) == NULL);
	filter_error_format(src, &err, &b);
	CHECK_STR(b.data,
		  "error: unknown predicate 'tset' (expected all, none, test, binary, suite, ignored)\n"
		  "  test(=a) and tset(x)\n"
		  "               ^\n");
	buf_reset(&b);
	CHECK(filter_parse("test(foo", &err) == NULL);
	filter_error_format("test(foo", &err, &b);
	CHECK_STR(b.data,
		  "error: expected ')' after matcher, found end of expression\n"
		  "  test(foo\n"
		  "          ^\n");
	/* The caret counts characters, not UTF-8 bytes. */
	buf_reset(&b);
	CHECK(filter_parse("test(=\xc3\xa9) x", &err) == NULL);
	filter_error_format("test(=\xc3\xa9) x", &err, &b);
	CHECK_STR(b.data,
		  "error: expected an operator or end of expression, found 'x'\n"
		  "  test(=\xc3\xa9) x\n"
		  "           ^\n");
	/* A position past the end is clamped rather than trusted. */
	buf_reset(&b);
	err.pos = 99;
	snprintf(err.msg, sizeof(err.msg), "m");
	filter_error_format("ab", &err, &b);
	CHECK_STR(b.data, "error: m\n  ab\n    ^\n");
	buf_free(&b);
}

static char *repeat(const char *unit, size_t n, const char *tail)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_adds(&b, unit);
	buf_adds(&b, tail);
	return buf_detach(&b, NULL);
}

static void test_depth(void)
{
	struct filter_error err;
	struct filter *f;
	struct buf b = BUF_INIT;
	char *s;

	s = repeat("(", 100000, "");
	CHECK(filter_parse(s, &err) == NULL);
	CHECK_INT(err.pos, 256);
	CHECK(strstr(err.msg, "nested too deeply") != NULL);
	free(s);

	s = repeat("!", 100000, "all()");
	CHECK(filter_parse(s, &err) == NULL);
	CHECK_INT(err.pos, 256);
	CHECK(strstr(err.msg, "nested too deeply") != NULL);
	free(s);

	s = repeat("not ", 300, "all()");
	CHECK(filter_parse(s, &err) == NULL);
	CHECK_INT(err.pos, 4 * 256);
	free(s);

	/* Exactly at the limit is still fine, and round-trips. */
	s = repeat("(!", 128, "all()");
	{
		char *closed = repeat(")", 128, "");
		struct buf src = BUF_INIT;

		buf_adds(&src, s);
		buf_adds(&src, closed);
		f = parse_ok(src.data);
		CHECK(f != NULL);
		if (f) {
			struct filter_subject subj = { "t", "b", "s", false };

			CHECK(filter_match(f, &subj));
			filter_print(f, &b);
			filter_free(f);
			f = parse_ok(b.data);
			CHECK(f != NULL);
			filter_free(f);
		}
		free(closed);
		buf_free(&src);
	}
	free(s);
	buf_free(&b);

	/* Groups inside a regex are bounded too (glibc's regcomp recurses). */
	{
		char *open = repeat("(", 33, "a"), *close = repeat(")", 33, "/)");
		struct buf src = BUF_INIT;

		buf_adds(&src, "test(/");
		buf_adds(&src, open);
		buf_adds(&src, close);
		CHECK(filter_parse(src.data, &err) == NULL);
		CHECK_INT(err.pos, 6 + 32);
		CHECK(strstr(err.msg, "regex nests groups more than 32 deep") != NULL);
		buf_reset(&src);
		buf_adds(&src, "test(/");
		buf_adds(&src, open + 1);
		buf_adds(&src, close + 1);
		f = parse_ok(src.data);
		CHECK(f != NULL);
		filter_free(f);
		free(open);
		free(close);
		buf_free(&src);
	}

	/* Long flat chains cost no depth. */
	s = repeat("test(=x) or ", 50000, "all()");
	f = parse_ok(s);
	CHECK(f != NULL);
	if (f) {
		struct filter_subject subj = { "t", "b", "s", false };

		CHECK(filter_match(f, &subj));
		filter_print(f, &b);
		CHECK_INT(b.len, strlen(s));
		filter_free(f);
	}
	free(s);
	buf_free(&b);
	s = repeat("all() - ", 50000, "none()");
	f = parse_ok(s);
	CHECK(f != NULL);
	filter_free(f);
	free(s);
}

/* ---- property test ---- */

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 32);
}

static unsigned pick(struct rng *r, unsigned n)
{
	return rnd(r) % n;
}

enum gen_kind {
	G_ALL, G_NONE, G_IGNORED, G_TEST, G_BINARY, G_SUITE,
	G_NOT, G_AND, G_DIFF, G_OR,
};

enum gen_how { H_EXACT, H_CONTAINS, H_GLOB, H_REGEX, H_DEFAULT };

/* The generator's own model of an expression, evaluated independently. */
struct gen {
	enum gen_kind kind;
	enum gen_how how;
	char text[32];          /* text matchers: the literal text */
	char source[64];        /* regex as written between the slashes */
	regex_t re;
	struct gen *l, *r;
};

static const char subject_chars[] = "ab )\\/*?[=~#(.";

static void gen_string(struct rng *r, char *out, unsigned min, unsigned max)
{
	unsigned n = min + pick(r, max - min + 1), i;

	for (i = 0; i < n; i++)
		out[i] = subject_chars[pick(r, sizeof(subject_chars) - 1)];
	out[n] = 0;
}

static struct gen *gen_tree(struct rng *r, int depth)
{
	static const char *const pieces[][2] = {
		{ "a", "a" }, { "b", "b" }, { ".", "." }, { "\\/", "/" },
		{ "[)]", "[)]" }, { "\\.", "\\." }, { "(a|b)", "(a|b)" },
		{ "a*", "a*" }, { " ", " " }, { "\\\\", "\\\\" }, { "\\)", "\\)" },
		{ "[\\/]", "[/]" },
	};
	struct gen *g = xcalloc(1, sizeof(*g));
	unsigned k = depth > 0 ? pick(r, 10) : pick(r, 6);
	char pattern[64] = "";
	unsigned i, n;

	g->kind = (enum gen_kind)k;
	switch (g->kind) {
	case G_TEST:
	case G_BINARY:
	case G_SUITE:
		g->how = (enum gen_how)pick(r, 5);
		if (g->how == H_REGEX) {
			n = 1 + pick(r, 3);
			for (i = 0; i < n; i++) {
				unsigned p = pick(r, ARRAY_SIZE(pieces));

				strcat(g->source, pieces[p][0]);
				strcat(pattern, pieces[p][1]);
			}
			if (regcomp(&g->re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
				abort();
		} else {
			gen_string(r, g->text, g->how == H_DEFAULT ? 1 : 0, 3);
		}
		break;
	case G_NOT:
		g->l = gen_tree(r, depth - 1);
		break;
	case G_AND:
	case G_DIFF:
	case G_OR:
		g->l = gen_tree(r, depth - 1);
		g->r = gen_tree(r, depth - 1);
		break;
	default:
		break;
	}
	return g;
}

static void gen_free(struct gen *g)
{
	if (!g)
		return;
	gen_free(g->l);
	gen_free(g->r);
	if ((g->kind == G_TEST || g->kind == G_BINARY || g->kind == G_SUITE) &&
	    g->how == H_REGEX)
		regfree(&g->re);
	free(g);
}

static bool gen_text_match(const struct gen *g, const char *s)
{
	switch (g->how) {
	case H_EXACT:
		return strcmp(s, g->text) == 0;
	case H_CONTAINS:
		return strstr(s, g->text) != NULL;
	case H_GLOB:
		return fnmatch(g->text, s, 0) == 0;
	case H_REGEX:
		return regexec(&g->re, s, 0, NULL, 0) == 0;
	case H_DEFAULT:
		return g->kind == G_TEST ? strstr(s, g->text) != NULL :
			fnmatch(g->text, s, 0) == 0;
	}
	return false;
}

static bool gen_eval(const struct gen *g, const struct filter_subject *s)
{
	switch (g->kind) {
	case G_ALL: return true;
	case G_NONE: return false;
	case G_IGNORED: return s->ignored;
	case G_TEST: return gen_text_match(g, s->test_name);
	case G_BINARY: return gen_text_match(g, s->binary_id);
	case G_SUITE: return gen_text_match(g, s->suite);
	case G_NOT: return !gen_eval(g->l, s);
	case G_AND: return gen_eval(g->l, s) && gen_eval(g->r, s);
	case G_DIFF: return gen_eval(g->l, s) && !gen_eval(g->r, s);
	case G_OR: return gen_eval(g->l, s) || gen_eval(g->r, s);
	}
	return false;
}

static int gen_prec(const struct gen *g)
{
	switch (g->kind) {
	case G_OR: return 1;
	case G_AND: case G_DIFF: return 2;
	case G_NOT: return 3;
	default: return 4;
	}
}

static void gen_space(struct rng *r, struct buf *b, bool required)
{
	static const char *const spaces[] = { " ", "\t", "\n", "  " };

	if (required || pick(r, 3) == 0)
		buf_adds(b, spaces[pick(r, ARRAY_SIZE(spaces))]);
}

static void gen_render(struct rng *r, const struct gen *g, struct buf *b);

static void gen_render_operand(struct rng *r, const struct gen *g, int min_prec,
			       struct buf *b)
{
	if (gen_prec(g) < min_prec || pick(r, 8) == 0) {
		buf_addc(b, '(');
		gen_space(r, b, false);
		gen_render(r, g, b);
		gen_space(r, b, false);
		buf_addc(b, ')');
	} else {
		gen_render(r, g, b);
	}
}

static void gen_render_op(struct rng *r, struct buf *b, const char *word,
			  const char *symbols)
{
	size_t n = strlen(symbols);
	unsigned i = pick(r, (unsigned)n + 1);

	if (i == n) {
		gen_space(r, b, true);
		buf_adds(b, word);
		gen_space(r, b, true);
	} else {
		gen_space(r, b, false);
		buf_addc(b, symbols[i]);
		gen_space(r, b, false);
	}
}

static void gen_render_text(struct rng *r, const struct gen *g, struct buf *b)
{
	static const char prefix[] = "=~#";
	size_t len = strlen(g->text), first = 0, last = len, i;
	char c;

	while (first < len && g->text[first] == ' ')
		first++;
	while (last > first && g->text[last - 1] == ' ')
		last--;
	if (g->how != H_DEFAULT) {
		buf_addc(b, prefix[g->how]);
		gen_space(r, b, false);
	}
	for (i = 0; i < len; i++) {
		c = g->text[i];
		if (c == ')' || c == '\\' || i < first || i >= last ||
		    (i == 0 && g->how == H_DEFAULT && strchr("=~#/", c)) ||
		    pick(r, 10) == 0)
			buf_addc(b, '\\');
		buf_addc(b, c);
	}
	gen_space(r, b, false);
}

static void gen_render(struct rng *r, const struct gen *g, struct buf *b)
{
	static const char *const names[] = {
		"all", "none", "ignored", "test", "binary", "suite",
	};
	int prec = gen_prec(g);

	switch (g->kind) {
	case G_ALL:
	case G_NONE:
	case G_IGNORED:
	case G_TEST:
	case G_BINARY:
	case G_SUITE:
		buf_adds(b, names[g->kind]);
		gen_space(r, b, false);
		buf_addc(b, '(');
		gen_space(r, b, false);
		if (g->kind >= G_TEST) {
			if (g->how == H_REGEX) {
				buf_printf(b, "/%s/", g->source);
				gen_space(r, b, false);
			} else {
				gen_render_text(r, g, b);
			}
		}
		buf_addc(b, ')');
		return;
	case G_NOT:
		if (pick(r, 2)) {
			buf_adds(b, "not");
			gen_space(r, b, true);
		} else {
			buf_addc(b, '!');
			gen_space(r, b, false);
		}
		gen_render_operand(r, g->l, prec, b);
		return;
	case G_AND:
	case G_DIFF:
	case G_OR:
		gen_render_operand(r, g->l, prec, b);
		if (g->kind == G_AND)
			gen_render_op(r, b, "and", "&");
		else if (g->kind == G_OR)
			gen_render_op(r, b, "or", "|+");
		else
			gen_render_op(r, b, "-", "-");
		gen_render_operand(r, g->r, prec + 1, b);
		return;
	}
}

static void random_subject(struct rng *r, struct filter_subject *s, char bufs[3][8])
{
	gen_string(r, bufs[0], 0, 4);
	gen_string(r, bufs[1], 0, 4);
	gen_string(r, bufs[2], 0, 4);
	s->test_name = bufs[0];
	s->binary_id = bufs[1];
	s->suite = bufs[2];
	s->ignored = pick(r, 2);
}

static bool property_once(struct rng *r)
{
	struct gen *g = gen_tree(r, (int)pick(r, 6));
	struct buf src = BUF_INIT, p1 = BUF_INIT, p2 = BUF_INIT;
	struct filter *f1 = NULL, *f2 = NULL;
	struct filter_error err;
	bool ok = true;
	int i;

	gen_render(r, g, &src);
	f1 = filter_parse(src.data, &err);
	if (!f1) {
		fprintf(stderr, "  generated \"%s\" failed: %s at %zu\n",
			src.data, err.msg, err.pos);
		ok = false;
		goto out;
	}
	filter_print(f1, &p1);
	f2 = filter_parse(p1.data, &err);
	if (!f2) {
		fprintf(stderr, "  printed \"%s\" failed: %s at %zu\n",
			p1.data, err.msg, err.pos);
		ok = false;
		goto out;
	}
	filter_print(f2, &p2);
	if (strcmp(p1.data, p2.data) != 0) {
		fprintf(stderr, "  unstable: \"%s\" -> \"%s\" -> \"%s\"\n",
			src.data, p1.data, p2.data);
		ok = false;
	}
	for (i = 0; i < 12 && ok; i++) {
		struct filter_subject s;
		char bufs[3][8];
		bool want, got1, got2;

		random_subject(r, &s, bufs);
		want = gen_eval(g, &s);
		got1 = filter_match(f1, &s);
		got2 = filter_match(f2, &s);
		if (want != got1 || got1 != got2) {
			fprintf(stderr, "  \"%s\" (printed \"%s\") on {\"%s\",\"%s\",\"%s\",%d}: "
				"model %d, parsed %d, reparsed %d\n", src.data, p1.data,
				s.test_name, s.binary_id, s.suite, s.ignored,
				want, got1, got2);
			ok = false;
		}
	}
out:
	filter_free(f1);
	filter_free(f2);
	gen_free(g);
	buf_free(&src);
	buf_free(&p1);
	buf_free(&p2);
	return ok;
}

static void test_property_roundtrip(void)
{
	static const uint64_t seeds[] = { 1, 2, 0x9e3779b97f4a7c15ull, 20240601 };
	size_t i;
	int n, failures;

	for (i = 0; i < ARRAY_SIZE(seeds); i++) {
		struct rng r = { seeds[i] };

		failures = 0;
		for (n = 0; n < 1000 && failures < 5; n++)
			if (!property_once(&r))
				failures++;
		CHECK_INT(failures, 0);
	}
}

/* Random token soup: whatever happens, no crash, stable print, sane error. */
static void test_property_garbage(void)
{
	static const char *const bits[] = {
		"all()", "none()", "ignored()", "test(", "binary(", "suite(",
		")", "(", "not", "!", "and", "&", "-", "or", "|", "+", " ",
		"=", "~", "#", "/", "\\", "a", "*", "x)", "\t", "nota",
	};
	struct rng r = { 77 };
	int n, parsed = 0, bad = 0;

	for (n = 0; n < 3000; n++) {
		struct buf src = BUF_INIT, p1 = BUF_INIT, p2 = BUF_INIT, msg = BUF_INIT;
		struct filter_error err;
		struct filter *f, *g;
		unsigned len = pick(&r, 12), i;

		for (i = 0; i < len; i++)
			buf_adds(&src, bits[pick(&r, ARRAY_SIZE(bits))]);
		if (!src.data)
			buf_adds(&src, "");
		f = filter_parse(src.data, &err);
		if (!f) {
			if (err.pos > src.len || !err.msg[0])
				bad++;
			filter_error_format(src.data, &err, &msg);
		} else {
			parsed++;
			filter_print(f, &p1);
			g = filter_parse(p1.data, &err);
			if (!g) {
				bad++;
			} else {
				filter_print(g, &p2);
				if (strcmp(p1.data, p2.data) != 0)
					bad++;
			}
			filter_free(g);
			filter_free(f);
		}
		buf_free(&src);
		buf_free(&p1);
		buf_free(&p2);
		buf_free(&msg);
	}
	CHECK_INT(bad, 0);
	CHECK(parsed > 0);
}

int main(void)
{
	RUN(test_predicates);
	RUN(test_matchers);
	RUN(test_defaults);
	RUN(test_precedence);
	RUN(test_forms);
	RUN(test_print_parens);
	RUN(test_escapes);
	RUN(test_errors);
	RUN(test_regex_error_text);
	RUN(test_error_format);
	RUN(test_depth);
	RUN(test_property_roundtrip);
	RUN(test_property_garbage);
	return check_done();
}

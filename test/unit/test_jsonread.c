/*
 * test_jsonread.c - the strict JSON reader: every kind of value, escapes,
 * numbers and when they count as integers, the member accessors, each
 * malformed form rejected with the offset of the fault, and what json_quote
 * writes read back byte for byte.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/jsonread.h"
#include "testrig/text.h"
#include "testrig/util.h"

/* Parses a C string that must be valid JSON; NULL (a failed check) if not. */
static struct jvalue *parse_ok(const char *s)
{
	struct buf err = BUF_INIT;
	struct jvalue *v = jvalue_parse(s, strlen(s), &err);

	CHECK(v != NULL);
	if (!v)
		fprintf(stderr, "  parsing %s: %s\n", s, err.data);
	buf_free(&err);
	return v;
}

/* n bytes that must be rejected with a message starting with `want`. */
static void parse_bad_n(const char *s, size_t n, const char *want)
{
	struct buf err = BUF_INIT;
	struct jvalue *v = jvalue_parse(s, n, &err);

	CHECK(v == NULL);
	jvalue_free(v);
	CHECK(err.data && !strncmp(err.data, want, strlen(want)));
	if (!err.data || strncmp(err.data, want, strlen(want)))
		fprintf(stderr, "  error = \"%s\", want \"%s...\"\n", err.data ? err.data : "",
			want);
	buf_free(&err);
}

static void parse_bad(const char *s, const char *want)
{
	parse_bad_n(s, strlen(s), want);
}

static void test_scalars(void)
{
	struct jvalue *v;

	v = parse_ok("null");
	CHECK(v && v->type == JV_NULL);
	jvalue_free(v);
	v = parse_ok(" true ");
	CHECK(v && v->type == JV_BOOL && v->boolean);
	jvalue_free(v);
	v = parse_ok("\t\r\nfalse\n");
	CHECK(v && v->type == JV_BOOL && !v->boolean);
	jvalue_free(v);
	v = parse_ok("\"hi\"");
	CHECK(v && v->type == JV_STRING);
	if (v) {
		CHECK_STR(v->string, "hi");
		CHECK_INT(v->len, 2);
	}
	jvalue_free(v);
	v = parse_ok("\"\"");
	CHECK(v && v->type == JV_STRING && v->string && v->len == 0 && !v->string[0]);
	jvalue_free(v);
	v = parse_ok("42");
	CHECK(v && v->type == JV_NUMBER && v->number == 42.0 && v->integral && v->integer == 42);
	jvalue_free(v);
	v = parse_ok("[]");
	CHECK(v && v->type == JV_ARRAY && v->n == 0);
	jvalue_free(v);
	v = parse_ok("{ }");
	CHECK(v && v->type == JV_OBJECT && v->n == 0);
	jvalue_free(v);
}

static void test_not_nul_terminated(void)
{
	/* Only the first len bytes count: the rest must not be read. */
	static const char text[] = "[1,2]xyz";
	struct jvalue *v = jvalue_parse(text, 5, NULL);

	CHECK(v && v->type == JV_ARRAY && v->n == 2);
	jvalue_free(v);
	v = jvalue_parse("12345", 2, NULL);
	CHECK(v && v->integral && v->integer == 12);
	jvalue_free(v);
	v = jvalue_parse("\"abc\"", 4, NULL);
	CHECK(v == NULL);
	CHECK(jvalue_parse(NULL, 0, NULL) == NULL);
}

static void test_nested(void)
{
	struct jvalue *v;
	const struct jvalue *a, *o;

	v = parse_ok("{\"a\": [1, \"two\", [true, null], {\"x\": {}}], \"b\": {\"c\": -1.5},"
		     " \"a\": 0}");
	if (!v)
		return;
	CHECK_INT(v->type, JV_OBJECT);
	CHECK_INT(v->n, 3);
	CHECK_STR(v->keys[0], "a");
	CHECK_STR(v->keys[1], "b");
	CHECK_STR(v->keys[2], "a");
	a = jvalue_get(v, "a");     /* the first of a repeated name */
	CHECK(a && a->type == JV_ARRAY && a->n == 4);
	if (a && a->n == 4) {
		CHECK(a->items[0].type == JV_NUMBER && a->items[0].integer == 1);
		CHECK_STR(a->items[1].string, "two");
		CHECK(a->items[2].type == JV_ARRAY && a->items[2].n == 2);
		CHECK(a->items[2].items[0].boolean && a->items[2].items[1].type == JV_NULL);
		o = jvalue_get(&a->items[3], "x");
		CHECK(o && o->type == JV_OBJECT && o->n == 0);
	}
	o = jvalue_get(v, "b");
	CHECK(o && o->type == JV_OBJECT && o->items[0].number == -1.5);
	jvalue_free(v);
}

static void test_escapes(void)
{
	struct jvalue *v;

	v = parse_ok("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"");
	if (v)
		CHECK_STR(v->string, "\" \\ / \b \f \n \r \t");
	jvalue_free(v);
	v = parse_ok("\"caf\\u00e9 \\u00E9\"");
	if (v)
		CHECK_STR(v->string, "caf\xc3\xa9 \xc3\xa9");
	jvalue_free(v);
	v = parse_ok("\"\\u0041\\u07ff\\u0800\\uffff\"");
	if (v)
		CHECK_STR(v->string, "A\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	jvalue_free(v);
	v = parse_ok("\"\\ud83d\\ude00\"");
	if (v) {
		CHECK_STR(v->string, "\xf0\x9f\x98\x80");
		CHECK_INT(v->len, 4);
	}
	jvalue_free(v);
	v = parse_ok("\"\\udbff\\udfff\"");      /* U+10FFFF, the last code point */
	if (v)
		CHECK_STR(v->string, "\xf4\x8f\xbf\xbf");
	jvalue_free(v);
	v = parse_ok("\"a\\u0000b\"");
	if (v) {
		CHECK_INT(v->len, 3);
		CHECK(!memcmp(v->string, "a\0b", 4));
	}
	jvalue_free(v);
	/* Raw UTF-8 passes through. */
	v = parse_ok("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	if (v)
		CHECK_STR(v->string, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	jvalue_free(v);
	/* Escaped names are decoded too. */
	v = parse_ok("{\"k\\u00e9y\\n\": 1}");
	CHECK(jvalue_get(v, "k\xc3\xa9y\n") != NULL);
	jvalue_free(v);
}

/*
 * Numbers read without strtod (short decimals, the history's and records'
 * durations and counts) are bit for bit what strtod and strtoll give.
 */
static void test_numbers_exact(void)
{
	uint64_t x = 88172645463325252u;
	unsigned i, bad = 0;

	for (i = 0; i < 200000; i++) {
		char text[40];
		unsigned digits, point, k;
		size_t n = 0;
		struct jvalue *v;
		double want;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		digits = 1 + (unsigned)(x % 18);
		point = (unsigned)(x >> 8) % (digits + 1);
		if (x >> 20 & 1)
			text[n++] = '-';
		for (k = 0; k < digits; k++) {
			if (k == point && k > 0)
				text[n++] = '.';
			text[n++] = (char)('0' + (k == 0 && digits > 1 && point != 1 ?
					  1 + (x >> (24 + k)) % 9 : (x >> (3 * k)) % 10));
		}
		text[n] = 0;
		want = strtod(text, NULL);
		v = jvalue_parse(text, n, NULL);
		if (!v || memcmp(&v->number, &want, sizeof want) != 0 ||
		    (v->integral && v->integer != strtoll(text, NULL, 10)) ||
		    (v->integral != !strchr(text, '.'))) {
			if (bad++ < 5)
				fprintf(stderr, "%s: got %.17g, strtod %.17g\n", text,
					v ? v->number : 0.0, want);
		}
		jvalue_free(v);
	}
	CHECK_INT(bad, 0);
}

static void test_numbers(void)
{
	struct jvalue *v;

	v = parse_ok("1");
	CHECK(v && v->integral && v->integer == 1 && v->number == 1.0);
	jvalue_free(v);
	v = parse_ok("-0");
	CHECK(v && v->integral && v->integer == 0 && v->number == 0.0 && signbit(v->number));
	jvalue_free(v);
	v = parse_ok("0");
	CHECK(v && v->integral && v->integer == 0);
	jvalue_free(v);
	v = parse_ok("1.5");
	CHECK(v && !v->integral && v->number == 1.5);
	jvalue_free(v);
	v = parse_ok("1.0");
	CHECK(v && !v->integral && v->number == 1.0);
	jvalue_free(v);
	v = parse_ok("1e3");
	CHECK(v && !v->integral && v->number == 1000.0);
	jvalue_free(v);
	v = parse_ok("-2.5E-2");
	CHECK(v && !v->integral && v->number == -0.025);
	jvalue_free(v);
	v = parse_ok("0e+1");
	CHECK(v && !v->integral && v->number == 0.0);
	jvalue_free(v);
	v = parse_ok("9223372036854775807");
	CHECK(v && v->integral && v->integer == INT64_MAX);
	jvalue_free(v);
	v = parse_ok("-9223372036854775808");
	CHECK(v && v->integral && v->integer == INT64_MIN);
	jvalue_free(v);
	v = parse_ok("9223372036854775808");
	CHECK(v && !v->integral && v->number == 9223372036854775808.0);
	jvalue_free(v);
	v = parse_ok("-9223372036854775809");
	CHECK(v && !v->integral);
	jvalue_free(v);
	v = parse_ok("1e-400");     /* underflow is a tiny number, not an error */
	CHECK(v && v->number == 0.0);
	jvalue_free(v);
	v = parse_ok("[1,-1,2.25]");
	CHECK(v && v->n == 3 && v->items[1].integer == -1 && v->items[2].number == 2.25);
	jvalue_free(v);
}

static void test_accessors(void)
{
	struct jvalue *v = parse_ok("{\"s\":\"str\",\"i\":7,\"f\":0.5,\"big\":1e300,"
				     "\"t\":true,\"n\":null,\"a\":[1],\"o\":{\"i\":8}}");
	const struct jvalue *a;
	double d = -1;
	int64_t i = -1;
	bool b = false;

	CHECK_STR(jvalue_str(v, "s"), "str");
	CHECK(jvalue_str(v, "i") == NULL);
	CHECK(jvalue_str(v, "missing") == NULL);
	CHECK(jvalue_num(v, "i", &d) && d == 7.0);
	CHECK(jvalue_num(v, "f", &d) && d == 0.5);
	CHECK(!jvalue_num(v, "s", &d) && d == 0.5);
	CHECK(!jvalue_num(v, "missing", &d));
	CHECK(jvalue_int(v, "i", &i) && i == 7);
	CHECK(!jvalue_int(v, "f", &i) && i == 7);
	CHECK(!jvalue_int(v, "big", &i));
	CHECK(!jvalue_int(v, "t", &i));
	CHECK(!jvalue_int(v, "missing", &i));
	CHECK(jvalue_bool(v, "t", &b) && b);
	CHECK(!jvalue_bool(v, "n", &b));
	CHECK(!jvalue_bool(v, "i", &b));
	CHECK(!jvalue_bool(v, "missing", &b));
	a = jvalue_get(v, "n");
	CHECK(a && a->type == JV_NULL);
	CHECK(jvalue_get(v, "") == NULL);
	CHECK(jvalue_get(v, NULL) == NULL);
	CHECK(jvalue_get(v, "I") == NULL);
	/* Members of members are not members. */
	CHECK(jvalue_int(jvalue_get(v, "o"), "i", &i) && i == 8);
	/* Not an object: every accessor says absent. */
	a = jvalue_get(v, "a");
	CHECK(a && a->type == JV_ARRAY);
	CHECK(jvalue_get(a, "0") == NULL);
	CHECK(jvalue_str(a, "s") == NULL);
	CHECK(!jvalue_num(a, "i", &d));
	CHECK(!jvalue_int(jvalue_get(v, "s"), "i", &i));
	CHECK(!jvalue_bool(jvalue_get(v, "n"), "t", &b));
	/* NULL: likewise, so lookups chain without checks between. */
	CHECK(jvalue_get(NULL, "s") == NULL);
	CHECK(jvalue_str(NULL, "s") == NULL);
	CHECK(!jvalue_num(NULL, "i", &d));
	CHECK(!jvalue_int(jvalue_get(v, "nope"), "i", &i));
	CHECK(!jvalue_bool(NULL, "t", &b));
	jvalue_free(v);
	jvalue_free(NULL);
}

static void test_errors_syntax(void)
{
	parse_bad("", "offset 0: expected a value, found end of input");
	parse_bad("  \n", "offset 3: expected a value, found end of input");
	parse_bad("1 2", "offset 2: expected the end of the input after the value, found '2'");
	parse_bad("{}x", "offset 2: expected the end of the input");
	parse_bad("[1,]", "offset 2: trailing ',' before ']' in an array");
	parse_bad("{\"a\":1 , }", "offset 7: trailing ',' before '}' in an object");
	parse_bad("[,1]", "offset 1: expected a value, found ','");
	parse_bad("[1, 2", "offset 5: unterminated array (it opens at offset 0)");
	parse_bad("[", "offset 1: expected a value, found end of input");
	parse_bad("[1 2]", "offset 3: expected ',' or ']' in an array, found '2'");
	parse_bad("{\"a\": 1", "offset 7: unterminated object (it opens at offset 0)");
	parse_bad("{\"a\"", "offset 4: unterminated object");
	parse_bad("{", "offset 1: unterminated object");
	parse_bad("{\"a\":1,", "offset 7: unterminated object");
	parse_bad("{\"a\" 1}", "offset 5: expected ':' after a member name, found '1'");
	parse_bad("{\"a\":1 \"b\":2}", "offset 7: expected ',' or '}' in an object, found '\"'");
	parse_bad("{1:2}", "offset 1: expected a member name (a string) in an object, found '1'");
	parse_bad("{'a':1}", "offset 1: expected a member name (a string) in an object, found \"'\"");
	parse_bad("['a']", "offset 1: expected a value, found \"'\"");
	parse_bad("{\"a\\u0000\":1}", "offset 1: a member name cannot contain \\u0000");
	parse_bad("[1]]", "offset 3: expected the end of the input after the value, found ']'");
	parse_bad("nan", "offset 0: unknown word 'nan'");
	parse_bad("NaN", "offset 0: unknown word 'NaN'");
	parse_bad("[Infinity]", "offset 1: unknown word 'Infinity'");
	parse_bad("tru", "offset 0: unknown word 'tru'");
	parse_bad("True", "offset 0: unknown word 'True'");
	parse_bad("nullx", "offset 0: unknown word 'nullx'");
	parse_bad("[1] // comment", "offset 4: expected the end of the input");
	parse_bad("/* c */ 1", "offset 0: expected a value, found '/'");
	parse_bad("\xef\xbb\xbf{}", "offset 0: expected a value, found byte 0xef");
	parse_bad("\f1", "offset 0: expected a value, found byte 0x0c");
}

static void test_errors_numbers(void)
{
	parse_bad("01", "offset 0: a number cannot start with a 0");
	parse_bad("[-012]", "offset 1: a number cannot start with a 0");
	parse_bad("-", "offset 1: expected a digit in a number, found end of input");
	parse_bad("1.", "offset 2: expected a digit after '.'");
	parse_bad("1.e3", "offset 2: expected a digit after '.'");
	parse_bad("[1. ]", "offset 3: expected a digit after '.' in a number, found ' '");
	parse_bad(".5", "offset 0: expected a value, found '.'");
	parse_bad("+1", "offset 0: expected a value, found '+'");
	parse_bad("1e", "offset 2: expected a digit in the exponent");
	parse_bad("1e+", "offset 3: expected a digit in the exponent");
	parse_bad("0x10", "offset 1: expected the end of the input");
	parse_bad("1e400", "offset 0: number out of range");
	parse_bad("-1e400", "offset 0: number out of range");
	parse_bad("-Infinity", "offset 1: expected a digit in a number, found 'I'");
}

static void test_errors_strings(void)
{
	parse_bad("\"a\\x\"", "offset 2: invalid escape in a string: 'x' after '\\'");
	parse_bad("\"\\'\"", "offset 1: invalid escape in a string: \"'\" after '\\'");
	parse_bad("\"\\u12\"", "offset 1: expected 4 hex digits after '\\u'");
	parse_bad("\"\\u12g4\"", "offset 1: expected 4 hex digits after '\\u'");
	parse_bad("\"ab\\ud83d\"", "offset 3: lone surrogate \\ud83d");
	parse_bad("\"\\ud83dx\"", "offset 1: lone surrogate \\ud83d");
	parse_bad("\"\\ud83d\\u0041\"", "offset 1: lone surrogate \\ud83d");
	parse_bad("\"\\ude00\"", "offset 1: lone surrogate \\ude00");
	parse_bad("\"\\ud83d\\uzzzz\"", "offset 7: expected 4 hex digits");
	parse_bad("\"a\nb\"", "offset 2: control character 0x0a in a string");
	parse_bad("\"\t\"", "offset 1: control character 0x09 in a string");
	parse_bad_n("\"a\0\"", 4, "offset 2: control character 0x00 in a string");
	parse_bad("\"\xff\"", "offset 1: invalid UTF-8 in a string");
	parse_bad("\"ok \xc3\"", "offset 4: invalid UTF-8 in a string");
	parse_bad("\"\xc0\x80\"", "offset 1: invalid UTF-8");         /* overlong NUL */
	parse_bad("\"\xed\xa0\x80\"", "offset 1: invalid UTF-8");     /* UTF-8 surrogate */
	parse_bad("\"\xf4\x90\x80\x80\"", "offset 1: invalid UTF-8"); /* past U+10FFFF */
	parse_bad("\"\xe2\x82", "offset 1: invalid UTF-8");
	parse_bad("\"abc", "offset 4: unterminated string (it opens at offset 0)");
	parse_bad("[\"abc\\", "offset 6: unterminated string (it opens at offset 1)");
}

/* 64 nested containers are fine, 65 are not. */
static void test_errors_depth(void)
{
	struct jvalue *v;
	char deep[200];

	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	v = jvalue_parse(deep, 128, NULL);
	CHECK(v != NULL);
	jvalue_free(v);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	parse_bad_n(deep, 130, "offset 64: arrays and objects nested more than 64 deep");
}

/* err may be NULL, and an error appends to what err held. */
static void test_error_buffer(void)
{
	struct buf err = BUF_INIT;

	CHECK(jvalue_parse("[1,]", 4, NULL) == NULL);
	buf_adds(&err, "history: ");
	CHECK(jvalue_parse("x", 1, &err) == NULL);
	CHECK_STR(err.data, "history: offset 0: unknown word 'x' "
		  "(JSON has only true, false and null)");
	buf_free(&err);
}

/* Objects count toward the depth as arrays do; errors deep down free everything. */
static void test_deep_objects(void)
{
	struct buf doc = BUF_INIT, want = BUF_INIT;
	size_t at = 0;
	int i;

	for (i = 0; i < 64; i++)
		buf_adds(&doc, i % 2 ? "[\"s\", 1, " : "{\"a\": 1, \"b\": ");
	buf_adds(&doc, "null");
	for (i = 63; i >= 0; i--)
		buf_adds(&doc, i % 2 ? "]" : "}");
	jvalue_free(parse_ok(doc.data));
	buf_reset(&doc);
	for (i = 0; i < 65; i++) {
		at = doc.len;
		buf_adds(&doc, i % 2 ? "[\"s\", 1, " : "{\"a\": 1, \"b\": ");
	}
	/* The 65th opener is where it goes too deep. */
	buf_printf(&want, "offset %zu: arrays and objects nested more than 64 deep", at);
	parse_bad(doc.data, want.data);
	/* A failure in the last member of many, each holding allocations. */
	buf_reset(&doc);
	buf_adds(&doc, "[");
	for (i = 0; i < 100; i++)
		buf_adds(&doc, "{\"k\": [\"v\", {\"x\": \"y\"}]}, ");
	buf_reset(&want);
	buf_printf(&want, "offset %zu: invalid escape", doc.len + strlen("{\"k\": [\"v\", {\"x\": \"y"));
	buf_adds(&doc, "{\"k\": [\"v\", {\"x\": \"y\\q\"}]}]");
	parse_bad(doc.data, want.data);
	buf_free(&doc);
	buf_free(&want);
}

/* What json_quote writes must read back: exactly, when the bytes were UTF-8. */
static void round_trip(const char *s, size_t n, bool exact)
{
	struct buf q = BUF_INIT, err = BUF_INIT;
	struct jvalue *v;

	json_quote(&q, s, n);
	v = jvalue_parse(q.data, q.len, &err);
	CHECK(v && v->type == JV_STRING);
	if (!v)
		fprintf(stderr, "  %s: %s\n", q.data, err.data);
	if (v && exact) {
		CHECK_INT(v->len, n);
		CHECK(v->len == n && !memcmp(v->string, s, n));
	}
	jvalue_free(v);
	buf_free(&q);
	buf_free(&err);
}

/*
 * A name json_name writes reads back exactly through jvalue_name: a
 * readable member always, base64 beside it only when it is not UTF-8.
 */
static void test_names(void)
{
	static const char *const names[] = { "Suite.Case", "caf\xc3\xa9", "b\xffx", "b\xfex",
					     "d\xc3(", "\xed\xa0\x80 surrogate", "" };
	struct buf doc = BUF_INIT, err = BUF_INIT, space = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++) {
		struct jvalue *v;
		const char *got;

		buf_reset(&doc);
		buf_adds(&doc, "{\"type\":\"x\"");
		json_name(&doc, "test", names[i]);
		buf_addc(&doc, '}');
		CHECK(!strstr(doc.data, "test_base64") == (i < 2 || i == 6));
		v = jvalue_parse(doc.data, doc.len, &err);
		CHECK(v != NULL);
		got = v ? jvalue_name(v, "test", &space) : NULL;
		CHECK(got && strcmp(got, names[i]) == 0);
		/* The readable member is there for every reader. */
		CHECK(v && jvalue_str(v, "test") != NULL);
		jvalue_free(v);
	}
	/* base64 that is not a name (holding a NUL, or not base64) leaves the readable member. */
	for (i = 0; i < 2; i++) {
		static const char *const bad[] = { "{\"test\":\"t\",\"test_base64\":\"AA==\"}",
						   "{\"test\":\"t\",\"test_base64\":\"*\"}" };
		struct jvalue *v = jvalue_parse(bad[i], strlen(bad[i]), &err);
		const char *got = v ? jvalue_name(v, "test", &space) : NULL;

		CHECK(got && strcmp(got, "t") == 0);
		jvalue_free(v);
	}
	buf_free(&doc);
	buf_free(&err);
	buf_free(&space);
}

static void test_round_trip_bytes(void)
{
	static const char *const utf8[] = {
		"", "plain", "tab\there \"quoted\" back\\slash /",
		"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf",
		"\x01\x1f\x7f\x08\x0c",
	};
	char all[256], pair[2];
	size_t i;
	int c;

	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	/* All 256 bytes: the invalid ones become U+FFFD, but it must parse. */
	round_trip(all, 256, false);
	/* The ASCII half is valid UTF-8, NUL and controls included. */
	round_trip(all, 128, true);
	for (c = 0; c < 256; c++) {
		pair[0] = (char)c;
		pair[1] = 'x';
		round_trip(pair, 2, c < 0x80);
	}
	for (i = 0; i < ARRAY_SIZE(utf8); i++)
		round_trip(utf8[i], strlen(utf8[i]), true);
}

/* Code points from U+0001 to U+10FFFF (every one below U+0800), in UTF-8. */
static void test_round_trip_code_points(void)
{
	struct buf b = BUF_INIT;
	uint32_t cp;
	char u[4];

	for (cp = 1; cp < 0x110000; cp += cp < 0x800 ? 1 : 37) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			buf_addc(&b, (char)cp);
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3f));
			buf_add(&b, u, 2);
		} else if (cp < 0x10000) {
			u[0] = (char)(0xe0 | cp >> 12);
			u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			buf_add(&b, u, 3);
		} else {
			u[0] = (char)(0xf0 | cp >> 18);
			u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
			u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
			u[3] = (char)(0x80 | (cp & 0x3f));
			buf_add(&b, u, 4);
		}
	}
	round_trip(b.data, b.len, true);
	buf_free(&b);
}

/* A record as the reports write it, with text.h's member writers, read back. */
static void test_record(void)
{
	struct buf b = BUF_INIT;
	struct jvalue *v;
	const char *name = "t\xc3\xa9st \"1\"";
	int64_t i = 0;
	double d = 0;
	bool f = true;

	buf_adds(&b, "{\"name\":");
	json_quote(&b, name, strlen(name));
	json_string(&b, "verdict", "pass");
	json_int(&b, "exit", -1);
	json_uint(&b, "big", UINT64_C(18446744073709551615));
	json_bool(&b, "flaky", false);
	json_seconds(&b, "duration", 1234567890);
	json_string(&b, "none", NULL);
	buf_addc(&b, '}');
	v = parse_ok(b.data);
	CHECK_STR(jvalue_str(v, "name"), name);
	CHECK_STR(jvalue_str(v, "verdict"), "pass");
	CHECK(jvalue_int(v, "exit", &i) && i == -1);
	CHECK(!jvalue_int(v, "big", &i));
	CHECK(jvalue_num(v, "big", &d) && d == 18446744073709551615.0);
	CHECK(jvalue_bool(v, "flaky", &f) && !f);
	CHECK(jvalue_num(v, "duration", &d) && d == 1.234);
	CHECK(jvalue_get(v, "none") && jvalue_get(v, "none")->type == JV_NULL);
	jvalue_free(v);
	buf_free(&b);
}

/* Linear time: big inputs parse quickly (a quadratic step would not). */
static void test_large(void)
{
	struct buf b = BUF_INIT;
	struct jvalue *v;
	size_t i, n = 200000, want = 0;

	buf_addc(&b, '[');
	for (i = 0; i < n; i++)
		buf_adds(&b, i ? ",{\"k\":\"v\"}" : "{\"k\":\"v\"}");
	buf_addc(&b, ']');
	v = parse_ok(b.data);
	CHECK(v && v->n == n);
	if (v && v->n == n)
		CHECK_STR(jvalue_str(&v->items[n - 1], "k"), "v");
	jvalue_free(v);
	buf_reset(&b);
	buf_addc(&b, '"');
	for (i = 0; i < 1000000; i++) {
		buf_adds(&b, i % 3 ? "ab" : "\\n\xc3\xa9");
		want += i % 3 ? 2 : 3;
	}
	buf_addc(&b, '"');
	v = parse_ok(b.data);
	CHECK(v && v->type == JV_STRING);
	if (v)
		CHECK_INT(v->len, want);
	jvalue_free(v);
	/* A million digits: too big for a double, then too small. */
	buf_reset(&b);
	for (i = 0; i < 1000000; i++)
		buf_addc(&b, i ? '0' : '1');
	parse_bad(b.data, "offset 0: number out of range");
	buf_reset(&b);
	buf_adds(&b, "0.");
	for (i = 0; i < 1000000; i++)
		buf_addc(&b, i < 999999 ? '0' : '1');
	v = parse_ok(b.data);
	CHECK(v && v->type == JV_NUMBER && v->number == 0.0 && !v->integral);
	jvalue_free(v);
	buf_free(&b);
}

int main(void)
{
	RUN(test_scalars);
	RUN(test_not_nul_terminated);
	RUN(test_nested);
	RUN(test_escapes);
	RUN(test_numbers);
	RUN(test_numbers_exact);
	RUN(test_accessors);
	RUN(test_errors_syntax);
	RUN(test_errors_numbers);
	RUN(test_errors_strings);
	RUN(test_errors_depth);
	RUN(test_error_buffer);
	RUN(test_deep_objects);
	RUN(test_round_trip_bytes);
	RUN(test_round_trip_code_points);
	RUN(test_record);
	RUN(test_names);
	RUN(test_large);
	return check_done();
}

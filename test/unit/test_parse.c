/* test_parse.c - durations, sizes, counts, booleans, words. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/parse.h"
#include "testrig/util.h"

static int64_t dur(const char *s)
{
	int64_t ns = -12345;

	return parse_duration(s, &ns) ? -1 : ns;
}

static void test_durations(void)
{
	CHECK_INT(dur("0"), 0);
	CHECK_INT(dur("250ms"), 250 * NS_PER_MS);
	CHECK_INT(dur("30s"), 30 * NS_PER_SEC);
	CHECK_INT(dur("2m"), 120 * NS_PER_SEC);
	CHECK_INT(dur("1h"), 3600 * NS_PER_SEC);
	CHECK_INT(dur("1m30s"), 90 * NS_PER_SEC);
	CHECK_INT(dur("1h2m3s4ms"), 3723 * NS_PER_SEC + 4 * NS_PER_MS);
	CHECK_INT(dur("1.5s"), 1500 * NS_PER_MS);
	CHECK_INT(dur("0.25s"), 250 * NS_PER_MS);
	CHECK_INT(dur("10us"), 10000);
	CHECK_INT(dur("0s"), 0);
	/* errors */
	CHECK_INT(dur(""), -1);
	CHECK_INT(dur("5"), -1);          /* a unit is required but for 0 */
	CHECK_INT(dur("s"), -1);
	CHECK_INT(dur("1x"), -1);
	CHECK_INT(dur("1s1m"), -1);       /* largest unit first */
	CHECK_INT(dur("1s1s"), -1);
	CHECK_INT(dur("-1s"), -1);
	CHECK_INT(dur("1 s"), -1);
	CHECK_INT(dur("1.s"), 1 * NS_PER_SEC);
	CHECK_INT(dur(".5s"), 500 * NS_PER_MS);
	CHECK_INT(dur("."), -1);
	CHECK_INT(dur("99999999999999999999h"), -1);
	CHECK_INT(dur("1sec"), -1);
}

static void test_format(void)
{
	struct buf b = BUF_INIT;

	format_duration(&b, 90 * NS_PER_SEC);
	CHECK_STR(b.data, "1m30s");
	buf_reset(&b);
	format_duration(&b, 250 * NS_PER_MS);
	CHECK_STR(b.data, "250ms");
	buf_reset(&b);
	format_duration(&b, 0);
	CHECK_STR(b.data, "0");
	buf_reset(&b);
	format_size(&b, UINT64_C(16) << 20);
	CHECK_STR(b.data, "16MiB");
	buf_reset(&b);
	format_size(&b, 1000);
	CHECK_STR(b.data, "1000");
	buf_free(&b);
}

static void test_round_trip(void)
{
	static const char *const in[] = { "0", "1ms", "59s", "1m", "1h1m1s", "36h", "1s500ms" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		struct buf b = BUF_INIT;
		int64_t ns;
		CHECK(parse_duration(in[i], &ns) == 0);
		format_duration(&b, ns);
		CHECK_INT(dur(b.data), ns);
		buf_free(&b);
	}
}

static void test_sizes(void)
{
	uint64_t v;

	CHECK(parse_size("512", &v) == 0 && v == 512);
	CHECK(parse_size("64KiB", &v) == 0 && v == 65536);
	CHECK(parse_size("16MiB", &v) == 0 && v == 16777216);
	CHECK(parse_size("1GiB", &v) == 0 && v == UINT64_C(1) << 30);
	CHECK(parse_size("2MB", &v) == 0 && v == 2000000);
	CHECK(parse_size("0", &v) == 0 && v == 0);
	CHECK(parse_size("", &v) == -1);
	CHECK(parse_size("MiB", &v) == -1);
	CHECK(parse_size("1.5MiB", &v) == -1);
	CHECK(parse_size("12 MiB", &v) == -1);
	CHECK(parse_size("1TiB", &v) == -1);
	CHECK(parse_size("99999999999999999999", &v) == -1);
	CHECK(parse_size("99999999999GiB", &v) == -1);
}

static void test_uint_bool(void)
{
	unsigned u;
	bool b;

	CHECK(parse_uint("0", 10, &u) == 0 && u == 0);
	CHECK(parse_uint("10", 10, &u) == 0 && u == 10);
	CHECK(parse_uint("11", 10, &u) == -1);
	CHECK(parse_uint("-1", 10, &u) == -1);
	CHECK(parse_uint("", 10, &u) == -1);
	CHECK(parse_uint("1a", 10, &u) == -1);
	CHECK(parse_bool("true", &b) == 0 && b);
	CHECK(parse_bool("Off", &b) == 0 && !b);
	CHECK(parse_bool("1", &b) == 0 && b);
	CHECK(parse_bool("maybe", &b) == -1);
}

static int words(const char *s, struct strvec *sv)
{
	const char *err = NULL;

	strvec_free(sv);
	return split_words(s, sv, &err);
}

static void test_words(void)
{
	struct strvec sv = STRVEC_INIT;
	const char *err = NULL;

	CHECK(words("  a  b\tc ", &sv) == 0 && sv.n == 3);
	CHECK_STR(sv.v[2], "c");
	CHECK(words("qemu-arm -L '/x y' \"a \\\"b\\\"\" c\\ d", &sv) == 0);
	CHECK_INT(sv.n, 5);
	CHECK_STR(sv.v[2], "/x y");
	CHECK_STR(sv.v[3], "a \"b\"");
	CHECK_STR(sv.v[4], "c d");
	CHECK(words("''", &sv) == 0 && sv.n == 1);
	CHECK_STR(sv.v[0], "");
	CHECK(words("a'b'\"c\"d", &sv) == 0 && sv.n == 1);
	CHECK_STR(sv.v[0], "abcd");
	CHECK(words("$HOME *", &sv) == 0 && sv.n == 2);
	CHECK_STR(sv.v[0], "$HOME");            /* no expansion of any kind */
	CHECK(words("", &sv) == 0 && sv.n == 0);
	strvec_free(&sv);
	CHECK(split_words("'open", &sv, &err) == -1);
	CHECK_STR(err, "unterminated single quote");
	strvec_free(&sv);
	CHECK(split_words("\"open", &sv, &err) == -1);
	CHECK_STR(err, "unterminated double quote");
	strvec_free(&sv);
	CHECK(split_words("end\\", &sv, &err) == -1);
	CHECK_STR(err, "trailing backslash");
	strvec_free(&sv);
}

static void test_quote_round_trip(void)
{
	static const char *const in[] = { "plain", "with space", "it's", "", "a\"b", "$x", "-L/x" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		struct buf b = BUF_INIT;
		struct strvec sv = STRVEC_INIT;
		quote_word(&b, in[i]);
		CHECK(words(b.data, &sv) == 0);
		CHECK_INT(sv.n, 1);
		if (sv.n == 1)
			CHECK_STR(sv.v[0], in[i]);
		buf_free(&b);
		strvec_free(&sv);
	}
}

/* The one placeholder expander: each {name} put in place, an unknown or valueless one left. */
static void test_command_expand(void)
{
	struct command c;
	struct strvec argv = STRVEC_INIT;
	const char *err = NULL;
	const struct placeholder ph[] = { { "{binary}", "./t" }, { "{test}", NULL },
					  { "{pid}", "42" } };

	CHECK_INT(command_parse(&c, "run {binary} --filter={test} {pid}{pid} {pgid} {", &err), 0);
	command_expand(&c, ph, ARRAY_SIZE(ph), &argv);
	CHECK_INT(argv.n, 6);
	if (argv.n == 6) {
		CHECK_STR(argv.v[0], "run");
		CHECK_STR(argv.v[1], "./t");
		CHECK_STR(argv.v[2], "--filter={test}");
		CHECK_STR(argv.v[3], "4242");
		CHECK_STR(argv.v[4], "{pgid}");
		CHECK_STR(argv.v[5], "{");
	}
	strvec_free(&argv);
	command_free(&c);
}

int main(void)
{
	RUN(test_durations);
	RUN(test_format);
	RUN(test_round_trip);
	RUN(test_sizes);
	RUN(test_uint_bool);
	RUN(test_words);
	RUN(test_quote_round_trip);
	RUN(test_command_expand);
	return check_done();
}

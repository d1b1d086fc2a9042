/*
 * test_text.c - the formatters every report shares: signal names, seconds,
 * timestamps, JSON members, XML escaping, the human report's escaping, and
 * commands split once.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/parse.h"
#include "testrig/text.h"
#include "testrig/util.h"

static void test_signal_names(void)
{
	char scratch[16], rt[16];

	CHECK_STR(signal_name(SIGSEGV, scratch), "SIGSEGV");
	CHECK_STR(signal_name(SIGABRT, scratch), "SIGABRT");
	CHECK_STR(signal_name(SIGKILL, scratch), "SIGKILL");
	CHECK_STR(signal_name(SIGTERM, scratch), "SIGTERM");
	CHECK_STR(signal_name(SIGINT, scratch), "SIGINT");
	CHECK_STR(signal_name(SIGHUP, scratch), "SIGHUP");
	CHECK_STR(signal_name(SIGUSR1, scratch), "SIGUSR1");
	CHECK_STR(signal_name(SIGPIPE, scratch), "SIGPIPE");
	CHECK_STR(signal_name(SIGBUS, scratch), "SIGBUS");
	/* A number without a name (a real-time signal) is shown as a number. */
	snprintf(rt, sizeof rt, "SIG%d", SIGRTMIN + 2);
	CHECK_STR(signal_name(SIGRTMIN + 2, scratch), rt);
	CHECK_STR(signal_name(0, scratch), "SIG0");
}

static void test_seconds(void)
{
	struct buf b = BUF_INIT;

	format_seconds(&b, 1234 * NS_PER_MS);
	CHECK_STR(b.data, "1.234");
	buf_reset(&b);
	format_seconds(&b, 999999);
	CHECK_STR(b.data, "0.000");
	buf_reset(&b);
	format_seconds(&b, 61 * NS_PER_SEC + 5 * NS_PER_MS);
	CHECK_STR(b.data, "61.005");
	buf_reset(&b);
	format_seconds(&b, -5);
	CHECK_STR(b.data, "0.000");
	/* In a table: right-aligned, truncated like the rest; wider than the column, whole. */
	buf_reset(&b);
	buf_adds(&b, "|");
	format_seconds_aligned(&b, 1999 * NS_PER_MS + 999999, 9);
	CHECK_STR(b.data, "|    1.999");
	buf_reset(&b);
	format_seconds_aligned(&b, 123456789 * NS_PER_SEC, 5);
	CHECK_STR(b.data, "123456789.000");
	buf_free(&b);
}

static void test_timestamps(void)
{
	struct buf b = BUF_INIT;

	format_timestamp(&b, INT64_C(1700000000123456789));
	CHECK_STR(b.data, "2023-11-14T22:13:20.123Z");
	buf_reset(&b);
	format_timestamp(&b, 0);
	CHECK_STR(b.data, "1970-01-01T00:00:00.000Z");
	buf_reset(&b);
	format_timestamp(&b, -1);
	CHECK_STR(b.data, "1970-01-01T00:00:00.000Z");
	/* A record's file name: the same instant without '-' and ':'. */
	buf_reset(&b);
	format_timestamp_basic(&b, INT64_C(1700000000123456789));
	CHECK_STR(b.data, "20231114T221320.123Z");
	/* The date arithmetic agrees with gmtime from 1970 to past 2100 (leap years, 2000). */
	{
		int64_t secs;
		unsigned bad = 0;

		for (secs = 0; secs < INT64_C(4200000000); secs += 86399 * 7 + 3607) {
			struct tm tm;
			time_t t = (time_t)secs;
			char want[64];

			gmtime_r(&t, &tm);
			snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.042Z",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				 tm.tm_min, tm.tm_sec);
			buf_reset(&b);
			format_timestamp(&b, secs * NS_PER_SEC + 42 * NS_PER_MS);
			bad += strcmp(b.data, want) != 0;
		}
		CHECK_INT(bad, 0);
	}
	buf_free(&b);
}

static void test_json_members(void)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "{\"a\":1");
	json_string(&b, "s", "x\"y\n");
	json_string(&b, "n", NULL);
	json_bool(&b, "t", true);
	json_uint(&b, "u", UINT64_C(18446744073709551615));
	json_int(&b, "i", -3);
	json_seconds(&b, "d", 1500 * NS_PER_MS);
	buf_addc(&b, '}');
	CHECK_STR(b.data, "{\"a\":1,\"s\":\"x\\\"y\\n\",\"n\":null,\"t\":true,"
		  "\"u\":18446744073709551615,\"i\":-3,\"d\":1.500}");
	buf_free(&b);
}

static void test_xml(void)
{
	struct buf b = BUF_INIT;
	static const char in[] = "a<b>&\"'\t\n\r\x01\xff]]>";

	xml_escape(&b, in, sizeof in - 1, false);
	CHECK_STR(b.data, "a&lt;b&gt;&amp;\"'\t\n&#13;\xe2\x90\x81\xef\xbf\xbd]]&gt;");
	buf_reset(&b);
	xml_escape(&b, in, sizeof in - 1, true);
	CHECK_STR(b.data, "a&lt;b&gt;&amp;&quot;&apos;&#9;&#10;&#13;\xe2\x90\x81\xef\xbf\xbd]]&gt;");
	buf_free(&b);
}

/*
 * What the human report shows of a string from a test: printable text and
 * UTF-8 as they are, controls and bytes that are not UTF-8 as C escapes.
 */
static void test_human(void)
{
	struct buf b = BUF_INIT;
	static const char in[] = "a\\b\t\n\r\x1b[1m\x01\x7f\xc2\x85\xc2\xa0\xc3\xa9\xff\xe2\x82 z";

	human_escape(&b, in, sizeof in - 1);
	CHECK_STR(b.data, "a\\\\b\\t\\n\\r\\e[1m\\x01\\x7f\\xc2\\x85\xc2\xa0\xc3\xa9\\xff\\xe2\\x82 z");
	/* A plain name is copied as it is. */
	buf_reset(&b);
	human_escapes(&b, "bin/unit Suite.Case/0");
	CHECK_STR(b.data, "bin/unit Suite.Case/0");
	/* For Automake's and ptest's lines a backslash stays itself. */
	buf_reset(&b);
	controls_escapes(&b, "a\\b\rc");
	CHECK_STR(b.data, "a\\b\\rc");
	buf_reset(&b);
	human_escapes(&b, NULL);
	CHECK_STR(b.data, "");
	/* Each byte that needs an escape is seen wherever it is (plain names go eight at a time). */
	for (size_t at = 0; at < 19; at++) {
		static const char specials[] = { '\\', 0x7f, 0x1f, 0x01, 0x0b, (char)0x80, (char)0xff };

		for (size_t k = 0; k < sizeof specials; k++) {
			char one[20], want[32];

			memset(one, 'a', 19);
			one[19] = 0;
			one[at] = specials[k];
			buf_reset(&b);
			human_escapes(&b, one);
			if (specials[k] == '\\')
				snprintf(want, sizeof want, "%.*s\\\\%s", (int)at, one, one + at + 1);
			else
				snprintf(want, sizeof want, "%.*s\\x%02x%s", (int)at, one,
					 (unsigned char)specials[k], one + at + 1);
			CHECK_STR(b.data, want);
		}
	}
	buf_free(&b);
}

static void test_commands(void)
{
	struct command c, copy;
	const char *why = NULL;

	CHECK_INT(command_parse(&c, "valgrind -q --log-file='a b' \"x\\\"y\"", &why), 0);
	CHECK_STR(c.text, "valgrind -q --log-file='a b' \"x\\\"y\"");
	CHECK_INT(c.argv.n, 4);
	if (c.argv.n == 4) {
		CHECK_STR(c.argv.v[2], "--log-file=a b");
		CHECK_STR(c.argv.v[3], "x\"y");
	}
	command_copy(&copy, &c);
	command_free(&c);
	CHECK(c.text == NULL && c.argv.n == 0);
	CHECK_INT(copy.argv.n, 4);
	CHECK_STR(copy.text, "valgrind -q --log-file='a b' \"x\\\"y\"");
	command_free(&copy);
	CHECK_INT(command_parse(&c, "a 'b", &why), -1);
	CHECK_STR(why, "unterminated single quote");
	CHECK(c.text == NULL && c.argv.n == 0);
	CHECK_INT(command_parse(&c, "", &why), 0);
	CHECK_STR(c.text, "");
	CHECK_INT(c.argv.n, 0);
	command_free(&c);
}

/* json_bytes: text when it is UTF-8, else base64; in pieces the same as whole. */
static void test_json_bytes(void)
{
	static const char text[] = "h\xc3\xa9llo \xe2\x82\xac\xf0\x9f\x98\x80 \"q\"\n";
	static const char bin[] = "a\xff\x00z";
	struct buf whole = BUF_INIT, pieces = BUF_INIT, back = BUF_INIT;
	struct json_bytes_state st;
	size_t max;

	json_bytes(&whole, "out", text, sizeof text - 1);
	CHECK_STR(whole.data, ",\"out\":\"h\xc3\xa9llo \xe2\x82\xac\xf0\x9f\x98\x80 \\\"q\\\"\\n\"");
	for (max = 1; max < sizeof text + 2; max++) {
		buf_reset(&pieces);
		json_bytes_begin(&pieces, "out", text, sizeof text - 1, &st);
		while (json_bytes_next(&pieces, &st, max))
			;
		CHECK_STR(pieces.data, whole.data);
	}
	buf_reset(&whole);
	json_bytes(&whole, "out", bin, sizeof bin - 1);
	CHECK_STR(whole.data, ",\"out_base64\":\"Yf8Aeg==\"");
	for (max = 1; max < 8; max++) {
		buf_reset(&pieces);
		json_bytes_begin(&pieces, "out", bin, sizeof bin - 1, &st);
		while (json_bytes_next(&pieces, &st, max))
			;
		CHECK_STR(pieces.data, whole.data);
	}
	CHECK_INT(base64_decode("Yf8Aeg==", 8, &back), 0);
	CHECK_INT(back.len, 4);
	CHECK(back.len == 4 && memcmp(back.data, bin, 4) == 0);
	buf_reset(&back);
	CHECK_INT(base64_decode("Yf8A", 4, &back), 0);
	CHECK_INT(back.len, 3);
	CHECK_INT(base64_decode("Yf8", 3, &back), -1);
	CHECK_INT(base64_decode("Y=8A", 4, &back), -1);
	CHECK_INT(base64_decode("Yf!A", 4, &back), -1);
	/* One NUL, invalid or UTF-8 byte anywhere in a long ASCII run (eight at a time). */
	for (max = 0; max < 40; max++) {
		char run[40];
		static const char odd[] = { 0, (char)0xff, (char)0x80, 0x7f, (char)0xc3 };
		size_t k;

		for (k = 0; k < ARRAY_SIZE(odd); k++) {
			memset(run, 'a', sizeof run);
			run[max] = odd[k];
			buf_reset(&whole);
			json_bytes(&whole, "o", run, sizeof run);
			/* DEL is plain text; a lone 0xc3 at the end or before 'a' is not UTF-8. */
			CHECK(strncmp(whole.data, odd[k] == 0x7f ? ",\"o\":\"" : ",\"o_base64\":\"",
				      odd[k] == 0x7f ? 6 : 13) == 0);
		}
	}
	buf_reset(&whole);
	json_bytes(&whole, "e", "", 0);
	CHECK_STR(whole.data, ",\"e\":\"\"");
	buf_free(&whole);
	buf_free(&pieces);
	buf_free(&back);
}

int main(void)
{
	RUN(test_signal_names);
	RUN(test_seconds);
	RUN(test_timestamps);
	RUN(test_json_members);
	RUN(test_xml);
	RUN(test_human);
	RUN(test_commands);
	RUN(test_json_bytes);
	return check_done();
}

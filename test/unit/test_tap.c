/*
 * test_tap.c - the TAP reader: every rule of the tap protocol (plans,
 * directives, numbering, bail out, YAML, subtests), the exact detail text,
 * the same summary for any chunking, and bounded memory on huge streams.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/tap.h"

#include "../tap_same.h"
#include "testrig/util.h"

struct want {
	bool ok;
	bool has_plan;
	unsigned planned;
	bool skip_all;
	unsigned ran, failed, todo, skipped;
	bool bailed;
	const char *detail;      /* NULL: no detail */
};

static void parse_chunked(const char *s, size_t n, size_t chunk, struct tap_summary *out)
{
	struct tap *t = tap_new();
	size_t i;

	for (i = 0; i < n; i += chunk)
		tap_feed(t, s + i, n - i < chunk ? n - i : chunk);
	tap_finish(t, out);
	tap_free(t);
}

static void parse_split(const char *s, size_t n, size_t at, struct tap_summary *out)
{
	struct tap *t = tap_new();

	tap_feed(t, s, at);
	tap_feed(t, s + at, n - at);
	tap_finish(t, out);
	tap_free(t);
}

static void check_summary(const struct tap_summary *s, const struct want *w)
{
	CHECK_INT(s->stream_ok, w->ok);
	CHECK_INT(s->has_plan, w->has_plan);
	CHECK_INT(s->planned, w->planned);
	CHECK_INT(s->skip_all, w->skip_all);
	CHECK_INT(s->ran, w->ran);
	CHECK_INT(s->failed, w->failed);
	CHECK_INT(s->todo, w->todo);
	CHECK_INT(s->skipped, w->skipped);
	CHECK_INT(s->bailed_out, w->bailed);
	if (w->detail)
		CHECK_STR(s->detail, w->detail);
	else
		CHECK(s->detail == NULL);
}

/*
 * Parses `tap` whole, checks the summary, then checks that every chunking
 * (fixed sizes, and two pieces split at every byte) gives the same summary.
 */
static void expect_at(int line, const char *tap, struct want w)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 4096 };
	struct tap_summary whole, other;
	size_t n = strlen(tap), i;
	int before = check_failed_count;
	bool all_same = true;

	parse_chunked(tap, n, n ? n : 1, &whole);
	check_summary(&whole, &w);
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		parse_chunked(tap, n, chunks[i], &other);
		if (!same(&whole, &other)) {
			fprintf(stderr, "  chunks of %zu differ\n", chunks[i]);
			all_same = false;
		}
		tap_summary_free(&other);
	}
	for (i = 0; i <= n; i++) {
		parse_split(tap, n, i, &other);
		if (!same(&whole, &other)) {
			fprintf(stderr, "  split at %zu differs\n", i);
			all_same = false;
		}
		tap_summary_free(&other);
	}
	CHECK(all_same);
	tap_summary_free(&whole);
	if (check_failed_count != before)
		fprintf(stderr, "  (the stream at line %d)\n", line);
}

#define EXPECT(tap, ...) expect_at(__LINE__, tap, (struct want){ __VA_ARGS__ })

static void test_passing(void)
{
	EXPECT("1..3\nok 1 - a\nok 2 - b\nok 3 - c\n",
	       .ok = true, .has_plan = true, .planned = 3, .ran = 3);
	/* TAP 12: no version, no numbers */
	EXPECT("1..2\nok\nok\n", .ok = true, .has_plan = true, .planned = 2, .ran = 2);
	EXPECT("TAP version 13\n1..1\nok 1\n",
	       .ok = true, .has_plan = true, .planned = 1, .ran = 1);
	EXPECT("TAP version 14\npragma +strict\n# hello\n1..2\n\nok 1 first\n"
	       "garbage line\npragma -strict\nok 2 - second\n# done\n",
	       .ok = true, .has_plan = true, .planned = 2, .ran = 2);
	/* a last line without newline still counts */
	EXPECT("1..1\nok 1", .ok = true, .has_plan = true, .planned = 1, .ran = 1);
	EXPECT("1..2\r\nok 1\r\nok 2\r\n", .ok = true, .has_plan = true, .planned = 2, .ran = 2);
	EXPECT("\xef\xbb\xbf" "1..1\nok 1\n", .ok = true, .has_plan = true, .planned = 1, .ran = 1);
	/* a plan may carry a comment */
	EXPECT("1..1 # one\nok 1\n", .ok = true, .has_plan = true, .planned = 1, .ran = 1);
	/* what is not a test point or plan */
	EXPECT("1..1\nok 1\nokay 2\nok2\nnotok 3\nnot  ok 4\n2..3\n1..2x\n",
	       .ok = true, .has_plan = true, .planned = 1, .ran = 1);
}

static void test_plans(void)
{
	EXPECT("ok 1\nok 2\n1..2\n", .ok = true, .has_plan = true, .planned = 2, .ran = 2);
	EXPECT("ok 1\nok 2\n", .has_plan = false, .ran = 2, .detail = "no plan");
	EXPECT("", .detail = "no plan");
	EXPECT("# nothing at all\n", .detail = "no plan");
	EXPECT("1..4\nok 1\nok 2\nok 3\n", .has_plan = true, .planned = 4, .ran = 3,
	       .detail = "planned 4 tests but 3 ran");
	EXPECT("1..1\nok 1\nok 2\n", .has_plan = true, .planned = 1, .ran = 2,
	       .detail = "planned 1 tests but 2 ran");
	EXPECT("1..2\nok 1\nok 2\n1..2\n", .has_plan = true, .planned = 2, .ran = 2,
	       .detail = "more than one plan");
	EXPECT("1..2\n1..3\n1..4\nok 1\nok 2\n", .has_plan = true, .planned = 2, .ran = 2,
	       .detail = "more than one plan");
	EXPECT("ok 1\n1..2\nok 2\n", .has_plan = true, .planned = 2, .ran = 2,
	       .detail = "plan 1..2 in the middle of the test points");
	EXPECT("ok 1\n1..3\nok 2\nok 3\n", .has_plan = true, .planned = 3, .ran = 3,
	       .detail = "plan 1..3 in the middle of the test points");
	EXPECT("1..99999999999999999999\nok 1\n", .has_plan = true, .planned = 4294967295u,
	       .ran = 1, .detail = "planned 4294967295 tests but 1 ran");
	/* an indented plan belongs to a subtest */
	EXPECT("    1..1\nok 1\n", .ran = 1, .detail = "no plan");
}

static void test_skip_all(void)
{
	EXPECT("1..0 # SKIP no network\n",
	       .ok = true, .has_plan = true, .skip_all = true);
	EXPECT("1..0\n", .ok = true, .has_plan = true, .skip_all = true);
	EXPECT("TAP version 14\n1..0 # skip because English-to-French translator isn't installed\n",
	       .ok = true, .has_plan = true, .skip_all = true);
	/* prove: a skip-all plan with test points is a bad plan */
	EXPECT("1..0 # SKIP nothing\nok 1\n", .has_plan = true, .skip_all = true, .ran = 1,
	       .detail = "planned 0 tests but 1 ran");
}

static void test_directives(void)
{
	EXPECT("1..6\nok 1 - a # SKIP no disk\nok 2 # skip\nok 3 #SKIPPED for now\n"
	       "ok 4 - d # Skipping it\nok 5 - # SKIP\nok 6 - f # skipper? still a skip\n",
	       .ok = true, .has_plan = true, .planned = 6, .ran = 6, .skipped = 6);
	EXPECT("1..4\nnot ok 1 - a # TODO later\nnot ok 2 # todo\nok 3 - c # TODO done early\n"
	       "not ok 4 - d #TODO: soon\n",
	       .ok = true, .has_plan = true, .planned = 4, .ran = 4, .todo = 3);
	/* not a TODO: the word goes on; an unrelated comment */
	EXPECT("1..2\nnot ok 1 - a # TODOLIST\nnot ok 2 - b # just a note\n",
	       .has_plan = true, .planned = 2, .ran = 2, .failed = 2,
	       .detail = "not ok 1 - a\nnot ok 2 - b");
	/* an escaped '#' is part of the description */
	EXPECT("1..2\nnot ok 1 - a \\# TODO not really\nok 2 - b \\# SKIP no\n",
	       .has_plan = true, .planned = 2, .ran = 2, .failed = 1,
	       .detail = "not ok 1 - a # TODO not really");
	/* ... but an escaped backslash before it is not an escape */
	EXPECT("1..1\nnot ok 1 - a\\\\# TODO really\n",
	       .ok = true, .has_plan = true, .planned = 1, .ran = 1, .todo = 1);
	EXPECT("1..1\nnot ok 1 - a\\\\# skip x\n", .has_plan = true, .planned = 1,
	       .ran = 1, .failed = 1, .detail = "not ok 1 - a\\ # skip x");
	/* only the first unescaped '#' may start a directive (as in prove) */
	EXPECT("1..1\nnot ok 1 - a # note # TODO\n", .has_plan = true, .planned = 1,
	       .ran = 1, .failed = 1, .detail = "not ok 1 - a");
	/* a failing SKIP still fails (as in prove) */
	EXPECT("1..2\nnot ok 1 - x # SKIP no disk\nok 2\n", .has_plan = true, .planned = 2,
	       .ran = 2, .failed = 1, .detail = "not ok 1 - x # SKIP no disk");
}

static void test_failures(void)
{
	EXPECT("1..3\nok 1 - first\nnot ok 2 - second\n# a diagnostic\nok 3 - third\n",
	       .has_plan = true, .planned = 3, .ran = 3, .failed = 1,
	       .detail = "not ok 2 - second");
	EXPECT("1..3\nnot ok 1\nnot ok - b\nnot ok c  \n",
	       .has_plan = true, .planned = 3, .ran = 3, .failed = 3,
	       .detail = "not ok 1\nnot ok 2 - b\nnot ok 3 - c");
	EXPECT("1..2\nnot ok 1 frobs\nnot ok 2\t-\tfrobs too\r\n",
	       .has_plan = true, .planned = 2, .ran = 2, .failed = 2,
	       .detail = "not ok 1 - frobs\nnot ok 2 - frobs too");
	EXPECT("1..1\nnot ok 1 -\n", .has_plan = true, .planned = 1, .ran = 1,
	       .failed = 1, .detail = "not ok 1");
	/* a failure and a short count: both said */
	EXPECT("1..5\nnot ok 1 - a\nok 2\n", .has_plan = true, .planned = 5, .ran = 2,
	       .failed = 1, .detail = "not ok 1 - a\nplanned 5 tests but 2 ran");
	/* terminal control characters are not passed on */
	EXPECT("1..1\nnot ok 1 - a\x1b[31mred\tx\n", .has_plan = true, .planned = 1,
	       .ran = 1, .failed = 1, .detail = "not ok 1 - a?[31mred x");
	/* the description starts after the number */
	EXPECT("not ok 7-a\n1..1\n", .has_plan = true, .planned = 1, .ran = 1, .failed = 1,
	       .detail = "test number 7 out of sequence, expected 1\nnot ok 7 - -a");
}

static void test_numbers(void)
{
	EXPECT("1..3\nok 1\nok 2\nok 5\n", .has_plan = true, .planned = 3, .ran = 3,
	       .detail = "test number 5 out of sequence, expected 3");
	EXPECT("1..2\nok 1\nok 1\n", .has_plan = true, .planned = 2, .ran = 2,
	       .detail = "test number 1 out of sequence, expected 2");
	/* numbers may come and go; the count is what is expected */
	EXPECT("1..3\nok\nok 2\nok\n", .ok = true, .has_plan = true, .planned = 3, .ran = 3);
	/* as prove does, every point after a gap is out of sequence */
	EXPECT("1..3\nok 2\nok 3\nnot ok 4 - d\n", .has_plan = true, .planned = 3, .ran = 3,
	       .failed = 1,
	       .detail = "test number 2 out of sequence, expected 1\n"
			 "test number 3 out of sequence, expected 2\n"
			 "test number 4 out of sequence, expected 3\nnot ok 4 - d");
	EXPECT("1..1\nok 99999999999999999999999\n", .has_plan = true, .planned = 1, .ran = 1,
	       .detail = "test number 18446744073709551615 out of sequence, expected 1");
	EXPECT("1..1\nok 001\n", .ok = true, .has_plan = true, .planned = 1, .ran = 1);
}

static void test_bail_out(void)
{
	EXPECT("1..3\nok 1\nBail out! the database is gone\nnot ok 2\n1..7\n",
	       .has_plan = true, .planned = 3, .ran = 1, .bailed = true,
	       .detail = "Bail out! the database is gone");
	EXPECT("1..3\nok 1\nBail out!", .has_plan = true, .planned = 3, .ran = 1,
	       .bailed = true, .detail = "Bail out!");
	EXPECT("1..1\nnot ok 1 - db\nbail out!   no db  \r\n", .has_plan = true, .planned = 1,
	       .ran = 1, .failed = 1, .bailed = true, .detail = "not ok 1 - db\nBail out! no db");
	/* without a plan, the bail out is the news */
	EXPECT("Bail out! early\n", .bailed = true, .detail = "Bail out! early");
	/* only at the top level: an indented one is a subtest's or YAML text */
	EXPECT("1..1\n    Bail out! inner\nok 1\n",
	       .ok = true, .has_plan = true, .planned = 1, .ran = 1);
	/* "Bail out" needs its '!' */
	EXPECT("1..1\nBail out\nok 1\n", .ok = true, .has_plan = true, .planned = 1, .ran = 1);
}

static void test_yaml(void)
{
	EXPECT("TAP version 13\n1..3\nok 1 - first\nok 2 - second # SKIP no disk\n"
	       "ok 3 - third\n  ---\n  note: yaml is skipped\n  ...\n",
	       .ok = true, .has_plan = true, .planned = 3, .ran = 3, .skipped = 1);
	EXPECT("TAP version 13\n1..2\nnot ok 1 - First line\n  ---\n"
	       "  message: 'First line invalid'\n  severity: fail\n  data:\n"
	       "    got: 'Flirble'\n  got: 1\n  expected: 2\n  found: 3\n  ...\nok 2\n",
	       .has_plan = true, .planned = 2, .ran = 2, .failed = 1,
	       .detail = "not ok 1 - First line\n    message: 'First line invalid'\n"
			 "    got: 1\n    expected: 2");
	/* block scalars and nested maps: the first line of the value */
	EXPECT("1..1\nnot ok 1 - x\n# after a comment\n\n  ---\n  message: |\n"
	       "    line one\n\n    line two\n  found:\n    hostname: peebles\n"
	       "  wanted: >-\n    w\n  ...\n",
	       .has_plan = true, .planned = 1, .ran = 1, .failed = 1,
	       .detail = "not ok 1 - x\n    message: line one\n    found: hostname: peebles\n"
			 "    wanted: w");
	/* YAML text that looks like TAP is YAML */
	EXPECT("1..1\nok 1\n  ---\n  got: |\n    not ok 2\n    1..5\n  ...\n",
	       .ok = true, .has_plan = true, .planned = 1, .ran = 1);
	/* a passing point's YAML is not quoted; nor a TODO's */
	EXPECT("1..2\nok 1\n  ---\n  message: fine\n  ...\nnot ok 2 # TODO\n  ---\n"
	       "  message: later\n  ...\n",
	       .ok = true, .has_plan = true, .planned = 2, .ran = 2, .todo = 1);
	/* a block without its "..." ends at the next top-level line */
	EXPECT("1..2\nnot ok 1 - a\n  ---\n  message: m\nnot ok 2 - b\n  message: not yaml\n",
	       .has_plan = true, .planned = 2, .ran = 2, .failed = 2,
	       .detail = "not ok 1 - a\n    message: m\nnot ok 2 - b");
	/* "---" only right after a point (comments and blank lines aside) */
	EXPECT("1..1\nnot ok 1 - a\nxyz\n  ---\n  message: m\n  ...\n",
	       .has_plan = true, .planned = 1, .ran = 1, .failed = 1, .detail = "not ok 1 - a");
	EXPECT("1..1\r\nnot ok 1 - a\r\n  ---\r\n  message: m  \r\n  ...\r\n",
	       .has_plan = true, .planned = 1, .ran = 1, .failed = 1,
	       .detail = "not ok 1 - a\n    message: m");
}

static void test_subtests(void)
{
	EXPECT("TAP version 14\n1..2\n# Subtest: inner\n    1..2\n    ok 1 - a\n"
	       "    not ok 2 - b # TODO later\nok 1 - inner\nok 2 - outer\n",
	       .ok = true, .has_plan = true, .planned = 2, .ran = 2);
	/* the parent's line decides, either way */
	EXPECT("TAP version 14\n1..2\n    # Subtest: inner\n    1..2\n    ok 1 - a\n"
	       "    not ok 2 - b\n      ---\n      message: inner\n      ...\n"
	       "ok 1 - inner # TODO parent says fine\n"
	       "    # Subtest: second\n    1..1\n    ok 1\nnot ok 2 - second\n",
	       .has_plan = true, .planned = 2, .ran = 2, .failed = 1,
	       .detail = "not ok 2 - second");
	/* TAP 13 producers (Test::More) nest the same way, plans at the end */
	EXPECT("TAP version 13\n    ok 1 - a\n    ok 2 - b\n    1..2\nok 1 - group\n"
	       "    not ok 1 - x\n    1..3\nnot ok 2 - group two\n1..2\n",
	       .has_plan = true, .planned = 2, .ran = 2, .failed = 1,
	       .detail = "not ok 2 - group two");
	/* an indented "---" after a subtest line is the subtest's YAML */
	EXPECT("1..1\nnot ok 1 - p\n    not ok 1 - c\n      ---\n      message: c\n      ...\n",
	       .has_plan = true, .planned = 1, .ran = 1, .failed = 1, .detail = "not ok 1 - p");
}

/* More failures than the detail keeps: 50 lines, then a count, then the plan. */
static void test_detail_bounded(void)
{
	struct buf tap = BUF_INIT, want = BUF_INIT;
	struct tap_summary s;
	unsigned i;

	buf_adds(&tap, "1..70\n");
	for (i = 1; i <= 60; i++) {
		buf_printf(&tap, "not ok %u - case %u\n  ---\n  message: m%u\n  ...\n", i, i, i);
		if (i <= 25)
			buf_printf(&want, "%snot ok %u - case %u\n    message: m%u",
				   i > 1 ? "\n" : "", i, i, i);
	}
	buf_adds(&want, "\n... and 35 more\nplanned 70 tests but 60 ran");
	parse_chunked(tap.data, tap.len, 7, &s);
	CHECK_INT(s.failed, 60);
	CHECK_STR(s.detail, want.data);
	CHECK(!s.stream_ok);
	tap_summary_free(&s);
	buf_free(&tap);
	buf_free(&want);
}

static long max_rss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ru.ru_maxrss;
}

/* A 10 MB line without newline: judged by its prefix, detail cut short. */
static void test_huge_line(void)
{
	static char xs[65536];
	struct buf want = BUF_INIT;
	struct tap_summary s;
	struct tap *t = tap_new();
	size_t fed;

	memset(xs, 'x', sizeof xs);
	tap_feed(t, "1..2\nok 1\nnot ok 2 - ", 21);
	for (fed = 0; fed < 10 * 1024 * 1024; fed += sizeof xs)
		tap_feed(t, xs, sizeof xs);
	tap_finish(t, &s);
	tap_free(t);
	buf_adds(&want, "not ok 2 - ");
	while (want.len < 509)
		buf_addc(&want, 'x');
	buf_adds(&want, "...");
	CHECK_INT(s.ran, 2);
	CHECK_INT(s.failed, 1);
	CHECK_STR(s.detail, want.data);
	tap_summary_free(&s);

	/* a huge "ok" line, then the stream goes on normally */
	t = tap_new();
	tap_feed(t, "1..2\nok 1 - ", 12);
	for (fed = 0; fed < 10 * 1024 * 1024; fed += sizeof xs)
		tap_feed(t, xs, sizeof xs);
	tap_feed(t, " # TODO\r\nok 2\n", 14);
	tap_finish(t, &s);
	tap_free(t);
	CHECK(s.stream_ok);
	CHECK_INT(s.ran, 2);
	CHECK(s.detail == NULL);
	tap_summary_free(&s);
	buf_free(&want);
}

/*
 * 200 MB of output in 64 KiB chunks, mostly comment lines between 20000
 * passing points: memory follows the points, not the output.
 */
static void test_huge_stream(void)
{
	const size_t chunk = 64 * 1024, total = 200u * 1024 * 1024;
	struct buf pending = BUF_INIT;
	struct tap_summary s;
	struct tap *t = tap_new();
	long rss_before = max_rss_kib();
	size_t fed = 0, lines = 0;
	unsigned n = 0;

	buf_adds(&pending, "TAP version 13\n");
	while (fed < total) {
		while (pending.len < chunk) {
			if (lines++ % 200 == 0)
				buf_printf(&pending, "ok %u - a point with some words to it\n", ++n);
			else
				buf_adds(&pending, "# a diagnostic line of the sort a chatty test prints\n");
		}
		tap_feed(t, pending.data, chunk);
		memmove(pending.data, pending.data + chunk, pending.len - chunk);
		buf_setlen(&pending, pending.len - chunk);
		fed += chunk;
	}
	buf_printf(&pending, "1..%u\n", n);
	tap_feed(t, pending.data, pending.len);
	tap_finish(t, &s);
	tap_free(t);
	CHECK(s.stream_ok);
	CHECK(n > 10000);
	CHECK_INT(s.ran, n);
	CHECK_INT(s.npoints, n);
	CHECK_INT(s.planned, n);
	CHECK_STR(point_at(&s, n - 1)->description, "- a point with some words to it");
	CHECK(s.detail == NULL);
	/* Generous: sanitizers' shadow memory moves the peak a little. */
	CHECK(max_rss_kib() - rss_before < 32 * 1024);
	tap_summary_free(&s);
	buf_free(&pending);
}

/* 100000 points cost little memory: past a bound they wait in a temporary file. */
static void test_many_points(void)
{
	struct buf line = BUF_INIT;
	struct tap_summary s;
	struct tap *t = tap_new();
	long rss_before = max_rss_kib();
	unsigned i, n = 100000;

	for (i = 1; i <= n; i++) {
		buf_reset(&line);
		buf_printf(&line, "%s %u - p%u%s\n", i % 7 ? "ok" : "not ok", i, i,
			   i % 11 ? "" : " # TODO later");
		tap_feed(t, line.data, line.len);
	}
	buf_reset(&line);
	buf_printf(&line, "1..%u\n", n);
	tap_feed(t, line.data, line.len);
	tap_finish(t, &s);
	tap_free(t);
	CHECK_INT(s.npoints, n);
	CHECK_INT(point_at(&s, 76)->number, 77);
	CHECK(point_at(&s, 76)->directive == TAP_TODO);
	CHECK(!point_at(&s, 76)->ok);
	CHECK_STR(point_at(&s, 76)->reason, "later");
	CHECK_STR(point_at(&s, n - 1)->description, "- p100000");
	CHECK(max_rss_kib() - rss_before < 24 * 1024);
	tap_summary_free(&s);
	buf_free(&line);
}

/* Each point as the reports show it: number, description, directive, reason. */
static void test_points(void)
{
	static const char tap[] =
		"TAP version 14\n"
		"ok 1 - first \\# not a directive\n"
		"not ok 2 second one # TODO fix the frobnicator  \n"
		"ok 3 # skip no network\n"
		"ok\n"
		"ok 7 -   spaced\tout\n"
		"not ok 6 # SKIP fails anyway\n"
		"  ok 1 - a subtest point is not a top-level point\n"
		"ok 7 - \001bell # a comment\n"
		"1..7\n";
	static const char skipped[] = "1..0 # Skipped: no database here \n";
	static const char twice[] = "1..2\nok 1\n1..2\nok 2\n";
	static const char late[] = "ok 1\nok 2\n1..2\nok 3\n";
	static const char bail[] = "1..2\nok 1 # todo done early\nBail out!  disk full\n";
	struct tap_summary s;
	struct buf name = BUF_INIT;
	unsigned pass, fail, skip, todo, todo_passed;

	parse_chunked(tap, sizeof tap - 1, sizeof tap, &s);
	CHECK_INT(s.npoints, 7);
	CHECK_INT(point_at(&s, 0)->number, 1);
	CHECK_STR(point_at(&s, 0)->description, "- first \\# not a directive");
	buf_reset(&name);
	tap_point_name(point_at(&s, 0), &name);
	CHECK_STR(name.data, "first # not a directive");
	CHECK(point_at(&s, 0)->directive == TAP_NO_DIRECTIVE);
	CHECK_STR(point_at(&s, 0)->reason, "");
	CHECK_STR(point_at(&s, 1)->description, "second one");
	CHECK(point_at(&s, 1)->directive == TAP_TODO);
	CHECK_STR(point_at(&s, 1)->reason, "fix the frobnicator");
	CHECK(!point_at(&s, 1)->ok);
	CHECK(point_at(&s, 2)->directive == TAP_SKIP);
	CHECK_STR(point_at(&s, 2)->description, "");
	CHECK_STR(point_at(&s, 2)->reason, "no network");
	CHECK_INT(point_at(&s, 3)->number, 4);
	CHECK(!point_at(&s, 3)->out_of_order);
	CHECK_INT(point_at(&s, 4)->number, 7);
	CHECK(point_at(&s, 4)->out_of_order);
	CHECK_STR(point_at(&s, 4)->description, "-   spaced out");
	buf_reset(&name);
	tap_point_name(point_at(&s, 4), &name);
	CHECK_STR(name.data, "spaced out");
	CHECK(!point_at(&s, 5)->ok);
	CHECK(point_at(&s, 5)->directive == TAP_SKIP);
	CHECK_STR(point_at(&s, 6)->description, "- ?bell # a comment");
	CHECK(s.skip_reason == NULL);
	CHECK(s.bail_reason == NULL);
	tap_point_counts(&s, &pass, &fail, &skip, &todo, &todo_passed);
	CHECK_INT(pass, 4);
	CHECK_INT(fail, 1);
	CHECK_INT(skip, 1);
	CHECK_INT(todo, 1);
	CHECK_INT(todo_passed, 0);
	tap_summary_free(&s);

	parse_chunked(skipped, strlen(skipped), 64, &s);
	CHECK_STR(s.skip_reason, "no database here");
	CHECK_INT(s.npoints, 0);
	tap_summary_free(&s);
	parse_chunked("1..0\n", 5, 64, &s);
	CHECK_STR(s.skip_reason, "");
	tap_summary_free(&s);
	parse_chunked(bail, strlen(bail), 64, &s);
	CHECK_STR(s.bail_reason, "disk full");
	tap_point_counts(&s, &pass, &fail, &skip, &todo, &todo_passed);
	CHECK_INT(todo, 1);
	CHECK_INT(todo_passed, 1);
	tap_summary_free(&s);
	parse_chunked(late, strlen(late), 64, &s);
	CHECK_INT(s.npoints, 3);
	CHECK(!point_at(&s, 0)->after_late_plan);
	CHECK(!point_at(&s, 1)->after_late_plan);
	CHECK(point_at(&s, 2)->after_late_plan);
	CHECK(s.plan_late);
	tap_summary_free(&s);
	parse_chunked(twice, strlen(twice), 64, &s);
	CHECK(s.plan_twice);
	CHECK_INT(s.plan_twice_at, 1);
	tap_summary_free(&s);
	buf_free(&name);
}

/* tap_free(NULL) and freeing an unused summary are harmless. */
static void test_lifecycle(void)
{
	struct tap_summary s;
	struct tap *t = tap_new();

	tap_free(NULL);
	tap_feed(t, "", 0);
	tap_feed(t, "1..1\nok 1\n", 10);
	tap_finish(t, &s);
	CHECK(s.stream_ok);
	tap_summary_free(&s);
	tap_summary_free(&s);
	tap_free(t);
}

int main(void)
{
	RUN(test_passing);
	RUN(test_plans);
	RUN(test_skip_all);
	RUN(test_directives);
	RUN(test_failures);
	RUN(test_numbers);
	RUN(test_bail_out);
	RUN(test_yaml);
	RUN(test_subtests);
	RUN(test_detail_bounded);
	RUN(test_huge_line);
	RUN(test_points);
	RUN(test_huge_stream);
	RUN(test_many_points);
	RUN(test_lifecycle);
	return check_done();
}

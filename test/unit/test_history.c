/*
 * test_history.c - history.gz without a run: merging results (new tests,
 * known tests, the 20-run window, the running mean of passing runs, lines
 * it cannot read), loading it for a test list, and the schedule it gives.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "testrig/attempt.h"
#include "testrig/gz.h"
#include "testrig/history.h"
#include "testrig/util.h"

static char dir[] = "/tmp/test_history.XXXXXX";
static char *file;

/* The tests results name: cases, whose addresses stay put, of binaries made on demand. */
static struct test_list named;

static const struct test *test_named(const char *bin, const char *name)
{
	struct binary *b = NULL;
	size_t i;

	if (!named.nsuites)
		test_list_add_suite(&named, "s", PROTO_GTEST);
	for (i = 0; i < named.nbins && !b; i++)
		if (strcmp(named.bins[i]->id, bin) == 0)
			b = named.bins[i];
	if (!b)
		b = test_list_add_binary(&named, named.suites[0], bin, bin);
	for (i = 0; i < named.ncases; i++)
		if (named.cases[i]->bin == b && strcmp(named.cases[i]->name, name) == 0)
			return named.cases[i];
	return test_list_add_case(&named, b, name);
}

static struct history_result result_of(const struct test *t, char outcome, int64_t ms)
{
	struct history_result r;

	memset(&r, 0, sizeof r);
	r.test = t;
	r.outcome = outcome;
	r.verdict = outcome == 'F' ? V_FAIL : V_PASS;
	r.duration = ms * NS_PER_MS;
	return r;
}

static struct history_result result(const char *test, char outcome, int64_t ms)
{
	return result_of(test_named("bin/a", test), outcome, ms);
}

static void merge(struct history_result *r, size_t n)
{
	struct buf err = BUF_INIT;

	CHECK_INT(history_merge(file, NULL, "run-id", r, n, &err), 0);
	CHECK_STR(err.data ? err.data : "", "");
	buf_free(&err);
}

static void test_merge_and_load(void)
{
	struct test_list l;
	struct history *h;
	struct buf err = BUF_INIT;
	struct history_result r[3];
	size_t order[4] = { 0, 1, 2, 3 };
	struct suite *s;
	struct binary *b;
	int i;

	/* T.slow passes 25 times (window 20); T.fast passes with 10ms; T.bad fails. */
	for (i = 0; i < 25; i++) {
		r[0] = result("T.slow", 'P', 100 + i);
		r[1] = result("T.fast", i % 5 == 4 ? 'K' : 'P', 10);
		r[2] = result("T.bad", 'F', 500);
		merge(r, 3);
	}
	test_list_init(&l);
	s = test_list_add_suite(&l, "s", PROTO_GTEST);
	b = test_list_add_binary(&l, s, "bin/a", "bin/a");
	test_list_add_test(&l, b, "T.fast", false);
	test_list_add_test(&l, b, "T.new", false);
	test_list_add_test(&l, b, "T.slow", false);
	test_list_add_test(&l, b, "T.bad", false);
	CHECK_INT(history_load(file, &l, &h, &err), 0);
	CHECK(l.tests[1].history == NULL);
	CHECK(l.tests[0].history && l.tests[2].history && l.tests[3].history);
	if (l.tests[0].history && l.tests[2].history && l.tests[3].history) {
		CHECK_INT(strlen(l.tests[2].history->recent), 20);
		CHECK_STR(l.tests[3].history->recent, "FFFFFFFFFFFFFFFFFFFF");
		CHECK_STR(l.tests[0].history->recent, "PPPPKPPPPKPPPPKPPPPK");
		/* The mean follows the window: passes of 105..124 ms. */
		CHECK(l.tests[2].history->mean_duration > 0.105 &&
		      l.tests[2].history->mean_duration < 0.124);
	}
	/* The last duration is the file's (a run replaces it without reading it). */
	{
		struct buf out = BUF_INIT, perr = BUF_INIT;

		CHECK_INT(history_print(file, NULL, 0, true, &out, &perr), 0);
		CHECK(out.data && strstr(out.data, "\"last_duration\":0.124000,\"recent\":\"PPPPPPPPPPPPPPPPPPPP\""));
		buf_free(&out);
		buf_free(&perr);
	}
	/* Failed last time, then never seen, then the longest first. */
	history_order(order, 4, &l);
	CHECK_INT(order[0], 3);
	CHECK_INT(order[1], 1);
	CHECK_INT(order[2], 2);
	CHECK_INT(order[3], 0);
	history_free(h);
	test_list_free(&l);
	buf_free(&err);
}

/* history_after: what a report shows, this run included. */
static void test_after(void)
{
	struct test_history h;
	struct test_outcome o;
	struct history_counts c;

	memset(&h, 0, sizeof h);
	strcpy(h.recent, "PFPPPPPPPPPPPPPPPPPK");
	memset(&o, 0, sizeof o);
	o.outcome = OUT_FAILED;
	history_after(&h, &o, &c);
	CHECK_INT(c.runs, 20);
	CHECK_INT(c.failures, 2);    /* the oldest P slid out, this F came in */
	CHECK_INT(c.flaky, 1);
	history_after(NULL, &o, &c);
	CHECK_INT(c.runs, 1);
	CHECK_INT(c.failures, 1);
	o.outcome = OUT_PASSED;
	o.flaky = true;
	history_after(NULL, &o, &c);
	CHECK_INT(c.flaky, 1);
	CHECK_INT(c.failures, 0);
}

/* Lines it cannot read are dropped and said; the rest is kept. */
static char *printed(const char *path);

/* The last result a line keeps: flaky for K, else the verdict as JSON names it. */
static void test_result_names(void)
{
	char *path = xasprintf("%s/names.gz", dir), *text;
	struct history_result r[3];
	struct buf err = BUF_INIT;

	r[0] = result("N.flaky", 'K', 1);
	r[1] = result("N.crash", 'F', 1);
	r[1].verdict = V_SIGNAL;
	r[1].signo = SIGSEGV;
	r[2] = result("N.skip", 'S', 1);
	r[2].verdict = V_SKIP;
	CHECK_INT(history_merge(path, NULL, "id", r, 3, &err), 0);
	text = printed(path);
	CHECK(strstr(text, "\"test\":\"N.flaky\"") &&
	      strstr(strstr(text, "\"test\":\"N.flaky\""), "\"last_result\":\"flaky\""));
	CHECK(strstr(text, "\"test\":\"N.crash\"") &&
	      strstr(strstr(text, "\"test\":\"N.crash\""), "\"last_result\":\"sigsegv\""));
	CHECK(strstr(text, "\"test\":\"N.skip\"") &&
	      strstr(strstr(text, "\"test\":\"N.skip\""), "\"last_result\":\"skip\""));
	free(text);
	free(path);
	buf_free(&err);
}

static void test_damaged_lines(void)
{
	static const char lines[] = "{not json\n"
		"{\"binary_id\":\"bin/a\",\"test\":\"T.y\",\"recent\":\"P\",\"mean_duration\":1,"
		"\"last_duration\":1}\n";
	char *junk = xasprintf("%s/junk.gz", dir);
	struct history_result r = result("T.x", 'P', 1);
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct gz_writer *w;
	int fd = open(junk, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	w = gz_writer_open(fd, 6);
	gz_write(w, lines, sizeof lines - 1);
	gz_writer_close(w, false);
	CHECK_INT(history_merge(junk, NULL, "id", &r, 1, &err), 0);
	CHECK(err.data && strstr(err.data, "1 unreadable line"));
	buf_reset(&err);
	CHECK_INT(history_print(junk, NULL, 0, true, &out, &err), 0);
	CHECK(out.data && strstr(out.data, "\"test\":\"T.y\"") && strstr(out.data, "\"test\":\"T.x\""));
	CHECK(out.data && !strstr(out.data, "not json"));
	free(junk);
	buf_free(&err);
	buf_free(&out);
}

/* The history of `path` as `testrig history --format json` prints it. */
static char *printed(const char *path)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	CHECK_INT(history_print(path, NULL, 0, true, &out, &err), 0);
	buf_free(&err);
	return buf_detach(&out, NULL);
}

/*
 * Merging into the very file a run loaded (same stamp) rewrites its tests'
 * lines from the entries read at the start and copies other tests' lines
 * unread: the result is the same as merging by parsing every line.  A file
 * changed since (another run merged) is parsed again.
 */
static void test_merge_from_memory(void)
{
	char *a = xasprintf("%s/a.gz", dir), *b = xasprintf("%s/b.gz", dir), *pa, *pb, *cmd;
	struct history_result r[3], first[4];
	struct buf err = BUF_INIT;
	struct test_list l;
	struct binary *bin;
	struct history *h;
	int i;

	/* A history with an escaped name, a test of another binary, and a line twice. */
	first[0] = result("T.one", 'P', 10);
	first[1] = result("T.two", 'F', 20);
	first[2] = result("T.\"q\"", 'P', 30);
	first[3] = result_of(test_named("bin/b", "T.other"), 'P', 40);
	for (i = 0; i < 3; i++)
		CHECK_INT(history_merge(a, NULL, "r1", first, 4, &err), 0);
	cmd = xasprintf("cp '%s' '%s'", a, b);
	CHECK_INT(system(cmd), 0);
	free(cmd);
	test_list_init(&l);
	bin = test_list_add_binary(&l, test_list_add_suite(&l, "s", PROTO_GTEST), "bin/a", "bin/a");
	test_list_add_test(&l, bin, "T.one", false);
	test_list_add_test(&l, bin, "T.two", false);
	test_list_add_test(&l, bin, "T.\"q\"", false);
	test_list_add_test(&l, bin, "T.new", false);
	CHECK_INT(history_load(a, &l, &h, &err), 0);
	CHECK(history_stamp(h)->valid);
	for (i = 0; i < 3; i++) {
		r[i] = result_of(&l.tests[i + (i == 2)], i == 1 ? 'F' : 'P', 50 + i);
		r[i].looked_up = true;
	}
	/* a: from memory; b (a copy, another file): parsed line by line. */
	CHECK_INT(history_merge(a, history_stamp(h), "r2", r, 3, &err), 0);
	CHECK_INT(history_merge(b, history_stamp(h), "r2", r, 3, &err), 0);
	CHECK_STR(err.data ? err.data : "", "");
	pa = printed(a);
	pb = printed(b);
	CHECK_STR(pa, pb);
	CHECK(strstr(pa, "\"test\":\"T.one\",\"suite\":\"s\",\"runs\":4") != NULL);
	CHECK(strstr(pa, "\"test\":\"T.other\",\"suite\":\"s\",\"runs\":3") != NULL);
	CHECK(strstr(pa, "\"test\":\"T.new\",\"suite\":\"s\",\"runs\":1") != NULL);
	CHECK(strstr(pa, "\"recent\":\"FFFF\"") != NULL);
	CHECK(strstr(pa, "\"test\":\"T.two\"") &&
	      strstr(strstr(pa, "\"test\":\"T.two\""), "\"last_result\":\"fail\""));
	/* The stamp is a's as it was: a has changed since, and is parsed again. */
	CHECK_INT(history_merge(a, history_stamp(h), "r3", r, 3, &err), 0);
	CHECK_INT(history_merge(b, NULL, "r3", r, 3, &err), 0);
	free(pa);
	free(pb);
	pa = printed(a);
	pb = printed(b);
	CHECK_STR(pa, pb);
	free(pa);
	free(pb);
	history_free(h);
	test_list_free(&l);
	buf_free(&err);
	free(a);
	free(b);
}

/* Writes `text` as the gzip file `path`. */
static void write_gz(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct gz_writer *w = gz_writer_open(fd, 6);

	gz_write(w, text, strlen(text));
	CHECK_INT(gz_writer_close(w, false), 0);
}

/* The whole decompressed text of `path`. */
static char *read_all(const char *path)
{
	struct gz_reader *r = gz_reader_open(open(path, O_RDONLY | O_CLOEXEC));
	struct buf all = BUF_INIT, line = BUF_INIT, why = BUF_INIT;

	while (gz_getline(r, &line, 1 << 20, &why) > 0) {
		buf_add(&all, line.data, line.len);
		buf_addc(&all, '\n');
	}
	gz_reader_close(r);
	buf_free(&line);
	buf_free(&why);
	return buf_detach(&all, NULL);
}

#define LINE(test, runs, mean, recent) \
	"{\"binary_id\":\"bin/a\",\"test\":\"" test "\",\"suite\":\"s\",\"runs\":" runs \
	",\"passes\":1,\"failures\":0,\"flaky\":0,\"skips\":0,\"last_result\":\"pass\"," \
	"\"last_run\":\"r0\",\"mean_duration\":" mean ",\"last_duration\":0.5,\"recent\":\"" \
	recent "\"}\n"

/*
 * Lines as testrig writes them are read without a JSON tree, any other by
 * the parser, with the same result: what the parser refuses (a count
 * "01", an empty line) is refused, what it takes (spaces, an exponent, an escape) is
 * taken, a test's first good line is its entry.  A merge into the file
 * read then (by line numbers) gives the history a merge that parses every
 * line gives; it copies a line of a test it did not run unread, even one
 * the parser would drop.
 */
static void test_fast_lines(void)
{
	static const char text[] =
		LINE("T.one", "3", "0.250000", "PPP")
		"\n"
		"{not json\n"
		"{ \"binary_id\": \"bin/a\", \"test\": \"T.two\", \"suite\": \"old\", \"recent\": \"F\", "
		"\"mean_duration\": 0.125, \"last_duration\": 2 }\n"
		LINE("T.one", "1", "9.000000", "F")
		LINE("T.gone", "1", "1.000000", "P")
		LINE("Case.found", "2", "0.100000", "PP")
		LINE("T.three", "01", "1.000000", "P")
		LINE("T.four", "1", "1e-3", "P")
		LINE("T.\\\"q\\\"", "1", "0.000001", "S")
		LINE("T.five", "1", "00.5", "P")
		LINE("T.six", "1", "0.5", "PX");
	char *a = xasprintf("%s/fast_a.gz", dir), *b = xasprintf("%s/fast_b.gz", dir), *ta, *tb;
	static const char *const names[] = { "T.one", "T.two", "T.three", "T.four", "T.\"q\"",
					     "T.five", "T.six", "T.new" };
	struct history_result r[5];
	struct buf err = BUF_INIT;
	struct test_list l;
	struct binary *bin;
	struct history *h;
	size_t i;

	write_gz(a, text);
	write_gz(b, text);
	test_list_init(&l);
	bin = test_list_add_binary(&l, test_list_add_suite(&l, "s", PROTO_GTEST), "bin/a", "bin/a");
	for (i = 0; i < ARRAY_SIZE(names); i++)
		test_list_add_test(&l, bin, names[i], false);
	CHECK_INT(history_load(a, &l, &h, &err), 0);
	CHECK(l.tests[0].history && strcmp(l.tests[0].history->recent, "PPP") == 0 &&
	      l.tests[0].history->mean_duration == 0.25);
	CHECK(l.tests[1].history && l.tests[1].history->mean_duration == 0.125);
	CHECK(l.tests[2].history == NULL);
	CHECK(l.tests[3].history && l.tests[3].history->mean_duration == 1e-3);
	CHECK(l.tests[4].history && strcmp(l.tests[4].history->recent, "S") == 0 &&
	      l.tests[4].history->mean_duration == 0.000001);
	CHECK(l.tests[5].history == NULL);
	CHECK(l.tests[6].history == NULL);
	CHECK(l.tests[7].history == NULL);
	/* Results: T.one, T.two, T."q", T.new (looked up), and a case found running. */
	r[0] = result_of(&l.tests[0], 'P', 100);
	r[1] = result_of(&l.tests[1], 'F', 200);
	r[2] = result_of(&l.tests[4], 'P', 300);
	r[3] = result_of(&l.tests[7], 'P', 400);
	for (i = 0; i < 4; i++)
		r[i].looked_up = true;
	r[4] = result_of(test_named("bin/a", "Case.found"), 'P', 500);
	CHECK_INT(history_merge(a, history_stamp(h), "r1", r, 5, &err), 0);
	CHECK_INT(history_merge(b, NULL, "r1", r, 5, &err), 0);
	/* As `testrig history` reads them: the same (a refused line of a test not run is copied unread into a). */
	ta = printed(a);
	tb = printed(b);
	CHECK_STR(ta, tb);
	free(ta);
	free(tb);
	ta = read_all(a);
	tb = read_all(b);
	CHECK(strstr(tb, "T.three") == NULL && strstr(ta, "T.three") != NULL);
	CHECK(strstr(ta, "\"test\":\"T.one\",\"suite\":\"s\",\"runs\":4") != NULL);
	/* A test's line says the suite it ran in now. */
	CHECK(strstr(ta, "\"test\":\"T.two\",\"suite\":\"s\",\"runs\":2") != NULL);
	CHECK(strstr(ta, "\"runs\":1,\"passes\":1,\"failures\":0,\"flaky\":0,\"skips\":0,"
		     "\"last_result\":\"pass\",\"last_run\":\"r0\",\"mean_duration\":9.000000") == NULL);
	CHECK(strstr(ta, "\"test\":\"Case.found\",\"suite\":\"s\",\"runs\":3") != NULL);
	CHECK(strstr(ta, "\"test\":\"T.gone\"") != NULL);
	CHECK(strstr(ta, "\"test\":\"T.new\",\"suite\":\"s\",\"runs\":1") != NULL);
	CHECK(strstr(ta, "not json") == NULL);
	free(ta);
	free(tb);
	history_free(h);
	test_list_free(&l);
	buf_free(&err);
	free(a);
	free(b);
}

/* Durations as add_micros writes them read back bit for bit as strtod reads them. */
static void test_fast_durations(void)
{
	char *path = xasprintf("%s/durations.gz", dir), name[32], mean[32];
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct test_list l;
	struct binary *bin;
	struct history *h;
	uint64_t seed = 99;
	size_t i, n = 2000;
	double *want = xcalloc(n, sizeof *want);

	test_list_init(&l);
	bin = test_list_add_binary(&l, test_list_add_suite(&l, "s", PROTO_GTEST), "bin/a", "bin/a");
	for (i = 0; i < n; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		snprintf(name, sizeof name, "T%04zu", i);
		/* Up to nine digits before the point, six after. */
		snprintf(mean, sizeof mean, "%llu.%06llu",
			 (unsigned long long)(seed >> 20) % (i % 2 ? 1000000000u : 100u),
			 (unsigned long long)(seed >> 7) % 1000000u);
		want[i] = strtod(mean, NULL);
		buf_printf(&text, "{\"binary_id\":\"bin/a\",\"test\":\"%s\",\"suite\":\"s\",\"runs\":1,"
			   "\"passes\":1,\"failures\":0,\"flaky\":0,\"skips\":0,\"last_result\":\"pass\","
			   "\"last_run\":\"r\",\"mean_duration\":%s,\"last_duration\":%s,\"recent\":\"P\"}\n",
			   name, mean, mean);
		test_list_add_test(&l, bin, name, false);
	}
	write_gz(path, text.data);
	CHECK_INT(history_load(path, &l, &h, &err), 0);
	for (i = 0; i < n; i++) {
		const struct test_history *e = l.tests[i].history;

		CHECK(e && memcmp(&e->mean_duration, &want[i], sizeof want[i]) == 0);
	}
	history_free(h);
	test_list_free(&l);
	buf_free(&text);
	buf_free(&err);
	free(want);
	free(path);
}

int main(void)
{
	int rc;

	if (!mkdtemp(dir))
		return 2;
	file = xasprintf("%s/history.gz", dir);
	RUN(test_merge_and_load);
	RUN(test_after);
	RUN(test_damaged_lines);
	RUN(test_result_names);
	RUN(test_merge_from_memory);
	RUN(test_fast_lines);
	RUN(test_fast_durations);
	test_list_free(&named);
	rc = check_done();
	if (!rc) {
		char *cmd = xasprintf("rm -rf '%s'", dir);
		(void)!system(cmd);
		free(cmd);
	}
	free(file);
	return rc;
}

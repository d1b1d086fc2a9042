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
		CHECK(l.tests[2].history->last_duration > 0.1239 &&
		      l.tests[2].history->last_duration < 0.1241);
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

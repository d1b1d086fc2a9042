/*
 * test_outcome.c - the outcome policy of tests.c without processes: how a
 * final attempt after N failed ones counts (passed, flaky, skipped, failed,
 * exec-failed, timed out; flaky-result = fail), and the run's counts; the
 * one wording of how a process or an attempt ended.
 */
#define _GNU_SOURCE
#include <string.h>

#include "check.h"
#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/jsonread.h"
#include "testrig/report.h"
#include "testrig/tests.h"

static struct test_outcome decide(enum verdict v, unsigned nretried, bool flaky_fail,
				  struct attempt *a)
{
	struct test_outcome o;

	memset(&o, 0, sizeof o);
	a->verdict = v;
	a->duration = 42;
	test_outcome_decide(&o, a, nretried, flaky_fail);
	return o;
}

static void test_policy(void)
{
	struct attempt *a = attempt_new(1, 1024);
	struct test_outcome o;

	o = decide(V_PASS, 0, false, a);
	CHECK_INT(o.outcome, OUT_PASSED);
	CHECK(!o.flaky);
	CHECK_INT(o.attempts, 1);
	CHECK_INT(o.duration, 42);
	CHECK(o.final == a);
	o = decide(V_PASS, 2, false, a);
	CHECK_INT(o.outcome, OUT_PASSED);
	CHECK(o.flaky);
	CHECK_INT(o.attempts, 3);
	o = decide(V_PASS, 2, true, a);     /* flaky-result = fail */
	CHECK_INT(o.outcome, OUT_FAILED);
	CHECK(o.flaky);
	o = decide(V_LEAK, 1, false, a);
	CHECK_INT(o.outcome, OUT_PASSED);
	CHECK(o.flaky);
	o = decide(V_SKIP, 1, true, a);     /* a skip after a failure is no flake */
	CHECK_INT(o.outcome, OUT_SKIPPED);
	CHECK(!o.flaky);
	o = decide(V_FAIL, 0, false, a);
	CHECK_INT(o.outcome, OUT_FAILED);
	o = decide(V_ERROR, 0, false, a);
	CHECK_INT(o.outcome, OUT_FAILED);
	o = decide(V_SIGNAL, 3, false, a);
	CHECK_INT(o.outcome, OUT_FAILED);
	CHECK(!o.flaky);
	o = decide(V_LEAK_FAIL, 0, false, a);
	CHECK_INT(o.outcome, OUT_FAILED);
	o = decide(V_TIMEOUT, 0, false, a);
	CHECK_INT(o.outcome, OUT_TIMED_OUT);
	o = decide(V_EXEC_FAIL, 0, false, a);
	CHECK_INT(o.outcome, OUT_EXEC_FAILED);
	attempt_free(a);
}

static void test_counts(void)
{
	struct attempt *a = attempt_new(1, 1024);
	struct run_counts c;
	struct test_outcome o;

	memset(&c, 0, sizeof c);
	o = decide(V_PASS, 0, false, a);
	run_counts_add(&c, &o);
	a->slow = true;
	o = decide(V_LEAK, 1, false, a);
	run_counts_add(&c, &o);
	a->slow = false;
	o = decide(V_SKIP, 0, false, a);
	run_counts_add(&c, &o);
	o = decide(V_FAIL, 0, false, a);
	run_counts_add(&c, &o);
	o = decide(V_PASS, 1, true, a);
	run_counts_add(&c, &o);
	o = decide(V_TIMEOUT, 0, false, a);
	run_counts_add(&c, &o);
	o = decide(V_EXEC_FAIL, 0, false, a);
	run_counts_add(&c, &o);
	CHECK_INT(c.finished, 7);
	CHECK_INT(c.passed, 2);
	CHECK_INT(c.flaky, 1);       /* the flaky one counted failed is not in here */
	CHECK_INT(c.leaky, 1);
	CHECK_INT(c.slow, 1);
	CHECK_INT(c.skipped, 1);
	CHECK_INT(c.failed, 2);
	CHECK_INT(c.timed_out, 1);
	CHECK_INT(c.exec_failed, 1);
	attempt_free(a);
}

static void end_words(int exit_code, int signo, enum verdict v, const char *message,
		      const char *want_process, const char *want_attempt)
{
	struct attempt a;
	struct buf b = BUF_INIT;

	memset(&a, 0, sizeof a);
	a.exit_code = exit_code;
	a.signo = signo;
	a.verdict = v;
	a.message = (char *)message;
	process_end_words(&b, exit_code, signo);
	CHECK_STR(b.data, want_process);
	buf_reset(&b);
	attempt_end_words(&b, &a);
	CHECK_STR(b.data, want_attempt);
	buf_free(&b);
}

static void test_end_words(void)
{
	end_words(3, 0, V_FAIL, NULL, "exit status 3", "exit status 3");
	end_words(0, 0, V_PASS, NULL, "exit status 0", "exit status 0");
	end_words(-1, 11, V_SIGNAL, NULL, "killed by SIGSEGV", "killed by SIGSEGV");
	end_words(-1, 0, V_FAIL, NULL, "its exit status was lost", "its exit status was lost");
	end_words(-1, 15, V_TIMEOUT, NULL, "killed by SIGTERM", "timed out");
	end_words(-1, 0, V_EXEC_FAIL, "could not run x: No such file or directory",
		  "its exit status was lost", "could not run x: No such file or directory");
}

/* Each name table read back by its own parser: what a record says, replay understands. */
static void test_name_tables(void)
{
	struct run_counts c, back;
	struct buf b = BUF_INIT;
	struct jvalue *v;
	enum verdict vd;
	enum outcome o;
	size_t i, *f = (size_t *)&c;
	int k;

	for (k = V_PASS; k <= V_EXEC_FAIL; k++) {
		CHECK(verdict_parse(verdict_kind((enum verdict)k), &vd));
		CHECK_INT(vd, k);
	}
	CHECK(verdict_parse("sigsegv", &vd) && vd == V_SIGNAL);
	CHECK(!verdict_parse("PASS", &vd) && !verdict_parse(NULL, &vd) && !verdict_parse("", &vd));
	CHECK_STR(verdict_kind(V_LEAK_FAIL), "leak-fail");
	for (k = OUT_PASSED; k <= OUT_TIMED_OUT; k++) {
		CHECK(outcome_parse(outcome_name((enum outcome)k), &o));
		CHECK_INT(o, k);
	}
	CHECK_STR(outcome_name(OUT_TIMED_OUT), "timed-out");
	CHECK(!outcome_parse("timed_out", &o));
	/* Every count a different number, written and read back. */
	for (i = 0; i < sizeof c / sizeof *f; i++)
		f[i] = 100 + i;
	run_counts_json(&b, &c, false);
	CHECK_STR(b.data, "{\"scheduled\":100,\"started\":101,\"finished\":102,\"passed\":103,"
		  "\"flaky\":104,\"leaky\":105,\"slow\":106,\"failed\":107,\"exec_failed\":108,"
		  "\"timed_out\":109,\"skipped\":110,\"not_run\":111}");
	v = jvalue_parse(b.data, b.len, NULL);
	memset(&back, 0, sizeof back);
	run_counts_from_json(&back, v, false);
	CHECK(memcmp(&back, &c, sizeof c) == 0);
	jvalue_free(v);
	/* What `testrig runs` lists. */
	buf_reset(&b);
	run_counts_json(&b, &c, true);
	CHECK_STR(b.data, "{\"scheduled\":100,\"finished\":102,\"passed\":103,\"flaky\":104,"
		  "\"failed\":107,\"exec_failed\":108,\"timed_out\":109,\"skipped\":110}");
	v = jvalue_parse(b.data, b.len, NULL);
	memset(&back, 0, sizeof back);
	run_counts_from_json(&back, v, true);
	CHECK_INT(back.passed, 103);
	CHECK_INT(back.started, 0);
	jvalue_free(v);
	buf_free(&b);
}

int main(void)
{
	RUN(test_policy);
	RUN(test_counts);
	RUN(test_end_words);
	RUN(test_name_tables);
	return check_done();
}

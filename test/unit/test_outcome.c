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

int main(void)
{
	RUN(test_policy);
	RUN(test_counts);
	RUN(test_end_words);
	return check_done();
}

/*
 * test_cases.c - isolation = binary's reader (cases.c) without processes:
 * gtest and libtest output fed in chunks of every size, the cases and
 * verdicts it posts, what each case's output is, what is left to the
 * process, and the command of the process that goes on after a crash.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "check.h"
#include "testrig/cases.h"
#include "testrig/events.h"
#include "testrig/unit.h"

static struct evq q;

struct ending {
	enum verdict process;       /* the process attempt's verdict after the reader */
	int exit_code, signo;
	bool timed_out;
};

/*
 * Feeds `out` in chunks of `chunk` bytes to a reader in its first process,
 * ends the process as `end` says, and writes what was posted to *log:
 * "+NAME" for a start, "NAME=verdict[:message]{output}" for an end,
 * "#N" for an announcement; then "|process=verdict{output}" and the next
 * step.  Returns the reader (the caller frees it) for a look at its next
 * command.
 */
static struct case_reader *run(const struct case_plan *plan, struct unit_job *job,
			       const char *out, size_t chunk, const struct ending *end,
			       struct buf *log, enum case_next *next)
{
	struct case_reader *r = case_reader_new(plan, job, &job->argv, &job->env, &q, 1 << 20);
	struct attempt *a = attempt_new(1, 1 << 20);
	size_t len = strlen(out), i;
	struct event *e;
	char scratch[16];

	case_reader_command(r);
	case_reader_process_start(r, 4242);
	for (i = 0; i < len; i += chunk)
		case_reader_feed(r, out + i, len - i < chunk ? len - i : chunk, (int64_t)i);
	a->exit_code = end->exit_code;
	a->signo = end->signo;
	a->verdict = end->timed_out ? V_TIMEOUT : end->signo ? V_SIGNAL :
		end->exit_code ? V_FAIL : V_PASS;
	*next = case_reader_process_end(r, a, end->timed_out, (int64_t)len);
	buf_reset(log);
	while ((e = evq_try_pop(&q))) {
		if (e->type == EV_NEWS && e->news == CASES_ANNOUNCED) {
			buf_printf(log, "#%zu ", e->count);
		} else if (e->type == EV_NEWS && e->news == CASE_STARTED) {
			buf_printf(log, "+%s ", e->text);
		} else if (e->type == EV_NEWS && e->news == CASE_FINISHED) {
			buf_printf(log, "%s=%s", e->text, verdict_name(e->result, scratch));
			if (e->result->message)
				buf_printf(log, ":%s", e->result->message);
			buf_printf(log, "{%.*s} ", (int)e->result->out.head.len,
				   e->result->out.head.data ? e->result->out.head.data : "");
		}
		event_free(e);
	}
	buf_printf(log, "|process=%s{%.*s}", verdict_name(a, scratch), (int)a->out.head.len,
		   a->out.head.data ? a->out.head.data : "");
	attempt_free(a);
	return r;
}

/* The same output fed whole, and in chunks of 1, 2, 3, 7 and 64 bytes, must read the same. */
static void expect(const struct case_plan *plan, const char *out, const struct ending *end,
		   const char *want, enum case_next want_next)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 1 << 20 };
	struct buf log = BUF_INIT;
	size_t c;

	for (c = 0; c < sizeof chunks / sizeof *chunks; c++) {
		struct unit_job job;
		enum case_next next;

		memset(&job, 0, sizeof job);
		case_reader_free(run(plan, &job, out, chunks[c], end, &log, &next));
		CHECK_STR(log.data, want);
		CHECK_INT(next, want_next);
		unit_job_release(&job);
	}
	buf_free(&log);
}

static struct case_plan gtest_plan(void)
{
	struct case_plan p;

	memset(&p, 0, sizeof p);
	p.protocol = PROTO_GTEST;
	strvec_push(&p.prefix, "bin/t");
	return p;
}

static void test_gtest_cases(void)
{
	struct case_plan p = gtest_plan();
	struct ending failed = { V_PASS, 1, 0, false };

	expect(&p,
	       "Running main() from gtest_main.cc\n"
	       "[==========] Running 3 tests from 1 test suite.\n"
	       "[ RUN      ] A.Pass\n"
	       "hello\n"
	       "[       OK ] A.Pass (0 ms)\n"
	       "[ RUN      ] A.Fail/0\n"
	       "x.cc:3: Failure\n"
	       "[  FAILED  ] A.Fail/0, where GetParam() = 5 (1 ms)\n"
	       "[ RUN      ] A.Skip\n"
	       "x.cc:9: Skipped\n"
	       "not today\n"
	       "\n"
	       "[  SKIPPED ] A.Skip (0 ms)\n"
	       "[  FAILED  ] A.Fail/0, where GetParam() = 5\n",
	       &failed,
	       "#3 +A.Pass A.Pass=pass{[ RUN      ] A.Pass\nhello\n[       OK ] A.Pass (0 ms)\n} "
	       "+A.Fail/0 A.Fail/0=fail{[ RUN      ] A.Fail/0\nx.cc:3: Failure\n"
	       "[  FAILED  ] A.Fail/0, where GetParam() = 5 (1 ms)\n} "
	       "+A.Skip A.Skip=skip:not today{[ RUN      ] A.Skip\nx.cc:9: Skipped\nnot today\n\n"
	       "[  SKIPPED ] A.Skip (0 ms)\n} "
	       /* gtest exits 1 for its failed case: the process itself passed */
	       "|process=pass{Running main() from gtest_main.cc\n"
	       "[==========] Running 3 tests from 1 test suite.\n"
	       "[  FAILED  ] A.Fail/0, where GetParam() = 5\n}",
	       CASES_DONE);
	case_plan_free(&p);
}

static void test_gtest_end_lines(void)
{
	struct case_plan p = gtest_plan();
	struct ending ok = { V_PASS, 0, 0, false };

	/* An end line for another name, or a name that only begins the same, ends nothing. */
	expect(&p,
	       "[ RUN      ] A.B\n"
	       "[       OK ] A.BC (0 ms)\n"
	       "[       OK ] A.Other (0 ms)\n"
	       "[       OK ] A.B (0 ms)\n",
	       &ok,
	       "+A.B A.B=pass{[ RUN      ] A.B\n[       OK ] A.BC (0 ms)\n[       OK ] A.Other (0 ms)\n"
	       "[       OK ] A.B (0 ms)\n} |process=pass{}",
	       CASES_DONE);
	/* A case that never ends before the next starts failed. */
	expect(&p,
	       "[ RUN      ] A.B\n"
	       "[ RUN      ] A.C\n"
	       "[       OK ] A.C (0 ms)\n",
	       &ok,
	       "+A.B A.B=fail:the binary started another case before this one ended"
	       "{[ RUN      ] A.B\n} +A.C A.C=pass{[ RUN      ] A.C\n[       OK ] A.C (0 ms)\n} "
	       "|process=pass{}",
	       CASES_DONE);
	case_plan_free(&p);
}

static void test_gtest_process_failure(void)
{
	struct case_plan p = gtest_plan();
	struct ending main_failed = { V_FAIL, 3, 0, false };
	struct ending died = { V_SIGNAL, -1, 11, false };

	/* Every case passed, main said no: the process's failure stands. */
	expect(&p,
	       "[ RUN      ] A.B\n[       OK ] A.B (0 ms)\nmain: leak\n",
	       &main_failed,
	       "+A.B A.B=pass{[ RUN      ] A.B\n[       OK ] A.B (0 ms)\n} |process=fail{main: leak\n}",
	       CASES_DONE);
	/* It died before any case. */
	expect(&p, "starting\n", &died, "|process=sigsegv{starting\n}", CASES_DONE);
	case_plan_free(&p);
}

static void test_gtest_crash_goes_on(void)
{
	struct case_plan p = gtest_plan();
	struct ending crash = { V_SIGNAL, -1, 6, false };
	struct ending hang = { V_TIMEOUT, -1, 15, true };
	struct buf log = BUF_INIT;
	struct unit_job job;
	enum case_next next;
	struct case_reader *r;

	strvec_push(&p.suffix, "--verbose");
	expect(&p,
	       "[==========] Running 3 tests from 1 test suite.\n"
	       "[ RUN      ] A.B\n[       OK ] A.B (0 ms)\n"
	       "[ RUN      ] A.Crash\npartial",
	       &crash,
	       "#3 +A.B A.B=pass{[ RUN      ] A.B\n[       OK ] A.B (0 ms)\n} "
	       "+A.Crash A.Crash=sigabrt{[ RUN      ] A.Crash\npartial} "
	       "|process=pass{[==========] Running 3 tests from 1 test suite.\n}",
	       CASES_CONTINUE);
	/* It died in its last case: nothing is left to run. */
	expect(&p,
	       "[==========] Running 1 test from 1 test suite.\n[ RUN      ] A.Crash\n",
	       &crash, "#1 +A.Crash A.Crash=sigabrt{[ RUN      ] A.Crash\n} "
	       "|process=pass{[==========] Running 1 test from 1 test suite.\n}", CASES_DONE);
	/* A timed-out case is TIMEOUT, whatever signal ended it. */
	expect(&p, "[ RUN      ] A.Hang\n", &hang,
	       "+A.Hang A.Hang=timeout{[ RUN      ] A.Hang\n} |process=pass{}", CASES_CONTINUE);

	/* The next process leaves out every case seen; the suite's args stay last. */
	memset(&job, 0, sizeof job);
	r = run(&p, &job, "[ RUN      ] A.B\n[       OK ] A.B (0 ms)\n[ RUN      ] A.C\n", 5,
		&crash, &log, &next);
	CHECK_INT(next, CASES_CONTINUE);
	case_reader_command(r);
	CHECK_INT(job.argv.n, 3);
	if (job.argv.n == 3) {
		CHECK_STR(job.argv.v[0], "bin/t");
		CHECK_STR(job.argv.v[1], "--gtest_filter=-A.B:A.C");
		CHECK_STR(job.argv.v[2], "--verbose");
	}
	case_reader_free(r);
	unit_job_release(&job);

	/* With cases named by a listing: those, less the ones seen. */
	strvec_push(&p.include, "A.B");
	strvec_push(&p.include, "A.C");
	strvec_push(&p.include, "A.D");
	memset(&job, 0, sizeof job);
	r = run(&p, &job, "[ RUN      ] A.B\n", 64, &crash, &log, &next);
	case_reader_command(r);
	CHECK(job.argv.n == 3 && strcmp(job.argv.v[1], "--gtest_filter=A.B:A.C:A.D-A.B") == 0);
	case_reader_free(r);
	unit_job_release(&job);
	buf_free(&log);
	case_plan_free(&p);
}

static const char *env_value(const struct strvec *env, const char *name)
{
	size_t i, n = strlen(name);
	const char *found = NULL;

	for (i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=') {
			CHECK(found == NULL);   /* set once, not twice */
			found = env->v[i] + n + 1;
		}
	}
	return found;
}

static void test_gtest_shards(void)
{
	struct case_plan p = gtest_plan();
	struct ending crash = { V_SIGNAL, -1, 6, false };
	struct unit_job job;
	struct buf log = BUF_INIT, err = BUF_INIT;
	struct attempt *listing = attempt_new(2, 1 << 20);
	enum case_next next;
	struct case_reader *r;
	static const char list[] = "main: hello\nA.\n  B\n  C\n  DISABLED_X\n  D\n  E\n  F\n";

	p.shards = 2;
	p.shard = 1;
	memset(&job, 0, sizeof job);
	r = run(&p, &job, "[==========] Running 3 tests from 1 test suite.\n[ RUN      ] A.C\n",
		64, &crash, &log, &next);
	CHECK_STR(env_value(&job.env, "GTEST_TOTAL_SHARDS"), "2");
	CHECK_STR(env_value(&job.env, "GTEST_SHARD_INDEX"), "1");
	/* gtest would deal the rest out again: the shard is listed first. */
	CHECK_INT(next, CASES_LIST_FIRST);
	case_reader_list_argv(r);
	CHECK(job.argv.n == 2 && strcmp(job.argv.v[1], "--gtest_list_tests") == 0);
	CHECK_STR(env_value(&job.env, "GTEST_TOTAL_SHARDS"), "1");
	listing->verdict = V_PASS;
	capture_add(&listing->out, list, sizeof list - 1);
	capture_finish(&listing->out);
	CHECK_INT(case_reader_listed(r, listing, &err), 0);
	case_reader_command(r);
	/* Shard 1 of 2 holds the 2nd, 4th and 6th runnable cases: C, E (D is 3rd), less C. */
	CHECK(job.argv.n == 2 && strcmp(job.argv.v[1], "--gtest_filter=A.E-A.C") == 0);
	CHECK_STR(env_value(&job.env, "GTEST_TOTAL_SHARDS"), "1");
	CHECK_STR(env_value(&job.env, "GTEST_SHARD_INDEX"), "0");
	case_reader_free(r);
	unit_job_release(&job);

	/* A listing that fails says so. */
	memset(&job, 0, sizeof job);
	r = run(&p, &job, "[ RUN      ] A.C\n", 64, &crash, &log, &next);
	listing->verdict = V_FAIL;
	CHECK_INT(case_reader_listed(r, listing, &err), -1);
	CHECK(strstr(err.data, "shard 2 of 2") != NULL);
	case_reader_free(r);
	unit_job_release(&job);
	attempt_free(listing);
	buf_free(&log);
	buf_free(&err);
	case_plan_free(&p);
}

static void test_stop(void)
{
	struct case_plan p = gtest_plan();
	struct unit_job job;
	struct case_reader *r;
	struct attempt *a = attempt_new(1, 1 << 20);
	struct event *e;
	static const char out[] = "[ RUN      ] A.B\n[       OK ] A.B (0 ms)\n[ RUN      ] A.C\n";
	unsigned started = 0;

	memset(&job, 0, sizeof job);
	r = case_reader_new(&p, &job, &job.argv, &job.env, &q, 1 << 20);
	case_reader_command(r);
	case_reader_process_start(r, 1);
	case_reader_feed(r, out, 17, 0);
	/* The run is cancelled while A.B runs: it may end, A.C may not start. */
	case_reader_stop(r);
	case_reader_feed(r, out + 17, sizeof out - 18, 1);
	CHECK(case_reader_stopped(r));
	a->signo = 9;
	a->verdict = V_SIGNAL;
	CHECK_INT(case_reader_process_end(r, a, false, 2), CASES_DONE);
	CHECK(a->cancelled);
	CHECK_INT(a->verdict, V_PASS);      /* no (process) failure for it */
	while ((e = evq_try_pop(&q))) {
		started += e->type == EV_NEWS && e->news == CASE_STARTED;
		if (e->type == EV_NEWS && e->news == CASE_FINISHED)
			CHECK_STR(e->text, "A.B");
		event_free(e);
	}
	CHECK_INT(started, 1);
	attempt_free(a);
	case_reader_free(r);
	unit_job_release(&job);
	case_plan_free(&p);

	/* Fail-fast in the reader: after stop_after failures no case starts. */
	p = gtest_plan();
	p.stop_after = 1;
	{
		struct ending killed = { V_SIGNAL, -1, 9, false };

		expect(&p, "[ RUN      ] A.F\n[  FAILED  ] A.F (0 ms)\n[ RUN      ] A.G\n", &killed,
		       "+A.F A.F=fail{[ RUN      ] A.F\n[  FAILED  ] A.F (0 ms)\n} "
		       "|process=pass{[ RUN      ] A.G\n}", CASES_DONE);
	}
	case_plan_free(&p);
}

static void test_long_lines(void)
{
	struct case_plan p = gtest_plan();
	struct ending ok = { V_PASS, 0, 0, false };
	struct buf out = BUF_INIT, want = BUF_INIT;
	size_t i;

	/* A marker at the end of a line longer than 64 KiB is output, not a marker. */
	buf_adds(&out, "[ RUN      ] A.B\n");
	for (i = 0; i < 70000; i++)
		buf_addc(&out, 'x');
	buf_adds(&out, "[       OK ] A.B (0 ms)\n[       OK ] A.B (0 ms)\n");
	buf_printf(&want, "+A.B A.B=pass{%s} |process=pass{}", out.data);
	expect(&p, out.data, &ok, want.data, CASES_DONE);
	buf_free(&out);
	buf_free(&want);
	case_plan_free(&p);
}

static void test_libtest(void)
{
	struct case_plan p;
	struct ending failed = { V_PASS, 101, 0, false };
	struct ending hang = { V_TIMEOUT, -1, 15, true };
	struct unit_job job;
	struct buf log = BUF_INIT;
	enum case_next next;
	struct case_reader *r;
	size_t i;

	memset(&p, 0, sizeof p);
	p.protocol = PROTO_LIBTEST;
	strvec_push(&p.prefix, "bin/r");
	expect(&p,
	       "\nrunning 4 tests\n"
	       "test a ... ok\n"
	       "test b ... FAILED\n"
	       "test c ... ignored, not today\n"
	       "test m::d - should panic ... ok\n"
	       "\nfailures:\n\n"
	       "---- b stdout ----\n"
	       "thread 'b' panicked at x.rs:3:5:\n"
	       "\nfailures:\n    b\n\n"
	       "test result: FAILED. 2 passed; 1 failed; 1 ignored\n",
	       &failed,
	       "#4 +a a=pass{test a ... ok\n} +b +c c=skip:not today{test c ... ignored, not today\n} "
	       "+m::d m::d=pass{test m::d - should panic ... ok\n} "
	       "b=fail{test b ... FAILED\nthread 'b' panicked at x.rs:3:5:\n\n} "
	       /* (the blank line before the second "failures:" ends b's section) */
	       "|process=pass{\nrunning 4 tests\n\nfailures:\n\nfailures:\n    b\n\n"
	       "test result: FAILED. 2 passed; 1 failed; 1 ignored\n}",
	       CASES_DONE);
	/* "test NAME ... " starts the case before its result comes. */
	expect(&p, "running 3 tests\ntest a ... ok\ntest slow ... ", &hang,
	       "#3 +a a=pass{test a ... ok\n} +slow slow=timeout{test slow ... } "
	       "|process=pass{running 3 tests\n}", CASES_CONTINUE);
	/* Output of its own (not through libtest's capture) before the result. */
	expect(&p, "test a ... direct\nok\n", &failed,
	       "+a a=pass{test a ... direct\nok\n} |process=fail{}", CASES_DONE);

	memset(&job, 0, sizeof job);
	r = run(&p, &job, "test a ... ok\ntest slow ... ", 3, &hang, &log, &next);
	case_reader_command(r);
	{
		static const char *const want[] = { "bin/r", "--test-threads=1", "--skip", "a",
						    "--skip", "slow", "--exact" };

		CHECK_INT(job.argv.n, 7);
		for (i = 0; i < 7 && i < job.argv.n; i++)
			CHECK_STR(job.argv.v[i], want[i]);
	}
	case_reader_free(r);
	unit_job_release(&job);
	buf_free(&log);
	case_plan_free(&p);
}

int main(void)
{
	if (evq_init(&q))
		return 1;
	RUN(test_gtest_cases);
	RUN(test_gtest_end_lines);
	RUN(test_gtest_process_failure);
	RUN(test_gtest_crash_goes_on);
	RUN(test_gtest_shards);
	RUN(test_stop);
	RUN(test_long_lines);
	RUN(test_libtest);
	evq_destroy(&q);
	return check_done();
}

/*
 * tests.h - tests as a kind of unit, and the phase that runs them: which
 * test starts next (through sched.h), each test's job (command, environment,
 * limits, judge), what its attempts mean (the outcome policy: flaky,
 * skipped, failed...), the run's counts, and fail-fast.  Reports each test
 * as it starts, is slow, is retried and finishes.
 */
#ifndef TESTRIG_TESTS_H
#define TESTRIG_TESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/engine.h"
#include "testrig/report.h"
#include "testrig/runconfig.h"

struct tests;

/*
 * The tests phase of a run: the tests at list positions order[0..norder),
 * started in that order (within the limits of slots and groups).
 */
struct tests *tests_new(const struct run_config *cfg, const size_t *order, size_t norder);
void tests_free(struct tests *t);
/*
 * Runs the tests on the engine until every one ran or the run was
 * cancelled.  `exports` (per setup script) and `script_mask` (per test, in
 * order: the scripts whose exports it gets) come from the setup scripts;
 * NULL when none exported anything.
 */
void tests_run(struct tests *t, struct engine *eng, const struct strvec *exports,
	       const uint64_t *script_mask);
/* The counts so far; not_run is filled in by the caller at the end. */
const struct run_counts *tests_counts(const struct tests *t);
/* Running tests were told to stop (max-fail N:immediate). */
bool tests_terminated_running(const struct tests *t);

/*
 * The outcome policy: how a test with this final attempt, after `nretried`
 * failed ones, counts (flaky tests pass unless flaky-result = fail).
 * Fills o->final, attempts, outcome, flaky, duration; not test or retried.
 */
void test_outcome_decide(struct test_outcome *o, const struct attempt *final,
			 unsigned nretried, bool flaky_fail);
/* Adds one finished test to the counts. */
void run_counts_add(struct run_counts *c, const struct test_outcome *o);

#endif

/*
 * automake.h - the reporter of `testrig automake-driver` (SPEC section 11):
 * Automake's custom test driver protocol.  Each finished test case becomes
 * one or more `:test-result:` lines mapped as Automake's test-driver (exit
 * statuses) and tap-driver (TAP points) map them; the test's output and
 * testrig's account of it go to the .log, the results to the .trs (both
 * written beside their targets and renamed into place, the .log first), and
 * a "PASS: NAME ..." line per result to `out`.
 */
#ifndef TESTRIG_AUTOMAKE_H
#define TESTRIG_AUTOMAKE_H

#include <stdbool.h>
#include <stdio.h>

#include "testrig/cli.h"
#include "testrig/report.h"

/* Automake's results, in the order of how much they matter. */
enum am_result { AM_PASS, AM_XFAIL, AM_SKIP, AM_XPASS, AM_FAIL, AM_ERROR };

struct automake_options {
	const struct automake_args *args;  /* names, colors, expectations */
	FILE *out;                         /* the result lines (stdout) */
	FILE *err;                         /* where to say what went wrong */
};

struct reporter *report_automake_new(const struct automake_options *opt);
/*
 * A result for the whole test when no test case could run (its listing
 * failed, the filters left nothing): `why` goes to the log.
 */
void report_automake_whole(struct reporter *r, enum am_result result, const char *why);
/*
 * The signal that cancelled the run (SIGHUP, SIGINT, SIGPIPE, SIGTERM), or 0.
 * Once set, close writes nothing and removes both files (Automake's
 * test-driver does the same when it is interrupted).
 */
int report_automake_signal(const struct reporter *r);
/* The run was stopped by `signo` before it began (while listing). */
void report_automake_stop(struct reporter *r, int signo);

#endif

/*
 * exitcode.h - testrig's exit codes (SPEC section 9, testrig(1) EXIT
 * STATUS): the one list every module returns from.  When several apply, a
 * run reports 105, then 100, then 110, then 4; 2, 94, 96 and 104 stop
 * before any test runs.
 */
#ifndef TESTRIG_EXITCODE_H
#define TESTRIG_EXITCODE_H

enum exit_code {
	EXIT_OK = 0,            /* every selected test passed */
	EXIT_INTERNAL = 1,      /* die(): an internal error, or out of memory */
	EXIT_USAGE = 2,         /* bad command line */
	EXIT_NO_TESTS = 4,      /* nothing selected (--no-tests fail) */
	EXIT_FILTER = 94,       /* an invalid filter expression */
	EXIT_SETUP = 96,        /* bad config, unknown profile, glob matching nothing... */
	EXIT_TEST_FAILED = 100, /* a test failed, or the run was cancelled */
	EXIT_LISTING = 104,     /* listing a test binary failed */
	EXIT_SCRIPT = 105,      /* a setup script (or teardown) failed */
	EXIT_REPORT = 110,      /* a report could not be written */
};

#endif

/*
 * dispatch.h - running a selected test list: the dispatcher owns the run
 * state, decides what starts when (slots, fail-fast, cancellation), turns
 * signals into requests to workers, and feeds the reporters.  It is the only
 * code that calls reporters.
 */
#ifndef TESTRIG_DISPATCH_H
#define TESTRIG_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "testrig/list.h"
#include "testrig/report.h"
#include "testrig/settings.h"
#include "testrig/unit.h"

struct filter;

/* A [test-group.NAME]: at most max_threads of its tests run at once. */
struct run_group {
	const char *name;
	unsigned max_threads;            /* 0: no bound beyond the test threads */
};

/* A [script.NAME] setup script, ready to run. */
struct run_script {
	const char *name;
	const char *command;             /* as written, for reports */
	char **argv;                     /* the command split into words */
	const char *teardown_command;    /* NULL: no teardown */
	char **teardown_argv;
	const struct filter *filter;     /* NULL: applies to every test */
	struct unit_limits limits;
	bool capture_stdout, capture_stderr;
};

struct run_config {
	struct test_list *list;          /* tests with ->selected set */
	const struct settings *settings; /* run-wide settings (profile + command line) */
	unsigned threads;                /* resolved test-threads */
	bool no_capture;
	const char *profile;
	const char *run_id;
	char **base_env;                 /* environment every unit starts from */
	const struct run_group *groups;
	size_t ngroups;
	const struct run_script *scripts;   /* in the order they run */
	size_t nscripts;                    /* at most 64 */
	const char *root;                   /* scripts' working directory; NULL: ours */
	struct reporter **reporters;
	size_t nreporters;
};

struct list_config {
	struct test_list *list;          /* binaries; their tests are added */
	const struct settings *settings; /* timeouts, target runner */
	unsigned threads;
	const char *profile;
	const char *run_id;
	char **base_env;
};

/*
 * Lists the tests of every binary, running the listing commands in parallel
 * on the pool, then adds every binary's tests to the list in binary order
 * (exec and tap binaries are their own one test).  Returns 0; 104 when a
 * listing failed (its output is in *err); 100 when a signal interrupted it.
 */
int dispatch_list(const struct list_config *lc, struct buf *err);

/*
 * Runs the setup scripts that apply, the selected tests, then the teardowns;
 * returns the exit code (SPEC section 9).
 */
int dispatch_run(const struct run_config *cfg);

#endif

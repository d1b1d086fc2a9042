/*
 * runconfig.h - what a run is given: the test list with its selection, the
 * run-wide settings, test groups, setup scripts, the environment tests start
 * from, and the reporters.  Plain data, filled by run_plan.c and read by the
 * run's phases (run.c, tests.c, scripts.c); nothing here runs anything.
 */
#ifndef TESTRIG_RUNCONFIG_H
#define TESTRIG_RUNCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "testrig/list.h"
#include "testrig/parse.h"
#include "testrig/report.h"
#include "testrig/settings.h"
#include "testrig/unit.h"

struct filter;
struct jobserver;

/* A [test-group.NAME]: at most max_threads of its tests run at once. */
struct run_group {
	const char *name;
	unsigned max_threads;            /* 0: no bound beyond the test threads */
};

/* A [script.NAME] setup script, ready to run. */
struct run_script {
	const char *name;
	const struct command *command;
	const struct command *teardown;  /* NULL or an empty command: no teardown */
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
	const struct report_set *reports;
	bool history;                       /* a history is kept: outcomes carry their counts */
	struct jobserver *jobserver;        /* make's, or NULL (engine.h) */
	unsigned make_jobs;                 /* with it, make's -j N (0: MAKEFLAGS says none) */
};

#endif

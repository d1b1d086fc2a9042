/*
 * cmd_automake.c - testrig automake-driver (SPEC section 11): Automake's
 * LOG_DRIVER, running the one test command after "--" (its cases, for
 * gtest, libtest and TAP) and writing the .log and .trs files Automake
 * reads.  The files themselves are report_automake.c's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "testrig/automake.h"
#include "testrig/commands.h"
#include "testrig/exitcode.h"
#include "testrig/guard.h"
#include "testrig/run.h"
#include "testrig/run_plan.h"
#include "testrig/spawn.h"
#include "testrig/util.h"

/*
 * The test command after "--": one binary, its id the test's name.  A
 * command without a '/' is looked up in $PATH as the shell of Automake's
 * test-driver would (LOG_COMPILER = env, sh, python3); one that is not
 * there stays as it is, to fail as EXEC-FAIL "not found".
 */
static void tests_from_driver_command(struct session *ss)
{
	const char *command = ss->cli.binaries.v[0];
	char *found;
	struct suite *s;
	struct binary *b;
	size_t i;
	int err;

	test_list_free(&ss->list);
	test_list_init(&ss->list);
	s = test_list_add_suite(&ss->list, "", ss->cli.protocol);
	found = spawn_search_path(command, &err);
	b = test_list_add_binary(&ss->list, s, ss->cli.am.test_name, found ? found : command);
	free(found);
	b->args = xcalloc(1, sizeof *b->args);
	for (i = 1; i < ss->cli.binaries.n; i++)
		strvec_push(b->args, ss->cli.binaries.v[i]);
}

/*
 * What the driver changes in the run's settings: every test case runs
 * (no fail-fast), and the log holds stdout and stderr interleaved as
 * Automake's test-driver writes them, unless capture was set (TAP keeps
 * stderr apart, as tap-driver does).
 */
static void driver_settings(struct session *ss)
{
	const char *why;

	settings_set(&ss->settings, SET_FAIL_FAST, "false", "automake-driver", &why);
	if (!(ss->settings.set_mask & (UINT64_C(1) << SET_CAPTURE)) &&
	    ss->cli.protocol != PROTO_TAP)
		settings_set(&ss->settings, SET_CAPTURE, "combined", "automake-driver", &why);
}

/* The test cases, run with the driver's reporter alone. */
static void driver_run(struct session *ss, struct reporter *rep)
{
	struct run_config rc;
	struct reporter *reps[1] = { rep };
	struct report_set reports = { reps, 1 };
	char **env = session_environment();

	run_plan(ss, &rc, env);
	rc.reports = &reports;
	(void)run_execute(&rc);
	run_plan_free(&rc);
	free(env);
}

/*
 * testrig automake-driver (SPEC section 11): exit 0 whatever the test did;
 * 128+signal when interrupted (both files removed); non-zero otherwise
 * only for an error of the driver (bad options, config, unwritable files).
 */
int cmd_automake_driver(struct session *ss)
{
	struct automake_options ao = { &ss->cli.am, stdout, stderr };
	struct reporter *rep;
	struct buf err = BUF_INIT;
	int code, signo = 0;

	if ((code = session_parse_filters(ss)))
		return code;
	/* One test a driver: the run's cgroup would cost more than the test (guard.h). */
	guard_cgroup_by_default(false);
	session_open_jobserver(ss, true);
	tests_from_driver_command(ss);
	driver_settings(ss);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rep = report_automake_new(&ao);
	for (size_t i = 0; i < ss->cli.am.ignored.n; i++)
		rep->ops->message(rep, ss->cli.am.ignored.v[i]);
	if (session_list_binaries(ss, &err, &signo)) {
		if (!signo)
			report_automake_whole(rep, AM_ERROR, err.data);
	} else if (session_select(ss) || !ss->selected) {
		buf_printf(&err, "no test case of %s was selected (--no-tests %s)",
			   ss->cli.am.test_name, ss->settings.no_tests == NO_TESTS_FAIL ? "fail"
			   : ss->settings.no_tests == NO_TESTS_WARN ? "warn" : "pass");
		report_automake_whole(rep, ss->settings.no_tests == NO_TESTS_FAIL ? AM_FAIL
				      : AM_SKIP, err.data);
	} else {
		driver_run(ss, rep);
		signo = report_automake_signal(rep);
	}
	if (signo)
		report_automake_stop(rep, signo);
	code = rep->ops->close(rep) ? EXIT_REPORT : signo ? 128 + signo : EXIT_OK;
	rep->ops->free(rep);
	buf_free(&err);
	return code;
}

/* test_cli.c - command-line parsing: commands, options, values, errors. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "check.h"
#include "testrig/cli.h"
#include "testrig/exitcode.h"
#include "testrig/util.h"

static int parse(struct cli *c, struct buf *err, const char *const *args)
{
	char *argv[32];
	int argc = 0;

	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	buf_reset(err);
	return cli_parse(argc, argv, c, err);
}

static void test_run_basic(void)
{
	struct cli c;
	struct buf err = BUF_INIT;
	const char *a[] = { "testrig", "run", "-j", "3", "bin/a", "--no-fail-fast", "bin/b", NULL };

	CHECK_INT(parse(&c, &err, a), 0);
	CHECK_INT(c.cmd, CMD_RUN);
	CHECK_INT(c.binaries.n, 2);
	CHECK_STR(c.binaries.v[0], "bin/a");
	CHECK_STR(c.binaries.v[1], "bin/b");
	CHECK_INT(c.set.test_threads, 3);
	CHECK_INT(c.set.max_fail, 0);
	CHECK(c.set.set_mask & (UINT64_C(1) << SET_TEST_THREADS));
	CHECK(c.set.set_mask & (UINT64_C(1) << SET_FAIL_FAST));
	CHECK(!(c.set.set_mask & (UINT64_C(1) << SET_RETRIES)));
	CHECK_STR(c.set.origin[SET_TEST_THREADS], "command line");
	cli_free(&c);
	buf_free(&err);
}

/* Options after binaries count even when getopt would stop at the first one. */
static void test_posixly_correct(void)
{
	struct cli c;
	struct buf err = BUF_INIT;
	const char *a[] = { "testrig", "run", "bin/a", "--no-fail-fast", "bin/b", "--", "-x", NULL };

	setenv("POSIXLY_CORRECT", "1", 1);
	CHECK_INT(parse(&c, &err, a), 0);
	unsetenv("POSIXLY_CORRECT");
	CHECK_INT(c.binaries.n, 3);
	CHECK_STR(c.binaries.v[0], "bin/a");
	CHECK_STR(c.binaries.v[1], "bin/b");
	CHECK_STR(c.binaries.v[2], "-x");
	CHECK(c.set.set_mask & (UINT64_C(1) << SET_FAIL_FAST));
	CHECK_INT(c.set.max_fail, 0);
	cli_free(&c);
	buf_free(&err);
}

static void test_values(void)
{
	struct cli c;
	struct buf err = BUF_INIT;
	const char *a[] = { "testrig", "run", "--test-threads=-1", "--capture", "combined",
		"--max-fail", "3:immediate", "--status-level=all", "--final-status-level", "none",
		"--success-output", "final", "--failure-output", "never", "--color", "never",
		"--no-tests", "warn", "-P", "ci", "--no-capture", "--", "-odd-name", NULL };

	CHECK_INT(parse(&c, &err, a), 0);
	CHECK_STR(err.data ? err.data : "", "");
	CHECK_INT(c.set.test_threads, -1);
	CHECK_INT(c.set.capture, CAPTURE_COMBINED);
	CHECK_INT(c.set.max_fail, 3);
	CHECK(c.set.max_fail_immediate);
	CHECK_INT(c.set.status_level, STATUS_ALL);
	CHECK_INT(c.set.final_status_level, FINAL_NONE);
	CHECK_INT(c.set.success_output, OUTPUT_FINAL);
	CHECK_INT(c.set.failure_output, OUTPUT_NEVER);
	CHECK_INT(c.color, COLOR_NEVER);
	CHECK_INT(c.set.no_tests, NO_TESTS_WARN);
	CHECK_STR(c.profile, "ci");
	CHECK(c.no_capture);
	CHECK_INT(c.binaries.n, 1);
	CHECK_STR(c.binaries.v[0], "-odd-name");
	cli_free(&c);
	buf_free(&err);
}

static void expect_error(const char *const *a, const char *msg)
{
	struct cli c;
	struct buf err = BUF_INIT;

	CHECK_INT(parse(&c, &err, a), 2);
	if (!err.data || !strstr(err.data, msg)) {
		check_failed_count++;
		fprintf(stderr, "error '%s' lacks '%s'\n", err.data ? err.data : "", msg);
	}
	cli_free(&c);
	buf_free(&err);
}

static void test_errors(void)
{
	const char *a1[] = { "testrig", NULL };
	const char *a2[] = { "testrig", "walk", NULL };
	const char *a3[] = { "testrig", "run", "-j", "x", NULL };
	const char *a4[] = { "testrig", "run", "--max-fail", "1:soon", NULL };
	const char *a5[] = { "testrig", "run", "--bogus", NULL };
	const char *a6[] = { "testrig", "run", "-q", NULL };
	const char *a7[] = { "testrig", "run", "--status-level", NULL };
	const char *a8[] = { "testrig", "run", "--capture", "none", NULL };
	const char *a9[] = { "testrig", "run", "-j", "0", NULL };
	const char *a10[] = { "testrig", "run", "--no-capture", "--message-format", "json", NULL };
	const char *a11[] = { "testrig", "run", "--format", "json", NULL };

	expect_error(a1, "no command given");
	expect_error(a2, "unknown command 'walk'");
	expect_error(a3, "-j/--test-threads: invalid value 'x' (expected num-cpus");
	expect_error(a4, "--max-fail: invalid value '1:soon'");
	expect_error(a5, "unknown option '--bogus'");
	expect_error(a6, "unknown option '-q'");
	expect_error(a7, "--status-level needs a value");
	expect_error(a8, "--capture: invalid value 'none' (expected split, combined)");
	expect_error(a9, "-j/--test-threads: invalid value '0'");
	expect_error(a10, "--no-capture cannot be used with --message-format json");
	expect_error(a11, "--format is for 'testrig list'");
}

static void test_help_version(void)
{
	struct cli c;
	struct buf err = BUF_INIT;
	const char *h[] = { "testrig", "--help", NULL };
	const char *v[] = { "testrig", "--version", NULL };
	const char *rh[] = { "testrig", "run", "-h", NULL };

	CHECK_INT(parse(&c, &err, h), 0);
	CHECK_INT(c.cmd, CMD_HELP);
	cli_free(&c);
	CHECK_INT(parse(&c, &err, v), 0);
	CHECK_INT(c.cmd, CMD_VERSION);
	cli_free(&c);
	CHECK_INT(parse(&c, &err, rh), 0);
	CHECK_INT(c.cmd, CMD_HELP);
	cli_free(&c);
	buf_free(&err);
}

/* The store's commands and options, and which command takes which option. */
static void test_store_commands(void)
{
	struct cli c;
	struct buf err = BUF_INIT;
	const char *r1[] = { "testrig", "replay", "--junit", "j.xml", "--message-format", "json",
		"--failure-output", "final", "--state-dir", "/s", "3f2a", NULL };
	const char *r2[] = { "testrig", "runs", "--format", "json", "-P", "ci", NULL };
	const char *r3[] = { "testrig", "history", "-E", "test(x)", "--config", "c.ini", NULL };
	const char *r4[] = { "testrig", "run", "--failed", "--no-record", NULL };
	const char *e1[] = { "testrig", "replay", "a", "b", NULL };
	const char *e2[] = { "testrig", "runs", "x", NULL };
	const char *e3[] = { "testrig", "show-config", "--failed", NULL };
	const char *e4[] = { "testrig", "list", "--no-record", NULL };
	const char *e5[] = { "testrig", "runs", "--format", "oneline", NULL };
	const char *e6[] = { "testrig", "replay", "-j", "2", NULL };
	const char *e7[] = { "testrig", "history", "--retries", "2", NULL };

	CHECK_INT(parse(&c, &err, r1), 0);
	CHECK_INT(c.cmd, CMD_REPLAY);
	CHECK_STR(c.junit, "j.xml");
	CHECK_INT(c.messages, MESSAGES_JSON);
	CHECK_INT(c.set.failure_output, OUTPUT_FINAL);
	CHECK_STR(c.state_dir, "/s");
	CHECK_INT(c.binaries.n, 1);
	cli_free(&c);
	CHECK_INT(parse(&c, &err, r2), 0);
	CHECK_INT(c.cmd, CMD_RUNS);
	CHECK_INT(c.list_format, LIST_JSON);
	CHECK_STR(c.profile, "ci");
	cli_free(&c);
	CHECK_INT(parse(&c, &err, r3), 0);
	CHECK_INT(c.cmd, CMD_HISTORY);
	CHECK_INT(c.filters.n, 1);
	cli_free(&c);
	CHECK_INT(parse(&c, &err, r4), 0);
	CHECK(c.failed && c.no_record);
	cli_free(&c);
	buf_free(&err);
	expect_error(e1, "testrig replay takes one run");
	expect_error(e2, "testrig runs takes no arguments ('x')");
	expect_error(e3, "--failed is not an option of 'testrig show-config'");
	expect_error(e4, "--no-record is not an option of 'testrig list'");
	expect_error(e5, "--format: invalid value 'oneline' for testrig runs");
	expect_error(e6, "-j/--test-threads is not an option of 'testrig replay'");
	expect_error(e7, "--retries is not an option of 'testrig history'");
}

/* Parsing twice in one process works (getopt state is reset). */
static void test_reparse(void)
{
	struct cli c;
	struct buf err = BUF_INIT;
	const char *a[] = { "testrig", "list", "-j", "2", "x", NULL };

	CHECK_INT(parse(&c, &err, a), 0);
	cli_free(&c);
	CHECK_INT(parse(&c, &err, a), 0);
	CHECK_INT(c.cmd, CMD_LIST);
	CHECK_INT(c.binaries.n, 1);
	cli_free(&c);
	buf_free(&err);
}

/* automake-driver: its own options, run options, unknown options skipped, the command. */
static void test_automake_driver(void)
{
	struct cli c;
	struct buf err = BUF_INIT;
	const char *a[] = { "testrig", "automake-driver", "--test-name", "t.sh", "--log-file",
			    "t.log", "--trs-file", "t.trs", "--color-tests", "yes",
			    "--expect-failure", "no", "--enable-hard-errors", "no", "--new-opt", "v",
			    "--protocol", "tap", "-P", "ci", "--", "sh", "./t.sh", "--flag", NULL };
	const char *bad[] = { "testrig", "automake-driver", "--test-name", "t", "--log-file", "l",
			      "--trs-file", "r", "--stress-count", "2", "--", "x", NULL };

	CHECK_INT(parse(&c, &err, a), 0);
	CHECK_INT(c.cmd, CMD_AUTOMAKE);
	CHECK_STR(c.am.test_name, "t.sh");
	CHECK(c.am.color_tests);
	CHECK(!c.am.expect_failure);
	CHECK(!c.am.hard_errors);
	CHECK(c.am.collect_skipped);
	CHECK_INT(c.protocol, PROTO_TAP);
	CHECK_STR(c.profile, "ci");
	CHECK_INT(c.binaries.n, 3);
	CHECK_STR(c.binaries.v[2], "--flag");
	CHECK_INT(c.warnings.n, 1);
	CHECK_STR(c.warnings.v[0], "automake-driver: ignoring unknown option --new-opt v");
	cli_free(&c);
	buf_reset(&err);
	CHECK_INT(parse(&c, &err, bad), EXIT_USAGE);
	CHECK(strstr(err.data, "--stress-count is not an option of 'testrig automake-driver'"));
	cli_free(&c);
	buf_free(&err);
}

/* archive and --archive-file: which command takes what. */
static void test_archive_options(void)
{
	struct cli c;
	struct buf err = BUF_INIT;
	const char *a[] = { "testrig", "archive", "-o", "s.tar.gz", "-E", "binary(x)", NULL };
	const char *r[] = { "testrig", "run", "--archive-file", "s.tar.gz", "--extract-to", "d",
			    "--archive-max-size", "1MiB", "--message-format", "ptest", NULL };
	const char *no_o[] = { "testrig", "archive", NULL };
	const char *lone[] = { "testrig", "list", "--keep-extracted", NULL };
	const char *size0[] = { "testrig", "run", "--archive-file", "a", "--archive-max-size", "0",
				NULL };

	CHECK_INT(parse(&c, &err, a), 0);
	CHECK_INT(c.cmd, CMD_ARCHIVE);
	CHECK_STR(c.archive_out, "s.tar.gz");
	CHECK_INT(c.filters.n, 1);
	cli_free(&c);
	CHECK_INT(parse(&c, &err, r), 0);
	CHECK_STR(c.archive_file, "s.tar.gz");
	CHECK_STR(c.extract_to, "d");
	CHECK_INT(c.archive_max_size, 1024 * 1024);
	CHECK_INT(c.messages, MESSAGES_PTEST);
	cli_free(&c);
	buf_reset(&err);
	CHECK_INT(parse(&c, &err, no_o), EXIT_USAGE);
	CHECK(strstr(err.data, "needs -o FILE.tar.gz"));
	cli_free(&c);
	buf_reset(&err);
	CHECK_INT(parse(&c, &err, lone), EXIT_USAGE);
	CHECK(strstr(err.data, "--keep-extracted only goes with --archive-file"));
	cli_free(&c);
	buf_reset(&err);
	CHECK_INT(parse(&c, &err, size0), EXIT_USAGE);
	CHECK(strstr(err.data, "--archive-max-size: invalid value '0'"));
	cli_free(&c);
	buf_free(&err);
}

int main(void)
{
	RUN(test_run_basic);
	RUN(test_values);
	RUN(test_posixly_correct);
	RUN(test_errors);
	RUN(test_help_version);
	RUN(test_reparse);
	RUN(test_store_commands);
	RUN(test_automake_driver);
	RUN(test_archive_options);
	return check_done();
}

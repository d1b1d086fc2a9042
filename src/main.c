/*
 * main.c - testrig's entry point: the process made safe to run tests from
 * (standard fds, signals, the open-file limit, make's jobserver), the
 * command line parsed, the session started and the command named called
 * (commands.h); its exit code, unless stdout could not be written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/cli.h"
#include "testrig/commands.h"
#include "testrig/exitcode.h"
#include "testrig/guard.h"
#include "testrig/session.h"
#include "testrig/sig.h"
#include "testrig/util.h"
#include "testrig/workers.h"

#ifndef TESTRIG_VERSION
#define TESTRIG_VERSION "unknown"
#endif

/* The commands that work on a session, by enum cli_command. */
static int (*const commands[])(struct session *ss) = {
	[CMD_RUN] = cmd_run,
	[CMD_LIST] = cmd_list,
	[CMD_SHOW_CONFIG] = cmd_show_config,
	[CMD_REPLAY] = cmd_replay,
	[CMD_RUNS] = cmd_runs,
	[CMD_HISTORY] = cmd_history,
	[CMD_AUTOMAKE] = cmd_automake_driver,
	[CMD_ARCHIVE] = cmd_archive,
};

/* Whether the kernel has pidfd_open; without it workers need SIGCHLD. */
static bool kernel_has_pidfd(void)
{
#if defined(SYS_pidfd_open) && !defined(TESTRIG_NO_PIDFD)
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd >= 0) {
		close(fd);
		return true;
	}
#endif
	return false;
}

/* Set when testrig started with its stdout closed (it writes to /dev/null). */
static bool stdout_closed;

/*
 * What was written to stdout must have arrived: a run that would otherwise
 * succeed exits 110 when stdout was closed or a write to it failed (the run
 * itself has already said so and returned 110 for its reports).
 */
static int check_stdout(int code)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);

	if (code || (!failed && !stdout_closed))
		return code;
	fprintf(stderr, "%s: cannot write to standard output: %s\n", progname,
		stdout_closed ? "it is closed" : strerror(errno));
	return EXIT_REPORT;
}

/*
 * A closed standard fd would be taken by the next fd we open (the signalfd,
 * a pipe) and reports or children would write into it: each closed one
 * gets /dev/null first.
 */
static void fill_standard_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY), p[2];

			/* No /dev/null: stdin is an empty pipe (end of file at once). */
			if (n < 0 && fd == 0 && pipe(p) == 0) {
				close(p[1]);
				n = p[0];
			}

			if (fd == 1)
				stdout_closed = true;
			if (n >= 0 && n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
}

/* --help or --version, on stdout. */
static int print_usage(enum cli_command cmd)
{
	struct buf u = BUF_INIT;

	if (cmd == CMD_HELP)
		cli_usage(&u);
	else
		buf_printf(&u, "testrig %s\n", TESTRIG_VERSION);
	fputs(u.data, stdout);
	buf_free(&u);
	return 0;
}

int main(int argc, char **argv)
{
	struct session ss;
	struct buf err = BUF_INIT;
	int code;

	/* The guardian, executed by the testrig it guards (guard.c). */
	if (argc > 1 && strcmp(argv[1], GUARD_ARG) == 0)
		return guard_main(argc, argv);
	fill_standard_fds();
	workers_find_jobserver();
	workers_raise_file_limit();
	/*
	 * Then, before any thread exists, so that every thread inherits the
	 * mask and a signal is never lost between start and run.
	 */
	code = sig_init(!kernel_has_pidfd(), argc > 1 && strcmp(argv[1], "automake-driver") == 0);
	if (code) {
		workers_describe_shortage(code, &err);
		workers_describe_fix(code, &err);
		errorx_(NULL, "cannot start: no descriptor to hear signals on: %s", err.data);
		buf_free(&err);
		workers_drop_jobserver();
		return EXIT_SETUP;
	}
	set_fatal_hook(session_fatal_cleanup);
	memset(&ss, 0, sizeof ss);
	if (cli_parse(argc, argv, &ss.cli, &err)) {
		code = usage_error(err.data);
		buf_free(&err);
		cli_free(&ss.cli);
		workers_drop_jobserver();
		return code;
	}
	buf_free(&err);
	for (size_t i = 0; i < ss.cli.warnings.n; i++)
		warnx_("%s", ss.cli.warnings.v[i]);
	if (ss.cli.cmd == CMD_HELP || ss.cli.cmd == CMD_VERSION) {
		code = print_usage(ss.cli.cmd);
		cli_free(&ss.cli);
		workers_drop_jobserver();
		return check_stdout(code);
	}
	code = session_start(&ss, argv);
	if (!code)
		code = commands[ss.cli.cmd](&ss);
	/* Everything the run started is gone: the guardian's work is done. */
	guard_stop();
	session_free(&ss);
	workers_drop_jobserver();
	return check_stdout(code);
}

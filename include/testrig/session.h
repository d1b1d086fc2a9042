/*
 * session.h - what every command works on, and the setup they share:
 * session.c turns the command line and the config (the project's, or an
 * extracted archive's) into a test list, listed, filtered and selected,
 * with the store it is recorded in.  The commands (commands.h) do the rest.
 */
#ifndef TESTRIG_SESSION_H
#define TESTRIG_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "testrig/buf.h"
#include "testrig/cli.h"
#include "testrig/config.h"
#include "testrig/extract.h"
#include "testrig/list.h"
#include "testrig/settings.h"
#include "testrig/store.h"

struct filter;
struct history;
struct jobserver;

/* Everything a command works on, built from the command line and config. */
struct session {
	struct cli cli;
	struct config cfg;
	struct settings settings;   /* the profile with the command line applied */
	struct test_list list;
	struct filter **filters;    /* parsed -E */
	struct filter *default_filter;
	size_t selected;
	char run_id[37];
	struct store store;
	bool recording;             /* this run goes into the store (records, history) */
	struct history *history;    /* the tests' history, read from the store */
	struct jobserver *jobserver;   /* make's, when testrig runs under make -j */
	bool jobserver_unusable;    /* named in MAKEFLAGS, but unusable: -j 1 */
	char **argv;                /* the command line, for records */
	struct extracted archive;   /* --archive-file: what it holds, where */
};

/*
 * After the command line is parsed into ss->cli (ss otherwise zeroed):
 * extracts --archive-file, reads the config for the chosen profile
 * (settings = profile + command line) and finds the store.  Returns 0, or
 * the exit code after saying what went wrong.
 */
int session_start(struct session *ss, char **argv);
/* Frees what the session holds; the extracted archive goes, make's tokens go back. */
void session_free(struct session *ss);
/*
 * For set_fatal_hook: a fatal error kills the tests, removes the extracted
 * archive and gives make's tokens back.
 */
void session_fatal_cleanup(void);

/* Takes make's jobserver (quiet: an unusable one is not said). */
void session_open_jobserver(struct session *ss, bool quiet);
/* The workers the session's settings and jobserver ask for (workers.h). */
unsigned session_workers(const struct session *ss);
/* The environment units start from: ours, minus testrig's own variables (free the array only). */
char **session_environment(void);

/*
 * The -E expressions and the profile's default-filter, parsed before any
 * binary is listed: a mistake in them is reported at once (exit 94).
 */
int session_parse_filters(struct session *ss);
/*
 * The tests to list: the archive's binaries, the command line's or the
 * config's suites (run, list, archive).  Returns 0 or an exit code, said.
 */
int session_find_tests(struct session *ss);
/* Command-line binaries replace the config's suites: one exec suite. */
void session_tests_from_command_line(struct session *ss);
/* The config's suites: globs expanded; working directories default to the root. */
int session_tests_from_config(struct session *ss);
/*
 * Asks the binaries for their tests (gtest, libtest, custom), in parallel;
 * what went wrong is left in *err.
 */
int session_list_binaries(struct session *ss, struct buf *err, int *interrupted_by);
/* Per-test settings, filters, partition: which tests run, with what. */
int session_select(struct session *ss);
/*
 * run and list: the tests found are listed, narrowed by --failed and
 * selected.  True with ss->selected > 0; else false with *code the exit
 * code (an error, said; nothing owed; or an empty selection as --no-tests
 * says).
 */
bool session_list_and_select(struct session *ss, int *code);

/*
 * A run is recorded unless told not to; a store that cannot be made or
 * written costs one warning, and the run goes on unrecorded.
 */
void session_prepare_recording(struct session *ss);
/* The selected tests' history (scheduling, flake notes); a damaged file is said once. */
void session_load_history(struct session *ss);

/* "testrig: error: MESSAGE" then where to find help; returns EXIT_USAGE. */
int usage_error(const char *msg);
/* Prints "testrig: error: MESSAGE" (MESSAGE may span lines) and returns code. */
int error_exit(int code, const char *msg);
/* Writes b to stdout and flushes it: 0, or EXIT_REPORT after saying why. */
int write_stdout(struct buf *b);

#endif

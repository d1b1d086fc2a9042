/*
 * main.c - testrig's entry point: command line -> settings -> test list ->
 * run (or list) -> exit code.  Reads like the man page; the work is done by
 * the modules it calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testrig/cli.h"
#include "testrig/dispatch.h"
#include "testrig/list.h"
#include "testrig/report.h"
#include "testrig/settings.h"
#include "testrig/sig.h"
#include "testrig/util.h"

#ifndef TESTRIG_VERSION
#define TESTRIG_VERSION "unknown"
#endif

enum {
	EXIT_USAGE = 2,
	EXIT_NO_TESTS = 4,
	EXIT_SETUP = 96,
};

extern char **environ;

static int usage_error(const char *msg)
{
	fprintf(stderr, "%s: error: %s", progname, msg);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	return EXIT_USAGE;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

static unsigned resolve_threads(int setting)
{
	int cpus = (int)online_cpus();

	if (setting > 0)
		return (unsigned)setting;
	if (setting == 0)
		return (unsigned)cpus;
	return cpus + setting >= 1 ? (unsigned)(cpus + setting) : 1;
}

/* Whether the kernel has pidfd_open; without it workers need SIGCHLD. */
static bool kernel_has_pidfd(void)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd >= 0) {
		close(fd);
		return true;
	}
#endif
	return false;
}

/* The environment units start from: ours, minus testrig's own variables. */
static char **base_environment(void)
{
	size_t n = 0, i;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 1, sizeof *env);
	n = 0;
	for (i = 0; environ[i]; i++)
		if (strncmp(environ[i], "TESTRIG", 7) != 0)
			env[n++] = environ[i];
	env[n] = NULL;
	return env;
}

static bool use_color(enum color_mode m, int fd)
{
	const char *no = getenv("NO_COLOR");

	if (m != COLOR_AUTO)
		return m == COLOR_ALWAYS;
	if (no && *no)
		return false;
	return isatty(fd);
}

/* Command-line binaries: one suite, each binary one test (exec protocol). */
static void tests_from_command_line(const struct cli *c, struct test_list *list)
{
	struct suite *s = test_list_add_suite(list, "", c->protocol);
	size_t i;

	for (i = 0; i < c->binaries.n; i++) {
		const char *path = c->binaries.v[i];
		const char *slash = strrchr(path, '/');
		struct binary *b = test_list_add_binary(list, s, path, path);

		test_list_add_test(list, b, slash ? slash + 1 : path, false);
	}
}

/* What an empty selection does, as --no-tests says. */
static int no_tests(const struct settings *s, bool had_any)
{
	const char *what = had_any ? "no tests were selected" :
		"no tests to run: name test binaries on the command line "
		"(testrig run BINARY...)";

	switch (s->no_tests) {
	case NO_TESTS_FAIL:
		fprintf(stderr, "%s: error: %s\n", progname, what);
		return EXIT_NO_TESTS;
	case NO_TESTS_WARN:
		fprintf(stderr, "%s: warning: %s\n", progname, what);
		return 0;
	case NO_TESTS_PASS:
		return 0;
	}
	return EXIT_NO_TESTS;
}

static int list_tests(const struct test_list *list)
{
	struct buf b = BUF_INIT;
	size_t i, j;

	for (i = 0; i < list->nbins; i++) {
		const struct binary *bin = list->bins[i];

		buf_printf(&b, "%s:\n", bin->id);
		for (j = bin->first; j < bin->first + bin->count; j++)
			if (list->tests[j].selected)
				buf_printf(&b, "    %s\n", list->tests[j].name);
	}
	if ((b.len && fwrite(b.data, 1, b.len, stdout) != b.len) || fflush(stdout)) {
		fprintf(stderr, "%s: error: writing the list: %s\n", progname, strerror(errno));
		buf_free(&b);
		return 110;
	}
	buf_free(&b);
	return 0;
}

/* The profile asked for; only "default" exists without a config file. */
static int choose_profile(const struct cli *c, const char **profile)
{
	const char *env = getenv("TESTRIG_PROFILE");

	*profile = c->profile ? c->profile : env && *env ? env : "default";
	if (strcmp(*profile, "default") != 0) {
		fprintf(stderr, "%s: error: unknown profile '%s'%s: without a config file "
			"the only profile is 'default'\n", progname, *profile,
			c->profile ? "" : " (from $TESTRIG_PROFILE)");
		return EXIT_SETUP;
	}
	return 0;
}

static int run_tests(const struct cli *c, const char *profile, struct settings *s,
		     struct test_list *list)
{
	struct human_options ho;
	struct reporter *human;
	struct run_config cfg;
	char run_id[37];
	char **env = base_environment();
	int code;

	memset(&cfg, 0, sizeof cfg);
	cfg.threads = resolve_threads(s->test_threads);
	if (c->no_capture) {
		if (cfg.threads > 1)
			fprintf(stderr, "%s: --no-capture: running one test at a time\n", progname);
		cfg.threads = 1;
	}
	uuid_v4(run_id);
	cfg.list = list;
	cfg.settings = s;
	cfg.no_capture = c->no_capture;
	cfg.profile = profile;
	cfg.run_id = run_id;
	cfg.base_env = env;

	/* stdout is ours to buffer: the dispatcher flushes it on a timer. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	memset(&ho, 0, sizeof ho);
	ho.out = stdout;
	ho.err = stderr;
	ho.color = use_color(c->color, 1);
	ho.progress = isatty(2) && !c->no_capture;
	ho.settings = s;
	ho.show_slowest = c->show_slowest;
	human = report_human_new(&ho);
	cfg.reporters = &human;
	cfg.nreporters = 1;

	code = dispatch_run(&cfg);
	human->ops->free(human);
	free(env);
	return code;
}

int main(int argc, char **argv)
{
	struct cli cli;
	struct buf err = BUF_INIT;
	struct settings settings;
	struct test_list list;
	const char *profile;
	size_t i;
	int code;

	if (cli_parse(argc, argv, &cli, &err)) {
		code = usage_error(err.data);
		buf_free(&err);
		cli_free(&cli);
		return code;
	}
	buf_free(&err);
	if (cli.cmd == CMD_HELP) {
		struct buf u = BUF_INIT;
		cli_usage(&u);
		fputs(u.data, stdout);
		buf_free(&u);
		cli_free(&cli);
		return 0;
	}
	if (cli.cmd == CMD_VERSION) {
		printf("testrig %s\n", TESTRIG_VERSION);
		cli_free(&cli);
		return 0;
	}

	/* Before any thread exists, so that every thread inherits the mask. */
	sig_init(!kernel_has_pidfd());

	if ((code = choose_profile(&cli, &profile))) {
		cli_free(&cli);
		return code;
	}
	settings_defaults(&settings);
	for (i = 0; i < SET_COUNT; i++)
		if (cli.set.set_mask & (UINT64_C(1) << i))
			settings_take(&settings, &cli.set, (enum setting_id)i);

	test_list_init(&list);
	tests_from_command_line(&cli, &list);
	for (i = 0; i < list.ntests; i++)
		list.tests[i].selected = true;

	if (list.ntests == 0)
		code = no_tests(&settings, false);
	else if (cli.cmd == CMD_LIST)
		code = list_tests(&list);
	else
		code = run_tests(&cli, profile, &settings, &list);

	test_list_free(&list);
	settings_free(&settings);
	cli_free(&cli);
	return code;
}

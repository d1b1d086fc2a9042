/*
 * main.c - testrig's entry point: command line -> config -> test list ->
 * selection -> run (or list, or show-config) -> exit code.  Reads like the
 * man page; the work is done by the modules it calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testrig/archive.h"
#include "testrig/automake.h"
#include "testrig/cli.h"
#include "testrig/config.h"
#include "testrig/exitcode.h"
#include "testrig/filter.h"
#include "testrig/list.h"
#include "testrig/history.h"
#include "testrig/jobserver.h"
#include "testrig/listing.h"
#include "testrig/pack.h"
#include "testrig/path.h"
#include "testrig/record.h"
#include "testrig/replay.h"
#include "testrig/report.h"
#include "testrig/run.h"
#include "testrig/select.h"
#include "testrig/settings.h"
#include "testrig/sig.h"
#include "testrig/spawn.h"
#include "testrig/store.h"
#include "testrig/text.h"
#include "testrig/util.h"

#ifndef TESTRIG_VERSION
#define TESTRIG_VERSION "unknown"
#endif

extern char **environ;

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
	struct archive_manifest manifest;   /* --archive-file: what it holds */
	char *archive_dir;          /* ... where it was extracted */
	bool archive_remove;        /* ... and that it goes at exit */
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "%s: error: %s", progname, msg);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	return EXIT_USAGE;
}

/* Prints "testrig: error: MESSAGE" (MESSAGE may span lines) and returns code. */
static int error_exit(int code, const char *msg)
{
	size_t len = strlen(msg);

	fprintf(stderr, "%s: error: %s%s", progname, msg,
		len && msg[len - 1] == '\n' ? "" : "\n");
	return code;
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

/*
 * The worker pool (SPEC section 11): test-threads; under make's jobserver
 * an upper bound when given, else the CPUs times 4 (at most 64), the
 * tokens deciding how many run; one when the jobserver is unusable.
 */
static unsigned pool_threads(const struct session *ss)
{
	bool given = ss->settings.set_mask & (UINT64_C(1) << SET_TEST_THREADS);
	unsigned n;

	if (ss->jobserver_unusable)
		return 1;
	if (!ss->jobserver || given)
		return resolve_threads(ss->settings.test_threads);
	n = online_cpus() * 4;
	return n > 64 ? 64 : n;
}

/*
 * Each worker holds a few descriptors while its unit runs (the pipes, a
 * pidfd, its wake fd, a hook's or a listing's own): a generous count, so
 * that -j never runs into the open-file limit.
 */
#define FDS_PER_WORKER 8
#define FDS_RESERVED 64

/* The open-file limit, raised to the hard limit at start (a soft 1024 is common). */
static rlim_t open_file_limit = RLIM_INFINITY;

static void raise_open_file_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;

		rl.rlim_cur = want;
		/* Some systems refuse RLIM_INFINITY or more than a kernel bound: keep what was. */
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	open_file_limit = rl.rlim_cur;
}

/*
 * The pool a run gets: no more workers than units to run, nor than the
 * open-file limit allows (said once on stderr).
 */
static unsigned fit_pool(unsigned threads, size_t units)
{
	static bool said;
	unsigned fit = threads;

	if (units && units < fit)
		fit = (unsigned)units;
	if (open_file_limit != RLIM_INFINITY) {
		rlim_t room = open_file_limit > FDS_RESERVED + FDS_PER_WORKER
			? (open_file_limit - FDS_RESERVED) / FDS_PER_WORKER : 1;

		if (fit > room) {
			if (!said)
				fprintf(stderr, "%s: %u test threads need more open files than the "
					"limit allows (RLIMIT_NOFILE %llu): running at most %llu at a "
					"time\n", progname, threads, (unsigned long long)open_file_limit,
					(unsigned long long)room);
			said = true;
			fit = (unsigned)room;
		}
	}
	return fit ? fit : 1;
}

/* The jobserver given back on the way out of a fatal error, too. */
static struct jobserver *fatal_jobserver;

/* The extracted archive, removed on the way out of a fatal error too. */
static const char *fatal_archive_dir;

static void fatal_cleanup(void)
{
	spawn_kill_children();
	if (fatal_archive_dir)
		(void)archive_remove_tree(fatal_archive_dir);
	if (fatal_jobserver)
		while (jobserver_held(fatal_jobserver) && jobserver_give(fatal_jobserver))
			;
}

/*
 * make's jobserver, for run, list and automake-driver; an unusable one is
 * said once (then -j 1), but not by the driver: Automake's recipes cannot
 * be marked with '+', so each test just holds the slot make gave it.
 */
static struct jobserver *early_jobserver;
static struct buf early_warning = BUF_INIT;

/*
 * Found before testrig opens any descriptor of its own: a recipe without
 * '+' gets MAKEFLAGS naming descriptors make closed, and the numbers are
 * free for testrig's self-pipe, which must not be taken for make's pipe.
 */
static void find_jobserver(void)
{
	early_jobserver = jobserver_open(getenv("MAKEFLAGS"), &early_warning);
}

static void open_jobserver(struct session *ss, bool quiet)
{
	ss->jobserver = early_jobserver;
	early_jobserver = NULL;
	if (early_warning.len) {
		if (!quiet)
			warnx_("%s", early_warning.data);
		ss->jobserver_unusable = true;
	}
	fatal_jobserver = ss->jobserver;
	buf_free(&early_warning);
}

/* For the commands that do not use it. */
static void drop_jobserver(void)
{
	jobserver_close(early_jobserver);
	early_jobserver = NULL;
	buf_free(&early_warning);
}

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

/* Reads the config file (if any) for the chosen profile; settings = profile + CLI. */
static int load_config(struct session *ss)
{
	struct buf err = BUF_INIT;
	const char *env_profile = getenv("TESTRIG_PROFILE");
	const char *profile = ss->cli.profile ? ss->cli.profile
		: env_profile && *env_profile ? env_profile : NULL;
	char *path = NULL;
	size_t i;
	int rc;

	if (ss->archive_dir) {
		/* The archive's own config, or none at all (never one found around us). */
		profile = profile ? profile : ss->manifest.profile;
		if (ss->manifest.config)
			path = xasprintf("%s/%s", ss->archive_dir, ss->manifest.config);
		rc = config_load(path, profile, &ss->cfg, &ss->list, &err);
	} else if ((rc = config_find(ss->cli.config, &path, &err)) == 0) {
		rc = config_load(path, profile, &ss->cfg, &ss->list, &err);
	}
	free(path);
	if (rc) {
		if (!ss->cli.profile && env_profile && strstr(err.data, "unknown profile")) {
			if (err.len && err.data[err.len - 1] == '\n')
				buf_setlen(&err, err.len - 1);
			buf_adds(&err, " (the profile came from $TESTRIG_PROFILE)\n");
		}
		rc = error_exit(rc, err.data);
		buf_free(&err);
		return rc;
	}
	buf_free(&err);
	settings_copy(&ss->settings, &ss->cfg.profile);
	for (i = 0; i < SET_COUNT; i++)
		if (ss->cli.set.set_mask & (UINT64_C(1) << i))
			settings_take(&ss->settings, &ss->cli.set, (enum setting_id)i);
	return 0;
}

/* Command-line binaries replace the config's suites: one exec suite. */
static void tests_from_command_line(struct session *ss)
{
	struct suite *s;
	size_t i;

	test_list_free(&ss->list);
	test_list_init(&ss->list);
	s = test_list_add_suite(&ss->list, "", ss->cli.protocol);
	s->isolation = ss->cli.isolation;
	for (i = 0; i < ss->cli.binaries.n; i++)
		test_list_add_binary(&ss->list, s, ss->cli.binaries.v[i], ss->cli.binaries.v[i]);
}

/* The archive's command-line binaries: ids as they were, paths in the extracted tree. */
static void tests_from_archive(struct session *ss)
{
	const struct archive_manifest *m = &ss->manifest;
	enum protocol p = PROTO_EXEC;
	struct suite *s;
	size_t i;

	if (m->protocol && protocol_lookup(m->protocol, &p))
		warnx_("the archive names protocol '%s', which this testrig does not know; using "
		       "exec", m->protocol);
	test_list_free(&ss->list);
	test_list_init(&ss->list);
	s = test_list_add_suite(&ss->list, "", p);
	for (i = 0; i < m->binaries.n; i++) {
		char *path = xasprintf("%s/%s", ss->archive_dir, m->binaries.v[i]);

		test_list_add_binary(&ss->list, s, m->binaries.v[i], path);
		free(path);
	}
}

/* The config's suites: globs expanded; working directories default to the root. */
static int tests_from_config(struct session *ss)
{
	struct buf err = BUF_INIT;
	size_t i;

	for (i = 0; i < ss->list.nsuites; i++) {
		struct suite *s = ss->list.suites[i];

		if (!s->cwd)
			s->cwd = xstrdup(ss->cfg.root);
		if (test_list_expand_suite(&ss->list, s, ss->cfg.root, &err))
			break;
	}
	if (err.len) {
		int rc = error_exit(EXIT_SETUP, err.data);
		buf_free(&err);
		return rc;
	}
	buf_free(&err);
	return 0;
}

static int filter_error(const char *where, const char *src, const struct filter_error *fe)
{
	struct buf b = BUF_INIT;

	filter_error_format(src, fe, &b);
	fprintf(stderr, "%s: invalid filter expression (%s):\n%s", progname, where, b.data);
	buf_free(&b);
	return EXIT_FILTER;
}

/*
 * Asks the binaries for their tests (gtest, libtest, custom), in parallel;
 * what went wrong is left in *err.
 */
static int list_binaries(struct session *ss, struct buf *err, int *interrupted_by)
{
	struct listing_config lc;
	char **env = base_environment();
	int rc;

	memset(&lc, 0, sizeof lc);
	lc.list = &ss->list;
	lc.settings = &ss->settings;
	lc.threads = fit_pool(pool_threads(ss), ss->list.nbins);
	lc.jobserver = ss->jobserver;
	lc.profile = ss->cfg.profile_name;
	lc.run_id = ss->run_id;
	lc.base_env = env;
	lc.interrupted_by = interrupted_by;
	/*
	 * A binary in isolation = binary is listed only when the selection
	 * needs its cases' names (or the command shows them).
	 */
	lc.list_whole = ss->cli.cmd != CMD_RUN || ss->cli.filters.n || ss->default_filter ||
		ss->cli.partition.kind != PARTITION_NONE || ss->cli.failed ||
		ss->cli.run_ignored != RUN_IGNORED_DEFAULT;
	rc = listing_run(&lc, err);
	free(env);
	return rc;
}

/*
 * The -E expressions and the profile's default-filter, parsed before any
 * binary is listed: a mistake in them is reported at once (exit 94).
 */
static int parse_filters(struct session *ss)
{
	struct filter_error fe;
	size_t i;

	ss->filters = xcalloc(ss->cli.filters.n + 1, sizeof *ss->filters);
	for (i = 0; i < ss->cli.filters.n; i++) {
		ss->filters[i] = filter_parse(ss->cli.filters.v[i], &fe);
		if (!ss->filters[i])
			return filter_error("-E", ss->cli.filters.v[i], &fe);
	}
	if (ss->settings.default_filter && !ss->cli.ignore_default_filter) {
		ss->default_filter = filter_parse(ss->settings.default_filter, &fe);
		if (!ss->default_filter) {
			char *where = xasprintf("default-filter, %s",
						ss->settings.origin[SET_DEFAULT_FILTER]);
			int rc = filter_error(where, ss->settings.default_filter, &fe);
			free(where);
			return rc;
		}
	}
	return 0;
}

/* Per-test settings, filters, partition: which tests run, with what. */
static int select_and_resolve(struct session *ss)
{
	struct selection sel;
	size_t i;

	for (i = 0; i < ss->list.ntests; i++) {
		struct test *t = &ss->list.tests[i];
		struct filter_subject subj = { t->name, t->bin->id, t->bin->suite->name, t->ignored };

		t->settings = config_test_settings(&ss->cfg, &ss->settings, &ss->cli.set, &subj);
	}
	memset(&sel, 0, sizeof sel);
	sel.filters = ss->filters;
	sel.nfilters = ss->cli.filters.n;
	sel.default_filter = ss->default_filter;
	sel.run_ignored = ss->cli.run_ignored;
	sel.partition = ss->cli.partition;
	ss->selected = select_tests(&ss->list, &sel);
	if (ss->cli.failed) {
		/* -E and --partition narrow what is owed; the rest stays owed. */
		for (i = 0; i < ss->list.ntests; i++) {
			struct test *t = &ss->list.tests[i];

			if (t->selected && !t->owed) {
				t->selected = false;
				ss->selected--;
			}
			if (t->selected)
				t->owed = false;
		}
	}
	return 0;
}

/* Is (binary, test) among the sorted keys? */
static bool owes(const struct strvec *owed, const char *bin, const char *test)
{
	char *key = record_key(bin, test);
	bool found = bsearch(&key, owed->v, owed->n, sizeof *owed->v, string_compare) != NULL;

	free(key);
	return found;
}

/* The record --failed starts from: the latest of this profile. */
static char *latest_record(const struct session *ss)
{
	struct strvec all = STRVEC_INIT;
	char *found = NULL;
	size_t i;

	store_records(&ss->store, &all);
	for (i = 0; i < all.n && !found; i++) {
		struct buf err = BUF_INIT;
		struct record *r;

		if (record_open(all.v[i], &r, &err) == 0) {
			if (strcmp(jvalue_str(record_header(r), "profile"), ss->cfg.profile_name) == 0)
				found = xstrdup(all.v[i]);
			record_close(r);
		}
		buf_free(&err);
	}
	strvec_free(&all);
	return found;
}

/*
 * --failed: the tests the latest recorded run of this profile still owes
 * are marked owed (SPEC section 10).  Returns 0, EXIT_SETUP when there is
 * no record, or -1 when nothing is owed (said on stdout: the caller exits 0).
 */
static int mark_outstanding(struct session *ss)
{
	struct strvec owed = STRVEC_INIT;
	struct buf err = BUF_INIT;
	char *path = latest_record(ss), *id;
	size_t i;
	int rc = 0;

	if (!path) {
		fprintf(stderr, "%s: error: --failed: no recorded run of profile '%s' in %s (a run "
			"without --no-record makes one)\n", progname, ss->cfg.profile_name,
			ss->store.runs);
		return EXIT_SETUP;
	}
	if (record_outstanding(path, &owed, &err)) {
		rc = error_exit(EXIT_SETUP, err.data);
	} else if (!owed.n) {
		id = store_run_id(path);
		printf("The last run of profile %s (%s) passed: nothing to rerun.\n",
		       ss->cfg.profile_name, id ? id : path);
		free(id);
		rc = -1;
	}
	for (i = 0; !rc && i < ss->list.ntests; i++) {
		struct test *t = &ss->list.tests[i];

		/*
		 * isolation = binary: a binary that did not run whole (its key
		 * has an empty test name) or failed outside its cases owes all
		 * of its tests.
		 */
		t->owed = owes(&owed, t->bin->id, t->name) || owes(&owed, t->bin->id, "") ||
			owes(&owed, t->bin->id, "(process)");
	}
	strvec_free(&owed);
	buf_free(&err);
	free(path);
	return rc;
}

/* What an empty selection does, as --no-tests says. */
static int no_tests(const struct session *ss)
{
	struct buf what = BUF_INIT;
	int rc = 0;

	if (ss->list.ntests)
		buf_printf(&what, "no tests were selected (%zu filtered out)", ss->list.ntests);
	else if (ss->list.nsuites && !ss->cli.binaries.n)
		buf_adds(&what, "the config's suites hold no tests");
	else if (ss->cli.binaries.n)
		buf_printf(&what, "the test binar%s named on the command line list%s no tests",
			   ss->cli.binaries.n == 1 ? "y" : "ies", ss->cli.binaries.n == 1 ? "s" : "");
	else
		buf_adds(&what, "no tests to run: name test binaries on the command line "
			 "(testrig run BINARY...) or describe suites in a testrig.ini");
	switch (ss->settings.no_tests) {
	case NO_TESTS_FAIL:
		fprintf(stderr, "%s: error: %s\n", progname, what.data);
		rc = EXIT_NO_TESTS;
		break;
	case NO_TESTS_WARN:
		fprintf(stderr, "%s: warning: %s\n", progname, what.data);
		break;
	case NO_TESTS_PASS:
		break;
	}
	buf_free(&what);
	return rc;
}

static int write_stdout(struct buf *b)
{
	if ((b->len && fwrite(b->data, 1, b->len, stdout) != b->len) || fflush(stdout)) {
		fprintf(stderr, "%s: error: writing to standard output: %s\n", progname,
			strerror(errno));
		return EXIT_REPORT;
	}
	return 0;
}

static int list_tests(const struct test_list *list, enum list_format format)
{
	struct buf b = BUF_INIT;
	int rc;

	test_list_print(list, format, &b);
	rc = write_stdout(&b);
	buf_free(&b);
	return rc;
}

static int tests_from_config(struct session *ss);
static int list_binaries(struct session *ss, struct buf *err, int *interrupted_by);
static int select_and_resolve(struct session *ss);

/*
 * show-config; with -E or binaries, the tests they select follow, each
 * with what its overrides change (so the binaries are listed).
 */
static int show_config(struct session *ss)
{
	struct buf b = BUF_INIT, err = BUF_INIT;
	bool tests = ss->cli.filters.n || ss->cli.binaries.n;
	int rc = 0;

	if (tests) {
		if (ss->cli.binaries.n)
			tests_from_command_line(ss);
		else
			rc = tests_from_config(ss);
		if (!rc && (rc = list_binaries(ss, &err, NULL)))
			error_exit(rc, err.data);
		if (!rc)
			rc = select_and_resolve(ss);
	}
	if (!rc) {
		config_show(&ss->cfg, &ss->settings, &ss->list, &b);
		if (tests)
			config_show_tests(&ss->settings, &ss->list, &b);
		rc = write_stdout(&b);
	}
	buf_free(&b);
	buf_free(&err);
	return rc;
}

/* ---- the store ------------------------------------------------------------ */

static void open_store(struct session *ss)
{
	const struct store_config *sc = &ss->cfg.store;

	store_init(&ss->store, ss->cli.state_dir, sc->dir, ss->cfg.root, sc->keep_runs,
		   sc->max_size);
}

/*
 * A run is recorded unless told not to; a store that cannot be made or
 * written costs one warning, and the run goes on unrecorded.
 */
static void prepare_recording(struct session *ss)
{
	struct buf why = BUF_INIT;

	if (ss->cli.no_record || !ss->cfg.store.record)
		return;
	if (store_prepare(&ss->store, &why))
		warnx_("run records are off for this run: %s", why.data);
	else
		ss->recording = true;
	buf_free(&why);
}

/* The selected tests' history (scheduling, flake notes); a damaged file is said once. */
static void load_history(struct session *ss)
{
	struct buf err = BUF_INIT;

	if (history_load(ss->store.history, &ss->list, &ss->history, &err))
		warnx_("%s", err.data);
	buf_free(&err);
}

static void plan_human(const struct session *ss, struct human_options *h, bool json);

static int replay_command(struct session *ss)
{
	struct replay_options o;
	struct buf err = BUF_INIT;
	char *path;
	int rc;

	if (store_find(&ss->store, ss->cli.binaries.n ? ss->cli.binaries.v[0] : "latest", &path,
		       &err)) {
		rc = error_exit(EXIT_SETUP, err.data);
		buf_free(&err);
		return rc;
	}
	memset(&o, 0, sizeof o);
	o.path = path;
	o.json = ss->cli.messages == MESSAGES_JSON;
	o.junit = ss->cli.junit;
	plan_human(ss, &o.human, o.json);
	o.human.progress = false;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	rc = replay_record(&o);
	free(path);
	return rc;
}

static int history_command(struct session *ss)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc;

	if (history_print(ss->store.history, ss->filters, ss->cli.filters.n,
			  ss->cli.list_format == LIST_JSON, &out, &err))
		rc = error_exit(EXIT_SETUP, err.data);
	else
		rc = write_stdout(&out);
	buf_free(&out);
	buf_free(&err);
	return rc;
}

/* The config's setup scripts, ready for the run. */
static struct run_script *prepare_scripts(const struct session *ss)
{
	struct run_script *rs = xcalloc(ss->cfg.nscripts + 1, sizeof *rs);
	size_t i;

	for (i = 0; i < ss->cfg.nscripts; i++) {
		const struct script *sc = &ss->cfg.scripts[i];

		rs[i].name = sc->name;
		rs[i].command = &sc->command;
		rs[i].teardown = sc->teardown.text ? &sc->teardown : NULL;
		rs[i].filter = sc->filter;
		rs[i].limits.slow_timeout = sc->slow_timeout;
		rs[i].limits.terminate_after = sc->terminate_after;
		rs[i].limits.grace_period = sc->grace_period;
		rs[i].limits.leak_timeout = sc->leak_timeout;
		rs[i].limits.output_limit = ss->settings.output_limit;
		rs[i].capture_stdout = sc->capture_stdout;
		rs[i].capture_stderr = sc->capture_stderr;
	}
	return rs;
}

/* How each run of the session reports: the reporters' options. */
struct report_plan {
	struct human_options human;
	bool json;
	bool farm, ptest;           /* --message-format lava or ptest */
	const struct test_list *list;
	char *junit_path;           /* NULL: no JUnit report */
	const struct settings *settings;
	bool record;                /* a run record in the store */
	struct record_options record_options;
};

/* The human report's options (on stderr when JSON takes stdout). */
static void plan_human(const struct session *ss, struct human_options *h, bool json)
{
	const struct cli *c = &ss->cli;

	memset(h, 0, sizeof *h);
	h->out = json ? stderr : stdout;
	h->err = stderr;
	h->color = use_color(c->color, json ? 2 : 1);
	h->progress = isatty(2) && !c->no_capture && !json;
	h->settings = &ss->settings;
	h->show_slowest = c->show_slowest;
}

/*
 * The reporters' options; the JUnit report's directory is checked now, not
 * after the whole run (EXIT_REPORT).
 */
static int plan_reports(const struct session *ss, struct report_plan *rp)
{
	const struct cli *c = &ss->cli;
	const char *junit = c->junit ? c->junit : ss->settings.junit;
	char *dir, *slash;
	int rc = 0;

	memset(rp, 0, sizeof *rp);
	rp->settings = &ss->settings;
	rp->json = c->messages == MESSAGES_JSON;
	rp->farm = c->messages == MESSAGES_LAVA || c->messages == MESSAGES_PTEST;
	rp->ptest = c->messages == MESSAGES_PTEST;
	rp->list = &ss->list;
	/* Machine-read lines take stdout; the report for people goes to stderr. */
	plan_human(ss, &rp->human, c->messages != MESSAGES_HUMAN);
	rp->record = ss->recording;
	rp->record_options.store = &ss->store;
	rp->record_options.list = &ss->list;
	rp->record_options.settings = &ss->settings;
	rp->record_options.failed_run = c->failed;
	rp->record_options.argv = ss->argv;
	rp->record_options.history = history_stamp(ss->history);
	if (!junit)
		return 0;
	/* A path from the config is relative to the project root. */
	rp->junit_path = c->junit || junit[0] == '/' || !ss->cfg.root ? xstrdup(junit)
		: xasprintf("%s/%s", ss->cfg.root, junit);
	dir = xstrdup(rp->junit_path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	if (access(slash ? dir : ".", W_OK | X_OK) != 0) {
		fprintf(stderr, "%s: error: cannot write the JUnit report %s: %s: %s\n",
			progname, rp->junit_path, slash ? dir : ".", strerror(errno));
		rc = EXIT_REPORT;
	}
	free(dir);
	return rc;
}

/* A fresh set of reporters for one run (rs->v has room for every kind). */
static void open_reports(const struct report_plan *rp, struct report_set *rs)
{
	rs->n = 0;
	rs->v[rs->n++] = report_human_new(&rp->human);
	if (rp->json) {
		struct json_options jo = { stdout, rp->settings, NULL };

		rs->v[rs->n++] = report_json_new(&jo);
	}
	if (rp->farm) {
		struct farm_options fo = { 1, stderr, rp->list, rp->ptest };

		rs->v[rs->n++] = report_farm_new(&fo);
	}
	if (rp->junit_path) {
		struct junit_options jo = { rp->junit_path, rp->settings->junit_success_output,
					    stderr };

		rs->v[rs->n++] = report_junit_new(&jo);
	}
	if (rp->record)
		rs->v[rs->n++] = report_record_new(&rp->record_options);
}

static void free_reports(struct report_set *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rs->v[i]->ops->free(rs->v[i]);
	rs->n = 0;
}

/*
 * The units a run may start at once: its selected tests, where a binary
 * in isolation = binary that was not listed counts once per shard.
 */
static size_t run_units(const struct session *ss)
{
	size_t n = ss->selected, i, binaries = test_list_selected_binaries(&ss->list);
	unsigned threads = pool_threads(ss);

	for (i = 0; i < ss->list.ntests; i++) {
		const struct test *t = &ss->list.tests[i];
		unsigned shards = suite_shards(t->bin->suite, threads, binaries);

		if (t->selected && t->whole && shards > 1)
			n += shards - 1;
	}
	return n;
}

/* What every run of the session is given (the caller frees groups and scripts). */
static void plan_run(struct session *ss, struct run_config *rc, char **env)
{
	const struct cli *c = &ss->cli;
	struct run_group *groups = xcalloc(ss->cfg.ngroups + 1, sizeof *groups);
	size_t i;

	memset(rc, 0, sizeof *rc);
	rc->threads = fit_pool(pool_threads(ss), run_units(ss) + ss->cfg.nscripts);
	rc->jobserver = ss->jobserver;
	if (c->no_capture) {
		if (rc->threads > 1)
			fprintf(stderr, "%s: --no-capture: running one test at a time\n", progname);
		rc->threads = 1;
	}
	rc->list = &ss->list;
	rc->settings = &ss->settings;
	rc->no_capture = c->no_capture;
	rc->profile = ss->cfg.profile_name;
	rc->run_id = ss->run_id;
	rc->base_env = env;
	rc->root = ss->cfg.root;
	for (i = 0; i < ss->cfg.ngroups; i++) {
		groups[i].name = ss->cfg.groups[i].name;
		groups[i].max_threads = ss->cfg.groups[i].max_threads;
	}
	rc->groups = groups;
	rc->ngroups = ss->cfg.ngroups;
	rc->scripts = prepare_scripts(ss);
	rc->nscripts = ss->cfg.nscripts;
	rc->history = ss->recording;
}

/*
 * One run, or with --stress-count/--stress-duration one after another
 * until one fails (or is cancelled), the count is reached or the time is
 * up.  Each run has its own run id, reports and summary.
 */
static int run_repeatedly(struct session *ss, struct run_config *rc,
			  const struct report_plan *rp)
{
	const struct cli *c = &ss->cli;
	bool stressing = c->stress_count || c->stress_duration;
	FILE *out = rp->human.out;
	struct reporter *reps[5];
	struct report_set reports = { reps, 0 };
	int64_t start = mono_ns();
	unsigned iterations = 0;
	struct buf line = BUF_INIT, secs = BUF_INIT;
	int code;

	rc->reports = &reports;
	for (;;) {
		open_reports(rp, &reports);
		if (stressing) {
			if (iterations)
				uuid_v4(ss->run_id);
			fprintf(out, "%12s run %u", "Stress", iterations + 1);
			if (c->stress_count)
				fprintf(out, " of %u", c->stress_count);
			fputc('\n', out);
		}
		code = run_execute(rc);
		iterations++;
		free_reports(&reports);
		if (!stressing || code != 0 || (c->stress_count && iterations >= c->stress_count) ||
		    (c->stress_duration && mono_ns() - start >= c->stress_duration))
			break;
	}
	if (!stressing)
		return code;
	format_seconds(&secs, mono_ns() - start);
	buf_addc(&secs, 's');
	buf_printf(&line, "%12s [%9s] %u run%s: %u passed", "Stress", secs.data, iterations,
		   iterations == 1 ? "" : "s", iterations - (code != 0));
	buf_free(&secs);
	if (code != 0)
		buf_printf(&line, ", run %u did not pass", iterations);
	buf_addc(&line, '\n');
	fputs(line.data, out);
	fflush(out);
	buf_free(&line);
	return code;
}

static int run_tests(struct session *ss)
{
	struct report_plan rp;
	struct run_config rc;
	char **env = base_environment();
	int code;

	/*
	 * stdout is ours to buffer: the engine flushes it on a timer.  Not with
	 * --no-capture, where tests write to the same file: each line goes out
	 * at once so a test's output follows the status lines before it.
	 */
	setvbuf(stdout, NULL, ss->cli.no_capture ? _IOLBF : _IOFBF, 1 << 16);
	plan_run(ss, &rc, env);
	code = plan_reports(ss, &rp);
	if (!code)
		code = run_repeatedly(ss, &rc, &rp);
	free(rp.junit_path);
	free((void *)rc.scripts);
	free((void *)rc.groups);
	free(env);
	return code;
}

/* ---- archives -------------------------------------------------------------- */

/* An --extract-to directory must not exist (it is made) or be empty. */
static int prepare_extract_dir(const char *dir, bool *made, struct buf *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	*made = false;
	if (!d && errno == ENOENT) {
		if (mkdir(dir, 0755)) {
			buf_printf(err, "--extract-to %s: %s", dir, strerror(errno));
			return -1;
		}
		*made = true;
		return 0;
	}
	if (!d) {
		buf_printf(err, "--extract-to %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			break;
	closedir(d);
	if (de) {
		buf_printf(err, "--extract-to %s: the directory is not empty", dir);
		return -1;
	}
	return 0;
}

/*
 * --archive-file: extracts into --extract-to or a fresh temporary directory
 * and reads the manifest; the run then takes its config and binaries from
 * there (SPEC section 12).
 */
static int open_archive(struct session *ss)
{
	const struct cli *c = &ss->cli;
	struct buf err = BUF_INIT;
	const char *tmpdir = getenv("TMPDIR");
	char *dir;
	bool made = true;
	int fd, rc = 0;

	if (c->config) {
		fprintf(stderr, "%s: error: --config cannot be used with --archive-file (the "
			"archive has its own config)\n", progname);
		return EXIT_USAGE;
	}
	if (c->extract_to) {
		if (prepare_extract_dir(c->extract_to, &made, &err)) {
			rc = error_exit(EXIT_SETUP, err.data);
			buf_free(&err);
			return rc;
		}
		dir = path_absolute(c->extract_to, NULL);
	} else {
		dir = xasprintf("%s/testrig-archive.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
		if (!mkdtemp(dir)) {
			fprintf(stderr, "%s: error: cannot make a directory to extract %s into: %s: "
				"%s\n", progname, c->archive_file, dir, strerror(errno));
			free(dir);
			return EXIT_SETUP;
		}
	}
	ss->archive_dir = dir;
	/* A directory the user named stays; a temporary one goes unless kept. */
	ss->archive_remove = !c->extract_to && !c->keep_extracted;
	fatal_archive_dir = ss->archive_remove ? dir : NULL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(&err, "%s: %s", dir, strerror(errno));
		rc = -1;
	} else {
		rc = archive_extract(c->archive_file, fd, dir, c->archive_max_size
				     ? c->archive_max_size : ARCHIVE_MAX_SIZE, &ss->manifest, &err);
		close(fd);
	}
	if (rc) {
		/* Nothing is left: what the extraction made is gone, and the directory if ours. */
		if (made)
			(void)rmdir(dir);
		ss->archive_remove = false;
		rc = error_exit(EXIT_SETUP, err.data);
	} else if (c->keep_extracted) {
		fprintf(stderr, "%s: the archive is extracted in %s (kept)\n", progname, dir);
	}
	buf_free(&err);
	return rc;
}

static void close_archive(struct session *ss)
{
	if (ss->archive_remove && archive_remove_tree(ss->archive_dir))
		warnx_("cannot remove the extracted archive %s: %s", ss->archive_dir,
		       strerror(errno));
	fatal_archive_dir = NULL;
	free(ss->archive_dir);
	archive_manifest_free(&ss->manifest);
}

/* SOURCE_DATE_EPOCH, as reproducible builds set it; else 0. */
static int64_t archive_mtime(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (!e || !*e)
		return 0;
	errno = 0;
	v = strtoll(e, &end, 10);
	if (errno || *end || v < 0) {
		warnx_("SOURCE_DATE_EPOCH='%s' is not a number of seconds; using 0", e);
		return 0;
	}
	return v;
}

/* testrig archive -o FILE: the selection's files, packed (SPEC section 12). */
static int archive_command(struct session *ss)
{
	struct pack_selection sel = { ss->filters, ss->cli.filters.n, ss->default_filter };
	struct archive_manifest m;
	struct buf err = BUF_INIT;
	char *cwd = ss->cfg.root ? NULL : path_absolute(".", NULL);
	const char *root = ss->cfg.root ? ss->cfg.root : cwd;
	int rc;

	memset(&m, 0, sizeof m);
	m.profile = xstrdup(ss->cfg.profile_name);
	rc = pack_collect(&ss->cfg, &ss->list, root, &sel, &m, &err);
	if (!rc)
		rc = archive_write(ss->cli.archive_out, root, &m, archive_mtime(), &err);
	if (rc) {
		rc = error_exit(EXIT_SETUP, err.data);
	} else {
		printf("%12s %zu file%s from %s into %s\n", "Archived", m.files.n + 1,
		       m.files.n ? "s" : "", root, ss->cli.archive_out);
	}
	archive_manifest_free(&m);
	buf_free(&err);
	free(cwd);
	return rc;
}

/* ---- automake-driver ---------------------------------------------------- */

/* The test command after "--": one binary, its id the test's name. */
static void tests_from_driver_command(struct session *ss)
{
	struct suite *s;
	struct binary *b;
	size_t i;

	test_list_free(&ss->list);
	test_list_init(&ss->list);
	s = test_list_add_suite(&ss->list, "", ss->cli.protocol);
	b = test_list_add_binary(&ss->list, s, ss->cli.am.test_name, ss->cli.binaries.v[0]);
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
	char **env = base_environment();

	plan_run(ss, &rc, env);
	rc.reports = &reports;
	(void)run_execute(&rc);
	free((void *)rc.scripts);
	free((void *)rc.groups);
	free(env);
}

/*
 * testrig automake-driver (SPEC section 11): exit 0 whatever the test did;
 * 128+signal when interrupted (both files removed); non-zero otherwise
 * only for an error of the driver (bad options, config, unwritable files).
 */
static int automake_command(struct session *ss)
{
	struct automake_options ao = { &ss->cli.am, stdout, stderr };
	struct reporter *rep;
	struct buf err = BUF_INIT;
	int code, signo = 0;

	open_jobserver(ss, true);
	tests_from_driver_command(ss);
	driver_settings(ss);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rep = report_automake_new(&ao);
	if (list_binaries(ss, &err, &signo)) {
		if (!signo)
			report_automake_whole(rep, AM_ERROR, err.data);
	} else if (select_and_resolve(ss) || !ss->selected) {
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

static void session_free(struct session *ss)
{
	size_t i;

	for (i = 0; ss->filters && i < ss->cli.filters.n; i++)
		filter_free(ss->filters[i]);
	free(ss->filters);
	filter_free(ss->default_filter);
	test_list_free(&ss->list);
	history_free(ss->history);
	fatal_jobserver = NULL;
	jobserver_close(ss->jobserver);
	close_archive(ss);
	store_free(&ss->store);
	config_free(&ss->cfg);
	settings_free(&ss->settings);
	cli_free(&ss->cli);
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

/* The commands that work on a loaded config: each reads like the man page says. */
static int command(struct session *ss)
{
	struct buf err = BUF_INIT;
	int code;

	if (ss->cli.cmd == CMD_REPLAY)
		return replay_command(ss);
	if (ss->cli.cmd == CMD_RUNS)
		return replay_list_runs(&ss->store, ss->cli.list_format == LIST_JSON, stdout);
	if ((code = parse_filters(ss)))
		return code;
	if (ss->cli.cmd == CMD_SHOW_CONFIG)
		return show_config(ss);
	if (ss->cli.cmd == CMD_HISTORY)
		return history_command(ss);
	if (ss->cli.cmd == CMD_AUTOMAKE)
		return automake_command(ss);
	if (ss->cli.isolation == ISOLATION_BINARY && !ss->cli.binaries.n)
		return usage_error("--isolation is for binaries named on the command line (a suite "
				   "has its own isolation key)");
	if (ss->cli.isolation == ISOLATION_BINARY && !isolation_binary_ok(ss->cli.protocol)) {
		fprintf(stderr, "%s: error: --isolation binary needs --protocol gtest or libtest "
			"(the binaries' protocol is %s)\n", progname, protocol_name(ss->cli.protocol));
		return EXIT_SETUP;
	}
	open_jobserver(ss, false);
	if (ss->manifest.binaries.n)
		tests_from_archive(ss);
	else if (ss->cli.binaries.n)
		tests_from_command_line(ss);
	else if ((code = tests_from_config(ss)))
		return code;
	if (ss->cli.cmd == CMD_ARCHIVE)
		return archive_command(ss);
	if ((code = list_binaries(ss, &err, NULL))) {
		error_exit(code, err.data);
		buf_free(&err);
		return code;
	}
	buf_free(&err);
	/* The list is whole: what it holds beyond that goes back (10 000 tests in 5 MiB). */
	test_list_trim(&ss->list);
	if (ss->cli.failed && (code = mark_outstanding(ss)))
		return code < 0 ? EXIT_OK : code;
	if ((code = select_and_resolve(ss)))
		return code;
	if (!ss->selected)
		return no_tests(ss);
	if (ss->cli.cmd == CMD_LIST)
		return list_tests(&ss->list, ss->cli.list_format);
	prepare_recording(ss);
	load_history(ss);
	/* What listing and the history took for a while goes back: the run's peak is its own. */
	release_free_memory();
	return run_tests(ss);
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
			int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);

			if (fd == 1)
				stdout_closed = true;
			if (n >= 0 && n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct session ss;
	struct buf err = BUF_INIT;
	int code;

	fill_standard_fds();
	find_jobserver();
	raise_open_file_limit();
	/*
	 * Then, before any thread exists, so that every thread inherits the
	 * mask and a signal is never lost between start and run.
	 */
	sig_init(!kernel_has_pidfd(), argc > 1 && strcmp(argv[1], "automake-driver") == 0);
	set_fatal_hook(fatal_cleanup);
	memset(&ss, 0, sizeof ss);
	if (cli_parse(argc, argv, &ss.cli, &err)) {
		code = usage_error(err.data);
		buf_free(&err);
		cli_free(&ss.cli);
		drop_jobserver();
		return code;
	}
	buf_free(&err);
	for (size_t i = 0; i < ss.cli.warnings.n; i++)
		warnx_("%s", ss.cli.warnings.v[i]);
	if (ss.cli.cmd == CMD_HELP || ss.cli.cmd == CMD_VERSION) {
		struct buf u = BUF_INIT;

		if (ss.cli.cmd == CMD_HELP)
			cli_usage(&u);
		else
			buf_printf(&u, "testrig %s\n", TESTRIG_VERSION);
		fputs(u.data, stdout);
		buf_free(&u);
		cli_free(&ss.cli);
		drop_jobserver();
		return check_stdout(0);
	}
	test_list_init(&ss.list);
	uuid_v4(ss.run_id);
	ss.argv = argv;
	code = ss.cli.archive_file ? open_archive(&ss) : 0;
	if (!code)
		code = load_config(&ss);
	if (!code) {
		open_store(&ss);
		code = command(&ss);
	}
	session_free(&ss);
	drop_jobserver();
	return check_stdout(code);
}

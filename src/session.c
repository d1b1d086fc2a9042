/*
 * session.c - from the command line and the config to the tests a command
 * works on: the config (or an extracted archive's) read for the profile,
 * the tests found and listed, the filters parsed, --failed's owed tests
 * marked, the selection made, the store found.  Also the one place that
 * knows what a fatal error must undo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/config.h"
#include "testrig/exitcode.h"
#include "testrig/filter.h"
#include "testrig/history.h"
#include "testrig/jobserver.h"
#include "testrig/list.h"
#include "testrig/listing.h"
#include "testrig/path.h"
#include "testrig/rebuild.h"
#include "testrig/record.h"
#include "testrig/select.h"
#include "testrig/session.h"
#include "testrig/spawn.h"
#include "testrig/text.h"
#include "testrig/util.h"
#include "testrig/workers.h"

extern char **environ;

/*
 * The session a fatal error cleans up after (the one main runs): set by
 * session_start, cleared by session_free.  The fatal hook reads it.
 */
static struct session *fatal_session;

void session_fatal_cleanup(void)
{
	struct session *ss = fatal_session;

	spawn_kill_children();
	if (!ss)
		return;
	if (ss->archive.remove)
		(void)archive_remove_tree(ss->archive.dir);
	if (ss->jobserver)
		while (jobserver_held(ss->jobserver) && jobserver_give(ss->jobserver))
			;
}

/* The length of msg without one trailing newline: the messages built for
 * these two come with one or without. */
static int line_len(const char *msg)
{
	size_t len = strlen(msg);

	return (int)(len && msg[len - 1] == '\n' ? len - 1 : len);
}

int usage_error(const char *msg)
{
	errorx_(NULL, "%.*s", line_len(msg), msg);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	return EXIT_USAGE;
}

/* Prints "testrig: error: MESSAGE" (MESSAGE may span lines) and returns code. */
int error_exit(int code, const char *msg)
{
	errorx_(NULL, "%.*s", line_len(msg), msg);
	return code;
}

int write_stdout(struct buf *b)
{
	if ((b->len && fwrite(b->data, 1, b->len, stdout) != b->len) || fflush(stdout)) {
		errorx_(NULL, "writing to standard output: %s", strerror(errno));
		return EXIT_REPORT;
	}
	return 0;
}

char **session_environment(void)
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

void session_open_jobserver(struct session *ss, bool quiet)
{
	ss->jobserver = workers_take_jobserver(quiet, &ss->jobserver_unusable);
}

unsigned session_workers(const struct session *ss)
{
	return workers_wanted(&ss->settings, ss->jobserver != NULL, ss->jobserver_unusable);
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

	if (ss->archive.dir) {
		/* The archive's own config, or none at all (never one found around us). */
		profile = profile ? profile : ss->archive.manifest.profile;
		if (ss->archive.manifest.config)
			path = xasprintf("%s/%s", ss->archive.dir, ss->archive.manifest.config);
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

/*
 * A run from an archive records into the store of the directory testrig was
 * started in, as `testrig runs` there finds it (the config around it, or
 * .testrig in it), never into the extracted tree, which may be gone at the
 * end.  --state-dir and $TESTRIG_STATE_DIR still come first (store_init).
 * The archive's config can still turn recording off.
 */
static void open_archive_store(struct session *ss)
{
	struct config here;
	struct test_list list;
	struct buf err = BUF_INIT;
	char *path = NULL;

	memset(&here, 0, sizeof here);
	test_list_init(&list);
	if (config_find(NULL, &path, &err) || config_load(path, NULL, &here, &list, &err)) {
		char *cwd = path_current_dir();

		warnx_("%.*s (the run records go to %s/.testrig)", line_len(err.data), err.data,
		       cwd ? cwd : ".");
		store_init(&ss->store, ss->cli.state_dir, NULL, cwd, ss->cfg.store.keep_runs,
			   ss->cfg.store.max_size);
		free(cwd);
	} else {
		store_init(&ss->store, ss->cli.state_dir, here.store.dir, here.root,
			   here.store.keep_runs, here.store.max_size);
		ss->cfg.store.record = ss->cfg.store.record && here.store.record;
	}
	free(path);
	buf_free(&err);
	test_list_free(&list);
	config_free(&here);
}

static void open_store(struct session *ss)
{
	const struct store_config *sc = &ss->cfg.store;

	if (ss->archive.dir)
		open_archive_store(ss);
	else
		store_init(&ss->store, ss->cli.state_dir, sc->dir, ss->cfg.root, sc->keep_runs,
			   sc->max_size);
}

int session_start(struct session *ss, char **argv)
{
	struct buf err = BUF_INIT;
	int code = 0;

	fatal_session = ss;
	test_list_init(&ss->list);
	uuid_v4(ss->run_id);
	ss->argv = argv;
	if (ss->cli.archive_file && (code = extract_open(&ss->cli, &ss->archive, &err)))
		error_exit(code, err.data);
	buf_free(&err);
	if (!code)
		code = load_config(ss);
	if (!code)
		open_store(ss);
	return code;
}

void session_free(struct session *ss)
{
	struct jobserver *js;
	size_t i;

	for (i = 0; ss->filters && i < ss->cli.filters.n; i++)
		filter_free(ss->filters[i]);
	free(ss->filters);
	filter_free(ss->default_filter);
	test_list_free(&ss->list);
	history_free(ss->history);
	js = ss->jobserver;
	ss->jobserver = NULL;
	jobserver_close(js);
	extract_close(&ss->archive);
	store_free(&ss->store);
	config_free(&ss->cfg);
	settings_free(&ss->settings);
	cli_free(&ss->cli);
	fatal_session = NULL;
}

/* ---- the tests ------------------------------------------------------------ */

void session_tests_from_command_line(struct session *ss)
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
	const struct archive_manifest *m = &ss->archive.manifest;
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
		char *path = xasprintf("%s/%s", ss->archive.dir, m->binaries.v[i]);

		test_list_add_binary(&ss->list, s, m->binaries.v[i], path);
		free(path);
	}
}

int session_tests_from_config(struct session *ss)
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

int session_find_tests(struct session *ss)
{
	if (ss->cli.isolation == ISOLATION_BINARY && !ss->cli.binaries.n)
		return usage_error("--isolation is for binaries named on the command line (a suite "
				   "has its own isolation key)");
	if (ss->cli.isolation == ISOLATION_BINARY && !isolation_binary_ok(ss->cli.protocol)) {
		errorx_(NULL, "--isolation binary needs --protocol gtest or libtest (the binaries' "
			"protocol is %s)", protocol_name(ss->cli.protocol));
		return EXIT_SETUP;
	}
	session_open_jobserver(ss, false);
	if (ss->archive.manifest.binaries.n)
		tests_from_archive(ss);
	else if (ss->cli.binaries.n)
		session_tests_from_command_line(ss);
	else
		return session_tests_from_config(ss);
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

int session_parse_filters(struct session *ss)
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

int session_list_binaries(struct session *ss, struct buf *err, int *interrupted_by)
{
	struct listing_config lc;
	char **env = session_environment();
	int rc;

	memset(&lc, 0, sizeof lc);
	lc.list = &ss->list;
	lc.settings = &ss->settings;
	lc.threads = workers_fit(session_workers(ss), ss->list.nbins);
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

int session_select(struct session *ss)
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

/* ---- --failed and an empty selection -------------------------------------- */

/* Is (binary, test) among the sorted keys? */
static bool owes(const struct strvec *owed, const char *bin, const char *test)
{
	char *key = record_key(bin, test);
	bool found = bsearch(&key, owed->v, owed->n, sizeof *owed->v, string_compare) != NULL;

	free(key);
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
	char *path, *id;
	size_t i;
	int rc = 0;

	/* The latest usable run of this profile, as runs and replay take it. */
	if (record_latest(&ss->store, ss->cfg.profile_name, &path, &err)) {
		errorx_(NULL, "--failed: %s (a run without --no-record makes one)", err.data);
		buf_free(&err);
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
		errorx_(NULL, "%s", what.data);
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

bool session_list_and_select(struct session *ss, int *code)
{
	struct buf err = BUF_INIT;

	if ((*code = session_list_binaries(ss, &err, NULL))) {
		error_exit(*code, err.data);
		buf_free(&err);
		return false;
	}
	buf_free(&err);
	/* The list is whole: what it holds beyond that goes back (10 000 tests in 5 MiB). */
	test_list_trim(&ss->list);
	if (ss->cli.failed && (*code = mark_outstanding(ss))) {
		if (*code < 0)
			*code = EXIT_OK;
		return false;
	}
	if ((*code = session_select(ss)))
		return false;
	if (!ss->selected) {
		*code = no_tests(ss);
		return false;
	}
	return true;
}

/* ---- the store ------------------------------------------------------------ */

void session_prepare_recording(struct session *ss)
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

/*
 * A damaged history (one warning, naming it) is rebuilt from the records
 * at once when this run records, and read again; else this run goes
 * without it.
 */
void session_load_history(struct session *ss)
{
	struct buf err = BUF_INIT, done = BUF_INIT, why = BUF_INIT;

	if (!history_load(ss->store.history, &ss->list, &ss->history, &err))
		goto out;
	history_free(ss->history);
	ss->history = NULL;
	if (!ss->recording) {
		warnx_("%s (this run goes without it; a recorded run rebuilds it)", err.data);
	} else if (history_rebuild_locked(&ss->store, &done, &why)) {
		warnx_("%s; it could not be rebuilt: %s", err.data, why.data);
	} else {
		warnx_("%s: %s", err.data, done.data);
		buf_reset(&why);
		if (history_load(ss->store.history, &ss->list, &ss->history, &why)) {
			history_free(ss->history);
			ss->history = NULL;
		}
	}
out:
	buf_free(&err);
	buf_free(&done);
	buf_free(&why);
}

/*
 * test_config.c - unit tests for testrig.ini: a full file with every section
 * and key, profiles and origins, override order, per-test settings and their
 * cache, config_find, show-config, and every error message with its line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/config.h"
#include "testrig/filter.h"
#include "testrig/list.h"
#include "testrig/parse.h"
#include "testrig/settings.h"
#include "testrig/util.h"

/* The scratch directory of this run (set once by main). */
static char scratch[PATH_MAX];

#define CHECK_HAS(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	check_count++; \
	if (!h_ || !strstr(h_, n_)) { \
		check_failed_count++; \
		fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
			h_ ? h_ : "(null)", n_); \
	} \
} while (0)

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* scratch/NAME, malloc'd. */
static char *scratch_path(const char *name)
{
	return xasprintf("%s/%s", scratch, name);
}

/* Writes `text` as scratch/testrig.ini and loads it. */
static int load(const char *text, const char *profile, struct config *cfg,
		struct test_list *list, struct buf *err)
{
	char *path = scratch_path("testrig.ini");
	int rc;

	write_file(path, text, strlen(text));
	test_list_init(list);
	buf_reset(err);
	rc = config_load(path, profile, cfg, list, err);
	free(path);
	return rc;
}

/* The 1-based line of the first line of `text` that starts with `prefix`. */
static int line_of(const char *text, const char *prefix)
{
	const char *p = text;
	int line = 1;

	for (;;) {
		while (*p == ' ' || *p == '\t' || (unsigned char)*p == 0xEF ||
		       (unsigned char)*p == 0xBB || (unsigned char)*p == 0xBF)
			p++;
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return line;
		p = strchr(p, '\n');
		if (!p)
			return -1;
		p++;
		line++;
	}
}

/* "scratch/testrig.ini:N" for the line starting with prefix. */
static char *origin_of(const char *text, const char *prefix)
{
	return xasprintf("%s/testrig.ini:%d", scratch, line_of(text, prefix));
}

static char *crlf(const char *text)
{
	struct buf b = BUF_INIT;

	for (; *text; text++) {
		if (*text == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, *text);
	}
	return buf_detach(&b, NULL);
}

static const char full_file[] =
	"; testrig.ini for the unit tests\n"
	"# both comment styles\n"
	"\n"
	"[suite.unit]                         ; an inline comment\n"
	"binaries = build/unit_* 'dir with space/t'\n"
	"    build/more_*\n"
	"\n"
	"  build/third                        ; blank lines do not end a value\n"
	"protocol = gtest ; inline\n"
	"cwd = build/test\n"
	"env = LC_ALL=C TZ=UTC\n"
	"   EXTRA=\"a b\"\n"
	"allow-empty = yes\n"
	"\n"
	"[suite.custom]\n"
	"binaries: bin/custom\n"
	"protocol = custom\n"
	"list-command = {binary} --list\n"
	"run-command = {binary} --run '{test}'\n"
	"cwd = /abs/dir/../where\n"
	"\n"
	"[profile.default]\n"
	"test-threads = 4\n"
	"retries = 1\n"
	"backoff = exponential\n"
	"delay = 250ms\n"
	"max-delay = 10s\n"
	"jitter = true\n"
	"slow-timeout = 30s\n"
	"terminate-after = 3\n"
	"grace-period = 5s\n"
	"leak-timeout = 200ms\n"
	"leak-result = fail\n"
	"flaky-result = fail\n"
	"output-limit = 1MiB\n"
	"fail-fast = false\n"
	"max-fail = 5:immediate\n"
	"status-level = retry\n"
	"final-status-level = all\n"
	"success-output = final\n"
	"failure-output = immediate-final\n"
	"capture = combined\n"
	"no-tests = warn\n"
	"junit = build/junit.xml\n"
	"target-runner = valgrind -q\n"
	"default-filter = not test(slow)\n"
	"   and not test(flaky)\n"
	"test-group = @global\n"
	"threads-required = 2\n"
	"\n"
	"[profile.default.override.db]\n"
	"filter = test(/^db_/)\n"
	"    or suite(=dbsuite)\n"
	"test-group = db\n"
	"retries = 2\n"
	"threads-required = num-test-threads\n"
	"\n"
	"[profile.ci]\n"
	"retries = 5\n"
	"\n"
	"[profile.ci.override.net]\n"
	"filter = test(net)\n"
	"slow-timeout = 2m\n"
	"\n"
	"[test-group.db]\n"
	"max-threads = 1\n"
	"\n"
	"[test-group.empty]\n"
	"\n"
	"[script.database]\n"
	"command = ./scripts/start-db --port 5433\n"
	"teardown = ./scripts/stop-db\n"
	"filter = test(/^db_/)\n"
	"slow-timeout = 30s\n"
	"terminate-after = 2\n"
	"grace-period = 1s\n"
	"leak-timeout = 50ms\n"
	"capture-stdout = false\n"
	"capture-stderr = off\n"
	"\n"
	"[script.plain]\n"
	"command = true\n";

static void check_full(const char *text, const char *shown_text)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT;
	const struct suite *s;
	const struct settings *p = &cfg.profile;
	char *want, *o;

	CHECK_INT(load(text, NULL, &cfg, &list, &err), 0);
	CHECK_STR(err.data ? err.data : "", "");
	if (cfg.path == NULL) {
		buf_free(&err);
		test_list_free(&list);
		return;
	}
	want = scratch_path("testrig.ini");
	CHECK_STR(cfg.path, want);
	free(want);
	CHECK_STR(cfg.root, scratch);
	CHECK_STR(cfg.profile_name, "default");

	CHECK_INT(list.nsuites, 2);
	s = list.suites[0];
	CHECK_STR(s->name, "unit");
	CHECK_INT(s->protocol, PROTO_GTEST);
	CHECK_INT(s->globs.n, 4);
	if (s->globs.n == 4) {
		CHECK_STR(s->globs.v[0], "build/unit_*");
		CHECK_STR(s->globs.v[1], "dir with space/t");
		CHECK_STR(s->globs.v[2], "build/more_*");
		CHECK_STR(s->globs.v[3], "build/third");
	}
	want = xasprintf("%s/build/test", scratch);
	CHECK_STR(s->cwd, want);
	free(want);
	CHECK_INT(s->env.n, 3);
	if (s->env.n == 3) {
		CHECK_STR(s->env.v[0], "LC_ALL=C");
		CHECK_STR(s->env.v[1], "TZ=UTC");
		CHECK_STR(s->env.v[2], "EXTRA=a b");
	}
	CHECK(s->allow_empty);
	CHECK(s->list_command.text == NULL && s->run_command.text == NULL);
	o = origin_of(shown_text, "[suite.unit]");
	CHECK_STR(s->origin, o);
	free(o);

	s = list.suites[1];
	CHECK_STR(s->name, "custom");
	CHECK_INT(s->protocol, PROTO_CUSTOM);
	CHECK_INT(s->globs.n, 1);
	CHECK_STR(s->list_command.text, "{binary} --list");
	CHECK_STR(s->run_command.text, "{binary} --run '{test}'");
	/* Split once, where they are read. */
	CHECK_INT(s->run_command.argv.n, 3);
	if (s->run_command.argv.n == 3)
		CHECK_STR(s->run_command.argv.v[2], "{test}");
	CHECK_STR(s->cwd, "/abs/where");
	CHECK(!s->allow_empty);

	CHECK_INT(p->test_threads, 4);
	CHECK_INT(p->retries, 1);
	CHECK_INT(p->backoff, BACKOFF_EXPONENTIAL);
	CHECK_INT(p->delay, 250 * NS_PER_MS);
	CHECK_INT(p->max_delay, 10 * NS_PER_SEC);
	CHECK(p->jitter);
	CHECK_INT(p->slow_timeout, 30 * NS_PER_SEC);
	CHECK_INT(p->terminate_after, 3);
	CHECK_INT(p->grace_period, 5 * NS_PER_SEC);
	CHECK_INT(p->leak_timeout, 200 * NS_PER_MS);
	CHECK(p->leak_fail);
	CHECK(p->flaky_fail);
	CHECK_INT(p->output_limit, 1 << 20);
	CHECK_INT(p->max_fail, 5);
	CHECK(p->max_fail_immediate);
	CHECK_INT(p->status_level, STATUS_RETRY);
	CHECK_INT(p->final_status_level, FINAL_ALL);
	CHECK_INT(p->success_output, OUTPUT_FINAL);
	CHECK_INT(p->failure_output, OUTPUT_IMMEDIATE_FINAL);
	CHECK_INT(p->capture, CAPTURE_COMBINED);
	CHECK_INT(p->no_tests, NO_TESTS_WARN);
	CHECK_STR(p->junit, "build/junit.xml");
	CHECK_STR(p->target_runner.text, "valgrind -q");
	CHECK_INT(p->target_runner.argv.n, 2);
	CHECK_STR(p->default_filter, "not test(slow) and not test(flaky)");
	CHECK(p->test_group == NULL);
	CHECK_INT(p->threads_required, 2);
	o = origin_of(shown_text, "default-filter");
	CHECK_STR(p->origin[SET_DEFAULT_FILTER], o);
	free(o);

	/* profile default: only its own overrides */
	CHECK_INT(cfg.noverrides, 1);
	if (cfg.noverrides == 1) {
		const struct override *ov = &cfg.overrides[0];

		CHECK_STR(ov->profile, "default");
		CHECK_STR(ov->label, "db");
		CHECK_STR(ov->filter_src, "test(/^db_/) or suite(=dbsuite)");
		CHECK(ov->filter != NULL);
		CHECK_STR(ov->set.test_group, "db");
		CHECK_INT(ov->set.retries, 2);
		CHECK_INT(ov->set.threads_required, 0);
		CHECK_INT(ov->set.set_mask, (UINT64_C(1) << SET_TEST_GROUP) |
			  (UINT64_C(1) << SET_RETRIES) | (UINT64_C(1) << SET_THREADS_REQUIRED));
		o = origin_of(shown_text, "[profile.default.override.db]");
		CHECK_STR(ov->origin, o);
		free(o);
	}

	CHECK_INT(cfg.ngroups, 2);
	if (cfg.ngroups == 2) {
		CHECK_STR(cfg.groups[0].name, "db");
		CHECK_INT(cfg.groups[0].max_threads, 1);
		CHECK_STR(cfg.groups[1].name, "empty");
		CHECK_INT(cfg.groups[1].max_threads, 0);
		o = origin_of(shown_text, "[test-group.empty]");
		CHECK_STR(cfg.groups[1].origin, o);
		free(o);
	}
	CHECK(config_group(&cfg, "db") == &cfg.groups[0]);
	CHECK(config_group(&cfg, "nope") == NULL);

	CHECK_INT(cfg.nscripts, 2);
	if (cfg.nscripts == 2) {
		const struct script *sc = &cfg.scripts[0];

		CHECK_STR(sc->name, "database");
		CHECK_STR(sc->command.text, "./scripts/start-db --port 5433");
		CHECK_INT(sc->command.argv.n, 3);
		CHECK_STR(sc->teardown.text, "./scripts/stop-db");
		CHECK_INT(sc->teardown.argv.n, 1);
		CHECK_STR(sc->filter_src, "test(/^db_/)");
		CHECK(sc->filter != NULL);
		CHECK_INT(sc->slow_timeout, 30 * NS_PER_SEC);
		CHECK_INT(sc->terminate_after, 2);
		CHECK_INT(sc->grace_period, NS_PER_SEC);
		CHECK_INT(sc->leak_timeout, 50 * NS_PER_MS);
		CHECK(!sc->capture_stdout);
		CHECK(!sc->capture_stderr);
		sc = &cfg.scripts[1];
		CHECK_STR(sc->name, "plain");
		CHECK(sc->teardown.text == NULL && sc->filter_src == NULL && sc->filter == NULL);
		CHECK_INT(sc->slow_timeout, 0);
		CHECK_INT(sc->terminate_after, 0);
		CHECK_INT(sc->grace_period, 10 * NS_PER_SEC);
		CHECK_INT(sc->leak_timeout, 100 * NS_PER_MS);
		CHECK(sc->capture_stdout && sc->capture_stderr);
	}
	config_free(&cfg);
	test_list_free(&list);

	/* profile ci: its own override first, then default's */
	CHECK_INT(load(text, "ci", &cfg, &list, &err), 0);
	CHECK_STR(cfg.profile_name, "ci");
	CHECK_INT(cfg.profile.retries, 5);
	CHECK_INT(cfg.profile.slow_timeout, 30 * NS_PER_SEC);
	CHECK_INT(cfg.noverrides, 2);
	if (cfg.noverrides == 2) {
		CHECK_STR(cfg.overrides[0].label, "net");
		CHECK_STR(cfg.overrides[1].label, "db");
	}
	config_free(&cfg);
	test_list_free(&list);
	buf_free(&err);
}

static void test_full_file(void)
{
	char *dos = crlf(full_file);
	char *bom = xasprintf("\xEF\xBB\xBF%s", dos);

	check_full(full_file, full_file);
	check_full(dos, full_file);
	check_full(bom, full_file);
	free(bom);
	free(dos);
}

static const char profiles_file[] =
	"[profile.default]\n"
	"retries = 1\n"
	"slow-timeout = 30s\n"
	"fail-fast = false\n"
	"\n"
	"[profile.ci]\n"
	"retries = 3\n"
	"max-fail = 2\n"
	"\n"
	"[profile.only-overrides.override.x]\n"
	"filter = all()\n"
	"retries = 9\n";

static void test_profile_inheritance(void)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT;
	char *o;

	CHECK_INT(load(profiles_file, "ci", &cfg, &list, &err), 0);
	CHECK_INT(cfg.profile.retries, 3);
	o = origin_of(profiles_file, "retries = 3");
	CHECK_STR(cfg.profile.origin[SET_RETRIES], o);
	free(o);
	CHECK_INT(cfg.profile.slow_timeout, 30 * NS_PER_SEC);
	o = origin_of(profiles_file, "slow-timeout");
	CHECK_STR(cfg.profile.origin[SET_SLOW_TIMEOUT], o);
	free(o);
	/* max-fail in ci beats fail-fast in default: one setting, two spellings */
	CHECK_INT(cfg.profile.max_fail, 2);
	o = origin_of(profiles_file, "max-fail");
	CHECK_STR(cfg.profile.origin[SET_MAX_FAIL], o);
	CHECK_STR(cfg.profile.origin[SET_FAIL_FAST], o);
	free(o);
	CHECK_STR(cfg.profile.origin[SET_GRACE_PERIOD], "default");
	CHECK_INT(cfg.profile.grace_period, 10 * NS_PER_SEC);
	CHECK_INT(cfg.noverrides, 0);
	config_free(&cfg);
	test_list_free(&list);

	CHECK_INT(load(profiles_file, NULL, &cfg, &list, &err), 0);
	CHECK_INT(cfg.profile.retries, 1);
	CHECK_INT(cfg.profile.max_fail, 0);
	config_free(&cfg);
	test_list_free(&list);

	/* a profile with overrides but no [profile.NAME] section exists */
	CHECK_INT(load(profiles_file, "only-overrides", &cfg, &list, &err), 0);
	CHECK_INT(cfg.profile.retries, 1);
	CHECK_INT(cfg.noverrides, 1);
	config_free(&cfg);
	test_list_free(&list);

	/* default exists without a section too */
	CHECK_INT(load("[profile.ci]\nretries = 2\n", "default", &cfg, &list, &err), 0);
	CHECK_INT(cfg.profile.retries, 0);
	CHECK_STR(cfg.profile.origin[SET_RETRIES], "default");
	config_free(&cfg);
	test_list_free(&list);

	/* an empty file is a valid file */
	CHECK_INT(load("", NULL, &cfg, &list, &err), 0);
	CHECK_INT(list.nsuites, 0);
	config_free(&cfg);
	test_list_free(&list);
	buf_free(&err);
}

static void test_no_file(void)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT;
	char *missing = scratch_path("missing.ini");

	test_list_init(&list);
	CHECK_INT(config_load(NULL, NULL, &cfg, &list, &err), 0);
	CHECK(cfg.path == NULL);
	CHECK(cfg.root != NULL);
	CHECK_STR(cfg.profile_name, "default");
	CHECK_INT(cfg.profile.slow_timeout, 60 * NS_PER_SEC);
	config_free(&cfg);
	CHECK_INT(config_load(NULL, "ci", &cfg, &list, &err), EXIT_SETUP);
	CHECK_STR(err.data, "unknown profile 'ci': there is no config file, so the only "
		  "profile is 'default'\n");
	config_free(&cfg);
	buf_reset(&err);
	CHECK_INT(config_load(missing, NULL, &cfg, &list, &err), EXIT_SETUP);
	CHECK_HAS(err.data, "cannot read config file '");
	CHECK_HAS(err.data, "missing.ini': No such file or directory");
	config_free(&cfg);
	CHECK_INT(list.nsuites, 0);
	free(missing);
	buf_free(&err);
}

static const char override_file[] =
	"[profile.default]\n"
	"retries = 1\n"
	"slow-timeout = 10s\n"
	"\n"
	"[profile.default.override.first]\n"
	"filter = test(a)\n"
	"retries = 2\n"
	"\n"
	"[profile.default.override.second]\n"
	"filter = test(b)\n"
	"retries = 3\n"
	"slow-timeout = 20s\n"
	"\n"
	"[profile.ci]\n"
	"retries = 4\n"
	"\n"
	"[profile.ci.override.ci-one]\n"
	"filter = test(b)\n"
	"leak-timeout = 1s\n"
	"\n"
	"[profile.ci.override.ci-two]\n"
	"filter = test(c)\n"
	"retries = 7\n"
	"test-group = serial\n"
	"\n"
	"[test-group.serial]\n"
	"max-threads = 1\n";

static const struct settings *for_test(struct config *cfg, const struct settings *base,
				       const struct settings *cli, const char *name)
{
	struct filter_subject subj = { name, "bin/x", "unit", false };

	return config_test_settings(cfg, base, cli, &subj);
}

static void test_overrides(void)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT;
	struct settings cli, base;
	const struct settings *x, *y, *ab, *ba, *b, *bc;
	const char *why;
	char *o;

	CHECK_INT(load(override_file, "ci", &cfg, &list, &err), 0);
	CHECK_INT(cfg.noverrides, 4);
	if (cfg.noverrides != 4)
		goto out;
	CHECK_STR(cfg.overrides[0].label, "ci-one");
	CHECK_STR(cfg.overrides[1].label, "ci-two");
	CHECK_STR(cfg.overrides[2].label, "first");
	CHECK_STR(cfg.overrides[3].label, "second");

	x = for_test(&cfg, &cfg.profile, NULL, "x");
	CHECK_INT(x->retries, 4);
	CHECK_INT(x->slow_timeout, 10 * NS_PER_SEC);
	CHECK(x->test_group == NULL);

	ab = for_test(&cfg, &cfg.profile, NULL, "ab");
	CHECK_INT(ab->retries, 2);            /* first before second */
	o = origin_of(override_file, "retries = 2");
	CHECK_STR(ab->origin[SET_RETRIES], o);
	free(o);
	CHECK_INT(ab->slow_timeout, 20 * NS_PER_SEC);  /* only second sets it */
	CHECK_INT(ab->leak_timeout, NS_PER_SEC);       /* "ab" contains "b": ci-one */

	b = for_test(&cfg, &cfg.profile, NULL, "b");
	CHECK_INT(b->retries, 3);
	CHECK_INT(b->leak_timeout, NS_PER_SEC);

	/* the chosen profile's overrides come before default's */
	bc = for_test(&cfg, &cfg.profile, NULL, "bc");
	CHECK_INT(bc->retries, 7);
	CHECK_STR(bc->test_group, "serial");
	CHECK_INT(bc->slow_timeout, 20 * NS_PER_SEC);
	CHECK_INT(bc->leak_timeout, NS_PER_SEC);

	/* the cache: the same overrides give the same settings */
	ba = for_test(&cfg, &cfg.profile, NULL, "ba");
	CHECK(ba == ab);
	y = for_test(&cfg, &cfg.profile, NULL, "y");
	CHECK(y == x);
	CHECK(b != ab && b != bc && x != ab);
	CHECK(for_test(&cfg, &cfg.profile, NULL, "cb") == bc);

	/* the command line beats every override, for per-test keys only */
	memset(&cli, 0, sizeof cli);
	CHECK_INT(settings_set(&cli, SET_RETRIES, "9", "command line", &why), 0);
	settings_copy(&base, &cfg.profile);
	settings_take(&base, &cli, SET_RETRIES);
	bc = for_test(&cfg, &base, &cli, "bc");
	CHECK_INT(bc->retries, 9);
	CHECK_STR(bc->origin[SET_RETRIES], "command line");
	CHECK_INT(bc->leak_timeout, NS_PER_SEC);
	CHECK(ab->retries == 2);      /* handed-out results stay valid */
	settings_free(&base);
	settings_free(&cli);
out:
	config_free(&cfg);
	test_list_free(&list);

	/* profile default: only its own overrides */
	CHECK_INT(load(override_file, NULL, &cfg, &list, &err), 0);
	CHECK_INT(cfg.noverrides, 2);
	bc = for_test(&cfg, &cfg.profile, NULL, "bc");
	CHECK_INT(bc->retries, 3);
	CHECK_INT(bc->leak_timeout, 100 * NS_PER_MS);
	config_free(&cfg);
	test_list_free(&list);
	buf_free(&err);
}

/* More overrides than a 64-bit mask holds: still cached and still right. */
static void test_many_overrides(void)
{
	struct config cfg;
	struct test_list list;
	struct buf text = BUF_INIT, err = BUF_INIT;
	const struct settings *a, *b;
	int i;

	for (i = 0; i < 100; i++)
		buf_printf(&text, "[profile.default.override.o%d]\nfilter = test(=t%d) | test(=all)\n"
			   "retries = %d\n", i, i, i + 1);
	CHECK_INT(load(text.data, NULL, &cfg, &list, &err), 0);
	CHECK_INT(cfg.noverrides, 100);
	a = for_test(&cfg, &cfg.profile, NULL, "t70");
	CHECK_INT(a->retries, 71);
	CHECK(for_test(&cfg, &cfg.profile, NULL, "t70") == a);
	b = for_test(&cfg, &cfg.profile, NULL, "t99");
	CHECK_INT(b->retries, 100);
	CHECK(a != b);
	CHECK_INT(for_test(&cfg, &cfg.profile, NULL, "all")->retries, 1);
	for (i = 0; i < 100; i++) {
		char name[16];

		snprintf(name, sizeof name, "t%d", i);
		CHECK_INT(for_test(&cfg, &cfg.profile, NULL, name)->retries, i + 1);
	}
	CHECK(for_test(&cfg, &cfg.profile, NULL, "t70") == a);
	config_free(&cfg);
	test_list_free(&list);
	buf_free(&text);
	buf_free(&err);
}

/* Line length: libinih's 200-byte buffer holds 198 bytes, '\n' and NUL. */
static void test_line_limits(void)
{
	struct config cfg;
	struct test_list list;
	struct buf text = BUF_INIT, err = BUF_INIT;
	char *dos;
	size_t i;

	buf_adds(&text, "[suite.long]\nbinaries = ");
	while (text.len - strlen("[suite.long]\n") < 198)
		buf_addc(&text, 'x');
	buf_addc(&text, '\n');
	CHECK_INT(load(text.data, NULL, &cfg, &list, &err), 0);
	CHECK_INT(list.nsuites, 1);
	if (list.nsuites == 1)
		CHECK_INT(strlen(list.suites[0]->globs.v[0]), 198 - strlen("binaries = "));
	config_free(&cfg);
	test_list_free(&list);

	/* the same with CRLF: the '\r' is not part of the line */
	dos = crlf(text.data);
	CHECK_INT(load(dos, NULL, &cfg, &list, &err), 0);
	config_free(&cfg);
	test_list_free(&list);
	free(dos);

	/* and without a final newline */
	buf_setlen(&text, text.len - 1);
	CHECK_INT(load(text.data, NULL, &cfg, &list, &err), 0);
	config_free(&cfg);
	test_list_free(&list);

	buf_adds(&text, "y\n");
	CHECK_INT(load(text.data, NULL, &cfg, &list, &err), EXIT_SETUP);
	CHECK_HAS(err.data, "testrig.ini:2: line is 199 bytes long; libinih reads at most 198: "
		  "split the value over indented continuation lines\n");
	CHECK_INT(list.nsuites, 0);
	test_list_free(&list);

	/* a long value split over continuation lines */
	buf_reset(&text);
	buf_adds(&text, "[suite.split]\nbinaries =\n");
	for (i = 0; i < 5; i++) {
		buf_adds(&text, "   ");
		while (text.len % 150)
			buf_addc(&text, (char)('a' + i));
		buf_addc(&text, '\n');
	}
	CHECK_INT(load(text.data, NULL, &cfg, &list, &err), 0);
	if (list.nsuites == 1)
		CHECK_INT(list.suites[0]->globs.n, 5);
	config_free(&cfg);
	test_list_free(&list);

	/* commands go on over lines too, joined with single spaces */
	buf_reset(&text);
	buf_adds(&text, "[suite.c]\nbinaries = x\nprotocol = custom\nlist-command = {binary}\n"
		 "  --list\nrun-command = {binary}\n    --run {test}\n"
		 "[script.s]\ncommand = sh -c\n  'echo one\n  two'\nteardown = rm\n  -f x\n"
		 "[profile.default]\ntarget-runner = valgrind\n  -q\non-timeout = gdb -p {pid}\n");
	for (i = 0; i < 4; i++)
		buf_adds(&text, "  -ex 'thread apply all bt full' -ex 'info registers' -ex 'quit'\n");
	CHECK_INT(load(text.data, NULL, &cfg, &list, &err), 0);
	if (list.nsuites == 1) {
		CHECK_STR(list.suites[0]->list_command.text, "{binary} --list");
		CHECK_STR(list.suites[0]->run_command.text, "{binary} --run {test}");
	}
	CHECK_INT(cfg.nscripts, 1);
	if (cfg.nscripts == 1) {
		CHECK_STR(cfg.scripts[0].command.text, "sh -c 'echo one two'");
		CHECK_INT(cfg.scripts[0].command.argv.n, 3);
		CHECK_STR(cfg.scripts[0].teardown.text, "rm -f x");
	}
	CHECK_STR(cfg.profile.target_runner.text, "valgrind -q");
	CHECK(cfg.profile.on_timeout.text && strlen(cfg.profile.on_timeout.text) > 200);
	CHECK_INT(cfg.profile.on_timeout.argv.n, 3 + 4 * 6);
	config_free(&cfg);
	test_list_free(&list);

	/* a section name longer than libinih's 50-byte section buffer */
	buf_reset(&text);
	buf_adds(&text, "[suite.");
	for (i = 0; i < 80; i++)
		buf_addc(&text, 'n');
	buf_adds(&text, "]\nbinaries = x\n");
	CHECK_INT(load(text.data, NULL, &cfg, &list, &err), 0);
	if (list.nsuites == 1)
		CHECK_INT(strlen(list.suites[0]->name), 80);
	config_free(&cfg);
	test_list_free(&list);
	buf_free(&text);
	buf_free(&err);
}

struct error_case {
	const char *text;
	int rc;
	const char *want;       /* a substring of the message */
};

static const struct error_case error_cases[] = {
	/* sections */
	{ "[suites.a]\n", 96, "testrig.ini:1: unknown section [suites.a] (accepted: "
	  "[suite.NAME], [profile.NAME], [profile.NAME.override.LABEL], [test-group.NAME], "
	  "[script.NAME], [store])\n" },
	{ "; c\n[suite]\n", 96, "testrig.ini:2: unknown section [suite] (accepted:" },
	{ "[suite.]\n", 96, "testrig.ini:1: empty NAME in [suite.] (write [suite.NAME])\n" },
	{ "[profile.]\n", 96, "testrig.ini:1: empty NAME in [profile.] (write [profile.NAME])\n" },
	{ "[profile.ci.override.]\nfilter = all()\n", 96,
	  "testrig.ini:1: empty LABEL in [profile.ci.override.] (write "
	  "[profile.NAME.override.LABEL])\n" },
	{ "[profile..override.x]\n", 96, "testrig.ini:1: empty NAME in [profile..override.x]" },
	{ "[test-group.a b]\n", 96, "testrig.ini:1: invalid NAME 'a b' in [test-group.a b]: "
	  "use letters, digits, '-' and '_'\n" },
	{ "[profile.ci.overide.x]\n", 96, "testrig.ini:1: invalid NAME 'ci.overide.x'" },
	{ "[test-group.a]\n[test-group.b]\n[test-group.a]\n", 96,
	  "testrig.ini:3: duplicate section [test-group.a] (first at line 1)\n" },
	{ "[suite.a\nbinaries = x\n", 96, "testrig.ini:1: section header without a closing ']'\n" },
	{ "[suite.a] binaries = x\n", 96, "testrig.ini:1: unexpected text after ']' in section header" },
	/* keys */
	{ "\nretries = 1\n[profile.default]\n", 96,
	  "testrig.ini:2: key 'retries' before any [section] (sections: [suite.NAME]," },
	{ "[suite.a]\nbinaries = x\nbinary = y\n", 96,
	  "testrig.ini:3: unknown key 'binary' in [suite.a] (accepted: binaries, protocol, cwd, "
	  "env, list-command, run-command, allow-empty, archive-include, args, isolation, shards)\n" },
	{ "[profile.default]\nretires = 1\n", 96,
	  "testrig.ini:2: unknown key 'retires' in [profile.default] (accepted: test-threads, "
	  "retries, backoff, delay," },
	{ "[profile.default.override.x]\nfilter = all()\nfail-fast = true\n", 96,
	  "testrig.ini:3: unknown key 'fail-fast' in [profile.default.override.x] (accepted: "
	  "filter, retries, backoff," },
	{ "[test-group.g]\nthreads = 2\n", 96,
	  "testrig.ini:2: unknown key 'threads' in [test-group.g] (accepted: max-threads)\n" },
	{ "[script.s]\ncommand = x\ntimeout = 1s\n", 96,
	  "testrig.ini:3: unknown key 'timeout' in [script.s] (accepted: command, teardown, "
	  "filter, slow-timeout, terminate-after, grace-period, leak-timeout, capture-stdout, "
	  "capture-stderr)\n" },
	{ "[profile.default]\nretries = 1\n\nretries = 2\n", 96,
	  "testrig.ini:4: duplicate key 'retries' in [profile.default] (first at line 2)\n" },
	{ "[suite.a]\nbinaries = x\nbinaries = y\n", 96,
	  "testrig.ini:3: duplicate key 'binaries' in [suite.a] (first at line 2)\n" },
	{ "[suite.a]\nbinaries = x\n= y\n", 96, "testrig.ini:3: unknown key '' in [suite.a]" },
	{ "[suite.a]\nbinaries\n", 96,
	  "testrig.ini:2: expected 'key = value', a [section] header or a comment\n" },
	{ "[suite.a]\nbinaries ; = x\n", 96,
	  "testrig.ini:2: expected 'key = value', a [section] header or a comment\n" },
	/* continuation lines */
	{ "[profile.default]\nretries = 1\n  2\n", 96,
	  "testrig.ini:3: indented line continues 'retries' (line 2), which takes a single "
	  "value; only lists (binaries, env, archive-include), filters and commands go on over "
	  "several lines (unindent the line if it is a key of its own)\n" },
	{ "[suite.a]\nbinaries = x\nprotocol = exec\n  cwd = y\n", 96,
	  "testrig.ini:4: indented line continues 'protocol' (line 3)" },
	{ "[script.s]\nteardown = x\ncapture-stdout = true\n  false\n", 96,
	  "testrig.ini:4: indented line continues 'capture-stdout'" },
	/* [store] */
	{ "[store]\nkeep = 3\n", 96, "testrig.ini:2: unknown key 'keep' in [store] (accepted: dir, "
	  "record, keep-runs, max-size)\n" },
	{ "[store]\nkeep-runs = 0\n", 96, "testrig.ini:2: keep-runs: invalid value '0' (expected "
	  "a number of runs (1 or more))\n" },
	{ "[store]\nmax-size = big\n", 96, "testrig.ini:2: max-size: invalid value 'big'" },
	{ "[store]\nrecord = sometimes\n", 96, "testrig.ini:2: record: invalid value 'sometimes'" },
	{ "[store]\ndir =\n", 96, "testrig.ini:2: dir: invalid value ''" },
	{ "[store]\n[store]\n", 96, "testrig.ini:2: duplicate section [store] (first at line 1)\n" },
	{ "[store.x]\n", 96, "testrig.ini:1: unknown section [store.x]" },
	{ "[profile.default]\nschedule = fastest\n", 96, "testrig.ini:2: schedule: invalid value "
	  "'fastest' (expected history, list)\n" },
	/* values: one of each syntax */
	{ "[profile.default]\nslow-timeout = 5\n", 96,
	  "testrig.ini:2: slow-timeout: invalid value '5' (expected a duration such as 60s, "
	  "500ms (0: never))\n" },
	{ "[profile.default]\noutput-limit = 16XB\n", 96,
	  "testrig.ini:2: output-limit: invalid value '16XB' (expected a size such as 512, "
	  "64KiB, 16MiB)\n" },
	{ "[profile.default]\nretries = -1\n", 96,
	  "testrig.ini:2: retries: invalid value '-1' (expected a number of retries (0 or more))\n" },
	{ "[profile.default]\nstatus-level = loud\n", 96,
	  "testrig.ini:2: status-level: invalid value 'loud' (expected none, fail, retry, slow, "
	  "leak, pass, skip, all)\n" },
	{ "[profile.default]\njitter = maybe\n", 96,
	  "testrig.ini:2: jitter: invalid value 'maybe' (expected true, false)\n" },
	{ "[profile.default]\ncapture = none\n", 96,
	  "testrig.ini:2: capture: invalid value 'none' (expected split, combined)\n" },
	{ "[profile.default]\ntest-threads = 0\n", 96,
	  "testrig.ini:2: test-threads: invalid value '0' (expected num-cpus, a positive number" },
	{ "[profile.default]\nmax-fail = 3:later\n", 96, "testrig.ini:2: max-fail: invalid value '3:later'" },
	{ "[profile.default.override.o]\nfilter = all()\nthreads-required = 0\n", 96,
	  "testrig.ini:3: threads-required: invalid value '0' (expected a positive number or "
	  "num-test-threads)\n" },
	{ "[profile.default]\ntarget-runner = 'qemu\n", 96,
	  "testrig.ini:2: target-runner: unterminated single quote in ''qemu'\n" },
	{ "[suite.a]\nbinaries = x\nprotocol = junit\n", 96,
	  "testrig.ini:3: protocol: invalid value 'junit' (expected exec, tap, gtest, libtest, "
	  "custom)\n" },
	{ "[suite.a]\nbinaries = x\nallow-empty = sometimes\n", 96,
	  "testrig.ini:3: allow-empty: invalid value 'sometimes' (expected true, false)\n" },
	{ "[suite.a]\nbinaries =\n", 96, "testrig.ini:2: binaries: invalid value '' (expected one "
	  "or more globs, space separated, relative to the project root)\n" },
	{ "[suite.a]\nbinaries = 'x\n", 96,
	  "testrig.ini:2: binaries: unterminated single quote in ''x'\n" },
	{ "[suite.a]\nbinaries = x\n  \"y\n", 96,
	  "testrig.ini:3: binaries: unterminated double quote in '\"y'\n" },
	{ "[suite.a]\nbinaries = x\ncwd =\n", 96, "testrig.ini:3: cwd: invalid value ''" },
	{ "[test-group.g]\nmax-threads = 0\n", 96,
	  "testrig.ini:2: max-threads: invalid value '0' (expected a positive number or "
	  "num-test-threads)\n" },
	{ "[script.s]\ncommand = x\ncapture-stdout = loud\n", 96,
	  "testrig.ini:3: capture-stdout: invalid value 'loud' (expected true, false)\n" },
	{ "[script.s]\ncommand = x\ngrace-period = 1x\n", 96,
	  "testrig.ini:3: grace-period: invalid value '1x' (expected a duration such as 10s" },
	{ "[script.s]\ncommand =\n", 96, "testrig.ini:2: command: invalid value '' (expected a "
	  "command: words with sh-like quoting" },
	/* env */
	{ "[suite.a]\nbinaries = x\nenv = A=1 1B=2\n", 96,
	  "testrig.ini:3: env: invalid entry '1B=2' (expected KEY=VALUE words, KEY matching "
	  "[A-Za-z_][A-Za-z0-9_]*)\n" },
	{ "[suite.a]\nbinaries = x\nenv = A=1\n  NOVALUE\n", 96,
	  "testrig.ini:4: env: invalid entry 'NOVALUE'" },
	{ "[suite.a]\nbinaries = x\nenv = A-B=1\n", 96, "testrig.ini:3: env: invalid entry 'A-B=1'" },
	{ "[suite.a]\nbinaries = x\nenv = =1\n", 96, "testrig.ini:3: env: invalid entry '=1'" },
	{ "[suite.a]\nbinaries = x\nenv = TESTRIG_SLOT=3\n", 96,
	  "testrig.ini:3: env: 'TESTRIG_SLOT' is reserved: testrig sets the TESTRIG* variables "
	  "itself\n" },
	{ "[suite.a]\nbinaries = x\nenv = A=1\n  B=2 A=3\n", 96, "testrig.ini:4: env: A is set twice\n" },
	/* required keys, protocol and commands */
	{ "[suite.a]\nprotocol = tap\n[suite.b]\nbinaries = x\n", 96,
	  "testrig.ini:1: missing key 'binaries' in [suite.a]\n" },
	{ "[suite.a]\nbinaries = x\n[suite.b]\n", 96,
	  "testrig.ini:3: missing key 'binaries' in [suite.b]\n" },
	{ "[profile.default.override.x]\nretries = 1\n", 96,
	  "testrig.ini:1: missing key 'filter' in [profile.default.override.x] (an override "
	  "applies to the tests its filter matches)\n" },
	{ "[script.s]\nteardown = x\n", 96, "testrig.ini:1: missing key 'command' in [script.s]\n" },
	{ "[suite.a]\nbinaries = x\nprotocol = custom\nlist-command = {binary} --list\n", 96,
	  "testrig.ini:1: missing key 'run-command' in [suite.a] (protocol custom needs "
	  "list-command and run-command)\n" },
	{ "[suite.a]\nbinaries = x\nprotocol = custom\n", 96,
	  "testrig.ini:1: missing key 'list-command' in [suite.a] (protocol custom needs" },
	{ "[suite.a]\nbinaries = x\nrun-command = y {test}\n", 96,
	  "testrig.ini:3: run-command is only for protocol custom ([suite.a] has protocol exec)\n" },
	{ "[suite.a]\nbinaries = x\nprotocol = tap\nlist-command = y\nrun-command = z\n", 96,
	  "testrig.ini:4: list-command is only for protocol custom ([suite.a] has protocol tap)\n" },
	{ "[suite.a]\nbinaries = x\nprotocol = custom\nlist-command = 'y\nrun-command = z\n", 96,
	  "testrig.ini:4: list-command: unterminated single quote in ''y'\n" },
	/* test groups, checked once the whole file is read */
	{ "[profile.default]\ntest-group = db\n[test-group.net]\n[test-group.io]\n", 96,
	  "testrig.ini:2: test-group: no [test-group.db] section (defined: net, io; @global means "
	  "no group)\n" },
	{ "[profile.ci.override.o]\nfilter = all()\n\ntest-group = db\n", 96,
	  "testrig.ini:4: test-group: no [test-group.db] section (no test groups are defined; "
	  "@global means no group)\n" },
	/* invalid filters: exit code 94 */
	{ "[profile.default.override.x]\nfilter = test(foo\n", 94,
	  "testrig.ini:2: invalid filter in filter: error: expected ')'" },
	{ "[profile.default]\ndefault-filter = test(a) and\n  (b\n", 94,
	  "testrig.ini:2: invalid filter in default-filter: error: " },
	{ "[script.s]\ncommand = x\nfilter = all() or\n", 94, "testrig.ini:3: invalid filter in filter: " },
	{ "[profile.default.override.x]\nfilter =\n", 94, "testrig.ini:2: invalid filter in filter: " },
	/* the first error wins */
	{ "[suite.a]\nbinaries = x\nnope = 1\n[bad]\n", 96, "testrig.ini:3: unknown key 'nope'" },
};

/* The text filter_error_format gives for src, to compare against. */
static char *filter_text(const char *src)
{
	struct filter_error fe;
	struct filter *f = filter_parse(src, &fe);
	struct buf b = BUF_INIT;

	if (f) {
		filter_free(f);
		return xstrdup("(parsed)");
	}
	filter_error_format(src, &fe, &b);
	return buf_detach(&b, NULL);
}

static void test_errors(void)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(error_cases); i++) {
		const struct error_case *c = &error_cases[i];
		int rc = load(c->text, NULL, &cfg, &list, &err);

		if (rc != c->rc)
			fprintf(stderr, "case %zu: %s", i, c->text);
		CHECK_INT(rc, c->rc);
		CHECK_HAS(err.data, c->want);
		/* "FILE:LINE: message": the file is named as given */
		CHECK(err.data && strncmp(err.data, scratch, strlen(scratch)) == 0);
		CHECK_INT(list.nsuites, 0);
		CHECK(cfg.path == NULL && cfg.profile_name == NULL && cfg.origins.n == 0);
		config_free(&cfg);
		test_list_free(&list);
	}
	buf_free(&err);
}

static void test_filter_error_text(void)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT;
	char *want, *ft;

	CHECK_INT(load("[profile.default.override.x]\nfilter = test(foo\n", NULL, &cfg, &list, &err),
		  EXIT_FILTER);
	ft = filter_text("test(foo");
	want = xasprintf("%s/testrig.ini:2: invalid filter in filter: %s", scratch, ft);
	CHECK_STR(err.data, want);
	CHECK_HAS(err.data, "\n  test(foo\n          ^\n");
	free(want);
	free(ft);
	config_free(&cfg);
	test_list_free(&list);

	/* a filter over two lines is reported as one expression, at the key's line */
	CHECK_INT(load("[profile.default]\ndefault-filter = test(a) and\n  (b\n", NULL, &cfg, &list,
		       &err), EXIT_FILTER);
	ft = filter_text("test(a) and (b");
	want = xasprintf("%s/testrig.ini:2: invalid filter in default-filter: %s", scratch, ft);
	CHECK_STR(err.data, want);
	free(want);
	free(ft);
	config_free(&cfg);
	test_list_free(&list);
	buf_free(&err);
}

static void test_other_errors(void)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT;
	char *path = scratch_path("testrig.ini"), *want;
	static const char with_nul[] = "[suite.a]\nbinaries = x\0y\n";

	/* an unknown profile lists the file's profiles, default first */
	CHECK_INT(load("[profile.ci]\n[profile.nightly.override.o]\nfilter = all()\n"
		       "[profile.default]\n", "weekly", &cfg, &list, &err), EXIT_SETUP);
	want = xasprintf("unknown profile 'weekly' (%s has: default, ci, nightly)\n", path);
	CHECK_STR(err.data, want);
	free(want);
	config_free(&cfg);
	test_list_free(&list);

	/* over-long lines: 250 bytes, and one byte over the limit */
	{
		struct buf text = BUF_INIT;

		buf_adds(&text, "[profile.default]\njunit = ");
		while (text.len < 18 + 250)
			buf_addc(&text, 'j');
		buf_adds(&text, "\n");
		CHECK_INT(load(text.data, NULL, &cfg, &list, &err), EXIT_SETUP);
		CHECK_HAS(err.data, "testrig.ini:2: line is 250 bytes long; libinih reads at most "
			  "198: split the value over indented continuation lines\n");
		config_free(&cfg);
		test_list_free(&list);
		buf_free(&text);
	}

	/* a NUL byte */
	buf_reset(&err);
	test_list_init(&list);
	CHECK_INT(config_load_buffer("nul.ini", with_nul, sizeof with_nul - 1, NULL, &cfg, &list,
				     &err), EXIT_SETUP);
	CHECK_STR(err.data, "nul.ini:2: NUL byte in the line (not a text file?)\n");
	config_free(&cfg);
	test_list_free(&list);

	/* suites go after those already in the list, and stay on an error */
	test_list_init(&list);
	test_list_add_suite(&list, "", PROTO_EXEC);
	buf_reset(&err);
	CHECK_INT(config_load_buffer("two.ini", "[suite.a]\nbinaries=x\n", 21, NULL, &cfg, &list,
				     &err), 0);
	CHECK_INT(list.nsuites, 2);
	if (list.nsuites == 2)
		CHECK_STR(list.suites[1]->name, "a");
	config_free(&cfg);
	CHECK_INT(config_load_buffer("two.ini", "[suite.b]\nbinaries=\n", 20, NULL, &cfg, &list,
				     &err), EXIT_SETUP);
	CHECK_INT(list.nsuites, 2);
	config_free(&cfg);
	test_list_free(&list);
	free(path);
	buf_free(&err);
}

static char *real(const char *p)
{
	char *r = realpath(p, NULL);

	if (!r) {
		perror(p);
		exit(2);
	}
	return r;
}

static void test_find(void)
{
	char *old_cwd = getcwd(NULL, 0), *base = scratch_path("find"), *deep, *top, *other,
	     *found = NULL, *want, *realbase;
	struct buf err = BUF_INIT;

	deep = xasprintf("%s/a/b", base);
	top = xasprintf("%s/testrig.ini", base);
	other = xasprintf("%s/a/other.ini", base);
	CHECK_INT(mkdir(base, 0755), 0);
	want = xasprintf("%s/a", base);
	CHECK_INT(mkdir(want, 0755), 0);
	free(want);
	CHECK_INT(mkdir(deep, 0755), 0);
	write_file(top, "", 0);
	write_file(other, "", 0);
	realbase = real(base);
	unsetenv("TESTRIG_CONFIG");

	/* the first testrig.ini in the cwd or a parent */
	CHECK_INT(chdir(deep), 0);
	CHECK_INT(config_find(NULL, &found, &err), 0);
	want = xasprintf("%s/testrig.ini", realbase);
	CHECK_STR(found, want);
	free(want);
	free(found);

	/* $TESTRIG_CONFIG, relative to the cwd, made absolute */
	setenv("TESTRIG_CONFIG", "../other.ini", 1);
	CHECK_INT(config_find(NULL, &found, &err), 0);
	want = xasprintf("%s/a/other.ini", realbase);
	CHECK_STR(found, want);
	free(want);
	free(found);

	/* --config beats $TESTRIG_CONFIG */
	CHECK_INT(config_find("./../../testrig.ini", &found, &err), 0);
	want = xasprintf("%s/testrig.ini", realbase);
	CHECK_STR(found, want);
	free(want);
	free(found);

	/* named files must exist */
	CHECK_INT(config_find("nope.ini", &found, &err), EXIT_SETUP);
	CHECK(found == NULL);
	CHECK_STR(err.data, "config file 'nope.ini' (from --config): No such file or directory\n");
	buf_reset(&err);
	setenv("TESTRIG_CONFIG", "gone.ini", 1);
	CHECK_INT(config_find(NULL, &found, &err), EXIT_SETUP);
	CHECK_STR(err.data, "config file 'gone.ini' (from $TESTRIG_CONFIG): No such file or "
		  "directory\n");
	buf_reset(&err);
	CHECK_INT(config_find("..", &found, &err), EXIT_SETUP);
	CHECK_STR(err.data, "config file '..' (from --config) is a directory\n");
	buf_reset(&err);

	/* an empty $TESTRIG_CONFIG is no setting; no file anywhere is no error */
	setenv("TESTRIG_CONFIG", "", 1);
	{
		char templ[] = "/tmp/test_config_none.XXXXXX";
		char *none = mkdtemp(templ);
		struct stat st;
		bool any_above = stat("/tmp/testrig.ini", &st) == 0 || stat("/testrig.ini", &st) == 0;

		CHECK(none != NULL);
		if (none && !any_above) {
			CHECK_INT(chdir(none), 0);
			CHECK_INT(config_find(NULL, &found, &err), 0);
			CHECK(found == NULL);
		}
		CHECK_INT(chdir(old_cwd), 0);
		if (none)
			CHECK_INT(rmdir(none), 0);
	}
	unsetenv("TESTRIG_CONFIG");
	CHECK_INT(chdir(old_cwd), 0);
	free(realbase);
	free(old_cwd);
	free(base);
	free(deep);
	free(top);
	free(other);
	buf_free(&err);
}

/* Replaces each run of spaces by one space, in place. */
static void squeeze_blanks(struct buf *b)
{
	size_t i, o = 0;

	for (i = 0; i < b->len; i++)
		if (b->data[i] != ' ' || o == 0 || b->data[o - 1] != ' ')
			b->data[o++] = b->data[i];
	buf_setlen(b, o);
}

/* [store]: its keys and their defaults; schedule in a profile. */
static void test_store(void)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT, shown = BUF_INIT;

	CHECK_INT(load("[profile.default]\n", NULL, &cfg, &list, &err), 0);
	CHECK(cfg.store.dir == NULL && cfg.store.record);
	CHECK_INT(cfg.store.keep_runs, 50);
	CHECK_INT(cfg.store.max_size, UINT64_C(256) << 20);
	CHECK_INT(cfg.profile.schedule, SCHEDULE_HISTORY);
	config_free(&cfg);
	test_list_free(&list);
	CHECK_INT(load("[store]\ndir = state/x\nrecord = no\nkeep-runs = 7\nmax-size = 1MiB\n"
		       "[profile.default]\nschedule = list\n", NULL, &cfg, &list, &err), 0);
	CHECK_STR(cfg.store.dir, "state/x");
	CHECK(!cfg.store.record);
	CHECK_INT(cfg.store.keep_runs, 7);
	CHECK_INT(cfg.store.max_size, UINT64_C(1) << 20);
	CHECK_INT(cfg.profile.schedule, SCHEDULE_LIST);
	config_show(&cfg, &cfg.profile, &list, &shown);
	CHECK(shown.data && strstr(shown.data, "[store]  ; ") &&
	      strstr(shown.data, "dir = state/x\nrecord = false\nkeep-runs = 7\nmax-size = 1MiB\n"));
	CHECK(shown.data && strstr(shown.data, "schedule             = list"));
	config_free(&cfg);
	test_list_free(&list);
	buf_free(&err);
	buf_free(&shown);
}

static void test_show(void)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct settings eff, cli;
	const char *why;
	char *want, *o;

	CHECK_INT(load(full_file, "ci", &cfg, &list, &err), 0);
	memset(&cli, 0, sizeof cli);
	settings_set(&cli, SET_SLOW_TIMEOUT, "5s", "command line", &why);
	settings_copy(&eff, &cfg.profile);
	settings_take(&eff, &cli, SET_SLOW_TIMEOUT);
	config_show(&cfg, &eff, &list, &out);

	want = xasprintf("; %s/testrig.ini, profile ci\n[profile.ci]\n", scratch);
	CHECK(strncmp(out.data, want, strlen(want)) == 0);
	free(want);
	o = origin_of(full_file, "retries = 5");
	/* Column widths follow the longest key: compare with runs of blanks squeezed. */
	squeeze_blanks(&out);
	want = xasprintf("\nretries = 5 ; %s\n", o);
	CHECK_HAS(out.data, want);
	free(want);
	free(o);
	CHECK_HAS(out.data, "\nslow-timeout = 5s ; command line\n");
	CHECK_HAS(out.data, "\ntest-group = @global ; ");
	CHECK_HAS(out.data, "\ndefault-filter = not test(slow) and not test(flaky) ; ");
	o = origin_of(full_file, "[suite.unit]");
	want = xasprintf("\n\n[suite.unit] ; %s\nbinaries = 'build/unit_*' 'dir with space/t' "
			 "'build/more_*' build/third\nprotocol = gtest\ncwd = %s/build/test\n"
			 "env = LC_ALL=C TZ=UTC 'EXTRA=a b'\nallow-empty = true\n", o, scratch);
	CHECK_HAS(out.data, want);
	free(want);
	free(o);
	CHECK_HAS(out.data, "list-command = {binary} --list\nrun-command = {binary} --run '{test}'\n");
	o = origin_of(full_file, "[profile.ci.override.net]");
	want = xasprintf("\n\n[profile.ci.override.net] ; %s\nfilter = test(net)\n"
			 "slow-timeout = 2m\n\n", o);
	CHECK_HAS(out.data, want);
	free(want);
	free(o);
	CHECK_HAS(out.data, "\nfilter = test(/^db_/) or suite(=dbsuite)\nretries = 2\n"
		  "test-group = db\nthreads-required = num-test-threads\n");
	CHECK(strstr(out.data, "[profile.ci.override.net]") <
	      strstr(out.data, "[profile.default.override.db]"));
	CHECK_HAS(out.data, "[test-group.db]");
	CHECK_HAS(out.data, "max-threads = 1\n");
	CHECK_HAS(out.data, "max-threads = num-test-threads\n");
	CHECK_HAS(out.data, "[script.database]");
	CHECK_HAS(out.data, "\ncommand = ./scripts/start-db --port 5433\nteardown = ./scripts/stop-db\n"
		  "filter = test(/^db_/)\nslow-timeout = 30s\nterminate-after = 2\ngrace-period = 1s\n"
		  "leak-timeout = 50ms\ncapture-stdout = false\ncapture-stderr = false\n");
	settings_free(&eff);
	config_free(&cfg);
	test_list_free(&list);

	/* no file */
	buf_reset(&out);
	test_list_init(&list);
	CHECK_INT(config_load(NULL, NULL, &cfg, &list, &err), 0);
	config_show(&cfg, &cfg.profile, &list, &out);
	CHECK_HAS(out.data, "; no config file, profile default\n[profile.default]\n");
	squeeze_blanks(&out);
	CHECK_HAS(out.data, "\nslow-timeout = 1m ; default\n");
	config_free(&cfg);
	buf_free(&out);
	buf_free(&err);
}

int main(void)
{
	char templ[] = "/tmp/test_config.XXXXXX";
	char *dir = mkdtemp(templ), *r;

	if (!dir) {
		perror("mkdtemp");
		return 2;
	}
	/* The physical path: config_find reports what getcwd says. */
	r = real(dir);
	snprintf(scratch, sizeof scratch, "%s", r);
	free(r);

	RUN(test_full_file);
	RUN(test_profile_inheritance);
	RUN(test_no_file);
	RUN(test_overrides);
	RUN(test_many_overrides);
	RUN(test_line_limits);
	RUN(test_errors);
	RUN(test_filter_error_text);
	RUN(test_other_errors);
	RUN(test_find);
	RUN(test_show);
	RUN(test_store);

	{
		char *cmd = xasprintf("rm -rf '%s'", scratch);

		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", scratch);
		free(cmd);
	}
	return check_done();
}

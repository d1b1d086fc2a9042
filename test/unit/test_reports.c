/*
 * test_reports.c - the JUnit and JSON reporters, driven through their ops in
 * the dispatcher's order with fake tests and attempts; the outputs are
 * checked byte for byte and by outside parsers (xmllint, python3).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/gz.h"
#include "testrig/list.h"
#include "testrig/report.h"
#include "testrig/settings.h"
#include "testrig/unit.h"
#include "testrig/util.h"

#define T0 INT64_C(1700000000123456789)         /* 2023-11-14T22:13:20.123Z */
#define MS INT64_C(1000000)

/* Output that XML and JSON cannot carry as is: NUL, controls, bad UTF-8, "]]>". */
static const char nasty[] =
	"a\0b\x01\x1b[31m]]>\"q\" 'a' <&>\r\n"
	"\xff\xfe|\xe2\x82" "A|\xed\xa0\x80|\xef\xbf\xbe|\xc3\xa9|\xf0\x9f\x98\x80\n";
#define NASTY_LEN (sizeof nasty - 1)

/* ---- fakes ---------------------------------------------------------------- */

struct fake {
	struct test_list list;
	struct settings settings;       /* the run's */
	struct settings verbose;        /* one test's own: success-output = final */
	struct binary *unit, *crash, *other;
	const struct test *pass, *fail, *flaky, *flaky_fail, *rerun, *odd;
	const struct test *crashed;
	const struct test *skip, *timeout, *leak, *exec, *error;
};

static void fake_init(struct fake *f)
{
	struct suite *gt, *cmd;
	size_t i;

	memset(f, 0, sizeof *f);
	test_list_init(&f->list);
	settings_defaults(&f->settings);
	f->settings.failure_output = OUTPUT_FINAL;
	f->settings.success_output = OUTPUT_NEVER;
	settings_defaults(&f->verbose);
	f->verbose.success_output = OUTPUT_FINAL;
	gt = test_list_add_suite(&f->list, "unit", PROTO_GTEST);
	cmd = test_list_add_suite(&f->list, "", PROTO_EXEC);
	/* Tests are added first: list->tests moves while it grows. */
	f->unit = test_list_add_binary(&f->list, gt, "bin/unit", "/p/bin/unit");
	test_list_add_test(&f->list, f->unit, "Net.Pass", false);
	test_list_add_test(&f->list, f->unit, "Net.Fail", false);
	test_list_add_test(&f->list, f->unit, "Net.Flaky", false);
	test_list_add_test(&f->list, f->unit, "Net.FlakyFail", false);
	test_list_add_test(&f->list, f->unit, "Net.Rerun", false);
	test_list_add_test(&f->list, f->unit, "Odd<\"&'>", false);
	f->crash = test_list_add_binary(&f->list, cmd, "examples/crash&co", "/p/examples/crash");
	test_list_add_test(&f->list, f->crash, "crash", false);
	f->other = test_list_add_binary(&f->list, gt, "bin/other", "/p/bin/other");
	test_list_add_test(&f->list, f->other, "T.Skip", false);
	test_list_add_test(&f->list, f->other, "T.Timeout", false);
	test_list_add_test(&f->list, f->other, "T.Leak", false);
	test_list_add_test(&f->list, f->other, "T.Exec", false);
	test_list_add_test(&f->list, f->other, "T.Error", false);
	for (i = 0; i < f->list.ntests; i++)
		f->list.tests[i].selected = true;
	f->pass = &f->list.tests[0];
	f->fail = &f->list.tests[1];
	f->flaky = &f->list.tests[2];
	f->flaky_fail = &f->list.tests[3];
	f->rerun = &f->list.tests[4];
	f->odd = &f->list.tests[5];
	f->crashed = &f->list.tests[6];
	f->skip = &f->list.tests[7];
	f->timeout = &f->list.tests[8];
	f->leak = &f->list.tests[9];
	f->exec = &f->list.tests[10];
	f->error = &f->list.tests[11];
	f->list.tests[0].settings = &f->verbose;
}

static void fake_free(struct fake *f)
{
	test_list_free(&f->list);
	settings_free(&f->settings);
	settings_free(&f->verbose);
}

/* An attempt with fixed times: started at T0 + number seconds, took `ms`. */
static struct attempt *attempt(unsigned number, enum verdict v, int exit_code, int signo,
			       int64_t ms)
{
	struct attempt *a = attempt_new(number, 1 << 20);

	a->verdict = v;
	a->exit_code = exit_code;
	a->signo = signo;
	a->pid = 4242;
	a->start_wall = T0 + (int64_t)number * NS_PER_SEC;
	a->duration = ms * MS;
	a->user_ns = 1500 * 1000;
	a->sys_ns = 2 * NS_PER_SEC + 500 * MS;
	a->maxrss_kb = 4321;
	return a;
}

static struct attempt *with_output(struct attempt *a, const char *out, size_t outlen,
				   const char *err, size_t errlen)
{
	capture_add(&a->out, out, outlen);
	capture_add(&a->err, err, errlen);
	capture_finish(&a->out);
	capture_finish(&a->err);
	return a;
}

struct reporters {
	struct reporter *r[2];
	size_t n;
};

#define EACH(rs, rep) for (size_t i_ = 0; i_ < (rs)->n && ((rep) = (rs)->r[i_]); i_++)

/*
 * One test's life as dispatch.c reports it: test_started per attempt,
 * test_retry after each failed one, then test_finished with the outcome
 * computed the way on_finished does.  Takes the attempts (last = final).
 */
static void run_test(struct reporters *rs, const struct test *t, struct attempt **att,
		     unsigned n, bool flaky_fail)
{
	struct reporter *rep;
	struct test_outcome o;
	const struct attempt *final = att[n - 1];
	unsigned i;

	for (i = 0; i < n; i++) {
		EACH(rs, rep)
			if (rep->ops->test_started)
				rep->ops->test_started(rep, t, i + 1);
		if (i + 1 < n)
			EACH(rs, rep)
				if (rep->ops->test_retry)
					rep->ops->test_retry(rep, t, att[i], 250 * MS);
	}
	memset(&o, 0, sizeof o);
	o.test = t;
	o.final = final;
	o.retried = att;
	o.nretried = n - 1;
	o.attempts = n;
	o.duration = final->duration;
	o.flaky = n > 1 && verdict_ok(final->verdict) && final->verdict != V_SKIP;
	switch (final->verdict) {
	case V_PASS:
	case V_LEAK:
		o.outcome = o.flaky && flaky_fail ? OUT_FAILED : OUT_PASSED;
		break;
	case V_SKIP: o.outcome = OUT_SKIPPED; break;
	case V_EXEC_FAIL: o.outcome = OUT_EXEC_FAILED; break;
	case V_TIMEOUT: o.outcome = OUT_TIMED_OUT; break;
	default: o.outcome = OUT_FAILED; break;
	}
	EACH(rs, rep)
		rep->ops->test_finished(rep, &o);
	for (i = 0; i < n; i++)
		attempt_free(att[i]);
}

static void run_one(struct reporters *rs, const struct test *t, struct attempt *a)
{
	run_test(rs, t, &a, 1, false);
}

static void run_started(struct reporters *rs, size_t scheduled)
{
	struct run_info info = { .run_id = "0d9c6a3e-1111-4222-8333-444455556666",
				 .profile = "ci", .threads = 4, .scheduled = scheduled,
				 .filtered_out = 3, .start_wall = T0 };
	struct reporter *rep;

	EACH(rs, rep)
		rep->ops->run_started(rep, &info);
}

static void run_finished(struct reporters *rs)
{
	struct run_summary s;
	struct reporter *rep;

	memset(&s, 0, sizeof s);
	s.duration = 9876 * MS;
	s.counts.scheduled = 12;
	s.counts.started = 12;
	s.counts.finished = 12;
	s.counts.passed = 3;
	s.counts.flaky = 1;
	s.counts.failed = 6;
	s.counts.exec_failed = 1;
	s.counts.timed_out = 1;
	s.counts.skipped = 4;
	EACH(rs, rep)
		rep->ops->run_finished(rep, &s);
}

/* Every kind of result, in an order that makes examples/crash&co finish first. */
static void full_run(struct reporters *rs, struct fake *f)
{
	struct attempt *a[3];
	struct attempt *e;

	run_started(rs, 12);
	run_one(rs, f->crashed, attempt(1, V_SIGNAL, -1, SIGSEGV, 3));
	run_one(rs, f->pass, with_output(attempt(1, V_PASS, 0, 0, 1234), "pass out\n", 9, "", 0));
	run_one(rs, f->fail, with_output(attempt(1, V_FAIL, 1, 0, 5), nasty, NASTY_LEN,
					 "err line\n", 9));
	a[0] = with_output(attempt(1, V_FAIL, 2, 0, 7), "try1 out\n", 9, "try1 err\n", 9);
	a[1] = with_output(attempt(2, V_PASS, 0, 0, 8), "try2 out\n", 9, "", 0);
	run_test(rs, f->flaky, a, 2, false);
	a[0] = attempt(1, V_SIGNAL, -1, SIGABRT, 7);
	a[1] = with_output(attempt(2, V_PASS, 0, 0, 8), "ff out\n", 7, "", 0);
	run_test(rs, f->flaky_fail, a, 2, true);
	/* The first two attempts reach the other binary's suite first. */
	run_one(rs, f->skip, attempt(1, V_SKIP, 77, 0, 1));
	run_one(rs, f->timeout, attempt(1, V_TIMEOUT, -1, SIGTERM, 3000));
	a[0] = with_output(attempt(1, V_FAIL, 1, 0, 10), "r1\n", 3, "", 0);
	a[1] = with_output(attempt(2, V_TIMEOUT, -1, SIGKILL, 20), "", 0, "r2 err\n", 7);
	a[2] = with_output(attempt(3, V_FAIL, 3, 0, 30), "r3\n", 3, "", 0);
	run_test(rs, f->rerun, a, 3, false);
	run_one(rs, f->leak, attempt(1, V_LEAK_FAIL, 0, 0, 4));
	e = attempt(1, V_EXEC_FAIL, -1, 0, 0);
	e->message = xstrdup("could not run /p/bin/other: No such file <or> \"directory\"");
	run_one(rs, f->exec, e);
	e = attempt(1, V_ERROR, 99, 0, 2);
	e->message = xstrdup("TAP: plan\tmismatch\nline two");
	run_one(rs, f->error, e);
	run_one(rs, f->odd, attempt(1, V_PASS, 0, 0, 1));
	run_finished(rs);
}

/* ---- helpers -------------------------------------------------------------- */

static char *make_tempdir(void)
{
	char *dir = xstrdup("/tmp/testrig-reports-XXXXXX");

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	return dir;
}

/* The names in dir, sorted and joined by spaces ("" when empty). */
static char *dir_listing(const char *dir)
{
	struct strvec names = STRVEC_INIT;
	struct buf b = BUF_INIT;
	struct dirent *d;
	DIR *dp = opendir(dir);
	size_t i, k;

	if (!dp)
		return xstrdup("(cannot open)");
	while ((d = readdir(dp)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			strvec_push(&names, d->d_name);
	closedir(dp);
	for (i = 1; i < names.n; i++)
		for (k = i; k > 0 && strcmp(names.v[k - 1], names.v[k]) > 0; k--) {
			char *t = names.v[k];
			names.v[k] = names.v[k - 1];
			names.v[k - 1] = t;
		}
	for (i = 0; i < names.n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", names.v[i]);
	strvec_free(&names);
	return buf_detach(&b, NULL);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path))
		fprintf(stderr, "warning: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

/* Without a shell: the skip checks run with PATH emptied. */
static void remove_tree(const char *dir)
{
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS))
		fprintf(stderr, "warning: cannot remove %s: %s\n", dir, strerror(errno));
}

static bool have_command(const char *probe)
{
	int rc = system(probe);

	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

/* Runs a shell command; its stdout into out; the exit status, -1 if it died. */
static int run_capture(const char *cmd, struct buf *out)
{
	FILE *p = popen(cmd, "r");
	char chunk[4096];
	size_t n;
	int rc;

	if (!p)
		return -1;
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
		buf_add(out, chunk, n);
	rc = pclose(p);
	return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The schema beside this test's source: test/junit.xsd. */
static char *schema_path(void)
{
	const char *file = __FILE__;
	const char *unit = strstr(file, "unit/test_reports.c");

	return xasprintf("%.*sjunit.xsd", unit ? (int)(unit - file) : 0, file);
}

#define CHECK_HAS(hay, needle) do { \
	const char *n_ = (needle); \
	check_count++; \
	if (!(hay) || !strstr((hay), n_)) { \
		check_failed_count++; \
		fprintf(stderr, "%s:%d: missing from the report:\n%s\n", __FILE__, __LINE__, n_); \
	} \
} while (0)

#define CHECK_LACKS(hay, needle) do { \
	const char *n_ = (needle); \
	check_count++; \
	if ((hay) && strstr((hay), n_)) { \
		check_failed_count++; \
		fprintf(stderr, "%s:%d: should not be in the report:\n%s\n", __FILE__, __LINE__, n_); \
	} \
} while (0)

static void validate_xml(const char *path)
{
	char *xsd = schema_path(), *cmd;
	struct buf out = BUF_INIT;
	int rc;

	if (!have_command("xmllint --version >/dev/null 2>&1")) {
		fprintf(stderr, "SKIP: xmllint not found: %s not validated against %s\n", path, xsd);
		free(xsd);
		return;
	}
	cmd = xasprintf("xmllint --noout --schema '%s' '%s' 2>&1", xsd, path);
	rc = run_capture(cmd, &out);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "%s", out.data ? out.data : "");
	buf_free(&out);
	free(cmd);
	free(xsd);
}

/* The first python3 that has junitparser (the Debian package is for /usr/bin's). */
static const char *junitparser_python(void)
{
	if (have_command("python3 -c 'import junitparser' >/dev/null 2>&1"))
		return "python3";
	if (have_command("/usr/bin/python3 -c 'import junitparser' >/dev/null 2>&1"))
		return "/usr/bin/python3";
	return NULL;
}

/* ---- JUnit ---------------------------------------------------------------- */

static struct reporter *junit_into(const char *path, bool success_output, FILE *err)
{
	struct junit_options jo = { path, success_output, err };

	return report_junit_new(&jo);
}

static void test_junit_full(void)
{
	char *dir = make_tempdir(), *path = xasprintf("%s/report.xml", dir), *listing;
	struct reporters rs = { { NULL, NULL }, 1 };
	const char *py;
	struct buf doc = BUF_INIT;
	struct fake f;

	fake_init(&f);
	rs.r[0] = junit_into(path, false, stderr);
	full_run(&rs, &f);
	CHECK_INT(rs.r[0]->ops->flush(rs.r[0]), 0);
	CHECK_INT(rs.r[0]->ops->close(rs.r[0]), 0);
	rs.r[0]->ops->free(rs.r[0]);

	listing = dir_listing(dir);
	CHECK_STR(listing, "report.xml");      /* renamed: no temp file left */
	free(listing);
	CHECK_INT(buf_read_file(path, &doc), 0);
	validate_xml(path);
	CHECK(memchr(doc.data, 0, doc.len) == NULL);

	CHECK_HAS(doc.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<testsuites name=\"testrig\" tests=\"12\" failures=\"6\" errors=\"2\" skipped=\"1\" "
		  "time=\"9.876\" timestamp=\"2023-11-14T22:13:20.123Z\">\n"
		  "  <properties>\n"
		  "    <property name=\"run-id\" value=\"0d9c6a3e-1111-4222-8333-444455556666\"/>\n"
		  "    <property name=\"profile\" value=\"ci\"/>\n"
		  "  </properties>\n"
		  "  <testsuite name=\"examples/crash&amp;co\" tests=\"1\" failures=\"1\" errors=\"0\" "
		  "skipped=\"0\" time=\"0.003\" timestamp=\"2023-11-14T22:13:21.123Z\">\n"
		  "    <testcase name=\"crash\" classname=\"examples/crash&amp;co\" time=\"0.003\">\n"
		  "      <properties>\n"
		  "        <property name=\"attempts\" value=\"1\"/>\n"
		  "        <property name=\"cpu-user\" value=\"0.001\"/>\n"
		  "        <property name=\"cpu-system\" value=\"2.500\"/>\n"
		  "        <property name=\"max-rss-kib\" value=\"4321\"/>\n"
		  "        <property name=\"signal\" value=\"SIGSEGV\"/>\n"
		  "      </properties>\n"
		  "      <failure type=\"signal\" message=\"killed by SIGSEGV\"/>\n"
		  "    </testcase>\n"
		  "  </testsuite>\n"
		  "  <testsuite name=\"bin/unit\" tests=\"6\" failures=\"3\" errors=\"0\" skipped=\"0\" "
		  "time=\"1.286\" timestamp=\"2023-11-14T22:13:21.123Z\">\n"
		  "    <testcase name=\"Net.Pass\" classname=\"bin/unit\" time=\"1.234\">\n"
		  "      <properties>\n"
		  "        <property name=\"attempts\" value=\"1\"/>\n");
	/* A pass without success-output: properties only. */
	CHECK_HAS(doc.data, "        <property name=\"exit-code\" value=\"0\"/>\n"
		  "      </properties>\n"
		  "    </testcase>\n"
		  "    <testcase name=\"Net.Fail\"");
	CHECK_LACKS(doc.data, "pass out");
	/* A failure: no text in <failure>, output escaped for any bytes. */
	CHECK_HAS(doc.data, "      <failure type=\"fail\" message=\"exit code 1\"/>\n"
		  "      <system-out>a\xe2\x90\x80" "b\xe2\x90\x81\xe2\x90\x9b[31m]]&gt;\"q\" 'a' "
		  "&lt;&amp;&gt;&#13;\n"
		  "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd" "A|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
		  "\xef\xbf\xbd|\xc3\xa9|\xf0\x9f\x98\x80\n</system-out>\n"
		  "      <system-err>err line\n</system-err>\n"
		  "    </testcase>\n");
	CHECK_LACKS(doc.data, "]]>");
	/* A flaky pass: flakyFailure per failed attempt with its output, no failure. */
	CHECK_HAS(doc.data, "    <testcase name=\"Net.Flaky\" classname=\"bin/unit\" time=\"0.008\">\n"
		  "      <properties>\n"
		  "        <property name=\"attempts\" value=\"2\"/>\n");
	CHECK_HAS(doc.data, "      </properties>\n"
		  "      <flakyFailure type=\"fail\" message=\"exit code 2\" time=\"0.007\" "
		  "timestamp=\"2023-11-14T22:13:21.123Z\">\n"
		  "        <system-out>try1 out\n</system-out>\n"
		  "        <system-err>try1 err\n</system-err>\n"
		  "      </flakyFailure>\n"
		  "    </testcase>\n"
		  "    <testcase name=\"Net.FlakyFail\"");
	CHECK_LACKS(doc.data, "try2 out");
	/* flaky-result = fail: a "flaky" failure, the failed attempt as rerunFailure. */
	CHECK_HAS(doc.data, "      <failure type=\"flaky\" message=\"flaky: passed on attempt 2 "
		  "after 1 failed attempt (flaky-result = fail)\"/>\n"
		  "      <rerunFailure type=\"signal\" message=\"killed by SIGABRT\" time=\"0.007\" "
		  "timestamp=\"2023-11-14T22:13:21.123Z\"/>\n"
		  "      <system-out>ff out\n</system-out>\n"
		  "    </testcase>\n");
	/* A final failure after retries: the last attempt, then one per earlier attempt. */
	CHECK_HAS(doc.data, "        <property name=\"attempts\" value=\"3\"/>\n");
	CHECK_HAS(doc.data, "        <property name=\"exit-code\" value=\"3\"/>\n"
		  "      </properties>\n"
		  "      <failure type=\"fail\" message=\"exit code 3\"/>\n"
		  "      <rerunFailure type=\"fail\" message=\"exit code 1\" time=\"0.010\" "
		  "timestamp=\"2023-11-14T22:13:21.123Z\">\n"
		  "        <system-out>r1\n</system-out>\n"
		  "      </rerunFailure>\n"
		  "      <rerunFailure type=\"timeout\" message=\"timed out after 0.020s\" time=\"0.020\" "
		  "timestamp=\"2023-11-14T22:13:22.123Z\">\n"
		  "        <system-err>r2 err\n</system-err>\n"
		  "      </rerunFailure>\n"
		  "      <system-out>r3\n</system-out>\n"
		  "    </testcase>\n");
	/* Attribute escaping, and a binary's later test still lands in its suite. */
	CHECK_HAS(doc.data, "    <testcase name=\"Odd&lt;&quot;&amp;&apos;&gt;\" classname=\"bin/unit\" "
		  "time=\"0.001\">\n");
	CHECK_HAS(doc.data, "    </testcase>\n  </testsuite>\n"
		  "  <testsuite name=\"bin/other\" tests=\"5\" failures=\"2\" errors=\"2\" skipped=\"1\" "
		  "time=\"3.007\" timestamp=\"2023-11-14T22:13:21.123Z\">\n");
	CHECK_HAS(doc.data, "      <skipped/>\n    </testcase>\n");
	CHECK_HAS(doc.data, "        <property name=\"signal\" value=\"SIGTERM\"/>\n"
		  "      </properties>\n"
		  "      <failure type=\"timeout\" message=\"timed out after 3.000s\"/>\n");
	CHECK_HAS(doc.data, "      <failure type=\"leak\" message=\"leaked: a process it started "
		  "held its output open after it exited\"/>\n");
	/* An exec failure has neither exit code nor signal. */
	CHECK_HAS(doc.data, "        <property name=\"max-rss-kib\" value=\"4321\"/>\n"
		  "      </properties>\n"
		  "      <error type=\"exec-fail\" message=\"could not run /p/bin/other: No such file "
		  "&lt;or&gt; &quot;directory&quot;\"/>\n");
	CHECK_HAS(doc.data, "      <error type=\"error\" message=\"hard error (exit code 99): "
		  "TAP: plan&#9;mismatch&#10;line two\"/>\n");
	CHECK_HAS(doc.data, "  </testsuite>\n</testsuites>\n");

	py = junitparser_python();
	if (!py) {
		fprintf(stderr, "SKIP: no python3 with junitparser: %s not read back\n", path);
	} else {
		struct buf out = BUF_INIT;
		char *cmd = xasprintf(
			"%s -c 'import sys, junitparser\n"
			"x = junitparser.JUnitXml.fromfile(sys.argv[1])\n"
			"print(x.tests, x.failures, x.errors, x.skipped)\n"
			"for s in x:\n"
			"    print(s.name, s.tests, s.failures, s.errors, s.skipped)\n"
			"    for c in s:\n"
			"        r = [type(e).__name__ for e in c.result]\n"
			"        print(\" \", c.classname, c.name, c.time, *r)\n"
			"' '%s'", py, path);

		CHECK_INT(run_capture(cmd, &out), 0);
		CHECK_STR(out.data,
			  "12 6 2 1\n"
			  "examples/crash&co 1 1 0 0\n"
			  "  examples/crash&co crash 0.003 Failure\n"
			  "bin/unit 6 3 0 0\n"
			  "  bin/unit Net.Pass 1.234\n"
			  "  bin/unit Net.Fail 0.005 Failure\n"
			  "  bin/unit Net.Flaky 0.008\n"
			  "  bin/unit Net.FlakyFail 0.008 Failure\n"
			  "  bin/unit Net.Rerun 0.03 Failure\n"
			  "  bin/unit Odd<\"&'> 0.001\n"
			  "bin/other 5 2 2 1\n"
			  "  bin/other T.Skip 0.001 Skipped\n"
			  "  bin/other T.Timeout 3.0 Failure\n"
			  "  bin/other T.Leak 0.004 Failure\n"
			  "  bin/other T.Exec 0.0 Error\n"
			  "  bin/other T.Error 0.002 Error\n");
		free(cmd);
		buf_free(&out);
	}
	buf_free(&doc);
	fake_free(&f);
	remove_tree(dir);
	free(path);
	free(dir);
}

/* A whole small document, to pin the layout; and success-output keeps passes' output. */
static void test_junit_exact(void)
{
	char *dir = make_tempdir(), *path = xasprintf("%s/r.xml", dir);
	struct reporters rs = { { NULL, NULL }, 1 };
	struct buf doc = BUF_INIT;
	struct fake f;

	fake_init(&f);
	rs.r[0] = junit_into(path, true, stderr);
	run_started(&rs, 1);
	run_one(&rs, f.pass, with_output(attempt(2, V_PASS, 0, 0, 12), "o\n", 2, "e", 1));
	run_one(&rs, f.skip, with_output(attempt(1, V_SKIP, 77, 0, 1), "why\n", 4, "", 0));
	/* No run_finished: the total time is the sum of the tests'. */
	CHECK_INT(rs.r[0]->ops->close(rs.r[0]), 0);
	CHECK_INT(rs.r[0]->ops->close(rs.r[0]), 0);     /* a second close changes nothing */
	rs.r[0]->ops->free(rs.r[0]);
	CHECK_INT(buf_read_file(path, &doc), 0);
	validate_xml(path);
	CHECK_STR(doc.data,
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<testsuites name=\"testrig\" tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"1\" "
		  "time=\"0.013\" timestamp=\"2023-11-14T22:13:20.123Z\">\n"
		  "  <properties>\n"
		  "    <property name=\"run-id\" value=\"0d9c6a3e-1111-4222-8333-444455556666\"/>\n"
		  "    <property name=\"profile\" value=\"ci\"/>\n"
		  "  </properties>\n"
		  "  <testsuite name=\"bin/unit\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" "
		  "time=\"0.012\" timestamp=\"2023-11-14T22:13:22.123Z\">\n"
		  "    <testcase name=\"Net.Pass\" classname=\"bin/unit\" time=\"0.012\">\n"
		  "      <properties>\n"
		  "        <property name=\"attempts\" value=\"1\"/>\n"
		  "        <property name=\"cpu-user\" value=\"0.001\"/>\n"
		  "        <property name=\"cpu-system\" value=\"2.500\"/>\n"
		  "        <property name=\"max-rss-kib\" value=\"4321\"/>\n"
		  "        <property name=\"exit-code\" value=\"0\"/>\n"
		  "      </properties>\n"
		  "      <system-out>o\n</system-out>\n"
		  "      <system-err>e</system-err>\n"
		  "    </testcase>\n"
		  "  </testsuite>\n"
		  "  <testsuite name=\"bin/other\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" "
		  "time=\"0.001\" timestamp=\"2023-11-14T22:13:21.123Z\">\n"
		  "    <testcase name=\"T.Skip\" classname=\"bin/other\" time=\"0.001\">\n"
		  "      <properties>\n"
		  "        <property name=\"attempts\" value=\"1\"/>\n"
		  "        <property name=\"cpu-user\" value=\"0.001\"/>\n"
		  "        <property name=\"cpu-system\" value=\"2.500\"/>\n"
		  "        <property name=\"max-rss-kib\" value=\"4321\"/>\n"
		  "        <property name=\"exit-code\" value=\"77\"/>\n"
		  "      </properties>\n"
		  "      <skipped/>\n"
		  "      <system-out>why\n</system-out>\n"
		  "    </testcase>\n"
		  "  </testsuite>\n"
		  "</testsuites>\n");
	buf_free(&doc);
	fake_free(&f);
	remove_tree(dir);
	free(path);
	free(dir);
}

/* A skip after a failed attempt keeps the failure as a rerunFailure. */
static void test_junit_skip_after_failure(void)
{
	char *dir = make_tempdir(), *path = xasprintf("%s/r.xml", dir);
	struct reporters rs = { { NULL, NULL }, 1 };
	struct buf doc = BUF_INIT;
	struct attempt *a[2];
	struct fake f;

	fake_init(&f);
	rs.r[0] = junit_into(path, false, stderr);
	run_started(&rs, 1);
	a[0] = with_output(attempt(1, V_FAIL, 1, 0, 5), "boom\n", 5, "", 0);
	a[1] = attempt(2, V_SKIP, 77, 0, 1);
	a[1]->message = xstrdup("TAP: skip all: no network");
	run_test(&rs, f.skip, a, 2, false);
	run_finished(&rs);
	CHECK_INT(rs.r[0]->ops->close(rs.r[0]), 0);
	rs.r[0]->ops->free(rs.r[0]);
	CHECK_INT(buf_read_file(path, &doc), 0);
	validate_xml(path);
	CHECK_HAS(doc.data, "skipped=\"1\" time=\"0.001\" timestamp=\"2023-11-14T22:13:21.123Z\">\n");
	CHECK_HAS(doc.data, "      </properties>\n"
		  "      <skipped message=\"TAP: skip all: no network\"/>\n"
		  "      <rerunFailure type=\"fail\" message=\"exit code 1\" time=\"0.005\" "
		  "timestamp=\"2023-11-14T22:13:21.123Z\">\n"
		  "        <system-out>boom\n</system-out>\n"
		  "      </rerunFailure>\n"
		  "    </testcase>\n");
	buf_free(&doc);
	fake_free(&f);
	remove_tree(dir);
	free(path);
	free(dir);
}

/* No test finished (all cancelled, say): still a valid document. */
static void test_junit_empty(void)
{
	char *dir = make_tempdir(), *path = xasprintf("%s/r.xml", dir);
	struct reporters rs = { { NULL, NULL }, 1 };
	struct buf doc = BUF_INIT;

	rs.r[0] = junit_into(path, false, stderr);
	run_started(&rs, 0);
	run_finished(&rs);
	CHECK_INT(rs.r[0]->ops->close(rs.r[0]), 0);
	rs.r[0]->ops->free(rs.r[0]);
	CHECK_INT(buf_read_file(path, &doc), 0);
	validate_xml(path);
	CHECK_HAS(doc.data, "  </properties>\n</testsuites>\n");
	buf_free(&doc);
	remove_tree(dir);
	free(path);
	free(dir);
}

/* The schema is strict: a document with a wrong element or attribute fails. */
static void test_junit_schema_strict(void)
{
	static const char *const bad[] = {
		"<testcase name=\"a\" classname=\"b\" time=\"0.001\"><properties>"
		"<property name=\"attempts\" value=\"1\"/></properties></testcase>",
		"<testsuites name=\"testrig\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" "
		"time=\"0.000\" timestamp=\"2023-11-14T22:13:20.123Z\" extra=\"1\"><properties>"
		"<property name=\"run-id\" value=\"x\"/></properties></testsuites>",
		"<testsuites name=\"testrig\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" "
		"time=\"0.5\" timestamp=\"2023-11-14T22:13:20.123Z\"><properties>"
		"<property name=\"run-id\" value=\"x\"/></properties></testsuites>",
		"<testsuites name=\"testrig\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" "
		"time=\"0.000\" timestamp=\"2023-11-14T22:13:20.123Z\"><properties>"
		"<property name=\"run-id\" value=\"x\"/></properties>"
		"<testsuite name=\"b\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" "
		"time=\"0.000\" timestamp=\"2023-11-14T22:13:20.123Z\">"
		"<testcase name=\"a\" classname=\"b\" time=\"0.001\"><properties>"
		"<property name=\"attempts\" value=\"1\"/></properties>"
		"<failure type=\"oops\" message=\"m\"/></testcase></testsuite></testsuites>",
		"<testsuites name=\"testrig\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" "
		"time=\"0.000\" timestamp=\"2023-11-14T22:13:20.123Z\"><properties>"
		"<property name=\"run-id\" value=\"x\"/></properties>"
		"<testsuite name=\"b\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" "
		"time=\"0.000\" timestamp=\"2023-11-14T22:13:20.123Z\">"
		"<testcase name=\"a\" classname=\"b\" time=\"0.001\"><properties>"
		"<property name=\"attempts\" value=\"1\"/></properties>"
		"<failure type=\"fail\" message=\"m\"/>"
		"<flakyFailure type=\"fail\" message=\"m\" time=\"0.001\" "
		"timestamp=\"2023-11-14T22:13:20.123Z\"/></testcase></testsuite></testsuites>",
	};
	char *dir, *xsd;
	size_t i;

	if (!have_command("xmllint --version >/dev/null 2>&1")) {
		fprintf(stderr, "SKIP: xmllint not found: schema strictness not checked\n");
		return;
	}
	dir = make_tempdir();
	xsd = schema_path();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char *path = xasprintf("%s/bad%zu.xml", dir, i), *cmd;
		FILE *fp = fopen(path, "w");

		CHECK(fp != NULL);
		if (!fp) {
			free(path);
			continue;
		}
		fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n%s\n", bad[i]);
		CHECK_INT(fclose(fp), 0);
		cmd = xasprintf("xmllint --noout --schema '%s' '%s' >/dev/null 2>&1", xsd, path);
		if (have_command(cmd)) {
			check_failed_count++;
			fprintf(stderr, "%s:%d: the schema accepted bad document %zu\n", __FILE__,
				__LINE__, i);
		}
		check_count++;
		free(cmd);
		free(path);
	}
	free(xsd);
	remove_tree(dir);
	free(dir);
}

static void close_fails(const char *path, const char *dir_to_list, const char *want_listing,
			const char *reason)
{
	struct reporters rs = { { NULL, NULL }, 1 };
	char *errtext = NULL, *listing, *want;
	size_t errlen = 0;
	FILE *err = open_memstream(&errtext, &errlen);
	struct fake f;

	CHECK(err != NULL);
	if (!err)
		return;
	fake_init(&f);
	rs.r[0] = junit_into(path, false, err);
	run_started(&rs, 1);
	run_one(&rs, f.fail, attempt(1, V_FAIL, 1, 0, 5));
	run_finished(&rs);
	CHECK_INT(rs.r[0]->ops->close(rs.r[0]), -1);
	CHECK_INT(rs.r[0]->ops->close(rs.r[0]), -1);    /* said once, still failed */
	rs.r[0]->ops->free(rs.r[0]);
	CHECK_INT(fclose(err), 0);
	want = xasprintf("testrig: error: cannot write the JUnit report %s: %s\n", path, reason);
	CHECK_STR(errtext, want);
	listing = dir_listing(dir_to_list);
	CHECK_STR(listing, want_listing);
	free(listing);
	free(want);
	free(errtext);
	fake_free(&f);
}

/* Missing parent directories are an error, not created; no temp file is left. */
static void test_junit_close_fails(void)
{
	char *dir = make_tempdir();
	char *missing = xasprintf("%s/missing/report.xml", dir);
	char *taken = xasprintf("%s/taken", dir);
	char *inside = xasprintf("%s/taken/x", dir);

	close_fails(missing, dir, "", strerror(ENOENT));
	/* The rename fails (the target is a non-empty directory): the temp file goes. */
	CHECK_INT(mkdir(taken, 0700), 0);
	CHECK_INT(mkdir(inside, 0700), 0);
	close_fails(taken, dir, "taken", strerror(EISDIR));
	remove_tree(dir);
	free(inside);
	free(taken);
	free(missing);
	free(dir);
}

/* ---- JSON ----------------------------------------------------------------- */

static void validate_json(const char *text, size_t len)
{
	FILE *p;
	int rc;

	if (!have_command("python3 -c '' >/dev/null 2>&1")) {
		fprintf(stderr, "SKIP: python3 not found: JSON lines not validated\n");
		return;
	}
	/* Strict UTF-8, every line an object with type, run_id and time first. */
	p = popen("python3 -c 'import json,sys\n"
		  "d = sys.stdin.buffer.read().decode(\"utf-8\")\n"
		  "assert d.endswith(\"\\n\")\n"
		  "for l in d.split(\"\\n\")[:-1]:\n"
		  "    o = json.loads(l)\n"
		  "    assert list(o)[:3] == [\"type\", \"run_id\", \"time\"], l\n"
		  "'", "w");
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_INT(fwrite(text, 1, len, p), len);
	rc = pclose(p);
	CHECK(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
}

/*
 * The next line with its "time" checked (RFC 3339 UTC, milliseconds) and
 * cut out, so that the rest can be compared exactly.
 */
static char *next_line(const char **cursor)
{
	const char *p = *cursor, *nl = strchr(p, '\n'), *t;
	struct buf b = BUF_INIT;
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ\"";
	size_t i;

	if (!nl)
		return xstrdup("(no more lines)");
	*cursor = nl + 1;
	t = strstr(p, ",\"time\":\"");
	if (!t || t > nl) {
		check_count++;
		check_failed_count++;
		fprintf(stderr, "no time in %.*s\n", (int)(nl - p), p);
		return xstrndup(p, (size_t)(nl - p));
	}
	buf_add(&b, p, (size_t)(t - p));
	t += 9;
	for (i = 0; shape[i]; i++) {
		bool ok = shape[i] == 'd' ? t[i] >= '0' && t[i] <= '9' : t[i] == shape[i];

		if (!ok) {
			check_count++;
			check_failed_count++;
			fprintf(stderr, "bad time in %.*s\n", (int)(nl - p), p);
			break;
		}
	}
	buf_add(&b, t + i, (size_t)(nl - t - (ptrdiff_t)i));
	return buf_detach(&b, NULL);
}

#define CHECK_LINE(cursor, want) do { \
	char *l_ = next_line(cursor); \
	CHECK_STR(l_, want); \
	free(l_); \
} while (0)

#define RUN_ID "\"run_id\":\"0d9c6a3e-1111-4222-8333-444455556666\""

static void test_json_full(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct reporters rs = { { NULL, NULL }, 1 };
	struct json_options jo;
	struct script_outcome so;
	struct unit_info units[2];
	struct attempt *sa;
	struct reporter *r;
	const char *cur;
	struct fake f;

	CHECK(out != NULL);
	if (!out)
		return;
	fake_init(&f);
	memset(&jo, 0, sizeof jo);
	jo.out = out;
	jo.settings = &f.settings;
	r = rs.r[0] = report_json_new(&jo);

	run_started(&rs, 12);
	r->ops->script_started(r, "db", "./start-db \"x\"", false);
	r->ops->script_slow(r, "db", false, 61500 * MS, true);
	sa = attempt(1, V_FAIL, 3, 0, 120);
	memset(&so, 0, sizeof so);
	so.name = "db";
	so.command = "./start-db \"x\"";
	so.ok = false;
	so.attempt = sa;
	so.error = "line 2: bad key";
	r->ops->script_finished(r, &so);
	attempt_free(sa);
	r->ops->test_slow(r, f.timeout, 1, 60 * NS_PER_SEC, false);
	memset(units, 0, sizeof units);
	units[0].name = "bin/unit Net.Pass";
	units[0].state = "running";
	units[0].pid = 99;
	units[0].attempt = 1;
	units[0].elapsed = 1500 * MS;
	units[0].output_tail = "last\nlines";
	units[1].name = "db";
	units[1].state = "waiting to retry";
	units[1].attempt = 2;
	r->ops->info(r, units, 2);
	full_run(&rs, &f);
	CHECK_INT(r->ops->flush(r), 0);
	CHECK_INT(r->ops->close(r), 0);
	r->ops->free(r);
	CHECK_INT(fclose(out), 0);

	validate_json(text, len);
	cur = text;
	CHECK_LINE(&cur, "{\"type\":\"run-started\"," RUN_ID ",\"profile\":\"ci\",\"threads\":4,"
		   "\"scheduled\":12,\"filtered_out\":3}");
	CHECK_LINE(&cur, "{\"type\":\"script-started\"," RUN_ID ",\"name\":\"db\","
		   "\"command\":\"./start-db \\\"x\\\"\",\"teardown\":false}");
	CHECK_LINE(&cur, "{\"type\":\"script-slow\"," RUN_ID ",\"name\":\"db\",\"teardown\":false,"
		   "\"elapsed\":61.500,\"terminating\":true}");
	CHECK_LINE(&cur, "{\"type\":\"script-finished\"," RUN_ID ",\"name\":\"db\","
		   "\"command\":\"./start-db \\\"x\\\"\",\"teardown\":false,\"ok\":false,"
		   "\"duration\":0.120,\"exit_code\":3,\"error\":\"line 2: bad key\"}");
	CHECK_LINE(&cur, "{\"type\":\"test-slow\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Timeout\",\"attempt\":1,\"elapsed\":60.000,\"terminating\":false}");
	CHECK_LINE(&cur, "{\"type\":\"info\"," RUN_ID ",\"units\":["
		   "{\"name\":\"bin/unit Net.Pass\",\"state\":\"running\",\"pid\":99,"
		   "\"elapsed\":1.500,\"attempt\":1,\"output_tail\":\"last\\nlines\"},"
		   "{\"name\":\"db\",\"state\":\"waiting to retry\",\"pid\":null,"
		   "\"elapsed\":0.000,\"attempt\":2,\"output_tail\":null}]}");
	/* full_run starts the run again (a reporter takes what it is told). */
	CHECK_LINE(&cur, "{\"type\":\"run-started\"," RUN_ID ",\"profile\":\"ci\",\"threads\":4,"
		   "\"scheduled\":12,\"filtered_out\":3}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"examples/crash&co\","
		   "\"test\":\"crash\",\"suite\":\"\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"examples/crash&co\","
		   "\"test\":\"crash\",\"suite\":\"\",\"result\":\"signal\",\"counted_as\":\"failed\","
		   "\"attempts\":1,\"duration\":0.003,\"exit_code\":null,\"signal\":\"SIGSEGV\","
		   "\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,\"message\":null,"
		   "\"stdout\":\"\",\"stderr\":\"\"}");
	/* A pass, with its own success-output = final: output included. */
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Pass\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Pass\",\"suite\":\"unit\",\"result\":\"pass\","
		   "\"counted_as\":\"passed\",\"attempts\":1,\"duration\":1.234,\"exit_code\":0,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":null,\"stdout\":\"pass out\\n\",\"stderr\":\"\"}");
	/* Any bytes make valid JSON and valid UTF-8. */
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Fail\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Fail\",\"suite\":\"unit\",\"result\":\"fail\","
		   "\"counted_as\":\"failed\",\"attempts\":1,\"duration\":0.005,\"exit_code\":1,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":null,\"stdout\":\"a\\u0000b\\u0001\\u001b[31m]]>\\\"q\\\" 'a' <&>\\r\\n"
		   "\\ufffd\\ufffd|\\ufffdA|\\ufffd\\ufffd\\ufffd|\xef\xbf\xbe|\xc3\xa9|"
		   "\xf0\x9f\x98\x80\\n\",\"stderr\":\"err line\\n\"}");
	/* A flaky pass: a retry event, then "flaky" counted as passed, no output. */
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Flaky\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-retry\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Flaky\",\"attempt\":1,\"result\":\"fail\",\"duration\":0.007,"
		   "\"delay\":0.250,\"exit_code\":2,\"signal\":null,"
		   "\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Flaky\",\"suite\":\"unit\",\"attempt\":2}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Flaky\",\"suite\":\"unit\",\"result\":\"flaky\","
		   "\"counted_as\":\"passed\",\"attempts\":2,\"duration\":0.008,\"exit_code\":0,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":null}");
	/* flaky-result = fail: "flaky" counted as failed, with failure-output. */
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.FlakyFail\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-retry\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.FlakyFail\",\"attempt\":1,\"result\":\"sigabrt\","
		   "\"duration\":0.007,\"delay\":0.250,\"exit_code\":null,\"signal\":\"SIGABRT\","
		   "\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.FlakyFail\",\"suite\":\"unit\",\"attempt\":2}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.FlakyFail\",\"suite\":\"unit\",\"result\":\"flaky\","
		   "\"counted_as\":\"failed\",\"attempts\":2,\"duration\":0.008,\"exit_code\":0,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":null,\"stdout\":\"ff out\\n\",\"stderr\":\"\"}");
	/* A reported skip is not a failure: success-output (never) applies. */
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Skip\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Skip\",\"suite\":\"unit\",\"result\":\"skip\","
		   "\"counted_as\":\"skipped\",\"attempts\":1,\"duration\":0.001,\"exit_code\":77,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":null}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Timeout\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Timeout\",\"suite\":\"unit\",\"result\":\"timeout\","
		   "\"counted_as\":\"timed-out\",\"attempts\":1,\"duration\":3.000,"
		   "\"exit_code\":null,\"signal\":\"SIGTERM\",\"cpu_user\":0.001,"
		   "\"cpu_system\":2.500,\"max_rss_kib\":4321,\"message\":null,"
		   "\"stdout\":\"\",\"stderr\":\"\"}");
	/* Net.Rerun: three attempts, two retry events. */
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Rerun\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-retry\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Rerun\",\"attempt\":1,\"result\":\"fail\",\"duration\":0.010,"
		   "\"delay\":0.250,\"exit_code\":1,\"signal\":null,"
		   "\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Rerun\",\"suite\":\"unit\",\"attempt\":2}");
	CHECK_LINE(&cur, "{\"type\":\"test-retry\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Rerun\",\"attempt\":2,\"result\":\"timeout\",\"duration\":0.020,"
		   "\"delay\":0.250,\"exit_code\":null,\"signal\":\"SIGKILL\","
		   "\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Rerun\",\"suite\":\"unit\",\"attempt\":3}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Rerun\",\"suite\":\"unit\",\"result\":\"fail\","
		   "\"counted_as\":\"failed\",\"attempts\":3,\"duration\":0.030,\"exit_code\":3,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":null,\"stdout\":\"r3\\n\",\"stderr\":\"\"}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Leak\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Leak\",\"suite\":\"unit\",\"result\":\"leak-fail\","
		   "\"counted_as\":\"failed\",\"attempts\":1,\"duration\":0.004,\"exit_code\":0,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":null,\"stdout\":\"\",\"stderr\":\"\"}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Exec\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Exec\",\"suite\":\"unit\",\"result\":\"exec-fail\","
		   "\"counted_as\":\"exec-failed\",\"attempts\":1,\"duration\":0.000,"
		   "\"exit_code\":null,\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,"
		   "\"max_rss_kib\":4321,\"message\":\"could not run /p/bin/other: No such file "
		   "<or> \\\"directory\\\"\",\"stdout\":\"\",\"stderr\":\"\"}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Error\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/other\","
		   "\"test\":\"T.Error\",\"suite\":\"unit\",\"result\":\"error\","
		   "\"counted_as\":\"failed\",\"attempts\":1,\"duration\":0.002,\"exit_code\":99,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":\"TAP: plan\\tmismatch\\nline two\",\"stdout\":\"\",\"stderr\":\"\"}");
	CHECK_LINE(&cur, "{\"type\":\"test-started\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Odd<\\\"&'>\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"test-finished\"," RUN_ID ",\"binary_id\":\"bin/unit\","
		   "\"test\":\"Odd<\\\"&'>\",\"suite\":\"unit\",\"result\":\"pass\","
		   "\"counted_as\":\"passed\",\"attempts\":1,\"duration\":0.001,\"exit_code\":0,"
		   "\"signal\":null,\"cpu_user\":0.001,\"cpu_system\":2.500,\"max_rss_kib\":4321,"
		   "\"message\":null}");
	CHECK_LINE(&cur, "{\"type\":\"run-finished\"," RUN_ID ",\"duration\":9.876,"
		   "\"cancelled\":false,\"cancel_reason\":null,\"counts\":{\"scheduled\":12,"
		   "\"started\":12,\"finished\":12,\"passed\":3,\"flaky\":1,\"leaky\":0,\"slow\":0,"
		   "\"failed\":6,\"exec_failed\":1,\"timed_out\":1,\"skipped\":4,\"not_run\":0},"
		   "\"scripts_failed\":0}");
	CHECK_STR(cur, "");
	free(text);
	fake_free(&f);
}

/* Lines wait in stdio until flush; a cancelled run says why. */
static void test_json_flush_and_cancel(void)
{
	FILE *out = tmpfile();
	struct json_options jo;
	struct run_summary s;
	struct reporter *r;
	struct stat st;
	struct buf text = BUF_INIT;
	char chunk[4096];
	size_t n;
	const char *cur;
	struct fake f;

	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_INT(setvbuf(out, NULL, _IOFBF, 1 << 16), 0);
	fake_init(&f);
	memset(&jo, 0, sizeof jo);
	jo.out = out;
	jo.settings = &f.settings;
	r = report_json_new(&jo);
	r->ops->test_started(r, f.fail, 1);       /* before run_started: run_id null */
	CHECK_INT(fstat(fileno(out), &st), 0);
	CHECK_INT(st.st_size, 0);
	CHECK_INT(r->ops->flush(r), 0);
	CHECK_INT(fstat(fileno(out), &st), 0);
	CHECK(st.st_size > 0);
	memset(&s, 0, sizeof s);
	s.cancelled = true;
	s.cancel_reason = "signal";
	s.cancel_detail = "interrupted by SIGINT";
	s.cancel_signal = SIGINT;
	s.counts.not_run = 5;
	s.scripts_failed = 1;
	r->ops->run_finished(r, &s);
	CHECK_INT(r->ops->close(r), 0);
	r->ops->free(r);
	rewind(out);
	while ((n = fread(chunk, 1, sizeof chunk, out)) > 0)
		buf_add(&text, chunk, n);
	CHECK_INT(fclose(out), 0);
	validate_json(text.data, text.len);
	cur = text.data;
	CHECK_LINE(&cur, "{\"type\":\"test-started\",\"run_id\":null,\"binary_id\":\"bin/unit\","
		   "\"test\":\"Net.Fail\",\"suite\":\"unit\",\"attempt\":1}");
	CHECK_LINE(&cur, "{\"type\":\"run-finished\",\"run_id\":null,\"duration\":0.000,"
		   "\"cancelled\":true,\"cancel_reason\":\"signal\",\"counts\":{\"scheduled\":0,"
		   "\"started\":0,\"finished\":0,\"passed\":0,\"flaky\":0,\"leaky\":0,\"slow\":0,"
		   "\"failed\":0,\"exec_failed\":0,\"timed_out\":0,\"skipped\":0,\"not_run\":5},"
		   "\"scripts_failed\":1}");
	CHECK_STR(cur, "");
	buf_free(&text);
	fake_free(&f);
}

/* A full device: flush says so (the dispatcher then exits 110), and keeps saying so. */
static void test_json_write_error(void)
{
	FILE *out = fopen("/dev/full", "w");
	struct json_options jo;
	struct reporter *r;
	struct fake f;

	if (!out) {
		fprintf(stderr, "SKIP: no /dev/full: JSON write errors not checked\n");
		return;
	}
	fake_init(&f);
	memset(&jo, 0, sizeof jo);
	jo.out = out;
	jo.settings = &f.settings;
	r = report_json_new(&jo);
	r->ops->test_started(r, f.fail, 1);
	CHECK_INT(r->ops->flush(r), -1);
	r->ops->test_started(r, f.fail, 2);
	CHECK_INT(r->ops->flush(r), -1);
	CHECK_INT(r->ops->close(r), -1);
	r->ops->free(r);
	(void)fclose(out);     /* fails too: the device is full */
	fake_free(&f);
}

/* The lines of a gzip file written by gz_writer, decompressed. */
static char *read_gz(const char *path)
{
	struct buf out = BUF_INIT, err = BUF_INIT, line = BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct gz_reader *r;

	CHECK(fd >= 0);
	if (fd < 0)
		return xstrdup("");
	r = gz_reader_open(fd);
	while (gz_getline(r, &line, 1 << 24, &err) > 0) {
		buf_add(&out, line.data, line.len);
		buf_addc(&out, '\n');
	}
	gz_reader_close(r);
	buf_free(&err);
	buf_free(&line);
	return buf_detach(&out, NULL);
}

/* How many times `what` occurs in s. */
static unsigned occurs(const char *s, const char *what)
{
	unsigned n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

/*
 * A record (the JSON reporter writing into a gzip stream): a test that
 * finishes before the next flush has no test-started line, one that runs
 * across a flush keeps it, and a retried test keeps them all; a passing
 * test's long output is kept as its head and tail with the count left
 * out, a failing test's whole.
 */
static void test_record_lines(void)
{
	char path[] = "/tmp/test_reports.XXXXXX";
	int fd = mkstemp(path);
	struct reporters rs = { { NULL, NULL }, 1 };
	struct json_options jo;
	struct gz_writer *gz;
	struct reporter *r;
	struct attempt *a[2];
	struct buf big = BUF_INIT;
	char *text, *p;
	struct fake f;
	unsigned i;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	fake_init(&f);
	for (i = 0; i < 4000; i++)
		buf_printf(&big, "line %05u of a long output\n", i);
	gz = gz_writer_open(fd, 1);
	memset(&jo, 0, sizeof jo);
	jo.gz = gz;
	jo.settings = &f.settings;
	r = rs.r[0] = report_json_new(&jo);
	run_started(&rs, 4);
	/* Started, then a flush, then finished: its start is in the record. */
	r->ops->test_started(r, f.skip, 1);
	CHECK_INT(r->ops->flush(r), 0);
	run_one(&rs, f.pass, with_output(attempt(1, V_PASS, 0, 0, 3), big.data, big.len, "e\n", 2));
	{
		struct test_outcome o;

		memset(&o, 0, sizeof o);
		o.test = f.skip;
		o.final = a[0] = attempt(1, V_SKIP, 77, 0, 1);
		o.attempts = 1;
		o.outcome = OUT_SKIPPED;
		r->ops->test_finished(r, &o);
		attempt_free(a[0]);
	}
	run_one(&rs, f.fail, with_output(attempt(1, V_FAIL, 1, 0, 5), big.data, big.len, "", 0));
	a[0] = with_output(attempt(1, V_FAIL, 2, 0, 7), "try1 out\n", 9, "", 0);
	a[1] = with_output(attempt(2, V_PASS, 0, 0, 8), "try2 out\n", 9, "", 0);
	run_test(&rs, f.flaky, a, 2, false);
	run_finished(&rs);
	CHECK_INT(r->ops->close(r), 0);
	r->ops->free(r);
	CHECK_INT(gz_writer_close(gz, false), 0);
	text = read_gz(path);
	validate_json(text, strlen(text));
	CHECK_INT(occurs(text, "\"type\":\"test-started\""), 3);
	CHECK_INT(occurs(text, "\"test\":\"T.Skip\",\"suite\":\"unit\",\"attempt\":1}"), 1);
	CHECK_INT(occurs(text, "\"test\":\"Net.Flaky\",\"suite\":\"unit\",\"attempt\":1}"), 1);
	CHECK_INT(occurs(text, "\"test\":\"Net.Flaky\",\"suite\":\"unit\",\"attempt\":2}"), 1);
	CHECK_INT(occurs(text, "\"test\":\"Net.Pass\",\"suite\":\"unit\",\"attempt\":1}"), 0);
	/* Net.Pass: the first 256 and the last 1024 bytes of its stdout, cut at line ends. */
	p = strstr(text, "\"test\":\"Net.Pass\",\"suite\":\"unit\",\"result\"");
	CHECK(p && strstr(p, "\"stdout\":\"line 00000 of a long output\\n"));
	CHECK(p && strstr(p, "of a long output\\n[testrig: ") &&
	      strstr(p, "bytes left out here: a run record keeps only about the first 256 and "
		     "the last 1024 bytes of a passing test's output]\\nline 039"));
	CHECK(p && strstr(p, "line 03999 of a long output\\n\",\"stdout_omitted\":"));
	CHECK(p && strstr(p, "\"stderr\":\"e\\n\""));
	CHECK_INT(occurs(text, "_omitted"), 1);
	/* Net.Fail: every line. */
	p = strstr(text, "\"test\":\"Net.Fail\",\"suite\":\"unit\",\"result\"");
	CHECK(p && strstr(p, "line 02000 of a long output"));
	free(text);
	unlink(path);
	buf_free(&big);
	fake_free(&f);
}

int main(void)
{
	RUN(test_junit_full);
	RUN(test_junit_exact);
	RUN(test_junit_skip_after_failure);
	RUN(test_junit_empty);
	RUN(test_junit_schema_strict);
	RUN(test_junit_close_fails);
	RUN(test_json_full);
	RUN(test_json_flush_and_cancel);
	RUN(test_json_write_error);
	RUN(test_record_lines);
	return check_done();
}

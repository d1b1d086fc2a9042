/*
 * cmd_run.c - testrig run: the selected tests run once, or with
 * --stress-count / --stress-duration again and again, each run with its
 * reporters (human, JSON lines, board-farm lines, JUnit, the record).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/commands.h"
#include "testrig/exitcode.h"
#include "testrig/history.h"
#include "testrig/jobserver.h"
#include "testrig/list.h"
#include "testrig/record.h"
#include "testrig/report.h"
#include "testrig/run.h"
#include "testrig/run_plan.h"
#include "testrig/text.h"
#include "testrig/util.h"

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
	run_plan_human(ss, &rp->human, c->messages != MESSAGES_HUMAN);
	/* A farm reads the whole console: nothing a test prints may pass for a result. */
	rp->human.quote_output = rp->farm;
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
		errorx_(NULL, "cannot write the JUnit report %s: %s: %s", rp->junit_path,
			slash ? dir : ".", strerror(errno));
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
	char **env = session_environment();
	int code;

	/*
	 * stdout is ours to buffer: the engine flushes it on a timer.  Not with
	 * --no-capture, where tests write to the same file: each line goes out
	 * at once so a test's output follows the status lines before it.
	 */
	setvbuf(stdout, NULL, ss->cli.no_capture ? _IOLBF : _IOFBF, 1 << 16);
	run_plan(ss, &rc, env);
	code = plan_reports(ss, &rp);
	if (!code)
		code = run_repeatedly(ss, &rc, &rp);
	free(rp.junit_path);
	run_plan_free(&rc);
	free(env);
	return code;
}

/*
 * make -n runs a '+' recipe all the same: the run then only says which
 * tests it would run, as `testrig list` does (SPEC section 11).
 */
static int dry_run(struct session *ss)
{
	struct buf b = BUF_INIT;
	int code;

	fprintf(stderr, "%s: make -n: the tests that would run (none is run)\n", progname);
	test_list_print(&ss->list, ss->cli.list_format, &b);
	code = write_stdout(&b);
	buf_free(&b);
	return code;
}

int cmd_run(struct session *ss)
{
	int code;

	if ((code = session_parse_filters(ss)) || (code = session_find_tests(ss)))
		return code;
	if (!session_list_and_select(ss, &code))
		return code;
	if (makeflags_dry_run(getenv("MAKEFLAGS")))
		return dry_run(ss);
	session_prepare_recording(ss);
	session_load_history(ss);
	/* What listing and the history took for a while goes back: the run's peak is its own. */
	release_free_memory();
	return run_tests(ss);
}

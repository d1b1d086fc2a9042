/*
 * run.c - one run: the selected tests in order, an engine with the run's
 * reporters, the setup phase, the tests phase, the teardown phase, the end
 * (leftovers killed), the summary and the exit code.  Owns nothing past
 * the call.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/engine.h"
#include "testrig/exitcode.h"
#include "testrig/history.h"
#include "testrig/run.h"
#include "testrig/scripts.h"
#include "testrig/tests.h"
#include "testrig/util.h"

/* SPEC section 9: 105, then 100 (then 110 when a report failed, then 0). */
static int exit_code(const struct run_summary *s, const struct scripts *sc,
		     bool setup_interrupted)
{
	const struct run_counts *c = &s->counts;

	if (scripts_setup_failed(sc) || scripts_failed(sc) || setup_interrupted)
		return EXIT_SCRIPT;
	if (c->failed || c->exec_failed || c->timed_out || s->cancelled)
		return EXIT_TEST_FAILED;
	return EXIT_OK;
}

static void summarize(struct run_summary *sum, struct engine *eng, const struct tests *tp,
		      const struct scripts *sc)
{
	memset(sum, 0, sizeof *sum);
	sum->counts = *tests_counts(tp);
	sum->counts.not_run = sum->counts.scheduled - sum->counts.started;
	sum->duration = engine_elapsed(eng);
	/* Fail-fast after the last test started cancelled nothing. */
	sum->cancelled = engine_cancelled(eng) &&
		(sum->counts.not_run || engine_cancel_signal(eng) || tests_terminated_running(tp));
	sum->cancel_reason = engine_cancel_reason(eng);
	sum->cancel_detail = engine_cancel_detail(eng);
	sum->cancel_signal = engine_cancel_signal(eng);
	sum->scripts_failed = scripts_failed(sc);
}

int run_execute(const struct run_config *cfg)
{
	struct engine_config ec;
	struct run_config rc;
	struct buf msg = BUF_INIT;
	struct engine *eng;
	struct run_info info;
	struct run_summary sum;
	struct scripts *sc;
	struct tests *tp;
	size_t *order, norder = 0, i;
	bool setup_interrupted;
	int code;

	order = xcalloc(cfg->list->ntests + 1, sizeof *order);
	for (i = 0; i < cfg->list->ntests; i++)
		if (cfg->list->tests[i].selected)
			order[norder++] = i;
	/* Partitions were cut from list order already: this only says what starts first. */
	if (cfg->settings->schedule == SCHEDULE_HISTORY)
		history_order(order, norder, cfg->list);
	memset(&ec, 0, sizeof ec);
	ec.workers = cfg->threads;
	ec.jobserver = cfg->jobserver;
	ec.reports = cfg->reports;
	ec.listen_keys = true;
	ec.grace_period = cfg->settings->grace_period;
	ec.run_id = cfg->run_id;
	eng = engine_new(&ec, &msg);
	if (!eng) {
		/* No test can start: a setup error, before any test is reported. */
		errorx_(NULL, "%s", msg.data);
		buf_free(&msg);
		free(order);
		return EXIT_SETUP;
	}
	/* The slots the tests are given are the workers that could be started. */
	rc = *cfg;
	rc.threads = engine_workers(eng);
	tp = tests_new(&rc, order, norder);
	sc = scripts_new(&rc, order, norder);
	memset(&info, 0, sizeof info);
	info.run_id = cfg->run_id;
	info.profile = cfg->profile;
	info.threads = rc.threads;
	info.jobserver = cfg->jobserver != NULL;
	info.make_jobs = cfg->make_jobs;
	info.scheduled = norder;
	info.filtered_out = cfg->list->ntests - norder;
	for (i = 0; i < norder; i++)
		info.binaries += cfg->list->tests[order[i]].whole;
	info.start_wall = wall_ns();
	REPORT(engine_reports(eng), run_started, &info);

	scripts_setup(sc, eng);
	setup_interrupted = engine_cancel_signal(eng) != 0;
	if (!engine_cancelled(eng))
		tests_run(tp, eng, scripts_exports(sc), scripts_masks(sc));
	scripts_teardown(sc, eng);
	engine_finish(eng);

	summarize(&sum, eng, tp, sc);
	code = sum.exit_code = exit_code(&sum, sc, setup_interrupted);
	scripts_free(sc);
	/* The run is over: its scheduling goes before the store's merge needs memory. */
	tests_free(tp);
	free(order);
	REPORT(engine_reports(eng), run_finished, &sum);
	if (engine_close_reports(eng) && code == EXIT_OK)
		code = EXIT_REPORT;

	engine_free(eng);
	return code;
}

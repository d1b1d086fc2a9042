/*
 * report_automake.c - `testrig automake-driver`'s reporter: Automake's
 * custom test driver protocol (SPEC section 11).  The .log is written as the
 * test cases finish (their output, their result lines, testrig's account)
 * to a temporary file beside it; close renames it into place and then
 * writes the .trs the same way.  Results follow Automake's own drivers:
 * test-driver for exit statuses, tap-driver for TAP points.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/attempt.h"
#include "testrig/automake.h"
#include "testrig/list.h"
#include "testrig/proto.h"
#include "testrig/tap.h"
#include "testrig/text.h"
#include "testrig/util.h"

struct automake {
	struct reporter base;
	struct automake_options opt;
	char *log_tmp;
	FILE *log;                  /* NULL once it could not be opened */
	int log_errno;              /* why the log failed, or 0 */
	struct buf results;         /* ":test-result: X\n" lines */
	unsigned seen;              /* bit per enum am_result seen */
	size_t nresults;
	enum am_result only;        /* the result, while there is one */
	int signo;
	bool holding;               /* stdout lines wait in `held` for the run's end */
	struct buf held;
	int closed;                 /* 1 written, -1 failed, 0 not yet */
	struct buf scratch;
};

static const char *const result_names[] = { "PASS", "XFAIL", "SKIP", "XPASS", "FAIL", "ERROR" };

/* Automake's own colors for each result (test-driver, tap-driver). */
static const char *const result_colors[] = {
	"\033[0;32m", "\033[1;32m", "\033[1;34m", "\033[0;31m", "\033[0;31m", "\033[0;35m",
};

static void log_write(struct automake *am, const char *p, size_t n)
{
	if (am->log && n && fwrite(p, 1, n, am->log) != n && !am->log_errno)
		am->log_errno = errno ? errno : EIO;
}

static void log_buf(struct automake *am, const struct buf *b)
{
	log_write(am, b->data, b->len);
}

/*
 * One result: a line on stdout (colored if asked), the same in the log, a
 * .trs line.  The details (a case's name, a TAP point's description, a
 * reason) come from the test: control characters in them are escaped.
 */
static void add_result(struct automake *am, enum am_result res, const char *details)
{
	const struct automake_args *a = am->opt.args;
	const char *sep = *details ? " " : "";
	struct buf shown = BUF_INIT;

	controls_escapes(&shown, details);
	buf_reset(&am->scratch);
	buf_printf(&am->scratch, "%s%s%s: %s%s%s\n", a->color_tests ? result_colors[res] : "",
		   result_names[res], a->color_tests ? "\033[m" : "", a->test_name, sep, shown.data);
	if (am->holding) {
		buf_add(&am->held, am->scratch.data, am->scratch.len);
	} else {
		fputs(am->scratch.data, am->opt.out);
		fflush(am->opt.out);
	}
	buf_reset(&am->scratch);
	buf_printf(&am->scratch, "%s: %s%s%s\n", result_names[res], a->test_name, sep, shown.data);
	buf_free(&shown);
	log_buf(am, &am->scratch);
	buf_printf(&am->results, ":test-result: %s\n", result_names[res]);
	am->only = am->nresults ? am->only : res;
	am->nresults++;
	am->seen |= 1u << res;
}

/* An exit status as test-driver maps it; failures are XFAIL when expected. */
static enum am_result case_result(const struct automake *am, const struct test_outcome *o)
{
	const struct automake_args *a = am->opt.args;
	enum verdict v = o->final->verdict;

	/* flaky-result = fail makes a flaky test fail; otherwise it passed. */
	if (o->outcome == OUT_PASSED)
		return a->expect_failure ? AM_XPASS : AM_PASS;
	if (o->outcome == OUT_SKIPPED)
		return AM_SKIP;
	if (v == V_ERROR && a->hard_errors)
		return AM_ERROR;
	return a->expect_failure ? AM_XFAIL : AM_FAIL;
}

/* How a TAP producer ended, when that is an error of its own (tap-driver). */
static void tap_exit_error(struct automake *am, const struct attempt *a)
{
	char sig[16];

	buf_reset(&am->scratch);
	switch (a->verdict) {
	case V_TIMEOUT:
	case V_EXEC_FAIL:
	case V_LEAK_FAIL:
		buf_printf(&am->scratch, "- %s", verdict_label(a, sig));
		if (a->verdict == V_EXEC_FAIL && a->message)
			buf_printf(&am->scratch, ": %s", a->message);
		break;
	default:
		/* tap-driver's own words (its .log and .trs must be Automake's), not ours. */
		if (a->signo)
			buf_printf(&am->scratch, "- terminated by signal %s", signal_name(a->signo, sig));
		else if (a->exit_code > 0)
			buf_printf(&am->scratch, "- exited with status %d", a->exit_code);
		break;
	}
	if (am->scratch.len) {
		char *d = buf_detach(&am->scratch, NULL);

		add_result(am, AM_ERROR, d);
		free(d);
	}
}

/* One TAP point as tap-driver reports it. */
static void tap_point_result(struct automake *am, const struct tap_summary *s,
			     const struct tap_point *p, size_t i)
{
	bool expect = am->opt.args->expect_failure;
	enum am_result res;
	struct buf d = BUF_INIT;

	buf_printf(&d, "%u", p->number);
	if (*p->description)
		buf_printf(&d, " %s", p->description);
	if (p->after_late_plan) {
		buf_adds(&d, " # AFTER LATE PLAN");
		res = AM_ERROR;
	} else if (s->has_plan && !s->plan_late && i + 1 > s->planned) {
		buf_adds(&d, " # UNPLANNED");
		res = AM_ERROR;
	} else if (p->out_of_order) {
		buf_printf(&d, " # OUT-OF-ORDER (expecting %zu)", i + 1);
		res = AM_ERROR;
	} else if (p->directive != TAP_NO_DIRECTIVE) {
		bool todo = p->directive == TAP_TODO;

		buf_printf(&d, " # %s%s%s", todo ? "TODO" : "SKIP", *p->reason ? " " : "", p->reason);
		res = todo ? (p->ok ? AM_XPASS : AM_XFAIL)
			: p->ok ? AM_SKIP : expect ? AM_XFAIL : AM_FAIL;
	} else {
		res = p->ok ? (expect ? AM_XPASS : AM_PASS) : expect ? AM_XFAIL : AM_FAIL;
	}
	add_result(am, res, d.data);
	buf_free(&d);
}

/* A TAP stream's results: every point, the plan, a bail out, the exit. */
static void tap_results(struct automake *am, const struct attempt *a)
{
	const struct tap_summary *s = a->tap;
	struct tap_points_reader r;
	const struct tap_point *p;
	size_t i;

	if (!s) {
		/* It never ran (EXEC-FAIL): nothing was read. */
		tap_exit_error(am, a);
		if (!am->nresults)
			add_result(am, AM_ERROR, "- no TAP output");
		return;
	}
	tap_points_begin(&r, s->points);
	for (i = 0; (p = tap_points_next(&r)); i++) {
		if (s->plan_twice && s->plan_twice_at == i)
			add_result(am, AM_ERROR, "- multiple test plans");
		tap_point_result(am, s, p, i);
	}
	tap_points_end(&r);
	if (s->plan_twice && s->plan_twice_at == s->npoints)
		add_result(am, AM_ERROR, "- multiple test plans");
	if (s->skip_all && !s->npoints) {
		char *d = *s->skip_reason ? xasprintf("- %s", s->skip_reason) : xstrdup("");

		add_result(am, AM_SKIP, d);
		free(d);
	}
	if (s->bailed_out) {
		char *d = xasprintf("- Bail out!%s%s", *s->bail_reason ? " " : "", s->bail_reason);

		add_result(am, AM_ERROR, d);
		free(d);
		/* After a bail out tap-driver ignores the exit status, but not a timeout. */
		if (a->verdict == V_TIMEOUT)
			tap_exit_error(am, a);
		return;
	}
	if (!s->has_plan) {
		add_result(am, AM_ERROR, "- missing test plan");
	} else if (s->planned != s->ran) {
		char *d = xasprintf("- too %s tests run (expected %u, got %u)",
				    s->ran > s->planned ? "many" : "few", s->planned, s->ran);

		add_result(am, AM_ERROR, d);
		free(d);
	}
	tap_exit_error(am, a);
}

/* testrig's account of an attempt: verdict, time, attempt, CPU, memory. */
static void log_account(struct automake *am, const struct attempt *a, unsigned of,
			const char *name)
{
	struct buf *b = &am->scratch;
	char sig[16];

	buf_reset(b);
	buf_printf(b, "testrig: %s%s%s", name, *name ? ": " : "", verdict_label(a, sig));
	if (a->verdict != V_EXEC_FAIL && !a->signo && a->exit_code >= 0) {
		buf_adds(b, " (");
		process_end_words(b, a->exit_code, 0);
		buf_addc(b, ')');
	}
	buf_adds(b, " in ");
	format_seconds(b, a->duration);
	buf_printf(b, "s, attempt %u of %u, CPU ", a->number, of);
	format_seconds(b, a->user_ns);
	buf_adds(b, "s user ");
	format_seconds(b, a->sys_ns);
	buf_printf(b, "s system, peak RSS %ld KiB\n", a->maxrss_kb);
	if (a->message)
		buf_printf(b, "testrig: %s\n", a->message);
	log_buf(am, b);
}

/* One attempt's output, headed when a log holds more than one. */
static void log_attempt(struct automake *am, const struct attempt *a, unsigned of,
			const char *name)
{
	if (*name || of > 1) {
		buf_reset(&am->scratch);
		buf_printf(&am->scratch, "=== %s%s", name, *name && of > 1 ? ", " : "");
		if (of > 1)
			buf_printf(&am->scratch, "attempt %u of %u", a->number, of);
		buf_adds(&am->scratch, " ===\n");
		log_buf(am, &am->scratch);
	}
	log_write(am, a->out.head.data, a->out.head.len);
	if (a->out.head.len && a->out.head.data[a->out.head.len - 1] != '\n')
		log_write(am, "\n", 1);
	if (a->err.head.len) {
		log_write(am, "--- stderr ---\n", 15);
		log_write(am, a->err.head.data, a->err.head.len);
		if (a->err.head.data[a->err.head.len - 1] != '\n')
			log_write(am, "\n", 1);
	}
}

static void am_test_finished(struct reporter *r, const struct test_outcome *o)
{
	struct automake *am = (struct automake *)r;
	bool cases = proto_listings(o->test->bin->suite->protocol) > 0;
	const char *name = cases ? o->test->name : "";
	unsigned i;

	/*
	 * A test stopped because the run was cancelled may have been stopped by
	 * a signal to the driver, which then prints no result at all (as
	 * test-driver): its lines, and any after them, wait for the run's end.
	 */
	if (o->final->cancelled)
		am->holding = true;
	for (i = 0; i < o->nretried; i++) {
		log_attempt(am, o->retried[i], o->attempts, name);
		log_account(am, o->retried[i], o->attempts, name);
	}
	log_attempt(am, o->final, o->attempts, name);
	if (o->final->tap)
		tap_results(am, o->final);
	else if (o->test->bin->suite->protocol == PROTO_TAP)
		tap_results(am, o->final);
	else
		add_result(am, case_result(am, o), name);
	log_account(am, o->final, o->attempts, name);
}

static void am_script_finished(struct reporter *r, const struct script_outcome *o)
{
	struct automake *am = (struct automake *)r;
	char sig[16];

	buf_reset(&am->scratch);
	buf_printf(&am->scratch, "=== %s %s: %s ===\n", o->teardown ? "teardown" : "setup script",
		   o->name, o->ok ? "PASS" : verdict_label(o->attempt, sig));
	log_buf(am, &am->scratch);
	log_attempt(am, o->attempt, 1, "");
	if (o->error) {
		buf_reset(&am->scratch);
		buf_printf(&am->scratch, "testrig: %s\n", o->error);
		log_buf(am, &am->scratch);
	}
}

static void am_message(struct reporter *r, const char *text)
{
	struct automake *am = (struct automake *)r;

	buf_reset(&am->scratch);
	buf_printf(&am->scratch, "testrig: %s\n", text);
	log_buf(am, &am->scratch);
}

static void am_run_finished(struct reporter *r, const struct run_summary *s)
{
	struct automake *am = (struct automake *)r;

	if (s->cancelled && s->cancel_reason && !strcmp(s->cancel_reason, "signal"))
		am->signo = s->cancel_signal;
	else if (s->cancelled && s->cancel_detail)
		am_message(r, s->cancel_detail);
	am->holding = false;
	if (!am->signo && am->held.len) {
		fwrite(am->held.data, 1, am->held.len, am->opt.out);
		fflush(am->opt.out);
	}
	buf_reset(&am->held);
	/* A setup script that failed leaves its tests unrun: that is an error. */
	if (!am->nresults && !am->signo)
		add_result(am, AM_ERROR, s->scripts_failed ? "- a setup script failed"
			   : "- no test case ran");
}

void report_automake_whole(struct reporter *r, enum am_result result, const char *why)
{
	struct automake *am = (struct automake *)r;

	am_message(r, why);
	add_result(am, result, "");
}

void report_automake_stop(struct reporter *r, int signo)
{
	((struct automake *)r)->signo = signo;
}

int report_automake_signal(const struct reporter *r)
{
	return ((const struct automake *)r)->signo;
}

/* The global result: the result itself when there is one, else as tap-driver. */
static enum am_result global_result(const struct automake *am)
{
	unsigned failing = 1u << AM_FAIL | 1u << AM_XPASS;

	if (am->nresults == 1)
		return am->only;
	if (am->seen & 1u << AM_ERROR)
		return AM_ERROR;
	if (am->seen & failing)
		return AM_FAIL;
	return am->seen == 1u << AM_SKIP ? AM_SKIP : AM_PASS;
}

static int fail_file(struct automake *am, const char *what, const char *path, int err)
{
	errorx_(am->opt.err, "cannot write the %s %s: %s", what, path, strerror(err));
	return -1;
}

/* Writes the .trs beside its target and renames it into place. */
static int write_trs(struct automake *am)
{
	const char *path = am->opt.args->trs_file;
	unsigned ok_recheck = 1u << AM_PASS | 1u << AM_SKIP | 1u << AM_XFAIL;
	unsigned no_copy = 1u << AM_PASS | (am->opt.args->collect_skipped ? 0 : 1u << AM_SKIP);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "we");
	int err = 0;

	if (!f)
		err = errno;
	if (f) {
		fprintf(f, "%s:global-test-result: %s\n:recheck: %s\n:copy-in-global-log: %s\n",
			am->results.data, result_names[global_result(am)],
			(am->seen & ~ok_recheck) ? "yes" : "no", (am->seen & ~no_copy) ? "yes" : "no");
		if (ferror(f))
			err = errno ? errno : EIO;
		if (fclose(f) && !err)
			err = errno;
	}
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		(void)unlink(tmp);
		free(tmp);
		return fail_file(am, "test results", path, err);
	}
	free(tmp);
	return 0;
}

static int write_files(struct automake *am)
{
	const struct automake_args *a = am->opt.args;
	int err = am->log_errno;

	if (am->log && fclose(am->log) && !err)
		err = errno;
	am->log = NULL;
	if (am->signo) {
		/* Interrupted: no results at all, as test-driver leaves none. */
		(void)unlink(am->log_tmp);
		(void)unlink(a->log_file);
		(void)unlink(a->trs_file);
		return 0;
	}
	if (!err && rename(am->log_tmp, a->log_file))
		err = errno;
	if (err) {
		(void)unlink(am->log_tmp);
		return fail_file(am, "test log", a->log_file, err);
	}
	return write_trs(am);
}

/* Once: the engine closes its reporters, and the driver closes it when no run began. */
static int am_close(struct reporter *r)
{
	struct automake *am = (struct automake *)r;

	if (!am->closed)
		am->closed = write_files(am) ? -1 : 1;
	return am->closed < 0 ? -1 : 0;
}

static void am_free(struct reporter *r)
{
	struct automake *am = (struct automake *)r;

	if (am->log) {
		fclose(am->log);
		(void)unlink(am->log_tmp);
	}
	free(am->log_tmp);
	buf_free(&am->results);
	buf_free(&am->scratch);
	buf_free(&am->held);
	free(am);
}

static const struct reporter_ops automake_ops = {
	.script_finished = am_script_finished,
	.test_finished = am_test_finished,
	.message = am_message,
	.run_finished = am_run_finished,
	.close = am_close,
	.free = am_free,
};

struct reporter *report_automake_new(const struct automake_options *opt)
{
	struct automake *am = xcalloc(1, sizeof *am);

	buf_init(&am->results);
	buf_init(&am->scratch);
	buf_init(&am->held);
	am->base.ops = &automake_ops;
	am->opt = *opt;
	am->log_tmp = xasprintf("%s.tmp.%ld", opt->args->log_file, (long)getpid());
	am->log = fopen(am->log_tmp, "we");
	if (!am->log)
		am->log_errno = errno;
	return &am->base;
}

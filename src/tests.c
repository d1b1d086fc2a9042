/*
 * tests.c - the tests phase: tests as a kind of unit (their jobs, their
 * events, the outcome policy) and the phase that feeds them to the engine
 * in the order sched.c allows.  Owns the run's counts and each running
 * test's record (its grant and the attempts it failed so far).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/env.h"
#include "testrig/history.h"
#include "testrig/proto.h"
#include "testrig/sched.h"
#include "testrig/tests.h"
#include "testrig/util.h"

struct tests {
	const struct run_config *cfg;
	struct test_list *list;
	const size_t *order;        /* list positions of the selected tests, in start order */
	size_t norder;
	struct sched *sched;
	struct env_cache envs;
	const struct strvec *exports;
	const uint64_t *script_mask;
	struct run_counts counts;
	bool terminated_running;
};

/* One running test. */
struct test_task {
	struct tests *tests;
	const struct test *test;
	struct sched_grant grant;   /* grant.item is the test's order position */
	struct attempt **retried;   /* its failed attempts so far, oldest first */
	unsigned nretried;
};

static const struct settings *settings_of(const struct tests *tp, const struct test *t)
{
	return t->settings ? t->settings : tp->cfg->settings;
}

/* ---- the outcome policy -------------------------------------------------- */

void test_outcome_decide(struct test_outcome *o, const struct attempt *final,
			 unsigned nretried, bool flaky_fail)
{
	o->final = final;
	o->attempts = nretried + 1;
	o->duration = final->duration;
	o->flaky = nretried > 0 && verdict_ok(final->verdict) && final->verdict != V_SKIP;
	switch (final->verdict) {
	case V_PASS:
	case V_LEAK:
		o->outcome = o->flaky && flaky_fail ? OUT_FAILED : OUT_PASSED;
		break;
	case V_SKIP:
		o->outcome = OUT_SKIPPED;
		break;
	case V_EXEC_FAIL:
		o->outcome = OUT_EXEC_FAILED;
		break;
	case V_TIMEOUT:
		o->outcome = OUT_TIMED_OUT;
		break;
	default:
		o->outcome = OUT_FAILED;
	}
}

void run_counts_add(struct run_counts *c, const struct test_outcome *o)
{
	c->finished++;
	switch (o->outcome) {
	case OUT_PASSED:
		c->passed++;
		c->flaky += o->flaky;
		c->leaky += o->final->verdict == V_LEAK;
		c->slow += o->final->slow;
		break;
	case OUT_SKIPPED:
		c->skipped++;
		break;
	case OUT_FAILED:
		c->failed++;
		break;
	case OUT_EXEC_FAILED:
		c->exec_failed++;
		break;
	case OUT_TIMED_OUT:
		c->timed_out++;
		break;
	}
}

/* ---- the kind: a test's events ------------------------------------------- */

static void test_started(struct engine *eng, struct job *job, unsigned attempt, pid_t pid)
{
	struct test_task *tt = job->task;

	(void)pid;
	REPORT(engine_reports(eng), test_started, tt->test, attempt);
}

static void test_slow(struct engine *eng, struct job *job, unsigned attempt, int64_t elapsed,
		      bool terminating)
{
	struct test_task *tt = job->task;

	REPORT(engine_reports(eng), test_slow, tt->test, attempt, elapsed, terminating);
}

static void test_retry(struct engine *eng, struct job *job, struct attempt *failed,
		       int64_t delay)
{
	struct test_task *tt = job->task;

	tt->retried = xreallocarray(tt->retried, tt->nretried + 1, sizeof *tt->retried);
	tt->retried[tt->nretried++] = failed;
	REPORT(engine_reports(eng), test_retry, tt->test, failed, delay);
}

/* Fail-fast: after max-fail failures nothing new starts (and, :immediate, nothing runs). */
static void note_failure(struct tests *tp, struct engine *eng)
{
	const struct settings *s = tp->cfg->settings;

	if (!sched_failure(tp->sched) || engine_cancelled(eng))
		return;
	engine_cancel(eng, "fail-fast", 0, "the run stopped after %s (fail-fast; "
		      "--no-fail-fast runs every test)",
		      s->max_fail == 1 ? "a failure" : "the maximum number of failures");
	sched_stop(tp->sched);
	if (s->max_fail_immediate && engine_running(eng)) {
		tp->terminated_running = true;
		engine_terminate_running(eng, SIGTERM);
	}
}

static void test_finished(struct engine *eng, struct job *job, struct attempt *final)
{
	struct test_task *tt = job->task;
	struct tests *tp = tt->tests;
	const struct settings *s = settings_of(tp, tt->test);
	struct test_outcome o;
	unsigned i;

	/* Cancelled while waiting to retry: the last failure stands. */
	if (!final)
		final = tt->retried[--tt->nretried];
	memset(&o, 0, sizeof o);
	o.test = tt->test;
	o.retried = tt->retried;
	o.nretried = tt->nretried;
	test_outcome_decide(&o, final, tt->nretried, s->flaky_fail);
	o.max_attempts = s->retries + 1;
	if (tp->cfg->history) {
		o.history_known = true;
		history_after(tt->test->history, &o, &o.history);
	}
	run_counts_add(&tp->counts, &o);
	REPORT(engine_reports(eng), test_finished, &o);
	for (i = 0; i < tt->nretried; i++)
		attempt_free(tt->retried[i]);
	free(tt->retried);
	sched_release(tp->sched, &tt->grant);
	attempt_free(final);
	if (o.outcome != OUT_PASSED && o.outcome != OUT_SKIPPED)
		note_failure(tp, eng);
	free(tt);
}

static char *test_describe(const struct job *job)
{
	const struct test_task *tt = job->task;
	struct buf name = BUF_INIT;

	test_display_name(tt->test, &name);
	return buf_detach(&name, NULL);
}

static const struct job_kind test_kind = {
	.started = test_started,
	.slow = test_slow,
	.retry = test_retry,
	.finished = test_finished,
	.describe = test_describe,
};

static void limits_from(struct unit_limits *l, const struct settings *s)
{
	memset(l, 0, sizeof *l);
	l->slow_timeout = s->slow_timeout;
	l->terminate_after = s->terminate_after;
	l->grace_period = s->grace_period;
	l->leak_timeout = s->leak_timeout;
	l->leak_fail = s->leak_fail;
	l->output_limit = s->output_limit;
	l->retries = s->retries;
	l->exponential = s->backoff == BACKOFF_EXPONENTIAL;
	l->delay = s->delay;
	l->max_delay = s->max_delay;
	l->jitter = s->jitter;
	l->on_timeout = s->on_timeout.text && s->on_timeout.argv.n ? &s->on_timeout : NULL;
	l->on_timeout_limit = s->on_timeout_limit;
}

/* The job that runs the test granted g. */
static struct job *test_job(struct tests *tp, const struct sched_grant *g)
{
	const struct run_config *cfg = tp->cfg;
	struct test_task *tt = xcalloc(1, sizeof *tt);
	const struct test *t = &tp->list->tests[tp->order[g->item]];
	const struct settings *s = settings_of(tp, t);
	const struct strvec *runner = &cfg->settings->target_runner.argv;
	struct job *job = job_new(&test_kind, tt);
	struct unit_job *u = &job->unit;

	tt->tests = tp;
	tt->test = t;
	tt->grant = *g;
	strvec_pushv(&u->argv, runner->v);
	proto_run_argv(t, &u->argv);
	u->search_path = runner->n > 0 || t->bin->suite->protocol == PROTO_CUSTOM;
	env_for_job(&u->env, env_build(&tp->envs, &t->bin->suite->env, tp->exports,
				       tp->exports ? cfg->nscripts : 0,
				       tp->script_mask ? tp->script_mask[g->item] : 0),
		    cfg->run_id, cfg->profile);
	env_set_number(&u->env, "TESTRIG_TOTAL_ATTEMPTS", (long)s->retries + 1);
	env_set(&u->env, "TESTRIG_BINARY_ID", t->bin->id);
	env_set(&u->env, "TESTRIG_TEST_NAME", t->name);
	/* As Test::Harness (prove) tells TAP scripts they run under a harness. */
	if (t->bin->suite->protocol == PROTO_TAP)
		env_set(&u->env, "HARNESS_ACTIVE", "1");
	env_set_number(&u->env, "TESTRIG_SLOT", g->first_slot);
	if (g->group_slot >= 0)
		env_set_number(&u->env, "TESTRIG_GROUP_SLOT", g->group_slot);
	u->attempt_var = true;
	u->cwd = t->bin->suite->cwd;
	u->capture = cfg->no_capture ? CAPTURE_NONE : s->capture;
	u->capture_stdout = u->capture_stderr = true;
	limits_from(&u->limits, s);
	u->binary_id = t->bin->id;
	u->test_name = t->name;
	proto_judge(t, &u->judge, &u->judge_arg, &u->parser);
	return job;
}

/* ---- the phase ----------------------------------------------------------- */

static struct job *tests_next(void *ctx, struct engine *eng, unsigned capacity,
			      unsigned *wanted)
{
	struct tests *tp = ctx;
	struct sched_grant g;
	struct job *job;

	if (engine_cancelled(eng) || !sched_next(tp->sched, &g, capacity, wanted))
		return NULL;
	tp->counts.started++;
	job = test_job(tp, &g);
	job->slots = g.held;
	return job;
}

static bool tests_over(void *ctx, struct engine *eng)
{
	struct tests *tp = ctx;

	return tp->counts.started >= tp->norder || engine_cancelled(eng);
}

static void tests_progress(void *ctx, struct run_progress *p)
{
	struct tests *tp = ctx;

	p->finished = tp->counts.finished;
	p->scheduled = tp->norder;
	p->failed = tp->counts.failed + tp->counts.exec_failed + tp->counts.timed_out;
}

static const struct phase tests_phase = { tests_next, tests_over, tests_progress };

/* The index in cfg->groups + 1 of the test's group, 0 for none. */
static size_t group_of(const struct run_config *cfg, const struct settings *s)
{
	size_t g;

	if (!s->test_group)
		return 0;
	for (g = 0; g < cfg->ngroups; g++)
		if (strcmp(cfg->groups[g].name, s->test_group) == 0)
			return g + 1;
	die("internal error: unknown test group '%s'", s->test_group);
}

struct tests *tests_new(const struct run_config *cfg, const size_t *order, size_t norder)
{
	struct tests *tp = xcalloc(1, sizeof *tp);
	unsigned *group_max = xcalloc(cfg->ngroups + 1, sizeof *group_max);
	size_t i;

	tp->cfg = cfg;
	tp->list = cfg->list;
	tp->order = order;
	tp->norder = norder;
	for (i = 0; i < cfg->ngroups; i++)
		group_max[i + 1] = cfg->groups[i].max_threads;
	tp->sched = sched_new(cfg->threads, group_max, cfg->ngroups + 1, cfg->settings->max_fail);
	free(group_max);
	for (i = 0; i < norder; i++) {
		const struct settings *s = settings_of(tp, &tp->list->tests[order[i]]);

		sched_add(tp->sched, i, group_of(cfg, s), s->threads_required);
	}
	env_cache_init(&tp->envs, cfg->base_env);
	tp->counts.scheduled = norder;
	tp->counts.skipped = tp->list->ntests - norder;
	return tp;
}

void tests_run(struct tests *tp, struct engine *eng, const struct strvec *exports,
	       const uint64_t *script_mask)
{
	tp->exports = exports;
	tp->script_mask = script_mask;
	engine_run_phase(eng, &tests_phase, tp);
}

void tests_free(struct tests *tp)
{
	if (!tp)
		return;
	sched_free(tp->sched);
	env_cache_free(&tp->envs);
	free(tp);
}

const struct run_counts *tests_counts(const struct tests *tp)
{
	return &tp->counts;
}

bool tests_terminated_running(const struct tests *tp)
{
	return tp->terminated_running;
}

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

#include "testrig/cases.h"
#include "testrig/env.h"
#include "testrig/events.h"
#include "testrig/history.h"
#include "testrig/proto.h"
#include "testrig/sched.h"
#include "testrig/tests.h"
#include "testrig/util.h"

struct bundle;
struct retry;

/*
 * What the scheduler starts: sched items below norder are tests at that
 * order position; the rest are these, a binary's process or a case's retry.
 */
struct item {
	size_t pos;                 /* the order position of its test (a bundle's first) */
	struct bundle *bundle;      /* isolation = binary */
	struct retry *retry;
};

/* A failed case of a binary's process, to be retried alone (its first attempt failed). */
struct retry {
	struct test *test;
	struct attempt *failed;
	int64_t delay;
};

/*
 * isolation = binary: one process of a binary (one of its shards), with
 * the continuations after a timeout or a crash; its cases become tests as
 * they start (SPEC section 3).
 */
struct bundle {
	struct tests *tests;
	struct binary *bin;
	const struct settings *settings;
	struct case_plan plan;
	struct test **entries;      /* the listed cases it runs, or none: not listed */
	bool *entry_seen;
	size_t nentries, next_entry;
	struct test **started;      /* the cases it started, for their later ends */
	size_t nstarted;
	size_t expected;            /* places in counts.scheduled no case has taken yet */
	struct test *cur;           /* the case running now */
	int64_t cur_start;          /* on the process's stopwatch */
	size_t pos;                 /* the order position of its binary's first test */
	struct sched_grant grant;
};

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
	struct item *items;         /* sched items norder + i */
	size_t nitems, items_cap;
	struct bundle **bundles;
	size_t nbundles;
	uint64_t rng;               /* retry jitter for cases */
	size_t binaries;            /* with a selected test (shards = auto) */
};

/* One running test. */
struct test_task {
	struct tests *tests;
	const struct test *test;
	struct retry *retry;        /* a case retried alone, or NULL */
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

/* A test's final result: counted, reported, its history noted, fail-fast applied. */
static void finish_test(struct tests *tp, struct engine *eng, const struct test *t,
			struct attempt *final, struct attempt **retried, unsigned nretried)
{
	const struct settings *s = settings_of(tp, t);
	struct test_outcome o;
	unsigned i;

	memset(&o, 0, sizeof o);
	o.test = t;
	o.retried = retried;
	o.nretried = nretried;
	test_outcome_decide(&o, final, nretried, s->flaky_fail);
	o.max_attempts = s->retries + 1;
	if (tp->cfg->history) {
		o.history_known = true;
		history_after(t->history, &o, &o.history);
	}
	run_counts_add(&tp->counts, &o);
	REPORT(engine_reports(eng), test_finished, &o);
	for (i = 0; i < nretried; i++)
		attempt_free(retried[i]);
	attempt_free(final);
	if (o.outcome != OUT_PASSED && o.outcome != OUT_SKIPPED)
		note_failure(tp, eng);
}

static void test_finished(struct engine *eng, struct job *job, struct attempt *final)
{
	struct test_task *tt = job->task;
	struct tests *tp = tt->tests;

	/* Cancelled while waiting to retry: the last failure stands. */
	if (!final)
		final = tt->retried[--tt->nretried];
	sched_release(tp->sched, &tt->grant);
	finish_test(tp, eng, tt->test, final, tt->retried, tt->nretried);
	free(tt->retried);
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

/*
 * The environment every job of the tests phase starts from: the suite's,
 * the setup scripts' exports for order position pos, and testrig's
 * variables for the binary and the slots granted.
 */
static void job_env(struct tests *tp, struct strvec *env, const struct binary *b,
		    const struct settings *s, size_t pos, const struct sched_grant *g)
{
	const struct run_config *cfg = tp->cfg;

	env_for_job(env, env_build(&tp->envs, &b->suite->env, tp->exports,
				   tp->exports ? cfg->nscripts : 0,
				   tp->script_mask ? tp->script_mask[pos] : 0),
		    cfg->run_id, cfg->profile);
	env_set_number(env, "TESTRIG_TOTAL_ATTEMPTS", (long)s->retries + 1);
	env_set(env, "TESTRIG_BINARY_ID", b->id);
	/* TESTRIG_SLOT: set by the unit, since a job queued ahead learns its slot late. */
	if (g->group_slot >= 0)
		env_set_number(env, "TESTRIG_GROUP_SLOT", g->group_slot);
}

/* A job's slot, as the unit sets TESTRIG_SLOT from it (none yet while queued ahead). */
static void job_slot(struct job *job, const struct sched_grant *g)
{
	job->unit.slot_var = true;
	job->unit.slot = g->first_slot;
}

/* The job that runs test t (granted g; a case's retry when `retry`). */
static struct job *test_job(struct tests *tp, const struct sched_grant *g, const struct test *t,
			    size_t pos, struct retry *retry)
{
	const struct run_config *cfg = tp->cfg;
	struct test_task *tt = xcalloc(1, sizeof *tt);
	const struct settings *s = settings_of(tp, t);
	const struct strvec *runner = &cfg->settings->target_runner.argv;
	struct job *job = job_new(&test_kind, tt);
	struct unit_job *u = &job->unit;

	tt->tests = tp;
	tt->test = t;
	tt->grant = *g;
	tt->retry = retry;
	strvec_pushv(&u->argv, runner->v);
	proto_run_argv(t, &u->argv);
	u->search_path = runner->n > 0 || t->bin->suite->protocol == PROTO_CUSTOM;
	job_env(tp, &u->env, t->bin, s, pos, g);
	env_set(&u->env, "TESTRIG_TEST_NAME", t->name);
	/* As Test::Harness (prove) tells TAP scripts they run under a harness. */
	if (t->bin->suite->protocol == PROTO_TAP)
		env_set(&u->env, "HARNESS_ACTIVE", "1");
	u->attempt_var = true;
	u->cwd = t->bin->suite->cwd;
	u->capture = cfg->no_capture ? CAPTURE_NONE : s->capture;
	u->capture_stdout = u->capture_stderr = true;
	limits_from(&u->limits, s);
	u->binary_id = t->bin->id;
	u->test_name = t->name;
	job_slot(job, g);
	/* Followed at once by a job queued ahead when it ends well (pool.h). */
	u->hand_off = !retry && g->held <= 1 && !cfg->no_capture;
	proto_judge(t, &u->judge, &u->judge_arg, &u->parser);
	if (retry) {
		/* Its first attempt ran in the binary's process: this job starts at the next. */
		tt->retried = xcalloc(1, sizeof *tt->retried);
		tt->retried[tt->nretried++] = retry->failed;
		u->first_attempt = retry->failed->number + 1;
		u->first_delay = retry->delay;
		retry->failed = NULL;
	}
	return job;
}

/* Adds a sched item beyond the tests: a bundle or a retry (for order position pos). */
static void add_item(struct tests *tp, size_t pos, struct bundle *bd, struct retry *r,
		     size_t group, unsigned need)
{
	if (tp->nitems == tp->items_cap) {
		tp->items_cap = tp->items_cap ? tp->items_cap * 2 : 16;
		tp->items = xreallocarray(tp->items, tp->items_cap, sizeof *tp->items);
	}
	tp->items[tp->nitems] = (struct item){ pos, bd, r };
	sched_add(tp->sched, tp->norder + tp->nitems++, group, need, false);
}

/* ---- isolation = binary ---------------------------------------------------- */

/* A case takes one of its bundle's places in the run's count, or adds one. */
static void take_place(struct tests *tp, struct bundle *bd)
{
	if (bd->expected)
		bd->expected--;
	else
		tp->counts.scheduled++;
	tp->counts.started++;
}

/*
 * The bundle's case named `name`: one it started (an end: looked for from
 * the latest), else a listed one (looked for from where the last was found:
 * binaries run their cases in the order they list them), else a new one.
 */
static struct test *case_named(struct tests *tp, struct bundle *bd, const char *name,
			       bool started, bool *fresh)
{
	struct test *t = NULL;
	size_t i, k;

	*fresh = false;
	for (i = bd->nstarted; !started && i-- > 0;)
		if (strcmp(bd->started[i]->name, name) == 0)
			return bd->started[i];
	*fresh = true;
	for (k = 0; k < bd->nentries && !t; k++) {
		i = (bd->next_entry + k) % bd->nentries;
		if (!bd->entry_seen[i] && strcmp(bd->entries[i]->name, name) == 0) {
			bd->entry_seen[i] = true;
			bd->next_entry = i + 1;
			t = bd->entries[i];
		}
	}
	if (!t) {
		t = test_list_add_case(tp->list, bd->bin, name);
		t->settings = bd->settings;
	}
	bd->started = xreallocarray(bd->started, bd->nstarted + 1, sizeof *bd->started);
	bd->started[bd->nstarted++] = t;
	return t;
}

/* A case ended: its result stands, or (failed, with retries left) it is retried alone. */
static void case_ended(struct tests *tp, struct engine *eng, struct bundle *bd, struct test *t,
		       struct attempt *a)
{
	const struct settings *s = settings_of(tp, t);
	struct unit_limits l;
	struct retry *r;

	if (verdict_ok(a->verdict) || a->cancelled || s->retries == 0 || engine_cancelled(eng)) {
		finish_test(tp, eng, t, a, NULL, 0);
		return;
	}
	limits_from(&l, s);
	r = xcalloc(1, sizeof *r);
	r->test = t;
	r->failed = a;
	r->delay = unit_retry_delay(&l, a->number + 1, &tp->rng);
	REPORT(engine_reports(eng), test_retry, t, a, r->delay);
	add_item(tp, bd->pos, NULL, r, bd->grant.group, 1);
}

static void bundle_event(struct engine *eng, struct job *job, struct event *e)
{
	struct bundle *bd = job->task;
	struct tests *tp = bd->tests;
	struct test *t;
	bool fresh;

	switch (e->news) {
	case CASES_ANNOUNCED: {
		size_t now = e->count > bd->nstarted ? e->count - bd->nstarted : 0;

		tp->counts.scheduled = tp->counts.scheduled - bd->expected + now;
		bd->expected = now;
		break;
	}
	case CASE_STARTED:
		t = case_named(tp, bd, e->text, true, &fresh);
		if (fresh)
			take_place(tp, bd);
		bd->cur = t;
		bd->cur_start = e->elapsed;
		REPORT(engine_reports(eng), test_started, t, 1);
		break;
	case CASE_FINISHED:
		t = case_named(tp, bd, e->text, false, &fresh);
		if (fresh) {
			/* an end without a start (it cannot happen with the readers we have) */
			take_place(tp, bd);
			REPORT(engine_reports(eng), test_started, t, 1);
		}
		if (bd->cur == t)
			bd->cur = NULL;
		case_ended(tp, eng, bd, t, e->result);
		e->result = NULL;
		break;
	default:
		break;
	}
}

static void bundle_slow(struct engine *eng, struct job *job, unsigned attempt, int64_t elapsed,
			bool terminating)
{
	struct bundle *bd = job->task;

	(void)attempt;
	/* Between cases the process's own clock runs: its end shows in `(process)`. */
	if (bd->cur)
		REPORT(engine_reports(eng), test_slow, bd->cur, 1, elapsed - bd->cur_start,
		       terminating);
}

/* A test result made here: a listed case its binary never ran, or `(process)`. */
static void report_made(struct tests *tp, struct engine *eng, struct bundle *bd, struct test *t,
			struct attempt *a)
{
	take_place(tp, bd);
	REPORT(engine_reports(eng), test_started, t, 1);
	finish_test(tp, eng, t, a, NULL, 0);
}

static void bundle_finished(struct engine *eng, struct job *job, struct attempt *final)
{
	struct bundle *bd = job->task;
	struct tests *tp = bd->tests;
	size_t i;

	sched_release(tp->sched, &bd->grant);
	bd->cur = NULL;
	if (final && !verdict_ok(final->verdict)) {
		/* It failed outside its cases (a check in main, a crash before any case). */
		struct test *t = test_list_add_case(tp->list, bd->bin, "(process)");

		t->settings = bd->settings;
		final->number = 1;
		report_made(tp, eng, bd, t, final);
	} else {
		if (final)
			REPORT(engine_reports(eng), binary_output, bd->bin, final);
		attempt_free(final);
	}
	for (i = 0; i < bd->nentries && !engine_cancelled(eng); i++) {
		if (!bd->entry_seen[i]) {
			struct attempt *a = attempt_new(1, 0);

			a->verdict = V_FAIL;
			a->message = xasprintf("its binary did not run it (no case of this name in "
					       "its output)");
			bd->entry_seen[i] = true;
			report_made(tp, eng, bd, bd->entries[i], a);
		}
	}
	/* Cases it announced but never started are not run only when the run was cancelled. */
	if (!engine_cancelled(eng)) {
		tp->counts.scheduled -= bd->expected;
		bd->expected = 0;
	}
}

static char *bundle_describe(const struct job *job)
{
	const struct bundle *bd = job->task;

	if (bd->cur) {
		struct buf name = BUF_INIT;

		test_display_name(bd->cur, &name);
		return buf_detach(&name, NULL);
	}
	return xasprintf("%s (between cases)", bd->bin->id);
}

static const struct job_kind bundle_kind = {
	.slow = bundle_slow,
	.finished = bundle_finished,
	.describe = bundle_describe,
	.news = bundle_event,
};

/* The job of a binary's process: cases read from its output, never retried as a whole. */
static struct job *bundle_job(struct tests *tp, struct bundle *bd, const struct sched_grant *g)
{
	const struct run_config *cfg = tp->cfg;
	const struct settings *s = bd->settings;
	struct job *job = job_new(&bundle_kind, bd);
	struct unit_job *u = &job->unit;

	bd->grant = *g;
	job_slot(job, g);
	job_env(tp, &u->env, bd->bin, s, bd->pos, g);
	env_set_number(&u->env, "TESTRIG_ATTEMPT", 1);
	u->search_path = cfg->settings->target_runner.argv.n > 0;
	u->cwd = bd->bin->suite->cwd;
	/*
	 * One stream: what a case printed is what came between its start and
	 * end lines.  Read even with --no-capture: the cases are in it.
	 */
	u->capture = CAPTURE_COMBINED;
	u->capture_stdout = u->capture_stderr = true;
	limits_from(&u->limits, s);
	u->limits.retries = 0;
	u->binary_id = bd->bin->id;
	u->cases = &bd->plan;
	return job;
}

/* The bundles of a binary in isolation = binary: its shards, its listed cases dealt out. */
static void add_bundles(struct tests *tp, const struct test *first, size_t pos,
			const size_t *group_need)
{
	const struct run_config *cfg = tp->cfg;
	struct binary *b = first->bin;
	const struct strvec *runner = &cfg->settings->target_runner.argv;
	unsigned shards = suite_shards(b->suite, cfg->threads, tp->binaries), k;
	size_t i, n = 0;

	/* The binary's selected cases (none: it was not listed). */
	for (i = pos; i < tp->norder; i++)
		n += tp->list->tests[tp->order[i]].bin == b && !tp->list->tests[tp->order[i]].whole;
	if (n && shards > n)
		shards = (unsigned)n;
	if (!shards)
		shards = 1;
	for (k = 0; k < shards; k++) {
		struct bundle *bd = xcalloc(1, sizeof *bd);
		size_t j;

		strvec_init(&bd->plan.prefix);
		strvec_init(&bd->plan.suffix);
		strvec_init(&bd->plan.include);
		bd->tests = tp;
		bd->bin = b;
		bd->pos = pos;
		bd->settings = settings_of(tp, first);
		bd->plan.protocol = b->suite->protocol;
		/* A failure that may be retried does not count before its retries ran. */
		if (!bd->settings->retries)
			bd->plan.stop_after = bd->settings->max_fail;
		strvec_pushv(&bd->plan.prefix, runner->v);
		strvec_push(&bd->plan.prefix, b->path);
		for (j = 0; b->args && j < b->args->n; j++)
			strvec_push(&bd->plan.prefix, b->args->v[j]);
		strvec_pushv(&bd->plan.suffix, b->suite->args.argv.v);
		if (n) {
			/* Listed: testrig deals the cases out itself, the k-th of every `shards`. */
			size_t seen = 0;

			bd->entries = xcalloc(n / shards + 1, sizeof *bd->entries);
			for (i = pos; i < tp->norder; i++) {
				struct test *t = &tp->list->tests[tp->order[i]];

				if (t->bin != b || seen++ % shards != k)
					continue;
				bd->entries[bd->nentries++] = t;
				strvec_push(&bd->plan.include, t->name);
				bd->plan.also_ignored |= t->ignored;
			}
			bd->entry_seen = xcalloc(bd->nentries + 1, sizeof *bd->entry_seen);
			bd->expected = bd->nentries;
		} else {
			bd->plan.shards = shards;
			bd->plan.shard = k;
			/* The binary's one place in the count, until it says how many cases it has. */
			bd->expected = k == 0;
		}
		tp->bundles = xreallocarray(tp->bundles, tp->nbundles + 1, sizeof *tp->bundles);
		tp->bundles[tp->nbundles++] = bd;
		add_item(tp, pos, bd, NULL, group_need[0], (unsigned)group_need[1]);
	}
}

static void bundle_free(struct bundle *bd)
{
	case_plan_free(&bd->plan);
	free(bd->entries);
	free(bd->entry_seen);
	free(bd->started);
	free(bd);
}

/* ---- the phase ----------------------------------------------------------- */

static struct job *tests_next(void *ctx, struct engine *eng, unsigned capacity,
			      unsigned *wanted)
{
	struct tests *tp = ctx;
	struct sched_grant g;
	struct job *job;
	const struct item *it;

	if (engine_cancelled(eng) || !sched_next(tp->sched, &g, capacity, wanted))
		return NULL;
	if (g.item < tp->norder) {
		tp->counts.started++;
		job = test_job(tp, &g, &tp->list->tests[tp->order[g.item]], g.item, NULL);
	} else if ((it = &tp->items[g.item - tp->norder])->bundle) {
		job = bundle_job(tp, it->bundle, &g);
	} else {
		job = test_job(tp, &g, it->retry->test, it->pos, it->retry);
	}
	job->slots = g.held;
	return job;
}

/* A test queued ahead: only plain tests of one slot are (sched_add). */
static struct job *tests_ahead(void *ctx, struct engine *eng)
{
	struct tests *tp = ctx;
	struct sched_grant g;
	struct job *job;

	/*
	 * --no-capture: a test writes to the terminal itself, after the status
	 * lines of the tests before it, which the dispatcher flushes as it
	 * starts it: none starts without it.
	 */
	if (tp->cfg->no_capture || engine_cancelled(eng) || !sched_next_ahead(tp->sched, &g))
		return NULL;
	tp->counts.started++;
	job = test_job(tp, &g, &tp->list->tests[tp->order[g.item]], g.item, NULL);
	job->slots = 1;
	return job;
}

/* The sched grant a job of this phase holds. */
static struct sched_grant *grant_of(struct job *job)
{
	if (job->kind == &bundle_kind)
		return &((struct bundle *)job->task)->grant;
	return &((struct test_task *)job->task)->grant;
}

static void tests_handoff(void *ctx, struct engine *eng, struct job *from, struct job *to)
{
	struct tests *tp = ctx;

	(void)eng;
	sched_handoff(tp->sched, grant_of(from), grant_of(to));
}

static bool tests_claim(void *ctx, struct engine *eng, struct job *job)
{
	struct tests *tp = ctx;
	struct sched_grant *g = grant_of(job);

	(void)eng;
	if (!sched_claim(tp->sched, g))
		return false;
	job_slot(job, g);
	return true;
}

static void tests_unqueue(void *ctx, struct engine *eng, struct job *job)
{
	struct tests *tp = ctx;
	struct test_task *tt = job->task;

	(void)eng;
	sched_unqueue(tp->sched, &tt->grant);
	tp->counts.started--;
	free(tt->retried);
	free(tt);
}

static bool tests_over(void *ctx, struct engine *eng)
{
	struct tests *tp = ctx;

	return sched_waiting(tp->sched) == 0 || engine_cancelled(eng);
}

static void tests_progress(void *ctx, struct run_progress *p)
{
	struct tests *tp = ctx;

	p->finished = tp->counts.finished;
	p->scheduled = tp->counts.scheduled;
	p->failed = tp->counts.failed + tp->counts.exec_failed + tp->counts.timed_out;
}

static const struct phase tests_phase = {
	.next = tests_next,
	.over = tests_over,
	.progress = tests_progress,
	.ahead = tests_ahead,
	.handoff = tests_handoff,
	.claim = tests_claim,
	.unqueue = tests_unqueue,
};

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
	tp->rng = (uint64_t)mono_ns() | 1;
	tp->binaries = test_list_selected_binaries(tp->list);
	{
		/* The scheduler's queues are as long as each group's tests (no doubling). */
		size_t *in_group = xcalloc(cfg->ngroups + 1, sizeof *in_group);

		for (i = 0; i < norder; i++)
			in_group[group_of(cfg, settings_of(tp, &tp->list->tests[order[i]]))]++;
		for (i = 0; i <= cfg->ngroups; i++)
			sched_reserve(tp->sched, i, in_group[i]);
		free(in_group);
	}
	for (i = 0; i < norder; i++) {
		const struct test *t = &tp->list->tests[order[i]];
		const struct settings *s = settings_of(tp, t);
		size_t gn[2] = { group_of(cfg, s), s->threads_required };

		if (t->bin->suite->isolation == ISOLATION_BINARY) {
			/* A binary's processes start where its first selected test stands. */
			size_t j = tp->nbundles;

			if (j && tp->bundles[j - 1]->bin == t->bin)
				continue;
			for (j = 0; j < tp->nbundles && tp->bundles[j]->bin != t->bin; j++)
				;
			if (j == tp->nbundles)
				add_bundles(tp, t, i, gn);
			continue;
		}
		sched_add(tp->sched, i, gn[0], (unsigned)gn[1], true);
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
	size_t i;

	engine_run_phase(eng, &tests_phase, tp);
	/* Cases the run was cancelled before retrying: their failure stands. */
	for (i = 0; i < tp->nitems; i++) {
		struct retry *r = tp->items[i].retry;

		if (r && r->failed) {
			finish_test(tp, eng, r->test, r->failed, NULL, 0);
			r->failed = NULL;
		}
	}
}

void tests_free(struct tests *tp)
{
	if (!tp)
		return;
	size_t i;

	sched_free(tp->sched);
	env_cache_free(&tp->envs);
	for (i = 0; i < tp->nbundles; i++)
		bundle_free(tp->bundles[i]);
	free(tp->bundles);
	for (i = 0; i < tp->nitems; i++) {
		if (tp->items[i].retry) {
			attempt_free(tp->items[i].retry->failed);
			free(tp->items[i].retry);
		}
	}
	free(tp->items);
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

/*
 * dispatch.c - the dispatcher: owns the run state, starts tests on idle
 * workers in list order, consumes the event queue, turns signals into
 * requests to workers, applies fail-fast, and is the only caller of the
 * reporters.  Runs on the main thread; workers never touch anything here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testrig/dispatch.h"
#include "testrig/env.h"
#include "testrig/events.h"
#include "testrig/filter.h"
#include "testrig/parse.h"
#include "testrig/pool.h"
#include "testrig/proto.h"
#include "testrig/sig.h"
#include "testrig/tty.h"
#include "testrig/unit.h"
#include "testrig/util.h"

#define FLUSH_INTERVAL (50 * NS_PER_MS)
#define PROGRESS_INTERVAL (100 * NS_PER_MS)
#define PAUSE_ACK_WAIT (2 * NS_PER_SEC)

/* What the dispatcher knows of one worker. */
struct worker_state {
	struct unit_job *job;       /* NULL: idle */
	enum unit_kind kind;
	size_t test;                /* UNIT_TEST: index in list->tests */
	size_t script;              /* UNIT_SCRIPT: index in cfg->scripts */
	bool teardown;              /* UNIT_SCRIPT: the teardown command */
	size_t listing;             /* UNIT_LIST: index in run->listings */
	unsigned attempt;
	pid_t pid;
	struct attempt **retried;   /* failed attempts so far, owned */
	unsigned nretried;
	unsigned first_slot;        /* TESTRIG_SLOT */
	unsigned held;              /* slots held (threads-required) */
	int group;                  /* index in run->groups */
	int group_slot;             /* TESTRIG_GROUP_SLOT, or -1 */
	bool info_pending;
	bool pause_acked;
};

/* One listing command: a binary, asked for its tests (or ignored tests). */
struct listing {
	struct binary *bin;
	unsigned pass;
	struct attempt *result;     /* owned once finished */
	char *error;                /* why the command could not be made */
};

/*
 * The tests of one test group (group 0 is the tests in no group), in run
 * order, and how many of them run now.
 */
struct group_state {
	const char *name;
	unsigned max;               /* 0: no bound */
	unsigned running;
	size_t *queue;              /* positions in run->order, ascending */
	size_t n, next;
	int *slot_owner;            /* group slots: worker index or -1 */
	unsigned nslots;
};

struct run {
	const struct run_config *cfg;
	struct test_list *list;
	size_t *order, norder;
	unsigned *need;             /* slots each test (by order position) holds */
	struct group_state *groups;
	size_t ngroups;
	struct evq q;
	struct pool *pool;
	struct worker_state *w;
	unsigned nworkers, nbusy;
	int *slot_owner;            /* test slots: worker index or -1 */
	unsigned nslots, free_slots;
	struct env_cache envs;
	char *env_run_id, *env_profile;
	/* setup scripts */
	uint64_t *script_mask;      /* per order position: scripts whose exports apply */
	struct strvec *exports;     /* per script: KEY=VALUE it exported */
	bool *script_started;       /* per script: its command was run */
	char *env_dir;              /* where TESTRIG_ENV files are made, or NULL */
	struct attempt *script_result;  /* the finished script's attempt */
	bool script_done;
	size_t scripts_failed;
	bool setup_failed;
	bool subreaper;             /* orphans of our tests become our children */
	int key_fd;                 /* the terminal, when listening for 't', or -1 */
	bool setup_phase_cancelled; /* a signal came while setup scripts ran */
	struct strvec target_runner;
	struct run_counts counts;
	size_t failures;
	bool cancelled;
	const char *cancel_reason;
	char cancel_detail[160];
	int cancel_signal;
	bool killed;
	bool cancelled_running;     /* running tests were told to stop */
	bool paused;
	int64_t start_mono;
	int64_t stopped_at, stopped_ns;   /* job control: time spent stopped */
	int64_t last_flush;
	int64_t last_progress;
	bool dirty;
	bool report_failed;
	/* info query in flight */
	struct unit_info *info;
	char **info_text;
	unsigned info_waiting;
	/* the listing phase */
	struct listing *listings;
	size_t nlistings, listings_started, listings_done;
	/* process groups that outlived their test */
	pid_t *leftover;
	size_t nleftover;
};

/* ---- reporters ---------------------------------------------------------- */

#define EACH_REPORTER(r, rep) \
	for (size_t ri_ = 0; ri_ < (r)->cfg->nreporters && ((rep) = (r)->cfg->reporters[ri_]); ri_++)

static void flush_reports(struct run *r)
{
	struct reporter *rep;

	EACH_REPORTER(r, rep)
		if (rep->ops->flush && rep->ops->flush(rep))
			r->report_failed = true;
	r->dirty = false;
	r->last_flush = mono_ns();
}

/* Like every test's clock, the run's does not count time spent stopped. */
static int64_t run_elapsed(const struct run *r, int64_t now)
{
	return now - r->start_mono - r->stopped_ns;
}

static void report_message(struct run *r, const char *text)
{
	struct reporter *rep;

	/* The listing phase has no reporters: say it on stderr. */
	if (!r->cfg->nreporters)
		warnx_("%s", text);
	EACH_REPORTER(r, rep)
		if (rep->ops->message)
			rep->ops->message(rep, text);
	r->dirty = true;
}

/* ---- jobs --------------------------------------------------------------- */

static const struct settings *test_settings(const struct run *r, const struct test *t)
{
	return t->settings ? t->settings : r->cfg->settings;
}

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
}

static struct unit_job *test_job(struct run *r, size_t pos, unsigned slot, int group_slot)
{
	const struct test *t = &r->list->tests[r->order[pos]];
	const struct settings *s = test_settings(r, t);
	struct unit_job *job = xcalloc(1, sizeof *job);
	struct strvec argv = STRVEC_INIT;
	char **base = env_build(&r->envs, &t->bin->suite->env, r->exports, r->cfg->nscripts,
				r->script_mask[pos]);
	size_t nbase = 0, n;

	job->kind = UNIT_TEST;
	job->owner = (void *)t;
	struct buf err = BUF_INIT;

	strvec_pushv(&argv, r->target_runner.v);
	if (proto_run_argv(t, &argv, &err))
		die("%s", err.data);    /* the listing made the same command */
	buf_free(&err);
	job->argv = strvec_get(&argv);
	job->search_path = r->target_runner.n > 0 || t->bin->suite->protocol == PROTO_CUSTOM;
	nbase = env_count(base);
	job->envp = xcalloc(nbase + 12, sizeof *job->envp);
	memcpy(job->envp, base, nbase * sizeof *base);
	n = nbase;
	job->envp[n++] = (char *)"TESTRIG=1";
	job->envp[n++] = r->env_run_id;
	job->envp[n++] = r->env_profile;
	strvec_pushf(&job->env_owned, "TESTRIG_TOTAL_ATTEMPTS=%u", s->retries + 1);
	strvec_pushf(&job->env_owned, "TESTRIG_BINARY_ID=%s", t->bin->id);
	strvec_pushf(&job->env_owned, "TESTRIG_TEST_NAME=%s", t->name);
	strvec_pushf(&job->env_owned, "TESTRIG_SLOT=%u", slot);
	if (group_slot >= 0)
		strvec_pushf(&job->env_owned, "TESTRIG_GROUP_SLOT=%d", group_slot);
	for (size_t i = 0; i < job->env_owned.n; i++)
		job->envp[n++] = job->env_owned.v[i];
	job->env_attempt = (int)n;      /* TESTRIG_ATTEMPT goes here, then NULL */
	job->envp[n + 1] = NULL;
	job->cwd = t->bin->suite->cwd;
	job->capture = r->cfg->no_capture ? CAPTURE_NONE : s->capture;
	job->capture_stdout = job->capture_stderr = true;
	limits_from(&job->limits, s);
	proto_judge(t, &job->judge, &job->judge_arg, &job->parser);
	return job;
}

/* ---- scheduling --------------------------------------------------------- */

/* The lowest free slot of `owner` (n slots), now held by worker wi. */
static int take_slot(int *owner, unsigned n, unsigned wi)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (owner[i] < 0) {
			owner[i] = (int)wi;
			return (int)i;
		}
	}
	die("internal error: no free slot");
}

static void release_slots(int *owner, unsigned n, unsigned wi)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (owner[i] == (int)wi)
			owner[i] = -1;
}

/*
 * Starts tests while workers, slots and group bounds allow.  The next test
 * is the earliest one in run order whose group has room; a test that needs
 * more free slots than there are waits, and nothing after it starts first,
 * so tests that need many slots are not starved by small ones.
 */
static void start_tests(struct run *r)
{
	while (!r->cancelled && !r->paused && r->nbusy < r->nworkers) {
		struct group_state *g = NULL;
		struct worker_state *w;
		size_t gi, pos;
		unsigned wi, k;

		for (gi = 0; gi < r->ngroups; gi++) {
			struct group_state *c = &r->groups[gi];

			if (c->next >= c->n || (c->max && c->running >= c->max))
				continue;
			if (!g || c->queue[c->next] < g->queue[g->next])
				g = c;
		}
		if (!g)
			break;
		pos = g->queue[g->next];
		if (r->need[pos] > r->free_slots)
			break;
		g->next++;
		g->running++;
		for (wi = 0; r->w[wi].job; wi++)
			;
		w = &r->w[wi];
		w->kind = UNIT_TEST;
		w->test = r->order[pos];
		w->attempt = 0;
		w->pid = -1;
		w->group = (int)(g - r->groups);
		w->first_slot = (unsigned)take_slot(r->slot_owner, r->nslots, wi);
		for (k = 1; k < r->need[pos]; k++)
			take_slot(r->slot_owner, r->nslots, wi);
		r->free_slots -= r->need[pos];
		w->held = r->need[pos];
		w->group_slot = g->name ? take_slot(g->slot_owner, g->nslots, wi) : -1;
		w->job = test_job(r, pos, w->first_slot, w->group_slot);
		r->nbusy++;
		r->counts.started++;
		pool_submit(r->pool, wi, w->job);
	}
}

/* Sorts the selected tests into their groups' queues; slots each test needs. */
static void plan_groups(struct run *r)
{
	const struct run_config *cfg = r->cfg;
	size_t i, j;

	r->ngroups = cfg->ngroups + 1;
	r->groups = xcalloc(r->ngroups, sizeof *r->groups);
	for (i = 0; i < cfg->ngroups; i++) {
		r->groups[i + 1].name = cfg->groups[i].name;
		r->groups[i + 1].max = cfg->groups[i].max_threads;
	}
	r->need = xcalloc(r->norder + 1, sizeof *r->need);
	for (i = 0; i < r->norder; i++) {
		const struct settings *s = test_settings(r, &r->list->tests[r->order[i]]);
		size_t g = 0;

		r->need[i] = s->threads_required && s->threads_required < r->nslots
			? s->threads_required : r->nslots;
		for (j = 1; s->test_group && j < r->ngroups; j++)
			if (strcmp(r->groups[j].name, s->test_group) == 0)
				g = j;
		if (s->test_group && !g)
			die("internal error: unknown test group '%s'", s->test_group);
		r->groups[g].queue = xreallocarray(r->groups[g].queue, r->groups[g].n + 1,
						   sizeof *r->groups[g].queue);
		r->groups[g].queue[r->groups[g].n++] = i;
	}
	for (i = 0; i < r->ngroups; i++) {
		struct group_state *g = &r->groups[i];

		g->nslots = g->max && g->max < r->nslots ? g->max : r->nslots;
		g->slot_owner = xcalloc(g->nslots, sizeof *g->slot_owner);
		for (j = 0; j < g->nslots; j++)
			g->slot_owner[j] = -1;
	}
}

static void request_busy(struct run *r, unsigned bits, int sig)
{
	unsigned i;

	for (i = 0; i < r->nworkers; i++)
		if (r->w[i].job)
			pool_request(r->pool, i, bits, sig);
}

static void cancel_run(struct run *r, const char *reason, int sig, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void cancel_run(struct run *r, const char *reason, int sig, const char *fmt, ...)
{
	va_list ap;

	if (r->cancelled)
		return;
	r->cancelled = true;
	r->cancel_reason = reason;
	r->cancel_signal = sig;
	va_start(ap, fmt);
	vsnprintf(r->cancel_detail, sizeof r->cancel_detail, fmt, ap);
	va_end(ap);
}

/* ---- events ------------------------------------------------------------- */

static struct worker_state *worker_of(struct run *r, const struct event *e)
{
	return &r->w[e->job->worker];
}

static void finish_info_query(struct run *r);

/*
 * A unit's last event came: its process group is remembered if something
 * outlived it, the worker is free, and it owes no info-query answer.
 */
static void worker_done(struct run *r, struct worker_state *w, const struct attempt *final)
{
	if (final && final->group_left) {
		r->leftover = xreallocarray(r->leftover, r->nleftover + 1, sizeof *r->leftover);
		r->leftover[r->nleftover++] = final->pid;
	}
	unit_job_free(w->job);
	w->job = NULL;
	r->nbusy--;
	if (w->info_pending) {
		w->info_pending = false;
		if (--r->info_waiting == 0)
			finish_info_query(r);
	}
}

static void on_finished(struct run *r, struct event *e)
{
	struct worker_state *w = worker_of(r, e);
	const struct test *t = &r->list->tests[w->test];
	const struct settings *s = test_settings(r, t);
	struct test_outcome o;
	struct attempt *final = e->result;
	struct reporter *rep;
	unsigned i, wi = e->job->worker;
	bool from_retry = final == NULL;

	e->result = NULL;
	if (from_retry) {
		/* Cancelled while waiting to retry: the last failure stands. */
		final = w->retried[--w->nretried];
	}
	memset(&o, 0, sizeof o);
	o.test = t;
	o.final = final;
	o.retried = w->retried;
	o.nretried = w->nretried;
	o.attempts = w->nretried + 1;
	o.duration = final->duration;
	o.flaky = w->nretried > 0 && verdict_ok(final->verdict) && final->verdict != V_SKIP;
	switch (final->verdict) {
	case V_PASS:
	case V_LEAK:
		o.outcome = o.flaky && s->flaky_fail ? OUT_FAILED : OUT_PASSED;
		break;
	case V_SKIP:
		o.outcome = OUT_SKIPPED;
		break;
	case V_EXEC_FAIL:
		o.outcome = OUT_EXEC_FAILED;
		break;
	case V_TIMEOUT:
		o.outcome = OUT_TIMED_OUT;
		break;
	default:
		o.outcome = OUT_FAILED;
	}
	r->counts.finished++;
	switch (o.outcome) {
	case OUT_PASSED:
		r->counts.passed++;
		r->counts.flaky += o.flaky;
		r->counts.leaky += final->verdict == V_LEAK;
		r->counts.slow += final->slow;
		break;
	case OUT_SKIPPED:
		r->counts.skipped++;
		break;
	case OUT_FAILED:
		r->counts.failed++;
		break;
	case OUT_EXEC_FAILED:
		r->counts.exec_failed++;
		break;
	case OUT_TIMED_OUT:
		r->counts.timed_out++;
		break;
	}
	EACH_REPORTER(r, rep)
		rep->ops->test_finished(rep, &o);
	r->dirty = true;
	for (i = 0; i < w->nretried; i++)
		attempt_free(w->retried[i]);
	free(w->retried);
	w->retried = NULL;
	w->nretried = 0;
	release_slots(r->slot_owner, r->nslots, wi);
	r->free_slots += w->held;
	{
		struct group_state *g = &r->groups[w->group];
		g->running--;
		if (g->name)
			release_slots(g->slot_owner, g->nslots, wi);
	}
	/* A retried attempt's leftovers were noted when it was retried. */
	worker_done(r, w, from_retry ? NULL : final);
	attempt_free(final);

	if (o.outcome != OUT_PASSED && o.outcome != OUT_SKIPPED) {
		r->failures++;
		if (s->max_fail && r->failures >= s->max_fail && !r->cancelled) {
			cancel_run(r, "fail-fast", 0, "the run stopped after %s (fail-fast; "
				   "--no-fail-fast runs every test)",
				   s->max_fail == 1 ? "a failure" : "the maximum number of failures");
			if (s->max_fail_immediate && r->nbusy) {
				r->cancelled_running = true;
				request_busy(r, REQ_TERMINATE, SIGTERM);
			}
		}
	}
}

static void on_script_event(struct run *r, struct event *e);
static void on_list_event(struct run *r, struct event *e);

/* Records one worker's answer to an info query (`name` is taken). */
static void info_answer(struct run *r, struct event *e, char *name)
{
	unsigned wi = e->job->worker;

	r->info[wi].name = name;
	r->info[wi].state = e->state;
	r->info[wi].pid = e->pid;
	r->info[wi].attempt = e->attempt;
	r->info[wi].elapsed = e->elapsed;
	r->info_text[wi] = e->text;
	r->info[wi].output_tail = e->text ? e->text : "";
	e->text = NULL;
	r->w[wi].info_pending = false;
	if (--r->info_waiting == 0)
		finish_info_query(r);
}

static void on_event(struct run *r, struct event *e)
{
	struct worker_state *w = worker_of(r, e);
	const struct test *t;
	struct reporter *rep;

	if (e->type == EV_PAUSED) {
		w->pause_acked = true;
		return;
	}
	if (w->kind == UNIT_SCRIPT) {
		on_script_event(r, e);
		return;
	}
	if (w->kind == UNIT_LIST) {
		on_list_event(r, e);
		return;
	}
	t = &r->list->tests[w->test];
	switch (e->type) {
	case EV_STARTED:
		w->attempt = e->attempt;
		w->pid = e->pid;
		EACH_REPORTER(r, rep)
			if (rep->ops->test_started)
				rep->ops->test_started(rep, t, e->attempt);
		break;
	case EV_SLOW:
		EACH_REPORTER(r, rep)
			if (rep->ops->test_slow)
				rep->ops->test_slow(rep, t, e->attempt, e->elapsed, e->terminating);
		r->dirty = true;
		break;
	case EV_RETRY:
		w->retried = xreallocarray(w->retried, w->nretried + 1, sizeof *w->retried);
		w->retried[w->nretried++] = e->result;
		if (e->result->group_left) {
			r->leftover = xreallocarray(r->leftover, r->nleftover + 1,
						    sizeof *r->leftover);
			r->leftover[r->nleftover++] = e->result->pid;
		}
		e->result = NULL;
		w->pid = -1;
		EACH_REPORTER(r, rep)
			if (rep->ops->test_retry)
				rep->ops->test_retry(rep, t, w->retried[w->nretried - 1], e->delay);
		r->dirty = true;
		break;
	case EV_FINISHED:
		on_finished(r, e);
		break;
	case EV_INFO: {
		struct buf name = BUF_INIT;

		if (!w->info_pending)
			break;
		test_display_name(t, &name);
		info_answer(r, e, buf_detach(&name, NULL));
		break;
	}
	case EV_PAUSED:
		break;
	}
}


/* ---- setup scripts and teardowns ---------------------------------------- */

static struct unit_job *script_job(struct run *r, size_t si, bool teardown,
				   const char *env_file)
{
	const struct run_script *sc = &r->cfg->scripts[si];
	struct unit_job *job = xcalloc(1, sizeof *job);
	struct strvec argv = STRVEC_INIT;
	char **base = teardown
		? env_build(&r->envs, NULL, r->exports, r->cfg->nscripts, UINT64_C(1) << si)
		: r->cfg->base_env;
	size_t n = env_count(base);

	job->kind = UNIT_SCRIPT;
	job->owner = (void *)sc;
	strvec_pushv(&argv, teardown ? sc->teardown_argv : sc->argv);
	job->argv = strvec_get(&argv);
	job->search_path = true;
	job->envp = xcalloc(n + 6, sizeof *job->envp);
	memcpy(job->envp, base, n * sizeof *base);
	job->envp[n++] = (char *)"TESTRIG=1";
	job->envp[n++] = r->env_run_id;
	job->envp[n++] = r->env_profile;
	if (env_file) {
		strvec_pushf(&job->env_owned, "TESTRIG_ENV=%s", env_file);
		job->envp[n++] = job->env_owned.v[0];
	}
	job->envp[n] = NULL;
	job->env_attempt = -1;
	job->cwd = r->cfg->root;
	job->capture = CAPTURE_SPLIT;
	job->capture_stdout = sc->capture_stdout;
	job->capture_stderr = sc->capture_stderr;
	job->limits = sc->limits;
	job->limits.retries = 0;
	return job;
}

static void pump(struct run *r);

/* Runs one script (or teardown) on worker 0 and waits for it, signals and all. */
static struct attempt *run_script_unit(struct run *r, size_t si, bool teardown,
				       const char *env_file)
{
	const struct run_script *sc = &r->cfg->scripts[si];
	struct worker_state *w = &r->w[0];
	struct reporter *rep;
	struct attempt *a;

	w->kind = UNIT_SCRIPT;
	w->script = si;
	w->teardown = teardown;
	w->attempt = 0;
	w->pid = -1;
	w->job = script_job(r, si, teardown, env_file);
	r->nbusy++;
	r->script_done = false;
	EACH_REPORTER(r, rep)
		if (rep->ops->script_started)
			rep->ops->script_started(rep, sc->name,
						 teardown ? sc->teardown_command : sc->command,
						 teardown);
	r->dirty = true;
	pool_submit(r->pool, 0, w->job);
	while (!r->script_done)
		pump(r);
	a = r->script_result;
	r->script_result = NULL;
	return a;
}

static void on_script_event(struct run *r, struct event *e)
{
	struct worker_state *w = worker_of(r, e);
	const struct run_script *sc = &r->cfg->scripts[w->script];
	struct reporter *rep;

	switch (e->type) {
	case EV_STARTED:
		w->attempt = e->attempt;
		w->pid = e->pid;
		break;
	case EV_SLOW:
		EACH_REPORTER(r, rep)
			if (rep->ops->script_slow)
				rep->ops->script_slow(rep, sc->name, w->teardown, e->elapsed,
						      e->terminating);
		r->dirty = true;
		break;
	case EV_FINISHED:
		r->script_result = e->result;
		e->result = NULL;
		r->script_done = true;
		worker_done(r, w, r->script_result);
		break;
	case EV_INFO:
		if (w->info_pending)
			info_answer(r, e, xasprintf("%s %s", w->teardown ? "teardown" : "setup script",
						    sc->name));
		break;
	case EV_RETRY:
	case EV_PAUSED:
		break;
	}
}

/* Whether a selected test matches the script's filter. */
static bool script_applies(const struct run *r, const struct run_script *sc, size_t pos)
{
	const struct test *t = &r->list->tests[r->order[pos]];
	struct filter_subject subj;

	if (!sc->filter)
		return true;
	subj.test_name = t->name;
	subj.binary_id = t->bin->id;
	subj.suite = t->bin->suite->name;
	subj.ignored = t->ignored;
	return filter_match(sc->filter, &subj);
}

static bool make_env_dir(struct run *r)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl;

	if (r->env_dir)
		return true;
	tmpl = xasprintf("%s/testrig-%.8s-XXXXXX", tmp && *tmp ? tmp : "/tmp", r->cfg->run_id);
	if (!mkdtemp(tmpl)) {
		char msg[256];
		snprintf(msg, sizeof msg, "cannot create a directory for TESTRIG_ENV files "
			 "(%s): %s", tmpl, strerror(errno));
		report_message(r, msg);
		free(tmpl);
		return false;
	}
	r->env_dir = tmpl;
	return true;
}

/* Runs the applicable setup scripts in order; stops at the first failure. */
static void run_setup(struct run *r)
{
	size_t si, pos;

	for (si = 0; si < r->cfg->nscripts && !r->cancelled; si++) {
		const struct run_script *sc = &r->cfg->scripts[si];
		struct script_outcome o;
		struct reporter *rep;
		struct attempt *a;
		struct buf err = BUF_INIT, data = BUF_INIT;
		char *env_file;
		int fd;

		for (pos = 0; pos < r->norder; pos++)
			if (script_applies(r, sc, pos))
				break;
		if (pos == r->norder)
			continue;
		memset(&o, 0, sizeof o);
		o.name = sc->name;
		o.command = sc->command;
		env_file = make_env_dir(r) ? xasprintf("%s/%zu-%s.env", r->env_dir, si, sc->name)
			: NULL;
		fd = env_file ? open(env_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
		if (fd < 0) {
			if (env_file)
				buf_printf(&err, "cannot create %s: %s", env_file, strerror(errno));
			else
				buf_adds(&err, "no directory for its TESTRIG_ENV file");
			o.error = err.data;
			a = NULL;
		} else {
			close(fd);
			r->script_started[si] = true;
			a = run_script_unit(r, si, false, env_file);
			o.attempt = a;
			o.ok = a->verdict == V_PASS || a->verdict == V_LEAK;
			if (o.ok) {
				if (read_file(env_file, &data)) {
					buf_printf(&err, "cannot read its TESTRIG_ENV file %s: %s",
						   env_file, strerror(errno));
					o.ok = false;
				} else if (env_parse_exports(data.data ? data.data : "", data.len,
							     &r->exports[si], &err)) {
					char *m = xasprintf("its TESTRIG_ENV file, %s", err.data);
					buf_reset(&err);
					buf_adds(&err, m);
					free(m);
					o.ok = false;
				}
				if (!o.ok)
					o.error = err.data;
			}
		}
		EACH_REPORTER(r, rep)
			if (rep->ops->script_finished)
				rep->ops->script_finished(rep, &o);
		r->dirty = true;
		if (!o.ok) {
			r->setup_failed = true;
			r->scripts_failed++;
			cancel_run(r, "setup-script", 0, "setup script '%s' failed", sc->name);
		}
		attempt_free(a);
		buf_free(&err);
		buf_free(&data);
		free(env_file);
	}
	/* Which scripts' exports each test gets. */
	for (pos = 0; pos < r->norder; pos++)
		for (si = 0; si < r->cfg->nscripts; si++)
			if (r->exports[si].n && script_applies(r, &r->cfg->scripts[si], pos))
				r->script_mask[pos] |= UINT64_C(1) << si;
}

/* Runs the teardowns of the scripts that ran, last first, whatever happened. */
static void run_teardowns(struct run *r)
{
	size_t si;

	for (si = r->cfg->nscripts; si-- > 0;) {
		const struct run_script *sc = &r->cfg->scripts[si];
		struct script_outcome o;
		struct reporter *rep;
		struct attempt *a;

		if (!r->script_started[si] || !sc->teardown_argv)
			continue;
		if (r->killed)
			break;      /* a second signal: nothing more runs */
		a = run_script_unit(r, si, true, NULL);
		memset(&o, 0, sizeof o);
		o.name = sc->name;
		o.command = sc->teardown_command;
		o.teardown = true;
		o.attempt = a;
		o.ok = a->verdict == V_PASS || a->verdict == V_LEAK;
		EACH_REPORTER(r, rep)
			if (rep->ops->script_finished)
				rep->ops->script_finished(rep, &o);
		r->dirty = true;
		if (!o.ok)
			r->scripts_failed++;
		attempt_free(a);
	}
}

static void remove_env_dir(struct run *r)
{
	size_t si;

	if (!r->env_dir)
		return;
	for (si = 0; si < r->cfg->nscripts; si++) {
		char *f = xasprintf("%s/%zu-%s.env", r->env_dir, si, r->cfg->scripts[si].name);
		unlink(f);
		free(f);
	}
	if (rmdir(r->env_dir))
		warnx_("cannot remove %s: %s", r->env_dir, strerror(errno));
	free(r->env_dir);
}

/* ---- info queries -------------------------------------------------------- */

static void start_info_query(struct run *r)
{
	unsigned i;

	if (r->info_waiting)
		return;
	for (i = 0; i < r->nworkers; i++) {
		if (!r->w[i].job)
			continue;
		r->w[i].info_pending = true;
		r->info_waiting++;
		pool_request(r->pool, i, REQ_INFO, 0);
	}
	if (!r->info_waiting)
		finish_info_query(r);
}

static void finish_info_query(struct run *r)
{
	struct unit_info *list = xcalloc(r->nworkers + 1, sizeof *list);
	struct reporter *rep;
	size_t n = 0;
	unsigned i;

	for (i = 0; i < r->nworkers; i++) {
		if (r->info[i].name)
			list[n++] = r->info[i];
	}
	EACH_REPORTER(r, rep)
		if (rep->ops->info)
			rep->ops->info(rep, list, n);
	for (i = 0; i < r->nworkers; i++) {
		free((char *)r->info[i].name);
		free(r->info_text[i]);
		r->info_text[i] = NULL;
		memset(&r->info[i], 0, sizeof r->info[i]);
	}
	free(list);
	r->dirty = true;
}

/* ---- signals and job control ------------------------------------------ */

static void pause_run(struct run *r)
{
	int64_t now = mono_ns(), deadline = now + PAUSE_ACK_WAIT;
	unsigned i, waiting = 0;

	r->paused = true;
	r->stopped_at = now;
	flush_reports(r);
	for (i = 0; i < r->nworkers; i++) {
		r->w[i].pause_acked = false;
		pool_pause(r->pool, i, true, now);
		if (r->w[i].job)
			waiting++;
	}
	/* Stop only once every busy worker has stopped its process group. */
	while (waiting) {
		struct event *e;
		struct pollfd pf;

		while ((e = evq_try_pop(&r->q))) {
			bool ack = e->type == EV_PAUSED;
			on_event(r, e);
			event_free(e);
			if (ack)
				waiting--;
		}
		waiting = 0;
		for (i = 0; i < r->nworkers; i++)
			if (r->w[i].job && !r->w[i].pause_acked)
				waiting++;
		if (!waiting || mono_ns() >= deadline)
			break;
		if (!evq_prepare_sleep(&r->q))
			continue;
		pf.fd = evq_fd(&r->q);
		pf.events = POLLIN;
		(void)poll(&pf, 1, poll_timeout_ms(deadline - mono_ns()));
		evq_drain_fd(&r->q);
	}
	flush_reports(r);
	tty_keys_suspend();
	raise(SIGSTOP);
}

static void resume_run(struct run *r)
{
	int64_t now = mono_ns();
	unsigned i;

	if (!r->paused)
		return;
	r->paused = false;
	r->stopped_ns += now - r->stopped_at;
	tty_keys_resume();
	for (i = 0; i < r->nworkers; i++)
		pool_pause(r->pool, i, false, now);
}

static const char *signal_name(int sig, char buf[16])
{
	const char *a = sigabbrev_np(sig);

	snprintf(buf, 16, "SIG%s", a ? a : "?");
	return buf;
}

static void on_signal(struct run *r, int sig)
{
	switch (sig) {
	case SIGINT:
	case SIGTERM:
	case SIGHUP:
		if (!r->cancel_signal) {
			char name[16];

			r->cancelled = false;    /* a signal outranks fail-fast as the reason */
			cancel_run(r, "signal", sig, "the run was interrupted by %s",
				   signal_name(sig, name));
			request_busy(r, REQ_TERMINATE, sig);
		} else if (!r->killed) {
			r->killed = true;
			request_busy(r, REQ_KILL, 0);
		}
		if (r->paused)
			resume_run(r);
		break;
	case SIGTSTP:
		pause_run(r);
		break;
	case SIGCONT:
		resume_run(r);
		break;
	case SIGUSR1:
		start_info_query(r);
		break;
	case SIGCHLD:
		request_busy(r, REQ_REAP, 0);
		break;
	default:
		break;
	}
}

/* ---- the end ------------------------------------------------------------ */

/* Reaps our zombies in process group pg; true while the group has members. */
static bool group_alive(pid_t pg)
{
	while (waitpid(-pg, NULL, WNOHANG) > 0)
		;
	return kill(-pg, 0) == 0;
}

static size_t count_alive(struct run *r)
{
	size_t i, alive = 0;

	for (i = 0; i < r->nleftover; i++) {
		if (r->leftover[i] && group_alive(r->leftover[i]))
			alive++;
		else
			r->leftover[i] = 0;
	}
	return alive;
}

static void signal_leftovers(struct run *r, int sig)
{
	size_t i;

	for (i = 0; i < r->nleftover; i++) {
		if (r->leftover[i]) {
			kill(-r->leftover[i], sig);
			if (sig != SIGKILL)
				kill(-r->leftover[i], SIGCONT);
		}
	}
}

/*
 * Kills what outlived its test in the test's process group: SIGTERM, the
 * grace period, SIGKILL.  As the subreaper those processes are our children,
 * so SIGCHLD says when one exits; without it we look every 50ms.  Signals
 * are still heard meanwhile: a first SIGINT, SIGTERM or SIGHUP cancels the
 * run as usual (and is forwarded), a second one, or one after the run was
 * already killed, sends SIGKILL at once.
 */
static void kill_leftovers(struct run *r)
{
	int64_t grace = r->cfg->settings->grace_period, deadline;
	size_t i, alive = count_alive(r), first = alive;
	struct buf msg = BUF_INIT;
	bool termed = !r->killed && grace > 0, kill_now = !termed;

	if (!alive)
		return;
	buf_printf(&msg, "%zu process group%s outlived %s test or script: sent ", first,
		   first == 1 ? "" : "s", first == 1 ? "its" : "their");
	if (termed) {
		signal_leftovers(r, SIGTERM);
		buf_adds(&msg, "SIGTERM");
	}
	deadline = mono_ns() + grace;
	while (!kill_now) {
		int64_t left = deadline - mono_ns();
		int sig;

		if (!(alive = count_alive(r)) || left <= 0)
			break;
		sig = sig_wait_end(r->subreaper || left < 50 * NS_PER_MS ? left : 50 * NS_PER_MS);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			bool second = r->cancel_signal != 0;

			on_signal(r, sig);
			if (second)
				kill_now = true;
			else
				signal_leftovers(r, sig);
		}
	}
	if (kill_now)
		alive = count_alive(r);
	if (alive) {
		signal_leftovers(r, SIGKILL);
		if (!termed)
			buf_adds(&msg, "SIGKILL");
		else if (kill_now)
			buf_printf(&msg, ", then SIGKILL to %zu at once (a second signal)", alive);
		else
			buf_printf(&msg, ", then SIGKILL to %zu after the grace period", alive);
		for (i = 0; i < r->nleftover; i++)
			while (r->leftover[i] && waitpid(-r->leftover[i], NULL, 0) > 0)
				;
	}
	report_message(r, msg.data);
	buf_free(&msg);
}

/*
 * Any child of ours still alive now left its test's process group (setsid,
 * setpgid): as the subreaper we adopted it.  Report it by name, kill it.
 */
static void kill_escapees(struct run *r)
{
	unsigned round;

	/*
	 * Killing one may orphan its own children (in its new session), which
	 * then become ours: look again until none is left (bounded, in case
	 * something keeps forking).
	 */
	for (round = 0; round < 64; round++) {
		struct strvec found = STRVEC_INIT;
		pid_t *pids;
		size_t i, n;

		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		n = spawn_find_children(&pids, &found);
		for (i = 0; i < n; i++) {
			char *m = xasprintf("process %d (%s) left its test's process group and "
					    "outlived it: killed", (int)pids[i], found.v[i]);
			/* With its own group (setsid, setpgid), if it leads one. */
			if (getpgid(pids[i]) == pids[i])
				kill(-pids[i], SIGKILL);
			kill(pids[i], SIGKILL);
			report_message(r, m);
			free(m);
		}
		for (i = 0; i < n; i++)
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
		free(pids);
		strvec_free(&found);
		if (!n) {
			/*
			 * None alive: done once no child is left at all.  One that
			 * is still dying (or became our zombie after the scan) is
			 * waited for, so that none outlives testrig as a zombie.
			 */
			pid_t w = waitpid(-1, NULL, WNOHANG);

			if (w < 0 && errno == ECHILD)
				break;
			if (w == 0)
				(void)sig_wait_end(10 * NS_PER_MS);
		}
	}
}

/* After a phase's last worker: leftovers in the tests' groups, then escapees. */
static void kill_what_is_left(struct run *r)
{
	kill_leftovers(r);
	if (r->subreaper)
		kill_escapees(r);
}

static int exit_code(const struct run *r, const struct run_summary *s)
{
	const struct run_counts *c = &r->counts;

	if (r->setup_failed || r->scripts_failed ||
	    (r->cancel_signal && r->setup_phase_cancelled))
		return 105;
	if (c->failed || c->exec_failed || c->timed_out || s->cancelled)
		return 100;
	if (r->report_failed)
		return 110;
	return 0;
}

/* ---- the loop ----------------------------------------------------------- */

static bool wants_progress(const struct run *r)
{
	struct reporter *rep;

	EACH_REPORTER(r, rep)
		if (rep->ops->progress)
			return true;
	return false;
}

static void progress(struct run *r, int64_t now)
{
	struct run_progress p;
	struct reporter *rep;

	p.elapsed = run_elapsed(r, now);
	p.finished = r->counts.finished;
	p.scheduled = r->norder;
	p.running = r->nbusy;
	p.failed = r->counts.failed + r->counts.exec_failed + r->counts.timed_out;
	EACH_REPORTER(r, rep)
		if (rep->ops->progress)
			rep->ops->progress(rep, &p);
	r->last_progress = now;
}

static void wait_for_something(struct run *r)
{
	struct pollfd pf[3];
	int64_t now = mono_ns(), deadline = INT64_MAX;
	int n, np = 2;

	if (r->dirty)
		deadline = r->last_flush + FLUSH_INTERVAL;
	if (wants_progress(r) && r->nbusy)
		deadline = deadline < r->last_progress + PROGRESS_INTERVAL ? deadline
			: r->last_progress + PROGRESS_INTERVAL;
	if (deadline <= now) {
		if (r->dirty && now >= r->last_flush + FLUSH_INTERVAL)
			flush_reports(r);
		if (wants_progress(r) && r->nbusy && now >= r->last_progress + PROGRESS_INTERVAL)
			progress(r, now);
		return;
	}
	if (!evq_prepare_sleep(&r->q))
		return;
	pf[0].fd = evq_fd(&r->q);
	pf[0].events = POLLIN;
	pf[1].fd = sig_fd();
	pf[1].events = POLLIN;
	if (r->key_fd >= 0) {
		pf[2].fd = r->key_fd;
		pf[2].events = POLLIN;
		pf[2].revents = 0;
		np = 3;
	}
	n = poll(pf, (nfds_t)np, deadline == INT64_MAX ? -1 : poll_timeout_ms(deadline - now));
	if (n < 0 && errno != EINTR)
		die_errno("poll");
	evq_drain_fd(&r->q);
	if (n > 0 && pf[1].revents) {
		int sig;
		while ((sig = sig_next()))
			on_signal(r, sig);
	}
	if (n > 0 && np == 3 && pf[2].revents) {
		int key;

		if (pf[2].revents & (POLLHUP | POLLERR | POLLNVAL))
			r->key_fd = -1;
		while ((key = tty_keys_read()) >= 0)
			if (key == 't')
				start_info_query(r);
	}
}

/* Handles what has happened, or waits for something to happen. */
static void pump(struct run *r)
{
	struct event *e;
	bool any = false;

	while ((e = evq_try_pop(&r->q))) {
		on_event(r, e);
		event_free(e);
		any = true;
	}
	if (!any)
		wait_for_something(r);
}

static void run_tests_phase(struct run *r)
{
	for (;;) {
		start_tests(r);
		if (!r->nbusy && (r->counts.started >= r->norder || r->cancelled))
			break;
		pump(r);
	}
}

/* ---- the listing phase --------------------------------------------------- */

#define LISTING_OUTPUT_LIMIT (UINT64_C(1) << 30)

static void on_list_event(struct run *r, struct event *e)
{
	struct worker_state *w = worker_of(r, e);
	struct listing *ls = &r->listings[w->listing];

	switch (e->type) {
	case EV_STARTED:
		w->attempt = e->attempt;
		w->pid = e->pid;
		break;
	case EV_FINISHED:
		ls->result = e->result;
		e->result = NULL;
		r->listings_done++;
		worker_done(r, w, ls->result);
		break;
	case EV_INFO:
		if (w->info_pending)
			info_answer(r, e, xasprintf("listing %s", ls->bin->id));
		break;
	case EV_SLOW:
	case EV_RETRY:
	case EV_PAUSED:
		break;
	}
}

static struct unit_job *list_job(struct run *r, struct listing *ls)
{
	struct unit_job *job = xcalloc(1, sizeof *job);
	struct strvec argv = STRVEC_INIT;
	struct buf err = BUF_INIT;
	char **base = env_build(&r->envs, &ls->bin->suite->env, NULL, 0, 0);
	size_t n = env_count(base);

	strvec_pushv(&argv, r->target_runner.v);
	if (proto_list_argv(ls->bin, ls->pass, &argv, &err)) {
		ls->error = buf_detach(&err, NULL);
		strvec_free(&argv);
		free(job);
		return NULL;
	}
	buf_free(&err);
	job->kind = UNIT_LIST;
	job->argv = strvec_get(&argv);
	job->search_path = r->target_runner.n > 0 || ls->bin->suite->protocol == PROTO_CUSTOM;
	job->envp = xcalloc(n + 4, sizeof *job->envp);
	memcpy(job->envp, base, n * sizeof *base);
	job->envp[n++] = (char *)"TESTRIG=1";
	job->envp[n++] = r->env_run_id;
	job->envp[n++] = r->env_profile;
	job->envp[n] = NULL;
	job->env_attempt = -1;
	job->cwd = ls->bin->suite->cwd;
	job->capture = CAPTURE_SPLIT;
	job->capture_stdout = job->capture_stderr = true;
	limits_from(&job->limits, r->cfg->settings);
	job->limits.retries = 0;
	job->limits.output_limit = LISTING_OUTPUT_LIMIT;
	return job;
}

static void start_listings(struct run *r)
{
	while (!r->cancelled && r->nbusy < r->nworkers && r->listings_started < r->nlistings) {
		struct listing *ls = &r->listings[r->listings_started++];
		struct unit_job *job = list_job(r, ls);
		unsigned wi;

		if (!job) {
			r->listings_done++;
			continue;
		}
		for (wi = 0; r->w[wi].job; wi++)
			;
		r->w[wi].kind = UNIT_LIST;
		r->w[wi].listing = (size_t)(ls - r->listings);
		r->w[wi].pid = -1;
		r->w[wi].job = job;
		r->nbusy++;
		pool_submit(r->pool, wi, job);
	}
}

/* Explains why a listing failed, with its output, into err. */
static void listing_failure(const struct listing *ls, const char *why, struct buf *err)
{
	const struct attempt *a = ls->result;
	char sig[16];

	buf_printf(err, "listing the tests of %s failed: ", ls->bin->id);
	if (why)
		buf_adds(err, why);
	else if (a->verdict == V_EXEC_FAIL)
		buf_adds(err, a->message);
	else if (a->verdict == V_TIMEOUT)
		buf_adds(err, "timed out");
	else if (a->signo)
		buf_printf(err, "killed by %s", verdict_label(a, sig));
	else
		buf_printf(err, "exit status %d", a->exit_code);
	buf_addc(err, '\n');
	if (a && a->out.head.len) {
		buf_adds(err, "--- STDOUT ---\n");
		buf_add(err, a->out.head.data, a->out.head.len > 8192 ? 8192 : a->out.head.len);
		if (err->data[err->len - 1] != '\n')
			buf_addc(err, '\n');
	}
	if (a && a->err.head.len) {
		buf_adds(err, "--- STDERR ---\n");
		buf_add(err, a->err.head.data, a->err.head.len > 8192 ? 8192 : a->err.head.len);
		if (err->data[err->len - 1] != '\n')
			buf_addc(err, '\n');
	}
}

int dispatch_list(const struct list_config *lc, struct buf *err)
{
	struct run_config cfg;
	struct run run, *r = &run;
	struct test_list *l = lc->list;
	const char *why;
	size_t i, bi;
	int code = 0;

	memset(&cfg, 0, sizeof cfg);
	cfg.list = l;
	cfg.settings = lc->settings;
	cfg.threads = lc->threads;
	cfg.base_env = lc->base_env;
	cfg.run_id = lc->run_id;
	cfg.profile = lc->profile;
	memset(r, 0, sizeof *r);
	r->cfg = &cfg;
	r->list = l;
	for (bi = 0; bi < l->nbins; bi++)
		r->nlistings += proto_listings(l->bins[bi]->suite->protocol);
	/* exec and tap binaries are their own one test: nothing to run */
	if (r->nlistings) {
		r->listings = xcalloc(r->nlistings, sizeof *r->listings);
		for (bi = 0, i = 0; bi < l->nbins; bi++) {
			unsigned p;
			for (p = 0; p < proto_listings(l->bins[bi]->suite->protocol); p++) {
				r->listings[i].bin = l->bins[bi];
				r->listings[i].pass = p;
				i++;
			}
		}
		r->nworkers = cfg.threads;
		r->w = xcalloc(r->nworkers, sizeof *r->w);
		r->info = xcalloc(r->nworkers, sizeof *r->info);
		r->info_text = xcalloc(r->nworkers, sizeof *r->info_text);
		env_cache_init(&r->envs, cfg.base_env);
		r->env_run_id = xasprintf("TESTRIG_RUN_ID=%s", cfg.run_id);
		r->env_profile = xasprintf("TESTRIG_PROFILE=%s", cfg.profile);
		if (lc->settings->target_runner &&
		    split_words(lc->settings->target_runner, &r->target_runner, &why))
			die("target-runner: %s", why);
		if (evq_init(&r->q))
			die_errno("cannot create the event queue");
		r->subreaper = spawn_become_subreaper();
		r->key_fd = -1;
		r->pool = pool_create(r->nworkers, &r->q);
		sig_listen();
		r->start_mono = r->last_flush = r->last_progress = mono_ns();
		for (;;) {
			start_listings(r);
			if (!r->nbusy && (r->listings_done >= r->nlistings || r->cancelled))
				break;
			pump(r);
		}
		pool_destroy(r->pool);
		kill_what_is_left(r);
		evq_destroy(&r->q);
	}
	if (r->cancel_signal) {
		char name[16];
		buf_printf(err, "interrupted by %s while listing tests\n",
			   signal_name(r->cancel_signal, name));
		code = 100;
	}
	/* Tests in binary order, each binary's in the order it listed them. */
	for (bi = 0, i = 0; !code && bi < l->nbins; bi++) {
		struct binary *b = l->bins[bi];
		unsigned p, np = proto_listings(b->suite->protocol);

		b->first = l->ntests;
		b->count = 0;
		if (np == 0) {
			const char *slash = strrchr(b->path, '/');
			test_list_add_test(l, b, slash ? slash + 1 : b->path, false);
			continue;
		}
		for (p = 0; p < np; p++, i++) {
			struct listing *ls = &r->listings[i];
			struct buf perr = BUF_INIT;

			if (ls->error) {
				buf_printf(err, "listing the tests of %s failed: %s\n", b->id, ls->error);
				code = 104;
			} else if (ls->result->verdict != V_PASS && ls->result->verdict != V_LEAK) {
				listing_failure(ls, NULL, err);
				code = 104;
			} else if (capture_dropped(&ls->result->out)) {
				listing_failure(ls, "its listing is larger than 1 GiB", err);
				code = 104;
			} else if (proto_parse_list(l, b, p, ls->result->out.head.data
						    ? ls->result->out.head.data : "",
						    ls->result->out.head.len, &perr)) {
				char *m = xasprintf("its output is not a %s listing (%s)",
						    protocol_name(b->suite->protocol), perr.data);
				listing_failure(ls, m, err);
				free(m);
				code = 104;
			}
			buf_free(&perr);
			if (code)
				break;
		}
	}
	for (i = 0; i < r->nlistings; i++) {
		attempt_free(r->listings[i].result);
		free(r->listings[i].error);
	}
	free(r->listings);
	if (r->nlistings) {
		env_cache_free(&r->envs);
		strvec_free(&r->target_runner);
		free(r->env_run_id);
		free(r->env_profile);
		free(r->w);
		free(r->info);
		free(r->info_text);
		free(r->leftover);
	}
	return code;
}


int dispatch_run(const struct run_config *cfg)
{
	struct run run, *r = &run;
	struct run_info info;
	struct run_summary sum;
	struct reporter *rep;
	const char *err;
	size_t i;
	int code;

	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	r->list = cfg->list;
	r->order = xcalloc(r->list->ntests + 1, sizeof *r->order);
	for (i = 0; i < r->list->ntests; i++)
		if (r->list->tests[i].selected)
			r->order[r->norder++] = i;
	r->counts.scheduled = r->norder;
	r->counts.skipped = r->list->ntests - r->norder;
	r->nworkers = r->nslots = r->free_slots = cfg->threads;
	r->w = xcalloc(r->nworkers, sizeof *r->w);
	r->slot_owner = xcalloc(r->nslots, sizeof *r->slot_owner);
	for (i = 0; i < r->nslots; i++)
		r->slot_owner[i] = -1;
	plan_groups(r);
	r->info = xcalloc(r->nworkers, sizeof *r->info);
	r->info_text = xcalloc(r->nworkers, sizeof *r->info_text);
	env_cache_init(&r->envs, cfg->base_env);
	r->script_mask = xcalloc(r->norder + 1, sizeof *r->script_mask);
	r->exports = xcalloc(cfg->nscripts + 1, sizeof *r->exports);
	r->script_started = xcalloc(cfg->nscripts + 1, sizeof *r->script_started);
	r->env_run_id = xasprintf("TESTRIG_RUN_ID=%s", cfg->run_id);
	r->env_profile = xasprintf("TESTRIG_PROFILE=%s", cfg->profile);
	if (cfg->settings->target_runner &&
	    split_words(cfg->settings->target_runner, &r->target_runner, &err))
		die("target-runner: %s", err);  /* validated when the setting was read */
	if (evq_init(&r->q))
		die_errno("cannot create the event queue");
	r->subreaper = spawn_become_subreaper();
	r->key_fd = tty_keys_start();
	r->pool = pool_create(r->nworkers, &r->q);
	sig_listen();

	r->start_mono = r->last_flush = r->last_progress = mono_ns();
	memset(&info, 0, sizeof info);
	info.run_id = cfg->run_id;
	info.profile = cfg->profile;
	info.threads = cfg->threads;
	info.scheduled = r->norder;
	info.filtered_out = r->list->ntests - r->norder;
	info.start_wall = wall_ns();
	EACH_REPORTER(r, rep)
		if (rep->ops->run_started)
			rep->ops->run_started(rep, &info);
	r->dirty = true;

	run_setup(r);
	if (r->cancelled && r->cancel_signal)
		r->setup_phase_cancelled = true;
	if (!r->cancelled)
		run_tests_phase(r);
	run_teardowns(r);

	pool_destroy(r->pool);
	tty_keys_stop();
	/* What is known is out before leftovers may take a grace period to die. */
	flush_reports(r);
	kill_what_is_left(r);
	remove_env_dir(r);
	memset(&sum, 0, sizeof sum);
	sum.counts = r->counts;
	sum.counts.not_run = r->norder - r->counts.started;
	sum.duration = run_elapsed(r, mono_ns());
	/* Fail-fast after the last test started cancelled nothing. */
	sum.cancelled = r->cancelled && (sum.counts.not_run || r->cancel_signal ||
					 r->cancelled_running);
	sum.cancel_reason = r->cancel_reason;
	sum.cancel_detail = r->cancel_detail;
	sum.cancel_signal = r->cancel_signal;
	sum.scripts_failed = r->scripts_failed;
	EACH_REPORTER(r, rep)
		rep->ops->run_finished(rep, &sum);
	EACH_REPORTER(r, rep)
		if (rep->ops->close && rep->ops->close(rep))
			r->report_failed = true;
	code = exit_code(r, &sum);

	evq_destroy(&r->q);
	env_cache_free(&r->envs);
	for (i = 0; i < cfg->nscripts; i++)
		strvec_free(&r->exports[i]);
	free(r->exports);
	free(r->script_started);
	free(r->script_mask);
	strvec_free(&r->target_runner);
	free(r->env_run_id);
	free(r->env_profile);
	free(r->order);
	free(r->w);
	free(r->slot_owner);
	for (i = 0; i < r->ngroups; i++) {
		free(r->groups[i].queue);
		free(r->groups[i].slot_owner);
	}
	free(r->groups);
	free(r->need);
	free(r->info);
	free(r->info_text);
	free(r->leftover);
	return code;
}

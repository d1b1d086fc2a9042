/*
 * engine.c - the dispatcher loop of engine.h: starts the jobs a phase
 * offers on idle workers, consumes the event queue and hands each event to
 * its job's kind, turns signals into requests to the workers, stops and
 * resumes the run for job control, gathers info-query answers, flushes the
 * reports on a timer and kills what outlived its unit.  Runs on the main
 * thread; workers never touch anything here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/engine.h"
#include "testrig/events.h"
#include "testrig/guard.h"
#include "testrig/jobserver.h"
#include "testrig/pool.h"
#include "testrig/reap.h"
#include "testrig/sig.h"
#include "testrig/spawn.h"
#include "testrig/text.h"
#include "testrig/tty.h"
#include "testrig/util.h"
#include "testrig/workers.h"

#define FLUSH_INTERVAL (50 * NS_PER_MS)
#define PROGRESS_INTERVAL (100 * NS_PER_MS)
#define PAUSE_ACK_WAIT (2 * NS_PER_SEC)
/* How late an event posted quietly (a test started, passed) may be read. */
#define QUIET_PICKUP (25 * NS_PER_MS)
/*
 * Jobs queued ahead, per worker: enough that the dispatcher is woken (to
 * queue more) once every few tests, not once per test.  Workers wake it
 * when no more than one job per worker is left.
 */
#define AHEAD_PER_WORKER 16

/* What the engine knows of one worker. */
struct worker_state {
	struct job *job;            /* NULL: idle */
	bool info_pending;          /* owes an answer to the info query */
	bool pause_acked;
};

struct engine {
	struct engine_config cfg;
	struct report_set none;     /* cfg.reports when none were given */
	struct evq q;
	bool q_made;                /* q was initialised */
	struct pool *pool;
	struct worker_state *w;
	unsigned nbusy;
	unsigned used;              /* slots the running jobs hold */
	bool want_token;            /* a job waits for a jobserver token */
	const struct phase *phase;  /* the phase running, and its context */
	void *phase_ctx;
	bool subreaper;             /* orphans of our units become our children */
	int key_fd;                 /* the terminal, when listening for 't', or -1 */
	/* cancellation */
	bool cancelled;
	const char *cancel_reason;
	char cancel_detail[160];
	int cancel_signal;
	bool killed;
	/* job control and clocks */
	bool paused;
	int64_t start_mono;
	int64_t stopped_at, stopped_ns;
	int64_t last_flush, last_progress;
	bool dirty;                 /* reporters were told something since the last flush */
	bool report_failed;
	/* the info query in flight */
	struct unit_info *info;
	char **info_text;
	unsigned info_waiting;
	struct leftovers leftovers;
};

struct job *job_new(const struct job_kind *kind, void *task)
{
	struct job *job = xcalloc(1, sizeof *job);

	strvec_init(&job->unit.argv);
	strvec_init(&job->unit.env);
	job->kind = kind;
	job->task = task;
	job->slots = 1;
	return job;
}

static void job_free(struct job *job)
{
	unit_job_release(&job->unit);
	free(job);
}

static struct job *job_of(const struct event *e)
{
	/* Every unit_job the engine submits is the first member of a job. */
	return (struct job *)e->job;
}

/* ---- reports ------------------------------------------------------------- */

const struct report_set *engine_reports(struct engine *eng)
{
	eng->dirty = true;
	return eng->cfg.reports;
}

/* Pushes buffered report output out now. */
static void engine_flush(struct engine *eng)
{
	const struct report_set *rs = eng->cfg.reports;
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i]->ops->flush && rs->v[i]->ops->flush(rs->v[i]))
			eng->report_failed = true;
	eng->dirty = false;
	eng->last_flush = mono_ns();
}

int engine_close_reports(struct engine *eng)
{
	const struct report_set *rs = eng->cfg.reports;
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i]->ops->close && rs->v[i]->ops->close(rs->v[i]))
			eng->report_failed = true;
	return eng->report_failed ? -1 : 0;
}

static void message(struct engine *eng, const char *text)
{
	/* The listing phase has no reporters: say it on stderr. */
	if (!eng->cfg.reports->n)
		warnx_("%s", text);
	REPORT(engine_reports(eng), message, text);
}

void engine_message(struct engine *eng, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	message(eng, b.data);
	buf_free(&b);
}

/* ---- cancellation -------------------------------------------------------- */

static void request_busy(struct engine *eng, unsigned bits, int sig);

/* Nothing queued ahead will start: every job no worker has taken comes back. */
static void take_back_queued(struct engine *eng)
{
	struct unit_job *u;

	while (eng->pool && eng->phase && eng->phase->unqueue && (u = pool_take_back(eng->pool))) {
		struct job *job = (struct job *)u;

		eng->phase->unqueue(eng->phase_ctx, eng, job);
		job_free(job);
	}
}

static void cancel_v(struct engine *eng, const char *reason, int sig, const char *fmt,
		     va_list ap)
{
	if (eng->cancelled)
		return;
	eng->cancelled = true;
	eng->cancel_reason = reason;
	eng->cancel_signal = sig;
	vsnprintf(eng->cancel_detail, sizeof eng->cancel_detail, fmt, ap);
	/* Running tests finish, but a hang is no longer looked into (on-timeout). */
	request_busy(eng, REQ_RUN_CANCELLED, 0);
	take_back_queued(eng);
}

void engine_cancel(struct engine *eng, const char *reason, int sig, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cancel_v(eng, reason, sig, fmt, ap);
	va_end(ap);
}

bool engine_cancelled(const struct engine *eng)
{
	return eng->cancelled;
}

const char *engine_cancel_reason(const struct engine *eng)
{
	return eng->cancel_reason;
}

const char *engine_cancel_detail(const struct engine *eng)
{
	return eng->cancel_detail;
}

int engine_cancel_signal(const struct engine *eng)
{
	return eng->cancel_signal;
}

bool engine_killed(const struct engine *eng)
{
	return eng->killed;
}

static void request_busy(struct engine *eng, unsigned bits, int sig)
{
	unsigned i;

	for (i = 0; i < eng->cfg.workers; i++)
		if (eng->w[i].job)
			pool_request(eng->pool, i, bits, sig);
}

void engine_terminate_running(struct engine *eng, int sig)
{
	request_busy(eng, REQ_TERMINATE, sig);
}

unsigned engine_running(const struct engine *eng)
{
	return eng->nbusy;
}

int64_t engine_elapsed(const struct engine *eng)
{
	return mono_ns() - eng->start_mono - eng->stopped_ns;
}

/* ---- info queries -------------------------------------------------------- */

static void finish_info_query(struct engine *eng)
{
	struct unit_info *list = xcalloc(eng->cfg.workers + 1, sizeof *list);
	size_t n = 0;
	unsigned i;

	for (i = 0; i < eng->cfg.workers; i++)
		if (eng->info[i].name)
			list[n++] = eng->info[i];
	REPORT(engine_reports(eng), info, list, n);
	for (i = 0; i < eng->cfg.workers; i++) {
		free((char *)eng->info[i].name);
		free(eng->info_text[i]);
		eng->info_text[i] = NULL;
		memset(&eng->info[i], 0, sizeof eng->info[i]);
	}
	free(list);
}

static void start_info_query(struct engine *eng)
{
	unsigned i;

	if (eng->info_waiting)
		return;
	for (i = 0; i < eng->cfg.workers; i++) {
		if (!eng->w[i].job)
			continue;
		eng->w[i].info_pending = true;
		eng->info_waiting++;
		pool_request(eng->pool, i, REQ_INFO, 0);
	}
	if (!eng->info_waiting)
		finish_info_query(eng);
}

/* Worker wi no longer owes an answer (it answered, or its job ended). */
static void info_settled(struct engine *eng, unsigned wi)
{
	if (!eng->w[wi].info_pending)
		return;
	eng->w[wi].info_pending = false;
	if (--eng->info_waiting == 0)
		finish_info_query(eng);
}

static void on_info(struct engine *eng, struct event *e)
{
	unsigned wi = e->job->worker;
	struct job *job = job_of(e);

	if (!eng->w[wi].info_pending)
		return;
	eng->info[wi].name = job->kind->describe(job);
	eng->info[wi].state = e->state;
	eng->info[wi].pid = e->pid;
	eng->info[wi].attempt = e->attempt;
	eng->info[wi].elapsed = e->elapsed;
	eng->info_text[wi] = e->text;
	eng->info[wi].output_tail = e->text ? e->text : "";
	e->text = NULL;
	info_settled(eng, wi);
}

/* ---- events -------------------------------------------------------------- */

static void note_leftover(struct engine *eng, const struct attempt *a)
{
	if (a && a->group_left)
		leftovers_add(&eng->leftovers, a->pid);
}

/* ---- make's jobserver ---------------------------------------------------- */

/* How many slots a job may hold now: all, or make's implicit one plus tokens. */
static unsigned capacity(const struct engine *eng)
{
	unsigned allowed;

	if (!eng->cfg.jobserver)
		return UINT_MAX;
	allowed = 1 + jobserver_held(eng->cfg.jobserver);
	return allowed > eng->used ? allowed - eng->used : 0;
}

/* Tokens beyond what the running jobs hold go back to make at once. */
static void give_back_tokens(struct engine *eng)
{
	struct jobserver *js = eng->cfg.jobserver;
	unsigned needed = eng->used > 0 ? eng->used - 1 : 0;

	while (js && jobserver_held(js) > needed && jobserver_give(js))
		;
}

/*
 * The job's last event: its worker is free, or already runs the queued job
 * it took on the same slot; the kind decides what the end meant.
 */
static void on_finished(struct engine *eng, struct event *e)
{
	struct job *job = job_of(e);
	unsigned wi = e->job->worker;
	struct attempt *final = e->result;

	e->result = NULL;
	/* A retried attempt's leftovers were noted when it was retried. */
	note_leftover(eng, final);
	/*
	 * testrig could not start it, nothing else running: the tests after it
	 * could not start either.  Before the kind hears of it, which may
	 * cancel for its own reason (fail-fast).
	 */
	if (final && final->shortage && !final->cancelled) {
		struct buf why = BUF_INIT;

		workers_describe_shortage(final->shortage, &why);
		engine_cancel(eng, "resources", 0, "testrig could not start a test: %s", why.data);
		buf_free(&why);
	}
	info_settled(eng, wi);
	if (e->next) {
		struct job *next = (struct job *)e->next;

		eng->w[wi].job = next;
		eng->phase->handoff(eng->phase_ctx, eng, job, next);
	} else {
		eng->w[wi].job = NULL;
		eng->nbusy--;
		eng->used -= job->slots;
		give_back_tokens(eng);
	}
	job->kind->finished(eng, job, final);
	job_free(job);
}

static void on_event(struct engine *eng, struct event *e)
{
	struct job *job = job_of(e);
	const struct job_kind *k = job->kind;

	switch (e->type) {
	case EV_PAUSED:
		eng->w[e->job->worker].pause_acked = true;
		break;
	case EV_STARTED:
		if (k->started)
			k->started(eng, job, e->attempt, e->pid);
		break;
	case EV_SLOW:
		if (k->slow)
			k->slow(eng, job, e->attempt, e->elapsed, e->terminating);
		break;
	case EV_RETRY:
		note_leftover(eng, e->result);
		if (k->retry)
			k->retry(eng, job, e->result, e->delay);
		else
			attempt_free(e->result);
		e->result = NULL;
		break;
	case EV_FINISHED:
		on_finished(eng, e);
		break;
	case EV_INFO:
		on_info(eng, e);
		break;
	case EV_NEWS:
		note_leftover(eng, e->result);
		if (k->news)
			k->news(eng, job, e);
		break;
	}
}

/* ---- signals and job control --------------------------------------------- */

static void pause_run(struct engine *eng)
{
	int64_t now = mono_ns(), deadline = now + PAUSE_ACK_WAIT;
	unsigned i, waiting = 0;

	eng->paused = true;
	eng->stopped_at = now;
	engine_flush(eng);
	for (i = 0; i < eng->cfg.workers; i++) {
		eng->w[i].pause_acked = false;
		pool_pause(eng->pool, i, true, now);
		if (eng->w[i].job)
			waiting++;
	}
	/* Stop only once every busy worker has stopped its process group. */
	while (waiting) {
		struct event *e;
		struct pollfd pf;

		while ((e = evq_try_pop(&eng->q))) {
			on_event(eng, e);
			event_free(e);
		}
		waiting = 0;
		for (i = 0; i < eng->cfg.workers; i++)
			if (eng->w[i].job && !eng->w[i].pause_acked)
				waiting++;
		if (!waiting || mono_ns() >= deadline || sig_cont_pending())
			break;
		if (!evq_prepare_sleep(&eng->q))
			continue;
		pf.fd = evq_fd(&eng->q);
		pf.events = POLLIN;
		(void)poll(&pf, 1, poll_timeout_ms(deadline - mono_ns()));
		evq_drain_fd(&eng->q);
	}
	engine_flush(eng);
	tty_keys_suspend();
	/*
	 * A SIGCONT that came while the tests were being stopped (a script's
	 * `kill -TSTP; kill -CONT`, or a worker slow to answer) has already
	 * ended the stop: stopping now would wait for a second one that never
	 * comes.  The loop reads it next and resumes everything.  (Between this
	 * look and the stop is a window of a few instructions no program that
	 * stops itself can close.)
	 */
	if (!sig_cont_pending())
		raise(SIGSTOP);
}

/*
 * After SIGCONT: the terminal mode for the 't' key again.  A testrig started
 * in the background, or moved there and back (Ctrl-Z, bg, fg), may only now
 * be in the foreground.
 */
static void keys_again(struct engine *eng)
{
	if (!eng->cfg.listen_keys)
		return;
	if (eng->key_fd < 0)
		eng->key_fd = tty_keys_start();
	else
		tty_keys_resume();
}

static void resume_run(struct engine *eng)
{
	int64_t now = mono_ns();
	unsigned i;

	keys_again(eng);
	if (!eng->paused)
		return;
	eng->paused = false;
	eng->stopped_ns += now - eng->stopped_at;
	for (i = 0; i < eng->cfg.workers; i++)
		pool_pause(eng->pool, i, false, now);
}

static void on_signal(struct engine *eng, int sig)
{
	char name[16];

	switch (sig) {
	case SIGINT:
	case SIGTERM:
	case SIGHUP:
	case SIGPIPE:   /* only read for automake-driver */
		if (!eng->cancel_signal) {
			eng->cancelled = false;    /* a signal outranks fail-fast as the reason */
			engine_cancel(eng, "signal", sig, "the run was interrupted by %s",
				      signal_name(sig, name));
			request_busy(eng, REQ_TERMINATE, sig);
		} else if (!eng->killed) {
			eng->killed = true;
			request_busy(eng, REQ_KILL, 0);
		}
		if (eng->paused)
			resume_run(eng);
		break;
	case SIGTSTP:
		pause_run(eng);
		break;
	case SIGCONT:
		resume_run(eng);
		break;
	case SIGUSR1:
		start_info_query(eng);
		break;
	case SIGCHLD:
		request_busy(eng, REQ_REAP, 0);
		break;
	default:
		break;
	}
}

/* ---- the loop ------------------------------------------------------------ */

static void progress(struct engine *eng, int64_t now)
{
	struct run_progress p;

	memset(&p, 0, sizeof p);
	eng->phase->progress(eng->phase_ctx, &p);
	p.elapsed = now - eng->start_mono - eng->stopped_ns;
	p.running = eng->nbusy;
	REPORT(eng->cfg.reports, progress, &p);
	eng->last_progress = now;
}

static bool wants_progress(const struct engine *eng)
{
	const struct report_set *rs = eng->cfg.reports;
	size_t i;

	if (!eng->phase || !eng->phase->progress || !eng->nbusy)
		return false;
	for (i = 0; i < rs->n; i++)
		if (rs->v[i]->ops->progress)
			return true;
	return false;
}

static void wait_for_something(struct engine *eng)
{
	struct pollfd pf[4];
	int64_t now = mono_ns(), deadline = INT64_MAX;
	bool progressing = wants_progress(eng);
	int n, np = 2, i_key = -1, i_token = -1;

	if (eng->dirty)
		deadline = eng->last_flush + FLUSH_INTERVAL;
	if (progressing && eng->last_progress + PROGRESS_INTERVAL < deadline)
		deadline = eng->last_progress + PROGRESS_INTERVAL;
	if (deadline <= now) {
		if (eng->dirty && now >= eng->last_flush + FLUSH_INTERVAL)
			engine_flush(eng);
		if (progressing && now >= eng->last_progress + PROGRESS_INTERVAL)
			progress(eng, now);
		return;
	}
	/* Workers post some events quietly: look at least this often while they run. */
	if (eng->nbusy && now + QUIET_PICKUP < deadline)
		deadline = now + QUIET_PICKUP;
	if (!evq_prepare_sleep(&eng->q))
		return;
	pf[0].fd = evq_fd(&eng->q);
	pf[0].events = POLLIN;
	pf[1].fd = sig_fd();
	pf[1].events = POLLIN;
	if (eng->key_fd >= 0) {
		pf[np].fd = eng->key_fd;
		pf[np].events = POLLIN;
		pf[np].revents = 0;
		i_key = np++;
	}
	/* A token for a waiting job: start_jobs reads it once poll says it is there. */
	if (eng->want_token) {
		pf[np].fd = jobserver_fd(eng->cfg.jobserver);
		pf[np].events = POLLIN;
		pf[np].revents = 0;
		i_token = np++;
	}
	n = poll(pf, (nfds_t)np, deadline == INT64_MAX ? -1 : poll_timeout_ms(deadline - now));
	if (n < 0 && errno != EINTR)
		die_errno("poll");
	evq_drain_fd(&eng->q);
	if (n > 0 && pf[1].revents) {
		int sig;

		while ((sig = sig_next()))
			on_signal(eng, sig);
	}
	if (n > 0 && i_token >= 0 && (pf[i_token].revents & (POLLERR | POLLNVAL)))
		eng->want_token = false;    /* a broken jobserver: the implicit slot goes on */
	if (n > 0 && i_key >= 0 && pf[i_key].revents) {
		int key;

		if (pf[i_key].revents & (POLLHUP | POLLERR | POLLNVAL))
			eng->key_fd = -1;
		while ((key = tty_keys_read()) >= 0)
			if (key == 't')
				start_info_query(eng);
	}
}

/* Handles what has happened, or waits for something to happen. */
static void pump(struct engine *eng)
{
	struct event *e;
	bool any = false;

	while ((e = evq_try_pop(&eng->q))) {
		on_event(eng, e);
		event_free(e);
		any = true;
	}
	if (!any)
		wait_for_something(eng);
}

/*
 * A job queued ahead, for an idle worker: it comes before anything the
 * phase has not queued yet.  NULL when none is queued, or when it cannot
 * start now (no free slot, or no jobserver token yet: *wanted is set).
 */
static struct job *claim_queued(struct engine *eng, unsigned cap, unsigned *wanted)
{
	struct unit_job *u = eng->phase->ahead && !eng->cancelled ? pool_take_back(eng->pool) : NULL;
	struct job *job = (struct job *)u;

	if (!job)
		return NULL;
	if (job->slots <= cap && eng->phase->claim(eng->phase_ctx, eng, job))
		return job;
	if (job->slots > cap)
		*wanted = job->slots;
	pool_give_back(eng->pool, u);
	return NULL;
}

/*
 * Gives jobs of the phase to idle workers while it has some to start and,
 * under make's jobserver, tokens for them: one is read without blocking
 * when a job waits for it, else poll watches the jobserver for one.  Then
 * queues jobs ahead for the workers to take as their jobs end.
 */
static void start_jobs(struct engine *eng)
{
	eng->want_token = false;
	while (!eng->paused && eng->nbusy < eng->cfg.workers) {
		unsigned cap = capacity(eng), wanted = 0;
		struct job *job = NULL;
		unsigned wi;

		if (eng->phase->ahead && pool_ready(eng->pool)) {
			job = claim_queued(eng, cap, &wanted);
			if (!job && !wanted)
				break;  /* no free slot: a worker will take it as its job ends */
		} else {
			job = eng->phase->next(eng->phase_ctx, eng, cap, &wanted);
		}
		if (!job) {
			if (!eng->cfg.jobserver || wanted <= cap)
				break;
			if (jobserver_take(eng->cfg.jobserver))
				continue;
			eng->want_token = true;
			break;
		}
		eng->used += job->slots;
		for (wi = 0; eng->w[wi].job; wi++)
			;
		eng->w[wi].job = job;
		eng->nbusy++;
		pool_submit(eng->pool, wi, &job->unit);
	}
	if (!eng->phase->ahead || eng->paused || eng->cancelled)
		return;
	while (pool_ready(eng->pool) < (size_t)eng->cfg.workers * AHEAD_PER_WORKER) {
		struct job *job = eng->phase->ahead(eng->phase_ctx, eng);

		if (!job)
			break;
		pool_offer(eng->pool, &job->unit);
	}
}

void engine_run_phase(struct engine *eng, const struct phase *ph, void *ctx)
{
	eng->phase = ph;
	eng->phase_ctx = ctx;
	for (;;) {
		start_jobs(eng);
		if (!eng->nbusy && !pool_ready(eng->pool) && ph->over(ctx, eng))
			break;
		pump(eng);
	}
	eng->phase = NULL;
	eng->phase_ctx = NULL;
}

/* ---- start and end ------------------------------------------------------- */

/*
 * The descriptors one test needs to start (two pipes while it is spawned,
 * then their read ends and a pidfd): fewer free than this and not one test
 * could start.
 */
#define FDS_TO_START 4
#define STR_(x) #x
#define STR(x) STR_(x)

/* Whether n more descriptors can be opened now (the open-file limit). */
static bool fds_free(int n)
{
	int fds[FDS_TO_START], i, got = 0;

	for (i = 0; i < n && i < FDS_TO_START; i++, got++)
		if ((fds[i] = fcntl(2, F_DUPFD_CLOEXEC, 0)) < 0)
			break;
	for (i = 0; i < got; i++)
		close(fds[i]);
	return got >= n;
}

/*
 * Under RLIMIT_NPROC every worker thread counts as a process, and so does
 * every test it runs: when fewer processes can be started than there are
 * workers, workers go until the rest and their tests fit.  0 when nothing
 * changed, EAGAIN when workers went, -1 when not one test could start.
 * Root's processes are not counted; an unlimited limit is not looked into.
 */
static int leave_room_for_tests(struct pool *pool)
{
	struct rlimit rl;
	unsigned n = pool_size(pool), spare, keep;
	int err;

	if (getuid() == 0 || getrlimit(RLIMIT_NPROC, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	spare = spawn_count_spare(n, &err);
	if (spare >= n || !err)
		return 0;
	/* Each worker stopped is a process more for the tests. */
	keep = n - (n - spare + 1) / 2;
	if (!keep)
		return -1;
	pool_shrink(pool, keep);
	return EAGAIN;
}

/* The engine cannot start for want of `err`, while doing `what`: said in msg. */
static struct engine *cannot_start(struct engine *eng, struct buf *msg, const char *what,
				   int err)
{
	buf_printf(msg, "cannot start %s: ", what);
	workers_describe_shortage(err, msg);
	workers_describe_fix(err, msg);
	engine_free(eng);
	return NULL;
}

struct engine *engine_new(const struct engine_config *cfg, struct buf *msg)
{
	struct engine *eng = xcalloc(1, sizeof *eng);
	unsigned wanted;
	int err, err2;

	eng->cfg = *cfg;
	eng->key_fd = -1;
	if (!eng->cfg.workers)
		eng->cfg.workers = 1;
	wanted = eng->cfg.workers;
	if (!eng->cfg.reports)
		eng->cfg.reports = &eng->none;
	eng->w = xcalloc(eng->cfg.workers, sizeof *eng->w);
	eng->info = xcalloc(eng->cfg.workers, sizeof *eng->info);
	eng->info_text = xcalloc(eng->cfg.workers, sizeof *eng->info_text);
	if (evq_init(&eng->q))
		return cannot_start(eng, msg, "the run's event queue", errno);
	eng->q_made = true;
	if ((err = spawn_prepare()))
		return cannot_start(eng, msg, "the run: no stdin for the tests", err);
	/* Before we are a subreaper: the guardian must not be anyone's orphan of ours. */
	guard_start(cfg->run_id, cfg->grace_period);
	eng->subreaper = spawn_become_subreaper();
	eng->pool = pool_create(eng->cfg.workers, &eng->q, &err);
	if (!eng->pool)
		return cannot_start(eng, msg, "a worker thread", err);
	if (!fds_free(FDS_TO_START))
		return cannot_start(eng, msg, "a test: it needs " STR(FDS_TO_START)
				    " descriptors and fewer are left", EMFILE);
	if ((err2 = leave_room_for_tests(eng->pool)) < 0)
		return cannot_start(eng, msg, "a test: no process can be started for it", EAGAIN);
	if (err2)
		err = err2;
	eng->cfg.workers = pool_size(eng->pool);
	if (eng->cfg.workers < wanted) {
		struct buf why = BUF_INIT;

		workers_describe_shortage(err, &why);
		warnx_("only %u of %u test threads could be started: %s; running at most %u "
		       "test%s at a time", eng->cfg.workers, wanted, why.data, eng->cfg.workers,
		       eng->cfg.workers == 1 ? "" : "s");
		buf_free(&why);
	}
	eng->key_fd = cfg->listen_keys ? tty_keys_start() : -1;
	pool_set_low_water(eng->pool, eng->cfg.workers);
	sig_listen();
	eng->start_mono = eng->last_flush = eng->last_progress = mono_ns();
	return eng;
}

unsigned engine_workers(const struct engine *eng)
{
	return eng->cfg.workers;
}

/* What leftovers_kill does with a signal it hears: true means kill now. */
static bool hear(void *ctx, int sig)
{
	struct engine *eng = ctx;
	bool second = eng->cancel_signal != 0;

	on_signal(eng, sig);
	return second;
}

static void say(void *ctx, const char *text)
{
	message(ctx, text);
}

void engine_finish(struct engine *eng)
{
	struct buf msg = BUF_INIT;

	pool_destroy(eng->pool);
	eng->pool = NULL;
	/* Nothing runs: every token goes back to make now, whatever happened. */
	eng->used = 0;
	give_back_tokens(eng);
	if (eng->cfg.listen_keys)
		tty_keys_stop();
	eng->key_fd = -1;
	/* What is known is out before leftovers may take a grace period to die. */
	engine_flush(eng);
	leftovers_kill(&eng->leftovers, eng->cfg.grace_period, eng->killed, eng->subreaper,
		       hear, eng, &msg);
	if (msg.len)
		message(eng, msg.data);
	buf_free(&msg);
	if (eng->subreaper)
		reap_escapees(say, eng);
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
	pool_destroy(eng->pool);
	if (eng->q_made)
		evq_destroy(&eng->q);
	free(eng->w);
	free(eng->info);
	free(eng->info_text);
	leftovers_free(&eng->leftovers);
	free(eng);
}

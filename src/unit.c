/*
 * unit.c - one unit's life on a worker thread: spawn, watch, time out,
 * detect leaks, reap, judge, retry.  Where a watched process stands and
 * what moves it is watch.c's (pure); this file looks at the pipes, the
 * pidfd, the group and the clock, and carries out what the moves say.
 * Everything here runs on the worker that owns the unit; the only shared
 * state is the unit_ctl request word (under its mutex) and the event queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testrig/cases.h"
#include "testrig/env.h"
#include "testrig/events.h"
#include "testrig/forensics.h"
#include "testrig/guard.h"
#include "testrig/text.h"
#include "testrig/unit.h"
#include "testrig/util.h"
#include "testrig/watch.h"
#include "testrig/workers.h"

#define READ_CHUNK 65536
/*
 * A spawn that failed for testrig's own want of descriptors or processes
 * is tried again, first after SHORT_WAIT_MIN and up to SHORT_WAIT_MAX
 * apart, for as long as another unit's process runs (its end may give
 * back what was missing), and then for SHORT_PATIENCE with none running.
 */
#define SHORT_WAIT_MIN (10 * NS_PER_MS)
#define SHORT_WAIT_MAX (200 * NS_PER_MS)
#define SHORT_PATIENCE (NS_PER_SEC)
#define INFO_TAIL_LINES 5

void unit_job_release(struct unit_job *job)
{
	strvec_free(&job->argv);
	strvec_free(&job->env);
}

int unit_ctl_init(struct unit_ctl *ctl, uint64_t seed)
{
	memset(ctl, 0, sizeof *ctl);
	ctl->rng = seed | 1;
	if (wakefd_open(&ctl->wake))
		return -1;
	if (pthread_mutex_init(&ctl->lock, NULL))
		die("cannot initialise a worker lock");
	return 0;
}

void unit_ctl_destroy(struct unit_ctl *ctl)
{
	wakefd_close(&ctl->wake);
	pthread_mutex_destroy(&ctl->lock);
	free(ctl->scratch);
}

void unit_ctl_request(struct unit_ctl *ctl, unsigned bits, int term_signal)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->requests |= bits;
	if (bits & REQ_TERMINATE)
		ctl->term_signal = term_signal;
	pthread_mutex_unlock(&ctl->lock);
	wakefd_signal(&ctl->wake);
}

void unit_ctl_new_job(struct unit_ctl *ctl)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->requests &= REQ_PAUSE;
	pthread_mutex_unlock(&ctl->lock);
}

void unit_ctl_pause(struct unit_ctl *ctl, bool paused, int64_t at)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->want_paused = paused;
	ctl->pause_change_at = at;
	pthread_mutex_unlock(&ctl->lock);
	unit_ctl_request(ctl, REQ_PAUSE, 0);
}

/*
 * Takes the pending requests, the signal to terminate with, the pause wish
 * and when it was made.
 */
static unsigned take_requests(struct unit_ctl *ctl, int *sig, bool *want_paused,
			      int64_t *at)
{
	unsigned r;

	wakefd_drain(&ctl->wake);
	pthread_mutex_lock(&ctl->lock);
	r = ctl->requests;
	ctl->requests = 0;
	*sig = ctl->term_signal;
	*want_paused = ctl->want_paused;
	*at = ctl->pause_change_at;
	pthread_mutex_unlock(&ctl->lock);
	return r;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: jitter needs spread, not cryptography */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

int64_t unit_retry_delay(const struct unit_limits *l, unsigned next, uint64_t *rng)
{
	int64_t d = l->delay;
	unsigned i;

	if (l->exponential) {
		for (i = 2; i < next && d > 0; i++) {
			if (d > INT64_MAX / 4) {
				d = INT64_MAX / 4;
				break;
			}
			d *= 2;
			if (l->max_delay && d >= l->max_delay)
				break;
		}
	}
	if (l->max_delay && d > l->max_delay)
		d = l->max_delay;
	if (l->jitter && d > 0) {
		/* a uniform factor in (0.5, 1] */
		double f = 0.5 + 0.5 * ((double)(rng_next(rng) >> 11) + 1.0) / 9007199254740992.0;
		d = (int64_t)((double)d * f);
	}
	return d;
}

/*
 * An attempt while it is watched: its process (struct child), its state
 * (watch.h decides the moves, this file looks and acts), its stopwatch.
 */
struct watched {
	struct unit_job *job;
	struct unit_ctl *ctl;
	struct evq *q;
	struct attempt *a;
	struct child c;
	struct stopwatch sw;
	struct watch st;
	bool timed_out;
	void *parse_state;      /* the protocol parser's, or NULL */
	struct case_reader *cases;  /* isolation = binary, or NULL */
};

static bool pipes_open(const struct watched *w)
{
	return w->c.out_fd >= 0 || w->c.err_fd >= 0;
}

static void signal_group(struct watched *w, int sig)
{
	pid_t pid = w->a->pid;

	if (pid <= 0)
		return;
	if (kill(-pid, sig) == 0)
		return;
	if (errno != ESRCH)
		warnx_("cannot signal process group %d: %s", (int)pid, strerror(errno));
	else if (watch_leader_alive(&w->st))
		/* The test left its own group (setpgid): it is still ours to signal. */
		kill(pid, sig);
}

/* Carries out what a move of the watch calls for (WA_SIGNAL with `sig`). */
static void act(struct watched *w, unsigned actions, int sig)
{
	if (actions & WA_SIGNAL) {
		signal_group(w, sig);
		/* A stopped group would never act on SIGTERM. */
		signal_group(w, SIGCONT);
	}
	if (actions & WA_KILL) {
		signal_group(w, SIGKILL);
		/* A stopped process dies of SIGKILL, but a paused run's group is continued too. */
		if (w->ctl->paused)
			signal_group(w, SIGCONT);
	}
	if (actions & WA_LEAKED)
		w->a->leaked = true;
}

static void try_reap(struct watched *w)
{
	struct rusage ru;
	int st;
	pid_t r;

	if (!watch_leader_alive(&w->st))
		return;
	do
		r = wait4(w->a->pid, &st, WNOHANG, &ru);
	while (r < 0 && errno == EINTR);
	if (r == 0 || (r < 0 && errno != ECHILD))
		return;
	w->a->duration = stopwatch_elapsed(&w->sw, mono_ns());
	if (r < 0) {
		/* Reaped by someone else: it is gone, its status with it (a failure). */
		struct buf m = BUF_INIT;

		process_end_words(&m, -1, 0);
		buf_adds(&m, " (the process was reaped elsewhere)");
		w->a->message = buf_detach(&m, NULL);
	} else {
		w->a->user_ns = (int64_t)ru.ru_utime.tv_sec * NS_PER_SEC + ru.ru_utime.tv_usec * 1000;
		w->a->sys_ns = (int64_t)ru.ru_stime.tv_sec * NS_PER_SEC + ru.ru_stime.tv_usec * 1000;
		w->a->maxrss_kb = ru.ru_maxrss;
		if (WIFEXITED(st))
			w->a->exit_code = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			w->a->signo = WTERMSIG(st);
	}
	watch_leader_exit(&w->st, w->a->duration);
	if (w->c.pidfd >= 0) {
		close(w->c.pidfd);
		w->c.pidfd = -1;
	}
}

static void post_info(struct watched *w, int64_t elapsed)
{
	struct event *e = event_new(EV_INFO, w->job);
	struct buf t = BUF_INIT;

	e->attempt = w->a->number;
	e->pid = watch_leader_alive(&w->st) ? w->a->pid : -1;
	e->elapsed = elapsed;
	e->state = watch_state_name(w->st.state);
	capture_tail_lines(&w->a->out, INFO_TAIL_LINES, &t);
	if (w->c.err_fd >= 0 || w->a->err.total)
		capture_tail_lines(&w->a->err, INFO_TAIL_LINES, &t);
	e->text = buf_detach(&t, NULL);
	evq_push(w->q, e);
}

/*
 * Follows the dispatcher's pause wish with the clock of whatever the worker
 * is doing (`sw`) and, with `w`, the attempt's process group: stopped
 * before EV_PAUSED says so, continued after its clock restarts.  Clocks
 * stop and restart when the dispatcher decided (`at`), not later.
 */
static void follow_pause(struct unit_ctl *ctl, struct unit_job *job, struct evq *q,
			 struct stopwatch *sw, struct watched *w, bool want_paused, int64_t at,
			 int64_t now)
{
	if (want_paused && !ctl->paused) {
		if (w)
			signal_group(w, SIGSTOP);
		stopwatch_pause(sw, at > sw->start ? at : sw->start);
		ctl->paused = true;
		evq_push(q, event_new(EV_PAUSED, job));
	} else if (!want_paused && ctl->paused) {
		stopwatch_resume(sw, at > sw->paused_at ? at : now);
		if (w)
			signal_group(w, SIGCONT);
		ctl->paused = false;
	}
}

/* The dispatcher's requests while the attempt runs. */
static void handle_requests(struct watched *w, int64_t now)
{
	int sig = SIGTERM;
	bool want_paused;
	int64_t at, el;
	unsigned r = take_requests(w->ctl, &sig, &want_paused, &at);

	follow_pause(w->ctl, w->job, w->q, &w->sw, w, want_paused, at, now);
	el = stopwatch_elapsed(&w->sw, now);
	if (r & REQ_TERMINATE) {
		w->a->cancelled = true;
		/* In its grace period already (it timed out): the user's signal still goes. */
		if (w->st.state == W_GRACE)
			signal_group(w, sig);
		act(w, watch_terminate(&w->st, sig == SIGKILL, el), sig);
	}
	if (r & REQ_RUN_CANCELLED)
		w->ctl->run_cancelled = true;
	if (r & REQ_KILL) {
		w->a->cancelled = true;
		act(w, watch_kill(&w->st), SIGKILL);
	}
	if (r & REQ_REAP)
		try_reap(w);
	if (r & REQ_INFO)
		post_info(w, el);
}

/*
 * isolation = binary: a case began (each has a slow clock of its own, as
 * has the time between cases), or a cancelled run starts no more cases and
 * the process goes now.
 */
static void follow_cases(struct watched *w, const char *p, size_t n)
{
	int64_t el = stopwatch_elapsed(&w->sw, mono_ns());

	if (w->ctl->run_cancelled)
		case_reader_stop(w->cases);
	if (case_reader_feed(w->cases, p, n, el))
		watch_restart_slow(&w->st, el);
	if (case_reader_stopped(w->cases) && w->st.state != W_KILLED &&
	    w->st.state != W_GROUP_KILLED) {
		w->a->cancelled = true;
		act(w, watch_kill(&w->st), SIGKILL);
	}
}

/*
 * A read fills the worker's read buffer, which is made only once a test
 * fills a small one on the stack (a run of tests that print little never
 * makes it).
 */
#define SMALL_READ 4096

/*
 * Reads what is available on one pipe into `cap`; closes it at EOF or
 * error.  With `w` (the test's stdout) the protocol's parser and the case
 * reader see the bytes too.
 */
static void drain(struct watched *w, struct unit_ctl *ctl, int *fd, struct capture *cap)
{
	char small[SMALL_READ], *scratch = ctl->scratch ? ctl->scratch : small;
	ssize_t n;

	n = read(*fd, scratch, ctl->scratch ? READ_CHUNK : sizeof small);
	if (n == (ssize_t)sizeof small && !ctl->scratch)
		ctl->scratch = xmalloc(READ_CHUNK);
	if (n > 0) {
		capture_add(cap, scratch, (size_t)n);
		if (w && w->parse_state)
			w->job->parser->feed(w->parse_state, scratch, (size_t)n);
		if (w && w->cases)
			follow_cases(w, scratch, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(*fd);
	*fd = -1;
}

/* Where the test's pipes stand in a poll set (-1: not polled). */
struct pipe_slots {
	int out, err;
};

/* Adds the test's open pipes to pf[*np...]. */
static struct pipe_slots poll_pipes(const struct watched *w, struct pollfd *pf, int *np)
{
	struct pipe_slots s = { -1, -1 };

	if (w->c.out_fd >= 0) {
		pf[*np] = (struct pollfd){ w->c.out_fd, POLLIN, 0 };
		s.out = (*np)++;
	}
	if (w->c.err_fd >= 0) {
		pf[*np] = (struct pollfd){ w->c.err_fd, POLLIN, 0 };
		s.err = (*np)++;
	}
	return s;
}

/* Reads the test's pipes that poll found ready. */
static void drain_pipes(struct watched *w, const struct pollfd *pf, struct pipe_slots s)
{
	if (s.out >= 0 && pf[s.out].revents && w->c.out_fd >= 0)
		drain(w, w->ctl, &w->c.out_fd, &w->a->out);
	if (s.err >= 0 && pf[s.err].revents && w->c.err_fd >= 0)
		drain(NULL, w->ctl, &w->c.err_fd, &w->a->err);
}

/* ---- the on-timeout hook ---------------------------------------------------- */

#define HOOK_LOOK (50 * NS_PER_MS)

/* The hook's state while it runs: a child of its own, its output, its limit. */
struct hook {
	struct child c;
	struct capture out;
	int64_t deadline;           /* mono_ns */
	bool exited, killed;
	int status;
	unsigned deferred;          /* dispatcher requests kept for after the hook */
	int deferred_sig;
};

static void hook_reap(struct hook *h)
{
	int st;
	pid_t r;

	if (h->exited)
		return;
	do
		r = waitpid(h->c.pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == h->c.pid || (r < 0 && errno == ECHILD)) {
		h->exited = true;
		h->status = r == h->c.pid ? st : -1;
	}
}

/*
 * The hook's loop: its output is read, the test's pipes are drained (so the
 * test cannot block on a full pipe and its output is kept), and the
 * dispatcher's requests are kept for after the hook, except that a
 * cancellation (or a second signal) cuts the hook short.
 */
static void hook_watch(struct watched *w, struct hook *h)
{
	while (!h->exited || h->c.out_fd >= 0) {
		struct pollfd pf[5];
		struct pipe_slots test;
		int np = 0, i_wake, i_out = -1, i_pid = -1;
		int64_t now = mono_ns(), wait;

		if (!h->killed && now >= h->deadline) {
			kill(-h->c.pid, SIGKILL);
			h->killed = true;
		}
		/* After the hook ends its output may stay open in a child of its own: not for long. */
		if (h->exited && now >= h->deadline + NS_PER_SEC)
			break;
		pf[np] = (struct pollfd){ w->ctl->wake.rd, POLLIN, 0 };
		i_wake = np++;
		if (h->c.out_fd >= 0) {
			pf[np] = (struct pollfd){ h->c.out_fd, POLLIN, 0 };
			i_out = np++;
		}
		if (!h->exited && h->c.pidfd >= 0) {
			pf[np] = (struct pollfd){ h->c.pidfd, POLLIN, 0 };
			i_pid = np++;
		}
		test = poll_pipes(w, pf, &np);
		/* Without a pidfd the hook's end is looked for now and then. */
		wait = h->killed ? HOOK_LOOK : h->deadline - now;
		if (h->c.pidfd < 0 && wait > HOOK_LOOK)
			wait = HOOK_LOOK;
		if (poll(pf, (nfds_t)np, poll_timeout_ms(wait)) < 0 && errno != EINTR)
			die_errno("poll");
		if (pf[i_wake].revents) {
			bool want_paused;
			int64_t at;
			int sig = SIGTERM;
			unsigned r = take_requests(w->ctl, &sig, &want_paused, &at);

			h->deferred |= r;
			if (r & REQ_TERMINATE)
				h->deferred_sig = sig;
			if ((r & (REQ_TERMINATE | REQ_KILL)) && !h->killed) {
				kill(-h->c.pid, SIGKILL);
				h->killed = true;
			}
		}
		if (i_out >= 0 && pf[i_out].revents && h->c.out_fd >= 0)
			drain(NULL, w->ctl, &h->c.out_fd, &h->out);
		drain_pipes(w, pf, test);
		if (i_pid >= 0 && pf[i_pid].revents)
			hook_reap(h);
		if (h->c.pidfd < 0 || h->killed)
			hook_reap(h);
	}
}

/* "[on-timeout: exit status 0 after 1.234s]" and the like, after the output. */
static void hook_end_note(const struct watched *w, const struct hook *h, int64_t took,
			  struct buf *b)
{

	if (b->len && b->data[b->len - 1] != '\n')
		buf_addc(b, '\n');
	buf_adds(b, "[on-timeout: ");
	if (h->killed && (h->deferred & (REQ_TERMINATE | REQ_KILL)))
		buf_adds(b, "killed: the run was cancelled");
	else if (h->killed)
		buf_adds(b, "killed at on-timeout-limit");
	else
		process_end_words(b, h->status >= 0 && WIFEXITED(h->status) ? WEXITSTATUS(h->status) : -1,
				  h->status >= 0 && WIFSIGNALED(h->status) ? WTERMSIG(h->status) : 0);
	buf_adds(b, " after ");
	format_seconds(b, took);
	buf_adds(b, "s]\n");
	(void)w;
}

/*
 * The on-timeout hook (SPEC section 13), on the test's own worker before the
 * test is signalled: the worker waits for the test anyway, and other tests
 * go on on theirs.  `builtin` is testrig's report from /proc; a command runs
 * with {pid}, {pgid}, {binary}, {test} replaced and TESTRIG_PID/PGID set,
 * for at most on-timeout-limit.
 */
static void run_hook(struct watched *w)
{
	const struct unit_limits *l = &w->job->limits;
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT;
	struct hook h;
	struct buf text = BUF_INIT;
	int64_t start = mono_ns();
	int err;

	if (forensics_is_builtin(l->on_timeout)) {
		forensics_builtin(w->a->pid, "/proc", &text);
		w->a->on_timeout_len = text.len;
		w->a->on_timeout = buf_detach(&text, NULL);
		return;
	}
	memset(&h, 0, sizeof h);
	forensics_hook_argv(l->on_timeout, w->a->pid, w->a->pid, w->job->binary_id ? w->job->binary_id
			    : "", w->job->test_name ? w->job->test_name : "", &argv);
	strvec_pushv(&env, w->job->env.v);
	env_set_number(&env, "TESTRIG_PID", w->a->pid);
	env_set_number(&env, "TESTRIG_PGID", w->a->pid);
	capture_init(&h.out, l->output_limit);
	child_init(&h.c, strvec_get(&argv), strvec_get(&env));
	h.c.search_path = true;
	h.c.cwd = w->job->cwd;
	h.c.capture = CAPTURE_COMBINED;
	h.deadline = start + l->on_timeout_limit;
	err = child_spawn(&h.c);
	if (err) {
		buf_printf(&text, "[on-timeout: could not run %s: %s]\n", argv.v[0],
			   spawn_strerror(err));
	} else {
		hook_watch(w, &h);
		/* Whatever the hook left behind goes with it. */
		kill(-h.c.pid, SIGKILL);
		if (!h.exited) {
			while (waitpid(h.c.pid, &h.status, 0) < 0 && errno == EINTR)
				;
			h.exited = true;
		}
		child_close_fds(&h.c);
		if (h.c.guarded)
			guard_forget(h.c.pid);
		capture_finish(&h.out);
		buf_add(&text, h.out.head.data, h.out.head.len);
		hook_end_note(w, &h, mono_ns() - start, &text);
		/* The dispatcher's requests, handled by the test's loop from here on. */
		if (h.deferred)
			unit_ctl_request(w->ctl, h.deferred, h.deferred_sig ? h.deferred_sig : SIGTERM);
	}
	capture_free(&h.out);
	w->a->on_timeout_len = text.len;
	w->a->on_timeout = buf_detach(&text, NULL);
	strvec_free(&argv);
	strvec_free(&env);
}

/* A slow period passed (watch_time said WA_SLOW): the report, and at the last the timeout. */
static void slow_period(struct watched *w, unsigned actions, int64_t el)
{
	const struct unit_limits *l = &w->job->limits;
	struct event *e = event_new(EV_SLOW, w->job);
	bool timeout = actions & WA_TIMEOUT;

	w->a->slow = true;
	if (w->cases) {
		case_reader_slow(w->cases);
		w->job->test_name = case_reader_current(w->cases);
	}
	e->attempt = w->a->number;
	e->pid = w->a->pid;
	e->elapsed = el;
	e->terminating = timeout;
	/* The event belongs to the dispatcher from here on. */
	evq_push(w->q, e);
	if (!timeout)
		return;
	w->timed_out = true;
	/* Not for a cancelled run, and once per attempt. */
	if (l->on_timeout && !w->a->cancelled && !w->ctl->run_cancelled && !w->a->on_timeout)
		run_hook(w);
	act(w, watch_terminate(&w->st, false, stopwatch_elapsed(&w->sw, mono_ns())), SIGTERM);
}

/*
 * The poll loop: until the leader is reaped and its pipes are closed (or
 * leaked) and a signalled group is gone.  Each turn: the moves nothing
 * announces, a poll until the state's deadline, the events, the deadline.
 */
static void watch_attempt(struct watched *w)
{
	for (;;) {
		struct pollfd pf[4];
		struct pipe_slots pipes;
		int np = 0, i_wake, i_pid = -1, r;
		int64_t el = stopwatch_elapsed(&w->sw, mono_ns()), deadline;
		unsigned actions;

		/* No pidfd: with the pipes closed nothing else says the leader is gone. */
		if (watch_leader_alive(&w->st) && !pipes_open(w) && w->c.pidfd < 0)
			try_reap(w);
		watch_settle(&w->st, pipes_open(w),
			     watch_asks_group(&w->st) && w->a->pid > 0 && spawn_group_alive(w->a->pid), el);
		if (w->st.state == W_DONE)
			break;
		pf[np] = (struct pollfd){ w->ctl->wake.rd, POLLIN, 0 };
		i_wake = np++;
		if (w->c.pidfd >= 0) {
			pf[np] = (struct pollfd){ w->c.pidfd, POLLIN, 0 };
			i_pid = np++;
		}
		pipes = poll_pipes(w, pf, &np);
		deadline = w->ctl->paused ? INT64_MAX : watch_deadline(&w->st, pipes_open(w), el);
		r = poll(pf, (nfds_t)np, deadline == INT64_MAX ? -1 : poll_timeout_ms(deadline - el));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (r > 0 && pf[i_wake].revents)
			handle_requests(w, mono_ns());
		drain_pipes(w, pf, pipes);
		if (i_pid >= 0 && pf[i_pid].revents)
			try_reap(w);
		if (w->ctl->paused)
			continue;
		el = stopwatch_elapsed(&w->sw, mono_ns());
		actions = watch_time(&w->st, pipes_open(w), el);
		if (actions & WA_SLOW)
			slow_period(w, actions, el);
		else
			act(w, actions, SIGKILL);
	}
}

static bool wait_retry(struct unit_job *job, struct unit_ctl *ctl, struct evq *q,
		       int64_t delay, unsigned next);

/* Whether any other worker's unit has a process running now. */
static bool others_running(const struct unit_ctl *ctl)
{
	return ctl->live && atomic_load(ctl->live) > 0;
}

/*
 * child_spawn, tried again while it fails for testrig's own shortage (see
 * SHORT_PATIENCE).  0, or the last error; *shortage is the last shortage
 * met (0: none, the first try settled it), and the attempt is marked
 * cancelled when the run told it to stop while it waited.
 */
static int spawn_patiently(struct watched *w, int *shortage)
{
	int64_t wait = SHORT_WAIT_MIN, idle = 0;
	int err;

	*shortage = 0;
	while ((err = child_spawn(&w->c)) && w->c.own_failure && workers_shortage(err)) {
		*shortage = err;
		if (others_running(w->ctl))
			idle = 0;
		else if ((idle += wait) > SHORT_PATIENCE)
			break;
		if (w->ctl->run_cancelled ||
		    !wait_retry(w->job, w->ctl, w->q, wait, w->a->number)) {
			w->a->cancelled = true;
			break;
		}
		wait = wait * 2 > SHORT_WAIT_MAX ? SHORT_WAIT_MAX : wait * 2;
	}
	if (err && !(w->c.own_failure && workers_shortage(err)))
		*shortage = 0;
	return err;
}

static void post_started(struct watched *w)
{
	struct event *e = event_new(EV_STARTED, w->job);

	e->attempt = w->a->number;
	e->pid = w->a->pid;
	/* Nothing waits on it: the dispatcher reads it when it next looks. */
	evq_push_quiet(w->q, e);
}

static struct attempt *run_attempt(struct unit_job *job, struct unit_ctl *ctl,
				   struct evq *q, unsigned number, struct case_reader *cases)
{
	struct watched w;
	struct watch_limits wl = { job->limits.slow_timeout, job->limits.terminate_after,
				   job->limits.grace_period, job->limits.leak_timeout };
	int err;

	memset(&w, 0, sizeof w);
	watch_start(&w.st, &wl);
	w.job = job;
	w.ctl = ctl;
	w.q = q;
	w.cases = cases;
	w.a = attempt_new(number, job->limits.output_limit);
	w.a->combined = job->capture == CAPTURE_COMBINED;
	if (job->attempt_var)
		env_set_number(&job->env, "TESTRIG_ATTEMPT", number);
	child_init(&w.c, strvec_get(&job->argv), strvec_get(&job->env));
	w.c.search_path = job->search_path;
	w.c.inherit_fd = job->inherit_fd > 2 ? job->inherit_fd : -1;
	w.c.cwd = job->cwd;
	w.c.capture = job->capture;
	w.c.capture_stdout = job->capture_stdout;
	w.c.capture_stderr = job->capture_stderr;
	/* A debugger the hook starts is the test's sibling: Yama would forbid it. */
	if (job->limits.on_timeout && !forensics_is_builtin(job->limits.on_timeout))
		w.c.ptracer = getpid();
	w.a->start_wall = wall_ns();
	stopwatch_start(&w.sw, mono_ns());
	if (ctl->paused)
		stopwatch_pause(&w.sw, w.sw.start);
	err = spawn_patiently(&w, &w.a->shortage);
	if (err && w.a->shortage) {
		struct buf why = BUF_INIT;

		workers_describe_shortage(err, &why);
		w.a->verdict = V_EXEC_FAIL;
		w.a->message = xasprintf("could not run %s: testrig is out of resources: %s",
					 job->argv.v[0], why.data);
		buf_free(&why);
		post_started(&w);
		return w.a;
	}
	if (err) {
		w.a->verdict = V_EXEC_FAIL;
		w.a->message = xasprintf("could not run %s: %s", job->argv.v[0], spawn_strerror(err));
		/* Every finished attempt was started, for the reports' sake. */
		post_started(&w);
		return w.a;
	}
	if (w.a->shortage) {
		/* It waited to start: its time begins now. */
		w.a->shortage = 0;
		w.a->start_wall = wall_ns();
		stopwatch_start(&w.sw, mono_ns());
		if (ctl->paused)
			stopwatch_pause(&w.sw, w.sw.start);
	}
	if (ctl->live)
		atomic_fetch_add(ctl->live, 1);
	w.a->pid = w.c.pid;
	if (cases)
		case_reader_process_start(cases, w.c.pid);
	if (job->parser)
		w.parse_state = job->parser->begin();
	post_started(&w);
	if (ctl->paused)
		signal_group(&w, SIGSTOP);
	watch_attempt(&w);
	if (ctl->live)
		atomic_fetch_sub(ctl->live, 1);
	child_close_fds(&w.c);
	/*
	 * Members outlived the attempt: still in the group (spawn_group_alive
	 * reaps our subreaped zombies first), or holding a pipe it leaked.
	 */
	if (spawn_group_alive(w.a->pid) || w.a->leaked)
		w.a->group_left = true;
	else if (w.c.guarded)
		guard_forget(w.a->pid);
	capture_finish(&w.a->out);
	capture_finish(&w.a->err);
	if (w.timed_out)
		w.a->verdict = V_TIMEOUT;
	if (w.parse_state) {
		job->parser->end(w.parse_state, w.a);
	} else if (!w.timed_out) {
		(job->judge ? job->judge : attempt_judge_status)(w.a, job->judge_arg);
	}
	if (w.a->leaked && w.a->verdict == V_PASS)
		w.a->verdict = job->limits.leak_fail ? V_LEAK_FAIL : V_LEAK;
	return w.a;
}

/* Sleeps before a retry on the pausable clock; false if told to stop. */
static bool wait_retry(struct unit_job *job, struct unit_ctl *ctl, struct evq *q,
		       int64_t delay, unsigned next)
{
	struct stopwatch sw;

	stopwatch_start(&sw, mono_ns());
	if (ctl->paused)
		stopwatch_pause(&sw, sw.start);
	for (;;) {
		struct pollfd pf = { ctl->wake.rd, POLLIN, 0 };
		int64_t now = mono_ns(), el = stopwatch_elapsed(&sw, now);
		unsigned r;
		int sig;
		bool want_paused;
		int64_t at;

		if (!ctl->paused && el >= delay)
			return true;
		if (poll(&pf, 1, ctl->paused ? -1 : poll_timeout_ms(delay - el)) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (!pf.revents)
			continue;
		r = take_requests(ctl, &sig, &want_paused, &at);
		now = mono_ns();
		follow_pause(ctl, job, q, &sw, NULL, want_paused, at, now);
		if (r & REQ_INFO) {
			struct event *e = event_new(EV_INFO, job);
			e->attempt = next;
			e->pid = -1;
			e->elapsed = stopwatch_elapsed(&sw, now);
			e->delay = delay;
			e->state = "waiting before a retry";
			evq_push(q, e);
		}
		if (r & REQ_RUN_CANCELLED)
			ctl->run_cancelled = true;
		if (r & (REQ_TERMINATE | REQ_KILL))
			return false;
	}
}

/*
 * isolation = binary: a process, then (after a timeout or a crash inside a
 * case) one for the cases not yet seen, until none is left; the last
 * process's attempt (holding the output outside any case) finishes the job.
 */
static struct event *run_cases(struct unit_job *job, struct unit_ctl *ctl, struct evq *q)
{
	struct case_reader *cr = case_reader_new(job->cases, job, &job->argv, &job->env, q,
						 job->limits.output_limit);
	struct attempt *a;
	struct event *e;
	unsigned n = 1;

	for (;;) {
		enum case_next next;

		case_reader_command(cr);
		a = run_attempt(job, ctl, q, n++, cr);
		if (a->verdict == V_EXEC_FAIL)
			break;
		next = case_reader_process_end(cr, a, a->verdict == V_TIMEOUT, a->duration);
		if (next == CASES_DONE || a->cancelled || ctl->run_cancelled)
			break;
		if (next == CASES_LIST_FIRST) {
			struct buf err = BUF_INIT;
			struct attempt *l;
			int rc;

			case_reader_list_argv(cr);
			l = run_attempt(job, ctl, q, n++, NULL);
			rc = case_reader_listed(cr, l, &err);
			if (rc < 0) {
				/* The rest cannot be told apart: the process's result says so. */
				attempt_free(a);
				a = l;
				a->verdict = V_FAIL;
				free(a->message);
				a->message = buf_detach(&err, NULL);
				break;
			}
			attempt_free(l);
			buf_free(&err);
			if (rc > 0 || ctl->run_cancelled)
				break;
		}
		attempt_free(a);
	}
	case_reader_free(cr);
	e = event_new(EV_FINISHED, job);
	e->attempt = a->number;
	e->result = a;
	return e;
}

bool unit_may_hand_off(const struct unit_job *job, const struct event *finished,
		       struct unit_ctl *ctl)
{
	const struct attempt *a = finished->result;
	bool quiet;

	if (!job->hand_off || !a || a->number != 1 || !verdict_ok(a->verdict) || a->cancelled)
		return false;
	pthread_mutex_lock(&ctl->lock);
	quiet = !ctl->requests && !ctl->want_paused;
	pthread_mutex_unlock(&ctl->lock);
	return quiet && !ctl->paused && !ctl->run_cancelled;
}

struct event *unit_run(struct unit_job *job, struct unit_ctl *ctl, struct evq *q)
{
	unsigned max = job->limits.retries + 1;
	struct attempt *a = NULL;
	unsigned n = job->first_attempt > 1 ? job->first_attempt : 1;
	struct event *e;

	ctl->run_cancelled = false;
	if (job->slot_var)
		env_set_number(&job->env, "TESTRIG_SLOT", (long)job->slot);
	if (job->cases)
		return run_cases(job, ctl, q);
	/* A case retried alone waits its delay first; cancelled then, its failure stands. */
	if (n > 1 && !wait_retry(job, ctl, q, job->first_delay, n)) {
		e = event_new(EV_FINISHED, job);
		e->attempt = n - 1;
		return e;
	}
	for (;; n++) {
		int64_t delay;

		a = run_attempt(job, ctl, q, n, NULL);
		if (verdict_ok(a->verdict) || n >= max || a->cancelled ||
		    a->verdict == V_EXEC_FAIL)
			break;
		delay = unit_retry_delay(&job->limits, n + 1, &ctl->rng);
		e = event_new(EV_RETRY, job);
		e->attempt = n;
		e->delay = delay;
		e->result = a;
		a = NULL;
		evq_push(q, e);
		if (!wait_retry(job, ctl, q, delay, n + 1)) {
			/* Cancelled while waiting: the failed attempt stands. */
			e = event_new(EV_FINISHED, job);
			e->attempt = n;
			return e;
		}
	}
	e = event_new(EV_FINISHED, job);
	e->attempt = a->number;
	e->result = a;
	return e;
}

/*
 * unit.c - one unit's life on a worker thread: spawn, watch, time out,
 * detect leaks, reap, judge, retry.  Everything here runs on the worker that
 * owns the unit; the only shared state is the unit_ctl request word (under
 * its mutex) and the event queue.
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
#include "testrig/text.h"
#include "testrig/unit.h"
#include "testrig/util.h"

#define READ_CHUNK 65536
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

/* The state of one attempt while it is watched. */
struct watch {
	struct unit_job *job;
	struct unit_ctl *ctl;
	struct evq *q;
	struct attempt *a;
	struct child c;
	struct stopwatch sw;
	bool exited;
	bool terminating;       /* the TERM signal was sent */
	bool killed;            /* SIGKILL was sent */
	bool timed_out;
	unsigned periods;
	int64_t next_slow;      /* stopwatch time of the next slow report */
	int64_t grace_deadline;
	int64_t leak_deadline;
	void *parse_state;      /* the protocol parser's, or NULL */
	struct case_reader *cases;  /* isolation = binary, or NULL */
};

static void signal_group(struct watch *w, int sig)
{
	pid_t pid = w->a->pid;

	if (pid <= 0)
		return;
	if (kill(-pid, sig) == 0)
		return;
	if (errno != ESRCH)
		warnx_("cannot signal process group %d: %s", (int)pid, strerror(errno));
	else if (!w->exited)
		/* The test left its own group (setpgid): it is still ours to signal. */
		kill(pid, sig);
}

static void start_termination(struct watch *w, int sig, int64_t now_el)
{
	if (w->terminating || w->killed)
		return;
	w->terminating = true;
	if (sig == SIGKILL || w->job->limits.grace_period == 0) {
		signal_group(w, SIGKILL);
		w->killed = true;
		return;
	}
	signal_group(w, sig);
	/* A stopped group would never act on SIGTERM. */
	signal_group(w, SIGCONT);
	w->grace_deadline = now_el + w->job->limits.grace_period;
}

static void try_reap(struct watch *w)
{
	struct rusage ru;
	int st;
	pid_t r;

	if (w->exited)
		return;
	do
		r = wait4(w->a->pid, &st, WNOHANG, &ru);
	while (r < 0 && errno == EINTR);
	if (r == 0 || (r < 0 && errno != ECHILD))
		return;
	w->exited = true;
	w->a->duration = stopwatch_elapsed(&w->sw, mono_ns());
	if (r < 0) {
		/* Reaped by someone else: it is gone, its status with it (a failure). */
		w->a->message = xstrdup("its exit status was lost (the process was reaped elsewhere)");
	} else {
		w->a->user_ns = (int64_t)ru.ru_utime.tv_sec * NS_PER_SEC + ru.ru_utime.tv_usec * 1000;
		w->a->sys_ns = (int64_t)ru.ru_stime.tv_sec * NS_PER_SEC + ru.ru_stime.tv_usec * 1000;
		w->a->maxrss_kb = ru.ru_maxrss;
		if (WIFEXITED(st))
			w->a->exit_code = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			w->a->signo = WTERMSIG(st);
	}
	w->leak_deadline = w->a->duration + w->job->limits.leak_timeout;
	if (w->c.pidfd >= 0) {
		close(w->c.pidfd);
		w->c.pidfd = -1;
	}
}

static void post_info(struct watch *w, const char *state, int64_t elapsed)
{
	struct event *e = event_new(EV_INFO, w->job);

	e->attempt = w->a ? w->a->number : 0;
	e->pid = w->a && !w->exited ? w->a->pid : -1;
	e->elapsed = elapsed;
	e->state = state;
	if (w->a) {
		struct buf t = BUF_INIT;
		capture_tail_lines(&w->a->out, INFO_TAIL_LINES, &t);
		if (w->c.err_fd >= 0 || w->a->err.total)
			capture_tail_lines(&w->a->err, INFO_TAIL_LINES, &t);
		e->text = buf_detach(&t, NULL);
	}
	evq_push(w->q, e);
}

static void handle_requests(struct watch *w, int64_t now)
{
	int sig = SIGTERM;
	bool want_paused;
	int64_t at;
	unsigned r = take_requests(w->ctl, &sig, &want_paused, &at);
	int64_t el;

	if (want_paused && !w->ctl->paused) {
		signal_group(w, SIGSTOP);
		stopwatch_pause(&w->sw, at > w->sw.start ? at : w->sw.start);
		w->ctl->paused = true;
		evq_push(w->q, event_new(EV_PAUSED, w->job));
	}
	if (!want_paused && w->ctl->paused) {
		stopwatch_resume(&w->sw, at > w->sw.paused_at ? at : now);
		signal_group(w, SIGCONT);
		w->ctl->paused = false;
	}
	el = stopwatch_elapsed(&w->sw, now);
	if (r & REQ_TERMINATE) {
		w->a->cancelled = true;
		/*
		 * Already in its grace period (it timed out): the user's signal
		 * still goes to the group; the grace period stays as it was.
		 */
		if (w->terminating && !w->killed && !w->exited)
			signal_group(w, sig);
		start_termination(w, sig, el);
	}
	if (r & REQ_STOP_RETRYING)
		w->a->cancelled = true;
	if (r & REQ_RUN_CANCELLED)
		w->ctl->run_cancelled = true;
	if (r & REQ_KILL) {
		w->a->cancelled = true;
		w->terminating = w->killed = true;
		signal_group(w, SIGKILL);
		if (w->ctl->paused)
			signal_group(w, SIGCONT);
	}
	if (r & REQ_REAP)
		try_reap(w);
	if (r & REQ_INFO) {
		const char *state = w->exited ? "waiting for leaked handles"
			: w->terminating ? "terminating" : "running";
		post_info(w, state, el);
	}
}

/*
 * Reads what is available on one pipe; closes it at EOF or error.  With `w`
 * (stdout), the protocol's parser sees the bytes too.
 */
/*
 * A read fills the worker's read buffer, which is made only once a test
 * fills a small one on the stack (a run of tests that print little never
 * makes it).
 */
#define SMALL_READ 4096

static void drain(struct watch *w, struct unit_ctl *ctl, int *fd, struct capture *cap)
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
		if (w && w->cases) {
			int64_t el = stopwatch_elapsed(&w->sw, mono_ns());

			if (w->ctl->run_cancelled)
				case_reader_stop(w->cases);
			/* Each case has a slow clock of its own, as has the time between cases. */
			if (case_reader_feed(w->cases, scratch, (size_t)n, el) && !w->terminating) {
				w->periods = 0;
				w->next_slow = w->job->limits.slow_timeout > 0 ?
					el + w->job->limits.slow_timeout : INT64_MAX;
			}
			/* A cancelled run starts no more cases: the process goes now. */
			if (case_reader_stopped(w->cases) && !w->killed) {
				w->a->cancelled = true;
				w->terminating = w->killed = true;
				signal_group(w, SIGKILL);
			}
		}
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(*fd);
	*fd = -1;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/*
 * How often to look whether a terminated test's process group is empty once
 * the leader is gone and no pipe is left to wait on (a rare case: members
 * that closed their output and ignore the signal, or are dying of SIGKILL).
 */
#define LINGER_LOOK (50 * NS_PER_MS)
#define LINGER_LOOK_KILLED (2 * NS_PER_MS)

/* ---- the on-timeout hook ---------------------------------------------------- */

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
static void hook_watch(struct watch *w, struct hook *h)
{
	while (!h->exited || h->c.out_fd >= 0) {
		struct pollfd pf[5];
		int np = 0, i_wake, i_out = -1, i_pid = -1, i_tout = -1, i_terr = -1;
		int64_t now = mono_ns(), wait;

		if (!h->killed && now >= h->deadline) {
			kill(-h->c.pid, SIGKILL);
			h->killed = true;
		}
		/* After the hook ends its output may stay open in a child of its own: not for long. */
		if (h->exited && now >= h->deadline + NS_PER_SEC)
			break;
		pf[np].fd = w->ctl->wake.rd;
		pf[np].events = POLLIN;
		i_wake = np++;
		if (h->c.out_fd >= 0) {
			pf[np] = (struct pollfd){ h->c.out_fd, POLLIN, 0 };
			i_out = np++;
		}
		if (!h->exited && h->c.pidfd >= 0) {
			pf[np] = (struct pollfd){ h->c.pidfd, POLLIN, 0 };
			i_pid = np++;
		}
		if (w->c.out_fd >= 0) {
			pf[np] = (struct pollfd){ w->c.out_fd, POLLIN, 0 };
			i_tout = np++;
		}
		if (w->c.err_fd >= 0) {
			pf[np] = (struct pollfd){ w->c.err_fd, POLLIN, 0 };
			i_terr = np++;
		}
		/* Without a pidfd the hook's end is looked for now and then. */
		wait = h->killed ? LINGER_LOOK : h->deadline - now;
		if (h->c.pidfd < 0 && wait > LINGER_LOOK)
			wait = LINGER_LOOK;
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
		if (i_tout >= 0 && pf[i_tout].revents && w->c.out_fd >= 0)
			drain(w, w->ctl, &w->c.out_fd, &w->a->out);
		if (i_terr >= 0 && pf[i_terr].revents && w->c.err_fd >= 0)
			drain(NULL, w->ctl, &w->c.err_fd, &w->a->err);
		if (i_pid >= 0 && pf[i_pid].revents)
			hook_reap(h);
		if (h->c.pidfd < 0 || h->killed)
			hook_reap(h);
	}
}

/* "[on-timeout: exit status 0 after 1.234s]" and the like, after the output. */
static void hook_end_note(const struct watch *w, const struct hook *h, int64_t took,
			  struct buf *b)
{
	char sig[16];

	if (b->len && b->data[b->len - 1] != '\n')
		buf_addc(b, '\n');
	buf_adds(b, "[on-timeout: ");
	if (h->killed && (h->deferred & (REQ_TERMINATE | REQ_KILL)))
		buf_adds(b, "killed: the run was cancelled");
	else if (h->killed)
		buf_adds(b, "killed at on-timeout-limit");
	else if (h->status >= 0 && WIFEXITED(h->status))
		buf_printf(b, "exit status %d", WEXITSTATUS(h->status));
	else if (h->status >= 0 && WIFSIGNALED(h->status))
		buf_printf(b, "killed by %s", signal_name(WTERMSIG(h->status), sig));
	else
		buf_adds(b, "its exit status was lost");
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
static void run_hook(struct watch *w)
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

/* The poll loop: until the child is reaped and its pipes are closed or leaked. */
static void watch_attempt(struct watch *w)
{
	const struct unit_limits *l = &w->job->limits;

	w->next_slow = l->slow_timeout > 0 ? l->slow_timeout : INT64_MAX;
	for (;;) {
		struct pollfd pf[4];
		int np = 0, i_wake, i_pid = -1, i_out = -1, i_err = -1, r;
		int64_t now, el, deadline = INT64_MAX;

		bool pipes = w->c.out_fd >= 0 || w->c.err_fd >= 0, members = false;

		el = stopwatch_elapsed(&w->sw, mono_ns());
		if (w->exited) {
			/*
			 * After the leader, a terminated test's group still has its
			 * grace period (then SIGKILL, then the leak window to die in);
			 * an untouched test's descendants only matter through the pipes.
			 */
			members = w->terminating && (!w->killed || el < w->leak_deadline) &&
				w->a->pid > 0 && spawn_group_alive(w->a->pid);
			if (!pipes && !members)
				break;
		} else if (!pipes && w->c.pidfd < 0) {
			/* No pidfd: pipes are closed, see if it has exited already. */
			try_reap(w);
			if (w->exited)
				continue;
		}
		pf[np].fd = w->ctl->wake.rd;
		pf[np].events = POLLIN;
		i_wake = np++;
		if (w->c.pidfd >= 0) {
			pf[np].fd = w->c.pidfd;
			pf[np].events = POLLIN;
			i_pid = np++;
		}
		if (w->c.out_fd >= 0) {
			pf[np].fd = w->c.out_fd;
			pf[np].events = POLLIN;
			i_out = np++;
		}
		if (w->c.err_fd >= 0) {
			pf[np].fd = w->c.err_fd;
			pf[np].events = POLLIN;
			i_err = np++;
		}
		if (!w->ctl->paused) {
			if (!w->exited) {
				if (!w->terminating)
					deadline = w->next_slow;
				else if (!w->killed)
					deadline = w->grace_deadline;
				/* killed: the pidfd (or REQ_REAP) says when it is gone */
			} else if (members && !w->killed) {
				/* nothing to poll without pipes: look again now and then */
				deadline = min64(w->grace_deadline, pipes ? INT64_MAX : el + LINGER_LOOK);
			} else if (members && !pipes) {
				deadline = min64(w->leak_deadline, el + LINGER_LOOK_KILLED);
			} else {
				deadline = w->leak_deadline;
			}
		}
		r = poll(pf, (nfds_t)np, deadline == INT64_MAX ? -1 : poll_timeout_ms(deadline - el));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		if (r > 0 && pf[i_wake].revents)
			handle_requests(w, mono_ns());
		if (i_out >= 0 && pf[i_out].revents && w->c.out_fd >= 0)
			drain(w, w->ctl, &w->c.out_fd, &w->a->out);
		if (i_err >= 0 && pf[i_err].revents && w->c.err_fd >= 0)
			drain(NULL, w->ctl, &w->c.err_fd, &w->a->err);
		if (i_pid >= 0 && pf[i_pid].revents)
			try_reap(w);
		if (w->ctl->paused)
			continue;
		now = mono_ns();
		el = stopwatch_elapsed(&w->sw, now);
		if (!w->exited && !w->terminating && el >= w->next_slow) {
			struct event *e = event_new(EV_SLOW, w->job);
			bool terminate;

			w->periods++;
			w->a->slow = true;
			if (w->cases) {
				case_reader_slow(w->cases);
				w->job->test_name = case_reader_current(w->cases);
			}
			terminate = l->terminate_after && w->periods >= l->terminate_after &&
				!w->terminating;
			e->attempt = w->a->number;
			e->pid = w->a->pid;
			e->elapsed = el;
			e->periods = w->periods;
			e->terminating = terminate;
			/* The event belongs to the dispatcher from here on. */
			evq_push(w->q, e);
			if (terminate) {
				w->timed_out = true;
				/* Not for a cancelled run, and once per attempt. */
				if (l->on_timeout && !w->a->cancelled && !w->ctl->run_cancelled &&
				    !w->a->on_timeout)
					run_hook(w);
				start_termination(w, SIGTERM, stopwatch_elapsed(&w->sw, mono_ns()));
			}
			w->next_slow += l->slow_timeout;
		}
		/*
		 * The grace period holds for the whole group: a descendant that
		 * ignores the signal gets SIGKILL even when the leader is gone.
		 */
		if (w->terminating && !w->killed && el >= w->grace_deadline &&
		    (!w->exited || members)) {
			signal_group(w, SIGKILL);
			w->killed = true;
			/* The killed holders close the pipes; give them the leak window. */
			if (w->exited)
				w->leak_deadline = el + l->leak_timeout;
		}
		if (w->exited && !(members && !w->killed) && el >= w->leak_deadline &&
		    (w->c.out_fd >= 0 || w->c.err_fd >= 0)) {
			/* A descendant holds the pipes: stop waiting for it. */
			w->a->leaked = true;
			break;
		}
	}
}

/* Reaps what is left of the group (our subreaped zombies), then checks for survivors. */
static void check_group(struct watch *w)
{
	if (spawn_group_alive(w->a->pid))
		w->a->group_left = true;
}

static void post_started(struct watch *w)
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
	struct watch w;
	int err;

	memset(&w, 0, sizeof w);
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
	err = child_spawn(&w.c);
	if (err) {
		w.a->verdict = V_EXEC_FAIL;
		w.a->message = xasprintf("could not run %s: %s", job->argv.v[0], spawn_strerror(err));
		/* Every finished attempt was started, for the reports' sake. */
		post_started(&w);
		return w.a;
	}
	w.a->pid = w.c.pid;
	if (cases)
		case_reader_process_start(cases, w.c.pid);
	if (job->parser)
		w.parse_state = job->parser->begin();
	post_started(&w);
	if (ctl->paused)
		signal_group(&w, SIGSTOP);
	watch_attempt(&w);
	child_close_fds(&w.c);
	check_group(&w);
	if (w.a->leaked && !w.a->group_left)
		w.a->group_left = true;  /* whoever holds the pipe is still alive */
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
		if (want_paused && !ctl->paused) {
			stopwatch_pause(&sw, at > sw.start ? at : sw.start);
			ctl->paused = true;
			evq_push(q, event_new(EV_PAUSED, job));
		}
		if (!want_paused && ctl->paused) {
			stopwatch_resume(&sw, at > sw.paused_at ? at : now);
			ctl->paused = false;
		}
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
		if (r & (REQ_TERMINATE | REQ_KILL | REQ_STOP_RETRYING))
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

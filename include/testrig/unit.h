/*
 * unit.h - one unit's life on a worker thread: a test (with its retries), a
 * listing command, or a setup script; the worker does not know which.
 * unit_run spawns the process, watches it with poll(2) over its pipes, its
 * pidfd and the worker's wake fd, applies the slow/terminate/grace/leak
 * deadlines on a pausable stopwatch, reaps it with wait4(2), judges it, and
 * reports through the event queue.  It never prints and knows nothing of
 * scheduling or reports.
 */
#ifndef TESTRIG_UNIT_H
#define TESTRIG_UNIT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/spawn.h"
#include "testrig/util.h"

struct command;
struct case_plan;

struct evq;

/* The deadlines and retry policy one unit runs under (all ns; 0 = none). */
struct unit_limits {
	int64_t slow_timeout;
	unsigned terminate_after;
	int64_t grace_period;
	int64_t leak_timeout;
	bool leak_fail;
	uint64_t output_limit;
	unsigned retries;           /* attempts after a failed first one */
	bool exponential;
	int64_t delay;
	int64_t max_delay;
	bool jitter;
	const struct command *on_timeout;   /* NULL: none (borrowed) */
	int64_t on_timeout_limit;
};

/*
 * What a worker runs: a process and how to watch and judge it.  The job
 * owns its argv and its whole environment; with `attempt_var` each attempt
 * gets TESTRIG_ATTEMPT=N set in it before it starts.
 */
struct unit_job {
	struct strvec argv;         /* argv[0] is the program */
	bool search_path;           /* look argv[0] up in $PATH (commands, not test paths) */
	int inherit_fd;             /* > 2: left open in the child at its number; 0: none */
	struct strvec env;
	bool attempt_var;
	const char *cwd;            /* borrowed; NULL: ours */
	enum capture_mode capture;
	bool capture_stdout, capture_stderr;
	struct unit_limits limits;
	attempt_judge_fn judge;     /* NULL: attempt_judge_status */
	const void *judge_arg;
	const struct attempt_parser *parser;  /* if set, it judges instead of `judge` */
	unsigned worker;            /* set by the pool */
	const char *binary_id;      /* for the on-timeout hook's {binary} and {test} */
	const char *test_name;
	/*
	 * isolation = binary (cases.h): argv is made for each process from
	 * this plan and the output is read case by case; no retries here.
	 */
	const struct case_plan *cases;
	/* A case retried alone: its first attempt here is this one, after first_delay. */
	unsigned first_attempt;     /* 0 or 1: from the first */
	int64_t first_delay;
	/* TESTRIG_SLOT=slot is set before the first attempt when slot_var is. */
	bool slot_var;
	unsigned slot;
	/*
	 * When it ends cleanly (unit_may_hand_off), its worker may start a job
	 * of the ready queue (pool.h) on its slot.
	 */
	bool hand_off;
	struct unit_job *ready_link;    /* the pool's */
};

/* Frees what the job owns (not the job itself). */
void unit_job_release(struct unit_job *job);

/*
 * Events of a unit: EV_STARTED per attempt, EV_SLOW, EV_RETRY (with the
 * failed attempt) per retry, then EV_FINISHED with the final attempt.  An
 * EV_FINISHED without a result means the unit was cancelled while waiting to
 * retry: the attempt of the last EV_RETRY is its final result.
 */

/* Requests from the dispatcher to a running unit (bits). */
enum {
	REQ_TERMINATE = 1u << 0,    /* cancel: send term_signal, grace, SIGKILL */
	REQ_KILL = 1u << 1,         /* SIGKILL the group now */
	REQ_PAUSE = 1u << 2,        /* look at want_paused (see unit_ctl_pause) */
	REQ_INFO = 1u << 4,         /* post an EV_INFO snapshot */
	REQ_REAP = 1u << 5,         /* a child may have exited (no pidfd) */
	REQ_RUN_CANCELLED = 1u << 7,/* the run is cancelled: no on-timeout hook */
};

/* One worker's control block, shared with the dispatcher. */
struct unit_ctl {
	pthread_mutex_t lock;
	unsigned requests;
	int term_signal;            /* with REQ_TERMINATE */
	bool want_paused;           /* the dispatcher's wish (job control) */
	int64_t pause_change_at;    /* CLOCK_MONOTONIC ns of the latest wish */
	struct wakefd wake;
	uint64_t rng;               /* jitter state, worker-private */
	bool paused;                /* worker-private: clocks are stopped */
	bool run_cancelled;         /* worker-private: REQ_RUN_CANCELLED came for this job */
	char *scratch;              /* worker-private: read buffer */
	/*
	 * Shared by the pool's workers: how many of their units have a
	 * process running (a spawn short of descriptors waits while some do).
	 * NULL: this worker counts alone.
	 */
	atomic_uint *live;
};

int unit_ctl_init(struct unit_ctl *ctl, uint64_t seed);
void unit_ctl_destroy(struct unit_ctl *ctl);
/* Dispatcher side: add request bits and wake the worker. */
void unit_ctl_request(struct unit_ctl *ctl, unsigned bits, int term_signal);
/*
 * Dispatcher side, before giving the worker a new job: drops requests that
 * were meant for its previous one (all but the pause wish).
 */
void unit_ctl_new_job(struct unit_ctl *ctl);
/*
 * Dispatcher side: stop (SIGSTOP the group, pause every clock) or resume.
 * The worker follows the latest wish, whatever it is doing, and a unit it
 * starts later starts in that state.  Clocks stop and restart at `at` (the
 * moment the dispatcher decided), not when the worker gets round to it; a
 * busy worker acknowledges a pause with EV_PAUSED once its group is stopped.
 */
void unit_ctl_pause(struct unit_ctl *ctl, bool paused, int64_t at);

/*
 * Runs the job to completion on the calling (worker) thread and returns its
 * EV_FINISHED event, for the caller to push.
 */
struct event *unit_run(struct unit_job *job, struct unit_ctl *ctl, struct evq *q);
/*
 * Whether the worker may start a queued job on this one's slot without
 * asking the dispatcher: the job allows it, its one attempt ended well
 * (passed, skipped, leaked harmlessly) and uncancelled, and nothing was
 * asked of the worker since (no pause, no cancel).  A failure, a retry or
 * a cancellation always goes to the dispatcher first: fail-fast and the
 * run's state are its to decide.
 */
bool unit_may_hand_off(const struct unit_job *job, const struct event *finished,
		       struct unit_ctl *ctl);

/* The retry delay before attempt `next` (2 = first retry), jitter applied. */
int64_t unit_retry_delay(const struct unit_limits *l, unsigned next, uint64_t *rng);

#endif

/*
 * engine.h - the dispatcher loop, which knows no kinds of unit.  It owns the
 * worker pool and the event queue, hears signals and the 't' key, does job
 * control and info queries, fans calls out to the reporters and remembers
 * process groups that outlived their unit.  The work itself comes in
 * phases, as git's run_processes_parallel takes its callbacks: a phase says
 * which job starts next on a free worker and when it is over; each job
 * carries its kind's table of callbacks, which the engine calls with the
 * job's events.  Tests, listings and scripts are such kinds (tests.c,
 * listing.c, scripts.c); the engine calls no code of theirs by name.
 * Everything here runs on the dispatcher thread.
 */
#ifndef TESTRIG_ENGINE_H
#define TESTRIG_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "testrig/attempt.h"
#include "testrig/report.h"
#include "testrig/unit.h"

struct engine;
struct event;
struct job;

/*
 * What a kind of unit does with the events of its jobs.  Every callback
 * but `finished` and `describe` may be NULL.
 */
struct job_kind {
	/* An attempt was spawned (or failed to be: it still counts as started). */
	void (*started)(struct engine *eng, struct job *job, unsigned attempt, pid_t pid);
	/* An attempt passed another slow-timeout period. */
	void (*slow)(struct engine *eng, struct job *job, unsigned attempt, int64_t elapsed,
		     bool terminating);
	/* An attempt failed and will be retried after `delay`; `failed` is the callee's. */
	void (*retry)(struct engine *eng, struct job *job, struct attempt *failed, int64_t delay);
	/*
	 * The job is over and its worker free: `final` (the callee's) is its
	 * last attempt, or NULL when it was cancelled while waiting to retry
	 * (the attempt of its last retry stands).  The engine frees the job
	 * after this returns.
	 */
	void (*finished)(struct engine *eng, struct job *job, struct attempt *final);
	/* The job's name in an info-query answer (malloc'd). */
	char *(*describe)(const struct job *job);
	/*
	 * News of this kind from its worker (EV_NEWS, in the kind's own codes:
	 * a binary's cases, cases.h); the callee may take e->text and
	 * e->result (and sets them to NULL then).
	 */
	void (*news)(struct engine *eng, struct job *job, struct event *e);
};

/* A unit of work: what a worker runs, the kind it is, the kind's record. */
struct job {
	struct unit_job unit;       /* first: the events carry &job->unit */
	const struct job_kind *kind;
	void *task;                 /* the kind's record for this job */
	unsigned slots;             /* what it holds while it runs (threads-required) */
};

/* A zeroed job of `kind` holding one slot; the caller fills job->unit (see env_for_job). */
struct job *job_new(const struct job_kind *kind, void *task);

/* A phase: the jobs a run starts, one kind or several. */
struct phase {
	/*
	 * The next job to start on a free worker, holding at most `capacity`
	 * slots (make's jobserver may allow fewer than there are workers); or
	 * NULL when none may start now (more may once a job finishes), with
	 * *wanted set to the slots the next job would hold when that is what
	 * stops it.  Not called while the run is paused.
	 */
	struct job *(*next)(void *ctx, struct engine *eng, unsigned capacity, unsigned *wanted);
	/* True once nothing more will start; the phase ends when none runs. */
	bool (*over)(void *ctx, struct engine *eng);
	/* Counts for the progress line (may be NULL: no progress line). */
	void (*progress)(void *ctx, struct run_progress *p);
	/*
	 * Optional: jobs queued ahead (pool.h), so that a worker whose job
	 * ended cleanly starts the next one itself.  `ahead` gives the next
	 * job to queue, holding one slot that it will take over, or NULL;
	 * `handoff` says a worker started queued `to` on the slot of `from`,
	 * which ended (called before from's `finished`); `claim` gives a
	 * queued job a free slot of its own, to start on an idle worker
	 * (false: none is free); `unqueue` takes back a queued job that will
	 * not start (the run was cancelled), before the engine frees it.
	 * Never called while the run is paused or cancelled (but unqueue).
	 */
	struct job *(*ahead)(void *ctx, struct engine *eng);
	void (*handoff)(void *ctx, struct engine *eng, struct job *from, struct job *to);
	bool (*claim)(void *ctx, struct engine *eng, struct job *job);
	void (*unqueue)(void *ctx, struct engine *eng, struct job *job);
};

struct buf;
struct jobserver;

struct engine_config {
	unsigned workers;
	/*
	 * make's jobserver, or NULL: then the run holds make's implicit slot
	 * and one token per further slot, taken as jobs start and given back
	 * as they end.
	 */
	struct jobserver *jobserver;
	const struct report_set *reports;   /* none (listing): messages go to stderr */
	bool listen_keys;                   /* the 't' key on a terminal stdin */
	int64_t grace_period;               /* for groups that outlived their unit */
	const char *run_id;                 /* the guardian's marker (guard.h), or NULL */
};

/*
 * Starts the workers; the engine hears signals from here on.  Fewer than
 * cfg->workers when descriptors or threads run short (said once on
 * stderr); NULL, with why in msg, when not even one could start or no
 * test could (the open-file limit, RLIMIT_NPROC).
 */
struct engine *engine_new(const struct engine_config *cfg, struct buf *msg);
/* How many workers it has: at most cfg->workers, at least one. */
unsigned engine_workers(const struct engine *eng);
/* Runs jobs of the phase until it is over and no job runs. */
void engine_run_phase(struct engine *eng, const struct phase *ph, void *ctx);
/*
 * The end of the engine's work: stops the workers, pushes the reports out,
 * then kills what outlived its unit (leftover process groups: SIGTERM, the
 * grace period, SIGKILL; then escapees found as our children), saying so.
 */
void engine_finish(struct engine *eng);
void engine_free(struct engine *eng);

/* The reporters, for REPORT(); marks the reports as having news to flush. */
const struct report_set *engine_reports(struct engine *eng);
/* A run-level note for people (the reports' message, or stderr). */
void engine_message(struct engine *eng, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* -1 once a reporter could not write (exit 110); also closes the reports. */
int engine_close_reports(struct engine *eng);

/*
 * Cancels the run (once; a later signal still takes over as the reason):
 * no new job should start.  `reason` is "fail-fast", "signal",
 * "setup-script" or "resources" (testrig could not start a test for want
 * of descriptors or processes); the detail is a sentence for people.
 */
void engine_cancel(struct engine *eng, const char *reason, int sig, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool engine_cancelled(const struct engine *eng);
const char *engine_cancel_reason(const struct engine *eng);
const char *engine_cancel_detail(const struct engine *eng);
/* The signal that cancelled the run, or 0. */
int engine_cancel_signal(const struct engine *eng);
/* A second signal came: everything was killed, nothing more may run. */
bool engine_killed(const struct engine *eng);
/* Tells every running job to terminate (TERM to its group, grace, KILL). */
void engine_terminate_running(struct engine *eng, int sig);
/* How many jobs run now. */
unsigned engine_running(const struct engine *eng);
/* The run's clock, which, like every test's, stops while the run is stopped. */
int64_t engine_elapsed(const struct engine *eng);

#endif

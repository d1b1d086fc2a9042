/*
 * unit.h - one unit's life on a worker thread: a test (with its retries), a
 * listing command, or a setup script.  unit_run spawns the process, watches
 * it with poll(2) over its pipes, its pidfd and the worker's wake fd, applies
 * the slow/terminate/grace/leak deadlines on a pausable stopwatch, reaps it
 * with wait4(2), and reports through the event queue.  It never prints and
 * knows nothing of scheduling or reports.
 */
#ifndef TESTRIG_UNIT_H
#define TESTRIG_UNIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "testrig/buf.h"
#include "testrig/capture.h"
#include "testrig/spawn.h"

struct evq;

enum unit_kind { UNIT_TEST, UNIT_LIST, UNIT_SCRIPT };

/* The outcome of one attempt, most to least successful. */
enum verdict {
	V_PASS,
	V_LEAK,         /* passed, but a descendant held its output open */
	V_SKIP,
	V_FAIL,         /* exit code other than 0 or 77 (and 99) */
	V_ERROR,        /* exit 99: a hard error, shown as ERROR */
	V_SIGNAL,       /* killed by a signal */
	V_TIMEOUT,      /* terminated after terminate-after slow periods */
	V_LEAK_FAIL,    /* passed, leaked, and leak-result = fail */
	V_EXEC_FAIL,    /* could not be started */
};

static inline bool verdict_ok(enum verdict v)
{
	return v == V_PASS || v == V_LEAK || v == V_SKIP;
}

struct attempt {
	unsigned number;        /* 1-based */
	enum verdict verdict;
	int exit_code;          /* -1 unless it exited */
	int signo;              /* the signal that killed it, or 0 */
	bool slow;              /* passed at least one slow-timeout period */
	bool leaked;            /* output held open past leak-timeout */
	bool group_left;        /* its process group still had members at the end */
	bool cancelled;         /* terminated because the run was cancelled */
	pid_t pid;
	int64_t start_wall;     /* CLOCK_REALTIME ns when it started */
	int64_t duration;       /* ns from start to exit (stopwatch, pauses excluded) */
	int64_t user_ns, sys_ns;
	long maxrss_kb;
	struct capture out;     /* stdout, or both streams when combined */
	struct capture err;
	char *message;          /* why it failed to start, or a protocol's note */
};

struct attempt *attempt_new(unsigned number, uint64_t output_limit);
void attempt_free(struct attempt *a);
/* "PASS", "FAIL", "SIGSEGV", "TIMEOUT", "LEAK", "EXEC-FAIL", ... */
const char *verdict_label(const struct attempt *a, char scratch[16]);

/* The deadlines and retry policy one unit runs under (all ns; 0 = none). */
struct unit_limits {
	int64_t slow_timeout;
	unsigned terminate_after;
	int64_t grace_period;
	int64_t leak_timeout;
	bool leak_fail;
	uint64_t output_limit;
	unsigned retries;
	bool exponential;
	int64_t delay;
	int64_t max_delay;
	bool jitter;
};

/* Decides an attempt's verdict from its exit status and output (protocols). */
typedef void (*unit_judge_fn)(struct attempt *a, const void *arg);

/*
 * A protocol that reads the test's stdout as it comes (TAP): begin makes a
 * state per attempt, feed sees every chunk of stdout (before any truncation),
 * end decides the verdict from the state and the exit status and frees the
 * state (a == NULL: the attempt was timed out or not started; just free).
 */
struct unit_parser {
	void *(*begin)(void);
	void (*feed)(void *state, const char *p, size_t n);
	void (*end)(void *state, struct attempt *a);
};

struct unit_job {
	enum unit_kind kind;
	void *owner;                /* the dispatcher's record for this unit */
	char **argv;                /* owned, NULL-terminated */
	bool search_path;           /* look argv[0] up in $PATH (commands, not test paths) */
	char **envp;                /* owned array; see env_attempt */
	struct strvec env_owned;    /* strings in envp that the job owns */
	int env_attempt;            /* index in envp for TESTRIG_ATTEMPT=N, or -1 */
	const char *cwd;            /* NULL: ours */
	enum capture_mode capture;
	bool capture_stdout, capture_stderr;
	struct unit_limits limits;
	unit_judge_fn judge;        /* NULL: exit 0 pass, else fail */
	const void *judge_arg;
	const struct unit_parser *parser;  /* if set, it judges instead of `judge` */
	unsigned worker;            /* set by the pool */
};
/*
 * Events of a unit: EV_STARTED per attempt, EV_SLOW, EV_RETRY (with the
 * failed attempt) per retry, then EV_FINISHED with the final attempt.  An
 * EV_FINISHED without a result means the unit was cancelled while waiting to
 * retry: the attempt of the last EV_RETRY is its final result.
 */

void unit_job_free(struct unit_job *job);

/* Requests from the dispatcher to a running unit (bits). */
enum {
	REQ_TERMINATE = 1u << 0,    /* cancel: send term_signal, grace, SIGKILL */
	REQ_KILL = 1u << 1,         /* SIGKILL the group now */
	REQ_PAUSE = 1u << 2,        /* look at want_paused (see unit_ctl_pause) */
	REQ_INFO = 1u << 4,         /* post an EV_INFO snapshot */
	REQ_REAP = 1u << 5,         /* a child may have exited (no pidfd) */
	REQ_STOP_RETRYING = 1u << 6,/* cancel: finish this attempt, no more */
};

/* One worker's control block, shared with the dispatcher. */
struct unit_ctl {
	pthread_mutex_t lock;
	unsigned requests;
	int term_signal;            /* with REQ_TERMINATE */
	bool want_paused;           /* the dispatcher's wish (job control) */
	int64_t pause_change_at;    /* CLOCK_MONOTONIC ns of the latest wish */
	int wake_rd, wake_wr;       /* eventfd (rd == wr) or a pipe */
	uint64_t rng;               /* jitter state, worker-private */
	bool paused;                /* worker-private: clocks are stopped */
	char *scratch;              /* worker-private: read buffer */
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

/* Runs the job to completion on the calling (worker) thread. */
void unit_run(struct unit_job *job, struct unit_ctl *ctl, struct evq *q);

/* The exec protocol's reading of an exit status: 0 pass, 77 skip, 99 error. */
void unit_judge_exec(struct attempt *a, const void *arg);

/* The retry delay before attempt `next` (2 = first retry), jitter applied. */
int64_t unit_retry_delay(const struct unit_limits *l, unsigned next, uint64_t *rng);

#endif

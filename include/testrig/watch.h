/*
 * watch.h - where an attempt's process stands while a worker watches it,
 * and what moves it on: a state, the one deadline each state has, and what
 * each thing that happens does in each state (as s6-supervise keeps a
 * supervised process).  Pure: no system call, no clock; unit.c looks at the
 * world (pipes, the process group, the stopwatch) and carries out the
 * actions a move returns.
 */
#ifndef TESTRIG_WATCH_H
#define TESTRIG_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The leader runs in the first three states, has been reaped in the next
 * three; the attempt's watch ends in W_DONE.  While the run is paused no
 * deadline passes (the caller's stopwatch stands still).
 */
enum watch_state {
	W_RUNNING,      /* untouched; deadline: the next slow report (the timeout at the last) */
	W_GRACE,        /* sent the terminating signal; deadline: the grace period's end */
	W_KILLED,       /* sent SIGKILL; none: the leader's end comes through the pidfd */
	W_DRAINING,     /* reaped, its pipes open; deadline: the leak timeout (then leaked) */
	W_GROUP_GRACE,  /* reaped, the signalled group lives on; deadline: the grace period's end */
	W_GROUP_KILLED, /* reaped, the group got SIGKILL; deadline: the leak window's end */
	W_DONE,
};

/* What the caller does after a move (bits). */
enum {
	WA_SIGNAL = 1u << 0,    /* send the terminating signal to the group, then SIGCONT */
	WA_KILL = 1u << 1,      /* send SIGKILL to the group */
	WA_SLOW = 1u << 2,      /* report a slow period (watch.periods says which) */
	WA_TIMEOUT = 1u << 3,   /* the test timed out: the on-timeout hook, then watch_terminate */
	WA_LEAKED = 1u << 4,    /* stop waiting for the pipes: a descendant holds them */
};

/* The deadlines of an attempt (ns on its stopwatch; 0 = none). */
struct watch_limits {
	int64_t slow_timeout;
	unsigned terminate_after;   /* slow periods before the timeout; 0 = never */
	int64_t grace_period;       /* 0: SIGKILL at once */
	int64_t leak_timeout;
};

struct watch {
	enum watch_state state;
	struct watch_limits limits;
	unsigned periods;           /* slow periods so far */
	int64_t next_slow;          /* the next slow report (INT64_MAX: none) */
	int64_t grace_deadline;
	int64_t leak_deadline;
};

/* A watch of a process just started: W_RUNNING, the first slow report ahead. */
void watch_start(struct watch *w, const struct watch_limits *l);
/* The leader runs (W_RUNNING, W_GRACE or W_KILLED). */
bool watch_leader_alive(const struct watch *w);
/* The state's deadline at elapsed time `el` (INT64_MAX: none); `pipes`: a pipe is open. */
int64_t watch_deadline(const struct watch *w, bool pipes, int64_t el);
/* Whether watch_settle wants to know if the process group still has members. */
bool watch_asks_group(const struct watch *w);
/*
 * The moves nothing announces, made when looked for: the signalled group
 * emptied (or its leak window passed), the pipes closed.  `group` is only
 * looked at when watch_asks_group said so.
 */
void watch_settle(struct watch *w, bool pipes, bool group, int64_t el);
/* The leader was reaped `duration` into the attempt. */
void watch_leader_exit(struct watch *w, int64_t duration);
/* The state's deadline may have passed at `el`: the actions it calls for. */
unsigned watch_time(struct watch *w, bool pipes, int64_t el);
/*
 * Terminate (a timeout, a cancel): the terminating signal and the grace
 * period, or SIGKILL at once (kill_now, or no grace period).  A process
 * already signalled is left as it is: the caller decides about repeating a
 * user's signal (W_GRACE).
 */
unsigned watch_terminate(struct watch *w, bool kill_now, int64_t el);
/* SIGKILL now (a hard cancel), whatever was sent before. */
unsigned watch_kill(struct watch *w);
/* isolation = binary: a new case started; its slow clock starts at `el`. */
void watch_restart_slow(struct watch *w, int64_t el);
/* The state as a word for info queries ("running", "terminating", ...). */
const char *watch_state_name(enum watch_state s);

#endif

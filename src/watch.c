/*
 * watch.c - the states of an attempt's process (watch.h): each state's
 * deadline in watch_deadline, what happens when it passes in watch_time,
 * and a function per thing that happens.  No system calls: unit.c looks
 * and acts; test/unit/test_watch.c drives every move without a process.
 */
#include <stdint.h>

#include "testrig/watch.h"

/*
 * How often to look whether a signalled group is empty once the leader is
 * gone and no pipe is left to wait on (a rare case: members that closed
 * their output and ignore the signal, or are dying of SIGKILL).
 */
#define LINGER_LOOK (50 * INT64_C(1000000))
#define LINGER_LOOK_KILLED (2 * INT64_C(1000000))

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

void watch_start(struct watch *w, const struct watch_limits *l)
{
	w->state = W_RUNNING;
	w->limits = *l;
	w->periods = 0;
	w->next_slow = l->slow_timeout > 0 ? l->slow_timeout : INT64_MAX;
	w->grace_deadline = w->leak_deadline = INT64_MAX;
}

bool watch_leader_alive(const struct watch *w)
{
	return w->state <= W_KILLED;
}

int64_t watch_deadline(const struct watch *w, bool pipes, int64_t el)
{
	switch (w->state) {
	case W_RUNNING:
		return w->next_slow;
	case W_GRACE:
		return w->grace_deadline;
	case W_DRAINING:
		return w->leak_deadline;
	case W_GROUP_GRACE:
		/* Nothing to poll without pipes: look at the group again now and then. */
		return min64(w->grace_deadline, pipes ? INT64_MAX : el + LINGER_LOOK);
	case W_GROUP_KILLED:
		return pipes ? w->leak_deadline : min64(w->leak_deadline, el + LINGER_LOOK_KILLED);
	case W_KILLED:
	case W_DONE:
		break;
	}
	return INT64_MAX;
}

bool watch_asks_group(const struct watch *w)
{
	return w->state == W_GROUP_GRACE || w->state == W_GROUP_KILLED;
}

void watch_settle(struct watch *w, bool pipes, bool group, int64_t el)
{
	switch (w->state) {
	case W_GROUP_GRACE:
		/* The grace period holds for the whole group, the leader gone or not. */
		if (!group)
			w->state = pipes ? W_DRAINING : W_DONE;
		break;
	case W_GROUP_KILLED:
		/* Killed members have the leak window to die; after it they no longer count. */
		if (!group || el >= w->leak_deadline)
			w->state = pipes ? W_DRAINING : W_DONE;
		break;
	case W_DRAINING:
		if (!pipes)
			w->state = W_DONE;
		break;
	case W_RUNNING:
	case W_GRACE:
	case W_KILLED:
	case W_DONE:
		break;
	}
}

void watch_leader_exit(struct watch *w, int64_t duration)
{
	if (!watch_leader_alive(w))
		return;
	w->leak_deadline = duration + w->limits.leak_timeout;
	/*
	 * An untouched test's descendants only matter through its pipes; a
	 * signalled one's group still has its grace period, or the leak
	 * window to die in (watch_settle moves on when it is empty).
	 */
	w->state = w->state == W_RUNNING ? W_DRAINING : w->state == W_GRACE ? W_GROUP_GRACE
		: W_GROUP_KILLED;
}

unsigned watch_time(struct watch *w, bool pipes, int64_t el)
{
	bool leader = watch_leader_alive(w);

	switch (w->state) {
	case W_RUNNING:
		if (el < w->next_slow)
			return 0;
		w->periods++;
		w->next_slow += w->limits.slow_timeout;
		if (w->limits.terminate_after && w->periods >= w->limits.terminate_after)
			return WA_SLOW | WA_TIMEOUT;
		return WA_SLOW;
	case W_GRACE:
	case W_GROUP_GRACE:
		if (el < w->grace_deadline)
			return 0;
		w->state = leader ? W_KILLED : W_GROUP_KILLED;
		/* The killed holders close the pipes: they have the leak window. */
		if (!leader)
			w->leak_deadline = el + w->limits.leak_timeout;
		return WA_KILL;
	case W_DRAINING:
	case W_GROUP_KILLED:
		if (el < w->leak_deadline || !pipes)
			return 0;
		w->state = W_DONE;
		return WA_LEAKED;
	case W_KILLED:
	case W_DONE:
		break;
	}
	return 0;
}

unsigned watch_terminate(struct watch *w, bool kill_now, int64_t el)
{
	bool leader = watch_leader_alive(w);

	if (w->state != W_RUNNING && w->state != W_DRAINING)
		return 0;
	if (kill_now || w->limits.grace_period == 0) {
		w->state = leader ? W_KILLED : W_GROUP_KILLED;
		return WA_KILL;
	}
	w->state = leader ? W_GRACE : W_GROUP_GRACE;
	w->grace_deadline = el + w->limits.grace_period;
	return WA_SIGNAL;
}

unsigned watch_kill(struct watch *w)
{
	if (w->state == W_DONE)
		return 0;
	w->state = watch_leader_alive(w) ? W_KILLED : W_GROUP_KILLED;
	return WA_KILL;
}

void watch_restart_slow(struct watch *w, int64_t el)
{
	if (w->state != W_RUNNING)
		return;
	w->periods = 0;
	w->next_slow = w->limits.slow_timeout > 0 ? el + w->limits.slow_timeout : INT64_MAX;
}

const char *watch_state_name(enum watch_state s)
{
	switch (s) {
	case W_RUNNING:
		return "running";
	case W_GRACE:
	case W_KILLED:
		return "terminating";
	case W_DRAINING:
	case W_GROUP_GRACE:
	case W_GROUP_KILLED:
		return "waiting for leaked handles";
	case W_DONE:
		break;
	}
	return "finished";
}

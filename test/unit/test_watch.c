/*
 * test_watch.c - an attempt's states without a process (watch.h): each
 * state's deadline, what its passing does, and each event in each state:
 * slow periods up to the timeout, the grace period and SIGKILL, a group
 * outliving its leader, leaked pipes, cancels and hard kills, pausing
 * nothing here (the caller's stopwatch stands still), cases restarting the
 * slow clock.
 */
#define _GNU_SOURCE
#include <stdint.h>

#include "check.h"
#include "testrig/watch.h"

#define MS INT64_C(1000000)

/* slow 100 ms, a timeout after 3 periods, 50 ms of grace, 200 ms for leaks. */
static const struct watch_limits limits = { 100 * MS, 3, 50 * MS, 200 * MS };

static void test_slow_periods_then_timeout(void)
{
	struct watch w;

	watch_start(&w, &limits);
	CHECK_INT(w.state, W_RUNNING);
	CHECK(watch_leader_alive(&w));
	CHECK_INT(watch_deadline(&w, true, 0), 100 * MS);
	CHECK_INT(watch_time(&w, true, 99 * MS), 0);
	CHECK_INT(watch_time(&w, true, 100 * MS), WA_SLOW);
	CHECK_INT(w.periods, 1);
	CHECK_INT(watch_deadline(&w, true, 100 * MS), 200 * MS);
	CHECK_INT(watch_time(&w, true, 200 * MS), WA_SLOW);
	CHECK_INT(watch_time(&w, true, 300 * MS), WA_SLOW | WA_TIMEOUT);
	CHECK_INT(w.periods, 3);
	/* The caller runs the hook, then terminates: the grace period from then. */
	CHECK_INT(watch_terminate(&w, false, 310 * MS), WA_SIGNAL);
	CHECK_INT(w.state, W_GRACE);
	CHECK_INT(watch_deadline(&w, true, 310 * MS), 360 * MS);
	CHECK_INT(watch_time(&w, true, 359 * MS), 0);
	CHECK_INT(watch_time(&w, true, 360 * MS), WA_KILL);
	CHECK_INT(w.state, W_KILLED);
	/* Killed: no deadline, the pidfd says when it is gone. */
	CHECK_INT(watch_deadline(&w, true, 400 * MS), INT64_MAX);
	CHECK_INT(watch_time(&w, true, 10000 * MS), 0);
	watch_leader_exit(&w, 365 * MS);
	CHECK_INT(w.state, W_GROUP_KILLED);
	CHECK(watch_asks_group(&w));
	/* Its group is empty and its pipes closed: done. */
	watch_settle(&w, false, false, 366 * MS);
	CHECK_INT(w.state, W_DONE);
	CHECK(!watch_leader_alive(&w));
}

static void test_no_slow_timeout(void)
{
	struct watch_limits l = { 0, 0, 50 * MS, 200 * MS };
	struct watch w;

	watch_start(&w, &l);
	CHECK_INT(watch_deadline(&w, true, 0), INT64_MAX);
	CHECK_INT(watch_time(&w, true, INT64_MAX - 1), 0);
	/* Slow reports but never a timeout. */
	l.slow_timeout = 10 * MS;
	watch_start(&w, &l);
	CHECK_INT(watch_time(&w, true, 1000 * MS), WA_SLOW);
	CHECK_INT(watch_time(&w, true, 1000 * MS), WA_SLOW);
	CHECK_INT(w.state, W_RUNNING);
}

/* An untouched test's leader exits; a descendant keeps its pipe open. */
static void test_leaked_pipes(void)
{
	struct watch w;

	watch_start(&w, &limits);
	watch_leader_exit(&w, 30 * MS);
	CHECK_INT(w.state, W_DRAINING);
	CHECK(!watch_asks_group(&w));
	CHECK_INT(watch_deadline(&w, true, 40 * MS), 230 * MS);
	watch_settle(&w, true, true, 40 * MS);
	CHECK_INT(w.state, W_DRAINING);
	CHECK_INT(watch_time(&w, true, 229 * MS), 0);
	CHECK_INT(watch_time(&w, true, 230 * MS), WA_LEAKED);
	CHECK_INT(w.state, W_DONE);
	/* Pipes closed in time: done, nothing leaked. */
	watch_start(&w, &limits);
	watch_leader_exit(&w, 30 * MS);
	watch_settle(&w, false, true, 50 * MS);
	CHECK_INT(w.state, W_DONE);
	/* A pipe that closes at the deadline is not a leak. */
	watch_start(&w, &limits);
	watch_leader_exit(&w, 30 * MS);
	CHECK_INT(watch_time(&w, false, 300 * MS), 0);
}

/* A signalled group whose leader is gone keeps the grace period, then SIGKILL, then the leak window. */
static void test_group_outlives_leader(void)
{
	struct watch w;

	watch_start(&w, &limits);
	CHECK_INT(watch_terminate(&w, false, 10 * MS), WA_SIGNAL);
	watch_leader_exit(&w, 20 * MS);
	CHECK_INT(w.state, W_GROUP_GRACE);
	CHECK(watch_asks_group(&w));
	watch_settle(&w, true, true, 30 * MS);
	CHECK_INT(w.state, W_GROUP_GRACE);
	/* With pipes the grace period's end; without, a look now and then too. */
	CHECK_INT(watch_deadline(&w, true, 30 * MS), 60 * MS);
	CHECK(watch_deadline(&w, false, 30 * MS) > 30 * MS && watch_deadline(&w, false, 30 * MS) <= 60 * MS);
	CHECK_INT(watch_time(&w, true, 60 * MS), WA_KILL);
	CHECK_INT(w.state, W_GROUP_KILLED);
	/* The killed members have the leak window from now. */
	CHECK_INT(watch_deadline(&w, true, 60 * MS), 260 * MS);
	watch_settle(&w, true, true, 100 * MS);
	CHECK_INT(w.state, W_GROUP_KILLED);
	CHECK_INT(watch_time(&w, true, 260 * MS), WA_LEAKED);
	CHECK_INT(w.state, W_DONE);
	/* Members that die in the window, their pipes with them: done. */
	watch_start(&w, &limits);
	watch_terminate(&w, false, 10 * MS);
	watch_leader_exit(&w, 20 * MS);
	watch_settle(&w, true, false, 25 * MS);
	CHECK_INT(w.state, W_DRAINING);
	watch_settle(&w, false, false, 26 * MS);
	CHECK_INT(w.state, W_DONE);
	/* After the leak window killed members no longer count: only the pipes do. */
	watch_start(&w, &limits);
	watch_kill(&w);
	watch_leader_exit(&w, 20 * MS);
	watch_settle(&w, false, true, 219 * MS);
	CHECK_INT(w.state, W_GROUP_KILLED);
	watch_settle(&w, false, true, 220 * MS);
	CHECK_INT(w.state, W_DONE);
}

static void test_cancel(void)
{
	struct watch_limits nograce = { 100 * MS, 3, 0, 200 * MS };
	struct watch w;

	/* A cancel with the default signal: grace; a second one changes nothing here. */
	watch_start(&w, &limits);
	CHECK_INT(watch_terminate(&w, false, 5 * MS), WA_SIGNAL);
	CHECK_INT(watch_terminate(&w, false, 6 * MS), 0);
	CHECK_INT(w.grace_deadline, 55 * MS);
	/* The slow clock no longer runs once terminating. */
	CHECK_INT(watch_time(&w, true, 100 * MS), WA_KILL);
	/* SIGKILL as the signal, or no grace period: killed at once. */
	watch_start(&w, &limits);
	CHECK_INT(watch_terminate(&w, true, 5 * MS), WA_KILL);
	CHECK_INT(w.state, W_KILLED);
	watch_start(&w, &nograce);
	CHECK_INT(watch_terminate(&w, false, 5 * MS), WA_KILL);
	CHECK_INT(w.state, W_KILLED);
	/* A hard kill in the grace period. */
	watch_start(&w, &limits);
	watch_terminate(&w, false, 5 * MS);
	CHECK_INT(watch_kill(&w), WA_KILL);
	CHECK_INT(w.state, W_KILLED);
	/* A cancel while draining an untouched test's pipes signals its group. */
	watch_start(&w, &limits);
	watch_leader_exit(&w, 10 * MS);
	CHECK_INT(watch_terminate(&w, false, 20 * MS), WA_SIGNAL);
	CHECK_INT(w.state, W_GROUP_GRACE);
	watch_settle(&w, true, false, 21 * MS);
	CHECK_INT(w.state, W_DRAINING);
	/* Killed after the leader went: the leak window it had. */
	watch_start(&w, &limits);
	watch_leader_exit(&w, 10 * MS);
	CHECK_INT(watch_kill(&w), WA_KILL);
	CHECK_INT(w.state, W_GROUP_KILLED);
	CHECK_INT(w.leak_deadline, 210 * MS);
	/* Nothing is done to a finished watch. */
	watch_settle(&w, false, false, 30 * MS);
	CHECK_INT(w.state, W_DONE);
	CHECK_INT(watch_kill(&w), 0);
	CHECK_INT(watch_terminate(&w, false, 40 * MS), 0);
	CHECK_INT(watch_time(&w, true, 1000 * MS), 0);
}

/* isolation = binary: each case's slow clock starts when the case does. */
static void test_cases_restart_slow(void)
{
	struct watch w;

	watch_start(&w, &limits);
	CHECK_INT(watch_time(&w, true, 250 * MS), WA_SLOW);
	CHECK_INT(watch_time(&w, true, 250 * MS), WA_SLOW);
	watch_restart_slow(&w, 260 * MS);
	CHECK_INT(w.periods, 0);
	CHECK_INT(watch_deadline(&w, true, 260 * MS), 360 * MS);
	CHECK_INT(watch_time(&w, true, 359 * MS), 0);
	CHECK_INT(watch_time(&w, true, 360 * MS), WA_SLOW);
	/* Not once terminating. */
	watch_terminate(&w, false, 370 * MS);
	watch_restart_slow(&w, 380 * MS);
	CHECK_INT(w.state, W_GRACE);
	CHECK_INT(w.periods, 1);
}

static void test_state_names(void)
{
	CHECK_STR(watch_state_name(W_RUNNING), "running");
	CHECK_STR(watch_state_name(W_GRACE), "terminating");
	CHECK_STR(watch_state_name(W_KILLED), "terminating");
	CHECK_STR(watch_state_name(W_DRAINING), "waiting for leaked handles");
	CHECK_STR(watch_state_name(W_GROUP_GRACE), "waiting for leaked handles");
	CHECK_STR(watch_state_name(W_GROUP_KILLED), "waiting for leaked handles");
}

int main(void)
{
	RUN(test_slow_periods_then_timeout);
	RUN(test_no_slow_timeout);
	RUN(test_leaked_pipes);
	RUN(test_group_outlives_leader);
	RUN(test_cancel);
	RUN(test_cases_restart_slow);
	RUN(test_state_names);
	return check_done();
}

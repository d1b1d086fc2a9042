/*
 * reap.c - killing what outlived its unit: leftover process groups (TERM,
 * grace period, KILL, while still hearing signals) and escaped children
 * found in /proc.  Owns the list of leftover groups.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/guard.h"
#include "testrig/reap.h"
#include "testrig/sig.h"
#include "testrig/spawn.h"
#include "testrig/util.h"

#define LOOK_EVERY (50 * NS_PER_MS)

void leftovers_add(struct leftovers *l, pid_t pgid)
{
	l->groups = xreallocarray(l->groups, l->n + 1, sizeof *l->groups);
	l->groups[l->n++] = pgid;
}

void leftovers_free(struct leftovers *l)
{
	free(l->groups);
	l->groups = NULL;
	l->n = 0;
}

/* How many groups still have members; forgets the empty ones. */
static size_t count_alive(struct leftovers *l)
{
	size_t i, alive = 0;

	for (i = 0; i < l->n; i++) {
		if (l->groups[i] && spawn_group_alive(l->groups[i]))
			alive++;
		else
			l->groups[i] = 0;
	}
	return alive;
}

static void signal_all(struct leftovers *l, int sig)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->groups[i]) {
			kill(-l->groups[i], sig);
			/* A stopped group would never act on anything but SIGKILL. */
			if (sig != SIGKILL)
				kill(-l->groups[i], SIGCONT);
		}
	}
}

void leftovers_kill(struct leftovers *l, int64_t grace, bool kill_now, bool subreaper,
		    bool (*hear)(void *ctx, int sig), void *ctx, struct buf *msg)
{
	size_t i, alive = count_alive(l), first = alive;
	bool termed = !kill_now && grace > 0;
	int64_t deadline;

	if (!alive)
		return;
	kill_now = !termed;
	buf_printf(msg, "%zu process group%s outlived %s test or script: sent ", first,
		   first == 1 ? "" : "s", first == 1 ? "its" : "their");
	if (termed) {
		signal_all(l, SIGTERM);
		buf_adds(msg, "SIGTERM");
	}
	deadline = mono_ns() + grace;
	while (!kill_now) {
		int64_t left = deadline - mono_ns();
		int sig;

		if (!(alive = count_alive(l)) || left <= 0)
			break;
		sig = sig_wait_end(subreaper || left < LOOK_EVERY ? left : LOOK_EVERY);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			if (hear(ctx, sig))
				kill_now = true;
			else
				signal_all(l, sig);
		}
	}
	if (kill_now)
		alive = count_alive(l);
	if (!alive)
		return;
	signal_all(l, SIGKILL);
	if (!termed)
		buf_adds(msg, "SIGKILL");
	else if (kill_now)
		buf_printf(msg, ", then SIGKILL to %zu at once (a second signal)", alive);
	else
		buf_printf(msg, ", then SIGKILL to %zu after the grace period", alive);
	for (i = 0; i < l->n; i++)
		while (l->groups[i] && waitpid(-l->groups[i], NULL, 0) > 0)
			;
}

void reap_escapees(void (*say)(void *ctx, const char *text), void *ctx)
{
	unsigned round;

	/*
	 * Killing one may orphan its own children (in its new session), which
	 * then become ours: look again until none is left (bounded, in case
	 * something keeps forking).
	 */
	for (round = 0; round < 64; round++) {
		struct strvec found = STRVEC_INIT;
		pid_t *pids, w;
		size_t i, n;

		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		/* No child at all (how a run usually ends): nothing to look for in /proc. */
		if (w < 0 && errno == ECHILD)
			break;
		n = spawn_find_children(&pids, &found);
		for (i = 0; i < n; i++) {
			char *m = xasprintf("process %d (%s) left its test's process group and "
					    "outlived it: killed", (int)pids[i], found.v[i]);
			/* With its own group (setsid, setpgid), if it leads one. */
			if (getpgid(pids[i]) == pids[i])
				kill(-pids[i], SIGKILL);
			kill(pids[i], SIGKILL);
			say(ctx, m);
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
			w = waitpid(-1, NULL, WNOHANG);
			if (w < 0 && errno == ECHILD)
				break;
			/* The guardian stays our child to the end, and none other was found. */
			if (w == 0 && guard_pid())
				break;
			if (w == 0)
				(void)sig_wait_end(10 * NS_PER_MS);
		}
	}
}

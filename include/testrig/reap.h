/*
 * reap.h - what outlives a unit: process groups still alive after their
 * test or script ended (a daemon it started, a child holding its output),
 * and processes that left their group altogether (setsid) and, as we are
 * the subreaper, became our children.  At the end of a phase both are
 * killed and named.  Knows nothing of runs or reports: it is told how to
 * hear signals and where to say what it did.
 */
#ifndef TESTRIG_REAP_H
#define TESTRIG_REAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

/* Process groups that outlived their unit (each the unit's leader pid). */
struct leftovers {
	pid_t *groups;
	size_t n;
};

void leftovers_add(struct leftovers *l, pid_t pgid);
void leftovers_free(struct leftovers *l);

/*
 * Kills the groups still alive: SIGTERM (unless `kill_now` or no grace),
 * up to `grace` for them to go, then SIGKILL.  As the subreaper their
 * members are our children, so SIGCHLD says when one exits; without it we
 * look every 50ms.  A SIGINT, SIGTERM or SIGHUP meanwhile goes to
 * hear(ctx, sig): when it returns true (a second signal) SIGKILL goes at
 * once, otherwise the signal is forwarded to the groups.  What was done is
 * appended to `msg` (nothing when no group was alive).
 */
void leftovers_kill(struct leftovers *l, int64_t grace, bool kill_now, bool subreaper,
		    bool (*hear)(void *ctx, int sig), void *ctx, struct buf *msg);

/*
 * Kills every child of ours still alive (it left its test's group and we
 * adopted it), with its own group if it leads one, and whatever it orphans;
 * say(ctx, text) names each.  Returns once no child is left.
 */
void reap_escapees(void (*say)(void *ctx, const char *text), void *ctx);

#endif

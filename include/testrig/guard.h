/*
 * guard.h - the guardian: a process of testrig's own, in a session of its
 * own, that outlives a testrig killed with SIGKILL just long enough to kill
 * what that testrig started.  Where a cgroup v2 directory can be made under
 * testrig's own cgroup (or under TESTRIG_CGROUP), testrig moves itself into
 * a new cgroup for the run, so every test and everything a test starts is
 * in it (setsid and double forks too), and the guardian kills the cgroup.
 * Elsewhere testrig tells the guardian each test's process group as it
 * starts and ends, and the guardian also looks in /proc for processes whose
 * environment carries the run's TESTRIG_RUN_ID.
 */
#ifndef TESTRIG_GUARD_H
#define TESTRIG_GUARD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Starts the guardian, once per process (later calls do nothing): before
 * this process becomes a subreaper and starts threads of its own.  A
 * guardian that cannot be started costs one warning; the run goes on.
 */
void guard_start(const char *run_id, int64_t grace);
/*
 * Whether to look for a cgroup when TESTRIG_CGROUP is unset (default yes):
 * entering one costs a few milliseconds once, too much for a command that
 * runs one test (automake-driver).
 */
void guard_cgroup_by_default(bool yes);
/*
 * A test's process group exists: true when the guardian was told (false
 * once testrig is in the run's cgroup, or with no guardian).
 */
bool guard_track(pid_t pgid);
/* A group guard_track told of is empty: the guardian forgets it. */
void guard_forget(pid_t pgid);
/*
 * The normal end: testrig leaves the run's cgroup, the guardian kills
 * whatever is still in it, removes it and exits; this waits for that.
 */
void guard_stop(void);
/* The guardian's pid (our child, not a test's: reap.c leaves it), or 0. */
pid_t guard_pid(void);
/* The run's cgroup directory, or NULL when the run has none. */
const char *guard_cgroup(void);

/* The word that makes main() the guardian's (start_guardian executes us with it). */
#define GUARD_ARG "--testrig-guardian"
/* The guardian's main: argv as start_guardian gives it; returns only on bad arguments. */
int guard_main(int argc, char **argv);

#endif

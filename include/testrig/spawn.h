/*
 * spawn.h - starting one child process: argv, environment, working
 * directory, which of its streams are piped back to us, its own process
 * group, stdin from /dev/null (or an empty pipe), an empty signal mask.
 * It owns nothing after child_spawn returns: the caller watches and reaps
 * the child (see unit.h).
 */
#ifndef TESTRIG_SPAWN_H
#define TESTRIG_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "testrig/capture.h"

struct strvec;

struct child {
	/* Filled by the caller. */
	char *const *argv;          /* argv[0] is the program */
	bool search_path;           /* argv[0] without a '/' is looked up in $PATH */
	char *const *envp;
	const char *cwd;            /* NULL: ours */
	enum capture_mode capture;
	bool capture_stdout;        /* with CAPTURE_SPLIT: each stream can */
	bool capture_stderr;        /*   be left inherited (setup scripts) */
	pid_t ptracer;              /* > 0: the child lets this process ptrace it (Yama) */
	int inherit_fd;             /* >= 0: the child has it too, at the same number */
	/* Filled by child_spawn. */
	pid_t pid;
	int out_fd;                 /* read end of the stdout (or combined) pipe, or -1 */
	int err_fd;                 /* read end of the stderr pipe, or -1 */
	int pidfd;                  /* a pidfd for the child, or -1 */
	bool guarded;               /* the guardian was told of its group (guard.h) */
	/*
	 * After a failure: testrig's own (its pipes, fork) rather than the
	 * program's (exec, chdir); EMFILE or EAGAIN then is testrig's shortage.
	 */
	bool own_failure;
};

/*
 * Opens what every child shares (/dev/null for stdin, else an empty pipe)
 * before any worker runs; 0, or the errno value saying why not.  Called
 * again, does nothing.
 */
int spawn_prepare(void);
/* A child with the defaults: split capture of both streams, no cwd. */
void child_init(struct child *c, char *const *argv, char *const *envp);
/*
 * Starts the child.  Returns 0, or an errno value saying why it could not be
 * started (ENOENT, EACCES, ENOEXEC, ...): then no process exists and no fd is
 * left open.  Any other failure (no fds, no memory) is also returned as errno.
 */
int child_spawn(struct child *c);
/*
 * execvp's lookup of a program: NULL with *err 0 for a name with a '/'
 * (used as it is); else the first executable regular file of that name in
 * $PATH (default /bin:/usr/bin), malloc'd, or NULL with *err ENOENT (EACCES
 * when only files that cannot be executed were found).
 */
char *spawn_search_path(const char *name, int *err);
/* A person's words for a child_spawn error: "not found", "permission denied"... */
const char *spawn_strerror(int err);
/* Closes whichever of the child's fds are still open (does not reap it). */
void child_close_fds(struct child *c);
/*
 * How many processes could be started now, up to max (at most
 * SPAWN_SPARE_MAX): that many are forked, held at once and reaped.  *err
 * is why there could be no more (EAGAIN: RLIMIT_NPROC), or 0.
 */
#define SPAWN_SPARE_MAX 64
unsigned spawn_count_spare(unsigned max, int *err);
/*
 * Makes this process the subreaper of its descendants (Linux), so orphans of
 * tests become our children rather than init's.  False where unsupported.
 */
bool spawn_become_subreaper(void);
/*
 * Lists our living child processes (pid and command name) by reading /proc;
 * returns how many, *pids malloc'd.  0 where /proc cannot be read.
 */
size_t spawn_find_children(pid_t **pids, struct strvec *names);
/*
 * SIGKILL to every child of ours and its process group (the fatal-error
 * path): allocates nothing, so that it works when memory ran out.
 */
void spawn_kill_children(void);
/*
 * Reaps the members of process group pg that are our zombies (we are the
 * subreaper of the tests' descendants), then says whether the group still
 * has members.
 */
bool spawn_group_alive(pid_t pg);

#endif

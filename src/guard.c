/*
 * guard.c - the guardian (see guard.h): testrig executed afresh with
 * GUARD_ARG (or, without /proc/self/exe, a fork of it, which is why what
 * the guardian runs makes system calls only: no malloc, no stdio).  It
 * hears testrig through a pipe: 8-byte messages (track or forget a process
 * group, "no cgroup after all", quit), read in batches; end of file without
 * a quit means testrig died, and then it signals what is left (SIGTERM, up
 * to the grace period, SIGKILL) and exits.  testrig's side: the run's
 * cgroup made, the guardian started, the move into the cgroup (a thread).
 *
 * Global state: on testrig's side the guardian's pid, the pipe's write end,
 * the cgroup's path and the mover thread, set by guard_start on the main
 * thread before workers exist; cg_state, which the mover sets, is atomic.
 * In the guardian, its own copies and the groups it was told of.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "testrig/guard.h"
#include "testrig/util.h"

enum { MSG_TRACK = 1, MSG_FORGET, MSG_NO_CGROUP, MSG_QUIT };
/* Groups the guardian can hold at once: far more than tests run at once. */
#define GROUPS_MAX 16384

struct msg {
	int32_t op;
	int32_t pid;
};

static pid_t gpid;
static int gfd = -1;
static char cg_dir[PATH_MAX];       /* the run's cgroup, or "" */
/* Whether testrig is in it yet: the mover thread moves it while the run starts. */
enum { CG_NONE, CG_PENDING, CG_IN };
static atomic_int cg_state;
static pthread_t mover;
static bool mover_started;
static char run_marker[96];         /* "TESTRIG_RUN_ID=<id>" */
static bool cgroup_by_default = true;
static int64_t grace_ns;
static pid_t rig_pid;               /* the testrig the guardian guards (its parent) */
/* The guardian's own state (its copy of the BSS; untouched pages cost nothing). */
static pid_t groups[GROUPS_MAX];
static size_t ngroups;

/* ---- the guardian: system calls only ------------------------------------ */

static void nap_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Reads a small file under the cgroup into b (NUL-terminated); its length or -1. */
static ssize_t cg_read(const char *name, char *b, size_t size)
{
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", cg_dir, name) >= sizeof path)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, b, size - 1);
	close(fd);
	if (n >= 0)
		b[n] = 0;
	return n;
}

static bool cg_populated(void)
{
	char b[256];

	/* Unreadable: assume empty, or the guardian would wait for nothing. */
	return cg_read("cgroup.events", b, sizeof b) > 0 && strstr(b, "populated 1");
}

/*
 * Signals each process of the run's cgroup but `except` (0: none); SIGKILL
 * to all of it through cgroup.kill where that exists.
 */
static void cg_signal(int sig, pid_t except)
{
	char path[PATH_MAX + 32], b[4096];
	size_t have = 0;
	ssize_t n;
	int fd;

	if (sig == SIGKILL && !except) {
		snprintf(path, sizeof path, "%s/cgroup.kill", cg_dir);
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0) {
			n = write(fd, "1", 1);
			close(fd);
			if (n == 1)
				return;
		}
	}
	snprintf(path, sizeof path, "%s/cgroup.procs", cg_dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	/* One pid a line; a line cut by the buffer's end is carried to the next read. */
	while ((n = read(fd, b + have, sizeof b - 1 - have)) > 0) {
		char *p = b, *nl;

		have += (size_t)n;
		b[have] = 0;
		while ((nl = strchr(p, '\n'))) {
			long pid = strtol(p, NULL, 10);

			if (pid > 1 && pid != (long)except)
				kill((pid_t)pid, sig);
			p = nl + 1;
		}
		have = strlen(p);
		memmove(b, p, have);
	}
	close(fd);
}

/* Whether /proc/NAME/environ holds the run's marker as one whole variable. */
static bool carries_marker(const char *name)
{
	char path[64], b[8192 + sizeof run_marker + 1];
	size_t mlen = strlen(run_marker), keep = 1, i;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%s/environ", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	/*
	 * Each variable ends with a NUL; b[0] stands for the one before the
	 * first.  The last mlen + 1 bytes carry over, so that a variable cut
	 * by a read's end is looked at whole after the next.
	 */
	b[0] = 0;
	while ((n = read(fd, b + keep, 8192)) > 0) {
		size_t len = keep + (size_t)n;

		for (i = 0; i + 1 + mlen < len; i++)
			if (b[i] == 0 && b[i + 1 + mlen] == 0 && !memcmp(b + i + 1, run_marker, mlen)) {
				close(fd);
				return true;
			}
		keep = len < mlen + 1 ? len : mlen + 1;
		memmove(b, b + len - keep, keep);
	}
	close(fd);
	return false;
}

struct scan {
	int sig;
	unsigned found;
};

static bool tracked(pid_t pg)
{
	for (size_t i = 0; i < ngroups; i++)
		if (groups[i] == pg)
			return true;
	return false;
}

/*
 * A /proc entry that is one of the run's living processes: in a tracked
 * group, or carrying the run's marker.  Zombies are not: whoever reaps
 * them now (init) may take its time.
 */
static int scan_one(void *ctx, const char *name)
{
	struct scan *s = ctx;
	char stat[512];
	const char *comm, *fields;
	size_t comm_len;
	long pid, pgrp = 0;

	if ((pid = strtol(name, NULL, 10)) == (long)getpid())
		return 0;
	/* Zombies are not alive: whoever reaps them now (init) may take its time. */
	fields = proc_stat(name, stat, sizeof stat, &comm, &comm_len);
	if (!fields || fields[0] == 'Z')
		return 0;
	(void)sscanf(fields + 1, "%*d %ld", &pgrp);
	if (!tracked((pid_t)pgrp) && !(run_marker[0] && carries_marker(name)))
		return 0;
	s->found++;
	if (s->sig)
		kill((pid_t)pid, s->sig);
	return 0;
}

/*
 * Signals the run's processes (sig 0: only looks): its cgroup, the groups
 * testrig named, what carries the run's marker (tests may have started
 * before testrig was in the cgroup).  How many were found alive.
 */
static unsigned signal_all(int sig)
{
	struct scan s = { sig, 0 };
	size_t i;
	int fd;

	if (cg_dir[0]) {
		if (sig)
			cg_signal(sig, 0);
		s.found += cg_populated();
	}
	if (sig)
		for (i = 0; i < ngroups; i++)
			kill(-groups[i], sig);
	if ((fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)dir_each(fd, scan_one, &s);
		close(fd);
		return s.found;
	}
	/* No /proc: a group with zombies in it looks alive until they are reaped. */
	for (i = 0; i < ngroups; i++)
		if (kill(-groups[i], 0) == 0)
			s.found++;
	return s.found;
}

static void wait_gone(int64_t ns)
{
	int64_t end = now_ns() + ns;

	while (signal_all(0) && now_ns() < end)
		nap_ms(10);
}

struct nested {
	const char *dir;
	int depth;
};

static void rmdir_nested(const char *dir, int depth);

static int rmdir_sub(void *ctx, const char *name)
{
	const struct nested *n = ctx;
	char path[PATH_MAX];

	if (strncmp(name, "testrig-", 8) ||
	    (size_t)snprintf(path, sizeof path, "%s/%s", n->dir, name) >= sizeof path)
		return 0;
	rmdir_nested(path, n->depth + 1);
	(void)rmdir(path);
	return 0;
}

/*
 * Removes the cgroups of testrigs run by our tests (testrig-PID under ours)
 * whose guardians died with them: ours cannot go while they are there.
 */
static void rmdir_nested(const char *dir, int depth)
{
	struct nested n = { dir, depth };
	int fd;

	if (depth > 16 || (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	(void)dir_each(fd, rmdir_sub, &n);
	close(fd);
}

/*
 * testrig is gone (died) or done: nothing it started stays.  Done, testrig
 * exits without waiting for us, and may still start a process of its own
 * on the way out (LeakSanitizer's tracer does): the cgroup is killed and
 * removed once testrig is gone, whatever is in it then escaped.
 */
static _Noreturn void guardian_end(bool died)
{
	int64_t end;

	if (died) {
		if (grace_ns > 0 && signal_all(SIGTERM))
			wait_gone(grace_ns);
		signal_all(SIGKILL);
	}
	if (!cg_dir[0])
		_exit(0);
	while (!died && getppid() == rig_pid)
		nap_ms(5);
	for (end = now_ns() + 10 * 1000000000LL; cg_populated() && now_ns() < end; nap_ms(5))
		cg_signal(SIGKILL, 0);
	rmdir_nested(cg_dir, 0);
	(void)rmdir(cg_dir);
	_exit(0);
}

static void keep_group(int32_t op, pid_t pg)
{
	size_t i;

	if (op == MSG_TRACK) {
		if (ngroups < GROUPS_MAX)
			groups[ngroups++] = pg;
		return;
	}
	for (i = ngroups; i-- > 0;)
		if (groups[i] == pg) {
			groups[i] = groups[--ngroups];
			return;
		}
}

static void close_from(int lo, int keep)
{
#ifdef SYS_close_range
	if ((keep == lo || syscall(SYS_close_range, lo, keep - 1, 0) == 0) &&
	    syscall(SYS_close_range, keep + 1, ~0U, 0) == 0)
		return;
#endif
	for (int fd = lo; fd < 65536; fd++)
		if (fd != keep)
			close(fd);
}

static _Noreturn void guardian(int rfd)
{
	struct msg m[512];
	sigset_t none;
	int fd;

	(void)setsid();
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
#if defined(__linux__) && defined(PR_SET_NAME)
	(void)prctl(PR_SET_NAME, "testrig-guard", 0, 0, 0);
#endif
	if (rfd < 3) {
		rfd = fcntl(rfd, F_DUPFD_CLOEXEC, 3);
		if (rfd < 0)
			_exit(1);
	}
	/* No one waits on a pipe or terminal because the guardian holds it. */
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		for (int i = 0; i < 3; i++)
			if (fd != i)
				dup2(fd, i);
		if (fd > 2)
			close(fd);
	} else {
		for (int i = 0; i < 3; i++)
			close(i);
	}
	close_from(3, rfd);
	/*
	 * Messages are read in batches, a nap between: testrig may start
	 * thousands of tests a second, and a wake-up per message would take CPU
	 * from them.  Its death is seen within the nap.
	 */
	for (;;) {
		ssize_t n = read(rfd, m, sizeof m), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			guardian_end(true);
		for (i = 0; i < n / (ssize_t)sizeof *m; i++) {
			if (m[i].op == MSG_QUIT)
				guardian_end(false);
			if (m[i].op == MSG_NO_CGROUP)
				cg_dir[0] = 0;
			else
				keep_group(m[i].op, (pid_t)m[i].pid);
		}
		nap_ms(20);
	}
}

/* ---- testrig's side ------------------------------------------------------ */

/* The first line of a small file that starts with `prefix`, after it, into out. */
static bool line_after(const char *file, const char *prefix, char *out, size_t size)
{
	FILE *f = fopen(file, "re");
	char line[PATH_MAX + 64];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof line, f))
		if (!strncmp(line, prefix, strlen(prefix))) {
			line[strcspn(line, "\n")] = 0;
			found = (size_t)snprintf(out, size, "%s", line + strlen(prefix)) < size;
		}
	fclose(f);
	return found;
}

/* The cgroup v2 directory this process is in, from /proc; false where none is seen. */
static bool own_cgroup(char *dir, size_t size)
{
	char rel[PATH_MAX], line[PATH_MAX * 2 + 256];
	FILE *f;
	bool found = false;

	if (!line_after("/proc/self/cgroup", "0::", rel, sizeof rel))
		return false;
	if (!(f = fopen("/proc/self/mountinfo", "re")))
		return false;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER" */
	while (!found && fgets(line, sizeof line, f)) {
		char root[PATH_MAX], mnt[PATH_MAX];
		const char *dash = strstr(line, " - ");
		size_t rlen;

		if (!dash || strncmp(dash, " - cgroup2 ", 11) ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		rlen = strcmp(root, "/") ? strlen(root) : 0;
		if (strncmp(rel, root, rlen) || (rel[rlen] && rel[rlen] != '/'))
			continue;
		/* (Our cgroup may be the mount's root: no slash at the end.) */
		found = (size_t)snprintf(dir, size, "%s%s", mnt,
					 strcmp(rel + rlen, "/") ? rel + rlen : "") < size;
	}
	fclose(f);
	return found;
}

/* Makes the run's cgroup under base; false (and nothing made) where that cannot be done. */
static bool make_cgroup(const char *base, bool said)
{
	if ((size_t)snprintf(cg_dir, sizeof cg_dir, "%s/testrig-%ld", base, (long)getpid()) >=
	    sizeof cg_dir)
		goto no;
	/* One left by a testrig that had our pid and was killed with its guardian. */
	if (mkdir(cg_dir, 0755) == 0 || (errno == EEXIST && rmdir(cg_dir) == 0 &&
					 mkdir(cg_dir, 0755) == 0))
		return true;
no:
	if (said)
		warnx_("TESTRIG_CGROUP=%s: cannot make a cgroup for the run there: %s; the run "
		       "goes on without one", base, strerror(errno));
	cg_dir[0] = 0;
	return false;
}

/* Makes the run's cgroup, if any; true when testrig must be in it before a test starts. */
static bool choose_cgroup(void)
{
	const char *want = getenv("TESTRIG_CGROUP");
	char base[PATH_MAX];

	if (want && !strcmp(want, "off"))
		return false;
	if (want && *want && strcmp(want, "auto"))
		return make_cgroup(want, true);
	if ((want || cgroup_by_default) && own_cgroup(base, sizeof base))
		(void)make_cgroup(base, false);
	return false;
}

static void send_msg(int32_t op, pid_t pid)
{
	struct msg m = { op, (int32_t)pid };
	ssize_t n;

	do
		n = write(gfd, &m, sizeof m);
	while (n < 0 && errno == EINTR);
}

/*
 * The mover: this process goes into the run's cgroup, so that its tests are
 * born there.  The kernel's first move costs milliseconds (it waits for
 * every CPU), spent here while the run starts: tests started meanwhile are
 * in the groups testrig tells the guardian and carry the run's marker.
 */
static void *enter_cgroup(void *unused)
{
	char procs[PATH_MAX + 32];
	ssize_t n = -1;
	int fd;

	(void)unused;
	snprintf(procs, sizeof procs, "%s/cgroup.procs", cg_dir);
	if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) >= 0) {
		n = write(fd, "0", 1);
		close(fd);
	}
	atomic_store(&cg_state, n == 1 ? CG_IN : CG_NONE);
	if (n != 1) {
		send_msg(MSG_NO_CGROUP, 0);
		(void)rmdir(cg_dir);
	}
	return NULL;
}

/*
 * Starts the guardian as testrig itself, executed afresh (/proc/self/exe)
 * with no environment: it then shares no memory with us (a forked copy
 * would make every page we write afterwards a copy-on-write fault).  Where
 * that cannot be done (no /proc), a forked copy runs guardian() instead.
 */
static pid_t start_guardian(int rfd)
{
	static char fd_arg[16], grace_arg[24], pid_arg[24];
	char *argv[] = { "testrig-guard", GUARD_ARG, fd_arg, grace_arg,
			 cg_dir[0] ? cg_dir : "-", run_marker[0] ? run_marker : "-", pid_arg, NULL };
	char *envp[] = { NULL };
	int ep[2], err = 0;
	ssize_t r;
	pid_t pid;

	/* Our pid, for the guardian's copy or the forked one alike. */
	rig_pid = getpid();
	snprintf(pid_arg, sizeof pid_arg, "%ld", (long)rig_pid);
	snprintf(fd_arg, sizeof fd_arg, "%d", rfd);
	snprintf(grace_arg, sizeof grace_arg, "%lld", (long long)grace_ns);
	/* An exec that fails says why through a close-on-exec pipe (vfork or fork alike). */
	if (access("/proc/self/exe", X_OK) == 0 && pipe2(ep, O_CLOEXEC) == 0) {
#if defined(__linux__) && !defined(TESTRIG_NO_VFORK)
		pid = vfork();
#else
		pid = fork();
#endif
		if (pid == 0) {
			/* Our copy of the read end goes across exec; testrig's keeps CLOEXEC. */
			if (fcntl(rfd, F_SETFD, 0) == 0)
				execve("/proc/self/exe", argv, envp);
			err = errno ? errno : ENOEXEC;
			(void)!write(ep[1], &err, sizeof err);
			_exit(127);
		}
		close(ep[1]);
		do
			r = pid > 0 ? read(ep[0], &err, sizeof err) : 0;
		while (r < 0 && errno == EINTR);
		close(ep[0]);
		if (pid < 0 || r != (ssize_t)sizeof err)
			return pid;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	pid = fork();
	if (pid == 0)
		guardian(rfd);
	return pid;
}

void guard_start(const char *run_id, int64_t grace)
{
	static bool tried;
	int p[2], err = 0;
	bool wait;

	if (tried)
		return;
	tried = true;
	grace_ns = grace;
	if (run_id && strlen(run_id) < sizeof run_marker - 16)
		snprintf(run_marker, sizeof run_marker, "TESTRIG_RUN_ID=%s", run_id);
	wait = choose_cgroup();
	if (pipe2(p, O_CLOEXEC) < 0) {
		err = errno;
		gpid = -1;
	} else if ((gpid = start_guardian(p[0])) < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
	}
	if (gpid < 0) {
		warnx_("cannot start the guardian (%s): a testrig killed with SIGKILL may leave "
		       "test processes behind", strerror(err));
		gpid = 0;
		if (cg_dir[0])
			(void)rmdir(cg_dir);
		cg_dir[0] = 0;
		return;
	}
	close(p[0]);
	gfd = p[1];
	if (!cg_dir[0])
		return;
	atomic_store(&cg_state, CG_PENDING);
	/* A cgroup the user named is entered before any test starts; our own meanwhile. */
	mover_started = !wait && pthread_create(&mover, NULL, enter_cgroup, NULL) == 0;
	if (!mover_started)
		(void)enter_cgroup(NULL);
}

void guard_cgroup_by_default(bool yes)
{
	cgroup_by_default = yes;
}

/* Groups matter until testrig is in the cgroup: from then on tests are born there. */
bool guard_track(pid_t pgid)
{
	if (gfd < 0 || atomic_load_explicit(&cg_state, memory_order_relaxed) == CG_IN)
		return false;
	send_msg(MSG_TRACK, pgid);
	return true;
}

void guard_forget(pid_t pgid)
{
	if (gfd >= 0)
		send_msg(MSG_FORGET, pgid);
}

void guard_stop(void)
{
	bool in_cgroup;

	if (gfd < 0)
		return;
	if (mover_started)
		pthread_join(mover, NULL);
	mover_started = false;
	in_cgroup = atomic_load(&cg_state) == CG_IN;
	/*
	 * With a cgroup the guardian outlives us by a moment: the cgroup can go
	 * only once we are out of it, that is gone.  Without one it has nothing
	 * left to do, and it may be napping between reads: it is ended at once.
	 */
	if (in_cgroup) {
		send_msg(MSG_QUIT, 0);
		close(gfd);
	} else {
		close(gfd);
		kill(gpid, SIGKILL);
		while (waitpid(gpid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	gfd = -1;
	gpid = 0;
}

pid_t guard_pid(void)
{
	return gpid;
}

const char *guard_cgroup(void)
{
	return atomic_load(&cg_state) == CG_IN ? cg_dir : NULL;
}

/* testrig-guard FD GRACE-NS CGROUP|- MARKER|- PID, from start_guardian. */
int guard_main(int argc, char **argv)
{
	char *end;
	long fd;

	if (argc != 7)
		return 2;
	fd = strtol(argv[2], &end, 10);
	if (*end || fd < 0 || fd > INT_MAX)
		return 2;
	rig_pid = (pid_t)strtol(argv[6], &end, 10);
	if (*end || rig_pid <= 1)
		return 2;
	grace_ns = strtoll(argv[3], NULL, 10);
	if (strcmp(argv[4], "-"))
		snprintf(cg_dir, sizeof cg_dir, "%s", argv[4]);
	if (strcmp(argv[5], "-"))
		snprintf(run_marker, sizeof run_marker, "%s", argv[5]);
	guardian((int)fd);
}

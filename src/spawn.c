/*
 * spawn.c - child_spawn: on Linux vfork+execve (the cheapest way to start a
 * process), or fork+execve where signal handlers are installed (the
 * self-pipe build) or under ThreadSanitizer; either way the child gets
 * PR_SET_PDEATHSIG.  Elsewhere posix_spawn, with a fork+exec fallback where
 * the C library cannot change directory in posix_spawn.  Also the pidfd probe.
 * Global state: the /dev/null fd (or an empty pipe's) and the pidfd probe
 * result, both set once and then only read (atomics).  Also what a runner needs to know about its
 * children: process groups that are still alive, children found in /proc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <string.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "testrig/buf.h"
#include "testrig/guard.h"
#include "testrig/sig.h"

#include "testrig/spawn.h"
#include "testrig/util.h"


#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
#define HAVE_SPAWN_CHDIR 1
#else
#define HAVE_SPAWN_CHDIR 0
#endif

/* Opened by spawn_prepare, before any worker starts. */
static int devnull_fd = -1;
/* Our pid, for the children's parent-death check (testrig never forks itself). */
static pid_t self_pid;
#if defined(SYS_pidfd_open) && !defined(TESTRIG_NO_PIDFD)
/* 0 once the kernel said it has no pidfd_open: stop asking. */
static atomic_int pidfd_state = 1;
#endif

/*
 * Every child's stdin: /dev/null, or where there is none (a bare chroot, a
 * /dev without it) the read end of an empty pipe whose write end is closed,
 * which reads as end of file just the same.
 */
int spawn_prepare(void)
{
	int p[2];

	self_pid = getpid();
	if (devnull_fd >= 0)
		return 0;
	devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull_fd >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC))
		return errno;
	close(p[1]);
	devnull_fd = p[0];
	return 0;
}

void child_init(struct child *c, char *const *argv, char *const *envp)
{
	memset(c, 0, sizeof *c);
	c->argv = argv;
	c->envp = envp;
	c->capture = CAPTURE_SPLIT;
	c->capture_stdout = c->capture_stderr = true;
	c->pid = -1;
	c->out_fd = c->err_fd = c->pidfd = -1;
	c->inherit_fd = -1;
}

const char *spawn_strerror(int err)
{
	switch (err) {
	case ENOENT: return "not found";
	case EACCES: return "permission denied";
	case ENOEXEC: return "not an executable format";
	case ENOTDIR: return "a path component is not a directory";
	case ELOOP: return "too many symbolic links";
	case ENAMETOOLONG: return "path too long";
	case E2BIG: return "argument list too long";
	case ETXTBSY: return "text file busy";
	case EISDIR: return "is a directory";
	default: return strerror(err);
	}
}

void child_close_fds(struct child *c)
{
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->out_fd = c->err_fd = c->pidfd = -1;
}

static void open_pidfd(struct child *c)
{
#if defined(SYS_pidfd_open) && !defined(TESTRIG_NO_PIDFD)
	if (!atomic_load(&pidfd_state))
		return;
	/* pidfd_open sets O_CLOEXEC itself. */
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0 && (errno == ENOSYS || errno == EINVAL))
		atomic_store(&pidfd_state, 0);
#else
	(void)c;
#endif
}

/* Pipe ends: [0] ours (read), [1] the child's (write). */
struct pipes {
	int out[2];
	int err[2];
};

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static int make_pipes(struct child *c, struct pipes *p)
{
	p->out[0] = p->out[1] = p->err[0] = p->err[1] = -1;
	if (c->capture == CAPTURE_NONE)
		return 0;
	if ((c->capture == CAPTURE_COMBINED || c->capture_stdout) &&
	    pipe2(p->out, O_CLOEXEC))
		return errno;
	if (c->capture == CAPTURE_SPLIT && c->capture_stderr &&
	    pipe2(p->err, O_CLOEXEC)) {
		int e = errno;
		close_pair(p->out);
		return e;
	}
	return 0;
}

/* The fd the child's stdout/stderr should be, or -1 to inherit ours. */
static int child_out(const struct pipes *p)
{
	return p->out[1];
}

static int child_err(const struct child *c, const struct pipes *p)
{
	return c->capture == CAPTURE_COMBINED ? p->out[1] : p->err[1];
}

/* Lets `ptracer` ptrace us where Yama restricts ptrace to ancestors (a no-op elsewhere). */
static void allow_ptracer(pid_t ptracer)
{
#if defined(__linux__) && defined(PR_SET_PTRACER)
	if (ptracer > 0)
		(void)prctl(PR_SET_PTRACER, (unsigned long)ptracer, 0, 0, 0);
#else
	(void)ptracer;
#endif
}

/*
 * In the child: SIGKILL when the thread that started us ends, which for a
 * worker thread means when testrig dies (even of SIGKILL).  False if testrig
 * is already gone, and the child must not go on.
 */
static bool die_with_parent(pid_t parent)
{
#ifdef __linux__
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return true;
	return getppid() == parent;
#else
	(void)parent;
	return true;
#endif
}

/*
 * fork+exec, reporting an exec failure through a CLOEXEC pipe: on Linux
 * when vfork is no choice (signal handlers installed, ThreadSanitizer),
 * since posix_spawn cannot set PR_SET_PDEATHSIG; elsewhere for a child that
 * must do more than posix_spawn can (change directory without addchdir_np,
 * name its ptracer).  path: the program found in $PATH already, or NULL.
 */
static int fork_exec(struct child *c, const struct pipes *p, const char *path)
{
	int ep[2], err = 0;
	sigset_t empty;
	pid_t pid, self = self_pid;
	ssize_t r;

	if (pipe2(ep, O_CLOEXEC)) {
		c->own_failure = true;
		return errno;
	}
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(ep[0]);
		close(ep[1]);
		c->own_failure = true;
		return err;
	}
	if (pid == 0) {
		int o = child_out(p), e = child_err(c, p);

		if (!die_with_parent(self))
			_exit(127);
		setpgid(0, 0);
		allow_ptracer(c->ptracer);
		/* Signals are blocked here: no handler of testrig's may run in the child. */
		sig_child_defaults();
		sigemptyset(&empty);
		pthread_sigmask(SIG_SETMASK, &empty, NULL);
		if (dup2(devnull_fd, 0) < 0 ||
		    (o >= 0 && dup2(o, 1) < 0) || (e >= 0 && dup2(e, 2) < 0) ||
		    (c->inherit_fd >= 0 && fcntl(c->inherit_fd, F_SETFD, 0) < 0) ||
		    (c->cwd && chdir(c->cwd) < 0)) {
			err = errno;
		} else {
			if (path)
				execve(path, c->argv, c->envp);
			else if (c->search_path)
				execvpe(c->argv[0], c->argv, c->envp);
			else
				execve(c->argv[0], c->argv, c->envp);
			err = errno;
		}
		(void)!write(ep[1], &err, sizeof err);
		_exit(127);
	}
	close(ep[1]);
	do
		r = read(ep[0], &err, sizeof err);
	while (r < 0 && errno == EINTR);
	close(ep[0]);
	if (r == (ssize_t)sizeof err) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return err;
	}
	c->pid = pid;
	return 0;
}

#if defined(__linux__) && !defined(TESTRIG_NO_VFORK)
/* In the vfork child: make `from` descriptor `to`, without close-on-exec. */
static int child_move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

/*
 * vfork + execve, for the common case (a path, no PATH search, no signal
 * handlers installed).  Cheaper than glibc's posix_spawn, which maps a stack
 * for its child (a TLB shootdown in a threaded process when it is unmapped)
 * and resets all 64 signal dispositions one system call at a time.  The
 * child only makes system calls; it shares our memory until execve, so it
 * reports a failure by writing `err`.
 */
static int vfork_child(struct child *c, const struct pipes *p, const char *path)
{
	volatile int err = 0;
	int o = child_out(p), e = child_err(c, p);
	sigset_t empty;
	pid_t pid, self = self_pid;

	sigemptyset(&empty);
	pid = vfork();
	if (pid == 0) {
		if (!die_with_parent(self)) {
			err = ESRCH;
			_exit(127);
		}
		if (setpgid(0, 0) < 0 || child_move_fd(devnull_fd, 0) ||
		    (o >= 0 && child_move_fd(o, 1)) || (e >= 0 && child_move_fd(e, 2)) ||
		    (c->inherit_fd >= 0 && child_move_fd(c->inherit_fd, c->inherit_fd)) ||
		    (c->cwd && chdir(c->cwd) < 0) ||
		    sigprocmask(SIG_SETMASK, &empty, NULL) < 0) {
			err = errno;
			_exit(127);
		}
		allow_ptracer(c->ptracer);
		execve(path, c->argv, c->envp);
		err = errno;
		_exit(127);
	}
	if (pid < 0) {
		c->own_failure = true;
		return errno;
	}
	if (err) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return err;
	}
	c->pid = pid;
	return 0;
}
#endif

#if !defined(__linux__)
static int posix_spawn_child(struct child *c, const struct pipes *p)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t empty;
	int o = child_out(p), e = child_err(c, p), err;

	if ((err = posix_spawn_file_actions_init(&fa)))
		return err;
	if ((err = posix_spawnattr_init(&at))) {
		posix_spawn_file_actions_destroy(&fa);
		return err;
	}
	sigemptyset(&empty);
	err = posix_spawn_file_actions_adddup2(&fa, devnull_fd, 0);
	if (!err && o >= 0)
		err = posix_spawn_file_actions_adddup2(&fa, o, 1);
	if (!err && e >= 0)
		err = posix_spawn_file_actions_adddup2(&fa, e, 2);
	/* dup2 onto itself clears close-on-exec (POSIX.1-2024). */
	if (!err && c->inherit_fd >= 0)
		err = posix_spawn_file_actions_adddup2(&fa, c->inherit_fd, c->inherit_fd);
#if HAVE_SPAWN_CHDIR
	if (!err && c->cwd)
		err = posix_spawn_file_actions_addchdir_np(&fa, c->cwd);
#endif
	if (!err)
		err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
					       POSIX_SPAWN_SETSIGMASK);
	if (!err)
		err = posix_spawnattr_setpgroup(&at, 0);
	if (!err)
		err = posix_spawnattr_setsigmask(&at, &empty);
	if (!err)
		err = (c->search_path ? posix_spawnp : posix_spawn)(&c->pid, c->argv[0], &fa, &at,
								      c->argv, c->envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return err;
}
#endif

/* execvp's lookup (spawn.h); on Linux done before vfork, so the child only execs. */
char *spawn_search_path(const char *name, int *err)
{
	const char *path = getenv("PATH"), *p;
	bool denied = false;

	*err = 0;
	if (strchr(name, '/'))
		return NULL;
	if (!*name) {
		*err = ENOENT;
		return NULL;
	}
	for (p = path && *path ? path : "/bin:/usr/bin"; ; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *cand = n ? xasprintf("%.*s/%s", (int)n, p, name) : xasprintf("./%s", name);
		struct stat st;

		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(cand, X_OK) == 0)
				return cand;
			denied = true;
		}
		free(cand);
		if (!end)
			break;
		p = end;
	}
	*err = denied ? EACCES : ENOENT;
	return NULL;
}

int child_spawn(struct child *c)
{
	struct pipes p;
	int err;

	c->pid = -1;
	c->out_fd = c->err_fd = c->pidfd = -1;
	c->own_failure = false;
	if ((err = make_pipes(c, &p))) {
		c->own_failure = true;
		return err;
	}
#if defined(__linux__)
	{
		/* A command's program is looked up here, so the child only execs. */
		char *path = c->search_path ? spawn_search_path(c->argv[0], &err) : NULL;

		if (!err) {
#if !defined(TESTRIG_NO_VFORK)
			if (!sig_has_handlers())
				err = vfork_child(c, &p, path ? path : c->argv[0]);
			else
#endif
				err = fork_exec(c, &p, path);
		}
		free(path);
	}
#else
	if (c->ptracer || (!HAVE_SPAWN_CHDIR && c->cwd))
		err = fork_exec(c, &p, NULL);
	else
		err = posix_spawn_child(c, &p);
#endif
	if (p.out[1] >= 0)
		close(p.out[1]);
	if (p.err[1] >= 0)
		close(p.err[1]);
	if (err) {
		if (p.out[0] >= 0)
			close(p.out[0]);
		if (p.err[0] >= 0)
			close(p.err[0]);
		c->pid = -1;
		return err;
	}
	c->out_fd = p.out[0];
	c->err_fd = p.err[0];
	open_pidfd(c);
	/* The child leads its own group (setpgid ran before exec): the guardian learns it. */
	c->guarded = guard_track(c->pid);
	return 0;
}

unsigned spawn_count_spare(unsigned max, int *err)
{
	pid_t pids[SPAWN_SPARE_MAX];
	unsigned n = 0, i;
	int p[2];

	*err = 0;
	if (max > SPAWN_SPARE_MAX)
		max = SPAWN_SPARE_MAX;
	if (pipe2(p, O_CLOEXEC)) {
		*err = errno;
		return 0;
	}
	/* Each child lives until the pipe's write end closes: they all count at once. */
	for (; n < max; n++) {
		char c;

		if ((pids[n] = fork()) < 0) {
			*err = errno;
			break;
		}
		if (pids[n] == 0) {
			close(p[1]);
			(void)!read(p[0], &c, 1);
			_exit(0);
		}
	}
	close(p[1]);
	close(p[0]);
	for (i = 0; i < n; i++)
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	return n;
}

bool spawn_become_subreaper(void)
{
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
#else
	return false;
#endif
}

/*
 * Process `name` (a pid in decimal) if it is a living child of `self`: its
 * command name goes to names and its pid to *pids.
 */
static void add_if_child(const char *name, pid_t self, pid_t **pids, size_t *n,
			 struct strvec *names)
{
	char stat[512];
	size_t comm_len;
	const char *comm, *fields = proc_stat(name, stat, sizeof stat, &comm, &comm_len);

	if (!fields || fields[0] == 'Z' || atoi(fields + 2) != self || atoi(name) == guard_pid())
		return;
	*pids = xreallocarray(*pids, *n + 1, sizeof **pids);
	(*pids)[(*n)++] = (pid_t)atoi(name);
	strvec_push_owned(names, xstrndup(comm, comm_len));
}

/*
 * Our children as each of our threads' /proc/self/task/TID/children lists
 * them (an orphan given to us as subreaper goes to any of our threads):
 * what this reads grows with our threads and children, not with the
 * machine's processes.  False where the kernel has no such files
 * (CONFIG_PROC_CHILDREN, Linux 3.5).
 */
static bool children_of_tasks(pid_t self, pid_t **pids, size_t *n, struct strvec *names)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	bool have = false;

	if (!d)
		return false;
	while ((e = readdir(d))) {
		char path[64], *word, *save;
		struct buf text = BUF_INIT;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%.20s/children", e->d_name);
		/* A thread that ended meanwhile has no file: the others still count. */
		if (buf_read_file(path, &text) == 0) {
			have = true;
			for (word = strtok_r(text.data, " \n", &save); word;
			     word = strtok_r(NULL, " \n", &save))
				add_if_child(word, self, pids, n, names);
		}
		buf_free(&text);
	}
	closedir(d);
	return have;
}

size_t spawn_find_children(pid_t **pids, struct strvec *names)
{
	pid_t self = getpid();
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	*pids = NULL;
	if (children_of_tasks(self, pids, &n, names))
		return n;
	/* Without the children files: every process's parent, in /proc. */
	if (!(d = opendir("/proc")))
		return 0;
	while ((e = readdir(d)))
		add_if_child(e->d_name, self, pids, &n, names);
	closedir(d);
	return n;
}

/* A /proc entry that is a living child of ours: its group goes, then it. */
static int kill_if_child(void *self, const char *name)
{
	char stat[512];
	const char *comm, *fields;
	size_t comm_len;
	pid_t pid;

	fields = proc_stat(name, stat, sizeof stat, &comm, &comm_len);
	if (!fields || fields[0] == 'Z' || atoi(fields + 2) != *(pid_t *)self)
		return 0;
	pid = (pid_t)atoi(name);
	/* The guardian cleans up after us, cgroup and all, once we are gone. */
	if (pid == guard_pid())
		return 0;
	/* Each test leads its own group: the group takes its descendants along. */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	return 0;
}

void spawn_kill_children(void)
{
	pid_t self = getpid();
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* Nothing here allocates: out of memory is one way to get here. */
	if (fd < 0)
		return;
	(void)dir_each(fd, kill_if_child, &self);
	close(fd);
}

bool spawn_group_alive(pid_t pg)
{
	/* An empty group (the common case) costs one system call. */
	if (kill(-pg, 0) != 0)
		return false;
	/* Zombies are members until reaped: reap ours, then look again. */
	while (waitpid(-pg, NULL, WNOHANG) > 0)
		;
	return kill(-pg, 0) == 0;
}

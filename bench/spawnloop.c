/*
 * spawnloop.c - the floor of make bench: the least a process-per-test runner
 * must do.  JOBS threads each take the next test (an atomic counter), start
 * it with vfork+execve (stdin /dev/null, stdout and stderr each on an
 * O_CLOEXEC pipe), drain both pipes with poll(2) into a scratch buffer
 * (discarded), and reap it with waitpid once both pipes hit EOF.  No
 * timeouts, no report.  (A single thread with posix_spawn is no floor: a
 * runner that spawns from several threads beats it.)
 *
 *   spawnloop JOBS PATH...     exit 0 iff every PATH exited 0, 1 if not, 2 on error
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char **paths;
static size_t npaths;
static atomic_size_t next_path;
static atomic_int failed;
static int devnull;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* Runs one test to its end; true if it exited 0. */
static int run_one(const char *path, char *scratch, size_t len)
{
	int out[2], err[2], status;
	struct pollfd pf[2];
	char *argv[2] = { (char *)path, NULL };
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		die("pipe2");
	pid = vfork();
	if (pid == 0) {
		if (dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(127);
		execve(path, argv, environ);
		_exit(127);
	}
	if (pid < 0)
		die("vfork");
	close(out[1]);
	close(err[1]);
	pf[0].fd = out[0];
	pf[1].fd = err[0];
	pf[0].events = pf[1].events = POLLIN;
	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		int i;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = read(pf[i].fd, scratch, len);
			if (n > 0 || (n < 0 && errno == EINTR))
				continue;
			close(pf[i].fd);
			pf[i].fd = -1;  /* poll ignores negative fds */
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void *worker(void *arg)
{
	static _Thread_local char scratch[1 << 16];
	size_t i;

	(void)arg;
	while ((i = atomic_fetch_add(&next_path, 1)) < npaths)
		if (!run_one(paths[i], scratch, sizeof scratch))
			atomic_store(&failed, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t *t;
	long jobs;
	int i;

	if (argc < 2 || (jobs = strtol(argv[1], NULL, 10)) < 1 || jobs > 4096) {
		fprintf(stderr, "usage: spawnloop JOBS PATH...\n");
		return 2;
	}
	paths = argv + 2;
	npaths = (size_t)(argc - 2);
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		die("/dev/null");
	if (!(t = calloc((size_t)jobs, sizeof *t)))
		die("calloc");
	for (i = 0; i < jobs; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			die("pthread_create");
	for (i = 0; i < jobs; i++)
		pthread_join(t[i], NULL);
	return atomic_load(&failed) ? 1 : 0;
}

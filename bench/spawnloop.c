/*
 * spawnloop.c - the floor of make bench: the least a process-per-test runner
 * must do.  Keeps JOBS children running (posix_spawn, stdin /dev/null, stdout
 * and stderr on two O_CLOEXEC pipes drained by one poll loop and discarded),
 * reaps each child once both its pipes hit EOF.  No timeouts, no report.
 *
 *   spawnloop JOBS PATH...     exit 0 iff every PATH exited 0, 1 if not, 2 on error
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* One slot of the JOBS running children. */
struct child {
	pid_t pid;  /* 0 while the slot is free */
	int fd[2];  /* read ends of the stdout and stderr pipes; -1 once at EOF */
};

static void die(const char *what)
{
	fprintf(stderr, "spawnloop: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void close_or_die(int fd)
{
	if (close(fd) != 0)
		die("close");
}

/*
 * Starts PATH in the free slot C.  Returns 1 if it started; 0 if posix_spawn
 * refused (reported, and counted by the caller as a failed test).
 */
static int start(struct child *c, char *path, int devnull)
{
	posix_spawn_file_actions_t fa;
	int out[2], err[2], e;
	char *argv[2] = { path, NULL };

	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
		die("pipe2");
	e = posix_spawn_file_actions_init(&fa);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, devnull, 0);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	if (e != 0) {
		errno = e;
		die("posix_spawn_file_actions");
	}
	e = posix_spawn(&c->pid, path, &fa, NULL, argv, environ);
	if (posix_spawn_file_actions_destroy(&fa) != 0)
		die("posix_spawn_file_actions_destroy");
	close_or_die(out[1]);
	close_or_die(err[1]);
	if (e != 0) {
		fprintf(stderr, "spawnloop: %s: %s\n", path, strerror(e));
		close_or_die(out[0]);
		close_or_die(err[0]);
		c->pid = 0;
		return 0;
	}
	c->fd[0] = out[0];
	c->fd[1] = err[0];
	return 1;
}

/* Waits for C's child and frees the slot; returns 1 iff it exited 0. */
static int reap(struct child *c)
{
	int status;

	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	c->pid = 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	static char scratch[65536];
	struct child *kids;
	struct pollfd *pfd;
	size_t *owner; /* pfd[i] belongs to kids[owner[i] / 2].fd[owner[i] % 2] */
	size_t jobs, ntests, next = 0, running = 0, failed = 0, i;
	char *end;
	long n;
	int devnull;

	if (argc < 3)
		goto usage;
	errno = 0;
	n = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[1] || n < 1 || n > 4096)
		goto usage;
	jobs = (size_t)n;
	ntests = (size_t)argc - 2;

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		die("/dev/null");
	kids = calloc(jobs, sizeof *kids);
	pfd = calloc(2 * jobs, sizeof *pfd);
	owner = calloc(2 * jobs, sizeof *owner);
	if (kids == NULL || pfd == NULL || owner == NULL)
		die("calloc");
	for (i = 0; i < jobs; i++)
		kids[i].fd[0] = kids[i].fd[1] = -1;

	while (next < ntests || running > 0) {
		size_t np = 0, j;

		for (i = 0; i < jobs; i++) {
			while (kids[i].pid == 0 && next < ntests) {
				if (start(&kids[i], argv[2 + next++], devnull))
					running++;
				else
					failed++;
			}
		}
		for (i = 0; i < jobs; i++) {
			for (j = 0; j < 2; j++) {
				if (kids[i].fd[j] < 0)
					continue;
				pfd[np].fd = kids[i].fd[j];
				pfd[np].events = POLLIN;
				pfd[np].revents = 0;
				owner[np++] = 2 * i + j;
			}
		}
		if (np == 0)
			continue; /* nothing running: every remaining test failed to start */
		if (poll(pfd, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (j = 0; j < np; j++) {
			struct child *c = &kids[owner[j] / 2];
			int *fd = &c->fd[owner[j] % 2];
			ssize_t got;

			if (pfd[j].revents == 0)
				continue;
			got = read(*fd, scratch, sizeof scratch);
			if (got > 0)
				continue;
			if (got < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				die("read");
			}
			close_or_die(*fd);
			*fd = -1;
			if (c->fd[0] < 0 && c->fd[1] < 0) {
				if (!reap(c))
					failed++;
				running--;
			}
		}
	}
	close_or_die(devnull);
	free(kids);
	free(pfd);
	free(owner);
	return failed == 0 ? 0 : 1;

usage:
	fprintf(stderr, "usage: spawnloop JOBS PATH...\n");
	return 2;
}

/*
 * measure.c - runs one command for make bench and reports its wall time
 * (CLOCK_MONOTONIC, ns), its CPU time, the CPU the rest of the machine used
 * meanwhile, the peak RSS of the direct child and its exit status.
 *
 *   measure [-o FILE] -- COMMAND [ARG...]
 *
 * COMMAND is looked up in PATH, gets stdin from /dev/null and stdout+stderr
 * on FILE (truncated; default /dev/null).  Prints one line on stdout:
 *   wall_ns=N maxrss_kb=K cpu_ms=C other_ms=O status=S
 * and exits 0 once it has measured, 2 on its own error.  S is the exit code,
 * or 128+signal.  C is user+sys of the child and the descendants it reaped;
 * O is the machine's non-idle time from /proc/stat (10 ms ticks) minus C:
 * a noise indicator, -1 if /proc/stat is unreadable.
 *
 * maxrss_kb is ru_maxrss from wait4: the larger of the child's own peak and
 * that of the descendants it reaped (here far smaller than the runner).  The
 * child starts in measure's address space (posix_spawn) and Linux carries that
 * peak across exec, so measure is kept small (built static where possible).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
	fprintf(stderr, "measure: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long long now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime");
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Non-idle CPU time of the whole machine in ms, or -1 if unknown. */
static long long machine_busy_ms(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int got;

	if (f == NULL || hz <= 0) {
		if (f != NULL && fclose(f) != 0)
			die("/proc/stat");
		return -1;
	}
	got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice,
		     &sys, &idle, &iowait, &irq, &softirq, &steal);
	if (fclose(f) != 0)
		die("/proc/stat");
	if (got != 8)
		return -1;
	return (long long)((user + nice + sys + irq + softirq + steal) * 1000 /
			   (unsigned long long)hz);
}

static long long timeval_ms(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int main(int argc, char **argv)
{
	const char *file = "/dev/null";
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	long long t0, t1, busy0, busy1, cpu, other = -1;
	int in, out, e, status, code;
	pid_t pid;
	int i = 1;

	if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
		file = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
		fprintf(stderr, "usage: measure [-o FILE] -- COMMAND [ARG...]\n");
		return 2;
	}
	i++;

	/* Open everything before the clock starts: only the command is timed. */
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("/dev/null");
	out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		die(file);
	e = posix_spawn_file_actions_init(&fa);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, out, 2);
	if (e != 0) {
		errno = e;
		die("posix_spawn_file_actions");
	}

	busy0 = machine_busy_ms();
	t0 = now_ns();
	e = posix_spawnp(&pid, argv[i], &fa, NULL, &argv[i], environ);
	if (e != 0) {
		errno = e;
		die(argv[i]);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4");
	t1 = now_ns();
	busy1 = machine_busy_ms();

	if (posix_spawn_file_actions_destroy(&fa) != 0)
		die("posix_spawn_file_actions_destroy");
	if (close(in) != 0 || close(out) != 0)
		die("close");
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		code = 128 + WTERMSIG(status);
	else
		code = 255;
	cpu = timeval_ms(ru.ru_utime) + timeval_ms(ru.ru_stime);
	if (busy0 >= 0 && busy1 >= 0)
		other = busy1 - busy0 > cpu ? busy1 - busy0 - cpu : 0;
	if (printf("wall_ns=%lld maxrss_kb=%ld cpu_ms=%lld other_ms=%lld status=%d\n",
		   t1 - t0, ru.ru_maxrss, cpu, other, code) < 0 ||
	    fflush(stdout) != 0)
		die("stdout");
	return 0;
}

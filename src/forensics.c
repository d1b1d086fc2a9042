/*
 * forensics.c - the on-timeout hook's words and the builtin report of
 * forensics.h.  The report reads small /proc files with plain read(2), so
 * it needs nothing but procfs: no debugger, no shell, no ps.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testrig/forensics.h"
#include "testrig/util.h"

/* A /proc file read whole, at most this much. */
#define PROC_READ_MAX 8192

bool forensics_is_builtin(const struct command *hook)
{
	return hook->argv.n == 1 && strcmp(hook->argv.v[0], "builtin") == 0;
}

void forensics_hook_argv(const struct command *hook, pid_t pid, pid_t pgid,
			 const char *binary, const char *test, struct strvec *argv)
{
	char pids[24], pgids[24];
	const struct placeholder ph[] = { { "{pid}", pids }, { "{pgid}", pgids },
					  { "{binary}", binary }, { "{test}", test } };

	snprintf(pids, sizeof pids, "%d", (int)pid);
	snprintf(pgids, sizeof pgids, "%d", (int)pgid);
	command_expand(hook, ph, ARRAY_SIZE(ph), argv);
}

/* ---- builtin ------------------------------------------------------------------ */

/* dir/name read whole into b (NUL-terminated); false if it cannot be read. */
static bool read_proc(const char *dir, const char *name, struct buf *b)
{
	char path[512];
	int fd;
	ssize_t n;

	buf_reset(b);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	buf_grow(b, PROC_READ_MAX);
	do
		n = read(fd, b->data, PROC_READ_MAX - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return false;
	buf_setlen(b, (size_t)n);
	return true;
}

/* The words of a stat line after "(comm)": state, ppid, pgrp. */
struct stat_line {
	char comm[64];
	char state;
	long ppid, pgrp;
};

static bool parse_stat(const char *s, struct stat_line *st)
{
	const char *open = strchr(s, '('), *close = strrchr(s, ')');
	char *end;
	size_t n;

	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return false;
	n = (size_t)(close - open - 1);
	if (n >= sizeof st->comm)
		n = sizeof st->comm - 1;
	memcpy(st->comm, open + 1, n);
	st->comm[n] = 0;
	st->state = close[2];
	st->ppid = strtol(close + 3, &end, 10);
	st->pgrp = strtol(end, &end, 10);
	return true;
}

static const char *state_name(char s)
{
	switch (s) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "uninterruptible sleep";
	case 'T': return "stopped";
	case 't': return "stopped by a tracer";
	case 'Z': return "zombie";
	case 'X': return "dead";
	case 'I': return "idle";
	default: return "?";
	}
}

/* The blocking system calls a hung test is most often in, by this machine's numbers. */
static const char *syscall_name(long nr)
{
	static const struct { long nr; const char *name; } known[] = {
#ifdef SYS_read
		{ SYS_read, "read" },
#endif
#ifdef SYS_write
		{ SYS_write, "write" },
#endif
#ifdef SYS_poll
		{ SYS_poll, "poll" },
#endif
#ifdef SYS_ppoll
		{ SYS_ppoll, "ppoll" },
#endif
#ifdef SYS_select
		{ SYS_select, "select" },
#endif
#ifdef SYS_pselect6
		{ SYS_pselect6, "pselect6" },
#endif
#ifdef SYS_nanosleep
		{ SYS_nanosleep, "nanosleep" },
#endif
#ifdef SYS_clock_nanosleep
		{ SYS_clock_nanosleep, "clock_nanosleep" },
#endif
#ifdef SYS_pause
		{ SYS_pause, "pause" },
#endif
#ifdef SYS_wait4
		{ SYS_wait4, "wait4" },
#endif
#ifdef SYS_waitid
		{ SYS_waitid, "waitid" },
#endif
#ifdef SYS_futex
		{ SYS_futex, "futex" },
#endif
#ifdef SYS_epoll_wait
		{ SYS_epoll_wait, "epoll_wait" },
#endif
#ifdef SYS_epoll_pwait
		{ SYS_epoll_pwait, "epoll_pwait" },
#endif
#ifdef SYS_accept
		{ SYS_accept, "accept" },
#endif
#ifdef SYS_accept4
		{ SYS_accept4, "accept4" },
#endif
#ifdef SYS_connect
		{ SYS_connect, "connect" },
#endif
#ifdef SYS_recvfrom
		{ SYS_recvfrom, "recvfrom" },
#endif
#ifdef SYS_recvmsg
		{ SYS_recvmsg, "recvmsg" },
#endif
#ifdef SYS_flock
		{ SYS_flock, "flock" },
#endif
#ifdef SYS_fcntl
		{ SYS_fcntl, "fcntl" },
#endif
#ifdef SYS_rt_sigsuspend
		{ SYS_rt_sigsuspend, "rt_sigsuspend" },
#endif
#ifdef SYS_rt_sigtimedwait
		{ SYS_rt_sigtimedwait, "rt_sigtimedwait" },
#endif
	};

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (known[i].nr == nr)
			return known[i].name;
	return NULL;
}

/* "syscall: clock_nanosleep (230), args ..." from /proc/PID/syscall. */
static void describe_syscall(const struct buf *b, struct buf *out)
{
	char *end;
	long nr;
	const char *name;
	size_t n = b->len;

	while (n && (b->data[n - 1] == '\n' || b->data[n - 1] == ' '))
		n--;
	if (!n) {
		buf_adds(out, "?");
		return;
	}
	nr = strtol(b->data, &end, 10);
	if (end == b->data) {
		/* "running": not in a system call */
		buf_add(out, b->data, n);
		return;
	}
	if (nr < 0) {
		buf_adds(out, "none (blocked outside a system call)");
		return;
	}
	name = syscall_name(nr);
	buf_printf(out, "%s%s%ld%s", name ? name : "", name ? " (" : "number ", nr, name ? ")" : "");
	/* The six arguments follow, then the stack and program counters. */
	if ((size_t)(end - b->data) < n)
		buf_printf(out, ", args%.*s", (int)(n - (size_t)(end - b->data)), end);
}

/* The trimmed first line of a buffer. */
static void first_line(const struct buf *b, struct buf *out, const char *none)
{
	size_t n = 0;

	while (n < b->len && b->data[n] != '\n')
		n++;
	if (!n || (n == 1 && b->data[0] == '0'))
		buf_adds(out, none);
	else
		buf_add(out, b->data, n);
}

/* state, wchan, system call and kernel stack of a process or thread directory. */
static void describe_task(const char *dir, const struct stat_line *st, const char *indent,
			  struct buf *out, struct buf *scratch)
{
	buf_printf(out, "%sstate: %c (%s)\n%swchan: ", indent, st->state, state_name(st->state),
		   indent);
	if (read_proc(dir, "wchan", scratch))
		first_line(scratch, out, "-");
	else
		buf_adds(out, "(unreadable)");
	buf_printf(out, "\n%ssyscall: ", indent);
	if (read_proc(dir, "syscall", scratch))
		describe_syscall(scratch, out);
	else
		buf_adds(out, "(unreadable)");
	buf_addc(out, '\n');
	if (read_proc(dir, "stack", scratch) && scratch->len) {
		const char *p = scratch->data;

		buf_printf(out, "%skernel stack:\n", indent);
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);

			buf_printf(out, "%s  %.*s\n", indent, (int)n, p);
			p += n + (nl ? 1 : 0);
		}
	}
}

static void describe_threads(const char *pdir, struct buf *out, struct buf *scratch)
{
	char *tdir = xasprintf("%s/task", pdir);
	DIR *d = opendir(tdir);
	struct dirent *de;
	unsigned n = 0;

	while (d && (de = readdir(d))) {
		char *dir;
		struct stat_line st;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		dir = xasprintf("%s/%s", tdir, de->d_name);
		if (read_proc(dir, "stat", scratch) && parse_stat(scratch->data, &st)) {
			buf_printf(out, "  thread %s (%s):\n", de->d_name, st.comm);
			describe_task(dir, &st, "    ", out, scratch);
			n++;
		}
		free(dir);
	}
	if (d)
		closedir(d);
	if (!n)
		buf_adds(out, "  (its threads cannot be read)\n");
	free(tdir);
}

void forensics_builtin(pid_t pgid, const char *proc, struct buf *out)
{
	DIR *d = opendir(proc);
	struct dirent *de;
	struct buf scratch = BUF_INIT;
	unsigned found = 0;

	buf_printf(out, "on-timeout builtin: the processes of process group %d\n", (int)pgid);
	/* An empty mount point (a chroot without /proc) lists no process at all. */
	if (!d || !read_proc(proc, "self/stat", &scratch)) {
		buf_printf(out, "%s cannot be read (%s): procfs is not mounted here, so there is "
			   "nothing to show\n", proc, strerror(errno));
		if (d)
			closedir(d);
		buf_free(&scratch);
		return;
	}
	while ((de = readdir(d))) {
		struct stat_line st;
		char *dir;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		dir = xasprintf("%s/%s", proc, de->d_name);
		if (read_proc(dir, "stat", &scratch) && parse_stat(scratch.data, &st) &&
		    st.pgrp == (long)pgid) {
			found++;
			buf_printf(out, "pid %s (%s), parent %ld\n  command:", de->d_name, st.comm,
				   st.ppid);
			if (read_proc(dir, "cmdline", &scratch) && scratch.len) {
				/* NUL-separated words, the last one NUL-terminated too. */
				if (!scratch.data[scratch.len - 1])
					buf_setlen(&scratch, scratch.len - 1);
				for (size_t i = 0; i < scratch.len; i++)
					if (!scratch.data[i])
						scratch.data[i] = ' ';
				buf_printf(out, " %.*s\n", (int)scratch.len, scratch.data);
			} else {
				buf_adds(out, " (none: a kernel thread or a zombie)\n");
			}
			describe_task(dir, &st, "  ", out, &scratch);
			describe_threads(dir, out, &scratch);
		}
		free(dir);
	}
	closedir(d);
	if (!found)
		buf_adds(out, "(no process of the group is left)\n");
	buf_free(&scratch);
}

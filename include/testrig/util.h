/*
 * util.h - small helpers every module shares: allocation that cannot fail
 * (it aborts with a message instead), fatal internal errors, fd flags, the
 * wake-up fd, the clocks and the pausable stopwatch.  Nothing here knows
 * about tests or reports, and nothing here allocates on an error path: die()
 * formats into a fixed buffer, so running out of memory cannot recurse.
 */
#ifndef TESTRIG_UTIL_H
#define TESTRIG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * ThreadSanitizer turns vfork into fork, so a vfork child's writes (its exec
 * error) would not reach us: fork+exec in TSan builds (spawn.c, guard.c).
 */
#if defined(__SANITIZE_THREAD__)
#define TESTRIG_NO_VFORK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TESTRIG_NO_VFORK 1
#endif
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NS_PER_MS INT64_C(1000000)
#define NS_PER_SEC INT64_C(1000000000)

/* The program name used in messages ("testrig"). */
extern const char *progname;

/* Internal error or resource exhaustion: message to stderr, exit 1; never returns. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* The same, with strerror(errno) appended. */
void die_errno(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* "testrig: warning: ..." on stderr. */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * "testrig: error: ..." and a newline on `to` (a report's error stream,
 * stderr when NULL): an error the caller then turns into its documented
 * exit code.  The one spelling of an error line.
 */
void errorx_(FILE *to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A function die() and die_errno() call before exiting (once), so that a
 * fatal error still leaves no test process behind.  Set once by main.
 */
void set_fatal_hook(void (*hook)(void));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/*
 * Hands the memory malloc holds free back to the system (glibc keeps it;
 * musl needs no telling): called once what a run set up with is freed.
 */
void release_free_memory(void);
/*
 * qsort_r(3) without its scratch copy (glibc's merge sort mallocs one as big
 * as the array): a heapsort in place, for large arrays sorted where peak
 * memory counts; cmp gets ctx.  Not stable.
 */
void sort_in_place(void *base, size_t n, size_t size,
		   int (*cmp)(const void *, const void *, void *ctx), void *ctx);

/*
 * Calls fn(ctx, name) for each entry of the directory open as fd except "."
 * and "..", reading it into a buffer on the stack: nothing is allocated,
 * for the fatal path.  Stops at fn's nonzero return and returns it; -1 with
 * errno if the directory cannot be read.  Entries removed meanwhile may or
 * may not be seen.
 */
int dir_each(int fd, int (*fn)(void *ctx, const char *name), void *ctx);
/*
 * Reads /proc/PID/stat (pid: a /proc entry's name) into b, allocating
 * nothing.  Returns where its fields after the command name start (the
 * state letter: "S PPID PGRP ..."), with the command name at *comm
 * (*comm_len bytes, not NUL-terminated); NULL when the entry is not a
 * process, is gone or reads wrong.
 */
const char *proc_stat(const char *pid, char *b, size_t size, const char **comm,
		      size_t *comm_len);

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC). */
int64_t mono_ns(void);
/* Wall-clock time in nanoseconds since the epoch (CLOCK_REALTIME). */
int64_t wall_ns(void);

/*
 * A stopwatch that can be paused (job control): elapsed time excludes the
 * time spent paused.  All values in nanoseconds of CLOCK_MONOTONIC.
 */
struct stopwatch {
	int64_t start;
	int64_t paused_total;
	int64_t paused_at;  /* 0 when running */
};

void stopwatch_start(struct stopwatch *sw, int64_t now);
int64_t stopwatch_elapsed(const struct stopwatch *sw, int64_t now);
void stopwatch_pause(struct stopwatch *sw, int64_t now);
void stopwatch_resume(struct stopwatch *sw, int64_t now);

/* poll(2) timeout in ms for a deadline `ns_left` away: rounds up, caps, -1 for none. */
int poll_timeout_ms(int64_t ns_left);

/* Sets or clears flags; return -1 with errno on failure. */
int fd_set_nonblock(int fd);
int fd_set_cloexec(int fd);
/* write(2) all of it, retrying on EINTR and short writes; -1 on error. */
int write_all(int fd, const void *p, size_t n);

/*
 * A wake-up fd another thread can make readable: an eventfd on Linux, a
 * non-blocking pipe elsewhere (rd != wr).  Both ends are O_CLOEXEC.
 */
struct wakefd {
	int rd, wr;
};

int wakefd_open(struct wakefd *w);          /* -1 with errno */
/* Makes rd readable (a full pipe or counter already is: not an error). */
void wakefd_signal(const struct wakefd *w);
/* Empties it, so that poll sleeps again. */
void wakefd_drain(const struct wakefd *w);
void wakefd_close(struct wakefd *w);

/* 16 random bytes formatted as a version-4 UUID into out[37]. */
void uuid_v4(char out[37]);

#endif

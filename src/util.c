/*
 * util.c - allocation, fatal errors, fd helpers, the wake-up fd, clocks,
 * stopwatch.  The only state is `progname` and the fatal hook, both set once
 * by main before any thread starts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <dirent.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "testrig/exitcode.h"
#include "testrig/util.h"

const char *progname = "testrig";
static void (*fatal_hook)(void);
static atomic_flag fatal_once = ATOMIC_FLAG_INIT;

void set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

static void run_fatal_hook(void)
{
	if (fatal_hook && !atomic_flag_test_and_set(&fatal_once))
		fatal_hook();
}

/*
 * One line to stderr in a single write.  Formatted into a fixed buffer:
 * this is how running out of memory is reported, so it must not allocate
 * (a long message is cut, marked with "...").
 */
static void vmsg(const char *prefix, const char *fmt, va_list ap, int err)
{
	char b[2048];
	size_t cap = sizeof b - 5, n;   /* room for "...\n" and the NUL */
	int k;

	k = snprintf(b, cap, "%s: %s", progname, prefix);
	n = k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
	k = vsnprintf(b + n, cap - n, fmt, ap);
	n = k < 0 ? n : n + (size_t)k < cap ? n + (size_t)k : cap - 1;
	if (err && n < cap - 1) {
		k = snprintf(b + n, cap - n, ": %s", strerror(err));
		n = k < 0 ? n : n + (size_t)k < cap ? n + (size_t)k : cap - 1;
	}
	if (n == cap - 1) {
		memcpy(b + n, "...", 3);
		n += 3;
	}
	b[n++] = '\n';
	(void)write_all(2, b, n);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("fatal: ", fmt, ap, 0);
	va_end(ap);
	run_fatal_hook();
	exit(EXIT_INTERNAL);
}

void die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg("fatal: ", fmt, ap, err);
	va_end(ap);
	run_fatal_hook();
	exit(EXIT_INTERNAL);
}

void errorx_(FILE *to, const char *fmt, ...)
{
	va_list ap;

	if (!to)
		to = stderr;
	va_start(ap, fmt);
	fprintf(to, "%s: error: ", progname);
	vfprintf(to, fmt, ap);
	fputc('\n', to);
	va_end(ap);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap, 0);
	va_end(ap);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die("allocation size overflow");
	return xrealloc(p, n * size);
}

void release_free_memory(void)
{
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
	while (size--) {
		unsigned char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* Moves element i of the heap [0, n) down until both its children are smaller. */
static void sift_down(unsigned char *base, size_t i, size_t n, size_t size,
		      int (*cmp)(const void *, const void *, void *), void *ctx)
{
	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size, ctx) < 0)
			child++;
		if (cmp(base + i * size, base + child * size, ctx) >= 0)
			return;
		swap_bytes(base + i * size, base + child * size, size);
		i = child;
	}
}

void sort_in_place(void *base, size_t n, size_t size,
		   int (*cmp)(const void *, const void *, void *ctx), void *ctx)
{
	unsigned char *b = base;
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp, ctx);
	for (i = n - 1; i > 0; i--) {
		swap_bytes(b, b + i * size, size);
		sift_down(b, 0, i, size, cmp, ctx);
	}
}

const char *proc_stat(const char *pid, char *b, size_t size, const char **comm,
		      size_t *comm_len)
{
	char path[64];
	size_t len = strlen(pid);
	const char *open_paren, *close_paren;
	ssize_t n;
	int fd;

	if (pid[0] < '1' || pid[0] > '9' || len > 20 || size < 2)
		return NULL;
	memcpy(path, "/proc/", 6);
	memcpy(path + 6, pid, len);
	memcpy(path + 6 + len, "/stat", 6);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	n = read(fd, b, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	b[n] = 0;
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
	open_paren = strchr(b, '(');
	close_paren = strrchr(b, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ' ||
	    !close_paren[2] || close_paren[3] != ' ')
		return NULL;
	*comm = open_paren + 1;
	*comm_len = (size_t)(close_paren - open_paren - 1);
	return close_paren + 2;
}

#ifdef SYS_getdents64
/* What getdents64(2) fills in (no header declares it for every libc). */
struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

int dir_each(int fd, int (*fn)(void *ctx, const char *name), void *ctx)
{
	char b[4096] __attribute__((aligned(8)));

	for (;;) {
		long n = syscall(SYS_getdents64, fd, b, sizeof b), at;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
		for (at = 0; at < n;) {
			const struct dirent64_raw *d = (const struct dirent64_raw *)(b + at);
			int rc;

			at += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			if ((rc = fn(ctx, d->name)))
				return rc;
		}
	}
}
#else
/* Without getdents64: readdir, which allocates (not Linux: no fatal-path promise). */
int dir_each(int fd, int (*fn)(void *ctx, const char *name), void *ctx)
{
	int copy = dup(fd), rc = 0;
	DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
	struct dirent *e;

	if (!d) {
		if (copy >= 0)
			close(copy);
		return -1;
	}
	while (!rc && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = fn(ctx, e->d_name);
	closedir(d);
	return rc;
}
#endif

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		die_errno("clock_gettime");
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void stopwatch_start(struct stopwatch *sw, int64_t now)
{
	sw->start = now;
	sw->paused_total = 0;
	sw->paused_at = 0;
}

int64_t stopwatch_elapsed(const struct stopwatch *sw, int64_t now)
{
	int64_t end = sw->paused_at ? sw->paused_at : now;

	return end - sw->start - sw->paused_total;
}

void stopwatch_pause(struct stopwatch *sw, int64_t now)
{
	if (!sw->paused_at)
		sw->paused_at = now ? now : 1;
}

void stopwatch_resume(struct stopwatch *sw, int64_t now)
{
	if (sw->paused_at) {
		sw->paused_total += now - sw->paused_at;
		sw->paused_at = 0;
	}
}

int poll_timeout_ms(int64_t ns_left)
{
	int64_t ms;

	if (ns_left < 0)
		return 0;
	if (ns_left == INT64_MAX)
		return -1;
	ms = (ns_left + NS_PER_MS - 1) / NS_PER_MS;
	return ms > 24 * 3600 * 1000 ? 24 * 3600 * 1000 : (int)ms;
}

int fd_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int fd_set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int wakefd_open(struct wakefd *w)
{
	int p[2];

#ifdef __linux__
	p[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p[0] >= 0) {
		w->rd = w->wr = p[0];
		return 0;
	}
#endif
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -1;
	w->rd = p[0];
	w->wr = p[1];
	return 0;
}

void wakefd_signal(const struct wakefd *w)
{
	uint64_t one = 1;

	/* EAGAIN: the fd is readable already, so the sleeper wakes anyway. */
	if (write(w->wr, &one, w->wr == w->rd ? sizeof one : 1) < 0 && errno != EAGAIN &&
	    errno != EINTR)
		die_errno("waking a thread");
}

void wakefd_drain(const struct wakefd *w)
{
	char b[64];

	/* One read empties an eventfd (it hands back and clears its counter). */
	if (w->rd == w->wr) {
		(void)!read(w->rd, b, sizeof(uint64_t));
		return;
	}
	while (read(w->rd, b, sizeof b) > 0)
		;
}

void wakefd_close(struct wakefd *w)
{
	if (w->wr != w->rd && w->wr >= 0)
		close(w->wr);
	if (w->rd >= 0)
		close(w->rd);
	w->rd = w->wr = -1;
}

void uuid_v4(char out[37])
{
	unsigned char r[16];
	size_t got = 0;
	int i, o = 0;

	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* No entropy source: time and pid still make it unique enough. */
			int64_t t = wall_ns() ^ ((int64_t)getpid() << 32);
			for (; got < sizeof r; got++, t = t * 6364136223846793005LL + 1)
				r[got] = (unsigned char)(t >> 33);
			break;
		}
		got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		static const char hex[] = "0123456789abcdef";
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[r[i] >> 4];
		out[o++] = hex[r[i] & 15];
	}
	out[o] = 0;
}

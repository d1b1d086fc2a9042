/*
 * util.c - allocation, fatal errors, fd helpers, clocks, stopwatch.
 * The only state is `progname`, set once by main before any thread starts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "testrig/buf.h"
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

static void vmsg(const char *prefix, const char *fmt, va_list ap, int err)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s: %s", progname, prefix);
	buf_vprintf(&b, fmt, ap);
	if (err)
		buf_printf(&b, ": %s", strerror(err));
	buf_addc(&b, '\n');
	(void)write_all(2, b.data, b.len);
	buf_free(&b);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("fatal: ", fmt, ap, 0);
	va_end(ap);
	run_fatal_hook();
	exit(1);
}

void die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg("fatal: ", fmt, ap, err);
	va_end(ap);
	run_fatal_hook();
	exit(1);
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

char *xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b, NULL);
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

int read_file(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r;

		buf_grow(out, 8192);
		r = read(fd, buf_tail(out), buf_avail(out));
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		buf_setlen(out, out->len + (size_t)r);
	}
	close(fd);
	return 0;
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

/*
 * spill.c - the bounded byte store of spill.h.  Owns its memory and its
 * temporary file, which is unlinked from the start (O_TMPFILE, or mkostemp
 * and unlink), so that nothing is left behind however testrig ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/spill.h"
#include "testrig/util.h"

void spill_init(struct spill *s, size_t hold)
{
	buf_init(&s->mem);
	s->hold = hold;
	s->fd = -1;
	s->file_len = 0;
	s->stuck = false;
}

/* An unlinked file to write and read back: its fd (O_CLOEXEC), or -1. */
static int temporary_file(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	path = xasprintf("%s/testrig-spill.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		(void)unlink(path);
	free(path);
	return fd;
}

/* pwrite(2) all of it at `at`, retrying on EINTR and short writes; -1 on error. */
static int pwrite_all(int fd, const char *p, size_t n, uint64_t at)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)at);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		at += (uint64_t)w;
	}
	return 0;
}

/* Moves the bytes held in memory to the file (or leaves them all there for good). */
static void move_out(struct spill *s)
{
	if (s->fd < 0)
		s->fd = temporary_file();
	/* What a failed write left in the file lies past file_len: never read. */
	if (s->fd < 0 || pwrite_all(s->fd, s->mem.data, s->mem.len, s->file_len)) {
		s->stuck = true;
		return;
	}
	s->file_len += s->mem.len;
	buf_reset(&s->mem);
	/* A big burst leaves a big buffer behind: give it back. */
	if (s->mem.cap > 2 * s->hold + 4096)
		buf_free(&s->mem);
}

void spill_add(struct spill *s, const void *p, size_t n)
{
	buf_add(&s->mem, p, n);
	if (s->mem.len >= s->hold && !s->stuck)
		move_out(s);
}

uint64_t spill_len(const struct spill *s)
{
	return s->file_len + s->mem.len;
}

ssize_t spill_read(const struct spill *s, uint64_t at, void *p, size_t n)
{
	if (at < s->file_len) {
		ssize_t got;

		if (n > s->file_len - at)
			n = (size_t)(s->file_len - at);
		do
			got = pread(s->fd, p, n, (off_t)at);
		while (got < 0 && errno == EINTR);
		if (got == 0) {
			/* The file is shorter than what was written to it. */
			errno = EIO;
			return -1;
		}
		return got;
	}
	at -= s->file_len;
	if (at >= s->mem.len)
		return 0;
	if (n > s->mem.len - at)
		n = (size_t)(s->mem.len - at);
	memcpy(p, s->mem.data + at, n);
	return (ssize_t)n;
}

void spill_free(struct spill *s)
{
	if (s->fd >= 0)
		(void)close(s->fd);
	buf_free(&s->mem);
	spill_init(s, s->hold);
}

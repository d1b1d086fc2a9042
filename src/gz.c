/*
 * gz.c - gzip writer and reader of gz.h on plain fds: a z_stream each, a
 * 16 KiB buffer each way (a record is open for the whole run: small is
 * better), and the writer's 16 KiB of input gathered before deflate sees
 * it (deflate called per JSON line of a few hundred bytes ran at a third
 * of its speed while tests ran beside it).  Owns the fd it is given and
 * its buffers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "testrig/buf.h"
#include "testrig/gz.h"
#include "testrig/util.h"

#define CHUNK 16384

struct gz_writer {
	int fd;
	z_stream z;
	unsigned char in[CHUNK];    /* written, not yet given to deflate: in[0..nin) */
	size_t nin;
	unsigned char out[CHUNK];
	size_t written;
	int error;                  /* errno of the first failure, or 0 */
};

struct gz_reader {
	int fd;
	z_stream z;
	unsigned char in[CHUNK];
	struct buf data;            /* decompressed, not yet handed out: data[pos..len) */
	size_t pos;
	bool started;               /* the gzip magic was checked */
	bool at_end;                /* no more data will come */
	bool complete;              /* the stream ended with its trailer */
};

/* ---- writing ------------------------------------------------------------- */

struct gz_writer *gz_writer_open(int fd, int level)
{
	struct gz_writer *w = xcalloc(1, sizeof *w);
	int rc;

	w->fd = fd;
	/*
	 * windowBits 15 + 16: a gzip wrapper (no name, mtime 0) around deflate.
	 * The fast level (records, the history) with a small hash table: 112
	 * KiB less memory, and no slower on JSON lines (make bench).
	 */
	rc = deflateInit2(&w->z, level, Z_DEFLATED, 15 + 16, level <= 1 ? 5 : 8,
			  Z_DEFAULT_STRATEGY);
	if (rc == Z_MEM_ERROR)
		die("out of memory (zlib)");
	if (rc != Z_OK)
		die("internal error: deflateInit2: %d", rc);
	return w;
}

/* Runs deflate with `flush` until it has taken all input and, unless
 * Z_NO_FLUSH, has nothing more to say; writes what it made. */
static int pump_out(struct gz_writer *w, int flush)
{
	for (;;) {
		size_t have;
		int rc;

		w->z.next_out = w->out;
		w->z.avail_out = CHUNK;
		rc = deflate(&w->z, flush);
		if (rc == Z_STREAM_ERROR)
			die("internal error: deflate: %d", rc);
		have = CHUNK - w->z.avail_out;
		if (have && write_all(w->fd, w->out, have)) {
			w->error = errno ? errno : EIO;
			return -1;
		}
		w->written += have;
		if (flush == Z_FINISH ? rc == Z_STREAM_END : w->z.avail_out != 0)
			return 0;
	}
}

/* Gives deflate n bytes at p (with `flush` once they are in). */
static int deflate_bytes(struct gz_writer *w, const void *p, size_t n, int flush)
{
	do {
		uInt k = n > (1u << 30) ? 1u << 30 : (uInt)n;

		w->z.next_in = (Bytef *)(uintptr_t)p;
		w->z.avail_in = k;
		if (pump_out(w, k == n ? flush : Z_NO_FLUSH))
			return -1;
		p = (const char *)p + k;
		n -= k;
	} while (n);
	return 0;
}

/* Gives deflate what was gathered, and `flush`. */
static int deflate_gathered(struct gz_writer *w, int flush)
{
	size_t n = w->nin;

	w->nin = 0;
	return deflate_bytes(w, w->in, n, flush);
}

int gz_write(struct gz_writer *w, const void *p, size_t n)
{
	if (w->error) {
		errno = w->error;
		return -1;
	}
	if (n <= CHUNK - w->nin) {
		memcpy(w->in + w->nin, p, n);
		w->nin += n;
		return 0;
	}
	if (w->nin && deflate_gathered(w, Z_NO_FLUSH))
		return -1;
	if (n < CHUNK) {
		memcpy(w->in, p, n);
		w->nin = n;
		return 0;
	}
	return deflate_bytes(w, p, n, Z_NO_FLUSH);
}

int gz_flush(struct gz_writer *w)
{
	if (w->error) {
		errno = w->error;
		return -1;
	}
	return deflate_gathered(w, Z_SYNC_FLUSH);
}

int gz_writer_close(struct gz_writer *w, bool sync)
{
	int rc = w->error ? -1 : deflate_gathered(w, Z_FINISH), err = w->error;

	deflateEnd(&w->z);
	if (!rc && sync) {
		while ((rc = fsync(w->fd)) && errno == EINTR)
			;
		if (rc)
			err = errno;
	}
	if (close(w->fd) && !rc) {
		rc = -1;
		err = errno;
	}
	free(w);
	if (rc)
		errno = err ? err : EIO;
	return rc ? -1 : 0;
}

int gz_writer_error(const struct gz_writer *w)
{
	return w->error;
}

size_t gz_written(const struct gz_writer *w)
{
	return w->written;
}

/* ---- reading ------------------------------------------------------------- */

struct gz_reader *gz_reader_open(int fd)
{
	struct gz_reader *r = xcalloc(1, sizeof *r);
	int rc;

	buf_init(&r->data);
	r->fd = fd;
	/* windowBits 15 + 32: gzip (or zlib) detected from the header. */
	rc = inflateInit2(&r->z, 15 + 32);
	if (rc == Z_MEM_ERROR)
		die("out of memory (zlib)");
	if (rc != Z_OK)
		die("internal error: inflateInit2: %d", rc);
	return r;
}

/* More input from the file: bytes read, 0 at its end, -1 with *err. */
static ssize_t read_more(struct gz_reader *r, struct buf *err)
{
	ssize_t n;

	do
		n = read(r->fd, r->in, CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		buf_printf(err, "read error: %s", strerror(errno));
		return -1;
	}
	if (!r->started && n > 0) {
		r->started = true;
		if (n < 2 || r->in[0] != 0x1f || r->in[1] != 0x8b) {
			buf_adds(err, "not gzip data");
			return -1;
		}
	}
	r->z.next_in = r->in;
	r->z.avail_in = (uInt)n;
	return n;
}

/* Decompresses more into r->data; 1 if it grew or may grow, 0 at the end, -1 with *err. */
static int fill(struct gz_reader *r, struct buf *err)
{
	size_t before;
	int rc;

	if (r->at_end)
		return 0;
	if (r->pos == r->data.len) {
		buf_reset(&r->data);
		r->pos = 0;
	}
	if (!r->z.avail_in) {
		ssize_t n = read_more(r, err);

		if (n < 0)
			return -1;
		if (n == 0) {
			/* The file ended first: a stream cut short (or an empty file). */
			if (!r->started) {
				buf_adds(err, "empty file");
				return -1;
			}
			r->at_end = true;
			return 0;
		}
	}
	buf_grow(&r->data, CHUNK);
	before = r->data.len;
	r->z.next_out = (Bytef *)buf_tail(&r->data);
	r->z.avail_out = (uInt)buf_avail(&r->data);
	rc = inflate(&r->z, Z_NO_FLUSH);
	buf_setlen(&r->data, before + (buf_avail(&r->data) - r->z.avail_out));
	switch (rc) {
	case Z_OK:
	case Z_BUF_ERROR:       /* no progress possible now: more input is needed */
		return 1;
	case Z_STREAM_END:
		r->at_end = true;
		if (!r->z.avail_in) {
			ssize_t n = read_more(r, err);

			if (n < 0)
				return -1;
			if (n == 0) {
				r->complete = true;
				return 1;
			}
		}
		buf_adds(err, "data after the end of the gzip stream");
		return -1;
	case Z_MEM_ERROR:
		die("out of memory (zlib)");
	default:
		buf_printf(err, "corrupt gzip data (%s)", r->z.msg ? r->z.msg : "inflate failed");
		return -1;
	}
}

int gz_getline(struct gz_reader *r, struct buf *line, size_t max_line, struct buf *err)
{
	buf_reset(line);
	for (;;) {
		size_t avail = r->data.len - r->pos;
		const char *start = avail ? r->data.data + r->pos : NULL;
		const char *nl = avail ? memchr(start, '\n', avail) : NULL;
		size_t take = nl ? (size_t)(nl - start) : avail;
		int rc;

		if (line->len + take > max_line) {
			buf_printf(err, "a line longer than %zu bytes", max_line);
			return -1;
		}
		if (take)
			buf_add(line, start, take);
		r->pos += take;
		if (nl) {
			r->pos++;
			return 1;
		}
		rc = fill(r, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return line->len ? 1 : 0;
	}
}

ssize_t gz_read(struct gz_reader *r, void *p, size_t n, struct buf *err)
{
	while (r->pos == r->data.len) {
		int rc = fill(r, err);

		if (rc <= 0)
			return rc;
	}
	if (n > r->data.len - r->pos)
		n = r->data.len - r->pos;
	memcpy(p, r->data.data + r->pos, n);
	r->pos += n;
	return (ssize_t)n;
}

bool gz_complete(const struct gz_reader *r)
{
	return r->complete;
}

void gz_reader_close(struct gz_reader *r)
{
	if (!r)
		return;
	inflateEnd(&r->z);
	close(r->fd);
	buf_free(&r->data);
	free(r);
}

/*
 * gz.h - gzip streams over a file descriptor through zlib's z_stream API
 * (deflateInit2 with windowBits 15+16, inflateInit2 with 15+32), not the
 * gzFile functions: the static build links a libz.a whose gz* objects need
 * glibc.  A writer can be flushed (Z_SYNC_FLUSH) so that what it wrote so
 * far is readable even if the process dies before the end; a reader tells
 * a stream that ended properly from one cut short or damaged.  The gzip
 * header carries no time or name, so the same bytes in give the same bytes
 * out.
 */
#ifndef TESTRIG_GZ_H
#define TESTRIG_GZ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct buf;
struct gz_writer;
struct gz_reader;

/* Compresses into fd (taken: closed by gz_writer_close) at level 1..9. */
struct gz_writer *gz_writer_open(int fd, int level);
/* 0, or -1 with errno once a write failed (then every later call fails too). */
int gz_write(struct gz_writer *w, const void *p, size_t n);
/* Everything written so far reaches the file as a decodable prefix. */
int gz_flush(struct gz_writer *w);
/* Ends the stream (trailer), fsyncs if asked, closes the fd; -1 with errno on failure. */
int gz_writer_close(struct gz_writer *w, bool sync);
/* The errno of the write that failed first, or 0: what a later failing call reports. */
int gz_writer_error(const struct gz_writer *w);
/* Bytes written to the file so far (compressed). */
size_t gz_written(const struct gz_writer *w);

/* Decompresses from fd (taken: closed by gz_reader_close). */
struct gz_reader *gz_reader_open(int fd);
/*
 * The next line (without its newline) into `line`: 1, or 0 at the end of
 * the data (a last line without a newline is returned first), or -1 with a
 * message in *err when the data cannot be read (not gzip, corrupt, an I/O
 * error, a line longer than max_line).  A stream that stops early without
 * an error is an end: gz_complete tells whether it ended properly.
 */
int gz_getline(struct gz_reader *r, struct buf *line, size_t max_line, struct buf *err);
/* Raw decompressed bytes: up to n; 0 at the end; -1 with *err. */
ssize_t gz_read(struct gz_reader *r, void *p, size_t n, struct buf *err);
/* The stream ended with its gzip trailer (checksum and length verified). */
bool gz_complete(const struct gz_reader *r);
void gz_reader_close(struct gz_reader *r);

#endif

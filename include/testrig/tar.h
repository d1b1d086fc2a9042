/*
 * tar.h - the tar format of test archives (SPEC section 12): a writer of
 * deterministic ustar (pax `x` records for paths too long for a header,
 * owner 0:0, one mtime for all, the caller's modes) and a reader that
 * checks every header (checksum, numbers, pax records) and reports each
 * entry as it is; what an entry may be is the caller's decision
 * (archive.c).  Both work on byte streams: the writer on a gz_writer, the
 * reader on a gz_reader, so neither holds a file in memory.
 */
#ifndef TESTRIG_TAR_H
#define TESTRIG_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct gz_writer;
struct gz_reader;

#define TAR_BLOCK 512
/* Paths longer than this are refused on both sides. */
#define TAR_PATH_MAX 4096

struct tar_writer;

/* Writes to w (not closed); every entry gets mtime. */
struct tar_writer *tar_writer_new(struct gz_writer *w, int64_t mtime);
/* An entry of n bytes from memory. 0, or -1 with *err. */
int tar_write_bytes(struct tar_writer *t, const char *name, unsigned mode, const void *p,
		    size_t n, struct buf *err);
/* An entry copied from the file at `path` (its size when opened). 0, or -1 with *err. */
int tar_write_file(struct tar_writer *t, const char *name, unsigned mode, const char *path,
		   struct buf *err);
/* The two zero blocks that end an archive; frees t.  0, or -1 with *err. */
int tar_writer_finish(struct tar_writer *t, struct buf *err);

enum tar_type {
	TAR_FILE,           /* '0' or NUL */
	TAR_DIR,            /* '5' */
	TAR_HARDLINK,       /* '1' */
	TAR_SYMLINK,        /* '2' */
	TAR_DEVICE,         /* '3' or '4' */
	TAR_FIFO,           /* '6' */
	TAR_OTHER,          /* anything else ('7', GNU 'L', 'K', ...) */
};

struct tar_entry {
	char *path;             /* from the pax path record, else prefix/name (malloc'd) */
	size_t path_len;        /* its length: a NUL inside makes it longer than strlen */
	enum tar_type type;
	char typeflag;          /* as written, for messages */
	unsigned mode;          /* the mode field */
	uint64_t size;          /* bytes of data */
	uint64_t offset;        /* where its header starts in the tar stream */
};

struct tar_reader;

struct tar_reader *tar_reader_new(struct gz_reader *r);
/*
 * The next entry: 1, 0 at the end of the archive, -1 with *err (a bad
 * checksum or number, a broken pax record, a stream cut short or damaged).
 * The previous entry's unread data is skipped.
 */
int tar_next(struct tar_reader *t, struct tar_entry *e, struct buf *err);
/* Up to n bytes of the current entry's data: the count, 0 at its end, -1 with *err. */
long tar_read(struct tar_reader *t, void *p, size_t n, struct buf *err);
void tar_entry_free(struct tar_entry *e);
void tar_reader_free(struct tar_reader *t);

#endif

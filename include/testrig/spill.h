/*
 * spill.h - bytes written in order and read back later, in bounded memory:
 * a spill holds its newest bytes in memory and, once they reach its bound,
 * moves them to an unlinked temporary file ($TMPDIR, else /tmp), so that a
 * TAP script of a million points or a JUnit report of as many testcases
 * costs disk, not memory.  A spill that stays under its bound makes no
 * file.  When no temporary file can be made or written, the bytes stay in
 * memory: nothing is lost, only the bound.  Bytes are read back by offset
 * (pread), so readers do not disturb each other or the writer.
 */
#ifndef TESTRIG_SPILL_H
#define TESTRIG_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "testrig/buf.h"

struct spill {
	struct buf mem;          /* the bytes from file_len on */
	size_t hold;             /* move mem to the file once it holds this many */
	int fd;                  /* the temporary file, or -1 before the first move */
	uint64_t file_len;       /* the first bytes, in the file */
	bool stuck;              /* no file could be made or written: all stay in memory */
};

void spill_init(struct spill *s, size_t hold);
void spill_add(struct spill *s, const void *p, size_t n);
/* How many bytes were added. */
uint64_t spill_len(const struct spill *s);
/*
 * Copies up to n bytes from offset `at` into p: how many (0 at the end),
 * or -1 with errno when the file cannot be read.
 */
ssize_t spill_read(const struct spill *s, uint64_t at, void *p, size_t n);
/* Closes the file; the spill is empty again (and may be reused). */
void spill_free(struct spill *s);

#endif

/*
 * capture.h - one captured output stream of one attempt, bounded by the
 * output limit: while the stream fits it is kept whole; past the limit the
 * first half and the last half are kept and the middle is dropped and
 * counted.  Memory never exceeds the limit (plus one read's scratch).
 */
#ifndef TESTRIG_CAPTURE_H
#define TESTRIG_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "testrig/buf.h"

/* How a test's output is captured (the capture setting; spawn sets it up). */
enum capture_mode {
	CAPTURE_SPLIT,     /* stdout and stderr on two pipes */
	CAPTURE_COMBINED,  /* both on one pipe, in the order written */
	CAPTURE_NONE,      /* the child inherits our stdout and stderr */
};

struct capture {
	struct buf head;    /* the whole stream, or its first limit/2 bytes */
	char *tail;         /* ring of limit - limit/2 bytes once truncating */
	size_t tail_cap, tail_start, tail_len;
	uint64_t total;     /* bytes seen */
	uint64_t limit;
};

void capture_init(struct capture *c, uint64_t limit);
void capture_free(struct capture *c);
void capture_add(struct capture *c, const char *p, size_t n);
/* Bytes dropped from the middle so far. */
uint64_t capture_dropped(const struct capture *c);
/*
 * Makes the kept bytes contiguous in c->head (head, a one-line marker that
 * says how many bytes were dropped, tail) and frees the ring.  After this
 * c->head is the stream as a report shows it.
 */
void capture_finish(struct capture *c);
/* The last `lines` lines kept so far (for info queries), appended to out. */
/* The most a one-line note taken from output (a skip's reason) keeps, in bytes. */
#define CAPTURE_LINE_MAX 200

/*
 * The last line of the finished capture that holds more than blanks, made
 * printable and cut to CAPTURE_LINE_MAX bytes (malloc'd), or NULL when there
 * is none.
 */
char *capture_last_line(const struct capture *c);
void capture_tail_lines(const struct capture *c, unsigned lines, struct buf *out);

#endif

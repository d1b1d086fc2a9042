/*
 * jobserver.h - GNU make's jobserver, from the client's side (SPEC section
 * 11).  Found in MAKEFLAGS (the last --jobserver-auth= word, or
 * --jobserver-fds= from make before 4.2): a named fifo (make 4.4) opened on
 * a descriptor of our own, or a pipe whose two inherited descriptors are
 * reopened through /proc/self/fd so that non-blocking reads are ours alone.
 * A token is one byte: read without blocking when the engine wants one more
 * test running, written back (the same byte) when it is done with it.
 * Owns its descriptors and the bytes it holds.
 */
#ifndef TESTRIG_JOBSERVER_H
#define TESTRIG_JOBSERVER_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* What MAKEFLAGS says, before anything is opened. */
enum jobserver_kind { JOBSERVER_NONE, JOBSERVER_FIFO, JOBSERVER_FDS };

struct jobserver_auth {
	enum jobserver_kind kind;
	char *fifo;                 /* JOBSERVER_FIFO: its path (malloc'd) */
	int read_fd, write_fd;      /* JOBSERVER_FDS */
	char *word;                 /* the word it came from, for messages (malloc'd) */
};

/*
 * Parses a MAKEFLAGS value: 0 with *auth filled (kind NONE when it names no
 * jobserver), -1 with *err when the word is malformed.
 */
int jobserver_parse(const char *makeflags, struct jobserver_auth *auth, struct buf *err);
void jobserver_auth_free(struct jobserver_auth *auth);
/*
 * make -n (or --dry-run, --just-print): an n in MAKEFLAGS's first word,
 * make's single-letter flags ("n -j2 ...", "kn"), never in a first word
 * that starts with "--" or holds anything but letters.
 */
bool makeflags_dry_run(const char *makeflags);
/* make -jN's N, from its last -jN word; 0 when MAKEFLAGS gives none. */
unsigned makeflags_jobs(const char *makeflags);

struct jobserver;

/*
 * The jobserver $MAKEFLAGS names: NULL when there is none, or when it
 * cannot be used (then *warning says why and how to fix it).
 */
struct jobserver *jobserver_open(const char *makeflags, struct buf *warning);
/* The descriptor to poll for POLLIN when a token is wanted. */
int jobserver_fd(const struct jobserver *js);
/* Takes a token if one is there now (EAGAIN, or another client was faster: false). */
bool jobserver_take(struct jobserver *js);
/* Gives back the token taken last; false (said once) if it cannot be written. */
bool jobserver_give(struct jobserver *js);
/* Tokens held. */
unsigned jobserver_held(const struct jobserver *js);
/* Gives every token back and closes: the end of the run, or a fatal error. */
void jobserver_close(struct jobserver *js);

#endif

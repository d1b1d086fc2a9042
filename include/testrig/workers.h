/*
 * workers.h - how many workers a listing or a run gets (SPEC section 11):
 * test-threads as the CPUs make it, make's jobserver (found at start,
 * before testrig opens a descriptor of its own) and the open-file limit
 * (raised at start, then respected).  Knows nothing of tests.
 */
#ifndef TESTRIG_WORKERS_H
#define TESTRIG_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

#include "testrig/settings.h"

struct jobserver;

/*
 * Finds the jobserver MAKEFLAGS names.  Called first thing: a recipe
 * without '+' gets MAKEFLAGS naming descriptors make closed, and their
 * numbers are free for testrig's own, which must not be taken for make's.
 */
void workers_find_jobserver(void);
/*
 * Hands the jobserver found over to the caller (NULL when there is none).
 * One that is named but unusable sets *unusable and is said once on
 * stderr, unless quiet.
 */
struct jobserver *workers_take_jobserver(bool quiet, bool *unusable);
/* For the commands that do not use it. */
void workers_drop_jobserver(void);

/* Raises the soft open-file limit to the hard limit (a soft 1024 is common). */
void workers_raise_file_limit(void);

/*
 * The worker pool: test-threads; under make's jobserver an upper bound
 * when given, else the CPUs times 4 (at most 64), the tokens deciding how
 * many run; one when the jobserver is unusable.
 */
unsigned workers_wanted(const struct settings *s, bool jobserver, bool jobserver_unusable);
/*
 * The pool a listing or a run gets: no more workers than units to run,
 * nor than the open-file limit allows (said once on stderr).
 */
unsigned workers_fit(unsigned wanted, size_t units);

struct buf;
/*
 * Whether errno value err means testrig itself ran short of something it
 * may get back as tests end: descriptors (EMFILE, ENFILE), processes or
 * threads (EAGAIN), memory (ENOMEM).
 */
bool workers_shortage(int err);
/*
 * The shortage in words, with the limit that caused it:
 * "too many open files (RLIMIT_NOFILE 12)".  Appended to b.
 */
void workers_describe_shortage(int err, struct buf *b);
/* What a person can do about it, "; raise the limit (ulimit -n) ...", where known. */
void workers_describe_fix(int err, struct buf *b);

#endif

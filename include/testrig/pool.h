/*
 * pool.h - the fixed pool of worker threads.  The dispatcher hands a job to
 * a chosen idle worker; the worker runs it (unit_run) and posts EV_FINISHED,
 * after which it is idle again.  The pool decides nothing about what runs
 * when: that is the dispatcher's.
 */
#ifndef TESTRIG_POOL_H
#define TESTRIG_POOL_H

#include "testrig/unit.h"

struct evq;
struct pool;

/* Starts n workers posting to q.  Dies if threads cannot be created. */
struct pool *pool_create(unsigned n, struct evq *q);
/* Gives `job` to worker w, which must be idle (its last job finished). */
void pool_submit(struct pool *p, unsigned w, struct unit_job *job);
/* Sends request bits to worker w's running unit (no-op if idle). */
void pool_request(struct pool *p, unsigned w, unsigned bits, int term_signal);
/* Job control for worker w (see unit_ctl_pause); idle workers remember it. */
void pool_pause(struct pool *p, unsigned w, bool paused, int64_t at);
/* Stops and joins every worker; jobs must all have finished. */
void pool_destroy(struct pool *p);

#endif

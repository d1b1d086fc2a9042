/*
 * pool.h - the fixed pool of worker threads.  The dispatcher hands a job to
 * a chosen idle worker; the worker runs it (unit_run) and posts EV_FINISHED,
 * after which it is idle again.  Besides, the dispatcher may queue jobs
 * ahead in a ready queue: a worker whose job ended cleanly (unit_may_hand_off)
 * takes the oldest one itself and starts it at once on the same slot, with
 * no round trip through the dispatcher; its EV_FINISHED names that job.
 * The pool decides nothing about what runs when: that is the dispatcher's,
 * which alone puts jobs in the queue and may take back what no worker has
 * taken yet.
 */
#ifndef TESTRIG_POOL_H
#define TESTRIG_POOL_H

#include <stddef.h>

#include "testrig/unit.h"

struct evq;
struct pool;

/*
 * Starts up to n workers posting to q: as many as descriptors and threads
 * can be had for, *err saying why there are fewer (0: all n).  NULL when
 * not even one could be started.
 */
struct pool *pool_create(unsigned n, struct evq *q, int *err);
/* Before any job: stops workers n and up (n at least 1), leaving n. */
void pool_shrink(struct pool *p, unsigned n);
/* How many workers the pool has: workers are numbered 0 to this, less one. */
unsigned pool_size(const struct pool *p);
/* Gives `job` to worker w, which must be idle (its last job finished). */
void pool_submit(struct pool *p, unsigned w, struct unit_job *job);
/*
 * The ready queue.  pool_offer appends a job (job->slot unset: it takes
 * the slot of the job it follows); pool_take_back removes the oldest job no
 * worker has taken, or returns NULL; pool_give_back puts a job taken back
 * at the head again.  pool_ready says how many wait.  Dispatcher only.
 */
void pool_offer(struct pool *p, struct unit_job *job);
struct unit_job *pool_take_back(struct pool *p);
void pool_give_back(struct pool *p, struct unit_job *job);
size_t pool_ready(struct pool *p);
/*
 * A worker that takes a job wakes the dispatcher (rather than posting its
 * EV_FINISHED quietly) once no more than `low` jobs are left in the queue.
 */
void pool_set_low_water(struct pool *p, size_t low);
/* Sends request bits to worker w's running unit (no-op if idle). */
void pool_request(struct pool *p, unsigned w, unsigned bits, int term_signal);
/* Job control for worker w (see unit_ctl_pause); idle workers remember it. */
void pool_pause(struct pool *p, unsigned w, bool paused, int64_t at);
/* Stops and joins every worker; jobs must all have finished and none be queued. */
void pool_destroy(struct pool *p);

#endif

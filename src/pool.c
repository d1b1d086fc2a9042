/*
 * pool.c - worker threads and the ready queue.  Each worker sleeps on its
 * own condition variable until the dispatcher gives it a job, runs the job,
 * then either takes the next job from the ready queue itself (when the job
 * ended cleanly) or sleeps again.  The ready queue is a FIFO under the
 * pool's mutex; workers take from its head, the dispatcher adds at its tail
 * and takes back from its head.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/attempt.h"
#include "testrig/events.h"
#include "testrig/pool.h"
#include "testrig/util.h"

struct worker {
	struct pool *pool;
	unsigned index;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct unit_job *job;   /* next job to run, under lock */
	bool quit;
	struct unit_ctl ctl;
};

struct pool {
	unsigned n;
	struct evq *q;
	struct worker *w;
	pthread_mutex_t lock;   /* the ready queue */
	struct unit_job *head, *tail;
	size_t nready, low_water;
	atomic_uint live;       /* workers whose unit has a process running */
};

/*
 * A worker's next job from the ready queue, or NULL.  *wake: whether the
 * dispatcher should hear of it now (the queue runs low or is empty).
 */
static struct unit_job *take_ready(struct pool *p, bool *wake)
{
	struct unit_job *job;

	pthread_mutex_lock(&p->lock);
	job = p->head;
	if (job) {
		p->head = job->ready_link;
		if (!p->head)
			p->tail = NULL;
		job->ready_link = NULL;
		p->nready--;
	}
	*wake = !job || p->nready <= p->low_water;
	pthread_mutex_unlock(&p->lock);
	return job;
}

/*
 * An attempt with much output is better handed over at once: the
 * dispatcher frees it (and its capture buffers go back to be reused).
 */
#define QUIET_OUTPUT_MAX (64 * 1024)

static bool holds_much(const struct event *fin)
{
	return fin->result && fin->result->out.head.cap + fin->result->err.head.cap > QUIET_OUTPUT_MAX;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	struct unit_job *job = NULL;

	for (;;) {
		struct unit_job *next = NULL;
		struct event *fin;
		bool wake = true;

		if (!job) {
			pthread_mutex_lock(&w->lock);
			while (!w->job && !w->quit)
				pthread_cond_wait(&w->cond, &w->lock);
			job = w->job;
			w->job = NULL;
			pthread_mutex_unlock(&w->lock);
			if (!job)
				return NULL;
		}
		fin = unit_run(job, &w->ctl, p->q);
		if (unit_may_hand_off(job, fin, &w->ctl))
			next = take_ready(p, &wake);
		if (next) {
			/* It holds what `job` held: the dispatcher learns so from fin. */
			next->worker = w->index;
			next->slot = job->slot;
			fin->next = next;
		}
		/* From here on the dispatcher may free `job`. */
		if (wake || holds_much(fin))
			evq_push(p->q, fin);
		else
			evq_push_quiet(p->q, fin);
		job = next;
	}
}

struct pool *pool_create(unsigned n, struct evq *q, int *err)
{
	struct pool *p = xcalloc(1, sizeof *p);
	pthread_attr_t attr;
	unsigned i;
	int e;

	*err = 0;
	p->q = q;
	p->w = xcalloc(n, sizeof *p->w);
	if (pthread_mutex_init(&p->lock, NULL))
		die("cannot initialise the ready queue");
	if ((e = pthread_attr_init(&attr)))
		die("pthread_attr_init: %s", strerror(e));
	/* Workers need little stack; keep the address space small for routers. */
	if ((e = pthread_attr_setstacksize(&attr, 256 * 1024 > PTHREAD_STACK_MIN ?
					  256 * 1024 : PTHREAD_STACK_MIN)))
		die("pthread_attr_setstacksize: %s", strerror(e));
	/*
	 * As many as the limits let us start: a wake-up fd and a thread each
	 * (EMFILE, or EAGAIN under RLIMIT_NPROC); the first that cannot be
	 * had ends the pool there.
	 */
	for (i = 0; i < n; i++) {
		struct worker *w = &p->w[i];

		w->pool = p;
		w->index = i;
		if (pthread_mutex_init(&w->lock, NULL) || pthread_cond_init(&w->cond, NULL))
			die("cannot initialise worker %u", i);
		if (unit_ctl_init(&w->ctl, (uint64_t)mono_ns() ^ ((uint64_t)i << 48))) {
			*err = errno;
		} else {
			w->ctl.live = &p->live;
			if (!(e = pthread_create(&w->thread, &attr, worker_main, w))) {
				p->n++;
				continue;
			}
			*err = e;
			unit_ctl_destroy(&w->ctl);
		}
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		break;
	}
	pthread_attr_destroy(&attr);
	if (!p->n) {
		pool_destroy(p);
		return NULL;
	}
	return p;
}

unsigned pool_size(const struct pool *p)
{
	return p->n;
}

void pool_submit(struct pool *p, unsigned i, struct unit_job *job)
{
	struct worker *w = &p->w[i];

	job->worker = i;
	/*
	 * Requests sent to the worker's previous job after it had finished
	 * (its EV_FINISHED still queued) must not reach this one.
	 */
	unit_ctl_new_job(&w->ctl);
	pthread_mutex_lock(&w->lock);
	if (w->job)
		die("internal error: worker %u given a job while busy", i);
	w->job = job;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void pool_offer(struct pool *p, struct unit_job *job)
{
	job->ready_link = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->ready_link = job;
	else
		p->head = job;
	p->tail = job;
	p->nready++;
	pthread_mutex_unlock(&p->lock);
}

struct unit_job *pool_take_back(struct pool *p)
{
	bool wake;

	return take_ready(p, &wake);
}

void pool_give_back(struct pool *p, struct unit_job *job)
{
	pthread_mutex_lock(&p->lock);
	job->ready_link = p->head;
	p->head = job;
	if (!p->tail)
		p->tail = job;
	p->nready++;
	pthread_mutex_unlock(&p->lock);
}

size_t pool_ready(struct pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->nready;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void pool_set_low_water(struct pool *p, size_t low)
{
	pthread_mutex_lock(&p->lock);
	p->low_water = low;
	pthread_mutex_unlock(&p->lock);
}

void pool_request(struct pool *p, unsigned i, unsigned bits, int term_signal)
{
	unit_ctl_request(&p->w[i].ctl, bits, term_signal);
}

void pool_pause(struct pool *p, unsigned i, bool paused, int64_t at)
{
	unit_ctl_pause(&p->w[i].ctl, paused, at);
}

/* Stops and joins workers n and up (idle ones). */
static void stop_workers(struct pool *p, unsigned n)
{
	unsigned i;

	for (i = n; i < p->n; i++) {
		struct worker *w = &p->w[i];

		pthread_mutex_lock(&w->lock);
		w->quit = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	for (i = n; i < p->n; i++) {
		struct worker *w = &p->w[i];

		pthread_join(w->thread, NULL);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		unit_ctl_destroy(&w->ctl);
	}
	if (n < p->n)
		p->n = n;
}

void pool_shrink(struct pool *p, unsigned n)
{
	if (n >= 1)
		stop_workers(p, n);
}

void pool_destroy(struct pool *p)
{
	if (!p)
		return;
	if (p->head)
		die("internal error: the pool is stopped with jobs in its ready queue");
	stop_workers(p, 0);
	pthread_mutex_destroy(&p->lock);
	free(p->w);
	free(p);
}

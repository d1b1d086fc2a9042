/*
 * pool.c - worker threads.  Each worker sleeps on its own condition variable
 * until the dispatcher gives it a job, runs the job, and sleeps again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		struct unit_job *job;

		pthread_mutex_lock(&w->lock);
		while (!w->job && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		job = w->job;
		w->job = NULL;
		pthread_mutex_unlock(&w->lock);
		if (!job)
			return NULL;
		unit_run(job, &w->ctl, w->pool->q);
		/*
		 * The EV_FINISHED event is posted; from here the dispatcher may
		 * submit again, which only sets w->job under the lock.
		 */
	}
}

struct pool *pool_create(unsigned n, struct evq *q)
{
	struct pool *p = xcalloc(1, sizeof *p);
	pthread_attr_t attr;
	unsigned i;
	int e;

	p->n = n;
	p->q = q;
	p->w = xcalloc(n, sizeof *p->w);
	if ((e = pthread_attr_init(&attr)))
		die("pthread_attr_init: %s", strerror(e));
	/* Workers need little stack; keep the address space small for routers. */
	if ((e = pthread_attr_setstacksize(&attr, 256 * 1024 > PTHREAD_STACK_MIN ?
					  256 * 1024 : PTHREAD_STACK_MIN)))
		die("pthread_attr_setstacksize: %s", strerror(e));
	for (i = 0; i < n; i++) {
		struct worker *w = &p->w[i];

		w->pool = p;
		w->index = i;
		if (pthread_mutex_init(&w->lock, NULL) || pthread_cond_init(&w->cond, NULL))
			die("cannot initialise worker %u", i);
		if (unit_ctl_init(&w->ctl, (uint64_t)mono_ns() ^ ((uint64_t)i << 48)))
			die_errno("cannot create a wake-up fd for worker %u", i);
		if ((e = pthread_create(&w->thread, &attr, worker_main, w)))
			die("cannot start worker thread %u: %s", i, strerror(e));
	}
	pthread_attr_destroy(&attr);
	return p;
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

void pool_request(struct pool *p, unsigned i, unsigned bits, int term_signal)
{
	unit_ctl_request(&p->w[i].ctl, bits, term_signal);
}

void pool_pause(struct pool *p, unsigned i, bool paused, int64_t at)
{
	unit_ctl_pause(&p->w[i].ctl, paused, at);
}

void pool_destroy(struct pool *p)
{
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];

		pthread_mutex_lock(&w->lock);
		w->quit = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	for (i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];

		pthread_join(w->thread, NULL);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		unit_ctl_destroy(&w->ctl);
	}
	free(p->w);
	free(p);
}

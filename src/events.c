/*
 * events.c - the worker-to-dispatcher event queue: an intrusive FIFO under a
 * mutex, a condvar for blocking pops, and a notify fd for poll(2) consumers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "testrig/events.h"
#include "testrig/unit.h"
#include "testrig/util.h"

int evq_init(struct evq *q)
{
	int p[2];

	q->head = q->tail = NULL;
	q->sleeping = false;
#ifdef __linux__
	p[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p[0] >= 0) {
		q->notify_rd = q->notify_wr = p[0];
		goto done;
	}
#endif
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -1;
	q->notify_rd = p[0];
	q->notify_wr = p[1];
done:
	if (pthread_mutex_init(&q->lock, NULL) || pthread_cond_init(&q->cond, NULL))
		die("cannot initialise the event queue");
	return 0;
}

void evq_destroy(struct evq *q)
{
	struct event *e;

	while ((e = evq_try_pop(q)))
		event_free(e);
	if (q->notify_wr != q->notify_rd)
		close(q->notify_wr);
	close(q->notify_rd);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
}

struct event *event_new(enum event_type type, struct unit_job *job)
{
	struct event *e = xcalloc(1, sizeof *e);

	e->type = type;
	e->job = job;
	return e;
}

void event_free(struct event *e)
{
	if (!e)
		return;
	attempt_free(e->result);
	free(e->text);
	free(e);
}

void evq_push(struct evq *q, struct event *e)
{
	bool wake;

	e->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	wake = q->sleeping;
	q->sleeping = false;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	if (wake) {
		uint64_t one = 1;
		/* EAGAIN means the fd is already readable: the consumer wakes anyway. */
		if (write(q->notify_wr, &one, q->notify_wr == q->notify_rd ? sizeof one : 1) < 0 &&
		    errno != EAGAIN)
			die_errno("event queue notify");
	}
}

static struct event *take(struct evq *q)
{
	struct event *e = q->head;

	if (e) {
		q->head = e->next;
		if (!q->head)
			q->tail = NULL;
		e->next = NULL;
	}
	return e;
}

struct event *evq_try_pop(struct evq *q)
{
	struct event *e;

	pthread_mutex_lock(&q->lock);
	e = take(q);
	pthread_mutex_unlock(&q->lock);
	return e;
}

struct event *evq_pop(struct evq *q)
{
	struct event *e;

	pthread_mutex_lock(&q->lock);
	while (!q->head)
		pthread_cond_wait(&q->cond, &q->lock);
	e = take(q);
	pthread_mutex_unlock(&q->lock);
	return e;
}

bool evq_prepare_sleep(struct evq *q)
{
	bool empty;

	pthread_mutex_lock(&q->lock);
	empty = q->head == NULL;
	q->sleeping = empty;
	pthread_mutex_unlock(&q->lock);
	return empty;
}

int evq_fd(const struct evq *q)
{
	return q->notify_rd;
}

void evq_drain_fd(struct evq *q)
{
	char b[64];

	pthread_mutex_lock(&q->lock);
	q->sleeping = false;
	pthread_mutex_unlock(&q->lock);
	while (read(q->notify_rd, b, sizeof b) > 0)
		;
}

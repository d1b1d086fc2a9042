/*
 * events.c - the worker-to-dispatcher event queue: an intrusive FIFO under a
 * mutex and a notify fd for the consumer's poll(2).
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "testrig/attempt.h"
#include "testrig/events.h"
#include "testrig/util.h"

int evq_init(struct evq *q)
{
	q->head = q->tail = NULL;
	q->sleeping = false;
	if (wakefd_open(&q->notify))
		return -1;
	if (pthread_mutex_init(&q->lock, NULL))
		die("cannot initialise the event queue");
	return 0;
}

void evq_destroy(struct evq *q)
{
	struct event *e;

	while ((e = evq_try_pop(q)))
		event_free(e);
	wakefd_close(&q->notify);
	pthread_mutex_destroy(&q->lock);
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

static void push(struct evq *q, struct event *e, bool wake_sleeper)
{
	bool wake = false;

	e->link = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->link = e;
	else
		q->head = e;
	q->tail = e;
	if (wake_sleeper && q->sleeping) {
		wake = true;
		q->sleeping = false;
	}
	pthread_mutex_unlock(&q->lock);
	if (wake)
		wakefd_signal(&q->notify);
}

void evq_push(struct evq *q, struct event *e)
{
	push(q, e, true);
}

void evq_push_quiet(struct evq *q, struct event *e)
{
	push(q, e, false);
}

static struct event *take(struct evq *q)
{
	struct event *e = q->head;

	if (e) {
		q->head = e->link;
		if (!q->head)
			q->tail = NULL;
		e->link = NULL;
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
	return q->notify.rd;
}

void evq_drain_fd(struct evq *q)
{
	pthread_mutex_lock(&q->lock);
	q->sleeping = false;
	pthread_mutex_unlock(&q->lock);
	wakefd_drain(&q->notify);
}

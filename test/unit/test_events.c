/*
 * test_events.c - the event queue: order, the notify fd, and many producers
 * against one consumer that sleeps in poll(2) as the engine does.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "testrig/attempt.h"
#include "testrig/events.h"
#include "testrig/unit.h"

#define PRODUCERS 4
#define PER_PRODUCER 20000

static struct evq q;

static void test_fifo(void)
{
	struct event *e;
	unsigned i;

	for (i = 1; i <= 5; i++) {
		e = event_new(EV_STARTED, NULL);
		e->attempt = i;
		evq_push(&q, e);
	}
	for (i = 1; i <= 5; i++) {
		e = evq_try_pop(&q);
		CHECK(e != NULL);
		if (!e)
			return;
		CHECK_INT(e->attempt, i);
		event_free(e);
	}
	CHECK(evq_try_pop(&q) == NULL);
}

static void *producer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, i;

	for (i = 0; i < PER_PRODUCER; i++) {
		struct event *e = event_new(EV_SLOW, NULL);
		e->attempt = id;
		e->count = i;
		evq_push(&q, e);
	}
	return NULL;
}

/*
 * The engine's way to wait: take what is queued, else say it will sleep and
 * poll the notify fd (a lost wake-up would hang here, and the 10 s poll
 * limit makes that a failure, not a hang).
 */
static struct event *wait_event(unsigned *sleeps, unsigned *timeouts)
{
	struct event *e;

	while (!(e = evq_try_pop(&q))) {
		struct pollfd pf;

		if (!evq_prepare_sleep(&q))
			continue;
		pf.fd = evq_fd(&q);
		pf.events = POLLIN;
		(*sleeps)++;
		if (poll(&pf, 1, 10000) == 0)
			(*timeouts)++;
		evq_drain_fd(&q);
	}
	return e;
}

/* Many producers, one consumer: nothing lost, each producer's order kept. */
static void test_threads(void)
{
	pthread_t t[PRODUCERS];
	unsigned next[PRODUCERS] = { 0 }, i, got = 0, sleeps = 0, timeouts = 0;
	bool in_order = true;

	for (i = 0; i < PRODUCERS; i++)
		pthread_create(&t[i], NULL, producer, (void *)(uintptr_t)i);
	while (got < PRODUCERS * PER_PRODUCER && !timeouts) {
		struct event *e = wait_event(&sleeps, &timeouts);
		if (e->count != next[e->attempt])
			in_order = false;
		next[e->attempt] = (unsigned)e->count + 1;
		event_free(e);
		got++;
	}
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(t[i], NULL);
	CHECK(in_order);
	CHECK_INT(got, PRODUCERS * PER_PRODUCER);
	CHECK_INT(timeouts, 0);
	fprintf(stderr, "  (the consumer slept %u times)\n", sleeps);
	CHECK(evq_try_pop(&q) == NULL);
}

static void *late_push(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	evq_push(&q, event_new(EV_FINISHED, NULL));
	return NULL;
}

/* A poll-based consumer that said it will sleep is woken by a push. */
static void test_notify_fd(void)
{
	struct pollfd pf;
	pthread_t t;
	struct event *e;
	int n;

	CHECK(evq_prepare_sleep(&q));
	pthread_create(&t, NULL, late_push, NULL);
	pf.fd = evq_fd(&q);
	pf.events = POLLIN;
	n = poll(&pf, 1, 10000);
	CHECK_INT(n, 1);
	evq_drain_fd(&q);
	e = evq_try_pop(&q);
	CHECK(e && e->type == EV_FINISHED);
	event_free(e);
	pthread_join(t, NULL);
	/* Not sleeping: a push must not make the fd readable. */
	evq_push(&q, event_new(EV_STARTED, NULL));
	pf.revents = 0;
	CHECK_INT(poll(&pf, 1, 0), 0);
	/* With an event queued, prepare_sleep refuses. */
	CHECK(!evq_prepare_sleep(&q));
	event_free(evq_try_pop(&q));
}

/* Events still queued at destroy are freed (ASan would see a leak). */
static void test_destroy_frees(void)
{
	struct evq q2;
	struct event *e;

	CHECK(evq_init(&q2) == 0);
	e = event_new(EV_FINISHED, NULL);
	e->result = attempt_new(1, 100);
	e->text = strdup("x");
	evq_push(&q2, e);
	evq_destroy(&q2);
}

/*
 * Requests sent to a worker's finished job are dropped when it is given the
 * next one; the pause wish is kept (the worker must still follow it).
 */
static void test_ctl_new_job(void)
{
	struct unit_ctl ctl = { 0 };

	CHECK(unit_ctl_init(&ctl, 1) == 0);
	unit_ctl_request(&ctl, REQ_TERMINATE | REQ_KILL | REQ_INFO | REQ_RUN_CANCELLED, 15);
	unit_ctl_new_job(&ctl);
	CHECK_INT(ctl.requests, 0);
	unit_ctl_pause(&ctl, true, 1);
	unit_ctl_request(&ctl, REQ_TERMINATE, 15);
	unit_ctl_new_job(&ctl);
	CHECK_INT(ctl.requests, REQ_PAUSE);
	unit_ctl_destroy(&ctl);
}

int main(void)
{
	if (evq_init(&q))
		return 2;
	RUN(test_fifo);
	RUN(test_threads);
	RUN(test_notify_fd);
	RUN(test_destroy_frees);
	RUN(test_ctl_new_job);
	evq_destroy(&q);
	return check_done();
}

/*
 * events.h - the queue between the workers and the dispatcher.  Workers push
 * events (a unit started, is slow, failed an attempt, finished, answered an
 * info query); the dispatcher alone pops them.  A mutex protects the list; a
 * notify fd (eventfd or pipe) wakes the consumer blocked in poll(2), so the
 * dispatcher waits for events, signals and keys at once.  The fd is written
 * only when the consumer has said it is about to sleep, so a busy run costs
 * no syscall per event; an event pushed quietly (evq_push_quiet) does not
 * write it at all, and waits until the consumer next looks (it bounds its
 * sleep while workers are busy).
 */
#ifndef TESTRIG_EVENTS_H
#define TESTRIG_EVENTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "testrig/util.h"

struct unit_job;
struct attempt;

enum event_type {
	EV_STARTED,     /* attempt spawned: attempt, pid */
	EV_SLOW,        /* attempt passed another slow-timeout period: elapsed, terminating */
	EV_RETRY,       /* attempt failed and will be retried after `delay`: result */
	EV_FINISHED,    /* the unit is done, the worker is free again: result */
	EV_INFO,        /* answer to an info query: text */
	EV_PAUSED,      /* the unit's process group is stopped and its clocks paused */
	/*
	 * News of the job's own kind, for its job_kind's `news` (engine.h):
	 * `news` says what (the kind's own codes), with text, count, elapsed
	 * and result as that kind uses them.
	 */
	EV_NEWS,
};

struct event {
	enum event_type type;
	struct unit_job *job;
	unsigned attempt;       /* 1-based */
	pid_t pid;
	bool terminating;       /* EV_SLOW: this period starts termination */
	int64_t elapsed;        /* ns on the unit's stopwatch */
	int64_t delay;          /* EV_RETRY: ns until the next attempt */
	struct attempt *result; /* EV_RETRY, EV_FINISHED: owned by the event */
	/*
	 * EV_FINISHED: the queued job this worker took and started at once on
	 * the finished job's slot (pool.h), or NULL.  Not owned by the event.
	 */
	struct unit_job *next;
	char *text;             /* EV_INFO: output tail; EV_NEWS: the kind's; owned by the event */
	unsigned news;          /* EV_NEWS: what it is, in the kind's own codes */
	size_t count;           /* EV_NEWS: the kind's */
	const char *state;      /* EV_INFO: "running", "terminating", ... (static) */
	struct event *link;     /* the queue's */
};

struct evq {
	pthread_mutex_t lock;
	struct event *head, *tail;
	bool sleeping;          /* the consumer is about to wait in poll */
	struct wakefd notify;
};

int evq_init(struct evq *q);    /* -1 with errno if no fd could be made */
void evq_destroy(struct evq *q); /* frees events still queued */
/* Allocates a zeroed event; the caller fills it and pushes it. */
struct event *event_new(enum event_type type, struct unit_job *job);
void event_free(struct event *e);
void evq_push(struct evq *q, struct event *e);
/*
 * Queues e without waking a consumer that sleeps: for news nothing waits
 * on (a test started, passed and was followed by the next one).
 */
void evq_push_quiet(struct evq *q, struct event *e);
/* Takes the oldest event, or NULL at once when the queue is empty. */
struct event *evq_try_pop(struct evq *q);
/*
 * Before sleeping: returns true if the queue is empty and the consumer may
 * now poll evq_fd(); events pushed from then on write the fd.  After poll
 * returns, call evq_drain_fd().
 */
bool evq_prepare_sleep(struct evq *q);
int evq_fd(const struct evq *q);
void evq_drain_fd(struct evq *q);

#endif

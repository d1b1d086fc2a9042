/*
 * sched.h - which test starts next.  Pure bookkeeping, no processes: the
 * tests in the order they should start, each in a test group; slots (a
 * test holds threads-required of them, TESTRIG_SLOT is the first), group
 * bounds (max-threads, each running member holding a group slot), and the
 * failure count behind fail-fast.  The tests phase asks it for the next
 * test whenever a worker is free; unit tests drive it directly.
 */
#ifndef TESTRIG_SCHED_H
#define TESTRIG_SCHED_H

#include <stdbool.h>
#include <stddef.h>

struct sched;

/* A test allowed to start, and what it holds until sched_release. */
struct sched_grant {
	size_t item;            /* as given to sched_add */
	size_t group;           /* as given to sched_add */
	unsigned first_slot;    /* the lowest slot it holds (TESTRIG_SLOT) */
	unsigned held;          /* slots held (0 while queued ahead) */
	int group_slot;         /* its slot in its group (TESTRIG_GROUP_SLOT), or -1 */
};

/*
 * `nslots` slots (the test threads); groups 1..ngroups-1 allow at most
 * group_max[g] running members (0: no bound), group 0 is the tests in no
 * group (group_max[0] is ignored).  Fail-fast: `max_fail` failures (0:
 * never) cancel the run.
 */
struct sched *sched_new(unsigned nslots, const unsigned *group_max, size_t ngroups,
			unsigned max_fail);
void sched_free(struct sched *s);
/*
 * Adds a test, in the order tests should start.  `need` is its
 * threads-required: 0 means every slot, more than there are is all of them.
 * `ahead`: it may be queued ahead of the workers (sched_next_ahead).
 */
void sched_add(struct sched *s, size_t item, size_t group, unsigned need, bool ahead);
/* Room for n more tests of the group (saves growing its arrays one doubling at a time). */
void sched_reserve(struct sched *s, size_t group, size_t n);
/*
 * The next test that may start now, its slots taken: the earliest added
 * whose group has room.  A test that needs more free slots than there are
 * waits, and nothing after it starts first, so tests that need many slots
 * are not starved.  False when none may start (or the run is stopped).
 * `limit` bounds the slots it may hold (make's jobserver); when that is
 * what stops it, *wanted says how many it needs (else 0).
 */
bool sched_next(struct sched *s, struct sched_grant *g, unsigned limit, unsigned *wanted);
/* A test ended: its slots and group slot are free again. */
void sched_release(struct sched *s, const struct sched_grant *g);
/*
 * Queued ahead (pool.h): the test sched_next would give now, when it needs
 * one slot, is in no test group and may be queued; it holds no slot until
 * it starts: on the slot of a test that ended (sched_handoff) or on a free
 * one (sched_claim).  sched_unqueue: a queued test that will not start.
 */
bool sched_next_ahead(struct sched *s, struct sched_grant *g);
/* Queued `to` starts on the slot of `from`, which ended: from->held becomes 0. */
void sched_handoff(struct sched *s, struct sched_grant *from, struct sched_grant *to);
/* Queued g starts on the lowest free slot; false when none is free. */
bool sched_claim(struct sched *s, struct sched_grant *g);
void sched_unqueue(struct sched *s, const struct sched_grant *g);
/*
 * A test ended in failure: true exactly when this failure reaches max_fail
 * (the caller cancels the run and calls sched_stop).
 */
bool sched_failure(struct sched *s);
/* Nothing more starts. */
void sched_stop(struct sched *s);
/* Tests added and not started (whether or not the run was stopped). */
size_t sched_waiting(const struct sched *s);
/* Slots free now. */
unsigned sched_free_slots(const struct sched *s);

#endif

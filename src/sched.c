/*
 * sched.c - the scheduler of sched.h: a queue per test group (positions in
 * start order), slot owners for the run and per group, a failure counter.
 * Owns only its arrays; knows nothing of tests, workers or processes.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "testrig/sched.h"
#include "testrig/util.h"

#define FREE_SLOT SIZE_MAX

/* One test waiting to start (12 bytes: a run may hold 100 000). */
struct entry {
	uint32_t item;
	uint32_t need;
	bool ahead;
};

struct group_queue {
	unsigned max;               /* 0: no bound */
	unsigned running;
	struct entry *queue;        /* in start order */
	size_t n, cap, next;
	uint32_t *seq;              /* queue[i]'s position among all tests added */
	size_t *slot_owner;         /* group slots: the item holding each, or FREE_SLOT */
	unsigned nslots;
};

struct sched {
	unsigned nslots, free_slots;
	size_t *slot_owner;         /* the item holding each slot, or FREE_SLOT */
	struct group_queue *groups;
	size_t ngroups;
	size_t added, started;
	unsigned max_fail, failures;
	bool stopped;
};

struct sched *sched_new(unsigned nslots, const unsigned *group_max, size_t ngroups,
			unsigned max_fail)
{
	struct sched *s = xcalloc(1, sizeof *s);
	size_t g, i;

	if (!nslots)
		nslots = 1;
	if (!ngroups)
		ngroups = 1;
	s->nslots = s->free_slots = nslots;
	s->slot_owner = xcalloc(nslots, sizeof *s->slot_owner);
	for (i = 0; i < nslots; i++)
		s->slot_owner[i] = FREE_SLOT;
	s->ngroups = ngroups;
	s->groups = xcalloc(ngroups, sizeof *s->groups);
	for (g = 0; g < ngroups; g++) {
		struct group_queue *q = &s->groups[g];

		q->max = g && group_max ? group_max[g] : 0;
		/* Group 0 has no group slots: its tests get TESTRIG_GROUP_SLOT -1. */
		q->nslots = !g ? 0 : q->max && q->max < nslots ? q->max : nslots;
		q->slot_owner = xcalloc(q->nslots + 1, sizeof *q->slot_owner);
		for (i = 0; i < q->nslots; i++)
			q->slot_owner[i] = FREE_SLOT;
	}
	s->max_fail = max_fail;
	return s;
}

void sched_free(struct sched *s)
{
	size_t g;

	if (!s)
		return;
	for (g = 0; g < s->ngroups; g++) {
		free(s->groups[g].queue);
		free(s->groups[g].seq);
		free(s->groups[g].slot_owner);
	}
	free(s->groups);
	free(s->slot_owner);
	free(s);
}

void sched_reserve(struct sched *s, size_t group, size_t n)
{
	struct group_queue *q = &s->groups[group];

	if (group >= s->ngroups)
		die("internal error: test group %zu of %zu", group, s->ngroups);
	if (q->n + n > q->cap) {
		q->cap = q->n + n;
		q->queue = xreallocarray(q->queue, q->cap, sizeof *q->queue);
		q->seq = xreallocarray(q->seq, q->cap, sizeof *q->seq);
	}
}

void sched_add(struct sched *s, size_t item, size_t group, unsigned need, bool ahead)
{
	struct group_queue *q;

	if (group >= s->ngroups)
		die("internal error: test group %zu of %zu", group, s->ngroups);
	q = &s->groups[group];
	if (item > UINT32_MAX || s->added >= UINT32_MAX)
		die("internal error: more than %" PRIu32 " tests to schedule", UINT32_MAX);
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->queue = xreallocarray(q->queue, q->cap, sizeof *q->queue);
		q->seq = xreallocarray(q->seq, q->cap, sizeof *q->seq);
	}
	q->queue[q->n].item = (uint32_t)item;
	q->queue[q->n].need = need && need < s->nslots ? need : s->nslots;
	q->queue[q->n].ahead = ahead;
	q->seq[q->n] = (uint32_t)s->added++;
	q->n++;
}

/* The lowest free slot of owner[0..n), now held by item. */
static unsigned take_slot(size_t *owner, unsigned n, size_t item)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (owner[i] == FREE_SLOT) {
			owner[i] = item;
			return i;
		}
	}
	die("internal error: no free slot");
}

static void release_slots(size_t *owner, unsigned n, size_t item)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (owner[i] == item)
			owner[i] = FREE_SLOT;
}

/* The group whose next test comes first among the groups with room, or NULL. */
static struct group_queue *next_group(struct sched *s)
{
	struct group_queue *best = NULL;
	size_t gi;

	if (s->stopped)
		return NULL;
	for (gi = 0; gi < s->ngroups; gi++) {
		struct group_queue *q = &s->groups[gi];

		if (q->next >= q->n || (q->max && q->running >= q->max))
			continue;
		if (!best || q->seq[q->next] < best->seq[best->next])
			best = q;
	}
	return best;
}

/* Takes the next test of group q: it runs in its group from now on. */
static const struct entry *start_next(struct sched *s, struct group_queue *q,
				      struct sched_grant *g)
{
	const struct entry *e = &q->queue[q->next++];

	q->running++;
	s->started++;
	g->item = e->item;
	g->group = (size_t)(q - s->groups);
	g->group_slot = q->nslots ? (int)take_slot(q->slot_owner, q->nslots, e->item) : -1;
	return e;
}

bool sched_next(struct sched *s, struct sched_grant *g, unsigned limit, unsigned *wanted)
{
	struct group_queue *best = next_group(s);
	const struct entry *e;
	unsigned k;

	*wanted = 0;
	if (!best)
		return false;
	e = &best->queue[best->next];
	if (e->need > s->free_slots)
		return false;
	if (e->need > limit) {
		*wanted = e->need;
		return false;
	}
	e = start_next(s, best, g);
	g->held = e->need;
	g->first_slot = take_slot(s->slot_owner, s->nslots, e->item);
	for (k = 1; k < e->need; k++)
		take_slot(s->slot_owner, s->nslots, e->item);
	s->free_slots -= e->need;
	return true;
}

bool sched_next_ahead(struct sched *s, struct sched_grant *g)
{
	struct group_queue *best = next_group(s);

	/* Tests of a group have group slots (TESTRIG_GROUP_SLOT) to share out: not these. */
	if (!best || best != s->groups || best->queue[best->next].need != 1 ||
	    !best->queue[best->next].ahead)
		return false;
	start_next(s, best, g);
	g->held = 0;
	g->first_slot = 0;
	return true;
}

void sched_handoff(struct sched *s, struct sched_grant *from, struct sched_grant *to)
{
	if (from->held != 1 || to->held != 0 || s->slot_owner[from->first_slot] != from->item)
		die("internal error: a slot handed from item %zu to item %zu", from->item, to->item);
	s->slot_owner[from->first_slot] = to->item;
	to->first_slot = from->first_slot;
	to->held = 1;
	from->held = 0;
}

bool sched_claim(struct sched *s, struct sched_grant *g)
{
	if (!s->free_slots)
		return false;
	g->first_slot = take_slot(s->slot_owner, s->nslots, g->item);
	g->held = 1;
	s->free_slots--;
	return true;
}

void sched_unqueue(struct sched *s, const struct sched_grant *g)
{
	struct group_queue *q = &s->groups[g->group];

	q->running--;
	if (q->nslots)
		release_slots(q->slot_owner, q->nslots, g->item);
}

void sched_release(struct sched *s, const struct sched_grant *g)
{
	struct group_queue *q = &s->groups[g->group];

	if (g->held)
		release_slots(s->slot_owner, s->nslots, g->item);
	s->free_slots += g->held;
	q->running--;
	if (q->nslots)
		release_slots(q->slot_owner, q->nslots, g->item);
}

bool sched_failure(struct sched *s)
{
	s->failures++;
	return s->max_fail && s->failures == s->max_fail;
}

void sched_stop(struct sched *s)
{
	s->stopped = true;
}

size_t sched_waiting(const struct sched *s)
{
	return s->added - s->started;
}

unsigned sched_free_slots(const struct sched *s)
{
	return s->free_slots;
}

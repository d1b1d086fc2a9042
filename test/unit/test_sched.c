/*
 * test_sched.c - the scheduler without processes: start order, slots and
 * TESTRIG_SLOT numbers, test groups and their max-threads, threads-required
 * (and that big tests are not starved), fail-fast counting and stopping.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>

#include "check.h"
#include "testrig/sched.h"

/* sched_next, expecting a grant for `item` on `slot`. */
/* sched_next without a jobserver's limit. */
static bool next(struct sched *s, struct sched_grant *g)
{
	unsigned wanted;
	bool got = sched_next(s, g, UINT_MAX, &wanted);

	CHECK_INT(wanted, 0);
	return got;
}

static void expect_next(struct sched *s, struct sched_grant *g, size_t item, unsigned slot)
{
	bool got = next(s, g);

	CHECK(got);
	if (!got)
		return;
	CHECK_INT(g->item, item);
	CHECK_INT(g->first_slot, slot);
}

static void test_order_and_slots(void)
{
	struct sched *s = sched_new(2, NULL, 1, 0);
	struct sched_grant a, b, c, none;
	size_t i;

	for (i = 0; i < 4; i++)
		sched_add(s, i, 0, 1, false);
	CHECK_INT(sched_waiting(s), 4);
	expect_next(s, &a, 0, 0);
	expect_next(s, &b, 1, 1);
	CHECK_INT(a.held, 1);
	CHECK_INT(a.group_slot, -1);
	CHECK_INT(sched_free_slots(s), 0);
	CHECK(!next(s, &none));
	/* The freed slot is the one given next: TESTRIG_SLOT stays dense. */
	sched_release(s, &a);
	expect_next(s, &c, 2, 0);
	sched_release(s, &b);
	sched_release(s, &c);
	expect_next(s, &a, 3, 0);
	CHECK_INT(sched_waiting(s), 0);
	sched_release(s, &a);
	CHECK(!next(s, &none));
	CHECK_INT(sched_free_slots(s), 2);
	sched_free(s);
}

/* Group 1 has max-threads 1: its second test waits; others start meanwhile. */
static void test_group_bound(void)
{
	unsigned max[2] = { 0, 1 };
	struct sched *s = sched_new(3, max, 2, 0);
	struct sched_grant a, b, c, none;

	sched_add(s, 0, 1, 1, false);
	sched_add(s, 1, 1, 1, false);
	sched_add(s, 2, 0, 1, false);
	expect_next(s, &a, 0, 0);
	CHECK_INT(a.group, 1);
	CHECK_INT(a.group_slot, 0);
	expect_next(s, &c, 2, 1);
	CHECK_INT(c.group_slot, -1);
	/* A slot is free, but item 1's group is full. */
	CHECK_INT(sched_free_slots(s), 1);
	CHECK(!next(s, &none));
	sched_release(s, &a);
	expect_next(s, &b, 1, 0);
	CHECK_INT(b.group_slot, 0);
	sched_release(s, &b);
	sched_release(s, &c);
	sched_free(s);
}

/* Group slots count from 0 per group and are reused; a bound above the slots is the slots. */
static void test_group_slots(void)
{
	unsigned max[3] = { 0, 2, 9 };
	struct sched *s = sched_new(4, max, 3, 0);
	struct sched_grant g[4];

	sched_add(s, 0, 1, 1, false);
	sched_add(s, 1, 2, 1, false);
	sched_add(s, 2, 1, 1, false);
	sched_add(s, 3, 2, 1, false);
	expect_next(s, &g[0], 0, 0);
	expect_next(s, &g[1], 1, 1);
	expect_next(s, &g[2], 2, 2);
	expect_next(s, &g[3], 3, 3);
	CHECK_INT(g[0].group_slot, 0);
	CHECK_INT(g[1].group_slot, 0);
	CHECK_INT(g[2].group_slot, 1);
	CHECK_INT(g[3].group_slot, 1);
	sched_release(s, &g[0]);
	sched_release(s, &g[1]);
	sched_release(s, &g[2]);
	sched_release(s, &g[3]);
	sched_free(s);
}

/* threads-required: a test holding 2 of 2 slots waits, and nothing overtakes it. */
static void test_threads_required(void)
{
	struct sched *s = sched_new(2, NULL, 1, 0);
	struct sched_grant a, b, c, none;

	sched_add(s, 0, 0, 1, false);
	sched_add(s, 1, 0, 2, false);
	sched_add(s, 2, 0, 1, false);
	expect_next(s, &a, 0, 0);
	/* One slot is free; item 1 needs two and item 2 must not go first. */
	CHECK(!next(s, &none));
	sched_release(s, &a);
	expect_next(s, &b, 1, 0);
	CHECK_INT(b.held, 2);
	CHECK_INT(sched_free_slots(s), 0);
	CHECK(!next(s, &none));
	sched_release(s, &b);
	expect_next(s, &c, 2, 0);
	sched_release(s, &c);
	sched_free(s);
}

/* need 0 (num-test-threads) and need above the slots both mean every slot. */
static void test_need_all(void)
{
	struct sched *s = sched_new(3, NULL, 1, 0);
	struct sched_grant a;

	sched_add(s, 0, 0, 0, false);
	sched_add(s, 1, 0, 7, false);
	expect_next(s, &a, 0, 0);
	CHECK_INT(a.held, 3);
	sched_release(s, &a);
	expect_next(s, &a, 1, 0);
	CHECK_INT(a.held, 3);
	sched_release(s, &a);
	sched_free(s);
}

/* The earliest test added across groups goes first. */
static void test_order_across_groups(void)
{
	unsigned max[3] = { 0, 0, 0 };
	struct sched *s = sched_new(1, max, 3, 0);
	struct sched_grant a;
	size_t want[5] = { 0, 1, 2, 3, 4 }, i;

	sched_add(s, 0, 2, 1, false);
	sched_add(s, 1, 0, 1, false);
	sched_add(s, 2, 1, 1, false);
	sched_add(s, 3, 2, 1, false);
	sched_add(s, 4, 0, 1, false);
	for (i = 0; i < 5; i++) {
		expect_next(s, &a, want[i], 0);
		sched_release(s, &a);
	}
	sched_free(s);
}

static void test_fail_fast(void)
{
	struct sched *s = sched_new(2, NULL, 1, 2);
	struct sched_grant a, none;
	size_t i;

	for (i = 0; i < 3; i++)
		sched_add(s, i, 0, 1, false);
	CHECK(!sched_failure(s));
	CHECK(sched_failure(s));        /* the second failure reaches max-fail 2 */
	CHECK(!sched_failure(s));       /* and only once */
	expect_next(s, &a, 0, 0);
	sched_stop(s);
	CHECK(!next(s, &none));
	CHECK_INT(sched_waiting(s), 2);
	sched_release(s, &a);
	CHECK(!next(s, &none));
	sched_free(s);

	/* max-fail 0 (no fail-fast): failures never cancel. */
	s = sched_new(1, NULL, 1, 0);
	for (i = 0; i < 100; i++)
		CHECK(!sched_failure(s));
	sched_free(s);
}

/* make's jobserver: a test holding more slots than allowed waits and says how many. */
static void test_limit(void)
{
	struct sched *s = sched_new(4, NULL, 1, 0);
	struct sched_grant a;
	unsigned wanted = 99;

	sched_add(s, 0, 0, 1, false);
	sched_add(s, 1, 0, 3, false);
	CHECK(!sched_next(s, &a, 0, &wanted));
	CHECK_INT(wanted, 1);
	CHECK(sched_next(s, &a, 1, &wanted));
	CHECK_INT(a.item, 0);
	CHECK(!sched_next(s, &a, 2, &wanted));
	CHECK_INT(wanted, 3);
	CHECK(sched_next(s, &a, 3, &wanted));
	CHECK_INT(a.item, 1);
	CHECK_INT(a.held, 3);
	CHECK_INT(sched_waiting(s), 0);
	sched_free(s);
}

/*
 * Queued ahead: a test holds a slot only once it starts, on the slot of the
 * test it follows or on a free one; a test of a group (it has a group slot
 * to hold), one that needs more than one slot, or one that may not be
 * queued, is not queued, and nothing after it is.
 */
static void test_ahead(void)
{
	unsigned max[2] = { 0, 0 };
	struct sched *s = sched_new(2, max, 2, 0);
	struct sched_grant a, b, c, d, e, none;

	sched_add(s, 0, 0, 1, true);
	sched_add(s, 1, 0, 1, true);
	sched_add(s, 2, 0, 1, true);
	sched_add(s, 3, 0, 1, true);
	sched_add(s, 4, 1, 1, true);
	sched_add(s, 5, 0, 1, true);
	sched_add(s, 6, 0, 2, true);
	sched_add(s, 7, 0, 1, false);
	expect_next(s, &a, 0, 0);
	expect_next(s, &b, 1, 1);
	CHECK(sched_next_ahead(s, &c));
	CHECK_INT(c.item, 2);
	CHECK_INT(c.held, 0);
	CHECK_INT(c.group_slot, -1);
	CHECK(sched_next_ahead(s, &d));
	CHECK_INT(d.item, 3);
	/* 4 is in a group: not queued, and 5 waits behind it. */
	CHECK(!sched_next_ahead(s, &none));
	/* c starts on a's slot when a ends; a's release then frees nothing. */
	sched_handoff(s, &a, &c);
	CHECK_INT(c.first_slot, 0);
	CHECK_INT(c.held, 1);
	CHECK_INT(a.held, 0);
	sched_release(s, &a);
	CHECK_INT(sched_free_slots(s), 0);
	/* b ends with nobody to follow it: d claims the freed slot. */
	sched_release(s, &b);
	CHECK(sched_claim(s, &d));
	CHECK_INT(d.first_slot, 1);
	CHECK(!sched_claim(s, &none));
	sched_release(s, &d);
	expect_next(s, &e, 4, 1);
	CHECK_INT(e.group_slot, 0);
	sched_release(s, &e);
	/* 5 is queued, then taken back (a cancel): it holds nothing. */
	CHECK(sched_next_ahead(s, &e));
	CHECK_INT(e.item, 5);
	sched_unqueue(s, &e);
	CHECK_INT(sched_free_slots(s), 1);
	/* 6 needs two slots: never queued ahead, and nothing after it is. */
	CHECK(!sched_next_ahead(s, &none));
	sched_release(s, &c);
	expect_next(s, &e, 6, 0);
	CHECK_INT(e.held, 2);
	sched_release(s, &e);
	/* 7 may not be queued ahead: only sched_next gives it. */
	CHECK(!sched_next_ahead(s, &none));
	expect_next(s, &e, 7, 0);
	CHECK_INT(sched_waiting(s), 0);
	sched_free(s);
}

int main(void)
{
	RUN(test_order_and_slots);
	RUN(test_group_bound);
	RUN(test_group_slots);
	RUN(test_threads_required);
	RUN(test_need_all);
	RUN(test_order_across_groups);
	RUN(test_fail_fast);
	RUN(test_limit);
	RUN(test_ahead);
	return check_done();
}

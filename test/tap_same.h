/*
 * tap_same.h - whether two TAP summaries say the same (test_tap.c and
 * fuzz_tap.c compare a stream read whole with the same stream read in
 * pieces).  Header-only: each includes it once.
 */
#ifndef TESTRIG_TEST_TAP_SAME_H
#define TESTRIG_TEST_TAP_SAME_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "testrig/tap.h"

static inline bool same_text(const char *a, const char *b)
{
	return a ? b && !strcmp(a, b) : !b;
}

/*
 * Point i of a summary, copied (its strings cut at 1023 bytes): a test's
 * random access to what reports read in order.  Valid until the next call.
 */
static inline const struct tap_point *point_at(const struct tap_summary *s, size_t i)
{
	static struct tap_point copy;
	static char description[1024], reason[1024];
	struct tap_points_reader r;
	const struct tap_point *p;

	tap_points_begin(&r, s->points);
	while ((p = tap_points_next(&r)) && i--)
		;
	if (p) {
		copy = *p;
		snprintf(description, sizeof description, "%s", p->description);
		snprintf(reason, sizeof reason, "%s", p->reason);
		copy.description = description;
		copy.reason = reason;
	}
	tap_points_end(&r);
	return p ? &copy : NULL;
}

/* Every point, and the skip and bail-out reasons. */
static inline bool same_points(const struct tap_summary *a, const struct tap_summary *b)
{
	struct tap_points_reader ra, rb;
	const struct tap_point *p, *q;
	bool same = a->npoints == b->npoints;

	tap_points_begin(&ra, a->points);
	tap_points_begin(&rb, b->points);
	while (same && (p = tap_points_next(&ra))) {
		q = tap_points_next(&rb);
		if (!q || p->number != q->number || p->ok != q->ok || p->directive != q->directive ||
		    p->out_of_order != q->out_of_order || p->after_late_plan != q->after_late_plan ||
		    strcmp(p->description, q->description) || strcmp(p->reason, q->reason))
			same = false;
	}
	if (same && tap_points_next(&rb))
		same = false;
	tap_points_end(&ra);
	tap_points_end(&rb);
	return same && same_text(a->skip_reason, b->skip_reason) &&
	       same_text(a->bail_reason, b->bail_reason);
}

/* The points, the counts, the verdict and its detail. */
static inline bool same(const struct tap_summary *a, const struct tap_summary *b)
{
	return same_points(a, b) && a->has_plan == b->has_plan && a->planned == b->planned &&
	       a->skip_all == b->skip_all && a->ran == b->ran &&
	       a->failed == b->failed && a->todo == b->todo &&
	       a->skipped == b->skipped && a->bailed_out == b->bailed_out &&
	       a->stream_ok == b->stream_ok && same_text(a->detail, b->detail);
}

#endif

/*
 * tap_same.h - whether two TAP summaries say the same (test_tap.c and
 * fuzz_tap.c compare a stream read whole with the same stream read in
 * pieces).  Header-only: each includes it once.
 */
#ifndef TESTRIG_TEST_TAP_SAME_H
#define TESTRIG_TEST_TAP_SAME_H

#include <stdbool.h>
#include <string.h>

#include "testrig/tap.h"

static inline bool same_text(const char *a, const char *b)
{
	return a ? b && !strcmp(a, b) : !b;
}

/* Every point, and the skip and bail-out reasons. */
static inline bool same_points(const struct tap_summary *a, const struct tap_summary *b)
{
	size_t i;

	if (a->npoints != b->npoints)
		return false;
	for (i = 0; i < a->npoints; i++) {
		const struct tap_point *p = &a->points[i], *q = &b->points[i];

		if (p->number != q->number || p->ok != q->ok || p->directive != q->directive ||
		    p->out_of_order != q->out_of_order || p->after_late_plan != q->after_late_plan ||
		    strcmp(p->description, q->description) || strcmp(p->reason, q->reason))
			return false;
	}
	return same_text(a->skip_reason, b->skip_reason) &&
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

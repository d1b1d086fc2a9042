/*
 * fuzz_tap.c - libFuzzer target for the TAP reader: any bytes must parse
 * without a fault, the summary (its points included) must not depend on
 * where the stream was cut into chunks (the first input byte picks the cut
 * and a chunk size), and the points must agree with the counts.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/tap.h"

#include "../tap_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse(const char *s, size_t n, size_t cut, size_t chunk, struct tap_summary *out)
{
	struct tap *t = tap_new();
	size_t i;

	tap_feed(t, s, cut);
	for (i = cut; i < n; i += chunk)
		tap_feed(t, s + i, n - i < chunk ? n - i : chunk);
	tap_finish(t, out);
	tap_free(t);
}

/* The points say what the counts say, and each string is bounded. */
static bool points_agree(const struct tap_summary *s)
{
	unsigned pass, fail, skip, todo, todo_passed;
	struct tap_points_reader r;
	const struct tap_point *p;
	size_t n = 0;
	bool bounded = true;

	if (s->ran < UINT_MAX && s->npoints != s->ran)
		return false;
	tap_point_counts(s, &pass, &fail, &skip, &todo, &todo_passed);
	if (fail != s->failed || skip != s->skipped || todo - todo_passed != s->todo ||
	    pass + fail + skip + todo != s->npoints)
		return false;
	tap_points_begin(&r, s->points);
	for (; (p = tap_points_next(&r)); n++)
		if (strlen(p->description) > 512 || strlen(p->reason) > 512)
			bounded = false;
	tap_points_end(&r);
	return bounded && n == s->npoints;
}

/* As same(), and where the plan stood among the points. */
static bool same_plan(const struct tap_summary *a, const struct tap_summary *b)
{
	return same(a, b) && a->plan_twice == b->plan_twice &&
	       a->plan_twice_at == b->plan_twice_at && a->plan_late == b->plan_late;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tap_summary whole, split;
	const char *s = (const char *)data + 1;
	size_t n, cut;

	if (size == 0)
		return 0;
	n = size - 1;
	cut = n ? data[0] % (n + 1) : 0;
	parse(s, n, n, 1, &whole);
	parse(s, n, cut, 1 + data[0] % 7, &split);
	if (!same_plan(&whole, &split))
		abort();
	/* the summary's own invariants */
	if (whole.failed + whole.todo > whole.ran || whole.skipped > whole.ran ||
	    (whole.stream_ok && (whole.failed || whole.bailed_out || !whole.has_plan ||
				 whole.planned != whole.ran || whole.detail)) ||
	    (!whole.stream_ok && !whole.detail) ||
	    (whole.detail && strlen(whole.detail) > 64 * 1024) || !points_agree(&whole))
		abort();
	tap_summary_free(&whole);
	tap_summary_free(&split);
	return 0;
}

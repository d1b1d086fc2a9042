/* test_retry.c - the delay before a retry: fixed, exponential, max-delay, jitter. */
#include <stdint.h>

#include "check.h"
#include "testrig/unit.h"
#include "testrig/util.h"

#define MS (NS_PER_MS)

static int64_t delay_of(const struct unit_limits *l, unsigned next)
{
	uint64_t rng = 1;

	return unit_retry_delay(l, next, &rng);
}

static void test_fixed(void)
{
	struct unit_limits l = { .delay = 250 * MS };

	/* "next" is the attempt about to start: 2 is the first retry. */
	CHECK_INT(delay_of(&l, 2), 250 * MS);
	CHECK_INT(delay_of(&l, 3), 250 * MS);
	CHECK_INT(delay_of(&l, 10), 250 * MS);
	l.delay = 0;
	CHECK_INT(delay_of(&l, 5), 0);
}

static void test_exponential(void)
{
	struct unit_limits l = { .delay = 100 * MS, .exponential = true };

	CHECK_INT(delay_of(&l, 2), 100 * MS);
	CHECK_INT(delay_of(&l, 3), 200 * MS);
	CHECK_INT(delay_of(&l, 4), 400 * MS);
	CHECK_INT(delay_of(&l, 5), 800 * MS);
	/* Many retries do not overflow. */
	CHECK(delay_of(&l, 100) > 0);
}

static void test_max_delay(void)
{
	struct unit_limits l = { .delay = 100 * MS, .exponential = true, .max_delay = 300 * MS };

	CHECK_INT(delay_of(&l, 3), 200 * MS);
	CHECK_INT(delay_of(&l, 4), 300 * MS);
	CHECK_INT(delay_of(&l, 50), 300 * MS);
	/* A fixed delay above the cap is capped too. */
	l.exponential = false;
	l.delay = 1000 * MS;
	CHECK_INT(delay_of(&l, 2), 300 * MS);
}

/* Jitter: a factor in (0.5, 1], so each delay is in (d/2, d], and it varies. */
static void test_jitter(void)
{
	struct unit_limits l = { .delay = 1000 * MS, .jitter = true };
	uint64_t rng = 12345;
	int64_t lo = INT64_MAX, hi = 0;
	unsigned i, out_of_range = 0;

	for (i = 0; i < 10000; i++) {
		int64_t d = unit_retry_delay(&l, 2, &rng);

		if (d <= 500 * MS || d > 1000 * MS)
			out_of_range++;
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	CHECK_INT(out_of_range, 0);
	/* Spread over most of the range, not stuck at one value. */
	CHECK(lo < 550 * MS);
	CHECK(hi > 950 * MS);
	/* With max-delay, jitter applies to the capped delay. */
	l.max_delay = 200 * MS;
	for (i = 0, out_of_range = 0; i < 1000; i++) {
		int64_t d = unit_retry_delay(&l, 2, &rng);

		if (d <= 100 * MS || d > 200 * MS)
			out_of_range++;
	}
	CHECK_INT(out_of_range, 0);
}

int main(void)
{
	RUN(test_fixed);
	RUN(test_exponential);
	RUN(test_max_delay);
	RUN(test_jitter);
	return check_done();
}

/*
 * check.h - the unit tests' assertion macros.  A failed check prints where it
 * failed and what it saw, marks the run failed and carries on, so one run
 * shows every broken expectation.  main() ends with `return check_done();`
 * (exit 0 when every check held, 1 when one failed or none ran at all).
 */
#ifndef TESTRIG_CHECK_H
#define TESTRIG_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failed_count;
static int check_count;

#define CHECK(cond) do { \
	check_count++; \
	if (!(cond)) { \
		check_failed_count++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	check_count++; \
	if (g_ != w_) { \
		check_failed_count++; \
		fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
	} \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	check_count++; \
	if (!g_ || !w_ || strcmp(g_, w_) != 0) { \
		check_failed_count++; \
		fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, \
			g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} \
} while (0)

#define RUN(fn) do { \
	int before_ = check_failed_count; \
	fn(); \
	fprintf(stderr, "%s %s\n", check_failed_count == before_ ? "ok" : "FAILED", #fn); \
} while (0)

static inline int check_done(void)
{
	fprintf(stderr, "%d checks, %d failed\n", check_count, check_failed_count);
	/*
	 * A test that checked nothing (its RUN lines lost, an early return)
	 * proves nothing: it fails rather than pass vacuously.
	 */
	if (check_count == 0) {
		fprintf(stderr, "no check ran: a test that checks nothing fails\n");
		return 1;
	}
	return check_failed_count ? 1 : 0;
}

#endif

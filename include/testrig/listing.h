/*
 * listing.h - asking test binaries for their tests (gtest, libtest, custom
 * list commands): listings as a kind of unit, run in parallel on the worker
 * pool, their output read into the test list in binary order (exec and tap
 * binaries are their own one test).  A binary that cannot be listed stops
 * everything with exit 104 (SPEC section 3).
 */
#ifndef TESTRIG_LISTING_H
#define TESTRIG_LISTING_H

#include "testrig/buf.h"
#include "testrig/list.h"
#include "testrig/settings.h"

struct jobserver;

struct listing_config {
	struct test_list *list;          /* binaries; their tests are added */
	const struct settings *settings; /* timeouts, target runner */
	unsigned threads;
	const char *profile;
	const char *run_id;
	char **base_env;
	struct jobserver *jobserver;     /* make's, or NULL (engine.h) */
	int *interrupted_by;             /* if not NULL: set to the signal that stopped it */
	/*
	 * List binaries in isolation = binary too (the selection names cases);
	 * else each of them gets one test standing for it (test->whole).
	 */
	bool list_whole;
};

/*
 * Lists the tests of every binary.  Returns 0; EXIT_LISTING when a listing
 * failed (why, with its output, in *err); EXIT_TEST_FAILED when a signal
 * interrupted it.
 */
int listing_run(const struct listing_config *lc, struct buf *err);

#endif

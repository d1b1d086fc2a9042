/*
 * proto.h - what each test protocol means (SPEC section 3): how a binary is
 * asked for its tests, how its listing is read, how one test is run, and how
 * its result is judged.  Knows nothing of processes or threads: it turns
 * binaries and tests into argv vectors and output into verdicts.
 */
#ifndef TESTRIG_PROTO_H
#define TESTRIG_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/list.h"

/*
 * What testrig says to GoogleTest and libtest binaries, spelled once for
 * the per-test commands (proto.c) and isolation = binary (cases.c).
 */
#define GTEST_LIST_FLAG "--gtest_list_tests"
#define GTEST_FILTER_FLAG "--gtest_filter="         /* PATTERNS[-NEGATIVE], joined by ':' */
#define GTEST_DISABLED_FLAG "--gtest_also_run_disabled_tests"
#define GTEST_TOTAL_SHARDS_VAR "GTEST_TOTAL_SHARDS"
#define GTEST_SHARD_INDEX_VAR "GTEST_SHARD_INDEX"
#define LIBTEST_EXACT_FLAG "--exact"
#define LIBTEST_IGNORED_FLAG "--ignored"            /* the ignored tests only */
#define LIBTEST_INCLUDE_IGNORED_FLAG "--include-ignored"
#define LIBTEST_NOCAPTURE_FLAG "--nocapture"
#define LIBTEST_SKIP_FLAG "--skip"
#define LIBTEST_ONE_THREAD_FLAG "--test-threads=1"

/* How many listing commands a binary needs (0: it is its own one test). */
unsigned proto_listings(enum protocol p);
/*
 * Appends the command that lists the binary's tests to argv; `pass` counts
 * from 0 (libtest's second listing asks for the ignored tests).  Only for
 * protocols with listings (proto_listings above 0).
 */
void proto_list_argv(const struct binary *b, unsigned pass, struct strvec *argv);
/*
 * Reads a listing's output into tests of `b` (appended to l; b must be the
 * binary most recently given tests).  -1 with *err for output that is not a
 * listing.
 */
int proto_parse_list(struct test_list *l, struct binary *b, unsigned pass,
		     const char *out, size_t len, struct buf *err);
/* Appends the command that runs one test (without the target runner) to argv. */
void proto_run_argv(const struct test *t, struct strvec *argv);
/* How an attempt of a test of this protocol is judged. */
void proto_judge(const struct test *t, attempt_judge_fn *judge, const void **arg,
		 const struct attempt_parser **parser);

/*
 * GTEST_SKIP() << "reason": the first line of the reason in a gtest run's
 * output (malloc'd), or NULL.
 */
char *proto_gtest_skip_reason(const struct capture *c);

#endif

/*
 * list.h - the tests of a run: suites (from the config or the command line),
 * the binaries they name, and the tests those binaries list.  Owns every
 * suite, binary and test record; discovery (globs, listing commands) lives
 * here and in the protocol modules it calls.
 */
#ifndef TESTRIG_LIST_H
#define TESTRIG_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testrig/buf.h"
#include "testrig/parse.h"

struct settings;
struct test_history;

enum protocol { PROTO_EXEC, PROTO_TAP, PROTO_GTEST, PROTO_LIBTEST, PROTO_CUSTOM };
/* testrig list --format */
enum list_format { LIST_HUMAN, LIST_ONELINE, LIST_JSON };
/* isolation = test (a process per test) or binary (a process per binary or shard) */
enum isolation { ISOLATION_TEST, ISOLATION_BINARY };

struct suite {
	char *name;                 /* "" for binaries named on the command line */
	enum protocol protocol;
	struct strvec globs;        /* binaries = ... */
	char *cwd;                  /* NULL: the project root (or ours) */
	struct strvec env;          /* KEY=VALUE */
	struct command list_command;   /* custom protocol */
	struct command run_command;
	bool allow_empty;           /* a glob may match nothing */
	struct strvec archive_include;  /* archive-include = ...: more files for archives */
	struct command args;        /* args = ...: appended to every run command */
	enum isolation isolation;
	unsigned shards;            /* isolation = binary: processes per binary; 0 = auto */
	const char *origin;         /* "FILE:LINE" of its section, or "command line" */
};

struct binary {
	char *id;                   /* as shown and matched by binary() */
	char *path;                 /* what is executed */
	struct strvec *args;        /* words after the path (automake-driver's command), or NULL */
	struct suite *suite;
	uint32_t first, count;      /* its tests: list->tests[first .. first+count) */
};

struct test {
	struct binary *bin;
	char *name;
	const struct settings *settings;  /* effective per-test settings */
	const struct test_history *history;  /* its history (history.h), or NULL */
	bool ignored;               /* disabled by its framework (DISABLED_, #[ignore]) */
	bool selected;              /* chosen by filters and partition */
	bool owed;                  /* --failed: outstanding from the last run, not selected now */
	bool whole;                 /* isolation = binary, not listed: stands for its binary */
};

struct list_chunk;

struct test_list {
	struct suite **suites;
	size_t nsuites;
	struct binary **bins;
	size_t nbins, bins_cap;
	struct test *tests;
	size_t ntests, cap;
	struct list_chunk *chunks;  /* binaries and the strings of binaries and tests */
	struct test **cases;        /* found while running (isolation = binary), not in tests */
	size_t ncases, cases_cap;
};

void test_list_init(struct test_list *l);
void test_list_free(struct test_list *l);
struct suite *test_list_add_suite(struct test_list *l, const char *name, enum protocol p);
struct binary *test_list_add_binary(struct test_list *l, struct suite *s,
				    const char *id, const char *path);
/* Adds a test of the binary most recently added (tests of a binary are contiguous). */
struct test *test_list_add_test(struct test_list *l, struct binary *b,
				const char *name, bool ignored);
/*
 * Gives back what the arrays of tests and binaries hold beyond their
 * contents, once listing is over and before a pointer to a test is kept
 * (the tests may move).
 */
void test_list_trim(struct test_list *l);
/* Whether t is one of l->tests (not a case added while running). */
bool test_list_listed(const struct test_list *l, const struct test *t);
/*
 * A case a binary ran that its listing did not give (isolation = binary):
 * kept apart from `tests`, at an address that stays put, until the list is
 * freed.  Dispatcher thread only.
 */
struct test *test_list_add_case(struct test_list *l, struct binary *b, const char *name);
/* "examples/pass" for exec binaries, "bin/unit Suite.Case" otherwise. */
void test_display_name(const struct test *t, struct buf *out);
/* The same as the human report shows it: control characters escaped (human_escape). */
void test_shown_name(const struct test *t, struct buf *out);

/*
 * Expands a config suite's binaries globs (relative to `root`) into binaries,
 * sorted by path, without duplicates (their tests come from dispatch_list).
 * A glob that matches nothing is an error unless the suite allows it:
 * returns -1 with the message in *err.
 */
int test_list_expand_suite(struct test_list *l, struct suite *s, const char *root,
			   struct buf *err);

/* The selected tests as `testrig list --format F` prints them, appended to out. */
void test_list_print(const struct test_list *l, enum list_format f, struct buf *out);

const char *protocol_name(enum protocol p);
int protocol_lookup(const char *name, enum protocol *out);
/* "test" or "binary"; -1 for anything else. */
int isolation_lookup(const char *name, enum isolation *out);
/* isolation = binary needs a protocol whose output names its cases: gtest, libtest. */
bool isolation_binary_ok(enum protocol p);
/*
 * isolation = binary: how many processes of each of the suite's binaries
 * run at once.  shards = auto is ceil(threads / binaries in the run): the
 * whole thread count for one binary, 1 when binaries outnumber threads.
 */
unsigned suite_shards(const struct suite *s, unsigned threads, size_t binaries);
/* The binaries with a selected test. */
size_t test_list_selected_binaries(const struct test_list *l);

#endif

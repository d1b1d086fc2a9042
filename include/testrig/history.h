/*
 * history.h - what the store remembers of each test across runs (SPEC
 * section 10): history.gz holds one JSON line per test with its last
 * results, last result and duration and the mean duration of its passing
 * runs.  It feeds the scheduler (longest and last-failed tests first), the
 * flake notes of the reports and `testrig history`.  The file is merged at
 * the end of each recorded run under the store's lock: read, merge, write a
 * temporary file, fsync, rename.
 */
#ifndef TESTRIG_HISTORY_H
#define TESTRIG_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testrig/buf.h"
#include "testrig/list.h"
#include "testrig/report.h"

struct filter;
struct gz_writer;

/* How many of a test's latest runs the counts cover. */
#define HISTORY_WINDOW 20

/*
 * One test's history, as read at the start of a run (32 bytes: a run of
 * 10 000 tests holds 10 000; its last duration is in the file, and a run
 * replaces it without reading it).
 */
struct test_history {
	/* Outcomes of its last runs, oldest first: P passed, K flaky, F failed, S skipped. */
	char recent[HISTORY_WINDOW + 1];
	double mean_duration;       /* seconds, over its passing runs (a running mean) */
};

struct history;

/*
 * Which file a run's history was read from (device, inode, size, mtime):
 * when the merge at its end finds the very same file, the entries it read
 * at the start stand for the lines of its tests, which need not be parsed
 * again.
 */
struct history_stamp {
	bool valid;
	uint64_t dev, ino, size;
	int64_t mtime_ns;
	/* What was read from it: entries[i] came from line lines[i] (counted from 0). */
	const struct test_history *entries;
	const uint32_t *lines;
	size_t nentries;
};

/*
 * Reads the history of the tests in `list` (their ->history is set; tests
 * without one keep NULL).  A missing file is an empty history; a damaged
 * one (not gzip, empty, a line too long, cut short before its gzip
 * trailer, a symbolic link) is said in *err, naming the file, and -1: the
 * history is then empty (rebuild.h makes it again).
 */
int history_load(const char *path, struct test_list *list, struct history **out,
		 struct buf *err);
/* The file history_load read whole, or an invalid stamp. */
const struct history_stamp *history_stamp(const struct history *h);
void history_free(struct history *h);

/* The counts a test's history has once this run's outcome is added. */
void history_after(const struct test_history *h, const struct test_outcome *o,
		   struct history_counts *c);

/*
 * schedule = history: sorts the list positions order[0..n) so that tests
 * that failed last time come first, then tests with no history, then the
 * rest by mean duration, longest first; ties keep list order.
 */
void history_order(size_t *order, size_t n, const struct test_list *list);

/*
 * One finished test of a run, for history_merge (24 bytes: a run of 10 000
 * tests keeps 10 000 of them).  Its last result is "flaky" for outcome K,
 * else its final attempt's verdict as JSON names it ("pass", "sigsegv").
 * With `looked_up`, history_load looked the test up, and its ->history is
 * its entry as read then (NULL: none).
 */
struct history_result {
	const struct test *test;
	int64_t duration;           /* ns, of the final attempt */
	unsigned char verdict;      /* enum verdict (attempt.h) of the final attempt */
	unsigned char signo;        /* the signal, for V_SIGNAL */
	char outcome;               /* P, K, F or S as in `recent` */
	bool looked_up;
};

/*
 * Merges a run's results into the history file at `path` (the caller holds
 * the store's lock): read, merge, write path.tmp.PID, fsync, rename.  Lines
 * it cannot read are dropped and said in *err; -1 with *err if the file
 * cannot be written; 1 with *err (naming the file) and nothing written
 * when the file is damaged, as history_load says: rebuild it instead.
 * `loaded` (may be NULL): the file the run's entries were read from
 * (history_stamp).
 */
int history_merge(const char *path, const struct history_stamp *loaded, const char *run_id,
		  struct history_result *results, size_t n, struct buf *err);

/*
 * `testrig history`: every test in the file (matching one of the n
 * filters, if any) as a line for people or, with `json`, a JSON object per
 * line.  0; -1 with *err when there is none; 1 with *err when it is
 * damaged (*out then holds what could be read).
 */
int history_print(const char *path, struct filter *const *filters, size_t n, bool json,
		  struct buf *out, struct buf *err);

/* ---- writing a history (history_merge, and rebuild.h) ---- */

/* A test's line, as the file holds it. */
void history_write_entry(struct buf *b, const char *bin, const char *test, const char *suite,
			 const struct test_history *h, double last_duration,
			 const char *last_result, const char *last_run);
/* One run's outcome added: the window slides, the mean follows passing runs. */
void history_add_outcome(struct test_history *h, char outcome, int64_t duration);
/*
 * The temporary file a new history at `path` is written to: created beside
 * it with O_EXCL and O_NOFOLLOW, under another name when one is taken.  An
 * fd and *tmp (malloc'd), or -1 with *err.
 */
int history_create_temporary(const char *path, char **tmp, struct buf *err);
/* Ends w (written into tmp), fsyncs, renames tmp to path: 0, or -1 with *err (tmp removed). */
int history_install(struct gz_writer *w, const char *tmp, const char *path, struct buf *err);

#endif

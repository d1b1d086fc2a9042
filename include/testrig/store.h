/*
 * store.h - the run store (SPEC section 10): a directory, .testrig in the
 * project root unless --state-dir, $TESTRIG_STATE_DIR or [store] dir say
 * otherwise, holding runs/<UTC-start>-<run-id>.jsonl.gz (one record per
 * run), history.gz and a `lock` file that runs sharing the store take
 * (flock) while they update it.  Knows where things are and how many to
 * keep; what is in the files is record.c's and history.c's.
 */
#ifndef TESTRIG_STORE_H
#define TESTRIG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "testrig/buf.h"

struct store {
	char *dir;
	char *runs;                 /* dir/runs */
	char *history;              /* dir/history.gz */
	unsigned keep_runs;
	uint64_t max_size;
};

/*
 * Where the store is: `option` (--state-dir), else $TESTRIG_STATE_DIR,
 * else `configured` ([store] dir) relative to `root`, else root/.testrig.
 */
void store_init(struct store *s, const char *option, const char *configured, const char *root,
		unsigned keep_runs, uint64_t max_size);
void store_free(struct store *s);
/*
 * Creates the directories if needed: 0, or -1 with why (nothing else is
 * tried).  runs/ must be a directory, not a symbolic link to one.
 */
int store_prepare(const struct store *s, struct buf *why);
/*
 * runs/, opened without following a symbolic link (O_NOFOLLOW): the fd
 * records are created in (openat) and deleted from, or -1 with why and
 * errno (ENOENT: there is none yet).
 */
int store_open_runs(const struct store *s, struct buf *why);
/* The record of a run that starts now: dir/runs/<UTC-start>-<run-id>.jsonl.gz. */
char *store_record_path(const struct store *s, int64_t start_wall, const char *run_id);
/*
 * Every record, newest first (by name: the UTC start comes first): 0 (none
 * when there is no runs/ yet), or -1 with why (runs/ is a link, unreadable).
 */
int store_records(const struct store *s, struct strvec *paths, struct buf *why);
/*
 * The record `spec` names: a run-id prefix (it must name one run) or a
 * record's path (the latest usable run is record_latest's: record.h).  0
 * with *path (malloc'd), or -1 with *err.
 */
int store_find(const struct store *s, const char *spec, char **path, struct buf *err);
/* The run id a record's file name holds (malloc'd), or NULL. */
char *store_run_id(const char *path);
/*
 * Takes the store's lock (waiting for another run to let go): an fd, or -1
 * with why (a lock that is a symbolic link is not followed: refused).
 */
int store_lock(const struct store *s, struct buf *why);
void store_unlock(int fd);
/*
 * Deletes records, oldest first, while there are more than keep-runs or
 * they take more than max-size, never `keep` (the record just written,
 * or NULL), and never through a link.  What fails is said on stderr.
 */
void store_prune(const struct store *s, const char *keep);

#endif

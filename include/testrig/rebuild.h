/*
 * rebuild.h - history.gz made again from the records in runs/ (SPEC
 * section 10: a damaged history is rebuilt): every test-finished event of
 * every readable record, oldest record first, as the runs merged them.
 */
#ifndef TESTRIG_REBUILD_H
#define TESTRIG_REBUILD_H

#include "testrig/buf.h"
#include "testrig/store.h"

/*
 * Rebuilds the store's history; the caller holds the store's lock.  0, with
 * what was rebuilt from in *done ("from 3 records in DIR"), or -1 with *err.
 */
int history_rebuild(const struct store *s, struct buf *done, struct buf *err);
/* The same, taking the store's lock (for a reader: a run, testrig history). */
int history_rebuild_locked(const struct store *s, struct buf *done, struct buf *err);

#endif

/*
 * record.h - run records (SPEC section 10): one gzip stream of JSON lines
 * per run, written as the run goes.  The first line says it is a record
 * (format, testrig version, run id, profile, start, command line); then the
 * tests the run owes (`test-planned`: selected now, or carried over by
 * --failed); then every event of the --message-format json stream, with
 * every attempt's output byte for byte and the fields a replay needs; the
 * run-finished event ends it with the exit code.  The recording reporter
 * merges the run into the history and prunes old records when it closes.
 * The reader hands the lines back one at a time and tells a record that
 * was cut short from a whole one.
 */
#ifndef TESTRIG_RECORD_H
#define TESTRIG_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "testrig/buf.h"
#include "testrig/history.h"
#include "testrig/jsonread.h"
#include "testrig/list.h"
#include "testrig/report.h"
#include "testrig/settings.h"
#include "testrig/store.h"

/*
 * The record format; a reader refuses records of a later one.  2: a TAP
 * script's points may stand in test-points lines before its test-finished
 * line (RECORD_POINTS_LINE); format 1 always had them in test-finished.
 */
#define RECORD_FORMAT 2

/*
 * A record's test-finished line carries at most this many TAP points; a
 * script with more has them all in test-points lines of at most this many
 * each, just before it, so that no line of a record grows with the points.
 */
#define RECORD_POINTS_LINE 1000

/*
 * What a record keeps of a passing attempt's stdout and stderr each: its
 * first RECORD_PASS_HEAD and last RECORD_PASS_TAIL bytes (cut at a line
 * end nearby), unless the whole is at most SLACK bytes longer than that.
 * Failing attempts are kept whole.
 */
#define RECORD_PASS_HEAD 256
#define RECORD_PASS_TAIL 1024
#define RECORD_PASS_SLACK 256

struct record_options {
	const struct store *store;          /* prepared (store_prepare) */
	const struct test_list *list;       /* planned: tests selected, or owed (--failed) */
	const struct settings *settings;
	bool failed_run;                    /* --failed */
	char *const *argv;                  /* the command line, for the header */
	const struct history_stamp *history;    /* what the run's history was read from, or NULL */
};

/*
 * The recording reporter.  Anything that goes wrong with the store is said
 * once on stderr and never changes the run or its exit code.
 */
struct reporter *report_record_new(const struct record_options *o);

struct record;

/*
 * Opens a record and reads its first line.  -1 with *err naming the file
 * when it cannot be read or is not a testrig run record.
 */
int record_open(const char *path, struct record **out, struct buf *err);
/* Its first line: type "record", run_id, profile, start, testrig, command. */
const struct jvalue *record_header(const struct record *r);
/*
 * The next event, valid until the next call: 1, or 0 at the end of what
 * could be read, or -1 with *err when a line is damaged (what came before
 * it stands; the record counts as cut short).
 */
int record_next(struct record *r, const struct jvalue **event, struct buf *err);
/* The line record_next parsed last, as it is in the record. */
const struct buf *record_raw(const struct record *r);
/* The record is whole: it ends with run-finished and its gzip stream with its trailer. */
bool record_complete(const struct record *r);
void record_close(struct record *r);

/*
 * What a run still owes: the tests it planned minus those that finished
 * passing or skipped (SPEC section 10, --failed).  The keys, sorted, are
 * "BINARY-ID\x1fTEST-NAME".  0, or -1 with *err.
 */
int record_outstanding(const char *path, struct strvec *keys, struct buf *err);
/*
 * Whether a record is a usable run (of `profile`, unless NULL): 0; 1 when
 * it is another profile's; -1 with *why naming it when it cannot be read
 * or holds no run (only its header: no test-planned or run-finished line).
 */
int record_check(const char *path, const char *profile, struct buf *why);
/*
 * The latest usable run (of `profile`, unless NULL), the one runs lists
 * first and replay and --failed take: newest first, records that are not
 * usable skipped with a warning each.  0 with *path (malloc'd), or -1
 * with *err.
 */
int record_latest(const struct store *s, const char *profile, char **path, struct buf *err);
/* The key record_outstanding uses for a test. */
char *record_key(const char *binary_id, const char *test);

#endif

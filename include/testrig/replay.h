/*
 * replay.h - what is done with records after their run (SPEC section 10):
 * `testrig replay` feeds a record's events to the reporters again (the
 * human report as the output options given now say, JUnit, or the recorded
 * JSON lines), and `testrig runs` lists the records in the store.
 */
#ifndef TESTRIG_REPLAY_H
#define TESTRIG_REPLAY_H

#include <stdbool.h>
#include <stdio.h>

#include "testrig/buf.h"
#include "testrig/report.h"
#include "testrig/store.h"

struct replay_options {
	const char *path;               /* the record */
	struct human_options human;     /* the human report (settings: output options now) */
	bool json;                      /* the recorded JSON events on stdout instead */
	const char *junit;              /* write its JUnit report here, or NULL */
};

/*
 * Replays a record; returns the recorded run's exit code (EXIT_TEST_FAILED
 * for a record cut short, which it says), EXIT_SETUP when the file is not a
 * record, EXIT_REPORT when a report of the replay cannot be written.
 */
int replay_record(const struct replay_options *o);

/* `testrig runs`: the store's records, newest first, for people or as JSON lines. */
int replay_list_runs(const struct store *s, bool json, FILE *out);

#endif

/*
 * cmd_store.c - the commands that read the run store (SPEC section 10):
 * testrig replay (a recorded run's reports again), testrig runs (the
 * records, newest first) and testrig history (each test's history).
 * What is in the files is replay.c's, record.c's and history.c's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/commands.h"
#include "testrig/exitcode.h"
#include "testrig/history.h"
#include "testrig/rebuild.h"
#include "testrig/record.h"
#include "testrig/replay.h"
#include "testrig/run_plan.h"

/* RUN: latest, a run-id prefix or a record's path. */
int cmd_replay(struct session *ss)
{
	struct replay_options o;
	struct buf err = BUF_INIT;
	char *path;
	int rc;

	const char *spec = ss->cli.binaries.n ? ss->cli.binaries.v[0] : "latest";

	/* latest: the latest usable run, as runs and --failed take it. */
	if (strcmp(spec, "latest") == 0 ? record_latest(&ss->store, NULL, &path, &err)
	    : store_find(&ss->store, spec, &path, &err)) {
		rc = error_exit(EXIT_SETUP, err.data);
		buf_free(&err);
		return rc;
	}
	memset(&o, 0, sizeof o);
	o.path = path;
	o.json = ss->cli.messages == MESSAGES_JSON;
	o.junit = ss->cli.junit;
	run_plan_human(ss, &o.human, o.json);
	o.human.progress = false;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	rc = replay_record(&o);
	free(path);
	return rc;
}

int cmd_runs(struct session *ss)
{
	return replay_list_runs(&ss->store, ss->cli.list_format == LIST_JSON, stdout);
}

/* A damaged history is rebuilt from the records (one warning), then shown. */
int cmd_history(struct session *ss)
{
	struct buf out = BUF_INIT, err = BUF_INIT, done = BUF_INIT, why = BUF_INIT;
	bool json = ss->cli.list_format == LIST_JSON;
	int rc, got;

	if ((rc = session_parse_filters(ss)))
		return rc;
	got = history_print(ss->store.history, ss->filters, ss->cli.filters.n, json, &out, &err);
	if (got > 0) {
		buf_reset(&out);
		if (history_rebuild_locked(&ss->store, &done, &why)) {
			buf_printf(&err, "; it could not be rebuilt: %s", why.data);
		} else {
			warnx_("%s: %s", err.data, done.data);
			buf_reset(&err);
			got = history_print(ss->store.history, ss->filters, ss->cli.filters.n, json,
					    &out, &err);
		}
	}
	rc = got ? error_exit(EXIT_SETUP, err.data) : write_stdout(&out);
	buf_free(&out);
	buf_free(&err);
	buf_free(&done);
	buf_free(&why);
	return rc;
}

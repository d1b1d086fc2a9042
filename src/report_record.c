/*
 * report_record.c - the recording reporter of record.h: a JSON reporter
 * writing into the record's gzip stream, the record's own header and
 * test-planned lines, and at the end the history merge (or its rebuild)
 * and pruning under the store's lock.  Owns its file, its gzip stream and
 * the list of this run's results for the history.  Reading records is
 * record.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/attempt.h"
#include "testrig/gz.h"
#include "testrig/history.h"
#include "testrig/rebuild.h"
#include "testrig/record.h"
#include "testrig/text.h"
#include "testrig/util.h"

#ifndef TESTRIG_VERSION
#define TESTRIG_VERSION "unknown"
#endif

/* Fast enough to cost little per test; records are text and compress well anyway. */
#define RECORD_LEVEL 1

struct recorder {
	struct reporter base;
	struct record_options opt;
	char *path;
	int runs;                   /* runs/, opened without following a link (store_open_runs) */
	const char *name;           /* the record's name in it (in path) */
	struct gz_writer *gz;
	struct reporter *json;      /* the event lines, into gz */
	bool active;                /* the record is open and nothing failed */
	bool closed;                /* the record was written and closed */
	char *run_id;
	struct history_result *results;
	size_t nresults, capresults;
};

/*
 * Anything wrong with the store is said once, and recording stops.  A
 * record that could not be written whole goes: left, it would be taken
 * for the latest run (by runs, replay and --failed) though it holds
 * nothing of it, and a full file system would gain one a run.
 */
static void give_up(struct recorder *rec, const char *what, int err)
{
	bool exists = rec->gz || rec->closed;

	if (rec->active || !rec->path)
		warnx_("the run record %s %s: %s (%s)",
		       rec->path ? rec->path : rec->opt.store->runs, what, strerror(err),
		       exists ? "removed; the run goes on unrecorded" : "the run goes on unrecorded");
	if (rec->active && exists && unlinkat(rec->runs, rec->name, 0) && errno != ENOENT)
		warnx_("cannot remove %s: %s", rec->path, strerror(errno));
	rec->active = false;
}

/* Why the record's stream failed: its first failed write's errno, not a later call's. */
static int write_error(const struct recorder *rec)
{
	int err = rec->gz ? gz_writer_error(rec->gz) : 0;

	return err ? err : errno ? errno : EIO;
}

static void write_line(struct recorder *rec, struct buf *b)
{
	if (rec->active && gz_write(rec->gz, b->data, b->len))
		give_up(rec, "cannot be written", write_error(rec));
}

static void header(struct recorder *rec, const struct run_info *info)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_printf(&b, "{\"type\":\"record\",\"format\":%d", RECORD_FORMAT);
	json_string(&b, "testrig", TESTRIG_VERSION);
	json_string(&b, "run_id", info->run_id);
	json_string(&b, "profile", info->profile);
	json_key(&b, "start");
	buf_addc(&b, '"');
	format_timestamp(&b, info->start_wall);
	buf_addc(&b, '"');
	json_bool(&b, "failed_run", rec->opt.failed_run);
	json_key(&b, "command");
	buf_addc(&b, '[');
	for (i = 0; rec->opt.argv && rec->opt.argv[i]; i++) {
		if (i)
			buf_addc(&b, ',');
		json_quote(&b, rec->opt.argv[i], strlen(rec->opt.argv[i]));
	}
	buf_adds(&b, "]}\n");
	write_line(rec, &b);
	buf_free(&b);
}

/* The tests the run owes, so that --failed knows what never finished. */
static void planned(struct recorder *rec)
{
	const struct test_list *l = rec->opt.list;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < l->ntests && rec->active; i++) {
		const struct test *t = &l->tests[i];

		if (!t->selected && !t->owed)
			continue;
		buf_reset(&b);
		buf_adds(&b, "{\"type\":\"test-planned\"");
		json_string(&b, "run_id", rec->run_id);
		json_name(&b, "binary_id", t->bin->id);
		json_name(&b, "test", t->name);
		json_string(&b, "suite", t->bin->suite->name);
		json_string(&b, "protocol", protocol_name(t->bin->suite->protocol));
		json_bool(&b, "selected", t->selected);
		if (t->whole)
			json_bool(&b, "whole", true);
		buf_adds(&b, "}\n");
		write_line(rec, &b);
	}
	buf_free(&b);
}

static void rec_run_started(struct reporter *r, const struct run_info *info)
{
	struct recorder *rec = (struct recorder *)r;
	struct json_options jo;
	struct buf why = BUF_INIT;
	int fd;

	rec->run_id = xstrdup(info->run_id);
	/* A result per test the run schedules (more come only from isolation = binary). */
	rec->capresults = info->scheduled + 1;
	rec->results = xreallocarray(rec->results, rec->capresults, sizeof *rec->results);
	rec->path = store_record_path(rec->opt.store, info->start_wall, info->run_id);
	rec->name = rec->path + strlen(rec->opt.store->runs) + 1;
	/*
	 * A store over its limits is pruned before it is written to, not only
	 * after: a full file system fails the run's writes, and the pruning at
	 * the end never comes (no lock: pruning twice deletes nothing more).
	 */
	store_prune(rec->opt.store, NULL);
	rec->active = true;
	if ((rec->runs = store_open_runs(rec->opt.store, &why)) < 0) {
		warnx_("run records are off for this run: %s", why.data);
		rec->active = false;
		buf_free(&why);
		return;
	}
	/* Created in runs/ as opened, never through a link of that name. */
	fd = openat(rec->runs, rec->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		give_up(rec, "cannot be created", errno);
		return;
	}
	rec->gz = gz_writer_open(fd, RECORD_LEVEL);
	memset(&jo, 0, sizeof jo);
	jo.settings = rec->opt.settings;
	jo.gz = rec->gz;
	rec->json = report_json_new(&jo);
	rec->active = true;
	header(rec, info);
	planned(rec);
	rec->json->ops->run_started(rec->json, info);
}

/* Forwards a call to the JSON reporter while the record is good. */
#define FORWARD(rec, method, ...) do { \
	if ((rec)->active && (rec)->json->ops->method) \
		(rec)->json->ops->method((rec)->json, __VA_ARGS__); \
} while (0)

static void rec_script_started(struct reporter *r, const char *name, const char *command,
			       bool teardown)
{
	FORWARD((struct recorder *)r, script_started, name, command, teardown);
}

static void rec_script_slow(struct reporter *r, const char *name, bool teardown,
			    int64_t elapsed, bool terminating)
{
	FORWARD((struct recorder *)r, script_slow, name, teardown, elapsed, terminating);
}

static void rec_script_finished(struct reporter *r, const struct script_outcome *o)
{
	FORWARD((struct recorder *)r, script_finished, o);
}

static void rec_test_started(struct reporter *r, const struct test *t, unsigned attempt)
{
	FORWARD((struct recorder *)r, test_started, t, attempt);
}

static void rec_test_slow(struct reporter *r, const struct test *t, unsigned attempt,
			  int64_t elapsed, bool terminating)
{
	FORWARD((struct recorder *)r, test_slow, t, attempt, elapsed, terminating);
}

static void rec_test_retry(struct reporter *r, const struct test *t, const struct attempt *a,
			   int64_t delay)
{
	FORWARD((struct recorder *)r, test_retry, t, a, delay);
}

static void rec_test_finished(struct reporter *r, const struct test_outcome *o)
{
	struct recorder *rec = (struct recorder *)r;
	struct history_result *h;

	FORWARD(rec, test_finished, o);
	if (rec->nresults == rec->capresults) {
		rec->capresults = rec->capresults ? rec->capresults * 2 : 64;
		rec->results = xreallocarray(rec->results, rec->capresults, sizeof *rec->results);
	}
	h = &rec->results[rec->nresults++];
	h->test = o->test;
	h->outcome = o->outcome == OUT_SKIPPED ? 'S' : o->flaky ? 'K' :
		o->outcome == OUT_PASSED ? 'P' : 'F';
	h->verdict = (unsigned char)o->final->verdict;
	h->signo = (unsigned char)o->final->signo;
	h->duration = o->duration;
	/* A case found while running (isolation = binary) was not looked up. */
	h->looked_up = test_list_listed(rec->opt.list, o->test);
}

static void rec_info(struct reporter *r, const struct unit_info *u, size_t n)
{
	FORWARD((struct recorder *)r, info, u, n);
}

static void rec_run_finished(struct reporter *r, const struct run_summary *s)
{
	FORWARD((struct recorder *)r, run_finished, s);
}

static int rec_flush(struct reporter *r)
{
	struct recorder *rec = (struct recorder *)r;

	if (rec->active && rec->json->ops->flush(rec->json))
		give_up(rec, "cannot be written", write_error(rec));
	return 0;   /* the store never changes the run's exit code */
}

/* A damaged history (said in why), rebuilt from the records: one warning. */
static void rebuild(struct recorder *rec, struct buf *why)
{
	struct buf done = BUF_INIT, err = BUF_INIT;

	if (history_rebuild(rec->opt.store, &done, &err))
		warnx_("%s; it could not be rebuilt: %s", why->data, err.data);
	else
		warnx_("%s: %s", why->data, done.data);
	buf_free(&done);
	buf_free(&err);
}

/* The history and the old records, under the store's lock. */
static void update_store(struct recorder *rec)
{
	struct buf why = BUF_INIT;
	int lock = store_lock(rec->opt.store, &why), rc;

	if (lock < 0) {
		warnx_("the history was not updated: %s", why.data);
		buf_free(&why);
		return;
	}
	rc = history_merge(rec->opt.store->history, rec->opt.history, rec->run_id, rec->results,
			   rec->nresults, &why);
	if (rc > 0)
		rebuild(rec, &why);     /* this run's record, whole now, is among them */
	else if (rc < 0)
		warnx_("the history was not updated: %s", why.data);
	else if (why.len)
		warnx_("%s: %s", rec->opt.store->history, why.data);
	store_prune(rec->opt.store, rec->path);
	store_unlock(lock);
	buf_free(&why);
}

static int rec_close(struct reporter *r)
{
	struct recorder *rec = (struct recorder *)r;
	int err;

	if (!rec->gz)
		return 0;
	if (rec->active && rec->json->ops->flush(rec->json))
		give_up(rec, "cannot be written", write_error(rec));
	/*
	 * No fsync: a record cut short by a crash is read as far as it goes,
	 * and write(2) has said whether the disk took it (the history, which
	 * replaces a file, is synced before its rename).
	 */
	err = gz_writer_close(rec->gz, false) ? errno : 0;
	rec->gz = NULL;
	rec->closed = true;
	if (err)
		give_up(rec, "cannot be written", err);
	if (rec->active)
		update_store(rec);
	rec->active = false;
	return 0;
}

static void rec_free(struct reporter *r)
{
	struct recorder *rec = (struct recorder *)r;

	if (rec->gz)
		gz_writer_close(rec->gz, false);
	if (rec->json)
		rec->json->ops->free(rec->json);
	if (rec->runs >= 0)
		close(rec->runs);
	free(rec->results);
	free(rec->path);
	free(rec->run_id);
	free(rec);
}

static const struct reporter_ops record_ops = {
	.run_started = rec_run_started,
	.script_started = rec_script_started,
	.script_slow = rec_script_slow,
	.script_finished = rec_script_finished,
	.test_started = rec_test_started,
	.test_slow = rec_test_slow,
	.test_retry = rec_test_retry,
	.test_finished = rec_test_finished,
	.info = rec_info,
	.run_finished = rec_run_finished,
	.flush = rec_flush,
	.close = rec_close,
	.free = rec_free,
};

struct reporter *report_record_new(const struct record_options *o)
{
	struct recorder *rec = xcalloc(1, sizeof *rec);

	rec->base.ops = &record_ops;
	rec->opt = *o;
	rec->runs = -1;
	return &rec->base;
}

/*
 * record.c - run records of record.h: the recording reporter (a JSON
 * reporter writing into a gzip stream, the record's own header and
 * test-planned lines, and at the end the history merge and pruning under
 * the store's lock) and the reader.  The reporter owns its file, its gzip
 * stream and the list of this run's results for the history.
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

/* A record line holds at most two captured streams, base64 at worst. */
#define MAX_RECORD_LINE (UINT64_C(1) << 30)
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
		json_string(&b, "binary_id", t->bin->id);
		json_string(&b, "test", t->name);
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

/* ---- reading ------------------------------------------------------------- */

struct record {
	char *path;
	struct gz_reader *gz;
	struct buf line;
	struct jvalue *header;
	struct jvalue *event;       /* the one record_next handed out */
	unsigned lineno;
	bool finished;              /* the last event read was run-finished */
};

static int next_object(struct record *r, struct jvalue **v, struct buf *err)
{
	struct buf why = BUF_INIT;
	int got = gz_getline(r->gz, &r->line, MAX_RECORD_LINE, &why);

	*v = NULL;
	if (got <= 0) {
		if (got < 0)
			buf_add(err, why.data, why.len);
		buf_free(&why);
		return got;
	}
	r->lineno++;
	*v = jvalue_parse(r->line.data, r->line.len, &why);
	if (!*v || (*v)->type != JV_OBJECT || !jvalue_str(*v, "type")) {
		buf_printf(err, "line %u is not an event%s%s", r->lineno, why.len ? ": " : "",
			   why.data);
		jvalue_free(*v);
		*v = NULL;
		buf_free(&why);
		return -1;
	}
	buf_free(&why);
	return 1;
}

int record_open(const char *path, struct record **out, struct buf *err)
{
	struct record *r = xcalloc(1, sizeof *r);
	struct buf why = BUF_INIT;

	buf_init(&r->line);
	int64_t format = 0;
	const char *type;
	int fd = open(path, O_RDONLY | O_CLOEXEC), got;

	*out = NULL;
	r->path = xstrdup(path);
	if (fd < 0) {
		buf_printf(err, "cannot read %s: %s", path, strerror(errno));
		record_close(r);
		return -1;
	}
	r->gz = gz_reader_open(fd);
	got = next_object(r, &r->header, &why);
	type = got > 0 ? jvalue_str(r->header, "type") : NULL;
	if (got <= 0 || !type || strcmp(type, "record") != 0 ||
	    !jvalue_int(r->header, "format", &format) || format < 1 ||
	    !jvalue_str(r->header, "run_id") || !jvalue_str(r->header, "profile")) {
		buf_printf(err, "%s is not a testrig run record (%s)", path,
			   got < 0 ? why.data : got == 0 ? "it is empty" :
			   "its first line is not a record header");
		buf_free(&why);
		record_close(r);
		return -1;
	}
	buf_free(&why);
	if (format > RECORD_FORMAT) {
		buf_printf(err, "%s is a record of format %lld, newer than this testrig reads (%d)",
			   path, (long long)format, RECORD_FORMAT);
		record_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

const struct jvalue *record_header(const struct record *r)
{
	return r->header;
}

int record_next(struct record *r, const struct jvalue **event, struct buf *err)
{
	int got;

	jvalue_free(r->event);
	r->event = NULL;
	*event = NULL;
	got = next_object(r, &r->event, err);
	/* Finished: run-finished was the last event, with nothing after it. */
	if (got > 0) {
		r->finished = strcmp(jvalue_str(r->event, "type"), "run-finished") == 0;
		*event = r->event;
	} else if (got < 0) {
		r->finished = false;
	}
	return got;
}

const struct buf *record_raw(const struct record *r)
{
	return &r->line;
}

bool record_complete(const struct record *r)
{
	return r->finished && gz_complete(r->gz);
}

void record_close(struct record *r)
{
	if (!r)
		return;
	gz_reader_close(r->gz);
	jvalue_free(r->header);
	jvalue_free(r->event);
	buf_free(&r->line);
	free(r->path);
	free(r);
}

char *record_key(const char *binary_id, const char *test)
{
	return xasprintf("%s\x1f%s", binary_id, test);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_unique(struct strvec *v)
{
	size_t i, n = 0;

	if (!v->n)
		return;
	qsort(v->v, v->n, sizeof *v->v, by_string);
	for (i = 0; i < v->n; i++) {
		if (n && strcmp(v->v[n - 1], v->v[i]) == 0)
			free(v->v[i]);
		else
			v->v[n++] = v->v[i];
	}
	v->n = n;
	v->v[n] = NULL;
}

int record_outstanding(const char *path, struct strvec *keys, struct buf *err)
{
	struct strvec owed = STRVEC_INIT, passed = STRVEC_INIT, wholes = STRVEC_INIT;
	const struct jvalue *ev;
	struct record *r;
	size_t i, j = 0;
	bool finished = false, cancelled = false;
	int got;

	if (record_open(path, &r, err))
		return -1;
	/* A damaged line ends what is known: the rest never finished. */
	while ((got = record_next(r, &ev, err)) > 0) {
		const char *type = jvalue_str(ev, "type"), *bin = jvalue_str(ev, "binary_id");
		const char *test = jvalue_str(ev, "test"), *as = jvalue_str(ev, "counted_as");
		bool whole = false;

		if (strcmp(type, "run-finished") == 0) {
			finished = true;
			(void)jvalue_bool(ev, "cancelled", &cancelled);
		}
		if (!bin || !test)
			continue;
		if (strcmp(type, "test-planned") == 0) {
			(void)jvalue_bool(ev, "whole", &whole);
			strvec_push_owned(whole ? &wholes : &owed, record_key(bin, test));
		} else if (strcmp(type, "test-finished") == 0 && as &&
			   (strcmp(as, "passed") == 0 || strcmp(as, "skipped") == 0)) {
			strvec_push_owned(&passed, record_key(bin, test));
		} else if (strcmp(type, "test-finished") == 0) {
			/* (a case of a binary in isolation = binary is planned by no line) */
			strvec_push_owned(&owed, record_key(bin, test));
		}
	}
	buf_reset(err);
	record_close(r);
	/*
	 * A binary not listed (isolation = binary) owes its cases that did not
	 * run only when the run did not end whole: then all of it is owed.
	 */
	for (i = 0; i < wholes.n && (!finished || cancelled); i++)
		strvec_push(&owed, wholes.v[i]);
	sort_unique(&owed);
	sort_unique(&passed);
	for (i = 0; i < owed.n; i++) {
		while (j < passed.n && strcmp(passed.v[j], owed.v[i]) < 0)
			j++;
		if (j < passed.n && strcmp(passed.v[j], owed.v[i]) == 0)
			continue;
		strvec_push(keys, owed.v[i]);
	}
	strvec_free(&owed);
	strvec_free(&passed);
	strvec_free(&wholes);
	return 0;
}

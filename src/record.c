/*
 * record.c - reading run records (record.h): a record's lines one at a
 * time, whether it is whole, and what a run still owes.  Owns the reader's
 * file, gzip stream and the line it hands out.  The recording reporter is
 * report_record.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/gz.h"
#include "testrig/record.h"
#include "testrig/text.h"
#include "testrig/util.h"

/* A record line holds at most two captured streams, base64 at worst. */
#define MAX_RECORD_LINE (UINT64_C(1) << 30)

/*
 * The type of each field a record's event lines carry (report_json.c
 * writes them; null stands for "none" in any of them).  A reader takes a
 * field of another type for missing: the record is named once, with the
 * field, so that a damaged or hand-made record does not pass unseen.
 */
static const struct {
	const char *key;
	enum jvalue_type type;
} field_types[] = {
	{ "type", JV_STRING }, { "run_id", JV_STRING }, { "time", JV_STRING },
	{ "binary_id", JV_STRING }, { "test", JV_STRING }, { "binary_id_base64", JV_STRING },
	{ "test_base64", JV_STRING }, { "suite", JV_STRING },
	{ "protocol", JV_STRING }, { "selected", JV_BOOL }, { "whole", JV_BOOL },
	{ "result", JV_STRING }, { "counted_as", JV_STRING }, { "verdict", JV_STRING },
	{ "attempt", JV_NUMBER }, { "attempts", JV_NUMBER }, { "max_attempts", JV_NUMBER },
	{ "duration", JV_NUMBER }, { "exit_code", JV_NUMBER }, { "signal", JV_STRING },
	{ "cpu_user", JV_NUMBER }, { "cpu_system", JV_NUMBER }, { "max_rss_kib", JV_NUMBER },
	{ "message", JV_STRING }, { "start", JV_STRING }, { "slow", JV_BOOL },
	{ "stdout", JV_STRING }, { "stderr", JV_STRING }, { "stdout_base64", JV_STRING },
	{ "stderr_base64", JV_STRING }, { "points", JV_ARRAY }, { "history", JV_OBJECT },
	{ "counts", JV_OBJECT }, { "cancelled", JV_BOOL }, { "scheduled", JV_NUMBER },
	{ "elapsed", JV_NUMBER }, { "delay", JV_NUMBER }, { "terminating", JV_BOOL },
};

static const char *const type_names[] = { "null", "a boolean", "a number", "a string",
					   "an array", "an object" };

struct record {
	char *path;
	struct gz_reader *gz;
	struct buf line;
	struct jvalue *header;
	struct jvalue *event;       /* the one record_next handed out */
	unsigned lineno;
	bool finished;              /* the last event read was run-finished */
	bool typed_warned;          /* a field of the wrong type was said */
};

/* Names the record once if a field of the event has another type than its own. */
static void check_types(struct record *r, const struct jvalue *ev)
{
	size_t i, k;

	for (i = 0; i < ev->n && !r->typed_warned; i++) {
		const struct jvalue *v = &ev->items[i];

		for (k = 0; k < ARRAY_SIZE(field_types); k++) {
			if (strcmp(ev->keys[i], field_types[k].key) != 0)
				continue;
			if (v->type != field_types[k].type && v->type != JV_NULL) {
				warnx_("%s: line %u: the field \"%s\" is %s, not %s (read as "
				       "missing)", r->path, r->lineno, ev->keys[i],
				       type_names[v->type], type_names[field_types[k].type]);
				r->typed_warned = true;
			}
			break;
		}
	}
}

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
		check_types(r, r->event);
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
	struct buf bin_bytes = BUF_INIT, test_bytes = BUF_INIT;
	const struct jvalue *ev;
	struct record *r;
	size_t i, j = 0;
	bool finished = false, cancelled = false;
	int got;

	if (record_open(path, &r, err))
		return -1;
	/* A damaged line ends what is known: the rest never finished. */
	while ((got = record_next(r, &ev, err)) > 0) {
		const char *type = jvalue_str(ev, "type"), *as = jvalue_str(ev, "counted_as");
		/* Names are kept exactly (json_name): --failed must find them again. */
		const char *bin = jvalue_name(ev, "binary_id", &bin_bytes);
		const char *test = jvalue_name(ev, "test", &test_bytes);
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
	buf_free(&bin_bytes);
	buf_free(&test_bytes);
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

int record_check(const char *path, const char *profile, struct buf *why)
{
	const struct jvalue *ev;
	struct record *r;
	int got, rc = -1;

	if (record_open(path, &r, why))
		return -1;
	/* Its fields are named by whoever reads it whole, once. */
	r->typed_warned = true;
	if (profile && strcmp(jvalue_str(record_header(r), "profile"), profile) != 0) {
		record_close(r);
		return 1;
	}
	/* A run: tests it planned, or its end.  A header alone is a run that never began. */
	while (rc < 0 && (got = record_next(r, &ev, why)) > 0) {
		const char *type = jvalue_str(ev, "type");

		if (strcmp(type, "test-planned") == 0 || strcmp(type, "run-finished") == 0)
			rc = 0;
	}
	if (rc < 0) {
		buf_reset(why);
		buf_printf(why, "%s holds no run (no test-planned or run-finished line): skipped",
			   path);
	}
	record_close(r);
	return rc;
}

int record_latest(const struct store *s, const char *profile, char **path, struct buf *err)
{
	struct strvec all = STRVEC_INIT;
	size_t i;

	*path = NULL;
	if (store_records(s, &all, err)) {
		strvec_free(&all);
		return -1;
	}
	for (i = 0; i < all.n && !*path; i++) {
		struct buf why = BUF_INIT;
		int rc = record_check(all.v[i], profile, &why);

		if (rc == 0)
			*path = xstrdup(all.v[i]);
		else if (rc < 0)
			warnx_("%s", why.data);
		buf_free(&why);
	}
	if (!*path)
		buf_printf(err, "no recorded run%s%s%s in %s", profile ? " of profile '" : "",
			   profile ? profile : "", profile ? "'" : "", s->runs);
	strvec_free(&all);
	return *path ? 0 : -1;
}

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

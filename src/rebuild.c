/*
 * rebuild.c - a damaged history made again from the records (rebuild.h):
 * the records are read oldest first, each test's results added as the
 * runs merged them, and the file written as history_merge writes it.
 * Owns the entries while it builds them; the file format is history.c's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/gz.h"
#include "testrig/history.h"
#include "testrig/rebuild.h"
#include "testrig/record.h"
#include "testrig/text.h"
#include "testrig/util.h"

/* One test's line as it is rebuilt. */
struct entry {
	char *bin, *test, *suite, *last_result, *last_run;
	struct test_history h;
	double last_duration;
	size_t order;               /* a run's results: the first of a test stands */
};

struct entries {
	struct entry *v;
	size_t n, cap, sorted;      /* v[0..sorted) by key; the rest: this record's */
};

static int by_key(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->bin, y->bin);

	if (!c)
		c = strcmp(x->test, y->test);
	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

static void entry_free(struct entry *e)
{
	free(e->bin);
	free(e->test);
	free(e->suite);
	free(e->last_result);
	free(e->last_run);
}

/* A test-finished event as a new entry of this record (unsorted, at the end). */
static void add_result(struct entries *es, const struct jvalue *ev, const char *run_id,
		       struct buf names[2])
{
	/* Names are kept exactly (json_name), as the history keeps them. */
	const char *bin = jvalue_name(ev, "binary_id", &names[0]);
	const char *test = jvalue_name(ev, "test", &names[1]);
	const char *as = jvalue_str(ev, "counted_as"), *result = jvalue_str(ev, "result");
	const char *verdict = jvalue_str(ev, "verdict"), *suite = jvalue_str(ev, "suite");
	struct entry *e;
	double d = 0;
	char outcome;

	if (!bin || !test || !as)
		return;
	outcome = strcmp(as, "skipped") == 0 ? 'S' : result && strcmp(result, "flaky") == 0 ? 'K' :
		strcmp(as, "passed") == 0 ? 'P' : 'F';
	(void)jvalue_num(ev, "duration", &d);
	if (!(d >= 0) || d > 1e9)
		d = 0;
	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 64;
		es->v = xreallocarray(es->v, es->cap, sizeof *es->v);
	}
	e = &es->v[es->n];
	memset(e, 0, sizeof *e);
	e->bin = xstrdup(bin);
	e->test = xstrdup(test);
	e->suite = xstrdup(suite ? suite : "");
	e->last_result = xstrdup(outcome == 'K' ? "flaky" : verdict ? verdict :
				 result ? result : "");
	e->last_run = xstrdup(run_id);
	history_add_outcome(&e->h, outcome, (int64_t)(d * 1e9 + 0.5));
	e->last_duration = d;
	e->order = es->n++;
}

/* The entry among v[0..sorted) for a test, or NULL. */
static struct entry *find_entry(struct entries *es, const char *bin, const char *test)
{
	size_t lo = 0, hi = es->sorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(bin, es->v[mid].bin);

		if (!c)
			c = strcmp(test, es->v[mid].test);
		if (!c)
			return &es->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Folds this record's results (v[sorted..n)) into the entries before them. */
static void fold_record(struct entries *es)
{
	size_t i, n = es->sorted;

	qsort(es->v + es->sorted, es->n - es->sorted, sizeof *es->v, by_key);
	for (i = es->sorted; i < es->n; i++) {
		struct entry *r = &es->v[i], *old;

		if (i > es->sorted && strcmp(r->bin, es->v[i - 1].bin) == 0 &&
		    strcmp(r->test, es->v[i - 1].test) == 0) {
			entry_free(r);      /* a test's second result in one run goes */
			continue;
		}
		if ((old = find_entry(es, r->bin, r->test))) {
			struct test_history h = old->h;

			history_add_outcome(&h, r->h.recent[0], (int64_t)(r->last_duration * 1e9 + 0.5));
			entry_free(old);
			*old = *r;
			old->h = h;
		} else {
			es->v[n++] = *r;    /* n <= i: a slot already read */
		}
	}
	es->n = n;
	for (i = 0; i < es->n; i++)
		es->v[i].order = 0;
	qsort(es->v, es->n, sizeof *es->v, by_key);
	es->sorted = es->n;
}

/* A record's results, folded in: 0, or -1 when it cannot be read at all. */
static int read_record(struct entries *es, const char *path)
{
	struct buf err = BUF_INIT, names[2] = { BUF_INIT, BUF_INIT };
	const struct jvalue *ev;
	struct record *r;
	char *run_id;

	if (record_open(path, &r, &err)) {
		buf_free(&err);
		return -1;
	}
	run_id = xstrdup(jvalue_str(record_header(r), "run_id"));
	/* A record cut short counts as far as it goes, as its run merged it. */
	while (record_next(r, &ev, &err) > 0)
		if (strcmp(jvalue_str(ev, "type"), "test-finished") == 0)
			add_result(es, ev, run_id, names);
	record_close(r);
	fold_record(es);
	free(run_id);
	buf_free(&err);
	buf_free(&names[0]);
	buf_free(&names[1]);
	return 0;
}

static int write_history(const char *path, const struct entries *es, struct buf *err)
{
	struct buf line = BUF_INIT;
	struct gz_writer *w;
	char *tmp;
	size_t i;
	int fd = history_create_temporary(path, &tmp, err), rc;

	if (fd < 0)
		return -1;
	w = gz_writer_open(fd, 1);
	for (i = 0; i < es->n; i++) {
		const struct entry *e = &es->v[i];

		buf_reset(&line);
		history_write_entry(&line, e->bin, e->test, e->suite, &e->h, e->last_duration,
				    e->last_result, e->last_run);
		(void)gz_write(w, line.data, line.len);     /* a failure comes back at the end */
	}
	rc = history_install(w, tmp, path, err);
	free(tmp);
	buf_free(&line);
	return rc;
}

int history_rebuild(const struct store *s, struct buf *done, struct buf *err)
{
	struct strvec all = STRVEC_INIT;
	struct entries es;
	size_t i, skipped = 0;
	int rc = -1;

	memset(&es, 0, sizeof es);
	if (store_records(s, &all, err))
		goto out;
	/* Oldest first, as the runs merged them. */
	for (i = all.n; i-- > 0;)
		skipped += read_record(&es, all.v[i]) != 0;
	if ((rc = write_history(s->history, &es, err)) == 0) {
		buf_printf(done, "rebuilt from the %zu record%s in %s", all.n - skipped,
			   all.n - skipped == 1 ? "" : "s", s->runs);
		if (skipped)
			buf_printf(done, " (%zu unreadable, left out)", skipped);
	}
out:
	for (i = 0; i < es.n; i++)
		entry_free(&es.v[i]);
	free(es.v);
	strvec_free(&all);
	return rc;
}

int history_rebuild_locked(const struct store *s, struct buf *done, struct buf *err)
{
	int lock = store_lock(s, err), rc;

	if (lock < 0)
		return -1;
	rc = history_rebuild(s, done, err);
	store_unlock(lock);
	return rc;
}

/*
 * history.c - history.gz of history.h: reading the entries of a run's
 * tests, the scheduling order they give, and merging a run's results back
 * line by line (the file is never held whole in memory).  Owns the entries
 * it loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testrig/attempt.h"
#include "testrig/filter.h"
#include "testrig/gz.h"
#include "testrig/history.h"
#include "testrig/jsonread.h"
#include "testrig/text.h"
#include "testrig/util.h"

/* No line we write comes near this; a longer one is damage. */
#define MAX_LINE (1u << 20)

struct history {
	struct test_history *entries;
	size_t n;
	struct history_stamp stamp;
};

/* ---- one line ------------------------------------------------------------ */

/* An entry read from one line; false when the line is not one. */
static bool parse_entry(const struct jvalue *v, const char **bin, const char **test,
			struct test_history *h)
{
	const char *recent;
	size_t i;

	*bin = jvalue_str(v, "binary_id");
	*test = jvalue_str(v, "test");
	recent = jvalue_str(v, "recent");
	if (!*bin || !*test || !recent || strlen(recent) > HISTORY_WINDOW)
		return false;
	for (i = 0; recent[i]; i++)
		if (!strchr("PKFS", recent[i]))
			return false;
	memset(h, 0, sizeof *h);
	memcpy(h->recent, recent, strlen(recent) + 1);
	if (!jvalue_num(v, "mean_duration", &h->mean_duration) || !(h->mean_duration >= 0) ||
	    !jvalue_num(v, "last_duration", &h->last_duration) || !(h->last_duration >= 0))
		return false;
	return true;
}

static unsigned count(const char *recent, char c)
{
	unsigned n = 0;

	for (; *recent; recent++)
		n += *recent == c;
	return n;
}

/* Seconds with six decimals, as "%.6f" prints them (without printf: one per line). */
static void add_micros(struct buf *b, double secs)
{
	double us = secs * 1e6 + 0.5;
	uint64_t v;

	if (!(us >= 0) || us >= 1e18) {
		buf_printf(b, "%.6f", secs > 0 ? secs : 0.0);
		return;
	}
	v = (uint64_t)us;
	buf_add_uint(b, v / 1000000);
	buf_addc(b, '.');
	buf_add_padded(b, v % 1000000, 6);
}

static void write_entry(struct buf *b, const char *bin, const char *test, const char *suite,
			const struct test_history *h, const char *last_result, const char *last_run)
{
	buf_adds(b, "{\"binary_id\":");
	json_quote(b, bin, strlen(bin));
	json_string(b, "test", test);
	json_string(b, "suite", suite);
	json_uint(b, "runs", strlen(h->recent));
	json_uint(b, "passes", count(h->recent, 'P'));
	json_uint(b, "failures", count(h->recent, 'F'));
	json_uint(b, "flaky", count(h->recent, 'K'));
	json_uint(b, "skips", count(h->recent, 'S'));
	json_string(b, "last_result", last_result);
	json_string(b, "last_run", last_run);
	json_key(b, "mean_duration");
	add_micros(b, h->mean_duration);
	json_key(b, "last_duration");
	add_micros(b, h->last_duration);
	json_string(b, "recent", h->recent);
	buf_adds(b, "}\n");
}

/* Adds one run's outcome: the window slides, the mean follows passing runs. */
static void add_outcome(struct test_history *h, char outcome, int64_t duration)
{
	size_t n = strlen(h->recent);
	double d = (double)duration / (double)NS_PER_SEC;
	unsigned passes;

	if (n == HISTORY_WINDOW) {
		memmove(h->recent, h->recent + 1, HISTORY_WINDOW - 1);
		n--;
	}
	h->recent[n] = outcome;
	h->recent[n + 1] = 0;
	h->last_duration = d;
	if (outcome != 'P' && outcome != 'K')
		return;
	/* The mean of the passing runs in the window (a running mean once it is full). */
	passes = count(h->recent, 'P') + count(h->recent, 'K');
	h->mean_duration += (d - h->mean_duration) / passes;
}

void history_after(const struct test_history *h, const struct test_outcome *o,
		   struct history_counts *c)
{
	struct test_history t;

	memset(&t, 0, sizeof t);
	if (h)
		t = *h;
	add_outcome(&t, o->outcome == OUT_SKIPPED ? 'S' : o->flaky ? 'K' :
		    o->outcome == OUT_PASSED ? 'P' : 'F', o->duration);
	c->runs = (unsigned)strlen(t.recent);
	c->failures = count(t.recent, 'F');
	c->flaky = count(t.recent, 'K');
}

/* ---- reading ------------------------------------------------------------- */

static int key_cmp(const char *bin_a, const char *test_a, const char *bin_b, const char *test_b)
{
	int c = strcmp(bin_a, bin_b);

	return c ? c : strcmp(test_a, test_b);
}

/* Tests sorted by (binary id, name), to be found by key. */
static int by_key(const void *a, const void *b)
{
	const struct test *x = *(struct test *const *)a, *y = *(struct test *const *)b;

	return key_cmp(x->bin->id, x->name, y->bin->id, y->name);
}

static struct test *find_test(struct test **sorted, size_t n, const char *bin, const char *test)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(bin, test, sorted[mid]->bin->id, sorted[mid]->name);

		if (!c)
			return sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * The file, opened for reading: NULL when it does not exist (*missing).
 * Its stamp, if `stamp`.
 */
static struct gz_reader *open_history(const char *path, bool *missing, struct history_stamp *stamp,
				      struct buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	*missing = fd < 0 && errno == ENOENT;
	if (fd < 0) {
		if (!*missing)
			buf_printf(err, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (stamp) {
		memset(stamp, 0, sizeof *stamp);
		if (fstat(fd, &st) == 0) {
			stamp->valid = true;
			stamp->dev = (uint64_t)st.st_dev;
			stamp->ino = (uint64_t)st.st_ino;
			stamp->size = (uint64_t)st.st_size;
			stamp->mtime_ns = (int64_t)st.st_mtim.tv_sec * NS_PER_SEC + st.st_mtim.tv_nsec;
		}
	}
	return gz_reader_open(fd);
}

static bool same_stamp(const struct history_stamp *a, const struct history_stamp *b)
{
	return a && b && a->valid && b->valid && a->dev == b->dev && a->ino == b->ino &&
		a->size == b->size && a->mtime_ns == b->mtime_ns;
}

int history_load(const char *path, struct test_list *list, struct history **out,
		 struct buf *err)
{
	struct history *h = xcalloc(1, sizeof *h);
	struct buf line = BUF_INIT, why = BUF_INIT;
	struct gz_reader *r;
	struct test **sorted;
	size_t i, cap = 0;
	bool missing;
	int rc = 0, got;

	*out = h;
	r = open_history(path, &missing, &h->stamp, err);
	if (!r)
		return missing ? 0 : -1;
	sorted = xcalloc(list->ntests + 1, sizeof *sorted);
	for (i = 0; i < list->ntests; i++)
		sorted[i] = &list->tests[i];
	qsort(sorted, list->ntests, sizeof *sorted, by_key);
	/* Pointers into h->entries are handed out once it stops growing: indices first. */
	while ((got = gz_getline(r, &line, MAX_LINE, &why)) > 0) {
		struct jvalue *v = jvalue_parse(line.data, line.len, NULL);
		struct test_history e;
		const char *bin, *test;
		struct test *t;

		if (v && parse_entry(v, &bin, &test, &e) && (t = find_test(sorted, list->ntests, bin, test)) &&
		    !t->history) {
			/*
			 * At most one entry per test of the list: room for that
			 * at once (growing by doubling would hold two arrays at
			 * the peak), given back below for what was not found.
			 */
			if (!cap) {
				cap = list->ntests;
				h->entries = xreallocarray(NULL, cap, sizeof *h->entries);
			}
			h->entries[h->n] = e;
			t->history = (const struct test_history *)(uintptr_t)(h->n + 1);
			h->n++;
		}
		jvalue_free(v);
	}
	if (got < 0) {
		buf_printf(err, "%s: %s (history ignored)", path, why.data);
		rc = -1;
		h->stamp.valid = false;
	}
	if (h->n && cap > h->n)
		h->entries = xreallocarray(h->entries, h->n, sizeof *h->entries);
	for (i = 0; i < list->ntests; i++) {
		struct test *t = &list->tests[i];
		size_t k = (size_t)(uintptr_t)t->history;

		t->history = rc || !k ? NULL : &h->entries[k - 1];
	}
	gz_reader_close(r);
	free(sorted);
	buf_free(&line);
	buf_free(&why);
	return rc;
}

const struct history_stamp *history_stamp(const struct history *h)
{
	return h ? &h->stamp : NULL;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	free(h->entries);
	free(h);
}

/* ---- scheduling ---------------------------------------------------------- */

/* A test's place in the schedule. */
struct priority {
	int rank;           /* 0: failed last time; 1: no history; 2: the rest */
	double mean;        /* the rest: longest first */
	size_t pos;         /* ties: list order */
};

static int by_priority(const void *a, const void *b)
{
	const struct priority *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->rank == 2 && x->mean != y->mean)
		return x->mean > y->mean ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

void history_order(size_t *order, size_t n, const struct test_list *list)
{
	struct priority *p = xcalloc(n + 1, sizeof *p);
	size_t i;

	for (i = 0; i < n; i++) {
		const struct test_history *h = list->tests[order[i]].history;
		size_t k = h ? strlen(h->recent) : 0;

		p[i].rank = !h ? 1 : k && h->recent[k - 1] == 'F' ? 0 : 2;
		p[i].mean = h ? h->mean_duration : 0;
		p[i].pos = order[i];
	}
	qsort(p, n, sizeof *p, by_priority);
	for (i = 0; i < n; i++)
		order[i] = p[i].pos;
	free(p);
}

/* ---- merging ------------------------------------------------------------- */

static int by_result(const void *a, const void *b)
{
	const struct test *x = ((const struct history_result *)a)->test;
	const struct test *y = ((const struct history_result *)b)->test;

	return key_cmp(x->bin->id, x->name, y->bin->id, y->name);
}

/* What a line names, to be looked for among the results. */
struct result_key {
	const char *bin, *test;
};

static int key_to_result(const void *k, const void *r)
{
	const struct result_key *key = k;
	const struct test *t = ((const struct history_result *)r)->test;

	return key_cmp(key->bin, key->test, t->bin->id, t->name);
}

static struct history_result *find_result(struct history_result *v, size_t n, const char *bin,
					  const char *test)
{
	struct result_key key = { bin, test };

	return n ? bsearch(&key, v, n, sizeof *v, key_to_result) : NULL;
}

/* "flaky", or the final attempt's verdict as JSON names it. */
static const char *result_name(const struct history_result *r, char scratch[16])
{
	struct attempt a;

	if (r->outcome == 'K')
		return "flaky";
	memset(&a, 0, sizeof a);
	a.verdict = (enum verdict)r->verdict;
	a.signo = r->signo;
	return verdict_name(&a, scratch);
}

/* A line for result r: its entry `e` and the run that made it. */
static void write_result(struct buf *b, const struct history_result *r,
			 const struct test_history *e, const char *run_id)
{
	char name[16];

	write_entry(b, r->test->bin->id, r->test->name, r->test->bin->suite->name, e,
		    result_name(r, name), run_id);
}

/* A plain JSON string (no escape, no control byte) at s, its quote included: its length. */
static bool plain_string(const char *s, const char *end, const char **body, size_t *len)
{
	const char *p = s + 1;

	if (s >= end || *s != '"')
		return false;
	while (p < end && *p != '"') {
		if (*p == '\\' || (unsigned char)*p < 0x20)
			return false;
		p++;
	}
	if (p >= end)
		return false;
	*body = s + 1;
	*len = (size_t)(p - s - 1);
	return true;
}

/*
 * The binary id and test name of a line as write_entry begins it, without
 * parsing the rest; false for any other line (escapes included: those go
 * through the parser).
 */
static bool line_keys(const struct buf *line, struct result_key *key, struct buf *space)
{
	static const char head[] = "{\"binary_id\":", mid[] = ",\"test\":";
	const char *p = line->data, *end, *bin, *test;
	size_t binlen, testlen;

	if (line->len < sizeof head)
		return false;
	end = p + line->len;
	if (memcmp(p, head, sizeof head - 1) != 0 ||
	    !plain_string(p + sizeof head - 1, end, &bin, &binlen))
		return false;
	p = bin + binlen + 1;
	if ((size_t)(end - p) < sizeof mid || memcmp(p, mid, sizeof mid - 1) != 0 ||
	    !plain_string(p + sizeof mid - 1, end, &test, &testlen))
		return false;
	buf_reset(space);
	buf_add(space, bin, binlen);
	buf_addc(space, 0);
	buf_add(space, test, testlen);
	key->bin = space->data;
	key->test = space->data + binlen + 1;
	return true;
}

/*
 * Copies the old file through, each line updated if this run finished its
 * test.  When the file is the one the run read at its start (`same`), a
 * line of a test the run looked up is rewritten from that entry, and a line
 * of a test it did not run is copied unread: only other lines are parsed.
 */
static void merge_old(struct gz_reader *r, struct gz_writer *w, bool same, const char *run_id,
		      struct history_result *results, size_t n, bool *merged, struct buf *err)
{
	struct buf line = BUF_INIT, out = BUF_INIT, why = BUF_INIT, space = BUF_INIT;
	size_t dropped = 0;
	int got;

	while ((got = gz_getline(r, &line, MAX_LINE, &why)) > 0) {
		struct jvalue *v;
		struct test_history e;
		struct history_result *res;
		struct result_key key;
		const char *bin, *test;

		if (same && line_keys(&line, &key, &space)) {
			res = find_result(results, n, key.bin, key.test);
			if (!res) {
				buf_addc(&line, '\n');
				gz_write(w, line.data, line.len);
				continue;
			}
			if (res->looked_up) {
				/* A second line for one test: it was not the one read, and goes. */
				if (merged[res - results])
					continue;
				memset(&e, 0, sizeof e);
				if (res->test->history)
					e = *res->test->history;
				add_outcome(&e, res->outcome, res->duration);
				buf_reset(&out);
				write_result(&out, res, &e, run_id);
				gz_write(w, out.data, out.len);
				merged[res - results] = true;
				continue;
			}
		}
		v = jvalue_parse(line.data, line.len, NULL);
		if (!v || !parse_entry(v, &bin, &test, &e)) {
			dropped++;
		} else if ((res = find_result(results, n, bin, test)) && !merged[res - results]) {
			const char *suite = jvalue_str(v, "suite");

			add_outcome(&e, res->outcome, res->duration);
			buf_reset(&out);
			char name[16];

			write_entry(&out, bin, test, suite ? suite : res->test->bin->suite->name, &e,
				    result_name(res, name), run_id);
			gz_write(w, out.data, out.len);
			merged[res - results] = true;
		} else if (!res) {
			buf_addc(&line, '\n');
			gz_write(w, line.data, line.len);
		}
		/* else: a second line for a test already merged is dropped. */
		jvalue_free(v);
	}
	if (got < 0)
		buf_printf(err, "the history was damaged (%s): what could be read was kept", why.data);
	else if (dropped)
		buf_printf(err, "%zu unreadable line%s of the history dropped", dropped,
			   dropped == 1 ? "" : "s");
	buf_free(&line);
	buf_free(&out);
	buf_free(&why);
	buf_free(&space);
}

int history_merge(const char *path, const struct history_stamp *loaded, const char *run_id,
		  struct history_result *results, size_t n, struct buf *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	bool *merged = xcalloc(n + 1, sizeof *merged), missing;
	struct history_stamp now;
	struct gz_reader *r;
	struct gz_writer *w;
	struct buf out = BUF_INIT;
	size_t i;
	int fd, rc = 0;

	if (n)
		sort_in_place(results, n, sizeof *results, by_result);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_printf(err, "cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		free(merged);
		return -1;
	}
	/* Rewritten at the end of every run, while the run waits: the fastest level. */
	w = gz_writer_open(fd, 1);
	if ((r = open_history(path, &missing, &now, err))) {
		merge_old(r, w, same_stamp(loaded, &now), run_id, results, n, merged, err);
		gz_reader_close(r);
	}
	for (i = 0; i < n; i++) {
		struct test_history e;

		if (merged[i] || (i && !by_result(&results[i], &results[i - 1])))
			continue;
		memset(&e, 0, sizeof e);
		add_outcome(&e, results[i].outcome, results[i].duration);
		buf_reset(&out);
		write_result(&out, &results[i], &e, run_id);
		gz_write(w, out.data, out.len);
	}
	if (gz_writer_close(w, true) || rename(tmp, path)) {
		if (err->len)
			buf_adds(err, "; ");
		buf_printf(err, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	buf_free(&out);
	free(merged);
	free(tmp);
	return rc;
}

/* ---- testrig history ----------------------------------------------------- */

static void print_entry(const struct jvalue *v, const char *bin, const char *test,
			const struct test_history *e, bool json, struct buf *out)
{
	const char *suite = jvalue_str(v, "suite"), *last = jvalue_str(v, "last_result");
	const char *run = jvalue_str(v, "last_run");
	size_t n = strlen(e->recent);

	if (json) {
		write_entry(out, bin, test, suite ? suite : "", e, last ? last : "",
			    run ? run : "");
		return;
	}
	buf_printf(out, "%-10s %3zu %4u %5u %10.3fs  %s %s\n", last ? last : "?", n,
		   count(e->recent, 'F'), count(e->recent, 'K'), e->mean_duration, bin, test);
}

int history_print(const char *path, struct filter *const *filters, size_t nfilters, bool json,
		  struct buf *out, struct buf *err)
{
	struct buf line = BUF_INIT, why = BUF_INIT;
	struct gz_reader *r;
	bool missing;
	size_t i;
	int got;

	if (!(r = open_history(path, &missing, NULL, err))) {
		if (missing)
			buf_printf(err, "no history yet in %s (a recorded run makes one)", path);
		return -1;
	}
	if (!json)
		buf_adds(out, "last       runs fail flaky   mean time  test\n");
	while ((got = gz_getline(r, &line, MAX_LINE, &why)) > 0) {
		struct jvalue *v = jvalue_parse(line.data, line.len, NULL);
		struct test_history e;
		const char *bin, *test;

		if (v && parse_entry(v, &bin, &test, &e)) {
			struct filter_subject subj;
			const char *suite = jvalue_str(v, "suite");

			subj.test_name = test;
			subj.binary_id = bin;
			subj.suite = suite ? suite : "";
			subj.ignored = false;
			for (i = 0; i < nfilters && !filter_match(filters[i], &subj); i++)
				;
			if (!nfilters || i < nfilters)
				print_entry(v, bin, test, &e, json, out);
		}
		jvalue_free(v);
	}
	if (got < 0)
		buf_printf(err, "%s: %s", path, why.data);
	gz_reader_close(r);
	buf_free(&line);
	buf_free(&why);
	return got < 0 ? -1 : 0;
}

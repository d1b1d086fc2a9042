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
	uint32_t *lines;            /* entries[i] was read from line lines[i] (from 0) */
	size_t n;
	struct history_stamp stamp;
};

/* ---- one line ------------------------------------------------------------ */

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
 * An entry read from one line (and its last duration); false when the line
 * is not one.  Names not UTF-8 are decoded into names[0] and names[1].
 */
static bool parse_entry(const struct jvalue *v, const char **bin, const char **test,
			struct test_history *h, double *last, struct buf names[2])
{
	const char *recent;
	size_t i;

	*bin = jvalue_name(v, "binary_id", &names[0]);
	*test = jvalue_name(v, "test", &names[1]);
	recent = jvalue_str(v, "recent");
	if (!*bin || !*test || !recent || strlen(recent) > HISTORY_WINDOW)
		return false;
	for (i = 0; recent[i]; i++)
		if (!strchr("PKFS", recent[i]))
			return false;
	memset(h, 0, sizeof *h);
	memcpy(h->recent, recent, strlen(recent) + 1);
	if (!jvalue_num(v, "mean_duration", &h->mean_duration) || !(h->mean_duration >= 0) ||
	    !jvalue_num(v, "last_duration", last) || !(*last >= 0))
		return false;
	return true;
}

/* The rest of a line after `lit`, or NULL (also for p NULL). */
static const char *expect(const char *p, const char *end, const char *lit, size_t n)
{
	return p && (size_t)(end - p) >= n && memcmp(p, lit, n) == 0 ? p + n : NULL;
}

#define EXPECT(p, end, lit) expect(p, end, lit, sizeof lit - 1)

/* Past the plain string at p (its body and length out), or NULL. */
static const char *skip_string(const char *p, const char *end, const char **body, size_t *len)
{
	return p && plain_string(p, end, body, len) ? *body + *len + 1 : NULL;
}

/* Past a JSON integer of at most nine digits at p, or NULL. */
static const char *skip_count(const char *p, const char *end)
{
	const char *q = p;

	if (!p)
		return NULL;
	while (q < end && *q >= '0' && *q <= '9')
		q++;
	return q > p && q - p <= 9 && (*p != '0' || q - p == 1) ? q : NULL;
}

/*
 * A JSON number of digits with an optional fraction, 15 digits at most
 * (as add_micros writes durations): m / 10^k, one correctly rounded
 * division of two exact doubles, which is the very value strtod gives.
 */
static const char *read_seconds(const char *p, const char *end, double *v)
{
	static const double tens[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
				       1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	const char *q = skip_count(p, end), *f;
	uint64_t m = 0;
	size_t digits;

	if (!q || (size_t)(q - p) > 15)
		return NULL;
	for (f = p; f < q; f++)
		m = m * 10 + (uint64_t)(*f - '0');
	digits = (size_t)(q - p);
	if (q < end && *q == '.') {
		for (f = ++q; q < end && *q >= '0' && *q <= '9'; q++)
			m = m * 10 + (uint64_t)(*q - '0');
		if (q == f || digits + (size_t)(q - f) > 15)
			return NULL;
		*v = (double)m / tens[q - f];
		return q;
	}
	*v = (double)m;
	return q;
}

/*
 * A line exactly as write_entry writes it, all printable ASCII without
 * escapes, read without building a JSON tree: what parse_entry would make
 * of it, with the binary id and test name ended in place.  False for any
 * other line, which then goes through the parser.
 */
static bool fast_entry(char *line, size_t n, const char **bin, const char **test,
		       struct test_history *h)
{
	static const char *const counts[] = { ",\"runs\":", ",\"passes\":", ",\"failures\":",
					      ",\"flaky\":", ",\"skips\":" };
	const char *end, *p = line, *b, *t, *r, *ignored;
	size_t bl, tl, rl, len, i;
	double mean, last;

	if (!n)
		return false;   /* an empty line's buffer may have no data at all */
	end = line + n;
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f || line[i] == '\\')
			return false;
	p = skip_string(EXPECT(p, end, "{\"binary_id\":"), end, &b, &bl);
	p = skip_string(EXPECT(p, end, ",\"test\":"), end, &t, &tl);
	p = skip_string(EXPECT(p, end, ",\"suite\":"), end, &ignored, &len);
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		p = skip_count(expect(p, end, counts[i], strlen(counts[i])), end);
	p = skip_string(EXPECT(p, end, ",\"last_result\":"), end, &ignored, &len);
	p = skip_string(EXPECT(p, end, ",\"last_run\":"), end, &ignored, &len);
	p = EXPECT(p, end, ",\"mean_duration\":");
	p = p ? read_seconds(p, end, &mean) : NULL;
	p = EXPECT(p, end, ",\"last_duration\":");
	p = p ? read_seconds(p, end, &last) : NULL;
	p = skip_string(EXPECT(p, end, ",\"recent\":"), end, &r, &rl);
	p = EXPECT(p, end, "}");
	if (p != end || !bl || !tl || rl > HISTORY_WINDOW)
		return false;
	for (i = 0; i < rl; i++)
		if (!strchr("PKFS", r[i]))
			return false;
	memset(h, 0, sizeof *h);
	memcpy(h->recent, r, rl);
	h->mean_duration = mean;
	(void)last;         /* read to be sure the line is whole; a run replaces it */
	line[b - line + bl] = 0;
	line[t - line + tl] = 0;
	*bin = b;
	*test = t;
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

void history_write_entry(struct buf *b, const char *bin, const char *test, const char *suite,
			const struct test_history *h, double last_duration, const char *last_result,
			const char *last_run)
{
	size_t n = strlen(bin);

	buf_adds(b, "{\"binary_id\":");
	json_quote(b, bin, n);
	json_name_base64(b, "binary_id", bin, n);
	json_name(b, "test", test);
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
	add_micros(b, last_duration);
	json_string(b, "recent", h->recent);
	buf_adds(b, "}\n");
}

/* Adds one run's outcome: the window slides, the mean follows passing runs. */
void history_add_outcome(struct test_history *h, char outcome, int64_t duration)
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
	history_add_outcome(&t, o->outcome == OUT_SKIPPED ? 'S' : o->flaky ? 'K' :
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
	/* A link is not the store's history (it is replaced, not written through). */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	*missing = fd < 0 && errno == ENOENT;
	if (fd < 0) {
		if (errno == ELOOP)
			buf_printf(err, "%s is a symbolic link, not a history of the store's", path);
		else if (!*missing)
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

/*
 * After reading to the end (got, as gz_getline last said): whether the file
 * was damaged, said in *why.  A stream that ends before its gzip trailer
 * (checksum and length) was cut short, though every line read was whole.
 */
static bool damaged(struct gz_reader *r, int got, struct buf *why)
{
	if (got < 0)
		return true;
	if (gz_complete(r))
		return false;
	buf_adds(why, "it ends before its gzip trailer (cut short)");
	return true;
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
	struct buf line = BUF_INIT, why = BUF_INIT, names[2] = { BUF_INIT, BUF_INIT };
	struct gz_reader *r;
	struct test **sorted;
	size_t i, cap = 0, lineno;
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
	for (lineno = 0; (got = gz_getline(r, &line, MAX_LINE, &why)) > 0; lineno++) {
		struct jvalue *v = NULL;
		struct test_history e;
		double last;
		const char *bin, *test;
		struct test *t;

		if ((fast_entry(line.data, line.len, &bin, &test, &e) ||
		     ((v = jvalue_parse(line.data, line.len, NULL)) &&
		      parse_entry(v, &bin, &test, &e, &last, names))) &&
		    (t = find_test(sorted, list->ntests, bin, test)) && !t->history &&
		    lineno < UINT32_MAX) {
			/*
			 * At most one entry per test of the list: room for that
			 * at once (growing by doubling would hold two arrays at
			 * the peak), given back below for what was not found.
			 */
			if (!cap) {
				cap = list->ntests;
				h->entries = xreallocarray(NULL, cap, sizeof *h->entries);
				h->lines = xreallocarray(NULL, cap, sizeof *h->lines);
			}
			h->entries[h->n] = e;
			h->lines[h->n] = (uint32_t)lineno;
			t->history = (const struct test_history *)(uintptr_t)(h->n + 1);
			h->n++;
		}
		jvalue_free(v);
	}
	if (damaged(r, got, &why)) {
		buf_printf(err, "%s: %s", path, why.data);
		rc = -1;
		h->stamp.valid = false;
	}
	if (h->n && cap > h->n) {
		h->entries = xreallocarray(h->entries, h->n, sizeof *h->entries);
		h->lines = xreallocarray(h->lines, h->n, sizeof *h->lines);
	}
	if (!rc) {
		h->stamp.entries = h->entries;
		h->stamp.lines = h->lines;
		h->stamp.nentries = h->n;
	}
	for (i = 0; i < list->ntests; i++) {
		struct test *t = &list->tests[i];
		size_t k = (size_t)(uintptr_t)t->history;

		t->history = rc || !k ? NULL : &h->entries[k - 1];
	}
	gz_reader_close(r);
	free(sorted);
	buf_free(&line);
	buf_free(&why);
	buf_free(&names[0]);
	buf_free(&names[1]);
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
	free(h->lines);
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

/* What a line names, to be looked for among the results. */
struct result_key {
	const char *bin, *test;
};

/* A run's results, looked up by key through an index made when first needed. */
struct merge {
	struct history_result *res;
	size_t n;
	uint32_t *by_key;           /* result positions sorted by (binary id, name) */
	bool *merged;               /* res[i] has its line in the new file */
	const char *run_id;
};

static int by_result_key(const void *a, const void *b, void *ctx)
{
	const struct history_result *res = ctx;
	const struct test *x = res[*(const uint32_t *)a].test;
	const struct test *y = res[*(const uint32_t *)b].test;

	return key_cmp(x->bin->id, x->name, y->bin->id, y->name);
}

static void sort_results(struct merge *m)
{
	size_t i;

	if (m->by_key)
		return;
	m->by_key = xcalloc(m->n + 1, sizeof *m->by_key);
	for (i = 0; i < m->n; i++)
		m->by_key[i] = (uint32_t)i;
	sort_in_place(m->by_key, m->n, sizeof *m->by_key, by_result_key, m->res);
}

/* The position of a result for (bin, test), or -1. */
static long find_result(struct merge *m, const char *bin, const char *test)
{
	size_t lo = 0, hi = m->n;

	sort_results(m);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct test *t = m->res[m->by_key[mid]].test;
		int c = key_cmp(bin, test, t->bin->id, t->name);

		if (!c)
			return (long)m->by_key[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
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

	history_write_entry(b, r->test->bin->id, r->test->name, r->test->bin->suite->name, e,
		    (double)r->duration / (double)NS_PER_SEC, result_name(r, name), run_id);
}

/* Result i's line, from `e` (its entry before this run; NULL: none). */
static void merge_result(struct merge *m, size_t i, const struct test_history *e, struct buf *out,
			 struct gz_writer *w)
{
	struct test_history h;

	memset(&h, 0, sizeof h);
	if (e)
		h = *e;
	history_add_outcome(&h, m->res[i].outcome, m->res[i].duration);
	buf_reset(out);
	write_result(out, &m->res[i], &h, m->run_id);
	gz_write(w, out->data, out->len);
	m->merged[i] = true;
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
 * For a merge from what was read (`loaded`, the very file): which result
 * each entry has, 1-based (0: none).  A second result for one test is
 * taken as merged: the first stands.
 */
static uint32_t *results_of_entries(struct merge *m, const struct history_stamp *loaded)
{
	uint32_t *of = xcalloc(loaded->nentries + 1, sizeof *of);
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct test_history *e = m->res[i].test->history;
		size_t k;

		if (!m->res[i].looked_up || !e || e < loaded->entries ||
		    e >= loaded->entries + loaded->nentries)
			continue;
		k = (size_t)(e - loaded->entries);
		if (of[k])
			m->merged[i] = true;
		else
			of[k] = (uint32_t)i + 1;
	}
	return of;
}

/*
 * Copies the old file through, each line updated if this run finished its
 * test.  When the file is the one the run read at its start (`loaded`),
 * the lines its entries came from are known by number: a result's line is
 * rewritten from its entry and a line of a test the run did not finish is
 * copied unread, with no lookup; other lines are looked up by key and
 * parsed only if a result of a test the run did not look up (a case) may
 * be theirs.
 */
static int merge_old(struct gz_reader *r, struct gz_writer *w, const struct history_stamp *loaded,
		     struct merge *m, struct buf *err)
{
	struct buf line = BUF_INIT, out = BUF_INIT, why = BUF_INIT, space = BUF_INIT;
	struct buf names[2] = { BUF_INIT, BUF_INIT };
	uint32_t *of = loaded ? results_of_entries(m, loaded) : NULL;
	size_t dropped = 0, lineno = 0, next = 0;
	int got;

	while ((got = gz_getline(r, &line, MAX_LINE, &why)) > 0) {
		struct jvalue *v;
		struct test_history e;
		double last;
		struct result_key key;
		const char *bin, *test;
		long i;
		size_t at = lineno++;

		if (loaded && next < loaded->nentries && loaded->lines[next] == at) {
			size_t k = next++;

			if (of[k]) {
				merge_result(m, of[k] - 1, &loaded->entries[k], &out, w);
			} else {
				buf_addc(&line, '\n');
				gz_write(w, line.data, line.len);
			}
			continue;
		}
		if (loaded && line_keys(&line, &key, &space)) {
			i = find_result(m, key.bin, key.test);
			if (i < 0) {
				buf_addc(&line, '\n');
				gz_write(w, line.data, line.len);
				continue;
			}
			/* Another line of a test whose entry came from its first one: it goes. */
			if (m->res[i].looked_up)
				continue;
		}
		v = jvalue_parse(line.data, line.len, NULL);
		if (!v || !parse_entry(v, &bin, &test, &e, &last, names)) {
			dropped++;
		} else if ((i = find_result(m, bin, test)) >= 0 && !m->merged[i]) {
			/* Its suite is the one it ran in now, as a line rewritten from memory says. */
			merge_result(m, (size_t)i, &e, &out, w);
		} else if (i < 0) {
			buf_addc(&line, '\n');
			gz_write(w, line.data, line.len);
		}
		/* else: a second line for a test already merged is dropped. */
		jvalue_free(v);
	}
	if (damaged(r, got, &why))
		buf_add(err, why.data, why.len);
	else if (dropped)
		buf_printf(err, "%zu unreadable line%s of the history dropped", dropped,
			   dropped == 1 ? "" : "s");
	free(of);
	buf_free(&line);
	buf_free(&out);
	buf_free(&space);
	buf_free(&names[0]);
	buf_free(&names[1]);
	got = why.len ? -1 : 0;
	buf_free(&why);
	return got;
}

/* Results with no line yet, in key order (a test's second result goes). */
static void merge_new(struct merge *m, struct gz_writer *w)
{
	struct buf out = BUF_INIT;
	size_t i, left = 0;

	for (i = 0; i < m->n; i++)
		left += !m->merged[i];
	if (!left)
		return;
	sort_results(m);
	for (i = 0; i < m->n; i++) {
		uint32_t k = m->by_key[i];

		if (m->merged[k] || (i && !by_result_key(&m->by_key[i], &m->by_key[i - 1], m->res)))
			continue;
		merge_result(m, k, NULL, &out, w);
	}
	buf_free(&out);
}

/*
 * The temporary file a new history is written to, next to it: created
 * (O_EXCL, O_NOFOLLOW), never a file or link found there, which another
 * name is tried beside.  An fd and *tmp (malloc'd), or -1 with *err.
 */
int history_create_temporary(const char *path, char **tmp, struct buf *err)
{
	unsigned i;
	int fd = -1;

	for (i = 0; i < 100 && fd < 0; i++) {
		*tmp = i ? xasprintf("%s.tmp.%ld.%u", path, (long)getpid(), i)
			: xasprintf("%s.tmp.%ld", path, (long)getpid());
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && (errno != EEXIST || i == 99)) {
			buf_printf(err, "cannot write %s: %s", *tmp, strerror(errno));
			free(*tmp);
			*tmp = NULL;
			return -1;
		}
		if (fd < 0)
			free(*tmp);
	}
	return fd;
}

int history_merge(const char *path, const struct history_stamp *loaded, const char *run_id,
		  struct history_result *results, size_t n, struct buf *err)
{
	struct merge m = { results, n, NULL, xcalloc(n + 1, sizeof *m.merged), run_id };
	struct buf why = BUF_INIT;
	struct history_stamp now;
	struct gz_reader *r;
	struct gz_writer *w;
	char *tmp;
	bool missing;
	int fd, rc = 0;

	if (n > UINT32_MAX - 1)
		die("more than %u results", (unsigned)UINT32_MAX - 1);
	if ((fd = history_create_temporary(path, &tmp, err)) < 0) {
		free(m.merged);
		return -1;
	}
	/* Rewritten at the end of every run, while the run waits: the fastest level. */
	w = gz_writer_open(fd, 1);
	if ((r = open_history(path, &missing, &now, &why)) &&
	    merge_old(r, w, same_stamp(loaded, &now) && loaded->lines ? loaded : NULL, &m, &why))
		rc = 1;
	else if (!r && !missing)
		rc = 1;     /* unreadable, or a link: damaged */
	gz_reader_close(r);
	if (rc) {
		buf_printf(err, "%s: %s", path, why.data);
		(void)gz_writer_close(w, false);
		if (unlink(tmp))
			buf_printf(err, "; cannot remove %s: %s", tmp, strerror(errno));
	} else {
		merge_new(&m, w);
		if (why.len)
			buf_printf(err, "%s", why.data);
		rc = history_install(w, tmp, path, err);
	}
	free(m.by_key);
	free(m.merged);
	free(tmp);
	buf_free(&why);
	return rc;
}

int history_install(struct gz_writer *w, const char *tmp, const char *path, struct buf *err)
{
	if (gz_writer_close(w, true) || rename(tmp, path)) {
		if (err->len)
			buf_adds(err, "; ");
		buf_printf(err, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- testrig history ----------------------------------------------------- */

static void print_entry(const struct jvalue *v, const char *bin, const char *test,
			const struct test_history *e, bool json, struct buf *out)
{
	const char *suite = jvalue_str(v, "suite"), *last = jvalue_str(v, "last_result");
	const char *run = jvalue_str(v, "last_run");
	size_t n = strlen(e->recent);
	double last_duration = 0;

	if (json) {
		(void)jvalue_num(v, "last_duration", &last_duration);
		history_write_entry(out, bin, test, suite ? suite : "", e, last_duration, last ? last : "",
			    run ? run : "");
		return;
	}
	buf_printf(out, "%-10s %3zu %4u %5u ", last ? last : "?", n, count(e->recent, 'F'),
		   count(e->recent, 'K'));
	format_seconds_aligned(out, e->mean_duration < 9e9 ? (int64_t)(e->mean_duration * 1e9)
			       : INT64_MAX, 10);
	buf_adds(out, "s  ");
	human_escapes(out, bin);
	buf_addc(out, ' ');
	human_escapes(out, test);
	buf_addc(out, '\n');
}

int history_print(const char *path, struct filter *const *filters, size_t nfilters, bool json,
		  struct buf *out, struct buf *err)
{
	struct buf line = BUF_INIT, why = BUF_INIT, names[2] = { BUF_INIT, BUF_INIT };
	struct gz_reader *r;
	bool missing;
	size_t i;
	int got;

	if (!(r = open_history(path, &missing, NULL, err))) {
		if (missing)
			buf_printf(err, "no history yet in %s (a recorded run makes one)", path);
		return missing ? -1 : 1;
	}
	if (!json)
		buf_adds(out, "last       runs fail flaky   mean time  test\n");
	while ((got = gz_getline(r, &line, MAX_LINE, &why)) > 0) {
		struct jvalue *v = jvalue_parse(line.data, line.len, NULL);
		struct test_history e;
		double last;
		const char *bin, *test;

		if (v && parse_entry(v, &bin, &test, &e, &last, names)) {
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
	got = damaged(r, got, &why) ? 1 : 0;
	if (got)
		buf_printf(err, "%s: %s", path, why.data);
	gz_reader_close(r);
	buf_free(&line);
	buf_free(&why);
	buf_free(&names[0]);
	buf_free(&names[1]);
	return got;
}

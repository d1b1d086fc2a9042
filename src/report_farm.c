/*
 * report_farm.c - the reports board farms read (SPEC section 12): LAVA's
 * test-case signals, one line per finished test, and Yocto's ptest log,
 * one block per binary once all its tests finished and a total at the
 * end.  Each line (LAVA) or block (ptest) goes out in one write(2), so no
 * other writer to the same file can split it.  A TAP script's points each
 * add a result of their own, named `script.N`, after the script's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/list.h"
#include "testrig/report.h"
#include "testrig/tap.h"
#include "testrig/text.h"
#include "testrig/util.h"

struct farm {
	struct reporter base;
	struct farm_options opt;
	int write_errno;            /* the first failed write, or 0 */
	/* ptest: per binary (list->bins order) */
	size_t *left;               /* selected tests not finished yet */
	struct buf *blocks;         /* their lines so far */
	int64_t *first_start, *last_end;
	size_t total, failed;
};

static void put(struct farm *f, const struct buf *b)
{
	if (write_all(f->opt.fd, b->data, b->len) && !f->write_errno)
		f->write_errno = errno ? errno : EIO;
}

static bool cancelled(const struct test_outcome *o)
{
	return o->final->cancelled && o->outcome != OUT_PASSED && o->outcome != OUT_SKIPPED;
}

/* ---- LAVA -------------------------------------------------------------------- */

/* binary-id.test-name, every byte outside [A-Za-z0-9._-] made '_'. */
static void lava_id(const struct test *t, struct buf *b)
{
	struct buf raw = BUF_INIT;

	buf_printf(&raw, "%s.%s", t->bin->id, t->name);
	for (size_t i = 0; i < raw.len; i++) {
		unsigned char c = (unsigned char)raw.data[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

		buf_addc(b, plain ? (char)c : '_');
	}
	buf_free(&raw);
}

/* What a TAP point counts as: as JUnit has it (TODO passes, ok # SKIP skips). */
enum point_result { POINT_PASS, POINT_FAIL, POINT_SKIP };

static enum point_result point_result(const struct tap_point *p)
{
	if (p->directive == TAP_TODO)
		return POINT_PASS;
	if (!p->ok)
		return POINT_FAIL;
	return p->directive == TAP_SKIP ? POINT_SKIP : POINT_PASS;
}

static void lava_line(struct farm *f, const struct test *t, const char *result,
		      const struct tap_point *p, int64_t duration)
{
	struct buf line = BUF_INIT;

	buf_adds(&line, "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=");
	lava_id(t, &line);
	if (p)
		buf_printf(&line, ".%u", p->number);
	buf_printf(&line, " RESULT=%s", result);
	/* A point has no time of its own: no measurement rather than a made-up 0. */
	if (!p) {
		buf_adds(&line, " UNITS=seconds MEASUREMENT=");
		format_seconds(&line, duration);
	}
	buf_adds(&line, ">\n");
	put(f, &line);
	buf_free(&line);
}

static void lava_finished(struct reporter *r, const struct test_outcome *o)
{
	static const char *const point_names[] = { "pass", "fail", "skip" };
	struct farm *f = (struct farm *)r;
	struct tap_points_reader rd;
	const struct tap_point *p;
	const char *result;

	switch (o->outcome) {
	case OUT_PASSED: result = "pass"; break;
	case OUT_SKIPPED: result = "skip"; break;
	default: result = "fail"; break;
	}
	/* A test the run stopped (a signal, max-fail) did not fail on its own. */
	if (cancelled(o))
		result = "unknown";
	lava_line(f, o->test, result, NULL, o->duration);
	if (!o->final->tap)
		return;
	tap_points_begin(&rd, o->final->tap->points);
	while ((p = tap_points_next(&rd)))
		lava_line(f, o->test, point_names[point_result(p)], p, 0);
	tap_points_end(&rd);
}

/* ---- ptest ------------------------------------------------------------------- */

/* The binary of a test: binaries hold contiguous runs of the list's tests. */
static size_t bin_index(const struct farm *f, const struct test *t)
{
	const struct test_list *l = f->opt.list;
	size_t at, lo = 0, hi = l->nbins;

	/* A case a binary in isolation = binary ran is not in the list's array. */
	if ((uintptr_t)t < (uintptr_t)l->tests ||
	    (uintptr_t)t >= (uintptr_t)(l->tests + l->ntests)) {
		for (lo = 0; lo + 1 < l->nbins && l->bins[lo] != t->bin; lo++)
			;
		return lo;
	}
	at = (size_t)(t - l->tests);
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->bins[mid]->first <= at)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* A test name on one line, nothing in it acting on a terminal (text.h). */
static void one_line(struct buf *b, const char *s)
{
	controls_escapes(b, s);
}

/*
 * BEGIN: testrig/BINARY-ID/ptest: Yocto's PtestParser takes a section's
 * name only from a BEGIN (and END) line of the form PREFIX/NAME/ptest.
 */
static void ptest_marker(struct buf *out, const char *what, const struct binary *b)
{
	buf_printf(out, "%s: testrig/", what);
	one_line(out, b->id);
	buf_adds(out, "/ptest\n");
}

static void ptest_block(struct farm *f, size_t i)
{
	struct buf out = BUF_INIT;
	const struct binary *b = f->opt.list->bins[i];
	int64_t span = f->last_end[i] - f->first_start[i];

	ptest_marker(&out, "BEGIN", b);
	buf_add(&out, f->blocks[i].data, f->blocks[i].len);
	/* Whole seconds, as ptest-runner writes them. */
	buf_printf(&out, "DURATION: %lld\n", (long long)((span > 0 ? span : 0) / 1000000000));
	ptest_marker(&out, "END", b);
	put(f, &out);
	buf_free(&out);
	buf_free(&f->blocks[i]);
}

/* One result line of a block: PASS/FAIL/SKIP, the name, for a point ".N". */
static void ptest_result(struct farm *f, struct buf *b, enum point_result res,
			 const struct test *t, const struct tap_point *p)
{
	static const char *const words[] = { "PASS: ", "FAIL: ", "SKIP: " };

	buf_adds(b, words[res]);
	one_line(b, t->name);
	if (p)
		buf_printf(b, ".%u", p->number);
	buf_addc(b, '\n');
	f->total++;
	f->failed += res == POINT_FAIL;
}

static void ptest_finished(struct reporter *r, const struct test_outcome *o)
{
	struct farm *f = (struct farm *)r;
	size_t i = bin_index(f, o->test);
	struct buf *b = &f->blocks[i];
	int64_t start = o->final->start_wall, end = start + o->duration;
	struct tap_points_reader rd;
	const struct tap_point *p;

	if (!f->first_start[i] || start < f->first_start[i])
		f->first_start[i] = start;
	if (end > f->last_end[i])
		f->last_end[i] = end;
	ptest_result(f, b, o->outcome == OUT_PASSED ? POINT_PASS
		     : o->outcome == OUT_SKIPPED ? POINT_SKIP : POINT_FAIL, o->test, NULL);
	if (o->final->tap) {
		tap_points_begin(&rd, o->final->tap->points);
		while ((p = tap_points_next(&rd)))
			ptest_result(f, b, point_result(p), o->test, p);
		tap_points_end(&rd);
	}
	if (f->left[i] && --f->left[i] == 0)
		ptest_block(f, i);
}

static void ptest_run_finished(struct reporter *r, const struct run_summary *s)
{
	struct farm *f = (struct farm *)r;
	struct buf out = BUF_INIT;
	size_t i;

	(void)s;
	/* Binaries some of whose tests never ran (a cancelled run): what did run. */
	for (i = 0; i < f->opt.list->nbins; i++)
		if (f->blocks[i].len)
			ptest_block(f, i);
	buf_printf(&out, "TOTAL: %zu FAIL: %zu\n", f->total, f->failed);
	put(f, &out);
	buf_free(&out);
}

/* ---- both -------------------------------------------------------------------- */

static int farm_close(struct reporter *r)
{
	struct farm *f = (struct farm *)r;

	if (!f->write_errno)
		return 0;
	errorx_(f->opt.err, "writing the %s report to standard output: %s",
		f->opt.ptest ? "ptest" : "LAVA", strerror(f->write_errno));
	f->write_errno = 0;
	return -1;
}

static void farm_free(struct reporter *r)
{
	struct farm *f = (struct farm *)r;

	if (f->blocks)
		for (size_t i = 0; i < f->opt.list->nbins; i++)
			buf_free(&f->blocks[i]);
	free(f->blocks);
	free(f->left);
	free(f->first_start);
	free(f->last_end);
	free(f);
}

static const struct reporter_ops lava_ops = {
	.test_finished = lava_finished,
	.close = farm_close,
	.free = farm_free,
};

static const struct reporter_ops ptest_ops = {
	.test_finished = ptest_finished,
	.run_finished = ptest_run_finished,
	.close = farm_close,
	.free = farm_free,
};

struct reporter *report_farm_new(const struct farm_options *opt)
{
	struct farm *f = xcalloc(1, sizeof *f);
	const struct test_list *l = opt->list;
	size_t i;

	f->base.ops = opt->ptest ? &ptest_ops : &lava_ops;
	f->opt = *opt;
	if (opt->ptest) {
		f->left = xcalloc(l->nbins + 1, sizeof *f->left);
		f->blocks = xcalloc(l->nbins + 1, sizeof *f->blocks);
		for (i = 0; i < l->nbins; i++)
			buf_init(&f->blocks[i]);
		f->first_start = xcalloc(l->nbins + 1, sizeof *f->first_start);
		f->last_end = xcalloc(l->nbins + 1, sizeof *f->last_end);
		for (i = 0; i < l->nbins; i++)
			for (size_t j = l->bins[i]->first; j < l->bins[i]->first + l->bins[i]->count; j++)
				/* (a binary not listed: its block ends with the run) */
				f->left[i] += l->tests[j].selected && !l->tests[j].whole;
	}
	return &f->base;
}

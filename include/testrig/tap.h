/*
 * tap.h - a streaming reader of TAP (versions 12, 13 and 14) as a test
 * producer writes it: fed the bytes of its stdout as they arrive, it keeps
 * the counts, every top-level test point (number, description, directive:
 * bounded in length, and past a few thousand moved to a temporary file, so
 * memory grows with neither the output nor the points) and the text that
 * explains a failure.  It decides what the stream says; the exit status is
 * the caller's to combine.
 */
#ifndef TESTRIG_TAP_H
#define TESTRIG_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testrig/buf.h"

struct tap;
struct tap_points;

enum tap_directive { TAP_NO_DIRECTIVE, TAP_SKIP, TAP_TODO };

/* One top-level "ok" / "not ok" line. */
struct tap_point {
	unsigned number;         /* its own number, or its position when it has none */
	const char *description; /* as written (with a "- "), made printable; may be "" */
	bool ok;
	enum tap_directive directive;
	const char *reason;      /* the directive's explanation; may be "" */
	bool out_of_order;       /* numbered other than its position */
	bool after_late_plan;    /* came after a plan that itself came after points */
};

struct tap_summary {
	bool has_plan;
	unsigned planned;        /* N of the plan 1..N */
	bool skip_all;           /* the plan was 1..0 (with or without # SKIP) */
	unsigned ran;            /* test points seen (ok / not ok) at the top level */
	unsigned failed;         /* not ok without # TODO */
	unsigned todo;           /* not ok # TODO (does not fail) */
	unsigned skipped;        /* ok # SKIP */
	bool bailed_out;
	bool stream_ok;          /* the stream alone says pass: no failure, plan kept, no bail out */
	char *detail;            /* malloc'd: one line per problem, e.g. "not ok 3 - frobs",
				  * "Bail out! no database", "planned 5 tests but 4 ran",
				  * "no plan", or NULL when there is nothing to say */
	struct tap_points *points;  /* every top-level point, in order (see tap_points_next) */
	size_t npoints;
	char *skip_reason;       /* "1..0 # SKIP reason": the reason ("" for none), or NULL */
	char *bail_reason;       /* after "Bail out!": its reason ("" for none), or NULL */
	bool plan_late;          /* the plan came after the points */
	bool plan_twice;
	size_t plan_twice_at;    /* ... after this many points */
};

struct tap *tap_new(void);
void tap_feed(struct tap *t, const char *data, size_t len);
/* Ends the stream (a last line without newline counts) and fills *out. */
void tap_finish(struct tap *t, struct tap_summary *out);
void tap_free(struct tap *t);
/* What a point is called: its description without "- ", "\\#" unescaped. */
void tap_point_name(const struct tap_point *p, struct buf *out);
void tap_summary_free(struct tap_summary *s);
/* The points' counts a report shows: passed (not TODO), failed, skipped, TODO. */
void tap_point_counts(const struct tap_summary *s, unsigned *pass, unsigned *fail,
		      unsigned *skip, unsigned *todo, unsigned *todo_passed);

/*
 * A script's points (tap_points.c): added in order, each copied; past a
 * bound (some 64 KiB of them) they go to an unlinked temporary file, and
 * are read back one at a time, as often as needed.
 */
struct tap_points *tap_points_new(void);
void tap_points_add(struct tap_points *ps, const struct tap_point *p);
size_t tap_points_count(const struct tap_points *ps);    /* 0 for NULL */
void tap_points_free(struct tap_points *ps);             /* NULL is fine */

/* Reads the points from the first; readers do not disturb each other. */
struct tap_points_reader {
	const struct tap_points *ps;
	uint64_t at;             /* where the window ends in the points' bytes */
	struct buf window;       /* bytes read, from the next point's on (pos) */
	size_t pos;
	struct tap_point point;  /* the one tap_points_next handed out */
	bool done;
	bool failed;             /* the temporary file could not be read back whole */
	int error;               /* ... why (errno) */
};

void tap_points_begin(struct tap_points_reader *r, const struct tap_points *ps);  /* ps may be NULL */
/* The next point (its strings valid until the next call), or NULL at the end or on failure. */
const struct tap_point *tap_points_next(struct tap_points_reader *r);
void tap_points_end(struct tap_points_reader *r);

#endif

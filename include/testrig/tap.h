/*
 * tap.h - a streaming reader of TAP (versions 12, 13 and 14) as a test
 * producer writes it: fed the bytes of its stdout as they arrive, it keeps
 * only counts and the failing points, so memory does not grow with the
 * output.  It decides what the stream says; the exit status is the caller's
 * to combine (see tap_verdict).
 */
#ifndef TESTRIG_TAP_H
#define TESTRIG_TAP_H

#include <stdbool.h>
#include <stddef.h>

struct tap;

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
};

struct tap *tap_new(void);
void tap_feed(struct tap *t, const char *data, size_t len);
/* Ends the stream (a last line without newline counts) and fills *out. */
void tap_finish(struct tap *t, struct tap_summary *out);
void tap_free(struct tap *t);
void tap_summary_free(struct tap_summary *s);

#endif

/*
 * fuzz_cases.c - libFuzzer target for isolation = binary's reader (cases.c):
 * the first input byte picks gtest or libtest, the chunk size the output is
 * fed in, how the process ends and whether the run is cancelled half way;
 * the rest is the process's output.  Any bytes must give cases without a
 * fault, and: every case that started ends exactly once by the process's
 * end, ends only once started, has a non-empty name without a newline; a
 * case never started after the run was stopped; the cases' output and what
 * is left to the process add up to no more than was fed; and the next
 * process's command leaves out every case seen.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/cases.h"
#include "testrig/events.h"
#include "testrig/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct evq q;
static int q_ready;

/* Takes the queued events: started names into `open`, checking each end against them. */
static void drain(struct strvec *open, size_t *ended, uint64_t *bytes, int stopped_before,
		  size_t *started_after_stop)
{
	struct event *e;
	size_t i;

	while ((e = evq_try_pop(&q))) {
		if (e->type == EV_NEWS && e->news == CASE_STARTED) {
			if (!e->text[0] || strchr(e->text, '\n'))
				abort();
			if (stopped_before)
				(*started_after_stop)++;
			strvec_push(open, e->text);
		} else if (e->type == EV_NEWS && e->news == CASE_FINISHED) {
			for (i = 0; i < open->n && strcmp(open->v[i], e->text) != 0; i++)
				;
			if (i == open->n)
				abort();        /* ended, never started (or ended twice) */
			/* not again */
			strvec_replace(open, i, xstrdup(""));
			(*ended)++;
			*bytes += e->result->out.total;
		}
		event_free(e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct case_plan plan;
	struct unit_job job;
	struct case_reader *r;
	struct attempt *a;
	struct strvec open = STRVEC_INIT;
	size_t chunk, i, ended = 0, started = 0, after_stop = 0, seen = 0;
	uint64_t bytes = 0;
	uint8_t how;
	const char *out;
	size_t n;
	bool timed_out;

	if (size < 2)
		return 0;
	if (!q_ready) {
		if (evq_init(&q))
			abort();
		q_ready = 1;
	}
	memset(&plan, 0, sizeof plan);
	plan.protocol = data[0] & 1 ? PROTO_LIBTEST : PROTO_GTEST;
	plan.stop_after = (data[0] >> 1) & 1;
	chunk = 1 + ((data[0] >> 2) & 15) * 5;
	how = data[1];
	out = (const char *)data + 2;
	n = size - 2;
	strvec_push(&plan.prefix, "bin/fuzz");
	memset(&job, 0, sizeof job);
	r = case_reader_new(&plan, &job, &job.argv, &job.env, &q, 4096);
	case_reader_command(r);
	case_reader_process_start(r, 1);
	for (i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;
		int stop = (how & 16) && i >= n / 2;

		/* Cancelled half way when the second byte says so: no case may start after. */
		if (stop)
			case_reader_stop(r);
		case_reader_feed(r, out + i, k, (int64_t)i);
		drain(&open, &ended, &bytes, stop, &after_stop);
	}
	a = attempt_new(1, 4096);
	timed_out = how & 1;
	a->signo = how & 2 ? 6 : 0;
	a->exit_code = a->signo || timed_out ? -1 : how >> 5;
	a->verdict = timed_out ? V_TIMEOUT : a->signo ? V_SIGNAL : a->exit_code ? V_FAIL : V_PASS;
	case_reader_process_end(r, a, timed_out, (int64_t)n);
	drain(&open, &ended, &bytes, 0, &after_stop);
	if (after_stop)
		abort();
	for (i = 0; i < open.n; i++)
		started++;
	/* Every case that started has ended. */
	for (i = 0; i < open.n; i++)
		if (open.v[i][0])
			abort();
	if (ended != started)
		abort();
	/* Nothing was made up: cases' output and the process's is what was fed (less what was cut). */
	if (bytes + a->out.total > n)
		abort();
	/* The next command leaves out every case seen. */
	case_reader_command(r);
	for (i = 0; i < job.argv.n; i++) {
		if (strcmp(job.argv.v[i], "--skip") == 0) {
			seen++;
			i++;        /* its name (which may be "--skip" too) */
		}
	}
	if (plan.protocol == PROTO_LIBTEST && seen != started)
		abort();
	if (plan.protocol == PROTO_GTEST && started &&
	    (job.argv.n < 2 || strncmp(job.argv.v[1], "--gtest_filter=-", 16) != 0))
		abort();
	attempt_free(a);
	case_reader_free(r);
	unit_job_release(&job);
	strvec_free(&open);
	case_plan_free(&plan);
	return 0;
}

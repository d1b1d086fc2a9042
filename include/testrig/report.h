/*
 * report.h - what the dispatcher tells reporters, and the reporter
 * interface.  Reporters (human, JUnit, JSON) consume these calls only: they
 * never see workers, threads or the event queue, and every call comes from
 * the dispatcher thread.
 */
#ifndef TESTRIG_REPORT_H
#define TESTRIG_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "testrig/settings.h"

struct binary;
struct test;
struct attempt;

struct run_info {
	const char *run_id;
	const char *profile;
	unsigned threads;
	bool jobserver;             /* make's tokens decide how many of the threads run */
	unsigned make_jobs;         /* and make's -j N, if MAKEFLAGS says it (else 0) */
	size_t scheduled;           /* tests that will be run */
	size_t filtered_out;        /* tests not selected (counted as skipped) */
	size_t binaries;            /* of the scheduled, binaries in isolation = binary not
				     * listed: their cases are counted as they run */
	int64_t start_wall;
};

/* How a finished test counts in the summary. */
enum outcome {
	OUT_PASSED,     /* PASS (possibly flaky, leaky or slow) */
	OUT_SKIPPED,    /* it reported a skip */
	OUT_FAILED,     /* FAIL, ERROR, a signal, LEAK-FAIL, or flaky with flaky-result = fail */
	OUT_EXEC_FAILED,
	OUT_TIMED_OUT,
};

/* "passed", "skipped", "failed", "exec-failed", "timed-out" (JSON's counted_as). */
const char *outcome_name(enum outcome o);
/* The outcome a name means; false for any other name. */
bool outcome_parse(const char *name, enum outcome *o);

/* A test's record in the store's history, this run included (SPEC section 10). */
struct history_counts {
	unsigned runs;          /* recorded runs, at most the last 20 */
	unsigned failures;      /* of those, how many failed */
	unsigned flaky;         /* and how many were flaky */
};

struct test_outcome {
	const struct test *test;
	const struct attempt *final;     /* the attempt that decided the result */
	struct attempt *const *retried;  /* the failed attempts before it, oldest first */
	unsigned nretried;
	unsigned attempts;               /* attempts run (nretried + 1) */
	unsigned max_attempts;           /* attempts it was allowed (retries + 1) */
	enum outcome outcome;
	bool flaky;                      /* failed at first, passed on a retry */
	int64_t duration;                /* of the final attempt */
	bool history_known;              /* the run keeps a history: `history` is set */
	struct history_counts history;
};

struct run_counts {
	size_t scheduled;       /* tests the run meant to start */
	size_t started;
	size_t finished;
	size_t passed, flaky, leaky, slow;
	size_t failed, exec_failed, timed_out;
	size_t skipped;         /* filtered out + reported skips */
	size_t not_run;         /* cancelled before they started */
};

struct buf;
struct jvalue;

/*
 * The counts as a JSON object ({"scheduled":3,...}): every one, or with
 * `listed_only` those `testrig runs` shows.  One table for every writer and
 * reader (report.c).
 */
void run_counts_json(struct buf *b, const struct run_counts *c, bool listed_only);
/* The same counts read back from such an object (a missing one, or obj NULL: 0). */
void run_counts_from_json(struct run_counts *c, const struct jvalue *obj, bool listed_only);

struct run_summary {
	struct run_counts counts;
	int64_t duration;
	bool cancelled;
	const char *cancel_reason;  /* "fail-fast", "signal", "setup-script", "resources" */
	const char *cancel_detail;  /* a sentence for people: "interrupted by SIGINT" */
	int cancel_signal;          /* with "signal" */
	size_t scripts_failed;      /* setup scripts and teardowns that failed */
	int exit_code;              /* as the tests and scripts decide it (a report
				     * that cannot be written may still make it 110) */
};

/* A setup script or teardown that finished. */
struct script_outcome {
	const char *name;
	const char *command;
	bool teardown;
	bool ok;
	const struct attempt *attempt;
	const char *error;          /* a problem with its TESTRIG_ENV file, or NULL */
};

/* Live state for a progress line. */
struct run_progress {
	int64_t elapsed;
	size_t finished, scheduled, running;
	size_t failed;
};

/* One running unit, as an info query shows it. */
struct unit_info {
	const char *name;       /* display name of the test or script */
	const char *state;
	pid_t pid;
	unsigned attempt;
	int64_t elapsed;
	const char *output_tail;
};

struct reporter;

struct reporter_ops {
	void (*run_started)(struct reporter *r, const struct run_info *info);
	void (*script_started)(struct reporter *r, const char *name, const char *command,
			       bool teardown);
	void (*script_slow)(struct reporter *r, const char *name, bool teardown,
			    int64_t elapsed, bool terminating);
	void (*script_finished)(struct reporter *r, const struct script_outcome *o);
	void (*test_started)(struct reporter *r, const struct test *t, unsigned attempt);
	void (*test_slow)(struct reporter *r, const struct test *t, unsigned attempt,
			  int64_t elapsed, bool terminating);
	void (*test_retry)(struct reporter *r, const struct test *t,
			   const struct attempt *failed, int64_t delay);
	void (*test_finished)(struct reporter *r, const struct test_outcome *o);
	/*
	 * isolation = binary: a process of `bin` that passed, with what it
	 * printed outside its cases (`a->out`); a failing one is `(process)`.
	 */
	void (*binary_output)(struct reporter *r, const struct binary *bin,
			      const struct attempt *a);
	void (*info)(struct reporter *r, const struct unit_info *units, size_t n);
	void (*progress)(struct reporter *r, const struct run_progress *p);
	void (*message)(struct reporter *r, const char *text);  /* a run-level note */
	void (*run_finished)(struct reporter *r, const struct run_summary *s);
	/* Pushes buffered output out; -1 if it could not be written. */
	int (*flush)(struct reporter *r);
	/* Final write (files are renamed into place here); -1 on failure. */
	int (*close)(struct reporter *r);
	void (*free)(struct reporter *r);
};

struct reporter {
	const struct reporter_ops *ops;
};

/* The reporters of a run, called together (engine_reports hands them out). */
struct report_set {
	struct reporter **v;
	size_t n;
};

/* Calls `method` of every reporter in the set that has it. */
#define REPORT(set, method, ...) do { \
	const struct report_set *rs_ = (set); \
	for (size_t ri_ = 0; ri_ < rs_->n; ri_++) \
		if (rs_->v[ri_]->ops->method) \
			rs_->v[ri_]->ops->method(rs_->v[ri_], __VA_ARGS__); \
} while (0)

/* The human report: status lines and summary to `out`, progress to `err`. */
struct human_options {
	FILE *out;
	FILE *err;
	bool color;
	bool progress;          /* err is a terminal */
	const struct settings *settings;  /* status levels and output modes */
	unsigned show_slowest;            /* list the N slowest tests at the end */
	bool quote_output;                /* lava, ptest: tests' output as "| " lines */
};
struct reporter *report_human_new(const struct human_options *opt);

/*
 * JUnit XML, written when the run ends to a temporary file beside `path`
 * and renamed into place (close returns -1, after saying why on stderr, when
 * that fails).
 */
struct junit_options {
	const char *path;
	bool success_output;              /* keep passing tests' output too */
	FILE *err;                        /* where to say what went wrong */
};
struct reporter *report_junit_new(const struct junit_options *opt);

/*
 * JSON lines, one object per event, on `out` (see testrig(1)); or, with
 * `gz`, a run record: every event with every attempt's output and the
 * fields a replay needs (see testrig(1), RUN RECORDS).
 */
struct gz_writer;
struct json_options {
	FILE *out;
	const struct settings *settings;  /* success-output/failure-output: include output? */
	struct gz_writer *gz;             /* a record: written here instead (not closed) */
};
struct reporter *report_json_new(const struct json_options *opt);
/* One TAP point as JSON "points" lists it, appended to b (scratch: room for its name). */
struct tap_point;
void report_json_point(struct buf *b, const struct tap_point *p, struct buf *scratch);

/*
 * Board farms: LAVA test-case signals, or Yocto ptest blocks per binary
 * (`list` tells how many selected tests each binary has), written to fd.
 */
struct test_list;
struct farm_options {
	int fd;
	FILE *err;                        /* where to say a write failed */
	const struct test_list *list;
	bool ptest;                       /* ptest, else LAVA */
};
struct reporter *report_farm_new(const struct farm_options *opt);

#endif

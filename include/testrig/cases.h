/*
 * cases.h - isolation = binary on the worker's side (SPEC section 3): a
 * gtest or libtest binary runs as one process, and its output, read as it
 * streams, is cut into cases, each with its own verdict, duration and
 * output.  When the process times out or dies inside a case, the cases not
 * yet seen go on in a new process that leaves out every case already seen.
 * The reader posts EV_NEWS events (enum case_news below);
 * it never prints and knows nothing of reports or scheduling.
 */
#ifndef TESTRIG_CASES_H
#define TESTRIG_CASES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/list.h"

struct evq;
struct unit_job;

/* What the dispatcher decided a binary's process runs (read-only on the worker). */
struct case_plan {
	enum protocol protocol;     /* PROTO_GTEST or PROTO_LIBTEST */
	struct strvec prefix;       /* target runner, binary and the binary's own words */
	struct strvec suffix;       /* the suite's args */
	struct strvec include;      /* the cases to run (from a listing), or none: all */
	bool also_ignored;          /* run disabled/ignored cases too */
	unsigned shards, shard;     /* gtest's own sharding when shards > 1 (shard from 0) */
	unsigned stop_after;        /* fail-fast: no case starts after this many failed (0: never) */
};

void case_plan_free(struct case_plan *p);

/*
 * What a case reader tells its job's kind (EV_NEWS, events.h; `news`):
 * the binary announced its cases (count: all its processes' so far), a case
 * started (text: its name; elapsed), a case ended (text; result).
 */
enum case_news {
	CASES_ANNOUNCED = 1,
	CASE_STARTED,
	CASE_FINISHED,
};

struct case_reader;

/*
 * A reader for the job's processes: their commands go to argv and env (the
 * job's), events carry `job` (not looked into).
 */
struct case_reader *case_reader_new(const struct case_plan *plan, struct unit_job *job,
				    struct strvec *argv, struct strvec *env, struct evq *q,
				    uint64_t output_limit);
void case_reader_free(struct case_reader *r);
/*
 * The command of the next process into argv and its sharding into env:
 * the plan's cases, less every case already seen.
 */
void case_reader_command(struct case_reader *r);
/* A process started (pid), or could not be started (pid < 0). */
void case_reader_process_start(struct case_reader *r, pid_t pid);
/*
 * Output of the process (both streams); `el` is the process's stopwatch.
 * True when a case started or ended: the slow clock starts again.
 */
bool case_reader_feed(struct case_reader *r, const char *p, size_t n, int64_t el);
/*
 * The run was cancelled: the running case may end, no other may start.
 * Stopped says one was about to: the caller kills the process.
 */
void case_reader_stop(struct case_reader *r);
bool case_reader_stopped(const struct case_reader *r);
/* The case running now passed a slow-timeout period. */
void case_reader_slow(struct case_reader *r);
/* The name of the case running now, or NULL. */
const char *case_reader_current(const struct case_reader *r);

enum case_next {
	CASES_DONE,         /* nothing more to run */
	CASES_CONTINUE,     /* run the cases not yet seen in a new process */
	CASES_LIST_FIRST,   /* a sharded binary: list it first (case_reader_list_argv) */
};

/*
 * The process ended; `a` is its attempt, judged by its exit status.  A case
 * still running gets the process's end (a timeout, a signal, an exit) as
 * its verdict; cases waiting for output are posted.  `a` is left holding
 * the output outside any case, and its verdict is PASS when the cases
 * account for its failure; otherwise it is the process's own failure (the
 * `(process)` result).
 */
enum case_next case_reader_process_end(struct case_reader *r, struct attempt *a, bool timed_out,
				       int64_t el);
/* The listing command before a sharded binary's continuation, into argv (and env). */
void case_reader_list_argv(const struct case_reader *r);
/*
 * The listing's result: the shard's cases not yet seen become the next
 * process's cases.  -1 (why in *err) when the listing failed; 1 when none is
 * left to run.
 */
int case_reader_listed(struct case_reader *r, const struct attempt *listing, struct buf *err);

#endif

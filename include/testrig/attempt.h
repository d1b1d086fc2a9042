/*
 * attempt.h - what one attempt of a unit was: its verdict, how it exited,
 * its resources and its captured output, and how a verdict is judged from
 * those (the exec protocol's reading of an exit status, or a protocol's own
 * judge or stream parser).  Plain data: reporters, protocols and the event
 * queue see attempts without seeing workers or threads.
 */
#ifndef TESTRIG_ATTEMPT_H
#define TESTRIG_ATTEMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "testrig/capture.h"

struct tap_summary;

/* The outcome of one attempt, most to least successful. */
enum verdict {
	V_PASS,
	V_LEAK,         /* passed, but a descendant held its output open */
	V_SKIP,
	V_FAIL,         /* exit code other than 0 or 77 (and 99) */
	V_ERROR,        /* exit 99: a hard error, shown as ERROR */
	V_SIGNAL,       /* killed by a signal */
	V_TIMEOUT,      /* terminated after terminate-after slow periods */
	V_LEAK_FAIL,    /* passed, leaked, and leak-result = fail */
	V_EXEC_FAIL,    /* could not be started */
};

static inline bool verdict_ok(enum verdict v)
{
	return v == V_PASS || v == V_LEAK || v == V_SKIP;
}

struct attempt {
	unsigned number;        /* 1-based */
	enum verdict verdict;
	int exit_code;          /* -1 unless it exited */
	int signo;              /* the signal that killed it, or 0 */
	bool slow;              /* passed at least one slow-timeout period */
	bool leaked;            /* output held open past leak-timeout */
	bool group_left;        /* its process group still had members at the end */
	bool cancelled;         /* terminated because the run was cancelled */
	int shortage;           /* not started for testrig's own EMFILE, EAGAIN...: that errno */
	pid_t pid;
	int64_t start_wall;     /* CLOCK_REALTIME ns when it started */
	int64_t duration;       /* ns from start to exit (stopwatch, pauses excluded) */
	int64_t user_ns, sys_ns;
	long maxrss_kb;
	struct capture out;     /* stdout, or both streams when combined */
	struct capture err;
	bool combined;          /* out holds both streams (capture = combined) */
	char *message;          /* why it failed to start, a protocol's note, why it skipped */
	struct tap_summary *tap;   /* TAP: the stream as read (tap.h), or NULL */
	char *on_timeout;       /* the on-timeout hook's output and how it ended, or NULL */
	size_t on_timeout_len;
};

struct attempt *attempt_new(unsigned number, uint64_t output_limit);
void attempt_free(struct attempt *a);
/* "PASS", "FAIL", "SIGSEGV", "TIMEOUT", "LEAK", "EXEC-FAIL", ... */
const char *verdict_label(const struct attempt *a, char scratch[16]);
/* The verdict's kind as JSON's "result" names it: "pass", "signal", "leak-fail". */
const char *verdict_kind(enum verdict v);
/*
 * The verdict a name means: a kind ("pass", "signal"), or a lower-case
 * label ("sigsegv" is V_SIGNAL); false for any other name.
 */
bool verdict_parse(const char *name, enum verdict *v);
/* The same in lower case ("pass", "sigsegv", "leak-fail"), as JSON carries it. */
const char *verdict_name(const struct attempt *a, char scratch[16]);
/*
 * How a process ended, in the words every report of testrig's own uses:
 * "exit status 3", "killed by SIGSEGV", or (no status: exit_code < 0, no
 * signal) "its exit status was lost".  Appended to b.
 */
void process_end_words(struct buf *b, int exit_code, int signo);
/*
 * How an attempt ended: "timed out", why it could not run (EXEC-FAIL), else
 * process_end_words.
 */
void attempt_end_words(struct buf *b, const struct attempt *a);

/* Decides an attempt's verdict from its exit status and output. */
typedef void (*attempt_judge_fn)(struct attempt *a, const void *arg);

/* The exec protocol: signal, else 0 pass, 77 skip, 99 error, other fail. */
void attempt_judge_exec(struct attempt *a, const void *arg);
/* Scripts and listings: signal, else 0 pass, anything else fail. */
void attempt_judge_status(struct attempt *a, const void *arg);

/*
 * A protocol that reads the test's stdout as it comes (TAP): begin makes a
 * state per attempt, feed sees every chunk of stdout (before any truncation),
 * end decides the verdict from the state and the exit status (unless the
 * attempt timed out: V_TIMEOUT stays), keeps what it read in the attempt,
 * and frees the state.
 */
struct attempt_parser {
	void *(*begin)(void);
	void (*feed)(void *state, const char *p, size_t n);
	void (*end)(void *state, struct attempt *a);
};

#endif

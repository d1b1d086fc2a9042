/*
 * workers.c - how many workers a listing or a run gets: test-threads
 * against the online CPUs, make's jobserver as MAKEFLAGS names it, and the
 * open-file limit; and how a shortage of descriptors, processes or threads
 * is put to people.  The jobserver found at start and the limit are this
 * file's only state, set once by main before any thread exists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/jobserver.h"
#include "testrig/util.h"
#include "testrig/workers.h"

/*
 * Each worker holds a few descriptors while its unit runs (the pipes, a
 * pidfd, its wake fd, a hook's or a listing's own): a generous count, so
 * that -j never runs into the open-file limit.
 */
#define FDS_PER_WORKER 8
#define FDS_RESERVED 64

/* The open-file limit, raised to the hard limit at start (a soft 1024 is common). */
static rlim_t open_file_limit = RLIM_INFINITY;

/*
 * make's jobserver, for run, list and automake-driver; an unusable one is
 * said once (then -j 1), but not by the driver: Automake's recipes cannot
 * be marked with '+', so each test just holds the slot make gave it.
 */
static struct jobserver *early_jobserver;
static struct buf early_warning = BUF_INIT;

void workers_find_jobserver(void)
{
	early_jobserver = jobserver_open(getenv("MAKEFLAGS"), &early_warning);
}

struct jobserver *workers_take_jobserver(bool quiet, bool *unusable)
{
	struct jobserver *js = early_jobserver;

	early_jobserver = NULL;
	if (early_warning.len) {
		if (!quiet)
			warnx_("%s", early_warning.data);
		*unusable = true;
	}
	buf_free(&early_warning);
	return js;
}

void workers_drop_jobserver(void)
{
	jobserver_close(early_jobserver);
	early_jobserver = NULL;
	buf_free(&early_warning);
}

void workers_raise_file_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;

		rl.rlim_cur = want;
		/* Some systems refuse RLIM_INFINITY or more than a kernel bound: keep what was. */
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	open_file_limit = rl.rlim_cur;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* test-threads: N, num-cpus (0) or the CPUs minus N (-N), at least one. */
static unsigned resolve_threads(int setting)
{
	int cpus = (int)online_cpus();

	if (setting > 0)
		return (unsigned)setting;
	if (setting == 0)
		return (unsigned)cpus;
	return cpus + setting >= 1 ? (unsigned)(cpus + setting) : 1;
}

unsigned workers_wanted(const struct settings *s, bool jobserver, bool jobserver_unusable)
{
	bool given = s->set_mask & (UINT64_C(1) << SET_TEST_THREADS);
	unsigned n;

	if (jobserver_unusable)
		return 1;
	if (!jobserver || given)
		return resolve_threads(s->test_threads);
	n = online_cpus() * 4;
	return n > 64 ? 64 : n;
}

unsigned workers_fit(unsigned wanted, size_t units)
{
	static bool said;
	unsigned fit = wanted;

	if (units && units < fit)
		fit = (unsigned)units;
	if (open_file_limit != RLIM_INFINITY) {
		rlim_t room = open_file_limit > FDS_RESERVED + FDS_PER_WORKER
			? (open_file_limit - FDS_RESERVED) / FDS_PER_WORKER : 1;

		if (fit > room) {
			if (!said)
				fprintf(stderr, "%s: %u test threads need more open files than the "
					"limit allows (RLIMIT_NOFILE %llu): running at most %llu at a "
					"time\n", progname, wanted, (unsigned long long)open_file_limit,
					(unsigned long long)room);
			said = true;
			fit = (unsigned)room;
		}
	}
	return fit ? fit : 1;
}

bool workers_shortage(int err)
{
	return err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM;
}

/* A limit's soft value in words: a number or "unlimited". */
static void add_limit(struct buf *b, const char *name, int resource)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) != 0)
		return;
	if (rl.rlim_cur == RLIM_INFINITY)
		buf_printf(b, " (%s unlimited)", name);
	else
		buf_printf(b, " (%s %llu)", name, (unsigned long long)rl.rlim_cur);
}

void workers_describe_shortage(int err, struct buf *b)
{
	switch (err) {
	case EMFILE:
		buf_adds(b, "too many open files");
		add_limit(b, "RLIMIT_NOFILE", RLIMIT_NOFILE);
		break;
	case ENFILE:
		buf_adds(b, "the system's open-file table is full");
		break;
	case EAGAIN:
		buf_adds(b, "no more processes or threads may be created");
#ifdef RLIMIT_NPROC
		add_limit(b, "RLIMIT_NPROC", RLIMIT_NPROC);
#endif
		break;
	case ENOMEM:
		buf_adds(b, "out of memory");
#ifdef RLIMIT_AS
		add_limit(b, "RLIMIT_AS", RLIMIT_AS);
#endif
		break;
	default:
		buf_adds(b, strerror(err));
		break;
	}
}

void workers_describe_fix(int err, struct buf *b)
{
	if (err == EMFILE)
		buf_adds(b, "; raise the limit (ulimit -n) to run tests");
	else if (err == EAGAIN)
		buf_adds(b, "; raise the limit (ulimit -u) or end other processes");
}

/*
 * cases.c - isolation = binary on the worker: the command of each process
 * of a gtest or libtest binary, its streamed output cut into cases, and
 * what is left to run after a process ends inside a case.
 *
 * gtest marks a case with "[ RUN      ] NAME" and one of "[       OK ]",
 * "[  FAILED  ]" or "[  SKIPPED ]" NAME; libtest, with --test-threads=1,
 * writes "test NAME ... " before the case runs and "ok", "FAILED" or
 * "ignored" after it, and prints a failed case's output later, in its
 * "---- NAME stdout ----" section: a failed libtest case is posted when the
 * process ends, with that output.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "testrig/cases.h"
#include "testrig/env.h"
#include "testrig/events.h"
#include "testrig/proto.h"
#include "testrig/util.h"

/* A line longer than this is output, never a marker (and not kept whole to be parsed). */
#define CASE_LINE_MAX 65536

struct pending {                /* libtest: a failed case waiting for its output */
	char *name;
	struct attempt *a;
};

struct case_reader {
	const struct case_plan *plan;
	struct unit_job *job;       /* for the events only */
	struct strvec *argv, *env;  /* the next process's command and environment */
	struct evq *q;
	uint64_t limit;
	struct strvec seen;         /* every case started, in every process so far */
	struct strvec cont;         /* a sharded continuation's cases (after a listing) */
	bool cont_set;
	/* the process now running */
	pid_t pid;
	struct buf line;            /* the line being read (not ended yet) */
	bool line_cut;              /* it was too long: the rest is output */
	struct attempt *cur;        /* the case running now */
	char *cur_name;
	int64_t cur_start;          /* on the process's stopwatch */
	struct capture outside;     /* output outside any case */
	unsigned proc_cases;        /* cases this process started */
	long announced;             /* cases this process said it would run, or -1 */
	bool proc_case_failed;      /* one of its cases failed */
	struct pending *pend;       /* libtest */
	size_t npend;
	struct attempt *section;    /* libtest: the failed case whose output is being read */
	unsigned failed;            /* cases that failed, in every process */
	bool stopping;              /* the run was cancelled: no case may start */
	bool stopped;               /* one was about to: the process is to be killed */
};

void case_plan_free(struct case_plan *p)
{
	strvec_free(&p->prefix);
	strvec_free(&p->suffix);
	strvec_free(&p->include);
}

struct case_reader *case_reader_new(const struct case_plan *plan, struct unit_job *job,
				    struct strvec *argv, struct strvec *env, struct evq *q,
				    uint64_t output_limit)
{
	struct case_reader *r = xcalloc(1, sizeof *r);

	strvec_init(&r->seen);
	strvec_init(&r->cont);
	buf_init(&r->line);
	r->plan = plan;
	r->job = job;
	r->argv = argv;
	r->env = env;
	r->q = q;
	r->limit = output_limit;
	capture_init(&r->outside, output_limit);
	r->announced = -1;
	return r;
}

static void drop_pending(struct case_reader *r)
{
	size_t i;

	for (i = 0; i < r->npend; i++) {
		free(r->pend[i].name);
		attempt_free(r->pend[i].a);
	}
	free(r->pend);
	r->pend = NULL;
	r->npend = 0;
}

void case_reader_free(struct case_reader *r)
{
	if (!r)
		return;
	strvec_free(&r->seen);
	strvec_free(&r->cont);
	buf_free(&r->line);
	attempt_free(r->cur);
	free(r->cur_name);
	capture_free(&r->outside);
	drop_pending(r);
	free(r);
}

/* ---- commands -------------------------------------------------------------- */

static void join(struct buf *b, const struct strvec *v, char sep)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (i)
			buf_addc(b, sep);
		buf_adds(b, v->v[i]);
	}
}

static void set_shard(struct strvec *env, unsigned total, unsigned index)
{
	env_set_number(env, GTEST_TOTAL_SHARDS_VAR, total);
	env_set_number(env, GTEST_SHARD_INDEX_VAR, index);
}

void case_reader_command(struct case_reader *r)
{
	const struct case_plan *p = r->plan;
	const struct strvec *include = r->cont_set ? &r->cont : &p->include;
	struct strvec *argv = r->argv;
	size_t i;

	strvec_free(argv);
	strvec_init(argv);
	strvec_pushv(argv, strvec_get(&p->prefix));
	if (p->protocol == PROTO_GTEST) {
		if (include->n || r->seen.n) {
			struct buf f = BUF_INIT;

			buf_adds(&f, GTEST_FILTER_FLAG);
			join(&f, include, ':');
			if (r->seen.n) {
				buf_addc(&f, '-');
				join(&f, &r->seen, ':');
			}
			strvec_push_owned(argv, buf_detach(&f, NULL));
		}
		if (p->also_ignored)
			strvec_push(argv, GTEST_DISABLED_FLAG);
		if (p->shards > 1) {
			/* A continuation names its cases itself: gtest must not shard them again. */
			set_shard(r->env, r->cont_set ? 1 : p->shards, r->cont_set ? 0 : p->shard);
		}
	} else {
		strvec_push(argv, LIBTEST_ONE_THREAD_FLAG);
		for (i = 0; i < include->n; i++)
			strvec_push(argv, include->v[i]);
		for (i = 0; i < r->seen.n; i++) {
			strvec_push(argv, LIBTEST_SKIP_FLAG);
			strvec_push(argv, r->seen.v[i]);
		}
		if (include->n || r->seen.n)
			strvec_push(argv, LIBTEST_EXACT_FLAG);
		if (p->also_ignored)
			strvec_push(argv, LIBTEST_INCLUDE_IGNORED_FLAG);
	}
	strvec_pushv(argv, strvec_get(&p->suffix));
}

void case_reader_list_argv(const struct case_reader *r)
{
	struct strvec *argv = r->argv;

	strvec_free(argv);
	strvec_init(argv);
	strvec_pushv(argv, strvec_get(&r->plan->prefix));
	strvec_push(argv, GTEST_LIST_FLAG);
	set_shard(r->env, 1, 0);
}

int case_reader_listed(struct case_reader *r, const struct attempt *listing, struct buf *err)
{
	const struct case_plan *p = r->plan;
	struct test_list l;
	struct suite *s;
	struct binary *b;
	char **seen = xcalloc(r->seen.n + 1, sizeof *seen);
	size_t i, runnable = 0;
	int rc = 0;

	if (!verdict_ok(listing->verdict)) {
		buf_printf(err, "listing it to go on with shard %u of %u failed (", p->shard + 1,
			   p->shards);
		attempt_end_words(err, listing);
		buf_addc(err, ')');
		free(seen);
		return -1;
	}
	memcpy(seen, r->seen.v, r->seen.n * sizeof *seen);
	qsort(seen, r->seen.n, sizeof *seen, string_compare);
	test_list_init(&l);
	s = test_list_add_suite(&l, "", PROTO_GTEST);
	b = test_list_add_binary(&l, s, "", "");
	if (proto_parse_list(&l, b, 0, listing->out.head.data,
			     listing->out.head.len, err)) {
		rc = -1;
	} else {
		/* gtest's own rule: the n-th runnable case belongs to shard n % shards. */
		for (i = 0; i < l.ntests; i++) {
			const struct test *t = &l.tests[i];

			if (t->ignored && !p->also_ignored)
				continue;
			if (runnable++ % p->shards == p->shard &&
			    !bsearch(&t->name, seen, r->seen.n, sizeof *seen, string_compare))
				strvec_push(&r->cont, t->name);
		}
		r->cont_set = true;
		rc = r->cont.n ? 0 : 1;
	}
	test_list_free(&l);
	free(seen);
	return rc;
}

/* ---- reading --------------------------------------------------------------- */

/* A passing case with more output than this is handed over at once (its memory goes back). */
#define CASE_QUIET_MAX (64 * 1024)

void case_reader_process_start(struct case_reader *r, pid_t pid)
{
	r->pid = pid;
	r->proc_cases = 0;
	r->announced = -1;
	r->proc_case_failed = false;
	r->line_cut = false;
	buf_reset(&r->line);
}

static void post_case(struct case_reader *r, char *name, struct attempt *a)
{
	struct event *e = event_new(EV_NEWS, r->job);

	e->news = CASE_FINISHED;
	e->text = name;
	e->result = a;
	e->attempt = a->number;
	/* A case that passed needs no one now (the dispatcher reads it within a moment). */
	if (verdict_ok(a->verdict) && capture_dropped(&a->out) == 0 && a->out.head.cap < CASE_QUIET_MAX)
		evq_push_quiet(r->q, e);
	else
		evq_push(r->q, e);
}

static void open_case(struct case_reader *r, const char *name, size_t n, int64_t el)
{
	struct event *e = event_new(EV_NEWS, r->job);

	e->news = CASE_STARTED;
	r->cur = attempt_new(1, r->limit);
	r->cur->pid = r->pid;
	r->cur->combined = true;
	r->cur->start_wall = wall_ns();
	r->cur_name = xstrndup(name, n);
	r->cur_start = el;
	strvec_push(&r->seen, r->cur_name);
	r->proc_cases++;
	e->text = xstrdup(r->cur_name);
	e->elapsed = el;
	e->pid = r->pid;
	evq_push_quiet(r->q, e);
}

/* The running case ended with verdict v (libtest failures wait for their output). */
static void close_case(struct case_reader *r, enum verdict v, char *message, int64_t el)
{
	struct attempt *a = r->cur;

	a->verdict = v;
	a->duration = el - r->cur_start;
	a->message = message;
	capture_finish(&a->out);
	if (v == V_SKIP && !a->message && r->plan->protocol == PROTO_GTEST)
		a->message = proto_gtest_skip_reason(&a->out);
	if (!verdict_ok(v)) {
		r->proc_case_failed = true;
		/* Fail-fast, as the dispatcher would decide it, without waiting for it. */
		if (r->plan->stop_after && ++r->failed >= r->plan->stop_after)
			r->stopping = true;
	}
	if (v == V_FAIL && r->plan->protocol == PROTO_LIBTEST && !message) {
		r->pend = xreallocarray(r->pend, r->npend + 1, sizeof *r->pend);
		r->pend[r->npend].name = r->cur_name;
		r->pend[r->npend++].a = a;
	} else {
		post_case(r, r->cur_name, a);
	}
	r->cur = NULL;
	r->cur_name = NULL;
}

static void output(struct case_reader *r, const char *p, size_t n)
{
	if (r->section)
		capture_add(&r->section->out, p, n);
	else if (r->cur)
		capture_add(&r->cur->out, p, n);
	else
		capture_add(&r->outside, p, n);
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && memcmp(s, prefix, pl) == 0;
}

/* "Running 12 tests" / "running 3 tests": the count after the prefix, or -1. */
static long count_after(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix), i;
	long v = 0;

	if (!starts(s, n, prefix) || pl >= n || s[pl] < '0' || s[pl] > '9')
		return -1;
	for (i = pl; i < n && s[i] >= '0' && s[i] <= '9' && v < 100000000; i++)
		v = v * 10 + (s[i] - '0');
	return i < n && s[i] == ' ' ? v : -1;
}

/* A name a case can have: not empty, no NUL byte (the line is output otherwise). */
static bool good_name(const char *p, size_t n)
{
	return n > 0 && !memchr(p, 0, n);
}

static void announce(struct case_reader *r, long n)
{
	struct event *e;

	if (r->announced >= 0)
		return;
	r->announced = n;
	e = event_new(EV_NEWS, r->job);
	e->news = CASES_ANNOUNCED;
	/* Every case seen before this process, and what it says it will run. */
	e->count = r->seen.n - r->proc_cases + (size_t)n;
	evq_push_quiet(r->q, e);
}

/* Does the line say the running case ended: the tag, then its name, then " (", "," or the end? */
static bool ends_cur(const struct case_reader *r, const char *s, size_t n, const char *tag)
{
	size_t tl = strlen(tag), nl = strlen(r->cur_name);

	if (!starts(s, n, tag) || n < tl + nl || memcmp(s + tl, r->cur_name, nl) != 0)
		return false;
	return n == tl + nl || s[tl + nl] == ' ' || s[tl + nl] == ',';
}

static bool gtest_line(struct case_reader *r, const char *s, size_t n, const char *raw,
		       size_t rawn, int64_t el)
{
	static const struct { const char *tag; enum verdict v; } ends[] = {
		{ "[       OK ] ", V_PASS },
		{ "[  FAILED  ] ", V_FAIL },
		{ "[  SKIPPED ] ", V_SKIP },
	};
	size_t i;
	long count;

	if (starts(s, n, "[ RUN      ] ") && good_name(s + 13, n - 13)) {
		if (r->cur)
			close_case(r, V_FAIL, xstrdup("the binary started another case before this "
						      "one ended"), el);
		if (r->stopping)
			r->stopped = true;      /* the line is the process's */
		else
			open_case(r, s + 13, n - 13, el);
		output(r, raw, rawn);
		return true;
	}
	for (i = 0; r->cur && i < ARRAY_SIZE(ends); i++) {
		if (ends_cur(r, s, n, ends[i].tag)) {
			output(r, raw, rawn);
			close_case(r, ends[i].v, NULL, el);
			return true;
		}
	}
	if (!r->cur && (count = count_after(s, n, "[==========] Running ")) >= 0)
		announce(r, count);
	output(r, raw, rawn);
	return false;
}

/* "test NAME ... RESULT": the name (without " - should panic") and where RESULT starts. */
static bool libtest_test_line(const char *s, size_t n, size_t *name_len, size_t *result)
{
	const char *dots;
	size_t k;

	if (!starts(s, n, "test ") || n < 10)
		return false;
	dots = memmem(s + 5, n - 5, " ... ", 5);
	if (!dots)
		return false;
	k = (size_t)(dots - (s + 5));
	if (k >= 15 && memcmp(s + 5 + k - 15, " - should panic", 15) == 0)
		k -= 15;
	*name_len = k;
	*result = (size_t)(dots - s) + 5;
	return good_name(s + 5, k);
}

static struct attempt *pending_named(struct case_reader *r, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < r->npend; i++)
		if (strlen(r->pend[i].name) == n && memcmp(r->pend[i].name, name, n) == 0)
			return r->pend[i].a;
	return NULL;
}

/*
 * A libtest result word (after " ... ", or alone on its line after output
 * of the case's own): its verdict and, for "ignored, REASON", the reason.
 */
static bool libtest_word(const char *res, size_t rn, enum verdict *v, char **why)
{
	*why = NULL;
	if (starts(res, rn, "ok") && (rn == 2 || res[2] == ' ')) {
		*v = V_PASS;
	} else if (starts(res, rn, "FAILED") && (rn == 6 || res[6] == ' ')) {
		*v = V_FAIL;
	} else if (starts(res, rn, "ignored")) {
		*v = V_SKIP;
		if (rn > 9 && res[7] == ',')
			*why = xstrndup(res + 9, rn - 9 > CAPTURE_LINE_MAX ? CAPTURE_LINE_MAX : rn - 9);
	} else {
		return false;
	}
	return true;
}

static bool libtest_line(struct case_reader *r, const char *s, size_t n, const char *raw,
			 size_t rawn, int64_t el)
{
	size_t nl, res;
	long count;
	enum verdict v;
	char *why;

	if (libtest_test_line(s, n, &nl, &res)) {
		bool boundary = false;

		r->section = NULL;
		if (r->cur && (strlen(r->cur_name) != nl || memcmp(r->cur_name, s + 5, nl) != 0))
			close_case(r, V_FAIL, xstrdup("the binary started another case before this "
						      "one ended"), el);
		if (!r->cur && r->stopping) {
			r->stopped = true;
			output(r, raw, rawn);
			return false;
		}
		if (!r->cur) {
			open_case(r, s + 5, nl, el);
			boundary = true;
		}
		output(r, raw, rawn);
		if (libtest_word(s + res, n - res, &v, &why)) {
			close_case(r, v, why, el);
			boundary = true;
		}
		return boundary;
	}
	if (r->cur && libtest_word(s, n, &v, &why)) {
		/* output of the case's own (not through libtest's capture) came first */
		output(r, raw, rawn);
		close_case(r, v, why, el);
		return true;
	}
	if (!r->cur && (count = count_after(s, n, "running ")) >= 0) {
		announce(r, count);
		output(r, raw, rawn);
		return false;
	}
	if (!r->cur && starts(s, n, "---- ") && n > 17 && memcmp(s + n - 12, " stdout ----", 12) == 0) {
		r->section = pending_named(r, s + 5, n - 17);
		if (r->section)
			return false;   /* the header itself is not the case's output */
	} else if (!r->cur && n == 9 && memcmp(s, "failures:", 9) == 0) {
		r->section = NULL;
	}
	output(r, raw, rawn);
	return false;
}

/* One whole line (with its newline): true at a case's start or end. */
static bool take_line(struct case_reader *r, int64_t el)
{
	const char *raw = r->line.data;
	size_t rawn = r->line.len, n = rawn;

	while (n && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
		n--;
	if (r->stopped) {
		output(r, raw, rawn);
		return false;
	}
	if (r->plan->protocol == PROTO_GTEST)
		return gtest_line(r, raw, n, raw, rawn, el);
	return libtest_line(r, raw, n, raw, rawn, el);
}

bool case_reader_feed(struct case_reader *r, const char *p, size_t n, int64_t el)
{
	bool boundary = false;

	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) + 1 : n;

		if (r->line_cut) {
			output(r, p, k);
		} else {
			buf_add(&r->line, p, k);
			if (nl) {
				boundary |= take_line(r, el);
				buf_reset(&r->line);
			} else if (r->line.len > CASE_LINE_MAX) {
				output(r, r->line.data, r->line.len);
				buf_reset(&r->line);
				r->line_cut = true;
			}
		}
		if (nl)
			r->line_cut = false;
		p += k;
		n -= k;
	}
	/* libtest writes "test NAME ... " when the case starts, its result when it ends. */
	if (r->plan->protocol == PROTO_LIBTEST && !r->cur && r->line.len > 9 &&
	    memcmp(r->line.data + r->line.len - 5, " ... ", 5) == 0) {
		size_t nl, res;

		if (libtest_test_line(r->line.data, r->line.len, &nl, &res) && res == r->line.len) {
			r->section = NULL;
			if (r->stopping) {
				r->stopped = true;
			} else if (!r->stopped) {
				open_case(r, r->line.data + 5, nl, el);
				boundary = true;
			}
		}
	}
	return boundary;
}

void case_reader_stop(struct case_reader *r)
{
	r->stopping = true;
}

bool case_reader_stopped(const struct case_reader *r)
{
	return r->stopped;
}

void case_reader_slow(struct case_reader *r)
{
	if (r->cur)
		r->cur->slow = true;
}

const char *case_reader_current(const struct case_reader *r)
{
	return r->cur_name;
}

enum case_next case_reader_process_end(struct case_reader *r, struct attempt *a, bool timed_out,
				       int64_t el)
{
	bool open = r->cur != NULL;
	size_t i;

	if (r->line.len)
		output(r, r->line.data, r->line.len);
	buf_reset(&r->line);
	r->section = NULL;
	if (open) {
		struct attempt *c = r->cur;
		char *why = NULL;

		c->exit_code = a->exit_code;
		c->signo = a->signo;
		c->cancelled = a->cancelled;
		c->on_timeout = a->on_timeout;
		c->on_timeout_len = a->on_timeout_len;
		a->on_timeout = NULL;
		a->on_timeout_len = 0;
		if (!timed_out && !a->signo && a->exit_code < 0) {
			why = xstrdup(a->message ? a->message : "the process ended during this case");
		} else if (!timed_out && !a->signo) {
			struct buf m = BUF_INIT;

			buf_adds(&m, "the process ended during this case: ");
			process_end_words(&m, a->exit_code, 0);
			why = buf_detach(&m, NULL);
		}
		close_case(r, timed_out ? V_TIMEOUT : a->signo ? V_SIGNAL : V_FAIL, why, el);
	}
	for (i = 0; i < r->npend; i++)
		post_case(r, r->pend[i].name, r->pend[i].a);
	free(r->pend);
	r->pend = NULL;
	r->npend = 0;
	/*
	 * The cases account for the process's failure (gtest and libtest exit
	 * non-zero then), or the run's cancellation killed it between cases.
	 */
	if (r->stopped)
		a->cancelled = true;
	if (open || r->stopped || (!verdict_ok(a->verdict) && r->proc_case_failed)) {
		a->verdict = V_PASS;
		a->signo = 0;
	}
	/* What is left of its output is what was printed outside the cases. */
	capture_finish(&r->outside);
	capture_free(&a->out);
	a->out = r->outside;
	capture_free(&a->err);
	capture_init(&a->err, r->limit);
	capture_init(&r->outside, r->limit);
	a->combined = true;
	if (!open || a->cancelled)
		return CASES_DONE;
	/* It died in its last case: nothing is left. */
	if (r->announced >= 0 && r->proc_cases >= (unsigned long)r->announced)
		return CASES_DONE;
	return r->plan->shards > 1 && !r->cont_set ? CASES_LIST_FIRST : CASES_CONTINUE;
}

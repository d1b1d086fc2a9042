/*
 * listing.c - the listing phase: one job per listing command (libtest
 * binaries are asked twice: their tests, then their ignored tests), run on
 * an engine of its own without reporters, then every binary's output read
 * into tests in binary order.  Owns the listings' results until they are
 * read.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/engine.h"
#include "testrig/env.h"
#include "testrig/exitcode.h"
#include "testrig/listing.h"
#include "testrig/proto.h"
#include "testrig/text.h"
#include "testrig/util.h"

#define LISTING_OUTPUT_LIMIT (UINT64_C(1) << 30)
/* How much of a failed listing's output an error message shows. */
#define SHOWN_OUTPUT 8192

/* One listing command: a binary, asked for its tests (or ignored tests). */
struct listing {
	struct binary *bin;
	unsigned pass;
	struct attempt *result;     /* owned once finished */
};

struct listings {
	const struct listing_config *lc;
	struct listing *v;
	size_t n, started, done;
	struct env_cache envs;
};

static void listing_finished(struct engine *eng, struct job *job, struct attempt *final)
{
	struct listing *ls = job->task;

	(void)eng;
	ls->result = final;
}

static char *listing_describe(const struct job *job)
{
	const struct listing *ls = job->task;

	return xasprintf("listing %s", ls->bin->id);
}

static const struct job_kind listing_kind = {
	.finished = listing_finished,
	.describe = listing_describe,
};

static struct job *listing_job(struct listings *all, struct listing *ls)
{
	const struct listing_config *lc = all->lc;
	const struct strvec *runner = &lc->settings->target_runner.argv;
	const struct settings *s = lc->settings;
	struct job *job = job_new(&listing_kind, ls);
	struct unit_job *u = &job->unit;

	strvec_pushv(&u->argv, runner->v);
	proto_list_argv(ls->bin, ls->pass, &u->argv);
	u->search_path = runner->n > 0 || ls->bin->suite->protocol == PROTO_CUSTOM;
	env_for_job(&u->env, env_build(&all->envs, &ls->bin->suite->env, NULL, 0, 0), lc->run_id,
		    lc->profile);
	u->cwd = ls->bin->suite->cwd;
	u->capture = CAPTURE_SPLIT;
	u->capture_stdout = u->capture_stderr = true;
	u->limits.slow_timeout = s->slow_timeout;
	u->limits.terminate_after = s->terminate_after;
	u->limits.grace_period = s->grace_period;
	u->limits.leak_timeout = s->leak_timeout;
	u->limits.leak_fail = s->leak_fail;
	u->limits.output_limit = LISTING_OUTPUT_LIMIT;
	return job;
}

static struct job *listings_next(void *ctx, struct engine *eng, unsigned capacity,
				 unsigned *wanted)
{
	struct listings *all = ctx;

	if (engine_cancelled(eng) || all->started >= all->n)
		return NULL;
	if (capacity < 1) {
		*wanted = 1;
		return NULL;
	}
	return listing_job(all, &all->v[all->started++]);
}

static bool listings_over(void *ctx, struct engine *eng)
{
	struct listings *all = ctx;

	return all->started >= all->n || engine_cancelled(eng);
}

static const struct phase listing_phase = { .next = listings_next, .over = listings_over };

/* Explains why a listing failed, with its output, into err. */
static void listing_failure(const struct listing *ls, const char *why, struct buf *err)
{
	const struct attempt *a = ls->result;
	const struct capture *streams[2] = { &a->out, &a->err };
	const char *names[2] = { "STDOUT", "STDERR" };
	int i;

	buf_adds(err, "listing the tests of ");
	human_escapes(err, ls->bin->id);
	buf_adds(err, " failed: ");
	if (why) {
		buf_adds(err, why);
	} else {
		struct buf words = BUF_INIT;

		/* An exec failure's words name the path. */
		attempt_end_words(&words, a);
		human_escape(err, words.data, words.len);
		buf_free(&words);
	}
	buf_addc(err, '\n');
	for (i = 0; i < 2; i++) {
		const struct buf *h = &streams[i]->head;

		if (!h->len)
			continue;
		buf_printf(err, "--- %s ---\n", names[i]);
		buf_add(err, h->data, h->len > SHOWN_OUTPUT ? SHOWN_OUTPUT : h->len);
		if (err->data[err->len - 1] != '\n')
			buf_addc(err, '\n');
	}
}

/* How many listings the binary needs in this run. */
static unsigned listings_of(const struct listing_config *lc, const struct binary *b)
{
	if (b->suite->isolation == ISOLATION_BINARY && !lc->list_whole)
		return 0;
	return proto_listings(b->suite->protocol);
}

/* Reads one binary's listings (all->v[*next...]) into tests; 0 or EXIT_LISTING. */
static int read_binary(struct listings *all, struct binary *b, size_t *next, struct buf *err)
{
	struct test_list *l = all->lc->list;
	unsigned p, np = listings_of(all->lc, b);
	int code = 0;

	b->first = (uint32_t)l->ntests;
	b->count = 0;
	if (np == 0 && b->suite->isolation == ISOLATION_BINARY) {
		/* Not listed: its cases become tests as it runs them. */
		test_list_add_test(l, b, "", false)->whole = true;
		return 0;
	}
	if (np == 0) {
		const char *slash = strrchr(b->path, '/');

		test_list_add_test(l, b, slash ? slash + 1 : b->path, false);
		return 0;
	}
	for (p = 0; p < np && !code; p++) {
		struct listing *ls = &all->v[(*next)++];
		const struct attempt *a = ls->result;
		struct buf perr = BUF_INIT;

		if (a->verdict != V_PASS && a->verdict != V_LEAK) {
			listing_failure(ls, NULL, err);
			code = EXIT_LISTING;
		} else if (capture_dropped(&a->out)) {
			listing_failure(ls, "its listing is larger than 1 GiB", err);
			code = EXIT_LISTING;
		} else if (proto_parse_list(l, b, p, a->out.head.data,
					    a->out.head.len, &perr)) {
			char *m = xasprintf("its output is not a %s listing (%s)",
					    protocol_name(b->suite->protocol), perr.data);

			listing_failure(ls, m, err);
			free(m);
			code = EXIT_LISTING;
		}
		buf_free(&perr);
	}
	return code;
}

/*
 * Runs every listing command on an engine of its own; 0, EXIT_TEST_FAILED
 * (a signal) or EXIT_SETUP (the engine could not start: descriptors or
 * threads ran short).
 */
static int run_listings(struct listings *all, struct buf *err)
{
	struct engine_config ec;
	struct engine *eng;
	char name[16];
	int code = 0;

	memset(&ec, 0, sizeof ec);
	ec.workers = all->lc->threads;
	ec.jobserver = all->lc->jobserver;
	ec.grace_period = all->lc->settings->grace_period;
	ec.run_id = all->lc->run_id;
	eng = engine_new(&ec, err);
	if (!eng) {
		buf_addc(err, '\n');
		return EXIT_SETUP;
	}
	engine_run_phase(eng, &listing_phase, all);
	engine_finish(eng);
	if (engine_cancel_signal(eng)) {
		buf_printf(err, "interrupted by %s while listing tests\n",
			   signal_name(engine_cancel_signal(eng), name));
		code = EXIT_TEST_FAILED;
		if (all->lc->interrupted_by)
			*all->lc->interrupted_by = engine_cancel_signal(eng);
	}
	engine_free(eng);
	return code;
}

int listing_run(const struct listing_config *lc, struct buf *err)
{
	struct test_list *l = lc->list;
	struct listings all;
	size_t i, bi, next = 0;
	int code = 0;

	memset(&all, 0, sizeof all);
	all.lc = lc;
	for (bi = 0; bi < l->nbins; bi++)
		all.n += listings_of(lc, l->bins[bi]);
	if (all.n) {
		all.v = xcalloc(all.n, sizeof *all.v);
		for (bi = 0, i = 0; bi < l->nbins; bi++) {
			unsigned p;

			for (p = 0; p < listings_of(lc, l->bins[bi]); p++, i++) {
				all.v[i].bin = l->bins[bi];
				all.v[i].pass = p;
			}
		}
		env_cache_init(&all.envs, lc->base_env);
		code = run_listings(&all, err);
		env_cache_free(&all.envs);
	}
	/* Tests in binary order, each binary's in the order it listed them. */
	for (bi = 0; !code && bi < l->nbins; bi++)
		code = read_binary(&all, l->bins[bi], &next, err);
	for (i = 0; i < all.n; i++)
		attempt_free(all.v[i].result);
	free(all.v);
	return code;
}

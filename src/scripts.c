/*
 * scripts.c - setup scripts and teardowns: their jobs and events, the
 * TESTRIG_ENV files and what they export, and the two phases (setup before
 * the tests, teardown after) that run them one at a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testrig/env.h"
#include "testrig/filter.h"
#include "testrig/scripts.h"
#include "testrig/util.h"

struct scripts {
	const struct run_config *cfg;
	const size_t *order;        /* the selected tests' list positions */
	size_t norder;
	struct env_cache envs;      /* teardowns get their own script's exports */
	struct strvec *exports;     /* per script: KEY=VALUE it exported */
	bool *started;              /* per script: its command was run */
	uint64_t *masks;            /* per selected test: scripts whose exports apply */
	char *env_dir;              /* where TESTRIG_ENV files are made, or NULL */
	bool env_dir_failed;        /* it could not be made: not tried again */
	size_t next;                /* setup: the next script to look at */
	size_t next_teardown;       /* teardown: scripts still to look at (from the last) */
	bool running;               /* a script (or teardown) runs now */
	size_t failed;
	bool setup_failed;
};

/* One running script or teardown. */
struct script_task {
	struct scripts *sc;
	size_t index;
	bool teardown;
	char *env_file;             /* setup scripts: their TESTRIG_ENV file, or NULL */
	int env_fd;                 /* the memfd env_file names (/proc/self/fd/N), or -1 */
};

static const struct run_script *script_of(const struct script_task *st)
{
	return &st->sc->cfg->scripts[st->index];
}

static const char *command_text(const struct script_task *st)
{
	const struct run_script *rs = script_of(st);

	return st->teardown ? rs->teardown->text : rs->command->text;
}

/* ---- the kind ------------------------------------------------------------ */

static void script_slow(struct engine *eng, struct job *job, unsigned attempt,
			int64_t elapsed, bool terminating)
{
	struct script_task *st = job->task;

	(void)attempt;
	REPORT(engine_reports(eng), script_slow, script_of(st)->name, st->teardown, elapsed,
	       terminating);
}

/* Reads what a setup script that passed exported; false (with err) if it cannot be used. */
static bool read_exports(struct script_task *st, struct buf *err)
{
	struct buf data = BUF_INIT;
	bool ok = true;

	if (!st->env_file) {
		/* It had none (nowhere to make one): it exported nothing. */
	} else if (buf_read_file(st->env_file, &data)) {
		buf_printf(err, "cannot read its TESTRIG_ENV file %s: %s", st->env_file,
			   strerror(errno));
		ok = false;
	} else if (env_parse_exports(data.data, data.len,
				     &st->sc->exports[st->index], err)) {
		char *m = xasprintf("its TESTRIG_ENV file, %s", err->data);

		buf_reset(err);
		buf_adds(err, m);
		free(m);
		ok = false;
	}
	buf_free(&data);
	return ok;
}

/* A setup script (or teardown) ended, ran or not: report it, count it. */
static void script_done(struct engine *eng, struct script_task *st, struct script_outcome *o)
{
	struct scripts *sc = st->sc;
	const struct run_script *rs = script_of(st);

	o->name = rs->name;
	o->command = command_text(st);
	o->teardown = st->teardown;
	REPORT(engine_reports(eng), script_finished, o);
	if (o->ok)
		return;
	sc->failed++;
	if (!st->teardown) {
		sc->setup_failed = true;
		engine_cancel(eng, "setup-script", 0, "setup script '%s' failed", rs->name);
	}
}

static void script_finished(struct engine *eng, struct job *job, struct attempt *a)
{
	struct script_task *st = job->task;
	struct script_outcome o;
	struct buf err = BUF_INIT;

	memset(&o, 0, sizeof o);
	o.attempt = a;
	o.ok = a && (a->verdict == V_PASS || a->verdict == V_LEAK);
	if (o.ok && !st->teardown && !read_exports(st, &err)) {
		o.ok = false;
		o.error = err.data;
	}
	script_done(eng, st, &o);
	st->sc->running = false;
	buf_free(&err);
	attempt_free(a);
	free(st->env_file);
	if (st->env_fd >= 0)
		close(st->env_fd);
	free(st);
}

static char *script_describe(const struct job *job)
{
	const struct script_task *st = job->task;

	return xasprintf("%s %s", st->teardown ? "teardown" : "setup script", script_of(st)->name);
}

static const struct job_kind script_kind = {
	.slow = script_slow,
	.finished = script_finished,
	.describe = script_describe,
};

static struct job *script_job(struct engine *eng, struct script_task *st)
{
	struct scripts *sc = st->sc;
	const struct run_config *cfg = sc->cfg;
	const struct run_script *rs = script_of(st);
	struct job *job = job_new(&script_kind, st);
	struct unit_job *u = &job->unit;
	char **base = st->teardown
		? env_build(&sc->envs, NULL, sc->exports, cfg->nscripts, UINT64_C(1) << st->index)
		: cfg->base_env;

	strvec_pushv(&u->argv, (st->teardown ? rs->teardown : rs->command)->argv.v);
	u->search_path = true;
	env_for_job(&u->env, base, cfg->run_id, cfg->profile);
	if (st->env_file)
		env_set(&u->env, "TESTRIG_ENV", st->env_file);
	if (st->env_fd >= 0)
		u->inherit_fd = st->env_fd;
	u->cwd = cfg->root;
	u->capture = CAPTURE_SPLIT;
	u->capture_stdout = rs->capture_stdout;
	u->capture_stderr = rs->capture_stderr;
	u->limits = rs->limits;
	u->limits.retries = 0;
	sc->running = true;
	REPORT(engine_reports(eng), script_started, rs->name, command_text(st), st->teardown);
	return job;
}

/* ---- setup --------------------------------------------------------------- */

/* Whether any selected test matches the script's filter. */
static bool script_applies(const struct scripts *sc, const struct run_script *rs, size_t pos)
{
	const struct test *t = &sc->cfg->list->tests[sc->order[pos]];
	struct filter_subject subj;

	if (!rs->filter)
		return true;
	subj.test_name = t->name;
	subj.binary_id = t->bin->id;
	subj.suite = t->bin->suite->name;
	subj.ignored = t->ignored;
	return filter_match(rs->filter, &subj);
}

static bool make_env_dir(struct scripts *sc, struct buf *err)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl;

	if (sc->env_dir)
		return true;
	tmpl = xasprintf("%s/testrig-%.8s-XXXXXX", tmp && *tmp ? tmp : "/tmp", sc->cfg->run_id);
	if (sc->env_dir_failed || !mkdtemp(tmpl)) {
		buf_printf(err, "cannot create a directory for TESTRIG_ENV files (%s): %s", tmpl,
			   sc->env_dir_failed ? "tried before" : strerror(errno));
		sc->env_dir_failed = true;
		free(tmpl);
		return false;
	}
	sc->env_dir = tmpl;
	return true;
}

/* An empty TESTRIG_ENV file in the temporary directory; NULL with the reason in err. */
static char *env_file_in_dir(struct scripts *sc, size_t si, struct buf *err)
{
	char *path;
	int fd;

	if (!make_env_dir(sc, err))
		return NULL;
	path = xasprintf("%s/%zu-%s.env", sc->env_dir, si, sc->cfg->scripts[si].name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		buf_printf(err, "cannot create %s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/*
 * No writable temporary directory (a read-only root): on Linux the file is
 * a memfd, which the script gets open at the same number and names as
 * /proc/self/fd/N (so `>>"$TESTRIG_ENV"` works; we read it back the same
 * way).  NULL with the reason in err where there is no memfd or no /proc.
 */
static char *env_file_in_memory(int *fd, struct buf *err)
{
#if defined(__linux__) && defined(MFD_CLOEXEC)
	int m = memfd_create("testrig-env", MFD_CLOEXEC), check;
	char *path;

	if (m < 0) {
		buf_printf(err, "memfd_create: %s", strerror(errno));
		return NULL;
	}
	path = xasprintf("/proc/self/fd/%d", m);
	if ((check = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		free(path);
		close(m);
		return NULL;
	}
	close(check);
	*fd = m;
	return path;
#else
	(void)fd;
	buf_adds(err, "no memfd here");
	return NULL;
#endif
}

/*
 * The script's TESTRIG_ENV: a file in the temporary directory, else a
 * memfd.  With neither the script runs without one (one message says
 * why): a script that exports nothing needs no file.
 */
static void make_env_file(struct scripts *sc, struct script_task *st, struct engine *eng)
{
	struct buf why = BUF_INIT, why2 = BUF_INIT;

	st->env_fd = -1;
	st->env_file = env_file_in_dir(sc, st->index, &why);
	if (!st->env_file)
		st->env_file = env_file_in_memory(&st->env_fd, &why2);
	if (!st->env_file)
		engine_message(eng, "setup script %s runs without TESTRIG_ENV (it cannot export "
			       "variables): %s; %s", sc->cfg->scripts[st->index].name, why.data,
			       why2.data);
	buf_free(&why);
	buf_free(&why2);
}

static struct job *setup_next(void *ctx, struct engine *eng, unsigned capacity,
			      unsigned *wanted)
{
	struct scripts *sc = ctx;

	/* One script at a time: nothing else runs, so make's implicit slot is its. */
	(void)capacity;
	(void)wanted;
	while (!sc->running && !engine_cancelled(eng) && sc->next < sc->cfg->nscripts) {
		struct script_task *st;
		size_t si = sc->next++, pos;

		for (pos = 0; pos < sc->norder; pos++)
			if (script_applies(sc, &sc->cfg->scripts[si], pos))
				break;
		if (pos == sc->norder)
			continue;
		st = xcalloc(1, sizeof *st);
		st->sc = sc;
		st->index = si;
		make_env_file(sc, st, eng);
		sc->started[si] = true;
		return script_job(eng, st);
	}
	return NULL;
}

static bool setup_over(void *ctx, struct engine *eng)
{
	struct scripts *sc = ctx;

	return sc->next >= sc->cfg->nscripts || engine_cancelled(eng);
}

static const struct phase setup_phase = { .next = setup_next, .over = setup_over };

void scripts_setup(struct scripts *sc, struct engine *eng)
{
	size_t pos, si;

	engine_run_phase(eng, &setup_phase, sc);
	/* Which scripts' exports each test gets. */
	for (pos = 0; sc->masks && pos < sc->norder; pos++)
		for (si = 0; si < sc->cfg->nscripts; si++)
			if (sc->exports[si].n && script_applies(sc, &sc->cfg->scripts[si], pos))
				sc->masks[pos] |= UINT64_C(1) << si;
}

/* ---- teardown ------------------------------------------------------------ */

static struct job *teardown_next(void *ctx, struct engine *eng, unsigned capacity,
				 unsigned *wanted)
{
	struct scripts *sc = ctx;

	(void)capacity;
	(void)wanted;
	while (!sc->running && !engine_killed(eng) && sc->next_teardown > 0) {
		size_t si = --sc->next_teardown;
		const struct run_script *rs = &sc->cfg->scripts[si];
		struct script_task *st;

		if (!sc->started[si] || !rs->teardown || !rs->teardown->text)
			continue;
		st = xcalloc(1, sizeof *st);
		st->sc = sc;
		st->index = si;
		st->teardown = true;
		st->env_fd = -1;
		return script_job(eng, st);
	}
	return NULL;
}

static bool teardown_over(void *ctx, struct engine *eng)
{
	struct scripts *sc = ctx;

	/* A second signal: nothing more runs. */
	return sc->next_teardown == 0 || engine_killed(eng);
}

static const struct phase teardown_phase = { .next = teardown_next, .over = teardown_over };

void scripts_teardown(struct scripts *sc, struct engine *eng)
{
	sc->next_teardown = sc->cfg->nscripts;
	engine_run_phase(eng, &teardown_phase, sc);
}

/* ---- the rest ------------------------------------------------------------ */

struct scripts *scripts_new(const struct run_config *cfg, const size_t *order, size_t norder)
{
	struct scripts *sc = xcalloc(1, sizeof *sc);

	sc->cfg = cfg;
	sc->order = order;
	sc->norder = norder;
	env_cache_init(&sc->envs, cfg->base_env);
	sc->exports = xcalloc(cfg->nscripts + 1, sizeof *sc->exports);
	sc->started = xcalloc(cfg->nscripts + 1, sizeof *sc->started);
	/* Which scripts' exports each test gets: no array at all without scripts. */
	sc->masks = cfg->nscripts ? xcalloc(norder + 1, sizeof *sc->masks) : NULL;
	return sc;
}

void scripts_free(struct scripts *sc)
{
	size_t si;

	if (!sc)
		return;
	if (sc->env_dir) {
		for (si = 0; si < sc->cfg->nscripts; si++) {
			char *f = xasprintf("%s/%zu-%s.env", sc->env_dir, si,
					    sc->cfg->scripts[si].name);
			unlink(f);
			free(f);
		}
		if (rmdir(sc->env_dir))
			warnx_("cannot remove %s: %s", sc->env_dir, strerror(errno));
		free(sc->env_dir);
	}
	for (si = 0; si < sc->cfg->nscripts; si++)
		strvec_free(&sc->exports[si]);
	free(sc->exports);
	free(sc->started);
	free(sc->masks);
	env_cache_free(&sc->envs);
	free(sc);
}

const struct strvec *scripts_exports(const struct scripts *sc)
{
	return sc->exports;
}

const uint64_t *scripts_masks(const struct scripts *sc)
{
	return sc->masks;
}

size_t scripts_failed(const struct scripts *sc)
{
	return sc->failed;
}

bool scripts_setup_failed(const struct scripts *sc)
{
	return sc->setup_failed;
}

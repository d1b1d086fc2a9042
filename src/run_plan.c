/*
 * run_plan.c - a session made into what run.c is given: the pool (the
 * workers asked for, fitted to the units and the open-file limit), the
 * test groups, the setup scripts with their limits, and the human report's
 * options (colour, progress).  Decides nothing about the tests themselves.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/jobserver.h"
#include "testrig/run_plan.h"
#include "testrig/util.h"
#include "testrig/workers.h"

/* The config's setup scripts, ready for the run. */
static struct run_script *prepare_scripts(const struct session *ss)
{
	struct run_script *rs = xcalloc(ss->cfg.nscripts + 1, sizeof *rs);
	size_t i;

	for (i = 0; i < ss->cfg.nscripts; i++) {
		const struct script *sc = &ss->cfg.scripts[i];

		rs[i].name = sc->name;
		rs[i].command = &sc->command;
		rs[i].teardown = sc->teardown.text ? &sc->teardown : NULL;
		rs[i].filter = sc->filter;
		rs[i].limits.slow_timeout = sc->slow_timeout;
		rs[i].limits.terminate_after = sc->terminate_after;
		rs[i].limits.grace_period = sc->grace_period;
		rs[i].limits.leak_timeout = sc->leak_timeout;
		rs[i].limits.output_limit = ss->settings.output_limit;
		rs[i].capture_stdout = sc->capture_stdout;
		rs[i].capture_stderr = sc->capture_stderr;
	}
	return rs;
}

/*
 * The units a run may start at once: its selected tests, where a binary
 * in isolation = binary that was not listed counts once per shard.
 */
static size_t run_units(const struct session *ss)
{
	size_t n = ss->selected, i, binaries = test_list_selected_binaries(&ss->list);
	unsigned threads = session_workers(ss);

	for (i = 0; i < ss->list.ntests; i++) {
		const struct test *t = &ss->list.tests[i];
		unsigned shards = suite_shards(t->bin->suite, threads, binaries);

		if (t->selected && t->whole && shards > 1)
			n += shards - 1;
	}
	return n;
}

void run_plan(struct session *ss, struct run_config *rc, char **env)
{
	const struct cli *c = &ss->cli;
	struct run_group *groups = xcalloc(ss->cfg.ngroups + 1, sizeof *groups);
	size_t i;

	memset(rc, 0, sizeof *rc);
	rc->threads = workers_fit(session_workers(ss), run_units(ss) + ss->cfg.nscripts);
	rc->jobserver = ss->jobserver;
	rc->make_jobs = ss->jobserver ? makeflags_jobs(getenv("MAKEFLAGS")) : 0;
	if (c->no_capture) {
		if (rc->threads > 1)
			fprintf(stderr, "%s: --no-capture: running one test at a time\n", progname);
		rc->threads = 1;
	}
	rc->list = &ss->list;
	rc->settings = &ss->settings;
	rc->no_capture = c->no_capture;
	rc->profile = ss->cfg.profile_name;
	rc->run_id = ss->run_id;
	rc->base_env = env;
	rc->root = ss->cfg.root;
	for (i = 0; i < ss->cfg.ngroups; i++) {
		groups[i].name = ss->cfg.groups[i].name;
		groups[i].max_threads = ss->cfg.groups[i].max_threads;
	}
	rc->groups = groups;
	rc->ngroups = ss->cfg.ngroups;
	rc->scripts = prepare_scripts(ss);
	rc->nscripts = ss->cfg.nscripts;
	rc->history = ss->recording;
}

void run_plan_free(struct run_config *rc)
{
	free((void *)rc->scripts);
	free((void *)rc->groups);
}

static bool use_color(enum color_mode m, int fd)
{
	const char *no = getenv("NO_COLOR");

	if (m != COLOR_AUTO)
		return m == COLOR_ALWAYS;
	if (no && *no)
		return false;
	return isatty(fd);
}

void run_plan_human(const struct session *ss, struct human_options *h, bool json)
{
	const struct cli *c = &ss->cli;

	memset(h, 0, sizeof *h);
	h->out = json ? stderr : stdout;
	h->err = stderr;
	h->color = use_color(c->color, json ? 2 : 1);
	h->progress = c->progress == PROGRESS_AUTO && isatty(2) && !c->no_capture && !json;
	h->settings = &ss->settings;
	h->show_slowest = c->show_slowest;
}

/*
 * config_show.c - testrig show-config's text: the chosen profile's
 * effective settings, each with where it came from, then the suites,
 * overrides, test groups, scripts and the store as INI, and with -E or
 * binaries each selected test's settings that an override changes.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/config.h"
#include "testrig/list.h"
#include "testrig/parse.h"
#include "testrig/settings.h"

static void show_words(struct buf *out, const char *key, const struct strvec *words)
{
	size_t i;

	buf_printf(out, "%s =", key);
	for (i = 0; i < words->n; i++) {
		buf_addc(out, ' ');
		quote_word(out, words->v[i]);
	}
	buf_addc(out, '\n');
}

static void show_header(struct buf *out, const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void show_header(struct buf *out, const char *origin, const char *fmt, ...)
{
	va_list ap;

	buf_addc(out, '\n');
	va_start(ap, fmt);
	buf_vprintf(out, fmt, ap);
	va_end(ap);
	if (origin)
		buf_printf(out, "  ; %s", origin);
	buf_addc(out, '\n');
}

static void show_profile(const struct config *cfg, const struct settings *eff, struct buf *out)
{
	struct buf values[SET_COUNT];
	size_t id, key_width = 0, value_width = 0;

	for (id = 0; id < SET_COUNT; id++) {
		buf_init(&values[id]);
		settings_format(eff, (enum setting_id)id, &values[id]);
		if (strlen(setting_defs[id].key) > key_width)
			key_width = strlen(setting_defs[id].key);
		if (values[id].len > value_width)
			value_width = values[id].len;
	}
	if (value_width > 24)
		value_width = 24;
	buf_printf(out, "[profile.%s]\n", cfg->profile_name ? cfg->profile_name : "default");
	for (id = 0; id < SET_COUNT; id++) {
		buf_printf(out, "%-*s = %-*s  ; %s\n", (int)key_width, setting_defs[id].key,
			   (int)value_width, values[id].data,
			   eff->origin[id] ? eff->origin[id] : "default");
		buf_free(&values[id]);
	}
}

static void show_suite(const struct suite *s, struct buf *out)
{
	if (!*s->name) {
		buf_printf(out, "\n; binaries from the command line, protocol %s\n",
			   protocol_name(s->protocol));
		return;
	}
	show_header(out, s->origin, "[suite.%s]", s->name);
	show_words(out, "binaries", &s->globs);
	buf_printf(out, "protocol = %s\n", protocol_name(s->protocol));
	if (s->cwd)
		buf_printf(out, "cwd = %s\n", s->cwd);
	if (s->env.n)
		show_words(out, "env", &s->env);
	if (s->list_command.text)
		buf_printf(out, "list-command = %s\n", s->list_command.text);
	if (s->run_command.text)
		buf_printf(out, "run-command = %s\n", s->run_command.text);
	if (s->allow_empty)
		buf_adds(out, "allow-empty = true\n");
	if (s->archive_include.n)
		show_words(out, "archive-include", &s->archive_include);
	if (s->args.text)
		buf_printf(out, "args = %s\n", s->args.text);
	if (s->isolation == ISOLATION_BINARY) {
		buf_adds(out, "isolation = binary\n");
		if (s->shards)
			buf_printf(out, "shards = %u\n", s->shards);
		else
			buf_adds(out, "shards = auto\n");
	}
}

static void show_script(const struct script *sc, struct buf *out)
{
	show_header(out, sc->origin, "[script.%s]", sc->name);
	buf_printf(out, "command = %s\n", sc->command.text ? sc->command.text : "");
	if (sc->teardown.text)
		buf_printf(out, "teardown = %s\n", sc->teardown.text);
	if (sc->filter_src)
		buf_printf(out, "filter = %s\n", sc->filter_src);
	buf_adds(out, "slow-timeout = ");
	format_duration(out, sc->slow_timeout);
	buf_printf(out, "\nterminate-after = %u\ngrace-period = ", sc->terminate_after);
	format_duration(out, sc->grace_period);
	buf_adds(out, "\nleak-timeout = ");
	format_duration(out, sc->leak_timeout);
	buf_printf(out, "\ncapture-stdout = %s\ncapture-stderr = %s\n",
		   sc->capture_stdout ? "true" : "false", sc->capture_stderr ? "true" : "false");
}

void config_show(const struct config *cfg, const struct settings *effective,
		 const struct test_list *list, struct buf *out)
{
	size_t i, id;

	if (cfg->path)
		buf_printf(out, "; %s, profile %s\n", cfg->path,
			   cfg->profile_name ? cfg->profile_name : "default");
	else
		buf_adds(out, "; no config file, profile default\n");
	show_profile(cfg, effective, out);
	for (i = 0; list && i < list->nsuites; i++)
		show_suite(list->suites[i], out);
	for (i = 0; i < cfg->noverrides; i++) {
		const struct override *o = &cfg->overrides[i];

		show_header(out, o->origin, "[profile.%s.override.%s]", o->profile, o->label);
		buf_printf(out, "filter = %s\n", o->filter_src ? o->filter_src : "");
		for (id = 0; id < SET_COUNT; id++) {
			if (!(o->set.set_mask & (UINT64_C(1) << id)))
				continue;
			buf_printf(out, "%s = ", setting_defs[id].key);
			settings_format(&o->set, (enum setting_id)id, out);
			buf_addc(out, '\n');
		}
	}
	for (i = 0; i < cfg->ngroups; i++) {
		const struct test_group *g = &cfg->groups[i];

		show_header(out, g->origin, "[test-group.%s]", g->name);
		if (g->max_threads)
			buf_printf(out, "max-threads = %u\n", g->max_threads);
		else
			buf_adds(out, "max-threads = num-test-threads\n");
	}
	for (i = 0; i < cfg->nscripts; i++)
		show_script(&cfg->scripts[i], out);
	show_header(out, cfg->store.origin ? cfg->store.origin : "default", "[store]");
	buf_printf(out, "dir = %s\nrecord = %s\nkeep-runs = %u\nmax-size = ",
		   cfg->store.dir ? cfg->store.dir : ".testrig", cfg->store.record ? "true" : "false",
		   cfg->store.keep_runs);
	format_size(out, cfg->store.max_size);
	buf_addc(out, '\n');
}

void config_show_tests(const struct settings *profile, const struct test_list *list,
		       struct buf *out)
{
	struct buf mine = BUF_INIT, theirs = BUF_INIT, name = BUF_INIT;
	size_t i, id, shown = 0;

	for (i = 0; i < list->ntests; i++)
		shown += list->tests[i].selected;
	buf_printf(out, "\n; the %zu selected test%s: each one's settings where an override makes "
		   "them differ from the profile\n", shown, shown == 1 ? "" : "s");
	for (i = 0; i < list->ntests; i++) {
		const struct test *t = &list->tests[i];
		const struct settings *s = t->settings ? t->settings : profile;
		bool any = false;

		if (!t->selected)
			continue;
		buf_reset(&name);
		test_shown_name(t, &name);
		buf_printf(out, "; %s", name.data);
		for (id = 0; id < SET_COUNT; id++) {
			if (!setting_defs[id].per_test)
				continue;
			buf_reset(&mine);
			buf_reset(&theirs);
			settings_format(s, (enum setting_id)id, &mine);
			settings_format(profile, (enum setting_id)id, &theirs);
			if (!strcmp(mine.data, theirs.data))
				continue;
			buf_printf(out, "%s\n;   %-20s = %-10s ; %s", any ? "" : ":",
				   setting_defs[id].key, mine.data, s->origin[id]);
			any = true;
		}
		buf_adds(out, any ? "\n" : ": as the profile\n");
	}
	buf_free(&mine);
	buf_free(&theirs);
	buf_free(&name);
}

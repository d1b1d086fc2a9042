/*
 * config_keys.c - the keys of testrig.ini's sections: which keys each kind
 * of section takes, how a value goes on over continuation lines, and each
 * value checked and stored where it belongs (a suite, a profile's or an
 * override's settings through settings_set, a test group, a script, the
 * store).  Errors name the key and the accepted values.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"
#include "testrig/filter.h"
#include "testrig/list.h"
#include "testrig/parse.h"
#include "testrig/path.h"
#include "testrig/util.h"

#define COMMAND_ACCEPTED "a command: words with sh-like quoting ('...', \"...\", \\)"

struct key_def {
	const char *key;
	enum value_shape shape;
	const char *accepted;
};

static const struct key_def suite_keys[SUITE_NKEYS] = {
	[SUITE_BINARIES] = { "binaries", SHAPE_WORDS,
		"one or more globs, space separated, relative to the project root" },
	[SUITE_PROTOCOL] = { "protocol", SHAPE_SINGLE, "exec, tap, gtest, libtest, custom" },
	[SUITE_CWD] = { "cwd", SHAPE_SINGLE, "a directory, relative to the project root" },
	[SUITE_ENV] = { "env", SHAPE_WORDS,
		"KEY=VALUE words, KEY matching [A-Za-z_][A-Za-z0-9_]*" },
	[SUITE_LIST_COMMAND] = { "list-command", SHAPE_COMMAND, COMMAND_ACCEPTED },
	[SUITE_RUN_COMMAND] = { "run-command", SHAPE_COMMAND, COMMAND_ACCEPTED },
	[SUITE_ALLOW_EMPTY] = { "allow-empty", SHAPE_SINGLE, "true, false" },
	[SUITE_ARCHIVE_INCLUDE] = { "archive-include", SHAPE_WORDS,
		"one or more globs, space separated, relative to the project root" },
	[SUITE_ARGS] = { "args", SHAPE_COMMAND,
		"words appended to every command that runs a test, split like a command" },
	[SUITE_ISOLATION] = { "isolation", SHAPE_SINGLE, "test, binary" },
	[SUITE_SHARDS] = { "shards", SHAPE_SINGLE, "a positive number or auto" },
};

static const struct key_def group_keys[GROUP_NKEYS] = {
	[GROUP_MAX_THREADS] = { "max-threads", SHAPE_SINGLE,
		"a positive number or num-test-threads" },
};

/* The timing keys share the profile keys' syntax (settings_set parses them). */
static const struct key_def script_keys[SCRIPT_NKEYS] = {
	[SCRIPT_COMMAND] = { "command", SHAPE_COMMAND, COMMAND_ACCEPTED },
	[SCRIPT_TEARDOWN] = { "teardown", SHAPE_COMMAND, COMMAND_ACCEPTED " (empty: none)" },
	[SCRIPT_FILTER] = { "filter", SHAPE_FILTER, "a filter expression" },
	[SCRIPT_SLOW_TIMEOUT] = { "slow-timeout", SHAPE_SINGLE, NULL },
	[SCRIPT_TERMINATE_AFTER] = { "terminate-after", SHAPE_SINGLE, NULL },
	[SCRIPT_GRACE_PERIOD] = { "grace-period", SHAPE_SINGLE, NULL },
	[SCRIPT_LEAK_TIMEOUT] = { "leak-timeout", SHAPE_SINGLE, NULL },
	[SCRIPT_CAPTURE_STDOUT] = { "capture-stdout", SHAPE_SINGLE, "true, false" },
	[SCRIPT_CAPTURE_STDERR] = { "capture-stderr", SHAPE_SINGLE, "true, false" },
};

static const struct key_def store_keys[STORE_NKEYS] = {
	[STORE_DIR] = { "dir", SHAPE_SINGLE, "a directory, relative to the project root" },
	[STORE_RECORD] = { "record", SHAPE_SINGLE, "true, false" },
	[STORE_KEEP_RUNS] = { "keep-runs", SHAPE_SINGLE, "a number of runs (1 or more)" },
	[STORE_MAX_SIZE] = { "max-size", SHAPE_SINGLE, "a size such as 64MiB, 1GiB" },
};

/* ---- which keys ---- */

static int table_index(const struct key_def *t, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].key, key) == 0)
			return i;
	return -1;
}

/* The index of `key` among the keys a section of this kind accepts, or -1. */
static int key_index(enum section_kind kind, const char *key)
{
	const struct setting_def *d;

	switch (kind) {
	case SEC_SUITE:
		return table_index(suite_keys, SUITE_NKEYS, key);
	case SEC_GROUP:
		return table_index(group_keys, GROUP_NKEYS, key);
	case SEC_SCRIPT:
		return table_index(script_keys, SCRIPT_NKEYS, key);
	case SEC_STORE:
		return table_index(store_keys, STORE_NKEYS, key);
	case SEC_PROFILE:
		d = setting_lookup(key);
		return d ? (int)d->id : -1;
	case SEC_OVERRIDE:
		if (strcmp(key, "filter") == 0)
			return OVERRIDE_FILTER;
		d = setting_lookup(key);
		return d && d->per_test ? (int)d->id : -1;
	}
	return -1;
}

const char *loader_key_name(enum section_kind kind, int idx)
{
	switch (kind) {
	case SEC_SUITE: return suite_keys[idx].key;
	case SEC_GROUP: return group_keys[idx].key;
	case SEC_SCRIPT: return script_keys[idx].key;
	case SEC_STORE: return store_keys[idx].key;
	case SEC_PROFILE:
	case SEC_OVERRIDE:
		return idx == OVERRIDE_FILTER ? "filter" : setting_defs[idx].key;
	}
	return "?";
}

static enum value_shape key_shape(enum section_kind kind, int idx)
{
	switch (kind) {
	case SEC_SUITE: return suite_keys[idx].shape;
	case SEC_GROUP: return group_keys[idx].shape;
	case SEC_SCRIPT: return script_keys[idx].shape;
	case SEC_STORE: return store_keys[idx].shape;
	case SEC_PROFILE:
	case SEC_OVERRIDE:
		if (idx == OVERRIDE_FILTER || idx == SET_DEFAULT_FILTER)
			return SHAPE_FILTER;
		return setting_defs[idx].kind == SETTING_COMMAND ? SHAPE_COMMAND : SHAPE_SINGLE;
	}
	return SHAPE_SINGLE;
}

/* "a, b, c": the keys a section of this kind accepts, for error messages. */
static void list_keys(enum section_kind kind, struct buf *out)
{
	const struct key_def *t = NULL;
	int i, n = 0;

	switch (kind) {
	case SEC_SUITE: t = suite_keys; n = SUITE_NKEYS; break;
	case SEC_GROUP: t = group_keys; n = GROUP_NKEYS; break;
	case SEC_SCRIPT: t = script_keys; n = SCRIPT_NKEYS; break;
	case SEC_STORE: t = store_keys; n = STORE_NKEYS; break;
	case SEC_PROFILE:
	case SEC_OVERRIDE:
		if (kind == SEC_OVERRIDE)
			buf_adds(out, "filter");
		for (i = 0; i < (int)SET_COUNT; i++) {
			if (kind == SEC_OVERRIDE && !setting_defs[i].per_test)
				continue;
			if (out->len)
				buf_adds(out, ", ");
			buf_adds(out, setting_defs[i].key);
		}
		return;
	}
	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s", i ? ", " : "", t[i].key);
}

/* ---- values ---- */

/* Parses a filter expression to check it; NULL (error recorded) if invalid. */
static struct filter *parse_filter(struct loader *ld, const char *key, const char *src, int line)
{
	struct filter_error fe;
	struct filter *f = filter_parse(src, &fe);

	if (!f) {
		struct buf text = BUF_INIT;

		filter_error_format(src, &fe, &text);
		loader_fail(ld, EXIT_FILTER, line, "invalid filter in %s: %s", key, text.data);
		buf_free(&text);
	}
	return f;
}

/*
 * Splits a command where it is read (it is carried as argv from then on);
 * it must have words unless may_be_empty.  False (and *out empty) if not.
 */
static bool parse_command(struct loader *ld, const char *key, const char *value, int line,
			  bool may_be_empty, struct command *out)
{
	const char *why;

	if (command_parse(out, value, &why)) {
		loader_fail(ld, EXIT_SETUP, line, "%s: %s in '%s'", key, why, value);
		return false;
	}
	if (!out->argv.n && !may_be_empty) {
		loader_bad_value(ld, line, key, value, COMMAND_ACCEPTED);
		command_free(out);
		return false;
	}
	return true;
}

static void add_group_ref(struct loader *ld, const char *group, int line)
{
	ld->refs = xreallocarray(ld->refs, ld->nrefs + 1, sizeof *ld->refs);
	ld->refs[ld->nrefs].group = xstrdup(group);
	ld->refs[ld->nrefs].line = line;
	ld->nrefs++;
}

/* A profile or override key: settings_set gives it the meaning -P/options have. */
static void apply_setting(struct loader *ld, struct settings *set, enum setting_id id,
			  const char *value, int line)
{
	const char *accepted;
	struct filter *f;

	if (settings_set(set, id, value, loader_origin(ld, line), &accepted)) {
		if (setting_defs[id].kind == SETTING_COMMAND && *value)
			/* the command could not be split */
			loader_fail(ld, EXIT_SETUP, line, "%s: %s in '%s'", setting_defs[id].key,
				    accepted, value);
		else
			loader_bad_value(ld, line, setting_defs[id].key, value, accepted);
		return;
	}
	switch (id) {
	case SET_DEFAULT_FILTER:
		if (*value && (f = parse_filter(ld, "default-filter", value, line)))
			filter_free(f);
		break;
	case SET_TEST_GROUP:
		if (set->test_group)
			add_group_ref(ld, set->test_group, line);
		break;
	default:
		break;
	}
}

static bool is_env_key(const char *s, size_t n)
{
	size_t i;

	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < n; i++)
		if (!is_name_char(s[i]) || s[i] == '-')
			return false;
	return true;
}

/* binaries and env take words; a continuation line adds more of them. */
static void add_suite_words(struct loader *ld, struct suite *s, int key, const char *value,
			    int line)
{
	struct strvec words = STRVEC_INIT;
	const char *why;
	size_t i, j;

	if (split_words(value, &words, &why)) {
		loader_fail(ld, EXIT_SETUP, line, "%s: %s in '%s'", suite_keys[key].key, why, value);
		goto out;
	}
	for (i = 0; i < words.n; i++) {
		const char *w = words.v[i], *eq = strchr(w, '=');
		size_t klen = eq ? (size_t)(eq - w) : 0;

		if (key == SUITE_BINARIES || key == SUITE_ARCHIVE_INCLUDE) {
			strvec_push(key == SUITE_BINARIES ? &s->globs : &s->archive_include, w);
			continue;
		}
		if (!eq || !is_env_key(w, klen)) {
			loader_fail(ld, EXIT_SETUP, line, "env: invalid entry '%s' (expected %s)",
				    w, suite_keys[SUITE_ENV].accepted);
			goto out;
		}
		/* testrig's own variables describe the run; a suite must not fake them. */
		if (klen >= 7 && strncmp(w, "TESTRIG", 7) == 0) {
			loader_fail(ld, EXIT_SETUP, line, "env: '%.*s' is reserved: testrig "
				    "sets the TESTRIG* variables itself", (int)klen, w);
			goto out;
		}
		for (j = 0; j < s->env.n; j++) {
			if (strncmp(s->env.v[j], w, klen + 1) == 0) {
				loader_fail(ld, EXIT_SETUP, line, "env: %.*s is set twice",
					    (int)klen, w);
				goto out;
			}
		}
		strvec_push(&s->env, w);
	}
out:
	strvec_free(&words);
}

static void apply_suite_key(struct loader *ld, struct suite *s, int key, const char *value,
			    int line)
{
	const char *name = suite_keys[key].key;
	bool b;

	switch (key) {
	case SUITE_BINARIES:
		if (!s->globs.n)
			loader_bad_value(ld, line, name, value, suite_keys[key].accepted);
		break;
	case SUITE_ARCHIVE_INCLUDE:
		if (!s->archive_include.n)
			loader_bad_value(ld, line, name, value, suite_keys[key].accepted);
		break;
	case SUITE_ENV:
		break;
	case SUITE_PROTOCOL:
		if (protocol_lookup(value, &s->protocol))
			loader_bad_value(ld, line, name, value, suite_keys[key].accepted);
		break;
	case SUITE_CWD:
		if (!*value) {
			loader_bad_value(ld, line, name, value, suite_keys[key].accepted);
			break;
		}
		s->cwd = path_absolute(value, ld->cfg->root);
		break;
	case SUITE_LIST_COMMAND:
	case SUITE_RUN_COMMAND:
		parse_command(ld, name, value, line, false,
			      key == SUITE_LIST_COMMAND ? &s->list_command : &s->run_command);
		break;
	case SUITE_ARGS:
		parse_command(ld, name, value, line, true, &s->args);
		break;
	case SUITE_ISOLATION:
		if (isolation_lookup(value, &s->isolation))
			loader_bad_value(ld, line, name, value, suite_keys[key].accepted);
		break;
	case SUITE_SHARDS: {
		unsigned n;

		if (strcmp(value, "auto") == 0)
			s->shards = 0;
		else if (parse_uint(value, 10000, &n) || n == 0)
			loader_bad_value(ld, line, name, value, suite_keys[key].accepted);
		else
			s->shards = n;
		break;
	}
	case SUITE_ALLOW_EMPTY:
		if (parse_bool(value, &b))
			loader_bad_value(ld, line, name, value, suite_keys[key].accepted);
		else
			s->allow_empty = b;
		break;
	}
}

static void apply_group_key(struct loader *ld, struct test_group *g, const char *value, int line)
{
	unsigned n;

	if (strcmp(value, "num-test-threads") == 0)
		g->max_threads = 0;
	else if (parse_uint(value, 100000, &n) || n == 0)
		loader_bad_value(ld, line, "max-threads", value, group_keys[GROUP_MAX_THREADS].accepted);
	else
		g->max_threads = n;
}

static enum setting_id script_setting(int key)
{
	switch (key) {
	case SCRIPT_SLOW_TIMEOUT: return SET_SLOW_TIMEOUT;
	case SCRIPT_TERMINATE_AFTER: return SET_TERMINATE_AFTER;
	case SCRIPT_GRACE_PERIOD: return SET_GRACE_PERIOD;
	case SCRIPT_LEAK_TIMEOUT: return SET_LEAK_TIMEOUT;
	default: return SET_COUNT;
	}
}

static void apply_script_key(struct loader *ld, struct script *sc, int key, const char *value,
			     int line)
{
	const char *name = script_keys[key].key, *accepted;
	struct settings timing;
	bool b;

	switch (key) {
	case SCRIPT_COMMAND:
		parse_command(ld, name, value, line, false, &sc->command);
		break;
	case SCRIPT_TEARDOWN:
		if (parse_command(ld, name, value, line, true, &sc->teardown) && !*value)
			command_free(&sc->teardown);
		break;
	case SCRIPT_FILTER:
		if ((sc->filter = parse_filter(ld, name, value, line)))
			sc->filter_src = xstrdup(value);
		break;
	case SCRIPT_SLOW_TIMEOUT:
	case SCRIPT_TERMINATE_AFTER:
	case SCRIPT_GRACE_PERIOD:
	case SCRIPT_LEAK_TIMEOUT:
		memset(&timing, 0, sizeof timing);
		if (settings_set(&timing, script_setting(key), value, "", &accepted)) {
			loader_bad_value(ld, line, name, value, accepted);
			break;
		}
		if (key == SCRIPT_SLOW_TIMEOUT)
			sc->slow_timeout = timing.slow_timeout;
		else if (key == SCRIPT_TERMINATE_AFTER)
			sc->terminate_after = timing.terminate_after;
		else if (key == SCRIPT_GRACE_PERIOD)
			sc->grace_period = timing.grace_period;
		else
			sc->leak_timeout = timing.leak_timeout;
		break;
	case SCRIPT_CAPTURE_STDOUT:
	case SCRIPT_CAPTURE_STDERR:
		if (parse_bool(value, &b))
			loader_bad_value(ld, line, name, value, script_keys[key].accepted);
		else if (key == SCRIPT_CAPTURE_STDOUT)
			sc->capture_stdout = b;
		else
			sc->capture_stderr = b;
		break;
	}
}

static void apply_store_key(struct loader *ld, struct store_config *st, int key,
			    const char *value, int line)
{
	const char *name = store_keys[key].key;
	unsigned u;
	bool b;

	switch (key) {
	case STORE_DIR:
		if (!*value)
			loader_bad_value(ld, line, name, value, store_keys[key].accepted);
		else
			st->dir = xstrdup(value);
		break;
	case STORE_RECORD:
		if (parse_bool(value, &b))
			loader_bad_value(ld, line, name, value, store_keys[key].accepted);
		else
			st->record = b;
		break;
	case STORE_KEEP_RUNS:
		if (parse_uint(value, 1000000, &u) || u == 0)
			loader_bad_value(ld, line, name, value, store_keys[key].accepted);
		else
			st->keep_runs = u;
		break;
	case STORE_MAX_SIZE:
		if (parse_size(value, &st->max_size) || st->max_size == 0)
			loader_bad_value(ld, line, name, value, store_keys[key].accepted);
		break;
	}
}

void loader_finish_key(struct loader *ld)
{
	int key = ld->key, line = ld->key_line;
	const char *value;
	struct override *o;

	if (key < 0)
		return;
	ld->key = -1;
	value = ld->value.data;
	switch (ld->sec.kind) {
	case SEC_SUITE:
		apply_suite_key(ld, ld->suites.suites[ld->sec.slot], key, value, line);
		break;
	case SEC_PROFILE:
		apply_setting(ld, &ld->profiles[ld->sec.slot].set, (enum setting_id)key, value, line);
		break;
	case SEC_OVERRIDE:
		o = &ld->overrides[ld->sec.slot];
		if (key != OVERRIDE_FILTER)
			apply_setting(ld, &o->set, (enum setting_id)key, value, line);
		else if ((o->filter = parse_filter(ld, "filter", value, line)))
			o->filter_src = xstrdup(value);
		break;
	case SEC_GROUP:
		apply_group_key(ld, &ld->cfg->groups[ld->sec.slot], value, line);
		break;
	case SEC_SCRIPT:
		apply_script_key(ld, &ld->cfg->scripts[ld->sec.slot], key, value, line);
		break;
	case SEC_STORE:
		apply_store_key(ld, &ld->cfg->store, key, value, line);
		break;
	}
	buf_reset(&ld->value);
}

void loader_begin_key(struct loader *ld, const char *name, const char *value)
{
	int idx;

	ld->after_key = true;
	if (!ld->in_section) {
		loader_fail(ld, EXIT_SETUP, ld->lineno, "key '%s' before any [section] (sections: "
			    SECTION_FORMS ")", name);
		return;
	}
	idx = key_index(ld->sec.kind, name);
	if (idx < 0) {
		struct buf keys = BUF_INIT;

		list_keys(ld->sec.kind, &keys);
		loader_fail(ld, EXIT_SETUP, ld->lineno, "unknown key '%s' in [%s] (accepted: %s)",
			    name, ld->sec.header, keys.data);
		buf_free(&keys);
		return;
	}
	if (ld->sec.key_line[idx]) {
		loader_fail(ld, EXIT_SETUP, ld->lineno, "duplicate key '%s' in [%s] (first at line %d)",
			    name, ld->sec.header, ld->sec.key_line[idx]);
		return;
	}
	ld->sec.key_line[idx] = ld->lineno;
	ld->key = idx;
	ld->key_line = ld->lineno;
	buf_reset(&ld->value);
	if (key_shape(ld->sec.kind, idx) == SHAPE_WORDS)
		add_suite_words(ld, ld->suites.suites[ld->sec.slot], idx, value, ld->lineno);
	else
		buf_adds(&ld->value, value);
}

void loader_continue_key(struct loader *ld, const char *value)
{
	const char *key;

	if (ld->key < 0) {
		/* after_key is only set by a key that was accepted and is still open */
		loader_fail(ld, EXIT_SETUP, ld->lineno, "indented line continues no key");
		return;
	}
	key = loader_key_name(ld->sec.kind, ld->key);
	switch (key_shape(ld->sec.kind, ld->key)) {
	case SHAPE_WORDS:
		add_suite_words(ld, ld->suites.suites[ld->sec.slot], ld->key, value, ld->lineno);
		break;
	case SHAPE_FILTER:
	case SHAPE_COMMAND:
		/* Joined with one space: a long command or expression over several lines. */
		buf_addc(&ld->value, ' ');
		buf_adds(&ld->value, value);
		break;
	case SHAPE_SINGLE:
		loader_fail(ld, EXIT_SETUP, ld->lineno, "indented line continues '%s' (line %d), "
			    "which takes a single value; only lists (binaries, env, archive-include), "
			    "filters and commands go on over several lines (unindent the line if it "
			    "is a key of its own)", key, ld->key_line);
		break;
	}
}

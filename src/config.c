/*
 * config.c - testrig.ini: finding it, feeding it to libinih one line at a
 * time (so that this file, not libinih, knows line numbers, sections and
 * continuation lines), checking every section and key, and resolving the
 * chosen profile, its overrides and the settings of each test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/config.h"
#include "testrig/filter.h"
#include "testrig/list.h"
#include "testrig/parse.h"
#include "testrig/path.h"
#include "testrig/settings.h"
#include "testrig/util.h"

#define SECTION_FORMS "[suite.NAME], [profile.NAME], [profile.NAME.override.LABEL], " \
	"[test-group.NAME], [script.NAME], [store]"
#define COMMAND_ACCEPTED "a command: words with sh-like quoting ('...', \"...\", \\)"

enum section_kind { SEC_SUITE, SEC_PROFILE, SEC_OVERRIDE, SEC_GROUP, SEC_SCRIPT, SEC_STORE };

/* How libinih saw the line the reader handed it last. */
enum line_kind { LINE_COMMENT, LINE_SECTION, LINE_KEY, LINE_CONTINUATION };

/* What an indented continuation line does to a key's value. */
enum value_shape {
	SHAPE_SINGLE,   /* nothing: a continuation is an error */
	SHAPE_WORDS,    /* adds more words */
	SHAPE_FILTER,   /* continues the expression (joined with a space) */
	SHAPE_COMMAND,  /* continues the command (joined with a space) */
};

struct key_def {
	const char *key;
	enum value_shape shape;
	const char *accepted;
};

enum {
	SUITE_BINARIES, SUITE_PROTOCOL, SUITE_CWD, SUITE_ENV, SUITE_LIST_COMMAND,
	SUITE_RUN_COMMAND, SUITE_ALLOW_EMPTY, SUITE_ARCHIVE_INCLUDE, SUITE_ARGS, SUITE_ISOLATION, SUITE_SHARDS,
	SUITE_NKEYS
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

enum { GROUP_MAX_THREADS, GROUP_NKEYS };

static const struct key_def group_keys[GROUP_NKEYS] = {
	[GROUP_MAX_THREADS] = { "max-threads", SHAPE_SINGLE,
		"a positive number or num-test-threads" },
};

enum {
	SCRIPT_COMMAND, SCRIPT_TEARDOWN, SCRIPT_FILTER, SCRIPT_SLOW_TIMEOUT,
	SCRIPT_TERMINATE_AFTER, SCRIPT_GRACE_PERIOD, SCRIPT_LEAK_TIMEOUT,
	SCRIPT_CAPTURE_STDOUT, SCRIPT_CAPTURE_STDERR, SCRIPT_NKEYS
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

enum { STORE_DIR, STORE_RECORD, STORE_KEEP_RUNS, STORE_MAX_SIZE, STORE_NKEYS };

static const struct key_def store_keys[STORE_NKEYS] = {
	[STORE_DIR] = { "dir", SHAPE_SINGLE, "a directory, relative to the project root" },
	[STORE_RECORD] = { "record", SHAPE_SINGLE, "true, false" },
	[STORE_KEEP_RUNS] = { "keep-runs", SHAPE_SINGLE, "a number of runs (1 or more)" },
	[STORE_MAX_SIZE] = { "max-size", SHAPE_SINGLE, "a size such as 64MiB, 1GiB" },
};

/* An override's own key, numbered after the settings it may carry. */
#define OVERRIDE_FILTER ((int)SET_COUNT)
#define MAX_SECTION_KEYS ((int)SET_COUNT + 1)

_Static_assert(SUITE_NKEYS <= MAX_SECTION_KEYS && SCRIPT_NKEYS <= MAX_SECTION_KEYS,
	       "key_line[] must hold every section's keys");

/* [profile.NAME]: its keys, kept until the chosen profile is known. */
struct profile_section {
	char *name;
	struct settings set;        /* zeroed, then only what the section sets */
};

/* A test-group = NAME to check once every [test-group.NAME] has been read. */
struct group_ref {
	char *group;
	int line;
};

/* The section being read. */
struct section {
	enum section_kind kind;
	char *header;               /* the text between the brackets */
	int line;
	size_t slot;                /* into the array its kind fills */
	int key_line[MAX_SECTION_KEYS];  /* where each key was set; 0: not yet */
};

struct loader {
	const char *name;           /* the file, as messages show it */
	const char *data;
	size_t len, pos;
	int lineno;                 /* of the line handed to libinih last */
	enum line_kind line_kind;
	/* Mirrors libinih's prev_name: an indented line after a key continues it. */
	bool after_key;

	bool in_section;
	struct section sec;
	struct strvec headers;      /* every section so far, for duplicates */
	int *header_lines;

	/* The key being read: it may go on over indented lines. */
	int key;                    /* index in the section's keys; -1: none */
	int key_line;
	struct buf value;

	struct config *cfg;
	struct test_list suites;    /* moved to the caller's list on success */
	struct profile_section *profiles;
	size_t nprofiles;
	struct strvec profile_names; /* every profile named by a section, in order */
	struct override *overrides; /* of every profile, in file order */
	size_t noverrides;
	struct group_ref *refs;
	size_t nrefs;

	int rc;                     /* the first error's exit code, or 0 */
	struct buf msg;             /* and its message */
};

static void fail(struct loader *ld, int rc, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Records the first error only: later ones are usually its consequences. */
static void fail(struct loader *ld, int rc, int line, const char *fmt, ...)
{
	va_list ap;

	if (ld->rc)
		return;
	ld->rc = rc;
	if (line > 0)
		buf_printf(&ld->msg, "%s:%d: ", ld->name, line);
	va_start(ap, fmt);
	buf_vprintf(&ld->msg, fmt, ap);
	va_end(ap);
	if (!ld->msg.len || ld->msg.data[ld->msg.len - 1] != '\n')
		buf_addc(&ld->msg, '\n');
}

static void bad_value(struct loader *ld, int line, const char *key, const char *value,
		      const char *accepted)
{
	fail(ld, EXIT_SETUP, line, "%s: invalid value '%s' (expected %s)",
	     key, value, accepted);
}

/* "FILE:LINE", owned by cfg->origins for as long as cfg lives. */
static const char *origin_at(struct loader *ld, int line)
{
	strvec_pushf(&ld->cfg->origins, "%s:%d", ld->name, line);
	return ld->cfg->origins.v[ld->cfg->origins.n - 1];
}

/* The same classification as libinih's isspace() on a char. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '_';
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

/*
 * libinih's ini_find_chars_or_comment over [s, end): the first of `chars`,
 * or a ';' that follows whitespace (an inline comment), or end.
 */
static const char *find_chars_or_comment(const char *s, const char *end, const char *chars)
{
	bool was_space = false;

	while (s < end && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = is_space(*s);
		s++;
	}
	return s;
}

/* ---- paths ---- */

static char *dir_of(const char *abs)
{
	const char *slash = strrchr(abs, '/');

	if (!slash || slash == abs)
		return xstrdup("/");
	return xstrndup(abs, (size_t)(slash - abs));
}

int config_find(const char *explicit_path, char **path, struct buf *err)
{
	const char *env = getenv("TESTRIG_CONFIG");
	const char *named = explicit_path ? explicit_path : env && *env ? env : NULL;
	const char *from = explicit_path ? "--config" : "$TESTRIG_CONFIG";
	struct stat st;
	char *dir;

	*path = NULL;
	if (named) {
		if (stat(named, &st) != 0) {
			buf_printf(err, "config file '%s' (from %s): %s\n", named, from,
				   strerror(errno));
			return EXIT_SETUP;
		}
		if (S_ISDIR(st.st_mode)) {
			buf_printf(err, "config file '%s' (from %s) is a directory\n", named, from);
			return EXIT_SETUP;
		}
		if (!(*path = path_absolute(named, NULL))) {
			buf_printf(err, "config file '%s' (from %s): cannot make it absolute: "
				   "getcwd: %s\n", named, from, strerror(errno));
			return EXIT_SETUP;
		}
		return 0;
	}
	if (!(dir = path_current_dir())) {
		buf_printf(err, "looking for testrig.ini: getcwd: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	for (;;) {
		char *candidate = xasprintf("%s/testrig.ini", strcmp(dir, "/") ? dir : "");
		char *slash;

		/* Unreadable directories on the way up are passed over, as git does. */
		if (stat(candidate, &st) == 0 && !S_ISDIR(st.st_mode)) {
			*path = candidate;
			break;
		}
		free(candidate);
		slash = strrchr(dir, '/');
		if (!slash || !strcmp(dir, "/"))
			break;
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	free(dir);
	return 0;
}

/* ---- section keys ---- */

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

static const char *key_name(enum section_kind kind, int idx)
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
		fail(ld, EXIT_FILTER, line, "invalid filter in %s: %s", key, text.data);
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
		fail(ld, EXIT_SETUP, line, "%s: %s in '%s'", key, why, value);
		return false;
	}
	if (!out->argv.n && !may_be_empty) {
		bad_value(ld, line, key, value, COMMAND_ACCEPTED);
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

	if (settings_set(set, id, value, origin_at(ld, line), &accepted)) {
		if (setting_defs[id].kind == SETTING_COMMAND && *value)
			/* the command could not be split */
			fail(ld, EXIT_SETUP, line, "%s: %s in '%s'", setting_defs[id].key,
			     accepted, value);
		else
			bad_value(ld, line, setting_defs[id].key, value, accepted);
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

/* binaries and env take words; a continuation line adds more of them. */
static void add_suite_words(struct loader *ld, struct suite *s, int key, const char *value,
			    int line)
{
	struct strvec words = STRVEC_INIT;
	const char *why;
	size_t i, j;

	if (split_words(value, &words, &why)) {
		fail(ld, EXIT_SETUP, line, "%s: %s in '%s'", suite_keys[key].key, why, value);
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
			fail(ld, EXIT_SETUP, line, "env: invalid entry '%s' (expected %s)",
			     w, suite_keys[SUITE_ENV].accepted);
			goto out;
		}
		/* testrig's own variables describe the run; a suite must not fake them. */
		if (klen >= 7 && strncmp(w, "TESTRIG", 7) == 0) {
			fail(ld, EXIT_SETUP, line, "env: '%.*s' is reserved: testrig "
			     "sets the TESTRIG* variables itself", (int)klen, w);
			goto out;
		}
		for (j = 0; j < s->env.n; j++) {
			if (strncmp(s->env.v[j], w, klen + 1) == 0) {
				fail(ld, EXIT_SETUP, line, "env: %.*s is set twice",
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
			bad_value(ld, line, name, value, suite_keys[key].accepted);
		break;
	case SUITE_ARCHIVE_INCLUDE:
		if (!s->archive_include.n)
			bad_value(ld, line, name, value, suite_keys[key].accepted);
		break;
	case SUITE_ENV:
		break;
	case SUITE_PROTOCOL:
		if (protocol_lookup(value, &s->protocol))
			bad_value(ld, line, name, value, suite_keys[key].accepted);
		break;
	case SUITE_CWD:
		if (!*value) {
			bad_value(ld, line, name, value, suite_keys[key].accepted);
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
			bad_value(ld, line, name, value, suite_keys[key].accepted);
		break;
	case SUITE_SHARDS: {
		unsigned n;

		if (strcmp(value, "auto") == 0)
			s->shards = 0;
		else if (parse_uint(value, 10000, &n) || n == 0)
			bad_value(ld, line, name, value, suite_keys[key].accepted);
		else
			s->shards = n;
		break;
	}
	case SUITE_ALLOW_EMPTY:
		if (parse_bool(value, &b))
			bad_value(ld, line, name, value, suite_keys[key].accepted);
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
		bad_value(ld, line, "max-threads", value, group_keys[GROUP_MAX_THREADS].accepted);
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
			bad_value(ld, line, name, value, accepted);
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
			bad_value(ld, line, name, value, script_keys[key].accepted);
		else if (key == SCRIPT_CAPTURE_STDOUT)
			sc->capture_stdout = b;
		else
			sc->capture_stderr = b;
		break;
	}
}

static void store_defaults(struct store_config *st)
{
	memset(st, 0, sizeof *st);
	st->record = true;
	st->keep_runs = 50;
	st->max_size = UINT64_C(256) << 20;
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
			bad_value(ld, line, name, value, store_keys[key].accepted);
		else
			st->dir = xstrdup(value);
		break;
	case STORE_RECORD:
		if (parse_bool(value, &b))
			bad_value(ld, line, name, value, store_keys[key].accepted);
		else
			st->record = b;
		break;
	case STORE_KEEP_RUNS:
		if (parse_uint(value, 1000000, &u) || u == 0)
			bad_value(ld, line, name, value, store_keys[key].accepted);
		else
			st->keep_runs = u;
		break;
	case STORE_MAX_SIZE:
		if (parse_size(value, &st->max_size) || st->max_size == 0)
			bad_value(ld, line, name, value, store_keys[key].accepted);
		break;
	}
}

/* The whole value of a key is known: give it to its section. */
static void finish_key(struct loader *ld)
{
	int key = ld->key, line = ld->key_line;
	const char *value;
	struct override *o;

	if (key < 0)
		return;
	ld->key = -1;
	value = ld->value.data ? ld->value.data : "";
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

/* ---- sections ---- */

static void missing_key(struct loader *ld, const char *key, const char *why)
{
	fail(ld, EXIT_SETUP, ld->sec.line, "missing key '%s' in [%s]%s", key,
	     ld->sec.header, why);
}

/* The section has ended: check what only the whole section can tell. */
static void finish_section(struct loader *ld)
{
	const int *kl = ld->sec.key_line;
	const struct suite *s;

	if (!ld->in_section)
		return;
	switch (ld->sec.kind) {
	case SEC_SUITE:
		s = ld->suites.suites[ld->sec.slot];
		if (!kl[SUITE_BINARIES]) {
			missing_key(ld, "binaries", "");
		} else if (s->protocol == PROTO_CUSTOM) {
			if (!kl[SUITE_LIST_COMMAND] || !kl[SUITE_RUN_COMMAND])
				missing_key(ld, kl[SUITE_LIST_COMMAND] ? "run-command" : "list-command",
					    " (protocol custom needs list-command and run-command)");
		} else if (kl[SUITE_LIST_COMMAND] || kl[SUITE_RUN_COMMAND]) {
			int k = !kl[SUITE_RUN_COMMAND] ||
				(kl[SUITE_LIST_COMMAND] && kl[SUITE_LIST_COMMAND] < kl[SUITE_RUN_COMMAND]) ?
				SUITE_LIST_COMMAND : SUITE_RUN_COMMAND;
			fail(ld, EXIT_SETUP, kl[k], "%s is only for protocol custom "
			     "([%s] has protocol %s)", suite_keys[k].key, ld->sec.header,
			     protocol_name(s->protocol));
		}
		if (s->isolation == ISOLATION_BINARY && !isolation_binary_ok(s->protocol))
			fail(ld, EXIT_SETUP, kl[SUITE_ISOLATION], "[%s]: isolation = binary needs "
			     "protocol gtest or libtest (it has %s)", ld->sec.header,
			     protocol_name(s->protocol));
		else if (kl[SUITE_SHARDS] && s->isolation != ISOLATION_BINARY)
			fail(ld, EXIT_SETUP, kl[SUITE_SHARDS], "[%s]: shards needs isolation = binary",
			     ld->sec.header);
		else if (kl[SUITE_SHARDS] && s->shards != 1 && s->protocol != PROTO_GTEST)
			fail(ld, EXIT_SETUP, kl[SUITE_SHARDS], "[%s]: shards: libtest has no sharding "
			     "of its own (only gtest binaries are sharded)", ld->sec.header);
		break;
	case SEC_OVERRIDE:
		if (!kl[OVERRIDE_FILTER])
			missing_key(ld, "filter", " (an override applies to the tests its filter matches)");
		break;
	case SEC_SCRIPT:
		if (!kl[SCRIPT_COMMAND])
			missing_key(ld, "command", "");
		break;
	case SEC_PROFILE:
	case SEC_GROUP:
	case SEC_STORE:
		break;
	}
	free(ld->sec.header);
	memset(&ld->sec, 0, sizeof ld->sec);
	ld->in_section = false;
}

static bool valid_name(struct loader *ld, const char *what, const char *name,
		       const char *header, const char *form, int line)
{
	const char *p;

	if (!*name) {
		fail(ld, EXIT_SETUP, line, "empty %s in [%s] (write [%s])", what, header, form);
		return false;
	}
	for (p = name; *p; p++) {
		if (!is_name_char(*p)) {
			fail(ld, EXIT_SETUP, line, "invalid %s '%s' in [%s]: use letters, "
			     "digits, '-' and '_'", what, name, header);
			return false;
		}
	}
	return true;
}

static void note_profile_name(struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->profile_names.n; i++)
		if (strcmp(ld->profile_names.v[i], name) == 0)
			return;
	strvec_push(&ld->profile_names, name);
}

/* A "[HEADER]" line: which kind of section, with which names. */
static void begin_section(struct loader *ld, char *header, int line)
{
	static const struct { const char *prefix; enum section_kind kind; const char *form; } kinds[] = {
		{ "suite.", SEC_SUITE, "suite.NAME" },
		{ "profile.", SEC_PROFILE, "profile.NAME" },
		{ "test-group.", SEC_GROUP, "test-group.NAME" },
		{ "script.", SEC_SCRIPT, "script.NAME" },
	};
	struct config *cfg = ld->cfg;
	const char *name = NULL, *label = NULL;
	char *buf = NULL;
	enum section_kind kind = SEC_SUITE;
	size_t i;

	for (i = 0; i < ld->headers.n; i++) {
		if (strcmp(ld->headers.v[i], header) == 0) {
			fail(ld, EXIT_SETUP, line, "duplicate section [%s] (first at line %d)",
			     header, ld->header_lines[i]);
			free(header);
			return;
		}
	}
	ld->header_lines = xreallocarray(ld->header_lines, ld->headers.n + 1, sizeof *ld->header_lines);
	ld->header_lines[ld->headers.n] = line;
	strvec_push(&ld->headers, header);

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strncmp(header, kinds[i].prefix, strlen(kinds[i].prefix)) == 0) {
			kind = kinds[i].kind;
			name = header + strlen(kinds[i].prefix);
			break;
		}
	}
	if (strcmp(header, "store") == 0) {
		memset(&ld->sec, 0, sizeof ld->sec);
		ld->sec.kind = SEC_STORE;
		ld->sec.header = header;
		ld->sec.line = line;
		ld->in_section = true;
		cfg->store.origin = origin_at(ld, line);
		return;
	}
	if (!name) {
		fail(ld, EXIT_SETUP, line, "unknown section [%s] (accepted: " SECTION_FORMS ")",
		     header);
		free(header);
		return;
	}
	if (kind == SEC_PROFILE) {
		const char *ov = strstr(name, ".override.");

		if (ov) {
			kind = SEC_OVERRIDE;
			buf = xstrndup(name, (size_t)(ov - name));
			name = buf;
			label = ov + strlen(".override.");
		}
	}
	if (!valid_name(ld, "NAME", name, header, kind == SEC_OVERRIDE ?
			"profile.NAME.override.LABEL" : kinds[i].form, line) ||
	    (label && !valid_name(ld, "LABEL", label, header, "profile.NAME.override.LABEL", line))) {
		free(buf);
		free(header);
		return;
	}

	if (kind == SEC_SCRIPT && ld->cfg->nscripts >= CONFIG_MAX_SCRIPTS) {
		fail(ld, EXIT_SETUP, line, "[%s]: too many setup scripts (at most %d)",
		     header, CONFIG_MAX_SCRIPTS);
		free(buf);
		free(header);
		return;
	}
	memset(&ld->sec, 0, sizeof ld->sec);
	ld->sec.kind = kind;
	ld->sec.header = header;
	ld->sec.line = line;
	ld->in_section = true;
	switch (kind) {
	case SEC_SUITE: {
		struct suite *s = test_list_add_suite(&ld->suites, name, PROTO_EXEC);

		s->origin = origin_at(ld, line);
		ld->sec.slot = ld->suites.nsuites - 1;
		break;
	}
	case SEC_PROFILE:
		ld->profiles = xreallocarray(ld->profiles, ld->nprofiles + 1, sizeof *ld->profiles);
		memset(&ld->profiles[ld->nprofiles], 0, sizeof *ld->profiles);
		ld->profiles[ld->nprofiles].name = xstrdup(name);
		ld->sec.slot = ld->nprofiles++;
		note_profile_name(ld, name);
		break;
	case SEC_OVERRIDE: {
		struct override *o;

		ld->overrides = xreallocarray(ld->overrides, ld->noverrides + 1, sizeof *ld->overrides);
		o = &ld->overrides[ld->noverrides];
		memset(o, 0, sizeof *o);
		o->profile = xstrdup(name);
		o->label = xstrdup(label);
		o->origin = origin_at(ld, line);
		ld->sec.slot = ld->noverrides++;
		note_profile_name(ld, name);
		break;
	}
	case SEC_GROUP: {
		struct test_group *g;

		cfg->groups = xreallocarray(cfg->groups, cfg->ngroups + 1, sizeof *cfg->groups);
		g = &cfg->groups[cfg->ngroups];
		memset(g, 0, sizeof *g);
		g->name = xstrdup(name);
		g->origin = origin_at(ld, line);
		ld->sec.slot = cfg->ngroups++;
		break;
	}
	case SEC_SCRIPT: {
		struct script *sc;

		cfg->scripts = xreallocarray(cfg->scripts, cfg->nscripts + 1, sizeof *cfg->scripts);
		sc = &cfg->scripts[cfg->nscripts];
		memset(sc, 0, sizeof *sc);
		sc->name = xstrdup(name);
		sc->grace_period = 10 * NS_PER_SEC;
		sc->leak_timeout = 100 * NS_PER_MS;
		sc->capture_stdout = true;
		sc->capture_stderr = true;
		sc->origin = origin_at(ld, line);
		ld->sec.slot = cfg->nscripts++;
		break;
	}
	case SEC_STORE:         /* begun above: it has no name */
		break;
	}
	free(buf);
}

/* A line starting with '[' (after whitespace): check its shape, then begin it. */
static void read_section_header(struct loader *ld, const char *p, const char *end)
{
	const char *close = find_chars_or_comment(p + 1, end, "]"), *rest;

	if (close == end || *close != ']') {
		fail(ld, EXIT_SETUP, ld->lineno, "section header without a closing ']'");
		return;
	}
	for (rest = close + 1; rest < end && is_space(*rest); rest++)
		;
	if (rest < end && *rest != ';' && *rest != '#') {
		fail(ld, EXIT_SETUP, ld->lineno, "unexpected text after ']' in section "
		     "header (only a comment may follow)");
		return;
	}
	finish_section(ld);
	if (ld->rc)
		return;
	begin_section(ld, xstrndup(p + 1, (size_t)(close - p - 1)), ld->lineno);
}

/* ---- libinih callbacks ---- */

/*
 * Decides what libinih will make of the line, the way libinih does (its
 * ini_parse_stream: comment, continuation, section, key), so that the handler
 * knows whether a call is a new key or a continuation, and so that section
 * headers (which libinih does not report) are seen with their line.
 */
static void classify_line(struct loader *ld, const char *line, const char *end)
{
	const char *p = line, *sep;

	while (p < end && is_space(*p))
		p++;
	if (p == end || *p == ';' || *p == '#') {
		ld->line_kind = LINE_COMMENT;
		return;
	}
	if (ld->after_key && p > line) {
		ld->line_kind = LINE_CONTINUATION;
		return;
	}
	finish_key(ld);
	if (ld->rc)
		return;
	if (*p == '[') {
		ld->line_kind = LINE_SECTION;
		ld->after_key = false;
		read_section_header(ld, p, end);
		return;
	}
	ld->line_kind = LINE_KEY;
	sep = find_chars_or_comment(p, end, "=:");
	if (sep == end || (*sep != '=' && *sep != ':'))
		fail(ld, EXIT_SETUP, ld->lineno, "expected 'key = value', a [section] "
		     "header or a comment");
}

/* libinih's fgets: one line per call, so libinih's line count is ours. */
static char *read_line(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	const char *line, *end, *nl;
	size_t n;

	if (ld->rc || ld->pos >= ld->len)
		return NULL;
	line = ld->data + ld->pos;
	nl = memchr(line, '\n', ld->len - ld->pos);
	end = nl ? nl : ld->data + ld->len;
	ld->pos = nl ? (size_t)(nl - ld->data) + 1 : ld->len;
	ld->lineno++;
	if (end > line && end[-1] == '\r')
		end--;
	if (ld->lineno == 1 && end - line >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	n = (size_t)(end - line);
	if (memchr(line, 0, n)) {
		fail(ld, EXIT_SETUP, ld->lineno, "NUL byte in the line (not a text file?)");
		return NULL;
	}
	/* Room for the line, its '\n' and the NUL; libinih would cut it silently. */
	if (num < 3 || n > (size_t)num - 2) {
		fail(ld, EXIT_SETUP, ld->lineno, "line is %zu bytes long; libinih reads at "
		     "most %d: split the value over indented continuation lines", n, num - 2);
		return NULL;
	}
	classify_line(ld, line, end);
	if (ld->rc)
		return NULL;
	memcpy(str, line, n);
	str[n] = '\n';
	str[n + 1] = 0;
	return str;
}

static void begin_key(struct loader *ld, const char *name, const char *value)
{
	int idx;

	ld->after_key = true;
	if (!ld->in_section) {
		fail(ld, EXIT_SETUP, ld->lineno, "key '%s' before any [section] (sections: "
		     SECTION_FORMS ")", name);
		return;
	}
	idx = key_index(ld->sec.kind, name);
	if (idx < 0) {
		struct buf keys = BUF_INIT;

		list_keys(ld->sec.kind, &keys);
		fail(ld, EXIT_SETUP, ld->lineno, "unknown key '%s' in [%s] (accepted: %s)",
		     name, ld->sec.header, keys.data);
		buf_free(&keys);
		return;
	}
	if (ld->sec.key_line[idx]) {
		fail(ld, EXIT_SETUP, ld->lineno, "duplicate key '%s' in [%s] (first at line %d)",
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

static void continue_key(struct loader *ld, const char *raw)
{
	const char *key, *end;
	char *value;

	if (ld->key < 0) {
		/* after_key is only set by a key that was accepted and is still open */
		fail(ld, EXIT_SETUP, ld->lineno, "indented line continues no key");
		return;
	}
	/* libinih 55 keeps inline comments on continuation lines; key lines lose them. */
	end = find_chars_or_comment(raw, raw + strlen(raw), NULL);
	while (end > raw && is_space(end[-1]))
		end--;
	value = xstrndup(raw, (size_t)(end - raw));
	key = key_name(ld->sec.kind, ld->key);
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
		fail(ld, EXIT_SETUP, ld->lineno, "indented line continues '%s' (line %d), "
		     "which takes a single value; only lists (binaries, env, archive-include), "
		     "filters and commands go on over several lines (unindent the line if it "
		     "is a key of its own)", key, ld->key_line);
		break;
	}
	free(value);
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;

	(void)section;  /* libinih cuts it at 49 bytes; the reader keeps the real one */
	if (ld->rc)
		return 0;
	if (ld->line_kind == LINE_CONTINUATION)
		continue_key(ld, value);
	else
		begin_key(ld, name, value);
	return ld->rc == 0;
}

/* ---- after the last line ---- */

static void override_free(struct override *o)
{
	free(o->profile);
	free(o->label);
	free(o->filter_src);
	filter_free(o->filter);
	settings_free(&o->set);
}

static void check_group_refs(struct loader *ld)
{
	size_t i, j;

	for (i = 0; i < ld->nrefs && !ld->rc; i++) {
		struct buf known = BUF_INIT;

		if (config_group(ld->cfg, ld->refs[i].group))
			continue;
		for (j = 0; j < ld->cfg->ngroups; j++)
			buf_printf(&known, "%s%s", j ? ", " : "", ld->cfg->groups[j].name);
		fail(ld, EXIT_SETUP, ld->refs[i].line, "test-group: no [test-group.%s] "
		     "section (%s%s; @global means no group)", ld->refs[i].group,
		     known.len ? "defined: " : "no test groups are defined", known.len ? known.data : "");
		buf_free(&known);
	}
}

static void take_all(struct settings *dst, const struct settings *src)
{
	size_t id;

	for (id = 0; id < SET_COUNT; id++)
		if (src->set_mask & (UINT64_C(1) << id))
			settings_take(dst, src, (enum setting_id)id);
}

static const struct profile_section *find_profile(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->nprofiles; i++)
		if (strcmp(ld->profiles[i].name, name) == 0)
			return &ld->profiles[i];
	return NULL;
}

/* default, then the chosen profile on top; then the overrides that apply. */
static void resolve_profile(struct loader *ld, const char *chosen)
{
	struct config *cfg = ld->cfg;
	const struct profile_section *p;
	bool is_default = strcmp(chosen, "default") == 0, known = is_default;
	size_t i, n = 0, pass;

	for (i = 0; i < ld->profile_names.n && !known; i++)
		known = strcmp(ld->profile_names.v[i], chosen) == 0;
	if (!known) {
		struct buf names = BUF_INIT;

		buf_adds(&names, "default");
		for (i = 0; i < ld->profile_names.n; i++)
			if (strcmp(ld->profile_names.v[i], "default") != 0)
				buf_printf(&names, ", %s", ld->profile_names.v[i]);
		fail(ld, EXIT_SETUP, 0, "unknown profile '%s' (%s has: %s)", chosen,
		     ld->name, names.data);
		buf_free(&names);
		return;
	}
	cfg->profile_name = xstrdup(chosen);
	settings_defaults(&cfg->profile);
	if ((p = find_profile(ld, "default")))
		take_all(&cfg->profile, &p->set);
	if (!is_default && (p = find_profile(ld, chosen)))
		take_all(&cfg->profile, &p->set);

	/* The chosen profile's overrides first: they are the more specific. */
	cfg->overrides = xcalloc(ld->noverrides, sizeof *cfg->overrides);
	for (pass = 0; pass < (is_default ? 1u : 2u); pass++) {
		const char *want = pass == 0 ? chosen : "default";

		for (i = 0; i < ld->noverrides; i++) {
			if (!ld->overrides[i].profile || strcmp(ld->overrides[i].profile, want) != 0)
				continue;
			cfg->overrides[n++] = ld->overrides[i];
			memset(&ld->overrides[i], 0, sizeof ld->overrides[i]);
		}
	}
	cfg->noverrides = n;
}

static void loader_free(struct loader *ld)
{
	size_t i;

	free(ld->sec.header);
	strvec_free(&ld->headers);
	free(ld->header_lines);
	buf_free(&ld->value);
	test_list_free(&ld->suites);
	for (i = 0; i < ld->nprofiles; i++) {
		free(ld->profiles[i].name);
		settings_free(&ld->profiles[i].set);
	}
	free(ld->profiles);
	strvec_free(&ld->profile_names);
	for (i = 0; i < ld->noverrides; i++)
		override_free(&ld->overrides[i]);
	free(ld->overrides);
	for (i = 0; i < ld->nrefs; i++)
		free(ld->refs[i].group);
	free(ld->refs);
	buf_free(&ld->msg);
}

/* The suites read go to the end of the caller's list, in file order. */
static void move_suites(struct test_list *from, struct test_list *to)
{
	if (!from->nsuites)
		return;
	to->suites = xreallocarray(to->suites, to->nsuites + from->nsuites, sizeof *to->suites);
	memcpy(to->suites + to->nsuites, from->suites, from->nsuites * sizeof *from->suites);
	to->nsuites += from->nsuites;
	free(from->suites);
	from->suites = NULL;
	from->nsuites = 0;
}

int config_load_buffer(const char *name, const char *data, size_t len, const char *profile,
		       struct config *cfg, struct test_list *list, struct buf *err)
{
	struct loader ld;
	int ini_rc, rc;

	memset(cfg, 0, sizeof *cfg);
	store_defaults(&cfg->store);
	memset(&ld, 0, sizeof ld);
	ld.name = name;
	ld.data = data;
	ld.len = len;
	ld.key = -1;
	ld.cfg = cfg;
	test_list_init(&ld.suites);

	if (!(cfg->path = path_absolute(name, NULL))) {
		fail(&ld, EXIT_SETUP, 0, "%s: cannot make the path absolute: getcwd: %s",
		     name, strerror(errno));
	} else {
		cfg->root = dir_of(cfg->path);
		ini_rc = ini_parse_stream(read_line, &ld, on_value, &ld);
		/* The reader stops libinih before any line it would reject; just in case: */
		if (ini_rc > 0)
			fail(&ld, EXIT_SETUP, ini_rc, "libinih cannot parse this line");
		else if (ini_rc < 0)
			fail(&ld, EXIT_SETUP, 0, "%s: libinih failed (%d)", name, ini_rc);
		if (!ld.rc) {
			finish_key(&ld);
			finish_section(&ld);
		}
	}
	if (!ld.rc)
		check_group_refs(&ld);
	if (!ld.rc)
		resolve_profile(&ld, profile ? profile : "default");
	rc = ld.rc;
	if (rc) {
		buf_add(err, ld.msg.data, ld.msg.len);
		/* Suites point into cfg->origins: they go before it does. */
		test_list_free(&ld.suites);
		config_free(cfg);
	} else {
		move_suites(&ld.suites, list);
	}
	loader_free(&ld);
	return rc;
}

int config_load(const char *path, const char *profile, struct config *cfg,
		struct test_list *list, struct buf *err)
{
	struct buf data = BUF_INIT;
	int rc;

	if (!profile)
		profile = "default";
	if (!path) {
		memset(cfg, 0, sizeof *cfg);
		if (strcmp(profile, "default") != 0) {
			buf_printf(err, "unknown profile '%s': there is no config file, so the "
				   "only profile is 'default'\n", profile);
			return EXIT_SETUP;
		}
		if (!(cfg->root = path_current_dir())) {
			buf_printf(err, "cannot find the project root: getcwd: %s\n", strerror(errno));
			return EXIT_SETUP;
		}
		cfg->profile_name = xstrdup("default");
		settings_defaults(&cfg->profile);
		store_defaults(&cfg->store);
		return 0;
	}
	if (buf_read_file(path, &data)) {
		memset(cfg, 0, sizeof *cfg);
		buf_printf(err, "cannot read config file '%s': %s\n", path, strerror(errno));
		buf_free(&data);
		return EXIT_SETUP;
	}
	rc = config_load_buffer(path, data.data ? data.data : "", data.len, profile, cfg, list, err);
	buf_free(&data);
	return rc;
}

/* ---- per-test settings ---- */

/*
 * Resolved settings, keyed by the set of overrides a test matches (one bit
 * per override): tests that match the same overrides share one result.
 * Only the main thread builds the test list, so there is no lock.
 */
struct settings_cache {
	const struct settings *base, *cli;  /* what the table was built from */
	size_t words;               /* uint64_t words in a key */
	size_t cap, used;           /* open addressing, cap a power of two */
	uint64_t *keys;             /* cap * words */
	struct settings **slots;    /* NULL: empty */
	struct settings **all;      /* every result handed out, freed by config_free */
	size_t nall;
	uint64_t *probe;            /* the key being looked up */
};

static uint64_t key_hash(const uint64_t *k, size_t words)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < words; i++) {
		h ^= k[i];
		h *= UINT64_C(0x100000001b3);
		h ^= h >> 29;
	}
	return h;
}

static void cache_table_alloc(struct settings_cache *c, size_t cap)
{
	c->cap = cap;
	c->used = 0;
	c->keys = xcalloc(cap * c->words, sizeof *c->keys);
	c->slots = xcalloc(cap, sizeof *c->slots);
}

static void cache_insert(struct settings_cache *c, const uint64_t *key, struct settings *val)
{
	size_t h = (size_t)key_hash(key, c->words) & (c->cap - 1);

	while (c->slots[h])
		h = (h + 1) & (c->cap - 1);
	memcpy(c->keys + h * c->words, key, c->words * sizeof *key);
	c->slots[h] = val;
	c->used++;
}

static void cache_grow(struct settings_cache *c)
{
	uint64_t *old_keys = c->keys;
	struct settings **old_slots = c->slots;
	size_t old_cap = c->cap, i;

	cache_table_alloc(c, old_cap * 2);
	for (i = 0; i < old_cap; i++)
		if (old_slots[i])
			cache_insert(c, old_keys + i * c->words, old_slots[i]);
	free(old_keys);
	free(old_slots);
}

static void cache_free(struct settings_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nall; i++) {
		settings_free(c->all[i]);
		free(c->all[i]);
	}
	free(c->all);
	free(c->keys);
	free(c->slots);
	free(c->probe);
	free(c);
}

static bool bit_set(const uint64_t *k, size_t i)
{
	return (k[i / 64] >> (i % 64)) & 1;
}

const struct settings *config_test_settings(struct config *cfg, const struct settings *base,
					    const struct settings *cli,
					    const struct filter_subject *subject)
{
	struct settings_cache *c = cfg->cache;
	struct settings *res;
	size_t i, h, id;

	if (!c) {
		c = cfg->cache = xcalloc(1, sizeof *c);
		c->words = cfg->noverrides / 64 + 1;
		c->probe = xcalloc(c->words, sizeof *c->probe);
		cache_table_alloc(c, 16);
	}
	/* A different base makes every entry stale; handed-out ones stay valid. */
	if (c->base != base || c->cli != cli) {
		memset(c->slots, 0, c->cap * sizeof *c->slots);
		c->used = 0;
		c->base = base;
		c->cli = cli;
	}
	memset(c->probe, 0, c->words * sizeof *c->probe);
	for (i = 0; i < cfg->noverrides; i++)
		if (filter_match(cfg->overrides[i].filter, subject))
			c->probe[i / 64] |= UINT64_C(1) << (i % 64);
	h = (size_t)key_hash(c->probe, c->words) & (c->cap - 1);
	for (; c->slots[h]; h = (h + 1) & (c->cap - 1))
		if (memcmp(c->keys + h * c->words, c->probe, c->words * sizeof *c->probe) == 0)
			return c->slots[h];

	res = xmalloc(sizeof *res);
	settings_copy(res, base);
	for (id = 0; id < SET_COUNT; id++) {
		uint64_t bit = UINT64_C(1) << id;

		if (!setting_defs[id].per_test)
			continue;
		if (cli && (cli->set_mask & bit)) {
			settings_take(res, cli, (enum setting_id)id);
			continue;
		}
		for (i = 0; i < cfg->noverrides; i++) {
			if (bit_set(c->probe, i) && (cfg->overrides[i].set.set_mask & bit)) {
				settings_take(res, &cfg->overrides[i].set, (enum setting_id)id);
				break;
			}
		}
	}
	c->all = xreallocarray(c->all, c->nall + 1, sizeof *c->all);
	c->all[c->nall++] = res;
	if ((c->used + 1) * 2 > c->cap)
		cache_grow(c);
	cache_insert(c, c->probe, res);
	return res;
}

const struct test_group *config_group(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ngroups; i++)
		if (strcmp(cfg->groups[i].name, name) == 0)
			return &cfg->groups[i];
	return NULL;
}

void config_free(struct config *cfg)
{
	size_t i;

	free(cfg->path);
	free(cfg->root);
	free(cfg->profile_name);
	settings_free(&cfg->profile);
	for (i = 0; i < cfg->noverrides; i++)
		override_free(&cfg->overrides[i]);
	free(cfg->overrides);
	for (i = 0; i < cfg->ngroups; i++)
		free(cfg->groups[i].name);
	free(cfg->groups);
	for (i = 0; i < cfg->nscripts; i++) {
		struct script *sc = &cfg->scripts[i];

		free(sc->name);
		command_free(&sc->command);
		command_free(&sc->teardown);
		free(sc->filter_src);
		filter_free(sc->filter);
	}
	free(cfg->scripts);
	free(cfg->store.dir);
	strvec_free(&cfg->origins);
	cache_free(cfg->cache);
	memset(cfg, 0, sizeof *cfg);
}

/* ---- show-config ---- */

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
			   (int)value_width, values[id].data ? values[id].data : "",
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
		test_display_name(t, &name);
		buf_printf(out, "; %s", name.data);
		for (id = 0; id < SET_COUNT; id++) {
			if (!setting_defs[id].per_test)
				continue;
			buf_reset(&mine);
			buf_reset(&theirs);
			settings_format(s, (enum setting_id)id, &mine);
			settings_format(profile, (enum setting_id)id, &theirs);
			if (!strcmp(mine.data ? mine.data : "", theirs.data ? theirs.data : ""))
				continue;
			buf_printf(out, "%s\n;   %-20s = %-10s ; %s", any ? "" : ":",
				   setting_defs[id].key, mine.data ? mine.data : "", s->origin[id]);
			any = true;
		}
		buf_adds(out, any ? "\n" : ": as the profile\n");
	}
	buf_free(&mine);
	buf_free(&theirs);
	buf_free(&name);
}

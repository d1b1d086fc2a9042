/*
 * config.h - testrig.ini: finding it, reading it through libinih, checking
 * every section and key, and resolving profiles and overrides into
 * settings.  Owns the parsed configuration; suites are handed to the test
 * list (list.h), which owns them from then on.  Errors name the file, the
 * line, the key and the accepted values.  One file per concern:
 * config_read.c (the file and its lines), config_sections.c and
 * config_keys.c (what they say), config_resolve.c (profiles, overrides,
 * each test's settings), config_show.c (show-config).
 */
#ifndef TESTRIG_CONFIG_H
#define TESTRIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testrig/buf.h"
#include "testrig/exitcode.h"
#include "testrig/parse.h"
#include "testrig/settings.h"

struct filter;
struct filter_subject;
struct test_list;

/* [profile.P.override.L] */
struct override {
	char *profile;              /* P */
	char *label;                /* L */
	char *filter_src;
	struct filter *filter;
	struct settings set;        /* only per-test keys; set_mask says which */
	const char *origin;         /* "FILE:LINE" of the section header */
};

/* [test-group.NAME] */
struct test_group {
	char *name;
	unsigned max_threads;       /* 0: num-test-threads (no extra bound) */
	const char *origin;
};

/* Setup scripts are tracked in 64-bit masks: a config has at most this many. */
#define CONFIG_MAX_SCRIPTS 64

/* [script.NAME] */
struct script {
	char *name;
	struct command command;
	struct command teardown;    /* text NULL: none */
	char *filter_src;           /* NULL: applies to every test */
	struct filter *filter;
	int64_t slow_timeout;       /* 0: none (scripts have no default) */
	unsigned terminate_after;
	int64_t grace_period;       /* default 10s */
	int64_t leak_timeout;       /* default 100ms */
	bool capture_stdout;        /* default true */
	bool capture_stderr;        /* default true */
	const char *origin;
};

/* [store]: run records and history (SPEC section 10). */
struct store_config {
	char *dir;                  /* as written (relative to the root); NULL: .testrig */
	bool record;                /* default true */
	unsigned keep_runs;         /* default 50 */
	uint64_t max_size;          /* default 256MiB */
	const char *origin;         /* "FILE:LINE" of the section, or NULL */
};

struct config {
	char *path;                 /* the file, absolute; NULL when there is none */
	char *root;                 /* its directory: the project root */
	char *profile_name;         /* the profile chosen */
	struct settings profile;    /* default profile, then the chosen one on top */
	struct override *overrides; /* the chosen profile's, then default's, each in file order */
	size_t noverrides;
	struct test_group *groups;
	size_t ngroups;
	struct script *scripts;     /* in file order */
	size_t nscripts;
	struct store_config store;
	struct strvec origins;      /* owns the "FILE:LINE" strings the others point to */
	/* Cache of resolved per-test settings, keyed by which overrides matched. */
	void *cache;
};

/*
 * Finds the config file: `explicit_path` (--config) if given, else
 * $TESTRIG_CONFIG, else the first testrig.ini in the current directory or a
 * parent.  Sets *path (malloc'd, absolute) or NULL when there is none.
 * Returns 0, or EXIT_SETUP with a message when an explicitly named file
 * does not exist.
 */
int config_find(const char *explicit_path, char **path, struct buf *err);

/*
 * Reads `path` (NULL: no file; only the built-in default profile exists) for
 * profile `profile` (NULL: "default").  Suites go into `list` (its suites
 * array, with globs, protocol, cwd made absolute against the root, env,
 * list-command, run-command, allow-empty).  Returns 0, or EXIT_SETUP /
 * EXIT_FILTER with the message in *err ("FILE:LINE: ...").
 */
int config_load(const char *path, const char *profile, struct config *cfg,
		struct test_list *list, struct buf *err);
/*
 * config_load for a file already in memory (config_load reads the file and
 * calls this; the fuzzer calls it directly).  `name` is the file's path: it
 * starts every message, and cfg->path and cfg->root are derived from it.
 * `data` need not be NUL-terminated.  On an error cfg is left empty (safe to
 * config_free) and `list` unchanged.
 */
int config_load_buffer(const char *name, const char *data, size_t len, const char *profile,
		       struct config *cfg, struct test_list *list, struct buf *err);
/* Frees everything cfg owns and leaves it empty; safe on an empty cfg. */
void config_free(struct config *cfg);

/* The test group named `name`, or NULL. */
const struct test_group *config_group(const struct config *cfg, const char *name);

/*
 * The effective settings of one test: `base` (the profile with the command
 * line applied), then for each per-test key the first matching override that
 * sets it, then `cli` again for per-test keys the command line set (it
 * always wins).  The result is owned by cfg and shared between tests that
 * match the same overrides.
 */
const struct settings *config_test_settings(struct config *cfg, const struct settings *base,
					    const struct settings *cli,
					    const struct filter_subject *subject);

/*
 * show-config: the effective settings of the chosen profile (`effective`:
 * profile plus command line), each with where it came from, then suites,
 * overrides, test groups and scripts, as INI text.
 */
void config_show(const struct config *cfg, const struct settings *effective,
		 const struct test_list *list, struct buf *out);

/*
 * show-config with -E or binaries: after config_show, each selected test
 * with the per-test settings an override changes from the profile (and
 * where each came from).
 */
void config_show_tests(const struct settings *profile, const struct test_list *list,
		       struct buf *out);

#endif

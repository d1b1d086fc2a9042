/*
 * settings.h - every runner setting that a profile, an override or the
 * command line can set, with one table describing each key: its name, its
 * syntax, the field that keeps it, whether overrides may change it per
 * test.  The command line and the config loader both go through
 * settings_set(), so a value means the same wherever it is written, and
 * each value remembers where it came from (show-config prints that).
 */
#ifndef TESTRIG_SETTINGS_H
#define TESTRIG_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "testrig/buf.h"
#include "testrig/capture.h"
#include "testrig/parse.h"

enum output_mode { OUTPUT_NEVER, OUTPUT_IMMEDIATE, OUTPUT_FINAL, OUTPUT_IMMEDIATE_FINAL };

/* --status-level: which finished/in-flight events get a status line. */
enum status_level {
	STATUS_NONE, STATUS_FAIL, STATUS_RETRY, STATUS_SLOW, STATUS_LEAK,
	STATUS_PASS, STATUS_SKIP, STATUS_ALL,
};

/* --final-status-level: which tests are listed again after the summary. */
enum final_level {
	FINAL_NONE, FINAL_FAIL, FINAL_FLAKY, FINAL_SLOW, FINAL_SKIP, FINAL_PASS, FINAL_ALL,
};

enum backoff { BACKOFF_FIXED, BACKOFF_EXPONENTIAL };
/* schedule: which ready test starts first (SPEC section 10). */
enum schedule { SCHEDULE_HISTORY, SCHEDULE_LIST };
enum no_tests { NO_TESTS_FAIL, NO_TESTS_WARN, NO_TESTS_PASS };

enum setting_id {
	SET_TEST_THREADS,
	SET_RETRIES,
	SET_BACKOFF,
	SET_DELAY,
	SET_MAX_DELAY,
	SET_JITTER,
	SET_SLOW_TIMEOUT,
	SET_TERMINATE_AFTER,
	SET_GRACE_PERIOD,
	SET_LEAK_TIMEOUT,
	SET_LEAK_RESULT,
	SET_FLAKY_RESULT,
	SET_OUTPUT_LIMIT,
	SET_FAIL_FAST,
	SET_MAX_FAIL,
	SET_STATUS_LEVEL,
	SET_FINAL_STATUS_LEVEL,
	SET_SUCCESS_OUTPUT,
	SET_FAILURE_OUTPUT,
	SET_CAPTURE,
	SET_NO_TESTS,
	SET_JUNIT,
	SET_JUNIT_SUCCESS_OUTPUT,
	SET_TARGET_RUNNER,
	SET_DEFAULT_FILTER,
	SET_TEST_GROUP,
	SET_THREADS_REQUIRED,
	SET_SCHEDULE,
	SET_ON_TIMEOUT,
	SET_ON_TIMEOUT_LIMIT,
	SET_COUNT
};

struct settings {
	int test_threads;            /* 0: num-cpus; < 0: cpus minus -N */
	unsigned retries;
	enum backoff backoff;
	int64_t delay;
	int64_t max_delay;           /* 0: no cap */
	bool jitter;
	int64_t slow_timeout;        /* 0: never slow */
	unsigned terminate_after;    /* 0: never terminate */
	int64_t grace_period;
	int64_t leak_timeout;
	bool leak_fail;              /* leak-result = fail */
	bool flaky_fail;             /* flaky-result = fail */
	uint64_t output_limit;
	unsigned max_fail;           /* 0: no limit (fail-fast = false) */
	bool max_fail_immediate;
	enum status_level status_level;
	enum final_level final_status_level;
	enum output_mode success_output;
	enum output_mode failure_output;
	enum capture_mode capture;
	enum no_tests no_tests;
	char *junit;                 /* NULL: no JUnit report */
	bool junit_success_output;   /* JUnit keeps passing tests' output */
	struct command target_runner; /* text NULL: none */
	char *default_filter;        /* NULL: all() */
	char *test_group;            /* NULL: the global group */
	unsigned threads_required;   /* 0: num-test-threads (all) */
	enum schedule schedule;
	struct command on_timeout;   /* text NULL: none; "builtin": testrig's own report */
	int64_t on_timeout_limit;    /* how long the hook may run */
	/* Where each value came from ("default", "FILE:LINE", "command line"). */
	const char *origin[SET_COUNT];
	uint64_t set_mask;           /* bit per setting_id that was set explicitly */
};

/* How a setting's value is written, and what kind of field keeps it. */
enum setting_kind {
	SETTING_UINT,               /* unsigned, 0 to max */
	SETTING_DURATION,           /* int64_t nanoseconds: 0, 250ms, 1m30s */
	SETTING_SIZE,               /* uint64_t bytes: 512, 64KiB */
	SETTING_BOOL,               /* bool: true, false */
	SETTING_PASS_FAIL,          /* bool: pass (false), fail (true) */
	SETTING_ENUM,               /* an enum, its values named by `names` in order */
	SETTING_STRING,             /* char *, NULL for none (written empty) */
	SETTING_COMMAND,            /* struct command, text NULL for none (written empty) */
	SETTING_OWN,                /* irregular: parse, format and take say how */
};

/*
 * One setting: what the config and the command line call it, how its value
 * is written, and where struct settings keeps it.  settings_set,
 * settings_take, settings_format, settings_copy and settings_free all go by
 * this table.
 */
struct setting_def {
	const char *key;
	enum setting_id id;
	bool per_test;               /* may appear in an override */
	const char *accepted;        /* for error messages: the accepted values */
	enum setting_kind kind;
	size_t offset;               /* offsetof(struct settings, its field) */
	const char *const *names;    /* SETTING_ENUM: the values, NULL-terminated */
	unsigned max;                /* SETTING_UINT: the largest number */
	bool positive;               /* SETTING_UINT, SETTING_DURATION: 0 is refused */
	const char *none_word;       /* SETTING_UINT, SETTING_STRING: a word read as 0 or none */
	const char *none_shown;      /* ... how 0 or none is shown (NULL: 0, or empty) */
	/* SETTING_OWN: parse returns 0 or -1; origin is for settings it also changes. */
	int (*parse)(struct settings *s, const char *value, const char *origin);
	void (*format)(const struct settings *s, struct buf *out);
	void (*take)(struct settings *dst, const struct settings *src);
};

/* The table, indexed by setting_id. */
extern const struct setting_def setting_defs[SET_COUNT];

/* The built-in defaults (origin "default"). */
void settings_defaults(struct settings *s);
/* Copies with owned strings; settings_free frees them. */
void settings_copy(struct settings *dst, const struct settings *src);
void settings_free(struct settings *s);
/* Looks a key up by name; NULL if unknown. */
const struct setting_def *setting_lookup(const char *key);
/*
 * Parses `value` for the key and stores it, recording `origin` (which must
 * outlive s).  Returns 0, or -1 with *err set to a static description of the
 * accepted values (for target-runner, why the command cannot be split).
 */
int settings_set(struct settings *s, enum setting_id id, const char *value,
		 const char *origin, const char **err);
/* Copies one setting from src to dst (strings duplicated), origin included. */
void settings_take(struct settings *dst, const struct settings *src, enum setting_id id);
/* The value as it would be written in a config file. */
void settings_format(const struct settings *s, enum setting_id id, struct buf *out);

#endif

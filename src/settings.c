/*
 * settings.c - the table of runner settings, their defaults, their value
 * syntax and their printed form.  Shared by cli.c and config_keys.c.  A value
 * is read, printed and copied by its kind (setting_def.kind) at its offset
 * in struct settings; only the irregular settings (test-threads, and
 * fail-fast and max-fail, which share their fields) have code of their own.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/parse.h"
#include "testrig/settings.h"
#include "testrig/util.h"

static const char *const status_names[] = {
	"none", "fail", "retry", "slow", "leak", "pass", "skip", "all", NULL
};
static const char *const final_names[] = {
	"none", "fail", "flaky", "slow", "skip", "pass", "all", NULL
};
static const char *const output_names[] = {
	"never", "immediate", "final", "immediate-final", NULL
};
/* CAPTURE_NONE is --no-capture, a command-line choice only: not a value of the setting. */
static const char *const capture_names[] = { "split", "combined", NULL };
static const char *const backoff_names[] = { "fixed", "exponential", NULL };
static const char *const no_tests_names[] = { "fail", "warn", "pass", NULL };
static const char *const schedule_names[] = { "history", "list", NULL };

/* SETTING_ENUM fields are read and written as int. */
_Static_assert(sizeof(enum backoff) == sizeof(int) && sizeof(enum status_level) == sizeof(int) &&
	       sizeof(enum final_level) == sizeof(int) && sizeof(enum output_mode) == sizeof(int) &&
	       sizeof(enum capture_mode) == sizeof(int) && sizeof(enum no_tests) == sizeof(int) &&
	       sizeof(enum schedule) == sizeof(int), "an enum setting is not int-sized");

/* ---- the irregular settings ---- */

/* test-threads: num-cpus (0), N, or -N (the CPUs minus N). */
static int parse_test_threads(struct settings *s, const char *v, const char *origin)
{
	unsigned u;

	(void)origin;
	if (strcmp(v, "num-cpus") == 0) {
		s->test_threads = 0;
		return 0;
	}
	if (v[0] == '-' && parse_uint(v + 1, 100000, &u) == 0 && u > 0) {
		s->test_threads = -(int)u;
		return 0;
	}
	if (parse_uint(v, 100000, &u) == 0 && u > 0) {
		s->test_threads = (int)u;
		return 0;
	}
	return -1;
}

static void format_test_threads(const struct settings *s, struct buf *out)
{
	if (s->test_threads == 0)
		buf_adds(out, "num-cpus");
	else
		buf_printf(out, "%d", s->test_threads);
}

static void take_test_threads(struct settings *dst, const struct settings *src)
{
	dst->test_threads = src->test_threads;
}

/* fail-fast is max-fail 1 (true) or 0 (false): setting one sets the other. */
static int parse_fail_fast(struct settings *s, const char *v, const char *origin)
{
	bool b;

	if (parse_bool(v, &b))
		return -1;
	s->max_fail = b ? 1 : 0;
	s->max_fail_immediate = false;
	s->origin[SET_MAX_FAIL] = origin;
	return 0;
}

static void format_fail_fast(const struct settings *s, struct buf *out)
{
	buf_adds(out, s->max_fail == 1 ? "true" : "false");
}

/* max-fail: N, or N:immediate (running tests are stopped too). */
static int parse_max_fail(struct settings *s, const char *v, const char *origin)
{
	const char *colon = strchr(v, ':');
	char *num = colon ? xstrndup(v, (size_t)(colon - v)) : xstrdup(v);
	unsigned u;
	int bad = parse_uint(num, 1000000000, &u);

	free(num);
	if (bad || (colon && strcmp(colon + 1, "immediate") != 0))
		return -1;
	s->max_fail = u;
	s->max_fail_immediate = colon != NULL;
	s->origin[SET_FAIL_FAST] = origin;
	return 0;
}

static void format_max_fail(const struct settings *s, struct buf *out)
{
	buf_printf(out, "%u%s", s->max_fail, s->max_fail_immediate ? ":immediate" : "");
}

static void take_max_fail(struct settings *dst, const struct settings *src)
{
	dst->max_fail = src->max_fail;
	dst->max_fail_immediate = src->max_fail_immediate;
	dst->origin[SET_FAIL_FAST] = src->origin[SET_FAIL_FAST];
	dst->origin[SET_MAX_FAIL] = src->origin[SET_MAX_FAIL];
}

/* ---- the table ---- */

#define AT(field) .offset = offsetof(struct settings, field)
#define OWN(name) .parse = parse_##name, .format = format_##name

const struct setting_def setting_defs[SET_COUNT] = {
	[SET_TEST_THREADS] = { "test-threads", SET_TEST_THREADS, false,
		"num-cpus, a positive number, or a negative number (cpus minus N)",
		SETTING_OWN, AT(test_threads), OWN(test_threads), .take = take_test_threads },
	[SET_RETRIES] = { "retries", SET_RETRIES, true, "a number of retries (0 or more)",
		SETTING_UINT, AT(retries), .max = 1000000 },
	[SET_BACKOFF] = { "backoff", SET_BACKOFF, true, "fixed, exponential",
		SETTING_ENUM, AT(backoff), .names = backoff_names },
	[SET_DELAY] = { "delay", SET_DELAY, true, "a duration such as 0, 250ms, 2s, 1m30s",
		SETTING_DURATION, AT(delay) },
	[SET_MAX_DELAY] = { "max-delay", SET_MAX_DELAY, true,
		"a duration such as 0 (no cap), 10s, 1m", SETTING_DURATION, AT(max_delay) },
	[SET_JITTER] = { "jitter", SET_JITTER, true, "true, false", SETTING_BOOL, AT(jitter) },
	[SET_SLOW_TIMEOUT] = { "slow-timeout", SET_SLOW_TIMEOUT, true,
		"a duration such as 60s, 500ms (0: never)", SETTING_DURATION, AT(slow_timeout) },
	[SET_TERMINATE_AFTER] = { "terminate-after", SET_TERMINATE_AFTER, true,
		"a number of slow-timeout periods (0: never)",
		SETTING_UINT, AT(terminate_after), .max = 1000000 },
	[SET_GRACE_PERIOD] = { "grace-period", SET_GRACE_PERIOD, true,
		"a duration such as 10s (0: SIGKILL at once)", SETTING_DURATION, AT(grace_period) },
	[SET_LEAK_TIMEOUT] = { "leak-timeout", SET_LEAK_TIMEOUT, true,
		"a duration such as 100ms", SETTING_DURATION, AT(leak_timeout) },
	[SET_LEAK_RESULT] = { "leak-result", SET_LEAK_RESULT, true, "pass, fail",
		SETTING_PASS_FAIL, AT(leak_fail) },
	[SET_FLAKY_RESULT] = { "flaky-result", SET_FLAKY_RESULT, true, "pass, fail",
		SETTING_PASS_FAIL, AT(flaky_fail) },
	[SET_OUTPUT_LIMIT] = { "output-limit", SET_OUTPUT_LIMIT, true,
		"a size such as 512, 64KiB, 16MiB", SETTING_SIZE, AT(output_limit) },
	[SET_FAIL_FAST] = { "fail-fast", SET_FAIL_FAST, false, "true, false",
		SETTING_OWN, AT(max_fail), OWN(fail_fast), .take = take_max_fail },
	[SET_MAX_FAIL] = { "max-fail", SET_MAX_FAIL, false,
		"a number of failures, optionally followed by :immediate (0: no limit)",
		SETTING_OWN, AT(max_fail), OWN(max_fail), .take = take_max_fail },
	[SET_STATUS_LEVEL] = { "status-level", SET_STATUS_LEVEL, false,
		"none, fail, retry, slow, leak, pass, skip, all",
		SETTING_ENUM, AT(status_level), .names = status_names },
	[SET_FINAL_STATUS_LEVEL] = { "final-status-level", SET_FINAL_STATUS_LEVEL, false,
		"none, fail, flaky, slow, skip, pass, all",
		SETTING_ENUM, AT(final_status_level), .names = final_names },
	[SET_SUCCESS_OUTPUT] = { "success-output", SET_SUCCESS_OUTPUT, true,
		"never, immediate, final, immediate-final",
		SETTING_ENUM, AT(success_output), .names = output_names },
	[SET_FAILURE_OUTPUT] = { "failure-output", SET_FAILURE_OUTPUT, true,
		"never, immediate, final, immediate-final",
		SETTING_ENUM, AT(failure_output), .names = output_names },
	[SET_CAPTURE] = { "capture", SET_CAPTURE, false, "split, combined",
		SETTING_ENUM, AT(capture), .names = capture_names },
	[SET_NO_TESTS] = { "no-tests", SET_NO_TESTS, false, "fail, warn, pass",
		SETTING_ENUM, AT(no_tests), .names = no_tests_names },
	[SET_JUNIT] = { "junit", SET_JUNIT, false, "a file path (empty: no report)",
		SETTING_STRING, AT(junit) },
	[SET_JUNIT_SUCCESS_OUTPUT] = { "junit-success-output", SET_JUNIT_SUCCESS_OUTPUT, false,
		"true, false", SETTING_BOOL, AT(junit_success_output) },
	[SET_TARGET_RUNNER] = { "target-runner", SET_TARGET_RUNNER, false,
		"a command (empty: none)", SETTING_COMMAND, AT(target_runner) },
	[SET_DEFAULT_FILTER] = { "default-filter", SET_DEFAULT_FILTER, false,
		"a filter expression", SETTING_STRING, AT(default_filter), .none_shown = "all()" },
	[SET_TEST_GROUP] = { "test-group", SET_TEST_GROUP, true,
		"the name of a [test-group.NAME] section, or @global",
		SETTING_STRING, AT(test_group), .none_word = "@global", .none_shown = "@global" },
	[SET_THREADS_REQUIRED] = { "threads-required", SET_THREADS_REQUIRED, true,
		"a positive number or num-test-threads", SETTING_UINT, AT(threads_required),
		.max = 100000, .positive = true, .none_word = "num-test-threads",
		.none_shown = "num-test-threads" },
	[SET_SCHEDULE] = { "schedule", SET_SCHEDULE, false, "history, list",
		SETTING_ENUM, AT(schedule), .names = schedule_names },
	[SET_ON_TIMEOUT] = { "on-timeout", SET_ON_TIMEOUT, true,
		"builtin, a command with {pid} {pgid} {binary} {test}, or empty: none",
		SETTING_COMMAND, AT(on_timeout) },
	[SET_ON_TIMEOUT_LIMIT] = { "on-timeout-limit", SET_ON_TIMEOUT_LIMIT, true,
		"a duration above 0, such as 30s", SETTING_DURATION, AT(on_timeout_limit),
		.positive = true },
};

/* The bytes a plain value takes: what settings_take copies. */
static const size_t value_size[] = {
	[SETTING_UINT] = sizeof(unsigned),
	[SETTING_DURATION] = sizeof(int64_t),
	[SETTING_SIZE] = sizeof(uint64_t),
	[SETTING_BOOL] = sizeof(bool),
	[SETTING_PASS_FAIL] = sizeof(bool),
	[SETTING_ENUM] = sizeof(int),
};

static void *field(struct settings *s, const struct setting_def *d)
{
	return (char *)s + d->offset;
}

static const void *const_field(const struct settings *s, const struct setting_def *d)
{
	return (const char *)s + d->offset;
}

void settings_defaults(struct settings *s)
{
	size_t i;

	memset(s, 0, sizeof *s);
	s->test_threads = 0;
	s->backoff = BACKOFF_FIXED;
	s->slow_timeout = 60 * NS_PER_SEC;
	s->grace_period = 10 * NS_PER_SEC;
	s->leak_timeout = 100 * NS_PER_MS;
	s->output_limit = UINT64_C(16) << 20;
	s->max_fail = 1;
	s->status_level = STATUS_PASS;
	s->final_status_level = FINAL_FLAKY;
	s->success_output = OUTPUT_NEVER;
	s->failure_output = OUTPUT_IMMEDIATE;
	s->capture = CAPTURE_SPLIT;
	s->no_tests = NO_TESTS_FAIL;
	s->threads_required = 1;
	s->on_timeout_limit = 30 * NS_PER_SEC;
	for (i = 0; i < SET_COUNT; i++)
		s->origin[i] = "default";
}

void settings_copy(struct settings *dst, const struct settings *src)
{
	const struct setting_def *d;

	*dst = *src;
	for (d = setting_defs; d < setting_defs + SET_COUNT; d++) {
		char **f = field(dst, d);

		if (d->kind == SETTING_STRING && *f)
			*f = xstrdup(*f);
		else if (d->kind == SETTING_COMMAND)
			command_copy(field(dst, d), const_field(src, d));
	}
}

void settings_free(struct settings *s)
{
	const struct setting_def *d;

	for (d = setting_defs; d < setting_defs + SET_COUNT; d++) {
		char **f = field(s, d);

		if (d->kind == SETTING_STRING) {
			free(*f);
			*f = NULL;
		} else if (d->kind == SETTING_COMMAND) {
			command_free(field(s, d));
		}
	}
}

const struct setting_def *setting_lookup(const char *key)
{
	size_t i;

	for (i = 0; i < SET_COUNT; i++)
		if (strcmp(setting_defs[i].key, key) == 0)
			return &setting_defs[i];
	return NULL;
}

/* The index of v among names (NULL-terminated), or -1. */
static int lookup_name(const char *const *names, const char *v)
{
	int i;

	for (i = 0; names[i]; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

/* Reads a value of a regular setting into its field: 0, or -1 if it is not accepted. */
static int read_value(struct settings *s, const struct setting_def *d, const char *v,
		      const char **err)
{
	void *f = field(s, d);
	unsigned u;
	int64_t ns;
	int e;

	switch (d->kind) {
	case SETTING_UINT:
		if (d->none_word && strcmp(v, d->none_word) == 0)
			u = 0;
		else if (parse_uint(v, d->max, &u) || (d->positive && u == 0))
			return -1;
		*(unsigned *)f = u;
		return 0;
	case SETTING_DURATION:
		if (parse_duration(v, &ns) || (d->positive && ns <= 0))
			return -1;
		*(int64_t *)f = ns;
		return 0;
	case SETTING_SIZE:
		return parse_size(v, f);
	case SETTING_BOOL:
		return parse_bool(v, f);
	case SETTING_PASS_FAIL:
		if (strcmp(v, "pass") && strcmp(v, "fail"))
			return -1;
		*(bool *)f = strcmp(v, "fail") == 0;
		return 0;
	case SETTING_ENUM:
		if ((e = lookup_name(d->names, v)) < 0)
			return -1;
		*(int *)f = e;
		return 0;
	case SETTING_STRING:
		free(*(char **)f);
		*(char **)f = *v && !(d->none_word && strcmp(v, d->none_word) == 0)
			? xstrdup(v) : NULL;
		return 0;
	case SETTING_COMMAND:
		command_free(f);
		return *v ? command_parse(f, v, err) : 0;
	case SETTING_OWN:
		break;
	}
	return -1;
}

int settings_set(struct settings *s, enum setting_id id, const char *v,
		 const char *origin, const char **err)
{
	const struct setting_def *d = &setting_defs[id];

	*err = d->accepted;
	if (d->kind == SETTING_OWN ? d->parse(s, v, origin) : read_value(s, d, v, err))
		return -1;
	s->origin[id] = origin;
	s->set_mask |= UINT64_C(1) << id;
	*err = NULL;
	return 0;
}

void settings_take(struct settings *dst, const struct settings *src, enum setting_id id)
{
	const struct setting_def *d = &setting_defs[id];
	void *df = field(dst, d);
	const void *sf = const_field(src, d);

	switch (d->kind) {
	case SETTING_STRING:
		free(*(char **)df);
		*(char **)df = *(char *const *)sf ? xstrdup(*(char *const *)sf) : NULL;
		break;
	case SETTING_COMMAND:
		command_free(df);
		command_copy(df, sf);
		break;
	case SETTING_OWN:
		d->take(dst, src);
		break;
	default:
		memcpy(df, sf, value_size[d->kind]);
		break;
	}
	dst->origin[id] = src->origin[id];
	dst->set_mask |= UINT64_C(1) << id;
}

void settings_format(const struct settings *s, enum setting_id id, struct buf *out)
{
	const struct setting_def *d = &setting_defs[id];
	const void *f = const_field(s, d);
	const char *str;

	switch (d->kind) {
	case SETTING_UINT:
		if (*(const unsigned *)f == 0 && d->none_shown)
			buf_adds(out, d->none_shown);
		else
			buf_printf(out, "%u", *(const unsigned *)f);
		break;
	case SETTING_DURATION: format_duration(out, *(const int64_t *)f); break;
	case SETTING_SIZE: format_size(out, *(const uint64_t *)f); break;
	case SETTING_BOOL: buf_adds(out, *(const bool *)f ? "true" : "false"); break;
	case SETTING_PASS_FAIL: buf_adds(out, *(const bool *)f ? "fail" : "pass"); break;
	case SETTING_ENUM: buf_adds(out, d->names[*(const int *)f]); break;
	case SETTING_STRING:
		str = *(char *const *)f;
		buf_adds(out, str ? str : d->none_shown ? d->none_shown : "");
		break;
	case SETTING_COMMAND:
		str = ((const struct command *)f)->text;
		buf_adds(out, str ? str : "");
		break;
	case SETTING_OWN:
		d->format(s, out);
		break;
	}
}

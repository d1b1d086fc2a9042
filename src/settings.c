/*
 * settings.c - the table of runner settings, their defaults, their value
 * syntax and their printed form.  Shared by cli.c and config.c.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/parse.h"
#include "testrig/settings.h"
#include "testrig/util.h"

static const char *const status_names[] = {
	"none", "fail", "retry", "slow", "leak", "pass", "skip", "all",
};
static const char *const final_names[] = {
	"none", "fail", "flaky", "slow", "skip", "pass", "all",
};
static const char *const output_names[] = {
	"never", "immediate", "final", "immediate-final",
};
static const char *const capture_names[] = { "split", "combined", "none" };
static const char *const backoff_names[] = { "fixed", "exponential" };
static const char *const no_tests_names[] = { "fail", "warn", "pass" };
static const char *const result_names[] = { "pass", "fail" };
static const char *const schedule_names[] = { "history", "list" };

const struct setting_def setting_defs[SET_COUNT] = {
	{ "test-threads", SET_TEST_THREADS, false, "num-cpus, a positive number, or a negative number (cpus minus N)" },
	{ "retries", SET_RETRIES, true, "a number of retries (0 or more)" },
	{ "backoff", SET_BACKOFF, true, "fixed, exponential" },
	{ "delay", SET_DELAY, true, "a duration such as 0, 250ms, 2s, 1m30s" },
	{ "max-delay", SET_MAX_DELAY, true, "a duration such as 0 (no cap), 10s, 1m" },
	{ "jitter", SET_JITTER, true, "true, false" },
	{ "slow-timeout", SET_SLOW_TIMEOUT, true, "a duration such as 60s, 500ms (0: never)" },
	{ "terminate-after", SET_TERMINATE_AFTER, true, "a number of slow-timeout periods (0: never)" },
	{ "grace-period", SET_GRACE_PERIOD, true, "a duration such as 10s (0: SIGKILL at once)" },
	{ "leak-timeout", SET_LEAK_TIMEOUT, true, "a duration such as 100ms" },
	{ "leak-result", SET_LEAK_RESULT, true, "pass, fail" },
	{ "flaky-result", SET_FLAKY_RESULT, true, "pass, fail" },
	{ "output-limit", SET_OUTPUT_LIMIT, true, "a size such as 512, 64KiB, 16MiB" },
	{ "fail-fast", SET_FAIL_FAST, false, "true, false" },
	{ "max-fail", SET_MAX_FAIL, false, "a number of failures, optionally followed by :immediate (0: no limit)" },
	{ "status-level", SET_STATUS_LEVEL, false, "none, fail, retry, slow, leak, pass, skip, all" },
	{ "final-status-level", SET_FINAL_STATUS_LEVEL, false, "none, fail, flaky, slow, skip, pass, all" },
	{ "success-output", SET_SUCCESS_OUTPUT, true, "never, immediate, final, immediate-final" },
	{ "failure-output", SET_FAILURE_OUTPUT, true, "never, immediate, final, immediate-final" },
	{ "capture", SET_CAPTURE, false, "split, combined" },
	{ "no-tests", SET_NO_TESTS, false, "fail, warn, pass" },
	{ "junit", SET_JUNIT, false, "a file path (empty: no report)" },
	{ "junit-success-output", SET_JUNIT_SUCCESS_OUTPUT, false, "true, false" },
	{ "target-runner", SET_TARGET_RUNNER, false, "a command (empty: none)" },
	{ "default-filter", SET_DEFAULT_FILTER, false, "a filter expression" },
	{ "test-group", SET_TEST_GROUP, true, "the name of a [test-group.NAME] section, or @global" },
	{ "threads-required", SET_THREADS_REQUIRED, true, "a positive number or num-test-threads" },
	{ "schedule", SET_SCHEDULE, false, "history, list" },
	{ "on-timeout", SET_ON_TIMEOUT, true,
	  "builtin, a command with {pid} {pgid} {binary} {test}, or empty: none" },
	{ "on-timeout-limit", SET_ON_TIMEOUT_LIMIT, true, "a duration above 0, such as 30s" },
};

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

static char **string_field(struct settings *s, enum setting_id id)
{
	switch (id) {
	case SET_JUNIT: return &s->junit;
	case SET_DEFAULT_FILTER: return &s->default_filter;
	case SET_TEST_GROUP: return &s->test_group;
	default: return NULL;
	}
}

void settings_copy(struct settings *dst, const struct settings *src)
{
	size_t i;

	*dst = *src;
	for (i = 0; i < SET_COUNT; i++) {
		char **f = string_field(dst, (enum setting_id)i);
		if (f && *f)
			*f = xstrdup(*f);
	}
	command_copy(&dst->target_runner, &src->target_runner);
	command_copy(&dst->on_timeout, &src->on_timeout);
}

void settings_free(struct settings *s)
{
	size_t i;

	for (i = 0; i < SET_COUNT; i++) {
		char **f = string_field(s, (enum setting_id)i);
		if (f) {
			free(*f);
			*f = NULL;
		}
	}
	command_free(&s->target_runner);
	command_free(&s->on_timeout);
}

const struct setting_def *setting_lookup(const char *key)
{
	size_t i;

	for (i = 0; i < SET_COUNT; i++)
		if (strcmp(setting_defs[i].key, key) == 0)
			return &setting_defs[i];
	return NULL;
}

static int lookup_name(const char *const *names, size_t n, const char *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

#define ENUM_VALUE(names, v) lookup_name(names, ARRAY_SIZE(names), v)

static int parse_threads(const char *v, int *out)
{
	unsigned u;

	if (strcmp(v, "num-cpus") == 0) {
		*out = 0;
		return 0;
	}
	if (v[0] == '-' && parse_uint(v + 1, 100000, &u) == 0 && u > 0) {
		*out = -(int)u;
		return 0;
	}
	if (parse_uint(v, 100000, &u) == 0 && u > 0) {
		*out = (int)u;
		return 0;
	}
	return -1;
}

int settings_set(struct settings *s, enum setting_id id, const char *v,
		 const char *origin, const char **err)
{
	unsigned u;
	int e;
	bool b;
	char **sf;

	*err = setting_defs[id].accepted;
	switch (id) {
	case SET_TEST_THREADS:
		if (parse_threads(v, &s->test_threads))
			return -1;
		break;
	case SET_RETRIES:
		if (parse_uint(v, 1000000, &s->retries))
			return -1;
		break;
	case SET_BACKOFF:
		if ((e = ENUM_VALUE(backoff_names, v)) < 0)
			return -1;
		s->backoff = (enum backoff)e;
		break;
	case SET_DELAY:
		if (parse_duration(v, &s->delay))
			return -1;
		break;
	case SET_MAX_DELAY:
		if (parse_duration(v, &s->max_delay))
			return -1;
		break;
	case SET_JITTER:
		if (parse_bool(v, &s->jitter))
			return -1;
		break;
	case SET_SLOW_TIMEOUT:
		if (parse_duration(v, &s->slow_timeout))
			return -1;
		break;
	case SET_TERMINATE_AFTER:
		if (parse_uint(v, 1000000, &s->terminate_after))
			return -1;
		break;
	case SET_GRACE_PERIOD:
		if (parse_duration(v, &s->grace_period))
			return -1;
		break;
	case SET_LEAK_TIMEOUT:
		if (parse_duration(v, &s->leak_timeout))
			return -1;
		break;
	case SET_LEAK_RESULT:
		if ((e = ENUM_VALUE(result_names, v)) < 0)
			return -1;
		s->leak_fail = e == 1;
		break;
	case SET_FLAKY_RESULT:
		if ((e = ENUM_VALUE(result_names, v)) < 0)
			return -1;
		s->flaky_fail = e == 1;
		break;
	case SET_OUTPUT_LIMIT:
		if (parse_size(v, &s->output_limit))
			return -1;
		break;
	case SET_FAIL_FAST:
		if (parse_bool(v, &b))
			return -1;
		s->max_fail = b ? 1 : 0;
		s->max_fail_immediate = false;
		s->origin[SET_MAX_FAIL] = origin;
		break;
	case SET_MAX_FAIL: {
		const char *colon = strchr(v, ':');
		char *num = colon ? xstrndup(v, (size_t)(colon - v)) : xstrdup(v);
		int bad = parse_uint(num, 1000000000, &u);

		free(num);
		if (bad || (colon && strcmp(colon + 1, "immediate") != 0))
			return -1;
		s->max_fail = u;
		s->max_fail_immediate = colon != NULL;
		s->origin[SET_FAIL_FAST] = origin;
		break;
	}
	case SET_STATUS_LEVEL:
		if ((e = ENUM_VALUE(status_names, v)) < 0)
			return -1;
		s->status_level = (enum status_level)e;
		break;
	case SET_FINAL_STATUS_LEVEL:
		if ((e = ENUM_VALUE(final_names, v)) < 0)
			return -1;
		s->final_status_level = (enum final_level)e;
		break;
	case SET_SUCCESS_OUTPUT:
		if ((e = ENUM_VALUE(output_names, v)) < 0)
			return -1;
		s->success_output = (enum output_mode)e;
		break;
	case SET_FAILURE_OUTPUT:
		if ((e = ENUM_VALUE(output_names, v)) < 0)
			return -1;
		s->failure_output = (enum output_mode)e;
		break;
	case SET_CAPTURE:
		/* "none" is --no-capture, a command-line choice only. */
		if ((e = ENUM_VALUE(capture_names, v)) < 0 || e == CAPTURE_NONE)
			return -1;
		s->capture = (enum capture_mode)e;
		break;
	case SET_NO_TESTS:
		if ((e = ENUM_VALUE(no_tests_names, v)) < 0)
			return -1;
		s->no_tests = (enum no_tests)e;
		break;
	case SET_JUNIT_SUCCESS_OUTPUT:
		if (parse_bool(v, &s->junit_success_output))
			return -1;
		break;
	case SET_TARGET_RUNNER:
		command_free(&s->target_runner);
		if (*v && command_parse(&s->target_runner, v, err))
			return -1;
		break;
	case SET_ON_TIMEOUT:
		command_free(&s->on_timeout);
		if (*v && command_parse(&s->on_timeout, v, err))
			return -1;
		break;
	case SET_ON_TIMEOUT_LIMIT:
		if (parse_duration(v, &s->on_timeout_limit) || s->on_timeout_limit <= 0)
			return -1;
		break;
	case SET_JUNIT:
	case SET_DEFAULT_FILTER:
	case SET_TEST_GROUP:
		sf = string_field(s, id);
		free(*sf);
		*sf = *v && !(id == SET_TEST_GROUP && strcmp(v, "@global") == 0) ? xstrdup(v) : NULL;
		break;
	case SET_SCHEDULE:
		if ((e = ENUM_VALUE(schedule_names, v)) < 0)
			return -1;
		s->schedule = (enum schedule)e;
		break;
	case SET_THREADS_REQUIRED:
		if (strcmp(v, "num-test-threads") == 0)
			s->threads_required = 0;
		else if (parse_uint(v, 100000, &u) || u == 0)
			return -1;
		else
			s->threads_required = u;
		break;
	case SET_COUNT:
		return -1;
	}
	s->origin[id] = origin;
	s->set_mask |= UINT64_C(1) << id;
	*err = NULL;
	return 0;
}

void settings_take(struct settings *dst, const struct settings *src, enum setting_id id)
{
	char **df = string_field(dst, id);

	switch (id) {
	case SET_TEST_THREADS: dst->test_threads = src->test_threads; break;
	case SET_RETRIES: dst->retries = src->retries; break;
	case SET_BACKOFF: dst->backoff = src->backoff; break;
	case SET_DELAY: dst->delay = src->delay; break;
	case SET_MAX_DELAY: dst->max_delay = src->max_delay; break;
	case SET_JITTER: dst->jitter = src->jitter; break;
	case SET_SLOW_TIMEOUT: dst->slow_timeout = src->slow_timeout; break;
	case SET_TERMINATE_AFTER: dst->terminate_after = src->terminate_after; break;
	case SET_GRACE_PERIOD: dst->grace_period = src->grace_period; break;
	case SET_LEAK_TIMEOUT: dst->leak_timeout = src->leak_timeout; break;
	case SET_LEAK_RESULT: dst->leak_fail = src->leak_fail; break;
	case SET_FLAKY_RESULT: dst->flaky_fail = src->flaky_fail; break;
	case SET_OUTPUT_LIMIT: dst->output_limit = src->output_limit; break;
	case SET_FAIL_FAST:
	case SET_MAX_FAIL:
		dst->max_fail = src->max_fail;
		dst->max_fail_immediate = src->max_fail_immediate;
		dst->origin[SET_FAIL_FAST] = src->origin[SET_FAIL_FAST];
		dst->origin[SET_MAX_FAIL] = src->origin[SET_MAX_FAIL];
		break;
	case SET_STATUS_LEVEL: dst->status_level = src->status_level; break;
	case SET_FINAL_STATUS_LEVEL: dst->final_status_level = src->final_status_level; break;
	case SET_SUCCESS_OUTPUT: dst->success_output = src->success_output; break;
	case SET_FAILURE_OUTPUT: dst->failure_output = src->failure_output; break;
	case SET_CAPTURE: dst->capture = src->capture; break;
	case SET_NO_TESTS: dst->no_tests = src->no_tests; break;
	case SET_THREADS_REQUIRED: dst->threads_required = src->threads_required; break;
	case SET_SCHEDULE: dst->schedule = src->schedule; break;
	case SET_JUNIT_SUCCESS_OUTPUT: dst->junit_success_output = src->junit_success_output; break;
	case SET_TARGET_RUNNER:
		command_free(&dst->target_runner);
		command_copy(&dst->target_runner, &src->target_runner);
		break;
	case SET_ON_TIMEOUT:
		command_free(&dst->on_timeout);
		command_copy(&dst->on_timeout, &src->on_timeout);
		break;
	case SET_ON_TIMEOUT_LIMIT: dst->on_timeout_limit = src->on_timeout_limit; break;
	case SET_JUNIT:
	case SET_DEFAULT_FILTER:
	case SET_TEST_GROUP: {
		const char *sv = *string_field((struct settings *)src, id);
		free(*df);
		*df = sv ? xstrdup(sv) : NULL;
		break;
	}
	case SET_COUNT:
		return;
	}
	dst->origin[id] = src->origin[id];
	dst->set_mask |= UINT64_C(1) << id;
}

void settings_format(const struct settings *s, enum setting_id id, struct buf *out)
{
	switch (id) {
	case SET_TEST_THREADS:
		if (s->test_threads == 0)
			buf_adds(out, "num-cpus");
		else
			buf_printf(out, "%d", s->test_threads);
		break;
	case SET_RETRIES: buf_printf(out, "%u", s->retries); break;
	case SET_BACKOFF: buf_adds(out, backoff_names[s->backoff]); break;
	case SET_DELAY: format_duration(out, s->delay); break;
	case SET_MAX_DELAY: format_duration(out, s->max_delay); break;
	case SET_JITTER: buf_adds(out, s->jitter ? "true" : "false"); break;
	case SET_SLOW_TIMEOUT: format_duration(out, s->slow_timeout); break;
	case SET_TERMINATE_AFTER: buf_printf(out, "%u", s->terminate_after); break;
	case SET_GRACE_PERIOD: format_duration(out, s->grace_period); break;
	case SET_LEAK_TIMEOUT: format_duration(out, s->leak_timeout); break;
	case SET_LEAK_RESULT: buf_adds(out, s->leak_fail ? "fail" : "pass"); break;
	case SET_FLAKY_RESULT: buf_adds(out, s->flaky_fail ? "fail" : "pass"); break;
	case SET_OUTPUT_LIMIT: format_size(out, s->output_limit); break;
	case SET_FAIL_FAST: buf_adds(out, s->max_fail == 1 ? "true" : "false"); break;
	case SET_MAX_FAIL:
		buf_printf(out, "%u%s", s->max_fail, s->max_fail_immediate ? ":immediate" : "");
		break;
	case SET_STATUS_LEVEL: buf_adds(out, status_names[s->status_level]); break;
	case SET_FINAL_STATUS_LEVEL: buf_adds(out, final_names[s->final_status_level]); break;
	case SET_SUCCESS_OUTPUT: buf_adds(out, output_names[s->success_output]); break;
	case SET_FAILURE_OUTPUT: buf_adds(out, output_names[s->failure_output]); break;
	case SET_CAPTURE: buf_adds(out, capture_names[s->capture]); break;
	case SET_NO_TESTS: buf_adds(out, no_tests_names[s->no_tests]); break;
	case SET_JUNIT: buf_adds(out, s->junit ? s->junit : ""); break;
	case SET_JUNIT_SUCCESS_OUTPUT: buf_adds(out, s->junit_success_output ? "true" : "false"); break;
	case SET_TARGET_RUNNER: buf_adds(out, s->target_runner.text ? s->target_runner.text : ""); break;
	case SET_ON_TIMEOUT: buf_adds(out, s->on_timeout.text ? s->on_timeout.text : ""); break;
	case SET_ON_TIMEOUT_LIMIT: format_duration(out, s->on_timeout_limit); break;
	case SET_DEFAULT_FILTER: buf_adds(out, s->default_filter ? s->default_filter : "all()"); break;
	case SET_TEST_GROUP: buf_adds(out, s->test_group ? s->test_group : "@global"); break;
	case SET_SCHEDULE: buf_adds(out, schedule_names[s->schedule]); break;
	case SET_THREADS_REQUIRED:
		if (s->threads_required == 0)
			buf_adds(out, "num-test-threads");
		else
			buf_printf(out, "%u", s->threads_required);
		break;
	case SET_COUNT:
		break;
	}
}

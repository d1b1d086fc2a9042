/*
 * report_json.c - JSON lines on a stream, one object per event (the format
 * is documented field by field in testrig(1) and is stable).  Owns only the
 * run id and a line buffer; writes go through stdio and leave at flush().
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testrig/buf.h"
#include "testrig/text.h"
#include "testrig/list.h"
#include "testrig/report.h"
#include "testrig/unit.h"
#include "testrig/util.h"

struct json {
	struct reporter base;
	struct json_options opt;
	char *run_id;
	struct buf line;            /* the event being built */
	bool write_failed;          /* then nothing more is written */
};

/* ,"name": -- every field after the first three starts this way. */
static void key(struct buf *b, const char *name)
{
	buf_printf(b, ",\"%s\":", name);
}

static void field_string(struct buf *b, const char *name, const char *s)
{
	key(b, name);
	if (s)
		json_quote(b, s, strlen(s));
	else
		buf_adds(b, "null");
}

static void field_bool(struct buf *b, const char *name, bool v)
{
	key(b, name);
	buf_adds(b, v ? "true" : "false");
}

static void field_size(struct buf *b, const char *name, size_t v)
{
	key(b, name);
	buf_printf(b, "%zu", v);
}

static void field_uint(struct buf *b, const char *name, unsigned v)
{
	key(b, name);
	buf_printf(b, "%u", v);
}

/* Seconds with three decimals (truncated, like the human report). */
static void field_seconds(struct buf *b, const char *name, int64_t ns)
{
	key(b, name);
	if (ns < 0)
		ns = 0;
	buf_printf(b, "%" PRId64 ".%03" PRId64, ns / NS_PER_SEC, ns % NS_PER_SEC / NS_PER_MS);
}

/* "exit_code" and "signal": each a value or null (an exec failure has neither). */
static void field_exit(struct buf *b, const struct attempt *a)
{
	key(b, "exit_code");
	if (a && a->exit_code >= 0)
		buf_printf(b, "%d", a->exit_code);
	else
		buf_adds(b, "null");
	key(b, "signal");
	if (a && a->signo) {
		const char *abbrev = sigabbrev_np(a->signo);

		if (abbrev)
			buf_printf(b, "\"SIG%s\"", abbrev);
		else
			buf_printf(b, "\"SIG%d\"", a->signo);
	} else {
		buf_adds(b, "null");
	}
}

/* Starts an event: {"type":...,"run_id":...,"time":"2024-05-01T12:34:56.789Z". */
static struct buf *begin(struct json *j, const char *type)
{
	struct buf *b = &j->line;
	int64_t now = wall_ns();
	time_t secs = (time_t)(now / NS_PER_SEC);
	struct tm tm;
	char stamp[32];

	if (!gmtime_r(&secs, &tm) || !strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(stamp, sizeof stamp, "1970-01-01T00:00:00");
	buf_reset(b);
	buf_printf(b, "{\"type\":\"%s\"", type);
	field_string(b, "run_id", j->run_id);
	buf_printf(b, ",\"time\":\"%s.%03dZ\"", stamp, (int)(now % NS_PER_SEC / NS_PER_MS));
	return b;
}

/* Ends the event and hands the whole line to stdio (which flush() pushes out). */
static void end(struct json *j)
{
	struct buf *b = &j->line;

	buf_adds(b, "}\n");
	if (j->write_failed)
		return;
	if (fwrite(b->data, 1, b->len, j->opt.out) != b->len)
		j->write_failed = true;
}

static void test_fields(struct buf *b, const struct test *t)
{
	field_string(b, "binary_id", t->bin->id);
	field_string(b, "test", t->name);
}

static void js_run_started(struct reporter *r, const struct run_info *info)
{
	struct json *j = (struct json *)r;
	struct buf *b;

	free(j->run_id);
	j->run_id = info->run_id ? xstrdup(info->run_id) : NULL;
	b = begin(j, "run-started");
	field_string(b, "profile", info->profile);
	field_uint(b, "threads", info->threads);
	field_size(b, "scheduled", info->scheduled);
	field_size(b, "filtered_out", info->filtered_out);
	end(j);
}

static void js_script_started(struct reporter *r, const char *name, const char *command,
			      bool teardown)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "script-started");

	field_string(b, "name", name);
	field_string(b, "command", command);
	field_bool(b, "teardown", teardown);
	end(j);
}

static void js_script_slow(struct reporter *r, const char *name, bool teardown,
			   int64_t elapsed, bool terminating)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "script-slow");

	field_string(b, "name", name);
	field_bool(b, "teardown", teardown);
	field_seconds(b, "elapsed", elapsed);
	field_bool(b, "terminating", terminating);
	end(j);
}

static void js_script_finished(struct reporter *r, const struct script_outcome *o)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "script-finished");

	field_string(b, "name", o->name);
	field_string(b, "command", o->command);
	field_bool(b, "teardown", o->teardown);
	field_bool(b, "ok", o->ok);
	field_seconds(b, "duration", o->attempt ? o->attempt->duration : 0);
	key(b, "exit_code");
	if (o->attempt && o->attempt->exit_code >= 0)
		buf_printf(b, "%d", o->attempt->exit_code);
	else
		buf_adds(b, "null");
	field_string(b, "error", o->error);
	end(j);
}

static void js_test_started(struct reporter *r, const struct test *t, unsigned attempt)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "test-started");

	test_fields(b, t);
	field_string(b, "suite", t->bin->suite->name);
	field_uint(b, "attempt", attempt);
	end(j);
}

static void js_test_slow(struct reporter *r, const struct test *t, unsigned attempt,
			 int64_t elapsed, bool terminating)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "test-slow");

	test_fields(b, t);
	field_uint(b, "attempt", attempt);
	field_seconds(b, "elapsed", elapsed);
	field_bool(b, "terminating", terminating);
	end(j);
}

/* "fail", "sigsegv", "leak-fail": the status label in lower case. */
static void field_verdict(struct buf *b, const char *name, const struct attempt *a)
{
	char sig[16], lower[16];
	const char *label = verdict_label(a, sig);
	size_t i;

	for (i = 0; label[i] && i + 1 < sizeof lower; i++)
		lower[i] = (char)(label[i] >= 'A' && label[i] <= 'Z' ? label[i] - 'A' + 'a' : label[i]);
	lower[i] = 0;
	field_string(b, name, lower);
}

static void js_test_retry(struct reporter *r, const struct test *t, const struct attempt *a,
			  int64_t delay)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "test-retry");

	test_fields(b, t);
	field_uint(b, "attempt", a->number);
	field_verdict(b, "result", a);
	field_seconds(b, "duration", a->duration);
	field_seconds(b, "delay", delay);
	field_exit(b, a);
	field_seconds(b, "cpu_user", a->user_ns);
	field_seconds(b, "cpu_system", a->sys_ns);
	key(b, "max_rss_kib");
	buf_printf(b, "%ld", a->maxrss_kb);
	end(j);
}

static const char *result_name(const struct test_outcome *o)
{
	if (o->flaky)
		return "flaky";
	switch (o->final->verdict) {
	case V_PASS: return "pass";
	case V_LEAK: return "leak";
	case V_SKIP: return "skip";
	case V_FAIL: return "fail";
	case V_ERROR: return "error";
	case V_SIGNAL: return "signal";
	case V_TIMEOUT: return "timeout";
	case V_LEAK_FAIL: return "leak-fail";
	case V_EXEC_FAIL: return "exec-fail";
	}
	return "fail";
}

static const char *counted_as(enum outcome o)
{
	switch (o) {
	case OUT_PASSED: return "passed";
	case OUT_SKIPPED: return "skipped";
	case OUT_FAILED: return "failed";
	case OUT_EXEC_FAILED: return "exec-failed";
	case OUT_TIMED_OUT: return "timed-out";
	}
	return "failed";
}

static void js_test_finished(struct reporter *r, const struct test_outcome *o)
{
	struct json *j = (struct json *)r;
	const struct test *t = o->test;
	const struct attempt *a = o->final;
	const struct settings *s = t->settings ? t->settings : j->opt.settings;
	bool failed = o->outcome != OUT_PASSED && o->outcome != OUT_SKIPPED;
	enum output_mode mode = OUTPUT_NEVER;
	struct buf *b = begin(j, "test-finished");

	if (s)
		mode = failed ? s->failure_output : s->success_output;
	test_fields(b, t);
	field_string(b, "suite", t->bin->suite->name);
	field_string(b, "result", result_name(o));
	field_string(b, "counted_as", counted_as(o->outcome));
	field_uint(b, "attempts", o->attempts);
	field_seconds(b, "duration", o->duration);
	field_exit(b, a);
	field_seconds(b, "cpu_user", a->user_ns);
	field_seconds(b, "cpu_system", a->sys_ns);
	key(b, "max_rss_kib");
	buf_printf(b, "%ld", a->maxrss_kb);
	field_string(b, "message", a->message);
	if (mode != OUTPUT_NEVER) {
		key(b, "stdout");
		json_quote(b, a->out.head.data, a->out.head.len);
		key(b, "stderr");
		json_quote(b, a->err.head.data, a->err.head.len);
	}
	end(j);
}

static void js_info(struct reporter *r, const struct unit_info *u, size_t n)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "info");
	size_t i;

	key(b, "units");
	buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		json_quote(b, u[i].name, u[i].name ? strlen(u[i].name) : 0);
		field_string(b, "state", u[i].state);
		key(b, "pid");
		if (u[i].pid > 0)
			buf_printf(b, "%ld", (long)u[i].pid);
		else
			buf_adds(b, "null");
		field_seconds(b, "elapsed", u[i].elapsed);
		field_uint(b, "attempt", u[i].attempt);
		field_string(b, "output_tail", u[i].output_tail);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	end(j);
}

static void js_run_finished(struct reporter *r, const struct run_summary *s)
{
	struct json *j = (struct json *)r;
	const struct run_counts *c = &s->counts;
	struct buf *b = begin(j, "run-finished");

	field_seconds(b, "duration", s->duration);
	field_bool(b, "cancelled", s->cancelled);
	field_string(b, "cancel_reason", s->cancelled ? s->cancel_reason : NULL);
	buf_printf(b, ",\"counts\":{\"scheduled\":%zu", c->scheduled);
	field_size(b, "started", c->started);
	field_size(b, "finished", c->finished);
	field_size(b, "passed", c->passed);
	field_size(b, "flaky", c->flaky);
	field_size(b, "leaky", c->leaky);
	field_size(b, "slow", c->slow);
	field_size(b, "failed", c->failed);
	field_size(b, "exec_failed", c->exec_failed);
	field_size(b, "timed_out", c->timed_out);
	field_size(b, "skipped", c->skipped);
	field_size(b, "not_run", c->not_run);
	buf_addc(b, '}');
	field_size(b, "scripts_failed", s->scripts_failed);
	end(j);
}

/* -1 once anything could not be written; the dispatcher exits 110 for it. */
static int js_flush(struct reporter *r)
{
	struct json *j = (struct json *)r;

	if (!j->write_failed && fflush(j->opt.out))
		j->write_failed = true;
	return j->write_failed ? -1 : 0;
}

static void js_free(struct reporter *r)
{
	struct json *j = (struct json *)r;

	buf_free(&j->line);
	free(j->run_id);
	free(j);
}

static const struct reporter_ops json_ops = {
	.run_started = js_run_started,
	.script_started = js_script_started,
	.script_slow = js_script_slow,
	.script_finished = js_script_finished,
	.test_started = js_test_started,
	.test_slow = js_test_slow,
	.test_retry = js_test_retry,
	.test_finished = js_test_finished,
	.info = js_info,
	.run_finished = js_run_finished,
	.flush = js_flush,
	.close = js_flush,
	.free = js_free,
};

struct reporter *report_json_new(const struct json_options *opt)
{
	struct json *j = xcalloc(1, sizeof *j);

	j->base.ops = &json_ops;
	j->opt = *opt;
	return &j->base;
}

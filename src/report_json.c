/*
 * report_json.c - JSON lines, one object per event (the format is
 * documented field by field in testrig(1) and is stable), on a stdio
 * stream, or into a run record's gzip stream with every attempt's output
 * and the few fields a replay needs.  Owns only the run id and a line
 * buffer; writes leave at flush().
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/gz.h"
#include "testrig/list.h"
#include "testrig/record.h"
#include "testrig/report.h"
#include "testrig/tap.h"
#include "testrig/text.h"
#include "testrig/util.h"

/* A test-started line a record holds back (see hold_started): made only if written. */
struct held {
	const struct test *test;
	int64_t time;               /* wall clock, ns */
	bool dropped;
};

struct json {
	struct reporter base;
	struct json_options opt;
	char *run_id;
	struct buf line;            /* the event being built */
	bool write_failed;          /* then nothing more is written */
	struct buf held_line;       /* recording: a held test-started line, being written */
	struct held *held;
	size_t nheld, held_cap, held_first;
};

static void write_out(struct json *j);
static void release_held(struct json *j);

/* "exit_code" and "signal": each a value or null (an exec failure has neither). */
static void field_exit(struct buf *b, const struct attempt *a)
{
	char sig[16];

	if (a && a->exit_code >= 0)
		json_int(b, "exit_code", a->exit_code);
	else
		json_string(b, "exit_code", NULL);
	json_string(b, "signal", a && a->signo ? signal_name(a->signo, sig) : NULL);
}

/* {"type":...,"run_id":...,"time":"2024-05-01T12:34:56.789Z" into b. */
static void event_head(struct json *j, struct buf *b, const char *type, int64_t time)
{
	buf_reset(b);
	buf_adds(b, "{\"type\":\"");
	buf_adds(b, type);
	buf_addc(b, '"');
	json_string(b, "run_id", j->run_id);
	json_key(b, "time");
	buf_addc(b, '"');
	format_timestamp(b, time);
	buf_addc(b, '"');
}

/* Starts an event, now. */
static struct buf *begin(struct json *j, const char *type)
{
	/* Lines held back go out before any other kind of event (see hold_started). */
	if (j->nheld && strcmp(type, "test-started") != 0 && strcmp(type, "test-finished") != 0)
		release_held(j);
	event_head(j, &j->line, type, wall_ns());
	return &j->line;
}

/* A test-started event's fields after its head. */
static void started_fields(struct buf *b, const struct test *t, unsigned attempt)
{
	json_name(b, "binary_id", t->bin->id);
	json_name(b, "test", t->name);
	json_string(b, "suite", t->bin->suite->name);
	json_uint(b, "attempt", attempt);
	buf_adds(b, "}\n");
}

/* Hands what the line holds so far to stdio or the record (flush() pushes it out). */
static void write_out(struct json *j)
{
	struct buf *b = &j->line;

	if (!j->write_failed && b->len &&
	    (j->opt.gz ? gz_write(j->opt.gz, b->data, b->len) != 0
		       : fwrite(b->data, 1, b->len, j->opt.out) != b->len))
		j->write_failed = true;
	buf_reset(b);
}

/* Ends the event and writes it. */
static void end(struct json *j)
{
	buf_adds(&j->line, "}\n");
	write_out(j);
}

/*
 * A record holds a test's first test-started line back until the next
 * flush (or any event but a start or an end), and leaves it out if the
 * test finishes before then: its test-finished line says when it started
 * ("start"), and replay puts the line back (replay.c).  Most tests of a
 * fast suite then cost one line of the record, not two.
 */
static void hold_started(struct json *j, const struct test *t)
{
	if (j->nheld == j->held_cap) {
		j->held_cap = j->held_cap ? j->held_cap * 2 : 64;
		j->held = xreallocarray(j->held, j->held_cap, sizeof *j->held);
	}
	j->held[j->nheld++] = (struct held){ t, wall_ns(), false };
}

/* The test finished: its start need not be written if it is still held. */
static void drop_held(struct json *j, const struct test *t)
{
	size_t i;

	for (i = j->held_first; i < j->nheld; i++) {
		if (j->held[i].test == t && !j->held[i].dropped) {
			j->held[i].dropped = true;
			break;
		}
	}
	while (j->held_first < j->nheld && j->held[j->held_first].dropped)
		j->held_first++;
}

static void release_held(struct json *j)
{
	size_t i;

	for (i = j->held_first; i < j->nheld && !j->write_failed; i++) {
		if (j->held[i].dropped)
			continue;
		event_head(j, &j->held_line, "test-started", j->held[i].time);
		started_fields(&j->held_line, j->held[i].test, 1);
		if (gz_write(j->opt.gz, j->held_line.data, j->held_line.len))
			j->write_failed = true;
	}
	j->nheld = j->held_first = 0;
}

/* A record keeps what the stream leaves to the output options, and a bit more. */
static bool recording(const struct json *j)
{
	return j->opt.gz != NULL;
}

/*
 * Output goes into a record a piece at a time: the line is never a second
 * copy of an output that may be as large as output-limit.
 */
#define STREAM_PIECE 65536

static void stream_bytes(struct json *j, const char *name, const char *s, size_t n)
{
	struct json_bytes_state st;

	json_bytes_begin(&j->line, name, s, n, &st);
	while (json_bytes_next(&j->line, &st, STREAM_PIECE))
		write_out(j);
}

/*
 * Where to cut a stream's head at about `at` bytes (or its tail from about
 * `at`, when `tail`): after a newline within the last quarter of the way
 * there, else between UTF-8 sequences, so that text stays text.
 */
static size_t cut_at(const char *s, size_t n, size_t at, bool tail)
{
	size_t i, lo = tail ? at : at - at / 4, hi = tail ? at + (n - at) / 4 : at;

	for (i = hi; i > lo; i--)
		if (s[i - 1] == '\n')
			return i;
	while (at > 0 && at < n && ((unsigned char)s[at] & 0xc0) == 0x80)
		at++;
	return at;
}

/*
 * A stream of an attempt as the record keeps it: whole for a failing
 * attempt (up to output-limit, as captured); for a passing one its first
 * RECORD_PASS_HEAD and last RECORD_PASS_TAIL bytes around a line that says
 * how many were left out, and "NAME_omitted" with that count, so that a
 * record does not cost a second pass over every byte a passing suite
 * prints (testrig(1), RECORDS).
 */
static void record_stream(struct json *j, const char *name, const struct capture *c, bool whole)
{
	const char *s = c->head.data;
	size_t n = c->head.len, head, tail;
	struct buf kept = BUF_INIT;
	char key[32];

	if (whole || n <= RECORD_PASS_HEAD + RECORD_PASS_TAIL + RECORD_PASS_SLACK) {
		stream_bytes(j, name, s, n);
		return;
	}
	head = cut_at(s, n, RECORD_PASS_HEAD, false);
	tail = cut_at(s, n, n - RECORD_PASS_TAIL, true);
	buf_add(&kept, s, head);
	if (head && s[head - 1] != '\n')
		buf_addc(&kept, '\n');
	buf_printf(&kept, "[testrig: %zu bytes left out here: a run record keeps only about "
		   "the first %d and the last %d bytes of a passing test's output]\n",
		   tail - head, RECORD_PASS_HEAD, RECORD_PASS_TAIL);
	buf_add(&kept, s + tail, n - tail);
	stream_bytes(j, name, kept.data, kept.len);
	snprintf(key, sizeof key, "%s_omitted", name);
	json_uint(&j->line, key, tail - head);
	buf_free(&kept);
}

/* A record's fields for one attempt: its output and its start. */
static void record_attempt(struct json *j, const struct attempt *a, bool whole)
{
	struct buf *b = &j->line;

	record_stream(j, "stdout", &a->out, whole);
	record_stream(j, "stderr", &a->err, whole);
	json_key(b, "start");
	buf_addc(b, '"');
	format_timestamp(b, a->start_wall);
	buf_addc(b, '"');
	json_bool(b, "slow", a->slow);
}

/*
 * What the on-timeout hook said: always, whatever the output modes (it is
 * the evidence of a hang); bytes exactly in a record.
 */
static void field_on_timeout(struct json *j, const struct attempt *a)
{
	if (!a->on_timeout)
		return;
	if (recording(j)) {
		json_bytes(&j->line, "on_timeout", a->on_timeout, a->on_timeout_len);
	} else {
		json_key(&j->line, "on_timeout");
		json_quote(&j->line, a->on_timeout, a->on_timeout_len);
	}
}

void report_json_point(struct buf *b, const struct tap_point *p, struct buf *scratch)
{
	static const char *const directives[] = { NULL, "skip", "todo" };

	buf_reset(scratch);
	tap_point_name(p, scratch);
	buf_adds(b, "{\"number\":");
	buf_add_uint(b, p->number);
	json_string(b, "description", scratch->data);
	json_bool(b, "ok", p->ok);
	json_string(b, "directive", directives[p->directive]);
	json_string(b, "reason", p->directive != TAP_NO_DIRECTIVE ? p->reason : NULL);
	buf_addc(b, '}');
}

/*
 * "points": up to `max` of a TAP script's points from r (all: SIZE_MAX),
 * written out a piece at a time, so that a script of a million points
 * never makes a line of them in memory.
 */
static void stream_points(struct json *j, struct tap_points_reader *r, size_t max)
{
	struct buf name = BUF_INIT;
	const struct tap_point *p;
	size_t i;

	json_key(&j->line, "points");
	buf_addc(&j->line, '[');
	for (i = 0; i < max && (p = tap_points_next(r)); i++) {
		if (i)
			buf_addc(&j->line, ',');
		report_json_point(&j->line, p, &name);
		if (j->line.len >= STREAM_PIECE)
			write_out(j);
	}
	buf_addc(&j->line, ']');
	buf_free(&name);
	/* Points that could not be read back (the temporary file failed): a report cut short. */
	if (r->failed)
		j->write_failed = true;
}

/* A TAP script's points: number, description, ok, directive, reason. */
static void field_points(struct json *j, const struct attempt *a)
{
	struct tap_points_reader r;

	if (!a->tap)
		return;
	tap_points_begin(&r, a->tap->points);
	stream_points(j, &r, SIZE_MAX);
	tap_points_end(&r);
}

/*
 * A record keeps a test-finished line small enough to read back whole:
 * a script of more than RECORD_POINTS_LINE points has them in test-points
 * lines of that many each, just before its test-finished line, which then
 * has no "points" (replay puts them back together; testrig(1), RUN RECORDS).
 */
static bool points_apart(const struct json *j, const struct attempt *a)
{
	return recording(j) && a->tap && a->tap->npoints > RECORD_POINTS_LINE;
}

static void test_fields(struct buf *b, const struct test *t);

static void record_points_lines(struct json *j, const struct test *t, const struct attempt *a)
{
	struct tap_points_reader r;

	size_t left = a->tap->npoints, n;

	tap_points_begin(&r, a->tap->points);
	for (; left && !j->write_failed; left -= n) {
		n = left < RECORD_POINTS_LINE ? left : RECORD_POINTS_LINE;
		event_head(j, &j->line, "test-points", wall_ns());
		test_fields(&j->line, t);
		stream_points(j, &r, n);
		end(j);
	}
	tap_points_end(&r);
}

/* "fail", "sigsegv", "leak-fail": the status label in lower case. */
static void field_verdict(struct buf *b, const char *name, const struct attempt *a)
{
	char lower[16];

	json_string(b, name, verdict_name(a, lower));
}

/* A record's "signal" where the stream's script events have none. */
static void field_exit_signal(struct buf *b, const struct attempt *a)
{
	char sig[16];

	json_string(b, "signal", a->signo ? signal_name(a->signo, sig) : NULL);
}

static void test_fields(struct buf *b, const struct test *t)
{
	json_name(b, "binary_id", t->bin->id);
	json_name(b, "test", t->name);
}

static void js_run_started(struct reporter *r, const struct run_info *info)
{
	struct json *j = (struct json *)r;
	struct buf *b;

	free(j->run_id);
	j->run_id = info->run_id ? xstrdup(info->run_id) : NULL;
	b = begin(j, "run-started");
	json_string(b, "profile", info->profile);
	json_uint(b, "threads", info->threads);
	json_uint(b, "scheduled", info->scheduled);
	json_uint(b, "filtered_out", info->filtered_out);
	if (info->binaries)
		json_uint(b, "binaries_unlisted", info->binaries);
	end(j);
}

static void js_script_started(struct reporter *r, const char *name, const char *command,
			      bool teardown)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "script-started");

	json_string(b, "name", name);
	json_string(b, "command", command);
	json_bool(b, "teardown", teardown);
	end(j);
}

static void js_script_slow(struct reporter *r, const char *name, bool teardown,
			   int64_t elapsed, bool terminating)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "script-slow");

	json_string(b, "name", name);
	json_bool(b, "teardown", teardown);
	json_seconds(b, "elapsed", elapsed);
	json_bool(b, "terminating", terminating);
	end(j);
}

static void js_script_finished(struct reporter *r, const struct script_outcome *o)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "script-finished");

	json_string(b, "name", o->name);
	json_string(b, "command", o->command);
	json_bool(b, "teardown", o->teardown);
	json_bool(b, "ok", o->ok);
	json_seconds(b, "duration", o->attempt ? o->attempt->duration : 0);
	if (o->attempt && o->attempt->exit_code >= 0)
		json_int(b, "exit_code", o->attempt->exit_code);
	else
		json_string(b, "exit_code", NULL);
	json_string(b, "error", o->error);
	if (recording(j) && o->attempt) {
		field_verdict(b, "verdict", o->attempt);
		field_exit_signal(b, o->attempt);
		json_string(b, "message", o->attempt->message);
		record_attempt(j, o->attempt, !o->ok);
	}
	end(j);
}

static void js_test_started(struct reporter *r, const struct test *t, unsigned attempt)
{
	struct json *j = (struct json *)r;

	if (recording(j) && attempt == 1) {
		hold_started(j, t);
		return;
	}
	started_fields(begin(j, "test-started"), t, attempt);
	write_out(j);
}

static void js_test_slow(struct reporter *r, const struct test *t, unsigned attempt,
			 int64_t elapsed, bool terminating)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "test-slow");

	test_fields(b, t);
	json_uint(b, "attempt", attempt);
	json_seconds(b, "elapsed", elapsed);
	json_bool(b, "terminating", terminating);
	end(j);
}

static void js_test_retry(struct reporter *r, const struct test *t, const struct attempt *a,
			  int64_t delay)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "test-retry");

	test_fields(b, t);
	json_uint(b, "attempt", a->number);
	field_verdict(b, "result", a);
	json_seconds(b, "duration", a->duration);
	json_seconds(b, "delay", delay);
	field_exit(b, a);
	json_seconds(b, "cpu_user", a->user_ns);
	json_seconds(b, "cpu_system", a->sys_ns);
	json_int(b, "max_rss_kib", a->maxrss_kb);
	field_on_timeout(j, a);
	if (recording(j)) {
		json_string(b, "message", a->message);
		record_attempt(j, a, true);
	}
	end(j);
}

static const char *result_name(const struct test_outcome *o)
{
	return o->flaky ? "flaky" : verdict_kind(o->final->verdict);
}

static void js_test_finished(struct reporter *r, const struct test_outcome *o)
{
	struct json *j = (struct json *)r;
	const struct test *t = o->test;
	const struct attempt *a = o->final;
	const struct settings *s = t->settings ? t->settings : j->opt.settings;
	bool failed = o->outcome != OUT_PASSED && o->outcome != OUT_SKIPPED;
	enum output_mode mode = OUTPUT_NEVER;
	struct buf *b;

	if (j->nheld)
		drop_held(j, t);
	if (points_apart(j, a))
		record_points_lines(j, t, a);
	b = begin(j, "test-finished");
	if (s)
		mode = failed ? s->failure_output : s->success_output;
	test_fields(b, t);
	json_string(b, "suite", t->bin->suite->name);
	json_string(b, "result", result_name(o));
	json_string(b, "counted_as", outcome_name(o->outcome));
	json_uint(b, "attempts", o->attempts);
	json_seconds(b, "duration", o->duration);
	field_exit(b, a);
	json_seconds(b, "cpu_user", a->user_ns);
	json_seconds(b, "cpu_system", a->sys_ns);
	json_int(b, "max_rss_kib", a->maxrss_kb);
	json_string(b, "message", a->message);
	if (!points_apart(j, a))
		field_points(j, a);
	field_on_timeout(j, a);
	if (o->history_known) {
		buf_adds(b, ",\"history\":{\"runs\":");
		buf_add_uint(b, o->history.runs);
		buf_adds(b, ",\"failures\":");
		buf_add_uint(b, o->history.failures);
		buf_adds(b, ",\"flaky\":");
		buf_add_uint(b, o->history.flaky);
		buf_addc(b, '}');
	}
	if (recording(j)) {
		field_verdict(b, "verdict", a);
		json_uint(b, "max_attempts", o->max_attempts);
		record_attempt(j, a, failed);
	} else if (mode != OUTPUT_NEVER) {
		json_key(b, "stdout");
		json_quote(b, a->out.head.data, a->out.head.len);
		json_key(b, "stderr");
		json_quote(b, a->err.head.data, a->err.head.len);
	}
	end(j);
}

static void js_info(struct reporter *r, const struct unit_info *u, size_t n)
{
	struct json *j = (struct json *)r;
	struct buf *b = begin(j, "info");
	size_t i;

	json_key(b, "units");
	buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		json_quote(b, u[i].name, u[i].name ? strlen(u[i].name) : 0);
		json_string(b, "state", u[i].state);
		if (u[i].pid > 0)
			json_int(b, "pid", u[i].pid);
		else
			json_string(b, "pid", NULL);
		json_seconds(b, "elapsed", u[i].elapsed);
		json_uint(b, "attempt", u[i].attempt);
		json_string(b, "output_tail", u[i].output_tail);
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

	json_seconds(b, "duration", s->duration);
	json_bool(b, "cancelled", s->cancelled);
	json_string(b, "cancel_reason", s->cancelled ? s->cancel_reason : NULL);
	json_key(b, "counts");
	run_counts_json(b, c, false);
	json_uint(b, "scripts_failed", s->scripts_failed);
	if (recording(j)) {
		json_string(b, "cancel_detail", s->cancelled ? s->cancel_detail : NULL);
		json_int(b, "exit_code", s->exit_code);
	}
	end(j);
}

/* -1 once anything could not be written; the dispatcher exits 110 for it. */
static int js_flush(struct reporter *r)
{
	struct json *j = (struct json *)r;

	if (j->nheld)
		release_held(j);
	if (!j->write_failed && (j->opt.gz ? gz_flush(j->opt.gz) != 0 : fflush(j->opt.out) != 0))
		j->write_failed = true;
	return j->write_failed ? -1 : 0;
}

static void js_free(struct reporter *r)
{
	struct json *j = (struct json *)r;

	buf_free(&j->line);
	buf_free(&j->held_line);
	free(j->held);
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

	buf_init(&j->line);
	buf_init(&j->held_line);
	j->base.ops = &json_ops;
	j->opt = *opt;
	return &j->base;
}

/*
 * report_junit.c - the JUnit XML report (format: testrig(1), test/junit.xsd).
 * Owns a record per binary that finished a test: counters and its rendered
 * <testcase> elements, in memory up to a bound and beyond it in a spill
 * (spill.h), so that a TAP script of a million points costs a temporary
 * file, not memory; close writes the file whole (temp file, fsync, rename).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/list.h"
#include "testrig/report.h"
#include "testrig/spill.h"
#include "testrig/tap.h"
#include "testrig/text.h"
#include "testrig/util.h"

/* One <testsuite>: a binary, in the order binaries first finished a test. */
struct junit_suite {
	const struct binary *bin;
	size_t tests, failures, errors, skipped;
	int64_t time;               /* sum of its testcases' times, ns */
	int64_t timestamp;          /* earliest first-attempt start of its tests */
	struct extent *spilled;     /* its first <testcase> elements, in the spill */
	size_t nspilled;
	struct buf body;            /* its <testcase> elements after those, ready to write */
	struct buf out;             /* isolation = binary: output outside its cases */
};

/* Bytes of one suite's body in the spill. */
struct extent {
	uint64_t at, len;
};

/*
 * The testcases held in memory, all suites together, before they go to
 * the spill: a run of ordinary size never makes a file.
 */
#define BODIES_HOLD (1024 * 1024)
/* What goes from the spill to the report at a time. */
#define COPY_PIECE (64 * 1024)

struct junit {
	struct reporter base;
	char *path;
	bool success_output;
	FILE *err;
	char *run_id, *profile;
	int64_t start_wall;
	int64_t duration;           /* the run's, from run_finished */
	bool have_duration;
	struct junit_suite *suites;
	size_t nsuites, capsuites;
	/* Open addressing from binary to suites[] index + 1 (0: empty slot). */
	size_t *slots;
	size_t nslots;
	size_t held;                /* bytes of the suites' bodies in memory */
	struct spill spill;         /* bodies moved out of memory (extents in each suite) */
	int read_error;             /* errno of a spill or points file that failed to read */
	int closed;                 /* 0: not yet; 1: written; -1: failed */
};

/* Moves every suite's body to the spill: the testcases in memory passed their bound. */
static void spill_bodies(struct junit *j)
{
	size_t i;

	for (i = 0; i < j->nsuites; i++) {
		struct junit_suite *s = &j->suites[i];
		uint64_t at = spill_len(&j->spill);

		if (!s->body.len)
			continue;
		spill_add(&j->spill, s->body.data, s->body.len);
		if (s->nspilled && s->spilled[s->nspilled - 1].at + s->spilled[s->nspilled - 1].len == at) {
			s->spilled[s->nspilled - 1].len += s->body.len;
		} else {
			s->spilled = xreallocarray(s->spilled, s->nspilled + 1, sizeof *s->spilled);
			s->spilled[s->nspilled++] = (struct extent){ at, s->body.len };
		}
		buf_free(&s->body);
	}
	j->held = 0;
}

/* A suite's body grew from `before` bytes: past the bound, the bodies go. */
static void grew(struct junit *j, const struct junit_suite *s, size_t before)
{
	j->held += s->body.len - before;
	if (j->held >= BODIES_HOLD)
		spill_bodies(j);
}

static void xml_attr(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, " %s=\"", name);
	xml_escape(b, value, strlen(value), true);
	buf_addc(b, '"');
}

static void seconds_attr(struct buf *b, const char *name, int64_t ns)
{
	buf_printf(b, " %s=\"", name);
	format_seconds(b, ns);
	buf_addc(b, '"');
}

static void timestamp_attr(struct buf *b, const char *name, int64_t wall)
{
	buf_printf(b, " %s=\"", name);
	format_timestamp(b, wall);
	buf_addc(b, '"');
}

static void add_property(struct buf *b, const char *indent, const char *name,
			 const char *value)
{
	buf_printf(b, "%s<property", indent);
	xml_attr(b, "name", name);
	xml_attr(b, "value", value);
	buf_adds(b, "/>\n");
}

/* <system-out>/<system-err>, left out when the stream was empty. */
static void add_output(struct buf *b, const char *indent, const char *tag,
		       const struct capture *c)
{
	if (!c->head.len)
		return;
	buf_printf(b, "%s<%s>", indent, tag);
	xml_escape(b, c->head.data, c->head.len, false);
	buf_printf(b, "</%s>\n", tag);
}

/* stdout, and stderr with the on-timeout hook's report after it. */
static void add_outputs(struct buf *b, const char *indent, const struct attempt *a)
{
	add_output(b, indent, "system-out", &a->out);
	if (!a->on_timeout) {
		add_output(b, indent, "system-err", &a->err);
		return;
	}
	buf_printf(b, "%s<system-err>", indent);
	xml_escape(b, a->err.head.data, a->err.head.len, false);
	if (a->err.head.len && a->err.head.data[a->err.head.len - 1] != '\n')
		buf_addc(b, '\n');
	buf_adds(b, "--- ON-TIMEOUT ---\n");
	xml_escape(b, a->on_timeout, a->on_timeout_len, false);
	buf_adds(b, "</system-err>\n");
}

/*
 * The type attribute and message of a failed attempt into *type and msg;
 * true when it is an error (the test could not do its job) rather than a
 * failure (it did, and the result was bad).
 */
static bool describe_failure(const struct attempt *a, const char **type, struct buf *msg)
{
	bool error = false;

	switch (a->verdict) {
	case V_ERROR:
		*type = "error";
		error = true;
		buf_printf(msg, "hard error (exit code %d)", a->exit_code);
		break;
	case V_SIGNAL:
		*type = "signal";
		process_end_words(msg, -1, a->signo);
		break;
	case V_TIMEOUT:
		*type = "timeout";
		buf_adds(msg, "timed out after ");
		format_seconds(msg, a->duration);
		buf_addc(msg, 's');
		break;
	case V_LEAK_FAIL:
		*type = "leak";
		buf_adds(msg, "leaked: a process it started held its output open after it exited");
		break;
	case V_EXEC_FAIL:
		*type = "exec-fail";
		buf_adds(msg, a->message ? a->message : "could not be started");
		return true;
	default:
		*type = "fail";
		if (a->exit_code >= 0)
			buf_printf(msg, "exit code %d", a->exit_code);
		else
			buf_adds(msg, "failed");
		break;
	}
	/* A protocol's note (TAP's failing points, a missing test) says more. */
	if (a->message)
		buf_printf(msg, ": %s", a->message);
	return error;
}

static size_t slot_of(const struct binary *bin, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)bin * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 32) & mask;
}

static void slot_insert(struct junit *j, size_t index)
{
	size_t mask = j->nslots - 1, i = slot_of(j->suites[index].bin, mask);

	while (j->slots[i])
		i = (i + 1) & mask;
	j->slots[i] = index + 1;
}

/* The binary's suite record, made when it first finishes a test. */
static struct junit_suite *suite_of(struct junit *j, const struct binary *bin)
{
	struct junit_suite *s;
	size_t i;

	if (j->nslots) {
		size_t mask = j->nslots - 1;

		for (i = slot_of(bin, mask); j->slots[i]; i = (i + 1) & mask)
			if (j->suites[j->slots[i] - 1].bin == bin)
				return &j->suites[j->slots[i] - 1];
	}
	if (j->nsuites == j->capsuites) {
		j->capsuites = j->capsuites ? j->capsuites * 2 : 16;
		j->suites = xreallocarray(j->suites, j->capsuites, sizeof *j->suites);
	}
	s = &j->suites[j->nsuites++];
	memset(s, 0, sizeof *s);
	buf_init(&s->body);
	buf_init(&s->out);
	s->bin = bin;
	if (2 * j->nsuites > j->nslots) {
		/* Keep the table at most half full so probes stay short. */
		free(j->slots);
		j->nslots = j->nslots ? j->nslots * 2 : 32;
		j->slots = xcalloc(j->nslots, sizeof *j->slots);
		for (i = 0; i < j->nsuites; i++)
			slot_insert(j, i);
	} else {
		slot_insert(j, j->nsuites - 1);
	}
	return s;
}

static void j_run_started(struct reporter *r, const struct run_info *info)
{
	struct junit *j = (struct junit *)r;

	free(j->run_id);
	free(j->profile);
	j->run_id = xstrdup(info->run_id ? info->run_id : "");
	j->profile = xstrdup(info->profile ? info->profile : "");
	j->start_wall = info->start_wall;
}

/* One earlier failed attempt: a flakyFailure or rerunFailure with its output. */
static void add_retried(struct buf *b, const char *tag, const struct attempt *a)
{
	struct buf msg = BUF_INIT;
	const char *type;

	describe_failure(a, &type, &msg);
	buf_printf(b, "      <%s", tag);
	xml_attr(b, "type", type);
	xml_attr(b, "message", msg.data);
	seconds_attr(b, "time", a->duration);
	timestamp_attr(b, "timestamp", a->start_wall);
	if (!a->out.head.len && !a->err.head.len) {
		buf_adds(b, "/>\n");
	} else {
		buf_adds(b, ">\n");
		add_outputs(b, "        ", a);
		buf_printf(b, "      </%s>\n", tag);
	}
	buf_free(&msg);
}

/*
 * A TAP script's points, each a testcase after the script's own, named
 * "N - description": not ok fails, ok # SKIP skips with its reason, # TODO
 * passes with the directive in system-out.
 */
static void add_points(struct junit *j, struct junit_suite *s, const struct test *t,
		       const struct attempt *a)
{
	struct buf *b = &s->body, name = BUF_INIT, msg = BUF_INIT;
	struct tap_points_reader r;
	const struct tap_point *p;

	tap_points_begin(&r, a->tap ? a->tap->points : NULL);
	while ((p = tap_points_next(&r))) {
		size_t before = b->len;

		buf_reset(&name);
		buf_printf(&name, "%u", p->number);
		if (*p->description) {
			buf_adds(&name, " - ");
			tap_point_name(p, &name);
		}
		s->tests++;
		buf_adds(b, "    <testcase");
		xml_attr(b, "name", name.data);
		xml_attr(b, "classname", t->bin->id);
		buf_adds(b, " time=\"0.000\"");
		if (p->directive == TAP_TODO) {
			buf_adds(b, ">\n      <system-out>");
			buf_reset(&msg);
			buf_printf(&msg, "%s # TODO%s%s", p->ok ? "ok" : "not ok",
				   *p->reason ? " " : "", p->reason);
			xml_escape(b, msg.data, msg.len, false);
			buf_adds(b, "</system-out>\n    </testcase>\n");
		} else if (p->directive == TAP_SKIP && p->ok) {
			s->skipped++;
			buf_adds(b, ">\n      <skipped");
			if (*p->reason)
				xml_attr(b, "message", p->reason);
			buf_adds(b, "/>\n    </testcase>\n");
		} else if (!p->ok) {
			s->failures++;
			buf_reset(&msg);
			buf_printf(&msg, "not ok %s", name.data);
			buf_adds(b, ">\n      <failure type=\"tap\"");
			xml_attr(b, "message", msg.data);
			buf_adds(b, "/>\n    </testcase>\n");
		} else {
			buf_adds(b, "/>\n");
		}
		grew(j, s, before);
	}
	/* Points that could not be read back (the temporary file failed): the report fails. */
	if (r.failed && !j->read_error)
		j->read_error = r.error ? r.error : EIO;
	tap_points_end(&r);
	buf_free(&name);
	buf_free(&msg);
}

static void j_test_finished(struct reporter *r, const struct test_outcome *o)
{
	struct junit *j = (struct junit *)r;
	const struct attempt *a = o->final;
	const struct attempt *first = o->nretried ? o->retried[0] : a;
	struct junit_suite *s = suite_of(j, o->test->bin);
	struct buf *b = &s->body, v = BUF_INIT;
	bool failed = o->outcome != OUT_PASSED && o->outcome != OUT_SKIPPED;
	const char *retry_tag = "rerunFailure";
	size_t before = b->len;
	unsigned i;

	if (!s->tests || first->start_wall < s->timestamp)
		s->timestamp = first->start_wall;
	s->tests++;
	s->time += o->duration;

	buf_adds(b, "    <testcase");
	xml_attr(b, "name", o->test->name);
	xml_attr(b, "classname", o->test->bin->id);
	seconds_attr(b, "time", o->duration);
	buf_adds(b, ">\n      <properties>\n");
	buf_printf(&v, "%u", o->attempts);
	add_property(b, "        ", "attempts", v.data);
	buf_reset(&v);
	format_seconds(&v, a->user_ns);
	add_property(b, "        ", "cpu-user", v.data);
	buf_reset(&v);
	format_seconds(&v, a->sys_ns);
	add_property(b, "        ", "cpu-system", v.data);
	buf_reset(&v);
	buf_printf(&v, "%ld", a->maxrss_kb);
	add_property(b, "        ", "max-rss-kib", v.data);
	buf_reset(&v);
	if (a->exit_code >= 0) {
		buf_printf(&v, "%d", a->exit_code);
		add_property(b, "        ", "exit-code", v.data);
	} else if (a->signo) {
		/* Also for a timeout: the signal that ended it (SIGTERM, SIGKILL). */
		char sig[16];

		add_property(b, "        ", "signal", signal_name(a->signo, sig));
	}
	buf_adds(b, "      </properties>\n");

	buf_reset(&v);
	if (o->outcome == OUT_SKIPPED) {
		s->skipped++;
		buf_adds(b, "      <skipped");
		if (a->message)
			xml_attr(b, "message", a->message);
		buf_adds(b, "/>\n");
	} else if (o->outcome == OUT_PASSED) {
		retry_tag = "flakyFailure";
	} else {
		const char *type;
		bool error;

		if (verdict_ok(a->verdict)) {
			/* Passed on a retry, but flaky-result = fail counts it failed. */
			type = "flaky";
			error = false;
			buf_printf(&v, "flaky: passed on attempt %u after %u failed attempt%s "
				   "(flaky-result = fail)", a->number, o->nretried,
				   o->nretried == 1 ? "" : "s");
		} else {
			error = describe_failure(a, &type, &v);
		}
		if (error)
			s->errors++;
		else
			s->failures++;
		buf_printf(b, "      <%s", error ? "error" : "failure");
		xml_attr(b, "type", type);
		xml_attr(b, "message", v.data);
		buf_adds(b, "/>\n");
	}
	for (i = 0; i < o->nretried; i++)
		add_retried(b, retry_tag, o->retried[i]);
	if (failed || j->success_output)
		add_outputs(b, "      ", a);
	buf_adds(b, "    </testcase>\n");
	buf_free(&v);
	grew(j, s, before);
	add_points(j, s, o->test, a);
}

static void j_run_finished(struct reporter *r, const struct run_summary *sum)
{
	struct junit *j = (struct junit *)r;

	j->duration = sum->duration;
	j->have_duration = true;
}

static int j_flush(struct reporter *r)
{
	(void)r;        /* nothing is written before close */
	return 0;
}

static void suite_counts(struct buf *b, size_t tests, size_t failures, size_t errors,
			 size_t skipped, int64_t time, int64_t timestamp)
{
	buf_printf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
		   tests, failures, errors, skipped);
	seconds_attr(b, "time", time);
	timestamp_attr(b, "timestamp", timestamp);
}

/* A suite's body: what the spill has of it, then what is in memory. */
static int write_body(struct junit *j, const struct junit_suite *s, int fd)
{
	char *piece = NULL;
	size_t i;
	int rc = -1;

	for (i = 0; i < s->nspilled; i++) {
		uint64_t at = s->spilled[i].at, end = at + s->spilled[i].len;

		if (!piece)
			piece = xmalloc(COPY_PIECE);
		while (at < end) {
			size_t want = end - at < COPY_PIECE ? (size_t)(end - at) : COPY_PIECE;
			ssize_t got = spill_read(&j->spill, at, piece, want);

			if (got <= 0) {
				if (got == 0)
					errno = EIO;
				goto out;
			}
			if (write_all(fd, piece, (size_t)got))
				goto out;
			at += (uint64_t)got;
		}
	}
	rc = write_all(fd, s->body.data, s->body.len);
out:
	free(piece);
	return rc;
}

/* Writes the document to fd in pieces, so the bodies are never copied. */
static int write_document(struct junit *j, int fd)
{
	struct buf b = BUF_INIT;
	size_t tests = 0, failures = 0, errors = 0, skipped = 0, i;
	int64_t time = 0;
	int rc = -1;

	for (i = 0; i < j->nsuites; i++) {
		tests += j->suites[i].tests;
		failures += j->suites[i].failures;
		errors += j->suites[i].errors;
		skipped += j->suites[i].skipped;
		time += j->suites[i].time;
	}
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"testrig\"");
	suite_counts(&b, tests, failures, errors, skipped,
		     j->have_duration ? j->duration : time, j->start_wall);
	buf_adds(&b, ">\n  <properties>\n");
	add_property(&b, "    ", "run-id", j->run_id ? j->run_id : "");
	add_property(&b, "    ", "profile", j->profile ? j->profile : "");
	buf_adds(&b, "  </properties>\n");
	for (i = 0; i < j->nsuites; i++) {
		struct junit_suite *s = &j->suites[i];

		buf_adds(&b, "  <testsuite");
		xml_attr(&b, "name", s->bin->id);
		suite_counts(&b, s->tests, s->failures, s->errors, s->skipped, s->time,
			     s->timestamp);
		buf_adds(&b, ">\n");
		if (write_all(fd, b.data, b.len) || write_body(j, s, fd))
			goto out;
		buf_reset(&b);
		if (s->out.len) {
			buf_adds(&b, "    <system-out>");
			xml_escape(&b, s->out.data, s->out.len, false);
			buf_adds(&b, "</system-out>\n");
		}
		buf_adds(&b, "  </testsuite>\n");
	}
	buf_adds(&b, "</testsuites>\n");
	if (write_all(fd, b.data, b.len))
		goto out;
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

static int j_close(struct reporter *r)
{
	struct junit *j = (struct junit *)r;
	char *tmp;
	int fd, err;

	if (j->closed)
		return j->closed > 0 ? 0 : -1;
	if (j->read_error) {
		err = j->read_error;
		tmp = NULL;
		goto fail;
	}
	/* Beside the target, so that the rename stays within one file system. */
	tmp = xasprintf("%s.tmp.%ld", j->path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	if (write_document(j, fd)) {
		err = errno;
		goto fail_unlink;
	}
	while (fsync(fd)) {
		if (errno != EINTR) {
			err = errno;
			goto fail_unlink;
		}
	}
	/* close can report a deferred write error (NFS); it is not retried. */
	if (close(fd)) {
		fd = -1;
		err = errno;
		goto fail_unlink;
	}
	fd = -1;
	if (rename(tmp, j->path)) {
		err = errno;
		goto fail_unlink;
	}
	free(tmp);
	j->closed = 1;
	return 0;

fail_unlink:
	/* The first error is the one worth reporting; this fd is being dropped. */
	if (fd >= 0)
		(void)close(fd);
	if (unlink(tmp) && errno != ENOENT)
		fprintf(j->err, "%s: warning: cannot remove %s: %s\n", progname, tmp,
			strerror(errno));
fail:
	errorx_(j->err, "cannot write the JUnit report %s: %s", j->path, strerror(err));
	fflush(j->err);
	free(tmp);
	j->closed = -1;
	return -1;
}

static void j_free(struct reporter *r)
{
	struct junit *j = (struct junit *)r;
	size_t i;

	for (i = 0; i < j->nsuites; i++) {
		buf_free(&j->suites[i].body);
		buf_free(&j->suites[i].out);
		free(j->suites[i].spilled);
	}
	spill_free(&j->spill);
	free(j->suites);
	free(j->slots);
	free(j->run_id);
	free(j->profile);
	free(j->path);
	free(j);
}

/* What a binary's passing process printed outside its cases: its testsuite's system-out. */
static void j_binary_output(struct reporter *r, const struct binary *bin, const struct attempt *a)
{
	struct junit *j = (struct junit *)r;

	if (a->out.head.len)
		buf_add(&suite_of(j, bin)->out, a->out.head.data, a->out.head.len);
}

static const struct reporter_ops junit_ops = {
	.run_started = j_run_started,
	.test_finished = j_test_finished,
	.binary_output = j_binary_output,
	.run_finished = j_run_finished,
	.flush = j_flush,
	.close = j_close,
	.free = j_free,
};

struct reporter *report_junit_new(const struct junit_options *opt)
{
	struct junit *j = xcalloc(1, sizeof *j);

	j->base.ops = &junit_ops;
	j->path = xstrdup(opt->path);
	j->success_output = opt->success_output;
	j->err = opt->err ? opt->err : stderr;
	spill_init(&j->spill, COPY_PIECE);
	return &j->base;
}

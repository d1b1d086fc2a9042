/*
 * replay.c - replaying a record: its planned tests become a test list, its
 * events become reporter calls with attempts rebuilt from the recorded
 * fields (output byte for byte), and a record cut short ends as a
 * cancelled run.  Also `testrig runs`.  Owns the rebuilt list and attempts.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testrig/attempt.h"
#include "testrig/exitcode.h"
#include "testrig/list.h"
#include "testrig/record.h"
#include "testrig/replay.h"
#include "testrig/tap.h"
#include "testrig/tests.h"
#include "testrig/text.h"
#include "testrig/util.h"

struct replay {
	const struct replay_options *o;
	struct test_list list;
	struct test **sorted;       /* the planned tests by (binary id, name), once planned */
	size_t nsorted;
	struct attempt ***retried;  /* per test slot: its failed attempts so far */
	unsigned *nretried;
	bool *started;              /* per test slot: a test-started line was seen */
	/* Cases found as a binary ran (isolation = binary): slots nsorted + i. */
	struct test **cases;
	size_t ncases;
	struct report_set reports;
	struct reporter *reps[2];
	struct run_counts counts;   /* for a record cut short */
	bool run_started, run_finished;
	int exit_code;
	struct buf bin_bytes, test_bytes;   /* the event's names, when kept as base64 */
	/* A script's points from test-points lines, for its test-finished line to take. */
	struct tap_points *pending;
	size_t pending_slot;
};

/* ---- fields -------------------------------------------------------------- */

static int64_t seconds_ns(const struct jvalue *ev, const char *key)
{
	double d;

	if (!jvalue_num(ev, key, &d) || !(d >= 0) || d > 1e9)
		return 0;
	return (int64_t)(d * 1e9 + 0.5);
}

/* n decimal digits at *s (advanced past them and one separator `sep`, unless 0). */
static bool digits(const char **s, int n, char sep, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*s)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*s += n;
	if (sep) {
		if (**s != sep)
			return false;
		(*s)++;
	}
	*out = v;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ", as format_timestamp writes it. */
static int64_t timestamp_ns(const struct jvalue *ev, const char *key)
{
	const char *s = jvalue_str(ev, key);
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof tm);
	if (!s || !digits(&s, 4, '-', &tm.tm_year) || !digits(&s, 2, '-', &tm.tm_mon) ||
	    !digits(&s, 2, 'T', &tm.tm_mday) || !digits(&s, 2, ':', &tm.tm_hour) ||
	    !digits(&s, 2, ':', &tm.tm_min) || !digits(&s, 2, '.', &tm.tm_sec) ||
	    !digits(&s, 3, 'Z', &ms) || *s)
		return 0;
	/* Nanoseconds since 1970 in 64 bits end in 2262. */
	if (tm.tm_year < 1970 || tm.tm_year > 2200 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 ||
	    tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60 || ms < 0 || ms > 999)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * NS_PER_SEC + (int64_t)ms * NS_PER_MS;
}

static unsigned count_field(const struct jvalue *ev, const char *key)
{
	int64_t v;

	return jvalue_int(ev, key, &v) && v >= 0 && v <= UINT32_MAX ? (unsigned)v : 0;
}

/* A recorded stream: "stdout" as text, or "stdout_base64". */
static void output_field(const struct jvalue *ev, const char *key, struct capture *c)
{
	struct buf name = BUF_INIT, bytes = BUF_INIT;
	const struct jvalue *v = jvalue_get(ev, key);

	if (v && v->type == JV_STRING) {
		buf_add(&bytes, v->string, v->len);
	} else {
		buf_printf(&name, "%s_base64", key);
		v = jvalue_get(ev, name.data);
		if (v && v->type == JV_STRING)
			(void)base64_decode(v->string, v->len, &bytes);
	}
	capture_init(c, bytes.len + 1);
	capture_add(c, bytes.data, bytes.len);
	buf_free(&name);
	buf_free(&bytes);
}

/* A recorded verdict; a name no testrig wrote reads as FAIL. */
static enum verdict verdict_of(const char *name)
{
	enum verdict v;

	return verdict_parse(name, &v) ? v : V_FAIL;
}

/*
 * A TAP script's points as a record lists them, added to ps (the stream's
 * counts are not kept: reports need only the points).  Entries that are
 * not points are left out.
 */
static void add_points(struct tap_points *ps, const struct jvalue *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		const struct jvalue *p = &list->items[i];
		const char *d = jvalue_str(p, "description"), *dir = jvalue_str(p, "directive");
		const char *r = jvalue_str(p, "reason");
		struct tap_point tp;
		int64_t number;
		bool ok;

		if (p->type != JV_OBJECT || !jvalue_int(p, "number", &number) || number < 0 ||
		    number > UINT32_MAX || !jvalue_bool(p, "ok", &ok))
			continue;
		memset(&tp, 0, sizeof tp);
		tp.number = (unsigned)number;
		tp.ok = ok;
		tp.directive = !dir ? TAP_NO_DIRECTIVE : strcmp(dir, "skip") == 0 ? TAP_SKIP :
			TAP_TODO;
		tp.description = d ? d : "";
		tp.reason = r ? r : "";
		tap_points_add(ps, &tp);
	}
}

/* A summary of the points alone, taking ps. */
static struct tap_summary *points_summary(struct tap_points *ps)
{
	struct tap_summary *sum = xcalloc(1, sizeof *sum);

	sum->points = ps;
	sum->npoints = tap_points_count(ps);
	return sum;
}

/* An attempt as the record describes it. */
static struct attempt *attempt_from(const struct jvalue *ev, unsigned number, const char *verdict)
{
	struct attempt *a = attempt_new(number, 1);
	const char *sig = jvalue_str(ev, "signal"), *msg = jvalue_str(ev, "message");
	int64_t code;
	bool slow;

	a->verdict = verdict_of(verdict);
	a->exit_code = jvalue_int(ev, "exit_code", &code) && code >= 0 && code < 256 ? (int)code : -1;
	a->signo = sig ? signal_number(sig) : 0;
	a->duration = seconds_ns(ev, "duration");
	a->user_ns = seconds_ns(ev, "cpu_user");
	a->sys_ns = seconds_ns(ev, "cpu_system");
	a->maxrss_kb = (long)count_field(ev, "max_rss_kib");
	a->start_wall = timestamp_ns(ev, "start");
	a->slow = jvalue_bool(ev, "slow", &slow) && slow;
	a->message = msg ? xstrdup(msg) : NULL;
	capture_free(&a->out);
	capture_free(&a->err);
	output_field(ev, "stdout", &a->out);
	output_field(ev, "stderr", &a->err);
	if (jvalue_get(ev, "on_timeout") || jvalue_get(ev, "on_timeout_base64")) {
		struct capture hook;

		output_field(ev, "on_timeout", &hook);
		a->on_timeout = buf_detach(&hook.head, &a->on_timeout_len);
		capture_free(&hook);
	}
	if (jvalue_get(ev, "points") && jvalue_get(ev, "points")->type == JV_ARRAY) {
		struct tap_points *ps = tap_points_new();

		add_points(ps, jvalue_get(ev, "points"));
		a->tap = points_summary(ps);
	}
	return a;
}

/* ---- the planned tests ---------------------------------------------------- */

static struct suite *suite_named(struct test_list *l, const char *name, const char *protocol)
{
	enum protocol p = PROTO_EXEC;
	size_t i;

	for (i = 0; i < l->nsuites; i++)
		if (strcmp(l->suites[i]->name, name) == 0)
			return l->suites[i];
	if (protocol)
		(void)protocol_lookup(protocol, &p);
	return test_list_add_suite(l, name, p);
}

static void add_planned(struct replay *rp, const struct jvalue *ev)
{
	const char *bin = jvalue_name(ev, "binary_id", &rp->bin_bytes);
	const char *test = jvalue_name(ev, "test", &rp->test_bytes);
	const char *suite = jvalue_str(ev, "suite");
	struct test_list *l = &rp->list;
	struct binary *b = l->nbins ? l->bins[l->nbins - 1] : NULL;
	struct test *t;
	bool selected = true;

	if (!bin || !test || rp->sorted)
		return;
	if (!b || strcmp(b->id, bin) != 0)
		b = test_list_add_binary(l, suite_named(l, suite ? suite : "",
							jvalue_str(ev, "protocol")), bin, bin);
	t = test_list_add_test(l, b, test, false);
	(void)jvalue_bool(ev, "selected", &selected);
	t->selected = selected;
	t->owed = !selected;
}

static int by_key(const void *a, const void *b)
{
	const struct test *x = *(struct test *const *)a, *y = *(struct test *const *)b;
	int c = strcmp(x->bin->id, y->bin->id);

	return c ? c : strcmp(x->name, y->name);
}

/* The list is complete once events begin: index it. */
static void index_tests(struct replay *rp)
{
	size_t i;

	if (rp->sorted)
		return;
	rp->nsorted = rp->list.ntests;
	rp->sorted = xcalloc(rp->nsorted + 1, sizeof *rp->sorted);
	for (i = 0; i < rp->nsorted; i++)
		rp->sorted[i] = &rp->list.tests[i];
	qsort(rp->sorted, rp->nsorted, sizeof *rp->sorted, by_key);
	rp->retried = xcalloc(rp->nsorted + 1, sizeof *rp->retried);
	rp->nretried = xcalloc(rp->nsorted + 1, sizeof *rp->nretried);
	rp->started = xcalloc(rp->nsorted + 1, sizeof *rp->started);
}

/* A binary of the record, by id (cases of binaries not listed name it). */
static struct binary *binary_named(struct replay *rp, const char *id, const struct jvalue *ev)
{
	struct test_list *l = &rp->list;
	size_t i;

	for (i = l->nbins; i-- > 0;)
		if (strcmp(l->bins[i]->id, id) == 0)
			return l->bins[i];
	return test_list_add_binary(l, suite_named(l, jvalue_str(ev, "suite") ?
						  jvalue_str(ev, "suite") : "", NULL), id, id);
}

/*
 * The event's test and its slot (for its retries): a planned test, or a
 * case a binary in isolation = binary ran (not planned: added when first
 * seen, looked for from the latest).
 */
static struct test *test_of(struct replay *rp, const struct jvalue *ev, size_t *slot)
{
	struct binary b;
	struct test key, *kp = &key, **found, *t;
	size_t i;

	index_tests(rp);
	memset(&b, 0, sizeof b);
	memset(&key, 0, sizeof key);
	b.id = (char *)(uintptr_t)jvalue_name(ev, "binary_id", &rp->bin_bytes);
	key.name = (char *)(uintptr_t)jvalue_name(ev, "test", &rp->test_bytes);
	key.bin = &b;
	if (!b.id || !key.name)
		return NULL;
	found = bsearch(&kp, rp->sorted, rp->nsorted, sizeof *rp->sorted, by_key);
	if (found) {
		*slot = (size_t)(*found - rp->list.tests);
		return *found;
	}
	for (i = rp->ncases; i-- > 0;) {
		if (strcmp(rp->cases[i]->name, key.name) == 0 &&
		    strcmp(rp->cases[i]->bin->id, b.id) == 0) {
			*slot = rp->nsorted + i;
			return rp->cases[i];
		}
	}
	t = test_list_add_case(&rp->list, binary_named(rp, b.id, ev), key.name);
	rp->cases = xreallocarray(rp->cases, rp->ncases + 1, sizeof *rp->cases);
	rp->cases[rp->ncases++] = t;
	rp->retried = xreallocarray(rp->retried, rp->nsorted + rp->ncases + 1, sizeof *rp->retried);
	rp->nretried = xreallocarray(rp->nretried, rp->nsorted + rp->ncases + 1,
				     sizeof *rp->nretried);
	rp->started = xreallocarray(rp->started, rp->nsorted + rp->ncases + 1,
				    sizeof *rp->started);
	*slot = rp->nsorted + rp->ncases - 1;
	rp->retried[*slot] = NULL;
	rp->nretried[*slot] = 0;
	rp->started[*slot] = false;
	return t;
}

/* ---- events --------------------------------------------------------------- */

static void run_started(struct replay *rp, const struct jvalue *ev, const struct jvalue *header)
{
	struct run_info info;

	index_tests(rp);
	memset(&info, 0, sizeof info);
	info.run_id = jvalue_str(ev, "run_id");
	info.profile = jvalue_str(ev, "profile");
	info.threads = count_field(ev, "threads");
	info.scheduled = count_field(ev, "scheduled");
	info.filtered_out = count_field(ev, "filtered_out");
	info.binaries = count_field(ev, "binaries_unlisted");
	info.start_wall = timestamp_ns(header, "start");
	rp->counts.scheduled = info.scheduled;
	rp->counts.skipped = info.filtered_out;
	rp->run_started = true;
	REPORT(&rp->reports, run_started, &info);
}

static void script_event(struct replay *rp, const char *type, const struct jvalue *ev)
{
	const char *name = jvalue_str(ev, "name"), *command = jvalue_str(ev, "command");
	bool teardown = false, ok = false, terminating = false;

	if (!name)
		return;
	(void)jvalue_bool(ev, "teardown", &teardown);
	if (strcmp(type, "script-started") == 0) {
		REPORT(&rp->reports, script_started, name, command ? command : "", teardown);
	} else if (strcmp(type, "script-slow") == 0) {
		(void)jvalue_bool(ev, "terminating", &terminating);
		REPORT(&rp->reports, script_slow, name, teardown, seconds_ns(ev, "elapsed"),
		       terminating);
	} else if (strcmp(type, "script-finished") == 0) {
		struct script_outcome o;
		struct attempt *a = jvalue_get(ev, "verdict")
			? attempt_from(ev, 1, jvalue_str(ev, "verdict")) : NULL;

		memset(&o, 0, sizeof o);
		(void)jvalue_bool(ev, "ok", &ok);
		o.name = name;
		o.command = command ? command : "";
		o.teardown = teardown;
		o.ok = ok;
		o.attempt = a;
		o.error = jvalue_str(ev, "error");
		REPORT(&rp->reports, script_finished, &o);
		attempt_free(a);
	}
}

/* A recorded outcome; one no testrig wrote counts as failed. */
static enum outcome outcome_of(const char *counted_as)
{
	enum outcome o;

	return outcome_parse(counted_as, &o) ? o : OUT_FAILED;
}

static void test_finished(struct replay *rp, struct test *t, size_t k, const struct jvalue *ev)
{
	unsigned attempts = count_field(ev, "attempts"), i;
	const struct jvalue *h = jvalue_get(ev, "history");
	const char *result = jvalue_str(ev, "result");
	struct test_outcome o;

	memset(&o, 0, sizeof o);
	o.test = t;
	o.final = attempt_from(ev, attempts ? attempts : 1, jvalue_str(ev, "verdict"));
	if (rp->pending && rp->pending_slot == k && !o.final->tap) {
		((struct attempt *)(uintptr_t)o.final)->tap = points_summary(rp->pending);
		rp->pending = NULL;
	}
	o.retried = rp->retried[k];
	o.nretried = rp->nretried[k];
	o.attempts = attempts ? attempts : o.nretried + 1;
	o.max_attempts = count_field(ev, "max_attempts");
	if (o.max_attempts < o.attempts)
		o.max_attempts = o.attempts;
	o.outcome = outcome_of(jvalue_str(ev, "counted_as"));
	o.flaky = result && strcmp(result, "flaky") == 0;
	o.duration = o.final->duration;
	if (h && h->type == JV_OBJECT) {
		o.history_known = true;
		o.history.runs = count_field(h, "runs");
		o.history.failures = count_field(h, "failures");
		o.history.flaky = count_field(h, "flaky");
	}
	run_counts_add(&rp->counts, &o);
	REPORT(&rp->reports, test_finished, &o);
	for (i = 0; i < rp->nretried[k]; i++)
		attempt_free(rp->retried[k][i]);
	free(rp->retried[k]);
	rp->retried[k] = NULL;
	rp->nretried[k] = 0;
	attempt_free((struct attempt *)(uintptr_t)o.final);
}

static void test_event(struct replay *rp, const char *type, const struct jvalue *ev)
{
	size_t k;
	struct test *t = test_of(rp, ev, &k);
	unsigned attempt = count_field(ev, "attempt");
	bool terminating = false;

	if (!t)
		return;
	if (strcmp(type, "test-points") == 0) {
		const struct jvalue *list = jvalue_get(ev, "points");

		if (rp->pending && rp->pending_slot != k) {
			tap_points_free(rp->pending);
			rp->pending = NULL;
		}
		if (!rp->pending) {
			rp->pending = tap_points_new();
			rp->pending_slot = k;
		}
		if (list && list->type == JV_ARRAY)
			add_points(rp->pending, list);
	} else if (strcmp(type, "test-started") == 0) {
		/* A test starts once, whatever its retries. */
		rp->counts.started += attempt <= 1 && !rp->started[k];
		rp->started[k] = true;
		REPORT(&rp->reports, test_started, t, attempt);
	} else if (strcmp(type, "test-slow") == 0) {
		(void)jvalue_bool(ev, "terminating", &terminating);
		REPORT(&rp->reports, test_slow, t, attempt, seconds_ns(ev, "elapsed"), terminating);
	} else if (strcmp(type, "test-retry") == 0) {
		struct attempt *a = attempt_from(ev, attempt, jvalue_str(ev, "result"));

		rp->retried[k] = xreallocarray(rp->retried[k], rp->nretried[k] + 1,
					       sizeof *rp->retried[k]);
		rp->retried[k][rp->nretried[k]++] = a;
		REPORT(&rp->reports, test_retry, t, a, seconds_ns(ev, "delay"));
	} else if (strcmp(type, "test-finished") == 0) {
		/* A record leaves out the start of a test that ended soon after (report_json.c). */
		if (!rp->started[k]) {
			rp->counts.started++;
			rp->started[k] = true;
			REPORT(&rp->reports, test_started, t, 1);
		}
		test_finished(rp, t, k, ev);
	}
}

static void run_finished(struct replay *rp, const struct jvalue *ev)
{
	const struct jvalue *c = jvalue_get(ev, "counts");
	struct run_summary s;
	int64_t code = EXIT_TEST_FAILED;
	bool cancelled = false;

	memset(&s, 0, sizeof s);
	s.duration = seconds_ns(ev, "duration");
	(void)jvalue_bool(ev, "cancelled", &cancelled);
	s.cancelled = cancelled;
	s.cancel_reason = jvalue_str(ev, "cancel_reason");
	s.cancel_detail = jvalue_str(ev, "cancel_detail");
	if (!s.cancel_detail)
		s.cancel_detail = "the run was cancelled";
	run_counts_from_json(&s.counts, c, false);
	s.scripts_failed = count_field(ev, "scripts_failed");
	(void)jvalue_int(ev, "exit_code", &code);
	s.exit_code = code >= 0 && code < 256 ? (int)code : EXIT_TEST_FAILED;
	rp->exit_code = s.exit_code;
	rp->run_finished = true;
	REPORT(&rp->reports, run_finished, &s);
}

/* A record cut short: the summary from what it holds, as a cancelled run. */
static void cut_short(struct replay *rp, int64_t duration)
{
	struct run_summary s;

	memset(&s, 0, sizeof s);
	s.counts = rp->counts;
	s.counts.not_run = s.counts.scheduled > s.counts.started
		? s.counts.scheduled - s.counts.started : 0;
	s.duration = duration;
	s.cancelled = true;
	s.cancel_reason = "record-cut-short";
	s.cancel_detail = "the record ends here (the run was killed, or the record damaged)";
	s.exit_code = EXIT_TEST_FAILED;
	REPORT(&rp->reports, run_finished, &s);
}

static void event(struct replay *rp, const struct jvalue *ev, const struct jvalue *header)
{
	const char *type = jvalue_str(ev, "type");

	if (strcmp(type, "test-planned") == 0)
		add_planned(rp, ev);
	else if (strcmp(type, "run-started") == 0 && !rp->run_started)
		run_started(rp, ev, header);
	else if (!rp->run_started || rp->run_finished)
		return;
	else if (strncmp(type, "script-", 7) == 0)
		script_event(rp, type, ev);
	else if (strncmp(type, "test-", 5) == 0)
		test_event(rp, type, ev);
	else if (strcmp(type, "run-finished") == 0)
		run_finished(rp, ev);
}

/* ---- the command ---------------------------------------------------------- */

/*
 * --message-format json: the test-started line a record left out before a
 * test-finished line (report_json.c), as the run printed it then: its time
 * is the attempt's start.
 */
static void json_started(struct replay *rp, const struct jvalue *ev, const struct jvalue *header)
{
	const char *start = jvalue_str(ev, "start");
	struct buf b = BUF_INIT;
	size_t k;
	struct test *t = test_of(rp, ev, &k);

	if (!t || rp->started[k])
		return;
	buf_adds(&b, "{\"type\":\"test-started\"");
	json_string(&b, "run_id", jvalue_str(header, "run_id"));
	json_string(&b, "time", start ? start : jvalue_str(ev, "time"));
	json_name(&b, "binary_id", t->bin->id);
	json_name(&b, "test", t->name);
	json_string(&b, "suite", jvalue_str(ev, "suite") ? jvalue_str(ev, "suite") : "");
	json_uint(&b, "attempt", 1);
	buf_adds(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/*
 * --message-format json: a test-finished line whose points a record keeps
 * in test-points lines before it (report_json.c) is printed with them put
 * back, as "points" after its other fields.
 */
static void json_finished(struct replay *rp, const struct jvalue *ev, const struct buf *raw)
{
	struct tap_points_reader r;
	const struct tap_point *p;
	struct buf b = BUF_INIT, name = BUF_INIT;
	size_t k, end = raw->len;
	bool first = true;

	if (!rp->pending || !test_of(rp, ev, &k) || k != rp->pending_slot ||
	    jvalue_get(ev, "points")) {
		fwrite(raw->data, 1, raw->len, stdout);
		fputc('\n', stdout);
		return;
	}
	while (end > 0 && raw->data[end - 1] != '}')
		end--;
	fwrite(raw->data, 1, end ? end - 1 : 0, stdout);
	buf_adds(&b, ",\"points\":[");
	tap_points_begin(&r, rp->pending);
	while ((p = tap_points_next(&r))) {
		if (!first)
			buf_addc(&b, ',');
		first = false;
		report_json_point(&b, p, &name);
		if (b.len >= 65536) {
			fwrite(b.data, 1, b.len, stdout);
			buf_reset(&b);
		}
	}
	tap_points_end(&r);
	buf_adds(&b, "]}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	buf_free(&name);
}

static void open_reports(struct replay *rp)
{
	const struct replay_options *o = rp->o;

	rp->reports.v = rp->reps;
	rp->reports.n = 0;
	rp->reps[rp->reports.n++] = report_human_new(&o->human);
	if (o->junit) {
		struct junit_options jo = { o->junit, o->human.settings->junit_success_output,
					    stderr };

		rp->reps[rp->reports.n++] = report_junit_new(&jo);
	}
}

static void free_replay(struct replay *rp)
{
	size_t i, k;

	for (i = 0; i < rp->reports.n; i++)
		rp->reps[i]->ops->free(rp->reps[i]);
	for (i = 0; rp->retried && i < rp->nsorted + rp->ncases; i++) {
		for (k = 0; k < rp->nretried[i]; k++)
			attempt_free(rp->retried[i][k]);
		free(rp->retried[i]);
	}
	free(rp->retried);
	free(rp->nretried);
	free(rp->started);
	free(rp->cases);
	free(rp->sorted);
	test_list_free(&rp->list);
	buf_free(&rp->bin_bytes);
	buf_free(&rp->test_bytes);
	tap_points_free(rp->pending);
}

int replay_record(const struct replay_options *o)
{
	struct replay rp;
	struct record *r;
	struct buf err = BUF_INIT;
	const struct jvalue *ev, *header;
	int got, code;
	bool failed = false;
	size_t i;

	if (record_open(o->path, &r, &err)) {
		errorx_(stderr, "%s", err.data);
		buf_free(&err);
		return EXIT_SETUP;
	}
	memset(&rp, 0, sizeof rp);
	rp.o = o;
	test_list_init(&rp.list);
	buf_init(&rp.bin_bytes);
	buf_init(&rp.test_bytes);
	open_reports(&rp);
	header = record_header(r);
	while ((got = record_next(r, &ev, &err)) > 0) {
		const char *type = jvalue_str(ev, "type");

		if (o->json && strcmp(type, "test-planned") != 0 && strcmp(type, "test-points") != 0) {
			const struct buf *raw = record_raw(r);

			if (strcmp(type, "test-finished") == 0 && rp.run_started && !rp.run_finished) {
				json_started(&rp, ev, header);
				json_finished(&rp, ev, raw);
			} else {
				fwrite(raw->data, 1, raw->len, stdout);
				fputc('\n', stdout);
			}
		}
		event(&rp, ev, header);
	}
	if (!record_complete(r)) {
		fprintf(stderr, "%s: warning: the record %s is cut short%s%s: replayed as far as "
			"it goes\n", progname, o->path, err.len ? ": " : "", err.data);
		if (rp.run_started && !rp.run_finished)
			cut_short(&rp, 0);
		rp.exit_code = EXIT_TEST_FAILED;
	}
	for (i = 0; i < rp.reports.n; i++)
		if ((rp.reps[i]->ops->close && rp.reps[i]->ops->close(rp.reps[i])) ||
		    (rp.reps[i]->ops->flush && rp.reps[i]->ops->flush(rp.reps[i])))
			failed = true;
	if (o->json && fflush(stdout))
		failed = true;
	code = rp.exit_code == EXIT_OK && failed ? EXIT_REPORT : rp.exit_code;
	free_replay(&rp);
	record_close(r);
	buf_free(&err);
	return code;
}

/* ---- testrig runs ---------------------------------------------------------- */

/* What `runs` shows of one record. */
struct run_line {
	const char *run_id, *profile, *start;
	int64_t duration;
	struct run_counts counts;
	int exit_code;              /* -1: unknown (cut short) */
	bool complete;
};

static void read_run(struct record *r, struct run_line *l)
{
	const struct jvalue *h = record_header(r), *ev;
	struct buf err = BUF_INIT;

	l->run_id = jvalue_str(h, "run_id");
	l->profile = jvalue_str(h, "profile");
	l->start = jvalue_str(h, "start");
	l->exit_code = -1;
	while (record_next(r, &ev, &err) > 0) {
		const char *type = jvalue_str(ev, "type");
		const struct jvalue *c = jvalue_get(ev, "counts");
		int64_t code;

		if (strcmp(type, "run-started") == 0) {
			l->counts.scheduled = count_field(ev, "scheduled");
		} else if (strcmp(type, "test-finished") == 0) {
			l->counts.finished++;
		} else if (strcmp(type, "run-finished") == 0 && c) {
			size_t scheduled = l->counts.scheduled;

			l->duration = seconds_ns(ev, "duration");
			run_counts_from_json(&l->counts, c, true);
			/* What it meant to run is run-started's word. */
			l->counts.scheduled = scheduled;
			if (jvalue_int(ev, "exit_code", &code))
				l->exit_code = (int)code;
		}
		/* The strings above live in the header, which stays. */
	}
	l->complete = record_complete(r);
	buf_free(&err);
}

static void print_run(const struct run_line *l, const char *path, bool json, FILE *out)
{
	const struct run_counts *c = &l->counts;
	struct buf b = BUF_INIT;

	if (json) {
		buf_adds(&b, "{\"run_id\":");
		json_quote(&b, l->run_id, strlen(l->run_id));
		json_string(&b, "path", path);
		json_string(&b, "start", l->start);
		json_seconds(&b, "duration", l->duration);
		json_string(&b, "profile", l->profile);
		json_key(&b, "counts");
		run_counts_json(&b, c, true);
		if (l->exit_code >= 0)
			json_int(&b, "exit_code", l->exit_code);
		else
			json_string(&b, "exit_code", NULL);
		json_bool(&b, "complete", l->complete);
		buf_adds(&b, "}\n");
	} else {
		buf_printf(&b, "%.8s  %s ", l->run_id, l->start ? l->start : "?");
		if (l->complete) {
			format_seconds_aligned(&b, l->duration, 9);
			buf_addc(&b, 's');
		} else {
			buf_printf(&b, "%10s", "");
		}
		buf_printf(&b, "  %-10s %5zu/%-5zu %6zu %6zu", l->profile ? l->profile : "?",
			   c->finished, c->scheduled, c->passed,
			   c->failed + c->exec_failed + c->timed_out);
		if (l->exit_code >= 0)
			buf_printf(&b, " %4d", l->exit_code);
		else
			buf_printf(&b, " %4s", "-");
		buf_adds(&b, l->complete ? "\n" : "  incomplete\n");
	}
	fwrite(b.data, 1, b.len, out);
	buf_free(&b);
}

int replay_list_runs(const struct store *s, bool json, FILE *out)
{
	struct strvec all = STRVEC_INIT;
	struct buf why = BUF_INIT;
	size_t i;

	if (store_records(s, &all, &why))
		fprintf(stderr, "%s: warning: %s\n", progname, why.data);
	buf_free(&why);
	if (!json)
		fprintf(out, "run id    start                       duration  profile    "
			"  run/sched passed failed exit\n");
	for (i = 0; i < all.n; i++) {
		struct buf err = BUF_INIT;
		struct record *r;
		struct run_line l;

		memset(&l, 0, sizeof l);
		/* What is not a usable run is not listed: the first line is the latest. */
		if (record_check(all.v[i], NULL, &err) || record_open(all.v[i], &r, &err)) {
			fprintf(stderr, "%s: warning: %s\n", progname, err.data);
			buf_free(&err);
			continue;
		}
		read_run(r, &l);
		print_run(&l, all.v[i], json, out);
		record_close(r);
		buf_free(&err);
	}
	if (!all.n && !json)
		fprintf(out, "(no recorded run in %s)\n", s->runs);
	strvec_free(&all);
	return fflush(out) ? EXIT_REPORT : EXIT_OK;
}

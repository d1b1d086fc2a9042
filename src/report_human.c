/*
 * report_human.c - the report a person reads: a status line per finished
 * test, captured output as failure-output/success-output say, a summary, the
 * final status list, and (on a terminal) a live progress line on stderr.
 * Consumes reporter calls only; owns the copies of outputs it keeps for the
 * end of the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/attempt.h"
#include "testrig/buf.h"
#include "testrig/list.h"
#include "testrig/report.h"
#include "testrig/tap.h"
#include "testrig/text.h"
#include "testrig/util.h"

#define C_RED "\033[31;1m"
#define C_GREEN "\033[32;1m"
#define C_YELLOW "\033[33;1m"
#define C_MAGENTA "\033[35;1m"
#define C_BOLD "\033[1m"
#define C_RESET "\033[0m"

/* A finished test kept for the final status list. */
struct kept {
	const struct test *test;
	char label[32];
	const char *color;
	int64_t duration;
	enum final_level level;     /* the lowest final-status-level that lists it */
	char note[96];              /* its history: "failed 3 of the last 20 runs" */
	struct buf output;          /* formatted output block, for final output modes */
};

struct human {
	struct reporter base;
	struct human_options opt;
	struct buf line;            /* scratch for one status line */
	struct kept *kept;
	size_t nkept, capkept;
	struct kept *slowest;       /* the show_slowest slowest so far, slowest first */
	size_t nslowest;
	bool progress_shown;
	bool write_failed;
	int write_errno;            /* why the first write failed */
	bool warned;
};

static const char *color(const struct human *h, const char *c)
{
	return h->opt.color ? c : "";
}

static void write_failed(struct human *h)
{
	if (!h->write_failed)
		h->write_errno = errno;
	h->write_failed = true;
}

static void out(struct human *h, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, h->opt.out) != n)
		write_failed(h);
}

/* Right-aligns what b holds from `start` in `width` columns (one line per test: no printf). */
static void align_right(struct buf *b, size_t start, size_t width)
{
	size_t n = b->len - start;

	if (n >= width)
		return;
	buf_grow(b, width - n);
	memmove(b->data + start + (width - n), b->data + start, n);
	memset(b->data + start, ' ', width - n);
	b->len += width - n;
	b->data[b->len] = 0;
}

/* "[   0.004s]" (nine columns inside), or "[> 60.000s]" for a time still running. */
static void add_duration(struct buf *b, int64_t ns, bool at_least)
{
	size_t start;

	buf_adds(b, at_least ? "[>" : "[");
	start = b->len;
	format_seconds(b, ns);
	buf_addc(b, 's');
	align_right(b, start, at_least ? 8 : 9);
	buf_addc(b, ']');
}

/* "    LABEL [ duration] " into h->line; the caller appends the name. */
static void status_start(struct human *h, const char *label, const char *col,
			 int64_t ns, bool at_least)
{
	struct buf *b = &h->line;

	buf_reset(b);
	buf_adds(b, label);
	align_right(b, 0, 12);
	/* The color goes around the label, not its padding. */
	if (*color(h, col)) {
		size_t pad = b->len - strlen(label);
		const char *on = color(h, col);

		buf_setlen(b, pad);
		buf_adds(b, on);
		buf_adds(b, label);
		buf_adds(b, color(h, C_RESET));
	}
	buf_addc(b, ' ');
	add_duration(b, ns, at_least);
	buf_addc(b, ' ');
}

static void status_line_note(struct human *h, const char *label, const char *col,
			     int64_t ns, bool at_least, const struct test *t, const char *note)
{
	status_start(h, label, col, ns, at_least);
	test_shown_name(t, &h->line);
	if (note && *note)
		buf_printf(&h->line, "  (%s)", note);
	buf_addc(&h->line, '\n');
	out(h, h->line.data, h->line.len);
}

static void status_line(struct human *h, const char *label, const char *col,
			int64_t ns, bool at_least, const struct test *t)
{
	status_line_note(h, label, col, ns, at_least, t, NULL);
}

/*
 * A failed or flaky test with at least two recorded runs: how often it
 * failed or was flaky lately (SPEC section 10).
 */
static void history_note(const struct test_outcome *o, char note[96])
{
	const struct history_counts *c = &o->history;
	bool failed = o->outcome != OUT_PASSED && o->outcome != OUT_SKIPPED;

	note[0] = 0;
	if (!o->history_known || c->runs < 2 || (!failed && !o->flaky))
		return;
	if (c->failures && c->flaky)
		snprintf(note, 96, "failed %u and flaky %u of the last %u runs", c->failures,
			 c->flaky, c->runs);
	else if (c->failures || !c->flaky)
		snprintf(note, 96, "failed %u of the last %u runs", c->failures, c->runs);
	else
		snprintf(note, 96, "flaky %u of the last %u runs", c->flaky, c->runs);
}

/* The status label of an outcome as the human report shows it. */
static const char *outcome_label(const struct test_outcome *o, char scratch[32])
{
	char sig[16];
	const char *v = verdict_label(o->final, sig);

	if (o->attempts > 1) {
		snprintf(scratch, 32, "TRY %u %s", o->attempts, v);
		return scratch;
	}
	/* One a test: no printf for the common case. */
	memcpy(scratch, v, strnlen(v, 31));
	scratch[strnlen(v, 31)] = 0;
	return scratch;
}

static const char *verdict_color(enum verdict v)
{
	switch (v) {
	case V_PASS: return C_GREEN;
	case V_LEAK:
	case V_SKIP: return C_YELLOW;
	default: return C_RED;
	}
}

/*
 * Appends what a test printed: as it is, or (quote_output, for a board
 * farm reading the console) each line after "| ", and "<LAVA_SIGNAL_",
 * which LAVA takes anywhere in a line, as "< LAVA_SIGNAL_", so that no
 * line of it is a LAVA signal or a ptest result.
 */
static void add_printed(struct buf *b, const struct human *h, const char *s, size_t len)
{
	static const char signal[] = "<LAVA_SIGNAL_";
	const size_t slen = sizeof signal - 1;
	size_t i, from = 0;

	if (!h->opt.quote_output) {
		buf_add(b, s, len);
		return;
	}
	for (i = 0; i < len; i++) {
		if (i == 0 || s[i - 1] == '\n') {
			buf_add(b, s + from, i - from);
			buf_adds(b, "| ");
			from = i;
		}
		if (s[i] == '<' && len - i >= slen && !memcmp(s + i, signal, slen)) {
			buf_add(b, s + from, i + 1 - from);
			buf_addc(b, ' ');
			from = i + 1;
		}
	}
	buf_add(b, s + from, len - from);
}

/* Appends an attempt's captured output as a block with headers. */
static void format_output_named(struct buf *b, const struct human *h, const char *name,
				const struct attempt *a, const char *try_prefix)
{
	const struct capture *streams[2] = { &a->out, &a->err };
	const char *names[2] = { "STDOUT", "STDERR" };
	int i;

	if (a->message) {
		struct buf m = BUF_INIT;

		human_escapes(&m, a->message);
		buf_adds(b, "    ");
		add_printed(b, h, m.data, m.len);
		buf_addc(b, '\n');
		buf_free(&m);
	}
	if (a->out.total + a->err.total == 0)
		goto hook;
	if (a->err.total == 0 && a->out.total && h->opt.settings->capture == CAPTURE_COMBINED)
		names[0] = "OUTPUT";
	for (i = 0; i < 2; i++) {
		const struct capture *c = streams[i];

		if (!c->total)
			continue;
		buf_printf(b, "%s--- %s%s: %s ---%s\n", color(h, C_BOLD), try_prefix, names[i],
			   name, color(h, C_RESET));
		add_printed(b, h, c->head.data, c->head.len);
		if (c->head.len && c->head.data[c->head.len - 1] != '\n')
			buf_addc(b, '\n');
	}
hook:
	/* What the on-timeout hook saw before the test was signalled. */
	if (a->on_timeout) {
		buf_printf(b, "%s--- %sON-TIMEOUT: %s ---%s\n", color(h, C_BOLD), try_prefix, name,
			   color(h, C_RESET));
		add_printed(b, h, a->on_timeout, a->on_timeout_len);
		if (a->on_timeout_len && a->on_timeout[a->on_timeout_len - 1] != '\n')
			buf_addc(b, '\n');
	}
}

static void format_output(struct buf *b, const struct human *h, const struct test *t,
			  const struct attempt *a, const char *try_prefix)
{
	struct buf name = BUF_INIT;

	test_shown_name(t, &name);
	format_output_named(b, h, name.data, a, try_prefix);
	buf_free(&name);
}

static bool show_immediately(enum output_mode m)
{
	return m == OUTPUT_IMMEDIATE || m == OUTPUT_IMMEDIATE_FINAL;
}

static bool show_finally(enum output_mode m)
{
	return m == OUTPUT_FINAL || m == OUTPUT_IMMEDIATE_FINAL;
}

static void clear_progress(struct human *h)
{
	if (h->progress_shown) {
		fputs("\r\033[K", h->opt.err);
		fflush(h->opt.err);
		h->progress_shown = false;
	}
}

static void h_run_started(struct reporter *r, const struct run_info *info)
{
	struct human *h = (struct human *)r;
	struct buf *b = &h->line;

	buf_reset(b);
	size_t tests = info->scheduled - info->binaries;

	buf_printf(b, "%s%12s%s ", color(h, C_GREEN), "Starting", color(h, C_RESET));
	if (tests || !info->binaries)
		buf_printf(b, "%zu test%s", tests, tests == 1 ? "" : "s");
	if (tests && info->binaries)
		buf_adds(b, " and ");
	if (info->binaries)
		buf_printf(b, "the cases of %zu binar%s", info->binaries,
			   info->binaries == 1 ? "y" : "ies");
	/* Under make's jobserver the threads are a bound: make's tokens decide. */
	if (info->jobserver && info->make_jobs) {
		unsigned n = info->make_jobs < info->threads ? info->make_jobs : info->threads;

		buf_printf(b, " on up to %u slot%s (make -j%u)", n, n == 1 ? "" : "s",
			   info->make_jobs);
	} else if (info->jobserver) {
		buf_printf(b, " on up to %u thread%s (make's jobserver)", info->threads,
			   info->threads == 1 ? "" : "s");
	} else {
		buf_printf(b, " on %u thread%s", info->threads, info->threads == 1 ? "" : "s");
	}
	if (info->filtered_out)
		buf_printf(b, " (%zu skipped)", info->filtered_out);
	buf_addc(b, '\n');
	out(h, b->data, b->len);
}

static void h_script_slow(struct reporter *r, const char *name, bool teardown,
			  int64_t elapsed, bool terminating)
{
	struct human *h = (struct human *)r;

	if (h->opt.settings->status_level < STATUS_SLOW)
		return;
	status_start(h, terminating ? "TERMINATING" : teardown ? "TEARDOWN-SLOW" : "SETUP-SLOW",
		     C_YELLOW, elapsed, true);
	buf_printf(&h->line, "%s\n", name);
	out(h, h->line.data, h->line.len);
}

static void h_script_finished(struct reporter *r, const struct script_outcome *o)
{
	struct human *h = (struct human *)r;
	const char *label = o->ok ? (o->teardown ? "TEARDOWN" : "SETUP")
		: (o->teardown ? "TEARDOWN-FAIL" : "SETUP-FAIL");
	int64_t ns = o->attempt ? o->attempt->duration : 0;

	if (o->ok && h->opt.settings->status_level < STATUS_PASS)
		return;
	status_start(h, label, o->ok ? C_GREEN : C_RED, ns, false);
	buf_printf(&h->line, "%s: %s\n", o->name, o->command);
	if (!o->ok) {
		struct buf name = BUF_INIT;

		/* Why it could not run is the error below. */
		if (o->attempt && o->attempt->verdict != V_PASS && o->attempt->verdict != V_LEAK &&
		    o->attempt->verdict != V_EXEC_FAIL &&
		    (o->attempt->exit_code >= 0 || o->attempt->signo || o->attempt->verdict == V_TIMEOUT)) {
			buf_adds(&h->line, "    ");
			attempt_end_words(&h->line, o->attempt);
			buf_addc(&h->line, '\n');
		}
		if (o->error)
			buf_printf(&h->line, "    %s\n", o->error);
		buf_printf(&name, "%s %s", o->teardown ? "teardown" : "setup script", o->name);
		if (o->attempt)
			format_output_named(&h->line, h, name.data, o->attempt, "");
		buf_free(&name);
	}
	out(h, h->line.data, h->line.len);
}

static void h_test_slow(struct reporter *r, const struct test *t, unsigned attempt,
			int64_t elapsed, bool terminating)
{
	struct human *h = (struct human *)r;

	(void)attempt;
	if (h->opt.settings->status_level < STATUS_SLOW)
		return;
	status_line(h, terminating ? "TERMINATING" : "SLOW", C_YELLOW, elapsed, true, t);
}

static void h_test_retry(struct reporter *r, const struct test *t,
			 const struct attempt *a, int64_t delay)
{
	struct human *h = (struct human *)r;
	const struct settings *s = t->settings ? t->settings : h->opt.settings;
	char sig[16], label[32];
	struct buf b = BUF_INIT, prefix = BUF_INIT;

	(void)delay;
	if (h->opt.settings->status_level < STATUS_RETRY)
		return;
	snprintf(label, sizeof label, "TRY %u %s", a->number, verdict_label(a, sig));
	status_line(h, label, C_MAGENTA, a->duration, false, t);
	if (show_immediately(s->failure_output)) {
		buf_printf(&prefix, "TRY %u ", a->number);
		format_output(&b, h, t, a, prefix.data);
		out(h, b.data, b.len);
	}
	buf_free(&b);
	buf_free(&prefix);
}

static enum final_level final_level_of(const struct test_outcome *o)
{
	switch (o->outcome) {
	case OUT_FAILED:
	case OUT_EXEC_FAILED:
	case OUT_TIMED_OUT:
		return FINAL_FAIL;
	case OUT_SKIPPED:
		return FINAL_SKIP;
	case OUT_PASSED:
		break;
	}
	if (o->flaky)
		return FINAL_FLAKY;
	if (o->final->slow)
		return FINAL_SLOW;
	return FINAL_PASS;
}

/* Keeps the N slowest finished tests, by the duration of their final attempt. */
static void note_duration(struct human *h, const struct test_outcome *o, const char *label,
			  const char *col)
{
	size_t n = h->opt.show_slowest, i;
	struct kept *k;

	if (!n || (h->nslowest == n && h->slowest[n - 1].duration >= o->duration))
		return;
	if (!h->slowest)
		h->slowest = xcalloc(n, sizeof *h->slowest);
	i = h->nslowest < n ? h->nslowest++ : n - 1;
	while (i > 0 && h->slowest[i - 1].duration < o->duration) {
		h->slowest[i] = h->slowest[i - 1];
		i--;
	}
	k = &h->slowest[i];
	memset(k, 0, sizeof *k);
	buf_init(&k->output);
	k->test = o->test;
	k->duration = o->duration;
	k->color = col;
	snprintf(k->label, sizeof k->label, "%s", label);
}

/*
 * What the status line adds after the name: why a test skipped, and for a
 * TAP script how its points went ("12 points: 10 passed, 1 skipped, 1 TODO;
 * TODO passed: 1").
 */
static void status_note(const struct test_outcome *o, struct buf *note)
{
	const struct attempt *a = o->final;
	unsigned pass, fail, skip, todo, todo_passed;

	if (o->outcome == OUT_SKIPPED && a->message)
		human_escapes(note, a->message);
	if (!a->tap || !a->tap->npoints)
		return;
	tap_point_counts(a->tap, &pass, &fail, &skip, &todo, &todo_passed);
	buf_printf(note, "%s%zu point%s: %u passed", note->len ? "; " : "", a->tap->npoints,
		   a->tap->npoints == 1 ? "" : "s", pass);
	if (fail)
		buf_printf(note, ", %u failed", fail);
	if (skip)
		buf_printf(note, ", %u skipped", skip);
	if (todo)
		buf_printf(note, ", %u TODO", todo);
	if (todo_passed)
		buf_printf(note, "; TODO passed: %u", todo_passed);
}

static void h_test_finished(struct reporter *r, const struct test_outcome *o)
{
	struct human *h = (struct human *)r;
	const struct settings *s = o->test->settings ? o->test->settings : h->opt.settings;
	bool failed = o->outcome != OUT_PASSED && o->outcome != OUT_SKIPPED;
	enum status_level need;
	enum output_mode mode = failed ? s->failure_output : s->success_output;
	enum final_level fl = final_level_of(o);
	char label[32];
	const char *col = o->outcome == OUT_FAILED && verdict_ok(o->final->verdict)
		? C_RED : verdict_color(o->final->verdict);

	outcome_label(o, label);
	note_duration(h, o, label, col);
	if (failed)
		need = STATUS_FAIL;
	else if (o->outcome == OUT_SKIPPED)
		need = STATUS_SKIP;
	else if (o->final->verdict == V_LEAK)
		need = STATUS_LEAK;
	else
		need = STATUS_PASS;
	if (h->opt.settings->status_level >= need) {
		struct buf note = BUF_INIT;

		status_note(o, &note);
		status_line_note(h, label, col, o->duration, false, o->test, note.data);
		buf_free(&note);
		if (show_immediately(mode) && o->outcome != OUT_SKIPPED) {
			struct buf b = BUF_INIT;
			format_output(&b, h, o->test, o->final, "");
			out(h, b.data, b.len);
			buf_free(&b);
		}
	}
	/*
	 * Listed after the summary when final-status-level asks for it, and
	 * whenever its output is to be shown there (final output modes do not
	 * depend on the final status level).
	 */
	if (h->opt.settings->final_status_level >= fl ||
	    (show_finally(mode) && o->outcome != OUT_SKIPPED)) {
		struct kept *k;

		if (h->nkept == h->capkept) {
			h->capkept = h->capkept ? h->capkept * 2 : 16;
			h->kept = xreallocarray(h->kept, h->capkept, sizeof *h->kept);
		}
		k = &h->kept[h->nkept++];
		memset(k, 0, sizeof *k);
		buf_init(&k->output);
		k->test = o->test;
		k->duration = o->duration;
		k->level = fl;
		k->color = col;
		if (o->flaky)
			snprintf(k->label, sizeof k->label, "FLAKY %u/%u", o->attempts,
				 o->max_attempts);
		else
			snprintf(k->label, sizeof k->label, "%s", label);
		history_note(o, k->note);
		if (show_finally(mode) && o->outcome != OUT_SKIPPED)
			format_output(&k->output, h, o->test, o->final, "");
	}
}

static void h_info(struct reporter *r, const struct unit_info *u, size_t n)
{
	struct human *h = (struct human *)r;
	struct buf b = BUF_INIT;
	size_t i;

	clear_progress(h);
	fflush(h->opt.out);
	buf_printf(&b, "%s: %zu unit%s running\n", progname, n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		const char *p = u[i].output_tail;

		buf_adds(&b, "  ");
		human_escapes(&b, u[i].name);
		buf_printf(&b, ": %s", u[i].state);
		if (u[i].pid > 0)
			buf_printf(&b, ", pid %d", (int)u[i].pid);
		buf_adds(&b, ", ");
		format_seconds(&b, u[i].elapsed);
		buf_printf(&b, "s, attempt %u\n", u[i].attempt);
		while (p && *p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);

			buf_adds(&b, "    | ");
			buf_add(&b, p, len);
			buf_addc(&b, '\n');
			p += len + (nl ? 1 : 0);
		}
	}
	fwrite(b.data, 1, b.len, h->opt.err);
	fflush(h->opt.err);
	buf_free(&b);
}

static void h_progress(struct reporter *r, const struct run_progress *p)
{
	struct human *h = (struct human *)r;
	int64_t secs = p->elapsed / NS_PER_SEC;

	fflush(h->opt.out);
	fprintf(h->opt.err, "\r\033[K%s%12s%s [%02d:%02d:%02d] %zu/%zu: %zu running",
		color(h, C_BOLD), "Running", color(h, C_RESET),
		(int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		p->finished, p->scheduled, p->running);
	if (p->failed)
		fprintf(h->opt.err, ", %s%zu failed%s", color(h, C_RED), p->failed, color(h, C_RESET));
	fflush(h->opt.err);
	h->progress_shown = true;
}

static void h_message(struct reporter *r, const char *text)
{
	struct human *h = (struct human *)r;

	clear_progress(h);
	fflush(h->opt.out);
	fprintf(h->opt.err, "%s: %s\n", progname, text);
	fflush(h->opt.err);
}

static void count_clause(struct buf *b, size_t n, const char *what, bool always, bool *first)
{
	if (!n && !always)
		return;
	buf_printf(b, "%s%zu %s", *first ? "" : ", ", n, what);
	*first = false;
}

static void h_run_finished(struct reporter *r, const struct run_summary *s)
{
	struct human *h = (struct human *)r;
	const struct run_counts *c = &s->counts;
	struct buf *b = &h->line;
	bool first = true;
	size_t i;

	buf_reset(b);
	buf_adds(b, "------------\n");
	buf_printf(b, "%s%12s%s ", color(h, C_BOLD), "Summary", color(h, C_RESET));
	add_duration(b, s->duration, false);
	if (c->finished == c->scheduled)
		buf_printf(b, " %zu test%s run: ", c->scheduled, c->scheduled == 1 ? "" : "s");
	else
		buf_printf(b, " %zu/%zu tests run: ", c->finished, c->scheduled);
	count_clause(b, c->passed, "passed", true, &first);
	if (c->slow || c->flaky || c->leaky) {
		bool inner = true;
		buf_adds(b, " (");
		count_clause(b, c->slow, "slow", false, &inner);
		count_clause(b, c->flaky, "flaky", false, &inner);
		count_clause(b, c->leaky, "leaky", false, &inner);
		buf_addc(b, ')');
	}
	count_clause(b, c->failed, "failed", false, &first);
	count_clause(b, c->exec_failed, "exec failed", false, &first);
	count_clause(b, c->timed_out, "timed out", false, &first);
	count_clause(b, c->skipped, "skipped", true, &first);
	buf_addc(b, '\n');
	out(h, b->data, b->len);

	for (i = 0; i < h->nkept; i++) {
		struct kept *k = &h->kept[i];

		status_line_note(h, k->label, k->color, k->duration, false, k->test, k->note);
		out(h, k->output.data, k->output.len);
	}
	if (h->nslowest) {
		buf_reset(b);
		buf_printf(b, "%s%12s%s %zu test%s by duration:\n", color(h, C_BOLD), "Slowest",
			   color(h, C_RESET), h->nslowest, h->nslowest == 1 ? "" : "s");
		out(h, b->data, b->len);
		for (i = 0; i < h->nslowest; i++) {
			struct kept *k = &h->slowest[i];
			status_line(h, k->label, k->color, k->duration, false, k->test);
		}
	}
	if (s->scripts_failed) {
		buf_reset(b);
		buf_printf(b, "%s%12s%s %zu setup script%s or teardown%s failed\n", color(h, C_RED),
			   "Error", color(h, C_RESET), s->scripts_failed,
			   s->scripts_failed == 1 ? "" : "s", s->scripts_failed == 1 ? "" : "s");
		out(h, b->data, b->len);
	}
	if (s->cancelled) {
		buf_reset(b);
		buf_printf(b, "%s%12s%s %zu test%s did not run: %s\n", color(h, C_RED), "Cancelled",
			   color(h, C_RESET), c->not_run, c->not_run == 1 ? "" : "s",
			   s->cancel_detail);
		out(h, b->data, b->len);
	}
}

static int h_flush(struct reporter *r)
{
	struct human *h = (struct human *)r;

	clear_progress(h);
	if (fflush(h->opt.out))
		write_failed(h);
	if (h->write_failed && !h->warned) {
		/* Said once; the run goes on and the exit status says 110. */
		errorx_(h->opt.err, "cannot write the report to standard output: %s",
			strerror(h->write_errno));
		h->warned = true;
	}
	return h->write_failed ? -1 : 0;
}

static int h_close(struct reporter *r)
{
	return h_flush(r);
}

static void h_free(struct reporter *r)
{
	struct human *h = (struct human *)r;
	size_t i;

	for (i = 0; i < h->nkept; i++)
		buf_free(&h->kept[i].output);
	free(h->kept);
	free(h->slowest);
	buf_free(&h->line);
	free(h);
}

static const struct reporter_ops human_ops = {
	.script_slow = h_script_slow,
	.script_finished = h_script_finished,
	.run_started = h_run_started,
	.test_slow = h_test_slow,
	.test_retry = h_test_retry,
	.test_finished = h_test_finished,
	.info = h_info,
	.message = h_message,
	.run_finished = h_run_finished,
	.flush = h_flush,
	.close = h_close,
	.free = h_free,
};

static const struct reporter_ops human_ops_progress = {
	.script_slow = h_script_slow,
	.script_finished = h_script_finished,
	.run_started = h_run_started,
	.test_slow = h_test_slow,
	.test_retry = h_test_retry,
	.test_finished = h_test_finished,
	.info = h_info,
	.progress = h_progress,
	.message = h_message,
	.run_finished = h_run_finished,
	.flush = h_flush,
	.close = h_close,
	.free = h_free,
};

struct reporter *report_human_new(const struct human_options *opt)
{
	struct human *h = xcalloc(1, sizeof *h);

	buf_init(&h->line);
	h->base.ops = opt->progress ? &human_ops_progress : &human_ops;
	h->opt = *opt;
	return &h->base;
}

/*
 * proto.c - exec, tap, gtest, libtest and custom: listing commands and
 * their output, run commands, and verdicts.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "testrig/proto.h"
#include "testrig/tap.h"
#include "testrig/text.h"
#include "testrig/util.h"

unsigned proto_listings(enum protocol p)
{
	switch (p) {
	case PROTO_EXEC:
	case PROTO_TAP:
		return 0;
	case PROTO_GTEST:
	case PROTO_CUSTOM:
		return 1;
	case PROTO_LIBTEST:
		return 2;   /* the tests, then the ignored tests */
	}
	return 0;
}

/* The words of a custom command with {binary} and {test} (if any) put in place. */
static void expand_command(const struct command *cmd, const struct binary *b, const char *test,
			   struct strvec *argv)
{
	const struct placeholder ph[] = { { "{binary}", b->path }, { "{test}", test } };

	command_expand(cmd, ph, ARRAY_SIZE(ph), argv);
}

/* The binary with the words its command line gave it. */
static void push_binary(struct strvec *argv, const struct binary *b)
{
	size_t i;

	strvec_push(argv, b->path);
	for (i = 0; b->args && i < b->args->n; i++)
		strvec_push(argv, b->args->v[i]);
}

void proto_list_argv(const struct binary *b, unsigned pass, struct strvec *argv)
{
	switch (b->suite->protocol) {
	case PROTO_GTEST:
		push_binary(argv, b);
		strvec_push(argv, GTEST_LIST_FLAG);
		return;
	case PROTO_LIBTEST:
		push_binary(argv, b);
		strvec_push(argv, "--list");
		strvec_push(argv, "--format");
		strvec_push(argv, "terse");
		if (pass == 1)
			strvec_push(argv, LIBTEST_IGNORED_FLAG);
		return;
	case PROTO_CUSTOM:
		expand_command(&b->suite->list_command, b, NULL, argv);
		return;
	case PROTO_EXEC:
	case PROTO_TAP:
		break;
	}
	die("internal error: protocol %s has no listing", protocol_name(b->suite->protocol));
}

/* The next line of out[*pos..len), without its newline (and CR). */
static bool next_line(const char *out, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *p, *nl;

	if (*pos >= len)
		return false;
	p = out + *pos;
	nl = memchr(p, '\n', len - *pos);
	*line = p;
	*n = nl ? (size_t)(nl - p) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	if (*n && p[*n - 1] == '\r')
		(*n)--;
	return true;
}

/* A listing without a test: how its first line begins. */
static void no_test(struct buf *err, const char *stray, size_t n)
{
	buf_adds(err, "no test in it; it begins '");
	human_escape(err, stray, n > 60 ? 60 : n);
	buf_addc(err, '\'');
}

/* gtest marks DISABLED_ at the start of a suite or test name, or after a '/'. */
static bool gtest_disabled(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i + 9 <= n; i++)
		if ((i == 0 || name[i - 1] == '/') && strncmp(name + i, "DISABLED_", 9) == 0)
			return true;
	return false;
}

/* Cuts a "  # comment" off a --gtest_list_tests line (typed and parameterized tests). */
static size_t gtest_strip_comment(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == ' ' && s[i + 1] == '#')
			break;
	if (i + 1 >= n)
		i = n;
	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
		i--;
	return i;
}

/* Does the line of n bytes (not NUL-terminated) begin with prefix? */
static bool starts_with_n(const char *line, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && memcmp(line, prefix, pl) == 0;
}

static int parse_gtest(struct test_list *l, struct binary *b, const char *out, size_t len,
		       struct buf *err)
{
	struct buf suite = BUF_INIT, name = BUF_INIT;
	const char *line, *stray = NULL;
	size_t pos = 0, n, stray_len = 0;
	unsigned lineno = 0;
	bool suite_disabled = false;

	while (next_line(out, len, &pos, &line, &n)) {
		lineno++;
		if (n == 0)
			continue;
		if (line[0] != ' ') {
			n = gtest_strip_comment(line, n);
			if (n < 2 || line[n - 1] != '.') {
				/*
				 * gtest may print other lines first (gtest_main's "Running
				 * main() from ...", a main()'s own output); if no test comes
				 * after them, this was no listing at all.
				 */
				if (!suite.len) {
					if (!stray && !starts_with_n(line, n, "Running main() from ")) {
						stray = line;
						stray_len = n;
					}
					continue;
				}
				buf_printf(err, "line %u: expected 'Suite.' or an indented test name, "
					   "found '", lineno);
				human_escape(err, line, n > 60 ? 60 : n);
				buf_addc(err, '\'');
				goto fail;
			}
			buf_reset(&suite);
			buf_add(&suite, line, n);       /* keeps the trailing '.' */
			suite_disabled = gtest_disabled(line, n - 1);
			continue;
		}
		while (n && line[0] == ' ') {
			line++;
			n--;
		}
		n = gtest_strip_comment(line, n);
		if (!n)
			continue;
		if (!suite.len) {
			buf_printf(err, "line %u: a test name before any suite", lineno);
			goto fail;
		}
		buf_reset(&name);
		buf_add(&name, suite.data, suite.len);
		buf_add(&name, line, n);
		test_list_add_test(l, b, name.data, suite_disabled || gtest_disabled(line, n));
	}
	if (stray && l->ntests == b->first) {
		no_test(err, stray, stray_len);
		goto fail;
	}
	buf_free(&suite);
	buf_free(&name);
	return 0;
fail:
	buf_free(&suite);
	buf_free(&name);
	return -1;
}

static int parse_libtest(struct test_list *l, struct binary *b, unsigned pass, const char *out,
			 size_t len, struct buf *err)
{
	const char *line, *stray = NULL;
	size_t pos = 0, n, stray_len = 0, before = l->ntests;

	while (next_line(out, len, &pos, &line, &n)) {
		char *name;

		/* "name: test"; benchmarks ("name: bench") are not tests. */
		if (n > 6 && memcmp(line + n - 6, ": test", 6) == 0) {
			size_t i;

			name = xstrndup(line, n - 6);
			if (pass == 1) {
				/* The --ignored listing: mark the tests already listed. */
				for (i = b->first; i < b->first + b->count; i++) {
					if (strcmp(l->tests[i].name, name) == 0) {
						l->tests[i].ignored = true;
						break;
					}
				}
				if (i == b->first + b->count)
					test_list_add_test(l, b, name, true);
			} else {
				test_list_add_test(l, b, name, false);
			}
			free(name);
		} else if (n && !(n > 7 && memcmp(line + n - 7, ": bench", 7) == 0) && !stray) {
			stray = line;
			stray_len = n;
		}
	}
	/* Other lines may come with a listing (a program's own output); alone they are none. */
	if (stray && l->ntests == before && !(pass == 1 && b->count)) {
		no_test(err, stray, stray_len);
		return -1;
	}
	return 0;
}

static int parse_custom(struct test_list *l, struct binary *b, const char *out, size_t len)
{
	const char *line;
	size_t pos = 0, n;

	while (next_line(out, len, &pos, &line, &n)) {
		char *name;

		if (n == 0)
			continue;
		name = xstrndup(line, n);
		test_list_add_test(l, b, name, false);
		free(name);
	}
	return 0;
}

int proto_parse_list(struct test_list *l, struct binary *b, unsigned pass,
		     const char *out, size_t len, struct buf *err)
{
	if (memchr(out, 0, len)) {
		buf_adds(err, "the listing holds a NUL byte");
		return -1;
	}
	switch (b->suite->protocol) {
	case PROTO_GTEST:
		return parse_gtest(l, b, out, len, err);
	case PROTO_LIBTEST:
		return parse_libtest(l, b, pass, out, len, err);
	case PROTO_CUSTOM:
		return parse_custom(l, b, out, len);
	case PROTO_EXEC:
	case PROTO_TAP:
		break;
	}
	buf_adds(err, "this protocol has no listing");
	return -1;
}

/* The words the protocol puts on a test's command line. */
static void protocol_run_argv(const struct test *t, struct strvec *argv)
{
	const struct binary *b = t->bin;

	switch (b->suite->protocol) {
	case PROTO_EXEC:
	case PROTO_TAP:
		push_binary(argv, b);
		return;
	case PROTO_GTEST:
		push_binary(argv, b);
		strvec_pushf(argv, GTEST_FILTER_FLAG "%s", t->name);
		if (t->ignored)
			strvec_push(argv, GTEST_DISABLED_FLAG);
		return;
	case PROTO_LIBTEST:
		push_binary(argv, b);
		strvec_push(argv, t->name);
		strvec_push(argv, LIBTEST_EXACT_FLAG);
		strvec_push(argv, LIBTEST_NOCAPTURE_FLAG);
		if (t->ignored)
			strvec_push(argv, LIBTEST_IGNORED_FLAG);
		return;
	case PROTO_CUSTOM:
		expand_command(&b->suite->run_command, b, t->name, argv);
		return;
	}
}

void proto_run_argv(const struct test *t, struct strvec *argv)
{
	const struct command *args = &t->bin->suite->args;
	size_t i;

	protocol_run_argv(t, argv);
	/* The suite's args = ..., after the protocol's own words. */
	for (i = 0; i < args->argv.n; i++)
		strvec_push(argv, args->argv.v[i]);
}

/* ---- verdicts ----------------------------------------------------------- */

/* Does the captured stdout hold a line starting with `prefix` followed by `rest`? */
static bool has_line(const struct capture *c, const char *prefix, const char *rest)
{
	const char *line;
	size_t pos = 0, n, pl = strlen(prefix), rl = strlen(rest);

	while (next_line(c->head.data, c->head.len, &pos, &line, &n))
		if (n >= pl + rl && memcmp(line, prefix, pl) == 0 && memcmp(line + pl, rest, rl) == 0)
			return true;
	return false;
}

/*
 * GTEST_SKIP() << "reason" prints "FILE:LINE: Skipped", then the reason's
 * lines, then a blank line: the first line of the reason, or NULL.
 */
char *proto_gtest_skip_reason(const struct capture *c)
{
	const char *line;
	size_t pos = 0, n;
	bool after = false;

	while (next_line(c->head.data, c->head.len, &pos, &line, &n)) {
		if (after)
			return n && !starts_with_n(line, n, "[  SKIPPED ] ") ?
				xstrndup(line, n > CAPTURE_LINE_MAX ? CAPTURE_LINE_MAX : n) : NULL;
		after = n >= 9 && memcmp(line + n - 9, ": Skipped", 9) == 0;
	}
	return NULL;
}

/* gtest: the exit status; "[  SKIPPED ] Suite.Name" on a passing run is a skip. */
static void judge_gtest(struct attempt *a, const void *arg)
{
	const struct test *t = arg;

	attempt_judge_status(a, NULL);
	if (a->verdict == V_PASS && has_line(&a->out, "[  SKIPPED ] ", t->name)) {
		a->verdict = V_SKIP;
		a->message = proto_gtest_skip_reason(&a->out);
	}
	/* A filter that matched nothing "passes" with no test run: not for us. */
	if (a->verdict == V_PASS && has_line(&a->out, "[==========] 0 tests", "")) {
		a->verdict = V_FAIL;
		a->message = xasprintf("the binary ran no test named %s", t->name);
	}
}

/* libtest: the exit status, but a run of 0 tests is no pass. */
static void judge_libtest(struct attempt *a, const void *arg)
{
	const struct test *t = arg;

	attempt_judge_status(a, NULL);
	if (a->verdict == V_PASS && has_line(&a->out, "running 0 tests", "")) {
		a->verdict = V_FAIL;
		a->message = xasprintf("the binary ran no test named %s", t->name);
	}
}

static void *tap_begin(void)
{
	return tap_new();
}

static void tap_feed_state(void *st, const char *p, size_t n)
{
	tap_feed(st, p, n);
}

static void tap_end(void *st, struct attempt *a)
{
	struct tap_summary *sum = xcalloc(1, sizeof *sum);

	tap_finish(st, sum);
	tap_free(st);
	a->tap = sum;
	if (a->verdict == V_TIMEOUT)
		return;
	if (a->signo)
		a->verdict = V_SIGNAL;
	else if (sum->skip_all && sum->stream_ok && a->exit_code == 0)
		a->verdict = V_SKIP;
	else if (sum->stream_ok && a->exit_code == 0)
		a->verdict = V_PASS;
	else
		a->verdict = V_FAIL;
	if (a->verdict == V_SKIP && sum->skip_reason && *sum->skip_reason)
		a->message = xstrdup(sum->skip_reason);
	if (a->verdict == V_FAIL && sum->detail) {
		a->message = xasprintf("TAP: %s", sum->detail);
	} else if (a->verdict == V_FAIL && a->exit_code != 0) {
		struct buf m = BUF_INIT;

		buf_adds(&m, "TAP stream ok, but ");
		process_end_words(&m, a->exit_code, 0);
		a->message = buf_detach(&m, NULL);
	}
}

static const struct attempt_parser tap_parser = { tap_begin, tap_feed_state, tap_end };

void proto_judge(const struct test *t, attempt_judge_fn *judge, const void **arg,
		 const struct attempt_parser **parser)
{
	*judge = NULL;
	*arg = t;
	*parser = NULL;
	switch (t->bin->suite->protocol) {
	case PROTO_EXEC:
	case PROTO_CUSTOM:
		*judge = attempt_judge_exec;
		break;
	case PROTO_TAP:
		*parser = &tap_parser;
		break;
	case PROTO_GTEST:
		*judge = judge_gtest;
		break;
	case PROTO_LIBTEST:
		*judge = judge_libtest;
		break;
	}
}

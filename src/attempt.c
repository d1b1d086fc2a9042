/*
 * attempt.c - attempts: making, freeing, naming their verdicts, and the two
 * exit-status judgements every protocol builds on.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "testrig/attempt.h"
#include "testrig/tap.h"
#include "testrig/text.h"
#include "testrig/util.h"

struct attempt *attempt_new(unsigned number, uint64_t output_limit)
{
	struct attempt *a = xcalloc(1, sizeof *a);

	a->number = number;
	a->exit_code = -1;
	a->pid = -1;
	capture_init(&a->out, output_limit);
	capture_init(&a->err, output_limit);
	return a;
}

void attempt_free(struct attempt *a)
{
	if (!a)
		return;
	capture_free(&a->out);
	capture_free(&a->err);
	free(a->message);
	free(a->on_timeout);
	if (a->tap) {
		tap_summary_free(a->tap);
		free(a->tap);
	}
	free(a);
}

/* The one table of verdict names: the status label and the kind JSON writes and replay reads. */
static const struct {
	const char *label, *kind;
} verdicts[] = {
	[V_PASS] = { "PASS", "pass" },
	[V_LEAK] = { "LEAK", "leak" },
	[V_SKIP] = { "SKIP", "skip" },
	[V_FAIL] = { "FAIL", "fail" },
	[V_ERROR] = { "ERROR", "error" },
	[V_SIGNAL] = { NULL, "signal" },        /* the label is the signal's name */
	[V_TIMEOUT] = { "TIMEOUT", "timeout" },
	[V_LEAK_FAIL] = { "LEAK-FAIL", "leak-fail" },
	[V_EXEC_FAIL] = { "EXEC-FAIL", "exec-fail" },
};

const char *verdict_label(const struct attempt *a, char scratch[16])
{
	if (a->verdict == V_SIGNAL)
		return signal_name(a->signo, scratch);
	return (size_t)a->verdict < ARRAY_SIZE(verdicts) ? verdicts[a->verdict].label : "?";
}

const char *verdict_kind(enum verdict v)
{
	return (size_t)v < ARRAY_SIZE(verdicts) ? verdicts[v].kind : "fail";
}

bool verdict_parse(const char *name, enum verdict *v)
{
	size_t i;

	if (!name)
		return false;
	for (i = 0; i < ARRAY_SIZE(verdicts); i++) {
		if (strcmp(name, verdicts[i].kind) == 0) {
			*v = (enum verdict)i;
			return true;
		}
	}
	/* A signal's label in lower case, as verdict_name writes it. */
	if (strncmp(name, "sig", 3) == 0) {
		*v = V_SIGNAL;
		return true;
	}
	return false;
}

const char *verdict_name(const struct attempt *a, char scratch[16])
{
	char sig[16];
	const char *label = verdict_label(a, sig);
	size_t i;

	for (i = 0; label[i] && i < 15; i++)
		scratch[i] = (char)(label[i] >= 'A' && label[i] <= 'Z' ? label[i] - 'A' + 'a' : label[i]);
	scratch[i] = 0;
	return scratch;
}

void process_end_words(struct buf *b, int exit_code, int signo)
{
	char sig[16];

	if (signo) {
		buf_adds(b, "killed by ");
		buf_adds(b, signal_name(signo, sig));
	} else if (exit_code >= 0) {
		buf_adds(b, "exit status ");
		buf_add_int(b, exit_code);
	} else {
		buf_adds(b, "its exit status was lost");
	}
}

void attempt_end_words(struct buf *b, const struct attempt *a)
{
	if (a->verdict == V_TIMEOUT)
		buf_adds(b, "timed out");
	else if (a->verdict == V_EXEC_FAIL && a->message)
		buf_adds(b, a->message);
	else
		process_end_words(b, a->exit_code, a->signo);
}

void attempt_judge_exec(struct attempt *a, const void *arg)
{
	(void)arg;
	if (a->signo)
		a->verdict = V_SIGNAL;
	else if (a->exit_code == 0)
		a->verdict = V_PASS;
	else if (a->exit_code == 77) {
		/* Automake's convention: the reason is stderr's last line. */
		a->verdict = V_SKIP;
		if (!a->message)
			a->message = capture_last_line(a->combined ? &a->out : &a->err);
	} else if (a->exit_code == 99)
		a->verdict = V_ERROR;
	else
		a->verdict = V_FAIL;
}

void attempt_judge_status(struct attempt *a, const void *arg)
{
	(void)arg;
	a->verdict = a->signo ? V_SIGNAL : a->exit_code == 0 ? V_PASS : V_FAIL;
}

/*
 * report.c - the words reports write and replay reads back about a run:
 * a test's outcome ("passed", "timed-out") and the run's counts as JSON
 * members, each from one table that both sides use.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/jsonread.h"
#include "testrig/report.h"
#include "testrig/text.h"
#include "testrig/util.h"

static const char *const outcomes[] = {
	[OUT_PASSED] = "passed",
	[OUT_SKIPPED] = "skipped",
	[OUT_FAILED] = "failed",
	[OUT_EXEC_FAILED] = "exec-failed",
	[OUT_TIMED_OUT] = "timed-out",
};

const char *outcome_name(enum outcome o)
{
	return (size_t)o < ARRAY_SIZE(outcomes) ? outcomes[o] : "failed";
}

bool outcome_parse(const char *name, enum outcome *o)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(outcomes); i++) {
		if (strcmp(name, outcomes[i]) == 0) {
			*o = (enum outcome)i;
			return true;
		}
	}
	return false;
}

/* The run's counts in the order JSON writes them; `listed`: `testrig runs` shows it too. */
static const struct {
	const char *name;
	size_t offset;
	bool listed;
} count_fields[] = {
	{ "scheduled", offsetof(struct run_counts, scheduled), true },
	{ "started", offsetof(struct run_counts, started), false },
	{ "finished", offsetof(struct run_counts, finished), true },
	{ "passed", offsetof(struct run_counts, passed), true },
	{ "flaky", offsetof(struct run_counts, flaky), true },
	{ "leaky", offsetof(struct run_counts, leaky), false },
	{ "slow", offsetof(struct run_counts, slow), false },
	{ "failed", offsetof(struct run_counts, failed), true },
	{ "exec_failed", offsetof(struct run_counts, exec_failed), true },
	{ "timed_out", offsetof(struct run_counts, timed_out), true },
	{ "skipped", offsetof(struct run_counts, skipped), true },
	{ "not_run", offsetof(struct run_counts, not_run), false },
};

void run_counts_json(struct buf *b, const struct run_counts *c, bool listed_only)
{
	size_t i;
	bool first = true;

	buf_addc(b, '{');
	for (i = 0; i < ARRAY_SIZE(count_fields); i++) {
		if (listed_only && !count_fields[i].listed)
			continue;
		if (!first)
			buf_addc(b, ',');
		first = false;
		buf_addc(b, '"');
		buf_adds(b, count_fields[i].name);
		buf_adds(b, "\":");
		buf_add_uint(b, *(const size_t *)(const void *)((const char *)c + count_fields[i].offset));
	}
	buf_addc(b, '}');
}

void run_counts_from_json(struct run_counts *c, const struct jvalue *obj, bool listed_only)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(count_fields); i++) {
		size_t *field = (size_t *)(void *)((char *)c + count_fields[i].offset);
		int64_t v;

		if (listed_only && !count_fields[i].listed)
			continue;
		*field = obj && jvalue_int(obj, count_fields[i].name, &v) && v >= 0 &&
			v <= UINT32_MAX ? (size_t)v : 0;
	}
}

/*
 * select.c - filters, ignored tests and partitions applied to the listed
 * tests, in list order.
 */
#define _GNU_SOURCE
#include <string.h>

#include "testrig/filter.h"
#include "testrig/list.h"
#include "testrig/parse.h"
#include "testrig/select.h"

int partition_parse(const char *s, struct partition *p, const char **err)
{
	const char *colon = strchr(s, ':'), *slash;
	char num[16];
	size_t len;

	*err = "expected count:K/N or hash:K/N with 1 <= K <= N";
	if (!colon)
		return -1;
	if ((size_t)(colon - s) == 5 && strncmp(s, "count", 5) == 0)
		p->kind = PARTITION_COUNT;
	else if ((size_t)(colon - s) == 4 && strncmp(s, "hash", 4) == 0)
		p->kind = PARTITION_HASH;
	else
		return -1;
	slash = strchr(colon + 1, '/');
	if (!slash)
		return -1;
	len = (size_t)(slash - colon - 1);
	if (len == 0 || len >= sizeof num)
		return -1;
	memcpy(num, colon + 1, len);
	num[len] = 0;
	if (parse_uint(num, 1000000, &p->k) || parse_uint(slash + 1, 1000000, &p->n))
		return -1;
	if (p->k < 1 || p->n < 1 || p->k > p->n)
		return -1;
	return 0;
}

/*
 * The partition hash of a test: 64-bit FNV-1a over the binary id, one NUL
 * byte, and the test name.  The same on every machine and every run.
 */
static uint64_t partition_hash(const char *binary_id, const char *test_name)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	const unsigned char *p;

	for (p = (const unsigned char *)binary_id; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	h = (h ^ 0) * UINT64_C(0x100000001b3);
	for (p = (const unsigned char *)test_name; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	return h;
}

static bool matches(const struct selection *sel, const struct test *t)
{
	struct filter_subject subj;
	size_t i;

	switch (sel->run_ignored) {
	case RUN_IGNORED_DEFAULT:
		if (t->ignored)
			return false;
		break;
	case RUN_IGNORED_ONLY:
		if (!t->ignored)
			return false;
		break;
	case RUN_IGNORED_ALL:
		break;
	}
	subj.test_name = t->name;
	subj.binary_id = t->bin->id;
	subj.suite = t->bin->suite->name;
	subj.ignored = t->ignored;
	if (sel->default_filter && !filter_match(sel->default_filter, &subj))
		return false;
	if (!sel->nfilters)
		return true;
	for (i = 0; i < sel->nfilters; i++)
		if (filter_match(sel->filters[i], &subj))
			return true;
	return false;
}

size_t select_tests(struct test_list *list, const struct selection *sel)
{
	size_t i, chosen = 0, seen = 0;

	for (i = 0; i < list->ntests; i++) {
		struct test *t = &list->tests[i];

		t->selected = matches(sel, t);
		if (!t->selected)
			continue;
		switch (sel->partition.kind) {
		case PARTITION_NONE:
			break;
		case PARTITION_COUNT:
			t->selected = seen % sel->partition.n + 1 == sel->partition.k;
			break;
		case PARTITION_HASH:
			t->selected = partition_hash(t->bin->id, t->name) % sel->partition.n + 1 ==
				sel->partition.k;
			break;
		}
		seen++;
		chosen += t->selected;
	}
	return chosen;
}

/*
 * select.h - which listed tests a run runs: the -E filters (OR-ed), the
 * profile's default-filter (AND-ed unless --ignore-default-filter), ignored
 * tests, and a partition (shard) of what remains.  Sets test->selected; owns
 * nothing but the parsed partition.
 */
#ifndef TESTRIG_SELECT_H
#define TESTRIG_SELECT_H

#include <stddef.h>
#include <stdint.h>

struct filter;
struct test_list;

enum partition_kind { PARTITION_NONE, PARTITION_COUNT, PARTITION_HASH };

struct partition {
	enum partition_kind kind;
	unsigned k, n;              /* shard k of n, 1 <= k <= n */
};

enum run_ignored { RUN_IGNORED_DEFAULT, RUN_IGNORED_ONLY, RUN_IGNORED_ALL };

struct selection {
	struct filter *const *filters;  /* -E expressions, OR-ed; none: all() */
	size_t nfilters;
	const struct filter *default_filter;  /* NULL: all() */
	enum run_ignored run_ignored;
	struct partition partition;
};

/* "count:K/N" or "hash:K/N"; -1 with a static message in *err. */
int partition_parse(const char *s, struct partition *p, const char **err);
/* Marks test->selected; returns how many were selected. */
size_t select_tests(struct test_list *list, const struct selection *sel);

#endif

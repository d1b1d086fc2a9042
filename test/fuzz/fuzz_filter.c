/*
 * fuzz_filter.c - libFuzzer target for the filter expression module: any
 * input must parse or fail cleanly, and whatever parses must print to a
 * canonical form that parses again and prints identically.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/filter.h"
#include "testrig/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct filter_subject subjects[] = {
	{ "suite.case/param", "bin/tests", "unit", false },
	{ "a)b\\c d", "x*y", "", true },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf printed = BUF_INIT, again = BUF_INIT, msg = BUF_INIT;
	struct filter_error err;
	struct filter *f, *g;
	char *src;
	size_t i;

	src = xstrndup((const char *)data, size);
	f = filter_parse(src, &err);
	if (!f) {
		if (err.pos > strlen(src) || !memchr(err.msg, 0, sizeof(err.msg)))
			abort();
		filter_error_format(src, &err, &msg);
		goto out;
	}
	filter_print(f, &printed);
	g = filter_parse(printed.data, &err);
	if (!g)
		abort();
	filter_print(g, &again);
	if (strcmp(printed.data, again.data) != 0)
		abort();
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
		if (filter_match(f, &subjects[i]) != filter_match(g, &subjects[i]))
			abort();
	filter_free(g);
	filter_free(f);
out:
	buf_free(&printed);
	buf_free(&again);
	buf_free(&msg);
	free(src);
	return 0;
}

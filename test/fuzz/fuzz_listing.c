/*
 * fuzz_listing.c - libFuzzer target for the listings binaries print: the
 * first input byte picks gtest, libtest (both passes) or custom; any bytes
 * must give tests or a listing failure with a message, never a fault, and
 * every test name the listing gives must be non-empty and hold no newline.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/list.h"
#include "testrig/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum protocol protocols[] = { PROTO_GTEST, PROTO_LIBTEST, PROTO_CUSTOM };
	struct test_list l;
	struct buf err = BUF_INIT;
	struct suite *s;
	struct binary *b;
	const char *out = (const char *)data + 1;
	size_t n = size ? size - 1 : 0, i;
	enum protocol p;
	int rc;

	if (!size)
		return 0;
	p = protocols[data[0] % 3];
	test_list_init(&l);
	s = test_list_add_suite(&l, "fuzz", p);
	b = test_list_add_binary(&l, s, "bin/fuzz", "bin/fuzz");
	rc = proto_parse_list(&l, b, 0, out, n, &err);
	/* libtest's second listing: the ignored tests, over the same bytes cut in two. */
	if (!rc && p == PROTO_LIBTEST)
		rc = proto_parse_list(&l, b, 1, out + n / 2, n - n / 2, &err);
	if (rc && !err.len)
		abort();
	if (!rc) {
		b->count = l.ntests - b->first;
		for (i = 0; i < l.ntests; i++) {
			const char *name = l.tests[i].name;

			if (!*name || strchr(name, '\n') || l.tests[i].bin != b)
				abort();
		}
	}
	test_list_free(&l);
	buf_free(&err);
	return 0;
}

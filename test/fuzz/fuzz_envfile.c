/*
 * fuzz_envfile.c - libFuzzer target for setup scripts' TESTRIG_ENV files:
 * any bytes parse or fail with a "line N: ..." message; every variable
 * accepted has a valid name that does not begin with TESTRIG.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_name(const char *s)
{
	const char *eq = strchr(s, '=');
	size_t i;

	if (!eq || eq == s || (s[0] >= '0' && s[0] <= '9') || !strncmp(s, "TESTRIG", 7))
		return 0;
	for (i = 0; s + i < eq; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strvec out = STRVEC_INIT;
	struct buf err = BUF_INIT;
	size_t i;
	int rc = env_parse_exports((const char *)data, size, &out, &err);

	if (rc && (!err.len || strncmp(err.data, "line ", 5)))
		abort();
	for (i = 0; !rc && i < out.n; i++)
		if (!valid_name(out.v[i]) || strchr(out.v[i], '\n'))
			abort();
	strvec_free(&out);
	buf_free(&err);
	return 0;
}

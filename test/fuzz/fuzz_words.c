/*
 * fuzz_words.c - libFuzzer target for the small parsers of config values:
 * command words (split_words, command_parse: quoting must round-trip
 * through quote_word), durations and sizes (what parses must print and
 * parse back to the same value).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void words(const char *s)
{
	struct strvec v = STRVEC_INIT, again = STRVEC_INIT;
	struct buf joined = BUF_INIT;
	const char *why = NULL;
	struct command c;
	size_t i;
	int rc = split_words(s, &v, &why);

	if (rc && !why)
		abort();
	if (!rc) {
		/* Quoted back and split again: the same words. */
		for (i = 0; i < v.n; i++) {
			if (i)
				buf_addc(&joined, ' ');
			quote_word(&joined, v.v[i]);
		}
		if (split_words(joined.len ? joined.data : "", &again, &why) || again.n != v.n)
			abort();
		for (i = 0; i < v.n; i++)
			if (strcmp(v.v[i], again.v[i]))
				abort();
	}
	memset(&c, 0, sizeof c);
	if ((command_parse(&c, s, &why) == 0) != (rc == 0))
		abort();
	command_free(&c);
	strvec_free(&v);
	strvec_free(&again);
	buf_free(&joined);
}

static void numbers(const char *s)
{
	int64_t ns, ns2;
	uint64_t bytes, bytes2;
	struct buf b = BUF_INIT;

	if (parse_duration(s, &ns) == 0) {
		if (ns < 0)
			abort();
		format_duration(&b, ns);
		if (parse_duration(b.data, &ns2) || ns2 != ns)
			abort();
	}
	buf_reset(&b);
	if (parse_size(s, &bytes) == 0) {
		format_size(&b, bytes);
		if (parse_size(b.data, &bytes2) || bytes2 != bytes)
			abort();
	}
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	words(s);
	numbers(s);
	free(s);
	return 0;
}

/*
 * fuzz_jobserver.c - libFuzzer target for MAKEFLAGS parsing (jobserver.c):
 * any value must parse without a fault into a result that holds together
 * (a fifo has a path, descriptors are numbers, a refusal says why), and
 * the result must not change when an unrelated word is put in front.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/jobserver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct jobserver_auth *a, const struct jobserver_auth *b)
{
	if (a->kind != b->kind || a->read_fd != b->read_fd || a->write_fd != b->write_fd)
		return false;
	if ((a->fifo == NULL) != (b->fifo == NULL) || (a->fifo && strcmp(a->fifo, b->fifo)))
		return false;
	return (a->word == NULL) == (b->word == NULL) && (!a->word || !strcmp(a->word, b->word));
}

static void check(const struct jobserver_auth *a, int rc, const struct buf *err)
{
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && !err->len)
		abort();
	if (rc == 0 && err->len)
		abort();
	if (rc == 0 && a->kind == JOBSERVER_NONE && (a->word || a->fifo))
		abort();
	if (rc == 0 && a->kind == JOBSERVER_FIFO && (!a->fifo || !*a->fifo || !a->word))
		abort();
	if (rc == 0 && a->kind == JOBSERVER_FDS &&
	    (a->read_fd < -1000 || a->write_fd < -1000 || !a->word))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jobserver_auth a, b;
	struct buf err = BUF_INIT, err2 = BUF_INIT, prefixed = BUF_INIT;
	char *s = malloc(size + 1);
	int rc, rc2;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	rc = jobserver_parse(s, &a, &err);
	check(&a, rc, &err);
	/* make puts its flags word first ("-j4" or "n"): a word before changes nothing. */
	buf_adds(&prefixed, "kr ");
	buf_adds(&prefixed, s);
	rc2 = jobserver_parse(prefixed.data, &b, &err2);
	check(&b, rc2, &err2);
	if (rc != rc2 || (rc == 0 && !same(&a, &b)))
		abort();
	jobserver_auth_free(&a);
	jobserver_auth_free(&b);
	buf_free(&err);
	buf_free(&err2);
	buf_free(&prefixed);
	free(s);
	return 0;
}

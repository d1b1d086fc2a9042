/*
 * fuzz_history.c - libFuzzer target for history.gz: any text (gzipped
 * here) is loaded for a small test list, merged with a run's results and
 * printed without a fault or a leak; the merged file must load again with
 * every result of the run in it, and read as `testrig history` reads it,
 * it must be what a merge that parses every line makes of a copy.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "testrig/attempt.h"
#include "testrig/gz.h"
#include "testrig/history.h"
#include "testrig/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64], copy[80];

/* The fuzz input as the gzip file p. */
static void write_gz(const char *p, const uint8_t *data, size_t size)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct gz_writer *w;

	if (fd < 0)
		abort();
	w = gz_writer_open(fd, 1);
	gz_write(w, data, size);
	gz_writer_close(w, false);
}

/* What `testrig history --format json` prints of p. */
static char *printed(const char *p)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	(void)history_print(p, NULL, 0, true, &out, &err);
	buf_free(&err);
	return buf_detach(&out, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct test_list l;
	struct history *h;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct history_result r[2];
	struct binary *b;
	size_t i;

	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/fuzz_history.%ld", (long)getpid());
		snprintf(copy, sizeof copy, "%s.copy", path);
	}
	write_gz(path, data, size);
	write_gz(copy, data, size);

	test_list_init(&l);
	b = test_list_add_binary(&l, test_list_add_suite(&l, "s", PROTO_GTEST), "bin/a", "bin/a");
	test_list_add_test(&l, b, "T.a", false);
	test_list_add_test(&l, b, "T.b", false);
	(void)history_load(path, &l, &h, &err);
	if (l.tests[0].history)
		(void)strlen(l.tests[0].history->recent);
	memset(r, 0, sizeof r);
	for (i = 0; i < 2; i++) {
		r[i].test = &l.tests[i];
		r[i].looked_up = true;
		r[i].outcome = i ? 'F' : 'P';
		r[i].verdict = i ? V_FAIL : V_PASS;
		r[i].duration = 1000;
	}
	buf_reset(&err);
	/* The file the entries were read from: its known lines are not parsed again. */
	if (history_merge(path, history_stamp(h), "run", r, 2, &err) == 0 &&
	    history_merge(copy, NULL, "run", r, 2, &err) == 0) {
		char *a = printed(path), *c = printed(copy);

		if (strcmp(a, c) != 0)
			abort();        /* from memory and by parsing: one history */
		free(a);
		free(c);
		history_free(h);
		h = NULL;
		for (i = 0; i < l.ntests; i++)
			l.tests[i].history = NULL;
		if (history_load(path, &l, &h, &err) || !l.tests[0].history || !l.tests[1].history)
			abort();        /* what was merged must read back */
	}
	history_free(h);
	buf_reset(&err);
	(void)history_print(path, NULL, 0, size && (data[0] & 1), &out, &err);
	test_list_free(&l);
	buf_free(&err);
	buf_free(&out);
	return 0;
}

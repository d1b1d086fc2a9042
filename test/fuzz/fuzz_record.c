/*
 * fuzz_record.c - libFuzzer target for the run-record reader: any bytes, as
 * a record's text (gzipped here first) or as the record file itself (the
 * first input byte chooses), must be read, listed, replayed and searched
 * for what it owes without a fault or a leak.  Invariant: a record whose
 * reader says it is complete ended with run-finished.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/gz.h"
#include "testrig/record.h"
#include "testrig/replay.h"
#include "testrig/settings.h"
#include "testrig/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void write_input(const uint8_t *data, size_t size, bool gzip)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		abort();
	if (gzip) {
		struct gz_writer *w = gz_writer_open(fd, 1);

		gz_write(w, data, size);
		gz_writer_close(w, false);
	} else {
		if (size && write(fd, data, size) != (ssize_t)size)
			abort();
		close(fd);
	}
}

static void read_all(void)
{
	struct buf err = BUF_INIT, last = BUF_INIT;
	const struct jvalue *ev;
	struct record *r;

	if (record_open(path, &r, &err)) {
		if (!err.len)
			abort();        /* a refusal always says why */
		buf_free(&err);
		return;
	}
	while (record_next(r, &ev, &err) > 0) {
		buf_reset(&last);
		buf_adds(&last, jvalue_str(ev, "type"));
	}
	if (record_complete(r) && (!last.data || strcmp(last.data, "run-finished") != 0))
		abort();
	record_close(r);
	buf_free(&err);
	buf_free(&last);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct settings s;
	struct replay_options o;
	struct strvec owed = STRVEC_INIT;
	struct buf err = BUF_INIT;

	if (!size)
		return 0;
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/fuzz_record.%ld", (long)getpid());
	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	write_input(data + 1, size - 1, data[0] & 1);
	read_all();
	(void)record_outstanding(path, &owed, &err);
	strvec_free(&owed);
	buf_free(&err);
	settings_defaults(&s);
	s.success_output = OUTPUT_FINAL;
	s.final_status_level = FINAL_ALL;
	memset(&o, 0, sizeof o);
	o.path = path;
	o.human.out = null;
	o.human.err = null;
	o.human.settings = &s;
	o.human.show_slowest = 3;
	(void)replay_record(&o);
	return 0;
}

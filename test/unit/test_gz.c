/*
 * test_gz.c - gzip streams: lines round trip, a stream cut after a flush is
 * readable up to the flush and says it is incomplete, and what is not gzip,
 * corrupt, empty or followed by junk is an error, never a crash.  The same
 * input gives the same bytes (no time in the header).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/gz.h"
#include "testrig/util.h"

static char dir[] = "/tmp/test_gz.XXXXXX";

static char *path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static struct gz_writer *create(const char *name)
{
	char *p = path_of(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	free(p);
	return fd < 0 ? NULL : gz_writer_open(fd, 6);
}

static struct gz_reader *reopen(const char *name)
{
	char *p = path_of(name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	free(p);
	return fd < 0 ? NULL : gz_reader_open(fd);
}

static void write_file(const char *name, const void *data, size_t n)
{
	char *p = path_of(name);
	FILE *f = fopen(p, "wb");

	if (f) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
	free(p);
}

static void read_whole(const char *name, struct buf *out)
{
	char *p = path_of(name);

	buf_reset(out);
	(void)buf_read_file(p, out);
	free(p);
}

static void test_lines(void)
{
	struct gz_writer *w = create("lines.gz");
	struct gz_reader *r;
	struct buf line = BUF_INIT, err = BUF_INIT;
	unsigned i, n = 0;
	bool in_order = true;

	CHECK(w != NULL);
	if (!w)
		return;
	for (i = 0; i < 20000; i++) {
		char l[64];
		int k = snprintf(l, sizeof l, "line %u of many\n", i);

		CHECK_INT(gz_write(w, l, (size_t)k), 0);
	}
	CHECK_INT(gz_write(w, "no newline", 10), 0);
	CHECK_INT(gz_writer_close(w, true), 0);
	r = reopen("lines.gz");
	while (gz_getline(r, &line, 1024, &err) > 0) {
		char want[64];

		if (n < 20000)
			snprintf(want, sizeof want, "line %u of many", n);
		else
			snprintf(want, sizeof want, "no newline");
		if (strcmp(line.data, want) != 0)
			in_order = false;
		n++;
	}
	CHECK(in_order);
	CHECK_INT(n, 20001);
	CHECK(gz_complete(r));
	CHECK_INT(err.len, 0);
	gz_reader_close(r);
	buf_free(&line);
	buf_free(&err);
}

/* A writer killed after a flush: the flushed lines read back, then the end. */
static void test_cut_after_flush(void)
{
	struct gz_writer *w = create("cut.gz");
	struct gz_reader *r;
	struct buf whole = BUF_INIT, line = BUF_INIT, err = BUF_INIT;
	size_t flushed;
	unsigned n = 0;

	gz_write(w, "first\nsecond\n", 13);
	CHECK_INT(gz_flush(w), 0);
	flushed = gz_written(w);
	gz_write(w, "third, never flushed\n", 21);
	CHECK_INT(gz_writer_close(w, false), 0);
	read_whole("cut.gz", &whole);
	CHECK(whole.len > flushed);
	write_file("cut.gz", whole.data, flushed);
	r = reopen("cut.gz");
	while (gz_getline(r, &line, 1024, &err) > 0)
		n++;
	CHECK_INT(n, 2);
	CHECK(!gz_complete(r));
	CHECK_INT(err.len, 0);
	gz_reader_close(r);
	buf_free(&whole);
	buf_free(&line);
	buf_free(&err);
}

/* Every way a file can be wrong is an error with a message (or a cut end). */
static void test_damage(void)
{
	static const struct { const char *name; const char *data; size_t n; const char *want; } cases[] = {
		{ "text", "hello world\n", 12, "not gzip data" },
		{ "empty", "", 0, "empty file" },
		{ "one", "\x1f", 1, "not gzip data" },
	};
	struct buf good = BUF_INIT, bad = BUF_INIT, line = BUF_INIT, err = BUF_INIT;
	struct gz_writer *w;
	struct gz_reader *r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		write_file(cases[i].name, cases[i].data, cases[i].n);
		r = reopen(cases[i].name);
		buf_reset(&err);
		CHECK_INT(gz_getline(r, &line, 1024, &err), -1);
		CHECK(err.data && strstr(err.data, cases[i].want));
		gz_reader_close(r);
	}
	/* Corrupt deflate data after a valid header. */
	w = create("good.gz");
	for (i = 0; i < 2000; i++)
		gz_write(w, "some text that compresses\n", 26);
	gz_writer_close(w, false);
	read_whole("good.gz", &good);
	buf_add(&bad, good.data, good.len);
	for (i = 20; i < 40 && i < bad.len; i++)
		bad.data[i] ^= 0x5a;
	write_file("bad.gz", bad.data, bad.len);
	r = reopen("bad.gz");
	buf_reset(&err);
	while (gz_getline(r, &line, 1 << 20, &err) > 0)
		;
	CHECK(err.len > 0 || !gz_complete(r));
	gz_reader_close(r);
	/* Junk after the end of the stream. */
	buf_reset(&bad);
	buf_add(&bad, good.data, good.len);
	buf_adds(&bad, "junk");
	write_file("junk.gz", bad.data, bad.len);
	r = reopen("junk.gz");
	buf_reset(&err);
	while (gz_getline(r, &line, 1 << 20, &err) > 0)
		;
	CHECK(err.data && strstr(err.data, "data after the end"));
	CHECK(!gz_complete(r));
	gz_reader_close(r);
	/* A line longer than asked for. */
	r = reopen("good.gz");
	buf_reset(&err);
	CHECK_INT(gz_getline(r, &line, 10, &err), -1);
	CHECK(err.data && strstr(err.data, "longer than 10"));
	gz_reader_close(r);
	buf_free(&good);
	buf_free(&bad);
	buf_free(&line);
	buf_free(&err);
}

/* No time or name in the header: the same input, the same bytes. */
static void test_deterministic(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct gz_writer *w;

	w = create("d1.gz");
	gz_write(w, "same\n", 5);
	gz_writer_close(w, false);
	sleep(1);
	w = create("d2.gz");
	gz_write(w, "same\n", 5);
	gz_writer_close(w, false);
	read_whole("d1.gz", &a);
	read_whole("d2.gz", &b);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK(a.len > 10 && a.data[4] == 0 && a.data[5] == 0 && a.data[6] == 0 && a.data[7] == 0);
	buf_free(&a);
	buf_free(&b);
}

/*
 * Writes of every size around the writer's 16 KiB of gathered input (none,
 * one byte, up to it, past it, far past it), flushes between some: the
 * bytes read back are the bytes written, and each flush reaches the file.
 */
static void test_write_sizes(void)
{
	static const size_t sizes[] = { 0, 1, 100, 16383, 16384, 16385, 5, 40000, 16000, 700,
					32768, 3, 100000, 1 };
	struct gz_writer *w = create("sizes.gz");
	struct gz_reader *r;
	struct buf want = BUF_INIT, got = BUF_INIT, err = BUF_INIT;
	char chunk[4096];
	size_t i, k, before;
	ssize_t n;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t at = want.len;

		for (k = 0; k < sizes[i]; k++)
			buf_addc(&want, (char)('a' + (at + k) * 7 % 26));
		CHECK_INT(gz_write(w, want.data ? want.data + at : "", sizes[i]), 0);
		if (i % 3 == 2) {
			before = gz_written(w);
			CHECK_INT(gz_flush(w), 0);
			CHECK(gz_written(w) > before);
		}
	}
	CHECK_INT(gz_writer_close(w, false), 0);
	r = reopen("sizes.gz");
	while ((n = gz_read(r, chunk, sizeof chunk, &err)) > 0)
		buf_add(&got, chunk, (size_t)n);
	CHECK_INT(n, 0);
	CHECK(gz_complete(r));
	CHECK_INT(got.len, want.len);
	CHECK(got.len == want.len && memcmp(got.data, want.data, want.len) == 0);
	gz_reader_close(r);
	buf_free(&want);
	buf_free(&got);
	buf_free(&err);
}

int main(void)
{
	int rc;

	if (!mkdtemp(dir))
		return 2;
	RUN(test_lines);
	RUN(test_cut_after_flush);
	RUN(test_damage);
	RUN(test_deterministic);
	RUN(test_write_sizes);
	rc = check_done();
	if (!rc) {
		char *cmd = xasprintf("rm -rf '%s'", dir);
		(void)!system(cmd);
		free(cmd);
	}
	return rc;
}

/* test_capture.c - bounded capture: whole below the limit, head+tail above. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "check.h"
#include "testrig/capture.h"

static void test_small(void)
{
	struct capture c;

	capture_init(&c, 100);
	capture_add(&c, "hello ", 6);
	capture_add(&c, "world", 5);
	CHECK_INT(capture_dropped(&c), 0);
	capture_finish(&c);
	CHECK_INT(c.head.len, 11);
	CHECK_STR(c.head.data, "hello world");
	capture_free(&c);
}

static void test_exact_limit(void)
{
	struct capture c;
	char b[100];

	memset(b, 'a', sizeof b);
	capture_init(&c, 100);
	capture_add(&c, b, 100);
	capture_finish(&c);
	CHECK_INT(c.head.len, 100);
	CHECK(strstr(c.head.data, "dropped") == NULL);
	capture_free(&c);
}

/* Feeds 0..n-1 as decimal lines in chunks of `chunk` bytes. */
static void feed(struct capture *c, struct buf *all, int n, size_t chunk)
{
	size_t off;
	int i;

	for (i = 0; i < n; i++)
		buf_printf(all, "%06d\n", i);
	for (off = 0; off < all->len; off += chunk)
		capture_add(c, all->data + off, all->len - off < chunk ? all->len - off : chunk);
}

static void test_truncation(size_t chunk)
{
	struct capture c;
	struct buf all = BUF_INIT, want = BUF_INIT;
	const uint64_t limit = 7000;

	capture_init(&c, limit);
	feed(&c, &all, 10000, chunk);          /* 70000 bytes */
	CHECK_INT(c.total, 70000);
	CHECK_INT(capture_dropped(&c), 70000 - 7000);
	capture_finish(&c);
	buf_add(&want, all.data, 3500);
	buf_printf(&want, "[testrig: 63000 bytes of output dropped here; "
		   "output-limit is 7000 bytes]\n");
	buf_add(&want, all.data + all.len - 3500, 3500);
	CHECK_INT(c.head.len, want.len);
	CHECK(c.head.len == want.len && memcmp(c.head.data, want.data, want.len) == 0);
	capture_free(&c);
	buf_free(&all);
	buf_free(&want);
}

static void test_truncation_chunks(void)
{
	test_truncation(1);
	test_truncation(7);
	test_truncation(4096);
	test_truncation(65536);
	test_truncation(200000);
}

static void test_marker_after_partial_line(void)
{
	struct capture c;

	capture_init(&c, 10);
	capture_add(&c, "abcdefghijklmnopqrstuvwxyz", 26);
	capture_finish(&c);
	/* head "abcde", newline added before the marker, tail "vwxyz" */
	CHECK(strncmp(c.head.data, "abcde\n[testrig: 16 bytes", 24) == 0);
	CHECK(c.head.len > 5 && memcmp(c.head.data + c.head.len - 5, "vwxyz", 5) == 0);
	capture_free(&c);
}

static void test_zero_limit(void)
{
	struct capture c;

	capture_init(&c, 0);
	capture_add(&c, "abc", 3);
	CHECK_INT(capture_dropped(&c), 3);
	capture_finish(&c);
	CHECK(strstr(c.head.data, "3 bytes of output dropped") != NULL);
	capture_free(&c);
}

static void test_tail_lines(void)
{
	struct capture c;
	struct buf t = BUF_INIT;

	capture_init(&c, 1 << 20);
	capture_add(&c, "1\n2\n3\n4\n5\n6\n", 12);
	capture_tail_lines(&c, 3, &t);
	CHECK_STR(t.data, "4\n5\n6\n");
	buf_reset(&t);
	capture_tail_lines(&c, 10, &t);
	CHECK_STR(t.data, "1\n2\n3\n4\n5\n6\n");
	buf_reset(&t);
	capture_add(&c, "partial", 7);
	capture_tail_lines(&c, 2, &t);
	CHECK_STR(t.data, "6\npartial");
	buf_free(&t);
	capture_free(&c);
}

/* The line a skip's reason comes from: last non-blank, trimmed, bounded. */
static char *last_line_of(const char *text, size_t n)
{
	struct capture c;
	char *line;

	capture_init(&c, 1 << 20);
	capture_add(&c, text, n);
	capture_finish(&c);
	line = capture_last_line(&c);
	capture_free(&c);
	return line;
}

static void test_last_line(void)
{
	char big[400], *l;

	CHECK(last_line_of("", 0) == NULL);
	CHECK(last_line_of(" \n\t\n\r\n", 6) == NULL);
	l = last_line_of("one\n  no disk \r\n\n  \n", 20);
	CHECK_STR(l, "no disk");
	free(l);
	l = last_line_of("first\nno newline", 16);
	CHECK_STR(l, "no newline");
	free(l);
	l = last_line_of("bell\a and nul\0x\n", 16);
	CHECK_STR(l, "bell? and nul?x");
	free(l);
	/* 199 ASCII bytes, then U+00E9 (2 bytes) across the 200-byte cut: left out. */
	memset(big, 'a', 199);
	big[199] = (char)0xc3;
	big[200] = (char)0xa9;
	memset(big + 201, 'b', 50);
	l = last_line_of(big, 251);
	CHECK_INT(strlen(l), 199);
	free(l);
}

int main(void)
{
	RUN(test_small);
	RUN(test_exact_limit);
	RUN(test_truncation_chunks);
	RUN(test_marker_after_partial_line);
	RUN(test_zero_limit);
	RUN(test_tail_lines);
	RUN(test_last_line);
	return check_done();
}

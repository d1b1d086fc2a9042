/* test_buf.c - struct buf and struct strvec; sort_in_place. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/util.h"

static void test_empty(void)
{
	struct buf b = BUF_INIT, c;
	char *p;
	size_t len = 99;

	/* Never NULL: an empty buffer is "" (the shared slop) until it grows. */
	CHECK(b.data == buf_slop && b.data[0] == 0);
	CHECK_INT(b.len, 0);
	CHECK_INT(buf_avail(&b), 0);
	buf_reset(&b);
	buf_add(&b, "", 0);
	CHECK(b.data == buf_slop);
	p = buf_detach(&b, &len);
	CHECK_STR(p, "");
	CHECK(p != buf_slop);
	CHECK_INT(len, 0);
	CHECK(b.data == buf_slop);
	free(p);
	buf_adds(&b, "x");
	CHECK(b.data != buf_slop && b.cap > 1);
	buf_free(&b);
	CHECK(b.data == buf_slop && b.cap == 0);
	buf_init(&c);
	CHECK(c.data == buf_slop);
	buf_setlen(&c, 0);
	CHECK(c.data != buf_slop && c.data[0] == 0);
	buf_free(&c);
	/* Nothing above wrote into the slop. */
	CHECK(buf_slop[0] == 0);
}

static void test_append(void)
{
	struct buf b = BUF_INIT;
	int i;

	buf_adds(&b, "ab");
	buf_addc(&b, 'c');
	buf_add(&b, "d\0e", 3);
	CHECK_INT(b.len, 6);
	CHECK(memcmp(b.data, "abcd\0e", 7) == 0);
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "%d,", i);
	CHECK(b.len > 40000);
	CHECK(b.data[b.len] == 0);
	CHECK(strncmp(b.data + b.len - 5, "9999,", 5) == 0);
	buf_free(&b);
}

static void test_printf_long(void)
{
	struct buf b = BUF_INIT;
	char big[5000];

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	buf_adds(&b, "<");
	buf_printf(&b, "%s>", big);
	CHECK_INT(b.len, 5001);
	CHECK(b.data[0] == '<' && b.data[5000] == '>' && b.data[5001] == 0);
	buf_free(&b);
}

static void test_setlen_and_tail(void)
{
	struct buf b = BUF_INIT;

	buf_grow(&b, 100);
	CHECK(buf_avail(&b) >= 100);
	memcpy(buf_tail(&b), "hello", 5);
	buf_setlen(&b, 5);
	CHECK_STR(b.data, "hello");
	buf_free(&b);
}

static void test_strvec(void)
{
	struct strvec sv = STRVEC_INIT, zeroed;
	char *src[] = { "a", "b", NULL };
	char *const *v;
	int i;

	v = strvec_get(&sv);
	CHECK(v != NULL && v[0] == NULL && sv.v == strvec_slop);
	/* A vector zeroed rather than initialised reads as empty all the same. */
	memset(&zeroed, 0, sizeof zeroed);
	CHECK(strvec_get(&zeroed)[0] == NULL);
	strvec_push(&zeroed, "z");
	CHECK_STR(zeroed.v[0], "z");
	strvec_free(&zeroed);
	CHECK(zeroed.v == strvec_slop);
	strvec_push(&sv, "x");
	strvec_pushf(&sv, "%s=%d", "n", 5);
	strvec_pushv(&sv, src);
	CHECK_INT(sv.n, 4);
	CHECK_STR(sv.v[1], "n=5");
	CHECK_STR(sv.v[3], "b");
	CHECK(sv.v[4] == NULL);
	for (i = 0; i < 1000; i++)
		strvec_push(&sv, "y");
	CHECK_INT(sv.n, 1004);
	CHECK(sv.v[1004] == NULL);
	strvec_free(&sv);
	CHECK_INT(sv.n, 0);
	CHECK(sv.v == strvec_slop && strvec_slop[0] == NULL);
}

/* A block of copied strings beside malloc'd ones; replacing either frees right (ASan). */
/* Borrowed strings: not copied, not freed, copied only once one is replaced. */
static void test_strvec_borrowed(void)
{
	char *base[] = { "A=1", "BB=22", "", "CCC=333", NULL };
	struct strvec sv = STRVEC_INIT;
	size_t i;

	strvec_pushv_borrowed(&sv, base);
	strvec_push(&sv, "last");
	CHECK_INT(sv.n, 5);
	for (i = 0; i < 4; i++)
		CHECK(sv.v[i] == base[i]);
	CHECK_STR(sv.v[4], "last");
	CHECK(sv.v[5] == NULL);
	strvec_replace(&sv, 4, xstrdup("LAST"));       /* owned */
	CHECK(sv.v[0] == base[0]);
	strvec_replace(&sv, 1, xstrdup("BB=new"));     /* borrowed: all are copied */
	CHECK_STR(sv.v[1], "BB=new");
	CHECK_STR(sv.v[0], "A=1");
	CHECK(sv.v[0] != base[0]);
	CHECK_STR(sv.v[3], "CCC=333");
	CHECK_STR(sv.v[4], "LAST");
	CHECK_STR(base[1], "BB=22");
	strvec_free(&sv);
	CHECK_INT(sv.n, 0);
	/* Freed without copies, the caller's strings untouched. */
	strvec_pushv_borrowed(&sv, base);
	strvec_free(&sv);
	CHECK_STR(base[3], "CCC=333");
	strvec_pushv_borrowed(&sv, base + 4);
	CHECK(sv.n == 0 && strvec_get(&sv)[0] == NULL);
	strvec_free(&sv);
}

struct item {
	unsigned key;
	char tag[13];   /* an odd size: elements are swapped byte by byte */
};

static int by_key(const void *a, const void *b, void *ctx)
{
	unsigned x = ((const struct item *)a)->key, y = ((const struct item *)b)->key;

	++*(size_t *)ctx;       /* the context reaches the comparison */
	return (x > y) - (x < y);
}

/* Against qsort(3) on every size up to 70 and a large one, with many equal keys. */
static void test_sort_in_place(void)
{
	static struct item a[5000], b[5000];
	size_t sizes[72], n, i, k, calls = 0;
	unsigned seed = 12345;

	for (i = 0; i <= 70; i++)
		sizes[i] = i;
	sizes[71] = ARRAY_SIZE(a);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		n = sizes[k];
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			a[i].key = (seed >> 16) % (n / 2 + 1);
			snprintf(a[i].tag, sizeof a[i].tag, "%u", a[i].key);
			b[i] = a[i];
		}
		sort_in_place(a, n, sizeof *a, by_key, &calls);
		qsort_r(b, n, sizeof *b, by_key, &calls);
		for (i = 0; i < n; i++) {
			CHECK_INT(a[i].key, b[i].key);
			CHECK_STR(a[i].tag, b[i].tag);   /* moved whole */
		}
	}
	CHECK(calls > 0);
}

int main(void)
{
	RUN(test_empty);
	RUN(test_append);
	RUN(test_printf_long);
	RUN(test_setlen_and_tail);
	RUN(test_strvec);
	RUN(test_strvec_borrowed);
	RUN(test_sort_in_place);
	return check_done();
}

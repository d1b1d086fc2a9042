/*
 * capture.c - bounded capture of one stream: head kept whole up to the
 * limit, then head/2 + a ring holding the most recent bytes.  Also a small
 * pool of spent head buffers, so that tests that print megabytes do not
 * make every attempt fault in fresh pages (the one piece of shared state
 * here: a mutex-protected array, bounded in count and size).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/capture.h"
#include "testrig/util.h"

#define POOL_SLOTS 8
#define POOL_MIN (UINT64_C(64) << 10)     /* smaller buffers are cheap anyway */
#define POOL_MAX (UINT64_C(4) << 20)      /* larger ones are given back */
#define POOL_TOTAL (UINT64_C(16) << 20)   /* what the pool may hold in all */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct buf pool[POOL_SLOTS];
static size_t pool_n;
static uint64_t pool_bytes;

/* A spent buffer for reuse, or false when the pool is full. */
static bool pool_put(struct buf *b)
{
	bool kept = false;

	if (b->cap < POOL_MIN || b->cap > POOL_MAX)
		return false;
	pthread_mutex_lock(&pool_lock);
	if (pool_n < POOL_SLOTS && pool_bytes + b->cap <= POOL_TOTAL) {
		pool[pool_n++] = *b;
		pool_bytes += b->cap;
		kept = true;
	}
	pthread_mutex_unlock(&pool_lock);
	if (kept)
		buf_init(b);
	return kept;
}

/* Gives b (empty, no storage) a pooled buffer, if there is one. */
static void pool_get(struct buf *b)
{
	pthread_mutex_lock(&pool_lock);
	if (pool_n) {
		*b = pool[--pool_n];
		pool_bytes -= b->cap;
	}
	pthread_mutex_unlock(&pool_lock);
	buf_reset(b);
}

void capture_init(struct capture *c, uint64_t limit)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->head);
	c->limit = limit;
}

void capture_free(struct capture *c)
{
	if (!pool_put(&c->head))
		buf_free(&c->head);
	free(c->tail);
	c->tail = NULL;
	c->tail_cap = c->tail_start = c->tail_len = 0;
}

static void ring_add(struct capture *c, const char *p, size_t n)
{
	if (!c->tail_cap)
		return;
	if (n >= c->tail_cap) {
		memcpy(c->tail, p + n - c->tail_cap, c->tail_cap);
		c->tail_start = 0;
		c->tail_len = c->tail_cap;
		return;
	}
	while (n) {
		size_t end = (c->tail_start + c->tail_len) % c->tail_cap;
		size_t room = c->tail_cap - end;
		size_t k = n < room ? n : room;

		memcpy(c->tail + end, p, k);
		p += k;
		n -= k;
		c->tail_len += k;
		if (c->tail_len > c->tail_cap) {
			c->tail_start = (c->tail_start + c->tail_len - c->tail_cap) % c->tail_cap;
			c->tail_len = c->tail_cap;
		}
	}
}

/* The stream no longer fits: keep limit/2 of head, move the rest to the ring. */
static void start_truncating(struct capture *c)
{
	size_t half = (size_t)(c->limit / 2);

	c->tail_cap = (size_t)(c->limit - half);
	c->tail = c->tail_cap ? xmalloc(c->tail_cap) : NULL;
	ring_add(c, c->head.data + half, c->head.len - half);
	buf_setlen(&c->head, half);
	/* Give back what the head no longer needs. */
	c->head.data = xrealloc(c->head.data, half + 1);
	c->head.cap = half + 1;
}

void capture_add(struct capture *c, const char *p, size_t n)
{
	uint64_t before = c->total;

	c->total += n;
	if (!c->head.cap && n && c->limit >= POOL_MIN)
		pool_get(&c->head);
	if (c->tail || (c->limit == 0)) {
		ring_add(c, p, n);
		return;
	}
	if (before + n <= c->limit) {
		buf_add(&c->head, p, n);
		return;
	}
	/* Fill the head up to the limit, then switch to head/2 + ring. */
	{
		size_t fit = (size_t)(c->limit - before);

		buf_add(&c->head, p, fit);
		start_truncating(c);
		ring_add(c, p + fit, n - fit);
	}
}

uint64_t capture_dropped(const struct capture *c)
{
	return c->total - c->head.len - c->tail_len;
}

void capture_finish(struct capture *c)
{
	uint64_t dropped = capture_dropped(c);
	size_t first;

	if (!c->tail && !dropped)
		return;
	if (c->head.len && c->head.data[c->head.len - 1] != '\n')
		buf_addc(&c->head, '\n');
	buf_printf(&c->head, "[testrig: %" PRIu64 " bytes of output dropped here; "
		   "output-limit is %" PRIu64 " bytes]\n", dropped, c->limit);
	if (c->tail_len) {
		first = c->tail_cap - c->tail_start;
		if (first > c->tail_len)
			first = c->tail_len;
		buf_add(&c->head, c->tail + c->tail_start, first);
		buf_add(&c->head, c->tail, c->tail_len - first);
	}
	free(c->tail);
	c->tail = NULL;
	c->tail_cap = c->tail_start = c->tail_len = 0;
}

char *capture_last_line(const struct capture *c)
{
	const char *p = c->head.data;
	size_t end = c->head.len, start, i, n;
	char *line;

	while (p && end > 0) {
		/* The line that ends at end: trim blanks, skip it if nothing is left. */
		start = end;
		while (start > 0 && p[start - 1] != '\n')
			start--;
		n = end - start;
		while (n && (p[start + n - 1] == ' ' || p[start + n - 1] == '\t' ||
			     p[start + n - 1] == '\r'))
			n--;
		i = 0;
		while (i < n && (p[start + i] == ' ' || p[start + i] == '\t'))
			i++;
		if (i < n) {
			n -= i;
			if (n > CAPTURE_LINE_MAX) {
				n = CAPTURE_LINE_MAX;
				/* Not in the middle of a UTF-8 sequence. */
				while (n > 1 && ((unsigned char)p[start + i + n] & 0xc0) == 0x80)
					n--;
			}
			line = xmalloc(n + 1);
			memcpy(line, p + start + i, n);
			for (size_t k = 0; k < n; k++)
				if ((unsigned char)line[k] < 0x20 || line[k] == 0x7f)
					line[k] = '?';
			line[n] = 0;
			return line;
		}
		end = start ? start - 1 : 0;
	}
	return NULL;
}

void capture_tail_lines(const struct capture *c, unsigned lines, struct buf *out)
{
	struct buf all = BUF_INIT;
	size_t i, start;
	unsigned seen = 0;

	/* Assemble what is kept (small: info queries are rare). */
	buf_add(&all, c->head.data, c->head.len);
	if (c->tail_len) {
		size_t first = c->tail_cap - c->tail_start;
		if (first > c->tail_len)
			first = c->tail_len;
		buf_add(&all, c->tail + c->tail_start, first);
		buf_add(&all, c->tail, c->tail_len - first);
	}
	i = all.len;
	if (i && all.data[i - 1] == '\n')
		i--;
	start = 0;
	while (i > 0) {
		if (all.data[i - 1] == '\n' && ++seen == lines) {
			start = i;
			break;
		}
		i--;
	}
	buf_add(out, all.data + start, all.len - start);
	buf_free(&all);
}

/*
 * buf.c - struct buf and struct strvec.  Owns nothing but the memory of the
 * buffers it is handed; growth is geometric so appends are amortised O(1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/util.h"

char buf_slop[1];
char *strvec_slop[1];

void buf_init(struct buf *b)
{
	b->data = buf_slop;
	b->len = b->cap = 0;
}

void buf_free(struct buf *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = 0;
}

void buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (need < b->len)
		die("buffer size overflow");
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	b->data = xrealloc(b->cap ? b->data : NULL, cap);
	b->cap = cap;
	b->data[b->len] = 0;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = 0;
}

/* Hot paths (every event of a record) format numbers without printf. */
void buf_add_padded(struct buf *b, uint64_t v, unsigned width)
{
	char digits[24], *p = digits + sizeof digits;

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (width > (unsigned)(digits + sizeof digits - p) && p > digits)
		*--p = '0';
	buf_add(b, p, (size_t)(digits + sizeof digits - p));
}

void buf_add_uint(struct buf *b, uint64_t v)
{
	buf_add_padded(b, v, 1);
}

void buf_add_int(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_addc(b, '-');
		buf_add_uint(b, 0 - (uint64_t)v);
	} else {
		buf_add_uint(b, (uint64_t)v);
	}
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		die("vsnprintf failed");
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_setlen(struct buf *b, size_t len)
{
	if (!b->cap)
		buf_grow(b, len);
	if (len >= b->cap)
		die("buf_setlen beyond capacity");
	b->len = len;
	b->data[len] = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (!b->cap)
		buf_grow(b, 0);
	p = b->data;
	if (len)
		*len = b->len;
	buf_init(b);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b, NULL);
}

int buf_read_file(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r;

		buf_grow(out, 8192);
		r = read(fd, buf_tail(out), buf_avail(out));
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		buf_setlen(out, out->len + (size_t)r);
	}
	close(fd);
	return 0;
}

void strvec_init(struct strvec *sv)
{
	sv->v = strvec_slop;
	sv->n = sv->cap = 0;
	sv->nborrowed = 0;
}

void strvec_free(struct strvec *sv)
{
	size_t i;

	for (i = sv->nborrowed; i < sv->n; i++)
		free(sv->v[i]);
	if (sv->cap)
		free(sv->v);
	strvec_init(sv);
}

/* Room for `more` strings and the NULL after them. */
static void strvec_grow(struct strvec *sv, size_t more)
{
	size_t need = sv->n + more + 1;

	if (need <= sv->cap)
		return;
	if (need < sv->n)
		die("vector size overflow");
	need = sv->cap * 2 > need ? sv->cap * 2 : need + 7;
	sv->v = xreallocarray(sv->cap ? sv->v : NULL, need, sizeof *sv->v);
	sv->cap = need;
}

void strvec_replace(struct strvec *sv, size_t i, char *s)
{
	size_t k;

	/* A borrowed string replaced (rare): from then on the vector owns them all. */
	for (k = 0; i < sv->nborrowed && k < sv->nborrowed; k++)
		sv->v[k] = xstrdup(sv->v[k]);
	if (i < sv->nborrowed)
		sv->nborrowed = 0;
	free(sv->v[i]);
	sv->v[i] = s;
}

void strvec_pushv_borrowed(struct strvec *sv, char *const *v)
{
	size_t n = 0;

	if (sv->n)
		die("internal error: borrowed strings after owned ones");
	while (v && v[n])
		n++;
	strvec_grow(sv, n);
	memcpy(sv->v, v, n * sizeof *sv->v);
	sv->n = sv->nborrowed = n;
	sv->v[n] = NULL;
}

void strvec_push_borrowed(struct strvec *sv, char *s)
{
	if (sv->n != sv->nborrowed)
		die("internal error: borrowed strings after owned ones");
	strvec_grow(sv, 1);
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	sv->nborrowed = sv->n;
}

void strvec_push_owned(struct strvec *sv, char *s)
{
	strvec_grow(sv, 1);
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strvec_push(struct strvec *sv, const char *s)
{
	strvec_push_owned(sv, xstrdup(s));
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	strvec_push_owned(sv, buf_detach(&b, NULL));
}

void strvec_pushv(struct strvec *sv, char *const *v)
{
	for (; v && *v; v++)
		strvec_push(sv, *v);
}

char *const *strvec_get(const struct strvec *sv)
{
	/* A vector zeroed rather than initialised reads as empty too. */
	return sv->v ? sv->v : strvec_slop;
}

int string_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

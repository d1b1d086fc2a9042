/*
 * buf.h - the one growable byte buffer (struct buf) and the one growable
 * vector of strings (struct strvec) that every module uses instead of ad-hoc
 * realloc arithmetic, and the helpers built on them (xasprintf, reading a
 * whole file).  Both own their memory; allocation failure aborts the program
 * (see xmalloc in util.h, which never allocates to say so).
 */
#ifndef TESTRIG_BUF_H
#define TESTRIG_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A byte buffer.  `data` is never NULL and always NUL-terminated
 * (data[len] == 0), so text can be used as a C string; binary content may
 * hold NULs of its own.  An empty buffer without storage (cap 0: BUF_INIT,
 * buf_init, after buf_free or buf_detach) points at buf_slop, a shared ""
 * nothing ever writes (git's strbuf_slopbuf): no caller writes `x ? x : ""`.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;                 /* 0: data is buf_slop, not ours */
};

extern char buf_slop[1];
#define BUF_INIT { buf_slop, 0, 0 }

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);                 /* len = 0, keeps capacity */
void buf_grow(struct buf *b, size_t extra);    /* room for `extra` more bytes */
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* v in decimal; with a width, zero-padded to at least that many digits. */
void buf_add_uint(struct buf *b, uint64_t v);
void buf_add_int(struct buf *b, int64_t v);
void buf_add_padded(struct buf *b, uint64_t v, unsigned width);
void buf_setlen(struct buf *b, size_t len);    /* len <= cap; re-terminates */
/* Hands the bytes to the caller (NUL-terminated, never NULL); b is emptied. */
char *buf_detach(struct buf *b, size_t *len);
/* Spare room after data[len] (for read(2) straight into the buffer). */
static inline char *buf_tail(struct buf *b) { return b->data + b->len; }
static inline size_t buf_avail(const struct buf *b)
{
	return b->cap ? b->cap - b->len - 1 : 0;
}

/* A malloc'd string formatted as printf would (never NULL). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Appends a whole file to out (NUL-terminated); -1 with errno on failure. */
int buf_read_file(const char *path, struct buf *out);

/*
 * A NULL-terminated vector of owned strings, usable as argv or envp; `v` is
 * never NULL (an empty vector without storage points at strvec_slop, a
 * shared { NULL }).  Its strings are each malloc'd, but for the first
 * `nborrowed`, which
 * strvec_pushv_borrowed put there without copying them (a job's inherited
 * environment: no copy per job of what every job shares); strvec_free and
 * strvec_replace know which is which.
 */
struct strvec {
	char **v;
	size_t n;
	size_t cap;                 /* 0: v is strvec_slop, not ours */
	size_t nborrowed;
};

extern char *strvec_slop[1];
#define STRVEC_INIT { strvec_slop, 0, 0, 0 }

void strvec_init(struct strvec *sv);
void strvec_free(struct strvec *sv);
void strvec_push(struct strvec *sv, const char *s);      /* copies s */
void strvec_push_owned(struct strvec *sv, char *s);      /* takes s */
void strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strvec_pushv(struct strvec *sv, char *const *v);    /* copies each */
/*
 * Into an empty vector: v's strings, not copied (they stay the caller's and
 * must outlive the vector).
 */
void strvec_pushv_borrowed(struct strvec *sv, char *const *v);
/* Onto a vector of borrowed strings only: s, not copied (the caller's, as above). */
void strvec_push_borrowed(struct strvec *sv, char *s);
/* Puts s (taken) in place of element i, freeing the old one. */
void strvec_replace(struct strvec *sv, size_t i, char *s);
/* The vector, NULL-terminated even when empty (as execve wants it: not const). */
char *const *strvec_get(const struct strvec *sv);
/* strcmp of two char * elements, for qsort and bsearch over string arrays. */
int string_compare(const void *a, const void *b);

#endif

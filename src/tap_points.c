/*
 * tap_points.c - a TAP script's points (tap.h's struct tap_points): every
 * one kept, in order, in a spill (spill.h) of compact records, so that a
 * script of a million points costs a temporary file and not memory, while
 * one of a few hundred never makes a file.  Also the counts reports show,
 * kept as points are added.  Owns the spill; readers own their window.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/spill.h"
#include "testrig/tap.h"
#include "testrig/util.h"

/* Points held in memory before they go to a temporary file: some 3000 short ones. */
#define POINTS_HOLD (64 * 1024)
/* What a reader takes from the file at a time. */
#define READ_PIECE (64 * 1024)

/*
 * One point's record: number (4 bytes), flags (1), the description's length
 * (4) and the reason's (4), then both strings, each with its NUL.
 */
#define HEAD 13
enum { F_OK = 1, F_SKIP = 2, F_TODO = 4, F_OUT_OF_ORDER = 8, F_AFTER_LATE_PLAN = 16 };

struct tap_points {
	struct spill spill;
	size_t n;
	unsigned pass, fail, skip, todo, todo_passed;
};

struct tap_points *tap_points_new(void)
{
	struct tap_points *ps = xcalloc(1, sizeof *ps);

	spill_init(&ps->spill, POINTS_HOLD);
	return ps;
}

static void put_u32(unsigned char *at, uint32_t v)
{
	memcpy(at, &v, 4);
}

static uint32_t get_u32(const char *at)
{
	uint32_t v;

	memcpy(&v, at, 4);
	return v;
}

static void bump(unsigned *count)
{
	if (*count < UINT32_MAX)
		(*count)++;
}

void tap_points_add(struct tap_points *ps, const struct tap_point *p)
{
	unsigned char head[HEAD];
	size_t dlen = strlen(p->description), rlen = strlen(p->reason);

	/* Strings a record could not hold are cut (the reader keeps them far shorter). */
	if (dlen > UINT32_MAX / 4)
		dlen = UINT32_MAX / 4;
	if (rlen > UINT32_MAX / 4)
		rlen = UINT32_MAX / 4;
	put_u32(head, p->number);
	head[4] = (unsigned char)((p->ok ? F_OK : 0) | (p->directive == TAP_SKIP ? F_SKIP : 0) |
				  (p->directive == TAP_TODO ? F_TODO : 0) |
				  (p->out_of_order ? F_OUT_OF_ORDER : 0) |
				  (p->after_late_plan ? F_AFTER_LATE_PLAN : 0));
	put_u32(head + 5, (uint32_t)dlen);
	put_u32(head + 9, (uint32_t)rlen);
	spill_add(&ps->spill, head, HEAD);
	spill_add(&ps->spill, p->description, dlen);
	spill_add(&ps->spill, "", 1);
	spill_add(&ps->spill, p->reason, rlen);
	spill_add(&ps->spill, "", 1);
	ps->n++;
	if (p->directive == TAP_TODO) {
		bump(&ps->todo);
		if (p->ok)
			bump(&ps->todo_passed);
	} else if (p->directive == TAP_SKIP && p->ok) {
		bump(&ps->skip);
	} else if (p->ok) {
		bump(&ps->pass);
	} else {
		bump(&ps->fail);
	}
}

size_t tap_points_count(const struct tap_points *ps)
{
	return ps ? ps->n : 0;
}

void tap_points_free(struct tap_points *ps)
{
	if (!ps)
		return;
	spill_free(&ps->spill);
	free(ps);
}

void tap_point_counts(const struct tap_summary *s, unsigned *pass, unsigned *fail,
		      unsigned *skip, unsigned *todo, unsigned *todo_passed)
{
	const struct tap_points *ps = s->points;

	*pass = ps ? ps->pass : 0;
	*fail = ps ? ps->fail : 0;
	*skip = ps ? ps->skip : 0;
	*todo = ps ? ps->todo : 0;
	*todo_passed = ps ? ps->todo_passed : 0;
}

void tap_points_begin(struct tap_points_reader *r, const struct tap_points *ps)
{
	memset(r, 0, sizeof *r);
	r->ps = ps;
	buf_init(&r->window);
}

/* At least n bytes of records in the window from r->pos on; false at the end or on error. */
static bool have(struct tap_points_reader *r, size_t n)
{
	while (r->window.len - r->pos < n) {
		ssize_t got;

		if (r->pos) {
			memmove(r->window.data, r->window.data + r->pos, r->window.len - r->pos);
			buf_setlen(&r->window, r->window.len - r->pos);
			r->pos = 0;
		}
		buf_grow(&r->window, n > READ_PIECE ? n : READ_PIECE);
		got = spill_read(&r->ps->spill, r->at, buf_tail(&r->window), buf_avail(&r->window));
		if (got <= 0) {
			r->failed = got < 0 || r->window.len > 0;
			r->error = got < 0 ? errno : r->failed ? EIO : 0;
			return false;
		}
		r->at += (uint64_t)got;
		buf_setlen(&r->window, r->window.len + (size_t)got);
	}
	return true;
}

const struct tap_point *tap_points_next(struct tap_points_reader *r)
{
	struct tap_point *p = &r->point;
	const char *s;
	size_t dlen, rlen;
	unsigned flags;

	if (!r->ps || r->done || !have(r, HEAD)) {
		r->done = true;
		return NULL;
	}
	s = r->window.data + r->pos;
	dlen = get_u32(s + 5);
	rlen = get_u32(s + 9);
	if (!have(r, HEAD + dlen + 1 + rlen + 1)) {
		r->done = r->failed = true;
		return NULL;
	}
	s = r->window.data + r->pos;
	flags = (unsigned char)s[4];
	memset(p, 0, sizeof *p);
	p->number = get_u32(s);
	p->ok = flags & F_OK;
	p->directive = flags & F_SKIP ? TAP_SKIP : flags & F_TODO ? TAP_TODO : TAP_NO_DIRECTIVE;
	p->out_of_order = flags & F_OUT_OF_ORDER;
	p->after_late_plan = flags & F_AFTER_LATE_PLAN;
	p->description = s + HEAD;
	p->reason = s + HEAD + dlen + 1;
	r->pos += HEAD + dlen + 1 + rlen + 1;
	return p;
}

void tap_points_end(struct tap_points_reader *r)
{
	buf_free(&r->window);
}

/*
 * fuzz_jsonread.c - libFuzzer target for the JSON reader: any bytes must
 * parse or fail with an "offset N: ..." message inside the input, whether
 * or not an error buffer is given; what parses must be a well-formed tree
 * that the accessors agree with, and written back out (by a small writer
 * of our own) must parse to the same tree and write the same text again.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/jsonread.h"
#include "testrig/text.h"
#include "testrig/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	bool valid;

	while (i < n) {
		k = utf8_sequence(p + i, n - i, &valid);
		if (!valid)
			return false;
		i += k;
	}
	return true;
}

/* The accessors must say what the member itself says. */
static void check_accessors(const struct jvalue *obj, const char *key)
{
	const struct jvalue *m = jvalue_get(obj, key);
	const char *s = jvalue_str(obj, key);
	double d = 0;
	int64_t i = 0;
	bool b = false;

	check(s == (m && m->type == JV_STRING ? m->string : NULL));
	check(jvalue_num(obj, key, &d) == (m && m->type == JV_NUMBER));
	check(!m || m->type != JV_NUMBER || d == m->number || (isnan(d) && isnan(m->number)));
	check(jvalue_int(obj, key, &i) == (m && m->type == JV_NUMBER && m->integral));
	check(!m || !m->integral || i == m->integer);
	check(jvalue_bool(obj, key, &b) == (m && m->type == JV_BOOL));
	check(!m || m->type != JV_BOOL || b == m->boolean);
}

static void walk(const struct jvalue *v, int depth)
{
	static const char *const keys[] = { "", "a", "name", "verdict", "k\xc3\xa9y" };
	size_t i, j;

	check(depth <= JVALUE_MAX_DEPTH);
	switch (v->type) {
	case JV_NULL:
	case JV_BOOL:
		break;
	case JV_NUMBER:
		check(isfinite(v->number));
		/* Both are the correctly rounded value of the same integer. */
		check(!v->integral || (double)v->integer == v->number);
		break;
	case JV_STRING:
		check(v->string && v->string[v->len] == 0 && valid_utf8(v->string, v->len));
		break;
	case JV_ARRAY:
	case JV_OBJECT:
		check(v->n == 0 || v->items);
		check(v->type == JV_ARRAY ? !v->keys : (v->n == 0 || v->keys));
		for (i = 0; i < v->n; i++)
			walk(&v->items[i], depth + 1);
		break;
	default:
		abort();
	}
	check(jvalue_get(v, "a") == NULL || v->type == JV_OBJECT);
	if (v->type != JV_OBJECT)
		return;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		check_accessors(v, keys[i]);
	for (i = 0; i < v->n; i++) {
		check(valid_utf8(v->keys[i], strlen(v->keys[i])));
		check_accessors(v, v->keys[i]);
		/* The first member of that name, which is this one or earlier. */
		for (j = 0; strcmp(v->keys[j], v->keys[i]); j++)
			;
		check(jvalue_get(v, v->keys[i]) == &v->items[j]);
	}
}

/* Our own writer, independent of text.c: compact, NULs as \u0000. */
static void write_string(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_addc(b, (char)c);
	}
	buf_addc(b, '"');
}

static void write_value(struct buf *b, const struct jvalue *v)
{
	size_t i;

	switch (v->type) {
	case JV_NULL: buf_adds(b, "null"); return;
	case JV_BOOL: buf_adds(b, v->boolean ? "true" : "false"); return;
	case JV_STRING: write_string(b, v->string, v->len); return;
	case JV_NUMBER:
		/* "-0" is integral, and its double is negative zero. */
		if (v->integral)
			buf_printf(b, "%s%" PRId64, signbit(v->number) && !v->integer ? "-" : "",
				   v->integer);
		else
			buf_printf(b, "%.17g", v->number);
		return;
	case JV_ARRAY:
	case JV_OBJECT:
		buf_addc(b, v->type == JV_ARRAY ? '[' : '{');
		for (i = 0; i < v->n; i++) {
			if (i)
				buf_addc(b, ',');
			if (v->type == JV_OBJECT) {
				write_string(b, v->keys[i], strlen(v->keys[i]));
				buf_addc(b, ':');
			}
			write_value(b, &v->items[i]);
		}
		buf_addc(b, v->type == JV_ARRAY ? ']' : '}');
		return;
	}
	abort();
}

/* %.17g gives a double back exactly; 1e3 may come back integral, never the reverse. */
static bool same(const struct jvalue *a, const struct jvalue *b)
{
	size_t i;

	if (a->type != b->type || a->n != b->n)
		return false;
	switch (a->type) {
	case JV_NULL: return true;
	case JV_BOOL: return a->boolean == b->boolean;
	case JV_STRING: return a->len == b->len && !memcmp(a->string, b->string, a->len);
	case JV_NUMBER:
		return a->number == b->number && signbit(a->number) == signbit(b->number) &&
		       (!a->integral || (b->integral && a->integer == b->integer));
	case JV_ARRAY:
	case JV_OBJECT:
		for (i = 0; i < a->n; i++)
			if ((a->keys && strcmp(a->keys[i], b->keys[i])) ||
			    !same(&a->items[i], &b->items[i]))
				return false;
		return true;
	}
	return false;
}

/* A failure says where, inside the input, and says it once. */
static void check_error(const struct buf *err, size_t size)
{
	char *end;
	unsigned long long at;

	check(err->data && !strncmp(err->data, "offset ", 7));
	at = strtoull(err->data + 7, &end, 10);
	check(end != err->data + 7 && !strncmp(end, ": ", 2) && at <= size);
	check(strlen(err->data) == err->len && !strstr(end, "offset 0:"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT, out = BUF_INIT, again = BUF_INIT;
	struct jvalue *v, *w, *quiet;

	v = jvalue_parse((const char *)data, size, &err);
	quiet = jvalue_parse((const char *)data, size, NULL);
	check(!v == !quiet);
	jvalue_free(quiet);
	if (!v) {
		check_error(&err, size);
		goto out;
	}
	check(err.len == 0);
	walk(v, 0);
	write_value(&out, v);
	w = jvalue_parse(out.data, out.len, &err);
	check(w && same(v, w));
	write_value(&again, w);
	check(again.len == out.len && !memcmp(again.data, out.data, out.len));
	jvalue_free(w);
	jvalue_free(v);
out:
	buf_free(&err);
	buf_free(&out);
	buf_free(&again);
	return 0;
}

/*
 * jsonread.c - the strict JSON reader of jsonread.h: a recursive-descent
 * parser over a byte range that is never assumed NUL-terminated, the tree
 * it builds, and member lookups.  Every read is checked against the end of
 * the input, recursion is bounded by JVALUE_MAX_DEPTH, and each byte is
 * looked at a bounded number of times, so any input costs linear time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/jsonread.h"
#include "testrig/text.h"
#include "testrig/util.h"

struct parser {
	const unsigned char *s;
	size_t len;
	size_t pos;
	/* The string or number being decoded: one buffer for all of them. */
	struct buf scratch;
	struct buf *err;
	/*
	 * Where decoded strings and names go: a string decodes to fewer bytes
	 * than its quotes and contents take in the text, so the length of the
	 * text bounds them all, NULs included.  One allocation per tree.
	 */
	char *arena;
	size_t arena_used;
	char *out;          /* where the string being decoded goes on */
};

static bool parse_value(struct parser *p, struct jvalue *v, int depth);

/*
 * Records why parsing stopped and returns false, so that callers can
 * `return fail(...)`.  Parsing stops at the first error, so there is only
 * ever one message: what follows an error is not worth guessing at.
 */
static bool fail(struct parser *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (!p->err)
		return false;
	buf_printf(p->err, "offset %zu: ", at);
	va_start(ap, fmt);
	buf_vprintf(p->err, fmt, ap);
	va_end(ap);
	return false;
}

/* What is at `at`, for the "found ..." of a message: never a raw byte. */
static const char *found(const struct parser *p, size_t at, char out[16])
{
	unsigned char c;

	if (at >= p->len)
		return "end of input";
	c = p->s[at];
	if (c == '\'')
		return "\"'\"";
	if (c >= ' ' && c < 0x7f)
		snprintf(out, 16, "'%c'", c);
	else
		snprintf(out, 16, "byte 0x%02x", c);
	return out;
}

/* The next byte, or -1 at the end of the input. */
static int peek(const struct parser *p)
{
	return p->pos < p->len ? p->s[p->pos] : -1;
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static bool digit_at(const struct parser *p, size_t at)
{
	return at < p->len && p->s[at] >= '0' && p->s[at] <= '9';
}

static size_t skip_digits(const struct parser *p, size_t at)
{
	while (digit_at(p, at))
		at++;
	return at;
}

/* Frees what v owns, not v itself: items are stored by value, strings in the arena. */
static void free_contents(struct jvalue *v)
{
	size_t i;

	for (i = 0; v->items && i < v->n; i++)
		free_contents(&v->items[i]);
	free(v->items);
	free(v->keys);
}

void jvalue_free(struct jvalue *v)
{
	if (!v)
		return;
	free_contents(v);
	free(v->arena);
	free(v);
}

/* The 4 hex digits at `at`, if there are 4. */
static bool hex4(const struct parser *p, size_t at, uint32_t *out)
{
	size_t i;

	*out = 0;
	if (at > p->len || p->len - at < 4)
		return false;
	for (i = at; i < at + 4; i++) {
		unsigned char c = p->s[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		*out = *out << 4 | d;
	}
	return true;
}

/* A code point (not a surrogate, at most U+10FFFF) as UTF-8, at p->out. */
static void add_utf8(struct parser *p, uint32_t cp)
{
	char *u = p->out;

	if (cp < 0x80) {
		*u++ = (char)cp;
	} else if (cp < 0x800) {
		*u++ = (char)(0xc0 | cp >> 6);
		*u++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*u++ = (char)(0xe0 | cp >> 12);
		*u++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*u++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*u++ = (char)(0xf0 | cp >> 18);
		*u++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*u++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*u++ = (char)(0x80 | (cp & 0x3f));
	}
	p->out = u;
}

/*
 * \uXXXX at `at` (the backslash), with its low half when it is a high
 * surrogate: a surrogate that is not half of a pair has no UTF-8 form, so
 * it is an error rather than something to replace silently.
 */
static bool decode_unicode(struct parser *p, size_t *at)
{
	size_t i = *at;
	uint32_t cp, lo;

	if (!hex4(p, i + 2, &cp))
		return fail(p, i, "expected 4 hex digits after '\\u' in a string");
	i += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, *at, "lone surrogate \\u%04x in a string "
			    "(a low half without a high half before it)", (unsigned)cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (i + 1 >= p->len || p->s[i] != '\\' || p->s[i + 1] != 'u')
			return fail(p, *at, "lone surrogate \\u%04x in a string "
				    "(a high half without a low half after it)", (unsigned)cp);
		if (!hex4(p, i + 2, &lo))
			return fail(p, i, "expected 4 hex digits after '\\u' in a string");
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, *at, "lone surrogate \\u%04x in a string "
				    "(a high half without a low half after it)", (unsigned)cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		i += 6;
	}
	add_utf8(p, cp);
	*at = i;
	return true;
}

/* The escape at `at` (the backslash), decoded at p->out. */
static bool decode_escape(struct parser *p, size_t *at, size_t open)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t i = *at;
	const char *q;
	char what[16];

	if (i + 1 >= p->len)
		return fail(p, p->len, "unterminated string (it opens at offset %zu)", open);
	if (p->s[i + 1] == 'u')
		return decode_unicode(p, at);
	/* The length excludes from[]'s NUL, so a NUL byte is no escape either. */
	q = memchr(from, p->s[i + 1], sizeof(from) - 1);
	if (!q)
		return fail(p, i, "invalid escape in a string: %s after '\\'",
			    found(p, i + 1, what));
	*p->out++ = to[q - from];
	*at = i + 2;
	return true;
}

/* Bytes that stand for themselves in a string, copied a run at a time. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/*
 * The string at p->pos (its opening quote), decoded into the arena: runs of
 * plain bytes copied whole, escapes and UTF-8 checked one at a time.
 */
static bool parse_string(struct parser *p, char **out, size_t *outlen)
{
	size_t open = p->pos, i = p->pos + 1, run, n;
	char *start = p->arena + p->arena_used;
	bool valid;

	p->out = start;
	for (;;) {
		for (run = i; i < p->len && plain(p->s[i]); i++)
			;
		memcpy(p->out, p->s + run, i - run);
		p->out += i - run;
		if (i >= p->len)
			return fail(p, i, "unterminated string (it opens at offset %zu)", open);
		if (p->s[i] == '"')
			break;
		if (p->s[i] == '\\') {
			if (!decode_escape(p, &i, open))
				return false;
			continue;
		}
		if (p->s[i] < 0x20)
			return fail(p, i, "control character 0x%02x in a string "
				    "(it must be escaped)", p->s[i]);
		n = utf8_sequence(p->s + i, p->len - i, &valid);
		if (!valid)
			return fail(p, i, "invalid UTF-8 in a string");
		memcpy(p->out, p->s + i, n);
		p->out += n;
		i += n;
	}
	p->pos = i + 1;
	*p->out = 0;
	*out = start;
	*outlen = (size_t)(p->out - start);
	/* Decoding never lengthens a string: its text bounds the arena (see struct parser). */
	p->arena_used += *outlen + 1;
	return true;
}

/*
 * A number checked against the grammar, without strtod when that is exact:
 * at most 15 significant digits and no exponent make an integer and a
 * power of ten that are both exact doubles, so their quotient is the
 * correctly rounded value strtod gives (Clinger's fast path).  Records
 * and the history hold thousands of such numbers.
 */
static bool fast_number(const unsigned char *s, size_t n, struct jvalue *v)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
					1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	bool neg = n && s[0] == '-', frac = false;
	unsigned digits = 0, decimals = 0;
	uint64_t m = 0;
	size_t i;

	for (i = neg; i < n; i++) {
		if (s[i] == '.') {
			frac = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || ++digits > 15)
			return false;
		m = m * 10 + (uint64_t)(s[i] - '0');
		decimals += frac;
	}
	v->number = (double)m / pow10[decimals];
	if (neg)
		v->number = -v->number;
	if (!frac) {
		v->integral = true;
		v->integer = neg ? -(int64_t)m : (int64_t)m;
	}
	return true;
}

/*
 * A number, checked against RFC 8259's grammar here because strtod takes
 * more (hex, "inf", leading '+', "1."), then converted from a NUL-terminated
 * copy of just its bytes.  strtod follows LC_NUMERIC; testrig never sets a
 * locale, so '.' is the decimal point.
 */
static bool parse_number(struct parser *p, struct jvalue *v)
{
	size_t start = p->pos, i = p->pos;
	bool integral = true;
	char what[16];
	long long ll;

	if (i < p->len && p->s[i] == '-')
		i++;
	if (!digit_at(p, i))
		return fail(p, i, "expected a digit in a number, found %s", found(p, i, what));
	if (p->s[i] == '0' && digit_at(p, i + 1))
		return fail(p, start, "a number cannot start with a 0 followed by digits");
	i = skip_digits(p, i);
	if (i < p->len && p->s[i] == '.') {
		integral = false;
		if (!digit_at(p, ++i))
			return fail(p, i, "expected a digit after '.' in a number, found %s",
				    found(p, i, what));
		i = skip_digits(p, i);
	}
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		integral = false;
		if (++i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
			i++;
		if (!digit_at(p, i))
			return fail(p, i, "expected a digit in the exponent of a number, found %s",
				    found(p, i, what));
		i = skip_digits(p, i);
	}
	if (fast_number(p->s + start, i - start, v)) {
		v->type = JV_NUMBER;
		p->pos = i;
		return true;
	}
	buf_reset(&p->scratch);
	buf_add(&p->scratch, p->s + start, i - start);
	v->number = strtod(p->scratch.data, NULL);
	/* JSON has no infinity to give back, so a number that rounds to one is refused. */
	if (isinf(v->number))
		return fail(p, start, "number out of range");
	v->type = JV_NUMBER;
	if (integral) {
		errno = 0;
		ll = strtoll(p->scratch.data, NULL, 10);
		if (errno != ERANGE) {
			v->integral = true;
			v->integer = ll;
		}
	}
	p->pos = i;
	return true;
}

/* true, false, null, or a word that is none of them ("nan", "True"). */
static bool parse_word(struct parser *p, struct jvalue *v)
{
	size_t start = p->pos, i = p->pos, n;
	const char *w = (const char *)p->s + start;

	while (i < p->len && ((p->s[i] | 0x20) >= 'a' && (p->s[i] | 0x20) <= 'z'))
		i++;
	n = i - start;
	if (n == 4 && !memcmp(w, "null", 4)) {
		v->type = JV_NULL;
	} else if (n == 4 && !memcmp(w, "true", 4)) {
		v->type = JV_BOOL;
		v->boolean = true;
	} else if (n == 5 && !memcmp(w, "false", 5)) {
		v->type = JV_BOOL;
		v->boolean = false;
	} else {
		return fail(p, start, "unknown word '%.*s%s' (JSON has only true, false and null)",
			    (int)(n > 32 ? 32 : n), w, n > 32 ? "..." : "");
	}
	p->pos = i;
	return true;
}

/* After an element or member: the closing bracket, or the end cut it short. */
static bool bad_separator(struct parser *p, size_t open, const char *what, char close)
{
	char f[16];

	if (p->pos >= p->len)
		return fail(p, p->pos, "unterminated %s (it opens at offset %zu)", what, open);
	return fail(p, p->pos, "expected ',' or '%c' in an %s, found %s", close, what,
		    found(p, p->pos, f));
}

/*
 * Each element is counted in v->n before it is parsed, zeroed, so that
 * when parsing fails anywhere below, the whole tree is still consistent and
 * jvalue_free at the top frees every allocation made so far.
 */
static bool parse_array(struct parser *p, struct jvalue *v, int depth)
{
	size_t open = p->pos, cap = 0, comma;

	if (depth > JVALUE_MAX_DEPTH)
		return fail(p, open, "arrays and objects nested more than %d deep",
			    JVALUE_MAX_DEPTH);
	v->type = JV_ARRAY;
	p->pos++;
	skip_space(p);
	if (peek(p) == ']') {
		p->pos++;
		return true;
	}
	for (;;) {
		if (v->n == cap) {
			cap = cap ? 2 * cap : 4;
			v->items = xreallocarray(v->items, cap, sizeof(*v->items));
		}
		memset(&v->items[v->n], 0, sizeof(*v->items));
		if (!parse_value(p, &v->items[v->n++], depth))
			return false;
		skip_space(p);
		if (peek(p) == ']') {
			p->pos++;
			return true;
		}
		if (peek(p) != ',')
			return bad_separator(p, open, "array", ']');
		comma = p->pos++;
		skip_space(p);
		if (peek(p) == ']')
			return fail(p, comma, "trailing ',' before ']' in an array");
	}
}

/* A member name: a string, without U+0000 (see jsonread.h). */
static bool parse_name(struct parser *p, char **name)
{
	size_t at = p->pos, len;
	char what[16];

	if (peek(p) != '"')
		return fail(p, at, "expected a member name (a string) in an object, found %s",
			    found(p, at, what));
	if (!parse_string(p, name, &len))
		return false;
	if (memchr(*name, 0, len)) {
		*name = NULL;
		return fail(p, at, "a member name cannot contain \\u0000");
	}
	return true;
}

/* As parse_array, with each member's name stored beside its value. */
static bool parse_object(struct parser *p, struct jvalue *v, int depth)
{
	size_t open = p->pos, cap = 0, comma;
	char *name, what[16];

	if (depth > JVALUE_MAX_DEPTH)
		return fail(p, open, "arrays and objects nested more than %d deep",
			    JVALUE_MAX_DEPTH);
	v->type = JV_OBJECT;
	p->pos++;
	skip_space(p);
	if (peek(p) == '}') {
		p->pos++;
		return true;
	}
	for (;;) {
		if (p->pos >= p->len)
			return fail(p, p->pos, "unterminated object (it opens at offset %zu)", open);
		if (!parse_name(p, &name))
			return false;
		if (v->n == cap) {
			cap = cap ? 2 * cap : 16;
			v->items = xreallocarray(v->items, cap, sizeof(*v->items));
			v->keys = xreallocarray(v->keys, cap, sizeof(*v->keys));
		}
		memset(&v->items[v->n], 0, sizeof(*v->items));
		v->keys[v->n++] = name;
		skip_space(p);
		if (peek(p) != ':')
			return p->pos >= p->len ?
				fail(p, p->pos, "unterminated object (it opens at offset %zu)", open) :
				fail(p, p->pos, "expected ':' after a member name, found %s",
				     found(p, p->pos, what));
		p->pos++;
		if (!parse_value(p, &v->items[v->n - 1], depth))
			return false;
		skip_space(p);
		if (peek(p) == '}') {
			p->pos++;
			return true;
		}
		if (peek(p) != ',')
			return bad_separator(p, open, "object", '}');
		comma = p->pos++;
		skip_space(p);
		if (peek(p) == '}')
			return fail(p, comma, "trailing ',' before '}' in an object");
	}
}

/* v is zeroed; `depth` is how many arrays and objects enclose it. */
static bool parse_value(struct parser *p, struct jvalue *v, int depth)
{
	char what[16];
	int c;

	skip_space(p);
	c = peek(p);
	if (c == '{')
		return parse_object(p, v, depth + 1);
	if (c == '[')
		return parse_array(p, v, depth + 1);
	if (c == '"') {
		if (!parse_string(p, &v->string, &v->len))
			return false;
		v->type = JV_STRING;
		return true;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, v);
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return parse_word(p, v);
	return fail(p, p->pos, "expected a value, found %s", found(p, p->pos, what));
}

struct jvalue *jvalue_parse(const char *text, size_t len, struct buf *err)
{
	struct parser p = { (const unsigned char *)text, text ? len : 0, 0, BUF_INIT, err, NULL, 0, NULL };
	struct jvalue *v = xcalloc(1, sizeof(*v));
	char what[16];
	bool ok;

	p.arena = v->arena = xmalloc(p.len + 1);
	ok = parse_value(&p, v, 0);
	if (ok) {
		skip_space(&p);
		if (p.pos < p.len)
			ok = fail(&p, p.pos, "expected the end of the input after the value, "
				  "found %s", found(&p, p.pos, what));
	}
	buf_free(&p.scratch);
	if (!ok) {
		jvalue_free(v);
		return NULL;
	}
	return v;
}

const struct jvalue *jvalue_get(const struct jvalue *v, const char *key)
{
	size_t i;

	if (!v || v->type != JV_OBJECT || !key)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return &v->items[i];
	return NULL;
}

const char *jvalue_str(const struct jvalue *obj, const char *key)
{
	const struct jvalue *m = jvalue_get(obj, key);

	return m && m->type == JV_STRING ? m->string : NULL;
}

bool jvalue_num(const struct jvalue *obj, const char *key, double *out)
{
	const struct jvalue *m = jvalue_get(obj, key);

	if (!m || m->type != JV_NUMBER)
		return false;
	*out = m->number;
	return true;
}

bool jvalue_int(const struct jvalue *obj, const char *key, int64_t *out)
{
	const struct jvalue *m = jvalue_get(obj, key);

	if (!m || m->type != JV_NUMBER || !m->integral)
		return false;
	*out = m->integer;
	return true;
}

bool jvalue_bool(const struct jvalue *obj, const char *key, bool *out)
{
	const struct jvalue *m = jvalue_get(obj, key);

	if (!m || m->type != JV_BOOL)
		return false;
	*out = m->boolean;
	return true;
}

const char *jvalue_name(const struct jvalue *obj, const char *key, struct buf *space)
{
	const struct jvalue *v;
	char exact[64];

	if (snprintf(exact, sizeof exact, "%s_base64", key) < (int)sizeof exact &&
	    (v = jvalue_get(obj, exact)) && v->type == JV_STRING) {
		buf_reset(space);
		if (base64_decode(v->string, v->len, space) == 0 &&
		    !memchr(space->data, 0, space->len))
			return space->data;
	}
	return jvalue_str(obj, key);
}

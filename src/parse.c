/*
 * parse.c - durations, sizes, counts, booleans and sh-like word splitting.
 * Pure functions over strings: no I/O, no global state.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "testrig/buf.h"
#include "testrig/parse.h"
#include "testrig/util.h"

int parse_duration(const char *s, int64_t *ns)
{
	static const struct { const char *unit; int64_t ns; } units[] = {
		{ "ms", NS_PER_MS }, { "us", 1000 }, { "ns", 1 },
		{ "s", NS_PER_SEC }, { "m", 60 * NS_PER_SEC }, { "h", 3600 * NS_PER_SEC },
	};
	int64_t total = 0;
	int64_t last_unit = INT64_MAX;

	if (!s || !*s)
		return -1;
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	while (*s) {
		uint64_t whole = 0, frac = 0, fscale = 1;
		const char *start = s;
		size_t i, ul = 0;
		int64_t u = 0;
		long double v;

		while (isdigit((unsigned char)*s)) {
			if (whole > UINT64_MAX / 10 - 10)
				return -1;
			whole = whole * 10 + (uint64_t)(*s++ - '0');
		}
		if (*s == '.') {
			s++;
			while (isdigit((unsigned char)*s)) {
				if (fscale < UINT64_C(1000000000000)) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					fscale *= 10;
				}
				s++;
			}
		}
		if (s == start || (s == start + 1 && *start == '.'))
			return -1;
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			size_t l = strlen(units[i].unit);
			if (strncmp(s, units[i].unit, l) == 0 &&
			    !isalpha((unsigned char)s[l])) {
				u = units[i].ns;
				ul = l;
				break;
			}
		}
		if (!u || u >= last_unit)  /* unit required, largest first */
			return -1;
		last_unit = u;
		s += ul;
		v = (long double)whole * (long double)u +
		    (long double)frac * (long double)u / (long double)fscale;
		if (v + (long double)total > (long double)INT64_MAX / 2)
			return -1;
		total += (int64_t)v;
	}
	*ns = total;
	return 0;
}

int parse_size(const char *s, uint64_t *bytes)
{
	static const struct { const char *unit; uint64_t mult; } units[] = {
		{ "", 1 }, { "B", 1 },
		{ "KiB", UINT64_C(1) << 10 }, { "MiB", UINT64_C(1) << 20 },
		{ "GiB", UINT64_C(1) << 30 },
		{ "KB", 1000 }, { "kB", 1000 }, { "MB", 1000000 }, { "GB", 1000000000 },
	};
	uint64_t v = 0;
	const char *p = s;
	size_t i;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].unit) == 0) {
			if (units[i].mult > 1 && v > UINT64_MAX / units[i].mult)
				return -1;
			*bytes = v * units[i].mult;
			return 0;
		}
	}
	return -1;
}

int parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!s || !*s)
		return -1;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

void format_duration(struct buf *b, int64_t ns)
{
	static const struct { const char *unit; int64_t ns; } units[] = {
		{ "h", 3600 * NS_PER_SEC }, { "m", 60 * NS_PER_SEC },
		{ "s", NS_PER_SEC }, { "ms", NS_PER_MS }, { "us", 1000 }, { "ns", 1 },
	};
	size_t i;

	if (ns <= 0) {
		buf_addc(b, '0');
		return;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (ns >= units[i].ns) {
			buf_printf(b, "%" PRId64 "%s", ns / units[i].ns, units[i].unit);
			ns %= units[i].ns;
		}
	}
}

void format_size(struct buf *b, uint64_t bytes)
{
	if (bytes && bytes % (UINT64_C(1) << 30) == 0)
		buf_printf(b, "%" PRIu64 "GiB", bytes >> 30);
	else if (bytes && bytes % (UINT64_C(1) << 20) == 0)
		buf_printf(b, "%" PRIu64 "MiB", bytes >> 20);
	else if (bytes && bytes % 1024 == 0)
		buf_printf(b, "%" PRIu64 "KiB", bytes >> 10);
	else
		buf_printf(b, "%" PRIu64, bytes);
}

int split_words(const char *s, struct strvec *out, const char **err)
{
	struct buf w = BUF_INIT;
	bool in_word = false;

	for (;;) {
		char c = *s++;

		if (c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word) {
				strvec_push_owned(out, buf_detach(&w, NULL));
				in_word = false;
			}
			if (c == 0)
				break;
			continue;
		}
		in_word = true;
		if (c == '\'') {
			const char *end = strchr(s, '\'');
			if (!end) {
				*err = "unterminated single quote";
				goto fail;
			}
			buf_add(&w, s, (size_t)(end - s));
			/* '' is a word: storage says one has begun */
			if (!w.cap)
				buf_grow(&w, 0);
			s = end + 1;
		} else if (c == '"') {
			if (!w.cap)
				buf_grow(&w, 0);
			for (;;) {
				c = *s++;
				if (c == 0) {
					*err = "unterminated double quote";
					goto fail;
				}
				if (c == '"')
					break;
				if (c == '\\' && (*s == '"' || *s == '\\' || *s == '$' || *s == '`')) {
					buf_addc(&w, *s++);
					continue;
				}
				if (c == '\\' && *s == '\n') {
					s++;
					continue;
				}
				buf_addc(&w, c);
			}
		} else if (c == '\\') {
			if (*s == 0) {
				*err = "trailing backslash";
				goto fail;
			}
			if (*s == '\n')
				s++;
			else
				buf_addc(&w, *s++);
			if (!w.cap)
				buf_grow(&w, 0);
		} else {
			buf_addc(&w, c);
		}
	}
	buf_free(&w);
	return 0;
fail:
	buf_free(&w);
	return -1;
}

void quote_word(struct buf *b, const char *s)
{
	const char *p;

	if (*s) {
		for (p = s; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("-_./=:,+@%^", *p))
				break;
		if (!*p) {
			buf_adds(b, s);
			return;
		}
	}
	buf_addc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

int command_parse(struct command *c, const char *text, const char **err)
{
	memset(c, 0, sizeof *c);
	if (split_words(text, &c->argv, err)) {
		strvec_free(&c->argv);
		return -1;
	}
	c->text = xstrdup(text);
	return 0;
}

void command_copy(struct command *dst, const struct command *src)
{
	memset(dst, 0, sizeof *dst);
	if (!src->text)
		return;
	dst->text = xstrdup(src->text);
	strvec_pushv(&dst->argv, src->argv.v);
}

void command_free(struct command *c)
{
	free(c->text);
	strvec_free(&c->argv);
	c->text = NULL;
}

void command_expand(const struct command *cmd, const struct placeholder *ph, size_t n,
		    struct strvec *argv)
{
	size_t i, k;

	for (i = 0; i < cmd->argv.n; i++) {
		struct buf w = BUF_INIT;
		const char *p = cmd->argv.v[i];

		while (*p) {
			for (k = 0; k < n; k++)
				if (ph[k].value && !strncmp(p, ph[k].name, strlen(ph[k].name)))
					break;
			if (k < n) {
				buf_adds(&w, ph[k].value);
				p += strlen(ph[k].name);
			} else {
				buf_addc(&w, *p++);
			}
		}
		strvec_push_owned(argv, buf_detach(&w, NULL));
	}
}

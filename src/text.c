/*
 * text.c - UTF-8 validation (overlong forms, surrogates and code points past
 * U+10FFFF are invalid) and JSON quoting of arbitrary bytes.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>

#include "testrig/buf.h"
#include "testrig/text.h"

/*
 * The length of the UTF-8 sequence at p: the whole sequence when valid
 * (*valid set), else its longest valid prefix, at least 1 byte, so that each
 * maximal ill-formed subpart becomes one \ufffd, as Python decodes.
 */
size_t utf8_sequence(const unsigned char *p, size_t n, bool *valid)
{
	unsigned char lo = 0x80, hi = 0xbf, c = p[0];
	size_t need, i;

	*valid = false;
	if (c < 0x80) {
		*valid = true;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;      /* overlong */
		else if (c == 0xed)
			hi = 0x9f;      /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;      /* overlong */
		else if (c == 0xf4)
			hi = 0x8f;      /* past U+10FFFF */
	} else {
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi)
			return i;
		lo = 0x80;
		hi = 0xbf;
	}
	*valid = true;
	return need + 1;
}

/*
 * A JSON string from any n bytes (NULs included): the output is always valid
 * UTF-8 and valid JSON, whatever a test printed.
 */
void json_quote(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	buf_grow(b, n + 2);
	buf_addc(b, '"');
	while (p && i < n) {
		size_t start = i, len;
		unsigned char c;
		bool valid;

		while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
			i++;
		buf_add(b, p + start, i - start);
		if (i == n)
			break;
		c = p[i];
		switch (c) {
		case '"': buf_adds(b, "\\\""); i++; continue;
		case '\\': buf_adds(b, "\\\\"); i++; continue;
		case '\n': buf_adds(b, "\\n"); i++; continue;
		case '\r': buf_adds(b, "\\r"); i++; continue;
		case '\t': buf_adds(b, "\\t"); i++; continue;
		default: break;
		}
		if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
			i++;
			continue;
		}
		len = utf8_sequence(p + i, n - i, &valid);
		if (valid)
			buf_add(b, p + i, len);
		else
			buf_adds(b, "\\ufffd");
		i += len;
	}
	buf_addc(b, '"');
}


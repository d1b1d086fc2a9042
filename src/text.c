/*
 * text.c - the formatters of text.h: a portable signal-name table, seconds,
 * timestamps, UTF-8 validation (overlong forms, surrogates and code points
 * past U+10FFFF are invalid), JSON quoting, XML escaping and the human
 * report's escaping of arbitrary bytes.  No state.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "testrig/buf.h"
#include "testrig/text.h"
#include "testrig/util.h"

static const struct {
	int signo;
	const char *name;
} signal_names[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
	{ SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
	{ SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	{ SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" }, { SIGWINCH, "SIGWINCH" },
	{ SIGSYS, "SIGSYS" },
#ifdef SIGSTKFLT
	{ SIGSTKFLT, "SIGSTKFLT" },
#endif
#ifdef SIGIO
	{ SIGIO, "SIGIO" },
#endif
#ifdef SIGPWR
	{ SIGPWR, "SIGPWR" },
#endif
};

const char *signal_name(int signo, char scratch[16])
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(signal_names); i++)
		if (signal_names[i].signo == signo)
			return signal_names[i].name;
	snprintf(scratch, 16, "SIG%d", signo);
	return scratch;
}

int signal_number(const char *name)
{
	size_t i;
	long n;
	char *end;

	for (i = 0; i < ARRAY_SIZE(signal_names); i++)
		if (strcasecmp(signal_names[i].name, name) == 0)
			return signal_names[i].signo;
	if (strncasecmp(name, "SIG", 3) != 0 || name[3] < '1' || name[3] > '9')
		return 0;
	n = strtol(name + 3, &end, 10);
	return *end || n > 1024 ? 0 : (int)n;
}

void format_seconds(struct buf *b, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	buf_add_uint(b, (uint64_t)(ns / NS_PER_SEC));
	buf_addc(b, '.');
	buf_add_padded(b, (uint64_t)(ns % NS_PER_SEC / NS_PER_MS), 3);
}

void format_seconds_aligned(struct buf *b, int64_t ns, unsigned width)
{
	size_t start = b->len, n;

	format_seconds(b, ns);
	n = b->len - start;
	if (n >= width)
		return;
	/* Right-aligned: the digits move over, spaces come in front. */
	buf_grow(b, width - n);
	memmove(b->data + start + (width - n), b->data + start, n);
	memset(b->data + start, ' ', width - n);
	buf_setlen(b, start + width);
}

/* The civil date of a day count since 1970-01-01 (proleptic Gregorian). */
static void civil_date(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int64_t)yoe + era * 400 + (*month <= 2);
}

/* The one timestamp formatter: with `basic`, no '-' or ':' (ISO 8601's basic format). */
static void timestamp(struct buf *b, int64_t wall, bool basic)
{
	int64_t secs, year;
	unsigned month, day, sod;

	/* By hand, not gmtime and snprintf: every event of a record has one. */
	if (wall < 0)
		wall = 0;
	secs = wall / NS_PER_SEC;
	sod = (unsigned)(secs % 86400);
	civil_date(secs / 86400, &year, &month, &day);
	buf_add_padded(b, (uint64_t)year, 4);
	if (!basic)
		buf_addc(b, '-');
	buf_add_padded(b, month, 2);
	if (!basic)
		buf_addc(b, '-');
	buf_add_padded(b, day, 2);
	buf_addc(b, 'T');
	buf_add_padded(b, sod / 3600, 2);
	if (!basic)
		buf_addc(b, ':');
	buf_add_padded(b, sod / 60 % 60, 2);
	if (!basic)
		buf_addc(b, ':');
	buf_add_padded(b, sod % 60, 2);
	buf_addc(b, '.');
	buf_add_padded(b, (uint64_t)(wall % NS_PER_SEC / NS_PER_MS), 3);
	buf_addc(b, 'Z');
}

void format_timestamp(struct buf *b, int64_t wall)
{
	timestamp(b, wall, false);
}

void format_timestamp_basic(struct buf *b, int64_t wall)
{
	timestamp(b, wall, true);
}

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

void json_key(struct buf *b, const char *name)
{
	size_t n = strlen(name);

	buf_grow(b, n + 4);
	b->data[b->len++] = ',';
	b->data[b->len++] = '"';
	memcpy(b->data + b->len, name, n);
	b->len += n;
	b->data[b->len++] = '"';
	b->data[b->len++] = ':';
	b->data[b->len] = 0;
}

void json_string(struct buf *b, const char *name, const char *s)
{
	json_key(b, name);
	if (s)
		json_quote(b, s, strlen(s));
	else
		buf_adds(b, "null");
}

void json_bool(struct buf *b, const char *name, bool v)
{
	json_key(b, name);
	buf_adds(b, v ? "true" : "false");
}

void json_uint(struct buf *b, const char *name, uint64_t v)
{
	json_key(b, name);
	buf_add_uint(b, v);
}

void json_int(struct buf *b, const char *name, int64_t v)
{
	json_key(b, name);
	buf_add_int(b, v);
}

void json_seconds(struct buf *b, const char *name, int64_t ns)
{
	json_key(b, name);
	format_seconds(b, ns);
}

/*
 * Escaping for JSON strings, XML text and attributes, and what the human
 * report shows: one loop over the bytes for all four.  ASCII bytes are
 * plain (copied) or special (each format's own spelling); the rest is
 * UTF-8, checked, each maximal ill-formed subpart replaced by U+FFFD, so
 * any bytes a test printed give valid UTF-8 and a well-formed document.
 * For people (ESC_HUMAN) every byte stays visible and none acts on a
 * terminal: controls (C0, DEL, C1) and bytes that are not UTF-8 become C
 * escapes, a backslash "\\\\", and the rest of UTF-8 is copied.  Lines
 * other programs read (ESC_CONTROLS: Automake's, ptest's) keep a backslash
 * as it is, as those programs' own drivers print it.
 */
enum escaping { ESC_JSON, ESC_XML_TEXT, ESC_XML_ATTR, ESC_HUMAN, ESC_CONTROLS };

static bool plain(enum escaping e, unsigned char c)
{
	if (c < 0x20 || c >= 0x80)
		return false;
	if (e == ESC_HUMAN || e == ESC_CONTROLS)
		return c != 0x7f && (c != '\\' || e == ESC_CONTROLS);
	if (e == ESC_JSON)
		return c != '"' && c != '\\';
	return c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

/* One byte as the human report escapes it: \\ \t \n \r \e, else \xNN. */
static void human_byte(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char x[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '\\': buf_add(b, "\\\\", 2); return;
	case '\t': buf_add(b, "\\t", 2); return;
	case '\n': buf_add(b, "\\n", 2); return;
	case '\r': buf_add(b, "\\r", 2); return;
	case 0x1b: buf_add(b, "\\e", 2); return;
	default: buf_add(b, x, 4); return;
	}
}

/*
 * JSON: the short escapes, other controls as \u00XX.  XML: markup
 * characters as entities (">" too, so "]]>" never appears); CR, and in
 * attributes tab and newline, as character references so that parsers do
 * not normalize them away; other C0 controls, which XML 1.0 cannot carry at
 * all, as their visible Control Pictures (U+2400 + c: NUL is U+2400).
 */
static void special(struct buf *b, enum escaping e, unsigned char c)
{
	bool attr = e == ESC_XML_ATTR;

	if (e == ESC_HUMAN || e == ESC_CONTROLS) {
		human_byte(b, c);
		return;
	}
	if (e == ESC_JSON) {
		switch (c) {
		case '"': buf_add(b, "\\\"", 2); return;
		case '\\': buf_add(b, "\\\\", 2); return;
		case '\n': buf_add(b, "\\n", 2); return;
		case '\r': buf_add(b, "\\r", 2); return;
		case '\t': buf_add(b, "\\t", 2); return;
		default: buf_printf(b, "\\u%04x", c); return;
		}
	}
	switch (c) {
	case '&': buf_adds(b, "&amp;"); return;
	case '<': buf_adds(b, "&lt;"); return;
	case '>': buf_adds(b, "&gt;"); return;
	case '"': buf_adds(b, attr ? "&quot;" : "\""); return;
	case '\'': buf_adds(b, attr ? "&apos;" : "'"); return;
	case '\t': buf_adds(b, attr ? "&#9;" : "\t"); return;
	case '\n': buf_adds(b, attr ? "&#10;" : "\n"); return;
	case '\r': buf_adds(b, "&#13;"); return;
	default: {
		char pic[3] = { '\xe2', '\x90', (char)(0x80 + c) };

		buf_add(b, pic, 3);
	}
	}
}

/* Inlined into each caller with `e` a constant: the per-byte test folds. */
static inline __attribute__((always_inline)) void escape(struct buf *b, const char *s, size_t n,
							 enum escaping e)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	buf_grow(b, n);
	while (p && i < n) {
		size_t start = i, len;
		bool valid;

		while (i < n && plain(e, p[i]))
			i++;
		buf_add(b, p + start, i - start);
		if (i == n)
			break;
		if (p[i] < 0x80) {
			special(b, e, p[i++]);
			continue;
		}
		len = utf8_sequence(p + i, n - i, &valid);
		/* XML cannot carry the non-characters U+FFFE and U+FFFF either. */
		if (valid && (e == ESC_XML_TEXT || e == ESC_XML_ATTR) && len == 3 && p[i] == 0xef &&
		    p[i + 1] == 0xbf && p[i + 2] >= 0xbe)
			valid = false;
		/* C1 controls (U+0080 to U+009F) act on terminals as ESC sequences do. */
		if ((e == ESC_HUMAN || e == ESC_CONTROLS) &&
		    (!valid || (len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0))) {
			for (size_t k = 0; k < len; k++)
				human_byte(b, p[i + k]);
		} else if (valid)
			buf_add(b, p + i, len);
		else if (e == ESC_JSON)
			buf_adds(b, "\\ufffd");
		else
			buf_adds(b, "\xef\xbf\xbd");
		i += len;
	}
}

void json_quote(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n + 2);
	buf_addc(b, '"');
	escape(b, s, n, ESC_JSON);
	buf_addc(b, '"');
}

void xml_escape(struct buf *b, const char *s, size_t n, bool attr)
{
	escape(b, s, n, attr ? ESC_XML_ATTR : ESC_XML_TEXT);
}

/*
 * Whether n bytes need no escape for people (printable ASCII but '\\'):
 * eight at a time, so that an ordinary name costs one copy (bit tricks of
 * "Bit Twiddling Hacks": a byte below 0x20, at or above 0x7f, or '\\').
 */
static bool human_plain(const char *s, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
	size_t i = 0;
	uint64_t v, w;

	for (; n - i >= 8; i += 8) {
		memcpy(&v, s + i, 8);
		w = v ^ (ones * '\\');
		if ((v & highs) || ((v - ones * 0x20) & ~v & highs) ||
		    ((v + ones) & highs) || ((w - ones) & ~w & highs))
			return false;
	}
	for (; i < n; i++)
		if (!plain(ESC_HUMAN, (unsigned char)s[i]))
			return false;
	return true;
}

void human_escape(struct buf *b, const char *s, size_t n)
{
	if (human_plain(s, n))
		buf_add(b, s, n);
	else
		escape(b, s, n, ESC_HUMAN);
}

void human_escapes(struct buf *b, const char *s)
{
	if (s)
		human_escape(b, s, strlen(s));
}

void controls_escapes(struct buf *b, const char *s)
{
	if (s)
		escape(b, s, strlen(s), ESC_CONTROLS);
}

/* ---- bytes in JSON --------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool plain_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	size_t i = 0;

	while (i < n) {
		bool valid;
		uint64_t v;

		/* Eight ASCII bytes, none of them NUL, at a time. */
		if (n - i >= 8) {
			memcpy(&v, p + i, 8);
			if (!(v & highs) && !((v - ones) & ~v & highs)) {
				i += 8;
				continue;
			}
		}
		if (p[i] == 0)
			return false;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		i += utf8_sequence(p + i, n - i, &valid);
		if (!valid)
			return false;
	}
	return true;
}

/* Base64 of p[0..n): whole groups of three, and the padded rest when `last`. */
static void base64_encode(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	buf_grow(b, (n + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		char q[4] = { b64[v >> 18], b64[v >> 12 & 63], b64[v >> 6 & 63], b64[v & 63] };

		buf_add(b, q, 4);
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		char q[4] = { b64[v >> 18], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=', '=' };

		buf_add(b, q, 4);
	}
}

void json_bytes_begin(struct buf *b, const char *name, const char *s, size_t n,
		      struct json_bytes_state *st)
{
	st->s = s;
	st->n = n;
	st->pos = 0;
	st->base64 = !plain_utf8(s, n);
	if (st->base64)
		buf_printf(b, ",\"%s_base64\":\"", name);
	else
		buf_printf(b, ",\"%s\":\"", name);
}

bool json_bytes_next(struct buf *b, struct json_bytes_state *st, size_t max)
{
	size_t end;

	if (max < 3)
		max = 3;
	if (st->base64)
		max -= max % 3;         /* whole groups, so the pieces join */
	end = st->n - st->pos > max ? st->pos + max : st->n;
	/* Valid UTF-8 is cut between sequences, never inside one. */
	while (!st->base64 && end < st->n && end > st->pos &&
	       ((unsigned char)st->s[end] & 0xc0) == 0x80)
		end--;
	/* A piece smaller than the sequence it starts with: the whole sequence. */
	while (end < st->n && (end == st->pos || (!st->base64 &&
						  ((unsigned char)st->s[end] & 0xc0) == 0x80)))
		end++;
	if (st->base64)
		base64_encode(b, (const unsigned char *)st->s + st->pos, end - st->pos);
	else
		escape(b, st->s + st->pos, end - st->pos, ESC_JSON);
	st->pos = end;
	if (st->pos < st->n)
		return true;
	buf_addc(b, '"');
	return false;
}

void json_bytes(struct buf *b, const char *name, const char *s, size_t n)
{
	struct json_bytes_state st;

	json_bytes_begin(b, name, s, n, &st);
	while (json_bytes_next(b, &st, n ? n : 1))
		;
}

void json_name_base64(struct buf *b, const char *key, const char *s, size_t n)
{
	if (plain_utf8(s, n))
		return;
	buf_printf(b, ",\"%s_base64\":\"", key);
	base64_encode(b, (const unsigned char *)s, n);
	buf_addc(b, '"');
}

void json_name(struct buf *b, const char *key, const char *s)
{
	size_t n = strlen(s);

	json_key(b, key);
	json_quote(b, s, n);
	json_name_base64(b, key, s, n);
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int base64_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;

	if (n % 4)
		return -1;
	for (i = 0; i < n; i += 4) {
		int v[4], k, pad = 0;
		char bytes[3];

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2 && (k == 3 || s[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if ((v[k] = b64_value(s[i + k])) < 0) {
				return -1;
			}
		}
		bytes[0] = (char)(v[0] << 2 | v[1] >> 4);
		bytes[1] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		bytes[2] = (char)((v[2] & 3) << 6 | v[3]);
		buf_add(out, bytes, (size_t)(3 - pad));
	}
	return 0;
}

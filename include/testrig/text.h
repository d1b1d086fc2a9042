/*
 * text.h - one formatter per fact that reports print: signal names, seconds
 * with three decimals, RFC 3339 timestamps, UTF-8 validation, JSON strings
 * and fields, XML character data, strings from tests escaped for people.
 * Pure functions over struct buf; every report (human, JSON, JUnit) and
 * list use these, so the same fact reads the same everywhere.
 */
#ifndef TESTRIG_TEXT_H
#define TESTRIG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/*
 * "SIGSEGV", "SIGTERM", ...: a portable table (no glibc-only call); a
 * signal without a name is "SIG<number>" in scratch.
 */
const char *signal_name(int signo, char scratch[16]);
/* The other way: "SIGSEGV" or "SIG11" to 11; 0 for anything else. */
int signal_number(const char *name);

/* "1.234" (seconds, three decimals, truncated; negative counts as 0). */
void format_seconds(struct buf *b, int64_t ns);
/* The same right-aligned in `width` columns (tables: testrig runs, testrig history). */
void format_seconds_aligned(struct buf *b, int64_t ns, unsigned width);
/* "2024-05-01T12:34:56.789Z": RFC 3339 in UTC with milliseconds. */
void format_timestamp(struct buf *b, int64_t wall_ns);
/* The same without '-' and ':' ("20240501T123456.789Z"), as record file names have it. */
void format_timestamp_basic(struct buf *b, int64_t wall_ns);

/*
 * The length of the UTF-8 sequence at p (n bytes available): the whole
 * sequence when it is valid (*valid set), else its longest valid prefix, at
 * least 1 byte, so that each maximal ill-formed subpart becomes one U+FFFD.
 */
size_t utf8_sequence(const unsigned char *p, size_t n, bool *valid);

/* Appends the n bytes as a JSON string, quotes included; always valid UTF-8. */
void json_quote(struct buf *b, const char *s, size_t n);
/*
 * JSON object members after the first: `,"name":` and a value.  A NULL
 * string is null; seconds are format_seconds without quotes.
 */
void json_key(struct buf *b, const char *name);
void json_string(struct buf *b, const char *name, const char *s);
void json_bool(struct buf *b, const char *name, bool v);
void json_uint(struct buf *b, const char *name, uint64_t v);
void json_int(struct buf *b, const char *name, int64_t v);
void json_seconds(struct buf *b, const char *name, int64_t ns);

/*
 * A member holding bytes exactly: `,"name":"..."` when they are valid UTF-8
 * (with no NUL), else `,"name_base64":"..."` with the bytes in base64
 * (RFC 4648).  Run records keep tests' output this way.
 */
void json_bytes(struct buf *b, const char *name, const char *s, size_t n);
/*
 * The same a piece at a time, for output too large to copy whole into one
 * line: begin appends the key and the opening quote, each next call the
 * encoding of about `max` more bytes, and the closing quote with the last
 * piece (it then returns false).
 */
struct json_bytes_state {
	const char *s;
	size_t n, pos;
	bool base64;
};
void json_bytes_begin(struct buf *b, const char *name, const char *s, size_t n,
		      struct json_bytes_state *st);
bool json_bytes_next(struct buf *b, struct json_bytes_state *st, size_t max);
/*
 * A member naming something (a test, a binary) that readers must find
 * again byte for byte: `,"key":"..."` as json_string writes it (readable,
 * U+FFFD for what is not UTF-8) and, only when the name is not valid
 * UTF-8, `,"key_base64":"..."` with its bytes; jvalue_name (jsonread.h)
 * reads it back.  json_name_base64 is that second member alone, for a
 * first member written by hand.
 */
void json_name(struct buf *b, const char *key, const char *s);
void json_name_base64(struct buf *b, const char *key, const char *s, size_t n);
/* Decodes base64 (RFC 4648, padded) onto out; -1 for anything else. */
int base64_decode(const char *s, size_t n, struct buf *out);

/*
 * Appends n bytes as XML character data, or as an attribute value when
 * `attr`: any bytes give a well-formed document (see text.c).
 */
void xml_escape(struct buf *b, const char *s, size_t n, bool attr);

/*
 * Appends n bytes as the human report shows a string that comes from a
 * test (a name, a binary id, a skip reason): printable ASCII and UTF-8 as
 * they are; a backslash as \\, tab, newline, CR and ESC as \t \n \r \e,
 * and every other byte of a C0 or C1 control, DEL or what is not valid
 * UTF-8 as \xNN (testrig(1), OUTPUT).  Nothing in it acts on a terminal or
 * ends a line.  human_escapes: a C string (NULL appends nothing).
 */
void human_escape(struct buf *b, const char *s, size_t n);
void human_escapes(struct buf *b, const char *s);
/*
 * The same but for a backslash, which stays itself: for lines other
 * programs read as their own drivers write them (Automake's, ptest's).
 */
void controls_escapes(struct buf *b, const char *s);

#endif

/*
 * text.h - text for machines from bytes tests printed: UTF-8 validation and
 * JSON string quoting.  Pure functions; used by the JSON and JUnit reports
 * and by list --format json.
 */
#ifndef TESTRIG_TEXT_H
#define TESTRIG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/*
 * The length of the UTF-8 sequence at p (n bytes available): the whole
 * sequence when it is valid (*valid set), else its longest valid prefix, at
 * least 1 byte, so that each maximal ill-formed subpart becomes one U+FFFD.
 */
size_t utf8_sequence(const unsigned char *p, size_t n, bool *valid);
/* Appends the n bytes as a JSON string, quotes included; always valid UTF-8. */
void json_quote(struct buf *b, const char *s, size_t n);

#endif

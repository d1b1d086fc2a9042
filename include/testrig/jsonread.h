/*
 * jsonread.h - a strict JSON reader (RFC 8259) for what testrig wrote itself:
 * run records (JSON lines) and the history file.  It parses one document
 * into a tree the caller owns and looks members up by name; it never
 * writes JSON (text.h does that) and knows nothing of what records mean.
 * Any bytes are safe to hand it: malformed input is rejected with a message
 * that says where and why, never with a fault.
 */
#ifndef TESTRIG_JSONREAD_H
#define TESTRIG_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

enum jvalue_type { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jvalue {
	enum jvalue_type type;
	bool boolean;            /* JV_BOOL */
	double number;           /* JV_NUMBER */
	bool integral;           /* JV_NUMBER written as an integer (no '.', no exponent) that fits int64_t */
	int64_t integer;         /* then: its exact value */
	char *string;            /* JV_STRING: the decoded bytes, NUL-terminated (may hold NULs: see len) */
	size_t len;              /* JV_STRING: length in bytes */
	struct jvalue *items;    /* JV_ARRAY: elements; JV_OBJECT: member values, in order */
	char **keys;             /* JV_OBJECT: member names (decoded, NUL-terminated), in order */
	size_t n;                /* elements or members */
	char *arena;             /* the root's: every string and name of the tree, in one block */
};

/* Containers nested deeper than this are rejected (the parser recurses). */
#define JVALUE_MAX_DEPTH 64

/*
 * Parses exactly one JSON value in text[0..len) (surrounding JSON whitespace
 * allowed; anything else after it is an error).  Returns a malloc'd tree for
 * jvalue_free, or NULL with a message for people appended to *err, such as
 * "offset 17: expected ',' or '}' in an object, found ']'" (err may be NULL).
 * text need not be NUL-terminated.
 *
 * Beyond RFC 8259, which lets a reader set such limits: nesting is at most
 * JVALUE_MAX_DEPTH, a number must be finite as a double (1e400 is an
 * error), and a member name cannot hold U+0000 (names are C strings, so
 * "a\u0000b" could not be told from "a" by jvalue_get).
 */
struct jvalue *jvalue_parse(const char *text, size_t len, struct buf *err);
void jvalue_free(struct jvalue *v);                 /* NULL is fine */

/*
 * The value of member `key` of an object (the first one if repeated), or
 * NULL (also when v is NULL or not an object).  Linear in the members.
 */
const struct jvalue *jvalue_get(const struct jvalue *v, const char *key);
/*
 * Member `key` as a string / number / integer / bool: NULL or false when
 * absent or of another type.  A string holding NULs reads as its first part
 * here; jvalue_get gives its whole length.
 */
const char *jvalue_str(const struct jvalue *obj, const char *key);
bool jvalue_num(const struct jvalue *obj, const char *key, double *out);
bool jvalue_int(const struct jvalue *obj, const char *key, int64_t *out);   /* integral numbers only */
bool jvalue_bool(const struct jvalue *obj, const char *key, bool *out);
/*
 * Member `key` as text.h's json_name wrote it: the bytes of `key_base64`,
 * decoded into *space, when that member is there and holds a name (base64
 * of bytes without NUL); else jvalue_str(obj, key).  Valid until space or
 * obj changes.
 */
const char *jvalue_name(const struct jvalue *obj, const char *key, struct buf *space);

#endif

/*
 * parse.h - the value syntaxes shared by the command line and the config
 * file: durations ("250ms", "1m30s"), sizes ("64KiB"), counts, booleans, and
 * sh-like word splitting for command strings.  Each parser returns 0 on
 * success and -1 on bad input, never printing: callers know the file, line or
 * option and say what was wrong.
 */
#ifndef TESTRIG_PARSE_H
#define TESTRIG_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "testrig/buf.h"

/* "0", "250ms", "30s", "2m", "1h", "1m30s", "1.5s" -> nanoseconds. */
int parse_duration(const char *s, int64_t *ns);
/* "512", "64KiB", "16MiB", "1GiB" (also KB/MB/GB as powers of 1000). */
int parse_size(const char *s, uint64_t *bytes);
/* A non-negative decimal integer that fits in an unsigned int (max `max`). */
int parse_uint(const char *s, unsigned max, unsigned *out);
/* true/false, yes/no, on/off, 1/0. */
int parse_bool(const char *s, bool *out);

/* The shortest config-style spelling: "250ms", "1m30s", "0". */
void format_duration(struct buf *b, int64_t ns);
/* "16MiB", "512KiB", "100". */
void format_size(struct buf *b, uint64_t bytes);

/*
 * Splits a command string into words the way sh would with '...', "..." and
 * backslash, and no other expansion.  Returns 0, or -1 with *err set to a
 * static message (unterminated quote, trailing backslash).
 */
int split_words(const char *s, struct strvec *out, const char **err);
/* Appends s quoted so that split_words gives it back as one word. */
void quote_word(struct buf *b, const char *s);

/*
 * A command from a config file or the command line: split into words once,
 * where it is read, and carried as argv from then on; the text is kept as
 * written, for show-config and the reports.  A zeroed struct is no command.
 */
struct command {
	char *text;             /* as written; NULL: no command */
	struct strvec argv;     /* its words (none for an empty text) */
};

/* Splits text; -1 with *err (static) and c left empty when it cannot be split. */
int command_parse(struct command *c, const char *text, const char **err);
void command_copy(struct command *dst, const struct command *src);
void command_free(struct command *c);

/* A placeholder of a command ("{test}") and what it stands for (NULL: it stays as written). */
struct placeholder {
	const char *name;
	const char *value;
};
/* The words of cmd, each placeholder of ph[0..n) put in place, pushed onto argv. */
void command_expand(const struct command *cmd, const struct placeholder *ph, size_t n,
		    struct strvec *argv);

#endif

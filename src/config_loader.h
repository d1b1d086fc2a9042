/*
 * config_loader.h - private to the config_*.c files: the state of reading
 * one testrig.ini (struct loader) and the calls between the reader
 * (config_read.c: lines and syntax), the sections (config_sections.c), the
 * keys (config_keys.c) and resolution (config_resolve.c).  config.h is the
 * config's public surface.
 */
#ifndef TESTRIG_CONFIG_LOADER_H
#define TESTRIG_CONFIG_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "testrig/buf.h"
#include "testrig/config.h"
#include "testrig/list.h"
#include "testrig/settings.h"

#define SECTION_FORMS "[suite.NAME], [profile.NAME], [profile.NAME.override.LABEL], " \
	"[test-group.NAME], [script.NAME], [store]"

enum section_kind { SEC_SUITE, SEC_PROFILE, SEC_OVERRIDE, SEC_GROUP, SEC_SCRIPT, SEC_STORE };

/* How libinih saw the line the reader handed it last. */
enum line_kind { LINE_COMMENT, LINE_SECTION, LINE_KEY, LINE_CONTINUATION };

/* What an indented continuation line does to a key's value. */
enum value_shape {
	SHAPE_SINGLE,   /* nothing: a continuation is an error */
	SHAPE_WORDS,    /* adds more words */
	SHAPE_FILTER,   /* continues the expression (joined with a space) */
	SHAPE_COMMAND,  /* continues the command (joined with a space) */
};

/* Each section kind's keys, numbered as they are in key_line[]. */
enum {
	SUITE_BINARIES, SUITE_PROTOCOL, SUITE_CWD, SUITE_ENV, SUITE_LIST_COMMAND,
	SUITE_RUN_COMMAND, SUITE_ALLOW_EMPTY, SUITE_ARCHIVE_INCLUDE, SUITE_ARGS, SUITE_ISOLATION, SUITE_SHARDS,
	SUITE_NKEYS
};

enum { GROUP_MAX_THREADS, GROUP_NKEYS };

enum {
	SCRIPT_COMMAND, SCRIPT_TEARDOWN, SCRIPT_FILTER, SCRIPT_SLOW_TIMEOUT,
	SCRIPT_TERMINATE_AFTER, SCRIPT_GRACE_PERIOD, SCRIPT_LEAK_TIMEOUT,
	SCRIPT_CAPTURE_STDOUT, SCRIPT_CAPTURE_STDERR, SCRIPT_NKEYS
};

enum { STORE_DIR, STORE_RECORD, STORE_KEEP_RUNS, STORE_MAX_SIZE, STORE_NKEYS };

/* An override's own key, numbered after the settings it may carry. */
#define OVERRIDE_FILTER ((int)SET_COUNT)
#define MAX_SECTION_KEYS ((int)SET_COUNT + 1)

_Static_assert(SUITE_NKEYS <= MAX_SECTION_KEYS && SCRIPT_NKEYS <= MAX_SECTION_KEYS,
	       "key_line[] must hold every section's keys");

/* [profile.NAME]: its keys, kept until the chosen profile is known. */
struct profile_section {
	char *name;
	struct settings set;        /* zeroed, then only what the section sets */
};

/* A test-group = NAME to check once every [test-group.NAME] has been read. */
struct group_ref {
	char *group;
	int line;
};

/* The section being read. */
struct section {
	enum section_kind kind;
	char *header;               /* the text between the brackets */
	int line;
	size_t slot;                /* into the array its kind fills */
	int key_line[MAX_SECTION_KEYS];  /* where each key was set; 0: not yet */
};

struct loader {
	const char *name;           /* the file, as messages show it */
	const char *data;
	size_t len, pos;
	int lineno;                 /* of the line handed to libinih last */
	enum line_kind line_kind;
	/* Mirrors libinih's prev_name: an indented line after a key continues it. */
	bool after_key;

	bool in_section;
	struct section sec;
	struct strvec headers;      /* every section so far, for duplicates */
	int *header_lines;

	/* The key being read: it may go on over indented lines. */
	int key;                    /* index in the section's keys; -1: none */
	int key_line;
	struct buf value;

	struct config *cfg;
	struct test_list suites;    /* moved to the caller's list on success */
	struct profile_section *profiles;
	size_t nprofiles;
	struct strvec profile_names; /* every profile named by a section, in order */
	struct override *overrides; /* of every profile, in file order */
	size_t noverrides;
	struct group_ref *refs;
	size_t nrefs;

	int rc;                     /* the first error's exit code, or 0 */
	struct buf msg;             /* and its message */
};

/* ---- config_read.c ---- */

/*
 * Records the first error only ("FILE:LINE: " first when line > 0): later
 * ones are usually its consequences.
 */
void loader_fail(struct loader *ld, int rc, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "KEY: invalid value 'VALUE' (expected ACCEPTED)". */
void loader_bad_value(struct loader *ld, int line, const char *key, const char *value,
		      const char *accepted);
/* "FILE:LINE", owned by cfg->origins for as long as cfg lives. */
const char *loader_origin(struct loader *ld, int line);

/* Letters, digits, '-' and '_': section names, labels (and env keys, without '-'). */
static inline bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '_';
}

/* ---- config_sections.c ---- */

/* A "[HEADER]" line (header malloc'd, taken over): which kind of section, with which names. */
void loader_begin_section(struct loader *ld, char *header, int line);
/* The section has ended: check what only the whole section can tell. */
void loader_finish_section(struct loader *ld);

/* ---- config_keys.c ---- */

/* A "key = value" line of the current section. */
void loader_begin_key(struct loader *ld, const char *name, const char *value);
/* An indented line going on with the key before it (its comment already cut). */
void loader_continue_key(struct loader *ld, const char *value);
/* The whole value of a key is known: give it to its section. */
void loader_finish_key(struct loader *ld);
/* The name of key `idx` in a section of this kind. */
const char *loader_key_name(enum section_kind kind, int idx);

/* ---- config_resolve.c ---- */

/* Every test-group = NAME names a [test-group.NAME]. */
void loader_check_group_refs(struct loader *ld);
/* default, then the chosen profile on top, into ld->cfg; then the overrides that apply. */
void loader_resolve_profile(struct loader *ld, const char *chosen);
void config_override_free(struct override *o);

#endif

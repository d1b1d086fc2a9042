/*
 * cli.h - the command line: which command, which binaries, and every option,
 * parsed with getopt_long into a struct cli from one table of options (its
 * name, its value, the commands that take it, what it sets).  Runner
 * settings given as options are stored in `set` through settings_set, so
 * they are validated exactly as config values are and carry the origin
 * "command line".
 */
#ifndef TESTRIG_CLI_H
#define TESTRIG_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "testrig/buf.h"
#include "testrig/list.h"
#include "testrig/select.h"
#include "testrig/settings.h"

enum cli_command {
	CMD_RUN, CMD_LIST, CMD_SHOW_CONFIG, CMD_REPLAY, CMD_RUNS, CMD_HISTORY, CMD_AUTOMAKE,
	CMD_ARCHIVE, CMD_HELP, CMD_VERSION
};
enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
/* --progress: auto shows the progress line when stderr is a terminal. */
enum progress_mode { PROGRESS_AUTO, PROGRESS_NEVER };
enum message_format { MESSAGES_HUMAN, MESSAGES_JSON, MESSAGES_LAVA, MESSAGES_PTEST };

/* testrig automake-driver's own options (SPEC section 11). */
struct automake_args {
	char *test_name;            /* --test-name: the binary id */
	char *log_file, *trs_file;
	bool color_tests;           /* --color-tests yes */
	bool expect_failure;        /* --expect-failure yes */
	bool hard_errors;           /* --enable-hard-errors (default yes) */
	bool collect_skipped;       /* --collect-skipped-logs (default yes) */
	struct strvec ignored;      /* the unknown options skipped, said in the log */
};

struct cli {
	enum cli_command cmd;
	struct strvec binaries;     /* automake-driver: the test command after -- */
	enum protocol protocol;
	enum isolation isolation;   /* --isolation, for command-line binaries */
	bool no_capture;
	enum color_mode color;
	enum progress_mode progress;
	char *profile;              /* -P, or NULL */
	unsigned show_slowest;      /* --show-slowest N, 0: not asked */
	unsigned stress_count;      /* --stress-count N, 0: not asked */
	int64_t stress_duration;    /* --stress-duration D (ns), 0: not asked */
	struct strvec filters;      /* -E expressions, in order */
	char *config;               /* --config FILE, or NULL */
	struct partition partition; /* --partition; kind PARTITION_NONE if not given */
	bool ignore_default_filter;
	enum run_ignored run_ignored;
	enum list_format list_format;
	char *junit;                /* --junit FILE, or NULL */
	enum message_format messages;   /* --message-format */
	bool failed;                /* --failed */
	bool no_record;             /* --no-record */
	char *state_dir;            /* --state-dir DIR, or NULL */
	struct settings set;        /* only the bits in set.set_mask were given */
	struct automake_args am;
	char *archive_out;          /* archive -o FILE */
	char *archive_file;         /* run, list --archive-file FILE */
	char *extract_to;           /* --extract-to DIR */
	bool keep_extracted;        /* --keep-extracted */
	uint64_t archive_max_size;  /* --archive-max-size, 0: the default */
	struct strvec warnings;     /* automake-driver: unknown options said on stderr */
};

/*
 * Parses argv.  Returns 0, or EXIT_USAGE with a message for the user in
 * *err that names the option and the accepted values.
 */
int cli_parse(int argc, char **argv, struct cli *c, struct buf *err);
void cli_free(struct cli *c);
void cli_usage(struct buf *out);

#endif

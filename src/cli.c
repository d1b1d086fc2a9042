/*
 * cli.c - getopt_long over `testrig COMMAND [OPTIONS] [BINARY...]`, driven
 * by one table: each option's spelling, whether it takes a value, which
 * commands take it, and how its value is stored.  Knows nothing of what
 * the options do.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/cli.h"
#include "testrig/exitcode.h"
#include "testrig/parse.h"
#include "testrig/util.h"

struct option_def;

/* Stores an option's value in the struct cli; EXIT_USAGE with a message if it is bad. */
typedef int (*apply_fn)(struct cli *c, const struct option_def *o, const char *value,
			struct buf *err);

struct option_def {
	const char *name;
	char short_name;            /* 0: long form only */
	bool has_value;
	unsigned commands;          /* bit per enum cli_command that takes it; 0: run, list, show-config */
	const char *elsewhere;      /* what to say when another command is given it (NULL: the usual) */
	apply_fn apply;
	int setting;                /* apply_setting: the setting it sets */
	const char *fixed;          /* apply_setting: the value, for options that take none */
	size_t field;               /* offsetof(struct cli, ...) of what it sets */
	const char *const *names;   /* apply_enum: the values, in enum order */
	unsigned min, max;          /* apply_uint */
	const char *accepted;       /* how a valid value looks, for messages */
};

/* Its spelling in messages: "-j/--test-threads" or "--retries". */
static const char *option_name(const struct option_def *o, struct buf *scratch)
{
	buf_reset(scratch);
	if (o->short_name)
		buf_printf(scratch, "-%c/", o->short_name);
	buf_printf(scratch, "--%s", o->name);
	return scratch->data;
}

static void *field_of(struct cli *c, const struct option_def *o)
{
	return (char *)c + o->field;
}

static int bad_value(const struct option_def *o, const char *value, const char *accepted,
		     struct buf *err)
{
	struct buf name = BUF_INIT;

	buf_printf(err, "%s: invalid value '%s' (expected %s)\n", option_name(o, &name), value,
		   accepted);
	buf_free(&name);
	return EXIT_USAGE;
}

/* A runner setting: settings_set checks the value as the config loader would. */
static int apply_setting(struct cli *c, const struct option_def *o, const char *value,
			 struct buf *err)
{
	const char *accepted;

	if (o->fixed)
		value = o->fixed;
	if (settings_set(&c->set, (enum setting_id)o->setting, value, "command line", &accepted))
		return bad_value(o, value, accepted, err);
	return 0;
}

/* A command (target-runner): refused now if it cannot be split into words. */
static int apply_command(struct cli *c, const struct option_def *o, const char *value,
			 struct buf *err)
{
	const char *why;

	if (settings_set(&c->set, (enum setting_id)o->setting, value, "command line", &why)) {
		buf_printf(err, "--%s: %s in '%s'\n", o->name, why, value);
		return EXIT_USAGE;
	}
	return 0;
}

static int apply_flag(struct cli *c, const struct option_def *o, const char *value,
		      struct buf *err)
{
	(void)value;
	(void)err;
	*(bool *)field_of(c, o) = true;
	return 0;
}

/* A string; with `accepted`, an empty one is refused. */
static int apply_string(struct cli *c, const struct option_def *o, const char *value,
			struct buf *err)
{
	char **f = field_of(c, o);

	free(*f);
	*f = NULL;
	if (o->accepted && !*value) {
		buf_printf(err, "--%s: invalid value '' (expected %s)\n", o->name, o->accepted);
		return EXIT_USAGE;
	}
	*f = xstrdup(value);
	return 0;
}

static int apply_push(struct cli *c, const struct option_def *o, const char *value,
		      struct buf *err)
{
	(void)err;
	strvec_push(field_of(c, o), value);
	return 0;
}

/* One of o->names; the field is an enum whose values follow the names' order. */
static int apply_enum(struct cli *c, const struct option_def *o, const char *value,
		      struct buf *err)
{
	int i;

	for (i = 0; o->names[i]; i++) {
		if (strcmp(o->names[i], value) == 0) {
			*(int *)field_of(c, o) = i;
			return 0;
		}
	}
	buf_printf(err, "--%s: invalid value '%s' (expected ", o->name, value);
	for (i = 0; o->names[i]; i++)
		buf_printf(err, "%s%s", i ? ", " : "", o->names[i]);
	buf_adds(err, ")\n");
	return EXIT_USAGE;
}

/* --protocol: a name protocol_lookup knows, except custom, a suite's protocol
 * only (it needs list and run commands). */
static int apply_protocol(struct cli *c, const struct option_def *o, const char *value,
			  struct buf *err)
{
	struct buf accepted = BUF_INIT;
	enum protocol p;
	int i, rc;

	if (!protocol_lookup(value, &p) && p != PROTO_CUSTOM) {
		c->protocol = p;
		return 0;
	}
	for (i = 0; i < PROTO_CUSTOM; i++)
		buf_printf(&accepted, "%s%s", i ? ", " : "", protocol_name((enum protocol)i));
	rc = bad_value(o, value, accepted.data, err);
	buf_free(&accepted);
	return rc;
}

static int apply_uint(struct cli *c, const struct option_def *o, const char *value,
		      struct buf *err)
{
	unsigned *f = field_of(c, o);

	if (parse_uint(value, o->max, f) || *f < o->min) {
		buf_printf(err, "--%s: invalid value '%s' (expected %s)\n", o->name, value,
			   o->accepted);
		return EXIT_USAGE;
	}
	return 0;
}

/* A duration above 0. */
static int apply_duration(struct cli *c, const struct option_def *o, const char *value,
			  struct buf *err)
{
	int64_t *f = field_of(c, o);

	if (parse_duration(value, f) || *f <= 0) {
		buf_printf(err, "--%s: invalid value '%s' (expected %s)\n", o->name, value,
			   o->accepted);
		return EXIT_USAGE;
	}
	return 0;
}

/* A size above 0, such as 512MiB. */
static int apply_size(struct cli *c, const struct option_def *o, const char *value,
		      struct buf *err)
{
	uint64_t *f = field_of(c, o);

	if (parse_size(value, f) || *f == 0) {
		buf_printf(err, "--%s: invalid value '%s' (expected %s)\n", o->name, value,
			   o->accepted);
		return EXIT_USAGE;
	}
	return 0;
}

static int apply_partition(struct cli *c, const struct option_def *o, const char *value,
			   struct buf *err)
{
	const char *why;

	if (partition_parse(value, field_of(c, o), &why)) {
		buf_printf(err, "--%s: invalid value '%s' (%s)\n", o->name, value, why);
		return EXIT_USAGE;
	}
	return 0;
}

static int apply_help(struct cli *c, const struct option_def *o, const char *value,
		      struct buf *err)
{
	(void)o;
	(void)value;
	(void)err;
	c->cmd = CMD_HELP;
	return 0;
}

/* automake-driver's yes|no; any other word is refused. */
static int apply_yes_no(struct cli *c, const struct option_def *o, const char *value,
			struct buf *err)
{
	if (strcmp(value, "yes") && strcmp(value, "no")) {
		buf_printf(err, "--%s: invalid value '%s' (expected yes or no)\n", o->name, value);
		return EXIT_USAGE;
	}
	*(bool *)field_of(c, o) = value[0] == 'y';
	return 0;
}

static const char *const color_names[] = { "auto", "always", "never", NULL };
static const char *const progress_names[] = { "auto", "never", NULL };
static const char *const isolation_names[] = { "test", "binary", NULL };
static const char *const run_ignored_names[] = { "default", "only", "all", NULL };
static const char *const list_format_names[] = { "human", "oneline", "json", NULL };
static const char *const message_format_names[] = { "human", "json", "lava", "ptest", NULL };

#define CMD(c) (1u << (c))
/* The commands that select tests (the options of SPEC section 2). */
#define SELECTING (CMD(CMD_RUN) | CMD(CMD_LIST) | CMD(CMD_SHOW_CONFIG))
/* And those that read the store. */
#define STORE_CMDS (CMD(CMD_REPLAY) | CMD(CMD_RUNS) | CMD(CMD_HISTORY))
/* Options of the reports, which replay makes again. */
#define REPORTING (SELECTING | CMD(CMD_REPLAY))
/* The run options automake-driver takes (from LOG_DRIVER_FLAGS). */
#define DRIVER CMD(CMD_AUTOMAKE)
/* Running from an archive. */
#define FROM_ARCHIVE (CMD(CMD_RUN) | CMD(CMD_LIST))

#define SETTING(n, sh, id) { .name = n, .short_name = sh, .has_value = true, \
	.apply = apply_setting, .setting = id }
#define DRIVER_SETTING(n, sh, id) { .name = n, .short_name = sh, .has_value = true, \
	.commands = SELECTING | DRIVER, .apply = apply_setting, .setting = id }
#define AUTOMAKE(n, f) { .name = n, .has_value = true, .commands = DRIVER, \
	.apply = apply_yes_no, FIELD(am.f) }
#define REPORT_SETTING(n, id) { .name = n, .has_value = true, .commands = REPORTING, \
	.apply = apply_setting, .setting = id }
#define FIELD(f) .field = offsetof(struct cli, f)

static const struct option_def options[] = {
	DRIVER_SETTING("test-threads", 'j', SET_TEST_THREADS),
	DRIVER_SETTING("capture", 0, SET_CAPTURE),
	{ .name = "no-capture", .apply = apply_flag, FIELD(no_capture) },
	{ .name = "color", .has_value = true, .commands = REPORTING, .apply = apply_enum,
	  FIELD(color), .names = color_names },
	{ .name = "progress", .has_value = true, .commands = CMD(CMD_RUN), .apply = apply_enum,
	  FIELD(progress), .names = progress_names },
	DRIVER_SETTING("no-tests", 0, SET_NO_TESTS),
	{ .name = "fail-fast", .apply = apply_setting, .setting = SET_FAIL_FAST, .fixed = "true" },
	{ .name = "no-fail-fast", .apply = apply_setting, .setting = SET_FAIL_FAST,
	  .fixed = "false" },
	SETTING("max-fail", 0, SET_MAX_FAIL),
	REPORT_SETTING("status-level", SET_STATUS_LEVEL),
	REPORT_SETTING("final-status-level", SET_FINAL_STATUS_LEVEL),
	REPORT_SETTING("success-output", SET_SUCCESS_OUTPUT),
	REPORT_SETTING("failure-output", SET_FAILURE_OUTPUT),
	{ .name = "protocol", .has_value = true, .commands = SELECTING | DRIVER | CMD(CMD_ARCHIVE),
	  .apply = apply_protocol },
	{ .name = "isolation", .has_value = true, .commands = SELECTING | CMD(CMD_ARCHIVE),
	  .apply = apply_enum, FIELD(isolation), .names = isolation_names },
	{ .name = "profile", .short_name = 'P', .has_value = true,
	  .commands = SELECTING | STORE_CMDS | DRIVER | CMD(CMD_ARCHIVE), .apply = apply_string,
	  FIELD(profile) },
	DRIVER_SETTING("retries", 0, SET_RETRIES),
	{ .name = "filter", .short_name = 'E', .has_value = true,
	  .commands = SELECTING | CMD(CMD_HISTORY) | DRIVER | CMD(CMD_ARCHIVE),
	  .apply = apply_push, FIELD(filters) },
	{ .name = "config", .has_value = true,
	  .commands = SELECTING | STORE_CMDS | DRIVER | CMD(CMD_ARCHIVE), .apply = apply_string,
	  FIELD(config) },
	{ .name = "partition", .has_value = true, .apply = apply_partition, FIELD(partition) },
	{ .name = "ignore-default-filter", .commands = SELECTING | DRIVER | CMD(CMD_ARCHIVE),
	  .apply = apply_flag, FIELD(ignore_default_filter) },
	{ .name = "run-ignored", .has_value = true, .commands = SELECTING | DRIVER,
	  .apply = apply_enum, FIELD(run_ignored), .names = run_ignored_names },
	{ .name = "format", .has_value = true,
	  .commands = CMD(CMD_LIST) | CMD(CMD_RUNS) | CMD(CMD_HISTORY),
	  .elsewhere = "--format is for 'testrig list', 'runs' and 'history' (a run's machine "
		       "output is --message-format json)",
	  .apply = apply_enum, FIELD(list_format), .names = list_format_names },
	{ .name = "junit", .has_value = true, .commands = REPORTING, .apply = apply_string,
	  FIELD(junit), .accepted = "a file path" },
	{ .name = "message-format", .has_value = true, .commands = REPORTING,
	  .apply = apply_enum, FIELD(messages), .names = message_format_names },
	{ .name = "show-slowest", .has_value = true, .commands = REPORTING, .apply = apply_uint,
	  FIELD(show_slowest), .max = 1000000, .accepted = "a number" },
	{ .name = "target-runner", .has_value = true, .commands = SELECTING | DRIVER,
	  .apply = apply_command, .setting = SET_TARGET_RUNNER },
	{ .name = "stress-count", .has_value = true, .apply = apply_uint, FIELD(stress_count),
	  .min = 1, .max = 1000000000, .accepted = "a number from 1" },
	{ .name = "stress-duration", .has_value = true, .apply = apply_duration,
	  FIELD(stress_duration), .accepted = "a duration above 0, such as 90s or 1h30m" },
	{ .name = "failed", .commands = CMD(CMD_RUN) | CMD(CMD_LIST), .apply = apply_flag,
	  FIELD(failed) },
	{ .name = "no-record", .commands = CMD(CMD_RUN), .apply = apply_flag, FIELD(no_record) },
	{ .name = "state-dir", .has_value = true, .commands = SELECTING | STORE_CMDS,
	  .apply = apply_string, FIELD(state_dir), .accepted = "a directory" },
	{ .name = "test-name", .has_value = true, .commands = DRIVER, .apply = apply_string,
	  FIELD(am.test_name), .accepted = "the test's name" },
	{ .name = "log-file", .has_value = true, .commands = DRIVER, .apply = apply_string,
	  FIELD(am.log_file), .accepted = "a file path" },
	{ .name = "trs-file", .has_value = true, .commands = DRIVER, .apply = apply_string,
	  FIELD(am.trs_file), .accepted = "a file path" },
	AUTOMAKE("color-tests", color_tests),
	AUTOMAKE("expect-failure", expect_failure),
	AUTOMAKE("enable-hard-errors", hard_errors),
	AUTOMAKE("collect-skipped-logs", collect_skipped),
	{ .name = "output", .short_name = 'o', .has_value = true, .commands = CMD(CMD_ARCHIVE),
	  .apply = apply_string, FIELD(archive_out), .accepted = "a file path" },
	{ .name = "archive-file", .has_value = true, .commands = FROM_ARCHIVE,
	  .apply = apply_string, FIELD(archive_file), .accepted = "a file path" },
	{ .name = "extract-to", .has_value = true, .commands = FROM_ARCHIVE,
	  .apply = apply_string, FIELD(extract_to), .accepted = "a directory" },
	{ .name = "keep-extracted", .commands = FROM_ARCHIVE, .apply = apply_flag,
	  FIELD(keep_extracted) },
	{ .name = "archive-max-size", .has_value = true, .commands = FROM_ARCHIVE,
	  .apply = apply_size, FIELD(archive_max_size),
	  .accepted = "a size above 0, such as 512MiB or 4GiB" },
	{ .name = "help", .short_name = 'h', .commands = ~0u, .apply = apply_help },
};

/* getopt_long's val for an option: its short letter, or 256 + its index. */
static int option_val(size_t i)
{
	return options[i].short_name ? options[i].short_name : 256 + (int)i;
}

static const struct option_def *option_by_val(int val)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (option_val(i) == val)
			return &options[i];
	return NULL;
}

void cli_usage(struct buf *out)
{
	buf_adds(out,
"usage: testrig run [OPTIONS] [BINARY...]    run tests\n"
"       testrig list [OPTIONS] [BINARY...]   list tests without running them\n"
"       testrig show-config [OPTIONS]        print the effective configuration\n"
"       testrig replay [OPTIONS] [RUN]       print a recorded run again (RUN: latest,\n"
"                                            a run-id prefix, or a record's path)\n"
"       testrig runs [--format F]            the recorded runs, newest first\n"
"       testrig history [-E EXPR] [--format F]  each test's recorded history\n"
"       testrig archive -o FILE.tar.gz [OPTIONS] [BINARY...]  pack tests for another\n"
"                                            machine (run them with --archive-file)\n"
"       testrig automake-driver --test-name NAME --log-file F.log --trs-file F.trs\n"
"               [--color-tests yes|no] [--expect-failure yes|no]\n"
"               [--enable-hard-errors yes|no] [--collect-skipped-logs yes|no]\n"
"               [OPTIONS] -- COMMAND...      Automake's LOG_DRIVER (see testrig(1))\n"
"       testrig --help | --version\n"
"\n"
"Options:\n"
"  -j, --test-threads N        worker threads: num-cpus (default), N, or -N (cpus minus N)\n"
"  -E, --filter EXPR           select tests by a filter expression (several are OR-ed)\n"
"      --ignore-default-filter  the profile's default-filter does not apply\n"
"      --partition count:K/N|hash:K/N  run shard K of N of the selected tests\n"
"  -P, --profile NAME          configuration profile (default: $TESTRIG_PROFILE or default)\n"
"      --config FILE           the config file (default: $TESTRIG_CONFIG, else the first\n"
"                              testrig.ini in this directory or a parent)\n"
"      --protocol P            how to talk to command-line binaries: exec (default),\n"
"                              tap, gtest, libtest\n"
"      --isolation I           test (a process per test, default) or binary (a\n"
"                              process per gtest/libtest binary, cases read from it)\n"
"      --run-ignored WHICH     default (skip ignored tests), only, all\n"
"      --capture MODE          split (default) or combined stdout/stderr\n"
"      --no-capture            tests inherit stdout/stderr; runs one test at a time\n"
"      --retries N             retry each failing test up to N times (overrides the config)\n"
"      --fail-fast             stop starting tests after the first failure (default)\n"
"      --no-fail-fast          run every test whatever fails\n"
"      --max-fail N[:immediate]  cancel after N failures (:immediate also stops running tests)\n"
"      --status-level L        none, fail, retry, slow, leak, pass (default), skip, all\n"
"      --final-status-level L  none, fail, flaky (default), slow, skip, pass, all\n"
"      --success-output M      never (default), immediate, final, immediate-final\n"
"      --failure-output M      never, immediate (default), final, immediate-final\n"
"      --no-tests fail|warn|pass  what an empty selection does (default fail: exit 4)\n"
"      --color auto|always|never  colored output (auto honours NO_COLOR and terminals)\n"
"      --progress auto|never   run: a progress line on stderr (auto: when it is a terminal)\n"
"      --show-slowest N        list the N slowest tests after the summary\n"
"      --junit FILE            write a JUnit XML report\n"
"      --target-runner CMD     prefix every test command (e.g. 'valgrind -q')\n"
"      --stress-count N        run the selection N times (stops at a failing run)\n"
"      --stress-duration D     run the selection again and again for D (e.g. 10m)\n"
"      --message-format F      human (default); json: JSON lines on stdout; lava, ptest:\n"
"                              board-farm result lines on stdout\n"
"      --archive-file FILE     run (or list) the tests of an archive (testrig archive)\n"
"      --extract-to DIR        extract it there (default: a temporary directory)\n"
"      --keep-extracted        keep the temporary directory\n"
"      --archive-max-size S    refuse archives whose files exceed S (default 32 times\n"
"                              the archive's size, at least 64MiB)\n"
"      --format F              list: human (default), oneline, json; runs, history:\n"
"                              human, json\n"
"      --failed                run (or list) what failed or did not run last time\n"
"      --no-record             do not record this run in the store\n"
"      --state-dir DIR         the run store (default: $TESTRIG_STATE_DIR, [store] dir,\n"
"                              else .testrig in the project root)\n"
"  -h, --help                  this help\n"
"      --version               print the version\n"
"\n"
"Exit codes: 0 all passed, 2 bad command line, 4 no tests, 94 bad filter,\n"
"96 setup error, 100 a test failed or the run was cancelled, 104 listing a\n"
"binary's tests failed, 105 a setup script failed, 110 a report could not be\n"
"written.\n"
"See testrig(1).\n");
}

void cli_free(struct cli *c)
{
	strvec_free(&c->binaries);
	strvec_free(&c->filters);
	free(c->profile);
	free(c->config);
	free(c->junit);
	free(c->state_dir);
	free(c->archive_out);
	free(c->archive_file);
	free(c->extract_to);
	free(c->am.test_name);
	free(c->am.log_file);
	free(c->am.trs_file);
	strvec_free(&c->warnings);
	strvec_free(&c->am.ignored);
	settings_free(&c->set);
}

/* Which command argv[1] names; -1 (with a message) if none. */
static int parse_command_word(const char *word, struct cli *c, struct buf *err)
{
	static const struct { const char *word; enum cli_command cmd; } commands[] = {
		{ "run", CMD_RUN }, { "list", CMD_LIST }, { "show-config", CMD_SHOW_CONFIG },
		{ "replay", CMD_REPLAY }, { "runs", CMD_RUNS }, { "history", CMD_HISTORY },
		{ "automake-driver", CMD_AUTOMAKE }, { "archive", CMD_ARCHIVE },
		{ "--help", CMD_HELP }, { "-h", CMD_HELP }, { "help", CMD_HELP },
		{ "--version", CMD_VERSION }, { "-V", CMD_VERSION },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(word, commands[i].word) == 0) {
			c->cmd = commands[i].cmd;
			return 0;
		}
	}
	buf_printf(err, "unknown command '%s' (expected run, list, show-config, replay, runs, "
		   "history, archive or automake-driver)\n", word);
	return -1;
}

/* automake-driver needs its three files' names and a command. */
static int check_driver(const struct cli *c, struct buf *err)
{
	if (!c->am.test_name || !c->am.log_file || !c->am.trs_file) {
		buf_printf(err, "testrig automake-driver needs --%s (Automake's parallel harness "
			   "gives --test-name, --log-file and --trs-file)\n",
			   !c->am.test_name ? "test-name" : !c->am.log_file ? "log-file" : "trs-file");
		return EXIT_USAGE;
	}
	if (!c->binaries.n) {
		buf_printf(err, "testrig automake-driver: no test command after '--'\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* The combinations no single option can refuse. */
static int check_combinations(const struct cli *c, struct buf *err)
{
	if (c->cmd == CMD_AUTOMAKE)
		return check_driver(c, err);
	if (c->cmd == CMD_REPLAY && c->binaries.n > 1) {
		buf_printf(err, "testrig replay takes one run (latest, a run-id prefix or a "
			   "record's path), not %zu\n", c->binaries.n);
		return EXIT_USAGE;
	}
	if ((c->cmd == CMD_RUNS || c->cmd == CMD_HISTORY) && c->binaries.n) {
		buf_printf(err, "testrig %s takes no arguments ('%s')\n",
			   c->cmd == CMD_RUNS ? "runs" : "history", c->binaries.v[0]);
		return EXIT_USAGE;
	}
	if ((c->cmd == CMD_RUNS || c->cmd == CMD_HISTORY) && c->list_format == LIST_ONELINE) {
		buf_printf(err, "--format: invalid value 'oneline' for testrig %s (expected human, "
			   "json)\n", c->cmd == CMD_RUNS ? "runs" : "history");
		return EXIT_USAGE;
	}
	if (c->stress_count && c->stress_duration) {
		buf_printf(err, "--stress-count and --stress-duration cannot be used together\n");
		return EXIT_USAGE;
	}
	if (c->no_capture && c->messages != MESSAGES_HUMAN) {
		/* The tests would write into the machine-read stream on stdout. */
		buf_printf(err, "--no-capture cannot be used with --message-format %s (the tests' "
			   "output would mix with the %s lines on stdout)\n",
			   message_format_names[c->messages],
			   c->messages == MESSAGES_JSON ? "JSON" : message_format_names[c->messages]);
		return EXIT_USAGE;
	}
	if (c->cmd == CMD_REPLAY && (c->messages == MESSAGES_LAVA || c->messages == MESSAGES_PTEST)) {
		buf_printf(err, "--message-format %s is for testrig run (replay prints human or "
			   "json)\n", message_format_names[c->messages]);
		return EXIT_USAGE;
	}
	if (c->cmd == CMD_ARCHIVE && !c->archive_out) {
		buf_printf(err, "testrig archive needs -o FILE.tar.gz\n");
		return EXIT_USAGE;
	}
	if (!c->archive_file && (c->extract_to || c->keep_extracted || c->archive_max_size)) {
		buf_printf(err, "--%s only goes with --archive-file\n", c->extract_to ? "extract-to"
			   : c->keep_extracted ? "keep-extracted" : "archive-max-size");
		return EXIT_USAGE;
	}
	if (c->archive_file && c->binaries.n) {
		buf_printf(err, "with --archive-file the binaries come from the archive ('%s' is "
			   "not needed)\n", c->binaries.v[0]);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * automake-driver: an unknown "--option value" is skipped, as Automake may
 * pass options newer than us.  Its value is the next word unless the option
 * came as --option=value or the next word is "--" or another option.  Each
 * test's log says so.  Automake's own options are "--name yes|no": one in
 * that form is said in the log alone (a warning on stderr would come once
 * per test, from every test of the project); any other is more likely a
 * testrig option misspelled in LOG_DRIVER_FLAGS, and is a warning too.
 */
static void skip_unknown(struct cli *c, int ac, char **av)
{
	const char *word = av[optind - 1], *value = NULL;
	char *note;

	if (!strchr(word, '=') && optind < ac && strncmp(av[optind], "-", 1) != 0)
		value = av[optind++];
	note = xasprintf("automake-driver: ignoring unknown option %s%s%s", word,
			 value ? " " : "", value ? value : "");
	if (!value || (strcmp(value, "yes") && strcmp(value, "no")))
		strvec_push(&c->warnings, note);
	strvec_push_owned(&c->am.ignored, note);
}

int cli_parse(int argc, char **argv, struct cli *c, struct buf *err)
{
	struct option longopts[ARRAY_SIZE(options) + 1];
	char **av = argv + 1;      /* argv[1], the command, plays the program name */
	int ac = argc - 1, opt, rc = 0;
	struct buf name = BUF_INIT;
	size_t i;

	memset(c, 0, sizeof *c);
	settings_defaults(&c->set);
	c->set.set_mask = 0;
	c->protocol = PROTO_EXEC;
	c->am.hard_errors = c->am.collect_skipped = true;
	if (argc < 2) {
		buf_adds(err, "no command given (run, list, show-config)\n");
		return EXIT_USAGE;
	}
	if (parse_command_word(argv[1], c, err))
		return EXIT_USAGE;
	if (c->cmd == CMD_HELP || c->cmd == CMD_VERSION)
		return 0;
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		longopts[i].name = options[i].name;
		longopts[i].has_arg = options[i].has_value ? required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = option_val(i);
	}
	memset(&longopts[i], 0, sizeof longopts[i]);
	optind = 1;
	opterr = 0;
	/*
	 * "-": binaries come back in order as option 1, so options may follow
	 * them even with POSIXLY_CORRECT set; after "--" the rest are binaries.
	 */
	while (!rc && c->cmd != CMD_HELP &&
	       (opt = getopt_long(ac, av, "-:j:P:E:o:h", longopts, NULL)) != -1) {
		const struct option_def *o = option_by_val(opt);

		if (opt == 1 && c->cmd == CMD_AUTOMAKE) {
			buf_printf(err, "testrig automake-driver: '%s' before '--' (the test command "
				   "comes after it)\n", optarg);
			rc = EXIT_USAGE;
		} else if (opt == 1) {
			strvec_push(&c->binaries, optarg);
		} else if (opt == ':') {
			o = option_by_val(optopt);
			buf_printf(err, "%s needs a value\n", o ? option_name(o, &name) : "an option");
			rc = EXIT_USAGE;
		} else if (!o && c->cmd == CMD_AUTOMAKE && !optopt) {
			skip_unknown(c, ac, av);
		} else if (!o) {
			if (optopt && optopt < 256)
				buf_printf(err, "unknown option '-%c'\n", optopt);
			else
				buf_printf(err, "unknown option '%s'\n", av[optind - 1]);
			rc = EXIT_USAGE;
		} else if (!((o->commands ? o->commands : SELECTING) & CMD(c->cmd))) {
			if (o->elsewhere)
				buf_printf(err, "%s\n", o->elsewhere);
			else
				buf_printf(err, "%s is not an option of 'testrig %s'\n",
					   option_name(o, &name), argv[1]);
			rc = EXIT_USAGE;
		} else {
			rc = o->apply(c, o, optarg, err);
		}
	}
	buf_free(&name);
	if (rc || c->cmd == CMD_HELP)
		return rc;
	for (; optind < ac; optind++)
		strvec_push(&c->binaries, av[optind]);
	return check_combinations(c, err);
}

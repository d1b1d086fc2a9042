/*
 * cli.c - getopt_long over `testrig COMMAND [OPTIONS] [BINARY...]`.
 * Knows the spelling of every option and nothing of what they do.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/cli.h"
#include "testrig/parse.h"
#include "testrig/util.h"

enum {
	OPT_CAPTURE = 256,
	OPT_NO_CAPTURE,
	OPT_COLOR,
	OPT_NO_TESTS,
	OPT_FAIL_FAST,
	OPT_NO_FAIL_FAST,
	OPT_MAX_FAIL,
	OPT_STATUS_LEVEL,
	OPT_FINAL_STATUS_LEVEL,
	OPT_SUCCESS_OUTPUT,
	OPT_FAILURE_OUTPUT,
	OPT_PROTOCOL,
	OPT_RETRIES,
	OPT_SHOW_SLOWEST,
	OPT_CONFIG,
	OPT_PARTITION,
	OPT_IGNORE_DEFAULT_FILTER,
	OPT_RUN_IGNORED,
	OPT_FORMAT,
	OPT_JUNIT,
	OPT_MESSAGE_FORMAT,
	OPT_TARGET_RUNNER,
	OPT_STRESS_COUNT,
	OPT_STRESS_DURATION,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "test-threads", required_argument, NULL, 'j' },
	{ "capture", required_argument, NULL, OPT_CAPTURE },
	{ "no-capture", no_argument, NULL, OPT_NO_CAPTURE },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "no-tests", required_argument, NULL, OPT_NO_TESTS },
	{ "fail-fast", no_argument, NULL, OPT_FAIL_FAST },
	{ "no-fail-fast", no_argument, NULL, OPT_NO_FAIL_FAST },
	{ "max-fail", required_argument, NULL, OPT_MAX_FAIL },
	{ "status-level", required_argument, NULL, OPT_STATUS_LEVEL },
	{ "final-status-level", required_argument, NULL, OPT_FINAL_STATUS_LEVEL },
	{ "success-output", required_argument, NULL, OPT_SUCCESS_OUTPUT },
	{ "failure-output", required_argument, NULL, OPT_FAILURE_OUTPUT },
	{ "protocol", required_argument, NULL, OPT_PROTOCOL },
	{ "profile", required_argument, NULL, 'P' },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "filter", required_argument, NULL, 'E' },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "partition", required_argument, NULL, OPT_PARTITION },
	{ "ignore-default-filter", no_argument, NULL, OPT_IGNORE_DEFAULT_FILTER },
	{ "run-ignored", required_argument, NULL, OPT_RUN_IGNORED },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "message-format", required_argument, NULL, OPT_MESSAGE_FORMAT },
	{ "show-slowest", required_argument, NULL, OPT_SHOW_SLOWEST },
	{ "target-runner", required_argument, NULL, OPT_TARGET_RUNNER },
	{ "stress-count", required_argument, NULL, OPT_STRESS_COUNT },
	{ "stress-duration", required_argument, NULL, OPT_STRESS_DURATION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Options that are runner settings, and the setting each one sets. */
static const struct { int opt; enum setting_id id; } setting_options[] = {
	{ 'j', SET_TEST_THREADS },
	{ OPT_RETRIES, SET_RETRIES },
	{ OPT_CAPTURE, SET_CAPTURE },
	{ OPT_NO_TESTS, SET_NO_TESTS },
	{ OPT_MAX_FAIL, SET_MAX_FAIL },
	{ OPT_STATUS_LEVEL, SET_STATUS_LEVEL },
	{ OPT_FINAL_STATUS_LEVEL, SET_FINAL_STATUS_LEVEL },
	{ OPT_SUCCESS_OUTPUT, SET_SUCCESS_OUTPUT },
	{ OPT_FAILURE_OUTPUT, SET_FAILURE_OUTPUT },
	{ OPT_TARGET_RUNNER, SET_TARGET_RUNNER },
};

static const char *option_name(int opt, struct buf *scratch)
{
	const struct option *o;

	buf_reset(scratch);
	for (o = long_options; o->name; o++) {
		if (o->val == opt) {
			if (opt < 256)
				buf_printf(scratch, "-%c/", opt);
			buf_printf(scratch, "--%s", o->name);
			return scratch->data;
		}
	}
	buf_printf(scratch, "-%c", opt);
	return scratch->data;
}

void cli_usage(struct buf *out)
{
	buf_adds(out,
"usage: testrig run [OPTIONS] [BINARY...]    run tests\n"
"       testrig list [OPTIONS] [BINARY...]   list tests without running them\n"
"       testrig show-config [OPTIONS]        print the effective configuration\n"
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
"      --show-slowest N        list the N slowest tests after the summary\n"
"      --junit FILE            write a JUnit XML report\n"
"      --target-runner CMD     prefix every test command (e.g. 'valgrind -q')\n"
"      --stress-count N        run the selection N times (stops at a failing run)\n"
"      --stress-duration D     run the selection again and again for D (e.g. 10m)\n"
"      --message-format F      human (default) or json: JSON lines on stdout\n"
"      --format F              list: human (default), oneline, json\n"
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
	settings_free(&c->set);
}

int cli_parse(int argc, char **argv, struct cli *c, struct buf *err)
{
	struct buf name = BUF_INIT;
	char **av = argv + 1;      /* argv[1], the command, plays the program name */
	int ac = argc - 1, opt, rc = 0;

	memset(c, 0, sizeof *c);
	settings_defaults(&c->set);
	c->set.set_mask = 0;
	c->protocol = PROTO_EXEC;
	if (argc < 2) {
		buf_adds(err, "no command given (run, list, show-config)\n");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		c->cmd = CMD_HELP;
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		c->cmd = CMD_VERSION;
		return 0;
	}
	if (strcmp(argv[1], "run") == 0) {
		c->cmd = CMD_RUN;
	} else if (strcmp(argv[1], "list") == 0) {
		c->cmd = CMD_LIST;
	} else if (strcmp(argv[1], "show-config") == 0) {
		c->cmd = CMD_SHOW_CONFIG;
	} else {
		buf_printf(err, "unknown command '%s' (expected run, list or show-config)\n", argv[1]);
		return 2;
	}
	optind = 1;
	opterr = 0;
	/*
	 * "-": binaries come back in order as option 1, so options may follow
	 * them even with POSIXLY_CORRECT set; after "--" the rest are binaries.
	 */
	while ((opt = getopt_long(ac, av, "-:j:P:E:h", long_options, NULL)) != -1) {
		const char *bad = NULL;
		size_t i;

		for (i = 0; i < ARRAY_SIZE(setting_options); i++) {
			if (setting_options[i].opt != opt)
				continue;
			if (settings_set(&c->set, setting_options[i].id, optarg, "command line", &bad))
				buf_printf(err, "%s: invalid value '%s' (expected %s)\n",
					   option_name(opt, &name), optarg, bad);
			break;
		}
		if (i < ARRAY_SIZE(setting_options)) {
			if (bad) {
				rc = 2;
				goto out;
			}
			if (opt == OPT_TARGET_RUNNER) {
				/* Refused now, not when the run is about to start it. */
				struct strvec words = STRVEC_INIT;
				const char *why;

				if (split_words(optarg, &words, &why)) {
					buf_printf(err, "--target-runner: %s in '%s'\n", why, optarg);
					rc = 2;
				}
				strvec_free(&words);
				if (rc)
					goto out;
			}
			continue;
		}
		switch (opt) {
		case 1:
			strvec_push(&c->binaries, optarg);
			break;
		case OPT_SHOW_SLOWEST:
			if (parse_uint(optarg, 1000000, &c->show_slowest)) {
				buf_printf(err, "--show-slowest: invalid value '%s' (expected a number)\n",
					   optarg);
				rc = 2;
				goto out;
			}
			break;
		case OPT_STRESS_COUNT:
			if (parse_uint(optarg, 1000000000, &c->stress_count) || c->stress_count == 0) {
				buf_printf(err, "--stress-count: invalid value '%s' (expected a number "
					   "from 1)\n", optarg);
				rc = 2;
				goto out;
			}
			break;
		case OPT_STRESS_DURATION:
			if (parse_duration(optarg, &c->stress_duration) || c->stress_duration <= 0) {
				buf_printf(err, "--stress-duration: invalid value '%s' (expected a "
					   "duration above 0, such as 90s or 1h30m)\n", optarg);
				rc = 2;
				goto out;
			}
			break;
		case 'E':
			strvec_push(&c->filters, optarg);
			break;
		case OPT_CONFIG:
			free(c->config);
			c->config = xstrdup(optarg);
			break;
		case OPT_PARTITION: {
			const char *why;

			if (partition_parse(optarg, &c->partition, &why)) {
				buf_printf(err, "--partition: invalid value '%s' (%s)\n", optarg, why);
				rc = 2;
				goto out;
			}
			break;
		}
		case OPT_IGNORE_DEFAULT_FILTER:
			c->ignore_default_filter = true;
			break;
		case 'P':
			free(c->profile);
			c->profile = xstrdup(optarg);
			break;
		case OPT_NO_CAPTURE:
			c->no_capture = true;
			break;
		case OPT_FAIL_FAST:
			settings_set(&c->set, SET_FAIL_FAST, "true", "command line", &bad);
			break;
		case OPT_NO_FAIL_FAST:
			settings_set(&c->set, SET_FAIL_FAST, "false", "command line", &bad);
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") == 0)
				c->color = COLOR_AUTO;
			else if (strcmp(optarg, "always") == 0)
				c->color = COLOR_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				c->color = COLOR_NEVER;
			else {
				buf_printf(err, "--color: invalid value '%s' (expected auto, always, never)\n",
					   optarg);
				rc = 2;
				goto out;
			}
			break;
		case OPT_PROTOCOL:
			if (protocol_lookup(optarg, &c->protocol) || c->protocol == PROTO_CUSTOM) {
				buf_printf(err, "--protocol: invalid value '%s' (expected exec, tap, "
					   "gtest, libtest)\n", optarg);
				rc = 2;
				goto out;
			}
			break;
		case OPT_RUN_IGNORED:
			if (strcmp(optarg, "default") == 0)
				c->run_ignored = RUN_IGNORED_DEFAULT;
			else if (strcmp(optarg, "only") == 0)
				c->run_ignored = RUN_IGNORED_ONLY;
			else if (strcmp(optarg, "all") == 0)
				c->run_ignored = RUN_IGNORED_ALL;
			else {
				buf_printf(err, "--run-ignored: invalid value '%s' (expected default, "
					   "only, all)\n", optarg);
				rc = 2;
				goto out;
			}
			break;
		case OPT_FORMAT:
			if (c->cmd != CMD_LIST) {
				buf_printf(err, "--format is for 'testrig list' (a run's machine output "
					   "is --message-format json)\n");
				rc = 2;
				goto out;
			}
			if (strcmp(optarg, "human") == 0)
				c->list_format = LIST_HUMAN;
			else if (strcmp(optarg, "oneline") == 0)
				c->list_format = LIST_ONELINE;
			else if (strcmp(optarg, "json") == 0)
				c->list_format = LIST_JSON;
			else {
				buf_printf(err, "--format: invalid value '%s' (expected human, oneline, "
					   "json)\n", optarg);
				rc = 2;
				goto out;
			}
			break;
		case OPT_JUNIT:
			free(c->junit);
			if (!*optarg) {
				buf_printf(err, "--junit: invalid value '' (expected a file path)\n");
				rc = 2;
				goto out;
			}
			c->junit = xstrdup(optarg);
			break;
		case OPT_MESSAGE_FORMAT:
			if (strcmp(optarg, "human") == 0)
				c->json = false;
			else if (strcmp(optarg, "json") == 0)
				c->json = true;
			else {
				buf_printf(err, "--message-format: invalid value '%s' (expected human, "
					   "json)\n", optarg);
				rc = 2;
				goto out;
			}
			break;
		case 'h':
			c->cmd = CMD_HELP;
			goto out;
		case ':':
			buf_printf(err, "%s needs a value\n", option_name(optopt, &name));
			rc = 2;
			goto out;
		case '?':
		default:
			if (optopt && optopt < 256)
				buf_printf(err, "unknown option '-%c'\n", optopt);
			else
				buf_printf(err, "unknown option '%s'\n", av[optind - 1]);
			rc = 2;
			goto out;
		}
	}
	for (; optind < ac; optind++)
		strvec_push(&c->binaries, av[optind]);
	if (c->stress_count && c->stress_duration) {
		buf_printf(err, "--stress-count and --stress-duration cannot be used together\n");
		rc = 2;
	}
	if (c->no_capture && c->json) {
		/* The tests would write into the JSON stream on stdout. */
		buf_printf(err, "--no-capture cannot be used with --message-format json (the tests' "
			   "output would mix with the JSON events on stdout)\n");
		rc = 2;
	}
out:
	buf_free(&name);
	return rc;
}

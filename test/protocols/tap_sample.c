/*
 * tap_sample.c - a TAP producer in C for testrig's protocol tests.  Its
 * behaviour comes from its name (after the last '/', up to an '@'):
 * tap-pass, tap-fail, tap-todo, tap-skipall, tap-bail, tap-short (plan
 * not kept), tap-late (plan at the end), tap-exit (all ok, exit 3),
 * tap-subtest (TAP 14 subtests).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	char mode[64];

	(void)argc;
	snprintf(mode, sizeof mode, "%s", slash ? slash + 1 : argv[0]);
	mode[strcspn(mode, "@")] = 0;
	if (!strcmp(mode, "tap-pass")) {
		printf("TAP version 13\n1..3\nok 1 - first\nok 2 - second # SKIP no disk\n"
		       "ok 3 - third\n  ---\n  note: yaml is skipped\n  ...\n");
	} else if (!strcmp(mode, "tap-fail")) {
		printf("1..3\nok 1 - first\nnot ok 2 - second\n# a diagnostic\nok 3 - third\n");
	} else if (!strcmp(mode, "tap-todo")) {
		printf("1..2\nok 1\nnot ok 2 - not yet # TODO write it\n");
	} else if (!strcmp(mode, "tap-skipall")) {
		printf("1..0 # SKIP no network\n");
	} else if (!strcmp(mode, "tap-bail")) {
		printf("1..3\nok 1\nBail out! the database is gone\n");
	} else if (!strcmp(mode, "tap-short")) {
		printf("1..4\nok 1\nok 2\nok 3\n");
	} else if (!strcmp(mode, "tap-late")) {
		printf("ok 1\nok 2\n1..2\n");
	} else if (!strcmp(mode, "tap-exit")) {
		printf("1..1\nok 1\n");
		return 3;
	} else if (!strcmp(mode, "tap-subtest")) {
		printf("TAP version 14\n1..2\n# Subtest: inner\n    1..2\n    ok 1 - a\n"
		       "    not ok 2 - b # TODO later\nok 1 - inner\nok 2 - outer\n");
	} else {
		fprintf(stderr, "tap_sample: unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}

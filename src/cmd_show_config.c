/*
 * cmd_show_config.c - testrig show-config: the effective configuration
 * (config.h prints it); with -E or binaries, the tests they select, each
 * with what its overrides change.
 */
#include <stdbool.h>

#include "testrig/buf.h"
#include "testrig/commands.h"
#include "testrig/config.h"

/* With -E or binaries, the binaries are listed: their tests are shown. */
int cmd_show_config(struct session *ss)
{
	struct buf b = BUF_INIT, err = BUF_INIT;
	bool tests = ss->cli.filters.n || ss->cli.binaries.n;
	int rc;

	if ((rc = session_parse_filters(ss)))
		return rc;
	if (tests) {
		if (ss->cli.binaries.n)
			session_tests_from_command_line(ss);
		else
			rc = session_tests_from_config(ss);
		if (!rc && (rc = session_list_binaries(ss, &err, NULL)))
			error_exit(rc, err.data);
		if (!rc)
			rc = session_select(ss);
	}
	if (!rc) {
		config_show(&ss->cfg, &ss->settings, &ss->list, &b);
		if (tests)
			config_show_tests(&ss->settings, &ss->list, &b);
		rc = write_stdout(&b);
	}
	buf_free(&b);
	buf_free(&err);
	return rc;
}

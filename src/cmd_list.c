/*
 * cmd_list.c - testrig list: the selected tests, as people read them, one
 * per line or as JSON; nothing runs but the binaries that list their tests.
 */
#include "testrig/buf.h"
#include "testrig/commands.h"
#include "testrig/list.h"

int cmd_list(struct session *ss)
{
	struct buf b = BUF_INIT;
	int code;

	if ((code = session_parse_filters(ss)) || (code = session_find_tests(ss)))
		return code;
	if (!session_list_and_select(ss, &code))
		return code;
	test_list_print(&ss->list, ss->cli.list_format, &b);
	code = write_stdout(&b);
	buf_free(&b);
	return code;
}

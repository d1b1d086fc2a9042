/*
 * cmd_archive.c - testrig archive -o FILE (SPEC section 12): the selected
 * tests' binaries, the config and what the suites include, packed into one
 * reproducible .tar.gz that run --archive-file runs on another machine.
 * What goes in is pack.c's; the format is archive.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/archive.h"
#include "testrig/commands.h"
#include "testrig/exitcode.h"
#include "testrig/pack.h"
#include "testrig/path.h"
#include "testrig/util.h"

/* SOURCE_DATE_EPOCH, as reproducible builds set it; else 0. */
static int64_t archive_mtime(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (!e || !*e)
		return 0;
	errno = 0;
	v = strtoll(e, &end, 10);
	if (errno || *end || v < 0) {
		warnx_("SOURCE_DATE_EPOCH='%s' is not a number of seconds; using 0", e);
		return 0;
	}
	return v;
}

/* The selection's files, packed into -o FILE. */
static int pack(struct session *ss)
{
	struct pack_selection sel = { ss->filters, ss->cli.filters.n, ss->default_filter };
	struct archive_manifest m;
	struct buf err = BUF_INIT;
	char *cwd = ss->cfg.root ? NULL : path_absolute(".", NULL);
	const char *root = ss->cfg.root ? ss->cfg.root : cwd;
	int rc;

	memset(&m, 0, sizeof m);
	m.profile = xstrdup(ss->cfg.profile_name);
	rc = pack_collect(&ss->cfg, &ss->list, root, &sel, &m, &err);
	if (!rc)
		rc = archive_write(ss->cli.archive_out, root, &m, archive_mtime(), &err);
	if (rc) {
		rc = error_exit(EXIT_SETUP, err.data);
	} else {
		printf("%12s %zu file%s from %s into %s\n", "Archived", m.files.n + 1,
		       m.files.n ? "s" : "", root, ss->cli.archive_out);
	}
	archive_manifest_free(&m);
	buf_free(&err);
	free(cwd);
	return rc;
}

int cmd_archive(struct session *ss)
{
	int rc;

	if ((rc = session_parse_filters(ss)) || (rc = session_find_tests(ss)))
		return rc;
	return pack(ss);
}

/*
 * extract.c - an archive made by `testrig archive`, extracted for run or
 * list --archive-file into a directory that must be new or empty, and
 * removed again at the end when it was a temporary one.  What the archive
 * may hold and how it is checked is archive.c's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/exitcode.h"
#include "testrig/extract.h"
#include "testrig/path.h"
#include "testrig/util.h"

/* An --extract-to directory must not exist (it is made) or be empty. */
static int prepare_extract_dir(const char *dir, bool *made, struct buf *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	*made = false;
	if (!d && errno == ENOENT) {
		if (mkdir(dir, 0755)) {
			buf_printf(err, "--extract-to %s: %s", dir, strerror(errno));
			return -1;
		}
		*made = true;
		return 0;
	}
	if (!d) {
		buf_printf(err, "--extract-to %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			break;
	closedir(d);
	if (de) {
		buf_printf(err, "--extract-to %s: the directory is not empty", dir);
		return -1;
	}
	return 0;
}

/* The directory to extract into: --extract-to's, or a fresh temporary one. */
static int make_extract_dir(const struct cli *c, char **dir, bool *made, struct buf *err)
{
	const char *tmpdir = getenv("TMPDIR");

	*made = true;
	if (c->extract_to) {
		if (prepare_extract_dir(c->extract_to, made, err))
			return EXIT_SETUP;
		*dir = path_absolute(c->extract_to, NULL);
		return 0;
	}
	*dir = xasprintf("%s/testrig-archive.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(*dir)) {
		/* A read-only root with no writable TMPDIR: the user must say where. */
		buf_printf(err, "cannot make a directory to extract %s into: %s: %s; give "
			   "--extract-to DIR on a writable file system (or set TMPDIR)\n",
			   c->archive_file, *dir, strerror(errno));
		free(*dir);
		*dir = NULL;
		return EXIT_SETUP;
	}
	return 0;
}

int extract_open(const struct cli *c, struct extracted *x, struct buf *err)
{
	char *dir;
	bool made;
	int fd, rc;

	if (c->config) {
		buf_adds(err, "--config cannot be used with --archive-file (the archive has its "
			 "own config)\n");
		return EXIT_USAGE;
	}
	if ((rc = make_extract_dir(c, &dir, &made, err)))
		return rc;
	x->dir = dir;
	/* A directory the user named stays; a temporary one goes unless kept. */
	x->remove = !c->extract_to && !c->keep_extracted;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		rc = -1;
	} else {
		rc = archive_extract(c->archive_file, fd, dir, c->archive_max_size, &x->manifest,
				     err);
		close(fd);
	}
	if (rc) {
		/* Nothing is left: what the extraction made is gone, and the directory if ours. */
		if (made)
			(void)rmdir(dir);
		x->remove = false;
		return EXIT_SETUP;
	}
	if (c->keep_extracted)
		fprintf(stderr, "%s: the archive is extracted in %s (kept)\n", progname, dir);
	return 0;
}

void extract_close(struct extracted *x)
{
	if (x->remove && archive_remove_tree(x->dir))
		warnx_("cannot remove the extracted archive %s: %s", x->dir, strerror(errno));
	x->remove = false;
	free(x->dir);
	x->dir = NULL;
	archive_manifest_free(&x->manifest);
}

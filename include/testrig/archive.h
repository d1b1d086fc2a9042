/*
 * archive.h - test archives (SPEC section 12): writing what a run needs on
 * another machine into one deterministic .tar.gz with a manifest first, and
 * extracting one safely: regular files and directories only, every path
 * checked, nothing created outside the target and, on a refusal, nothing
 * left in it.
 */
#ifndef TESTRIG_ARCHIVE_H
#define TESTRIG_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "testrig/buf.h"

#define ARCHIVE_MANIFEST "testrig-archive.ini"
#define ARCHIVE_FORMAT 1
/*
 * --archive-max-size's default: ARCHIVE_SIZE_RATIO times the archive
 * file's own size, at least ARCHIVE_MAX_SIZE_FLOOR, so that a small archive
 * cannot fill a device (gzip rarely packs a project's binaries and data
 * more than 10 times).
 */
#define ARCHIVE_SIZE_RATIO 32
#define ARCHIVE_MAX_SIZE_FLOOR (UINT64_C(64) << 20)
/*
 * What may follow the tar stream's first zero block: the second one and
 * the padding to a record of 20 blocks (tar's default blocking factor).
 */
#define ARCHIVE_TAIL_MAX (20 * 512)

/* What the manifest says (and the writer is told). */
struct archive_manifest {
	unsigned format;
	char *version;              /* the testrig that wrote it */
	char *profile;
	char *config;               /* the config file, relative to the root; NULL: none */
	char *protocol;             /* of the command-line binaries; NULL: none were given */
	struct strvec binaries;     /* command-line binaries, relative to the root */
	struct strvec files;        /* every file besides the manifest, sorted */
};

void archive_manifest_free(struct archive_manifest *m);

/*
 * Writes `out` (through a temporary file beside it, renamed into place):
 * the manifest, then m->files read from below `root`, sorted, each with
 * mtime `mtime`, owner 0:0, mode 0755 when any execute bit is set, else
 * 0644.  0, or -1 with *err naming the file.
 */
int archive_write(const char *out, const char *root, const struct archive_manifest *m,
		  int64_t mtime, struct buf *err);

/*
 * Extracts `path` into the directory open as `dirfd` (named `dir` in
 * messages), reading its manifest into *m.  Refuses, naming the entry,
 * anything but regular files and directories, unsafe paths, duplicates,
 * entries or totals past max_size (0: the default above), entries missing
 * from the manifest, data past the end-of-archive blocks and their padding
 * (not read), and damaged data; on a refusal everything it made is removed
 * again.  0, or -1 with *err.
 */
int archive_extract(const char *path, int dirfd, const char *dir, uint64_t max_size,
		    struct archive_manifest *m, struct buf *err);

/* Removes the directory tree at `path` (symlinks inside are removed, not followed). */
int archive_remove_tree(const char *path);

#endif

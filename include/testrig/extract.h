/*
 * extract.h - run and list --archive-file (SPEC section 12): the archive
 * extracted into --extract-to or a fresh temporary directory, its manifest
 * read, and the directory removed again at the end unless it is the user's
 * or --keep-extracted keeps it.  The unpacking itself is archive.h's.
 */
#ifndef TESTRIG_EXTRACT_H
#define TESTRIG_EXTRACT_H

#include <stdbool.h>

#include "testrig/archive.h"
#include "testrig/buf.h"
#include "testrig/cli.h"

struct extracted {
	struct archive_manifest manifest;   /* what the archive holds */
	char *dir;                  /* where it was extracted; NULL: no archive */
	bool remove;                /* ... and that it goes at the end */
};

/*
 * Extracts c->archive_file as c's options say, into *x (zeroed by the
 * caller).  x->dir and x->remove are set before the extraction starts, so
 * that a fatal error on the way can remove what was made.  Returns 0, or
 * EXIT_USAGE or EXIT_SETUP with the message in *err.
 */
int extract_open(const struct cli *c, struct extracted *x, struct buf *err);
/* Removes the directory when it goes, and frees x; safe on a zeroed x. */
void extract_close(struct extracted *x);

#endif

/*
 * pack.h - choosing what `testrig archive` packs (SPEC section 12): the
 * config file, the binaries the selection may run, archive-include files
 * and relative script commands, as paths relative to the project root.
 * Writing them is archive.h's part.
 */
#ifndef TESTRIG_PACK_H
#define TESTRIG_PACK_H

#include <stddef.h>

#include "testrig/archive.h"
#include "testrig/config.h"
#include "testrig/filter.h"
#include "testrig/list.h"

struct pack_selection {
	struct filter **filters;            /* -E (OR-ed); none: every binary */
	size_t nfilters;
	const struct filter *default_filter;   /* NULL: none */
};

/*
 * Fills m->files (sorted, each once), m->config, m->binaries (command-line
 * binaries) and m->protocol.  0, or -1 with *err naming what cannot go in.
 */
int pack_collect(const struct config *cfg, const struct test_list *list, const char *root,
		 const struct pack_selection *sel, struct archive_manifest *m, struct buf *err);

#endif

/*
 * scripts.h - setup scripts and their teardowns as kinds of unit (SPEC
 * section 4): each script that applies to a selected test runs, one after
 * another, before any test, with a TESTRIG_ENV file whose KEY=VALUE lines
 * it exports to the tests its filter matches; the teardowns of the scripts
 * that ran go last to first after the tests, whatever happened.  Owns what
 * the scripts exported and the directory of their TESTRIG_ENV files.
 */
#ifndef TESTRIG_SCRIPTS_H
#define TESTRIG_SCRIPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testrig/buf.h"
#include "testrig/engine.h"
#include "testrig/runconfig.h"

struct scripts;

/* The scripts of cfg, for the selected tests at list positions order[0..norder). */
struct scripts *scripts_new(const struct run_config *cfg, const size_t *order, size_t norder);
/* Removes the TESTRIG_ENV files and their directory. */
void scripts_free(struct scripts *sc);
/*
 * Runs the setup scripts that apply, in order, stopping at the first that
 * fails (the run is cancelled, reason "setup-script").
 */
void scripts_setup(struct scripts *sc, struct engine *eng);
/* What the scripts exported (per script), for tests_run; NULL if nothing. */
const struct strvec *scripts_exports(const struct scripts *sc);
/* Per selected test, the scripts whose exports it gets (bit i: script i). */
const uint64_t *scripts_masks(const struct scripts *sc);
/* Runs the teardowns of the scripts that ran, last first (not after a second signal). */
void scripts_teardown(struct scripts *sc, struct engine *eng);
/* Setup scripts and teardowns that failed. */
size_t scripts_failed(const struct scripts *sc);
/* A setup script failed (exit 105). */
bool scripts_setup_failed(const struct scripts *sc);

#endif

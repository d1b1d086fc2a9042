/*
 * run.h - one run of the selected tests: the setup scripts that apply, the
 * tests, the teardowns, then killing what outlived them, the summary and
 * the exit code (SPEC sections 4, 7 and 9).  The only entry point from
 * the commands into running; it strings the phases together on one engine.
 */
#ifndef TESTRIG_RUN_H
#define TESTRIG_RUN_H

#include "testrig/runconfig.h"

/* Runs the whole run; returns its exit code (SPEC section 9). */
int run_execute(const struct run_config *cfg);

#endif

/*
 * run_plan.h - what a run of the session is given: its run_config (the
 * workers, test groups, setup scripts and the environment tests start
 * from) and the human report's options.  Shared by run (stress runs
 * included), automake-driver and replay.
 */
#ifndef TESTRIG_RUN_PLAN_H
#define TESTRIG_RUN_PLAN_H

#include <stdbool.h>

#include "testrig/report.h"
#include "testrig/runconfig.h"
#include "testrig/session.h"

/*
 * What every run of the session is given, the reporters aside; `env` is
 * the environment units start from.  run_plan_free frees what it made.
 */
void run_plan(struct session *ss, struct run_config *rc, char **env);
void run_plan_free(struct run_config *rc);
/* The human report's options (on stderr when JSON takes stdout). */
void run_plan_human(const struct session *ss, struct human_options *h, bool json);

#endif

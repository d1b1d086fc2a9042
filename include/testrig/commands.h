/*
 * commands.h - testrig's commands, one file each (src/cmd_NAME.c), as
 * git's builtin.h: main() parses the command line, starts the session
 * (session.h) and calls the command named.  Each returns the exit code.
 */
#ifndef TESTRIG_COMMANDS_H
#define TESTRIG_COMMANDS_H

#include "testrig/session.h"

int cmd_run(struct session *ss);             /* cmd_run.c: also --stress-count, --stress-duration */
int cmd_list(struct session *ss);            /* cmd_list.c */
int cmd_show_config(struct session *ss);     /* cmd_show_config.c */
int cmd_replay(struct session *ss);          /* cmd_store.c: the store's records */
int cmd_runs(struct session *ss);            /* cmd_store.c */
int cmd_history(struct session *ss);         /* cmd_store.c */
int cmd_archive(struct session *ss);         /* cmd_archive.c */
int cmd_automake_driver(struct session *ss); /* cmd_automake.c */

#endif

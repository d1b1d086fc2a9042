/*
 * forensics.h - what testrig can say about a test that hangs before it is
 * killed (SPEC section 13): the on-timeout hook's command with its
 * placeholders filled in, and the builtin report read from /proc (every
 * process of the test's group: pid, command, state, wchan, current system
 * call, each thread the same, kernel stacks when readable).  Running the
 * hook is the worker's part (unit.c).
 */
#ifndef TESTRIG_FORENSICS_H
#define TESTRIG_FORENSICS_H

#include <stdbool.h>
#include <sys/types.h>

#include "testrig/buf.h"
#include "testrig/parse.h"

/* on-timeout = builtin */
bool forensics_is_builtin(const struct command *hook);
/* The hook's argv: {pid}, {pgid}, {binary} and {test} replaced in every word. */
void forensics_hook_argv(const struct command *hook, pid_t pid, pid_t pgid,
			 const char *binary, const char *test, struct strvec *argv);
/*
 * The builtin report on process group pgid, appended to out.  `proc` is
 * where procfs is mounted ("/proc"; tests point it elsewhere); without it
 * the report says so.
 */
void forensics_builtin(pid_t pgid, const char *proc, struct buf *out);

#endif

/*
 * sig.h - signal plumbing, the program's one piece of global mutable state.
 * sig_init blocks every signal testrig handles in the calling thread before
 * any other thread exists (so every thread inherits the mask), and opens the
 * fd they are read from: a signalfd on Linux, or a self-pipe written by
 * async-signal-safe handlers where there is none (build with
 * -DTESTRIG_SELF_PIPE to use it on Linux too).  Signals inherited as ignored
 * (nohup's SIGHUP) stay ignored and are not handled.  Children start with an
 * empty mask (spawn.c); handlers, if any, reset to default on exec.
 */
#ifndef TESTRIG_SIG_H
#define TESTRIG_SIG_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Call once from main before starting threads.  SIGCHLD is read when
 * asked (no pidfds), and SIGPIPE (automake-driver).  0, or the errno value
 * of the descriptor that could not be had (EMFILE, ENFILE, ENOMEM).
 */
int sig_init(bool want_sigchld, bool want_sigpipe);
/* The fd to poll for POLLIN. */
int sig_fd(void);
/*
 * Call from the thread that polls sig_fd once the other threads exist: with
 * the self-pipe, unblocks the handled signals in that thread alone.
 */
void sig_listen(void);
/* The next pending signal, or 0 when none is pending. */
int sig_next(void);
/*
 * True when a SIGCONT came after the latest SIGTSTP and has not been taken
 * by sig_next yet: the stop that SIGTSTP asked for is already over, and
 * testrig, which stops itself only once its tests are stopped, must not.
 */
bool sig_cont_pending(void);
/*
 * Waits up to timeout_ns for a SIGCHLD (a child of ours changed state) or a
 * handled signal; returns that signal (taken: act on it), or 0 on timeout.
 * Only when no worker thread is left.
 */
int sig_wait_end(int64_t timeout_ns);
/* True when signals are caught by handlers (the self-pipe), not a signalfd. */
bool sig_has_handlers(void);
/*
 * In a forked child, before it unblocks signals: testrig's handlers back to
 * the default (async-signal-safe; nothing to do with a signalfd).
 */
void sig_child_defaults(void);

#endif

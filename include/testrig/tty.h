/*
 * tty.h - listening for single keys on a terminal standard input (the 't'
 * info-query key) without the terminal waiting for Enter or echoing, and
 * putting the terminal back as it was: at the end, before testrig stops
 * itself for job control, and at exit.  Only while we are in the terminal's
 * foreground process group; otherwise it does nothing.
 */
#ifndef TESTRIG_TTY_H
#define TESTRIG_TTY_H

#include <stdbool.h>

/* Starts listening; returns the fd to poll for keys, or -1. */
int tty_keys_start(void);
/* The next key typed, or -1 when none is waiting. */
int tty_keys_read(void);
/* Back to the saved mode (job control stop, or the end); idempotent. */
void tty_keys_suspend(void);
/* After SIGCONT: listen again if we are still in the foreground. */
void tty_keys_resume(void);
void tty_keys_stop(void);

#endif

/*
 * tty.c - the terminal mode for the info-query key.  Global state (the
 * saved termios) is touched by the dispatcher thread and by the atexit
 * handler only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "testrig/tty.h"

static struct termios saved;
static bool have_saved, raw_now, registered;

static bool in_foreground(void)
{
	return isatty(0) && tcgetpgrp(0) == getpgrp();
}

static void enter_raw(void)
{
	struct termios t;

	if (!have_saved || raw_now || !in_foreground())
		return;
	t = saved;
	/* Keys arrive one at a time and are not echoed; ^C and ^Z still signal. */
	t.c_lflag &= (tcflag_t)~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSANOW, &t) == 0)
		raw_now = true;
}

void tty_keys_suspend(void)
{
	if (raw_now) {
		tcsetattr(0, TCSANOW, &saved);
		raw_now = false;
	}
}

int tty_keys_start(void)
{
	if (!in_foreground() || tcgetattr(0, &saved) != 0)
		return -1;
	have_saved = true;
	if (!registered) {
		atexit(tty_keys_suspend);
		registered = true;
	}
	enter_raw();
	return raw_now ? 0 : -1;
}

void tty_keys_resume(void)
{
	enter_raw();
}

int tty_keys_read(void)
{
	unsigned char c;
	struct pollfd pf = { 0, POLLIN, 0 };

	if (!raw_now || poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN))
		return -1;
	/* Read from the background, the terminal would stop us (SIGTTIN). */
	if (!in_foreground())
		return -1;
	if (read(0, &c, 1) != 1)
		return -1;
	return c;
}

void tty_keys_stop(void)
{
	tty_keys_suspend();
	have_saved = false;
}

/*
 * sig.c - the signalfd or self-pipe through which the dispatcher hears
 * SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT, SIGUSR1 (and SIGCHLD when no
 * pidfd exists).  SIGPIPE is blocked everywhere so a closed reader gives
 * EPIPE instead of killing the run (automake-driver reads it too: Automake's
 * drivers stop on it); blocked signals are not inherited as pending by
 * children and spawn.c clears the mask.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__) && !defined(TESTRIG_SELF_PIPE)
#include <sys/signalfd.h>
#define USE_SIGNALFD 1
#else
#define USE_SIGNALFD 0
#endif

#include "testrig/sig.h"
#include "testrig/util.h"

static const int handled[] = {
	SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT, SIGUSR1, SIGCHLD, SIGPIPE,
};

static sigset_t handled_set;
static int read_fd = -1;
#if !USE_SIGNALFD
static int write_fd = -1;
/* Whether the latest of SIGTSTP and SIGCONT was SIGCONT (sig_cont_pending). */
static atomic_int cont_last;

static void on_signal(int signo)
{
	int saved = errno;
	unsigned char c = (unsigned char)signo;

	if (signo == SIGCONT || signo == SIGTSTP)
		atomic_store(&cont_last, signo == SIGCONT);
	(void)!write(write_fd, &c, 1);
	errno = saved;
}
#endif

static bool inherited_ignored(int signo)
{
	struct sigaction sa;

	return sigaction(signo, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

int sig_init(bool want_sigchld, bool want_sigpipe)
{
	sigset_t block;
	size_t i;
	int e;

	/*
	 * An ignored SIGCHLD makes the kernel reap our children itself (wait4
	 * would never see a test end); SIGCONT is how a stopped run learns it
	 * goes on.  Neither is the caller's to take away: back to default.
	 */
	signal(SIGCHLD, SIG_DFL);
	if (inherited_ignored(SIGCONT))
		signal(SIGCONT, SIG_DFL);
	sigemptyset(&handled_set);
	for (i = 0; i < ARRAY_SIZE(handled); i++) {
		if (handled[i] == SIGCHLD && !want_sigchld)
			continue;
		if (handled[i] == SIGPIPE && !want_sigpipe)
			continue;
		if (handled[i] != SIGCONT && inherited_ignored(handled[i]))
			continue;
		sigaddset(&handled_set, handled[i]);
	}
	block = handled_set;
	sigaddset(&block, SIGPIPE);
	/*
	 * SIGCHLD is always blocked: when it is not read from the fd (pidfds
	 * tell workers about their children) it stays pending for
	 * sig_wait_child() at the end of a run.
	 */
	sigaddset(&block, SIGCHLD);
	if ((e = pthread_sigmask(SIG_BLOCK, &block, NULL)))
		die("pthread_sigmask: %s", strerror(e));
#if USE_SIGNALFD
	read_fd = signalfd(-1, &handled_set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (read_fd < 0)
		return errno;
#else
	{
		int p[2];
		struct sigaction sa;

		if (pipe(p))
			return errno;
		if (fd_set_cloexec(p[0]) || fd_set_cloexec(p[1]) ||
		    fd_set_nonblock(p[0]) || fd_set_nonblock(p[1]))
			die_errno("signal pipe");
		read_fd = p[0];
		write_fd = p[1];
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		for (i = 0; i < ARRAY_SIZE(handled); i++)
			if (sigismember(&handled_set, handled[i]) &&
			    sigaction(handled[i], &sa, NULL))
				die_errno("sigaction");
	}
#endif
	return 0;
}

int sig_fd(void)
{
	return read_fd;
}

void sig_listen(void)
{
#if !USE_SIGNALFD
	int e = pthread_sigmask(SIG_UNBLOCK, &handled_set, NULL);

	if (e)
		die("pthread_sigmask: %s", strerror(e));
#endif
}

int sig_next(void)
{
#if USE_SIGNALFD
	struct signalfd_siginfo si;
	ssize_t r;

	do
		r = read(read_fd, &si, sizeof si);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)sizeof si ? (int)si.ssi_signo : 0;
#else
	unsigned char c;
	ssize_t r;

	do
		r = read(read_fd, &c, 1);
	while (r < 0 && errno == EINTR);
	return r == 1 ? c : 0;
#endif
}

bool sig_cont_pending(void)
{
#if USE_SIGNALFD
	/*
	 * SIGCONT is blocked and waits in the signalfd's queue; a stop signal
	 * sent after it takes it out of the queue (and one before it is taken
	 * out by it), so it is there exactly when it came last.
	 */
	sigset_t set;

	return sigpending(&set) == 0 && sigismember(&set, SIGCONT) == 1;
#else
	return atomic_load(&cont_last) != 0;
#endif
}

int sig_wait_end(int64_t timeout_ns)
{
	struct timespec ts;
	sigset_t set, old;
	int e, sig;

	if (timeout_ns < 0)
		timeout_ns = 0;
	ts.tv_sec = (time_t)(timeout_ns / NS_PER_SEC);
	ts.tv_nsec = (long)(timeout_ns % NS_PER_SEC);
	set = handled_set;
	sigaddset(&set, SIGCHLD);
	/*
	 * Block them all here first: one that comes from now on stays pending
	 * for sigtimedwait, one that came before is already in the fd.
	 */
	if ((e = pthread_sigmask(SIG_BLOCK, &set, &old)))
		die("pthread_sigmask: %s", strerror(e));
	if (!(sig = sig_next())) {
		do
			sig = sigtimedwait(&set, NULL, &ts);
		while (sig < 0 && errno == EINTR);
		if (sig < 0)
			sig = 0;
	}
	if ((e = pthread_sigmask(SIG_SETMASK, &old, NULL)))
		die("pthread_sigmask: %s", strerror(e));
	return sig;
}

bool sig_has_handlers(void)
{
	return !USE_SIGNALFD;
}

void sig_child_defaults(void)
{
#if !USE_SIGNALFD
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < ARRAY_SIZE(handled); i++)
		if (sigismember(&handled_set, handled[i]))
			(void)sigaction(handled[i], &sa, NULL);
#endif
}

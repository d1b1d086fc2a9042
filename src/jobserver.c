/*
 * jobserver.c - the jobserver client of jobserver.h: MAKEFLAGS parsing,
 * opening the fifo or reopening the pipe privately, taking and giving back
 * token bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/jobserver.h"
#include "testrig/util.h"

/* More tokens than this would be a pool far larger than testrig makes. */
#define MAX_TOKENS 4096

struct jobserver {
	int read_fd, write_fd;      /* ours (the same fd for a fifo) */
	unsigned char *tokens;      /* the bytes taken, last taken last */
	unsigned held;
	bool write_failed;
};

/* ---- MAKEFLAGS ------------------------------------------------------------ */

/* The next word of s (make escapes blanks in words with a backslash). */
static const char *next_word(const char *s, struct buf *word)
{
	buf_reset(word);
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	while (*s && *s != ' ' && *s != '\t') {
		if (*s == '\\' && s[1])
			s++;
		buf_addc(word, *s++);
	}
	return s;
}

/* A descriptor number, or -3 for something that is not one. */
static int parse_fd(const char *s, const char **end)
{
	long v;
	char *e;

	if (!(*s >= '0' && *s <= '9') && *s != '-')
		return -3;
	errno = 0;
	v = strtol(s, &e, 10);
	/* Negative numbers are syntax too (make may hand out -2,-2): not usable. */
	if (errno || e == s || v < -1000 || v > INT_MAX)
		return -3;
	*end = e;
	return (int)v;
}

int jobserver_parse(const char *makeflags, struct jobserver_auth *auth, struct buf *err)
{
	struct buf word = BUF_INIT;
	const char *s = makeflags, *value = NULL;

	memset(auth, 0, sizeof *auth);
	auth->read_fd = auth->write_fd = -1;
	/* The last such word wins: make appends, a recursive make's comes last. */
	while (s && (s = next_word(s, &word))) {
		const char *w = word.data;

		if (!strncmp(w, "--jobserver-auth=", 17) || !strncmp(w, "--jobserver-fds=", 16)) {
			free(auth->word);
			auth->word = xstrdup(w);
		}
	}
	buf_free(&word);
	if (!auth->word)
		return 0;
	value = strchr(auth->word, '=') + 1;
	if (!strncmp(value, "fifo:", 5)) {
		if (!value[5]) {
			buf_printf(err, "MAKEFLAGS %s names no fifo", auth->word);
			return -1;
		}
		auth->kind = JOBSERVER_FIFO;
		auth->fifo = xstrdup(value + 5);
		return 0;
	} else {
		const char *p = value, *e;
		int r = parse_fd(p, &e), w = -3;

		if (r != -3 && *e == ',')
			w = parse_fd(e + 1, &e);
		if (r == -3 || w == -3 || *e) {
			buf_printf(err, "MAKEFLAGS %s is neither fifo:PATH nor R,W", auth->word);
			return -1;
		}
		auth->kind = JOBSERVER_FDS;
		auth->read_fd = r;
		auth->write_fd = w;
	}
	return 0;
}

bool makeflags_dry_run(const char *makeflags)
{
	const char *s = makeflags, *p;

	/*
	 * make writes its single-letter flags as the first word, without a
	 * dash ("kn -j2 --jobserver-auth=3,4"); without any, MAKEFLAGS starts
	 * with a blank (" -j2 ...", " --no-print-directory").  A first word of
	 * letters after one dash ("-n") is the same, as a person writes it.
	 */
	if (!s || *s == ' ' || *s == '\t')
		return false;
	if (*s == '-')
		s++;
	for (p = s; *p && *p != ' ' && *p != '\t'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;       /* "--no-print-directory", "-j2", "V=1" */
	return memchr(s, 'n', (size_t)(p - s)) != NULL;
}

unsigned makeflags_jobs(const char *makeflags)
{
	struct buf word = BUF_INIT;
	const char *s = makeflags;
	unsigned jobs = 0;

	/* The last -jN word: make 4.2 and later write -j's number this way. */
	while (s && (s = next_word(s, &word))) {
		unsigned long n;
		char *end;

		if (strncmp(word.data, "-j", 2) != 0 || word.data[2] < '1' || word.data[2] > '9')
			continue;
		n = strtoul(word.data + 2, &end, 10);
		if (!*end && n <= MAX_TOKENS)
			jobs = (unsigned)n;
	}
	buf_free(&word);
	return jobs;
}

void jobserver_auth_free(struct jobserver_auth *auth)
{
	free(auth->fifo);
	free(auth->word);
	memset(auth, 0, sizeof *auth);
}

/* ---- opening -------------------------------------------------------------- */

static bool is_open_pipe(int fd)
{
	struct stat st;

	return fd >= 0 && fcntl(fd, F_GETFD) >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* A descriptor of our own on the pipe fd is one end of; -1 with errno. */
static int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC);
}

static struct jobserver *open_fds(const struct jobserver_auth *a, struct buf *why)
{
	struct jobserver *js;
	int r, w;

	/*
	 * make 4.3 leaves the numbers in MAKEFLAGS for recipes it does not run
	 * as make commands (no '+') but closes the descriptors: they may be
	 * closed, or reused by something else.
	 */
	if (!is_open_pipe(a->read_fd) || !is_open_pipe(a->write_fd)) {
		buf_printf(why, "its descriptors %d and %d are not both open pipes", a->read_fd,
			   a->write_fd);
		return NULL;
	}
	r = reopen(a->read_fd, O_RDONLY | O_NONBLOCK);
	if (r < 0) {
		buf_printf(why, "cannot reopen descriptor %d through /proc/self/fd (%s), so reading "
			   "it without blocking would change it for make too", a->read_fd,
			   strerror(errno));
		return NULL;
	}
	w = reopen(a->write_fd, O_WRONLY);
	if (w < 0) {
		buf_printf(why, "cannot reopen descriptor %d through /proc/self/fd: %s",
			   a->write_fd, strerror(errno));
		close(r);
		return NULL;
	}
	js = xcalloc(1, sizeof *js);
	js->read_fd = r;
	js->write_fd = w;
	return js;
}

static struct jobserver *open_fifo(const struct jobserver_auth *a, struct buf *why)
{
	struct jobserver *js;
	struct stat st;
	int fd = open(a->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		buf_printf(why, "cannot open its fifo %s: %s", a->fifo, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISFIFO(st.st_mode)) {
		buf_printf(why, "%s is not a fifo", a->fifo);
		close(fd);
		return NULL;
	}
	js = xcalloc(1, sizeof *js);
	js->read_fd = js->write_fd = fd;
	return js;
}

struct jobserver *jobserver_open(const char *makeflags, struct buf *warning)
{
	struct jobserver_auth a;
	struct jobserver *js = NULL;
	struct buf why = BUF_INIT;

	if (!makeflags || jobserver_parse(makeflags, &a, &why)) {
		if (why.len)
			buf_printf(warning, "make's jobserver cannot be used: %s (running one test at "
				   "a time)", why.data);
		buf_free(&why);
		return NULL;
	}
	if (a.kind == JOBSERVER_FIFO)
		js = open_fifo(&a, &why);
	else if (a.kind == JOBSERVER_FDS)
		js = open_fds(&a, &why);
	if (!js && a.kind != JOBSERVER_NONE)
		buf_printf(warning, "make's jobserver (MAKEFLAGS %s) cannot be used: %s; mark the "
			   "recipe that runs testrig with '+' so that make passes its jobserver "
			   "on (running one test at a time)", a.word, why.data);
	if (js)
		js->tokens = xcalloc(MAX_TOKENS, 1);
	jobserver_auth_free(&a);
	buf_free(&why);
	return js;
}

/* ---- tokens --------------------------------------------------------------- */

int jobserver_fd(const struct jobserver *js)
{
	return js->read_fd;
}

bool jobserver_take(struct jobserver *js)
{
	unsigned char c;
	ssize_t n;

	if (js->held >= MAX_TOKENS)
		return false;
	do
		n = read(js->read_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return false;   /* EAGAIN: another client took it between poll and read */
	js->tokens[js->held++] = c;
	return true;
}

bool jobserver_give(struct jobserver *js)
{
	ssize_t n;

	if (!js->held)
		return true;
	do
		n = write(js->write_fd, &js->tokens[js->held - 1], 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		if (!js->write_failed)
			warnx_("cannot give a token back to make's jobserver: %s",
			       n < 0 ? strerror(errno) : "short write");
		js->write_failed = true;
		return false;
	}
	js->held--;
	return true;
}

unsigned jobserver_held(const struct jobserver *js)
{
	return js->held;
}

void jobserver_close(struct jobserver *js)
{
	if (!js)
		return;
	while (js->held && jobserver_give(js))
		;
	if (js->write_fd != js->read_fd)
		close(js->write_fd);
	close(js->read_fd);
	free(js->tokens);
	free(js);
}

/*
 * test_jobserver.c - MAKEFLAGS as make 4.3 and 4.4 write it: which
 * jobserver it names (the last word wins), malformed words, and opening a
 * pipe jobserver whose descriptors are (and are not) open pipes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "testrig/buf.h"
#include "testrig/jobserver.h"

static void test_parse(void)
{
	struct jobserver_auth a;
	struct buf err = BUF_INIT;

	CHECK_INT(jobserver_parse("", &a, &err), 0);
	CHECK_INT(a.kind, JOBSERVER_NONE);
	jobserver_auth_free(&a);
	CHECK_INT(jobserver_parse("s -j3 --jobserver-auth=3,4", &a, &err), 0);
	CHECK_INT(a.kind, JOBSERVER_FDS);
	CHECK_INT(a.read_fd, 3);
	CHECK_INT(a.write_fd, 4);
	CHECK_STR(a.word, "--jobserver-auth=3,4");
	jobserver_auth_free(&a);
	/* make before 4.2, and the last word winning (a sub-make's own). */
	CHECK_INT(jobserver_parse("--jobserver-fds=5,6 -j --jobserver-auth=7,8", &a, &err), 0);
	CHECK_INT(a.read_fd, 7);
	jobserver_auth_free(&a);
	CHECK_INT(jobserver_parse("-j2 --jobserver-fds=5,6", &a, &err), 0);
	CHECK_INT(a.read_fd, 5);
	CHECK_INT(a.write_fd, 6);
	jobserver_auth_free(&a);
	CHECK_INT(jobserver_parse("nk -j4 --jobserver-auth=fifo:/tmp/GMfifo42", &a, &err), 0);
	CHECK_INT(a.kind, JOBSERVER_FIFO);
	CHECK_STR(a.fifo, "/tmp/GMfifo42");
	jobserver_auth_free(&a);
	/* make escapes blanks in words. */
	CHECK_INT(jobserver_parse("--jobserver-auth=fifo:/tmp/a\\ b -k", &a, &err), 0);
	CHECK_STR(a.fifo, "/tmp/a b");
	jobserver_auth_free(&a);
	/* Negative numbers parse: they are just not usable. */
	CHECK_INT(jobserver_parse("--jobserver-auth=-2,-2", &a, &err), 0);
	CHECK_INT(a.read_fd, -2);
	jobserver_auth_free(&a);
	CHECK_INT(jobserver_parse("--jobserver-auth=3", &a, &err), -1);
	CHECK(strstr(err.data, "neither fifo:PATH nor R,W") != NULL);
	jobserver_auth_free(&a);
	buf_reset(&err);
	CHECK_INT(jobserver_parse("--jobserver-auth=3,4x", &a, &err), -1);
	jobserver_auth_free(&a);
	buf_reset(&err);
	CHECK_INT(jobserver_parse("--jobserver-auth=fifo:", &a, &err), -1);
	jobserver_auth_free(&a);
	buf_free(&err);
}

static void test_open_pipe(void)
{
	struct buf warning = BUF_INIT;
	struct jobserver *js;
	char flags[64], c;
	int p[2];

	CHECK_INT(pipe(p), 0);
	CHECK_INT(write(p[1], "ab", 2), 2);
	snprintf(flags, sizeof flags, "-j3 --jobserver-auth=%d,%d", p[0], p[1]);
	js = jobserver_open(flags, &warning);
	CHECK(js != NULL);
	CHECK_INT(warning.len, 0);
	if (js) {
		CHECK(jobserver_take(js));
		CHECK(jobserver_take(js));
		CHECK(!jobserver_take(js));     /* empty: no blocking */
		CHECK_INT(jobserver_held(js), 2);
		/* Our descriptors are our own: the shared one stays blocking. */
		CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
		CHECK(jobserver_give(js));
		jobserver_close(js);            /* gives the other back */
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	CHECK_INT(read(p[0], &c, 1), 1);
	CHECK_INT(read(p[0], &c, 1), 1);
	CHECK_INT(read(p[0], &c, 1), -1);
	/* Closed descriptors (a recipe without '+'): unusable, and the warning says why. */
	close(p[0]);
	close(p[1]);
	js = jobserver_open(flags, &warning);
	CHECK(js == NULL);
	CHECK(warning.data && strstr(warning.data, "not both open pipes") &&
	      strstr(warning.data, "'+'"));
	buf_reset(&warning);
	/* No jobserver at all: nothing, and nothing to say. */
	CHECK(jobserver_open("-j -k", &warning) == NULL);
	CHECK_INT(warning.len, 0);
	CHECK(jobserver_open(NULL, &warning) == NULL);
	buf_free(&warning);
}

/* MAKEFLAGS as make 4.3 writes it (checked with make -n, -j2, -Onone...). */
static void test_flags(void)
{
	CHECK(makeflags_dry_run("n"));
	CHECK(makeflags_dry_run("kn -j3 --jobserver-auth=3,4"));
	CHECK(makeflags_dry_run("n -- V=1"));
	CHECK(makeflags_dry_run("-n"));
	CHECK(!makeflags_dry_run(NULL));
	CHECK(!makeflags_dry_run(""));
	CHECK(!makeflags_dry_run("ks"));
	CHECK(!makeflags_dry_run(" -j2 --jobserver-auth=3,4 --no-print-directory"));
	CHECK(!makeflags_dry_run(" -Onone"));
	CHECK(!makeflags_dry_run("--no-print-directory"));
	CHECK(!makeflags_dry_run("-j2n"));
	CHECK(!makeflags_dry_run(" -- name=1"));
	CHECK_INT(makeflags_jobs(" -j2 --jobserver-auth=3,4"), 2);
	CHECK_INT(makeflags_jobs("n -j12 -Otarget --jobserver-auth=fifo:/tmp/GMfifo1"), 12);
	CHECK_INT(makeflags_jobs(" -j --jobserver-fds=3,4"), 0);
	CHECK_INT(makeflags_jobs(" -j3 -j5"), 5);
	CHECK_INT(makeflags_jobs("-jx"), 0);
	CHECK_INT(makeflags_jobs(NULL), 0);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_flags);
	RUN(test_open_pipe);
	return check_done();
}

/*
 * test_archive.c - the tar writer and reader (every path length the header
 * and pax records handle, data sizes around block boundaries), the
 * manifest's encoding (long paths over continuation lines, bytes that ini
 * syntax would eat), extraction that meets a symbolic link already in the
 * destination, and filter_may_match, which decides what an archive holds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testrig/archive.h"
#include "testrig/buf.h"
#include "testrig/filter.h"
#include "testrig/gz.h"
#include "testrig/tar.h"
#include "testrig/util.h"

static char dir[] = "/tmp/testrig-test-archive.XXXXXX";

static char *in_dir(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void write_file(const char *path, const char *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0 && write_all(fd, data, n) == 0);
	if (fd >= 0)
		close(fd);
}

/* Paths of every length class: plain, prefix/name split, pax; sizes around 512. */
static void test_tar_round_trip(void)
{
	static const size_t sizes[] = { 0, 1, 511, 512, 513, 70000 };
	struct buf path[6], err = BUF_INIT;
	char *tarpath = in_dir("t.tar.gz"), *data = xmalloc(70000);
	struct gz_writer *w;
	struct gz_reader *r;
	struct tar_writer *t;
	struct tar_reader *tr;
	struct tar_entry e;
	size_t i;
	int fd;

	for (i = 0; i < 70000; i++)
		data[i] = (char)(i * 7);
	for (i = 0; i < 6; i++) {
		buf_init(&path[i]);
		buf_printf(&path[i], "f%zu", i);
	}
	buf_reset(&path[1]);
	for (i = 0; i < 12; i++)
		buf_adds(&path[1], "dir456789/");
	buf_adds(&path[1], "name");                     /* 124 bytes: prefix + name */
	buf_reset(&path[2]);
	for (i = 0; i < 30; i++)
		buf_adds(&path[2], "dir456789/");
	buf_adds(&path[2], "name");                     /* 304 bytes: pax */
	buf_reset(&path[3]);
	for (i = 0; i < 4000; i++)
		buf_addc(&path[3], 'x');                    /* one component of 4000 bytes: pax */
	fd = open(tarpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	w = gz_writer_open(fd, 6);
	t = tar_writer_new(w, 1234);
	for (i = 0; i < 6; i++)
		CHECK(tar_write_bytes(t, path[i].data, i % 2 ? 0755 : 0644, data, sizes[i], &err) == 0);
	CHECK(tar_writer_finish(t, &err) == 0);
	CHECK(gz_writer_close(w, false) == 0);
	CHECK_STR(err.data ? err.data : "", "");

	r = gz_reader_open(open(tarpath, O_RDONLY));
	tr = tar_reader_new(r);
	for (i = 0; i < 6; i++) {
		char got[70000];
		size_t have = 0;
		long n;

		CHECK_INT(tar_next(tr, &e, &err), 1);
		CHECK_STR(e.path, path[i].data);
		CHECK_INT(e.path_len, path[i].len);
		CHECK_INT(e.size, sizes[i]);
		CHECK_INT(e.mode, i % 2 ? 0755 : 0644);
		CHECK(e.type == TAR_FILE);
		/* Read the first two entries whole; let tar_next skip the others. */
		while (i < 2 && (n = tar_read(tr, got + have, sizeof got - have, &err)) > 0)
			have += (size_t)n;
		if (i < 2) {
			CHECK_INT(have, sizes[i]);
			CHECK(memcmp(got, data, have) == 0);
		}
		tar_entry_free(&e);
	}
	CHECK_INT(tar_next(tr, &e, &err), 0);
	tar_reader_free(tr);
	gz_reader_close(r);
	/* The same entry too long for any header is refused, not cut. */
	buf_reset(&path[4]);
	for (i = 0; i < 4097; i++)
		buf_addc(&path[4], 'y');
	fd = open(tarpath, O_WRONLY | O_TRUNC);
	w = gz_writer_open(fd, 6);
	t = tar_writer_new(w, 0);
	CHECK(tar_write_bytes(t, path[4].data, 0644, "", 0, &err) == -1);
	CHECK(strstr(err.data, "too long") != NULL);
	tar_writer_finish(t, &err);
	gz_writer_close(w, false);
	for (i = 0; i < 6; i++)
		buf_free(&path[i]);
	buf_free(&err);
	unlink(tarpath);
	free(tarpath);
	free(data);
}

/* A manifest with awkward paths survives writing and extraction. */
static void test_manifest_round_trip(void)
{
	struct archive_manifest m, got;
	struct buf err = BUF_INIT, longname = BUF_INIT;
	char *src = in_dir("src"), *out = in_dir("m.tar.gz"), *dst = in_dir("dst");
	const char *names[3];
	size_t i;
	int fd;

	mkdir(src, 0755);
	mkdir(dst, 0755);
	/* 300 bytes over 20 directories: continuation lines in the manifest. */
	for (i = 0; i < 20; i++) {
		char *d;

		buf_adds(&longname, "long dir part/");
		d = xasprintf("%s/%s", src, longname.data);
		mkdir(d, 0755);
		free(d);
	}
	buf_adds(&longname, "file");
	names[0] = "with space ; and # and = signs";
	names[1] = "per%cent";
	names[2] = longname.data;
	memset(&m, 0, sizeof m);
	m.profile = xstrdup("ci profile");
	m.protocol = xstrdup("exec");
	for (i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", src, names[i]);

		write_file(p, names[i], strlen(names[i]));
		free(p);
		strvec_push(&m.files, names[i]);
		strvec_push(&m.binaries, names[i]);
	}
	CHECK(archive_write(out, src, &m, 0, &err) == 0);
	fd = open(dst, O_RDONLY | O_DIRECTORY);
	CHECK(archive_extract(out, fd, dst, 0, &got, &err) == 0);
	close(fd);
	CHECK_STR(err.data ? err.data : "", "");
	CHECK_STR(got.profile, "ci profile");
	CHECK_STR(got.protocol, "exec");
	CHECK(got.config == NULL);
	CHECK_INT(got.binaries.n, 3);
	CHECK_INT(got.files.n, 3);
	for (i = 0; i < 3 && i < got.binaries.n; i++)
		CHECK_STR(got.binaries.v[i], names[i]);
	archive_manifest_free(&m);
	archive_manifest_free(&got);
	CHECK(archive_remove_tree(dst) == 0);
	CHECK(archive_remove_tree(src) == 0);
	unlink(out);
	free(src);
	free(out);
	free(dst);
	buf_free(&err);
	buf_free(&longname);
}

/*
 * A symbolic link already in the destination is never followed: an entry
 * under it is refused and what the extraction made before is removed.
 */
static void test_existing_symlink(void)
{
	struct archive_manifest m, got;
	struct buf err = BUF_INIT;
	char *src = in_dir("src2"), *out = in_dir("s.tar.gz"), *dst = in_dir("dst2");
	char *target = in_dir("elsewhere"), *p;
	struct stat st;
	int fd;

	mkdir(src, 0755);
	p = xasprintf("%s/sub", src);
	mkdir(p, 0755);
	free(p);
	p = xasprintf("%s/a.txt", src);
	write_file(p, "a", 1);
	free(p);
	p = xasprintf("%s/sub/f.txt", src);
	write_file(p, "f", 1);
	free(p);
	memset(&m, 0, sizeof m);
	strvec_push(&m.files, "a.txt");
	strvec_push(&m.files, "sub/f.txt");
	CHECK(archive_write(out, src, &m, 0, &err) == 0);
	mkdir(dst, 0755);
	mkdir(target, 0755);
	p = xasprintf("%s/sub", dst);
	CHECK(symlink(target, p) == 0);
	free(p);
	fd = open(dst, O_RDONLY | O_DIRECTORY);
	CHECK(archive_extract(out, fd, dst, 0, &got, &err) == -1);
	close(fd);
	CHECK(err.data && strstr(err.data, "entry 'sub/f.txt'") != NULL);
	CHECK(err.data && strstr(err.data, "'sub' is a symbolic link or not a directory") != NULL);
	/* Nothing reached the link's target, and the extraction's own files are gone. */
	p = xasprintf("%s/f.txt", target);
	CHECK(stat(p, &st) != 0);
	free(p);
	p = xasprintf("%s/a.txt", dst);
	CHECK(stat(p, &st) != 0);
	free(p);
	p = xasprintf("%s/" ARCHIVE_MANIFEST, dst);
	CHECK(stat(p, &st) != 0);
	free(p);
	p = xasprintf("%s/sub", dst);
	CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
	free(p);
	archive_manifest_free(&m);
	archive_remove_tree(dst);
	archive_remove_tree(src);
	archive_remove_tree(target);
	unlink(out);
	free(src);
	free(out);
	free(dst);
	free(target);
	buf_free(&err);
}

static bool may(const char *expr, const char *binary, const char *suite)
{
	struct filter_error fe;
	struct filter *f = filter_parse(expr, &fe);
	struct filter_subject s = { NULL, binary, suite, false };
	bool r;

	if (!f)
		return false;
	r = filter_may_match(f, &s);
	filter_free(f);
	return r;
}

/* Before listing, test() and ignored() are unknown: only a sure "no" leaves a binary out. */
static void test_may_match(void)
{
	CHECK(may("all()", "b", "s"));
	CHECK(!may("none()", "b", "s"));
	CHECK(may("binary(b)", "b", "s"));
	CHECK(!may("binary(c)", "b", "s"));
	CHECK(may("test(x)", "b", "s"));
	CHECK(may("not test(x)", "b", "s"));
	CHECK(may("ignored()", "b", "s"));
	CHECK(!may("binary(c) and test(x)", "b", "s"));
	CHECK(may("binary(b) and test(x)", "b", "s"));
	CHECK(may("binary(c) or test(x)", "b", "s"));
	CHECK(!may("binary(b) - binary(b)", "b", "s"));
	CHECK(may("binary(b) - test(x)", "b", "s"));
	CHECK(!may("not binary(b)", "b", "s"));
	CHECK(!may("suite(t) and (test(x) or binary(b))", "b", "s"));
	CHECK(may("suite(s) and (test(x) or binary(c))", "b", "s"));
	CHECK(!may("not (binary(b) or test(x))", "b", "s"));
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_tar_round_trip);
	RUN(test_manifest_round_trip);
	RUN(test_existing_symlink);
	RUN(test_may_match);
	archive_remove_tree(dir);
	return check_done();
}

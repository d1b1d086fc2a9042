/*
 * fuzz_archive.c - libFuzzer target for archive extraction: the gzip layer,
 * the tar reader and every check on the entries.  The first input byte
 * chooses what the rest is: a .tar.gz as it comes (the gzip reader), or a
 * tar stream that is gzipped here first (so the fuzzer reaches the tar
 * reader and the checks), optionally behind a valid manifest.  Whatever
 * the input, extraction must not fault, must create nothing outside its
 * directory, and must leave that directory empty when it refuses.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "testrig/archive.h"
#include "testrig/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[] = "/tmp/testrig-fuzz-archive.XXXXXX";
static char *input, *dest, *outside;

static void setup(void)
{
	if (!mkdtemp(base))
		abort();
	if (asprintf(&input, "%s/in.tar.gz", base) < 0 || asprintf(&dest, "%s/d", base) < 0 ||
	    asprintf(&outside, "%s/outside", base) < 0)
		abort();
}

/* Entries of the base directory besides in.tar.gz and d: must stay none. */
static bool only_ours(void)
{
	DIR *d = opendir(base);
	struct dirent *de;
	bool clean = true;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "in.tar.gz") && strcmp(de->d_name, "d"))
			clean = false;
	if (d)
		closedir(d);
	return clean;
}

static bool empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	if (d)
		closedir(d);
	return empty;
}

/* A header block with a valid checksum: the manifest, for mode 2. */
static void manifest(struct buf *tar)
{
	static const char text[] = "[archive]\nformat = 1\n[files]\n1 = a\n2 = b/c\n";
	unsigned char h[512];
	unsigned sum = 0;

	memset(h, 0, sizeof h);
	strcpy((char *)h, "testrig-archive.ini");
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)(sizeof text - 1));
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	buf_add(tar, h, sizeof h);
	buf_add(tar, text, sizeof text - 1);
	while (tar->len % 512)
		buf_addc(tar, 0);
}

static void write_input(const uint8_t *data, size_t size)
{
	FILE *f = fopen(input, "wb");

	if (!f)
		abort();
	if (size == 0 || data[0] % 3 == 0) {
		fwrite(data + (size ? 1 : 0), 1, size ? size - 1 : 0, f);
	} else {
		struct buf tar = BUF_INIT;
		z_stream z;
		unsigned char out[65536];
		int rc;

		if (data[0] % 3 == 2)
			manifest(&tar);
		buf_add(&tar, data + 1, size - 1);
		memset(&z, 0, sizeof z);
		if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		z.next_in = (unsigned char *)tar.data;
		z.avail_in = (unsigned)tar.len;
		do {
			z.next_out = out;
			z.avail_out = sizeof out;
			rc = deflate(&z, Z_FINISH);
			fwrite(out, 1, sizeof out - z.avail_out, f);
		} while (rc == Z_OK);
		deflateEnd(&z);
		buf_free(&tar);
	}
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct archive_manifest m;
	struct buf err = BUF_INIT;
	int fd, rc;

	if (!input)
		setup();
	write_input(data, size);
	if (mkdir(dest, 0755))
		abort();
	fd = open(dest, O_RDONLY | O_DIRECTORY);
	rc = archive_extract(input, fd, dest, 1 << 20, &m, &err);
	close(fd);
	if (rc == 0)
		archive_manifest_free(&m);
	else if (!err.len || !empty_dir(dest))
		abort();
	if (!only_ours())
		abort();
	if (archive_remove_tree(dest))
		abort();
	buf_free(&err);
	return 0;
}

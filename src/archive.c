/*
 * archive.c - writing and safely extracting test archives (archive.h).
 * The manifest is an ini file read back with libinih: its lines are kept
 * short (libinih cuts lines at 200 bytes) by percent-encoding each path and
 * carrying a long one over continuation lines under the same numbered key.
 * Extraction walks every path from the target directory with
 * openat(O_NOFOLLOW), creates files with O_EXCL, and keeps a list of what
 * it made so that a refusal removes exactly that.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testrig/archive.h"
#include "testrig/gz.h"
#include "testrig/parse.h"
#include "testrig/tar.h"
#include "testrig/util.h"

#ifndef TESTRIG_VERSION
#define TESTRIG_VERSION "unknown"
#endif

/* The manifest is read whole: larger is no manifest of ours. */
#define MANIFEST_MAX (16u << 20)
/* Encoded text per manifest line. */
#define LINE_PART 120

void archive_manifest_free(struct archive_manifest *m)
{
	free(m->version);
	free(m->profile);
	free(m->config);
	free(m->protocol);
	strvec_free(&m->binaries);
	strvec_free(&m->files);
	memset(m, 0, sizeof *m);
	strvec_init(&m->binaries);
	strvec_init(&m->files);
}

/* ---- the manifest ------------------------------------------------------------ */

static bool plain_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._/+,@-", c) != NULL;
}

/* "key = value" with the value percent-encoded, over continuation lines if long. */
static void put_value(struct buf *b, const char *key, const char *value)
{
	struct buf enc = BUF_INIT;
	size_t at;

	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (plain_byte(*p))
			buf_addc(&enc, (char)*p);
		else
			buf_printf(&enc, "%%%02X", *p);
	}
	buf_printf(b, "%s = ", key);
	at = 0;
	do {
		size_t n = enc.len - at < LINE_PART ? enc.len - at : LINE_PART;

		/* A part never ends inside a %XX escape: each part decodes alone. */
		if (at + n < enc.len && n > 2 && (enc.data[at + n - 1] == '%' ||
						   enc.data[at + n - 2] == '%'))
			n -= enc.data[at + n - 1] == '%' ? 1 : 2;
		if (at)
			buf_adds(b, "  ");
		buf_add(b, enc.data + at, n);
		buf_addc(b, '\n');
		at += n;
	} while (at < enc.len);
	buf_free(&enc);
}

static void manifest_text(const struct archive_manifest *m, struct buf *b)
{
	char key[32];
	size_t i;

	buf_printf(b, "; testrig archive manifest, written by testrig %s; paths are\n"
		   "; percent-encoded and long ones go on over indented lines\n[archive]\n"
		   "format = %u\n", TESTRIG_VERSION, ARCHIVE_FORMAT);
	put_value(b, "testrig-version", TESTRIG_VERSION);
	put_value(b, "profile", m->profile ? m->profile : "default");
	if (m->config)
		put_value(b, "config", m->config);
	if (m->protocol)
		put_value(b, "protocol", m->protocol);
	buf_adds(b, "\n[binaries]\n");
	for (i = 0; i < m->binaries.n; i++) {
		snprintf(key, sizeof key, "%zu", i + 1);
		put_value(b, key, m->binaries.v[i]);
	}
	buf_adds(b, "\n[files]\n");
	for (i = 0; i < m->files.n; i++) {
		snprintf(key, sizeof key, "%zu", i + 1);
		put_value(b, key, m->files.v[i]);
	}
}

struct manifest_reader {
	struct archive_manifest *m;
	struct buf *err;
	struct buf scratch;
};

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
		: c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a percent-encoded value onto out; -1 for a broken escape or a NUL. */
static int decode(const char *v, struct buf *out)
{
	for (; *v; v++) {
		int hi, lo;

		if (*v != '%') {
			buf_addc(out, *v);
			continue;
		}
		hi = hex(v[1]);
		lo = hi < 0 ? -1 : hex(v[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return -1;
		buf_addc(out, (char)(hi << 4 | lo));
		v += 2;
	}
	return 0;
}

/* A numbered list: key N+1 starts an entry, key N again continues the last. */
static int list_value(struct strvec *list, const char *name, const char *value,
		      struct buf *scratch)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(name, &end, 10);
	if (errno || *end || n == 0 || (n != list->n && n != list->n + 1))
		return -1;
	buf_reset(scratch);
	if (n == list->n) {
		/* Escapes never straddle lines, so parts decode on their own. */
		buf_adds(scratch, list->v[n - 1]);
		if (decode(value, scratch))
			return -1;
		strvec_replace(list, n - 1, buf_detach(scratch, NULL));
		return 0;
	}
	if (decode(value, scratch))
		return -1;
	strvec_push(list, scratch->len ? scratch->data : "");
	return 0;
}

static int single_value(char **field, const char *value, struct buf *scratch)
{
	buf_reset(scratch);
	if (decode(value, scratch))
		return -1;
	if (*field) {
		/* A continuation line. */
		char *joined = xasprintf("%s%s", *field, scratch->len ? scratch->data : "");

		free(*field);
		*field = joined;
		return 0;
	}
	*field = xstrdup(scratch->len ? scratch->data : "");
	return 0;
}

static int on_manifest(void *user, const char *section, const char *name, const char *value)
{
	struct manifest_reader *r = user;
	struct archive_manifest *m = r->m;
	int rc = 0;

	if (!strcmp(section, "archive")) {
		if (!strcmp(name, "format"))
			m->format = (unsigned)strtoul(value, NULL, 10);
		else if (!strcmp(name, "testrig-version"))
			rc = single_value(&m->version, value, &r->scratch);
		else if (!strcmp(name, "profile"))
			rc = single_value(&m->profile, value, &r->scratch);
		else if (!strcmp(name, "config"))
			rc = single_value(&m->config, value, &r->scratch);
		else if (!strcmp(name, "protocol"))
			rc = single_value(&m->protocol, value, &r->scratch);
		/* Keys of later formats would come with a higher format number. */
	} else if (!strcmp(section, "binaries")) {
		rc = list_value(&m->binaries, name, value, &r->scratch);
	} else if (!strcmp(section, "files")) {
		rc = list_value(&m->files, name, value, &r->scratch);
	} else {
		rc = -1;
	}
	if (rc && !r->err->len)
		buf_printf(r->err, "%s: [%s] %s = %s is not valid", ARCHIVE_MANIFEST, section, name,
			   value);
	return rc ? 0 : 1;
}

static int parse_manifest(const char *text, struct archive_manifest *m, struct buf *err)
{
	struct manifest_reader r = { m, err, BUF_INIT };
	int rc = ini_parse_string(text, on_manifest, &r);

	buf_free(&r.scratch);
	if (rc && !err->len)
		buf_printf(err, "%s: line %d cannot be read", ARCHIVE_MANIFEST, rc);
	if (!err->len && m->format != ARCHIVE_FORMAT)
		buf_printf(err, "%s: archive format %u, but this testrig reads format %u",
			   ARCHIVE_MANIFEST, m->format, ARCHIVE_FORMAT);
	return err->len ? -1 : 0;
}

/* ---- writing ----------------------------------------------------------------- */

static int write_entries(struct tar_writer *t, const char *root, const struct archive_manifest *m,
			 struct buf *err)
{
	struct buf text = BUF_INIT;
	size_t i;
	int rc;

	manifest_text(m, &text);
	rc = tar_write_bytes(t, ARCHIVE_MANIFEST, 0644, text.data, text.len, err);
	buf_free(&text);
	for (i = 0; !rc && i < m->files.n; i++) {
		char *src = xasprintf("%s/%s", root, m->files.v[i]);
		struct stat st;

		if (stat(src, &st)) {
			buf_printf(err, "%s: %s", src, strerror(errno));
			rc = -1;
		} else {
			rc = tar_write_file(t, m->files.v[i], st.st_mode & 0111 ? 0755 : 0644, src, err);
		}
		free(src);
	}
	return rc;
}

int archive_write(const char *out, const char *root, const struct archive_manifest *m,
		  int64_t mtime, struct buf *err)
{
	struct archive_manifest sorted = *m;
	struct strvec files = STRVEC_INIT;
	struct buf ignored = BUF_INIT;
	struct gz_writer *gz;
	struct tar_writer *t;
	char *tmp = xasprintf("%s.tmp.%ld", out, (long)getpid());
	size_t i;
	int fd, rc;

	for (i = 0; i < m->files.n; i++) {
		if (!strcmp(m->files.v[i], ARCHIVE_MANIFEST)) {
			buf_printf(err, "%s: a file of that name cannot go into an archive (the "
				   "manifest has it)", m->files.v[i]);
			free(tmp);
			return -1;
		}
		strvec_push(&files, m->files.v[i]);
	}
	if (files.n)
		qsort(files.v, files.n, sizeof *files.v, string_compare);
	sorted.files = files;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_printf(err, "%s: %s", tmp, strerror(errno));
		strvec_free(&files);
		free(tmp);
		return -1;
	}
	gz = gz_writer_open(fd, 9);
	t = tar_writer_new(gz, mtime);
	rc = write_entries(t, root, &sorted, err);
	/* After a failure the end blocks only fail again: that is not news. */
	if (tar_writer_finish(t, rc ? &ignored : err))
		rc = -1;
	buf_free(&ignored);
	if (gz_writer_close(gz, true) && !rc) {
		buf_printf(err, "%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (!rc && rename(tmp, out)) {
		buf_printf(err, "%s: %s", out, strerror(errno));
		rc = -1;
	}
	if (rc)
		(void)unlink(tmp);
	strvec_free(&files);
	free(tmp);
	return rc;
}

/* ---- extracting -------------------------------------------------------------- */

struct extraction {
	int dirfd;
	const char *dir;
	uint64_t max_size, total;
	char *limit;                /* max_size as a refusal names it */
	struct strvec made;         /* "d:path" / "f:path", in the order they were made */
	void *seen;                 /* tsearch tree of entry paths */
	void *listed;               /* tsearch tree of the manifest's files */
	size_t nfiles;              /* regular files extracted, besides the manifest */
	struct buf *err;
};

static int compare_keys(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Why a path may not be extracted, or NULL. */
static const char *bad_path(const struct tar_entry *e, struct buf *norm)
{
	const char *p = e->path;
	size_t n = e->path_len;

	if (strlen(p) != n)
		return "its path holds a NUL byte";
	if (n > TAR_PATH_MAX)
		return "its path is longer than 4096 bytes";
	if (n == 0)
		return "its path is empty";
	if (p[0] == '/')
		return "its path is absolute";
	/* A directory's name may end in '/'. */
	if (e->type == TAR_DIR && n > 1 && p[n - 1] == '/')
		n--;
	buf_reset(norm);
	buf_add(norm, p, n);
	for (const char *c = norm->data; c; ) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);

		if (len == 0)
			return "its path has an empty component";
		if (len == 1 && c[0] == '.')
			return "its path has a '.' component";
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return "its path has a '..' component";
		c = slash ? slash + 1 : NULL;
	}
	return NULL;
}

static const char *type_name(const struct tar_entry *e)
{
	switch (e->type) {
	case TAR_HARDLINK: return "a hard link";
	case TAR_SYMLINK: return "a symbolic link";
	case TAR_DEVICE: return "a device";
	case TAR_FIFO: return "a FIFO";
	default: return "not a regular file or directory";
	}
}

static int refuse(struct extraction *x, const struct tar_entry *e, const char *why)
{
	buf_printf(x->err, "entry '%.*s' (at byte %llu of the tar stream): %s",
		   (int)(strlen(e->path) > 200 ? 200 : strlen(e->path)), e->path,
		   (unsigned long long)e->offset, why);
	return -1;
}

static int refuse_size(struct extraction *x, const struct tar_entry *e, const char *what)
{
	char *why = xasprintf("%s larger than %s", what, x->limit);
	int rc = refuse(x, e, why);

	free(why);
	return rc;
}

/*
 * Opens the directory that holds the last component of `path`, making the
 * missing ones (recorded in x->made), never following a symlink.  Returns
 * its fd (x->dirfd itself for a top-level name) and the last component.
 */
static int open_parent(struct extraction *x, const struct tar_entry *e, char *path,
		       const char **leaf)
{
	int cur = x->dirfd;
	char *c = path, *slash;

	while ((slash = strchr(c, '/'))) {
		int fd;

		*slash = 0;
		fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(cur, c, 0755) == 0)
				strvec_pushf(&x->made, "d:%s", path);
			fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			int saved = errno;
			char *why = saved == ELOOP || saved == ENOTDIR
				? xasprintf("'%s' is a symbolic link or not a directory", path)
				: xasprintf("%s: %s", path, strerror(saved));

			*slash = '/';
			if (cur != x->dirfd)
				close(cur);
			refuse(x, e, why);
			free(why);
			return -1;
		}
		*slash = '/';
		if (cur != x->dirfd)
			close(cur);
		cur = fd;
		c = slash + 1;
	}
	*leaf = c;
	return cur;
}

static int copy_data(struct extraction *x, struct tar_reader *t, const struct tar_entry *e, int fd)
{
	char chunk[65536];
	long n;

	while ((n = tar_read(t, chunk, sizeof chunk, x->err)) > 0) {
		if (write_all(fd, chunk, (size_t)n)) {
			char *why = xasprintf("writing %s/%s: %s", x->dir, e->path, strerror(errno));

			refuse(x, e, why);
			free(why);
			return -1;
		}
	}
	return n < 0 ? -1 : 0;
}

static int make_entry(struct extraction *x, struct tar_reader *t, const struct tar_entry *e,
		      char *path)
{
	const char *leaf;
	int parent = open_parent(x, e, path, &leaf), rc = 0, fd;

	if (parent < 0)
		return -1;
	if (e->type == TAR_DIR) {
		if (mkdirat(parent, leaf, 0755) == 0)
			strvec_pushf(&x->made, "d:%s", path);
		else if (errno != EEXIST)
			rc = refuse(x, e, strerror(errno));
		/* It exists: it must be a directory this extraction made, not a link. */
		else if ((fd = openat(parent, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			rc = refuse(x, e, "a file or symbolic link of that name is in the way");
		else
			close(fd);
	} else {
		fd = openat(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = refuse(x, e, errno == EEXIST ? "something of that name is already there"
				    : strerror(errno));
		} else {
			strvec_pushf(&x->made, "f:%s", path);
			rc = copy_data(x, t, e, fd);
			/* setuid, setgid and sticky bits are dropped. */
			if (!rc && fchmod(fd, e->mode & 0777))
				rc = refuse(x, e, strerror(errno));
			if (close(fd) && !rc)
				rc = refuse(x, e, strerror(errno));
		}
	}
	if (parent != x->dirfd)
		close(parent);
	return rc;
}

/* Checks an entry and extracts it. */
static int extract_entry(struct extraction *x, struct tar_reader *t, const struct tar_entry *e)
{
	struct buf norm = BUF_INIT;
	const char *why = bad_path(e, &norm);
	char **found;
	int rc;

	if (why)
		rc = refuse(x, e, why);
	else if (e->type != TAR_FILE && e->type != TAR_DIR)
		rc = refuse(x, e, type_name(e));
	else if (e->type == TAR_DIR && e->size)
		rc = refuse(x, e, "a directory with data");
	else if (e->size > x->max_size)
		rc = refuse_size(x, e, "it is");
	else if ((x->total += e->size) > x->max_size)
		rc = refuse_size(x, e, "the archive's files together are");
	else if (e->type == TAR_FILE && !tfind(norm.data, &x->listed, compare_keys))
		rc = refuse(x, e, "it is not in the archive's manifest");
	else if (!(found = tsearch(norm.data, &x->seen, compare_keys)))
		die("out of memory");
	else if (*found != norm.data)
		rc = refuse(x, e, "it appears twice");
	else {
		/* The tree keeps the path (buf_detach hands over the same bytes). */
		char *path = buf_detach(&norm, NULL);

		x->nfiles += e->type == TAR_FILE;
		return make_entry(x, t, e, path);
	}
	buf_free(&norm);
	return rc;
}

/* The manifest: the first entry, a regular file, read whole. */
static int read_manifest(struct extraction *x, struct tar_reader *t, struct archive_manifest *m)
{
	struct tar_entry e;
	struct buf text = BUF_INIT;
	char chunk[8192];
	long n;
	int rc = tar_next(t, &e, x->err);
	size_t i;

	if (rc == 0)
		buf_adds(x->err, "the archive is empty");
	if (rc <= 0)
		return -1;
	if (strcmp(e.path, ARCHIVE_MANIFEST) || e.type != TAR_FILE || e.size > MANIFEST_MAX) {
		rc = refuse(x, &e, "the first entry of a testrig archive must be its manifest, "
			    ARCHIVE_MANIFEST);
		tar_entry_free(&e);
		return rc;
	}
	while ((n = tar_read(t, chunk, sizeof chunk, x->err)) > 0)
		buf_add(&text, chunk, (size_t)n);
	rc = n < 0 || memchr(text.data, 0, text.len) ? -1 : parse_manifest(text.data, m, x->err);
	if (n >= 0 && rc && !x->err->len)
		buf_printf(x->err, "%s holds a NUL byte", ARCHIVE_MANIFEST);
	for (i = 0; !rc && i < m->files.n; i++)
		if (!tsearch(m->files.v[i], &x->listed, compare_keys))
			die("out of memory");
	/* The manifest itself is extracted too, for whoever looks later. */
	if (!rc) {
		int fd = openat(x->dirfd, ARCHIVE_MANIFEST,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

		if (fd < 0 || write_all(fd, text.data, text.len) || close(fd)) {
			buf_printf(x->err, "%s/%s: %s", x->dir, ARCHIVE_MANIFEST, strerror(errno));
			rc = -1;
		} else {
			strvec_pushf(&x->made, "f:%s", ARCHIVE_MANIFEST);
		}
	}
	buf_free(&text);
	tar_entry_free(&e);
	return rc;
}

/*
 * After the first zero block only the second and the padding to a record
 * may follow, all zeros, then a proper gzip end.  Nothing past that is
 * read: gigabytes of zeros after the end are refused, not decompressed.
 */
static int check_end(struct extraction *x, struct gz_reader *gz, const char *path)
{
	char chunk[ARCHIVE_TAIL_MAX + 1];
	size_t got = 0;
	ssize_t n = 0;

	while (got < sizeof chunk && (n = gz_read(gz, chunk + got, sizeof chunk - got, x->err)) > 0)
		got += (size_t)n;
	if (got < sizeof chunk && n < 0)
		return -1;
	for (size_t i = 0; i < got; i++)
		if (chunk[i]) {
			buf_adds(x->err, "data follows the end of the tar archive");
			return -1;
		}
	if (got > ARCHIVE_TAIL_MAX) {
		buf_printf(x->err, "more than %d bytes follow the tar archive's first end-of-archive "
			   "block (its second and the padding to a record of 20 blocks)",
			   ARCHIVE_TAIL_MAX);
		return -1;
	}
	if (!gz_complete(gz)) {
		buf_printf(x->err, "%s is cut short (the gzip stream has no end)", path);
		return -1;
	}
	return 0;
}

static void undo(struct extraction *x)
{
	for (size_t i = x->made.n; i-- > 0;) {
		const char *m = x->made.v[i];

		(void)unlinkat(x->dirfd, m + 2, m[0] == 'd' ? AT_REMOVEDIR : 0);
	}
}

static void free_node(void *p)
{
	(void)p;
}

/* A size as a refusal says it: "64MiB", "2111796 bytes". */
static void size_words(struct buf *b, uint64_t v)
{
	format_size(b, v);
	if (b->len && b->data[b->len - 1] >= '0' && b->data[b->len - 1] <= '9')
		buf_adds(b, " bytes");
}

/* max_size, or the default for the archive open as fd; and its words for a refusal. */
static void set_limit(struct extraction *x, int fd, uint64_t max_size)
{
	struct buf b = BUF_INIT, own = BUF_INIT;
	struct stat st;

	if (max_size) {
		x->max_size = max_size;
		buf_adds(&b, "--archive-max-size ");
		size_words(&b, max_size);
	} else {
		uint64_t size = fstat(fd, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;

		x->max_size = size > ARCHIVE_MAX_SIZE_FLOOR / ARCHIVE_SIZE_RATIO
			? (size > UINT64_MAX / ARCHIVE_SIZE_RATIO ? UINT64_MAX : size * ARCHIVE_SIZE_RATIO)
			: ARCHIVE_MAX_SIZE_FLOOR;
		size_words(&own, size);
		buf_adds(&b, "the default limit of ");
		size_words(&b, x->max_size);
		buf_printf(&b, " (%d times the archive's %s, at least ", ARCHIVE_SIZE_RATIO,
			   own.data);
		size_words(&b, ARCHIVE_MAX_SIZE_FLOOR);
		buf_adds(&b, "; --archive-max-size sets another)");
	}
	x->limit = buf_detach(&b, NULL);
	buf_free(&own);
}

int archive_extract(const char *path, int dirfd, const char *dir, uint64_t max_size,
		    struct archive_manifest *m, struct buf *err)
{
	struct extraction x;
	struct gz_reader *gz;
	struct tar_reader *t;
	struct tar_entry e;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	size_t i;

	memset(m, 0, sizeof *m);
	strvec_init(&m->binaries);
	strvec_init(&m->files);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	memset(&x, 0, sizeof x);
	strvec_init(&x.made);
	x.dirfd = dirfd;
	x.dir = dir;
	x.err = err;
	set_limit(&x, fd, max_size);
	gz = gz_reader_open(fd);
	t = tar_reader_new(gz);
	rc = read_manifest(&x, t, m);
	while (!rc && (rc = tar_next(t, &e, err)) > 0) {
		rc = extract_entry(&x, t, &e);
		tar_entry_free(&e);
	}
	if (!rc)
		rc = check_end(&x, gz, path);
	if (!rc && x.nfiles != m->files.n) {
		/* Every listed file was looked up as it came; count what never came. */
		for (i = 0; i < m->files.n; i++)
			if (!tfind(m->files.v[i], &x.seen, compare_keys))
				break;
		buf_printf(err, "the manifest lists '%s', which is not in the archive",
			   i < m->files.n ? m->files.v[i] : "?");
		rc = -1;
	}
	if (rc)
		undo(&x);
	tar_reader_free(t);
	gz_reader_close(gz);
	/* The seen tree owns its keys; the listed tree borrows the manifest's. */
	tdestroy(x.seen, free);
	tdestroy(x.listed, free_node);
	strvec_free(&x.made);
	free(x.limit);
	if (rc) {
		char *why = buf_detach(err, NULL);

		buf_printf(err, "cannot extract %s: %s", path, why);
		free(why);
		archive_manifest_free(m);
	}
	return rc ? -1 : 0;
}

/* ---- removing ---------------------------------------------------------------- */

static int remove_in(int dirfd);

/* One entry of a directory being emptied; *failed when it stays. */
static int remove_entry(void *ctx, const char *name)
{
	int *dirfd_and_failed = ctx, sub;

	if (unlinkat(dirfd_and_failed[0], name, 0) == 0)
		return 0;
	sub = openat(dirfd_and_failed[0], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0 || remove_in(sub) || unlinkat(dirfd_and_failed[0], name, AT_REMOVEDIR))
		dirfd_and_failed[1] = -1;
	if (sub >= 0)
		close(sub);
	return 0;
}

/* Empties a directory, depth first, allocating nothing (the fatal path uses it). */
static int remove_in(int dirfd)
{
	int ctx[2] = { dirfd, 0 };

	if (dir_each(dirfd, remove_entry, ctx))
		return -1;
	return ctx[1];
}

int archive_remove_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	rc = remove_in(fd);
	close(fd);
	return rc || rmdir(path) ? -1 : 0;
}

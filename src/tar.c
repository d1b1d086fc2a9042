/*
 * tar.c - the ustar writer and reader of tar.h.  Headers are built and
 * checked field by field; numbers are octal (the writer refuses sizes that
 * need more than 11 digits, the reader refuses base-256 numbers); a pax `x`
 * record carries a path too long for name and prefix.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/gz.h"
#include "testrig/tar.h"
#include "testrig/util.h"

/* Field offsets and sizes of a ustar header. */
#define F_NAME 0
#define F_MODE 100
#define F_UID 108
#define F_GID 116
#define F_SIZE 124
#define F_MTIME 136
#define F_CHKSUM 148
#define F_TYPE 156
#define F_MAGIC 257
#define F_VERSION 263
#define F_PREFIX 345
#define NAME_LEN 100
#define PREFIX_LEN 155
/* The biggest size an 11-digit octal field holds. */
#define OCTAL11_MAX 077777777777ULL
/* A pax header bigger than this is no archive of ours. */
#define PAX_MAX (64 * 1024)

struct tar_writer {
	struct gz_writer *gz;
	int64_t mtime;
};

/* ---- writing --------------------------------------------------------------- */

struct tar_writer *tar_writer_new(struct gz_writer *w, int64_t mtime)
{
	struct tar_writer *t = xcalloc(1, sizeof *t);

	t->gz = w;
	t->mtime = mtime < 0 ? 0 : mtime > (int64_t)OCTAL11_MAX ? (int64_t)OCTAL11_MAX : mtime;
	return t;
}

static void octal(unsigned char *field, size_t len, uint64_t v)
{
	/* len - 1 digits, zero-padded, then NUL. */
	field[len - 1] = 0;
	for (size_t i = len - 1; i-- > 0; v >>= 3)
		field[i] = (unsigned char)('0' + (v & 7));
}

static unsigned checksum(const unsigned char *h)
{
	unsigned sum = 0;

	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += i >= F_CHKSUM && i < F_CHKSUM + 8 ? ' ' : h[i];
	return sum;
}

static int emit(struct tar_writer *t, const void *p, size_t n, struct buf *err)
{
	if (gz_write(t->gz, p, n)) {
		buf_printf(err, "writing the archive: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Zero bytes up to the next block boundary after n bytes of data. */
static int pad(struct tar_writer *t, uint64_t n, struct buf *err)
{
	static const unsigned char zero[TAR_BLOCK];
	size_t rest = (size_t)(n % TAR_BLOCK);

	return rest ? emit(t, zero, TAR_BLOCK - rest, err) : 0;
}

static int header(struct tar_writer *t, const char *name, size_t prefix_len, char type,
		  unsigned mode, uint64_t size, struct buf *err)
{
	unsigned char h[TAR_BLOCK];
	size_t n = strlen(name);

	memset(h, 0, sizeof h);
	if (prefix_len) {
		memcpy(h + F_PREFIX, name, prefix_len);
		name += prefix_len + 1;
		n -= prefix_len + 1;
	}
	memcpy(h + F_NAME, name, n);
	octal(h + F_MODE, 8, mode & 07777);
	octal(h + F_UID, 8, 0);
	octal(h + F_GID, 8, 0);
	octal(h + F_SIZE, 12, size);
	octal(h + F_MTIME, 12, (uint64_t)t->mtime);
	h[F_TYPE] = (unsigned char)type;
	memcpy(h + F_MAGIC, "ustar", 6);
	memcpy(h + F_VERSION, "00", 2);
	octal(h + F_CHKSUM, 7, checksum(h));
	h[F_CHKSUM + 7] = ' ';
	return emit(t, h, sizeof h, err);
}

/* Where to split a path into prefix and name (0: it fits in name; -1: it cannot). */
static long split_at(const char *name, size_t n)
{
	size_t i;

	if (n <= NAME_LEN)
		return 0;
	for (i = n - 1; i > 0; i--)
		if (name[i] == '/' && i <= PREFIX_LEN && n - i - 1 <= NAME_LEN && n - i - 1 > 0)
			return (long)i;
	return -1;
}

/* The length of a pax record "LEN key=value\n", LEN counting itself. */
static size_t pax_record_len(size_t body)
{
	size_t len = body, digits;

	for (;;) {
		size_t total = len, d = 1;

		while (total >= 10) {
			total /= 10;
			d++;
		}
		digits = d;
		if (body + digits == len)
			return len;
		len = body + digits;
	}
}

static int entry_header(struct tar_writer *t, const char *name, unsigned mode, uint64_t size,
			struct buf *err)
{
	size_t n = strlen(name);
	long at;

	if (n == 0 || n > TAR_PATH_MAX) {
		buf_printf(err, "%s: the path is %s", name, n ? "too long" : "empty");
		return -1;
	}
	if (size > OCTAL11_MAX) {
		buf_printf(err, "%s: too large for the archive (8 GiB at most)", name);
		return -1;
	}
	at = split_at(name, n);
	if (at < 0) {
		/* A pax record: "LEN path=NAME\n". */
		struct buf rec = BUF_INIT;
		size_t body = 1 + 5 + n + 1;   /* " path=" NAME "\n" */
		int rc;

		buf_printf(&rec, "%zu path=%s\n", pax_record_len(body), name);
		rc = header(t, "././@PaxHeader", 0, 'x', 0644, rec.len, err);
		if (!rc)
			rc = emit(t, rec.data, rec.len, err);
		if (!rc)
			rc = pad(t, rec.len, err);
		buf_free(&rec);
		if (rc)
			return rc;
		/* The plain header keeps the name's last NAME_LEN bytes, for old readers. */
		return header(t, name + n - NAME_LEN, 0, '0', mode, size, err);
	}
	return header(t, name, (size_t)at, '0', mode, size, err);
}

int tar_write_bytes(struct tar_writer *t, const char *name, unsigned mode, const void *p,
		    size_t n, struct buf *err)
{
	if (entry_header(t, name, mode, n, err) || emit(t, p, n, err))
		return -1;
	return pad(t, n, err);
}

int tar_write_file(struct tar_writer *t, const char *name, unsigned mode, const char *path,
		   struct buf *err)
{
	char chunk[65536];
	struct stat st;
	uint64_t left;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(err, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (entry_header(t, name, mode, (uint64_t)st.st_size, err)) {
		close(fd);
		return -1;
	}
	for (left = (uint64_t)st.st_size; left > 0;) {
		ssize_t r = read(fd, chunk, left < sizeof chunk ? (size_t)left : sizeof chunk);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* The header promised st_size bytes: a file that shrank spoils the archive. */
			buf_printf(err, "%s: %s while archiving it", path,
				   r < 0 ? strerror(errno) : "it shrank");
			close(fd);
			return -1;
		}
		if (emit(t, chunk, (size_t)r, err)) {
			close(fd);
			return -1;
		}
		left -= (uint64_t)r;
	}
	close(fd);
	return pad(t, (uint64_t)st.st_size, err);
}

int tar_writer_finish(struct tar_writer *t, struct buf *err)
{
	static const unsigned char zero[2 * TAR_BLOCK];
	int rc = emit(t, zero, sizeof zero, err);

	free(t);
	return rc;
}

/* ---- reading --------------------------------------------------------------- */

struct tar_reader {
	struct gz_reader *gz;
	uint64_t pos;               /* bytes of the tar stream consumed */
	uint64_t left;              /* data bytes of the current entry not yet read */
	uint64_t padding;           /* and the padding after them */
	bool ended;
};

struct tar_reader *tar_reader_new(struct gz_reader *r)
{
	struct tar_reader *t = xcalloc(1, sizeof *t);

	t->gz = r;
	return t;
}

/* Exactly n bytes, or -1 with *err (a stream cut short is an error here). */
static int read_exact(struct tar_reader *t, void *p, size_t n, struct buf *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = gz_read(t->gz, (char *)p + got, n - got, err);

		if (r < 0)
			return -1;
		if (r == 0) {
			buf_printf(err, "the archive is cut short (at byte %llu of the tar stream)",
				   (unsigned long long)(t->pos + got));
			return -1;
		}
		got += (size_t)r;
	}
	t->pos += n;
	return 0;
}

static int skip(struct tar_reader *t, uint64_t n, struct buf *err)
{
	char scratch[8192];

	while (n > 0) {
		size_t k = n < sizeof scratch ? (size_t)n : sizeof scratch;

		if (read_exact(t, scratch, k, err))
			return -1;
		n -= k;
	}
	return 0;
}

/* An octal field: digits after optional spaces, ended by NUL or space. */
static int parse_octal(const unsigned char *f, size_t len, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	bool digits = false;

	if (f[0] & 0x80)
		return -1;     /* base-256: a size or time no archive of ours has */
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
		digits = true;
	}
	for (; i < len; i++)
		if (f[i] != 0 && f[i] != ' ')
			return -1;
	*out = digits ? v : 0;
	return 0;
}

static bool all_zero(const unsigned char *h)
{
	for (size_t i = 0; i < TAR_BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

static enum tar_type type_of(char c)
{
	switch (c) {
	case '0': case 0: return TAR_FILE;
	case '5': return TAR_DIR;
	case '1': return TAR_HARDLINK;
	case '2': return TAR_SYMLINK;
	case '3': case '4': return TAR_DEVICE;
	case '6': return TAR_FIFO;
	default: return TAR_OTHER;
	}
}

/*
 * The records of a pax header: "LEN key=value\n" each.  path and size
 * matter (into *path, *size); others are read and passed over.
 */
static int parse_pax(const char *p, size_t n, struct buf *path, bool *has_path, uint64_t *size,
		     bool *has_size, struct buf *err)
{
	size_t at = 0;

	while (at < n) {
		size_t len = 0, i = at, eq;

		while (i < n && p[i] >= '0' && p[i] <= '9' && len < n)
			len = len * 10 + (size_t)(p[i++] - '0');
		if (i == at || i >= n || p[i] != ' ' || len < 5 || len > n - at || p[at + len - 1] != '\n') {
			buf_adds(err, "a pax header record is malformed");
			return -1;
		}
		for (eq = i + 1; eq < at + len - 1 && p[eq] != '='; eq++)
			;
		if (eq >= at + len - 1) {
			buf_adds(err, "a pax header record has no '='");
			return -1;
		}
		if (eq - i - 1 == 4 && !memcmp(p + i + 1, "path", 4)) {
			buf_reset(path);
			buf_add(path, p + eq + 1, at + len - 1 - eq - 1);
			*has_path = true;
		} else if (eq - i - 1 == 4 && !memcmp(p + i + 1, "size", 4)) {
			uint64_t v = 0;
			size_t k;

			for (k = eq + 1; k < at + len - 1; k++) {
				if (p[k] < '0' || p[k] > '9' || v > (UINT64_MAX - 9) / 10) {
					buf_adds(err, "a pax size record is not a number");
					return -1;
				}
				v = v * 10 + (uint64_t)(p[k] - '0');
			}
			if (k == eq + 1) {
				buf_adds(err, "a pax size record is empty");
				return -1;
			}
			*size = v;
			*has_size = true;
		}
		at += len;
	}
	return 0;
}

/* What pax `x` headers said about the entry that follows them. */
struct pax_state {
	struct buf path;
	bool has_path;
	uint64_t size;
	bool has_size;
};

/* Reads a header block and checks it; 1 a header, 0 the end, -1 an error. */
static int read_header(struct tar_reader *t, unsigned char *h, struct buf *err)
{
	uint64_t sum;
	unsigned want;
	long signed_sum = 0;

	if (read_exact(t, h, TAR_BLOCK, err))
		return -1;
	if (all_zero(h))
		return 0;
	if (parse_octal(h + F_CHKSUM, 8, &sum)) {
		buf_printf(err, "the header at byte %llu has no valid checksum field",
			   (unsigned long long)(t->pos - TAR_BLOCK));
		return -1;
	}
	want = checksum(h);
	for (size_t i = 0; i < TAR_BLOCK; i++)
		signed_sum += i >= F_CHKSUM && i < F_CHKSUM + 8 ? ' ' : (signed char)h[i];
	if (sum != want && (long)sum != signed_sum) {
		buf_printf(err, "the header at byte %llu has a bad checksum",
			   (unsigned long long)(t->pos - TAR_BLOCK));
		return -1;
	}
	if (memcmp(h + F_MAGIC, "ustar", 5)) {
		buf_printf(err, "the header at byte %llu is not ustar",
			   (unsigned long long)(t->pos - TAR_BLOCK));
		return -1;
	}
	return 1;
}

/* The name of a header: prefix/name, each up to its NUL or its length. */
static void header_name(const unsigned char *h, struct buf *out)
{
	size_t pn = strnlen((const char *)h + F_PREFIX, PREFIX_LEN);
	size_t nn = strnlen((const char *)h + F_NAME, NAME_LEN);

	buf_reset(out);
	if (pn) {
		buf_add(out, h + F_PREFIX, pn);
		buf_addc(out, '/');
	}
	buf_add(out, h + F_NAME, nn);
}

/* The data of a pax header ('x': its path and size records; 'g': read and passed over). */
static int read_pax(struct tar_reader *t, const unsigned char *h, uint64_t size, uint64_t start,
		    struct pax_state *pax, struct buf *err)
{
	char *data;
	int rc;

	if (size > PAX_MAX) {
		buf_printf(err, "the pax header at byte %llu is too large", (unsigned long long)start);
		return -1;
	}
	data = xmalloc((size_t)size + 1);
	rc = read_exact(t, data, (size_t)size, err);
	if (!rc)
		rc = skip(t, (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK, err);
	/* A global header says nothing about any one entry. */
	if (!rc && h[F_TYPE] == 'x')
		rc = parse_pax(data, (size_t)size, &pax->path, &pax->has_path, &pax->size,
			       &pax->has_size, err);
	free(data);
	return rc;
}

int tar_next(struct tar_reader *t, struct tar_entry *e, struct buf *err)
{
	unsigned char h[TAR_BLOCK];
	struct pax_state pax = { BUF_INIT, false, 0, false };
	uint64_t size, mode, start;
	int rc;

	memset(e, 0, sizeof *e);
	if (t->ended)
		return 0;
	if (skip(t, t->left + t->padding, err))
		return -1;
	t->left = t->padding = 0;
	for (;;) {
		start = t->pos;
		rc = read_header(t, h, err);
		if (rc == 0) {
			t->ended = true;
			/* A pax header must be followed by its entry. */
			if (pax.has_path || pax.has_size) {
				buf_adds(err, "the archive ends after a pax header");
				rc = -1;
			}
		} else if (rc > 0 && (parse_octal(h + F_SIZE, 12, &size) ||
				      parse_octal(h + F_MODE, 8, &mode))) {
			buf_printf(err, "the header at byte %llu has a bad size or mode",
				   (unsigned long long)start);
			rc = -1;
		} else if (rc > 0 && (h[F_TYPE] == 'x' || h[F_TYPE] == 'g')) {
			if (read_pax(t, h, size, start, &pax, err) == 0)
				continue;
			rc = -1;
		}
		break;
	}
	if (rc <= 0) {
		buf_free(&pax.path);
		return rc;
	}
	if (!pax.has_path)
		header_name(h, &pax.path);
	e->path_len = pax.path.len;
	e->path = buf_detach(&pax.path, NULL);
	e->typeflag = (char)h[F_TYPE];
	e->type = type_of(e->typeflag);
	e->mode = (unsigned)(mode & 07777);
	e->size = pax.has_size ? pax.size : size;
	e->offset = start;
	/* Only regular files carry data that is theirs to read. */
	t->left = e->type == TAR_FILE || e->type == TAR_OTHER ? e->size : 0;
	t->padding = (TAR_BLOCK - t->left % TAR_BLOCK) % TAR_BLOCK;
	return 1;
}

long tar_read(struct tar_reader *t, void *p, size_t n, struct buf *err)
{
	if (t->left == 0)
		return 0;
	if (n > t->left)
		n = (size_t)t->left;
	if (n > 1 << 20)
		n = 1 << 20;
	if (read_exact(t, p, n, err))
		return -1;
	t->left -= n;
	return (long)n;
}

void tar_entry_free(struct tar_entry *e)
{
	free(e->path);
	memset(e, 0, sizeof *e);
}

void tar_reader_free(struct tar_reader *t)
{
	free(t);
}

/*
 * store.c - the store directory of store.h: its paths, the records in it,
 * the lock, pruning.  Owns the path strings.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testrig/store.h"
#include "testrig/text.h"
#include "testrig/util.h"

#define RECORD_SUFFIX ".jsonl.gz"
/* "20261130T130624.123Z-" before the run id. */
#define STAMP_LEN 21

void store_init(struct store *s, const char *option, const char *configured, const char *root,
		unsigned keep_runs, uint64_t max_size)
{
	const char *env = getenv("TESTRIG_STATE_DIR");

	memset(s, 0, sizeof *s);
	if (option && *option)
		s->dir = xstrdup(option);
	else if (env && *env)
		s->dir = xstrdup(env);
	else if (configured && configured[0] == '/')
		s->dir = xstrdup(configured);
	else
		s->dir = xasprintf("%s/%s", root ? root : ".", configured ? configured : ".testrig");
	s->runs = xasprintf("%s/runs", s->dir);
	s->history = xasprintf("%s/history.gz", s->dir);
	s->keep_runs = keep_runs;
	s->max_size = max_size;
}

void store_free(struct store *s)
{
	free(s->dir);
	free(s->runs);
	free(s->history);
	memset(s, 0, sizeof *s);
}

/* mkdir -p: the directory and any parent it lacks. */
static int make_dir(const char *path, struct buf *why)
{
	char *p = xstrdup(path), *slash;
	int rc = 0;

	for (slash = strchr(p + 1, '/'); ; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = 0;
		if (mkdir(p, 0755) && errno != EEXIST) {
			buf_printf(why, "cannot create %s: %s", p, strerror(errno));
			rc = -1;
			break;
		}
		if (!slash)
			break;
		*slash = '/';
	}
	free(p);
	return rc;
}

int store_open_runs(const struct store *s, struct buf *why)
{
	int fd = open(s->runs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err = errno;
	struct stat st;

	if (fd >= 0)
		return fd;
	if (lstat(s->runs, &st) == 0 && S_ISLNK(st.st_mode))
		buf_printf(why, "%s is a symbolic link (the store keeps its records in a directory "
			   "of its own: testrig neither writes nor deletes through it)", s->runs);
	else
		buf_printf(why, "cannot open %s: %s", s->runs, strerror(err));
	errno = err;
	return -1;
}

int store_prepare(const struct store *s, struct buf *why)
{
	int fd;

	if (make_dir(s->dir, why) || make_dir(s->runs, why))
		return -1;
	if ((fd = store_open_runs(s, why)) < 0)
		return -1;
	close(fd);
	if (access(s->runs, W_OK | X_OK)) {
		buf_printf(why, "cannot write to %s: %s", s->runs, strerror(errno));
		return -1;
	}
	return 0;
}

char *store_record_path(const struct store *s, int64_t start_wall, const char *run_id)
{
	struct buf p = BUF_INIT;

	buf_adds(&p, s->runs);
	buf_addc(&p, '/');
	format_timestamp_basic(&p, start_wall);
	buf_addc(&p, '-');
	buf_adds(&p, run_id);
	buf_adds(&p, RECORD_SUFFIX);
	return buf_detach(&p, NULL);
}

static bool is_record_name(const char *name)
{
	size_t n = strlen(name), k = strlen(RECORD_SUFFIX);

	return n > STAMP_LEN + k && strcmp(name + n - k, RECORD_SUFFIX) == 0 &&
		name[8] == 'T' && name[STAMP_LEN - 1] == '-';
}

static int newest_first(const void *a, const void *b)
{
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* The records in the directory fd (taken) names, as paths under runs, newest first. */
static int list_records(int fd, const char *runs, struct strvec *paths, struct buf *why)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	size_t first = paths->n;

	if (!d) {
		buf_printf(why, "cannot read %s: %s", runs, strerror(errno));
		close(fd);
		return -1;
	}
	while ((e = readdir(d)))
		if (is_record_name(e->d_name))
			strvec_pushf(paths, "%s/%s", runs, e->d_name);
	closedir(d);
	if (paths->n > first)
		qsort(paths->v + first, paths->n - first, sizeof *paths->v, newest_first);
	return 0;
}

int store_records(const struct store *s, struct strvec *paths, struct buf *why)
{
	int fd = store_open_runs(s, why);

	if (fd < 0 && errno == ENOENT) {
		buf_reset(why);
		return 0;
	}
	return fd < 0 ? -1 : list_records(fd, s->runs, paths, why);
}

char *store_run_id(const char *path)
{
	const char *name = strrchr(path, '/');
	size_t n;

	name = name ? name + 1 : path;
	if (!is_record_name(name))
		return NULL;
	n = strlen(name) - STAMP_LEN - strlen(RECORD_SUFFIX);
	return xstrndup(name + STAMP_LEN, n);
}

int store_find(const struct store *s, const char *spec, char **path, struct buf *err)
{
	struct strvec all = STRVEC_INIT;
	size_t i, found = 0;
	char *match = NULL;

	*path = NULL;
	if (strchr(spec, '/') || (strlen(spec) > strlen(RECORD_SUFFIX) &&
				  strcmp(spec + strlen(spec) - strlen(RECORD_SUFFIX), RECORD_SUFFIX) == 0)) {
		*path = xstrdup(spec);
		return 0;
	}
	if (store_records(s, &all, err)) {
		strvec_free(&all);
		return -1;
	}
	for (i = 0; i < all.n; i++) {
		char *id = store_run_id(all.v[i]);

		if (strncmp(id, spec, strlen(spec)) == 0) {
			if (!found++)
				match = all.v[i];
		}
		free(id);
	}
	if (found == 1)
		*path = xstrdup(match);
	else if (!found)
		buf_printf(err, "no recorded run has an id beginning with '%s' (testrig runs lists "
			   "them)", spec);
	else
		buf_printf(err, "%zu recorded runs have an id beginning with '%s': give more of it",
			   found, spec);
	strvec_free(&all);
	return *path ? 0 : -1;
}

/* The lock file, opened (made if missing) without following a link: an fd or -1. */
static int open_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		/* Another run made it first. */
		if (fd < 0 && errno == EEXIST)
			fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

int store_lock(const struct store *s, struct buf *why)
{
	char *path = xasprintf("%s/lock", s->dir);
	int fd = open_lock(path);

	if (fd < 0) {
		if (errno == ELOOP)
			buf_printf(why, "%s is a symbolic link (testrig locks a file of its own there)",
				   path);
		else
			buf_printf(why, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			buf_printf(why, "cannot lock %s: %s", path, strerror(errno));
			close(fd);
			free(path);
			return -1;
		}
	}
	free(path);
	return fd;
}

void store_unlock(int fd)
{
	if (fd >= 0)
		close(fd);      /* closing the last fd of the open file releases the flock */
}

void store_prune(const struct store *s, const char *keep)
{
	struct strvec all = STRVEC_INIT;
	struct buf why = BUF_INIT;
	uint64_t total = 0;
	size_t i, kept = 0;
	bool cut = false;
	/* Each record by its name in the directory, never through a link. */
	int dir = store_open_runs(s, &why);

	if (dir < 0 || list_records(dup(dir), s->runs, &all, &why)) {
		if (errno != ENOENT)
			warnx_("old records were not pruned: %s", why.data);
		goto out;
	}
	/* Newest first: keep while both limits hold; from there on, delete. */
	for (i = 0; i < all.n; i++) {
		struct stat st;
		const char *name = all.v[i] + strlen(s->runs) + 1;
		uint64_t size = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ?
			(uint64_t)st.st_size : 0;
		bool is_keep = keep && strcmp(all.v[i], keep) == 0;

		if (!is_keep && (kept >= s->keep_runs || total + size > s->max_size))
			cut = true;
		if (is_keep || !cut) {
			kept++;
			total += size;
			continue;
		}
		if (unlinkat(dir, name, 0) && errno != ENOENT)
			warnx_("cannot remove the old record %s: %s", all.v[i], strerror(errno));
	}
out:
	if (dir >= 0)
		close(dir);
	strvec_free(&all);
	buf_free(&why);
}

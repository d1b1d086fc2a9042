/*
 * pack.c - what `testrig archive` puts in an archive (SPEC section 12): the
 * config file, every binary the selection may run (listing happens on the
 * target, so filters on test names count as "maybe"), each suite's
 * archive-include globs (directories taken whole), and setup, teardown and
 * custom commands given as relative paths.  Every path is relative to the
 * project root; anything outside it is refused.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testrig/pack.h"
#include "testrig/util.h"

/* The path relative to root, or NULL when it is not below it. */
static const char *below(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (path[0] != '/')
		return path;
	if (n == 1 && root[0] == '/')
		return path + 1;
	if (strncmp(path, root, n) == 0 && path[n] == '/')
		return path + n + 1;
	return NULL;
}

/* A relative path as the archive holds it: no "./", no "..", no empty part. */
static int clean_relative(const char *rel, struct buf *out)
{
	const char *c = rel;

	buf_reset(out);
	while (*c) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);

		if (len == 2 && c[0] == '.' && c[1] == '.')
			return -1;
		if (len && !(len == 1 && c[0] == '.')) {
			if (out->len)
				buf_addc(out, '/');
			buf_add(out, c, len);
		}
		c = slash ? slash + 1 : c + len;
	}
	return out->len ? 0 : -1;
}

static int add_file(struct archive_manifest *m, const char *root, const char *path,
		    const char *what, struct buf *err)
{
	struct buf rel = BUF_INIT;
	const char *r = below(path, root);

	if (!r || clean_relative(r, &rel)) {
		buf_printf(err, "%s '%s' is not below the project root %s: an archive holds paths "
			   "relative to it", what, path, root);
		buf_free(&rel);
		return -1;
	}
	strvec_push(&m->files, rel.data);
	buf_free(&rel);
	return 0;
}

/* Every regular file below dir (a path relative to root), in no particular order. */
static int add_tree(struct archive_manifest *m, const char *root, const char *dir,
		    const char *what, struct buf *err)
{
	char *full = dir[0] == '/' ? xstrdup(dir) : xasprintf("%s/%s", root, dir);
	DIR *d = opendir(full);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		buf_printf(err, "%s '%s': %s", what, full, strerror(errno));
		free(full);
		return -1;
	}
	while (!rc && (de = readdir(d))) {
		char *sub;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = xasprintf("%s/%s", full, de->d_name);
		if (stat(sub, &st)) {
			buf_printf(err, "%s '%s': %s", what, sub, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = add_tree(m, root, sub, what, err);
		} else if (S_ISREG(st.st_mode)) {
			rc = add_file(m, root, sub, what, err);
		}
		free(sub);
	}
	closedir(d);
	free(full);
	return rc;
}

/* A suite's archive-include globs: files, and directories whole. */
static int add_includes(struct archive_manifest *m, const char *root, const struct suite *s,
			struct buf *err)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; !rc && i < s->archive_include.n; i++) {
		const char *g = s->archive_include.v[i];
		char *pattern = g[0] == '/' ? xstrdup(g) : xasprintf("%s/%s", root, g);
		glob_t gl;
		int grc = glob(pattern, 0, NULL, &gl);

		if (grc == GLOB_NOMATCH) {
			buf_printf(err, "%s: [suite.%s]: archive-include '%s' matches no file under %s",
				   s->origin, s->name, g, root);
			rc = -1;
		} else if (grc) {
			buf_printf(err, "%s: [suite.%s]: cannot expand archive-include '%s'", s->origin,
				   s->name, g);
			rc = -1;
		}
		for (j = 0; !grc && !rc && j < gl.gl_pathc; j++) {
			struct stat st;
			const char *p = gl.gl_pathv[j];

			if (stat(p, &st)) {
				buf_printf(err, "archive-include '%s': %s", p, strerror(errno));
				rc = -1;
			} else if (S_ISDIR(st.st_mode)) {
				rc = add_tree(m, root, p, "archive-include", err);
			} else {
				rc = add_file(m, root, p, "archive-include", err);
			}
		}
		if (!grc)
			globfree(&gl);
		free(pattern);
	}
	return rc;
}

/* A command whose program is a relative path to a file below the root goes in. */
static int add_command(struct archive_manifest *m, const char *root, const struct command *c,
		       struct buf *err)
{
	const char *prog = c->argv.n ? c->argv.v[0] : NULL;
	char *full;
	struct stat st;
	int rc = 0;

	if (!prog || prog[0] == '/' || !strchr(prog, '/') || strstr(prog, "{binary}"))
		return 0;
	full = xasprintf("%s/%s", root, prog);
	if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
		rc = add_file(m, root, full, "command", err);
	free(full);
	return rc;
}

/* Whether the selection may run a test of b (its tests are not listed yet). */
static bool may_run(const struct binary *b, const struct pack_selection *sel)
{
	struct filter_subject subj = { NULL, b->id, b->suite->name, false };
	size_t i;

	if (sel->default_filter && !filter_may_match(sel->default_filter, &subj))
		return false;
	for (i = 0; i < sel->nfilters; i++)
		if (filter_may_match(sel->filters[i], &subj))
			return true;
	return sel->nfilters == 0;
}

/* Sorts m->files and drops the same path named twice (a binary also included). */
static void sort_unique(struct strvec *v)
{
	size_t i, n = 0;

	if (!v->n)
		return;
	qsort(v->v, v->n, sizeof *v->v, string_compare);
	for (i = 0; i < v->n; i++) {
		if (n && !strcmp(v->v[n - 1], v->v[i])) {
			free(v->v[i]);
			continue;
		}
		v->v[n++] = v->v[i];
	}
	v->n = n;
	v->v[n] = NULL;
}

int pack_collect(const struct config *cfg, const struct test_list *list, const char *root,
		 const struct pack_selection *sel, struct archive_manifest *m, struct buf *err)
{
	size_t i;
	int rc = 0;

	if (cfg->path)
		rc = add_file(m, root, cfg->path, "the config file", err);
	if (!rc && cfg->path)
		m->config = xstrdup(m->files.v[m->files.n - 1]);
	for (i = 0; !rc && i < list->nbins; i++) {
		const struct binary *b = list->bins[i];

		if (!may_run(b, sel))
			continue;
		rc = add_file(m, root, b->path, "binary", err);
		/* Command-line binaries are named again in the manifest, to run them. */
		if (!rc && !*b->suite->name)
			strvec_push(&m->binaries, m->files.v[m->files.n - 1]);
	}
	for (i = 0; !rc && i < list->nsuites; i++) {
		const struct suite *s = list->suites[i];

		rc = add_includes(m, root, s, err);
		if (!rc)
			rc = add_command(m, root, &s->list_command, err);
		if (!rc)
			rc = add_command(m, root, &s->run_command, err);
	}
	for (i = 0; !rc && i < cfg->nscripts; i++) {
		rc = add_command(m, root, &cfg->scripts[i].command, err);
		if (!rc)
			rc = add_command(m, root, &cfg->scripts[i].teardown, err);
	}
	if (!rc && list->nsuites == 1 && !*list->suites[0]->name)
		m->protocol = xstrdup(protocol_name(list->suites[0]->protocol));
	if (!rc && !m->binaries.n && !m->config) {
		buf_adds(err, "nothing to archive: no config file, and no binary is selected");
		rc = -1;
	}
	sort_unique(&m->files);
	return rc;
}

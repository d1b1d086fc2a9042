/*
 * list.c - suites, binaries and tests: the records and their lifetime.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testrig/list.h"
#include "testrig/text.h"
#include "testrig/util.h"

static const char *const protocol_names[] = { "exec", "tap", "gtest", "libtest", "custom" };

const char *protocol_name(enum protocol p)
{
	return protocol_names[p];
}

int protocol_lookup(const char *name, enum protocol *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protocol_names); i++) {
		if (strcmp(name, protocol_names[i]) == 0) {
			*out = (enum protocol)i;
			return 0;
		}
	}
	return -1;
}

void test_list_init(struct test_list *l)
{
	memset(l, 0, sizeof *l);
}

/*
 * Binaries and the names and paths of binaries and tests live as long as
 * the list: they come from chunks, not one malloc each (100 000 tests are
 * some 30 bytes of text each; malloc would add as much again per string).
 */
#define CHUNK_SIZE (64 * 1024)

struct list_chunk {
	struct list_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

/* n bytes from the chunks, at a multiple of `align` (1 for text). */
static void *list_alloc_aligned(struct test_list *l, size_t n, size_t align)
{
	struct list_chunk *c = l->chunks;
	size_t at;

	at = c ? (c->used + align - 1) / align * align : 0;
	if (!c || at + n > c->cap) {
		size_t cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = xmalloc(sizeof *c + cap);
		c->next = l->chunks;
		c->used = 0;
		c->cap = cap;
		l->chunks = c;
		at = 0;
	}
	c->used = at + n;
	return (char *)c->data + at;
}

static char *list_strdup(struct test_list *l, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(list_alloc_aligned(l, n, 1), s, n);
}

void test_list_free(struct test_list *l)
{
	struct list_chunk *c, *next;
	size_t i;

	free(l->tests);
	for (i = 0; i < l->ncases; i++)
		free(l->cases[i]);
	free(l->cases);
	for (i = 0; i < l->nbins; i++) {
		if (l->bins[i]->args) {
			strvec_free(l->bins[i]->args);
			free(l->bins[i]->args);
		}
	}
	free(l->bins);
	for (c = l->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	for (i = 0; i < l->nsuites; i++) {
		struct suite *s = l->suites[i];
		free(s->name);
		strvec_free(&s->globs);
		strvec_free(&s->archive_include);
		free(s->cwd);
		strvec_free(&s->env);
		command_free(&s->list_command);
		command_free(&s->run_command);
		command_free(&s->args);
		free(s);
	}
	free(l->suites);
	test_list_init(l);
}

int isolation_lookup(const char *name, enum isolation *out)
{
	if (strcmp(name, "test") == 0)
		*out = ISOLATION_TEST;
	else if (strcmp(name, "binary") == 0)
		*out = ISOLATION_BINARY;
	else
		return -1;
	return 0;
}

bool isolation_binary_ok(enum protocol p)
{
	return p == PROTO_GTEST || p == PROTO_LIBTEST;
}

unsigned suite_shards(const struct suite *s, unsigned threads, size_t binaries)
{
	if (s->shards)
		return s->shards;
	if (!binaries || binaries >= threads)
		return 1;
	return (unsigned)((threads + binaries - 1) / binaries);
}

size_t test_list_selected_binaries(const struct test_list *l)
{
	const struct binary *last = NULL;
	size_t n = 0, i;

	/* A binary's tests are contiguous. */
	for (i = 0; i < l->ntests; i++) {
		if (l->tests[i].selected && l->tests[i].bin != last) {
			last = l->tests[i].bin;
			n++;
		}
	}
	return n;
}

struct suite *test_list_add_suite(struct test_list *l, const char *name, enum protocol p)
{
	struct suite *s = xcalloc(1, sizeof *s);

	strvec_init(&s->globs);
	strvec_init(&s->env);
	strvec_init(&s->archive_include);
	s->name = xstrdup(name);
	s->protocol = p;
	s->shards = 1;
	s->origin = "command line";
	l->suites = xreallocarray(l->suites, l->nsuites + 1, sizeof *l->suites);
	l->suites[l->nsuites++] = s;
	return s;
}

/* A binary whose id and path are already the list's (its chunks). */
static struct binary *add_binary_kept(struct test_list *l, struct suite *s, char *id, char *path)
{
	struct binary *b = memset(list_alloc_aligned(l, sizeof *b, _Alignof(struct binary)), 0,
				  sizeof *b);

	if (l->ntests >= UINT32_MAX)
		die("more than %u tests", (unsigned)UINT32_MAX);
	b->id = id;
	b->path = path;
	b->suite = s;
	b->first = (uint32_t)l->ntests;
	if (l->nbins == l->bins_cap) {
		l->bins_cap = l->bins_cap ? l->bins_cap * 2 : 16;
		l->bins = xreallocarray(l->bins, l->bins_cap, sizeof *l->bins);
	}
	l->bins[l->nbins++] = b;
	return b;
}

struct binary *test_list_add_binary(struct test_list *l, struct suite *s,
				    const char *id, const char *path)
{
	return add_binary_kept(l, s, list_strdup(l, id), list_strdup(l, path));
}

/* found's strings belong to the list's chunks: only its array is ours. */
static void push_found(struct strvec *found, char *path)
{
	strvec_push_borrowed(found, path);
}

struct test *test_list_add_test(struct test_list *l, struct binary *b,
				const char *name, bool ignored)
{
	struct test *t;

	if (l->ntests == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->tests = xreallocarray(l->tests, l->cap, sizeof *l->tests);
	}
	t = &l->tests[l->ntests++];
	memset(t, 0, sizeof *t);
	t->bin = b;
	/* An exec test is named after its binary's file: the path holds the name already. */
	if ((uintptr_t)name - (uintptr_t)b->path < strlen(b->path))
		t->name = (char *)name;
	else
		t->name = list_strdup(l, name);
	t->ignored = ignored;
	if (!b->count)
		b->first = (uint32_t)(l->ntests - 1);
	b->count++;
	return t;
}

bool test_list_listed(const struct test_list *l, const struct test *t)
{
	uintptr_t p = (uintptr_t)t, first = (uintptr_t)l->tests;

	return p >= first && p < first + l->ntests * sizeof *l->tests;
}

void test_list_trim(struct test_list *l)
{
	if (l->cap > l->ntests + 1) {
		l->cap = l->ntests + 1;
		l->tests = xreallocarray(l->tests, l->cap, sizeof *l->tests);
	}
	if (l->bins_cap > l->nbins + 1) {
		l->bins_cap = l->nbins + 1;
		l->bins = xreallocarray(l->bins, l->bins_cap, sizeof *l->bins);
	}
}

struct test *test_list_add_case(struct test_list *l, struct binary *b, const char *name)
{
	struct test *t = xcalloc(1, sizeof *t);

	if (l->ncases == l->cases_cap) {
		l->cases_cap = l->cases_cap ? l->cases_cap * 2 : 64;
		l->cases = xreallocarray(l->cases, l->cases_cap, sizeof *l->cases);
	}
	l->cases[l->ncases++] = t;
	t->bin = b;
	t->name = list_strdup(l, name);
	t->selected = true;
	return t;
}

static bool named_alone(const struct test *t)
{
	return t->bin->suite->protocol == PROTO_EXEC || t->bin->suite->protocol == PROTO_TAP;
}

void test_display_name(const struct test *t, struct buf *out)
{
	buf_adds(out, t->bin->id);
	if (!named_alone(t)) {
		buf_addc(out, ' ');
		buf_adds(out, t->name);
	}
}

void test_shown_name(const struct test *t, struct buf *out)
{
	human_escapes(out, t->bin->id);
	if (!named_alone(t)) {
		buf_addc(out, ' ');
		human_escapes(out, t->name);
	}
}

/* One test as a list line or a JSON member (`first` of its binary: open the binary). */
static void print_test(const struct test *t, enum list_format f, bool first, bool first_bin,
		       struct buf *b)
{
	const struct binary *bin = t->bin;

	switch (f) {
	case LIST_HUMAN:
		if (first) {
			human_escapes(b, bin->id);
			buf_adds(b, ":\n");
		}
		buf_adds(b, "    ");
		human_escapes(b, t->name);
		buf_adds(b, t->ignored ? " (ignored)\n" : "\n");
		break;
	case LIST_ONELINE:
		human_escapes(b, bin->id);
		buf_addc(b, ' ');
		human_escapes(b, t->name);
		buf_addc(b, '\n');
		break;
	case LIST_JSON:
		if (first) {
			buf_adds(b, first_bin ? "\n{\"id\":" : ",\n{\"id\":");
			json_quote(b, bin->id, strlen(bin->id));
			json_name_base64(b, "id", bin->id, strlen(bin->id));
			json_name(b, "path", bin->path);
			json_string(b, "suite", bin->suite->name);
			json_string(b, "protocol", protocol_name(bin->suite->protocol));
			buf_adds(b, ",\"tests\":[");
		} else {
			buf_addc(b, ',');
		}
		buf_adds(b, "{\"name\":");
		json_quote(b, t->name, strlen(t->name));
		json_name_base64(b, "name", t->name, strlen(t->name));
		json_bool(b, "ignored", t->ignored);
		buf_addc(b, '}');
		break;
	}
}

void test_list_print(const struct test_list *l, enum list_format f, struct buf *out)
{
	bool first_bin = true;
	size_t i, j;

	if (f == LIST_JSON)
		buf_adds(out, "{\"binaries\":[");
	for (i = 0; i < l->nbins; i++) {
		const struct binary *bin = l->bins[i];
		bool any = false;

		for (j = bin->first; j < bin->first + bin->count; j++) {
			if (!l->tests[j].selected)
				continue;
			print_test(&l->tests[j], f, !any, first_bin, out);
			if (!any && f == LIST_JSON)
				first_bin = false;
			any = true;
		}
		if (any && f == LIST_JSON)
			buf_adds(out, "]}");
	}
	if (f == LIST_JSON)
		buf_adds(out, "\n]}\n");
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The binary id: the path relative to the root when it lies below it. */
static char *relative_to(char *path, const char *root)
{
	size_t n = strlen(root);

	if (n && strncmp(path, root, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* "ROOT/GLOB" with the glob characters of ROOT escaped: the root is a path, not a pattern. */
static char *glob_under(const char *root, const char *g)
{
	struct buf b = BUF_INIT;
	const char *p;

	for (p = root; *p; p++) {
		if (strchr("*?[]\\", *p))
			buf_addc(&b, '\\');
		buf_addc(&b, *p);
	}
	buf_printf(&b, "/%s", g);
	return b.data;
}

int test_list_expand_suite(struct test_list *l, struct suite *s, const char *root,
			   struct buf *err)
{
	struct strvec found = STRVEC_INIT;
	struct stat cst;
	size_t i, j;

	/* A bad cwd is refused here, not as every test's failed exec. */
	if (s->cwd && stat(s->cwd, &cst) != 0) {
		buf_printf(err, "%s: [suite.%s]: cwd '%s': %s\n", s->origin, s->name, s->cwd,
			   strerror(errno));
		return -1;
	}
	if (s->cwd && !S_ISDIR(cst.st_mode)) {
		buf_printf(err, "%s: [suite.%s]: cwd '%s' is not a directory\n", s->origin,
			   s->name, s->cwd);
		return -1;
	}
	for (i = 0; i < s->globs.n; i++) {
		const char *g = s->globs.v[i];
		char *pattern = g[0] == '/' ? xstrdup(g) : glob_under(root, g);
		glob_t gl;
		size_t before = found.n;
		int rc = glob(pattern, 0, NULL, &gl);

		if (rc != 0 && rc != GLOB_NOMATCH) {
			buf_printf(err, "%s: [suite.%s]: cannot expand '%s'%s\n", s->origin, s->name,
				   g, rc == GLOB_NOSPACE ? ": out of memory" : ": read error");
			free(pattern);
			strvec_free(&found);
			return -1;
		}
		for (j = 0; rc == 0 && j < gl.gl_pathc; j++) {
			struct stat st;
			/* Directories are never tests; let the rest fail at exec if they must. */
			if (stat(gl.gl_pathv[j], &st) == 0 && S_ISDIR(st.st_mode))
				continue;
			/* Into the list's own chunks: the binary will keep this very copy. */
			push_found(&found, list_strdup(l, gl.gl_pathv[j]));
		}
		if (rc == 0)
			globfree(&gl);
		free(pattern);
		if (found.n == before && !s->allow_empty) {
			buf_printf(err, "%s: [suite.%s]: binaries pattern '%s' matches no file "
				   "under %s (set allow-empty = true if that is expected)\n",
				   s->origin, s->name, g, root);
			strvec_free(&found);
			return -1;
		}
	}
	if (found.n)
		qsort(found.v, found.n, sizeof *found.v, compare_paths);
	for (i = 0; i < found.n; i++) {
		if (i && strcmp(found.v[i], found.v[i - 1]) == 0)
			continue;
		/* The id is the tail of the path: both point into the one copy. */
		add_binary_kept(l, s, relative_to(found.v[i], root), found.v[i]);
	}
	strvec_free(&found);
	return 0;
}

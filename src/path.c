/*
 * path.c - the path helpers of path.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testrig/buf.h"
#include "testrig/path.h"
#include "testrig/util.h"

char *path_current_dir(void)
{
	size_t cap = 256;

	for (;;) {
		char *b = xmalloc(cap);
		int e;

		if (getcwd(b, cap))
			return b;
		e = errno;
		free(b);
		if (e != ERANGE) {
			errno = e;
			return NULL;
		}
		cap *= 2;
	}
}

/*
 * Removes "." and empty components and resolves ".." lexically, as a shell's
 * logical cd does: the user's spelling of the path, made canonical.
 */
static char *normalize_path(const char *abs)
{
	struct buf out = BUF_INIT;
	const char *p = abs;

	while (*p) {
		const char *start, *end;
		size_t n;

		while (*p == '/')
			p++;
		start = p;
		while (*p && *p != '/')
			p++;
		end = p;
		n = (size_t)(end - start);
		if (n == 0 || (n == 1 && start[0] == '.'))
			continue;
		if (n == 2 && start[0] == '.' && start[1] == '.') {
			char *slash = out.len ? strrchr(out.data, '/') : NULL;
			if (slash)
				buf_setlen(&out, (size_t)(slash - out.data));
			continue;
		}
		buf_addc(&out, '/');
		buf_add(&out, start, n);
	}
	if (!out.len)
		buf_addc(&out, '/');
	return buf_detach(&out, NULL);
}

char *path_absolute(const char *path, const char *base)
{
	char *cwd = NULL, *joined, *norm;

	if (path[0] == '/')
		return normalize_path(path);
	if (!base) {
		cwd = path_current_dir();
		if (!cwd)
			return NULL;
		base = cwd;
	}
	joined = xasprintf("%s/%s", base, path);
	norm = normalize_path(joined);
	free(joined);
	free(cwd);
	return norm;
}

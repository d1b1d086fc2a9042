/*
 * config_read.c - reading testrig.ini: finding it, then feeding it to
 * libinih one line at a time, so that this file, not libinih, knows line
 * numbers, section headers and continuation lines; what the sections and
 * keys mean is config_sections.c's and config_keys.c's, and what the
 * profiles come to is config_resolve.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_loader.h"
#include "testrig/buf.h"
#include "testrig/config.h"
#include "testrig/list.h"
#include "testrig/path.h"
#include "testrig/util.h"

void loader_fail(struct loader *ld, int rc, int line, const char *fmt, ...)
{
	va_list ap;

	if (ld->rc)
		return;
	ld->rc = rc;
	if (line > 0)
		buf_printf(&ld->msg, "%s:%d: ", ld->name, line);
	va_start(ap, fmt);
	buf_vprintf(&ld->msg, fmt, ap);
	va_end(ap);
	if (!ld->msg.len || ld->msg.data[ld->msg.len - 1] != '\n')
		buf_addc(&ld->msg, '\n');
}

void loader_bad_value(struct loader *ld, int line, const char *key, const char *value,
		      const char *accepted)
{
	loader_fail(ld, EXIT_SETUP, line, "%s: invalid value '%s' (expected %s)",
		    key, value, accepted);
}

const char *loader_origin(struct loader *ld, int line)
{
	strvec_pushf(&ld->cfg->origins, "%s:%d", ld->name, line);
	return ld->cfg->origins.v[ld->cfg->origins.n - 1];
}

/* The same classification as libinih's isspace() on a char. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * libinih's ini_find_chars_or_comment over [s, end): the first of `chars`,
 * or a ';' that follows whitespace (an inline comment), or end.
 */
static const char *find_chars_or_comment(const char *s, const char *end, const char *chars)
{
	bool was_space = false;

	while (s < end && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = is_space(*s);
		s++;
	}
	return s;
}

/* ---- finding the file ---- */

static char *dir_of(const char *abs)
{
	const char *slash = strrchr(abs, '/');

	if (!slash || slash == abs)
		return xstrdup("/");
	return xstrndup(abs, (size_t)(slash - abs));
}

int config_find(const char *explicit_path, char **path, struct buf *err)
{
	const char *env = getenv("TESTRIG_CONFIG");
	const char *named = explicit_path ? explicit_path : env && *env ? env : NULL;
	const char *from = explicit_path ? "--config" : "$TESTRIG_CONFIG";
	struct stat st;
	char *dir;

	*path = NULL;
	if (named) {
		if (stat(named, &st) != 0) {
			buf_printf(err, "config file '%s' (from %s): %s\n", named, from,
				   strerror(errno));
			return EXIT_SETUP;
		}
		if (S_ISDIR(st.st_mode)) {
			buf_printf(err, "config file '%s' (from %s) is a directory\n", named, from);
			return EXIT_SETUP;
		}
		if (!(*path = path_absolute(named, NULL))) {
			buf_printf(err, "config file '%s' (from %s): cannot make it absolute: "
				   "getcwd: %s\n", named, from, strerror(errno));
			return EXIT_SETUP;
		}
		return 0;
	}
	if (!(dir = path_current_dir())) {
		buf_printf(err, "looking for testrig.ini: getcwd: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	for (;;) {
		char *candidate = xasprintf("%s/testrig.ini", strcmp(dir, "/") ? dir : "");
		char *slash;

		/* Unreadable directories on the way up are passed over, as git does. */
		if (stat(candidate, &st) == 0 && !S_ISDIR(st.st_mode)) {
			*path = candidate;
			break;
		}
		free(candidate);
		slash = strrchr(dir, '/');
		if (!slash || !strcmp(dir, "/"))
			break;
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	free(dir);
	return 0;
}

/* ---- lines ---- */

/* A line starting with '[' (after whitespace): check its shape, then begin it. */
static void read_section_header(struct loader *ld, const char *p, const char *end)
{
	const char *close = find_chars_or_comment(p + 1, end, "]"), *rest;

	if (close == end || *close != ']') {
		loader_fail(ld, EXIT_SETUP, ld->lineno, "section header without a closing ']'");
		return;
	}
	for (rest = close + 1; rest < end && is_space(*rest); rest++)
		;
	if (rest < end && *rest != ';' && *rest != '#') {
		loader_fail(ld, EXIT_SETUP, ld->lineno, "unexpected text after ']' in section "
			    "header (only a comment may follow)");
		return;
	}
	loader_finish_section(ld);
	if (ld->rc)
		return;
	loader_begin_section(ld, xstrndup(p + 1, (size_t)(close - p - 1)), ld->lineno);
}

/*
 * Decides what libinih will make of the line, the way libinih does (its
 * ini_parse_stream: comment, continuation, section, key), so that the handler
 * knows whether a call is a new key or a continuation, and so that section
 * headers (which libinih does not report) are seen with their line.
 */
static void classify_line(struct loader *ld, const char *line, const char *end)
{
	const char *p = line, *sep;

	while (p < end && is_space(*p))
		p++;
	if (p == end || *p == ';' || *p == '#') {
		ld->line_kind = LINE_COMMENT;
		return;
	}
	if (ld->after_key && p > line) {
		ld->line_kind = LINE_CONTINUATION;
		return;
	}
	loader_finish_key(ld);
	if (ld->rc)
		return;
	if (*p == '[') {
		ld->line_kind = LINE_SECTION;
		ld->after_key = false;
		read_section_header(ld, p, end);
		return;
	}
	ld->line_kind = LINE_KEY;
	sep = find_chars_or_comment(p, end, "=:");
	if (sep == end || (*sep != '=' && *sep != ':'))
		loader_fail(ld, EXIT_SETUP, ld->lineno, "expected 'key = value', a [section] "
			    "header or a comment");
}

/* libinih's fgets: one line per call, so libinih's line count is ours. */
static char *read_line(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	const char *line, *end, *nl;
	size_t n;

	if (ld->rc || ld->pos >= ld->len)
		return NULL;
	line = ld->data + ld->pos;
	nl = memchr(line, '\n', ld->len - ld->pos);
	end = nl ? nl : ld->data + ld->len;
	ld->pos = nl ? (size_t)(nl - ld->data) + 1 : ld->len;
	ld->lineno++;
	if (end > line && end[-1] == '\r')
		end--;
	if (ld->lineno == 1 && end - line >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	n = (size_t)(end - line);
	if (memchr(line, 0, n)) {
		loader_fail(ld, EXIT_SETUP, ld->lineno, "NUL byte in the line (not a text file?)");
		return NULL;
	}
	/* Room for the line, its '\n' and the NUL; libinih would cut it silently. */
	if (num < 3 || n > (size_t)num - 2) {
		loader_fail(ld, EXIT_SETUP, ld->lineno, "line is %zu bytes long; libinih reads at "
			    "most %d: split the value over indented continuation lines", n, num - 2);
		return NULL;
	}
	classify_line(ld, line, end);
	if (ld->rc)
		return NULL;
	memcpy(str, line, n);
	str[n] = '\n';
	str[n + 1] = 0;
	return str;
}

/* libinih's handler: a key, or the next line of the key before it. */
static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	const char *end;
	char *cut;

	(void)section;  /* libinih cuts it at 49 bytes; the reader keeps the real one */
	if (ld->rc)
		return 0;
	if (ld->line_kind != LINE_CONTINUATION) {
		loader_begin_key(ld, name, value);
		return ld->rc == 0;
	}
	/* libinih 55 keeps inline comments on continuation lines; key lines lose them. */
	end = find_chars_or_comment(value, value + strlen(value), NULL);
	while (end > value && is_space(end[-1]))
		end--;
	cut = xstrndup(value, (size_t)(end - value));
	loader_continue_key(ld, cut);
	free(cut);
	return ld->rc == 0;
}

/* ---- the whole file ---- */

static void store_defaults(struct store_config *st)
{
	memset(st, 0, sizeof *st);
	st->record = true;
	st->keep_runs = 50;
	st->max_size = UINT64_C(256) << 20;
}

static void loader_free(struct loader *ld)
{
	size_t i;

	free(ld->sec.header);
	strvec_free(&ld->headers);
	free(ld->header_lines);
	buf_free(&ld->value);
	test_list_free(&ld->suites);
	for (i = 0; i < ld->nprofiles; i++) {
		free(ld->profiles[i].name);
		settings_free(&ld->profiles[i].set);
	}
	free(ld->profiles);
	strvec_free(&ld->profile_names);
	for (i = 0; i < ld->noverrides; i++)
		config_override_free(&ld->overrides[i]);
	free(ld->overrides);
	for (i = 0; i < ld->nrefs; i++)
		free(ld->refs[i].group);
	free(ld->refs);
	buf_free(&ld->msg);
}

/* The suites read go to the end of the caller's list, in file order. */
static void move_suites(struct test_list *from, struct test_list *to)
{
	if (!from->nsuites)
		return;
	to->suites = xreallocarray(to->suites, to->nsuites + from->nsuites, sizeof *to->suites);
	memcpy(to->suites + to->nsuites, from->suites, from->nsuites * sizeof *from->suites);
	to->nsuites += from->nsuites;
	free(from->suites);
	from->suites = NULL;
	from->nsuites = 0;
}

int config_load_buffer(const char *name, const char *data, size_t len, const char *profile,
		       struct config *cfg, struct test_list *list, struct buf *err)
{
	struct loader ld;
	int ini_rc, rc;

	memset(cfg, 0, sizeof *cfg);
	store_defaults(&cfg->store);
	memset(&ld, 0, sizeof ld);
	ld.name = name;
	ld.data = data;
	ld.len = len;
	ld.key = -1;
	buf_init(&ld.value);
	ld.cfg = cfg;
	test_list_init(&ld.suites);

	if (!(cfg->path = path_absolute(name, NULL))) {
		loader_fail(&ld, EXIT_SETUP, 0, "%s: cannot make the path absolute: getcwd: %s",
			    name, strerror(errno));
	} else {
		cfg->root = dir_of(cfg->path);
		ini_rc = ini_parse_stream(read_line, &ld, on_value, &ld);
		/* The reader stops libinih before any line it would reject; just in case: */
		if (ini_rc > 0)
			loader_fail(&ld, EXIT_SETUP, ini_rc, "libinih cannot parse this line");
		else if (ini_rc < 0)
			loader_fail(&ld, EXIT_SETUP, 0, "%s: libinih failed (%d)", name, ini_rc);
		if (!ld.rc) {
			loader_finish_key(&ld);
			loader_finish_section(&ld);
		}
	}
	if (!ld.rc)
		loader_check_group_refs(&ld);
	if (!ld.rc)
		loader_resolve_profile(&ld, profile ? profile : "default");
	rc = ld.rc;
	if (rc) {
		buf_add(err, ld.msg.data, ld.msg.len);
		/* Suites point into cfg->origins: they go before it does. */
		test_list_free(&ld.suites);
		config_free(cfg);
	} else {
		move_suites(&ld.suites, list);
	}
	loader_free(&ld);
	return rc;
}

int config_load(const char *path, const char *profile, struct config *cfg,
		struct test_list *list, struct buf *err)
{
	struct buf data = BUF_INIT;
	int rc;

	if (!profile)
		profile = "default";
	if (!path) {
		memset(cfg, 0, sizeof *cfg);
		if (strcmp(profile, "default") != 0) {
			buf_printf(err, "unknown profile '%s': there is no config file, so the "
				   "only profile is 'default'\n", profile);
			return EXIT_SETUP;
		}
		if (!(cfg->root = path_current_dir())) {
			buf_printf(err, "cannot find the project root: getcwd: %s\n", strerror(errno));
			return EXIT_SETUP;
		}
		cfg->profile_name = xstrdup("default");
		settings_defaults(&cfg->profile);
		store_defaults(&cfg->store);
		return 0;
	}
	if (buf_read_file(path, &data)) {
		memset(cfg, 0, sizeof *cfg);
		buf_printf(err, "cannot read config file '%s': %s\n", path, strerror(errno));
		buf_free(&data);
		return EXIT_SETUP;
	}
	rc = config_load_buffer(path, data.data, data.len, profile, cfg, list, err);
	buf_free(&data);
	return rc;
}

/*
 * env.c - environments for units, built once per (suite, exports) and
 * shared by every unit that needs the same one; TESTRIG_ENV file parsing.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/env.h"
#include "testrig/util.h"

struct env_cache_entry {
	const struct strvec *suite_env;
	uint64_t mask;
	char **env;
	struct env_cache_entry *next;
};

void env_cache_init(struct env_cache *c, char **base)
{
	c->base = base;
	c->entries = NULL;
}

void env_cache_free(struct env_cache *c)
{
	while (c->entries) {
		struct env_cache_entry *e = c->entries;
		c->entries = e->next;
		free(e->env);
		free(e);
	}
}

static size_t env_count(char *const *env)
{
	size_t n = 0;

	while (env[n])
		n++;
	return n;
}

/*
 * Where the variable `entry` (KEY=VALUE, or KEY=) names stands in env[0..n),
 * or n.  testrig's own variables (TESTRIG*) come after the inherited ones:
 * those are looked for from the end, and only among them.
 */
static size_t env_index(char *const *env, size_t n, const char *entry)
{
	size_t len = strcspn(entry, "=") + 1, i;

	if (strncmp(entry, "TESTRIG", 7) != 0) {
		for (i = 0; i < n; i++)
			if (strncmp(env[i], entry, len) == 0)
				return i;
		return n;
	}
	for (i = n; i-- > 0;) {
		if (strncmp(env[i], entry, len) == 0)
			return i;
		if (strncmp(env[i], "TESTRIG", 7) != 0)
			break;
	}
	return n;
}

/* Sets entry (KEY=VALUE, borrowed) in env[0..*n), replacing the one with its KEY. */
static void set_entry(char **env, size_t *n, char *entry)
{
	size_t i = env_index(env, *n, entry);

	env[i] = entry;
	if (i == *n)
		(*n)++;
}

char **env_build(struct env_cache *c, const struct strvec *suite_env,
		 const struct strvec *exports, size_t nexports, uint64_t mask)
{
	struct env_cache_entry *e;
	size_t cap, n, i, j;
	char **env;

	for (e = c->entries; e; e = e->next)
		if (e->suite_env == suite_env && e->mask == mask)
			return e->env;
	cap = env_count(c->base) + (suite_env ? suite_env->n : 0) + 1;
	for (i = 0; i < nexports && i < 64; i++)
		if (mask & (UINT64_C(1) << i))
			cap += exports[i].n;
	env = xcalloc(cap, sizeof *env);
	n = env_count(c->base);
	memcpy(env, c->base, n * sizeof *env);
	for (j = 0; suite_env && j < suite_env->n; j++)
		set_entry(env, &n, suite_env->v[j]);
	for (i = 0; i < nexports && i < 64; i++)
		if (mask & (UINT64_C(1) << i))
			for (j = 0; j < exports[i].n; j++)
				set_entry(env, &n, exports[i].v[j]);
	env[n] = NULL;
	e = xcalloc(1, sizeof *e);
	e->suite_env = suite_env;
	e->mask = mask;
	e->env = env;
	e->next = c->entries;
	c->entries = e;
	return env;
}

void env_for_job(struct strvec *env, char *const *base, const char *run_id,
		 const char *profile)
{
	strvec_free(env);
	/* The cache's strings, shared by every job: the job owns only what it adds. */
	strvec_pushv_borrowed(env, base);
	/* base has no TESTRIG* variable (main and the config loader see to it). */
	strvec_push(env, "TESTRIG=1");
	env_set(env, "TESTRIG_RUN_ID", run_id);
	env_set(env, "TESTRIG_PROFILE", profile);
}

void env_set(struct strvec *env, const char *name, const char *value)
{
	size_t len = strlen(name), vlen = strlen(value), i;
	char *entry = xmalloc(len + vlen + 2);

	memcpy(entry, name, len);
	entry[len] = '=';
	memcpy(entry + len + 1, value, vlen + 1);
	i = env_index(env->v, env->n, entry);
	if (i < env->n)
		strvec_replace(env, i, entry);
	else
		strvec_push_owned(env, entry);
}

void env_set_number(struct strvec *env, const char *name, long value)
{
	char digits[24], *p = digits + sizeof digits;
	unsigned long u = value < 0 ? 0UL - (unsigned long)value : (unsigned long)value;

	*--p = 0;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (value < 0)
		*--p = '-';
	env_set(env, name, p);
}

int env_parse_exports(const char *data, size_t len, struct strvec *out, struct buf *err)
{
	const char *p = data, *end = data + len;
	unsigned line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t klen, i;

		line++;
		if (eol == p) {
			p = eol + 1;
			continue;
		}
		klen = (size_t)((const char *)memchr(p, '=', (size_t)(eol - p)) ?
				(const char *)memchr(p, '=', (size_t)(eol - p)) - p : eol - p);
		if (p + klen == eol) {
			buf_printf(err, "line %u: '%.*s' is not KEY=VALUE", line,
				   (int)(eol - p > 60 ? 60 : eol - p), p);
			return -1;
		}
		if (klen == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_')) {
			buf_printf(err, "line %u: '%.*s' is not a variable name "
				   "([A-Za-z_][A-Za-z0-9_]*)", line, (int)klen, p);
			return -1;
		}
		for (i = 1; i < klen; i++) {
			if (!isalnum((unsigned char)p[i]) && p[i] != '_') {
				buf_printf(err, "line %u: '%.*s' is not a variable name "
					   "([A-Za-z_][A-Za-z0-9_]*)", line, (int)klen, p);
				return -1;
			}
		}
		if (klen >= 7 && strncmp(p, "TESTRIG", 7) == 0) {
			buf_printf(err, "line %u: '%.*s': names beginning with TESTRIG "
				   "are testrig's own", line, (int)klen, p);
			return -1;
		}
		strvec_push_owned(out, xstrndup(p, (size_t)(eol - p)));
		p = nl ? nl + 1 : end;
	}
	return 0;
}

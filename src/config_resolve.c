/*
 * config_resolve.c - from what testrig.ini says to what a run uses: the
 * test groups named checked, the default profile with the chosen one on
 * top, the overrides that apply (the chosen profile's first), each test's
 * settings (cached by which overrides it matches), and config_free.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"
#include "testrig/filter.h"
#include "testrig/util.h"

void config_override_free(struct override *o)
{
	free(o->profile);
	free(o->label);
	free(o->filter_src);
	filter_free(o->filter);
	settings_free(&o->set);
}

void loader_check_group_refs(struct loader *ld)
{
	size_t i, j;

	for (i = 0; i < ld->nrefs && !ld->rc; i++) {
		struct buf known = BUF_INIT;

		if (config_group(ld->cfg, ld->refs[i].group))
			continue;
		for (j = 0; j < ld->cfg->ngroups; j++)
			buf_printf(&known, "%s%s", j ? ", " : "", ld->cfg->groups[j].name);
		loader_fail(ld, EXIT_SETUP, ld->refs[i].line, "test-group: no [test-group.%s] "
			    "section (%s%s; @global means no group)", ld->refs[i].group,
			    known.len ? "defined: " : "no test groups are defined", known.len ? known.data : "");
		buf_free(&known);
	}
}

static void take_all(struct settings *dst, const struct settings *src)
{
	size_t id;

	for (id = 0; id < SET_COUNT; id++)
		if (src->set_mask & (UINT64_C(1) << id))
			settings_take(dst, src, (enum setting_id)id);
}

static const struct profile_section *find_profile(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->nprofiles; i++)
		if (strcmp(ld->profiles[i].name, name) == 0)
			return &ld->profiles[i];
	return NULL;
}

void loader_resolve_profile(struct loader *ld, const char *chosen)
{
	struct config *cfg = ld->cfg;
	const struct profile_section *p;
	bool is_default = strcmp(chosen, "default") == 0, known = is_default;
	size_t i, n = 0, pass;

	for (i = 0; i < ld->profile_names.n && !known; i++)
		known = strcmp(ld->profile_names.v[i], chosen) == 0;
	if (!known) {
		struct buf names = BUF_INIT;

		buf_adds(&names, "default");
		for (i = 0; i < ld->profile_names.n; i++)
			if (strcmp(ld->profile_names.v[i], "default") != 0)
				buf_printf(&names, ", %s", ld->profile_names.v[i]);
		loader_fail(ld, EXIT_SETUP, 0, "unknown profile '%s' (%s has: %s)", chosen,
			    ld->name, names.data);
		buf_free(&names);
		return;
	}
	cfg->profile_name = xstrdup(chosen);
	settings_defaults(&cfg->profile);
	if ((p = find_profile(ld, "default")))
		take_all(&cfg->profile, &p->set);
	if (!is_default && (p = find_profile(ld, chosen)))
		take_all(&cfg->profile, &p->set);

	/* The chosen profile's overrides first: they are the more specific. */
	cfg->overrides = xcalloc(ld->noverrides, sizeof *cfg->overrides);
	for (pass = 0; pass < (is_default ? 1u : 2u); pass++) {
		const char *want = pass == 0 ? chosen : "default";

		for (i = 0; i < ld->noverrides; i++) {
			if (!ld->overrides[i].profile || strcmp(ld->overrides[i].profile, want) != 0)
				continue;
			cfg->overrides[n++] = ld->overrides[i];
			memset(&ld->overrides[i], 0, sizeof ld->overrides[i]);
		}
	}
	cfg->noverrides = n;
}

/* ---- per-test settings ---- */

/*
 * Resolved settings, keyed by the set of overrides a test matches (one bit
 * per override): tests that match the same overrides share one result.
 * Only the main thread builds the test list, so there is no lock.
 */
struct settings_cache {
	const struct settings *base, *cli;  /* what the table was built from */
	size_t words;               /* uint64_t words in a key */
	size_t cap, used;           /* open addressing, cap a power of two */
	uint64_t *keys;             /* cap * words */
	struct settings **slots;    /* NULL: empty */
	struct settings **all;      /* every result handed out, freed by config_free */
	size_t nall;
	uint64_t *probe;            /* the key being looked up */
};

static uint64_t key_hash(const uint64_t *k, size_t words)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < words; i++) {
		h ^= k[i];
		h *= UINT64_C(0x100000001b3);
		h ^= h >> 29;
	}
	return h;
}

static void cache_table_alloc(struct settings_cache *c, size_t cap)
{
	c->cap = cap;
	c->used = 0;
	c->keys = xcalloc(cap * c->words, sizeof *c->keys);
	c->slots = xcalloc(cap, sizeof *c->slots);
}

static void cache_insert(struct settings_cache *c, const uint64_t *key, struct settings *val)
{
	size_t h = (size_t)key_hash(key, c->words) & (c->cap - 1);

	while (c->slots[h])
		h = (h + 1) & (c->cap - 1);
	memcpy(c->keys + h * c->words, key, c->words * sizeof *key);
	c->slots[h] = val;
	c->used++;
}

static void cache_grow(struct settings_cache *c)
{
	uint64_t *old_keys = c->keys;
	struct settings **old_slots = c->slots;
	size_t old_cap = c->cap, i;

	cache_table_alloc(c, old_cap * 2);
	for (i = 0; i < old_cap; i++)
		if (old_slots[i])
			cache_insert(c, old_keys + i * c->words, old_slots[i]);
	free(old_keys);
	free(old_slots);
}

static void cache_free(struct settings_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nall; i++) {
		settings_free(c->all[i]);
		free(c->all[i]);
	}
	free(c->all);
	free(c->keys);
	free(c->slots);
	free(c->probe);
	free(c);
}

static bool bit_set(const uint64_t *k, size_t i)
{
	return (k[i / 64] >> (i % 64)) & 1;
}

const struct settings *config_test_settings(struct config *cfg, const struct settings *base,
					    const struct settings *cli,
					    const struct filter_subject *subject)
{
	struct settings_cache *c = cfg->cache;
	struct settings *res;
	size_t i, h, id;

	if (!c) {
		c = cfg->cache = xcalloc(1, sizeof *c);
		c->words = cfg->noverrides / 64 + 1;
		c->probe = xcalloc(c->words, sizeof *c->probe);
		cache_table_alloc(c, 16);
	}
	/* A different base makes every entry stale; handed-out ones stay valid. */
	if (c->base != base || c->cli != cli) {
		memset(c->slots, 0, c->cap * sizeof *c->slots);
		c->used = 0;
		c->base = base;
		c->cli = cli;
	}
	memset(c->probe, 0, c->words * sizeof *c->probe);
	for (i = 0; i < cfg->noverrides; i++)
		if (filter_match(cfg->overrides[i].filter, subject))
			c->probe[i / 64] |= UINT64_C(1) << (i % 64);
	h = (size_t)key_hash(c->probe, c->words) & (c->cap - 1);
	for (; c->slots[h]; h = (h + 1) & (c->cap - 1))
		if (memcmp(c->keys + h * c->words, c->probe, c->words * sizeof *c->probe) == 0)
			return c->slots[h];

	res = xmalloc(sizeof *res);
	settings_copy(res, base);
	for (id = 0; id < SET_COUNT; id++) {
		uint64_t bit = UINT64_C(1) << id;

		if (!setting_defs[id].per_test)
			continue;
		if (cli && (cli->set_mask & bit)) {
			settings_take(res, cli, (enum setting_id)id);
			continue;
		}
		for (i = 0; i < cfg->noverrides; i++) {
			if (bit_set(c->probe, i) && (cfg->overrides[i].set.set_mask & bit)) {
				settings_take(res, &cfg->overrides[i].set, (enum setting_id)id);
				break;
			}
		}
	}
	c->all = xreallocarray(c->all, c->nall + 1, sizeof *c->all);
	c->all[c->nall++] = res;
	if ((c->used + 1) * 2 > c->cap)
		cache_grow(c);
	cache_insert(c, c->probe, res);
	return res;
}

const struct test_group *config_group(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ngroups; i++)
		if (strcmp(cfg->groups[i].name, name) == 0)
			return &cfg->groups[i];
	return NULL;
}

void config_free(struct config *cfg)
{
	size_t i;

	free(cfg->path);
	free(cfg->root);
	free(cfg->profile_name);
	settings_free(&cfg->profile);
	for (i = 0; i < cfg->noverrides; i++)
		config_override_free(&cfg->overrides[i]);
	free(cfg->overrides);
	for (i = 0; i < cfg->ngroups; i++)
		free(cfg->groups[i].name);
	free(cfg->groups);
	for (i = 0; i < cfg->nscripts; i++) {
		struct script *sc = &cfg->scripts[i];

		free(sc->name);
		command_free(&sc->command);
		command_free(&sc->teardown);
		free(sc->filter_src);
		filter_free(sc->filter);
	}
	free(cfg->scripts);
	free(cfg->store.dir);
	strvec_free(&cfg->origins);
	cache_free(cfg->cache);
	memset(cfg, 0, sizeof *cfg);
}

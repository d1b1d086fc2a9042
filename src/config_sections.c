/*
 * config_sections.c - the sections of testrig.ini: what a [HEADER] names
 * (its kind, its names, no duplicates), the new suite, profile, override,
 * test group or script it opens with its defaults, and, once it ends, what
 * only the whole section can tell (keys it must have, keys that go
 * together).  The keys inside are config_keys.c's.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"
#include "testrig/list.h"
#include "testrig/util.h"

static void missing_key(struct loader *ld, const char *key, const char *why)
{
	loader_fail(ld, EXIT_SETUP, ld->sec.line, "missing key '%s' in [%s]%s", key,
		    ld->sec.header, why);
}

/* A suite's keys that go together: custom's commands, isolation's protocol, shards. */
static void finish_suite(struct loader *ld)
{
	const int *kl = ld->sec.key_line;
	const struct suite *s = ld->suites.suites[ld->sec.slot];

	if (!kl[SUITE_BINARIES]) {
		missing_key(ld, "binaries", "");
	} else if (s->protocol == PROTO_CUSTOM) {
		if (!kl[SUITE_LIST_COMMAND] || !kl[SUITE_RUN_COMMAND])
			missing_key(ld, kl[SUITE_LIST_COMMAND] ? "run-command" : "list-command",
				    " (protocol custom needs list-command and run-command)");
	} else if (kl[SUITE_LIST_COMMAND] || kl[SUITE_RUN_COMMAND]) {
		int k = !kl[SUITE_RUN_COMMAND] ||
			(kl[SUITE_LIST_COMMAND] && kl[SUITE_LIST_COMMAND] < kl[SUITE_RUN_COMMAND]) ?
			SUITE_LIST_COMMAND : SUITE_RUN_COMMAND;
		loader_fail(ld, EXIT_SETUP, kl[k], "%s is only for protocol custom "
			    "([%s] has protocol %s)", loader_key_name(SEC_SUITE, k), ld->sec.header,
			    protocol_name(s->protocol));
	}
	if (s->isolation == ISOLATION_BINARY && !isolation_binary_ok(s->protocol))
		loader_fail(ld, EXIT_SETUP, kl[SUITE_ISOLATION], "[%s]: isolation = binary needs "
			    "protocol gtest or libtest (it has %s)", ld->sec.header,
			    protocol_name(s->protocol));
	else if (kl[SUITE_SHARDS] && s->isolation != ISOLATION_BINARY)
		loader_fail(ld, EXIT_SETUP, kl[SUITE_SHARDS], "[%s]: shards needs isolation = binary",
			    ld->sec.header);
	else if (kl[SUITE_SHARDS] && s->shards != 1 && s->protocol != PROTO_GTEST)
		loader_fail(ld, EXIT_SETUP, kl[SUITE_SHARDS], "[%s]: shards: libtest has no sharding "
			    "of its own (only gtest binaries are sharded)", ld->sec.header);
}

void loader_finish_section(struct loader *ld)
{
	const int *kl = ld->sec.key_line;

	if (!ld->in_section)
		return;
	switch (ld->sec.kind) {
	case SEC_SUITE:
		finish_suite(ld);
		break;
	case SEC_OVERRIDE:
		if (!kl[OVERRIDE_FILTER])
			missing_key(ld, "filter", " (an override applies to the tests its filter matches)");
		break;
	case SEC_SCRIPT:
		if (!kl[SCRIPT_COMMAND])
			missing_key(ld, "command", "");
		break;
	case SEC_PROFILE:
	case SEC_GROUP:
	case SEC_STORE:
		break;
	}
	free(ld->sec.header);
	memset(&ld->sec, 0, sizeof ld->sec);
	ld->in_section = false;
}

static bool valid_name(struct loader *ld, const char *what, const char *name,
		       const char *header, const char *form, int line)
{
	const char *p;

	if (!*name) {
		loader_fail(ld, EXIT_SETUP, line, "empty %s in [%s] (write [%s])", what, header, form);
		return false;
	}
	for (p = name; *p; p++) {
		if (!is_name_char(*p)) {
			loader_fail(ld, EXIT_SETUP, line, "invalid %s '%s' in [%s]: use letters, "
				    "digits, '-' and '_'", what, name, header);
			return false;
		}
	}
	return true;
}

static void note_profile_name(struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->profile_names.n; i++)
		if (strcmp(ld->profile_names.v[i], name) == 0)
			return;
	strvec_push(&ld->profile_names, name);
}

/* A section named twice is an error; else its header is remembered. */
static bool new_header(struct loader *ld, const char *header, int line)
{
	size_t i;

	for (i = 0; i < ld->headers.n; i++) {
		if (strcmp(ld->headers.v[i], header) == 0) {
			loader_fail(ld, EXIT_SETUP, line, "duplicate section [%s] (first at line %d)",
				    header, ld->header_lines[i]);
			return false;
		}
	}
	ld->header_lines = xreallocarray(ld->header_lines, ld->headers.n + 1, sizeof *ld->header_lines);
	ld->header_lines[ld->headers.n] = line;
	strvec_push(&ld->headers, header);
	return true;
}

/* What a header names besides [store]: its kind, its name, an override's label. */
struct section_name {
	enum section_kind kind;
	const char *name;
	const char *label;          /* an override's; else NULL */
	char *profile;              /* an override's profile name (malloc'd): its name */
};

/*
 * The kind and names of a section header other than [store]; false (the
 * error recorded) when it names no kind or a name is not valid.
 */
static bool name_section(struct loader *ld, const char *header, int line,
			 struct section_name *sn)
{
	static const struct { const char *prefix; enum section_kind kind; const char *form; } kinds[] = {
		{ "suite.", SEC_SUITE, "suite.NAME" },
		{ "profile.", SEC_PROFILE, "profile.NAME" },
		{ "test-group.", SEC_GROUP, "test-group.NAME" },
		{ "script.", SEC_SCRIPT, "script.NAME" },
	};
	const char *form = NULL, *ov;
	size_t i;

	memset(sn, 0, sizeof *sn);
	for (i = 0; i < ARRAY_SIZE(kinds) && !sn->name; i++) {
		if (strncmp(header, kinds[i].prefix, strlen(kinds[i].prefix)) == 0) {
			sn->kind = kinds[i].kind;
			sn->name = header + strlen(kinds[i].prefix);
			form = kinds[i].form;
		}
	}
	if (!sn->name) {
		loader_fail(ld, EXIT_SETUP, line, "unknown section [%s] (accepted: " SECTION_FORMS ")",
			    header);
		return false;
	}
	if (sn->kind == SEC_PROFILE && (ov = strstr(sn->name, ".override."))) {
		sn->kind = SEC_OVERRIDE;
		sn->profile = xstrndup(sn->name, (size_t)(ov - sn->name));
		sn->name = sn->profile;
		sn->label = ov + strlen(".override.");
		form = "profile.NAME.override.LABEL";
	}
	return valid_name(ld, "NAME", sn->name, header, form, line) &&
		(!sn->label || valid_name(ld, "LABEL", sn->label, header, form, line));
}

static size_t new_suite(struct loader *ld, const char *name, int line)
{
	struct suite *s = test_list_add_suite(&ld->suites, name, PROTO_EXEC);

	s->origin = loader_origin(ld, line);
	return ld->suites.nsuites - 1;
}

static size_t new_profile(struct loader *ld, const char *name)
{
	ld->profiles = xreallocarray(ld->profiles, ld->nprofiles + 1, sizeof *ld->profiles);
	memset(&ld->profiles[ld->nprofiles], 0, sizeof *ld->profiles);
	ld->profiles[ld->nprofiles].name = xstrdup(name);
	note_profile_name(ld, name);
	return ld->nprofiles++;
}

static size_t new_override(struct loader *ld, const char *profile, const char *label, int line)
{
	struct override *o;

	ld->overrides = xreallocarray(ld->overrides, ld->noverrides + 1, sizeof *ld->overrides);
	o = &ld->overrides[ld->noverrides];
	memset(o, 0, sizeof *o);
	o->profile = xstrdup(profile);
	o->label = xstrdup(label);
	o->origin = loader_origin(ld, line);
	note_profile_name(ld, profile);
	return ld->noverrides++;
}

static size_t new_group(struct loader *ld, const char *name, int line)
{
	struct config *cfg = ld->cfg;
	struct test_group *g;

	cfg->groups = xreallocarray(cfg->groups, cfg->ngroups + 1, sizeof *cfg->groups);
	g = &cfg->groups[cfg->ngroups];
	memset(g, 0, sizeof *g);
	g->name = xstrdup(name);
	g->origin = loader_origin(ld, line);
	return cfg->ngroups++;
}

/* A script's limits default as a test's do, but for slow-timeout: none unless set. */
static size_t new_script(struct loader *ld, const char *name, int line)
{
	struct config *cfg = ld->cfg;
	struct settings defaults;
	struct script *sc;

	cfg->scripts = xreallocarray(cfg->scripts, cfg->nscripts + 1, sizeof *cfg->scripts);
	sc = &cfg->scripts[cfg->nscripts];
	memset(sc, 0, sizeof *sc);
	sc->name = xstrdup(name);
	settings_defaults(&defaults);
	sc->terminate_after = defaults.terminate_after;
	sc->grace_period = defaults.grace_period;
	sc->leak_timeout = defaults.leak_timeout;
	sc->capture_stdout = true;
	sc->capture_stderr = true;
	sc->origin = loader_origin(ld, line);
	return cfg->nscripts++;
}

/* The section being read from now on. */
static void open_section(struct loader *ld, enum section_kind kind, char *header, int line)
{
	memset(&ld->sec, 0, sizeof ld->sec);
	ld->sec.kind = kind;
	ld->sec.header = header;
	ld->sec.line = line;
	ld->in_section = true;
}

void loader_begin_section(struct loader *ld, char *header, int line)
{
	struct section_name sn = { 0 };

	if (!new_header(ld, header, line))
		goto refused;
	if (strcmp(header, "store") == 0) {
		open_section(ld, SEC_STORE, header, line);
		ld->cfg->store.origin = loader_origin(ld, line);
		return;
	}
	if (!name_section(ld, header, line, &sn))
		goto refused;
	if (sn.kind == SEC_SCRIPT && ld->cfg->nscripts >= CONFIG_MAX_SCRIPTS) {
		loader_fail(ld, EXIT_SETUP, line, "[%s]: too many setup scripts (at most %d)",
			    header, CONFIG_MAX_SCRIPTS);
		goto refused;
	}
	open_section(ld, sn.kind, header, line);
	switch (sn.kind) {
	case SEC_SUITE: ld->sec.slot = new_suite(ld, sn.name, line); break;
	case SEC_PROFILE: ld->sec.slot = new_profile(ld, sn.name); break;
	case SEC_OVERRIDE: ld->sec.slot = new_override(ld, sn.name, sn.label, line); break;
	case SEC_GROUP: ld->sec.slot = new_group(ld, sn.name, line); break;
	case SEC_SCRIPT: ld->sec.slot = new_script(ld, sn.name, line); break;
	case SEC_STORE: break;      /* opened above: it has no name */
	}
	free(sn.profile);
	return;
refused:
	free(sn.profile);
	free(header);
}

/*
 * env.h - the environments units start with: testrig's own (minus its
 * TESTRIG* variables), a suite's env, the variables setup scripts exported
 * (later scripts win), in that order of precedence, lowest first; then the
 * run's own variables (SPEC section 4).  Base environments are cached and
 * owned by the struct env_cache (their strings belong to whoever made
 * them); a job's environment is its own copy (env_for_job).  Also reads a
 * setup script's TESTRIG_ENV file.
 */
#ifndef TESTRIG_ENV_H
#define TESTRIG_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "testrig/buf.h"

struct env_cache_entry;

struct env_cache {
	char **base;
	struct env_cache_entry *entries;
};

void env_cache_init(struct env_cache *c, char **base);
void env_cache_free(struct env_cache *c);
/*
 * base, overridden by `suite_env` (KEY=VALUE strings; may be NULL), then by
 * each exports[i] whose bit is set in `mask`, in order.  Cached by
 * (suite_env, mask): call with the same pointers for the same result.
 */
char **env_build(struct env_cache *c, const struct strvec *suite_env,
		 const struct strvec *exports, size_t nexports, uint64_t mask);
/*
 * A job's whole environment, owned by `env` (emptied first): `base`, then
 * TESTRIG=1, TESTRIG_RUN_ID and TESTRIG_PROFILE.  Every kind of unit starts
 * from this and adds its own variables with env_set.
 */
void env_for_job(struct strvec *env, char *const *base, const char *run_id,
		 const char *profile);
/*
 * Sets NAME=VALUE in a job's environment, replacing the entry a variable
 * of that name already has there (a TESTRIG* name is looked for among
 * testrig's own variables, which come last).  The one setter of a
 * variable: jobs, cases (GTEST_SHARD_INDEX) and env_build use it.
 */
void env_set(struct strvec *env, const char *name, const char *value);
/* The same with a number as the value. */
void env_set_number(struct strvec *env, const char *name, long value);

/*
 * Parses a TESTRIG_ENV file: one KEY=VALUE per line, split at the first '=';
 * KEY matches [A-Za-z_][A-Za-z0-9_]* and does not begin with TESTRIG; blank
 * lines are skipped.  Appends to `out`; -1 with "line N: ..." in *err.
 */
int env_parse_exports(const char *data, size_t len, struct strvec *out, struct buf *err);

#endif

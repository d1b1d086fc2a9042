/*
 * fuzz_config.c - libFuzzer target for the config loader: any bytes must load
 * or fail with one "FILE:LINE: ..." message and exit code 94 or 96, leave
 * nothing behind on failure, and whatever loads must show and resolve.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testrig/buf.h"
#include "testrig/config.h"
#include "testrig/filter.h"
#include "testrig/list.h"
#include "testrig/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct filter_subject subjects[] = {
	{ "db_connect", "build/unit_db", "unit", false },
	{ "net.slow", "bin/t", "", true },
	{ "db_connect", "build/unit_db", "unit", false },   /* a cache hit */
};

static void load_one(const uint8_t *data, size_t size, const char *profile)
{
	struct config cfg;
	struct test_list list;
	struct buf err = BUF_INIT, out = BUF_INIT;
	int rc;
	size_t i;

	test_list_init(&list);
	rc = config_load_buffer("fuzz.ini", (const char *)data, size, profile, &cfg, &list, &err);
	if (rc) {
		/* one message, newline-terminated; nothing half-built left behind */
		if ((rc != EXIT_SETUP && rc != EXIT_FILTER) || !err.len ||
		    err.data[err.len - 1] != '\n' || list.nsuites || cfg.path || cfg.origins.n)
			abort();
	} else {
		const struct settings *first = NULL;

		if (err.len || !cfg.profile_name || !cfg.root)
			abort();
		config_show(&cfg, &cfg.profile, &list, &out);
		for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
			const struct settings *s = config_test_settings(&cfg, &cfg.profile, NULL,
									&subjects[i]);
			if (i == 0)
				first = s;
			if (i == 2 && s != first)
				abort();
		}
	}
	config_free(&cfg);
	test_list_free(&list);
	buf_free(&err);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_one(data, size, NULL);
	load_one(data, size, "ci");
	return 0;
}

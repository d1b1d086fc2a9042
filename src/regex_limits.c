/*
 * regex_limits.c - the limits a filter's regex must keep before regcomp
 * sees it: how deep groups and repetitions nest and how many elements the
 * pattern has once repetitions are expanded.  Reads the text only.
 *
 * glibc's regcomp copies a subexpression once per repetition ("x{9}" is nine
 * copies, "x+" two) and computes closures over the copies, so a short pattern
 * like "a+++++++++++++++++++", "((a{99}){99}){99}" or "((|.*)+){300}" takes
 * minutes and gigabytes, and a few thousand nested groups overflow its stack.
 * These limits keep compilation fast while leaving every sensible test-name
 * pattern alone; they are checked on the text between the slashes, before
 * regcomp sees it, so errors point at the offending character.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "testrig/regex_limits.h"

#define REGEX_MAX_GROUPS 32
#define REGEX_MAX_ELEMENTS 1000
#define REGEX_MAX_REPEAT_DEPTH 2

struct regex_group {
	size_t size;            /* elements once repetitions are expanded */
	unsigned repeat_depth;  /* deepest nesting of repetitions inside */
};

static size_t capped_add(size_t a, size_t b)
{
	return a + b > REGEX_MAX_ELEMENTS ? REGEX_MAX_ELEMENTS + 1 : a + b;
}

static size_t capped_mul(size_t a, size_t b)
{
	return b && a > (REGEX_MAX_ELEMENTS + 1) / b ? REGEX_MAX_ELEMENTS + 1 : a * b;
}

/* How many copies an interval at s ("{2}", "{1,5}", "{3,}") makes; 0 if s is no interval. */
static size_t regex_interval(const char *s, size_t len, size_t *used)
{
	size_t i = 1, lo = 0, hi = 0;
	bool comma = false, have_lo = false, have_hi = false;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, have_lo = true)
		lo = capped_add(capped_mul(lo, 10), (size_t)(s[i] - '0'));
	if (i < len && s[i] == ',') {
		comma = true;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, have_hi = true)
			hi = capped_add(capped_mul(hi, 10), (size_t)(s[i] - '0'));
	}
	if (i >= len || s[i] != '}' || (!comma && !have_lo))
		return 0;
	*used = i + 1;
	if (have_hi)
		return hi > lo ? hi : (lo ? lo : 1);
	return comma ? lo + 1 : (lo ? lo : 1);
}

/* Past a bracket expression starting at s[0] == '['; backslashes are literal inside. */
static size_t regex_bracket(const char *s, size_t len)
{
	size_t i = 1;
	char delim;

	if (i < len && s[i] == '^')
		i++;
	if (i < len && s[i] == ']')
		i++;
	while (i < len && s[i] != ']') {
		if (s[i] == '[' && i + 1 < len &&
		    (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '=')) {
			delim = s[i + 1];
			for (i += 2; i + 1 < len && !(s[i] == delim && s[i + 1] == ']'); i++)
				;
			i += 2;
			continue;
		}
		i++;
	}
	return i < len ? i + 1 : len;
}

const char *regex_limits_check(const char *s, size_t len, size_t *bad)
{
	struct regex_group group[REGEX_MAX_GROUPS + 1];
	struct regex_group *g = group;
	size_t i = 0, used, last_size = 0;
	unsigned last_depth = 0;

	memset(group, 0, sizeof(group));
	while (i < len) {
		size_t copies = 0;

		*bad = i;
		used = 1;
		if (s[i] == '*' || s[i] == '?')
			copies = 1;
		else if (s[i] == '+')
			copies = 2;
		else if (s[i] == '{')
			copies = regex_interval(s + i, len - i, &used);
		if (copies) {
			/* Stacked operators ("a**") repeat the repetition, as regcomp does. */
			if (last_size && ++last_depth > REGEX_MAX_REPEAT_DEPTH)
				return "regex nests repetition more than 2 deep "
				       "(regcomp can take exponential time on that)";
			g->size = capped_add(g->size, capped_mul(last_size, copies - 1));
			last_size = capped_mul(last_size, copies);
			if (last_depth > g->repeat_depth)
				g->repeat_depth = last_depth;
		} else if (s[i] == '(') {
			if (g == group + REGEX_MAX_GROUPS)
				return "regex nests groups more than 32 deep";
			g++;
			g->size = 0;
			g->repeat_depth = 0;
			last_size = 0;
		} else if (s[i] == ')' && g > group) {
			last_size = capped_add(g->size, 1);
			last_depth = g->repeat_depth;
			g--;
			g->size = capped_add(g->size, last_size);
			if (last_depth > g->repeat_depth)
				g->repeat_depth = last_depth;
		} else if (s[i] == '|' || s[i] == '^' || s[i] == '$') {
			/* An empty branch is still a node to regcomp. */
			if (s[i] == '|')
				g->size = capped_add(g->size, 1);
			last_size = 0;
		} else {
			if (s[i] == '\\')
				used = 2;
			else if (s[i] == '[')
				used = regex_bracket(s + i, len - i);
			last_size = 1;
			last_depth = 0;
			g->size = capped_add(g->size, 1);
		}
		if (g->size > REGEX_MAX_ELEMENTS)
			return "regex too large once repetitions are expanded "
			       "(more than 1000 elements)";
		i += used;
	}
	return NULL;
}

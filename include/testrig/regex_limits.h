/*
 * regex_limits.h - whether a POSIX extended regex is small enough for
 * regcomp to compile quickly: glibc copies a subexpression once per
 * repetition, so a short pattern can take minutes, gigabytes or the whole
 * stack.  filter.c checks each /REGEX/ here first.
 */
#ifndef TESTRIG_REGEX_LIMITS_H
#define TESTRIG_REGEX_LIMITS_H

#include <stddef.h>

/*
 * NULL if the pattern s[0..len) keeps the limits (groups nested at most
 * 32 deep, repetition at most 2, at most 1000 elements once repetitions
 * are expanded); else why not, with *bad the offset of the character
 * where it went over.
 */
const char *regex_limits_check(const char *s, size_t len, size_t *bad);

#endif

/*
 * path.h - file paths as testrig spells them: the current directory of
 * any length, and a path made absolute and normalized lexically (the
 * user's spelling, not the file system's: symlinks are not resolved).
 */
#ifndef TESTRIG_PATH_H
#define TESTRIG_PATH_H

/* getcwd, malloc'd, whatever its length; NULL with errno on failure. */
char *path_current_dir(void);
/*
 * `path` made absolute against `base` (the cwd when NULL) and normalized
 * lexically ("." and empty parts dropped, ".." resolved as a shell's
 * logical cd does); NULL if getcwd fails.
 */
char *path_absolute(const char *path, const char *base);

#endif

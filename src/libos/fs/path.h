/*
 * path: pure string helpers for LibOS paths (no I/O, no PAL, no locks),
 * so that they can be unit-tested on the host.
 *
 * A "canonical" path is absolute, has no "." or ".." components, no
 * repeated slashes and no trailing slash (except "/" itself). The path
 * walk (namei.c) keeps the path walked so far in this form.
 *
 * Limits follow Linux: a path string holds at most PATH_MAX - 1 = 4095
 * bytes, a component at most NAME_MAX = 255.
 */
#ifndef LIBOS_FS_PATH_H
#define LIBOS_FS_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define LIBOS_PATH_MAX 4096
#define LIBOS_NAME_MAX 255

/*
 * Next component of p: skips leading slashes, returns the start of the
 * component and its length in *len, or NULL (and *len = 0) at the end.
 */
const char *path_next(const char *p, size_t *len);

/* True when the component (s, len) is "." / "..". */
bool path_is_dot(const char *s, size_t len);
bool path_is_dotdot(const char *s, size_t len);

/*
 * Append component (name, len) to the canonical path canon (length *clen,
 * buffer size cap). Returns 0, or -ENAMETOOLONG when the result would not
 * fit (canon is left unchanged).
 */
int path_push(char *canon, size_t *clen, size_t cap, const char *name, size_t len);

/* Drop the last component of canonical canon ("/" stays "/"). */
void path_pop(char *canon, size_t *clen);

/*
 * Lexically normalize path into out (size outlen): relative paths are
 * taken relative to base (a canonical path; may be NULL when path is
 * absolute). "." is dropped, ".." pops (never above "/"), slashes
 * collapse. Returns the length, -EINVAL for a relative path without base,
 * -ENAMETOOLONG when a component exceeds NAME_MAX or the result exceeds
 * outlen - 1. This does not resolve symlinks: use it only where the input
 * is known to contain none (mount targets, config paths).
 */
int path_normalize(const char *base, const char *path, char *out, size_t outlen);

/*
 * Join dir and name with exactly one slash between them (no
 * normalization). Returns the length or -ENAMETOOLONG.
 */
int path_join(const char *dir, const char *name, char *out, size_t outlen);

/* Last component of a canonical path ("" for "/"); points into path. */
const char *path_basename(const char *path);

/* True when path equals prefix or lies below it ("/a" covers "/a/b", not "/ab"). */
bool path_is_under(const char *path, const char *prefix);

/* True when the string ends with one or more slashes after a non-slash. */
bool path_has_trailing_slash(const char *path);

#endif

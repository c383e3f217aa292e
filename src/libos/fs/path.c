/*
 * path: pure string helpers for LibOS paths. No PAL, no allocation, no
 * globals: tests/unit/test_path.c builds this file alone.
 */
#include "fs/path.h"

#include <errno.h>
#include <string.h>

const char *path_next(const char *p, size_t *len)
{
    while (*p == '/')
        p++;
    if (!*p) {
        *len = 0;
        return NULL;
    }
    const char *e = strchrnul(p, '/');
    *len = (size_t)(e - p);
    return p;
}

bool path_is_dot(const char *s, size_t len)
{
    return len == 1 && s[0] == '.';
}

bool path_is_dotdot(const char *s, size_t len)
{
    return len == 2 && s[0] == '.' && s[1] == '.';
}

int path_push(char *canon, size_t *clen, size_t cap, const char *name, size_t len)
{
    size_t n = *clen;
    size_t sep = (n == 1 && canon[0] == '/') ? 0 : 1;
    if (n + sep + len + 1 > cap) return -ENAMETOOLONG;
    if (sep) canon[n++] = '/';
    memcpy(canon + n, name, len);
    n += len;
    canon[n] = 0;
    *clen = n;
    return 0;
}

void path_pop(char *canon, size_t *clen)
{
    size_t n = *clen;
    while (n > 1 && canon[n - 1] != '/')
        n--;
    if (n > 1) n--; /* drop the slash too, unless it is the root */
    canon[n] = 0;
    *clen = n;
}

int path_normalize(const char *base, const char *path, char *out, size_t outlen)
{
    size_t n;
    if (outlen < 2) return -ENAMETOOLONG;
    if (path[0] == '/') {
        out[0] = '/';
        out[1] = 0;
        n = 1;
    } else {
        if (!base || base[0] != '/') return -EINVAL;
        /* base is canonical, but normalize it too: cheap and it makes the
         * function safe for any absolute base. */
        int r = path_normalize(NULL, base, out, outlen);
        if (r < 0) return r;
        n = (size_t)r;
    }
    size_t len;
    for (const char *c = path_next(path, &len); c; c = path_next(c + len, &len)) {
        if (len > LIBOS_NAME_MAX) return -ENAMETOOLONG;
        if (path_is_dot(c, len)) continue;
        if (path_is_dotdot(c, len)) {
            path_pop(out, &n);
            continue;
        }
        int r = path_push(out, &n, outlen, c, len);
        if (r < 0) return r;
    }
    return (int)n;
}

int path_join(const char *dir, const char *name, char *out, size_t outlen)
{
    size_t dl = strlen(dir), nl = strlen(name);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    while (*name == '/') {
        name++;
        nl--;
    }
    size_t sep = (dl > 0 && dir[dl - 1] == '/') || dl == 0 || nl == 0 ? 0 : 1;
    if (dl + sep + nl + 1 > outlen) return -ENAMETOOLONG;
    memmove(out, dir, dl);
    if (sep) out[dl] = '/';
    memcpy(out + dl + sep, name, nl);
    out[dl + sep + nl] = 0;
    return (int)(dl + sep + nl);
}

const char *path_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

bool path_is_under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (n == 1 && prefix[0] == '/') return path[0] == '/';
    return strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/');
}

bool path_has_trailing_slash(const char *path)
{
    size_t n = strlen(path);
    if (n == 0 || path[n - 1] != '/') return false;
    while (n > 0 && path[n - 1] == '/')
        n--;
    return n > 0;
}

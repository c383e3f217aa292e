/*
 * libpath.c: the loader's library search order (libpath.h), reproduced on
 * the host from configuration files, never by running the loader.
 */
#include "bom/libpath.h"
#include "bom/elfdeps.h"

#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lib_dirs_add(struct lib_dirs *out, const char *dir)
{
    for (size_t i = 0; i < out->n; i++)
        if (!strcmp(out->dirs[i], dir)) return 0;
    char **d = realloc(out->dirs, (out->n + 1) * sizeof(*d));
    if (!d) return -1;
    out->dirs = d;
    if (!(d[out->n] = strdup(dir))) return -1;
    out->n++;
    return 0;
}

void lib_dirs_free(struct lib_dirs *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->dirs[i]);
    free(d->dirs);
    d->dirs = NULL;
    d->n = 0;
}

/* Replaces the dynamic string tokens the loader knows in one entry. */
static int expand_tokens(const char *in, const char *origin, char *out, size_t len)
{
    static const struct {
        const char *tok;
        size_t tlen;
        int which; /* 0 ORIGIN, 1 LIB, 2 PLATFORM */
    } toks[] = {{"${ORIGIN}", 9, 0}, {"$ORIGIN", 7, 0},      {"${LIB}", 6, 1},
                {"$LIB", 4, 1},      {"${PLATFORM}", 11, 2}, {"$PLATFORM", 9, 2}};
    size_t o = 0;
    while (*in) {
        const char *rep = NULL;
        size_t skip = 1;
        if (*in == '$') {
            for (size_t t = 0; t < sizeof(toks) / sizeof(toks[0]); t++) {
                if (!strncmp(in, toks[t].tok, toks[t].tlen)) {
                    rep = toks[t].which == 0   ? origin
                          : toks[t].which == 1 ? "lib/x86_64-linux-gnu"
                                               : "x86_64";
                    skip = toks[t].tlen;
                    break;
                }
            }
        }
        size_t rlen = rep ? strlen(rep) : 1;
        if (o + rlen >= len) return -1;
        memcpy(out + o, rep ? rep : in, rlen);
        o += rlen;
        in += skip;
    }
    out[o] = '\0';
    return 0;
}

int lib_dirs_add_path(struct lib_dirs *out, const char *path, const char *origin)
{
    char *copy = strdup(path);
    if (!copy) return -1;
    int rc = 0;
    char *save = NULL;
    for (char *e = strtok_r(copy, ":", &save); e && rc == 0; e = strtok_r(NULL, ":", &save)) {
        char dir[PATH_MAX];
        /* An entry too long to expand is one the loader could not open either. */
        if (expand_tokens(e, origin, dir, sizeof(dir)) == 0 && dir[0] == '/')
            rc = lib_dirs_add(out, dir);
    }
    free(copy);
    return rc;
}

static int read_ld_so_conf(struct lib_dirs *out, const char *file, int depth);

static int conf_include(struct lib_dirs *out, const char *pattern, int depth)
{
    char pat[PATH_MAX];
    /* Relative includes are relative to /etc, as ldconfig reads them. */
    if (snprintf(pat, sizeof(pat), "%s%s", pattern[0] == '/' ? "" : "/etc/", pattern) >=
        (int)sizeof(pat))
        return 0;
    glob_t g;
    if (glob(pat, 0, NULL, &g) != 0) return 0;
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
        rc = read_ld_so_conf(out, g.gl_pathv[i], depth + 1);
    globfree(&g);
    return rc;
}

static int read_ld_so_conf(struct lib_dirs *out, const char *file, int depth)
{
    if (depth > 8) return 0; /* an include loop: ldconfig gives up too */
    FILE *f = fopen(file, "re");
    if (!f) return 0;
    char line[PATH_MAX];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "#\n")] = '\0';
        char *p = line + strspn(line, " \t");
        char *end = p + strlen(p);
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!*p) continue;
        if (!strncmp(p, "include", 7) && (p[7] == ' ' || p[7] == '\t'))
            rc = conf_include(out, p + 8 + strspn(p + 8, " \t"), depth);
        else if (p[0] == '/')
            rc = lib_dirs_add(out, p);
    }
    fclose(f);
    return rc;
}

int lib_search_init(struct lib_search *s)
{
    memset(s, 0, sizeof(*s));
    static const char *const glibc_std[] = {"/lib/x86_64-linux-gnu",
                                            "/usr/lib/x86_64-linux-gnu",
                                            "/lib64",
                                            "/usr/lib64",
                                            "/lib",
                                            "/usr/lib"};
    if (read_ld_so_conf(&s->glibc, "/etc/ld.so.conf", 0) < 0) return -1;
    for (size_t i = 0; i < sizeof(glibc_std) / sizeof(glibc_std[0]); i++)
        if (lib_dirs_add(&s->glibc, glibc_std[i]) < 0) return -1;
    /* musl reads one file of paths separated by colons or newlines. */
    FILE *f = fopen("/etc/ld-musl-x86_64.path", "re");
    if (f) {
        char line[PATH_MAX];
        while (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\n")] = '\0';
            if (lib_dirs_add_path(&s->musl, line, "/") < 0) {
                fclose(f);
                return -1;
            }
        }
        fclose(f);
    } else if (lib_dirs_add_path(&s->musl, "/lib:/usr/local/lib:/usr/lib", "/") < 0) {
        return -1;
    }
    return 0;
}

void lib_search_free(struct lib_search *s)
{
    lib_dirs_free(&s->glibc);
    lib_dirs_free(&s->musl);
}

static char *find_in(const struct lib_dirs *dirs, const char *name)
{
    for (size_t i = 0; i < dirs->n; i++) {
        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s", dirs->dirs[i], name) >= (int)sizeof(path))
            continue;
        if (elf_kind_of(path) == ELF_X86_64) return strdup(path);
    }
    return NULL;
}

char *lib_search_find(const struct lib_search *s, const struct lib_dirs *first, bool musl,
                      const char *name)
{
    if (strchr(name, '/'))
        return name[0] == '/' && elf_kind_of(name) == ELF_X86_64 ? strdup(name) : NULL;
    char *p = first ? find_in(first, name) : NULL;
    return p ? p : find_in(musl ? &s->musl : &s->glibc, name);
}

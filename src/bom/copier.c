/*
 * copier.c: the image writer of copier.h. Paths inside the image are
 * resolved component by component against the image root (an image symlink
 * such as lib64 -> /lib means <root>/lib, never the host's /lib), so
 * nothing a BOM or an earlier copy put into the image can make a write land
 * outside it.
 */
#include "bom/copier.h"
#include "bom/elfdeps.h"
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failf(struct copier *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(struct copier *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    return -1;
}

static void warnf(struct copier *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct copier *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: warning: ", c->prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    c->warnings++;
}

void path_normalize(const char *in, char *out, size_t len)
{
    size_t o = 0;
    out[o++] = '/';
    while (*in) {
        while (*in == '/')
            in++;
        const char *e = strchrnul(in, '/');
        size_t n = (size_t)(e - in);
        if (n == 0 || (n == 1 && in[0] == '.')) {
            /* nothing */
        } else if (n == 2 && in[0] == '.' && in[1] == '.') {
            while (o > 1 && out[o - 1] != '/')
                o--;
            if (o > 1) o--;
        } else if (o + n + 1 < len) {
            if (out[o - 1] != '/') out[o++] = '/';
            memcpy(out + o, in, n);
            o += n;
        }
        in = e;
    }
    if (o > 1 && out[o - 1] == '/') o--;
    out[o] = '\0';
}

static void dir_of(const char *path, char *out, size_t len)
{
    snprintf(out, len, "%s", path);
    char *s = strrchr(out, '/');
    if (s == out)
        out[1] = '\0';
    else if (s)
        *s = '\0';
}

/* Where a symlink at host path `link` with text `text` points, normalised. */
static void link_target(const char *link, const char *text, char *out, size_t len)
{
    char joined[2 * PATH_MAX];
    if (text[0] == '/') {
        snprintf(joined, sizeof(joined), "%s", text);
    } else {
        char d[PATH_MAX];
        dir_of(link, d, sizeof(d));
        snprintf(joined, sizeof(joined), "%s/%s", d, text);
    }
    path_normalize(joined, out, len);
}

/*
 * The host path of image path `dest`: its directories resolved inside the
 * image (symlinks followed as the LibOS would, relative to the image root),
 * its last component left as it is.
 */
static int host_of(struct copier *c, const char *dest, char *out, size_t len)
{
    char todo[2 * PATH_MAX], done[PATH_MAX] = "";
    path_normalize(dest, todo, sizeof(todo));
    for (int hops = 0;;) {
        char *p = todo + 1;
        char *slash = strchr(p, '/');
        if (!slash) break; /* the last component */
        *slash = '\0';
        char probe[PATH_MAX];
        if (pathf(probe, sizeof(probe), "%s%s/%s", c->root, done, p) < 0)
            return failf(c, "%s: the path is too long", dest);
        struct stat st;
        if (lstat(probe, &st) == 0 && S_ISLNK(st.st_mode)) {
            if (++hops > 40)
                return failf(c,
                             "%s: too many levels of symbolic links in the image; "
                             "fix the links under %s",
                             dest, c->root);
            char text[PATH_MAX];
            ssize_t n = readlink(probe, text, sizeof(text) - 1);
            if (n < 0) return failf(c, "%s: %s", probe, strerror(errno));
            text[n] = '\0';
            char rest[2 * PATH_MAX], joined[4 * PATH_MAX];
            snprintf(rest, sizeof(rest), "%s", slash + 1);
            if (text[0] == '/')
                snprintf(joined, sizeof(joined), "%s/%s", text, rest);
            else
                snprintf(joined, sizeof(joined), "%s/%s/%s", done[0] ? done : "/", text, rest);
            path_normalize(joined, todo, sizeof(todo));
            done[0] = '\0';
            continue;
        }
        size_t dl = strlen(done);
        if (pathf(done + dl, sizeof(done) - dl, "/%s", p) < 0)
            return failf(c, "%s: the path is too long", dest);
        memmove(todo, slash, strlen(slash + 1) + 2);
        todo[0] = '/';
    }
    if (pathf(out, len, "%s%s%s", c->root, done, todo) < 0)
        return failf(c, "%s: the path is too long", dest);
    return 0;
}

int copier_mkdir(struct copier *c, const char *dest)
{
    char norm[PATH_MAX];
    path_normalize(dest, norm, sizeof(norm));
    if (strset_has(&c->made, norm)) return 0;
    if (strcmp(norm, "/")) {
        char parent[PATH_MAX];
        dir_of(norm, parent, sizeof(parent));
        if (copier_mkdir(c, parent) < 0) return -1;
    }
    char host[PATH_MAX];
    if (host_of(c, norm, host, sizeof(host)) < 0) return -1;
    struct stat st;
    if (lstat(host, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* A link to a directory: make the directory it names, in the image. */
        char text[PATH_MAX], target[PATH_MAX];
        ssize_t n = readlink(host, text, sizeof(text) - 1);
        if (n < 0) return failf(c, "%s: %s", host, strerror(errno));
        text[n] = '\0';
        link_target(norm, text, target, sizeof(target));
        if (strset_add(&c->made, norm) < 0) return failf(c, "out of memory");
        return copier_mkdir(c, target);
    }
    if (lstat(host, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return failf(c, "%s in the image is not a directory; remove %s", norm, host);
    } else if (c->dry_run) {
        printf("mkdir %s\n", norm);
        c->dirs++;
    } else if (mkdir(host, 0755) < 0 && errno != EEXIST) {
        return failf(c, "cannot create %s: %s", host, strerror(errno));
    } else {
        c->dirs++;
    }
    if (strset_add(&c->made, norm) < 0) return failf(c, "out of memory");
    return 0;
}

static int ensure_parent(struct copier *c, const char *dest)
{
    char parent[PATH_MAX];
    dir_of(dest, parent, sizeof(parent));
    return copier_mkdir(c, parent);
}

int copier_link(struct copier *c, const char *target, const char *path)
{
    char host[PATH_MAX], dest[PATH_MAX];
    path_normalize(path, dest, sizeof(dest));
    if (ensure_parent(c, dest) < 0 || host_of(c, dest, host, sizeof(host)) < 0) return -1;
    char cur[PATH_MAX];
    ssize_t n = readlink(host, cur, sizeof(cur) - 1);
    if (n >= 0 && (size_t)n == strlen(target) && !memcmp(cur, target, (size_t)n)) {
        c->unchanged++;
        return 0;
    }
    struct stat st;
    if (lstat(host, &st) == 0 && S_ISDIR(st.st_mode))
        return failf(c, "%s in the image is a directory, not a link; remove %s", dest, host);
    c->links++;
    if (c->dry_run) {
        printf("link %s -> %s\n", dest, target);
        return 0;
    }
    if ((unlink(host) < 0 && errno != ENOENT) || symlink(target, host) < 0)
        return failf(c, "cannot create the link %s: %s", host, strerror(errno));
    return 0;
}

static int copy_regular(struct copier *c, const char *src, const struct stat *sst, const char *dest)
{
    char host[PATH_MAX];
    if (ensure_parent(c, dest) < 0 || host_of(c, dest, host, sizeof(host)) < 0) return -1;
    struct stat dst;
    if (lstat(host, &dst) == 0) {
        if (S_ISDIR(dst.st_mode))
            return failf(c, "%s in the image is a directory; remove %s or copy the file elsewhere",
                         dest, host);
        /* rsync's quick check: same size and modification time. */
        if (S_ISREG(dst.st_mode) && dst.st_size == sst->st_size &&
            dst.st_mtim.tv_sec == sst->st_mtim.tv_sec &&
            dst.st_mtim.tv_nsec == sst->st_mtim.tv_nsec) {
            if ((dst.st_mode & 07777) != (sst->st_mode & 07777) && !c->dry_run)
                chmod(host, sst->st_mode & 07777);
            c->unchanged++;
            return 0;
        }
    }
    c->copied++;
    c->bytes += (unsigned long long)sst->st_size;
    if (c->dry_run) {
        printf("copy %s %s\n", src, dest);
        return 0;
    }
    struct timespec times[2] = {sst->st_atim, sst->st_mtim};
    if (copy_file_times(src, host, sst->st_mode, times) < 0)
        return failf(c, "cannot copy %s to %s: %s", src, host, strerror(errno));
    return 0;
}

static bool excluded(const struct copier *c, const char *rel, const char *name, bool is_dir)
{
    for (size_t i = 0; i < c->n_excludes; i++) {
        char pat[PATH_MAX];
        snprintf(pat, sizeof(pat), "%s", c->excludes[i]);
        size_t n = strlen(pat);
        if (n > 1 && pat[n - 1] == '/') {
            if (!is_dir) continue;
            pat[n - 1] = '\0';
        }
        if (!strchr(pat, '/')) {
            if (!fnmatch(pat, name, 0)) return true;
            continue;
        }
        /* A pattern with a slash matches the end of the path (rsync); one
         * that starts with a slash, the whole path from the copied dir. */
        if (pat[0] == '/') {
            if (!fnmatch(pat + 1, rel, FNM_PATHNAME)) return true;
            continue;
        }
        for (const char *s = rel; s; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL)
            if (!fnmatch(pat, s, FNM_PATHNAME)) return true;
    }
    return false;
}

static int autodep(struct copier *c, const char *elf, unsigned flags, bool musl,
                   const struct lib_dirs *chain);

/* The dependencies of one library found for `from`, at their host paths. */
static int follow_lib(struct copier *c, const char *from, const char *name, unsigned flags,
                      bool musl, const struct lib_dirs *first, const struct lib_dirs *chain)
{
    char *lib = lib_search_find(&c->ls, first, musl, name);
    if (!lib) {
        if (flags & COPY_STRICT)
            return failf(c,
                         "%s needs %s, which is in none of the library directories; install "
                         "the package that has it, or give autodep: false",
                         from, name);
        /* once per library: a runtime's plugins often all need one it
         * loads itself by path first: Java's libraries and libjvm.so) */
        if (strset_add(&c->missing, name) == 1)
            warnf(c, "%s needs %s, found in none of the library directories; not copied", from,
                  name);
        return 0;
    }
    int rc = copier_path(c, lib, lib, 0);
    if (rc == 0) rc = autodep(c, lib, flags, musl, chain);
    free(lib);
    return rc;
}

static int autodep(struct copier *c, const char *elf, unsigned flags, bool musl,
                   const struct lib_dirs *chain)
{
    int added = strset_add(&c->walked, elf);
    if (added <= 0) return added < 0 ? failf(c, "out of memory") : 0;
    struct elf_deps d;
    char why[256];
    if (elf_deps_read(elf, &d, why, sizeof(why)) < 0) {
        if (flags & COPY_STRICT)
            return failf(c, "%s is a malformed ELF file (%s); copy it with autodep: false", elf,
                         why);
        warnf(c, "%s is a malformed ELF file (%s); its libraries are not followed", elf, why);
        return 0;
    }
    int rc = 0;
    if (d.interp) {
        const char *base = strrchr(d.interp, '/');
        musl = !strncmp(base ? base + 1 : d.interp, "ld-musl", 7);
        struct stat st;
        if (lstat(d.interp, &st) == 0)
            rc = copier_path(c, d.interp, d.interp, 0);
        else if (flags & COPY_STRICT)
            rc = failf(c, "%s names the loader %s, which is not on this host; install it", elf,
                       d.interp);
        else
            warnf(c, "%s names the loader %s, which is not on this host", elf, d.interp);
    }
    char real[PATH_MAX], origin[PATH_MAX];
    if (!realpath(elf, real)) snprintf(real, sizeof(real), "%s", elf);
    dir_of(real, origin, sizeof(origin));
    struct lib_dirs first = {0}, next = {0};
    if (d.runpath) {
        if (lib_dirs_add_path(&first, d.runpath, origin) < 0) rc = -1;
    } else if (d.rpath && lib_dirs_add_path(&first, d.rpath, origin) < 0) {
        rc = -1;
    }
    /* Without DT_RUNPATH the RPATHs of the objects that loaded this one count. */
    for (size_t i = 0; rc == 0 && !d.runpath && chain && i < chain->n; i++)
        rc = lib_dirs_add(&first, chain->dirs[i]);
    if (rc == 0 && !d.runpath && d.rpath) rc = lib_dirs_add_path(&next, d.rpath, origin);
    for (size_t i = 0; rc == 0 && chain && i < chain->n; i++)
        rc = lib_dirs_add(&next, chain->dirs[i]);
    if (rc < 0 && !c->err[0]) failf(c, "out of memory");
    for (size_t i = 0; rc == 0 && i < d.n_needed; i++)
        rc = follow_lib(c, elf, d.needed[i], flags, musl, &first, &next);
    lib_dirs_free(&first);
    lib_dirs_free(&next);
    elf_deps_free(&d);
    return rc;
}

static int copy_entry(struct copier *c, const char *src, const char *dest, unsigned flags,
                      const char *tree);

/* A directory's entries, each under dest; `tree` is the copied tree's host root. */
static int copy_dir_entries(struct copier *c, const char *src, const char *dest, const char *tree)
{
    if (copier_mkdir(c, dest) < 0) return -1;
    DIR *d = opendir(src);
    if (!d) return failf(c, "cannot read the directory %s: %s", src, strerror(errno));
    int rc = 0;
    size_t tlen = strlen(tree);
    const char *treebase = strrchr(tree, '/');
    treebase = treebase && treebase[1] ? treebase + 1 : "";
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char s[PATH_MAX], t[PATH_MAX], rel[PATH_MAX];
        if (pathf(s, sizeof(s), "%s/%s", src, e->d_name) < 0 ||
            pathf(t, sizeof(t), "%s/%s", dest, e->d_name) < 0) {
            rc = failf(c, "%s/%s: the path is too long", src, e->d_name);
            break;
        }
        snprintf(rel, sizeof(rel), "%s%s", treebase, s + tlen);
        struct stat st;
        if (lstat(s, &st) < 0) continue; /* gone while we read */
        if (excluded(c, rel, e->d_name, S_ISDIR(st.st_mode))) continue;
        rc = copy_entry(c, s, t, COPY_AUTODEP, tree);
    }
    closedir(d);
    return rc;
}

/* True when `path` is `tree` or lies below it. */
static bool within(const char *path, const char *tree)
{
    size_t n = strlen(tree);
    return !strncmp(path, tree, n) && (path[n] == '\0' || path[n] == '/' || n == 1);
}

static int copy_symlink(struct copier *c, const char *src, const char *dest, const char *tree)
{
    char text[PATH_MAX], target[PATH_MAX];
    ssize_t n = readlink(src, text, sizeof(text) - 1);
    if (n < 0) return failf(c, "cannot read the link %s: %s", src, strerror(errno));
    text[n] = '\0';
    link_target(src, text, target, sizeof(target));
    char sd[PATH_MAX], dd[PATH_MAX];
    dir_of(src, sd, sizeof(sd));
    dir_of(dest, dd, sizeof(dd));
    bool inside = tree && within(target, tree);
    /* A relative link keeps its text when it still points at the same file
     * in the image; else it points at the target's path, where the target
     * is pulled in. */
    const char *keep = text[0] == '/' || inside || !strcmp(sd, dd) ? text : target;
    if (copier_link(c, keep, dest) < 0) return -1;
    if (inside) return 0;
    struct stat st;
    if (lstat(target, &st) < 0) {
        warnf(c, "%s points to %s, which does not exist; the link is copied alone", src, target);
        return 0;
    }
    return copier_path(c, target, target, COPY_AUTODEP);
}

static int copy_entry(struct copier *c, const char *src, const char *dest, unsigned flags,
                      const char *tree)
{
    char norm[PATH_MAX];
    path_normalize(dest, norm, sizeof(norm));
    int added = strset_add(&c->dests, norm);
    if (added < 0) return failf(c, "out of memory");
    if (added == 0) return 0;
    struct stat st;
    if (lstat(src, &st) < 0)
        return failf(c, "%s: %s; fix the path in the BOM", src, strerror(errno));
    if (S_ISLNK(st.st_mode)) return copy_symlink(c, src, norm, tree);
    if (S_ISDIR(st.st_mode)) return copy_dir_entries(c, src, norm, tree ? tree : src);
    if (!S_ISREG(st.st_mode)) {
        warnf(c, "%s is not a regular file, directory or link; skipped", src);
        return 0;
    }
    if (copy_regular(c, src, &st, norm) < 0) return -1;
    if ((flags & COPY_AUTODEP) && elf_kind_of(src) == ELF_X86_64)
        return autodep(c, src, flags, false, NULL);
    return 0;
}

int copier_path(struct copier *c, const char *src, const char *dest, unsigned flags)
{
    return copy_entry(c, src, dest, flags, NULL);
}

int copier_dir_contents(struct copier *c, const char *src, const char *dest)
{
    struct stat st;
    if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
        return failf(c, "%s is not a directory; fix the path in the BOM", src);
    char norm[PATH_MAX];
    path_normalize(src, norm, sizeof(norm));
    return copy_dir_entries(c, norm, dest, norm);
}

int copier_init(struct copier *c, const char *prog, const char *root, bool dry_run)
{
    memset(c, 0, sizeof(*c));
    c->prog = prog;
    c->dry_run = dry_run;
    char abs[PATH_MAX];
    if (root[0] == '/') {
        snprintf(abs, sizeof(abs), "%s", root);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd))) return failf(c, "cannot read the current directory");
        if (pathf(abs, sizeof(abs), "%s/%s", cwd, root) < 0)
            return failf(c, "%s: the path is too long", root);
    }
    path_normalize(abs, c->root, sizeof(c->root));
    if (!strcmp(c->root, "/"))
        return failf(c, "the root directory cannot be /; give the image directory");
    if (!dry_run && mkdir_p(c->root, 0755) < 0)
        return failf(c, "cannot create %s: %s", c->root, strerror(errno));
    if (lib_search_init(&c->ls) < 0) return failf(c, "out of memory");
    return 0;
}

void copier_free(struct copier *c)
{
    lib_search_free(&c->ls);
    strset_free(&c->dests);
    strset_free(&c->walked);
    strset_free(&c->made);
    strset_free(&c->missing);
}

/*
 * libpath.h: where the dynamic loader would find a DT_NEEDED library on
 * this host: the object's DT_RPATH (when it has no DT_RUNPATH) and the
 * RPATHs it inherits, its DT_RUNPATH, then the directories of
 * /etc/ld.so.conf (with its includes) and the standard ones; musl's
 * loader has its own list (/etc/ld-musl-x86_64.path or musl's defaults).
 */
#ifndef OCCLUM_BOM_LIBPATH_H
#define OCCLUM_BOM_LIBPATH_H

#include <stdbool.h>
#include <stddef.h>

struct lib_dirs {
    char **dirs;
    size_t n;
};

/* The host's system search lists, read once. */
struct lib_search {
    struct lib_dirs glibc, musl;
};

int lib_search_init(struct lib_search *s);
void lib_search_free(struct lib_search *s);

/*
 * Appends the directories of a colon-separated DT_RPATH/DT_RUNPATH to
 * `out`, with $ORIGIN (and ${ORIGIN}) replaced by `origin` (the directory
 * of the object), $LIB by lib/x86_64-linux-gnu and $PLATFORM by x86_64.
 * Returns 0, or -1 out of memory.
 */
int lib_dirs_add_path(struct lib_dirs *out, const char *path, const char *origin);
int lib_dirs_add(struct lib_dirs *out, const char *dir);
void lib_dirs_free(struct lib_dirs *d);

/*
 * The host path of library `name` searched in `first` (the object's own
 * and inherited lists, in order) and then in the system list for the
 * loader (`musl` true for musl's). Only ELF64 x86-64 files match, as the
 * loader skips other architectures. Returns a heap string or NULL.
 */
char *lib_search_find(const struct lib_search *s, const struct lib_dirs *first, bool musl,
                      const char *name);

#endif

/*
 * copier.h: writes host files into an image directory the way copy_bom
 * and `occlum add` need: incremental (a file whose size and mtime match is
 * not copied again), dry-run capable, symlinks kept as links with their
 * targets pulled in, and every ELF's loader and libraries copied along,
 * transitively (autodep).
 */
#ifndef OCCLUM_BOM_COPIER_H
#define OCCLUM_BOM_COPIER_H

#include <limits.h>
#include <stdbool.h>

#include "bom/libpath.h"
#include "bom/strset.h"

struct copier {
    const char *prog;      /* names the messages: "copy_bom", "occlum add" */
    char root[PATH_MAX];   /* the image directory, absolute */
    bool dry_run;          /* print what would change, change nothing */
    char *const *excludes; /* rsync-style patterns for directory copies */
    size_t n_excludes;
    struct lib_search ls;
    struct strset dests;   /* image paths written (or checked) this run */
    struct strset walked;  /* host ELFs whose dependencies were followed */
    struct strset made;    /* image directories made (dry run: announced) */
    struct strset missing; /* libraries found nowhere, said once each */
    unsigned long copied, unchanged, links, dirs, warnings;
    unsigned long long bytes;
    char err[2 * PATH_MAX + 256]; /* the last failure: "<problem>; <fix>" */
};

/* Flags of copier_path. */
#define COPY_AUTODEP 1u /* follow the ELF's loader and libraries */
#define COPY_STRICT 2u  /* a library that cannot be found is an error, not a warning */

/* root need not exist yet. 0, or -1 with c->err. */
int copier_init(struct copier *c, const char *prog, const char *root, bool dry_run);
void copier_free(struct copier *c);

/*
 * Copies host path `src` (file, symlink or directory) to `dest`, an
 * absolute path inside the image. A directory is copied whole, minus
 * c->excludes, each ELF in it followed leniently; with `contents` its
 * entries go straight into dest. 0, or -1 with c->err.
 */
int copier_path(struct copier *c, const char *src, const char *dest, unsigned flags);
int copier_dir_contents(struct copier *c, const char *src, const char *dest);
/* mkdir -p of an image path. */
int copier_mkdir(struct copier *c, const char *dest);
/* A symlink at image path `dest` whose text is `target` (replaced if different). */
int copier_link(struct copier *c, const char *target, const char *dest);
/* Lexical normalisation of an absolute path: no "//", "." or ".." left. */
void path_normalize(const char *in, char *out, size_t len);

#endif

/*
 * bom.h: Occlum's BOM files (YAML: includes, excludes, targets with
 * target, mkdirs, createlinks and copy of files and dirs from a directory,
 * with hash, rename and autodep per file), applied to an image through the
 * copier.
 */
#ifndef OCCLUM_BOM_BOM_H
#define OCCLUM_BOM_BOM_H

#include "bom/copier.h"
#include "bom/strset.h"

struct bom_run {
    struct copier *c;
    char workspace[PATH_MAX]; /* relative `from` paths start here: the root's parent */
    char *const
        *include_dirs; /* where included BOM files are looked for, after the includer's dir */
    size_t n_include_dirs;
    struct strset active, done; /* BOM files being applied / applied */
};

/* 0, or -1 after c->err names the file, line and column and the fix. */
int bom_run_init(struct bom_run *r, struct copier *c);
int bom_apply_file(struct bom_run *r, const char *path);
/* A BOM held in memory (`occlum add`'s recipes); `name` stands for the file in messages. */
int bom_apply_text(struct bom_run *r, const char *name, const char *text);
void bom_run_free(struct bom_run *r);

#endif

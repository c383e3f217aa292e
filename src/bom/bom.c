/*
 * bom.c: reads a BOM file with libyaml's document loader and applies it
 * (bom.h). Included files are applied before the file that includes them,
 * so the includer's entries win where both write the same path; each file
 * is applied once, and an include cycle is an error. Unknown keys are
 * ignored with a warning, as Occlum ignores them, so that a misspelt key
 * does not go unnoticed.
 */
#include "bom/bom.h"
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

struct doc {
    struct bom_run *r;
    const char *name;
    yaml_document_t y;
};

static int at(struct doc *d, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int at(struct doc *d, const yaml_node_t *n, const char *fmt, ...)
{
    struct copier *c = d->r->c;
    /* Formatted aside first: the arguments may be c->err itself (a copier
     * error given its place in the file). */
    char msg[sizeof(c->err) - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(c->err, sizeof(c->err), "%s:%zu:%zu: %s", d->name, n ? n->start_mark.line + 1 : 1,
             n ? n->start_mark.column + 1 : 1, msg);
    return -1;
}

static yaml_node_t *node(struct doc *d, int id)
{
    return yaml_document_get_node(&d->y, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of a scalar node, or an error naming what it should be. */
static int want_scalar(struct doc *d, const yaml_node_t *n, const char *what, const char **out)
{
    if (!(*out = scalar(n)) || !**out)
        return at(d, n, "%s must be a non-empty string; fix the BOM file", what);
    return 0;
}

static int want_seq(struct doc *d, const yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return at(d, n, "%s must be a list; write it as '- item' lines", what);
    return 0;
}

#define SEQ_EACH(d, n, item)                                                                       \
    for (yaml_node_item_t *it_ = (n)->data.sequence.items.start;                                   \
         it_ < (n)->data.sequence.items.top && ((item) = node((d), *it_)); it_++)
#define MAP_EACH(n, p)                                                                             \
    for ((p) = (n)->data.mapping.pairs.start; (p) < (n)->data.mapping.pairs.top; (p)++)

static void unknown_key(struct doc *d, const yaml_node_t *k, const char *where)
{
    fprintf(stderr, "%s: warning: %s:%zu:%zu: unknown key '%s' in %s ignored\n", d->r->c->prog,
            d->name, k->start_mark.line + 1, k->start_mark.column + 1, scalar(k) ? scalar(k) : "?",
            where);
}

/* $NAME and ${NAME} replaced from the environment, as Occlum's copy_bom does. */
static int expand(struct doc *d, const yaml_node_t *n, const char *in, char *out, size_t len)
{
    size_t o = 0;
    while (*in) {
        if (in[0] == '$' && (in[1] == '{' || isalpha((unsigned char)in[1]) || in[1] == '_')) {
            bool brace = in[1] == '{';
            const char *s = in + 1 + brace, *e = s;
            while (isalnum((unsigned char)*e) || *e == '_')
                e++;
            if (e == s || (brace && *e != '}'))
                return at(d, n, "'%s' has a malformed variable; write $NAME or ${NAME}", in);
            char name[256];
            snprintf(name, sizeof(name), "%.*s", (int)(e - s), s);
            const char *v = getenv(name);
            if (!v) return at(d, n, "$%s is not set; set it in the environment", name);
            size_t vl = strlen(v);
            if (o + vl >= len) return at(d, n, "the path is too long");
            memcpy(out + o, v, vl);
            o += vl;
            in = e + brace;
            continue;
        }
        if (o + 1 >= len) return at(d, n, "the path is too long");
        out[o++] = *in++;
    }
    out[o] = '\0';
    return 0;
}

/* base/p, or p when absolute (as Occlum joins paths). */
static int join(struct doc *d, const yaml_node_t *n, const char *base, const char *p, char *out,
                size_t len)
{
    if (pathf(out, len, "%s%s%s", p[0] == '/' ? "" : base, p[0] == '/' ? "" : "/", p) < 0)
        return at(d, n, "%s: the path is too long", p);
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int check_hash(struct doc *d, const yaml_node_t *n, const char *path, const char *want)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return at(d, n, "%s: %s; fix the path", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    static unsigned char buf[1 << 16];
    ssize_t got;
    while (ok && (got = read(fd, buf, sizeof(buf))) > 0)
        ok = EVP_DigestUpdate(ctx, buf, (size_t)got);
    ok = ok && got == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    close(fd);
    if (!ok) return at(d, n, "cannot hash %s", path);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < mdlen; i++)
        sprintf(hex + 2 * i, "%02X", md[i]);
    if (strcasecmp(hex, want))
        return at(d, n, "%s has SHA-256 %s, not %s; update the hash or the file", path, hex, want);
    return 0;
}

static int parse_bool(struct doc *d, const yaml_node_t *n, const char *what, bool *out)
{
    const char *s = scalar(n);
    if (s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "yes")))
        *out = true;
    else if (s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "no")))
        *out = false;
    else
        return at(d, n, "%s must be true or false", what);
    return 0;
}

static int copy_file_entry(struct doc *d, const yaml_node_t *f, const char *from,
                           const char *target)
{
    const char *name = NULL, *hash = NULL, *rename = NULL;
    bool dep = true;
    if (f->type == YAML_MAPPING_NODE) {
        yaml_node_pair_t *p;
        MAP_EACH(f, p)
        {
            yaml_node_t *k = node(d, p->key), *v = node(d, p->value);
            const char *ks = scalar(k) ? scalar(k) : "";
            int rc = 0;
            if (!strcmp(ks, "name"))
                rc = want_scalar(d, v, "name", &name);
            else if (!strcmp(ks, "hash"))
                rc = want_scalar(d, v, "hash", &hash);
            else if (!strcmp(ks, "rename"))
                rc = want_scalar(d, v, "rename", &rename);
            else if (!strcmp(ks, "autodep"))
                rc = parse_bool(d, v, "autodep", &dep);
            else
                unknown_key(d, k, "a file");
            if (rc < 0) return -1;
        }
        if (!name) return at(d, f, "a file entry needs a name; add 'name: <path>'");
    } else if (want_scalar(d, f, "a file", &name) < 0) {
        return -1;
    }
    char ex[PATH_MAX], src[PATH_MAX], dest[PATH_MAX], ren[PATH_MAX];
    if (expand(d, f, name, ex, sizeof(ex)) < 0) return -1;
    if (join(d, f, from, ex, src, sizeof(src)) < 0) return -1;
    if (rename && expand(d, f, rename, ren, sizeof(ren)) < 0) return -1;
    if (rename && strchr(ren, '/')) return at(d, f, "rename must be a file name, not a path");
    if (join(d, f, target, rename ? ren : base_name(src), dest, sizeof(dest)) < 0) return -1;
    struct stat st;
    if (stat(src, &st) < 0)
        return at(d, f, "%s: %s; fix the path or the 'from' above it", src, strerror(errno));
    if (hash && check_hash(d, f, src, hash) < 0) return -1;
    if (copier_path(d->r->c, src, dest, dep ? COPY_AUTODEP | COPY_STRICT : 0) < 0)
        return at(d, f, "%s", d->r->c->err);
    return 0;
}

static int copy_source(struct doc *d, const yaml_node_t *s, const char *target)
{
    if (!s || s->type != YAML_MAPPING_NODE)
        return at(d, s, "each copy entry must be a mapping with from, dirs or files");
    const yaml_node_t *from = NULL, *dirs = NULL, *files = NULL;
    yaml_node_pair_t *p;
    MAP_EACH(s, p)
    {
        yaml_node_t *k = node(d, p->key), *v = node(d, p->value);
        const char *ks = scalar(k) ? scalar(k) : "";
        if (!strcmp(ks, "from"))
            from = v;
        else if (!strcmp(ks, "dirs"))
            dirs = v;
        else if (!strcmp(ks, "files"))
            files = v;
        else
            unknown_key(d, k, "a copy entry");
    }
    char fromdir[PATH_MAX], ex[PATH_MAX];
    if (from) {
        const char *f;
        if (want_scalar(d, from, "from", &f) < 0 || expand(d, from, f, ex, sizeof(ex)) < 0)
            return -1;
        if (join(d, from, d->r->workspace, ex, fromdir, sizeof(fromdir)) < 0) return -1;
    } else {
        snprintf(fromdir, sizeof(fromdir), "%s", d->r->workspace);
    }
    struct copier *c = d->r->c;
    if (!dirs && !files) {
        if (!from) return at(d, s, "a copy entry needs from, dirs or files; add one");
        if (copier_dir_contents(c, fromdir, target) < 0) return at(d, from, "%s", c->err);
        return 0;
    }
    yaml_node_t *item;
    if (dirs) {
        if (want_seq(d, dirs, "dirs") < 0) return -1;
        SEQ_EACH(d, dirs, item)
        {
            const char *name;
            char src[PATH_MAX], dest[PATH_MAX];
            if (want_scalar(d, item, "a directory", &name) < 0 ||
                expand(d, item, name, ex, sizeof(ex)) < 0)
                return -1;
            if (join(d, item, fromdir, ex, src, sizeof(src)) < 0) return -1;
            size_t n = strlen(src);
            int rc;
            if (n > 1 && src[n - 1] == '/') {
                rc = copier_dir_contents(c, src, target);
            } else {
                struct stat st;
                if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
                    return at(d, item, "%s is not a directory; fix the path or list it in files",
                              src);
                if (join(d, item, target, base_name(src), dest, sizeof(dest)) < 0) return -1;
                rc = copier_path(c, src, dest, COPY_AUTODEP);
            }
            if (rc < 0) return at(d, item, "%s", c->err);
        }
    }
    if (files) {
        if (want_seq(d, files, "files") < 0) return -1;
        SEQ_EACH(d, files, item)
        {
            if (copy_file_entry(d, item, fromdir, target) < 0) return -1;
        }
    }
    return 0;
}

static int apply_target(struct doc *d, const yaml_node_t *t)
{
    if (!t || t->type != YAML_MAPPING_NODE)
        return at(d, t, "each target must be a mapping with 'target:'; fix the BOM file");
    const yaml_node_t *tnode = NULL, *mkdirs = NULL, *links = NULL, *copy = NULL;
    yaml_node_pair_t *p;
    MAP_EACH(t, p)
    {
        yaml_node_t *k = node(d, p->key), *v = node(d, p->value);
        const char *ks = scalar(k) ? scalar(k) : "";
        if (!strcmp(ks, "target"))
            tnode = v;
        else if (!strcmp(ks, "mkdirs"))
            mkdirs = v;
        else if (!strcmp(ks, "createlinks"))
            links = v;
        else if (!strcmp(ks, "copy"))
            copy = v;
        else
            unknown_key(d, k, "a target");
    }
    const char *ts;
    char target[PATH_MAX], ex[PATH_MAX], path[PATH_MAX];
    if (!tnode) return at(d, t, "a target needs 'target: <directory in the image>'");
    if (want_scalar(d, tnode, "target", &ts) < 0 || expand(d, tnode, ts, ex, sizeof(ex)) < 0)
        return -1;
    if (join(d, tnode, "", ex, target, sizeof(target)) < 0) return -1;
    struct copier *c = d->r->c;
    if (copier_mkdir(c, target) < 0) return at(d, tnode, "%s", c->err);
    yaml_node_t *item;
    if (mkdirs) {
        if (want_seq(d, mkdirs, "mkdirs") < 0) return -1;
        SEQ_EACH(d, mkdirs, item)
        {
            const char *s;
            if (want_scalar(d, item, "a directory", &s) < 0 ||
                expand(d, item, s, ex, sizeof(ex)) < 0)
                return -1;
            if (join(d, item, target, ex, path, sizeof(path)) < 0) return -1;
            if (copier_mkdir(c, path) < 0) return at(d, item, "%s", c->err);
        }
    }
    if (links) {
        if (want_seq(d, links, "createlinks") < 0) return -1;
        SEQ_EACH(d, links, item)
        {
            const char *src = NULL, *name = NULL;
            if (item->type != YAML_MAPPING_NODE)
                return at(d, item, "each link needs src and linkname; fix the BOM file");
            MAP_EACH(item, p)
            {
                yaml_node_t *k = node(d, p->key), *v = node(d, p->value);
                const char *ks = scalar(k) ? scalar(k) : "";
                int rc = 0;
                if (!strcmp(ks, "src"))
                    rc = want_scalar(d, v, "src", &src);
                else if (!strcmp(ks, "linkname"))
                    rc = want_scalar(d, v, "linkname", &name);
                else
                    unknown_key(d, k, "a link");
                if (rc < 0) return -1;
            }
            if (!src || !name)
                return at(d, item, "each link needs src and linkname; add the missing one");
            char sx[PATH_MAX];
            if (expand(d, item, src, sx, sizeof(sx)) < 0 ||
                expand(d, item, name, ex, sizeof(ex)) < 0)
                return -1;
            if (join(d, item, target, ex, path, sizeof(path)) < 0) return -1;
            if (copier_link(c, sx, path) < 0) return at(d, item, "%s", c->err);
        }
    }
    if (copy) {
        if (want_seq(d, copy, "copy") < 0) return -1;
        SEQ_EACH(d, copy, item)
        if (copy_source(d, item, target) < 0) return -1;
    }
    return 0;
}

static int apply_doc(struct doc *d, const char *dir);

static int find_include(struct doc *d, const yaml_node_t *n, const char *dir, const char *name,
                        char *out, size_t len)
{
    struct stat st;
    if (join(d, n, dir, name, out, len) < 0) return -1;
    if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) return 0;
    for (size_t i = 0; i < d->r->n_include_dirs; i++) {
        if (join(d, n, d->r->include_dirs[i], name, out, len) < 0) return -1;
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) return 0;
    }
    return at(d, n, "cannot find the included BOM file %s; give its directory with --include-dir",
              name);
}

static int load_and_apply(struct bom_run *r, const char *name, const char *dir, FILE *f,
                          const char *text)
{
    struct doc d = {.r = r, .name = name};
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return snprintf(r->c->err, sizeof(r->c->err), "out of memory"), -1;
    if (f)
        yaml_parser_set_input_file(&parser, f);
    else
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    int rc;
    if (!yaml_parser_load(&parser, &d.y)) {
        snprintf(r->c->err, sizeof(r->c->err), "%s:%zu:%zu: %s; fix the YAML syntax", name,
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "malformed YAML");
        rc = -1;
    } else {
        rc = apply_doc(&d, dir);
        yaml_document_delete(&d.y);
    }
    yaml_parser_delete(&parser);
    return rc;
}

int bom_apply_file(struct bom_run *r, const char *path)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        snprintf(r->c->err, sizeof(r->c->err), "cannot read the BOM file %s: %s; fix the path",
                 path, strerror(errno));
        return -1;
    }
    if (strset_has(&r->done, real)) return 0;
    if (strset_add(&r->active, real) == 0) {
        snprintf(r->c->err, sizeof(r->c->err),
                 "%s includes itself (through its includes); "
                 "remove the cycle",
                 path);
        return -1;
    }
    FILE *f = fopen(real, "re");
    if (!f) {
        snprintf(r->c->err, sizeof(r->c->err), "cannot read the BOM file %s: %s; fix the path",
                 path, strerror(errno));
        return -1;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", real);
    *strrchr(dir, '/') = '\0';
    int rc = load_and_apply(r, path, dir[0] ? dir : "/", f, NULL);
    fclose(f);
    /* Leaving the active set: no removal in strset, so mark it done instead. */
    if (rc == 0 && strset_add(&r->done, real) < 0) rc = -1;
    return rc;
}

int bom_apply_text(struct bom_run *r, const char *name, const char *text)
{
    return load_and_apply(r, name, r->workspace, NULL, text);
}

static int apply_doc(struct doc *d, const char *dir)
{
    yaml_node_t *root = yaml_document_get_root_node(&d->y);
    if (!root) return 0; /* an empty file asks for nothing */
    if (root->type != YAML_MAPPING_NODE)
        return at(d, root, "a BOM file is a mapping of includes, excludes and targets");
    const yaml_node_t *inc = NULL, *exc = NULL, *targets = NULL;
    yaml_node_pair_t *p;
    MAP_EACH(root, p)
    {
        yaml_node_t *k = node(d, p->key), *v = node(d, p->value);
        const char *ks = scalar(k) ? scalar(k) : "";
        if (!strcmp(ks, "includes"))
            inc = v;
        else if (!strcmp(ks, "excludes"))
            exc = v;
        else if (!strcmp(ks, "targets"))
            targets = v;
        else
            unknown_key(d, k, "the BOM file");
    }
    yaml_node_t *item;
    if (inc && !(inc->type == YAML_SCALAR_NODE && !*scalar(inc))) {
        if (want_seq(d, inc, "includes") < 0) return -1;
        SEQ_EACH(d, inc, item)
        {
            const char *s;
            char ex[PATH_MAX], path[PATH_MAX];
            if (want_scalar(d, item, "an include", &s) < 0 ||
                expand(d, item, s, ex, sizeof(ex)) < 0 ||
                find_include(d, item, dir, ex, path, sizeof(path)) < 0)
                return -1;
            if (bom_apply_file(d->r, path) < 0) return -1;
        }
    }
    /* Excludes are this file's own: they apply to its directory copies. */
    char *excl[256];
    size_t nex = 0;
    if (exc && !(exc->type == YAML_SCALAR_NODE && !*scalar(exc))) {
        if (want_seq(d, exc, "excludes") < 0) return -1;
        SEQ_EACH(d, exc, item)
        {
            const char *s;
            if (want_scalar(d, item, "an exclude", &s) < 0) return -1;
            if (nex == sizeof(excl) / sizeof(excl[0]))
                return at(d, item, "more than 256 excludes; merge them into patterns");
            excl[nex++] = (char *)s;
        }
    }
    struct copier *c = d->r->c;
    char *const *saved = c->excludes;
    size_t nsaved = c->n_excludes;
    c->excludes = excl;
    c->n_excludes = nex;
    int rc = 0;
    if (targets && !(targets->type == YAML_SCALAR_NODE && !*scalar(targets))) {
        if (want_seq(d, targets, "targets") < 0)
            rc = -1;
        else
            SEQ_EACH(d, targets, item)
        if ((rc = apply_target(d, item)) < 0) break;
    }
    c->excludes = saved;
    c->n_excludes = nsaved;
    return rc;
}

int bom_run_init(struct bom_run *r, struct copier *c)
{
    memset(r, 0, sizeof(*r));
    r->c = c;
    snprintf(r->workspace, sizeof(r->workspace), "%s", c->root);
    char *s = strrchr(r->workspace, '/');
    if (s == r->workspace)
        s[1] = '\0';
    else
        *s = '\0';
    return 0;
}

void bom_run_free(struct bom_run *r)
{
    strset_free(&r->active);
    strset_free(&r->done);
}

/*
 * build_image.c: the image half of `occlum build`: packs image/ into the
 * SEFS image layer (build/mount/__ROOT/sefs.img, format in
 * docs/sefs-format.md) and writes the protected config with the layer's
 * root MAC in the unionfs image layer's options.MAC, as Occlum does.
 * Also reads image key files (`--image-key`, `occlum gen-image-key`).
 */
#include "cli/cli.h"
#include "cli/build_image.h"
#include "image/sefs_format.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int image_key_read(const char *path, uint8_t key[32], char *err, size_t errlen)
{
    char text[256];
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "image key %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = 0;
    int len = sefs_key_parse(text, key);
    OPENSSL_cleanse(text, sizeof(text));
    if (len < 0)
        snprintf(err, errlen,
                 "image key %s: not a key file (16 or 32 hex bytes); create one with "
                 "'occlum gen-image-key <file>'",
                 path);
    return len;
}

/* ---- image/ as a tree of struct sefs_bnode ---- */

static void bnode_free(struct sefs_bnode *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++)
        bnode_free(n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n->target);
    free(n->host_path);
    free(n);
}

static struct sefs_bnode *bnode_new(const char *name, const char *path, const struct stat *st)
{
    struct sefs_bnode *n = calloc(1, sizeof(*n));
    if (!n) return NULL;
    n->name = strdup(name);
    n->host_path = strdup(path);
    n->mode = st->st_mode;
    n->mtime_sec = st->st_mtim.tv_sec;
    n->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
    n->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
    if (!n->name || !n->host_path) {
        bnode_free(n);
        return NULL;
    }
    return n;
}

static int add_kid(struct sefs_bnode *dir, struct sefs_bnode *kid)
{
    struct sefs_bnode **k = realloc(dir->kids, (dir->nkids + 1) * sizeof(*k));
    if (!k) return -1;
    dir->kids = k;
    k[dir->nkids++] = kid;
    return 0;
}

static struct sefs_bnode *scan(const char *path, const char *name, char *err, size_t errlen);

static int scan_dir(struct sefs_bnode *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir->host_path);
    if (!d) {
        snprintf(err, errlen, "%s: %s", dir->host_path, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int r = 0;
    while (r == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[PATH_MAX];
        if (pathf(p, sizeof(p), "%s/%s", dir->host_path, e->d_name) < 0) {
            snprintf(err, errlen, "%s/%s: path too long", dir->host_path, e->d_name);
            r = -1;
            break;
        }
        struct sefs_bnode *kid = scan(p, e->d_name, err, errlen);
        if (!kid && err[0]) r = -1;
        if (kid && add_kid(dir, kid) < 0) {
            bnode_free(kid);
            snprintf(err, errlen, "out of memory");
            r = -1;
        }
    }
    closedir(d);
    return r;
}

/* NULL with err[0] == 0: skipped (a socket, device or FIFO). */
static struct sefs_bnode *scan(const char *path, const char *name, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        cli_warn("build", "%s: not a file, directory or symlink; left out of the image", path);
        return NULL;
    }
    struct sefs_bnode *n = bnode_new(name, path, &st);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int r = 0;
    if (S_ISDIR(st.st_mode)) r = scan_dir(n, err, errlen);
    if (S_ISLNK(st.st_mode)) {
        char t[PATH_MAX];
        ssize_t len = readlink(path, t, sizeof(t) - 1);
        if (len < 0) snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (len >= 0) t[len] = 0;
        n->target = len >= 0 ? strdup(t) : NULL;
        r = n->target ? 0 : -1;
    }
    if (r < 0) {
        bnode_free(n);
        return NULL;
    }
    return n;
}

/* ---- I/O callbacks ---- */

struct src_ctx {
    const struct sefs_bnode *cur;
    int fd;
};

static ssize_t src_read(void *ctx, const struct sefs_bnode *n, void *buf, size_t len, uint64_t off)
{
    struct src_ctx *c = ctx;
    if (c->cur != n) { /* files are read one after the other */
        if (c->fd >= 0) close(c->fd);
        c->cur = n;
        c->fd = open(n->host_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (c->fd < 0) return -errno;
    ssize_t r = pread(c->fd, buf, len, (off_t)off);
    return r < 0 ? -errno : r;
}

static ssize_t out_pwrite(void *ctx, const void *buf, size_t len, uint64_t off)
{
    ssize_t r = pwrite(*(int *)ctx, buf, len, (off_t)off);
    return r < 0 ? -errno : r;
}

static ssize_t out_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
    ssize_t r = pread(*(int *)ctx, buf, len, (off_t)off);
    return r < 0 ? -errno : r;
}

static int pack(const struct sefs_keys *k, struct sefs_bnode *root, const char *img,
                uint8_t mac[SEFS_ENTRY], char *err, size_t errlen)
{
    int fd = open(img, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", img, strerror(errno));
        return -1;
    }
    struct src_ctx sc = {NULL, -1};
    struct sefs_build_src src = {&sc, src_read};
    struct sefs_io io = {&fd, out_pread, out_pwrite};
    int r = sefs_build(k, root, &src, &io, mac, err, errlen);
    if (sc.fd >= 0) close(sc.fd);
    if (r == 0 && fsync(fd) < 0) {
        snprintf(err, errlen, "%s: %s", img, strerror(errno));
        r = -1;
    }
    close(fd);
    return r < 0 ? -1 : 0;
}

int image_build(const char *image_dir, const char *out_dir, const char *key_file,
                char mac_hex[SEFS_MAC_HEX + 1], char *err, size_t errlen)
{
    struct sefs_keys k;
    uint8_t key[32], mac[SEFS_ENTRY];
    err[0] = 0;
    sefs_keys_integrity(&k);
    if (key_file) {
        int len = image_key_read(key_file, key, err, errlen);
        if (len < 0) return -1;
        sefs_keys_derive(&k, key, (size_t)len);
        OPENSSL_cleanse(key, sizeof(key));
    }
    struct sefs_bnode *root = scan(image_dir, "", err, errlen);
    if (!root) return -1;
    char img[PATH_MAX];
    int r = pathf(img, sizeof(img), "%s/%s", out_dir, SEFS_IMAGE_FILE);
    if (r < 0) snprintf(err, errlen, "%s: path too long", out_dir);
    if (r == 0) r = pack(&k, root, img, mac, err, errlen);
    bnode_free(root);
    OPENSSL_cleanse(&k, sizeof(k));
    if (r == 0) sefs_hex(mac, SEFS_ENTRY, mac_hex);
    return r;
}

/* ---- the protected config ---- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The image layer of a unionfs mount (as the LibOS picks it, fs/mount.c). */
static json_t *image_layer(json_t *mount)
{
    json_t *layers = json_object_get(json_object_get(mount, "options"), "layers");
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l)
    {
        const char *s = json_string_value(json_object_get(l, "source"));
        if (s && (ends_with(s, "build/mount/__ROOT") || ends_with(s, "build/mount/__ROOT/")))
            return l;
    }
    return json_array_get(layers, 0);
}

static int set_macs(json_t *cfg, const char *mac_hex)
{
    size_t i;
    json_t *m;
    int n = 0;
    json_array_foreach(json_object_get(cfg, "mount"), i, m)
    {
        const char *type = json_string_value(json_object_get(m, "type"));
        json_t *layer = type && !strcmp(type, "unionfs") ? image_layer(m) : NULL;
        if (!layer) continue;
        json_t *opts = json_object_get(layer, "options");
        if (!json_is_object(opts)) {
            opts = json_object();
            json_object_set_new(layer, "options", opts);
        }
        json_object_set_new(opts, "MAC", json_string(mac_hex));
        n++;
    }
    return n;
}

int image_write_config(const char *src, const char *dst, const char *mac_hex, char *err,
                       size_t errlen)
{
    json_error_t je;
    json_t *cfg = json_load_file(src, 0, &je);
    if (!cfg) {
        snprintf(err, errlen, "%s:%d:%d: %s", src, je.line, je.column, je.text);
        return -1;
    }
    if (set_macs(cfg, mac_hex) == 0) {
        snprintf(err, errlen,
                 "%s: no unionfs mount with an image layer (source \"./build/mount/__ROOT\"); "
                 "restore the \"mount\" entry for \"/\" from the template",
                 src);
        json_decref(cfg);
        return -1;
    }
    int r = json_dump_file(cfg, dst, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    json_decref(cfg);
    if (r < 0) snprintf(err, errlen, "cannot write %s", dst);
    return r < 0 ? -1 : 0;
}

/*
 * instance.c: where things are (the installation prefix, the instance
 * directory), the CLI's error lines, and the build digest that makes
 * `occlum build` incremental and lets `occlum run` refuse a stale build.
 *
 * The digest covers Occlum.json's bytes and image/'s metadata (names,
 * types, modes, sizes, mtimes, symlink targets), not file contents: a
 * changed file gets a new mtime, and hashing a large image on every
 * `occlum run` would cost more than the run itself.
 */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when the layout of build/ changes so older builds count as stale. */
#define DIGEST_FORMAT "occlum-build-v1"

static void vreport(const char *cmd, const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "occlum %s: %s", cmd, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, "", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, "warning: ", fmt, ap);
    va_end(ap);
}

void cli_print_cmd_help(const struct cli_cmd *c, FILE *out)
{
    fprintf(out, "Usage: occlum %s\n\n%s\n\n%s", c->synopsis, c->summary, c->help);
}

bool cli_wants_help(int argc, char **argv)
{
    return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
}

int cli_prefix(const char *cmd, char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n < 0) {
        cli_error(cmd,
                  "cannot find this program's own path (/proc/self/exe: %s); is /proc mounted?",
                  strerror(errno));
        return -1;
    }
    exe[n] = '\0';
    /* <prefix>/bin/occlum: drop the file name, then bin/. */
    for (int i = 0; i < 2; i++) {
        char *slash = strrchr(exe, '/');
        if (!slash) break;
        *slash = '\0';
    }
    if (!exe[0]) strcpy(exe, "/");
    if (snprintf(out, len, "%s", exe) >= (int)len) {
        cli_error(cmd, "installation path too long: %s", exe);
        return -1;
    }
    return 0;
}

int cli_instance(const char *cmd, char *dir, size_t len)
{
    if (!getcwd(dir, len)) {
        cli_error(cmd, "cannot get the current directory: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat("Occlum.json", &st) < 0 || !S_ISREG(st.st_mode)) {
        cli_error(cmd,
                  "not an Occlum instance (no Occlum.json in %s); run 'occlum new <dir>' or "
                  "'occlum init' first",
                  dir);
        return -1;
    }
    return 0;
}

/* ---- digest ---- */

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    /* Byte order, not the locale's: the digest must not depend on LANG. */
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *e)
{
    return strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
}

static void hash_u64(EVP_MD_CTX *ctx, uint64_t v)
{
    EVP_DigestUpdate(ctx, &v, sizeof(v));
}

/* Hashes one entry (and, for a directory, everything below it). */
static int hash_entry(EVP_MD_CTX *ctx, const char *path, const char *rel, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    EVP_DigestUpdate(ctx, rel, strlen(rel) + 1);
    hash_u64(ctx, st.st_mode);
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof(target));
        if (n < 0) n = 0;
        EVP_DigestUpdate(ctx, target, (size_t)n);
        hash_u64(ctx, (uint64_t)n);
    } else if (!S_ISDIR(st.st_mode)) {
        /* Directory mtimes are left out: entries are hashed one by one. */
        hash_u64(ctx, (uint64_t)st.st_size);
        hash_u64(ctx, (uint64_t)st.st_mtim.tv_sec);
        hash_u64(ctx, (uint64_t)st.st_mtim.tv_nsec);
    }
    if (!S_ISDIR(st.st_mode)) return 0;

    struct dirent **names;
    int n = scandir(path, &names, not_dot, name_cmp);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char sub[PATH_MAX], subrel[PATH_MAX];
        if (rc == 0) {
            pathf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
            pathf(subrel, sizeof(subrel), "%s/%s", rel, names[i]->d_name);
            rc = hash_entry(ctx, sub, subrel, err, errlen);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static void to_hex(const unsigned char *md, unsigned len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * len] = '\0';
}

int instance_digest(const char *dir, char hex[DIGEST_HEX_LEN + 1], char *err, size_t errlen)
{
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/Occlum.json", dir);
    size_t len;
    char *cfg = read_text(path, &len);
    if (!cfg) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        snprintf(err, errlen, "cannot set up SHA-256 (libcrypto)");
        EVP_MD_CTX_free(ctx);
        free(cfg);
        return -1;
    }
    EVP_DigestUpdate(ctx, DIGEST_FORMAT, sizeof(DIGEST_FORMAT));
    hash_u64(ctx, len);
    EVP_DigestUpdate(ctx, cfg, len);
    free(cfg);
    pathf(path, sizeof(path), "%s/image", dir);
    int rc = hash_entry(ctx, path, "image", err, errlen);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (rc == 0 && !EVP_DigestFinal_ex(ctx, md, &mdlen)) {
        snprintf(err, errlen, "SHA-256 failed (libcrypto)");
        rc = -1;
    }
    EVP_MD_CTX_free(ctx);
    if (rc == 0) to_hex(md, mdlen, hex);
    return rc;
}

int read_stamp(const char *dir, char hex[DIGEST_HEX_LEN + 1])
{
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/%s", dir, BUILD_STAMP);
    size_t len;
    char *s = read_text(path, &len);
    if (!s) return -1;
    int ok = len >= DIGEST_HEX_LEN && strspn(s, "0123456789abcdef") == DIGEST_HEX_LEN;
    if (ok) {
        memcpy(hex, s, DIGEST_HEX_LEN);
        hex[DIGEST_HEX_LEN] = '\0';
    }
    free(s);
    return ok ? 0 : -1;
}

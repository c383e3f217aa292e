/*
 * sealing.c: the per-host sealing secret of the sim PAL, the simulation of
 * SGX's sealing key (EGETKEY): 32 random bytes created once per user and
 * host under the user's state directory, mode 0600. The writable layer's
 * key is derived from it and the signer's identity (image/sefs_seal.c).
 * Unlike SGX's key it is a file: anyone who can read it as this user (or
 * as root) can derive the keys; simulation mode does not protect against
 * the host (README.md).
 *
 * Creation is race-free between concurrent first runs: the secret is
 * written to a temporary file, synced, then link()ed to its name; whoever
 * loses the race reads the winner's secret.
 */
#include "pal/sim/sealing.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_LEN 32

int pal_sealing_path(char *out, size_t len)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, len, "%s/occlum/sealing_key", xdg);
    else if (home && home[0])
        n = snprintf(out, len, "%s/.local/share/occlum/sealing_key", home);
    else
        return -1;
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* mkdir -p of the secret's directory, the last component 0700. */
static int make_dir(const char *path)
{
    char d[4096];
    snprintf(d, sizeof(d), "%s", path);
    char *slash = strrchr(d, '/');
    if (!slash) return -1;
    *slash = 0;
    for (char *p = d + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(d, 0755) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(d, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static int create_secret(const char *path, char *err, size_t errlen)
{
    char tmp[4200];
    uint8_t s[SECRET_LEN];
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    if (RAND_bytes(s, sizeof(s)) != 1) {
        snprintf(err, errlen, "sealing key: the random number generator failed");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, s, sizeof(s)) == (ssize_t)sizeof(s) && fsync(fd) == 0;
    memset(s, 0, sizeof(s));
    if (fd >= 0) close(fd);
    int r = ok ? 0 : -1;
    if (ok && link(tmp, path) < 0 && errno != EEXIST) r = -1; /* EEXIST: lost the race */
    if (r < 0) snprintf(err, errlen, "cannot create the sealing key %s: %s", path, strerror(errno));
    unlink(tmp);
    return r;
}

static int read_secret(const char *path, uint8_t out[SECRET_LEN], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot read the sealing key %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077)) {
        close(fd);
        snprintf(err, errlen,
                 "the sealing key %s is not yours or others can access it; fix it with "
                 "'chmod 600 %s' (or remove it: files written at run time are then lost)",
                 path, path);
        return -1;
    }
    ssize_t n = read(fd, out, SECRET_LEN);
    close(fd);
    if (n != SECRET_LEN) {
        snprintf(err, errlen,
                 "the sealing key %s is damaged (not %d bytes); restore it from a backup", path,
                 SECRET_LEN);
        return -1;
    }
    return 0;
}

int pal_sealing_secret(uint8_t out[SECRET_LEN], char *err, size_t errlen)
{
    char path[4096];
    if (pal_sealing_path(path, sizeof(path)) < 0) {
        snprintf(err, errlen, "no place for the sealing key: set HOME or XDG_DATA_HOME");
        return -1;
    }
    if (access(path, F_OK) < 0) {
        if (make_dir(path) < 0) {
            snprintf(err, errlen, "cannot create the directory of %s: %s", path, strerror(errno));
            return -1;
        }
        if (create_secret(path, err, errlen) < 0) return -1;
    }
    return read_secret(path, out, err, errlen);
}

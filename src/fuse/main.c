/*
 * main: the FUSE server of `occlum mount`:
 *   occlum-fuse <instance dir> <mount point>   (exec'd by `occlum mount`)
 *
 * Before anything is exposed it makes the runtime's start-up checks
 * (src/pal/sim/main.c), with the same code: the signature, the protected
 * config and the runtime binary it measures (<prefix>/lib/occlum/
 * occlum-libos, next to this program: the binary the signature covers;
 * this server is not part of the measurement), the writable layer's key
 * from the sealing secret and the verified signer, the image key. Then
 * it takes the instance lock, builds the LibOS's mount table with
 * vfs_init (which checks the image's root MAC and key and verifies the
 * writable layer, refusing with the runtime's lines), and serves "/"
 * (ops.c) in the foreground, one request at a time, until the tree is
 * unmounted or SIGINT/SIGTERM/SIGHUP arrives. Then it commits the writable layer, unmounts and
 * exits; the kernel drops the lock with the process.
 */
#include "util/kheap.h"
#include "fuse/fuse_fs.h"

#include "common/config.h"
#include "common/instance_lock.h"
#include "common/measure.h"
#include "fs/fs_core.h"
#include "fs/sefs_rw.h"
#include "fs/vfs.h"
#include "image/sefs_format.h"
#include "pal/sim/image_key.h"
#include "pal/sim/sealing.h"
#include "util/log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "occlum mount"

/* The runtime binary the signature measures: occlum-libos beside us. */
static int runtime_path(char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) return -1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return -1;
    *slash = 0;
    return (size_t)snprintf(out, len, "%s/occlum-libos", self) < len ? 0 : -1;
}

/* The same trust checks as the runtime's start-up; the verified config. */
static char *verify(const char *instance)
{
    char err[8192], runtime[PATH_MAX];
    size_t cfg_len;
    struct occlum_sig sig;
    if (runtime_path(runtime, sizeof(runtime)) < 0) {
        fprintf(stderr, CMD ": cannot find the runtime binary beside %s\n", "/proc/self/exe");
        return NULL;
    }
    char *cfg = measure_load_verified_sig(instance, runtime, &cfg_len, &sig, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, CMD ": %s\n", err);
        return NULL;
    }
    uint8_t sealing[32], mrsigner[MEASURE_HASH_LEN], key[32];
    if (pal_sealing_secret(sealing, err, sizeof(err)) < 0) {
        fprintf(stderr, CMD ": %s\n", err);
        free(cfg);
        return NULL;
    }
    measure_mrsigner(&sig, mrsigner);
    int r = sefs_writable_key(sealing, mrsigner, key);
    memset(sealing, 0, sizeof(sealing));
    if (r < 0) {
        fprintf(stderr, CMD ": cannot derive the writable layer's key (OpenSSL HKDF)\n");
        free(cfg);
        return NULL;
    }
    sefs_rw_set_key(key);
    memset(key, 0, sizeof(key));
    if (pal_load_image_key(CMD) < 0) {
        free(cfg);
        return NULL;
    }
    return cfg;
}

/*
 * SIGINT/SIGTERM/SIGHUP end the loop (its read of /dev/fuse returns EINTR:
 * no SA_RESTART). Installed whatever the inherited disposition: a shell
 * starts background jobs with SIGINT ignored, and libfuse's own
 * fuse_set_signal_handlers keeps an ignored signal ignored.
 */
static struct fuse_session *session;

static void on_signal(int sig)
{
    if (session) fuse_session_exit(session);
}

static int set_signals(struct fuse_session *se)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    session = se;
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
        sigaction(SIGHUP, &sa, NULL) < 0)
        return -1;
    /* A reply to a request the kernel gave up on must not kill us. */
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: occlum-fuse <instance dir> <mount point>\n"
                        "(this is the FUSE server; use 'occlum mount <dir>' instead)\n");
        return 2;
    }
    const char *instance = argv[1], *mnt = argv[2];
    /* The LibOS file-system code allocates from a kernel heap; here one
     * process uses it, but it is the same allocator as inside. */
    if (kheap_create(KHEAP_RESERVE) < 0) return 1;
    const char *lvl = getenv("OCCLUM_LOG_LEVEL");
    if (lvl && log_set_level_name(lvl) < 0) {
        fprintf(stderr,
                CMD ": OCCLUM_LOG_LEVEL=%s is not a level; use off, error, warn, info, "
                    "debug or trace\n",
                lvl);
        return 1;
    }
    char *cfg_json = verify(instance);
    if (!cfg_json) return 1;
    char err[1024];
    if (instance_lock_take(instance, "mount", mnt, err, sizeof(err)) < 0) {
        fprintf(stderr, CMD ": %s\n", err);
        return 1;
    }
    static struct occlum_config cfg;
    if (config_load_string(cfg_json, "build/Occlum.json.protected", &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, CMD ": %s; fix Occlum.json and run 'occlum build'\n", err);
        return 1;
    }
    free(cfg_json);
    if (vfs_init(&cfg, instance, err, sizeof(err)) < 0) {
        fprintf(stderr, CMD ": %s\n", err);
        return 1;
    }
    if (nodes_init(vfs_root()) < 0) {
        fprintf(stderr, CMD ": cannot read the root directory\n");
        return 1;
    }

    /* fsname/subtype: what /proc/mounts and df show. */
    char *fargv[] = {argv[0], "-o", "fsname=occlum,subtype=occlum", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
    struct fuse_session *se =
        fuse_session_new(&args, &occlum_fuse_ops, sizeof(occlum_fuse_ops), NULL);
    if (!se) {
        fprintf(stderr, CMD ": cannot start a FUSE session (libfuse3)\n");
        return 1;
    }
    if (set_signals(se) != 0) {
        fprintf(stderr, CMD ": cannot install the signal handlers\n");
        fuse_session_destroy(se);
        return 1;
    }
    if (fuse_session_mount(se, mnt) != 0) {
        /* libfuse printed its reason ("fuse: ...") just before. */
        fprintf(stderr,
                CMD ": cannot mount %s with FUSE; it needs /dev/fuse and the right to mount "
                    "(root, or fusermount3)\n",
                mnt);
        fuse_session_destroy(se);
        (void)sefs_rw_sync_all();
        return 1;
    }
    fprintf(stderr,
            CMD ": %s mounted at %s; unmount with 'fusermount3 -u %s' or Ctrl-C (changes are "
                "committed then)\n",
            instance, mnt, mnt);
    int r = fuse_session_loop(se);
    /* Commit before the unmount: the tree's last state is on disk even if
     * the unmount below is refused (a busy mount point). */
    int c = sefs_rw_sync_all();
    fuse_session_unmount(se);
    fuse_session_destroy(se);
    if (c < 0) {
        fprintf(stderr,
                CMD ": the writable layer of %s could not commit; the changes since the "
                    "last commit are lost\n",
                instance);
        return 1;
    }
    return r < 0 ? 1 : 0;
}

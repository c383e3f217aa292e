/* fuzz-sources: tests/unit/fs_sources.c tests/unit/rw_sources.c src/libos/util/lock.c
 * src/common/usercopy.S */
/*
 * fuzz_sefs_rw: the writable layer's snapshot (`meta`) and journal records
 * as sefs_rw_mount loads them (fs/sefs_rw_meta.c parse_snapshot and
 * check_tree, fs/sefs_rw_journal.c apply), then a walk of the loaded tree
 * and the unmount's commit.
 *
 * Both files are sealed (AES-256-GCM under the layer key): random bytes
 * would stop at the tag. So the input is plaintext, sealed here with the
 * layer's own functions (rw_gcm, rw_key_check) into a valid `meta` and a
 * valid chain of journal records: the case of a bug in the writer or of a
 * leaked key, where the loader must still refuse or load, never crash.
 *
 * Input: u32 n, n bytes of snapshot plaintext, then records, each a u32
 * length and that many bytes (a length past the end takes the rest).
 */
#include "fs/sefs_rw.h"
#include "fs/sefs_rw_int.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "util/kheap.h"
#include "util/log.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A file's block map is one array of its block count (fs/sefs_rw_data.c),
 * so a record naming a sparse file of terabytes asks for gigabytes, as the
 * running LibOS did when the application truncated it so
 * (docs/fuzzing.md, "Findings"). Here such an allocation fails instead,
 * which exercises the loader's ENOMEM paths rather than the host's
 * memory: the LibOS code allocates from the kernel heap (util/kheap.h),
 * bounded to 256 MB as kernel_space_heap_size bounds it inside, and the
 * rest through ASan, bounded the same. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:max_allocation_size_mb=256";
}

/* ---- the PAL's host calls as plain POSIX (no fsync: nothing crashes) ---- */

static long neg(long r)
{
    return r < 0 ? -errno : r;
}
int pal_clock_gettime(clockid_t clk, struct timespec *ts)
{
    return clock_gettime(clk, ts) < 0 ? -errno : 0;
}
long pal_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
               uint32_t *uaddr2, uint32_t val3)
{
    return 0; /* one thread: never contended */
}
static uint64_t rnd = 1;
int pal_random(void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) { /* reproducible runs */
        rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
        ((uint8_t *)buf)[i] = (uint8_t)(rnd >> 56);
    }
    return 0;
}
int pal_host_open(const char *path, int flags, mode_t mode)
{
    return (int)neg(open(path, flags, mode));
}
int pal_host_close(int fd)
{
    return (int)neg(close(fd));
}
ssize_t pal_host_pread(int fd, void *buf, size_t len, off_t off)
{
    return neg(pread(fd, buf, len, off));
}
ssize_t pal_host_pwrite(int fd, const void *buf, size_t len, off_t off)
{
    return neg(pwrite(fd, buf, len, off));
}
int pal_host_fstat(int fd, struct stat *st)
{
    return (int)neg(fstat(fd, st));
}
ssize_t pal_host_getdents64(int fd, void *buf, size_t len)
{
    return neg(syscall(SYS_getdents64, fd, buf, len));
}
int pal_host_mkdir(const char *path, mode_t mode)
{
    return (int)neg(mkdir(path, mode));
}
int pal_host_unlink(const char *path)
{
    return (int)neg(unlink(path));
}
int pal_host_rename(const char *from, const char *to)
{
    return (int)neg(rename(from, to));
}
int pal_host_ftruncate(int fd, off_t len)
{
    return (int)neg(ftruncate(fd, len));
}
int pal_host_fsync(int fd, int datasync)
{
    return 0;
}
void log_printf(enum log_level lvl, const char *fmt, ...) {}

/* ---- sealing the input ---- */

static char dir[256];
static struct mount mnt;
static const uint8_t key[32] = {1, 2, 3};
static struct layer sealer; /* only its key is used */

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void write_file(const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, p, n) != (ssize_t)n) abort();
    close(fd);
}

static void clear_dir(void)
{
    DIR *d = opendir(dir);
    if (!d) abort();
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
}

/* The snapshot `meta` for plaintext p; tag gets its tag. */
static void seal_meta(const uint8_t *p, size_t n, uint8_t tag[TAG])
{
    uint8_t *out = calloc(1, HDR + n + TAG);
    if (!out) abort();
    memcpy(out, MAGIC, 8);
    put_le(out + 8, FORMAT, 4);
    rw_key_check(&sealer, out + 16);
    pal_random(out + 32, NONCE);
    put_le(out + 48, n, 8);
    if (rw_gcm(&sealer, true, out + 32, out, HDR, p, n, out + HDR, out + HDR + n) < 0) abort();
    memcpy(tag, out + HDR + n, TAG);
    write_file(META, out, HDR + n + TAG);
    free(out);
}

/* Appends record `seq` (plaintext p) chained to prev to the journal j. */
static size_t seal_record(uint8_t *j, size_t at, uint64_t seq, const uint8_t *jid,
                          uint8_t prev[TAG], const uint8_t *p, size_t n)
{
    uint8_t aad[52];
    memcpy(aad, "SEFSRWJ1", 8);
    memcpy(aad + 8, jid, 16);
    put_le(aad + 24, seq, 8);
    memcpy(aad + 32, prev, TAG);
    put_le(aad + 48, n, 4);
    uint8_t *rec = j + at;
    put_le(rec, n, 4);
    pal_random(rec + 4, NONCE);
    if (rw_gcm(&sealer, true, rec + 4, aad, sizeof(aad), p, n, rec + 4 + NONCE,
               rec + 4 + NONCE + n) < 0)
        abort();
    memcpy(prev, rec + 4 + NONCE + n, TAG);
    return at + 4 + NONCE + n + TAG;
}

static uint64_t rd_le(const uint8_t *p, size_t have, size_t off, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n && off + (size_t)i < have; i++)
        v |= (uint64_t)p[off + i] << (8 * i);
    return v;
}

/* ---- after a mount: what the LibOS would do with the tree ---- */

static void walk(struct inode *d, int depth)
{
    struct rnode *n = d->priv;
    int k = 0;
    for (struct rdirent *e = n->head; e && k < 64; e = e->next, k++) {
        struct inode *i = e->inode;
        if (S_ISDIR(i->mode) && depth < 8) {
            walk(i, depth + 1);
        } else if (S_ISREG(i->mode)) {
            struct file *f;
            inode_get(i);
            if (vfs_open_inode(i, e->name, O_RDONLY, &f) == 0) {
                static char buf[2 * BLK];
                (void)vfs_pread(f, buf, sizeof(buf), 0);
                (void)vfs_pread(f, buf, 1, i->size > 0 ? i->size - 1 : 0);
                file_put(f);
            }
            inode_put(i);
        }
    }
    struct inode *x = NULL;
    if (d->iops->lookup(d, "a", &x) == 0) inode_put(x);
}

/* ---- the seed corpus: what the layer itself writes, unsealed ---- */

static uint8_t *read_whole(const char *name, size_t *n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) abort();
    static uint8_t buf[1 << 20];
    *n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return buf;
}

static void put_file(struct inode *d, const char *name, const char *data)
{
    struct inode *ino;
    struct file *f;
    if (d->iops->create(d, name, 0640, &ino) < 0 || vfs_open_inode(ino, name, O_WRONLY, &f) < 0 ||
        vfs_pwrite(f, data, strlen(data), 0) != (ssize_t)strlen(data))
        abort();
    file_put(f); /* the close commits */
    inode_put(ino);
}

/* FUZZ_SEFS_RW_WRITE_SEED=file: a layer with a snapshot and a journal of
 * a few commits, written by the layer's own code, as this target's input
 * (tests/fuzz/corpus/sefs_rw/ was made so). */
static void write_seed(const char *out)
{
    char err[512];
    struct inode *root = sefs_rw_mount(&mnt, dir, err, sizeof(err));
    if (!root) abort();
    put_file(root, "a", "first file");
    if (root->iops->mkdir(root, "d", 0755) < 0 || root->iops->symlink(root, "l", "a") < 0) abort();
    struct inode *d;
    if (root->iops->lookup(root, "d", &d) < 0) abort();
    put_file(d, "b", "second file, in a directory");
    inode_put(d);
    if (root->iops->unlink(root, "l") < 0) abort();
    put_file(root, "c", "third");
    if (sefs_rw_unmount(root) < 0) abort();
    size_t mn, jn;
    uint8_t *m = read_whole(META, &mn);
    static uint8_t snap[1 << 20];
    size_t sn = mn - HDR - TAG;
    if (rw_gcm(&sealer, false, m + 32, m, HDR, m + HDR, sn, snap, m + HDR + sn) < 0) abort();
    FILE *f = fopen(out, "wb");
    uint8_t le[4];
    put_le(le, sn, 4);
    fwrite(le, 1, 4, f);
    fwrite(snap, 1, sn, f);
    uint8_t *j = read_whole(JOURNAL, &jn);
    for (size_t off = JHDR; off + 4 <= jn;) {
        uint32_t n = (uint32_t)rd_le(j, jn, off, 4);
        static uint8_t plain[1 << 20];
        /* the plaintext is all the loader parses: the AAD is rebuilt on sealing */
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int l1, l2;
        EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL);
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL);
        EVP_DecryptInit_ex(c, NULL, NULL, key, j + off + 4);
        EVP_DecryptUpdate(c, plain, &l1, j + off + 4 + NONCE, (int)n);
        (void)l2;
        EVP_CIPHER_CTX_free(c);
        put_le(le, n, 4);
        fwrite(le, 1, 4, f);
        fwrite(plain, 1, n, f);
        off += 4 + NONCE + n + TAG;
    }
    fclose(f);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(dir, sizeof(dir), "/tmp/fuzz_sefs_rw.%d/run/mount/__ROOT", (int)getpid());
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
    if (system(cmd) != 0) abort();
    kheap_set_limit(256 << 20);
    memcpy(sealer.key, key, 32);
    sefs_rw_set_key(key);
    const char *seed = getenv("FUZZ_SEFS_RW_WRITE_SEED");
    if (seed) write_seed(seed);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rnd = 1;
    clear_dir();
    uint64_t sn = rd_le(data, size, 0, 4);
    size_t off = size < 4 ? size : 4;
    if (sn > size - off) sn = size - off;
    const uint8_t *snap = data + off;
    off += sn;
    uint8_t prev[TAG], jid[16];
    seal_meta(snap, sn, prev);
    uint64_t counter = rd_le(snap, sn, 0, 8);
    for (int i = 0; i < 16; i++)
        jid[i] = (uint8_t)rd_le(snap, sn, 24 + (size_t)i, 1);

    uint8_t *j = malloc(JHDR + 2 * size + 64 * (4 + NONCE + TAG));
    if (!j) abort();
    memset(j, 0, JHDR);
    memcpy(j, JMAGIC, 8);
    put_le(j + 8, FORMAT, 4);
    memcpy(j + 16, jid, 16);
    size_t jl = JHDR;
    for (int r = 0; r < 64 && off + 4 <= size; r++) {
        uint64_t n = rd_le(data, size, off, 4);
        off += 4;
        if (n > size - off) n = size - off;
        if (n == 0) break; /* a zero length ends the journal on load */
        jl = seal_record(j, jl, counter + 1 + (uint64_t)r, jid, prev, data + off, n);
        off += n;
    }
    write_file(JOURNAL, j, jl);
    free(j);

    char err[512];
    memset(&mnt, 0, sizeof(mnt));
    struct inode *root = sefs_rw_mount(&mnt, dir, err, sizeof(err));
    if (root) {
        walk(root, 0);
        if (sefs_rw_unmount(root) < 0) abort(); /* the commit of a loaded tree works */
    }
    return 0;
}

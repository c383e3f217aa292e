/*
 * rewrite_share: the system call sites of an image file's code, proven once
 * per instance and patched into every process that maps that code
 * (docs/architecture.md, "Entering the LibOS").
 *
 * A short-lived process traps at each site before rewrite.c can prove and
 * patch it, and every process maps libc afresh. The image layer is
 * integrity-protected, so a file of it with the same identity (device,
 * inode, size, mtime) has the same bytes in every process: the windows
 * proven for one mapping hold for the next. A proof is made of the whole
 * executable mapping at once (every `0f 05` whose function proves it, as
 * rw_choose does for a trapped site), kept in the kernel heap, and applied
 * when a later mapping of the same file range is made, before the process
 * can run it (so any proven window may be taken, threads or not). The
 * bytes of each window are compared with those the proof was made from
 * before anything is written: a mismatch leaves the site to the trap path.
 *
 * A proof is made only from a complete object: the loader's mappings
 * (the program and its interpreter) at load time; a library mapped by
 * ld.so (its text is mapped before its other segments) at the first trap
 * of one of its sites, when that process has one thread. Sites preceded
 * by `mov $SYS_exit/$SYS_exit_group` are left alone (rewrite.c: a thread
 * may exit without a stack), as is anything not in the image layer.
 */
#include "entry/rewrite.h"

#include "common/usercopy.h"
#include "entry/rewrite_resume.h"
#include "entry/rewrite_window.h"
#include "entry/unwind_bounds.h"

#include "fs/vfs.h"
#include "pal/pal.h"
#include "process/process.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "util/log.h"
#include "vm/vm.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#define FUNC_MAX (256 * 1024) /* as rewrite.c */
#define PROOFS_MAX 128        /* files whose proofs the instance keeps */
#define SCAN_CHUNK (64 * 1024)

/* One proven window: w.start is a file offset. */
struct rw_proven {
    struct rw_window w;
    uint8_t bytes[RW_MAX_LEN];
};

struct rw_proof {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    uint64_t off, len; /* the file range mapped executable */
    bool proved;       /* else a complete mapping has not been seen yet */
    size_t n;
    struct rw_proven *sites;
};

/* Kernel heap, shared by every host process of the instance; entries are
 * never freed, so a vm_proc's pointer to one stays good. */
bool rewrite_share_stale;
static struct rw_proof *proofs[PROOFS_MAX];
static size_t nproofs;

static struct rw_proof *proof_get(const struct stat *st, uint64_t off, uint64_t len)
{
    for (size_t i = 0; i < nproofs; i++) {
        struct rw_proof *q = proofs[i];
        if (q->dev == st->st_dev && q->ino == st->st_ino && q->size == st->st_size &&
            q->mtime.tv_sec == st->st_mtim.tv_sec && q->mtime.tv_nsec == st->st_mtim.tv_nsec &&
            q->off == off && q->len == len)
            return q;
    }
    if (nproofs == PROOFS_MAX) return NULL;
    struct rw_proof *q = kcalloc(1, sizeof(*q));
    if (!q) return NULL;
    *q = (struct rw_proof){.dev = st->st_dev,
                           .ino = st->st_ino,
                           .size = st->st_size,
                           .mtime = st->st_mtim,
                           .off = off,
                           .len = len};
    proofs[nproofs++] = q;
    return q;
}

/* `mov $60/$231, %eax|%rax` among the bytes before the syscall at b[16]. */
static bool exit_before(const uint8_t b[16])
{
    for (int i = 0; i + 5 <= 16; i++) {
        if (b[i] == 0xb8 && (b[i + 1] == 60 || b[i + 1] == 231) && !b[i + 2] && !b[i + 3] &&
            !b[i + 4])
            return true;
        if (i + 7 <= 16 && b[i] == 0x48 && b[i + 1] == 0xc7 && b[i + 2] == 0xc0 &&
            (b[i + 3] == 60 || b[i + 3] == 231) && !b[i + 4] && !b[i + 5] && !b[i + 6])
            return true;
    }
    return false;
}

/* The function around the sites prove() meets, decoded once for all; its
 * buffers are kept for the next function (fresh kernel heap costs faults). */
struct func {
    uint64_t start, len;
    uint8_t *code;
    struct rw_insn *in;
    size_t code_cap, in_cap;
    long n; /* instructions, or -refusal */
};

static bool room(void **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return true;
    void *b = krealloc(*buf, need);
    if (!b) return false;
    *buf = b;
    *cap = need;
    return true;
}

/* The window proven for the syscall at site, from its function. */
static bool prove_site(struct process *p, const struct unwind_object *o, uint64_t site,
                       struct func *f, struct rw_window *w)
{
    uint64_t s, l;
    if (unwind_object_bounds(p, o, site, &s, &l) != 0 || l > FUNC_MAX) return false;
    /* x86 instructions average ~4 bytes: room for 2-byte ones */
    size_t max = l / 2 + 64;
    if (s != f->start || l != f->len) {
        f->start = s;
        f->len = l;
        f->n = -RW_UNDECODABLE;
        if (!vm_check(p, s, l, PROT_READ | PROT_EXEC) ||
            !room((void **)&f->code, &f->code_cap, l) ||
            uaccess_copy(f->code, (const void *)s, l) ||
            !room((void **)&f->in, &f->in_cap, max * sizeof(*f->in)))
            return false;
        f->n = rw_decode(&(struct rw_code){s, f->code, l, true}, f->in, max);
    }
    struct rw_code c = {s, f->code, l, true};
    if (f->n == -RW_TOO_SHORT) return rw_choose(&c, site, -1, false, w) == RW_OK;
    return f->n >= 0 && rw_choose_decoded(&c, f->in, (size_t)f->n, site, false, w) == RW_OK;
}

static uint64_t r_end(const struct rw_proven *r)
{
    return r->w.start + r->w.len;
}

/* Every proven site of [lo, hi) (code as mapped, nothing patched yet). */
static void prove(struct process *p, struct rw_proof *q, uint64_t lo, uint64_t hi)
{
    uint8_t *chunk = kmalloc(SCAN_CHUNK + 16);
    struct func fn = {0};
    size_t cap = 0;
    struct unwind_object o;
    q->proved = true;
    if (!chunk || !unwind_object_find(p, lo, &o)) {
        kfree(chunk);
        return;
    }
    for (uint64_t at = lo; at < hi; at += SCAN_CHUNK) {
        /* 16 bytes before each chunk, so a site's prefix is in it */
        uint64_t from = at - lo >= 16 ? at - 16 : lo;
        size_t n = (size_t)((hi - at < SCAN_CHUNK ? hi - at : SCAN_CHUNK) + (at - from));
        if (uaccess_copy(chunk, (const void *)from, n)) break;
        for (size_t i = at - from; i + 1 < n; i++) {
            const uint8_t *hit = memchr(chunk + i, 0x0f, n - 1 - i);
            if (!hit) break;
            i = (size_t)(hit - chunk);
            if (chunk[i + 1] != 0x05) continue;
            uint8_t before[16] = {0};
            size_t k = i < 16 ? i : 16;
            memcpy(before + 16 - k, chunk + i - k, k);
            struct rw_window w;
            uint64_t site = from + i;
            if (exit_before(before) || !prove_site(p, &o, site, &fn, &w) || w.start < lo ||
                w.start + w.len > hi)
                continue;
            /* a proof's windows never share a byte (apply relies on it) */
            if (q->n && r_end(&q->sites[q->n - 1]) > w.start - lo + q->off) continue;
            if (q->n == cap) {
                cap = cap ? 2 * cap : 64;
                struct rw_proven *m = krealloc(q->sites, cap * sizeof(*m));
                if (!m) break;
                q->sites = m;
            }
            struct rw_proven *r = &q->sites[q->n];
            if (uaccess_copy(r->bytes, (const void *)w.start, w.len)) continue;
            if (rewrite_share_stale) r->bytes[w.len - 1] ^= 0xff;
            r->w = w;
            r->w.start = w.start - lo + q->off;
            q->n++;
        }
    }
    kfree(fn.code);
    kfree(fn.in);
    kfree(chunk);
}

static long us_between(const struct timespec *a, const struct timespec *b)
{
    return (long)((b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000);
}

static void timed_prove(struct process *p, struct rw_proof *q, uint64_t lo, uint64_t hi)
{
    struct timespec a, b;
    pal_clock_gettime(CLOCK_MONOTONIC, &a);
    prove(p, q, lo, hi);
    pal_clock_gettime(CLOCK_MONOTONIC, &b);
    log_debug("%s: %zu system call sites proven in %#lx-%#lx in %ld us", p->exe_path, q->n,
              (unsigned long)lo, (unsigned long)hi, us_between(&a, &b));
}

/* Patch q's sites into [lo, hi) of p, each only where the bytes are those
 * it was proven on. */
static void apply(struct process *p, const struct rw_proof *q, uint64_t lo, uint64_t hi)
{
    struct timespec t0, t1;
    pal_clock_gettime(CLOCK_MONOTONIC, &t0);
    bool open = false, fresh = rewrite_windows_disjoint(p->vm, lo, hi);
    size_t patched = 0, pages = 0;
    uint64_t last_page = 0;
    rewrite_sites_reserve(p->vm, (uint32_t)q->n);
    rewrite_batch_begin();
    for (size_t i = 0; i < q->n; i++) {
        const struct rw_proven *r = &q->sites[i];
        struct rw_window w = r->w;
        w.start = r->w.start - q->off + lo;
        if (w.start < lo || w.start + w.len > hi) continue;
        uint8_t now[RW_MAX_LEN];
        uint64_t site = w.start + w.syscall_off;
        if (uaccess_copy(now, (const void *)w.start, w.len) || memcmp(now, r->bytes, w.len) ||
            rewrite_site_find(p->vm, site))
            continue;
        struct rw_code c = {w.start, r->bytes, w.len, true};
        int why;
        struct rw_site *s = rewrite_install(p, &c, &w, fresh, &why);
        if (!s) continue;
        if (!open) /* one change of protection for all the jmps */
            rewrite_batch_open(p, lo, hi);
        open = true;
        rewrite_patch_fresh(p, s);
        patched++;
        /* the windows come in address order: each new page is a private copy */
        for (uint64_t pg = PAGE_DOWN(w.start); pg < w.start + w.len; pg += PAGE_SIZE)
            if (pg != last_page) pages++, last_page = pg;
    }
    rewrite_batch_end(p);
    pal_clock_gettime(CLOCK_MONOTONIC, &t1);
    log_debug("%s: %zu of %zu proven system call sites patched in at %#lx in %ld us (%zu code "
              "pages copied)",
              p->exe_path, patched, q->n, (unsigned long)lo, us_between(&t0, &t1), pages);
}

void rewrite_share_map(struct process *p, struct file *f, uint64_t lo, uint64_t hi, uint64_t off,
                       bool complete)
{
    /* (a vfork child borrowing its parent's memory counts as a user; the
     * image its execve loads is in memory of its own) */
    struct file *src = rewrite_enabled ? file_immutable_source(f) : NULL;
    struct stat st;
    if (!src || p->vm->users != 1 || file_fstat(src, &st) < 0) return;
    mutex_lock(&rewrite_lock);
    struct rw_proof *q = proof_get(&st, off, hi - lo);
    if (q && !q->proved && complete) timed_prove(p, q, lo, hi);
    if (q && q->proved) apply(p, q, lo, hi);
    struct rw_text *slot = NULL;
    for (size_t i = 0; q && i < sizeof(p->vm->rw_texts) / sizeof(p->vm->rw_texts[0]); i++) {
        struct rw_text *x = &p->vm->rw_texts[i];
        if (!slot && (!x->proof || (x->start < hi && lo < x->end))) slot = x;
    }
    if (slot) *slot = (struct rw_text){lo, hi, off, q};
    mutex_unlock(&rewrite_lock);
}

bool rewrite_share_trap(struct process *p, uint64_t site)
{
    struct rw_text *x = NULL;
    for (size_t i = 0; i < sizeof(p->vm->rw_texts) / sizeof(p->vm->rw_texts[0]); i++)
        if (p->vm->rw_texts[i].proof && site >= p->vm->rw_texts[i].start &&
            site < p->vm->rw_texts[i].end)
            x = &p->vm->rw_texts[i];
    if (!x || x->proof->proved || p->nthreads != 1) return false;
    timed_prove(p, x->proof, x->start, x->end);
    apply(p, x->proof, x->start, x->end);
    struct rw_site *s = rewrite_site_find(p->vm, site);
    return s && s->patched;
}

void rewrite_share_forget(struct vm_proc *vm, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < sizeof(vm->rw_texts) / sizeof(vm->rw_texts[0]); i++)
        if (vm->rw_texts[i].start < hi && lo < vm->rw_texts[i].end) vm->rw_texts[i].proof = NULL;
}

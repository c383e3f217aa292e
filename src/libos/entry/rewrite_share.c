/*
 * rewrite_share: the system call sites of an image file's code that one
 * process of the instance patched, patched into every later process that
 * maps that code, before it runs it (docs/architecture.md, "Entering the
 * LibOS").
 *
 * A short-lived process traps twice at each site before rewrite.c proves
 * and patches it, and every process maps libc afresh: a shell script's
 * children, Python's multiprocessing workers, a server's helper programs
 * each paid the same traps again. The image layer is integrity-protected,
 * so a file of it with the same identity (device, inode, size, mtime) has
 * the same bytes in every process: a window proven in one mapping holds in
 * the next. Each window rewrite.c patches in such a file's code is noted
 * here (file offset and bytes), in the kernel heap; a later mapping of the
 * same file range gets them all at once, while no thread can be running it
 * (so plain writes, one protection change for the text). The bytes of each
 * window are compared with those it was proven on before anything is
 * written: a mismatch leaves the site to the trap path.
 *
 * Only sites some process used are noted, not every `0f 05` of the file:
 * proving all of glibc's 514 sites took 4.5-5 ms per instance and patching
 * them 1 ms per process (59 private code pages), more than a short program
 * ever spends in the traps it saves.
 */
#include "entry/rewrite.h"

#include "common/usercopy.h"
#include "entry/rewrite_resume.h"
#include "entry/rewrite_window.h"

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

#define PROOFS_MAX 128 /* files whose proofs the instance keeps */
#define SEEN_MAX 256   /* sites of a file noted at their first trap */

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
    size_t n, cap;
    struct rw_proven *sites; /* sorted by start, disjoint */
    /* file offsets of syscalls that trapped once in some process */
    uint64_t seen[SEEN_MAX];
    size_t nseen;
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

static long us_between(const struct timespec *a, const struct timespec *b)
{
    return (long)((b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000);
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

void rewrite_share_map(struct process *p, struct file *f, uint64_t lo, uint64_t hi, uint64_t off)
{
    /* (a vfork child borrowing its parent's memory counts as a user; the
     * image its execve loads is in memory of its own) */
    struct file *src = rewrite_enabled ? file_immutable_source(f) : NULL;
    struct stat st;
    if (!src || p->vm->users != 1 || file_fstat(src, &st) < 0) return;
    mutex_lock(&rewrite_lock);
    struct rw_proof *q = proof_get(&st, off, hi - lo);
    if (q && q->n) apply(p, q, lo, hi);
    struct rw_text *slot = NULL;
    for (size_t i = 0; q && i < sizeof(p->vm->rw_texts) / sizeof(p->vm->rw_texts[0]); i++) {
        struct rw_text *x = &p->vm->rw_texts[i];
        if (!slot && (!x->proof || (x->start < hi && lo < x->end))) slot = x;
    }
    if (slot) *slot = (struct rw_text){lo, hi, off, q};
    mutex_unlock(&rewrite_lock);
}

/* The image file's code of p holding [lo, hi), or NULL. */
static const struct rw_text *text_at(const struct process *p, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < sizeof(p->vm->rw_texts) / sizeof(p->vm->rw_texts[0]); i++) {
        const struct rw_text *t = &p->vm->rw_texts[i];
        if (t->proof && lo >= t->start && hi <= t->end) return t;
    }
    return NULL;
}

bool rewrite_share_seen(struct process *p, uint64_t site)
{
    const struct rw_text *x = text_at(p, site, site + 2);
    if (!x) return false;
    struct rw_proof *q = x->proof;
    uint64_t off = site - x->start + x->off;
    for (size_t i = 0; i < q->nseen; i++)
        if (q->seen[i] == off) return true;
    if (q->nseen < SEEN_MAX) q->seen[q->nseen++] = off;
    return false;
}

static uint64_t r_end(const struct rw_proven *r)
{
    return r->w.start + r->w.len;
}

void rewrite_share_learn(struct process *p, const struct rw_site *s)
{
    const struct rw_window *w = &s->w;
    const struct rw_text *x = text_at(p, w->start, w->start + w->len);
    if (!x) return;
    struct rw_proof *q = x->proof;
    uint64_t start = w->start - x->start + x->off;
    size_t at = q->n; /* the first noted window after this one */
    while (at > 0 && q->sites[at - 1].w.start > start)
        at--;
    if ((at > 0 && r_end(&q->sites[at - 1]) > start) ||
        (at < q->n && q->sites[at].w.start < start + w->len))
        return; /* noted already, or overlapping one that is */
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        struct rw_proven *m = krealloc(q->sites, cap * sizeof(*m));
        if (!m) return;
        q->sites = m;
        q->cap = cap;
    }
    memmove(&q->sites[at + 1], &q->sites[at], (q->n - at) * sizeof(q->sites[0]));
    struct rw_proven *r = &q->sites[at];
    r->w = *w;
    r->w.start = start;
    memcpy(r->bytes, s->orig, w->len);
    if (rewrite_share_stale) r->bytes[w->len - 1] ^= 0xff;
    q->n++;
}

void rewrite_share_forget(struct vm_proc *vm, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < sizeof(vm->rw_texts) / sizeof(vm->rw_texts[0]); i++)
        if (vm->rw_texts[i].start < hi && lo < vm->rw_texts[i].end) vm->rw_texts[i].proof = NULL;
}

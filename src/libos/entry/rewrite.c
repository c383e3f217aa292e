/*
 * rewrite: the system call fast path's site rewriting
 * (docs/architecture.md, "Entering the LibOS").
 *
 * After a `syscall` instruction has trapped twice (a call made once, at
 * start-up or exit, costs less through the trap than a rewrite does), a
 * window of whole instructions around it (rewrite_window.c chooses it,
 * proven against its function's bounds from the unwind table, the dynamic
 * symbols or Go's function table: unwind_bounds.c) is replaced by a 5-byte
 * `jmp` to a per-site trampoline:
 * the displaced instructions before the syscall, a plain call of the LibOS
 * entry (pal_fast_syscall_entry), and the displaced instructions after it,
 * then a jmp back. The LibOS still reports the original addresses: the
 * context a call sees has RIP right after the original `syscall` (signal
 * frames, musl's __cp_begin/__cp_end check, restarts at RIP - 2); the exit
 * then resumes in the trampoline (libos_fast_syscall's continuation).
 *
 * Addresses strictly inside a patched window no longer hold those
 * instructions. A context can still name one (a restart onto a displaced
 * syscall, a signal frame's return address, the return of a call another
 * thread was blocked in when the site was patched): every way back to
 * application code goes through rewrite_leave, which maps such an address
 * to its copy in the trampoline (rewrite_resume.c keeps the windows).
 *
 * Every process has its own copy of its code, so only its own threads can
 * run the bytes being changed. With one thread, a plain write is enough.
 * With several, only windows where no other thread can be inside the
 * jmp's 5 bytes are taken: one instruction before the syscall, or a window
 * that starts at the syscall (a thread is then inside it only right after
 * returning from this site's system call, which rewrite_resume.c can see:
 * the patch waits for a later trap when one might be). The bytes change as
 * Linux's text_poke_bp does it: an int3 on the first byte, the rest, then
 * the first byte, each step followed by a core-serializing membarrier; a
 * thread that meets the int3 meanwhile is sent to the trampoline
 * (rewrite_int3). Sites of the image's files are mostly patched before
 * they ever trap, from proofs shared by the instance (rewrite_share.c),
 * which installs its windows through rewrite_install below.
 * OCCLUM_SYSCALL_REWRITE=0 turns rewriting off;
 * OCCLUM_REWRITE_LOG=1 logs every site left trapping and why.
 */
#include "entry/rewrite.h"

#include "common/usercopy.h"
#include "entry/rewrite_resume.h"
#include "entry/rewrite_window.h"
#include "entry/unwind_bounds.h"

#include "pal/pal.h"
#include "process/process.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "util/log.h"
#include "vm/vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define REACH (1ULL << 31) /* rel32 */
/* Functions longer than this are not decoded (nor their sites rewritten
 * but for the exact forms). */
#define FUNC_MAX (256 * 1024)

bool rewrite_enabled = true;
bool rewrite_log_refused;
/* membarrier's SYNC_CORE registration is per host process (mm), made at
 * its first need: 0 not tried, 1 made, -1 refused. A fork's child starts
 * at 0 (rewrite_init), so that a child that never patches code never pays
 * for it. */
LIBOS_PRIVATE static int sync_core_state;
struct mutex rewrite_lock = MUTEX_INIT;

/* Sites patched recently, for a thread that trapped on their int3. */
#define RECENT 64
static struct {
    struct vm_proc *vm;
    uint64_t insn, tramp;
} recent[RECENT];
static unsigned recent_next;

#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64

void rewrite_init(void)
{
    sync_core_state = 0;
}

static bool sync_core_ok(void)
{
    if (!sync_core_state) {
        bool ok = pal_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0) == 0;
        sync_core_state = ok ? 1 : -1;
    }
    return sync_core_state > 0;
}

/* Only p's threads run p's code: alone, it has no other core to sync. */
static void sync_cores(const struct process *p)
{
    if (p->nthreads != 1 && sync_core_ok())
        pal_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0);
}

bool rewrite_int3(uint64_t *rip)
{
    struct vm_proc *vm = current_process()->vm;
    bool hit = false;
    mutex_lock(&rewrite_lock);
    /* newest first: the entry of the patch in progress */
    for (unsigned k = 1; k <= RECENT && k <= recent_next; k++) {
        unsigned i = (recent_next - k) % RECENT;
        if (recent[i].vm == vm && recent[i].insn == *rip - 1) {
            *rip = recent[i].tramp;
            hit = true;
            break;
        }
    }
    mutex_unlock(&rewrite_lock);
    return hit;
}

/*
 * An address space is going away. Its entries must go too: the next
 * process image may get the same vm_proc address and, its layout being
 * deterministic, the same site addresses, but other trampolines -- a
 * thread meeting an int3 there must not be sent to the old image's.
 */
void rewrite_forget_vm(struct vm_proc *vm)
{
    mutex_lock(&rewrite_lock);
    for (int i = 0; i < RECENT; i++)
        if (recent[i].vm == vm) recent[i].vm = NULL;
    rewrite_windows_free(vm);
    mutex_unlock(&rewrite_lock);
}

void rewrite_forget_range(struct vm_proc *vm, uint64_t lo, uint64_t hi)
{
    mutex_lock(&rewrite_lock);
    for (int i = 0; i < RECENT; i++)
        if (recent[i].vm == vm && recent[i].insn >= lo && recent[i].insn < hi) recent[i].vm = NULL;
    for (size_t i = 0; i < sizeof(vm->trapped_sites) / sizeof(vm->trapped_sites[0]); i++)
        if (vm->trapped_sites[i] >= lo && vm->trapped_sites[i] <= hi) vm->trapped_sites[i] = 0;
    rewrite_windows_forget(vm, lo, hi);
    rewrite_share_forget(vm, lo, hi);
    if (vm->go_object >= lo && vm->go_object < hi) vm->go_object = 0;
    mutex_unlock(&rewrite_lock);
}

/* A trampoline slot of size bytes within rel32 reach of site, or 0. */
static uint64_t tramp_alloc(struct process *p, uint64_t site, size_t size)
{
    struct vm_proc *m = p->vm;
    size = (size + 15) & ~(size_t)15;
    if (m->tramp_page && m->tramp_used + size <= PAGE_SIZE) {
        uint64_t slot = m->tramp_page + m->tramp_used;
        uint64_t d = slot > site ? slot - site : site - slot;
        if (d < REACH - PAGE_SIZE) {
            m->tramp_used += size;
            return slot;
        }
    }
    int64_t page = vm_map_near(p, site, PAGE_SIZE, PROT_READ | PROT_EXEC, REACH - 2 * PAGE_SIZE);
    if (page < 0) return 0;
    m->tramp_page = (uint64_t)page;
    m->tramp_used = size;
    return (uint64_t)page;
}

/* Ranges left writable by a batch of pokes (rewrite_batch_*), so that
 * hundreds of sites cost a few protection changes, not four each. */
#define BATCH_RANGES 8
static struct {
    uint64_t lo, hi;
} batch[BATCH_RANGES];
static int nbatch = -1; /* -1: no batch */

static bool batch_covers(uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < nbatch; i++)
        if (lo >= batch[i].lo && hi <= batch[i].hi) return true;
    return false;
}

void rewrite_batch_begin(void)
{
    nbatch = 0;
}

void rewrite_batch_open(struct process *p, uint64_t lo, uint64_t hi)
{
    if (nbatch < 0 || batch_covers(lo, hi)) return;
    if (nbatch == BATCH_RANGES) {
        rewrite_batch_end(p);
        nbatch = 0;
    }
    if (pal_vm_protect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) == 0)
        batch[nbatch++] = (typeof(batch[0])){lo, hi};
}

void rewrite_batch_end(struct process *p)
{
    for (int i = 0; i < nbatch; i++)
        vm_reapply_prot(p->vm, batch[i].lo, batch[i].hi);
    nbatch = -1;
}

/* Write bytes into application code of p, whatever its protection. */
static void poke(struct process *p, uint64_t addr, const void *bytes, size_t n)
{
    uint64_t lo = PAGE_DOWN(addr), hi = PAGE_UP(addr + n);
    if (nbatch >= 0) rewrite_batch_open(p, lo, hi);
    if (batch_covers(lo, hi)) {
        memcpy((void *)addr, bytes, n);
        return;
    }
    pal_vm_protect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC);
    memcpy((void *)addr, bytes, n);
    vm_reapply_prot(p->vm, lo, hi);
}

static void log_refused(struct process *p, uint64_t site, long nr, int why)
{
    if (!rewrite_log_refused) return;
    uint8_t b[16] = {0};
    char hex[16 * 3 + 4] = "";
    if (vm_check(p, site - 8, sizeof(b), PROT_READ) &&
        !uaccess_copy(b, (const void *)(site - 8), 16))
        for (int i = 0; i < 16; i++)
            snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex),
                     i == 8   ? "[%02x"
                     : i == 9 ? "%02x] "
                              : "%02x ",
                     b[i]);
    log_printf(LOG_WARN, "%s: system call site %#lx (nr %ld) keeps trapping: %s; bytes %s",
               p->exe_path, (unsigned long)site, nr, rw_refusal_str(why), hex);
}

/*
 * The window for the syscall at site: proven against its function when
 * the unwind table has it, else one of the exact forms. code receives
 * the bytes decoded (kfree'd by the caller); RW_OK or a refusal.
 */
static int choose(struct process *p, uint64_t site, long nr, uint8_t **code, struct rw_code *c,
                  struct rw_window *w)
{
    bool threaded = p->nthreads != 1;
    uint64_t fstart, flen;
    int why = RW_NO_PROOF;
    *code = NULL;
    if (unwind_func_bounds(p, site, &fstart, &flen) == 0 && flen <= FUNC_MAX &&
        vm_check(p, fstart, flen, PROT_READ | PROT_EXEC) && (*code = kmalloc(flen)) &&
        !uaccess_copy(*code, (const void *)fstart, flen) &&
        rewrite_windows_unpatch(p->vm, fstart, fstart + flen, *code)) {
        *c = (struct rw_code){fstart, *code, flen, true};
        why = rw_choose(c, site, nr, threaded, w);
        if (why == RW_OK) return RW_OK;
    }
    kfree(*code);
    *code = kmalloc(9);
    if (!*code) return why;
    if (!vm_check(p, site - 7, 9, PROT_READ | PROT_EXEC) ||
        uaccess_copy(*code, (const void *)(site - 7), 9))
        return why;
    *c = (struct rw_code){site - 7, *code, 9, false};
    int r = rw_choose(c, site, nr, threaded, w);
    return r == RW_OK ? RW_OK : why;
}

/* Replace the window's first 5 bytes with a jmp to tramp. */
static void patch(struct process *p, uint64_t start, uint64_t tramp)
{
    uint8_t jmp[5] = {0xe9};
    int32_t rel = (int32_t)((int64_t)tramp - (int64_t)(start + 5));
    memcpy(jmp + 1, &rel, 4);
    if (p->nthreads == 1) {
        poke(p, start, jmp, sizeof(jmp));
        return;
    }
    recent[recent_next % RECENT].vm = p->vm;
    recent[recent_next % RECENT].insn = start;
    recent[recent_next % RECENT].tramp = tramp;
    recent_next++;
    static const uint8_t int3 = 0xcc;
    poke(p, start, &int3, 1);
    sync_cores(p);
    poke(p, start + 1, jmp + 1, 4);
    sync_cores(p);
    poke(p, start, jmp, 1);
    sync_cores(p);
}

struct rw_site *rewrite_install(struct process *p, const struct rw_code *c,
                                const struct rw_window *w, bool disjoint, int *why)
{
    struct rw_tramp tr;
    uint8_t bytes[RW_TRAMP_MAX];
    if (!disjoint && !rewrite_windows_disjoint(p->vm, w->start, w->start + w->len)) {
        *why = RW_OVERLAP;
        return NULL;
    }
    if (!vm_check(p, w->start, w->len, PROT_READ | PROT_EXEC)) {
        *why = RW_NO_SYSCALL;
        return NULL;
    }
    /* room for the largest, then given back down to its size */
    uint64_t tramp = tramp_alloc(p, w->start, RW_TRAMP_MAX);
    if (!tramp || rw_build(c, w, tramp, (uint64_t)pal_fast_syscall_entry, bytes, &tr)) {
        *why = RW_UNREACHABLE;
        return NULL;
    }
    p->vm->tramp_used -= RW_TRAMP_MAX - ((tr.size + 15u) & ~15u);
    poke(p, tramp, bytes, tr.size);
    struct rw_site *s = rewrite_site_add(p->vm, w, &tr, tramp);
    if (!s) {
        *why = RW_NOMEM;
        return NULL;
    }
    memcpy(s->orig, c->code + (w->start - c->addr), w->len);
    return s;
}

void rewrite_patch_fresh(struct process *p, struct rw_site *s)
{
    uint8_t jmp[5] = {0xe9};
    int32_t rel = (int32_t)((int64_t)s->tramp - (int64_t)(s->w.start + 5));
    memcpy(jmp + 1, &rel, 4);
    poke(p, s->w.start, jmp, sizeof(jmp));
    s->patched = true;
}

static void rewrite_locked(struct process *p, uint64_t after_syscall, long nr);

void rewrite_syscall_site(uint64_t after_syscall, long nr)
{
    struct thread *t = current_thread();
    struct process *p = t->proc;
    if (!rewrite_enabled || t->vfork || p->vm->users != 1) return;
    if (p->nthreads != 1 && !sync_core_ok()) return;
    mutex_lock(&rewrite_lock);
    rewrite_locked(p, after_syscall, nr);
    mutex_unlock(&rewrite_lock);
}

/* Whether this is the site's second trap (the first is only noted). */
static bool second_trap(struct vm_proc *m, uint64_t after_syscall)
{
    size_t n = sizeof(m->trapped_sites) / sizeof(m->trapped_sites[0]), slot = n;
    for (size_t i = 0; i < n; i++) {
        if (m->trapped_sites[i] == after_syscall) return true;
        if (!m->trapped_sites[i] && slot == n) slot = i;
    }
    m->trapped_sites[slot == n ? after_syscall % n : slot] = after_syscall;
    return false;
}

static void rewrite_locked(struct process *p, uint64_t after_syscall, long nr)
{
    /* A site another process trapped at once, this one rewrites at its
     * first trap, once the trapping thread has made a few dozen calls: a
     * program that makes a handful and exits (the spawn benchmark's child)
     * would pay more for the rewrite than for its traps. */
    if (!second_trap(p->vm, after_syscall) &&
        !(rewrite_share_seen(p, after_syscall - 2) && current_thread()->calls > 32))
        return;
    /* A thread's last calls may run without a stack (musl's thread exit
     * unmaps its stack first); the trampoline needs one: leave them be. */
    if (nr == SYS_exit || nr == SYS_exit_group) return;
    uint64_t site = after_syscall - 2;
    struct rw_site *s = rewrite_site_find(p->vm, site);
    /* patched while this thread was in its call, or refused */
    if (s && (s->patched || !s->tramp)) return;
    if (!s) {
        uint8_t *code;
        struct rw_code c;
        struct rw_window w;
        int why = choose(p, site, nr, &code, &c, &w);
        if (why == RW_OK) s = rewrite_install(p, &c, &w, false, &why);
        kfree(code);
        if (!s) {
            /* noted, so that its later traps cost no more decoding */
            struct rw_window none = {.start = site};
            if (why != RW_NOMEM) rewrite_site_add(p->vm, &none, &(struct rw_tramp){0}, 0);
            log_refused(p, site, nr, why);
            return;
        }
    }
    /* Another thread that returned from this very call and has not come
     * back into the LibOS since may still be inside the window: patch at a
     * later trap. */
    if (p->nthreads != 1 && s->w.with_syscall && rewrite_site_busy(p, s)) {
        log_debug("%s: system call site %#lx waits for a thread to leave it", p->exe_path,
                  (unsigned long)site);
        return;
    }
    patch(p, s->w.start, s->tramp);
    s->patched = true;
    rewrite_share_learn(p, s);
    log_debug("%s: system call site %#lx (nr %ld) now takes the fast path", p->exe_path,
              (unsigned long)site, nr);
}

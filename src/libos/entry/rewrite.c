/*
 * rewrite: the system call fast path's site rewriting
 * (docs/architecture.md, "Entering the LibOS").
 *
 * After a `syscall` instruction has trapped once, the 5-byte instruction
 * right before it is replaced by a `jmp` to a per-site trampoline, which
 * runs that instruction, then enters the LibOS with a plain call
 * (pal_fast_syscall_entry). The `syscall` itself stays in place, so a
 * branch that targets it still works (through the trap); nothing is
 * displaced but one whole instruction, so no branch can land inside the
 * patch. The instruction must be one of a few exact, position-independent
 * forms that compilers and libcs put right before `syscall`:
 *
 *     b8 imm32            mov $nr, %eax       (glibc wrappers, musl inlines)
 *     4c 89 5c 24 08      mov %r11, 8(%rsp)   (musl's __syscall_cp_asm)
 *     4c 8b 4c 24 08      mov 8(%rsp), %r9    (glibc's syscall())
 *
 * The mov $nr form is taken only when its immediate is the number that
 * just trapped, which rules out bytes that merely look like it at the end
 * of a longer instruction.
 *
 * A site is rewritten when it traps the second time: a call made once
 * (start-up, exit) costs less through the trap than the rewrite costs,
 * which matters for short-lived processes.
 *
 * Every process has its own copy of its code, so only its own threads can
 * be executing the bytes being changed. With one thread, a plain write is
 * enough. With several, the bytes change as Linux's text_poke_bp does it:
 * an int3 on the first byte, the rest, then the first byte, each step
 * followed by a core-serializing membarrier; a thread that meets the int3
 * meanwhile is sent to the trampoline (rewrite_int3), which runs the
 * instruction it was about to run. OCCLUM_SYSCALL_REWRITE=0 turns it off.
 */
#include "entry/rewrite.h"

#include "common/usercopy.h"

#include "pal/pal.h"
#include "process/process.h"
#include "util/lock.h"
#include "util/log.h"
#include "vm/vm.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define TRAMP_SIZE 32
#define REACH (1ULL << 31) /* rel32 */

bool rewrite_enabled = true;
/* membarrier's SYNC_CORE registration is per host process (mm), made at
 * its first need: 0 not tried, 1 made, -1 refused. A fork's child starts
 * at 0 (rewrite_init), so that a child that never patches code never pays
 * for it. */
LIBOS_PRIVATE static int sync_core_state;
static struct mutex rewrite_lock = MUTEX_INIT;

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
void rewrite_forget_vm(const struct vm_proc *vm)
{
    mutex_lock(&rewrite_lock);
    for (int i = 0; i < RECENT; i++)
        if (recent[i].vm == vm) recent[i].vm = NULL;
    mutex_unlock(&rewrite_lock);
}

static bool known_pre_syscall_insn(const uint8_t *b, long nr)
{
    static const uint8_t mov_r11_to_stack[5] = {0x4c, 0x89, 0x5c, 0x24, 0x08};
    static const uint8_t mov_stack_to_r9[5] = {0x4c, 0x8b, 0x4c, 0x24, 0x08};
    if (b[0] == 0xb8) {
        int32_t imm;
        memcpy(&imm, b + 1, 4);
        return imm == nr;
    }
    return memcmp(b, mov_r11_to_stack, 5) == 0 || memcmp(b, mov_stack_to_r9, 5) == 0;
}

static void rewrite_locked(struct process *p, uint64_t after_syscall, long nr);

/* A trampoline slot within rel32 reach of site, or 0. */
static uint64_t tramp_alloc(struct process *p, uint64_t site)
{
    struct vm_proc *m = p->vm;
    if (m->tramp_page && m->tramp_used + TRAMP_SIZE <= PAGE_SIZE) {
        uint64_t slot = m->tramp_page + m->tramp_used;
        uint64_t d = slot > site ? slot - site : site - slot;
        if (d < REACH - PAGE_SIZE) {
            m->tramp_used += TRAMP_SIZE;
            return slot;
        }
    }
    int64_t page = vm_map_near(p, site, PAGE_SIZE, PROT_READ | PROT_EXEC, REACH - 2 * PAGE_SIZE);
    if (page < 0) return 0;
    m->tramp_page = (uint64_t)page;
    m->tramp_used = TRAMP_SIZE;
    return (uint64_t)page;
}

/* Write bytes into application code of p, whatever its protection. */
static void poke(struct process *p, uint64_t addr, const void *bytes, size_t n)
{
    uint64_t lo = PAGE_DOWN(addr), hi = PAGE_UP(addr + n);
    pal_vm_protect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC);
    memcpy((void *)addr, bytes, n);
    vm_reapply_prot(p->vm, lo, hi);
}

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

static void rewrite_locked(struct process *p, uint64_t after_syscall, long nr)
{
    /* second time here? */
    struct vm_proc *m = p->vm;
    size_t n = sizeof(m->trapped_sites) / sizeof(m->trapped_sites[0]), slot = n;
    for (size_t i = 0; i < n; i++) {
        if (m->trapped_sites[i] == after_syscall) break;
        if (!m->trapped_sites[i] && slot == n) slot = i;
        if (i == n - 1) {
            m->trapped_sites[slot == n ? after_syscall % n : slot] = after_syscall;
            return;
        }
    }
    /* A thread's last calls may run without a stack (musl's thread exit
     * unmaps its stack first); the trampoline needs one: leave them be. */
    if (nr == SYS_exit || nr == SYS_exit_group) return;
    uint64_t insn = after_syscall - 7;
    /* the 7 bytes must be mapped executable code of this process, read
     * fault-safely: another thread may unmap or protect them meanwhile */
    uint8_t b[7];
    if (!vm_check(p, insn, 7, PROT_READ | PROT_EXEC) || uaccess_copy(b, (const void *)insn, 7))
        return;
    if (b[5] != 0x0f || b[6] != 0x05 || !known_pre_syscall_insn(b, nr)) return;
    uint64_t tramp = tramp_alloc(p, insn);
    if (!tramp) return;

    /* trampoline: the displaced instruction; lea -128(%rsp),%rsp;
     * call *entry(%rip); .quad return-rip; .quad entry */
    uint8_t code[TRAMP_SIZE];
    memcpy(code, b, 5);
    static const uint8_t lea_below_red_zone[5] = {0x48, 0x8d, 0x64, 0x24, 0x80};
    memcpy(code + 5, lea_below_red_zone, 5);
    static const uint8_t call_rip_plus_8[6] = {0xff, 0x15, 0x08, 0, 0, 0};
    memcpy(code + 10, call_rip_plus_8, 6);
    uint64_t ret_rip = after_syscall, entry = (uint64_t)pal_fast_syscall_entry;
    memcpy(code + 16, &ret_rip, 8);
    memcpy(code + 24, &entry, 8);
    poke(p, tramp, code, sizeof(code));

    uint8_t jmp[5] = {0xe9};
    int32_t rel = (int32_t)((int64_t)tramp - (int64_t)(insn + 5));
    memcpy(jmp + 1, &rel, 4);
    if (p->nthreads == 1) {
        poke(p, insn, jmp, sizeof(jmp));
    } else {
        recent[recent_next % RECENT].vm = m;
        recent[recent_next % RECENT].insn = insn;
        recent[recent_next % RECENT].tramp = tramp;
        recent_next++;
        static const uint8_t int3 = 0xcc;
        poke(p, insn, &int3, 1);
        sync_cores(p);
        poke(p, insn + 1, jmp + 1, 4);
        sync_cores(p);
        poke(p, insn, jmp, 1);
        sync_cores(p);
    }
    log_debug("%s: system call site %#lx (nr %ld) now takes the fast path", p->exe_path,
              (unsigned long)after_syscall - 2, nr);
}

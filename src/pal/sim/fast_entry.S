/*
 * fast_entry: the system call fast path's way in and out (see pal.h).
 *
 * In: from a trampoline, %rsp = app rsp - 136, (%rsp) = address of a quad
 * holding the return rip (then the continuation: pal.h), rax = syscall
 * number, other registers the app's.
 * rcx and r11 are free (a syscall clobbers them); the saved context gets
 * rcx = return rip and r11 = rflags, as the kernel's syscall leaves them.
 *
 * Out: from the ucontext, possibly changed by the LibOS (signal handler
 * frame, execve, vfork, sigreturn). The target goes below the app's red
 * zone and `ret $128` ends with the app's exact rsp, like pal_enter_user.
 * The selector flips back to "intercept" only once %rsp is the app's.
 */
#include "fast_layout.h"

    .text
    .globl pal_fast_syscall_entry
    .type pal_fast_syscall_entry, @function
pal_fast_syscall_entry:
    movb $0, %gs:8                  /* selector = allow */
    /* ---- a leaf call first: no XSAVE (pal.h, libos_fast_leaf) ----
     * The LibOS stack gets the application's flags at its very top (read
     * back at the end), then what the C call may clobber and the syscall
     * must keep. */
    movq %rsp, %r11                 /* app rsp - 136 */
    movq %gs:16, %rsp
    pushfq
    cld
    pushq %r11
    pushq %rax
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %r8
    pushq %r9
    pushq %r10
    subq $8, %rsp                   /* 10 quadwords below a 64-aligned top */
    movq %rax, %rdi
    call libos_fast_leaf
    addq $8, %rsp
    popq %r10
    popq %r9
    popq %r8
    popq %rdx
    popq %rsi
    popq %rdi
    movabsq $FAST_LEAF_NONE, %rcx
    cmpq %rcx, %rax
    je 3f
    addq $8, %rsp                   /* the number */
    popq %r11                       /* app rsp - 136, -> the site's quadwords */
    movq (%r11), %rcx
    pushq 8(%rcx)
    popq (%r11)                     /* ret $128 goes on to the continuation */
    movq (%rcx), %rcx               /* rcx = the rip after the syscall, as the kernel leaves it */
    popfq                           /* no flag changes from here on */
    movq %r11, %rsp
    movq %gs:16, %r11
    movq -8(%r11), %r11             /* r11 = rflags, as the kernel leaves it */
    movb $1, %gs:8                  /* selector = intercept */
    ret $128
3:  popq %rax
    popq %r11
    popfq
    movq %r11, %rsp

    /* ---- the full path ---- */
    movq %rsp, %r11                 /* app rsp - 136 */
    movq %gs:16, %rsp               /* the LibOS stack, 64-aligned */
    /* rsp -= the frame's size (sized for this CPU at boot), without
     * touching the flags the context is about to take: ~size + 1 = -size */
    movq pal_fast_frame_size(%rip), %rcx
    notq %rcx
    leaq 1(%rsp,%rcx), %rsp
    movq %r8, G_R8(%rsp)
    movq %r9, G_R9(%rsp)
    movq %r10, G_R10(%rsp)
    movq %r12, G_R12(%rsp)
    movq %r13, G_R13(%rsp)
    movq %r14, G_R14(%rsp)
    movq %r15, G_R15(%rsp)
    movq %rdi, G_RDI(%rsp)
    movq %rsi, G_RSI(%rsp)
    movq %rbp, G_RBP(%rsp)
    movq %rbx, G_RBX(%rsp)
    movq %rdx, G_RDX(%rsp)
    movq %rax, G_RAX(%rsp)
    leaq 136(%r11), %rcx
    movq %rcx, G_RSP(%rsp)
    movq (%r11), %rcx               /* -> the trampoline's return-rip quad */
    movq %rcx, FAST_SITE(%rsp)
    movq (%rcx), %rcx
    movq %rcx, G_RIP(%rsp)
    movq %rcx, G_RCX(%rsp)
    pushfq
    popq %rcx
    movq %rcx, G_EFL(%rsp)
    movq %rcx, G_R11(%rsp)
    movabsq $0x002b000000000033, %rcx /* ss 0x2b, cs 0x33 */
    movq %rcx, G_CSGSFS(%rsp)
    cld
    /* extended state: a clean XSAVE header first (xrstor checks it) */
    leaq FAST_XSAVE(%rsp), %rdi
    movq %rdi, FAST_FPREGS_PTR(%rsp)
    xorl %eax, %eax
    movq %rax, 512(%rdi)
    movq %rax, 520(%rdi)
    movq %rax, 528(%rdi)
    movq %rax, 536(%rdi)
    movq %rax, 544(%rdi)
    movq %rax, 552(%rdi)
    movq %rax, 560(%rdi)
    movq %rax, 568(%rdi)
    cmpb $0, pal_fast_manual_vectors(%rip)
    jne 5f
    movq pal_fast_xsave_mask(%rip), %rax /* what the application may use */
    movq %rax, FAST_XMASK(%rsp)     /* xrstor takes the same */
    movq %rax, %rdx
    shrq $32, %rdx
    xsaveopt64 (%rdi)
    jmp 6f
5:  /* Only what LibOS code can change (fast.c, "manual vectors"): MXCSR
     * and xmm0-15 always, the AVX upper halves when XINUSE says they are
     * live; XSTATE_BV says which. The x87 and PKRU state stay in the CPU
     * until pal_uc_fpstate needs them. XMASK 0: this frame is partial. */
    movq $0, FAST_XMASK(%rsp)
    stmxcsr 24(%rdi)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    movdqa %xmm\n, 160+16*\n(%rdi)
    .endr
    movq $2, 512(%rdi)              /* SSE */
    cmpb $0, pal_fast_has_avx(%rip)
    je 6f
    movl $1, %ecx
    xgetbv                          /* XINUSE */
    testl $4, %eax
    jz 6f
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    vextractf128 $1, %ymm\n, 576+16*\n(%rdi)
    .endr
    movq $6, 512(%rdi)              /* SSE and AVX */
6:  ldmxcsr mxcsr_default_fast(%rip)
    /* the trap frame: the app's %fs, "from the application" */
    rdfsbase %rcx
    movq %rcx, 0(%rsp)
    movq $1, 8(%rsp)
    movq %gs:0, %rcx
    wrfsbase %rcx                   /* the LibOS's TLS from here on */
    leaq FAST_UC(%rsp), %rdi
    movq %rsp, %rsi
    call pal_fast_syscall_c
    movl %eax, %r10d                /* 1: the application's stack is gone */

    /* ---- back to the application, from the ucontext ---- */
    leaq FAST_XSAVE(%rsp), %rdi
    movl FAST_XMASK(%rsp), %eax
    movl FAST_XMASK+4(%rsp), %edx
    movl %eax, %ecx
    orl %edx, %ecx
    jz 7f
    xrstor64 (%rdi)
    jmp 9f
7:  /* a partial frame: what it holds back, the rest never left the CPU */
    testb $4, 512(%rdi)
    jz 8f
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    vmovdqa 160+16*\n(%rdi), %xmm\n
    vinsertf128 $1, 576+16*\n(%rdi), %ymm\n, %ymm\n
    .endr
    jmp 10f
8:  cmpb $0, pal_fast_has_avx(%rip)
    je 11f
    vzeroupper                      /* LibOS code's upper halves: the application's were clean */
11:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    movdqa 160+16*\n(%rdi), %xmm\n
    .endr
10: ldmxcsr 24(%rdi)
9:
    testl %r10d, %r10d
    jnz 2f
    movq G_EFL(%rsp), %rcx
    pushq %rcx
    popfq
    movq G_RSP(%rsp), %r11
    movq G_RIP(%rsp), %rcx
    /* checked writable, but another thread may unmap it meanwhile: a
     * fault here goes to the exit without a stack (trap_entry.S's table) */
    .globl pal_fast_exit_store1, pal_fast_exit_store2, pal_fast_exit_store3
pal_fast_exit_store1:
    movq %rcx, -136(%r11)
    movq G_RCX(%rsp), %rcx
pal_fast_exit_store2:
    movq %rcx, -144(%r11)
    movq G_R11(%rsp), %rcx
pal_fast_exit_store3:
    movq %rcx, -152(%r11)
    movq 0(%rsp), %rcx
    wrfsbase %rcx                   /* no C runs after this */
    movq G_R8(%rsp), %r8
    movq G_R9(%rsp), %r9
    movq G_R10(%rsp), %r10
    movq G_R12(%rsp), %r12
    movq G_R13(%rsp), %r13
    movq G_R14(%rsp), %r14
    movq G_R15(%rsp), %r15
    movq G_RDI(%rsp), %rdi
    movq G_RSI(%rsp), %rsi
    movq G_RBP(%rsp), %rbp
    movq G_RBX(%rsp), %rbx
    movq G_RDX(%rsp), %rdx
    movq G_RAX(%rsp), %rax
    leaq -152(%r11), %rsp           /* the application's stack */
    popq %r11
    popq %rcx
    movb $1, %gs:8                  /* selector = intercept */
    ret $128

    .globl pal_fast_exit_nostack
pal_fast_exit_nostack:
2:  /* No stack to leave the target on: jump through tcb->resume_rip.
     * (A signal handler could reuse resume_rip only by running on that
     * same missing stack, so this path cannot be overwritten.) */
    movq G_EFL(%rsp), %rcx
    pushq %rcx
    popfq
    movq G_RIP(%rsp), %rcx
    movq %rcx, %gs:24
    movq 0(%rsp), %rcx
    wrfsbase %rcx                   /* no C runs after this */
    movq G_R8(%rsp), %r8
    movq G_R9(%rsp), %r9
    movq G_R10(%rsp), %r10
    movq G_R11(%rsp), %r11
    movq G_R12(%rsp), %r12
    movq G_R13(%rsp), %r13
    movq G_R14(%rsp), %r14
    movq G_R15(%rsp), %r15
    movq G_RDI(%rsp), %rdi
    movq G_RSI(%rsp), %rsi
    movq G_RBP(%rsp), %rbp
    movq G_RBX(%rsp), %rbx
    movq G_RDX(%rsp), %rdx
    movq G_RAX(%rsp), %rax
    movq G_RCX(%rsp), %rcx
    movq G_RSP(%rsp), %rsp
    movb $1, %gs:8                  /* selector = intercept */
    jmpq *%gs:24
    .size pal_fast_syscall_entry, .-pal_fast_syscall_entry

    .section .rodata
mxcsr_default_fast:
    .long 0x1f80

    .section .note.GNU-stack, "", @progbits

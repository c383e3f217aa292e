/*
 * trap_entry: the first instructions of every host signal the LibOS
 * handles (SIGSYS from Syscall User Dispatch, and the fault signals), and
 * the jump into application code.
 *
 * A trap can arrive while the application's %fs base is live and the
 * selector says "intercept", so no C may run before we switch %fs to the
 * LibOS thread's own TLS and flip the selector to "allow". Both values
 * of the interrupted context are saved on this (alternate) signal stack,
 * which makes nested traps safe, and restored on the way out.
 *
 * struct pal_tcb (found through %gs): 0 libos_fsbase, 8 selector,
 * 40 interrupt_sent.
 */
    .text
    .globl pal_trap_entry
    .type pal_trap_entry, @function
pal_trap_entry:
    /* rdi = sig, rsi = siginfo, rdx = ucontext; %rsp = 8 mod 16 */
    rdgsbase %rax
    test %rax, %rax
    jz 1f
    movzbl 8(%rax), %ecx
    movb $0, 8(%rax)            /* selector = allow */
    cmpl $64, %edi              /* PAL_INTERRUPT_SIGNAL: the next one may be sent */
    jne 2f
    xorl %r8d, %r8d
    xchgl %r8d, 40(%rax)        /* tcb->interrupt_sent = 0, a full barrier */
2:  rdfsbase %r8
    pushq %rcx                  /* frame.selector */
    pushq %r8                   /* frame.fsbase */
    movq 0(%rax), %r9
    wrfsbase %r9                /* the LibOS's TLS from here on */
    movq %rsp, %rcx             /* 4th arg: struct pal_trap_frame * */
    subq $8, %rsp               /* realign to 16 */
    call libos_trap_handler
    addq $8, %rsp
    popq %r8
    popq %rcx
    wrfsbase %r8
    rdgsbase %rax
    movb %cl, 8(%rax)           /* selector back as it was */
    ret                         /* into pal_sud_restorer */
1:  /* a host thread without a tcb: no switching to do */
    xorl %ecx, %ecx
    subq $8, %rsp
    call libos_trap_handler
    addq $8, %rsp
    ret
    .globl pal_trap_entry_end
pal_trap_entry_end:
    .size pal_trap_entry, .-pal_trap_entry

/*
 * pal_enter_user(tcb=rdi, regs=rsi): struct pal_user_regs is 18 quadwords:
 * r8..r15 at 0..56, rdi 64, rsi 72, rbp 80, rbx 88, rdx 96, rax 104,
 * rcx 112, rsp 120, rip 128, fsbase 136.
 *
 * Every general register is the application's by the final jump, so the
 * target goes on the application's stack below its red zone (at rsp-136,
 * where a signal frame could go too) and `ret $128` takes it from there
 * and leaves %rsp exactly at the application's value.
 */
    .globl pal_enter_user
    .type pal_enter_user, @function
pal_enter_user:
    movq 120(%rsi), %r11        /* the application's rsp */
    movq 128(%rsi), %rax
1:  movq %rax, -136(%r11)       /* rip, for ret $128 */
    movq 112(%rsi), %rax
2:  movq %rax, -144(%r11)       /* rcx, popped last */
    movq 24(%rsi), %rax
3:  movq %rax, -152(%r11)       /* r11 */
    movq 136(%rsi), %rax
    wrfsbase %rax               /* no C runs after this */
    fninit
    ldmxcsr mxcsr_default(%rip)
    movq 0(%rsi), %r8
    movq 8(%rsi), %r9
    movq 16(%rsi), %r10
    movq 32(%rsi), %r12
    movq 40(%rsi), %r13
    movq 48(%rsi), %r14
    movq 56(%rsi), %r15
    movq 80(%rsi), %rbp
    movq 88(%rsi), %rbx
    movq 96(%rsi), %rdx
    movq 104(%rsi), %rax
    movq 64(%rsi), %rdi
    movq 72(%rsi), %rsi
    leaq -152(%r11), %rsp       /* the application's stack, below its red zone */
    popq %r11
    popq %rcx
    movb $1, %gs:8              /* selector = intercept: no syscall after this */
    ret $128

4:  /* The application's stack is not writable (clone with a bad stack
     * pointer, or unmapped by another thread): enter through
     * tcb->resume_rip instead, and let the application fault on its
     * stack as it would on Linux. */
    movq 128(%rsi), %rax
    movq %rax, %gs:24
    movq 136(%rsi), %rax
    wrfsbase %rax               /* no C runs after this */
    fninit
    ldmxcsr mxcsr_default(%rip)
    movq 0(%rsi), %r8
    movq 8(%rsi), %r9
    movq 16(%rsi), %r10
    movq 24(%rsi), %r11
    movq 32(%rsi), %r12
    movq 40(%rsi), %r13
    movq 48(%rsi), %r14
    movq 56(%rsi), %r15
    movq 80(%rsi), %rbp
    movq 88(%rsi), %rbx
    movq 96(%rsi), %rdx
    movq 104(%rsi), %rax
    movq 112(%rsi), %rcx
    movq 64(%rsi), %rdi
    movq 120(%rsi), %rsp
    movq 72(%rsi), %rsi
    movb $1, %gs:8              /* selector = intercept */
    jmpq *%gs:24
    .size pal_enter_user, .-pal_enter_user

/* The PAL's exception table (pal_fault_fixup): writes to the
 * application's stack that a fault may stop, and where to go then. */
    .section .data.rel.ro, "aw"
    .balign 8
    .globl pal_fault_fixups
    .globl pal_nfault_fixups
pal_fault_fixups:
    .quad 1b, 4b
    .quad 2b, 4b
    .quad 3b, 4b
    .quad pal_fast_exit_store1, pal_fast_exit_nostack
    .quad pal_fast_exit_store2, pal_fast_exit_nostack
    .quad pal_fast_exit_store3, pal_fast_exit_nostack
pal_nfault_fixups:
    .quad (pal_nfault_fixups - pal_fault_fixups) / 16
    .text

    .section .rodata
mxcsr_default:
    .long 0x1f80
    .text

/*
 * The only code whose system calls are never intercepted: the signal
 * return. The kernel compares the address after the `syscall` with this
 * section's bounds, so the section ends past it.
 */
    .section occlum_sud_allowed, "ax", @progbits
    .globl pal_sud_restorer
    .type pal_sud_restorer, @function
pal_sud_restorer:
    movl $15, %eax              /* rt_sigreturn */
    syscall
    ud2
    .size pal_sud_restorer, .-pal_sud_restorer

    .section .note.GNU-stack, "", @progbits

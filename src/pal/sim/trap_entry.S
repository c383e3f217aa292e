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
 * struct pal_tcb (found through %gs): 0 libos_fsbase, 8 selector.
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
    rdfsbase %r8
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
    .size pal_trap_entry, .-pal_trap_entry

/* pal_enter_user(tcb=rdi, rip=rsi, rsp=rdx, fsbase=rcx) */
    .globl pal_enter_user
    .type pal_enter_user, @function
pal_enter_user:
    movq %rsi, %r11
    wrfsbase %rcx
    movq %rdx, %rsp
    movb $1, 8(%rdi)            /* selector = intercept: no syscall after this */
    fninit
    pushq $0x1f80
    ldmxcsr (%rsp)
    addq $8, %rsp
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx             /* rdx = 0: no atexit function for _start */
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    jmp *%r11
    .size pal_enter_user, .-pal_enter_user

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

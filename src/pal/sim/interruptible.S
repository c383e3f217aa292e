/*
 * interruptible: the host system call behind pal_futex_interruptible and
 * pal_nanosleep_interruptible, which a pal_thread_interrupt cannot slip
 * past (the technique of musl's cancellation points).
 *
 * pal_syscall_interruptible(cancel=rdi, nr=rsi, a1=rdx, a2=rcx, a3=r8,
 * a4=r9, a5=8(%rsp), a6=16(%rsp)) returns -EINTR without calling the host
 * when *cancel (a uint32_t) is non-zero. An interrupt whose handler finds
 * the thread between the check and the `syscall` (pal_interrupt_fixup)
 * moves it to the -EINTR exit; one arriving later makes the host call
 * itself return -EINTR (the handlers have no SA_RESTART).
 */
    .text
    .globl pal_syscall_interruptible
    .hidden pal_syscall_interruptible
    .type pal_syscall_interruptible, @function
pal_syscall_interruptible:
    movq %rsi, %rax
    movq %rdi, %r11
    movq %rdx, %rdi
    movq %rcx, %rsi
    movq %r8, %rdx
    movq %r9, %r10
    movq 8(%rsp), %r8
    movq 16(%rsp), %r9
    .globl pal_interruptible_check
    .hidden pal_interruptible_check
pal_interruptible_check:
    cmpl $0, (%r11)
    jne pal_interruptible_cancel
    syscall
    .globl pal_interruptible_done
    .hidden pal_interruptible_done
pal_interruptible_done:
    ret
    .globl pal_interruptible_cancel
    .hidden pal_interruptible_cancel
pal_interruptible_cancel:
    movq $-4, %rax              /* -EINTR */
    ret
    .size pal_syscall_interruptible, .-pal_syscall_interruptible

    .section .note.GNU-stack, "", @progbits

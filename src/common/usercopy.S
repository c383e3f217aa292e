/*
 * usercopy: the only instructions of the LibOS that touch application
 * memory, each listed in an exception table (Linux's idea): a fault on
 * one of them is not a LibOS bug but an address the application unmapped
 * or protected under a system call (another thread's munmap while this
 * one slept in a read). The trap handler (entry/trap.c) then resumes at
 * the instruction's fixup, and the copy reports how much it did not do.
 *
 * Callers check the range against the process's areas first (vm_check):
 * a pointer into LibOS memory is mapped on the host but must still be
 * EFAULT, which no fault would say.
 *
 * In src/common because the file-system code that copies into the
 * application's buffers (src/image's sefs reader, ramfs, the writable
 * layer) also runs in host tools (occlum build, occlum mount), where these
 * are plain copies.
 */
    .text

/* size_t uaccess_copy(void *dst, const void *src, size_t len):
 * 0, or the number of bytes left uncopied at the fault. */
    .globl uaccess_copy
    .type uaccess_copy, @function
uaccess_copy:
    movq %rdx, %rcx
1:  rep movsb
    xorl %eax, %eax
    ret
2:  movq %rcx, %rax                 /* rep movsb leaves what is left in rcx */
    ret
    .size uaccess_copy, .-uaccess_copy

/* size_t uaccess_zero(void *dst, size_t len): the same, for memset 0. */
    .globl uaccess_zero
    .type uaccess_zero, @function
uaccess_zero:
    movq %rsi, %rcx
    xorl %eax, %eax
3:  rep stosb
    ret                             /* rax is 0 */
4:  movq %rcx, %rax
    ret
    .size uaccess_zero, .-uaccess_zero

/* long uaccess_strncpy(char *dst, const char *src, size_t max): the
 * length of the string copied with its NUL, -2 when max bytes hold no
 * NUL, -1 at a fault. */
    .globl uaccess_strncpy
    .type uaccess_strncpy, @function
uaccess_strncpy:
    xorl %eax, %eax
5:  cmpq %rdx, %rax
    jae 7f
6:  movzbl (%rsi,%rax), %ecx
    movb %cl, (%rdi,%rax)
    testb %cl, %cl
    jz 8f
    incq %rax
    jmp 5b
7:  movq $-2, %rax
8:  ret
9:  movq $-1, %rax
    ret
    .size uaccess_strncpy, .-uaccess_strncpy

/* long uaccess_strnlen(const char *src, size_t max): the length of the
 * string, -2 when max bytes hold no NUL, -1 at a fault. */
    .globl uaccess_strnlen
    .type uaccess_strnlen, @function
uaccess_strnlen:
    xorl %eax, %eax
12: cmpq %rsi, %rax
    jae 14f
13: cmpb $0, (%rdi,%rax)
    je 15f
    incq %rax
    jmp 12b
14: movq $-2, %rax
15: ret
16: movq $-1, %rax
    ret
    .size uaccess_strnlen, .-uaccess_strnlen

/* int uaccess_store32(uint32_t *dst, uint32_t v): one atomic store (a
 * futex word: clear_child_tid), 0 or 1 at a fault. */
    .globl uaccess_store32
    .type uaccess_store32, @function
uaccess_store32:
    xorl %eax, %eax
10: xchgl %esi, (%rdi)
    ret
11: movl $1, %eax
    ret
    .size uaccess_store32, .-uaccess_store32

/* int uaccess_load32(const uint32_t *src, uint32_t *out): one atomic
 * load of a futex word; 0, or 1 at a fault. */
    .globl uaccess_load32
    .type uaccess_load32, @function
uaccess_load32:
17: movl (%rdi), %eax
    movl %eax, (%rsi)
    xorl %eax, %eax
    ret
18: movl $1, %eax
    ret
    .size uaccess_load32, .-uaccess_load32

/* int uaccess_cmpxchg32(uint32_t *p, uint32_t *expected, uint32_t v):
 * lock cmpxchg; 0 when *p held *expected (it holds v now), 1 when it
 * held something else (*expected gets it), -1 at a fault. */
    .globl uaccess_cmpxchg32
    .type uaccess_cmpxchg32, @function
uaccess_cmpxchg32:
    movl (%rsi), %eax
19: lock cmpxchgl %edx, (%rdi)
    jne 20f
    xorl %eax, %eax
    ret
20: movl %eax, (%rsi)
    movl $1, %eax
    ret
21: movl $-1, %eax
    ret
    .size uaccess_cmpxchg32, .-uaccess_cmpxchg32

    .section .data.rel.ro, "aw"
    .balign 8
    .globl uaccess_fixups
    .globl uaccess_nfixups
/* pairs: the faulting instruction, where to resume */
uaccess_fixups:
    .quad 1b, 2b
    .quad 3b, 4b
    .quad 6b, 9b
    .quad 10b, 11b
    .quad 13b, 16b
    .quad 17b, 18b
    .quad 19b, 21b
uaccess_nfixups:
    .quad (uaccess_nfixups - uaccess_fixups) / 16

    .section .note.GNU-stack, "", @progbits

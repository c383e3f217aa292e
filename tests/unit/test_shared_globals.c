/* unit-sources: src/pal/sim/shared_globals.c -Wl,-T,src/pal/sim/libos_shared.ld */
/*
 * test_shared_globals: the LibOS core's globals are shared by host
 * processes forked from the runtime (pal/sim/shared_globals.c, through the
 * linker script the runtime is linked with). The globals here are placed
 * in .libos_data/.libos_bss, the sections the Makefile's objcopy makes of
 * every src/libos object's .data and .bss: after pal_share_globals() and a
 * host fork, the child's writes to them are seen by the parent, their
 * values from before the remap are kept, and ordinary and LIBOS_PRIVATE
 * globals stay private per process.
 */
#include "pal/pal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

extern char __libos_shared_start[], __libos_shared_end[];

__attribute__((section(".libos_data"))) int shared_counter = 7;
__attribute__((section(".libos_data"))) char shared_name[64] = "before";
__attribute__((section(".libos_bss"))) char shared_big[3 * 4096];
int host_global = 5;
LIBOS_PRIVATE int private_fd = 3;

static void test_range(void **state)
{
    assert_int_equal((uintptr_t)__libos_shared_start % 4096, 0);
    assert_int_equal((uintptr_t)__libos_shared_end % 4096, 0);
    char *vars[] = {(char *)&shared_counter, shared_name, shared_big,
                    shared_big + sizeof(shared_big) - 1};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        assert_true(vars[i] >= __libos_shared_start && vars[i] < __libos_shared_end);
    assert_false((char *)&host_global >= __libos_shared_start &&
                 (char *)&host_global < __libos_shared_end);
    assert_false((char *)&private_fd >= __libos_shared_start &&
                 (char *)&private_fd < __libos_shared_end);
}

static void test_fork_sees_child_writes(void **state)
{
    shared_big[5000] = 'x';
    assert_int_equal(pal_share_globals(), 0);
    /* what was there before the remap is kept */
    assert_int_equal(shared_counter, 7);
    assert_string_equal(shared_name, "before");
    assert_int_equal(shared_big[5000], 'x');
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        shared_counter = 42;
        strcpy(shared_name, "written by the child");
        shared_big[sizeof(shared_big) - 1] = 'z';
        host_global = 6;
        private_fd = 4;
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(shared_counter, 42);
    assert_string_equal(shared_name, "written by the child");
    assert_int_equal(shared_big[sizeof(shared_big) - 1], 'z');
    assert_int_equal(host_global, 5);
    assert_int_equal(private_fd, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_fork_sees_child_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

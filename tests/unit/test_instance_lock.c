/* unit-sources: src/common/instance_lock.c */
/*
 * test_instance_lock: the instance lock (src/common/instance_lock.c): the
 * first holder gets it (run/ made on the way), a second is refused with
 * one line naming the first (run, start, or mount with its directory and
 * the unmount command), and the lock is free again once the holder's fd
 * is closed. flock locks belong to open file descriptions, so one process
 * can play both sides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/instance_lock.h"

static char dir[64];

static int setup(void **state)
{
    int n = snprintf(dir, sizeof(dir), "/tmp/test_instance_lock.");
    memset(dir + n, 'X', 6); /* mkdtemp's template suffix */
    dir[n + 6] = '\0';
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_exclusive(void **state)
{
    char err[512], want[256];
    int fd = instance_lock_take(dir, "run", NULL, err, sizeof(err));
    assert_true(fd >= 0);
    struct stat st;
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, INSTANCE_LOCK_PATH);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(instance_lock_take(dir, "mount", "/mnt/x", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "in use by 'occlum run' (pid %ld)", (long)getpid());
    assert_non_null(strstr(err, want));
    assert_null(strchr(err, '\n'));
    close(fd);
    fd = instance_lock_take(dir, "start", NULL, err, sizeof(err));
    assert_true(fd >= 0);
    assert_int_equal(instance_lock_take(dir, "run", NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'occlum start'"));
    assert_non_null(strstr(err, "occlum stop"));
    close(fd);
}

/* A mount whose directory is still mounted (here "/": always) is not
 * waited for: the refusal names it and says how to unmount it. */
static void test_mount_holder(void **state)
{
    char err[512];
    int fd = instance_lock_take(dir, "mount", "/", err, sizeof(err));
    assert_true(fd >= 0);
    assert_int_equal(instance_lock_take(dir, "run", NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'occlum mount'"));
    assert_non_null(strstr(err, "unmount /"));
    assert_non_null(strstr(err, "fusermount3 -u /"));
    close(fd);
    fd = instance_lock_take(dir, "run", NULL, err, sizeof(err));
    assert_true(fd >= 0);
    close(fd);
}

static void test_no_instance(void **state)
{
    char err[512];
    assert_int_equal(instance_lock_take("/nonexistent/instance", "run", NULL, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "/nonexistent/instance/run"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exclusive),
        cmocka_unit_test(test_mount_holder),
        cmocka_unit_test(test_no_instance),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

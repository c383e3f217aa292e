/* unit-sources: src/pal/sim/handles.c */
/*
 * test_handles: host fds by handle across host processes (the sim PAL's
 * handles.c): a handle opened before a host fork works in the child as
 * its inherited copy; one opened after the fork by the parent is fetched
 * by the child from its owner (pidfd_getfd) and names the same open file
 * description (a shared offset); a handle the child closes is closed in
 * the parent too (through its queue), and a slot reused after a close
 * never gives a stale file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pal/sim/handles.h"

/* A pipe whose read end is wrapped as a handle; the write end stays raw. */
static int pipe_handle(int *wfd)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    *wfd = p[1];
    int h = handle_new(p[0]);
    assert_true(h >= 3);
    return h;
}

static void test_local_use_and_close(void **state)
{
    (void)state;
    int w;
    int h = pipe_handle(&w);
    int fd = handle_fd(h);
    assert_true(fd >= 0);
    assert_int_equal(write(w, "x", 1), 1);
    char c;
    assert_int_equal(read(fd, &c, 1), 1);
    assert_int_equal(handle_close(h), 0);
    assert_int_equal(handle_fd(h), -EBADF);
    assert_int_equal(handle_close(h), -EBADF);
    assert_int_equal(fcntl(fd, F_GETFD), -1); /* the host fd is gone */
    assert_int_equal(handle_fd(-1), -EBADF);
    assert_int_equal(handle_fd(1 << 30), -EBADF);
    assert_int_equal(handle_new(-ENOENT), -ENOENT);
    close(w);
}

/* A host fork whose child becomes a host of the instance, as pal_as_fork
 * makes one: the child's 0, or the parent's child pid. */
static pid_t fork_host(void)
{
    int idx = handle_host_reserve();
    assert_true(idx > 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) handle_host_become(idx);
    return pid;
}

/* Run fn in a host-forked child that becomes a host of the instance;
 * returns the child's exit status. */
static int in_child(int (*fn)(void *), void *arg)
{
    pid_t pid = fork_host();
    if (pid == 0) {
        int r = fn(arg);
        handle_host_exiting();
        _exit(r);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

struct across {
    int before, after;  /* handles */
    int go[2], done[2]; /* raw pipes to step parent and child */
};

static int child_reads_both(void *arg)
{
    struct across *a = arg;
    /* the parent opened `after` after the fork: it sends its number */
    if (read(a->go[0], &a->after, sizeof(a->after)) != sizeof(a->after)) return 10;
    int f1 = handle_fd(a->before), f2 = handle_fd(a->after);
    if (f1 < 0 || f2 < 0) return 11;
    char buf[4] = {0};
    if (pread(f1, buf, 3, 0) != 3 || memcmp(buf, "one", 3) != 0) return 12;
    /* the same open file description as the parent's: the offset moves */
    if (read(f2, buf, 3) != 3 || memcmp(buf, "two", 3) != 0) return 13;
    if (handle_close(a->after) != 0) return 14;
    if (handle_fd(a->after) != -EBADF) return 15;
    return write(a->done[1], "d", 1) == 1 ? 0 : 16;
}

/* An anonymous file holding text, its offset at 0. */
static int file_with(const char *text)
{
    int fd = memfd_create("test_handles", 0);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static void test_across_host_fork(void **state)
{
    (void)state;
    struct across a;
    assert_int_equal(pipe(a.go), 0);
    assert_int_equal(pipe(a.done), 0);
    a.before = handle_new(file_with("one"));
    assert_true(a.before >= 0);
    pid_t pid = fork_host();
    if (pid == 0) {
        close(a.done[0]);
        _exit(child_reads_both(&a));
    }
    close(a.done[1]); /* a child that fails early ends our read */
    /* opened after the fork: the child must fetch it from us */
    a.after = handle_new(file_with("twothree"));
    assert_true(a.after >= 0);
    int parent_fd = handle_fd(a.after);
    assert_int_equal(write(a.go[1], &a.after, sizeof(a.after)), sizeof(a.after));
    char c = 0;
    ssize_t n = read(a.done[0], &c, 1);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(n, 1);
    assert_int_equal(lseek(parent_fd, 0, SEEK_CUR), 3); /* the child's read moved it */
    /* the child closed the handle: our next host call closes our fd */
    assert_int_equal(handle_fd(a.after), -EBADF);
    assert_int_equal(fcntl(parent_fd, F_GETFD), -1);
    assert_int_equal(handle_close(a.before), 0);
    close(a.go[0]);
    close(a.go[1]);
    close(a.done[0]);
}

static int child_checks_reused(void *arg)
{
    int *h = arg;
    int fd = handle_fd(*h);
    if (fd < 0) return 20;
    char buf[8] = {0};
    if (pread(fd, buf, 5, 0) != 5) return 21;
    return memcmp(buf, "fresh", 5) == 0 ? 0 : 22;
}

static void test_reused_slot_is_never_stale(void **state)
{
    (void)state;
    /* The child inherits a copy of h; we close h and reuse slots until one
     * comes back with h's number: the child must see the new file. */
    int h = handle_new(file_with("stale"));
    assert_true(h >= 0);
    pid_t pid = fork_host();
    if (pid == 0) {
        int r = 0;
        for (int i = 0; i < 5000; i++) { /* until the parent reused the slot */
            r = child_checks_reused(&h);
            if (r == 0) break;
            usleep(1000);
        }
        handle_host_exiting();
        _exit(r);
    }
    assert_int_equal(handle_close(h), 0);
    int fresh = file_with("fresh"), got = -1;
    /* handle_new goes on from where it stopped: walk until h comes back */
    for (int i = 0; i < 70000 && got != h; i++) {
        int x = handle_new(dup(fresh));
        assert_true(x >= 0);
        if (x == h)
            got = x;
        else
            assert_int_equal(handle_close(x), 0);
    }
    close(fresh);
    assert_int_equal(got, h);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(handle_close(h), 0);
}

/* A host child opens a memfd holding text, sends its handle, and waits for
 * a byte before it ends. */
struct opener {
    const char *text;
    int out[2], go[2];
};

static int child_opens_and_waits(void *arg)
{
    struct opener *o = arg;
    int fd = memfd_create("test_handles_reuse", 0);
    if (fd < 0) return 91;
    if (write(fd, o->text, strlen(o->text)) != (ssize_t)strlen(o->text)) return 92;
    int h = handle_new(fd);
    if (h < 0) return 93;
    if (write(o->out[1], &h, sizeof(h)) != sizeof(h)) return 94;
    char c;
    return read(o->go[0], &c, 1) == 1 ? 0 : 95;
}

/* Fetch from a host child holding text; its handle's content must be it. */
static void fetch_from_child(const char *text)
{
    struct opener o = {.text = text};
    assert_int_equal(pipe(o.out), 0);
    assert_int_equal(pipe(o.go), 0);
    pid_t pid = fork_host();
    if (pid == 0) {
        int r = child_opens_and_waits(&o);
        handle_host_exiting();
        _exit(r);
    }
    int h = -1;
    assert_int_equal(read(o.out[0], &h, sizeof(h)), sizeof(h));
    int fd = handle_fd(h); /* from the child, through a pidfd of its index */
    assert_true(fd >= 0);
    char buf[16] = {0};
    assert_int_equal(pread(fd, buf, strlen(text), 0), (ssize_t)strlen(text));
    assert_string_equal(buf, text);
    assert_int_equal(handle_close(h), 0);
    assert_int_equal(write(o.go[1], "g", 1), 1);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    for (int i = 0; i < 2; i++) {
        close(o.out[i]);
        close(o.go[i]);
    }
}

/* The next forked host process takes the index of one that ended: a
 * handle of the new one is fetched from it, not through a pidfd of the
 * old one kept from before (which gave EBADF). */
static void test_reused_host_index(void **state)
{
    (void)state;
    fetch_from_child("first");
    fetch_from_child("second");
}

/* Host processes reported as ended without handle_host_exiting. */
static int lost_pids[64];
static int n_lost;

static void record_lost(int pid)
{
    if (n_lost < 64) lost_pids[__atomic_fetch_add(&n_lost, 1, __ATOMIC_SEQ_CST)] = pid;
}

/* A forked host process opens a file and ends: the root takes it over. */
static int child_opens_and_ends(void *arg)
{
    int *out = arg;
    int fd = memfd_create("test_handles_adopt", 0);
    if (fd < 0) return 81;
    if (write(fd, "kept", 4) != 4) return 82;
    int h = handle_new(fd);
    if (h < 0) return 83;
    if (write(out[1], &h, sizeof(h)) != sizeof(h)) return 84;
    return 0; /* in_child ends it with handle_host_exiting */
}

static void test_adopted_when_owner_ends(void **state)
{
    (void)state;
    assert_int_equal(handle_adopter_start(record_lost), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(in_child(child_opens_and_ends, p), 0);
    int h = -1;
    assert_int_equal(read(p[0], &h, sizeof(h)), sizeof(h));
    int fd = handle_fd(h); /* its owner is gone: the root has it now */
    assert_true(fd >= 0);
    char buf[4];
    assert_int_equal(pread(fd, buf, 4, 0), 4);
    assert_memory_equal(buf, "kept", 4);
    assert_int_equal(handle_close(h), 0);
    close(p[0]);
    close(p[1]);
}

/* A host process that ends without the LibOS (killed) is reported, and the
 * handles it owned are closed (never its index's next holder's fds). */
static void test_lost_host_reported(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork_host();
    if (pid == 0) {
        int h = handle_new(memfd_create("test_handles_lost", 0));
        if (write(p[1], &h, sizeof(h)) != sizeof(h)) _exit(1);
        pause(); /* killed */
    }
    int h = -1;
    assert_int_equal(read(p[0], &h, sizeof(h)), sizeof(h));
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) { /* the watch looks every second at most */
        for (int k = 0; k < __atomic_load_n(&n_lost, __ATOMIC_SEQ_CST) && !seen; k++)
            seen = lost_pids[k] == pid;
        if (!seen) usleep(50000);
    }
    assert_true(seen);
    assert_int_equal(handle_fd(h), -EBADF);
    close(p[0]);
    close(p[1]);
}

static int child_sees_stdio(void *arg)
{
    (void)arg;
    return handle_fd(0) == 0 && handle_fd(1) == 1 && handle_fd(2) == 2 ? 0 : 40;
}

static void test_stdio_handles(void **state)
{
    (void)state;
    assert_int_equal(handle_fd(1), 1);
    assert_int_equal(in_child(child_sees_stdio, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_use_and_close),
        cmocka_unit_test(test_across_host_fork),
        cmocka_unit_test(test_reused_slot_is_never_stale),
        cmocka_unit_test(test_stdio_handles),
        cmocka_unit_test(test_reused_host_index),
        cmocka_unit_test(test_adopted_when_owner_ends),
        cmocka_unit_test(test_lost_host_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

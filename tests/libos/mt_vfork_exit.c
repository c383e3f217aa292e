/* mt_vfork_exit: vfork: shared memory, parent suspended until _exit, exit status. */
#define _GNU_SOURCE
#include "mt_util.h"

static volatile pid_t child_seen_pid;
static volatile int child_wrote;

int main(void)
{
    pid_t parent = getpid();
    double t0 = mt_now_ms();
    pid_t pid = vfork();
    if (pid == 0) {
        child_seen_pid = getpid();
        child_wrote = (getppid() == parent) ? 1 : 2;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL); /* the parent stays suspended meanwhile */
        _exit(42);
    }
    double t1 = mt_now_ms();
    CHECK(pid > 0);
    CHECK(t1 - t0 >= 45); /* resumed only after the child's _exit */
    CHECK_EQ(child_seen_pid, pid);
    CHECK_EQ(child_wrote, 1); /* the child's write is visible: same memory */
    CHECK(pid != parent);
    CHECK_EQ(getpid(), parent);
    MT_WAIT_EXIT(pid, 42);

    /* several in a row, each with its own status */
    for (int i = 0; i < 20; i++) {
        pid = vfork();
        if (pid == 0) _exit(i + 100);
        CHECK(pid > 0);
        MT_WAIT_EXIT(pid, i + 100);
    }
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return 0;
}

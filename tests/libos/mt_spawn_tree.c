/* mt_spawn_tree: 3-level posix_spawn tree: getppid at each level, exit codes propagate. */
#define _GNU_SOURCE
#include "mt_util.h"

/* level 2 (leaf): exit with 10*parent_index + own index */
static int leaf(int pidx, int idx, pid_t parent)
{
    CHECK_EQ(getppid(), parent);
    return 10 * pidx + idx;
}

/* level 1: spawn two leaves, exit with the sum of their codes + own index */
static int middle(int idx, pid_t parent)
{
    CHECK_EQ(getppid(), parent);
    char sidx[16], sme[16], s0[4] = "0", s1[4] = "1";
    snprintf(sidx, sizeof(sidx), "%d", idx);
    snprintf(sme, sizeof(sme), "%d", (int)getpid());
    pid_t a = mt_spawn_self(NULL, NULL, "leaf", sidx, s0, sme, (char *)NULL);
    pid_t b = mt_spawn_self(NULL, NULL, "leaf", sidx, s1, sme, (char *)NULL);
    CHECK(a != b);
    int sa = mt_wait_status(a), sb = mt_wait_status(b);
    CHECK(WIFEXITED(sa) && WIFEXITED(sb));
    CHECK_EQ(WEXITSTATUS(sa), 10 * idx + 0);
    CHECK_EQ(WEXITSTATUS(sb), 10 * idx + 1);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return WEXITSTATUS(sa) + WEXITSTATUS(sb) + idx;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "leaf") == 0)
        return leaf(atoi(argv[2]), atoi(argv[3]), (pid_t)atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "middle") == 0)
        return middle(atoi(argv[2]), (pid_t)atoi(argv[3]));
    CHECK_EQ(argc, 1);

    char sme[16];
    snprintf(sme, sizeof(sme), "%d", (int)getpid());
    pid_t m1 = mt_spawn_self(NULL, NULL, "middle", "1", sme, (char *)NULL);
    pid_t m2 = mt_spawn_self(NULL, NULL, "middle", "2", sme, (char *)NULL);
    /* middle 1: (10+11)+1 = 22; middle 2: (20+21)+2 = 43 */
    MT_WAIT_EXIT(m2, 43);
    MT_WAIT_EXIT(m1, 22);
    CHECK_ERRNO(waitpid(-1, NULL, 0), ECHILD);
    return 0;
}

/* mt_pipe_pipeline: writer | filter | reader processes move 256 MiB; checksum verified. */
#define _GNU_SOURCE
#include <stdint.h>
#include "mt_util.h"

#define TOTAL (256ull << 20)
#define CHUNK (64 * 1024)
#define SEED 0x9e3779b97f4a7c15ull
#define KEY 0xa5a5a5a55a5a5a5aull

static inline uint64_t next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    return (h ^ w) * 0x100000001b3ull + (h >> 29);
}

static int writer(void)
{
    static uint64_t buf[CHUNK / 8];
    uint64_t s = SEED;
    for (uint64_t done = 0; done < TOTAL; done += CHUNK) {
        for (size_t i = 0; i < CHUNK / 8; i++)
            buf[i] = next(&s);
        mt_writen(1, buf, CHUNK);
    }
    return 0;
}

static int filter(void)
{
    static uint64_t buf[CHUNK / 8];
    for (;;) {
        size_t n = mt_readn(0, buf, CHUNK); /* whole chunks keep words aligned */
        if (n == 0) break;
        CHECK_EQ(n % 8, 0);
        for (size_t i = 0; i < n / 8; i++)
            buf[i] ^= KEY;
        mt_writen(1, buf, n);
    }
    return 0;
}

static int reader(void)
{
    static uint64_t buf[CHUNK / 8];
    uint64_t h = 0, total = 0;
    for (;;) {
        size_t n = mt_readn(0, buf, CHUNK);
        if (n == 0) break;
        CHECK_EQ(n % 8, 0);
        for (size_t i = 0; i < n / 8; i++)
            h = mix(h, buf[i]);
        total += n;
    }
    char msg[64];
    int len =
        snprintf(msg, sizeof(msg), "%llu %llu\n", (unsigned long long)total, (unsigned long long)h);
    mt_writen(1, msg, (size_t)len);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "writer") == 0) return writer();
    if (argc == 2 && strcmp(argv[1], "filter") == 0) return filter();
    if (argc == 2 && strcmp(argv[1], "reader") == 0) return reader();

    int a[2], b[2], r[2];
    CHECK_EQ(pipe2(a, O_CLOEXEC), 0);
    CHECK_EQ(pipe2(b, O_CLOEXEC), 0);
    CHECK_EQ(pipe2(r, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fw, ff, fr;
    CHECK_EQ(posix_spawn_file_actions_init(&fw), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fw, a[1], 1), 0);
    CHECK_EQ(posix_spawn_file_actions_init(&ff), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&ff, a[0], 0), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&ff, b[1], 1), 0);
    CHECK_EQ(posix_spawn_file_actions_init(&fr), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fr, b[0], 0), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fr, r[1], 1), 0);
    double t0 = mt_now_ms();
    pid_t pr = mt_spawn_self(&fr, NULL, "reader", (char *)NULL);
    pid_t pf = mt_spawn_self(&ff, NULL, "filter", (char *)NULL);
    pid_t pw = mt_spawn_self(&fw, NULL, "writer", (char *)NULL);
    posix_spawn_file_actions_destroy(&fw);
    posix_spawn_file_actions_destroy(&ff);
    posix_spawn_file_actions_destroy(&fr);
    /* the parent keeps no pipe end but the result's read end */
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    close(r[1]);

    /* expected checksum, computed here meanwhile */
    uint64_t s = SEED, h = 0;
    for (uint64_t i = 0; i < TOTAL / 8; i++)
        h = mix(h, next(&s) ^ KEY);

    char msg[64] = {0};
    CHECK(mt_readn(r[0], msg, sizeof(msg) - 1) > 0);
    close(r[0]);
    MT_WAIT_EXIT(pw, 0);
    MT_WAIT_EXIT(pf, 0);
    MT_WAIT_EXIT(pr, 0);
    unsigned long long got_total = 0, got_h = 0;
    CHECK_EQ(sscanf(msg, "%llu %llu", &got_total, &got_h), 2);
    CHECK_EQ(got_total, TOTAL);
    if (got_h != h) {
        fprintf(stderr, "checksum mismatch: %llx vs %llx\n", got_h, (unsigned long long)h);
        return 1;
    }
    double el = mt_now_ms() - t0;
    if (el > 8000) fprintf(stderr, "note: pipeline took %.0f ms\n", el);
    return 0;
}

/* mt_pipe_atomic: 4 writer processes, 4096-byte (PIPE_BUF) records: never interleaved. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include "mt_util.h"

#define NW 4
#define NREC 300
#define REC PIPE_BUF

static void fill(unsigned char *rec, int id, int seq)
{
    /* header: id, seq; the rest a pattern depending on both */
    memcpy(rec, &id, sizeof(id));
    memcpy(rec + 4, &seq, sizeof(seq));
    for (int i = 8; i < REC; i++)
        rec[i] = (unsigned char)(id * 31 + seq * 7 + i);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "writer") == 0) {
        int id = atoi(argv[2]);
        unsigned char rec[REC];
        for (int s = 0; s < NREC; s++) {
            fill(rec, id, s);
            ssize_t w = write(1, rec, REC); /* one write per record, never split */
            CHECK_EQ(w, REC);
        }
        return 0;
    }
    CHECK_EQ(PIPE_BUF, 4096);
    int p[2];
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    pid_t pids[NW];
    for (int i = 0; i < NW; i++) {
        char id[8];
        snprintf(id, sizeof(id), "%d", i);
        pids[i] = mt_spawn_self(&fa, NULL, "writer", id, (char *)NULL);
    }
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    int next_seq[NW] = {0};
    unsigned char rec[REC], want[REC];
    long nrec = 0;
    for (;;) {
        size_t n = mt_readn(p[0], rec, REC);
        if (n == 0) break;
        CHECK_EQ(n, REC);
        int id, seq;
        memcpy(&id, rec, 4);
        memcpy(&seq, rec + 4, 4);
        CHECK(id >= 0 && id < NW);
        CHECK_EQ(seq, next_seq[id]); /* per-writer order kept */
        fill(want, id, seq);
        if (memcmp(rec, want, REC) != 0) {
            fprintf(stderr, "record %ld (writer %d seq %d) is interleaved\n", nrec, id, seq);
            return 1;
        }
        next_seq[id]++;
        nrec++;
        if (nrec % 64 == 0) mt_sleep_ms(1); /* let the pipe fill up now and then */
    }
    CHECK_EQ(nrec, NW * NREC);
    for (int i = 0; i < NW; i++) {
        CHECK_EQ(next_seq[i], NREC);
        MT_WAIT_EXIT(pids[i], 0);
    }
    close(p[0]);
    return 0;
}

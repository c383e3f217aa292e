/* sysinfo: total/free RAM sane, uptime (as /proc/uptime) and process count positive,
 * consistent with sysconf. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/sysinfo.h>

#include "check.h"

int main(void)
{
    struct sysinfo si;
    CHECK_EQ(sysinfo(&si), 0);
    CHECK(si.mem_unit >= 1);
    unsigned long long total = (unsigned long long)si.totalram * si.mem_unit;
    unsigned long long freer = (unsigned long long)si.freeram * si.mem_unit;
    CHECK(total >= 16ull << 20); /* at least 16 MiB */
    CHECK(freer > 0);
    CHECK(freer <= total);
    CHECK((unsigned long long)si.bufferram * si.mem_unit <= total);
    CHECK(si.uptime >= 0);
    /* the same clock as /proc/uptime */
    FILE *f = fopen("/proc/uptime", "r");
    double up = -1;
    CHECK(f && fscanf(f, "%lf", &up) == 1);
    fclose(f);
    long u = (long)si.uptime; /* musl declares it unsigned */
    CHECK(u >= (long)up - 2 && u <= (long)up + 2);
    CHECK(si.procs >= 1);
    CHECK(si.totalhigh == 0 || si.totalhigh <= si.totalram);

    long pages = sysconf(_SC_PHYS_PAGES);
    CHECK(pages > 0);
    CHECK_EQ(sysconf(_SC_PAGESIZE), 4096);
    return 0;
}

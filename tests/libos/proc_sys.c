/*
 * proc_sys: the system-wide /proc files programs read to size themselves,
 * by their shapes and relations (the values are the machine's): every
 * usual /proc/meminfo field, consistent with each other and with
 * sysinfo(2); /proc/sys/kernel/{ostype,osrelease,version,hostname} as
 * uname(2) says, pid_max, tainted, threads-max, ngroups_max as setgroups
 * enforces it; /proc/sys/vm/{overcommit_memory,overcommit_ratio,
 * max_map_count,mmap_min_addr}; /proc/sys/fs/{file-max,nr_open (setrlimit
 * past it is EPERM),pipe-max-size (F_SETPIPE_SZ to it works),
 * protected_hardlinks}; /proc/version naming the release; and the
 * directories listing what they hold.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include "check.h"

static const char *const mem_keys[] = {
    "MemTotal",       "MemFree",        "MemAvailable",   "Buffers",      "Cached",
    "SwapCached",     "Active",         "Inactive",       "SwapTotal",    "SwapFree",
    "Dirty",          "Writeback",      "AnonPages",      "Mapped",       "Shmem",
    "Slab",           "SReclaimable",   "SUnreclaim",     "KernelStack",  "PageTables",
    "CommitLimit",    "Committed_AS",   "VmallocTotal",   "VmallocUsed",  "HugePages_Total",
    "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp", "Hugepagesize", NULL};

#define NKEYS 64
static char names[NKEYS][32];
static unsigned long long vals[NKEYS];
static int nvals;

/* Every line of /proc/meminfo is "Name:   <number>[ kB]". */
static void read_meminfo(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    CHECK(f != NULL);
    char line[256];
    while (fgets(line, sizeof(line), f) && nvals < NKEYS) {
        char name[64], unit[8] = "";
        unsigned long long v;
        int n = sscanf(line, "%63[^:]: %llu %7s", name, &v, unit);
        CHECK(n == 2 || n == 3);
        CHECK(n == 2 || strcmp(unit, "kB") == 0);
        CHECK(strlen(name) < sizeof(names[0]));
        strcpy(names[nvals], name);
        vals[nvals++] = v;
    }
    fclose(f);
}

static unsigned long long mem(const char *key)
{
    for (int i = 0; i < nvals; i++)
        if (!strcmp(names[i], key)) return vals[i];
    fprintf(stderr, "/proc/meminfo has no %s\n", key);
    exit(1);
}

static void meminfo(void)
{
    read_meminfo();
    for (int i = 0; mem_keys[i]; i++)
        mem(mem_keys[i]);
    unsigned long long total = mem("MemTotal");
    CHECK(total > 0);
    CHECK(mem("MemFree") <= total);
    CHECK(mem("MemAvailable") <= total);
    CHECK(mem("SwapFree") <= mem("SwapTotal"));
    CHECK(mem("SwapCached") <= mem("SwapTotal") || mem("SwapTotal") == 0);
    CHECK(mem("HugePages_Free") <= mem("HugePages_Total"));
    CHECK(mem("HugePages_Rsvd") <= mem("HugePages_Total") || mem("HugePages_Total") == 0);
    CHECK(mem("Hugepagesize") > 0 && mem("Hugepagesize") % 4 == 0);
    CHECK(mem("VmallocTotal") > 0);
    CHECK(mem("SReclaimable") + mem("SUnreclaim") <= mem("Slab") + 4);
    struct sysinfo si;
    CHECK_EQ(sysinfo(&si), 0);
    CHECK_EQ((unsigned long long)si.totalram * si.mem_unit / 1024, total);
    CHECK_EQ((unsigned long long)si.totalswap * si.mem_unit / 1024, mem("SwapTotal"));
    /* free memory moves with the machine: the two looks agree within a tenth */
    unsigned long long freer = (unsigned long long)si.freeram * si.mem_unit / 1024;
    unsigned long long mf = mem("MemFree");
    CHECK((freer > mf ? freer - mf : mf - freer) <= total / 10);
}

/* The one line of a /proc/sys file, without its newline. */
static char *sys_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        exit(1);
    }
    CHECK(fgets(buf, (int)n, f) != NULL);
    CHECK(fgetc(f) == EOF);
    fclose(f);
    size_t len = strlen(buf);
    CHECK(len > 0 && buf[len - 1] == '\n');
    buf[len - 1] = 0;
    return buf;
}

static long long sys_num(const char *path)
{
    char buf[128], *end;
    sys_line(path, buf, sizeof(buf));
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    CHECK(errno == 0 && end != buf && *end == 0);
    return v;
}

static void listed(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d)))
        found |= !strcmp(e->d_name, name);
    closedir(d);
    if (!found) fprintf(stderr, "%s does not list %s\n", dir, name);
    CHECK(found);
}

static void kernel(void)
{
    struct utsname u;
    CHECK_EQ(uname(&u), 0);
    char buf[256];
    CHECK_STR(sys_line("/proc/sys/kernel/ostype", buf, sizeof(buf)), u.sysname);
    CHECK_STR(sys_line("/proc/sys/kernel/osrelease", buf, sizeof(buf)), u.release);
    CHECK_STR(sys_line("/proc/sys/kernel/version", buf, sizeof(buf)), u.version);
    CHECK_STR(sys_line("/proc/sys/kernel/hostname", buf, sizeof(buf)), u.nodename);
    CHECK(sys_num("/proc/sys/kernel/pid_max") >= getpid());
    CHECK(sys_num("/proc/sys/kernel/tainted") >= 0);
    CHECK(sys_num("/proc/sys/kernel/threads-max") > 0);
    long long ng = sys_num("/proc/sys/kernel/ngroups_max");
    CHECK(ng > 0);
    gid_t *g = calloc((size_t)ng + 1, sizeof(gid_t));
    CHECK(g != NULL);
    CHECK_ERRNO(setgroups((size_t)ng + 1, g), EINVAL); /* more than it allows */
    free(g);
    listed("/proc/sys/kernel", "osrelease");
    listed("/proc/sys", "vm");
    FILE *f = fopen("/proc/version", "r");
    CHECK(f != NULL);
    CHECK(fgets(buf, sizeof(buf), f) != NULL);
    fclose(f);
    char want[128];
    snprintf(want, sizeof(want), "Linux version %s ", u.release);
    CHECK(strncmp(buf, want, strlen(want)) == 0);
}

static void vm(void)
{
    long long oc = sys_num("/proc/sys/vm/overcommit_memory");
    CHECK(oc >= 0 && oc <= 2);
    CHECK(sys_num("/proc/sys/vm/overcommit_ratio") >= 0);
    CHECK(sys_num("/proc/sys/vm/max_map_count") > 0);
    long long min = sys_num("/proc/sys/vm/mmap_min_addr");
    CHECK(min >= 0 && min % 4096 == 0);
    listed("/proc/sys/vm", "overcommit_memory");
}

static void fs(void)
{
    CHECK(sys_num("/proc/sys/fs/file-max") > 0);
    long long nr_open = sys_num("/proc/sys/fs/nr_open");
    struct rlimit rl;
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
    CHECK((long long)rl.rlim_max <= nr_open);
    rl.rlim_max = (rlim_t)nr_open + 1;
    CHECK_ERRNO(setrlimit(RLIMIT_NOFILE, &rl), EPERM);
    long long pmax = sys_num("/proc/sys/fs/pipe-max-size");
    CHECK(pmax >= 4096);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(fcntl(p[0], F_SETPIPE_SZ, (int)pmax), pmax);
    close(p[0]);
    close(p[1]);
    long long ph = sys_num("/proc/sys/fs/protected_hardlinks");
    CHECK(ph == 0 || ph == 1);
    listed("/proc/sys/fs", "nr_open");
}

int main(void)
{
    meminfo();
    kernel();
    vm();
    fs();
    return 0;
}

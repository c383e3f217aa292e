/*
 * caps: capability sets as Linux keeps them, from root (each case in a
 * forked child, as a drop cannot be undone): capget of a root process
 * (effective = permitted, the capabilities it uses below), the header
 * versions (v1 copies one word, v2/v3 two, a bad one is EINVAL with the
 * preferred version written back, or 0 with no data pointer), capget of
 * another pid and its errors, capset's rules (drop and raise within
 * permitted, EPERM beyond, other pids), what a drop changes (a file
 * without permission, chown, setuid), setuid from root clearing the sets,
 * seteuid and setfsuid taking and giving back, PR_SET_KEEPCAPS, the
 * ambient set across execve, PR_CAPBSET_READ/DROP, and the Cap* lines of
 * /proc/self/status.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <stdint.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "check.h"

#define BIT(c) (1ULL << (c))

struct caps {
    uint64_t eff, prm, inh;
};

static int capget_raw(uint32_t version, int pid, struct __user_cap_data_struct *d)
{
    struct __user_cap_header_struct h = {version, pid};
    return (int)syscall(SYS_capget, &h, d);
}

static struct caps get_caps(int pid)
{
    struct __user_cap_data_struct d[2];
    CHECK_EQ(capget_raw(_LINUX_CAPABILITY_VERSION_3, pid, d), 0);
    struct caps c = {d[0].effective | (uint64_t)d[1].effective << 32,
                     d[0].permitted | (uint64_t)d[1].permitted << 32,
                     d[0].inheritable | (uint64_t)d[1].inheritable << 32};
    return c;
}

static int set_caps(struct caps c)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {
        {(uint32_t)c.eff, (uint32_t)c.prm, (uint32_t)c.inh},
        {(uint32_t)(c.eff >> 32), (uint32_t)(c.prm >> 32), (uint32_t)(c.inh >> 32)}};
    return (int)syscall(SYS_capset, &h, d);
}

/* A Cap line of /proc/self/status, as a number. */
static uint64_t status_caps(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    CHECK(f != NULL);
    char line[256];
    uint64_t v = 0;
    int found = 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, strlen(key)) == 0) {
            found = 1;
            CHECK_EQ(strlen(line), strlen(key) + 1 + 16 + 1); /* "\t%016llx\n" */
            v = strtoull(line + strlen(key), NULL, 16);
        }
    fclose(f);
    CHECK(found);
    return v;
}

/* The capabilities the cases below use; a root process has them. */
#define USED                                                                                       \
    (BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_FOWNER) |         \
     BIT(CAP_KILL) | BIT(CAP_SETGID) | BIT(CAP_SETUID) | BIT(CAP_SETPCAP) | BIT(CAP_NET_RAW))

static void root_sets(void)
{
    struct caps c = get_caps(0);
    CHECK_EQ(c.eff, c.prm);
    CHECK_EQ(c.prm & USED, USED);
    CHECK_EQ(c.inh, 0);
    CHECK_EQ(status_caps("CapEff:"), c.eff);
    CHECK_EQ(status_caps("CapPrm:"), c.prm);
    CHECK_EQ(status_caps("CapInh:"), 0);
    CHECK_EQ(status_caps("CapAmb:"), 0);
    uint64_t bnd = status_caps("CapBnd:");
    CHECK_EQ(bnd & c.prm, c.prm);
    for (int i = 0; i <= CAP_LAST_CAP; i++)
        CHECK_EQ(prctl(PR_CAPBSET_READ, i, 0, 0, 0), (bnd >> i) & 1);
    CHECK_ERRNO(prctl(PR_CAPBSET_READ, 99, 0, 0, 0), EINVAL);
    struct caps own = get_caps(getpid());
    CHECK_EQ(own.eff, c.eff);
}

static void versions(void)
{
    struct __user_cap_data_struct d[2];
    memset(d, 0xaa, sizeof(d));
    CHECK_EQ(capget_raw(_LINUX_CAPABILITY_VERSION_1, 0, d), 0);
    CHECK_EQ(d[0].effective, (uint32_t)get_caps(0).eff);
    CHECK_EQ(d[1].effective, 0xaaaaaaaa); /* v1: one word only */
    memset(d, 0xaa, sizeof(d));
    CHECK_EQ(capget_raw(_LINUX_CAPABILITY_VERSION_2, 0, d), 0);
    CHECK_EQ(d[1].effective, (uint32_t)(get_caps(0).eff >> 32));
    struct __user_cap_header_struct h = {0x12345678, 0};
    CHECK_ERRNO(syscall(SYS_capget, &h, d), EINVAL);
    CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
    h.version = 0x12345678;
    CHECK_EQ(syscall(SYS_capget, &h, NULL), 0); /* a probe for the version */
    CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
    h.version = 0x12345678;
    CHECK_ERRNO(syscall(SYS_capset, &h, d), EINVAL);
    CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
    CHECK_ERRNO(syscall(SYS_capget, NULL, d), EFAULT);
    CHECK_ERRNO(syscall(SYS_capget, (void *)8, d), EFAULT);
    h.version = _LINUX_CAPABILITY_VERSION_3;
    CHECK_ERRNO(syscall(SYS_capget, &h, (void *)8), EFAULT);
    CHECK_ERRNO(capget_raw(_LINUX_CAPABILITY_VERSION_3, -1, d), EINVAL);
}

/* capget of a child that dropped its effective set, and of a reaped one */
static void other_pid(void)
{
    int ready[2], gate[2];
    CHECK_EQ(pipe(ready), 0);
    CHECK_EQ(pipe(gate), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct caps c = get_caps(0);
        c.eff = 0;
        char x;
        if (set_caps(c) != 0 || write(ready[1], "r", 1) != 1 || read(gate[0], &x, 1) < 0) _exit(1);
        _exit(0);
    }
    char x;
    CHECK_EQ(read(ready[0], &x, 1), 1);
    struct caps c = get_caps(pid);
    CHECK_EQ(c.eff, 0);
    CHECK_EQ(c.prm, get_caps(0).prm);
    /* capset is for oneself only */
    struct caps mine = get_caps(0);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
    struct __user_cap_data_struct d[2] = {
        {(uint32_t)mine.eff, (uint32_t)mine.prm, 0},
        {(uint32_t)(mine.eff >> 32), (uint32_t)(mine.prm >> 32), 0}};
    CHECK_ERRNO(syscall(SYS_capset, &h, d), EPERM);
    h.pid = getpid();
    CHECK_EQ(syscall(SYS_capset, &h, d), 0);
    CHECK_EQ(write(gate[1], "g", 1), 1);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    struct __user_cap_data_struct dd[2];
    CHECK_ERRNO(capget_raw(_LINUX_CAPABILITY_VERSION_3, pid, dd), ESRCH);
}

static void drop_and_raise(void)
{
    struct caps c = get_caps(0);
    uint64_t all = c.prm;
    c.eff &= ~BIT(CAP_NET_RAW);
    CHECK_EQ(set_caps(c), 0);
    CHECK_EQ(get_caps(0).eff, all & ~BIT(CAP_NET_RAW));
    CHECK_EQ(status_caps("CapEff:"), all & ~BIT(CAP_NET_RAW));
    c.eff = all; /* back from permitted */
    CHECK_EQ(set_caps(c), 0);
    c.prm &= ~BIT(CAP_NET_RAW); /* effective must stay within permitted */
    CHECK_ERRNO(set_caps(c), EPERM);
    c.eff &= ~BIT(CAP_NET_RAW);
    CHECK_EQ(set_caps(c), 0);
    c.prm = c.eff = all; /* permitted never grows */
    CHECK_ERRNO(set_caps(c), EPERM);
    c = get_caps(0);
    c.inh = BIT(CAP_CHOWN);
    CHECK_EQ(set_caps(c), 0);
    CHECK_EQ(get_caps(0).inh, BIT(CAP_CHOWN));
    CHECK_EQ(status_caps("CapInh:"), BIT(CAP_CHOWN));

    /* what the dropped capabilities allowed */
    const char *path = "/tmp/caps_test_file";
    unlink(path);
    int fd = open(path, O_CREAT | O_WRONLY, 0);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(chown(path, 1234, 1234), 0);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0); /* CAP_DAC_OVERRIDE */
    close(fd);
    c = get_caps(0);
    c.eff &= ~(BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_CHOWN) | BIT(CAP_FOWNER));
    CHECK_EQ(set_caps(c), 0);
    CHECK_ERRNO(open(path, O_RDONLY), EACCES);
    CHECK_ERRNO(chown(path, 0, 0), EPERM);
    CHECK_ERRNO(chmod(path, 0644), EPERM);
    c.eff |= BIT(CAP_DAC_READ_SEARCH); /* reading, not writing */
    CHECK_EQ(set_caps(c), 0);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(open(path, O_WRONLY), EACCES);
    c.eff &= ~BIT(CAP_SETUID);
    CHECK_EQ(set_caps(c), 0);
    CHECK_ERRNO(setuid(1000), EPERM);
    c.eff |= BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FOWNER);
    CHECK_EQ(set_caps(c), 0);
    CHECK_EQ(unlink(path), 0);
}

static void setuid_clears(void)
{
    uint64_t all = get_caps(0).prm;
    /* seteuid away and back: effective goes and comes back from permitted */
    CHECK_EQ(seteuid(1000), 0);
    struct caps c = get_caps(0);
    CHECK_EQ(c.eff, 0);
    CHECK_EQ(c.prm, all);
    CHECK_EQ(seteuid(0), 0);
    CHECK_EQ(get_caps(0).eff, all);
    /* setfsuid away takes the file-system ones only */
    setfsuid(1000);
    c = get_caps(0);
    CHECK_EQ(c.eff & (BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FOWNER)), 0);
    CHECK_EQ(c.eff & BIT(CAP_KILL), BIT(CAP_KILL));
    setfsuid(0);
    CHECK_EQ(get_caps(0).eff, all);
    /* every uid away from 0: all gone */
    CHECK_EQ(setresuid(1000, 1000, 1000), 0);
    c = get_caps(0);
    CHECK_EQ(c.eff, 0);
    CHECK_EQ(c.prm, 0);
    CHECK_EQ(status_caps("CapPrm:"), 0);
    c.prm = c.eff = BIT(CAP_CHOWN);
    CHECK_ERRNO(set_caps(c), EPERM);
    CHECK_ERRNO(setuid(0), EPERM);
}

static void keepcaps(void)
{
    const char *path = "/tmp/caps_keep_file";
    unlink(path);
    uint64_t all = get_caps(0).prm;
    CHECK_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
    CHECK_ERRNO(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
    CHECK_EQ(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
    CHECK_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
    CHECK_EQ(setresuid(1000, 1000, 1000), 0);
    struct caps c = get_caps(0);
    CHECK_EQ(c.eff, 0); /* effective goes with the effective uid */
    CHECK_EQ(c.prm, all);
    c.eff = BIT(CAP_CHOWN) | BIT(CAP_NET_RAW);
    CHECK_EQ(set_caps(c), 0);
    CHECK_EQ(get_caps(0).eff, c.eff);
    /* a file of another owner: CAP_CHOWN as uid 1000 */
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(chown(path, 4321, -1), 0);
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQ(st.st_uid, 4321);
}

/* Ambient capabilities survive an execve of a non-root process; the rest
 * of the permitted set does not. */
static void ambient(const char *self)
{
    CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 0);
    CHECK_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0), EPERM);
    CHECK_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 99, 0, 0), EINVAL);
    CHECK_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), EINVAL);
    CHECK_ERRNO(prctl(PR_CAP_AMBIENT, 99, CAP_NET_RAW, 0, 0), EINVAL);
    CHECK_EQ(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
    CHECK_EQ(setresuid(1000, 1000, 1000), 0);
    struct caps c = get_caps(0);
    c.inh = BIT(CAP_NET_RAW);
    c.eff = 0;
    CHECK_EQ(set_caps(c), 0);
    CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0), 0);
    CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 1);
    CHECK_EQ(status_caps("CapAmb:"), BIT(CAP_NET_RAW));
    char *argv[] = {(char *)self, "after-exec", NULL};
    execv(self, argv);
    CHECK(!"execv failed");
}

static void after_exec(void)
{
    struct caps c = get_caps(0);
    CHECK_EQ(c.prm, BIT(CAP_NET_RAW));
    CHECK_EQ(c.eff, BIT(CAP_NET_RAW));
    CHECK_EQ(c.inh, BIT(CAP_NET_RAW));
    CHECK_EQ(status_caps("CapAmb:"), BIT(CAP_NET_RAW));
    CHECK_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0); /* execve clears it */
    /* lowering it from permitted takes it from ambient too */
    c.prm = c.eff = 0;
    CHECK_EQ(set_caps(c), 0);
    CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 0);
    exit(0);
}

static void bounding(void)
{
    CHECK_EQ(prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0), 0);
    CHECK_EQ(prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0), 0);
    CHECK_EQ(status_caps("CapBnd:") & BIT(CAP_NET_RAW), 0);
    CHECK_ERRNO(prctl(PR_CAPBSET_DROP, 99, 0, 0, 0), EINVAL);
    /* a new inheritable capability must be in the bounding set */
    struct caps c = get_caps(0);
    c.inh = BIT(CAP_NET_RAW);
    CHECK_ERRNO(set_caps(c), EPERM);
    c.inh = 0;
    c.eff &= ~BIT(CAP_SETPCAP);
    CHECK_EQ(set_caps(c), 0);
    CHECK_ERRNO(prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0), EPERM);
    /* without CAP_SETPCAP, inheritable stays within permitted */
    c.prm &= ~BIT(CAP_CHOWN);
    c.eff &= ~BIT(CAP_CHOWN);
    CHECK_EQ(set_caps(c), 0);
    c.inh = BIT(CAP_CHOWN);
    CHECK_ERRNO(set_caps(c), EPERM);
}

static void in_child(void (*fn)(void))
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        fn();
        exit(0);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) after_exec();
    root_sets();
    versions();
    other_pid();
    in_child(drop_and_raise);
    in_child(setuid_clears);
    in_child(keepcaps);
    in_child(bounding);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) ambient(argv[0]);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
    printf("caps ok\n");
    return 0;
}

/*
 * perm: file permissions for a process that dropped root, against Linux
 * (man 7 path_resolution, man 2 access, open, execve, mkdir, unlink,
 * rename, link, chmod, chown, utimensat). Root makes files and directories
 * with various modes and owners in each test directory (ramfs /tmp, the
 * union's writable layer), then a forked child drops to uid U, gid G and
 * the supplementary group G2 and checks each rule: search (x) on every
 * directory of a walk, read/write by the access mode and O_TRUNC, write+x
 * on a directory to create or remove in it, the sticky bit, a directory
 * moving to another parent needing write on itself, protected hard links,
 * execve needing x, chmod/chown/utimes owner rules, set-ID bits cleared by
 * an unprivileged write, access(2) with the real ids and AT_EACCESS with
 * the effective ones, mount and umount refused (EPERM). Root's own rules: no x bit, no execute;
 * chown works.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <utime.h>

#include "check.h"

#define U 1234
#define U2 1235
#define G 2345
#define G2 3456
#define G3 4567

static char base[2048];

static const char *at(const char *name)
{
    static char buf[8][4096];
    static int i;
    char *b = buf[i++ % 8];
    snprintf(b, sizeof(buf[0]), "%s/%s", base, name);
    return b;
}

static void mk(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    int fd = open(at(name), O_CREAT | O_EXCL | O_WRONLY, 0600);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "#!/bin/sh\n", 10), 10);
    close(fd);
    CHECK_EQ(chown(at(name), uid, gid), 0);
    CHECK_EQ(chmod(at(name), mode), 0); /* after chown, which clears set-ID bits */
}

static void mkd(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    CHECK_EQ(mkdir(at(name), 0700), 0);
    CHECK_EQ(chown(at(name), uid, gid), 0);
    CHECK_EQ(chmod(at(name), mode), 0);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static long faccessat2_(int dirfd, const char *path, int mode, int flags)
{
    return syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

static void open_rules(void)
{
    CHECK_ERRNO(open(at("root0600"), O_RDONLY), EACCES);
    int fd = open(at("root0644"), O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(open(at("root0644"), O_WRONLY), EACCES);
    CHECK_ERRNO(open(at("root0644"), O_RDWR), EACCES);
    CHECK_ERRNO(open(at("root0644"), O_RDONLY | O_TRUNC), EACCES);
    CHECK_ERRNO(open(at("root0644"), O_WRONLY | O_CREAT, 0644), EACCES); /* exists: its mode */
    CHECK_ERRNO(truncate(at("root0644"), 0), EACCES);
    fd = open(at("root0222"), O_WRONLY); /* write-only for others */
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(open(at("root0222"), O_RDONLY), EACCES);
    fd = open(at("grp0640"), O_RDONLY); /* the file's group is a supplementary one */
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(open(at("grp0640"), O_WRONLY), EACCES);
    CHECK_ERRNO(open(at("ownr0460"), O_WRONLY), EACCES); /* owner class only, not group */
    fd = open(at("ownr0460"), O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    fd = open(at("mine0600"), O_RDWR | O_TRUNC);
    CHECK(fd >= 0);
    close(fd);
    fd = open(at("pathonly0000"), O_PATH); /* O_PATH needs no permission on the file */
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(open(at("pathonly0000"), O_RDONLY), EACCES);
}

static void dir_rules(void)
{
    /* no search permission: nothing below can be reached, the dir itself can */
    struct stat st;
    CHECK_ERRNO(stat(at("nox0666/f"), &st), EACCES);
    CHECK_ERRNO(open(at("nox0666/f"), O_RDONLY), EACCES);
    CHECK_ERRNO(mkdir(at("nox0666/new"), 0755), EACCES);
    CHECK_ERRNO(unlink(at("nox0666/nosuch")), EACCES);
    CHECK_ERRNO(chdir(at("nox0666")), EACCES);
    CHECK_EQ(stat(at("nox0666"), &st), 0);
    DIR *d = opendir(at("nox0666")); /* reading the names needs r only */
    CHECK(d != NULL);
    closedir(d);
    /* search but no read: children reachable, listing not */
    CHECK_EQ(stat(at("nor0311/f"), &st), 0);
    CHECK_ERRNO(open(at("nor0311"), O_RDONLY | O_DIRECTORY), EACCES);
    CHECK(opendir(at("nor0311")) == NULL && errno == EACCES);
    /* no write on the directory: nothing made or removed there */
    CHECK_ERRNO(open(at("ro0555/new"), O_CREAT | O_WRONLY, 0644), EACCES);
    CHECK_ERRNO(mkdir(at("ro0555/new"), 0755), EACCES);
    CHECK_ERRNO(mkdir(at("ro0555/f"), 0755), EEXIST); /* existence first */
    CHECK_ERRNO(symlink("x", at("ro0555/l")), EACCES);
    CHECK_ERRNO(mknod(at("ro0555/p"), S_IFIFO | 0644, 0), EACCES);
    CHECK_ERRNO(unlink(at("ro0555/f")), EACCES);
    CHECK_ERRNO(rmdir(at("ro0555/d")), EACCES);
    CHECK_ERRNO(rename(at("ro0555/f"), at("ro0555/g")), EACCES);
    CHECK_ERRNO(rename(at("w0777/a"), at("ro0555/a")), EACCES);
    CHECK_ERRNO(open(at("ro0555"), O_WRONLY | O_TMPFILE, 0600), EACCES);
    int fd = open(at("ro0555/f"), O_RDWR); /* an existing 0666 file stays writable */
    CHECK(fd >= 0);
    close(fd);
    /* write + search: others' files can go (no sticky bit) */
    CHECK_EQ(unlink(at("w0777/a")), 0);
    fd = open(at("w0777/mine"), O_CREAT | O_EXCL | O_WRONLY, 0640);
    CHECK(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_uid, U);
    CHECK_EQ(st.st_gid, G); /* the fs gid */
    close(fd);
    CHECK_EQ(mkdir(at("w0777/mydir"), 0755), 0);
    CHECK_EQ(stat(at("w0777/mydir"), &st), 0);
    CHECK_EQ(st.st_uid, U);
    /* a set-group-ID directory gives its group, and the bit to directories */
    fd = open(at("sgid2777/f"), O_CREAT | O_EXCL | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_gid, G3);
    close(fd);
    CHECK_EQ(mkdir(at("sgid2777/d"), 0755), 0);
    CHECK_EQ(stat(at("sgid2777/d"), &st), 0);
    CHECK_EQ(st.st_gid, G3);
    CHECK(st.st_mode & S_ISGID);
    /* a directory moving to another parent needs write on itself (its "..") */
    CHECK_ERRNO(rename(at("w0777/sub0755"), at("w0777/mydir/sub")), EACCES);
    CHECK_EQ(rename(at("w0777/sub0755"), at("w0777/sub2")), 0); /* same parent: fine */
    /* sticky: only the file's or the directory's owner removes or renames */
    CHECK_ERRNO(unlink(at("sticky1777/root")), EPERM);
    CHECK_ERRNO(rename(at("sticky1777/root"), at("sticky1777/x")), EPERM);
    CHECK_ERRNO(rename(at("sticky1777/mine"), at("sticky1777/root")), EPERM);
    CHECK_ERRNO(rmdir(at("sticky1777/rootdir")), EPERM);
    CHECK_EQ(rename(at("sticky1777/mine"), at("sticky1777/mine2")), 0);
    CHECK_EQ(unlink(at("sticky1777/mine2")), 0);
    CHECK_EQ(unlink(at("mysticky1777/root")), 0); /* the directory is ours */
}

static void link_rules(void)
{
    /* protected_hardlinks (on by default): no link to a file one cannot
     * read and write, unless one owns it */
    FILE *f = fopen("/proc/sys/fs/protected_hardlinks", "r");
    CHECK(f != NULL);
    int on = fgetc(f) == '1';
    fclose(f);
    if (on) CHECK_ERRNO(link(at("root0644"), at("w0777/l1")), EPERM);
    CHECK_EQ(link(at("ro0555/f"), at("w0777/l2")), 0); /* 0666: allowed */
    CHECK_EQ(link(at("mine0600"), at("w0777/l3")), 0);
}

static void exec_rules(void)
{
    char *argv[] = {"x", NULL};
    CHECK_ERRNO(execve(at("root0700x"), argv, environ), EACCES);
    CHECK_ERRNO(execve(at("root0644"), argv, environ), EACCES);
    CHECK_ERRNO(execve(at("nox0666/f"), argv, environ), EACCES);
    CHECK_ERRNO(access(at("root0700x"), X_OK), EACCES);
    CHECK_EQ(access(at("root0755x"), X_OK | R_OK), 0);
    CHECK_ERRNO(access(at("root0644"), W_OK), EACCES);
    CHECK_EQ(access(at("root0644"), R_OK), 0);
    CHECK_EQ(access(at("root0600"), F_OK), 0);
}

static void attr_rules(void)
{
    CHECK_ERRNO(chmod(at("root0644"), 0666), EPERM);
    CHECK_ERRNO(chown(at("root0644"), U, -1), EPERM);
    CHECK_ERRNO(chown(at("mine0600"), U2, -1), EPERM); /* giving away: CAP_CHOWN */
    CHECK_EQ(chown(at("mine0600"), U, -1), 0);         /* to oneself: fine */
    CHECK_EQ(chown(at("mine0600"), -1, G2), 0);        /* to a group one is in */
    CHECK_ERRNO(chown(at("mine0600"), -1, G3), EPERM); /* not in it */
    CHECK_ERRNO(chown(at("root0644"), -1, G), EPERM);  /* not the owner */
    CHECK_EQ(chmod(at("mine0600"), 02640), 0);
    CHECK_EQ(mode_of(at("mine0600")), 02640); /* group G2 is ours: the bit stays */
    CHECK_EQ(chown(at("mine0600"), -1, G), 0);
    CHECK_EQ(chmod(at("mine0600"), 0640), 0);
    CHECK_EQ(chown(at("mine0600"), -1, G2), 0);
    CHECK_EQ(chmod(at("minegrp3"), 02644), 0); /* its group is G3: the bit goes, no error */
    CHECK_EQ(mode_of(at("minegrp3")), 0644);
    /* times: explicit ones need the owner, "now" write permission */
    struct timespec t[2] = {{1000, 0}, {2000, 0}};
    CHECK_ERRNO(utimensat(AT_FDCWD, at("ro0555/f"), t, 0), EPERM);
    CHECK_EQ(utimensat(AT_FDCWD, at("ro0555/f"), NULL, 0), 0);
    CHECK_ERRNO(utimensat(AT_FDCWD, at("root0644"), NULL, 0), EACCES);
    CHECK_ERRNO(utime(at("root0644"), NULL), EACCES);
    CHECK_EQ(utimensat(AT_FDCWD, at("mine0600"), t, 0), 0);
    /* an unprivileged write clears set-user-ID, and set-group-ID with g+x */
    CHECK_EQ(mode_of(at("suid6775")), 06775);
    int fd = open(at("suid6775"), O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "x", 1), 1);
    close(fd);
    CHECK_EQ(mode_of(at("suid6775")), 0775);
    fd = open(at("sgid2664"), O_WRONLY | O_APPEND); /* no g+x: a mandatory-lock mark */
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "x", 1), 1);
    close(fd);
    CHECK_EQ(mode_of(at("sgid2664")), 02664);
}

/* mounting needs CAP_SYS_ADMIN */
static void mount_rules(void)
{
    CHECK_ERRNO(mount("none", at("w0777"), "tmpfs", 0, NULL), EPERM);
    CHECK_ERRNO(umount2("/proc", 0), EPERM);
}

static void proc_rules(void)
{
    /* /proc/self belongs to the process: its fd list and environ stay
     * readable (Linux: once it is dumpable again, as a uid change reset it) */
    CHECK_EQ(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
    DIR *d = opendir("/proc/self/fd");
    CHECK(d != NULL);
    closedir(d);
    int fd = open("/proc/self/environ", O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    struct stat st;
    CHECK_EQ(stat("/proc/self/status", &st), 0);
    CHECK_EQ(st.st_uid, U);
    /* a pipe of one's own through /proc/self/fd */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", p[1]);
    fd = open(link, O_WRONLY);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "x", 1), 1);
    close(fd);
    close(p[0]);
    close(p[1]);
    /* devices by their modes too (0666 in the LibOS; hosts differ) */
    CHECK_EQ(stat("/dev/null", &st), 0);
    fd = open("/dev/null", O_RDWR);
    CHECK_EQ(fd >= 0, (st.st_mode & 06) == 06);
    if (fd >= 0) close(fd);
}

/* access(2) uses the real ids, AT_EACCESS the effective ones. */
static void access_rules(void)
{
    CHECK_EQ(setresuid(U, 0, 0), 0);
    CHECK_ERRNO(access(at("root0600"), R_OK), EACCES);
    CHECK_EQ(faccessat2_(AT_FDCWD, at("root0600"), R_OK, AT_EACCESS), 0);
    CHECK_ERRNO(access(at("nox0666/f"), F_OK), EACCES); /* the walk too */
    CHECK_EQ(faccessat2_(AT_FDCWD, at("nox0666/f"), F_OK, AT_EACCESS), 0);
    int fd = open(at("root0600"), O_RDONLY); /* open uses the effective (fs) ids */
    CHECK(fd >= 0);
    close(fd);
    /* setfsuid: the fs uid alone decides */
    setfsuid(U);
    CHECK_EQ(setfsuid(-1), U);
    CHECK_ERRNO(open(at("root0600"), O_RDONLY), EACCES);
    setfsuid(0);
    fd = open(at("root0600"), O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
}

static void as_user(void (*fn)(void), bool full_drop)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        gid_t groups[] = {G2};
        CHECK_EQ(setgroups(1, groups), 0);
        CHECK_EQ(setresgid(G, G, G), 0);
        if (full_drop) CHECK_EQ(setresuid(U, U, U), 0);
        fn();
        _exit(0);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}

static void root_rules(void)
{
    /* root reads and writes anything, but executes only with some x bit */
    int fd = open(at("root0000"), O_RDWR);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(access(at("root0000"), R_OK | W_OK), 0);
    CHECK_ERRNO(access(at("root0644"), X_OK), EACCES);
    CHECK_EQ(access(at("user0100x"), X_OK), 0); /* anyone's x bit will do */
    CHECK_EQ(access(at("nox0666"), X_OK), 0);   /* directories: always searchable */
    char *argv[] = {"x", NULL};
    CHECK_ERRNO(execve(at("root0644"), argv, environ), EACCES);
    /* chown by root: anything, and it clears set-ID bits */
    CHECK_EQ(chmod(at("suid6775"), 06775), 0);
    CHECK_EQ(chown(at("suid6775"), U2, G3), 0);
    struct stat st;
    CHECK_EQ(stat(at("suid6775"), &st), 0);
    CHECK_EQ(st.st_uid, U2);
    CHECK_EQ(st.st_gid, G3);
    CHECK_EQ(st.st_mode & 07777, 0775);
    CHECK_EQ(chmod(at("suid6775"), 04755), 0); /* root's write keeps them */
    fd = open(at("suid6775"), O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "x", 1), 1);
    close(fd);
    CHECK_EQ(mode_of(at("suid6775")), 04755);
}

static void cleanup(const char *dir);

static void body(void)
{
    struct stat st;
    CHECK_EQ(stat(test_dir, &st), 0);
    if (!(st.st_mode & S_IXOTH)) CHECK_EQ(chmod(test_dir, (st.st_mode & 07777) | 0111), 0);
    tmp_path(base, sizeof(base), "perm");
    CHECK_EQ(mkdir(base, 0755), 0);
    mk("root0600", 0600, 0, 0);
    mk("root0644", 0644, 0, 0);
    mk("root0000", 0000, 0, 0);
    mk("root0222", 0222, 0, 0);
    mk("root0700x", 0700, 0, 0);
    mk("root0755x", 0755, 0, 0);
    mk("user0100x", 0100, U, G);
    mk("grp0640", 0640, 0, G2);
    mk("ownr0460", 0460, U, G2);
    mk("mine0600", 0600, U, G);
    mk("minegrp3", 0644, U, G3);
    mk("pathonly0000", 0000, 0, 0);
    mk("suid6775", 06775, U, G);
    mk("sgid2664", 02664, U, G);
    mkd("nox0666", 0666, 0, 0);
    mk("nox0666/f", 0777, 0, 0);
    mkd("nor0311", 0311, 0, 0);
    mk("nor0311/f", 0644, 0, 0);
    mkd("ro0555", 0755, 0, 0);
    mk("ro0555/f", 0666, 0, 0);
    mkd("ro0555/d", 0777, 0, 0);
    CHECK_EQ(chmod(at("ro0555"), 0555), 0);
    mkd("w0777", 0777, 0, 0);
    mk("w0777/a", 0600, 0, 0);
    mkd("w0777/sub0755", 0755, 0, 0);
    mkd("sgid2777", 02777, 0, G3);
    mkd("sticky1777", 01777, 0, 0);
    mk("sticky1777/root", 0666, 0, 0);
    mk("sticky1777/mine", 0600, U, G);
    mkd("sticky1777/rootdir", 0777, 0, 0);
    mkd("mysticky1777", 01777, U, G);
    mk("mysticky1777/root", 0644, 0, 0);

    as_user(open_rules, true);
    as_user(dir_rules, true);
    as_user(link_rules, true);
    as_user(exec_rules, true);
    as_user(attr_rules, true);
    as_user(proc_rules, true);
    as_user(mount_rules, true);
    as_user(access_rules, false);
    root_rules();
    cleanup(base);
}

/* rm -r, as root */
static void cleanup(const char *dir)
{
    chmod(dir, 0755);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        CHECK_EQ(lstat(p, &st), 0);
        if (S_ISDIR(st.st_mode))
            cleanup(p);
        else
            CHECK_EQ(unlink(p), 0);
    }
    closedir(d);
    CHECK_EQ(rmdir(dir), 0);
}

int main(int argc, char **argv)
{
    if (getuid() != 0) {
        fprintf(stderr, "perm: needs to start as root\n");
        return 1;
    }
    return run_in_dirs(argc, argv, body);
}

/*
 * exec_huge_argv: execve bounds argv and envp as Linux does (execve(2),
 * "Limits on size of arguments and environment"): the file name, the
 * strings and their pointers may take a quarter of RLIMIT_STACK (at least
 * 32 pages), one string at most 32 pages. 115,000 empty argv and envp
 * strings under an 8 MiB stack limit run (they once crashed the LibOS);
 * one byte past each bound is E2BIG, through posix_spawn (a vfork child)
 * and an execve in place.
 */
#define _GNU_SOURCE
#include "check.h"

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define SELF "/proc/self/exe"
#define ARG_STRLEN_MAX (32 * 4096) /* with its NUL */
#define HUGE_COUNT 115000

/* The child: argv[2] and argv[3] say how many argv and envp entries it
 * must see; argv[4..] and envp[] are empty or padding. */
static int child(int argc, char **argv, char **envp)
{
    long want_argc = strtol(argv[2], NULL, 10), want_envc = strtol(argv[3], NULL, 10);
    long envc = 0;
    while (envp[envc])
        envc++;
    CHECK_EQ(argc, want_argc);
    CHECK_EQ(envc, want_envc);
    CHECK(argv[argc] == NULL);
    printf("child ok\n");
    return 0;
}

static void set_stack_limit(rlim_t cur)
{
    struct rlimit rl;
    CHECK_EQ(getrlimit(RLIMIT_STACK, &rl), 0);
    CHECK(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= cur);
    rl.rlim_cur = cur;
    CHECK_EQ(setrlimit(RLIMIT_STACK, &rl), 0);
}

/* A vector for the child: argv is {name, "child", argc, envc, ""...}. */
struct args {
    char **argv, **envp;
    size_t argc, envc;
    char counts[2][16];
};

static void args_init(struct args *a, size_t argc, size_t envc)
{
    CHECK(argc >= 4);
    a->argv = calloc(argc + 1, sizeof(char *));
    a->envp = calloc(envc + 1, sizeof(char *));
    CHECK(a->argv && a->envp);
    a->argc = argc;
    a->envc = envc;
    /* fixed width, so that the byte count does not depend on the values */
    snprintf(a->counts[0], sizeof(a->counts[0]), "%08zu", argc);
    snprintf(a->counts[1], sizeof(a->counts[1]), "%08zu", envc);
    a->argv[0] = (char *)"exec_huge_argv";
    a->argv[1] = (char *)"child";
    a->argv[2] = a->counts[0];
    a->argv[3] = a->counts[1];
    for (size_t i = 4; i < argc; i++)
        a->argv[i] = (char *)"";
    for (size_t i = 0; i < envc; i++)
        a->envp[i] = (char *)"";
}

/* What Linux counts against the limit: the file name, every string with
 * its NUL and every pointer. */
static size_t args_bytes(const struct args *a)
{
    size_t n = sizeof(SELF) + (a->argc + a->envc) * sizeof(char *);
    for (size_t i = 0; i < a->argc; i++)
        n += strlen(a->argv[i]) + 1;
    for (size_t i = 0; i < a->envc; i++)
        n += strlen(a->envp[i]) + 1;
    return n;
}

/* Arguments of exactly `total` bytes: envp holds padding strings of at
 * most ARG_STRLEN_MAX bytes each. */
static void args_of_size(struct args *a, size_t total)
{
    size_t per = ARG_STRLEN_MAX + sizeof(char *);
    size_t k = (total + per - 1) / per;
    args_init(a, 4, k);
    size_t base = args_bytes(a) - k; /* the k empty strings counted 1 each */
    CHECK(total > base + 3 * k);
    size_t left = total - base;
    for (size_t i = 0; i < k; i++) {
        size_t len = left / (k - i); /* with the NUL */
        CHECK(len <= ARG_STRLEN_MAX && len >= 3);
        char *s = malloc(len);
        CHECK(s);
        memset(s, 'x', len - 1);
        memcpy(s, "P=", 2);
        s[len - 1] = '\0';
        a->envp[i] = s;
        left -= len;
    }
    CHECK_EQ(args_bytes(a), total);
}

static void args_free(struct args *a)
{
    for (size_t i = 0; i < a->envc; i++)
        if (a->envp[i][0]) free(a->envp[i]);
    free(a->argv);
    free(a->envp);
}

/* posix_spawn's answer: 0 once the child said "child ok" and exited 0. */
static int spawn(struct args *a)
{
    pid_t pid;
    fflush(stdout);
    int r = posix_spawn(&pid, SELF, NULL, NULL, a->argv, a->envp);
    if (r != 0) return r;
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    return 0;
}

/* Both ways see E2BIG, and the execve in place leaves this image as it was. */
static void check_e2big(struct args *a)
{
    CHECK_EQ(spawn(a), E2BIG);
    CHECK_ERRNO(execve(SELF, a->argv, a->envp), E2BIG);
}

int main(int argc, char **argv, char **envp)
{
    if (argc >= 4 && strcmp(argv[1], "child") == 0) return child(argc, argv, envp);
    struct args a;

    /* One string: 32 pages with its NUL fit, one more byte does not. */
    set_stack_limit(8 << 20);
    args_init(&a, 5, 0);
    char *s = malloc(ARG_STRLEN_MAX + 1);
    CHECK(s);
    memset(s, 'y', ARG_STRLEN_MAX);
    s[ARG_STRLEN_MAX - 1] = '\0';
    a.argv[4] = s;
    CHECK_EQ(spawn(&a), 0);
    s[ARG_STRLEN_MAX - 1] = 'y';
    s[ARG_STRLEN_MAX] = '\0';
    check_e2big(&a);
    free(s);
    args_free(&a);

    /* The total: a quarter of an 8 MiB limit, and the 32-page floor under
     * a 256 KiB one (a quarter of it would be 64 KiB). */
    size_t limits[][2] = {{8 << 20, 2 << 20}, {256 << 10, 128 << 10}};
    for (size_t i = 0; i < 2; i++) {
        set_stack_limit(limits[i][0]);
        args_of_size(&a, limits[i][1]);
        CHECK_EQ(spawn(&a), 0);
        args_free(&a);
        args_of_size(&a, limits[i][1] + 1);
        check_e2big(&a);
        args_free(&a);
    }

    /* Pointers count too: 270,000 empty strings take 2.4 MB of them. */
    set_stack_limit(8 << 20);
    args_init(&a, 135000, 135000);
    check_e2big(&a);
    args_free(&a);

    /* 115,000 empty argv and envp strings: about 2.07 MB, under 2 MiB. */
    args_init(&a, HUGE_COUNT, HUGE_COUNT);
    CHECK(args_bytes(&a) < (2 << 20));
    CHECK_EQ(spawn(&a), 0);
    fflush(stdout);
    execve(SELF, a.argv, a.envp); /* this process becomes the child */
    perror("execve");
    return 1;
}

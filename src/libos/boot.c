/*
 * boot: from the PAL's hand-over to the first process's exit status.
 *
 * Order matters: the log level first (so that every later failure can
 * be reported as configured), then the config, the user region, the mount
 * tree, the trap handlers, and finally the first process.
 */
#include "syscall/strace.h"
#include "libos.h"

#include "common/config.h"
#include "entry/rewrite.h"
#include "fs/fs_core.h"
#include "fs/path.h"
#include "fs/sefs_rw.h"
#include "pal/pal.h"
#include "time/ktimer.h"
#include "process/process.h"
#include "util/log.h"
#include "vm/vm.h"
#include "util/crypto_heap.h"
#include "util/kheap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

struct occlum_config libos_config;

static const char *host_getenv(char *const envp[], const char *name)
{
    size_t n = strlen(name);
    for (; envp && *envp; envp++) {
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') return *envp + n + 1;
    }
    return NULL;
}

/* env.default, then the host's values of env.untrusted (which override). */
static char **build_app_env(const struct occlum_config *cfg, char *const host_envp[])
{
    size_t max = cfg->n_env_default + cfg->n_env_untrusted + 1;
    char **env = kcalloc(max, sizeof(char *));
    size_t n = 0;
    if (!env) return NULL;
    for (size_t i = 0; i < cfg->n_env_default; i++)
        env[n++] = cfg->env_default[i];
    for (size_t i = 0; i < cfg->n_env_untrusted; i++) {
        const char *name = cfg->env_untrusted[i];
        const char *val = host_getenv(host_envp, name);
        if (!val) continue;
        size_t len = strlen(name);
        char *kv = kmalloc(len + strlen(val) + 2);
        if (!kv) continue;
        sprintf(kv, "%s=%s", name, val);
        size_t j;
        for (j = 0; j < n; j++) {
            if (strncmp(env[j], name, len) == 0 && env[j][len] == '=') break;
        }
        env[j == n ? n++ : j] = kv;
    }
    env[n] = NULL;
    return env;
}

/* Free what build_app_env allocated (the untrusted pairs). */
static void free_app_env(const struct occlum_config *cfg, char **env)
{
    for (char **e = env; *e; e++) {
        bool from_config = false;
        for (size_t i = 0; i < cfg->n_env_default && !from_config; i++)
            from_config = *e == cfg->env_default[i];
        if (!from_config) kfree(*e);
    }
    kfree(env);
}

static bool in_entry_points(const struct occlum_config *cfg, const char *path)
{
    for (size_t i = 0; i < cfg->n_entry_points; i++) {
        const char *e = cfg->entry_points[i];
        size_t n = strlen(e);
        while (n > 1 && e[n - 1] == '/')
            n--;
        if (strncmp(path, e, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1)) return true;
    }
    return false;
}

static int exit_code_of(int wstatus)
{
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return 1;
}

int libos_heap_init(void)
{
    if (kheap_create(KHEAP_RESERVE) < 0) return 1;
    if (crypto_heap_init() < 0) {
        log_error("OpenSSL allocated before the kernel heap was set up: libos_heap_init must "
                  "come first");
        return 1;
    }
    return 0;
}

static bool boot_serves_timers;

int libos_init(const char *config_json, const char *instance_dir, char *const host_envp[])
{
    const char *lvl = host_getenv(host_envp, "OCCLUM_LOG_LEVEL");
    if (lvl && log_set_level_name(lvl) < 0) {
        log_error("OCCLUM_LOG_LEVEL=%s is not a level; use off, error, warn, info, debug or trace",
                  lvl);
        return 1;
    }
    const char *trace_to = host_getenv(host_envp, "OCCLUM_STRACE");
    const char *stats = host_getenv(host_envp, "OCCLUM_STATS");
    if (trace_to && !trace_to[0]) trace_to = NULL;
    if (trace_to && strcmp(trace_to, "-") != 0 && trace_to[0] != '/') {
        log_error("OCCLUM_STRACE=%s: give \"-\" (standard error) or an absolute host path",
                  trace_to);
        return 1;
    }
    int tr = strace_init(trace_to, stats && strcmp(stats, "1") == 0);
    if (tr < 0) {
        log_error("--strace: cannot open %s for writing: %s", trace_to, strerror(-tr));
        return 1;
    }
    const char *rw = host_getenv(host_envp, "OCCLUM_SYSCALL_REWRITE");
    if (rw && strcmp(rw, "0") == 0) rewrite_enabled = false;
    const char *rwlog = host_getenv(host_envp, "OCCLUM_REWRITE_LOG");
    if (rwlog && strcmp(rwlog, "1") == 0) rewrite_log_refused = true;
    const char *stale = host_getenv(host_envp, "OCCLUM_REWRITE_SHARE_STALE");
    if (stale && strcmp(stale, "1") == 0) rewrite_share_stale = true;
    const char *no_fast = pal_fast_path_init();
    if (no_fast && rewrite_enabled) {
        log_warn("the system call fast path is off (%s): every system call takes the slower "
                 "trap path",
                 no_fast);
        rewrite_enabled = false;
    }
    if (rewrite_enabled) rewrite_init();
    char err[512];
    if (config_load_string(config_json, "build/Occlum.json.protected", &libos_config, err,
                           sizeof(err)) < 0) {
        log_error("%s; fix Occlum.json and run 'occlum build'", err);
        return 1;
    }
    kheap_set_limit(libos_config.kernel_space_heap_size);
    if (vm_init(libos_config.user_space_size) < 0) {
        log_error("cannot reserve resource_limits.user_space_size (%llu bytes) of address space; "
                  "lower it in Occlum.json",
                  (unsigned long long)libos_config.user_space_size);
        return 1;
    }
    if (vfs_init(&libos_config, instance_dir, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return 1;
    }
    int r = pal_trap_install();
    if (r < 0) {
        log_error("cannot install the trap handlers: %s", strerror(-r));
        return 1;
    }
    /* `occlum run`'s boot thread only waits for the program: it fires the
     * timers too, one host thread fewer (libos_boot) */
    if ((r = boot_serves_timers ? ktimer_serve_here() : ktimer_start()) < 0) {
        log_error("cannot start the LibOS timer thread: %s", strerror(-r));
        return 1;
    }
    return 0;
}

/* The host fds a failed start did not hand to a process. */
static void close_stdio(const int fds[3])
{
    for (int i = 0; fds && i < 3; i++)
        if (fds[i] >= 0) pal_host_close(fds[i]);
}

int libos_start_program(const char *path, char *const argv[], char *const host_envp[],
                        const int stdio_fds[3], int *pid_out, char *err, size_t errlen)
{
    if (path[0] != '/') {
        snprintf(err, errlen,
                 "%s: the program path must be absolute inside the instance, e.g. /bin/%s", path,
                 path);
        close_stdio(stdio_fds);
        return 127;
    }
    if (!in_entry_points(&libos_config, path)) {
        snprintf(err, errlen,
                 "%s is not under any of entry_points in Occlum.json; add its directory there "
                 "and run 'occlum build'",
                 path);
        close_stdio(stdio_fds);
        return 126;
    }
    char **envp = build_app_env(&libos_config, host_envp);
    if (!envp) {
        snprintf(err, errlen, "out of memory");
        close_stdio(stdio_fds);
        return 1;
    }
    int pid = process_spawn(path, argv, envp, stdio_fds); /* takes the fds */
    free_app_env(&libos_config, envp);
    if (pid >= 0) {
        *pid_out = pid;
        return 0;
    }
    switch (pid) {
    case -ENOENT:
        snprintf(err, errlen,
                 "%s: no such file in the image; copy it into image%s and run 'occlum build'", path,
                 path);
        return 127;
    case -ENOEXEC:
        snprintf(err, errlen, "%s: not an x86-64 ELF executable or script (ENOEXEC)", path);
        return 126;
    case -EACCES:
        snprintf(err, errlen, "%s: permission denied (not a regular executable file, or on hostfs)",
                 path);
        return 126;
    case -ENOMEM:
        snprintf(err, errlen,
                 "%s: out of memory loading it; increase resource_limits.user_space_size", path);
        return 126;
    default:
        snprintf(err, errlen, "%s: cannot run: %s", path, strerror(-pid));
        return 126;
    }
}

int libos_wait_exit(int pid)
{
    return exit_code_of(process_wait_exit(pid));
}

void libos_release_program(int pid)
{
    process_release(pid);
}

int libos_wait_program(int pid)
{
    int code = libos_wait_exit(pid);
    libos_release_program(pid);
    return code;
}

void libos_signal_program(int pid, int sig)
{
    process_signal_group_of(pid, sig);
}

void libos_kill_all(void)
{
    process_kill_all();
}

int libos_sync(void)
{
    return sefs_rw_sync_all();
}

void libos_report(void)
{
    if (stats_on) stats_report();
}

int libos_boot(const char *config_json, const char *instance_dir, const char *path,
               char *const argv[], char *const host_envp[])
{
    boot_serves_timers = true; /* it waits in libos_wait_program below */
    int r = libos_init(config_json, instance_dir, host_envp);
    if (r != 0) return r;
    int pid;
    char err[LIBOS_PATH_MAX + 256];
    r = libos_start_program(path, argv, host_envp, NULL, &pid, err, sizeof(err));
    if (r != 0) {
        log_error("%s", err);
        return r;
    }
    r = libos_wait_program(pid);
    libos_report();
    /* The run is over: the writable layer commits what is left. */
    if (libos_sync() < 0) log_error("the writable layer could not commit at exit");
    return r;
}

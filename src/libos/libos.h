/*
 * libos: the LibOS's entry point from its PAL.
 */
#ifndef LIBOS_H
#define LIBOS_H

#include <stddef.h>

/*
 * The first call of the host process, before any other library call that
 * allocates (OpenSSL's included): the kernel heap, shared by every host
 * process of the instance, from which the LibOS and OpenSSL allocate.
 * 0, or non-zero (an exit code) after a log line.
 */
int libos_heap_init(void);

/*
 * Boot the LibOS with the internal config (JSON text written by `occlum
 * build`), run `path` with argv as the first process, and return the exit
 * code `occlum run` should give: the program's exit status, 128+signal when
 * it was killed, 127 when it was not found, 126 when it could not be run.
 * host_envp is the host's environment; only env.untrusted names pass.
 */
int libos_boot(const char *config_json, const char *instance_dir, const char *path,
               char *const argv[], char *const host_envp[]);

/*
 * The same in steps, for a server that runs many programs in one LibOS
 * (`occlum start` / `occlum exec`). Each returns 0, or the exit code as
 * libos_boot would.
 *
 * libos_init: config, user region, mounts, traps (once).
 * libos_start_program: a new first process (its own session) running
 *   path; stdio_fds are host fds for its fds 0, 1, 2, handed over to the
 *   LibOS even when it fails (NULL: the host's own 0, 1, 2). *pid gets
 *   its pid; on failure err gets one line saying why and what to do.
 * libos_wait_exit: block until it ended; its exit code. Then
 *   libos_release_program(pid) forgets it (until then its pid is not
 *   reused, so libos_signal_program(pid, sig), which signals its process
 *   group, cannot reach another program). libos_wait_program: both.
 * libos_kill_all: SIGKILL every process and wait for them.
 * libos_sync: commit the writable layer (< 0 on failure).
 */
int libos_init(const char *config_json, const char *instance_dir, char *const host_envp[]);
int libos_start_program(const char *path, char *const argv[], char *const host_envp[],
                        const int stdio_fds[3], int *pid, char *err, size_t errlen);
int libos_wait_exit(int pid);
void libos_release_program(int pid);
int libos_wait_program(int pid);
void libos_signal_program(int pid, int sig);
void libos_kill_all(void);
/* `occlum ps`: the process table as text (a header line, then one line per
 * process: pid, ppid, pgid, state, threads, command), NUL-terminated in
 * buf, cut at len; returns its length. */
size_t libos_ps(char *buf, size_t len);
/* `occlum kill`: signal sig to process pid; 0, -ESRCH, -EINVAL. */
int libos_kill(int pid, int sig);
/* The --stats table, when asked for (the end of a run, or of a server). */
void libos_report(void);
int libos_sync(void);

#endif

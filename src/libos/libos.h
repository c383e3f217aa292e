/*
 * libos: the LibOS's entry point from its PAL.
 */
#ifndef LIBOS_H
#define LIBOS_H

/*
 * Boot the LibOS with the internal config (JSON text written by `occlum
 * build`), run `path` with argv as the first process, and return the exit
 * code `occlum run` should give: the program's exit status, 128+signal when
 * it was killed, 127 when it was not found, 126 when it could not be run.
 * host_envp is the host's environment; only env.untrusted names pass.
 */
int libos_boot(const char *config_json, const char *instance_dir, const char *path,
               char *const argv[], char *const host_envp[]);

#endif

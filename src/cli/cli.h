/*
 * cli.h: what the `occlum` subcommands share: the command table entry,
 * error reporting, where the installation and the instance are, the build
 * digest, and the file-system copy helpers (fsutil.c).
 */
#ifndef OCCLUM_CLI_H
#define OCCLUM_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* One subcommand: `occlum <name> ...`. run() gets argv starting at <name>. */
struct cli_cmd {
    const char *name;
    const char *synopsis; /* "new <dir>" */
    const char *summary;  /* one line for `occlum --help` */
    const char *help;     /* the body of `occlum <name> --help` */
    int (*run)(int argc, char **argv);
};

extern const struct cli_cmd cmd_new, cmd_init, cmd_build, cmd_run, cmd_status;
/* server.c: a long-running instance (occlum start / exec / stop). */
extern const struct cli_cmd cmd_start, cmd_exec, cmd_stop;
/* package.c: the built instance for another machine. */
extern const struct cli_cmd cmd_package;
/* ps.c: the processes of a started instance (occlum ps / kill). */
extern const struct cli_cmd cmd_ps, cmd_kill;
/* print.c: the signed measurement and signer (signing and measurement). */
extern const struct cli_cmd cmd_print;
/* gen_image_key.c: the encrypted image layer's key (storage). */
extern const struct cli_cmd cmd_gen_image_key;
/* mount.c: the union tree on the host through FUSE (src/fuse/). */
extern const struct cli_cmd cmd_mount;
/* add.c: host programs and their libraries into image/ (src/bom/). */
extern const struct cli_cmd cmd_add;

/* Prints "occlum <cmd>: <message>\n" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "occlum <cmd>: warning: <message>\n" on stderr. */
void cli_warn(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints `occlum <name> --help`. */
void cli_print_cmd_help(const struct cli_cmd *c, FILE *out);
/* True when argv[1] asks for help (-h, --help). */
bool cli_wants_help(int argc, char **argv);

/*
 * The installation prefix: the directory above the one holding this
 * executable (<prefix>/bin/occlum). Returns 0, or -1 after printing an error.
 */
int cli_prefix(const char *cmd, char *out, size_t len);

/*
 * The instance is the current directory; it must hold Occlum.json. Writes
 * its absolute path into dir. Returns 0, or -1 after printing the
 * "not an Occlum instance" error.
 */
int cli_instance(const char *cmd, char *dir, size_t len);

#define DIGEST_HEX_LEN 64
#define BUILD_STAMP "build/.stamp"
/* In a packaged instance (occlum package): the build stamp it was packed
 * with; such an instance has no image/ to check the build against. */
#define PACKAGE_MARK ".occlum-package"
#define BUILD_ROOT "build/mount/__ROOT"
#define BUILD_CONFIG "build/Occlum.json.protected"
#define RUN_ROOT "run/mount/__ROOT"

/*
 * SHA-256 over Occlum.json's bytes and image/'s tree (names, types, modes,
 * sizes, mtimes, symlink targets), as lowercase hex. Paths are relative to
 * the instance dir `dir`. Returns 0, or -1 with a reason in err.
 */
int instance_digest(const char *dir, char hex[DIGEST_HEX_LEN + 1], char *err, size_t errlen);
/* Reads build/.stamp; returns 0, or -1 when there is no valid stamp. */
int read_stamp(const char *dir, char hex[DIGEST_HEX_LEN + 1]);

/* ---- runtime.c ---- */

/* 0 when build/ is current; else prints why and returns -1. */
int cli_check_build(const char *cmd, const char *dir);
/* Takes `--image-key <file>` off the front of argv[1..] (setting
 * OCCLUM_IMAGE_KEY_FILE for the runtime); 0, or -1 after an error line. */
int cli_take_image_key(const char *cmd, int *argc, char ***argv);
/* The same for one of --strace, --strace=FILE (made absolute) and --stats:
 * they become OCCLUM_STRACE / OCCLUM_STATS for the runtime. */
int cli_take_trace_options(const char *cmd, int *argc, char ***argv);
/* The LibOS runtime binary (<prefix>/lib/occlum/occlum-libos); 0, or -1
 * after an error line. */
int cli_runtime(const char *cmd, char *out, size_t len);
/* A connection to the instance's server (occlum start), or -1 (errno) when
 * none answers. */
int cli_server_connect(const char *dir);

/* ---- fsutil.c ---- */

/*
 * snprintf for paths. When the result does not fit, buf becomes "" (so no
 * system call can act on a truncated, different path), errno ENAMETOOLONG,
 * and it returns -1.
 */
int pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct copy_stats {
    unsigned long files, dirs, symlinks, skipped;
};

/* mkdir -p; existing directories are fine. Returns 0 or -1 (errno set). */
int mkdir_p(const char *path, mode_t mode);
/* 1 when `path` is an empty directory, 0 when it has entries, -1 on error. */
int dir_is_empty(const char *path);
/* rm -rf; a missing path is fine. Returns 0 or -1 with the failing path. */
int remove_tree(const char *path, char *failed, size_t flen);
/* Copies a regular file, mode `mode`, replacing dst. Returns 0 or -1. */
int copy_file(const char *src, const char *dst, mode_t mode);
/* The same, keeping the access and modification times `times` (if not NULL). */
int copy_file_times(const char *src, const char *dst, mode_t mode, const struct timespec *times);
/*
 * cp -a for directories, regular files and symlinks (modes and mtimes kept).
 * Sockets, devices and FIFOs are skipped with a warning under `cmd`. On
 * failure returns -1 and writes "<path>: <reason>" into err.
 */
int copy_tree(const char *cmd, const char *src, const char *dst, struct copy_stats *st, char *err,
              size_t errlen);
/* Writes `text` to `path` (created or truncated) with `mode`. */
int write_text(const char *path, const char *text, mode_t mode);
/* Reads a whole (small) file into a NUL-terminated heap buffer; NULL on error. */
char *read_text(const char *path, size_t *len);
/* Counts non-directory entries under `path`; -1 on error. */
long count_files(const char *path);

#endif

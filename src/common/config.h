/*
 * config: Occlum.json, parsed and validated into one plain struct.
 *
 * Shared by the CLI (`occlum build` validates the user's Occlum.json and
 * writes the internal copy) and by the LibOS runtime (which reads the
 * internal copy at start-up). The schema is Occlum's, so Occlum users'
 * configs work unchanged; unknown keys are ignored, as Occlum does.
 */
#ifndef OCCLUM_COMMON_CONFIG_H
#define OCCLUM_COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_LIST 64
#define CONFIG_MAX_MOUNTS 32

struct config_mount {
    char *target;  /* absolute path inside the LibOS, e.g. "/host" */
    char *type;    /* "sefs", "unionfs", "hostfs", "ramfs", "devfs", "procfs" */
    char *source;  /* may be NULL; relative paths are relative to the instance */
    bool readonly; /* options.readonly, or the image layer */
    /* unionfs: options.layers in the JSON's order, as Occlum lists them:
     * the read-only image layer first (./build/mount/__ROOT), the writable
     * layer last (./run/mount/__ROOT); all but the last are readonly. */
    struct config_mount *layers;
    size_t nlayers;
    char *mac;           /* options.MAC, may be NULL */
    uint64_t cache_size; /* options.cache_size (sefs block cache), 0 = default */
};

struct occlum_config {
    /* resource_limits */
    uint64_t kernel_space_heap_size;
    uint64_t kernel_space_stack_size;
    uint64_t user_space_size;
    uint64_t max_num_of_threads;
    /* process */
    uint64_t default_stack_size;
    uint64_t default_heap_size;
    uint64_t default_mmap_size;
    /* process.default_uid / default_gid: the first process's real,
     * effective, saved and fs ids (0: root, as Occlum) */
    uint32_t default_uid, default_gid;
    /* entry_points: absolute directories or files */
    char *entry_points[CONFIG_MAX_LIST];
    size_t n_entry_points;
    /* env.default: "NAME=value"; env.untrusted: "NAME" */
    char *env_default[CONFIG_MAX_LIST];
    size_t n_env_default;
    char *env_untrusted[CONFIG_MAX_LIST];
    size_t n_env_untrusted;
    /* metadata */
    uint64_t product_id;
    uint64_t version_number;
    bool debuggable;
    /* mount */
    struct config_mount mounts[CONFIG_MAX_MOUNTS];
    size_t n_mounts;
};

/*
 * Parse a size such as "32MB", "1GB", "4096", "512KB", "1.5GB" is rejected.
 * Units: B, KB, MB, GB, TB (powers of 1024, as Occlum); a bare number is bytes.
 * Returns 0 and sets *out, or -1 when the string is not a size.
 */
int config_parse_size(const char *s, uint64_t *out);

/*
 * Load and validate a config file. On success returns 0 and fills *cfg.
 * On failure returns -1 and writes one human-readable line (no trailing
 * newline) into err: it names the file, the line and column for syntax
 * errors, the JSON path of a missing or bad field (e.g.
 * "resource_limits.user_space_size: \"30XB\" is not a size (use e.g. \"300MB\")").
 */
int config_load(const char *path, struct occlum_config *cfg, char *err, size_t errlen);

/* Same, from an in-memory string; `name` is used in messages. */
int config_load_string(const char *json, const char *name, struct occlum_config *cfg, char *err,
                       size_t errlen);

void config_free(struct occlum_config *cfg);

#endif

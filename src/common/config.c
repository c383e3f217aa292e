/*
 * config.c: owns parsing and validation of Occlum.json (see config.h).
 *
 * The schema is Occlum's. Every error is one line that starts with the
 * config's name and then either `<line>:<column>:` (JSON syntax, from
 * jansson) or the JSON path of the offending field, and says how to fix it.
 * Unknown keys are ignored, as Occlum ignores them.
 *
 * Mount layers: for a unionfs mount, `layers` keeps the order of the JSON.
 * Occlum lists the read-only image layer first ("./build/mount/__ROOT") and
 * the writable layer last ("./run/mount/__ROOT"), so layers[0] is the
 * lowest layer and layers[nlayers - 1] is the upper, writable one. Every
 * layer but the last is marked readonly.
 */
#include "common/alloc.h"
#include "common/config.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defaults for the optional fields (Occlum's template values). */
#define DEFAULT_KERNEL_HEAP (4ULL << 30)
#define DEFAULT_KERNEL_STACK (1ULL << 20)
#define DEFAULT_MAX_THREADS 32
#define MAX_CONFIG_BYTES (16 << 20)
#define MAX_LAYERS 8

/* Used when Occlum.json has no "mount": the template's mounts. */
static const char default_mounts_json[] =
    "[{\"target\":\"/\",\"type\":\"unionfs\",\"options\":{\"layers\":["
    "{\"target\":\"/\",\"type\":\"sefs\",\"source\":\"./build/mount/__ROOT\","
    "\"options\":{\"MAC\":\"\"}},"
    "{\"target\":\"/\",\"type\":\"sefs\",\"source\":\"./run/mount/__ROOT\"}]}},"
    "{\"target\":\"/host\",\"type\":\"hostfs\",\"source\":\".\"},"
    "{\"target\":\"/proc\",\"type\":\"procfs\"},"
    "{\"target\":\"/dev\",\"type\":\"devfs\"},"
    "{\"target\":\"/tmp\",\"type\":\"ramfs\"}]";

static const char *const mount_types[] = {"sefs", "unionfs", "hostfs", "ramfs", "devfs", "procfs"};

/* Where error messages go, and the name they start with. */
struct ctx {
    const char *name;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct ctx *c, const char *fmt, ...)
{
    if (!c->err || c->errlen == 0) return -1;
    int n = snprintf(c->err, c->errlen, "%s: ", c->name);
    if (n < 0 || (size_t)n >= c->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* ---- sizes ---- */

static int unit_factor(const char *u, uint64_t *factor)
{
    static const struct {
        const char *name;
        unsigned shift;
    } units[] = {{"", 0},    {"B", 0},  {"K", 10},  {"KB", 10}, {"M", 20},
                 {"MB", 20}, {"G", 30}, {"GB", 30}, {"T", 40},  {"TB", 40}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(u, units[i].name) == 0) {
            *factor = 1ULL << units[i].shift;
            return 0;
        }
    }
    return -1;
}

int config_parse_size(const char *s, uint64_t *out)
{
    if (!s) return -1;
    while (*s == ' ' || *s == '\t')
        s++;
    /* Digits only: strtoull would accept "-1", "+1", "0x10" and "1e3". */
    if (*s < '0' || *s > '9') return -1;
    uint64_t n = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10) return -1;
        n = n * 10 + d;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    char unit[4];
    size_t len = 0;
    while (*s && *s != ' ' && *s != '\t') {
        if (len + 1 >= sizeof(unit)) return -1;
        unit[len++] = *s++;
    }
    unit[len] = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s) return -1;
    uint64_t factor;
    if (unit_factor(unit, &factor) < 0) return -1;
    if (n != 0 && factor > UINT64_MAX / n) return -1;
    *out = n * factor;
    return 0;
}

/* ---- typed field getters; `path` is the JSON path used in messages ---- */

static int get_object(struct ctx *c, json_t *parent, const char *key, json_t **out)
{
    json_t *v = json_object_get(parent, key);
    *out = NULL;
    if (!v) return 0;
    if (!json_is_object(v)) return fail(c, "%s: expected an object, got %s", key, type_name(v));
    *out = v;
    return 0;
}

static int get_size(struct ctx *c, json_t *sect, const char *sname, const char *key, bool required,
                    uint64_t def, uint64_t *out)
{
    json_t *v = sect ? json_object_get(sect, key) : NULL;
    if (!v) {
        if (required) return fail(c, "missing required field \"%s.%s\"", sname, key);
        *out = def;
        return 0;
    }
    if (!json_is_string(v))
        return fail(c, "%s.%s: expected a size string such as \"32MB\", got %s", sname, key,
                    type_name(v));
    if (config_parse_size(json_string_value(v), out) < 0)
        return fail(c, "%s.%s: \"%s\" is not a size (use e.g. \"300MB\")", sname, key,
                    json_string_value(v));
    return 0;
}

static int get_uint(struct ctx *c, json_t *sect, const char *sname, const char *key, uint64_t def,
                    uint64_t *out)
{
    json_t *v = sect ? json_object_get(sect, key) : NULL;
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v))
        return fail(c, "%s.%s: expected a non-negative integer, got %s", sname, key, type_name(v));
    if (json_integer_value(v) < 0)
        return fail(c, "%s.%s: %lld is negative (use a number >= 0)", sname, key,
                    (long long)json_integer_value(v));
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_bool(struct ctx *c, json_t *sect, const char *sname, const char *key, bool def,
                    bool *out)
{
    json_t *v = sect ? json_object_get(sect, key) : NULL;
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_boolean(v))
        return fail(c, "%s.%s: expected true or false, got %s", sname, key, type_name(v));
    *out = json_is_true(v);
    return 0;
}

/* An optional string; *out is NULL when absent. */
static int get_string(struct ctx *c, json_t *obj, const char *path, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) return 0;
    if (!json_is_string(v))
        return fail(c, "%s.%s: expected a string, got %s", path, key, type_name(v));
    *out = kstrdup(json_string_value(v));
    if (!*out) return fail(c, "out of memory");
    return 0;
}

/* Checks one string list entry; returns NULL when fine, else the reason. */
typedef const char *(*item_check_fn)(const char *s);

static int get_str_list(struct ctx *c, json_t *arr, const char *path, char **out, size_t *n,
                        item_check_fn check)
{
    if (!json_is_array(arr))
        return fail(c, "%s: expected an array of strings, got %s", path, type_name(arr));
    if (json_array_size(arr) > CONFIG_MAX_LIST)
        return fail(c, "%s: %zu entries, at most %d are supported", path, json_array_size(arr),
                    CONFIG_MAX_LIST);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            return fail(c, "%s[%zu]: expected a string, got %s", path, i, type_name(v));
        const char *s = json_string_value(v);
        const char *why = check ? check(s) : NULL;
        if (why) return fail(c, "%s[%zu]: \"%s\" %s", path, i, s, why);
        out[i] = kstrdup(s);
        if (!out[i]) return fail(c, "out of memory");
        *n = i + 1;
    }
    return 0;
}

static const char *check_entry_point(const char *s)
{
    return s[0] == '/' ? NULL : "is not an absolute path (write e.g. \"/bin\")";
}

static const char *check_env_default(const char *s)
{
    const char *eq = strchr(s, '=');
    if (!eq) return "has no '=' (write NAME=value)";
    if (eq == s) return "has an empty name (write NAME=value)";
    return NULL;
}

static const char *check_env_untrusted(const char *s)
{
    if (!s[0]) return "is empty (write a variable name such as \"EXAMPLE\")";
    if (strchr(s, '=')) return "contains '=' (list only the name; the host supplies the value)";
    return NULL;
}

/* ---- sections ---- */

static int parse_resource_limits(struct ctx *c, json_t *root, struct occlum_config *cfg)
{
    json_t *rl;
    if (get_object(c, root, "resource_limits", &rl) < 0) return -1;
    const char *s = "resource_limits";
    if (get_size(c, rl, s, "kernel_space_heap_size", false, DEFAULT_KERNEL_HEAP,
                 &cfg->kernel_space_heap_size) < 0 ||
        get_size(c, rl, s, "kernel_space_stack_size", false, DEFAULT_KERNEL_STACK,
                 &cfg->kernel_space_stack_size) < 0 ||
        get_size(c, rl, s, "user_space_size", true, 0, &cfg->user_space_size) < 0 ||
        get_uint(c, rl, s, "max_num_of_threads", DEFAULT_MAX_THREADS, &cfg->max_num_of_threads) < 0)
        return -1;
    if (cfg->user_space_size == 0)
        return fail(c, "resource_limits.user_space_size: must be larger than 0 (use e.g. "
                       "\"300MB\")");
    if (cfg->max_num_of_threads == 0)
        return fail(c, "resource_limits.max_num_of_threads: must be at least 1 (use e.g. 32)");
    return 0;
}

/* process.default_uid/default_gid: a Linux id, 0 to 4294967294 (-1 means
 * "no id" to the set*id calls). Absent: 0. */
static int get_id(struct ctx *c, json_t *p, const char *key, uint32_t *out)
{
    uint64_t v;
    if (get_uint(c, p, "process", key, 0, &v) < 0) return -1;
    if (v >= UINT32_MAX)
        return fail(c, "process.%s: %llu is not a user or group id (use 0 to 4294967294)", key,
                    (unsigned long long)v);
    *out = (uint32_t)v;
    return 0;
}

static int parse_process(struct ctx *c, json_t *root, struct occlum_config *cfg)
{
    json_t *p;
    if (get_object(c, root, "process", &p) < 0) return -1;
    const char *s = "process";
    if (get_size(c, p, s, "default_stack_size", true, 0, &cfg->default_stack_size) < 0 ||
        get_size(c, p, s, "default_heap_size", true, 0, &cfg->default_heap_size) < 0 ||
        get_size(c, p, s, "default_mmap_size", false, 0, &cfg->default_mmap_size) < 0)
        return -1;
    if (cfg->default_stack_size == 0)
        return fail(c, "process.default_stack_size: must be larger than 0 (use e.g. \"4MB\")");
    if (get_id(c, p, "default_uid", &cfg->default_uid) < 0 ||
        get_id(c, p, "default_gid", &cfg->default_gid) < 0)
        return -1;
    /* Checked here so the mistake shows at build time, not as ENOMEM later. */
    if (cfg->default_stack_size > cfg->user_space_size ||
        cfg->default_heap_size > cfg->user_space_size - cfg->default_stack_size)
        return fail(c,
                    "process.default_stack_size + process.default_heap_size (%llu + %llu bytes) "
                    "exceed resource_limits.user_space_size (%llu bytes); raise user_space_size "
                    "or lower them",
                    (unsigned long long)cfg->default_stack_size,
                    (unsigned long long)cfg->default_heap_size,
                    (unsigned long long)cfg->user_space_size);
    if (cfg->default_mmap_size > cfg->user_space_size)
        return fail(c, "process.default_mmap_size exceeds resource_limits.user_space_size; raise "
                       "user_space_size or lower default_mmap_size");
    return 0;
}

static int parse_entry_points(struct ctx *c, json_t *root, struct occlum_config *cfg)
{
    json_t *ep = json_object_get(root, "entry_points");
    if (!ep) return fail(c, "missing required field \"entry_points\"");
    if (get_str_list(c, ep, "entry_points", cfg->entry_points, &cfg->n_entry_points,
                     check_entry_point) < 0)
        return -1;
    if (cfg->n_entry_points == 0)
        return fail(c, "entry_points: empty; list at least one absolute path such as \"/bin\"");
    return 0;
}

static int parse_env(struct ctx *c, json_t *root, struct occlum_config *cfg)
{
    json_t *env;
    if (get_object(c, root, "env", &env) < 0) return -1;
    if (!env) return 0;
    json_t *d = json_object_get(env, "default");
    if (d && get_str_list(c, d, "env.default", cfg->env_default, &cfg->n_env_default,
                          check_env_default) < 0)
        return -1;
    json_t *u = json_object_get(env, "untrusted");
    if (u && get_str_list(c, u, "env.untrusted", cfg->env_untrusted, &cfg->n_env_untrusted,
                          check_env_untrusted) < 0)
        return -1;
    return 0;
}

static int parse_metadata(struct ctx *c, json_t *root, struct occlum_config *cfg)
{
    json_t *m;
    if (get_object(c, root, "metadata", &m) < 0) return -1;
    const char *s = "metadata";
    if (get_uint(c, m, s, "product_id", 0, &cfg->product_id) < 0 ||
        get_uint(c, m, s, "version_number", 0, &cfg->version_number) < 0 ||
        get_bool(c, m, s, "debuggable", true, &cfg->debuggable) < 0)
        return -1;
    if (cfg->product_id > UINT16_MAX || cfg->version_number > UINT16_MAX)
        return fail(c, "metadata: product_id and version_number must be at most 65535 "
                       "(SGX's ISVPRODID/ISVSVN are 16-bit)");
    return 0;
}

/* ---- mounts ---- */

static bool known_mount_type(const char *t)
{
    for (size_t i = 0; i < sizeof(mount_types) / sizeof(mount_types[0]); i++)
        if (strcmp(t, mount_types[i]) == 0) return true;
    return false;
}

static int parse_mount(struct ctx *c, json_t *m, const char *path, struct config_mount *out,
                       bool is_layer);

static int parse_layers(struct ctx *c, json_t *layers, const char *path, struct config_mount *out)
{
    if (!layers)
        return fail(c,
                    "%s: a unionfs mount needs options.layers (the image layer, then the "
                    "writable layer)",
                    path);
    if (!json_is_array(layers))
        return fail(c, "%s.options.layers: expected an array of mounts, got %s", path,
                    type_name(layers));
    size_t n = json_array_size(layers);
    if (n == 0 || n > MAX_LAYERS)
        return fail(c, "%s.options.layers: has %zu layers; give 1 to %d (Occlum uses 2)", path, n,
                    MAX_LAYERS);
    out->layers = kcalloc(n, sizeof(*out->layers));
    if (!out->layers) return fail(c, "out of memory");
    out->nlayers = n; /* counted up front so config_free frees partial layers */
    for (size_t i = 0; i < n; i++) {
        char sub[256];
        snprintf(sub, sizeof(sub), "%s.options.layers[%zu]", path, i);
        if (parse_mount(c, json_array_get(layers, i), sub, &out->layers[i], true) < 0) return -1;
        if (i + 1 < n) out->layers[i].readonly = true;
    }
    return 0;
}

static int parse_mount_options(struct ctx *c, json_t *m, const char *path, struct config_mount *out,
                               bool is_layer)
{
    json_t *opts = json_object_get(m, "options");
    if (opts && !json_is_object(opts))
        return fail(c, "%s.options: expected an object, got %s", path, type_name(opts));
    char opath[256];
    snprintf(opath, sizeof(opath), "%s.options", path);
    if (opts) {
        bool ro;
        if (get_bool(c, opts, opath, "readonly", false, &ro) < 0) return -1;
        out->readonly = ro;
        if (get_string(c, opts, opath, "MAC", &out->mac) < 0) return -1;
        /* sefs: the layer's block cache, as Occlum's options.cache_size */
        if (get_size(c, opts, opath, "cache_size", false, 0, &out->cache_size) < 0) return -1;
    }
    if (strcmp(out->type, "unionfs") == 0) {
        if (is_layer) return fail(c, "%s: a unionfs layer cannot itself be a unionfs", path);
        return parse_layers(c, opts ? json_object_get(opts, "layers") : NULL, path, out);
    }
    return 0;
}

static int parse_mount(struct ctx *c, json_t *m, const char *path, struct config_mount *out,
                       bool is_layer)
{
    if (!json_is_object(m)) return fail(c, "%s: expected an object, got %s", path, type_name(m));
    if (get_string(c, m, path, "target", &out->target) < 0 ||
        get_string(c, m, path, "type", &out->type) < 0 ||
        get_string(c, m, path, "source", &out->source) < 0)
        return -1;
    if (!out->target) return fail(c, "missing required field \"%s.target\"", path);
    if (out->target[0] != '/')
        return fail(c, "%s.target: \"%s\" is not an absolute path (write e.g. \"/%s\")", path,
                    out->target, out->target);
    if (!out->type) return fail(c, "missing required field \"%s.type\"", path);
    if (!known_mount_type(out->type))
        return fail(c,
                    "%s.type: \"%s\" is not a mount type (use one of sefs, unionfs, hostfs, "
                    "ramfs, devfs, procfs)",
                    path, out->type);
    if (!out->source && (strcmp(out->type, "sefs") == 0 || strcmp(out->type, "hostfs") == 0))
        return fail(c, "%s: a %s mount needs a \"source\" directory (e.g. \"%s\")", path, out->type,
                    strcmp(out->type, "sefs") == 0 ? "./run/mount/__ROOT" : ".");
    return parse_mount_options(c, m, path, out, is_layer);
}

static int parse_mount_array(struct ctx *c, json_t *arr, struct occlum_config *cfg)
{
    if (!json_is_array(arr))
        return fail(c, "mount: expected an array of mounts, got %s", type_name(arr));
    if (json_array_size(arr) > CONFIG_MAX_MOUNTS)
        return fail(c, "mount: %zu entries, at most %d are supported", json_array_size(arr),
                    CONFIG_MAX_MOUNTS);
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m)
    {
        char path[32];
        snprintf(path, sizeof(path), "mount[%zu]", i);
        cfg->n_mounts = i + 1; /* counted first so config_free frees a partial entry */
        if (parse_mount(c, m, path, &cfg->mounts[i], false) < 0) return -1;
    }
    return 0;
}

static int parse_mounts(struct ctx *c, json_t *root, struct occlum_config *cfg)
{
    json_t *arr = json_object_get(root, "mount");
    if (arr) return parse_mount_array(c, arr, cfg);
    json_error_t jerr;
    json_t *def = json_loads(default_mounts_json, 0, &jerr);
    if (!def) return fail(c, "internal error: default mounts: %s", jerr.text);
    int rc = parse_mount_array(c, def, cfg);
    json_decref(def);
    return rc;
}

/* ---- top level ---- */

static int parse_root(struct ctx *c, json_t *root, struct occlum_config *cfg)
{
    if (!json_is_object(root))
        return fail(c, "the top level must be an object ({...}), got %s", type_name(root));
    if (parse_resource_limits(c, root, cfg) < 0 || parse_process(c, root, cfg) < 0 ||
        parse_entry_points(c, root, cfg) < 0 || parse_env(c, root, cfg) < 0 ||
        parse_metadata(c, root, cfg) < 0 || parse_mounts(c, root, cfg) < 0)
        return -1;
    return 0;
}

/* Syntax errors read "<name>:<line>:<column>: <jansson's message>". */
static int syntax_error(struct ctx *c, const json_error_t *jerr)
{
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->name, jerr->line, jerr->column, jerr->text);
    return -1;
}

static int load_buffer(const char *json, size_t len, const char *name, struct occlum_config *cfg,
                       char *err, size_t errlen)
{
    struct ctx c = {name ? name : "Occlum.json", err, errlen};
    memset(cfg, 0, sizeof(*cfg));
    if (err && errlen) err[0] = '\0';
    if (strspn(json, " \t\r\n") == len)
        return fail(&c, "the file is empty; start from the template ('occlum init' writes one)");
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    if (!root) return syntax_error(&c, &jerr);
    int rc = parse_root(&c, root, cfg);
    json_decref(root);
    if (rc < 0) config_free(cfg);
    return rc;
}

int config_load_string(const char *json, const char *name, struct occlum_config *cfg, char *err,
                       size_t errlen)
{
    return load_buffer(json, strlen(json), name, cfg, err, errlen);
}

/* Reads the whole file; returns NULL and the reason in `why` on failure. */
static char *read_file(const char *path, size_t *len, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whylen, "%s", strerror(errno));
        return NULL;
    }
    char *buf = kmalloc(MAX_CONFIG_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_CONFIG_BYTES + 1, f) : 0;
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    if (!buf || rerr || n > MAX_CONFIG_BYTES) {
        snprintf(why, whylen, "%s",
                 !buf   ? "out of memory"
                 : rerr ? strerror(rerr)
                        : "larger than 16 MiB");
        kfree(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int config_load(const char *path, struct occlum_config *cfg, char *err, size_t errlen)
{
    char why[128];
    size_t len = 0;
    memset(cfg, 0, sizeof(*cfg));
    char *text = read_file(path, &len, why, sizeof(why));
    if (!text) {
        struct ctx c = {path, err, errlen};
        return fail(&c, "cannot read the config: %s", why);
    }
    int rc = load_buffer(text, len, path, cfg, err, errlen);
    kfree(text);
    return rc;
}

static void free_mount(struct config_mount *m)
{
    for (size_t i = 0; i < m->nlayers; i++)
        free_mount(&m->layers[i]);
    kfree(m->layers);
    kfree(m->target);
    kfree(m->type);
    kfree(m->source);
    kfree(m->mac);
    memset(m, 0, sizeof(*m));
}

void config_free(struct occlum_config *cfg)
{
    for (size_t i = 0; i < cfg->n_entry_points; i++)
        kfree(cfg->entry_points[i]);
    for (size_t i = 0; i < cfg->n_env_default; i++)
        kfree(cfg->env_default[i]);
    for (size_t i = 0; i < cfg->n_env_untrusted; i++)
        kfree(cfg->env_untrusted[i]);
    for (size_t i = 0; i < cfg->n_mounts; i++)
        free_mount(&cfg->mounts[i]);
    memset(cfg, 0, sizeof(*cfg));
}

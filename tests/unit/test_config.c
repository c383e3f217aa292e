/* unit-sources: src/common/config.c */
/*
 * test_config: unit tests for src/common/config.c (Occlum.json parsing).
 *
 * Covers the shipped template, defaults, every error path a user can hit
 * (syntax with line/column, bad sizes, missing fields, wrong types, bad
 * entry points, env and mounts) and the size parser's edge cases. Run from
 * the repository root (tests/run-unit.sh does) so etc/Occlum.json is found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/config.h"

#define MB (1ULL << 20)

/* The smallest config that names every required field. */
#define REQ_RL "\"resource_limits\": {\"user_space_size\": \"300MB\"}"
#define REQ_PROC "\"process\": {\"default_stack_size\": \"4MB\", \"default_heap_size\": \"32MB\"}"
#define REQ_EP "\"entry_points\": [\"/bin\"]"
#define MINIMAL "{" REQ_RL ", " REQ_PROC ", " REQ_EP "}"
/* MINIMAL plus one more top-level member. */
#define WITH(member) "{" REQ_RL ", " REQ_PROC ", " REQ_EP ", " member "}"

static char err[512];

/* Loads `json`, expects failure, returns the error line. */
static const char *load_fail(const char *json)
{
    struct occlum_config cfg;
    memset(err, 0, sizeof(err));
    int rc = config_load_string(json, "Occlum.json", &cfg, err, sizeof(err));
    if (rc == 0) {
        config_free(&cfg);
        fail_msg("expected an error for: %s", json);
    }
    assert_int_equal(rc, -1);
    assert_true(strlen(err) > 0);
    assert_null(strchr(err, '\n'));
    /* config_load_string must leave nothing allocated behind on failure. */
    assert_int_equal(cfg.n_mounts, 0);
    assert_int_equal(cfg.n_entry_points, 0);
    return err;
}

static void expect_error(const char *json, const char *want)
{
    const char *got = load_fail(json);
    if (strcmp(got, want) != 0) fail_msg("error line\n  got:  %s\n  want: %s", got, want);
}

static void expect_error_contains(const char *json, const char *part)
{
    const char *got = load_fail(json);
    if (!strstr(got, part)) fail_msg("error line \"%s\" does not mention \"%s\"", got, part);
}

static void load_ok(const char *json, struct occlum_config *cfg)
{
    err[0] = '\0';
    int rc = config_load_string(json, "Occlum.json", cfg, err, sizeof(err));
    if (rc != 0) fail_msg("unexpected error: %s", err);
}

/* ---- valid configs ---- */

static void test_template_loads(void **state)
{
    struct occlum_config cfg;
    int rc = config_load("etc/Occlum.json", &cfg, err, sizeof(err));
    if (rc != 0) fail_msg("etc/Occlum.json: %s", err);
    assert_int_equal(cfg.kernel_space_heap_size, 4096 * MB);
    assert_int_equal(cfg.kernel_space_stack_size, 1 * MB);
    assert_int_equal(cfg.user_space_size, 300 * MB);
    assert_int_equal(cfg.max_num_of_threads, 32);
    assert_int_equal(cfg.default_stack_size, 4 * MB);
    assert_int_equal(cfg.default_heap_size, 32 * MB);
    assert_int_equal(cfg.default_mmap_size, 100 * MB);
    assert_int_equal(cfg.n_entry_points, 1);
    assert_string_equal(cfg.entry_points[0], "/bin");
    assert_int_equal(cfg.n_env_default, 1);
    assert_string_equal(cfg.env_default[0], "OCCLUM=yes");
    assert_int_equal(cfg.n_env_untrusted, 1);
    assert_string_equal(cfg.env_untrusted[0], "EXAMPLE");
    assert_int_equal(cfg.product_id, 0);
    assert_int_equal(cfg.version_number, 0);
    assert_true(cfg.debuggable);
    config_free(&cfg);
}

static void test_template_mounts(void **state)
{
    struct occlum_config cfg;
    assert_int_equal(config_load("etc/Occlum.json", &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.n_mounts, 5);
    struct config_mount *root = &cfg.mounts[0];
    assert_string_equal(root->target, "/");
    assert_string_equal(root->type, "unionfs");
    assert_null(root->source);
    assert_int_equal(root->nlayers, 2);
    /* JSON order is kept: the image layer first, the writable layer last. */
    assert_string_equal(root->layers[0].type, "sefs");
    assert_string_equal(root->layers[0].source, "./build/mount/__ROOT");
    assert_non_null(root->layers[0].mac);
    assert_string_equal(root->layers[0].mac, "");
    assert_true(root->layers[0].readonly);
    assert_string_equal(root->layers[1].source, "./run/mount/__ROOT");
    assert_null(root->layers[1].mac);
    assert_false(root->layers[1].readonly);
    assert_string_equal(cfg.mounts[1].target, "/host");
    assert_string_equal(cfg.mounts[1].type, "hostfs");
    assert_string_equal(cfg.mounts[1].source, ".");
    assert_string_equal(cfg.mounts[2].type, "procfs");
    assert_string_equal(cfg.mounts[3].type, "devfs");
    assert_string_equal(cfg.mounts[4].target, "/tmp");
    assert_string_equal(cfg.mounts[4].type, "ramfs");
    config_free(&cfg);
}

static void test_minimal_gets_defaults(void **state)
{
    struct occlum_config cfg;
    load_ok(MINIMAL, &cfg);
    assert_int_equal(cfg.kernel_space_heap_size, 4096 * MB);
    assert_int_equal(cfg.kernel_space_stack_size, 1 * MB);
    assert_int_equal(cfg.max_num_of_threads, 32);
    assert_int_equal(cfg.default_mmap_size, 0);
    assert_true(cfg.debuggable);
    assert_int_equal(cfg.n_env_default, 0);
    /* No "mount": the template's five mounts. */
    assert_int_equal(cfg.n_mounts, 5);
    assert_string_equal(cfg.mounts[0].type, "unionfs");
    assert_int_equal(cfg.mounts[0].nlayers, 2);
    config_free(&cfg);
}

static void test_unknown_keys_ignored(void **state)
{
    struct occlum_config cfg;
    load_ok(WITH("\"feature\": {\"amx\": 0}, \"whatever\": [1, 2]"), &cfg);
    config_free(&cfg);
}

static void test_free_twice_is_safe(void **state)
{
    struct occlum_config cfg;
    load_ok(MINIMAL, &cfg);
    config_free(&cfg);
    config_free(&cfg);
}

static void test_mount_readonly_option(void **state)
{
    struct occlum_config cfg;
    load_ok(WITH("\"mount\": [{\"target\": \"/data\", \"type\": \"hostfs\", \"source\": "
                 "\"./data\", \"options\": {\"readonly\": true}}]"),
            &cfg);
    assert_int_equal(cfg.n_mounts, 1);
    assert_true(cfg.mounts[0].readonly);
    config_free(&cfg);
}

/* ---- syntax errors: name, line and column ---- */

static void test_syntax_missing_comma(void **state)
{
    expect_error("{\n  \"a\": 1\n  \"b\": 2\n}", "Occlum.json:3:5: '}' expected near '\"b\"'");
}

static void test_syntax_trailing_comma(void **state)
{
    expect_error_contains("{\"entry_points\": [\"/bin\",]}", "Occlum.json:1:");
}

static void test_syntax_bad_token_line_col(void **state)
{
    expect_error("{\n\n    \"x\": tru\n}", "Occlum.json:3:12: invalid token near 'tru'");
}

static void test_empty_input(void **state)
{
    expect_error_contains("  \n", "Occlum.json: the file is empty");
}

static void test_top_level_not_object(void **state)
{
    expect_error("[1, 2]", "Occlum.json: the top level must be an object ({...}), got an array");
}

static void test_missing_file(void **state)
{
    struct occlum_config cfg;
    assert_int_equal(config_load("tests/work/no/such/Occlum.json", &cfg, err, sizeof(err)), -1);
    assert_string_equal(err, "tests/work/no/such/Occlum.json: cannot read the config: No such "
                             "file or directory");
}

/* ---- sizes ---- */

static void test_bad_size_names_field(void **state)
{
    expect_error("{\"resource_limits\": {\"user_space_size\": \"30XB\"}}",
                 "Occlum.json: resource_limits.user_space_size: \"30XB\" is not a size (use e.g. "
                 "\"300MB\")");
}

static void test_bad_size_process(void **state)
{
    expect_error_contains("{" REQ_RL ", \"process\": {\"default_stack_size\": \"1.5GB\", "
                          "\"default_heap_size\": \"32MB\"}, " REQ_EP "}",
                          "process.default_stack_size: \"1.5GB\" is not a size");
}

static void test_size_wrong_type(void **state)
{
    expect_error("{\"resource_limits\": {\"user_space_size\": 300}}",
                 "Occlum.json: resource_limits.user_space_size: expected a size string such as "
                 "\"32MB\", got an integer");
}

static void test_stack_heap_sum_overflow(void **state)
{
    /* 2^63 + 2^63 wraps to 0 in 64 bits; the check must not be fooled. */
    expect_error_contains("{\"resource_limits\": {\"user_space_size\": \"16777215TB\"}, "
                          "\"process\": {\"default_stack_size\": \"8388608TB\", "
                          "\"default_heap_size\": \"8388608TB\"}, " REQ_EP "}",
                          "exceed resource_limits.user_space_size");
}

static void test_zero_user_space(void **state)
{
    expect_error_contains("{\"resource_limits\": {\"user_space_size\": \"0\"}, " REQ_PROC
                          ", " REQ_EP "}",
                          "resource_limits.user_space_size: must be larger than 0");
}

static void test_stack_heap_exceed_user_space(void **state)
{
    expect_error_contains("{\"resource_limits\": {\"user_space_size\": \"16MB\"}, " REQ_PROC
                          ", " REQ_EP "}",
                          "exceed resource_limits.user_space_size");
}

/* ---- missing required fields ---- */

static void test_missing_user_space_size(void **state)
{
    expect_error("{\"resource_limits\": {}, " REQ_PROC ", " REQ_EP "}",
                 "Occlum.json: missing required field \"resource_limits.user_space_size\"");
}

static void test_missing_resource_limits(void **state)
{
    expect_error("{" REQ_PROC ", " REQ_EP "}",
                 "Occlum.json: missing required field \"resource_limits.user_space_size\"");
}

static void test_missing_stack_size(void **state)
{
    expect_error("{" REQ_RL ", \"process\": {\"default_heap_size\": \"32MB\"}, " REQ_EP "}",
                 "Occlum.json: missing required field \"process.default_stack_size\"");
}

static void test_missing_heap_size(void **state)
{
    expect_error("{" REQ_RL ", \"process\": {\"default_stack_size\": \"4MB\"}, " REQ_EP "}",
                 "Occlum.json: missing required field \"process.default_heap_size\"");
}

static void test_missing_entry_points(void **state)
{
    expect_error("{" REQ_RL ", " REQ_PROC "}",
                 "Occlum.json: missing required field \"entry_points\"");
}

/* ---- wrong types ---- */

static void test_section_wrong_type(void **state)
{
    expect_error("{\"resource_limits\": [], " REQ_PROC ", " REQ_EP "}",
                 "Occlum.json: resource_limits: expected an object, got an array");
}

static void test_threads_wrong_type(void **state)
{
    expect_error("{\"resource_limits\": {\"user_space_size\": \"300MB\", \"max_num_of_threads\": "
                 "\"32\"}, " REQ_PROC ", " REQ_EP "}",
                 "Occlum.json: resource_limits.max_num_of_threads: expected a non-negative "
                 "integer, got a string");
}

static void test_threads_negative(void **state)
{
    expect_error_contains("{\"resource_limits\": {\"user_space_size\": \"300MB\", "
                          "\"max_num_of_threads\": -4}, " REQ_PROC ", " REQ_EP "}",
                          "resource_limits.max_num_of_threads: -4 is negative");
}

/* ---- process.default_uid / default_gid ---- */

#define PROC_IDS(ids)                                                                              \
    "{" REQ_RL ", \"process\": {\"default_stack_size\": \"4MB\", \"default_heap_size\": "          \
    "\"32MB\"" ids "}, " REQ_EP "}"

static void test_default_ids(void **state)
{
    struct occlum_config cfg;
    load_ok(PROC_IDS(""), &cfg);
    assert_int_equal(cfg.default_uid, 0);
    assert_int_equal(cfg.default_gid, 0);
    config_free(&cfg);
    load_ok(PROC_IDS(", \"default_uid\": 1000, \"default_gid\": 4294967294"), &cfg);
    assert_int_equal(cfg.default_uid, 1000);
    assert_int_equal(cfg.default_gid, 4294967294u);
    config_free(&cfg);
}

static void test_bad_ids(void **state)
{
    expect_error(PROC_IDS(", \"default_uid\": -1"),
                 "Occlum.json: process.default_uid: -1 is negative (use a number >= 0)");
    expect_error(PROC_IDS(", \"default_gid\": 4294967295"),
                 "Occlum.json: process.default_gid: 4294967295 is not a user or group id (use 0 "
                 "to 4294967294)");
    expect_error(PROC_IDS(", \"default_uid\": \"root\""),
                 "Occlum.json: process.default_uid: expected a non-negative integer, got a string");
    expect_error(PROC_IDS(", \"default_gid\": 1.5"),
                 "Occlum.json: process.default_gid: expected a non-negative integer, got a number");
}

static void test_entry_points_wrong_type(void **state)
{
    expect_error("{" REQ_RL ", " REQ_PROC ", \"entry_points\": \"/bin\"}",
                 "Occlum.json: entry_points: expected an array of strings, got a string");
}

static void test_entry_point_item_wrong_type(void **state)
{
    expect_error("{" REQ_RL ", " REQ_PROC ", \"entry_points\": [\"/bin\", 7]}",
                 "Occlum.json: entry_points[1]: expected a string, got an integer");
}

static void test_debuggable_wrong_type(void **state)
{
    expect_error(WITH("\"metadata\": {\"debuggable\": \"yes\"}"),
                 "Occlum.json: metadata.debuggable: expected true or false, got a string");
}

static void test_env_wrong_type(void **state)
{
    expect_error(WITH("\"env\": {\"default\": \"OCCLUM=yes\"}"),
                 "Occlum.json: env.default: expected an array of strings, got a string");
}

static void test_mount_not_array(void **state)
{
    expect_error(WITH("\"mount\": {}"),
                 "Occlum.json: mount: expected an array of mounts, got an object");
}

/* ---- entry points and env ---- */

static void test_entry_point_relative(void **state)
{
    expect_error("{" REQ_RL ", " REQ_PROC ", \"entry_points\": [\"bin\"]}",
                 "Occlum.json: entry_points[0]: \"bin\" is not an absolute path (write e.g. "
                 "\"/bin\")");
}

static void test_entry_points_empty(void **state)
{
    expect_error_contains("{" REQ_RL ", " REQ_PROC ", \"entry_points\": []}",
                          "entry_points: empty");
}

static void test_entry_points_too_many(void **state)
{
    char json[8192];
    int n = snprintf(json, sizeof(json), "{" REQ_RL ", " REQ_PROC ", \"entry_points\": [");
    for (int i = 0; i <= CONFIG_MAX_LIST; i++)
        n += snprintf(json + n, sizeof(json) - (size_t)n, "%s\"/bin%d\"", i ? "," : "", i);
    snprintf(json + n, sizeof(json) - (size_t)n, "]}");
    expect_error_contains(json, "at most 64 are supported");
}

static void test_env_default_needs_equals(void **state)
{
    expect_error(WITH("\"env\": {\"default\": [\"OCCLUM\"]}"),
                 "Occlum.json: env.default[0]: \"OCCLUM\" has no '=' (write NAME=value)");
}

static void test_env_untrusted_no_equals(void **state)
{
    expect_error_contains(WITH("\"env\": {\"untrusted\": [\"A\", \"B=1\"]}"),
                          "env.untrusted[1]: \"B=1\" contains '='");
}

/* ---- mounts ---- */

static void test_mount_relative_target(void **state)
{
    expect_error(WITH("\"mount\": [{\"target\": \"tmp\", \"type\": \"ramfs\"}]"),
                 "Occlum.json: mount[0].target: \"tmp\" is not an absolute path (write e.g. "
                 "\"/tmp\")");
}

static void test_mount_unknown_type(void **state)
{
    expect_error(WITH("\"mount\": [{\"target\": \"/tmp\", \"type\": \"ramfs\"}, "
                      "{\"target\": \"/n\", \"type\": \"nfs\"}]"),
                 "Occlum.json: mount[1].type: \"nfs\" is not a mount type (use one of sefs, "
                 "unionfs, hostfs, ramfs, devfs, procfs)");
}

static void test_mount_missing_target(void **state)
{
    expect_error(WITH("\"mount\": [{\"type\": \"ramfs\"}]"),
                 "Occlum.json: missing required field \"mount[0].target\"");
}

static void test_mount_missing_type(void **state)
{
    expect_error(WITH("\"mount\": [{\"target\": \"/tmp\"}]"),
                 "Occlum.json: missing required field \"mount[0].type\"");
}

static void test_mount_item_not_object(void **state)
{
    expect_error(WITH("\"mount\": [\"/tmp\"]"),
                 "Occlum.json: mount[0]: expected an object, got a string");
}

static void test_hostfs_needs_source(void **state)
{
    expect_error_contains(WITH("\"mount\": [{\"target\": \"/host\", \"type\": \"hostfs\"}]"),
                          "mount[0]: a hostfs mount needs a \"source\"");
}

static void test_unionfs_needs_layers(void **state)
{
    expect_error_contains(WITH("\"mount\": [{\"target\": \"/\", \"type\": \"unionfs\"}]"),
                          "mount[0]: a unionfs mount needs options.layers");
}

static void test_bad_layer_names_path(void **state)
{
    expect_error(WITH("\"mount\": [{\"target\": \"/\", \"type\": \"unionfs\", \"options\": "
                      "{\"layers\": [{\"target\": \"/\", \"type\": \"sefs\", \"source\": \"a\"}, "
                      "{\"target\": \"/\", \"type\": \"sefs\"}]}}]"),
                 "Occlum.json: mount[0].options.layers[1]: a sefs mount needs a \"source\" "
                 "directory (e.g. \"./run/mount/__ROOT\")");
}

static void test_layer_wrong_type(void **state)
{
    expect_error_contains(WITH("\"mount\": [{\"target\": \"/\", \"type\": \"unionfs\", "
                               "\"options\": {\"layers\": {}}}]"),
                          "mount[0].options.layers: expected an array of mounts, got an object");
}

static void test_mount_options_wrong_type(void **state)
{
    expect_error(WITH("\"mount\": [{\"target\": \"/tmp\", \"type\": \"ramfs\", \"options\": 1}]"),
                 "Occlum.json: mount[0].options: expected an object, got an integer");
}

static void test_mount_readonly_wrong_type(void **state)
{
    expect_error_contains(WITH("\"mount\": [{\"target\": \"/tmp\", \"type\": \"ramfs\", "
                               "\"options\": {\"readonly\": \"yes\"}}]"),
                          "mount[0].options.readonly: expected true or false");
}

static void test_too_many_mounts(void **state)
{
    char json[8192];
    int n = snprintf(json, sizeof(json), "{" REQ_RL ", " REQ_PROC ", " REQ_EP ", \"mount\": [");
    for (int i = 0; i <= CONFIG_MAX_MOUNTS; i++)
        n += snprintf(json + n, sizeof(json) - (size_t)n,
                      "%s{\"target\": \"/m%d\", \"type\": \"ramfs\"}", i ? "," : "", i);
    snprintf(json + n, sizeof(json) - (size_t)n, "]}");
    expect_error_contains(json, "mount: 33 entries, at most 32 are supported");
}

/* ---- the size parser ---- */

static void expect_size(const char *s, uint64_t want)
{
    uint64_t v = 12345;
    if (config_parse_size(s, &v) != 0) fail_msg("\"%s\" was rejected", s);
    if (v != want)
        fail_msg("\"%s\" = %llu, want %llu", s, (unsigned long long)v, (unsigned long long)want);
}

static void expect_not_size(const char *s)
{
    uint64_t v = 12345;
    if (config_parse_size(s, &v) == 0)
        fail_msg("\"%s\" was accepted as %llu", s, (unsigned long long)v);
    assert_int_equal(v, 12345); /* untouched on failure */
}

static void test_size_units(void **state)
{
    expect_size("0", 0);
    expect_size("0MB", 0);
    expect_size("1B", 1);
    expect_size("4096", 4096);
    expect_size("1KB", 1024);
    expect_size("1kb", 1024);
    expect_size("1Kb", 1024);
    expect_size("1K", 1024);
    expect_size("32MB", 32 * MB);
    expect_size("32mb", 32 * MB);
    expect_size("1GB", 1ULL << 30);
    expect_size("2TB", 2ULL << 40);
    expect_size(" 32 MB ", 32 * MB);
}

static void test_size_rejects(void **state)
{
    expect_not_size(NULL);
    expect_not_size("");
    expect_not_size("   ");
    expect_not_size("MB");
    expect_not_size("1.5GB");
    expect_not_size("-1MB");
    expect_not_size("-0");
    expect_not_size("+1MB");
    expect_not_size("30XB");
    expect_not_size("1 2MB");
    expect_not_size("0x10");
    expect_not_size("1e3");
    expect_not_size("12MBB");
    expect_not_size("1MB extra");
}

static void test_size_overflow(void **state)
{
    expect_size("18446744073709551615", UINT64_MAX);
    expect_not_size("18446744073709551616");
    expect_not_size("99999999999999999999999MB");
    expect_size("16777215TB", 16777215ULL << 40);
    expect_not_size("16777216TB"); /* exactly 2^64 */
    expect_not_size("17592186044416MB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_loads),
        cmocka_unit_test(test_template_mounts),
        cmocka_unit_test(test_minimal_gets_defaults),
        cmocka_unit_test(test_unknown_keys_ignored),
        cmocka_unit_test(test_free_twice_is_safe),
        cmocka_unit_test(test_mount_readonly_option),
        cmocka_unit_test(test_syntax_missing_comma),
        cmocka_unit_test(test_syntax_trailing_comma),
        cmocka_unit_test(test_syntax_bad_token_line_col),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_top_level_not_object),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_bad_size_names_field),
        cmocka_unit_test(test_bad_size_process),
        cmocka_unit_test(test_size_wrong_type),
        cmocka_unit_test(test_zero_user_space),
        cmocka_unit_test(test_stack_heap_sum_overflow),
        cmocka_unit_test(test_stack_heap_exceed_user_space),
        cmocka_unit_test(test_missing_user_space_size),
        cmocka_unit_test(test_missing_resource_limits),
        cmocka_unit_test(test_missing_stack_size),
        cmocka_unit_test(test_missing_heap_size),
        cmocka_unit_test(test_missing_entry_points),
        cmocka_unit_test(test_section_wrong_type),
        cmocka_unit_test(test_threads_wrong_type),
        cmocka_unit_test(test_threads_negative),
        cmocka_unit_test(test_entry_points_wrong_type),
        cmocka_unit_test(test_entry_point_item_wrong_type),
        cmocka_unit_test(test_debuggable_wrong_type),
        cmocka_unit_test(test_env_wrong_type),
        cmocka_unit_test(test_mount_not_array),
        cmocka_unit_test(test_entry_point_relative),
        cmocka_unit_test(test_entry_points_empty),
        cmocka_unit_test(test_entry_points_too_many),
        cmocka_unit_test(test_env_default_needs_equals),
        cmocka_unit_test(test_env_untrusted_no_equals),
        cmocka_unit_test(test_mount_relative_target),
        cmocka_unit_test(test_mount_unknown_type),
        cmocka_unit_test(test_mount_missing_target),
        cmocka_unit_test(test_mount_missing_type),
        cmocka_unit_test(test_mount_item_not_object),
        cmocka_unit_test(test_hostfs_needs_source),
        cmocka_unit_test(test_unionfs_needs_layers),
        cmocka_unit_test(test_bad_layer_names_path),
        cmocka_unit_test(test_layer_wrong_type),
        cmocka_unit_test(test_mount_options_wrong_type),
        cmocka_unit_test(test_mount_readonly_wrong_type),
        cmocka_unit_test(test_too_many_mounts),
        cmocka_unit_test(test_size_units),
        cmocka_unit_test(test_default_ids),
        cmocka_unit_test(test_bad_ids),
        cmocka_unit_test(test_size_rejects),
        cmocka_unit_test(test_size_overflow),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

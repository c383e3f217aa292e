/*
 * status.c: `occlum status`: what state the instance in the current
 * directory is in: built or not, up to date or stale, how many files the
 * image holds, and the configured user-space size.
 */
#include "cli/cli.h"
#include "common/config.h"

#include <string.h>
#include <sys/stat.h>

#define CMD "status"

static void print_size(uint64_t bytes)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    unsigned u = 0;
    uint64_t v = bytes;
    while (u < 4 && v && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    printf("%llu%s (%llu bytes)\n", (unsigned long long)v, units[u], (unsigned long long)bytes);
}

static void print_build_state(const char *dir)
{
    char stamp[DIGEST_HEX_LEN + 1], digest[DIGEST_HEX_LEN + 1], err[1024], path[PATH_MAX];
    struct stat st;
    pathf(path, sizeof(path), "%s/%s", dir, BUILD_ROOT);
    bool built = read_stamp(dir, stamp) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    printf("built:           %s\n", built ? "yes" : "no (run 'occlum build')");
    if (!built) return;
    if (instance_digest(dir, digest, err, sizeof(err)) < 0)
        printf("up to date:      unknown (%s)\n", err);
    else if (strcmp(digest, stamp) == 0)
        printf("up to date:      yes\n");
    else
        printf("up to date:      no, Occlum.json or image/ changed (run 'occlum build')\n");
}

static int status_main(int argc, char **argv)
{
    if (argc != 1) {
        cli_error(CMD, "takes no arguments");
        return 1;
    }
    char dir[PATH_MAX], image[PATH_MAX + 8], err[1024];
    if (cli_instance(CMD, dir, sizeof(dir)) < 0) return 1;
    printf("instance:        %s\n", dir);
    print_build_state(dir);
    pathf(image, sizeof(image), "%s/image", dir);
    long n = count_files(image);
    if (n < 0)
        printf("image files:     none (image/ is missing)\n");
    else
        printf("image files:     %ld\n", n);

    struct occlum_config cfg;
    if (config_load("Occlum.json", &cfg, err, sizeof(err)) < 0) {
        printf("user_space_size: unknown\n");
        printf("config:          invalid: %s\n", err);
        return 1;
    }
    printf("user_space_size: ");
    print_size(cfg.user_space_size);
    config_free(&cfg);
    return 0;
}

const struct cli_cmd cmd_status = {
    "status",
    "status",
    "Show whether the instance is built and current.",
    "Prints the instance directory, whether it is built, whether the build matches\n"
    "Occlum.json and image/, the number of files in image/ and user_space_size.\n"
    "Exits 1 when Occlum.json is invalid.\n",
    status_main,
};

/*
 * main.c: the `occlum` command's dispatcher: finds the subcommand, prints
 * `occlum --help` and routes `occlum <cmd> --help` / `occlum help <cmd>`.
 */
#include "cli/cli.h"

#include <string.h>

static const struct cli_cmd *const commands[] = {
    &cmd_new,   &cmd_init,          &cmd_build, &cmd_run,  &cmd_start,
    &cmd_exec,  &cmd_stop,          &cmd_ps,    &cmd_kill, &cmd_status,
    &cmd_print, &cmd_gen_image_key, &cmd_mount, &cmd_add,  &cmd_package};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fprintf(out, "Usage: occlum <command> [arguments]\n\n"
                 "Run unmodified Linux programs inside an Occlum LibOS instance.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-31s %s\n", commands[i]->synopsis, commands[i]->summary);
    fprintf(out, "\nRun 'occlum <command> --help' for the details of a command.\n"
                 "A typical session:\n"
                 "  occlum new occlum_hello && cd occlum_hello\n"
                 "  cp ../hello_world image/bin/\n"
                 "  occlum build\n"
                 "  occlum run /bin/hello_world\n");
}

static const struct cli_cmd *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i]->name, name)) return commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "help")) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        const struct cli_cmd *c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "occlum: unknown command '%s'\n\n", argv[2]);
            usage(stderr);
            return 1;
        }
        cli_print_cmd_help(c, stdout);
        return 0;
    }
    const struct cli_cmd *c = find(name);
    if (!c) {
        fprintf(stderr, "occlum: unknown command '%s'\n\n", name);
        usage(stderr);
        return 1;
    }
    if (cli_wants_help(argc - 1, argv + 1)) {
        cli_print_cmd_help(c, stdout);
        return 0;
    }
    return c->run(argc - 1, argv + 1);
}

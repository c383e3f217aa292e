/*
 * copy_bom_main.c: the `copy_bom` command, Occlum's tool of the same name
 * and usage: copies what a BOM file lists into an image directory, with
 * the libraries of every ELF (bom.c, copier.c).
 */
#include "bom/bom.h"

#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fsutil.c's warnings, under this command's name rather than occlum's. */
void cli_warn(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("copy_bom: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: copy_bom -f <bom.yaml> --root <image dir> [--include-dir <dir>]... "
            "[--dry-run]\n\n"
            "Copies the files, directories and links a BOM file lists into the image directory,\n"
            "with the loader and shared libraries of every ELF among them (read from the ELF\n"
            "files, never by running them). Unchanged files (same size and mtime) are not\n"
            "copied again.\n\n"
            "  -f, --file <bom.yaml>     the BOM file\n"
            "  -r, --root <dir>          the image directory (created if missing)\n"
            "  -i, --include-dir <dir>   where included BOM files are looked for, after the\n"
            "                            including file's directory (repeatable)\n"
            "      --dry-run             print what would be done, change nothing\n"
            "  -h, --help                this text\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                         {"root", required_argument, NULL, 'r'},
                                         {"include-dir", required_argument, NULL, 'i'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *file = NULL, *root = NULL;
    bool dry = false;
    char **incs = calloc((size_t)argc, sizeof(char *));
    size_t ninc = 0;
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "f:r:i:h", opts, NULL)) != -1) {
        switch (o) {
        case 'f':
            file = optarg;
            break;
        case 'r':
            root = optarg;
            break;
        case 'i':
            incs[ninc++] = optarg;
            break;
        case 'n':
            dry = true;
            break;
        case 'h':
            usage(stdout);
            free(incs);
            return 0;
        default:
            fprintf(stderr, "copy_bom: unknown option or missing value '%s'; see copy_bom --help\n",
                    argv[optind - 1]);
            free(incs);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "copy_bom: unexpected argument '%s'; see copy_bom --help\n", argv[optind]);
        free(incs);
        return 2;
    }
    if (!file || !root) {
        fprintf(stderr, "copy_bom: %s is missing; give -f <bom.yaml> --root <image dir>\n",
                !file ? "the BOM file (-f)" : "the image directory (--root)");
        free(incs);
        return 2;
    }
    struct copier c;
    struct bom_run r;
    int rc = copier_init(&c, "copy_bom", root, dry);
    if (rc == 0) {
        bom_run_init(&r, &c);
        r.include_dirs = incs;
        r.n_include_dirs = ninc;
        rc = bom_apply_file(&r, file);
        bom_run_free(&r);
    }
    if (rc < 0)
        fprintf(stderr, "copy_bom: %s\n", c.err);
    else
        printf("copy_bom: %s%lu files copied (%.1f MB), %lu unchanged, %lu links, %lu "
               "directories made\n",
               dry ? "dry run: " : "", c.copied, (double)c.bytes / (1024.0 * 1024.0), c.unchanged,
               c.links, c.dirs);
    copier_free(&c);
    free(incs);
    return rc < 0 ? 1 : 0;
}

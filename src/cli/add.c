/*
 * add.c: `occlum add <host-path>... [--to <dir>]`: the one-command way to
 * bring a host program into the image: the program (found on PATH when it
 * names no directory), its loader and libraries (copy_bom's autodep,
 * src/bom/), the interpreter of a '#!' script, and what a known runtime
 * loads at run time through a small built-in BOM recipe (Python's standard
 * library with lib-dynload, a JDK's home, Ruby's, Perl's and PHP's
 * libraries). The target directory joins entry_points in Occlum.json when
 * no entry point covers it.
 */
#include "bom/bom.h"
#include "cli/cli.h"

#include <errno.h>
#include <glob.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "add"

/* The program named `name`: a path as given, else the first match on PATH. */
static int resolve(const char *name, char *out, size_t len)
{
    if (strchr(name, '/')) {
        if (access(name, F_OK) < 0) {
            cli_error(CMD, "%s: %s; give the path of an existing file", name, strerror(errno));
            return -1;
        }
        snprintf(out, len, "%s", name);
        return 0;
    }
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        struct stat st;
        if (pathf(out, len, "%s/%s", d, name) == 0 && stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
            access(out, X_OK) == 0) {
            free(copy);
            return 0;
        }
    }
    free(copy);
    cli_error(CMD, "%s is not a program on PATH; install it or give its path", name);
    return -1;
}

/* The interpreter of a '#!' script into interp (""), so that it comes along. */
static void script_interpreter(const char *path, char *interp, size_t len)
{
    interp[0] = '\0';
    FILE *f = fopen(path, "re");
    if (!f) return;
    char line[512];
    if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
        char *p = line + 2 + strspn(line + 2, " \t");
        p[strcspn(p, " \t\n")] = '\0';
        if (p[0] == '/') snprintf(interp, len, "%s", p);
    }
    fclose(f);
}

/* A Java runtime image (a JDK or JRE): real is <home>/bin/<program> and
 * <home>/lib/modules holds the class library. */
static bool java_home_of(const char *real, char *home, size_t len)
{
    char modules[PATH_MAX + 16];
    snprintf(home, len, "%s", real);
    char *slash = strrchr(home, '/');
    if (!slash || slash == home) return false;
    *slash = '\0'; /* <home>/bin */
    slash = strrchr(home, '/');
    if (!slash || strcmp(slash, "/bin") != 0) return false;
    *slash = '\0';
    snprintf(modules, sizeof(modules), "%s/lib/modules", home);
    struct stat st;
    return home[0] && stat(modules, &st) == 0 && S_ISREG(st.st_mode);
}

#define TRIPLET "x86_64-linux-gnu" /* Debian's multiarch directory (x86-64 only) */

/* A recipe that copies each existing match of `paths` (glob patterns,
 * printf'ed with v1 and v2) to the same path in the image: the
 * directories an interpreter searches. 1 when anything matched. */
static int mirror_recipe(char *bom, size_t len, const char *excludes, const char *const *paths,
                         unsigned v1, unsigned v2)
{
    size_t used = (size_t)snprintf(bom, len, "excludes: [%s]\ntargets:\n", excludes);
    int found = 0;
    for (; *paths && used < len; paths++) {
        char pattern[PATH_MAX];
        snprintf(pattern, sizeof(pattern), *paths, v1, v2);
        glob_t g;
        if (glob(pattern, 0, NULL, &g) != 0) continue;
        for (size_t i = 0; i < g.gl_pathc && used < len; i++) {
            struct stat st;
            const char *path = g.gl_pathv[i];
            const char *slash = strrchr(path, '/');
            if (lstat(path, &st) < 0 || !slash) continue;
            int parent = slash == path ? 1 : (int)(slash - path);
            used += (size_t)snprintf(bom + used, len - used,
                                     "  - target: %.*s\n    copy:\n      - %s: [%s]\n", parent,
                                     path, S_ISDIR(st.st_mode) ? "dirs" : "files", path);
            found = 1;
        }
        globfree(&g);
    }
    return found && used < len;
}

static const char *const ruby_paths[] = {
    "/usr/lib/ruby/%u.%u.0",
    "/usr/lib/ruby/vendor_ruby",
    "/usr/lib/ruby/gems/%u.%u.0",
    "/usr/lib/" TRIPLET "/ruby/%u.%u.0",
    "/usr/lib/" TRIPLET "/ruby/vendor_ruby",
    "/usr/lib/" TRIPLET "/rubygems-integration/%u.%u.0",
    "/usr/share/rubygems-integration/%u.%u.0",
    "/usr/share/rubygems-integration/all",
    NULL,
};
static const char *const perl_paths[] = {
    "/etc/perl",
    "/usr/share/perl/%u.%u*",
    "/usr/lib/" TRIPLET "/perl/%u.%u*",
    "/usr/lib/" TRIPLET "/perl-base",
    "/usr/lib/" TRIPLET "/perl5/%u.%u",
    "/usr/share/perl5",
    NULL,
};
static const char *const git_paths[] = {
    "/usr/lib/git-core",   /* its exec-path: git-* commands and helpers */
    "/usr/share/git-core", /* templates for git init */
    NULL,
};
static const char *const php_paths[] = {
    "/etc/php/%u.%u",
    "/usr/lib/php",
    "/usr/share/php",
    "/usr/share/zoneinfo/UTC", /* date.timezone's default */
    NULL,
};

static const char *const file_paths[] = {
    "/usr/share/misc/magic.mgc", /* libmagic's compiled database (a link into /usr/lib/file) */
    "/etc/magic",                /* the local additions it also reads */
    NULL,
};

/* Perl's version (5.N), from the directory of its standard library. */
static bool perl_version(unsigned *major, unsigned *minor)
{
    glob_t g;
    if (glob("/usr/lib/" TRIPLET "/perl/5.*", 0, NULL, &g) != 0) return false;
    bool ok = sscanf(g.gl_pathv[0], "/usr/lib/" TRIPLET "/perl/%u.%u", major, minor) == 2;
    globfree(&g);
    return ok;
}

/*
 * The built-in recipe for a runtime, by the name of the program's real
 * file: Python N.M needs /usr/lib/pythonN.M (lib-dynload's modules are
 * ELF files, followed by autodep) without its tests and caches; a Java
 * runtime its whole home (the launcher finds lib/ and conf/ from its own
 * path; conf's links to /etc come along), without what only development
 * or a desktop needs; Ruby N.M, Perl and PHP N.M the directories they
 * load their libraries and extensions from (their ELF modules followed by
 * autodep), at the same paths; git its exec-path and templates; file(1)
 * libmagic's database.
 */
static int recipe_for(const char *real, char *bom, size_t len)
{
    const char *base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
    unsigned major, minor;
    char tail, home[PATH_MAX];
    if (java_home_of(real, home, sizeof(home))) {
        char parent[PATH_MAX];
        snprintf(parent, sizeof(parent), "%s", home);
        *strrchr(parent, '/') = '\0';
        snprintf(bom, len,
                 "excludes: [jmods, docs, man, include, demo, sample, src.zip, ct.sym,\n"
                 "           libawt_xawt.so, libatk-wrapper.so, libsplashscreen.so, libjawt.so,\n"
                 "           libjsound.so]\n"
                 "targets:\n"
                 "  - target: %s\n"
                 "    copy:\n"
                 "      - dirs: [%s]\n",
                 parent[0] ? parent : "/", home);
        return 1;
    }
    if (sscanf(base, "python%u.%u%c", &major, &minor, &tail) == 2) {
        char lib[64];
        snprintf(lib, sizeof(lib), "/usr/lib/python%u.%u", major, minor);
        struct stat st;
        if (stat(lib, &st) < 0 || !S_ISDIR(st.st_mode)) return 0;
        snprintf(bom, len,
                 "excludes: [test, __pycache__]\n"
                 "targets:\n"
                 "  - target: /usr/lib\n"
                 "    copy:\n"
                 "      - dirs: [%s]\n",
                 lib);
        return 1;
    }
    if (sscanf(base, "ruby%u.%u%c", &major, &minor, &tail) == 2)
        return mirror_recipe(bom, len, "__pycache__", ruby_paths, major, minor);
    if (strcmp(base, "git") == 0) return mirror_recipe(bom, len, "", git_paths, 0, 0);
    if (strcmp(base, "file") == 0) return mirror_recipe(bom, len, "", file_paths, 0, 0);
    if (sscanf(base, "php%u.%u%c", &major, &minor, &tail) == 2)
        return mirror_recipe(bom, len, "", php_paths, major, minor);
    if (strcmp(base, "perl") == 0 || sscanf(base, "perl5.%u.%u%c", &major, &minor, &tail) == 2) {
        if (!perl_version(&major, &minor)) return 0;
        return mirror_recipe(bom, len, "", perl_paths, major, minor);
    }
    return 0;
}

static int add_one(struct bom_run *r, const char *name, const char *to, int depth)
{
    char path[PATH_MAX], dest[PATH_MAX], real[PATH_MAX];
    if (resolve(name, path, sizeof(path)) < 0) return -1;
    const char *base = strrchr(path, '/') + 1;
    if (!*base || pathf(dest, sizeof(dest), "%s/%s", strcmp(to, "/") ? to : "", base) < 0) {
        cli_error(CMD, "%s: cannot name it in the image; give a file or directory", path);
        return -1;
    }
    if (copier_path(r->c, path, dest, COPY_AUTODEP | COPY_STRICT) < 0) {
        cli_error(CMD, "%s", r->c->err);
        return -1;
    }
    if (!realpath(path, real)) snprintf(real, sizeof(real), "%s", path);
    char bom[3 * PATH_MAX], home[PATH_MAX];
    /* A Java launcher copied away from its home cannot find it: the copy
     * becomes a link to the real one, which comes with its home. */
    char host[PATH_MAX];
    struct stat st;
    if (java_home_of(real, home, sizeof(home)) && strcmp(dest, real) != 0 &&
        pathf(host, sizeof(host), "%s%s", r->c->root, dest) == 0 && lstat(host, &st) == 0 &&
        !S_ISLNK(st.st_mode)) {
        if (unlink(host) < 0 || copier_link(r->c, real, dest) < 0) {
            cli_error(CMD, "cannot link %s to %s in the image: %s", dest, real,
                      r->c->err[0] ? r->c->err : strerror(errno));
            return -1;
        }
    }
    if (recipe_for(real, bom, sizeof(bom)) && bom_apply_text(r, "recipe", bom) < 0) {
        cli_error(CMD, "%s", r->c->err);
        return -1;
    }
    char interp[PATH_MAX];
    script_interpreter(real, interp, sizeof(interp));
    /* The interpreter goes to its own host path (#! names it so), with its recipe. */
    if (interp[0] && depth < 4) {
        char idir[PATH_MAX];
        snprintf(idir, sizeof(idir), "%s", interp);
        *strrchr(idir, '/') = '\0';
        return add_one(r, interp, idir[0] ? idir : "/", depth + 1);
    }
    return 0;
}

/* Adds `to` to entry_points unless one covers it. 1 when added, 0 not needed, -1 error. */
static int add_entry_point(const char *to)
{
    json_error_t jerr;
    json_t *root = json_load_file("Occlum.json", JSON_PRESERVE_ORDER, &jerr);
    if (!root) {
        cli_error(CMD, "Occlum.json:%d:%d: %s; fix the file", jerr.line, jerr.column, jerr.text);
        return -1;
    }
    json_t *eps = json_object_get(root, "entry_points");
    if (!json_is_array(eps)) {
        cli_error(CMD, "Occlum.json: entry_points is not a list; fix the file");
        json_decref(root);
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(eps, i, v)
    {
        const char *e = json_string_value(v);
        if (!e) continue;
        size_t n = strlen(e);
        while (n > 1 && e[n - 1] == '/')
            n--;
        if (!strncmp(to, e, n) && (to[n] == '\0' || to[n] == '/' || n == 1)) {
            json_decref(root);
            return 0;
        }
    }
    int rc = json_array_append_new(eps, json_string(to)) == 0 &&
                     json_dump_file(root, "Occlum.json", JSON_INDENT(4) | JSON_PRESERVE_ORDER) == 0
                 ? 1
                 : -1;
    if (rc < 0) cli_error(CMD, "cannot write Occlum.json: %s", strerror(errno));
    json_decref(root);
    return rc;
}

static int add_main(int argc, char **argv)
{
    char dir[PATH_MAX], image[PATH_MAX];
    if (cli_instance(CMD, dir, sizeof(dir)) < 0) return 1;
    const char *to = "/bin";
    char **names = calloc((size_t)argc, sizeof(char *));
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--to")) {
            if (i + 1 >= argc || argv[i + 1][0] != '/') {
                cli_error(CMD, "--to needs an absolute directory inside the image, e.g. --to /bin");
                free(names);
                return 1;
            }
            to = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error(CMD, "unknown option '%s'; see occlum add --help", argv[i]);
            free(names);
            return 1;
        } else {
            names[n++] = argv[i];
        }
    }
    if (n == 0) {
        cli_error(CMD, "no program given; e.g. occlum add python3");
        free(names);
        return 1;
    }
    struct copier c;
    struct bom_run r;
    int rc = pathf(image, sizeof(image), "%s/image", dir);
    if (rc == 0 && copier_init(&c, "occlum add", image, false) < 0) {
        cli_error(CMD, "%s", c.err);
        free(names);
        return 1;
    }
    bom_run_init(&r, &c);
    char tonorm[PATH_MAX];
    path_normalize(to, tonorm, sizeof(tonorm));
    for (int i = 0; rc == 0 && i < n; i++)
        rc = add_one(&r, names[i], tonorm, 0);
    if (rc == 0) {
        int ep = add_entry_point(tonorm);
        if (ep < 0) rc = -1;
        printf("occlum add: %lu files copied (%.1f MB), %lu unchanged, %lu links%s\n", c.copied,
               (double)c.bytes / (1024.0 * 1024.0), c.unchanged, c.links,
               ep == 1 ? "; added it to entry_points in Occlum.json" : "");
    }
    bom_run_free(&r);
    copier_free(&c);
    free(names);
    return rc < 0 ? 1 : 0;
}

const struct cli_cmd cmd_add = {
    "add",
    "add <host-path>... [--to <dir>]",
    "Copy host programs into image/ with their libraries.",
    "Copies each program (a path, or a name looked up on PATH) into <dir> of the image\n"
    "(default /bin), with its loader and shared libraries, found by reading the ELF\n"
    "files (PT_INTERP, DT_NEEDED, RUNPATH/RPATH, /etc/ld.so.conf) as copy_bom does.\n"
    "A symlink is kept as a link and its target copied at its own path; a '#!' script\n"
    "brings its interpreter. Known runtimes bring what they load at run time: Python\n"
    "its standard library and lib-dynload modules (without test/ and __pycache__),\n"
    "Java (java, or any program in a JDK's bin/) its whole home without jmods, docs\n"
    "and desktop libraries, the program becoming a link to its real path there;\n"
    "Ruby, Perl and PHP the directories of their libraries and extensions; git\n"
    "its exec-path (/usr/lib/git-core) and templates.\n"
    "Unchanged files are not copied again. <dir> is added to entry_points in\n"
    "Occlum.json when no entry point covers it. Run 'occlum build' afterwards.\n",
    add_main,
};

/* unit-sources: src/bom/elfdeps.c src/bom/copier.c src/bom/libpath.c src/bom/strset.c
 * src/cli/fsutil.c src/cli/instance.c */
/*
 * test_elfdeps: copy_bom's ELF dependency reader takes PT_INTERP,
 * DT_NEEDED, DT_RUNPATH and DT_RPATH from a well-formed file, and turns
 * every malformed one (truncated, offsets outside the file, strings
 * without an end) into one error, never a read out of bounds (ASan
 * watches); path_normalize resolves "." and ".." lexically.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bom/copier.h"
#include "bom/elfdeps.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

/* A small ET_DYN: ehdr, 3 phdrs (INTERP, LOAD, DYNAMIC), interp, dynamic, strtab. */
#define PH_OFF sizeof(Elf64_Ehdr)
#define INTERP_OFF (PH_OFF + 3 * sizeof(Elf64_Phdr))
#define DYN_OFF 0x200
#define STR_OFF 0x300
#define FILE_LEN 0x400
static const char interp[] = "/lib64/ld-linux-x86-64.so.2";
static const char strtab[] = "\0libc.so.6\0libm.so.6\0$ORIGIN/../lib\0/opt/rp";

static unsigned char *make_elf(void)
{
    unsigned char *b = calloc(1, FILE_LEN);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_type = ET_DYN;
    eh->e_machine = EM_X86_64;
    eh->e_phoff = PH_OFF;
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 3;
    Elf64_Phdr *ph = (Elf64_Phdr *)(b + PH_OFF);
    ph[0] = (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = INTERP_OFF, .p_filesz = sizeof(interp)};
    ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_offset = 0, .p_vaddr = 0x1000, .p_filesz = FILE_LEN};
    ph[2] =
        (Elf64_Phdr){.p_type = PT_DYNAMIC, .p_offset = DYN_OFF, .p_filesz = 7 * sizeof(Elf64_Dyn)};
    memcpy(b + INTERP_OFF, interp, sizeof(interp));
    Elf64_Dyn *d = (Elf64_Dyn *)(b + DYN_OFF);
    d[0] = (Elf64_Dyn){.d_tag = DT_NEEDED, .d_un.d_val = 1};
    d[1] = (Elf64_Dyn){.d_tag = DT_NEEDED, .d_un.d_val = 11};
    d[2] = (Elf64_Dyn){.d_tag = DT_RUNPATH, .d_un.d_val = 21};
    d[3] = (Elf64_Dyn){.d_tag = DT_RPATH, .d_un.d_val = 36};
    d[4] = (Elf64_Dyn){.d_tag = DT_STRTAB, .d_un.d_ptr = 0x1000 + STR_OFF};
    d[5] = (Elf64_Dyn){.d_tag = DT_STRSZ, .d_un.d_val = sizeof(strtab)};
    d[6] = (Elf64_Dyn){.d_tag = DT_NULL};
    memcpy(b + STR_OFF, strtab, sizeof(strtab));
    return b;
}

static Elf64_Phdr *phdrs(unsigned char *b)
{
    return (Elf64_Phdr *)(b + PH_OFF);
}

static Elf64_Dyn *dyns(unsigned char *b)
{
    return (Elf64_Dyn *)(b + DYN_OFF);
}

/* Parses b[0..len) and expects an error whose text contains `what`. */
static void expect_error(unsigned char *b, size_t len, const char *what)
{
    struct elf_deps d;
    char err[256] = "";
    assert_int_equal(elf_deps_parse(b, len, &d, err, sizeof(err)), -1);
    if (!strstr(err, what)) fail_msg("error '%s' does not mention '%s'", err, what);
    assert_null(d.needed);
    assert_null(d.interp);
}

static void reads_interp_needed_runpath_rpath(void **state)
{
    unsigned char *b = make_elf();
    struct elf_deps d;
    char err[256];
    assert_int_equal(elf_deps_parse(b, FILE_LEN, &d, err, sizeof(err)), 0);
    assert_true(d.is_elf);
    assert_string_equal(d.interp, interp);
    assert_int_equal(d.n_needed, 2);
    assert_string_equal(d.needed[0], "libc.so.6");
    assert_string_equal(d.needed[1], "libm.so.6");
    assert_string_equal(d.runpath, "$ORIGIN/../lib");
    assert_string_equal(d.rpath, "/opt/rp");
    elf_deps_free(&d);
    free(b);
}

static void not_elf_or_other_arch_is_no_error(void **state)
{
    struct elf_deps d;
    char err[256];
    const unsigned char script[] = "#!/bin/sh\necho hi\n";
    assert_int_equal(elf_deps_parse(script, sizeof(script), &d, err, sizeof(err)), 0);
    assert_false(d.is_elf);
    unsigned char *b = make_elf();
    ((Elf64_Ehdr *)b)->e_machine = EM_AARCH64;
    assert_int_equal(elf_deps_parse(b, FILE_LEN, &d, err, sizeof(err)), 0);
    assert_false(d.is_elf);
    ((Elf64_Ehdr *)b)->e_machine = EM_X86_64;
    ((Elf64_Ehdr *)b)->e_type = ET_REL;
    assert_int_equal(elf_deps_parse(b, FILE_LEN, &d, err, sizeof(err)), 0);
    assert_false(d.is_elf);
    free(b);
}

static void truncated_files(void **state)
{
    unsigned char *b = make_elf();
    expect_error(b, sizeof(Elf64_Ehdr) - 1, "truncated");
    expect_error(b, PH_OFF + sizeof(Elf64_Phdr), "program headers lie outside");
    expect_error(b, INTERP_OFF + 4, "interpreter path lies outside");
    expect_error(b, DYN_OFF + 8, "dynamic section lies outside");
    /* Cut inside the string table: the LOAD segment still claims it. */
    phdrs(b)[1].p_filesz = STR_OFF + 4;
    expect_error(b, FILE_LEN, "string table lies outside");
    free(b);
}

static void bad_offsets(void **state)
{
    unsigned char *b = make_elf();
    ((Elf64_Ehdr *)b)->e_phoff = UINT64_MAX - 8; /* overflows off + size */
    expect_error(b, FILE_LEN, "program headers lie outside");
    free(b);
    b = make_elf();
    ((Elf64_Ehdr *)b)->e_phentsize = 20;
    expect_error(b, FILE_LEN, "program header size");
    free(b);
    b = make_elf();
    phdrs(b)[2].p_offset = FILE_LEN - 8;
    expect_error(b, FILE_LEN, "dynamic section lies outside");
    free(b);
    b = make_elf();
    phdrs(b)[2].p_offset = DYN_OFF + 3; /* misaligned */
    phdrs(b)[2].p_filesz = 16;
    expect_error(b, FILE_LEN, "misaligned");
    free(b);
    b = make_elf();
    dyns(b)[4].d_un.d_ptr = 0x90000; /* in no segment */
    expect_error(b, FILE_LEN, "string table lies outside");
    free(b);
    b = make_elf();
    dyns(b)[1].d_un.d_val = 5000; /* beyond DT_STRSZ */
    expect_error(b, FILE_LEN, "outside its string table");
    free(b);
}

static void unterminated_strings(void **state)
{
    unsigned char *b = make_elf();
    memset(b + INTERP_OFF, 'A', sizeof(interp)); /* no NUL inside p_filesz */
    expect_error(b, FILE_LEN, "interpreter path is not a terminated string");
    free(b);
    b = make_elf();
    /* DT_STRSZ ends inside "libm.so.6": the last name has no end. */
    dyns(b)[5].d_un.d_val = 15;
    expect_error(b, FILE_LEN, "outside its string table");
    free(b);
}

static void every_truncation_is_handled(void **state)
{
    /* Each prefix of a good file: an error or a result, never a crash. */
    unsigned char *good = make_elf();
    for (size_t len = 0; len <= FILE_LEN; len++) {
        unsigned char *b = malloc(len ? len : 1);
        memcpy(b, good, len);
        struct elf_deps d;
        char err[256];
        if (elf_deps_parse(b, len, &d, err, sizeof(err)) == 0) elf_deps_free(&d);
        free(b);
    }
    free(good);
}

static void normalizes_paths(void **state)
{
    char out[256];
    path_normalize("/usr/lib/python3.11/config/../../x86_64-linux-gnu/libpython.so", out,
                   sizeof(out));
    assert_string_equal(out, "/usr/lib/x86_64-linux-gnu/libpython.so");
    path_normalize("//a/./b//c/", out, sizeof(out));
    assert_string_equal(out, "/a/b/c");
    path_normalize("/../../etc", out, sizeof(out));
    assert_string_equal(out, "/etc");
    path_normalize("/a/..", out, sizeof(out));
    assert_string_equal(out, "/");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_interp_needed_runpath_rpath),
        cmocka_unit_test(not_elf_or_other_arch_is_no_error),
        cmocka_unit_test(truncated_files),
        cmocka_unit_test(bad_offsets),
        cmocka_unit_test(unterminated_strings),
        cmocka_unit_test(every_truncation_is_handled),
        cmocka_unit_test(normalizes_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

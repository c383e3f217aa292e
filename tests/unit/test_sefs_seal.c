/* unit-sources: src/image/sefs_seal.c src/pal/sim/sealing.c */
/*
 * test_sefs_seal: the writable layer's key derivation (HKDF-SHA256 against
 * RFC 5869's test vector; the key depends on both the sealing secret and
 * the signer) and the sealing secret file (created once with mode 0600,
 * stable across calls, refused when others can read it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "image/sefs_format.h"
#include "pal/sim/sealing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_hkdf_rfc5869_case1(void **s)
{
    uint8_t ikm[22], salt[13], info[10], okm[42];
    memset(ikm, 0x0b, sizeof(ikm));
    for (int i = 0; i < 13; i++)
        salt[i] = (uint8_t)i;
    for (int i = 0; i < 10; i++)
        info[i] = (uint8_t)(0xf0 + i);
    static const uint8_t want[42] = {
        0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
        0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
        0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};
    assert_int_equal(sefs_hkdf_sha256(salt, 13, ikm, 22, info, 10, okm, 42), 0);
    assert_memory_equal(okm, want, 42);
}

static void test_writable_key_depends_on_both(void **s)
{
    uint8_t sealing[32] = {1}, signer[32] = {2}, k1[32], k2[32], k3[32], k4[32];
    assert_int_equal(sefs_writable_key(sealing, signer, k1), 0);
    assert_int_equal(sefs_writable_key(sealing, signer, k2), 0);
    assert_memory_equal(k1, k2, 32);
    signer[31] ^= 1;
    assert_int_equal(sefs_writable_key(sealing, signer, k3), 0);
    assert_memory_not_equal(k1, k3, 32);
    signer[31] ^= 1;
    sealing[31] ^= 1;
    assert_int_equal(sefs_writable_key(sealing, signer, k4), 0);
    assert_memory_not_equal(k1, k4, 32);
}

static void test_sealing_secret_file(void **s)
{
    char dir[] = "/tmp/test_sefs_seal.XXXXXX", path[4096], err[512];
    assert_non_null(mkdtemp(dir));
    setenv("XDG_DATA_HOME", dir, 1);
    uint8_t a[32], b[32];
    assert_int_equal(pal_sealing_secret(a, err, sizeof(err)), 0);
    assert_int_equal(pal_sealing_path(path, sizeof(path)), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(pal_sealing_secret(b, err, sizeof(err)), 0);
    assert_memory_equal(a, b, 32);
    chmod(path, 0644);
    assert_int_equal(pal_sealing_secret(b, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "chmod 600"));
    unlink(path);
    snprintf(path, sizeof(path), "%s/occlum", dir);
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hkdf_rfc5869_case1),
        cmocka_unit_test(test_writable_key_depends_on_both),
        cmocka_unit_test(test_sealing_secret_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* unit-sources: src/common/measure.c */
/*
 * test_measure: unit tests for src/common/measure.c: the mrenclave formula
 * (a known answer), key generation and the SGX key rule, signing and
 * verification (deterministic; any changed byte of the signed file is
 * refused), and the runtime's start-up check with its distinct messages.
 * One key is generated for the whole file: RSA-3072 keygen is slow.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/measure.h"

static measure_key *key;
static char dir[] = "/tmp/test_measure.XXXXXX";

static int setup(void **state)
{
    char err[256];
    key = measure_key_generate(err, sizeof(err));
    return key && mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    measure_key_free(key);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void mrenclave_known_answer(void **state)
{
    uint8_t zero[MEASURE_HASH_LEN], ones[MEASURE_HASH_LEN], out[MEASURE_HASH_LEN];
    char hex[2 * MEASURE_HASH_LEN + 1];
    memset(zero, 0, sizeof(zero));
    memset(ones, 0xff, sizeof(ones));
    measure_mrenclave(zero, ones, out);
    measure_hex(out, sizeof(out), hex);
    /* (printf occlum-mrenclave-v1; 32 x 00; 32 x ff) | sha256sum */
    assert_string_equal(hex, "71f69660b39f2db30cedab68eda9bb0b1687b165a26aca466e65991d5946d484");
    measure_buf("", 0, out);
    measure_hex(out, sizeof(out), hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void measure_file_reports_errors(void **state)
{
    uint8_t out[MEASURE_HASH_LEN], expect[MEASURE_HASH_LEN];
    char path[256];
    snprintf(path, sizeof(path), "%s/missing", dir);
    errno = 0;
    assert_int_equal(measure_file(path, out), -1);
    assert_int_equal(errno, ENOENT);
    /* Larger than the read buffer, so the streaming path is exercised. */
    static uint8_t big[100000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    snprintf(path, sizeof(path), "%s/big", dir);
    write_file(path, big, sizeof(big));
    assert_int_equal(measure_file(path, out), 0);
    measure_buf(big, sizeof(big), expect);
    assert_memory_equal(out, expect, sizeof(out));
}

static void generated_key_is_sgx_shaped(void **state)
{
    BIGNUM *e = NULL;
    assert_int_equal(EVP_PKEY_get_bits(key), 3072);
    assert_true(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e));
    assert_true(BN_is_word(e, 3));
    BN_free(e);
}

static void key_save_load_round_trip(void **state)
{
    char path[256], err[512];
    snprintf(path, sizeof(path), "%s/key.pem", dir);
    assert_int_equal(measure_key_save(key, path, err, sizeof(err)), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* Never overwrites an existing key. */
    assert_int_equal(measure_key_save(key, path, err, sizeof(err)), -1);
    measure_key *k = measure_key_load(path, err, sizeof(err));
    assert_non_null(k);
    assert_true(EVP_PKEY_eq(k, key) == 1);
    measure_key_free(k);
}

static void key_load_rejects(void **state)
{
    char path[256], err[512];
    snprintf(path, sizeof(path), "%s/junk.pem", dir);
    write_file(path, "not a key\n", 10);
    assert_null(measure_key_load(path, err, sizeof(err)));
    assert_non_null(strstr(err, "not a PEM private key"));

    snprintf(path, sizeof(path), "%s/missing.pem", dir);
    assert_null(measure_key_load(path, err, sizeof(err)));
    assert_non_null(strstr(err, "No such file"));

    /* A valid key of the wrong shape (1024 bits, e = 65537). */
    EVP_PKEY *small = EVP_RSA_gen(1024);
    assert_non_null(small);
    snprintf(path, sizeof(path), "%s/small.pem", dir);
    assert_int_equal(measure_key_save(small, path, err, sizeof(err)), 0);
    EVP_PKEY_free(small);
    assert_null(measure_key_load(path, err, sizeof(err)));
    assert_non_null(strstr(err, "RSA-3072 key with public exponent 3"));
}

static void sign(struct occlum_sig *sig)
{
    uint8_t rt[MEASURE_HASH_LEN], cfg[MEASURE_HASH_LEN];
    char err[512];
    measure_buf("runtime", 7, rt);
    measure_buf("config", 6, cfg);
    assert_int_equal(measure_sign(key, rt, cfg, sig, err, sizeof(err)), 0);
}

static void sign_verify_deterministic(void **state)
{
    struct occlum_sig a, b;
    char err[512];
    sign(&a);
    sign(&b);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(measure_sig_verify(&a, err, sizeof(err)), 0);
    uint8_t mr[MEASURE_HASH_LEN];
    measure_mrenclave(a.runtime_hash, a.config_hash, mr);
    assert_memory_equal(mr, a.mrenclave, sizeof(mr));
    assert_int_equal(a.exponent[0], 3);
}

/* Every single changed byte of the file is refused. */
static void verify_refuses_any_byte(void **state)
{
    struct occlum_sig good, bad;
    char err[512];
    sign(&good);
    for (size_t i = 0; i < sizeof(good); i++) {
        bad = good;
        ((uint8_t *)&bad)[i] ^= 0x01;
        if (measure_sig_verify(&bad, err, sizeof(err)) == 0) fail_msg("byte %zu not covered", i);
    }
}

static void mrsigner_is_hash_of_le_modulus(void **state)
{
    struct occlum_sig sig;
    uint8_t mr[MEASURE_HASH_LEN], expect[MEASURE_HASH_LEN], be[MEASURE_RSA_BYTES],
        le[MEASURE_RSA_BYTES];
    sign(&sig);
    BIGNUM *n = NULL;
    assert_true(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n));
    assert_int_equal(BN_bn2binpad(n, be, sizeof(be)), sizeof(be));
    BN_free(n);
    for (size_t i = 0; i < sizeof(be); i++)
        le[i] = be[sizeof(be) - 1 - i];
    measure_buf(le, sizeof(le), expect);
    measure_mrsigner(&sig, mr);
    assert_memory_equal(mr, expect, sizeof(mr));
}

/* A fake instance: build/occlum.sig, build/Occlum.json.protected, a runtime. */
static void make_instance(const char *inst, const char *runtime)
{
    char path[512], err[512];
    snprintf(path, sizeof(path), "%s/build", inst);
    mkdir(inst, 0755);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s", inst, MEASURE_CONFIG_PATH);
    write_file(path, "{\"a\": 1}\n", 9);
    write_file(runtime,
               "\x7f"
               "ELF runtime",
               12);
    uint8_t rt[MEASURE_HASH_LEN], cfg[MEASURE_HASH_LEN];
    assert_int_equal(measure_file(path, cfg), 0);
    assert_int_equal(measure_file(runtime, rt), 0);
    struct occlum_sig sig;
    assert_int_equal(measure_sign(key, rt, cfg, &sig, err, sizeof(err)), 0);
    snprintf(path, sizeof(path), "%s/%s", inst, MEASURE_SIG_PATH);
    assert_int_equal(measure_sig_write(path, &sig, err, sizeof(err)), 0);
}

static void flip_byte(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    int c = fgetc(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    fputc(c ^ 1, f);
    fclose(f);
}

/* Expects measure_load_verified to fail with a message containing `what`. */
static void expect_refusal(const char *inst, const char *runtime, const char *what)
{
    char err[1024];
    size_t len;
    char *cfg = measure_load_verified(inst, runtime, &len, err, sizeof(err));
    assert_null(cfg);
    if (!strstr(err, what)) fail_msg("message '%s' lacks '%s'", err, what);
    assert_non_null(strstr(err, "run 'occlum build'"));
}

static void load_verified(void **state)
{
    char inst[256], runtime[256], path[512], err[1024];
    snprintf(inst, sizeof(inst), "%s/inst", dir);
    snprintf(runtime, sizeof(runtime), "%s/runtime", dir);
    size_t len;

    make_instance(inst, runtime);
    char *cfg = measure_load_verified(inst, runtime, &len, err, sizeof(err));
    assert_non_null(cfg);
    assert_int_equal(len, 9);
    assert_string_equal(cfg, "{\"a\": 1}\n");
    free(cfg);
    struct occlum_sig sig;
    cfg = measure_load_verified_sig(inst, runtime, &len, &sig, err, sizeof(err));
    assert_non_null(cfg);
    free(cfg);
    snprintf(path, sizeof(path), "%s/%s", inst, MEASURE_SIG_PATH);
    struct occlum_sig on_disk;
    assert_int_equal(measure_sig_read(path, &on_disk, err, sizeof(err)), 0);
    assert_memory_equal(&sig, &on_disk, sizeof(sig));

    snprintf(path, sizeof(path), "%s/%s", inst, MEASURE_CONFIG_PATH);
    flip_byte(path, 3);
    expect_refusal(inst, runtime, "Occlum.json.protected does not match the signed measurement");

    make_instance(inst, runtime);
    flip_byte(runtime, 5);
    expect_refusal(inst, runtime, "the runtime binary does not match the signed measurement");

    make_instance(inst, runtime);
    snprintf(path, sizeof(path), "%s/%s", inst, MEASURE_SIG_PATH);
    flip_byte(path, 100);
    expect_refusal(inst, runtime, "occlum.sig does not verify");

    make_instance(inst, runtime);
    assert_int_equal(truncate(path, 883), 0);
    expect_refusal(inst, runtime, "not 884 bytes long");

    unlink(path);
    expect_refusal(inst, runtime, "occlum.sig is missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mrenclave_known_answer),
        cmocka_unit_test(measure_file_reports_errors),
        cmocka_unit_test(generated_key_is_sgx_shaped),
        cmocka_unit_test(key_save_load_round_trip),
        cmocka_unit_test(key_load_rejects),
        cmocka_unit_test(sign_verify_deterministic),
        cmocka_unit_test(verify_refuses_any_byte),
        cmocka_unit_test(mrsigner_is_hash_of_le_modulus),
        cmocka_unit_test(load_verified),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

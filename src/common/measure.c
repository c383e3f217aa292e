/*
 * measure.c: the instance's measurement (mrenclave), signer identity
 * (mrsigner), signing key and signature file (build/occlum.sig), with
 * OpenSSL's libcrypto. The formats are described in measure.h and README.md.
 * Host-side code: used by the CLI and by the sim PAL's start-up, never by the
 * LibOS core.
 */
#include "common/measure.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(struct occlum_sig) == 884, "occlum.sig is 884 bytes");
_Static_assert(MEASURE_SIGNED_LEN == 500, "the signed part is 500 bytes");

/* Domain separation: these 32 bytes can never be mistaken for another hash. */
static const char mrenclave_tag[] = "occlum-mrenclave-v1";

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* OpenSSL's reason for the last failure, or a fallback. */
static const char *ossl_reason(void)
{
    unsigned long e = ERR_get_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r ? r : "unknown OpenSSL error";
}

static void reverse_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[n - 1 - i];
}

void measure_buf(const void *data, size_t len, uint8_t out[MEASURE_HASH_LEN])
{
    EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL);
}

int measure_file(const char *path, uint8_t out[MEASURE_HASH_LEN])
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? 0 : -1;
    uint8_t buf[8192];
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (!EVP_DigestUpdate(ctx, buf, n)) rc = -1;
    if (rc == 0 && ferror(f)) rc = -1;
    if (rc == 0 && !EVP_DigestFinal_ex(ctx, out, NULL)) rc = -1;
    int saved = errno;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    errno = rc < 0 && saved == 0 ? EIO : saved;
    return rc;
}

void measure_mrenclave(const uint8_t runtime_hash[MEASURE_HASH_LEN],
                       const uint8_t config_hash[MEASURE_HASH_LEN], uint8_t out[MEASURE_HASH_LEN])
{
    uint8_t msg[sizeof(mrenclave_tag) - 1 + 2 * MEASURE_HASH_LEN];
    memcpy(msg, mrenclave_tag, sizeof(mrenclave_tag) - 1);
    memcpy(msg + sizeof(mrenclave_tag) - 1, runtime_hash, MEASURE_HASH_LEN);
    memcpy(msg + sizeof(mrenclave_tag) - 1 + MEASURE_HASH_LEN, config_hash, MEASURE_HASH_LEN);
    measure_buf(msg, sizeof(msg), out);
}

void measure_mrsigner(const struct occlum_sig *sig, uint8_t out[MEASURE_HASH_LEN])
{
    measure_buf(sig->modulus, sizeof(sig->modulus), out);
}

void measure_hex(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

/* ---- keys ---- */

/* SGX accepts only RSA-3072 with e = 3; so do we, so the same key works there. */
static int check_key(EVP_PKEY *key, char *err, size_t errlen)
{
    BIGNUM *e = NULL;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) != MEASURE_RSA_BITS ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) || !BN_is_word(e, MEASURE_RSA_EXP)) {
        BN_free(e);
        ERR_clear_error();
        errf(err, errlen,
             "not an RSA-3072 key with public exponent 3, which SGX requires (create one with "
             "'openssl genrsa -3 -out key.pem 3072')");
        return -1;
    }
    BN_free(e);
    return 0;
}

measure_key *measure_key_generate(char *err, size_t errlen)
{
    EVP_PKEY *key = NULL;
    BIGNUM *e = BN_new();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!e || !BN_set_word(e, MEASURE_RSA_EXP) || !ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, MEASURE_RSA_BITS) <= 0 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) <= 0 || EVP_PKEY_keygen(ctx, &key) <= 0) {
        errf(err, errlen, "cannot generate an RSA-3072 key: %s", ossl_reason());
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    BN_free(e);
    return key;
}

measure_key *measure_key_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        errf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!key) {
        ERR_clear_error();
        errf(err, errlen,
             "%s: not a PEM private key (create one with 'openssl genrsa -3 -out key.pem 3072')",
             path);
        return NULL;
    }
    char why[256];
    if (check_key(key, why, sizeof(why)) < 0) {
        errf(err, errlen, "%s: %s", path, why);
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

int measure_key_save(measure_key *key, const char *path, char *err, size_t errlen)
{
    /* O_EXCL: an existing key is never overwritten; 0600: only the owner reads it. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    if (fclose(f) != 0 || !ok) {
        errf(err, errlen, "cannot write %s: %s", path, ok ? strerror(errno) : ossl_reason());
        unlink(path);
        return -1;
    }
    return 0;
}

void measure_key_free(measure_key *key)
{
    EVP_PKEY_free(key);
}

/* ---- signing ---- */

static int put_public_key(EVP_PKEY *key, struct occlum_sig *sig, char *err, size_t errlen)
{
    BIGNUM *n = NULL;
    uint8_t be[MEASURE_RSA_BYTES];
    if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
        BN_bn2binpad(n, be, sizeof(be)) != (int)sizeof(be)) {
        BN_free(n);
        errf(err, errlen, "cannot read the key's modulus: %s", ossl_reason());
        return -1;
    }
    BN_free(n);
    reverse_copy(sig->modulus, be, sizeof(be));
    memset(sig->exponent, 0, sizeof(sig->exponent));
    sig->exponent[0] = MEASURE_RSA_EXP;
    return 0;
}

int measure_sign(measure_key *key, const uint8_t runtime_hash[MEASURE_HASH_LEN],
                 const uint8_t config_hash[MEASURE_HASH_LEN], struct occlum_sig *sig, char *err,
                 size_t errlen)
{
    memset(sig, 0, sizeof(*sig));
    memcpy(sig->magic, MEASURE_SIG_MAGIC, sizeof(sig->magic));
    memcpy(sig->runtime_hash, runtime_hash, MEASURE_HASH_LEN);
    memcpy(sig->config_hash, config_hash, MEASURE_HASH_LEN);
    measure_mrenclave(runtime_hash, config_hash, sig->mrenclave);
    if (check_key(key, err, errlen) < 0 || put_public_key(key, sig, err, errlen) < 0) return -1;

    uint8_t be[MEASURE_RSA_BYTES];
    size_t len = sizeof(be);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    /* PKCS#1 v1.5 is deterministic, so identical builds give identical files. */
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) > 0 &&
             EVP_DigestSign(ctx, be, &len, (const uint8_t *)sig, MEASURE_SIGNED_LEN) > 0 &&
             len == sizeof(be);
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        errf(err, errlen, "cannot sign: %s", ossl_reason());
        return -1;
    }
    reverse_copy(sig->signature, be, sizeof(be));
    return 0;
}

/* The public key embedded in sig, as an OpenSSL key. */
static EVP_PKEY *sig_public_key(const struct occlum_sig *sig)
{
    uint8_t be[MEASURE_RSA_BYTES];
    reverse_copy(be, sig->modulus, sizeof(be));
    BIGNUM *n = BN_bin2bn(be, sizeof(be), NULL), *e = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *key = NULL;
    if (n && e && bld && ctx && BN_set_word(e, MEASURE_RSA_EXP) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(n);
    BN_free(e);
    return key;
}

int measure_sig_verify(const struct occlum_sig *sig, char *err, size_t errlen)
{
    static const uint8_t exp3[4] = {MEASURE_RSA_EXP, 0, 0, 0};
    if (memcmp(sig->magic, MEASURE_SIG_MAGIC, sizeof(sig->magic)) != 0 ||
        memcmp(sig->exponent, exp3, sizeof(exp3)) != 0) {
        errf(err, errlen, "not an occlum signature file (bad magic or exponent)");
        return -1;
    }
    uint8_t be[MEASURE_RSA_BYTES];
    reverse_copy(be, sig->signature, sizeof(be));
    EVP_PKEY *key = sig_public_key(sig);
    EVP_MD_CTX *ctx = key ? EVP_MD_CTX_new() : NULL;
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) > 0 &&
             EVP_DigestVerify(ctx, be, sizeof(be), (const uint8_t *)sig, MEASURE_SIGNED_LEN) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    if (!ok) {
        errf(err, errlen, "the file changed after it was signed");
        return -1;
    }
    return 0;
}

int measure_sig_read(const char *path, struct occlum_sig *sig, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* One byte more than expected tells a longer file from an exact one. */
    uint8_t buf[sizeof(*sig) + 1];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (n != sizeof(*sig)) {
        errf(err, errlen, "%s: not %zu bytes long", path, sizeof(*sig));
        return -1;
    }
    memcpy(sig, buf, sizeof(*sig));
    return 0;
}

int measure_sig_write(const char *path, const struct occlum_sig *sig, char *err, size_t errlen)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        errf(err, errlen, "%s: path too long", path);
        return -1;
    }
    /* Written aside and renamed: a reader sees the old file or the new, whole. */
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(sig, 1, sizeof(*sig), f) != sizeof(*sig) || fclose(f) != 0 ||
        rename(tmp, path) < 0) {
        errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---- start-up verification ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 8192, n;
    char *buf = malloc(cap);
    *len = 0;
    while (buf && (n = fread(buf + *len, 1, cap - *len - 1, f)) > 0) {
        *len += n;
        if (cap - *len < 2) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
        errno = EIO;
    }
    fclose(f);
    if (buf) buf[*len] = '\0';
    return buf;
}

static int verify_sig_file(const char *instance, struct occlum_sig *sig, char *err, size_t errlen)
{
    char path[4096], why[512];
    snprintf(path, sizeof(path), "%s/%s", instance, MEASURE_SIG_PATH);
    if (access(path, F_OK) < 0) {
        errf(err, errlen, "%s is missing: the build is not signed; run 'occlum build'", path);
        return -1;
    }
    if (measure_sig_read(path, sig, why, sizeof(why)) < 0 ||
        measure_sig_verify(sig, why, sizeof(why)) < 0) {
        errf(err, errlen, "the signature %s does not verify (%s); run 'occlum build'", path, why);
        return -1;
    }
    return 0;
}

char *measure_load_verified(const char *instance, const char *runtime, size_t *len, char *err,
                            size_t errlen)
{
    struct occlum_sig sig;
    return measure_load_verified_sig(instance, runtime, len, &sig, err, errlen);
}

char *measure_load_verified_sig(const char *instance, const char *runtime, size_t *len,
                                struct occlum_sig *out, char *err, size_t errlen)
{
    struct occlum_sig sig;
    if (verify_sig_file(instance, &sig, err, errlen) < 0) return NULL;

    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", instance, MEASURE_CONFIG_PATH);
    char *cfg = slurp(path, len);
    if (!cfg) {
        errf(err, errlen, "cannot read %s (%s); run 'occlum build'", path, strerror(errno));
        return NULL;
    }
    uint8_t cfg_hash[MEASURE_HASH_LEN], rt_hash[MEASURE_HASH_LEN], mr[MEASURE_HASH_LEN];
    measure_buf(cfg, *len, cfg_hash);
    if (memcmp(cfg_hash, sig.config_hash, MEASURE_HASH_LEN) != 0) {
        errf(err, errlen, "%s does not match the signed measurement; run 'occlum build'", path);
        goto fail;
    }
    if (measure_file(runtime, rt_hash) < 0) {
        errf(err, errlen, "cannot measure the runtime binary %s: %s", runtime, strerror(errno));
        goto fail;
    }
    if (memcmp(rt_hash, sig.runtime_hash, MEASURE_HASH_LEN) != 0) {
        errf(err, errlen,
             "the runtime binary does not match the signed measurement; run 'occlum build'");
        goto fail;
    }
    /* The digests are signed, so this holds unless the signer lied; check anyway. */
    measure_mrenclave(rt_hash, cfg_hash, mr);
    if (memcmp(mr, sig.mrenclave, MEASURE_HASH_LEN) != 0) {
        errf(err, errlen, "mrenclave in %s/%s is inconsistent; run 'occlum build'", instance,
             MEASURE_SIG_PATH);
        goto fail;
    }
    *out = sig;
    return cfg;
fail:
    free(cfg);
    return NULL;
}

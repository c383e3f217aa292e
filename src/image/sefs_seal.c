/*
 * sefs_seal.c: the writable layer's key: HKDF-SHA256 (RFC 5869, OpenSSL's
 * EVP_PKEY_HKDF) from the per-host sealing secret (src/pal/sim/sealing.c,
 * the simulation of SGX's sealing key) and the instance signer's identity
 * (mrsigner, from the verified signature: common/measure.h). Same host and
 * same signer give the same key, so a layer written by one run is read by
 * the next, and by a rebuilt instance signed with the same key; another
 * signer or another host gets an unrelated key.
 */
#include "image/sefs_format.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

#define WRITABLE_SALT "occlum-sefs writable layer v1"

int sefs_hkdf_sha256(const uint8_t *salt, size_t saltlen, const uint8_t *ikm, size_t ikmlen,
                     const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    size_t len = outlen;
    int ok = c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) == 1 &&
             EVP_PKEY_CTX_set1_hkdf_salt(c, salt, (int)saltlen) == 1 &&
             EVP_PKEY_CTX_set1_hkdf_key(c, ikm, (int)ikmlen) == 1 &&
             EVP_PKEY_CTX_add1_hkdf_info(c, info, (int)infolen) == 1 &&
             EVP_PKEY_derive(c, out, &len) == 1 && len == outlen;
    EVP_PKEY_CTX_free(c);
    return ok ? 0 : -1;
}

int sefs_writable_key(const uint8_t sealing[32], const uint8_t mrsigner[32], uint8_t out[32])
{
    return sefs_hkdf_sha256((const uint8_t *)WRITABLE_SALT, strlen(WRITABLE_SALT), sealing, 32,
                            mrsigner, 32, out, 32);
}

/*
 * measure.h: signing and measurement of a built instance, shared by the CLI
 * (`occlum new` makes the key, `occlum build` signs, `occlum print` reads)
 * and the runtime (which verifies before it boots the LibOS).
 *
 *   mrenclave = SHA-256("occlum-mrenclave-v1" || SHA-256(runtime binary)
 *                                             || SHA-256(Occlum.json.protected))
 *   mrsigner  = SHA-256(modulus as 384 little-endian bytes), as SGX computes
 *               MRSIGNER from SIGSTRUCT.MODULUS
 *
 * build/occlum.sig is the fixed 884-byte struct occlum_sig below; the
 * signature is RSASSA-PKCS1-v1_5 with SHA-256 (SGX's SIGSTRUCT scheme) over
 * its first 500 bytes (everything but the signature). Keys are RSA-3072 with
 * public exponent 3, the only keys SGX accepts.
 */
#ifndef OCCLUM_MEASURE_H
#define OCCLUM_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#define MEASURE_HASH_LEN 32
#define MEASURE_RSA_BITS 3072
#define MEASURE_RSA_BYTES (MEASURE_RSA_BITS / 8)
#define MEASURE_RSA_EXP 3
#define MEASURE_SIG_MAGIC "OCCLUM-SIG-V1\0\0\0"

/* Paths relative to the instance directory. */
#define MEASURE_SIG_PATH "build/occlum.sig"
#define MEASURE_CONFIG_PATH "build/Occlum.json.protected"
#define MEASURE_KEY_PATH "Occlum_sign_key.pem"

/* The on-disk signature structure; every field is a byte array, so no padding. */
struct occlum_sig {
    uint8_t magic[16];                      /* MEASURE_SIG_MAGIC */
    uint8_t mrenclave[MEASURE_HASH_LEN];    /* over the two digests below */
    uint8_t runtime_hash[MEASURE_HASH_LEN]; /* SHA-256 of the runtime binary */
    uint8_t config_hash[MEASURE_HASH_LEN];  /* SHA-256 of Occlum.json.protected */
    uint8_t modulus[MEASURE_RSA_BYTES];     /* little-endian, as SIGSTRUCT */
    uint8_t exponent[4];                    /* little-endian u32, always 3 */
    uint8_t signature[MEASURE_RSA_BYTES];   /* little-endian, as SIGSTRUCT */
};
#define MEASURE_SIGNED_LEN offsetof(struct occlum_sig, signature)

/* An OpenSSL key, kept opaque so callers need no OpenSSL headers. */
typedef struct evp_pkey_st measure_key;

/* Hashes. measure_file returns 0, or -1 with errno set. */
void measure_buf(const void *data, size_t len, uint8_t out[MEASURE_HASH_LEN]);
int measure_file(const char *path, uint8_t out[MEASURE_HASH_LEN]);
void measure_mrenclave(const uint8_t runtime_hash[MEASURE_HASH_LEN],
                       const uint8_t config_hash[MEASURE_HASH_LEN], uint8_t out[MEASURE_HASH_LEN]);
void measure_mrsigner(const struct occlum_sig *sig, uint8_t out[MEASURE_HASH_LEN]);
/* Lowercase hex of `len` bytes into out (2 * len + 1 bytes). */
void measure_hex(const uint8_t *bytes, size_t len, char *out);

/*
 * Keys. Functions returning a pointer give NULL and those returning int give
 * -1 on failure, with a one-line reason (no "occlum <cmd>:" prefix) in err.
 */
measure_key *measure_key_generate(char *err, size_t errlen);
/* Reads a PEM private key and checks it is RSA-3072 with exponent 3. */
measure_key *measure_key_load(const char *path, char *err, size_t errlen);
/* Writes the private key as PEM to a new file with mode 0600 (never replaces). */
int measure_key_save(measure_key *key, const char *path, char *err, size_t errlen);
void measure_key_free(measure_key *key);

/* Fills sig for the given digests, signed with key. */
int measure_sign(measure_key *key, const uint8_t runtime_hash[MEASURE_HASH_LEN],
                 const uint8_t config_hash[MEASURE_HASH_LEN], struct occlum_sig *sig, char *err,
                 size_t errlen);
/* Checks the magic, the exponent and the signature with the embedded key. */
int measure_sig_verify(const struct occlum_sig *sig, char *err, size_t errlen);
/* Reads (size and magic checked, signature not) or atomically writes a sig file. */
int measure_sig_read(const char *path, struct occlum_sig *sig, char *err, size_t errlen);
int measure_sig_write(const char *path, const struct occlum_sig *sig, char *err, size_t errlen);

/*
 * What the runtime does before anything else: read <instance>/build/occlum.sig
 * and verify its signature, read the protected config into memory and check it
 * against the signed digest, hash the runtime binary and check it, then check
 * mrenclave. Returns the verified config (NUL-terminated, its length in *len;
 * free() it), so the bytes the LibOS parses are the bytes that were checked.
 * On failure returns NULL with a one-line message naming the file and the fix.
 */
char *measure_load_verified(const char *instance, const char *runtime, size_t *len, char *err,
                            size_t errlen);
/*
 * The same, also copying the verified signature structure into *sig, for a
 * caller that needs the signer's identity (measure_mrsigner), e.g. to derive
 * the writable layer's key: the identity then comes from the very bytes
 * that were verified, not from a second read of the file.
 */
char *measure_load_verified_sig(const char *instance, const char *runtime, size_t *len,
                                struct occlum_sig *sig, char *err, size_t errlen);

#endif

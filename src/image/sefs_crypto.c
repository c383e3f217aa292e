/*
 * sefs_crypto.c: keys and the sealing of one 4 KiB block for SEFS.
 *
 * Integrity-only mode: a block's entry is SHA-256 over a domain label, its
 * position and its content (a plain hash tree; see docs/sefs-format.md for
 * why not Occlum's GMAC with a zero key). Encrypted mode: AES-256-GCM with
 * the position as AAD; the entry holds the nonce and the tag. The image
 * layer's nonce is HMAC(nonce key, position || plaintext), so a build is
 * deterministic and a nonce repeats only for the same block at the same
 * place, i.e. for the same ciphertext.
 */
#include "common/alloc.h"
#include "image/sefs_format.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define POS_LEN 20
#define DOMAIN_I "OCSEFS-I"
#define DOMAIN_E "OCSEFS-E"

struct sefs_crypto {
    struct sefs_keys k;
    EVP_MD_CTX *md;
    EVP_CIPHER_CTX *enc, *dec;
    EVP_MAC *mac;
    EVP_MAC_CTX *hmac;
};

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void pos_bytes(const struct sefs_pos *p, uint8_t out[POS_LEN])
{
    put64(out, p->file);
    for (int i = 0; i < 4; i++)
        out[8 + i] = (uint8_t)(p->level >> (8 * i));
    put64(out + 12, p->index);
}

void sefs_keys_integrity(struct sefs_keys *k)
{
    memset(k, 0, sizeof(*k));
    k->mode = SEFS_INTEGRITY;
}

static void kdf(const uint8_t *key, size_t len, const char *label, uint8_t out[32])
{
    unsigned olen = 32;
    HMAC(EVP_sha256(), key, (int)len, (const uint8_t *)label, strlen(label), out, &olen);
}

int sefs_keys_derive(struct sefs_keys *k, const uint8_t *key, size_t len)
{
    if (len != 16 && len != 32) return -EINVAL;
    uint8_t chk[32];
    memset(k, 0, sizeof(*k));
    k->mode = SEFS_ENCRYPTED;
    kdf(key, len, "occlum-sefs image enc", k->enc);
    kdf(key, len, "occlum-sefs image nonce", k->nonce);
    kdf(key, len, "occlum-sefs image check", chk);
    memcpy(k->check, chk, sizeof(k->check));
    OPENSSL_cleanse(chk, sizeof(chk));
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int sefs_key_parse(const char *s, uint8_t out[32])
{
    int n = 0;
    while (*s) {
        if (*s == '-' || *s == ' ' || *s == '\n' || *s == '\r' || *s == '\t') {
            s++;
            continue;
        }
        int hi = hexval(s[0]), lo = s[1] ? hexval(s[1]) : -1;
        if (hi < 0 || lo < 0 || n == 32) return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    return n == 16 || n == 32 ? n : -1;
}

void sefs_key_format(const uint8_t key[32], char out[32 * 3 + 1])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[3 * i] = hx[key[i] >> 4];
        out[3 * i + 1] = hx[key[i] & 15];
        out[3 * i + 2] = i == 31 ? '\n' : '-';
    }
    out[96] = 0;
}

void sefs_hex(const uint8_t *b, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = 0;
}

int sefs_unhex(const char *s, uint8_t *b, size_t n)
{
    if (strlen(s) != 2 * n) return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

bool sefs_entry_is_zero(const uint8_t e[SEFS_ENTRY])
{
    uint8_t acc = 0;
    for (int i = 0; i < SEFS_ENTRY; i++)
        acc |= e[i];
    return acc == 0;
}

void sefs_crypto_free(struct sefs_crypto *c)
{
    if (!c) return;
    EVP_MD_CTX_free(c->md);
    EVP_CIPHER_CTX_free(c->enc);
    EVP_CIPHER_CTX_free(c->dec);
    EVP_MAC_CTX_free(c->hmac);
    EVP_MAC_free(c->mac);
    OPENSSL_cleanse(&c->k, sizeof(c->k));
    kfree(c);
}

static int crypto_init_enc(struct sefs_crypto *c)
{
    c->enc = EVP_CIPHER_CTX_new();
    c->dec = EVP_CIPHER_CTX_new();
    c->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    c->hmac = c->mac ? EVP_MAC_CTX_new(c->mac) : NULL;
    if (!c->enc || !c->dec || !c->hmac) return -1;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(c->hmac, c->k.nonce, sizeof(c->k.nonce), params) != 1) return -1;
    if (EVP_EncryptInit_ex(c->enc, EVP_aes_256_gcm(), NULL, c->k.enc, NULL) != 1) return -1;
    if (EVP_DecryptInit_ex(c->dec, EVP_aes_256_gcm(), NULL, c->k.enc, NULL) != 1) return -1;
    return 0;
}

struct sefs_crypto *sefs_crypto_new(const struct sefs_keys *k)
{
    struct sefs_crypto *c = kcalloc(1, sizeof(*c));
    if (!c) return NULL;
    c->k = *k;
    c->md = EVP_MD_CTX_new();
    if (!c->md || (k->mode == SEFS_ENCRYPTED && crypto_init_enc(c) < 0)) {
        sefs_crypto_free(c);
        return NULL;
    }
    return c;
}

static int hash_block(struct sefs_crypto *c, const struct sefs_pos *p, const uint8_t *plain,
                      uint8_t out[32])
{
    uint8_t pb[POS_LEN];
    unsigned len = 32;
    pos_bytes(p, pb);
    if (EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(c->md, DOMAIN_I, 8) != 1 || EVP_DigestUpdate(c->md, pb, POS_LEN) != 1 ||
        EVP_DigestUpdate(c->md, plain, SEFS_BLOCK) != 1 ||
        EVP_DigestFinal_ex(c->md, out, &len) != 1)
        return -EIO;
    return 0;
}

/* The image layer's deterministic nonce: HMAC(nonce key, pos || plain). */
static int derive_nonce(struct sefs_crypto *c, const uint8_t *pb, const uint8_t *plain,
                        uint8_t nonce[12])
{
    uint8_t mac[32];
    size_t len = 0;
    if (EVP_MAC_init(c->hmac, NULL, 0, NULL) != 1 || EVP_MAC_update(c->hmac, pb, POS_LEN) != 1 ||
        EVP_MAC_update(c->hmac, plain, SEFS_BLOCK) != 1 ||
        EVP_MAC_final(c->hmac, mac, &len, sizeof(mac)) != 1)
        return -EIO;
    memcpy(nonce, mac, 12);
    return 0;
}

static int gcm_aad(EVP_CIPHER_CTX *x, const uint8_t *pb, int enc)
{
    int outl;
    uint8_t aad[8 + POS_LEN];
    memcpy(aad, DOMAIN_E, 8);
    memcpy(aad + 8, pb, POS_LEN);
    return enc ? EVP_EncryptUpdate(x, NULL, &outl, aad, sizeof(aad))
               : EVP_DecryptUpdate(x, NULL, &outl, aad, sizeof(aad));
}

int sefs_seal(struct sefs_crypto *c, const struct sefs_pos *p, const uint8_t *plain, uint8_t *out,
              uint8_t entry[SEFS_ENTRY])
{
    if (c->k.mode == SEFS_INTEGRITY) {
        if (out != plain) memcpy(out, plain, SEFS_BLOCK);
        return hash_block(c, p, plain, entry);
    }
    uint8_t pb[POS_LEN];
    int outl, fl;
    pos_bytes(p, pb);
    memset(entry, 0, SEFS_ENTRY);
    if (derive_nonce(c, pb, plain, entry) < 0) return -EIO;
    if (EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, entry) != 1 || gcm_aad(c->enc, pb, 1) != 1 ||
        EVP_EncryptUpdate(c->enc, out, &outl, plain, SEFS_BLOCK) != 1 ||
        EVP_EncryptFinal_ex(c->enc, out + outl, &fl) != 1 ||
        EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_GCM_GET_TAG, 16, entry + 12) != 1)
        return -EIO;
    return 0;
}

int sefs_open(struct sefs_crypto *c, const struct sefs_pos *p, const uint8_t *disk,
              const uint8_t entry[SEFS_ENTRY], uint8_t *plain)
{
    if (sefs_entry_is_zero(entry)) return -EIO;
    if (c->k.mode == SEFS_INTEGRITY) {
        uint8_t h[32];
        if (hash_block(c, p, disk, h) < 0 || CRYPTO_memcmp(h, entry, 32) != 0) return -EIO;
        if (plain != disk) memcpy(plain, disk, SEFS_BLOCK);
        return 0;
    }
    uint8_t pb[POS_LEN], tag[16];
    int outl, fl;
    static const uint8_t zero4[4];
    if (memcmp(entry + 28, zero4, 4) != 0) return -EIO;
    pos_bytes(p, pb);
    memcpy(tag, entry + 12, 16);
    if (EVP_DecryptInit_ex(c->dec, NULL, NULL, NULL, entry) != 1 || gcm_aad(c->dec, pb, 0) != 1 ||
        EVP_DecryptUpdate(c->dec, plain, &outl, disk, SEFS_BLOCK) != 1 ||
        EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1 ||
        EVP_DecryptFinal_ex(c->dec, plain + outl, &fl) != 1)
        return -EIO;
    return 0;
}

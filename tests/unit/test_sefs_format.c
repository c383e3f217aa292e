/* unit-sources: src/common/usercopy.S src/image/sefs_crypto.c src/image/sefs_merkle.c
 * src/image/sefs_cache.c src/image/sefs_build.c src/image/sefs_image.c */
/*
 * test_sefs_format: the SEFS image layer end to end in memory: round trips
 * in both modes, determinism, keys, and every kind of tampering (a flipped
 * bit in any block, a swapped or replayed block, truncation, the root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "image/sefs_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- an in-memory host file ---- */
struct mem {
    uint8_t *p;
    size_t len, cap;
};

static ssize_t mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
    struct mem *m = ctx;
    if (off >= m->len) return 0;
    if (len > m->len - off) len = m->len - off;
    memcpy(buf, m->p + off, len);
    return (ssize_t)len;
}

static ssize_t mem_pwrite(void *ctx, const void *buf, size_t len, uint64_t off)
{
    struct mem *m = ctx;
    if (off + len > m->cap) {
        m->cap = (off + len) * 2;
        m->p = realloc(m->p, m->cap);
    }
    if (off > m->len) memset(m->p + m->len, 0, off - m->len);
    memcpy(m->p + off, buf, len);
    if (off + len > m->len) m->len = off + len;
    return (ssize_t)len;
}

/* ---- the test tree: content lives in host_path ---- */
static ssize_t tree_read(void *ctx, const struct sefs_bnode *n, void *buf, size_t len, uint64_t off)
{
    if (off >= n->size) return 0;
    if (len > n->size - off) len = n->size - off;
    memcpy(buf, n->host_path + off, len);
    return (ssize_t)len;
}

#define BIG_BLOCKS 600 /* two tree levels: 600 -> 5 -> 1 */

struct tree {
    struct sefs_bnode root, big, bin, a, empty, link, other;
    struct sefs_bnode *root_kids[5], *bin_kids[1];
    char *big_data, *a_data, *other_data;
};

static void node(struct sefs_bnode *n, const char *name, uint32_t mode, char *data, uint64_t size)
{
    memset(n, 0, sizeof(*n));
    n->name = (char *)name;
    n->mode = mode;
    n->mtime_sec = 1700000000;
    n->host_path = data;
    n->size = size;
}

static void tree_init(struct tree *t)
{
    t->big_data = malloc(BIG_BLOCKS * SEFS_BLOCK);
    t->a_data = malloc(10000);
    t->other_data = malloc(10000);
    for (size_t i = 0; i < BIG_BLOCKS * SEFS_BLOCK; i++)
        t->big_data[i] = (char)(i * 7 + i / 4096);
    memset(t->a_data, 'A', 10000);
    memset(t->other_data, 'O', 10000);
    node(&t->root, "", S_IFDIR | 0755, NULL, 0);
    node(&t->big, "big", S_IFREG | 0644, t->big_data, BIG_BLOCKS * SEFS_BLOCK - 100);
    node(&t->bin, "bin", S_IFDIR | 0755, NULL, 0);
    node(&t->a, "a", S_IFREG | 0755, t->a_data, 10000);
    node(&t->empty, "empty", S_IFREG | 0644, NULL, 0);
    node(&t->link, "link", S_IFLNK | 0777, NULL, 0);
    node(&t->other, "other", S_IFREG | 0644, t->other_data, 10000);
    t->link.target = (char *)"bin/a";
    /* deliberately unsorted: the builder sorts */
    t->root_kids[0] = &t->link;
    t->root_kids[1] = &t->bin;
    t->root_kids[2] = &t->big;
    t->root_kids[3] = &t->other;
    t->root_kids[4] = &t->empty;
    t->root.kids = t->root_kids;
    t->root.nkids = 5;
    t->bin_kids[0] = &t->a;
    t->bin.kids = t->bin_kids;
    t->bin.nkids = 1;
}

static void tree_free(struct tree *t)
{
    free(t->big_data);
    free(t->a_data);
    free(t->other_data);
}

static const uint8_t KEY[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void keys_for(struct sefs_keys *k, bool enc)
{
    if (enc)
        assert_int_equal(sefs_keys_derive(k, KEY, 32), 0);
    else
        sefs_keys_integrity(k);
}

static void build(bool enc, struct mem *m, uint8_t root[SEFS_ENTRY])
{
    struct tree t;
    struct sefs_keys k;
    char err[256];
    tree_init(&t);
    keys_for(&k, enc);
    memset(m, 0, sizeof(*m));
    struct sefs_io io = {m, mem_pread, mem_pwrite};
    struct sefs_build_src src = {NULL, tree_read};
    assert_int_equal(sefs_build(&k, &t.root, &src, &io, root, err, sizeof(err)), 0);
    tree_free(&t);
}

static int open_img(struct mem *m, bool enc, const uint8_t root[SEFS_ENTRY], size_t cache,
                    struct sefs_image **img)
{
    struct sefs_keys k;
    char err[256];
    keys_for(&k, enc);
    struct sefs_io io = {m, mem_pread, mem_pwrite};
    return sefs_image_open(&io, &k, root, cache, img, err, sizeof(err));
}

static uint32_t lookup_path(struct sefs_image *img, const char *a, const char *b)
{
    uint32_t ino;
    assert_int_equal(sefs_image_lookup(img, SEFS_ROOT_INO, a, &ino), 0);
    if (b) assert_int_equal(sefs_image_lookup(img, ino, b, &ino), 0);
    return ino;
}

/* Reads the whole file through odd-sized chunks and compares. */
static void check_file(struct sefs_image *img, uint32_t ino, const char *want, size_t size)
{
    char *buf = malloc(size + 1);
    size_t off = 0;
    while (off < size) {
        ssize_t n = sefs_image_read(img, ino, buf + off, 5000, off);
        assert_true(n > 0);
        off += (size_t)n;
    }
    assert_int_equal(sefs_image_read(img, ino, buf, 10, size), 0);
    assert_memory_equal(buf, want, size);
    free(buf);
}

static void round_trip(bool enc, size_t cache)
{
    struct mem m;
    uint8_t root[SEFS_ENTRY];
    struct sefs_image *img;
    struct tree t;
    build(enc, &m, root);
    tree_init(&t);
    assert_int_equal(open_img(&m, enc, root, cache, &img), 0);
    check_file(img, lookup_path(img, "big", NULL), t.big_data, t.big.size);
    check_file(img, lookup_path(img, "bin", "a"), t.a_data, 10000);
    check_file(img, lookup_path(img, "other", NULL), t.other_data, 10000);
    struct sefs_inode in;
    assert_int_equal(sefs_image_stat(img, lookup_path(img, "empty", NULL), &in), 0);
    assert_int_equal(in.size, 0);
    char buf[64], name[256];
    ssize_t n = sefs_image_readlink(img, lookup_path(img, "link", NULL), buf, sizeof(buf));
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "bin/a", 5);
    uint32_t ino;
    assert_int_equal(sefs_image_lookup(img, SEFS_ROOT_INO, "nope", &ino), -ENOENT);
    assert_int_equal(sefs_image_lookup(img, lookup_path(img, "big", NULL), "x", &ino), -ENOTDIR);
    const char *order[] = {"big", "bin", "empty", "link", "other"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sefs_image_readdir(img, SEFS_ROOT_INO, (uint64_t)i, name, &ino), 1);
        assert_string_equal(name, order[i]);
    }
    assert_int_equal(sefs_image_readdir(img, SEFS_ROOT_INO, 5, name, &ino), 0);
    sefs_image_close(img);
    tree_free(&t);
    free(m.p);
}

static void test_round_trip_integrity(void **s)
{
    round_trip(false, 1 << 20);
}

static void test_round_trip_encrypted(void **s)
{
    round_trip(true, 1 << 20);
}

static void test_round_trip_tiny_cache(void **s)
{
    round_trip(true, 0);
}

static void test_encrypted_hides_content_and_names(void **s)
{
    struct mem m;
    uint8_t root[SEFS_ENTRY];
    build(true, &m, root);
    assert_null(memmem(m.p, m.len, "AAAAAAAAAAAAAAAA", 16));
    assert_null(memmem(m.p, m.len, "other", 5));
    assert_null(memmem(m.p, m.len, "bin/a", 5));
    free(m.p);
}

static void test_deterministic(void **s)
{
    for (int enc = 0; enc < 2; enc++) {
        struct mem m1, m2;
        uint8_t r1[SEFS_ENTRY], r2[SEFS_ENTRY];
        build(enc, &m1, r1);
        build(enc, &m2, r2);
        assert_int_equal(m1.len, m2.len);
        assert_memory_equal(m1.p, m2.p, m1.len);
        assert_memory_equal(r1, r2, SEFS_ENTRY);
        free(m1.p);
        free(m2.p);
    }
}

static void test_keys(void **s)
{
    struct mem m;
    uint8_t root[SEFS_ENTRY], other[32];
    struct sefs_image *img;
    char err[256];
    build(true, &m, root);
    struct sefs_io io = {&m, mem_pread, mem_pwrite};
    struct sefs_keys k;
    memcpy(other, KEY, 32);
    other[0] ^= 1;
    sefs_keys_derive(&k, other, 32);
    assert_int_equal(sefs_image_open(&io, &k, root, 0, &img, err, sizeof(err)), -EKEYREJECTED);
    assert_non_null(strstr(err, "wrong"));
    assert_int_equal(sefs_image_open(&io, NULL, root, 0, &img, err, sizeof(err)), -EKEYREJECTED);
    sefs_keys_integrity(&k);
    assert_int_equal(sefs_image_open(&io, &k, root, 0, &img, err, sizeof(err)), -EKEYREJECTED);
    free(m.p);
    uint8_t key[32];
    char text[97];
    sefs_key_format(KEY, text);
    assert_int_equal(sefs_key_parse(text, key), 32);
    assert_memory_equal(key, KEY, 32);
    assert_int_equal(sefs_key_parse("00-11-22-33-44-55-66-77-88-99-aa-bb-cc-dd-ee-ff\n", key), 16);
    assert_int_equal(sefs_key_parse("00-11-zz", key), -1);
    assert_int_equal(sefs_key_parse("0011", key), -1);
}

/* 0 when opening and reading every file works, else the first error. */
static int read_all(struct mem *m, bool enc, const uint8_t root[SEFS_ENTRY])
{
    struct sefs_image *img;
    int r = open_img(m, enc, root, 1 << 20, &img);
    if (r < 0) return r;
    static char buf[BIG_BLOCKS * SEFS_BLOCK];
    for (uint32_t ino = 1; r == 0 && ino <= sefs_image_ninodes(img); ino++) {
        struct sefs_inode in;
        r = sefs_image_stat(img, ino, &in);
        if (r == 0 && S_ISREG(in.mode)) {
            ssize_t n = sefs_image_read(img, ino, buf, sizeof(buf), 0);
            r = n < 0 ? (int)n : 0;
        }
    }
    sefs_image_close(img);
    return r;
}

static void flip_every_block(bool enc)
{
    struct mem m;
    uint8_t root[SEFS_ENTRY];
    build(enc, &m, root);
    assert_int_equal(read_all(&m, enc, root), 0);
    size_t nblocks = m.len / SEFS_BLOCK;
    for (size_t b = 1; b < nblocks; b++) {
        for (size_t at = 0; at < SEFS_BLOCK; at += 4093 - 1) { /* first and last byte */
            m.p[b * SEFS_BLOCK + at] ^= 0x10;
            int r = read_all(&m, enc, root);
            if (r != -EIO) fail_msg("flip in block %zu byte %zu: got %d, want -EIO", b, at, r);
            m.p[b * SEFS_BLOCK + at] ^= 0x10;
        }
    }
    free(m.p);
}

static void test_flip_any_block_integrity(void **s)
{
    flip_every_block(false);
}

static void test_flip_any_block_encrypted(void **s)
{
    flip_every_block(true);
}

static void test_root_tamper(void **s)
{
    struct mem m;
    uint8_t root[SEFS_ENTRY];
    build(true, &m, root);
    m.p[48] ^= 1; /* the header's copy of the root */
    assert_int_equal(read_all(&m, true, root), -EIO);
    m.p[48] ^= 1;
    root[0] ^= 1; /* the config's root */
    assert_int_equal(read_all(&m, true, root), -EIO);
    root[0] ^= 1;
    /* a consistent forged root (header and config both changed) */
    m.p[48] ^= 1;
    root[0] ^= 1;
    assert_int_equal(read_all(&m, true, root), -EIO);
    free(m.p);
}

static void swap_blocks(struct mem *m, size_t a, size_t b)
{
    uint8_t tmp[SEFS_BLOCK];
    memcpy(tmp, m->p + a * SEFS_BLOCK, SEFS_BLOCK);
    memcpy(m->p + a * SEFS_BLOCK, m->p + b * SEFS_BLOCK, SEFS_BLOCK);
    memcpy(m->p + b * SEFS_BLOCK, tmp, SEFS_BLOCK);
}

/* Layout (inode order big, bin, a, empty, link, other): blocks 1..600
 * big's data, 601..606 its nodes, 607..609 a's data, then other's. */
static void test_swap_and_replay(void **s)
{
    for (int enc = 0; enc < 2; enc++) {
        struct mem m;
        uint8_t root[SEFS_ENTRY];
        build(enc, &m, root);
        swap_blocks(&m, 1, 2); /* within a file */
        assert_int_equal(read_all(&m, enc, root), -EIO);
        swap_blocks(&m, 1, 2);
        assert_int_equal(read_all(&m, enc, root), 0);
        uint8_t save[SEFS_BLOCK];
        memcpy(save, m.p + 610 * SEFS_BLOCK, SEFS_BLOCK);
        memcpy(m.p + 610 * SEFS_BLOCK, m.p + 607 * SEFS_BLOCK, SEFS_BLOCK); /* a's over other's */
        assert_int_equal(read_all(&m, enc, root), -EIO);
        memcpy(m.p + 610 * SEFS_BLOCK, save, SEFS_BLOCK);
        swap_blocks(&m, 601, 602); /* two tree nodes */
        assert_int_equal(read_all(&m, enc, root), -EIO);
        free(m.p);
    }
}

static void test_truncation(void **s)
{
    struct mem m;
    uint8_t root[SEFS_ENTRY];
    build(true, &m, root);
    size_t len = m.len;
    m.len = len - SEFS_BLOCK;
    assert_int_equal(read_all(&m, true, root), -EIO);
    m.len = 611 * SEFS_BLOCK; /* in the middle of the data: other's last block */
    assert_int_equal(read_all(&m, true, root), -EIO);
    m.len = 100;
    assert_int_equal(read_all(&m, true, root), -EIO);
    free(m.p);
}

static void test_tree_geometry(void **s)
{
    assert_int_equal(sefs_tree_height(0), 0);
    assert_int_equal(sefs_tree_height(1), 0);
    assert_int_equal(sefs_tree_height(2), 1);
    assert_int_equal(sefs_tree_height(128), 1);
    assert_int_equal(sefs_tree_height(129), 2);
    assert_int_equal(sefs_node_blocks(600), 6);
    assert_int_equal(sefs_node_slot(600, 2, 0), 5);
    assert_int_equal(sefs_level_count(600, 1), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_geometry),
        cmocka_unit_test(test_round_trip_integrity),
        cmocka_unit_test(test_round_trip_encrypted),
        cmocka_unit_test(test_round_trip_tiny_cache),
        cmocka_unit_test(test_encrypted_hides_content_and_names),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_flip_any_block_integrity),
        cmocka_unit_test(test_flip_any_block_encrypted),
        cmocka_unit_test(test_root_tamper),
        cmocka_unit_test(test_swap_and_replay),
        cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

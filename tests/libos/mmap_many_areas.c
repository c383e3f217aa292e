/* mmap_many_areas: thousands of mappings made, split, re-protected and
 * unmapped in a random order (a fixed seed), as a JVM or a malloc that
 * maps each big block does. A new mapping is always free space (zero
 * pages, where a live one would show its tag), a hint at a free place is
 * honoured, MAP_FIXED_NOREPLACE on a live page fails with EEXIST, and
 * after each round every live page still holds its tag. */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>

#define SLOTS 3000
#define PAGE 4096UL

struct slot {
    char *addr;
    size_t pages;
    uint32_t tag;
};
static struct slot slots[SLOTS];
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void tag_pages(struct slot *s)
{
    for (size_t i = 0; i < s->pages; i++)
        *(uint32_t *)(s->addr + i * PAGE) = s->tag + (uint32_t)i;
}

static void check_tags(void)
{
    for (int k = 0; k < SLOTS; k++) {
        struct slot *s = &slots[k];
        for (size_t i = 0; s->addr && i < s->pages; i++)
            if (*(uint32_t *)(s->addr + i * PAGE) != s->tag + (uint32_t)i) {
                fprintf(stderr, "slot %d page %zu: tag %#x, want %#x\n", k, i,
                        *(uint32_t *)(s->addr + i * PAGE), s->tag + (uint32_t)i);
                exit(1);
            }
    }
}

static void map_slot(struct slot *s, void *hint)
{
    s->pages = 1 + next_rand() % 8;
    s->addr =
        mmap(hint, s->pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(s->addr != MAP_FAILED);
    if (hint) CHECK(s->addr == hint); /* it was free: Linux takes the hint */
    /* a fresh mapping is zero: a page of a live mapping would hold a tag */
    for (size_t i = 0; i < s->pages; i++)
        CHECK_EQ(*(uint32_t *)(s->addr + i * PAGE), 0);
    s->tag = next_rand() | 1;
    tag_pages(s);
    /* read-only every other time: neighbours with other protections stay
     * separate areas */
    if (next_rand() & 1) CHECK_EQ(mprotect(s->addr, PAGE, PROT_READ), 0);
}

int main(void)
{
    for (int round = 0; round < 8; round++) {
        for (int n = 0; n < 6000; n++) {
            struct slot *s = &slots[next_rand() % SLOTS];
            if (!s->addr) {
                map_slot(s, NULL);
                continue;
            }
            switch (next_rand() % 4) {
            case 0: { /* unmap, then map again at the same place by hint */
                char *old = s->addr;
                size_t pages = s->pages;
                CHECK_EQ(munmap(s->addr, s->pages * PAGE), 0);
                s->addr = NULL;
                map_slot(s, NULL);
                CHECK_EQ(munmap(s->addr, s->pages * PAGE), 0);
                s->addr = NULL;
                if (pages >= 8) map_slot(s, old); /* 8 pages fit where 8 were */
                break;
            }
            case 1: /* unmap */
                CHECK_EQ(munmap(s->addr, s->pages * PAGE), 0);
                s->addr = NULL;
                break;
            case 2: /* drop the last page: a split */
                if (s->pages > 1) {
                    s->pages--;
                    CHECK_EQ(munmap(s->addr + s->pages * PAGE, PAGE), 0);
                }
                break;
            default: { /* a live page is not free */
                void *r = mmap(s->addr, PAGE, PROT_READ,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
                CHECK(r == MAP_FAILED && errno == EEXIST);
                /* the protections of a middle page change and come back */
                if (s->pages > 2) {
                    CHECK_EQ(mprotect(s->addr + PAGE, PAGE, PROT_NONE), 0);
                    CHECK_EQ(mprotect(s->addr + PAGE, PAGE, PROT_READ | PROT_WRITE), 0);
                }
            }
            }
        }
        check_tags();
    }
    puts("mmap_many_areas: ok");
    return 0;
}

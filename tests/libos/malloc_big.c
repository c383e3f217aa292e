/* malloc_big: a 100 MB malloc succeeds and every page is usable; calloc/realloc/free. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "check.h"

#define MB (1024ul * 1024ul)

int main(void)
{
    size_t n = 100 * MB;
    unsigned char *p = malloc(n);
    CHECK(p != NULL);
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    p[n - 1] = 0x77;
    for (size_t i = 0; i < n; i += 4096)
        CHECK_EQ(p[i], (unsigned char)(i >> 12));
    CHECK_EQ(p[n - 1], 0x77);

    /* a second big block next to it */
    unsigned char *z = calloc(50, MB);
    CHECK(z != NULL);
    for (size_t i = 0; i < 50 * MB; i += 4096)
        CHECK_EQ(z[i], 0);
    free(z);

    /* realloc bigger keeps the content */
    unsigned char *r = realloc(p, n + 20 * MB);
    CHECK(r != NULL);
    for (size_t i = 0; i < n; i += 4096 * 7)
        CHECK_EQ(r[i], (unsigned char)(i >> 12));
    memset(r + n, 1, 20 * MB);
    free(r);

    /* allocate and free repeatedly: memory is really given back */
    for (int k = 0; k < 20; k++) {
        unsigned char *t = malloc(100 * MB);
        CHECK(t != NULL);
        t[0] = t[100 * MB - 1] = (unsigned char)k;
        free(t);
    }
    /* many small blocks */
    void *small[10000];
    for (int i = 0; i < 10000; i++) {
        small[i] = malloc(16 + i % 200);
        CHECK(small[i] != NULL);
        memset(small[i], i, 16);
    }
    for (int i = 0; i < 10000; i++) {
        CHECK_EQ(((unsigned char *)small[i])[15], (unsigned char)i);
        free(small[i]);
    }
    return 0;
}

/* hello_world: prints exactly "Hello World!\n" and exits 0. */
#define _GNU_SOURCE
#include <stdio.h>

int main(void)
{
    printf("Hello World!\n");
    return 0;
}

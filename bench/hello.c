/* hello: the program whose whole `occlum run` wall time is measured. */
#include <stdio.h>

int main(void)
{
    printf("Hello World!\n");
    return 0;
}

/* spawn_child: the program spawn.c starts; PAD_BYTES of initialised data
 * give it the wanted file size (14 KB, 1 MB, 10 MB variants). */
#include <unistd.h>

#ifndef PAD_BYTES
#define PAD_BYTES 1
#endif
static volatile char pad[PAD_BYTES] = {1};

int main(void)
{
    return pad[0] - 1;
}

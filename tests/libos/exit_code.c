/* exit_code: the exit status reaches the parent (runner expects 42), atexit handlers run. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void bye(void)
{
    /* Runs on exit(); its output proves atexit handlers ran before exit. */
    fputs("atexit ran\n", stdout);
}

int main(void)
{
    if (atexit(bye) != 0) return 1;
    fputs("exiting with 42\n", stdout); /* buffered: flushed by exit() */
    exit(42);
}

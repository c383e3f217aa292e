/* argv: arguments arrive unchanged, NULL-terminated and contiguous, as on Linux. */
#define _GNU_SOURCE
#include <string.h>

#include "check.h"

/* Must match argv.args, one argument per line. */
static const char *const expected[] = {
    "first", "second arg with spaces", "--flag=1", "h\xc3\xa9llo", "*",
};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

int main(int argc, char **argv, char **envp)
{
    CHECK_EQ(argc, 1 + (int)N_EXPECTED);
    CHECK(argv[0] != NULL && argv[0][0] != '\0');
    CHECK(argv[argc] == NULL);
    for (int i = 1; i < argc; i++)
        CHECK_STR(argv[i], expected[i - 1]);
    /* Linux lays argv strings out back to back, then the env strings. */
    for (int i = 0; i + 1 < argc; i++)
        CHECK(argv[i + 1] == argv[i] + strlen(argv[i]) + 1);
    /* envp follows argv's NULL terminator in the same array. */
    CHECK(envp == argv + argc + 1);
    return 0;
}

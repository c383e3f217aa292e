/* envp: envp is environ and holds exactly the variables listed in argv by the runner. */
#define _GNU_SOURCE
#include <string.h>

#include "check.h"

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    CHECK(envp == environ);
    CHECK(envp == argv + argc + 1);
    int n = 0;
    while (envp[n] != NULL) {
        CHECK(strchr(envp[n], '=') != NULL);
        int found = 0;
        for (int i = 1; i < argc; i++)
            if (strcmp(envp[n], argv[i]) == 0) found = 1;
        if (!found) fprintf(stderr, "unexpected variable: %s\n", envp[n]);
        CHECK(found);
        n++;
    }
    CHECK_EQ(n, argc - 1);
    CHECK_STR(getenv("OCCLUM"), "yes");
    CHECK(getenv("PATH") == NULL);
    /* setenv/unsetenv work on the process's own copy. */
    CHECK_EQ(setenv("LIBOS_TEST_VAR", "1", 0), 0);
    CHECK_STR(getenv("LIBOS_TEST_VAR"), "1");
    CHECK_EQ(unsetenv("LIBOS_TEST_VAR"), 0);
    CHECK(getenv("LIBOS_TEST_VAR") == NULL);
    return 0;
}

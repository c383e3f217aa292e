/* shebang: as the interpreter of "#!<binary> optarg", argv is [interp, optarg, script, ...]. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>

#include "check.h"

int main(int argc, char **argv)
{
    /* The runner executes the script with the extra arguments "a1" "a 2". */
    CHECK_EQ(argc, 5);
    CHECK_STR(argv[1], "optarg");
    CHECK(ends_with(argv[2], ".sh"));
    CHECK_STR(argv[3], "a1");
    CHECK_STR(argv[4], "a 2");
    CHECK(argv[5] == NULL);

    /* argv[2] is the script as given to execve; its first line names argv[0] */
    char buf[512] = {0};
    int fd = open(argv[2], O_RDONLY);
    CHECK(fd >= 0);
    CHECK(read(fd, buf, sizeof(buf) - 1) > 2);
    CHECK_EQ(close(fd), 0);
    CHECK(strncmp(buf, "#!", 2) == 0);
    char *nl = strchr(buf, '\n');
    CHECK(nl != NULL);
    *nl = '\0';
    char want[512];
    snprintf(want, sizeof(want), "#!%s optarg", argv[0]);
    CHECK_STR(buf, want);
    return 0;
}

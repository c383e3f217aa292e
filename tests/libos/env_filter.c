/* env_filter: the app sees env.default and env.untrusted variables, no other host ones. */
#define _GNU_SOURCE
#include "check.h"

int main(void)
{
    CHECK_STR(getenv("OCCLUM"), "yes");
    CHECK_STR(getenv("TEST_UNTRUSTED"), "passed");
    CHECK(getenv("TEST_SECRET") == NULL);
    CHECK(getenv("HOME") == NULL);
    return 0;
}

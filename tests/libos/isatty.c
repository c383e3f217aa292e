/* isatty: /dev/null stdin, a pipe and a device are not terminals (ENOTTY); bad fd EBADF. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "check.h"

int main(void)
{
    /* the runner gives us stdin from /dev/null */
    errno = 0;
    CHECK_EQ(isatty(0), 0);
    CHECK_EQ(errno, ENOTTY);
    struct termios t;
    CHECK_ERRNO(tcgetattr(0, &t), ENOTTY);
    struct winsize ws;
    CHECK_ERRNO(ioctl(0, TIOCGWINSZ, &ws), ENOTTY);

    int p[2];
    CHECK_EQ(pipe(p), 0);
    errno = 0;
    CHECK_EQ(isatty(p[0]), 0);
    CHECK_EQ(errno, ENOTTY);
    CHECK_EQ(isatty(p[1]), 0);
    close(p[0]);
    close(p[1]);

    int fd = open("/dev/zero", O_RDONLY);
    CHECK(fd >= 0);
    errno = 0;
    CHECK_EQ(isatty(fd), 0);
    CHECK_EQ(errno, ENOTTY);
    close(fd);

    errno = 0;
    CHECK_EQ(isatty(9999), 0);
    CHECK_EQ(errno, EBADF);
    return 0;
}

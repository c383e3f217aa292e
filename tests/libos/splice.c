/* splice: splice(2) between a file (at an offset, or its position) and a
 * pipe both ways, pipe to pipe, pipe to a socket; tee(2) copying without
 * consuming; vmsplice(2) into a pipe and out of one; SPLICE_F_NONBLOCK,
 * end of file, and the errors Linux gives. Argument: a writable directory. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "check.h"

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    char path[4200];
    snprintf(path, sizeof(path), "%s/spliced", argv[1]);
    int f = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(f >= 0);
    CHECK(write(f, "0123456789abcdefghij", 20) == 20);
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0);

    /* file at an offset -> pipe: the offset moves, the position does not */
    loff_t off = 5;
    CHECK(lseek(f, 2, SEEK_SET) == 2);
    CHECK(splice(f, &off, p[1], NULL, 6, 0) == 6);
    CHECK(off == 11 && lseek(f, 0, SEEK_CUR) == 2);
    /* file at its position -> pipe */
    CHECK(splice(f, NULL, p[1], NULL, 3, SPLICE_F_MORE) == 3);
    CHECK(lseek(f, 0, SEEK_CUR) == 5);

    /* tee: q gets a copy, p keeps its bytes */
    CHECK(tee(p[0], q[1], 100, 0) == 9);
    char buf[64] = {0};
    CHECK(read(q[0], buf, sizeof(buf)) == 9 && memcmp(buf, "56789a234", 9) == 0);

    /* pipe -> pipe, then pipe -> file at its position */
    CHECK(splice(p[0], NULL, q[1], NULL, 4, SPLICE_F_MOVE) == 4);
    CHECK(read(q[0], buf, sizeof(buf)) == 4 && memcmp(buf, "5678", 4) == 0);
    CHECK(lseek(f, 20, SEEK_SET) == 20);
    CHECK(splice(p[0], NULL, f, NULL, 100, 0) == 5);
    CHECK(pread(f, buf, 5, 20) == 5 && memcmp(buf, "9a234", 5) == 0);

    /* pipe -> file at an offset, and -> a socket */
    CHECK(write(p[1], "XY", 2) == 2);
    off = 0;
    CHECK(splice(p[0], NULL, f, &off, 2, 0) == 2 && off == 2);
    CHECK(pread(f, buf, 3, 0) == 3 && memcmp(buf, "XY2", 3) == 0);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(write(p[1], "to socket", 9) == 9);
    CHECK(splice(p[0], NULL, sv[0], NULL, 64, 0) == 9);
    CHECK(read(sv[1], buf, sizeof(buf)) == 9 && memcmp(buf, "to socket", 9) == 0);
    /* a socket -> pipe */
    CHECK(write(sv[1], "from socket", 11) == 11);
    CHECK(splice(sv[0], NULL, p[1], NULL, 64, 0) == 11);
    CHECK(read(p[0], buf, sizeof(buf)) == 11 && memcmp(buf, "from socket", 11) == 0);

    /* vmsplice into the write end, out of the read end */
    char a[] = "vm", b[] = "splice";
    struct iovec in[2] = {{a, 2}, {b, 6}};
    CHECK(vmsplice(p[1], in, 2, 0) == 8);
    char r1[3] = {0}, r2[8] = {0};
    struct iovec out[2] = {{r1, 3}, {r2, 5}};
    CHECK(vmsplice(p[0], out, 2, 0) == 8);
    CHECK(memcmp(r1, "vms", 3) == 0 && memcmp(r2, "plice", 5) == 0);

    /* empty pipe: SPLICE_F_NONBLOCK gives EAGAIN; no writer left: 0 */
    CHECK_ERRNO(splice(p[0], NULL, f, NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_ERRNO(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
    /* a full pipe as the target: EAGAIN without taking anything */
    CHECK(fcntl(q[1], F_SETFL, O_NONBLOCK) == 0);
    char big[4096];
    memset(big, 'z', sizeof(big));
    while (write(q[1], big, sizeof(big)) > 0) {
    }
    off = 0;
    CHECK_ERRNO(splice(f, &off, q[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK(off == 0);

    /* the errors */
    CHECK_ERRNO(splice(f, NULL, sv[0], NULL, 1, 0), EINVAL);   /* no pipe */
    CHECK_ERRNO(splice(p[0], &off, f, NULL, 1, 0), ESPIPE);    /* an offset on a pipe */
    CHECK_ERRNO(splice(p[0], NULL, p[1], NULL, 1, 0), EINVAL); /* one pipe both ways */
    CHECK_ERRNO(splice(p[0], NULL, f, NULL, 1, 0x100), EINVAL);
    CHECK_ERRNO(splice(p[1], NULL, f, NULL, 1, 0), EBADF); /* not readable */
    CHECK_ERRNO(tee(f, q[1], 1, 0), EINVAL);
    CHECK_ERRNO(vmsplice(f, in, 1, 0), EBADF);
    int ap = open(path, O_WRONLY | O_APPEND);
    CHECK(ap >= 0);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK_ERRNO(splice(p[0], NULL, ap, NULL, 1, 0), EINVAL);
    CHECK(close(ap) == 0);
    CHECK(close(p[1]) == 0);
    CHECK(read(p[0], buf, 1) == 1);                 /* the byte the refused splice left */
    CHECK(splice(p[0], NULL, f, NULL, 10, 0) == 0); /* no writer: end of file */
    CHECK(splice(f, NULL, q[1], NULL, 0, 0) == 0);
    puts("splice: ok");
    return 0;
}

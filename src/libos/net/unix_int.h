/*
 * unix_int: the AF_UNIX socket object and what the files of net/unix*.c
 * share about it (internal to them; the rest of the LibOS sees net/unix.h).
 *
 * Everything lives in the kernel heap and is found through pointers into
 * it, never through host objects: processes in other address spaces
 * (fork) use the same sockets at in-process speed, and no host call is on
 * the data path.
 *
 * The model is Linux's net/unix/af_unix.c: a message ("skb") goes into
 * the receiver's queue and stays charged to its sender (`wmem`) until it
 * is read, so SO_SNDBUF bounds what a sender has in flight; a datagram
 * receiver also bounds the number of datagrams queued from senders it is
 * not connected to (net.unix.max_dgram_qlen); a listener's pending
 * connections are sockets ("embryos") already connected to their client.
 *
 * Locking (a lock is never held across a sleep):
 * - u->lock guards the socket's state, peer, queues, wmem, options and its
 *   wait queues. Two socket locks are taken together only through
 *   usock_lock2 (address order). Only the owner of a lock wakes its queues.
 * - u->iolock serializes receivers, so that one can copy out of the head
 *   of the queue without u->lock (it is never held while sleeping).
 * - the name tables (unix_name.c) have their own lock, never taken with a
 *   socket lock held; binds are serialized by a lock of their own.
 * - files in flight (SCM_RIGHTS) are put with no socket lock held: their
 *   release may be a unix socket's.
 */
#ifndef LIBOS_NET_UNIX_INT_H
#define LIBOS_NET_UNIX_INT_H

#include "process/waitq.h"
#include "util/lock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>

struct file;
struct inode;
struct mount;
struct poll_table;

/* sk_state */
enum { US_UNCONNECTED, US_LISTEN, US_CONNECTED };

/* sk_shutdown */
#define US_RCV_SHUTDOWN 1
#define US_SEND_SHUTDOWN 2
#define US_SHUTDOWN_MASK 3

/* Linux's defaults and limits (net.core.wmem_default, wmem_max,
 * SOCK_MIN_SNDBUF/RCVBUF, net.unix.max_dgram_qlen, net.core.somaxconn,
 * SCM_MAX_FD). */
#define UNIX_BUF_DEFAULT 212992
#define UNIX_BUF_MAX 4194304
#define UNIX_SNDBUF_MIN 4608
#define UNIX_RCVBUF_MIN 2304
#define UNIX_MAX_DGRAM_QLEN 10
#define UNIX_SOMAXCONN 4096
#define UNIX_SCM_MAX_FD 253
/* What a message costs its sender beyond its bytes (Linux charges an
 * skb's truesize), so that many tiny messages also fill SO_SNDBUF. */
#define UNIX_SKB_OVERHEAD 576

/* A bound name: len 0 when unbound; a path name keeps its NUL (len counts
 * it, as Linux's unix_mkname_bsd), so a 108-byte path takes 111 bytes. */
struct unix_addr {
    unsigned len;
    union {
        struct sockaddr_un sun;
        char raw[sizeof(struct sockaddr_un) + 2];
    };
};

/* Credentials a message carries (SCM_CREDENTIALS); pid 0: none. */
struct unix_creds {
    int pid;
    uint32_t uid, gid;
};

/* Files in flight (SCM_RIGHTS), each referenced. `next` links batches
 * whose release is deferred (unix_fpl_put). */
struct unix_fpl {
    struct unix_fpl *next;
    unsigned n;
    struct file *f[];
};

/* What a sendmsg's control data asked for. */
struct unix_scm {
    struct unix_creds creds;
    bool has_creds;
    struct unix_fpl *fpl;
};

/* One message in a receive queue. */
struct unix_skb {
    struct unix_skb *next;
    struct unix_sock *sender; /* referenced: its wmem, its address */
    size_t len, consumed;     /* stream: bytes [consumed, len) are unread */
    size_t charge;            /* counted in sender->wmem */
    struct unix_creds creds;
    struct unix_fpl *fpl;
    char data[];
};

struct unix_sock {
    struct mutex lock;
    struct mutex iolock;
    int refcount;
    int type; /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
    int state;
    int shutdown;
    int err; /* SO_ERROR: reported (and cleared) once */
    bool dead;
    bool passcred;
    bool has_file;            /* accepted (or made by socket/socketpair): not an embryo */
    ino_t ino;                /* st_ino of its file */
    struct unix_addr addr;    /* set once (bind, autobind, accept) */
    struct unix_sock *peer;   /* referenced */
    struct unix_skb *rq_head; /* the receive queue */
    struct unix_skb *rq_tail;
    unsigned rq_count;
    size_t rq_bytes;                       /* unread bytes in it */
    struct unix_sock *acc_head, *acc_tail; /* a listener's embryos (their base reference) */
    struct unix_sock *acc_next;
    unsigned nacc;
    unsigned backlog; /* a listener's, or max_dgram_qlen */
    size_t wmem;      /* charge of this socket's unread messages */
    int sndbuf, rcvbuf, rcvlowat;
    struct timespec rcvtimeo, sndtimeo; /* {0, 0}: none; tv_sec < 0: do not wait */
    int opts;                           /* SO_* flags only remembered (unix_opt.c) */
    int priority;                       /* SO_PRIORITY, remembered */
    struct linger linger;               /* SO_LINGER, remembered */
    struct ucred peercred;              /* pid 0: none */
    struct waitq wq;                    /* its readers, writers, acceptors, pollers */
    struct waitq peer_wait;             /* waiting for room in its queue */
    /* Pollers of datagram sockets connected to this one while its queue
     * is full (Linux's peer_wake relay): each referenced, woken through
     * its own wq when a datagram leaves the queue. */
    struct unix_sock *relays;
    struct unix_sock *relay_next; /* owned by whoever holds the list it is on */
    bool relay_queued;            /* on a list (atomic: cleared by the firer) */
    /* names (unix_name.c, under its lock) */
    struct unix_sock *name_next;
    bool hashed;
    const struct mount *bound_mnt;
    dev_t bound_dev;
    ino_t bound_ino;
    struct inode *bound_inode; /* referenced while bound to a path */
};

/* ---- the object (unix.c) ---- */
struct unix_sock *usock_new(int type);
void usock_get(struct unix_sock *u);
void usock_put(struct unix_sock *u);
/* Linux's unix_release_sock: drop the socket's base reference after
 * telling its peer and emptying its queues. No lock held. */
void usock_release(struct unix_sock *u, bool embryo);
void usock_lock2(struct unix_sock *a, struct unix_sock *b);
void usock_unlock2(struct unix_sock *a, struct unix_sock *b);
/* Sleep on q (u->lock held; returns with it held): 0, -EAGAIN past the
 * deadline, -EINTR (or EINTR_NORESTART when the wait had a timeout, so
 * that SA_RESTART does not restart it, as Linux's sock_intr_errno). */
int usock_wait(struct unix_sock *u, struct waitq *q, const struct timespec *deadline);
/* The deadline of a blocking wait from a timeout (NULL: none); *nowait
 * true when the call must not wait at all. */
const struct timespec *usock_deadline(const struct timespec *timeo, bool nonblock,
                                      struct timespec *buf, bool *nowait);
/* The file of a new socket (takes over the reference), NULL: no memory. */
struct file *usock_file(struct unix_sock *u, int flags);
struct unix_sock *usock_of(const struct file *f);
/* A message's memory and its sender's charge; files put (unix_fpl_put).
 * No socket lock held. */
void usock_skb_free(struct unix_skb *skb);
/* Wait until u may have another message in flight and charge its cost
 * (Linux's sock_alloc_send_pskb): 0, -EPIPE once u is shut down for
 * writing, a pending SO_ERROR, -EAGAIN, -EINTR. No lock held. */
long usock_charge(struct unix_sock *u, size_t cost, bool nowait, const struct timespec *dl);
/* Give back cost of u's wmem (no lock held). */
void usock_uncharge(struct unix_sock *u, size_t cost);
/* Wake whoever waits for room in u's queue (u->lock held): waiters and
 * the relayed pollers (handed back in *relays to usock_fire_relays once
 * the lock is dropped). */
void usock_room(struct unix_sock *u, struct unix_sock **relays);
void usock_fire_relays(struct unix_sock *relays);
/* Remove u from other's relay list (no lock held). */
void usock_relay_cancel(struct unix_sock *u, struct unix_sock *other);
/* SO_ERROR, read and cleared (u->lock held). */
int usock_take_err(struct unix_sock *u);
/* The caller's pid/uid/gid, as SO_PEERCRED and SCM_CREDENTIALS give them. */
void usock_current_creds(struct ucred *c);
/* A copy of u's address into a (len 2 with only the family when unbound). */
unsigned usock_addr_copy(struct unix_sock *u, struct sockaddr_storage *a);

/* ---- names (unix_name.c) ---- */
/* bind(2) of an address already copied in (len bytes). */
long unix_name_bind(struct unix_sock *u, struct sockaddr_storage *a, unsigned len);
/* Bind to a fresh abstract name ("\0" + 5 hex digits) unless bound. */
long unix_name_autobind(struct unix_sock *u);
/* The socket of type `type` bound to the address (referenced), or NULL
 * with *err: ECONNREFUSED, EPROTOTYPE, ENOENT... */
struct unix_sock *unix_name_find(struct sockaddr_storage *a, unsigned len, int type, int *err);
/* Forget u's name (its release). */
void unix_name_remove(struct unix_sock *u);
/* EINVAL unless len and the family make an AF_UNIX address. */
int unix_addr_check(const struct sockaddr_storage *a, unsigned len);

/* ---- connections (unix_conn.c) ---- */
long unix_conn_listen(struct unix_sock *u, int backlog);
long unix_conn_connect(struct unix_sock *u, struct sockaddr_storage *a, unsigned len,
                       bool nonblock);
/* A pending connection's socket (referenced), or -errno. */
long unix_conn_accept(struct unix_sock *u, bool nonblock, struct unix_sock **out);
long unix_dgram_connect(struct unix_sock *u, struct sockaddr_storage *a, unsigned len);

/* ---- data (unix_stream.c, unix_dgram.c) ----
 * The bytes move through `data` (the application's checked segments); m
 * (a LibOS copy of the msghdr, or NULL for read/write) has the address
 * and control data: sending, msg_name/msg_namelen and the control data to
 * send; receiving, the buffers the sender's address and the control
 * messages go to, whose lengths become what was written, and msg_flags. */
struct msghdr;
struct uio;
long unix_stream_send(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                      bool nonblock);
long unix_stream_recv(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                      bool nonblock);
long unix_dgram_send(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                     bool nonblock);
long unix_dgram_recv(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                     bool nonblock);
/* A datagram socket's writability toward its peer (poll; u->lock not held). */
bool unix_dgram_peer_writable(struct unix_sock *u);

/* ---- options (unix_opt.c) ---- */
long usock_setsockopt(struct unix_sock *u, int level, int name, const void *uval, unsigned len);
long usock_getsockopt(struct unix_sock *u, int level, int name, void *uval, unsigned *len);
long usock_ioctl(struct unix_sock *u, unsigned long req, unsigned long arg);

/* ---- control messages (unix_scm.c) ---- */
/* A sendmsg's control data (LibOS copy): 0 or -errno (scm then empty). */
long unix_scm_parse(struct msghdr *m, struct unix_scm *scm);
void unix_scm_destroy(struct unix_scm *scm);
/* What a receiver gets: SCM_CREDENTIALS when it asked (SO_PASSCRED) and
 * the files as new fds (MSG_CMSG_CLOEXEC), into m's control buffer as
 * Linux's put_cmsg/scm_detach_fds (MSG_CTRUNC when short). Takes fpl. */
void unix_scm_recv(struct unix_sock *u, struct msghdr *m, int flags, const struct unix_creds *c,
                   struct unix_fpl *fpl);
/* Put the files of fpl and free it, deferring nested releases (a socket
 * in flight whose queue holds more sockets) to the outermost call. */
void unix_fpl_put(struct unix_fpl *fpl);
/* A second reference to each file (MSG_PEEK), NULL: no memory. */
struct unix_fpl *unix_fpl_dup(const struct unix_fpl *fpl);
/* Credentials of a message sent by the caller (Linux's unix_maybe_add_creds). */
void unix_creds_current(struct unix_creds *c);

#endif

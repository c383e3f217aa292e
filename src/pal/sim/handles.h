/*
 * handles: host fds by handle, valid in every host process of the
 * instance (see handles.c). Internal to the sim PAL: the LibOS only ever
 * sees the handles, as the ints of pal.h's host calls.
 */
#ifndef PAL_SIM_HANDLES_H
#define PAL_SIM_HANDLES_H

#include <stdbool.h>

/* A handle for a host fd this process just opened (the handle owns it), or
 * fd itself when negative (an error to pass on); -EMFILE (fd closed) when
 * the table is full. */
int handle_new(int fd);
/* This host process's fd for handle h, or -EBADF. */
int handle_fd(int h);
/* Did this host process open handle h (and still own it)? */
bool handle_owned_here(int h);
/* Close handle h, in this process and, through its queue, in its owner. */
int handle_close(int h);

/* Host processes of the instance: the parent takes an index before a host
 * fork (-EAGAIN when all are taken), the child becomes it; unreserve when
 * the fork failed. A host process ending says so. */
int handle_host_reserve(void);
void handle_host_unreserve(int idx);
void handle_host_become(int idx);
void handle_host_exiting(void);
/* In the root, before its first fork: the thread that takes over the
 * handles of forked host processes as they end, and watches them: lost(pid)
 * is called for one that ended without handle_host_exiting (killed, or
 * crashed). 0 or -errno. In a fork's child: let go of the root's end of
 * that channel. */
int handle_adopter_start(void (*lost)(int pid));
void handle_host_forked_child(void);

#endif

/*
 * sigpending: a set of pending signals with their siginfo. Standard signals
 * (1-31) are pending at most once; real-time signals (32-64) queue, one
 * entry per send, as Linux does (up to RLIMIT_SIGPENDING).
 */
#ifndef LIBOS_SIGPENDING_H
#define LIBOS_SIGPENDING_H

#include <signal.h>
#include <stdint.h>

struct sigq;

struct sigpending {
    uint64_t set;       /* bit n-1 for signal n */
    siginfo_t info[31]; /* standard signals */
    struct sigq *rt;    /* real-time signals, in send order */
    int rt_count;
};

/* 0, or -EAGAIN when the real-time queue is full. */
int sigpending_add(struct sigpending *sp, int sig, const siginfo_t *si);
/* Take one instance of sig (which must be in sp->set). */
void sigpending_take(struct sigpending *sp, int sig, siginfo_t *out);
/* Drop every instance of sig (SIG_IGN). */
void sigpending_discard(struct sigpending *sp, int sig);
void sigpending_clear(struct sigpending *sp);
/* The pending instance of sig that POSIX timer `timerid` sent, or NULL. */
siginfo_t *sigpending_find_timer(struct sigpending *sp, int sig, int timerid);

#endif

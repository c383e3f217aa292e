/* sigpending: see sigpending.h. Callers hold the process's sig_lock. */
#include "signal/sigpending.h"
#include "util/kheap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#define RT_QUEUE_MAX 1024 /* RLIMIT_SIGPENDING */
#define BIT(sig) (1ULL << ((sig)-1))

struct sigq {
    siginfo_t info;
    struct sigq *next;
};

int sigpending_add(struct sigpending *sp, int sig, const siginfo_t *si)
{
    if (sig < 32) {
        if (!(sp->set & BIT(sig))) sp->info[sig - 1] = *si;
        sp->set |= BIT(sig);
        return 0;
    }
    if (sp->rt_count >= RT_QUEUE_MAX) return -EAGAIN;
    struct sigq *e = kmalloc(sizeof(*e));
    if (!e) return -EAGAIN;
    e->info = *si;
    e->next = NULL;
    struct sigq **pp = &sp->rt;
    while (*pp)
        pp = &(*pp)->next;
    *pp = e;
    sp->rt_count++;
    sp->set |= BIT(sig);
    return 0;
}

void sigpending_take(struct sigpending *sp, int sig, siginfo_t *out)
{
    if (sig < 32) {
        *out = sp->info[sig - 1];
        sp->set &= ~BIT(sig);
        return;
    }
    bool more = false, found = false;
    for (struct sigq **pp = &sp->rt; *pp;) {
        struct sigq *e = *pp;
        if (e->info.si_signo == sig && !found) {
            *out = e->info;
            *pp = e->next;
            kfree(e);
            sp->rt_count--;
            found = true;
            continue;
        }
        if (e->info.si_signo == sig) more = true;
        pp = &e->next;
    }
    if (!more) sp->set &= ~BIT(sig);
}

void sigpending_discard(struct sigpending *sp, int sig)
{
    siginfo_t tmp;
    while (sp->set & BIT(sig))
        sigpending_take(sp, sig, &tmp);
}

void sigpending_clear(struct sigpending *sp)
{
    while (sp->rt) {
        struct sigq *e = sp->rt;
        sp->rt = e->next;
        kfree(e);
    }
    sp->rt_count = 0;
    sp->set = 0;
}

siginfo_t *sigpending_find_timer(struct sigpending *sp, int sig, int timerid)
{
    if (!(sp->set & BIT(sig))) return NULL;
    if (sig < 32) {
        siginfo_t *si = &sp->info[sig - 1];
        return si->si_code == SI_TIMER && si->si_timerid == timerid ? si : NULL;
    }
    for (struct sigq *e = sp->rt; e; e = e->next)
        if (e->info.si_signo == sig && e->info.si_code == SI_TIMER && e->info.si_timerid == timerid)
            return &e->info;
    return NULL;
}

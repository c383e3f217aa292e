/*
 * fdinfo: the text of /proc/[pid]/fdinfo/N (procfs.c finds the file): the
 * lines every open file has, in Linux's format, then those of its kind
 * (fops->fdinfo: a pidfd's Pid:).
 */
#include "fs/fdinfo.h"

#include "fs/vfs.h"
#include "util/text.h"

#include <fcntl.h>
#include <sys/sysmacros.h>

int fdinfo_text(struct file *f, bool cloexec, struct text *t)
{
    struct stat st = {0};
    file_fstat(f, &st);
    /* mnt_id: the LibOS numbers mounts by their device minor */
    int r = text_printf(t, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%u\nino:\t%lu\n", (long long)f->pos,
                        (unsigned)(f->flags | (cloexec ? O_CLOEXEC : 0)), minor(st.st_dev),
                        (unsigned long)st.st_ino);
    if (r == 0 && f->fops && f->fops->fdinfo) r = f->fops->fdinfo(f, t);
    return r;
}

/* robust_mutex_slowpath: robust_mutex with the system call fast path off
 * (robust_mutex_slowpath.env), where every call takes the SIGSYS trap. */
#include "robust_mutex.c"

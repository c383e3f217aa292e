/* time: time(), gettimeofday() and CLOCK_REALTIME agree; gmtime/strftime/timegm work. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"

int main(void)
{
    time_t t1 = time(NULL);
    time_t t2;
    CHECK_EQ(time(&t2), t2);
    CHECK(t2 >= t1);
    CHECK(t1 > 1577836800); /* after 2020-01-01 */

    struct timeval tv;
    CHECK_EQ(gettimeofday(&tv, NULL), 0);
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    struct timespec ts;
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &ts), 0);
    time_t t3 = time(NULL);
    /* all three read the same clock; time() may use the coarse (tick) clock,
     * so allow a second either way */
    CHECK(tv.tv_sec >= t1 - 1 && tv.tv_sec <= t3 + 1);
    CHECK(ts.tv_sec >= tv.tv_sec && ts.tv_sec <= t3 + 1);

    /* gettimeofday is monotonic over short spans here (no clock steps expected) */
    struct timeval a, b;
    CHECK_EQ(gettimeofday(&a, NULL), 0);
    usleep(2000);
    CHECK_EQ(gettimeofday(&b, NULL), 0);
    long long d = (b.tv_sec - a.tv_sec) * 1000000ll + (b.tv_usec - a.tv_usec);
    CHECK(d >= 2000 && d < 1000000);

    /* broken-down time round trip in UTC */
    struct tm tm;
    CHECK(gmtime_r(&t1, &tm) != NULL);
    CHECK(tm.tm_year >= 120);
    char buf[64];
    CHECK(strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 19);
    CHECK_EQ(timegm(&tm), t1);
    time_t epoch = 0;
    CHECK(gmtime_r(&epoch, &tm) != NULL);
    CHECK(strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 19);
    CHECK_STR(buf, "1970-01-01 00:00:00");
    return 0;
}

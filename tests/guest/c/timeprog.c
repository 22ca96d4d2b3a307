/* Clocks and sleeping.  Values themselves differ from run to run, so only
 * facts are printed: clocks succeed, monotonic time does not go
 * backwards, nanosleep sleeps at least as long as asked, realtime and
 * gettimeofday agree and are after 2020, times() works. */
#include <stdio.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static long long ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

int main(void)
{
    struct timespec a, b, res;
    int ok = 1;

    printf("clock_gettime realtime %d\n", clock_gettime(CLOCK_REALTIME, &a));
    printf("after 2020: %d\n", a.tv_sec > 1577836800);
    printf("nsec in range: %d\n", a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
    struct timeval tv;
    printf("gettimeofday %d\n", gettimeofday(&tv, NULL));
    long long diff = tv.tv_sec - a.tv_sec;
    printf("gettimeofday agrees: %d\n", diff >= 0 && diff < 5);
    printf("usec in range: %d\n", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    time_t t = time(NULL);
    printf("time agrees: %d\n", t - a.tv_sec >= 0 && t - a.tv_sec < 5);

    printf("clock_getres monotonic %d\n", clock_getres(CLOCK_MONOTONIC, &res));
    printf("resolution <= 1ms: %d\n", res.tv_sec == 0 && res.tv_nsec <= 1000000);

    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ns(&b) < ns(&a)) ok = 0;
        a = b;
    }
    printf("monotonic never decreases: %d\n", ok);

    struct timespec req = { 0, 20 * 1000000 }, rem = { 0, 0 };
    clock_gettime(CLOCK_MONOTONIC, &a);
    int r = nanosleep(&req, &rem);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("nanosleep %d slept >= 20ms: %d\n", r, ns(&b) - ns(&a) >= 20 * 1000000);

    clock_gettime(CLOCK_MONOTONIC, &a);
    usleep(5000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("usleep slept >= 5ms: %d\n", ns(&b) - ns(&a) >= 5 * 1000000);

    /* divide rather than test for a carry: a branch taken on some clock
     * values only would make the instruction count vary between runs */
    clock_gettime(CLOCK_MONOTONIC, &a);
    long long until_ns = ns(&a) + 10 * 1000000;
    struct timespec until = { until_ns / 1000000000, until_ns % 1000000000 };
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("clock_nanosleep abs %d reached: %d\n", r, ns(&b) >= ns(&until));

    struct timespec c0, c1;
    printf("process cputime %d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0));
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 200000; i++) spin += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("cputime advances: %d\n", ns(&c1) >= ns(&c0));

    struct tms tm;
    clock_t ticks = times(&tm);
    printf("times ok: %d\n", ticks != (clock_t)-1);
    printf("sysconf clk_tck %ld\n", sysconf(_SC_CLK_TCK));

    struct tm utc;
    time_t fixed = 1700000000;
    gmtime_r(&fixed, &utc);
    char text[64];
    strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %a %j", &utc);
    printf("gmtime %s\n", text);
    return 0;
}

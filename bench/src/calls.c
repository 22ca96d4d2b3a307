/* Call-heavy: recursion (fib, ackermann) and calls through function pointers. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static long ack(long m, long n)
{
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static long add1(long v) { return v + 1; }
static long dbl(long v) { return v * 2; }
static long dec(long v) { return v - 3; }
static long (*const ops[])(long) = { add1, dbl, dec };

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 39;
    long loops = argc > 2 ? atol(argv[2]) : 20000000, m = argc > 3 ? atol(argv[3]) : 2000;
    long f = fib(n), a = ack(2, m), v = 1;
    for (long i = 0; i < loops; i++)
        v = ops[i % 3](v) & 0xFFFFFF;
    printf("fib(%d) %ld ack %ld v %ld\n", n, f, a, v);
    return 0;
}

/* Control flow beyond plain calls: deep and mutual recursion, Ackermann,
 * setjmp/longjmp out of nested frames (and the value it delivers),
 * function pointer tables and callbacks, variadic functions, atexit
 * handlers run by exit(), and exit(3) as the status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf env;
static int depth_reached;

static unsigned long ackermann(unsigned long m, unsigned long n)
{
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static unsigned long fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static unsigned long deep(unsigned n)
{
    /* a frame with a local array, so the stack really grows */
    volatile unsigned char pad[64];
    pad[n % 64] = (unsigned char)n;
    if (n == 0) return 0;
    return deep(n - 1) + pad[n % 64];
}

static void dive(int level)
{
    depth_reached = level;
    if (level >= 50)
        longjmp(env, level * 2);
    if (level < 1000)   /* always true; keeps the compiler from calling it endless */
        dive(level + 1);
    printf("not reached\n");
}

static long sum_ints(int count, ...)
{
    va_list ap;
    long total = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++) total += va_arg(ap, int);
    va_end(ap);
    return total;
}

static double mean(int count, ...)
{
    va_list ap;
    double total = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++) total += va_arg(ap, double);
    va_end(ap);
    return total / count;
}

static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_div(long a, long b) { return b ? a / b : 0; }

static int by_last_digit(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x % 10 != y % 10 ? x % 10 - y % 10 : x - y;
}

static void bye_first(void) { printf("atexit: registered first, runs last\n"); }
static void bye_second(void) { printf("atexit: registered second, runs first\n"); }

int main(void)
{
    printf("ackermann(2,3)=%lu ackermann(3,5)=%lu\n", ackermann(2, 3), ackermann(3, 5));
    printf("fib(27)=%lu\n", fib(27));
    printf("is_even(10001)=%d\n", is_even(10001));
    printf("deep(20000)=%lu\n", deep(20000));

    volatile int rounds = 0;
    int v = setjmp(env);
    if (v == 0) {
        printf("setjmp first return 0\n");
        dive(0);
    } else {
        rounds++;
        printf("longjmp delivered %d at depth %d (round %d)\n", v, depth_reached, rounds);
        if (rounds < 3) {
            depth_reached = 0;
            dive(40);
        }
    }
    /* longjmp(env, 0) must make setjmp return 1 */
    static jmp_buf env2;
    int w = setjmp(env2);
    if (w == 0) longjmp(env2, 0);
    printf("longjmp with 0 gives %d\n", w);

    long (*ops[])(long, long) = { op_add, op_sub, op_mul, op_div };
    const char names[] = "+-*/";
    long acc = 1000;
    for (int i = 0; i < 16; i++) {
        acc = ops[i % 4](acc, i + 3);
        printf("%c%d=%ld ", names[i % 4], i + 3, acc);
    }
    printf("\n");

    int nums[] = { 31, 42, 17, 7, 99, 10, 55, 23, 64, 80 };
    qsort(nums, 10, sizeof nums[0], by_last_digit);
    printf("sorted by last digit:");
    for (int i = 0; i < 10; i++) printf(" %d", nums[i]);
    printf("\n");

    printf("sum_ints %ld mean %.4f\n", sum_ints(6, 1, -2, 3, -4, 5, 1000), mean(4, 1.5, 2.5, 3.25, -0.5));

    atexit(bye_first);
    atexit(bye_second);
    printf("calling exit(3)\n");
    exit(3);
}

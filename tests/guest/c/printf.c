/* printf family formatting: integer conversions and length modifiers,
 * flags, field width and precision (literal and '*'), strings, chars,
 * %n, %%, and puts/putchar/fputs.  Output must match byte for byte. */
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    puts("puts: hello, world");
    fputs("fputs without newline", stdout);
    putchar('\n');

    printf("[%d] [%i] [%d] [%d]\n", 0, -1, INT_MAX, INT_MIN);
    printf("[%u] [%u] [%x] [%X] [%o]\n", 0u, UINT_MAX, 0xdeadbeefu, 0xdeadbeefu, 0777u);
    printf("[%ld] [%lu] [%lx]\n", LONG_MIN, ULONG_MAX, 0x0123456789abcdefUL);
    printf("[%lld] [%llu]\n", LLONG_MAX, 18446744073709551615ULL);
    printf("[%hhd] [%hhu] [%hd] [%hu]\n", (signed char)-128, (unsigned char)255, (short)-32768, (unsigned short)65535);
    printf("[%zu] [%zd] [%td] [%jd] [%" PRIu64 "] [%" PRIx32 "]\n",
           sizeof(long double), (ptrdiff_t)-5, (ptrdiff_t)7, (intmax_t)INT64_MIN, UINT64_MAX, UINT32_MAX);

    printf("[%5d] [%-5d] [%05d] [%+d] [% d] [%+d] [% d]\n", 42, 42, 42, 42, 42, -42, -42);
    printf("[%#x] [%#X] [%#o] [%#x] [%#o]\n", 255u, 255u, 8u, 0u, 0u);
    printf("[%.3d] [%.0d] [%8.3d] [%-8.3d]\n", 7, 0, -7, 7);
    printf("[%*d] [%-*d] [%*d]\n", 6, 1, 6, 2, -6, 3);
    printf("[%.*d] [%*.*d]\n", 4, 5, 8, 4, 6);

    printf("[%s] [%10s] [%-10s] [%.3s] [%10.2s] [%.*s]\n", "abc", "right", "left", "truncate", "xy-z", 2, "star");
    printf("[%s]\n", "");
    printf("[%c%c%c] [%3c] [%-3c]\n", 'a', 'b', 'c', 'r', 'l');
    printf("[%%] [100%%]\n");
    printf("[%p]\n", (void *)0);

    int n1 = 0, n2 = 0;
    printf("count%n these%n\n", &n1, &n2);
    printf("n1=%d n2=%d\n", n1, n2);

    char buf[64];
    int len = snprintf(buf, sizeof buf, "%s-%d-%x", "snprintf", 123, 0xabc);
    printf("snprintf len=%d buf=[%s]\n", len, buf);
    len = snprintf(buf, 8, "%s", "truncated output");
    printf("truncated len=%d buf=[%s]\n", len, buf);

    for (int i = 0; i < 5; i++)
        printf("%*s%d\n", i * 2, "", i);

    /* a larger burst to exercise stdout buffering across flushes */
    unsigned long sum = 0;
    for (int i = 0; i < 300; i++) {
        int w = printf("line %03d %08x %s\n", i, (unsigned)(i * 2654435761u), i % 2 ? "odd" : "even");
        sum += (unsigned long)w * (unsigned long)(i + 1);
    }
    printf("sum of widths %lu\n", sum);
    return 0;
}

/* libc-heavy: malloc/free churn, sprintf/strtol, qsort of strings, strstr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    int N = argc > 2 ? atoi(argv[2]) : 60000;
    char **words = malloc(N * sizeof *words);
    unsigned long x = 12345, total = 0, found = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < N; i++) {
            x = x * 6364136223846793005ul + 1442695040888963407ul;
            char tmp[64];
            int len = snprintf(tmp, sizeof tmp, "w%lx-%d-%lu", x >> 20, i, (x >> 7) % 1000);
            words[i] = malloc(len + 1);
            memcpy(words[i], tmp, len + 1);
        }
        qsort(words, N, sizeof *words, cmp);
        for (int i = 0; i < N; i++) {
            total += strtoul(words[i] + 1, NULL, 16) & 0xFFFF;
            found += strstr(words[i], "-7") != NULL;
            free(words[i]);
        }
    }
    printf("total %lu found %lu first-round-words %d\n", total, found, N);
    return 0;
}

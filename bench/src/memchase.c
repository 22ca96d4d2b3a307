/* Memory-bound: pointer chasing through a random cycle over 32 MiB, plus memcpy/memset. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    long steps = argc > 1 ? atol(argv[1]) : 60000000;
    size_t n = (size_t)1 << (argc > 2 ? atoi(argv[2]) : 21);     /* entries of the cycle */
    uint32_t *next = malloc(n * sizeof *next), *perm = malloc(n * sizeof *perm);
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = n - 1; i > 0; i--) {            /* Fisher-Yates with xorshift */
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t j = x % (i + 1);
        uint32_t t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        next[perm[i]] = perm[(i + 1) % n];
    uint32_t at = 0;
    uint64_t sum = 0;
    for (long s = 0; s < steps; s++) {
        at = next[at];
        sum += at;
    }
    size_t bytes = n * 8;
    char *a = malloc(bytes), *b = malloc(bytes);
    for (int r = 0; r < 8; r++) {
        memset(a, r, bytes);
        memcpy(b, a, bytes);
        sum += (unsigned char)b[(r * 7919) & (bytes - 1)];
    }
    printf("chase end %u sum %llu\n", at, (unsigned long long)sum);
    return 0;
}

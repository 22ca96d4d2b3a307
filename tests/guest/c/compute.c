/* A CPU-bound workload of roughly 100 million guest instructions: a
 * sieve of Eratosthenes, a double-precision matrix multiply, an integer
 * hash over a buffer (FNV and a multiply-rotate mix), and a small
 * recursive N-queens search.  Prints one checksum per part, so a wrong
 * result in any part shows, and is the program to time emulators on. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SIEVE_N 4000000
static unsigned char composite[SIEVE_N + 1];

static uint64_t sieve(void)
{
    uint64_t count = 0, sum = 0;
    for (uint64_t i = 2; i * i <= SIEVE_N; i++)
        if (!composite[i])
            for (uint64_t j = i * i; j <= SIEVE_N; j += i)
                composite[j] = 1;
    for (uint64_t i = 2; i <= SIEVE_N; i++)
        if (!composite[i]) { count++; sum += i; }
    printf("sieve primes<=%d: %llu sum %llu\n", SIEVE_N, (unsigned long long)count, (unsigned long long)sum);
    return sum;
}

#define MN 96
static double ma[MN][MN], mb[MN][MN], mc[MN][MN];

static double matmul(void)
{
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            ma[i][j] = (double)((i * 31 + j * 17) % 101) / 7.0 - 5.0;
            mb[i][j] = (double)((i * 13 + j * 29) % 97) / 11.0 + 0.25;
        }
    for (int rep = 0; rep < 6; rep++)
        for (int i = 0; i < MN; i++)
            for (int j = 0; j < MN; j++) {
                double s = 0;
                for (int k = 0; k < MN; k++)
                    s += ma[i][k] * mb[k][j];
                mc[i][j] = s + rep;
            }
    double trace = 0, total = 0;
    for (int i = 0; i < MN; i++) {
        trace += mc[i][i];
        for (int j = 0; j < MN; j++) total += mc[i][j] * (1 + (i ^ j) % 3);
    }
    printf("matmul trace %.6f weighted %.6f\n", trace, total);
    return total;
}

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t hash(void)
{
    static uint8_t buf[1 << 16];
    uint64_t x = 0x853c49e6748fea9bULL;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[i] = (uint8_t)(x >> 56);
    }
    uint32_t fnv = 2166136261u;
    uint64_t mix = 0;
    for (int round = 0; round < 120; round++)
        for (size_t i = 0; i < sizeof buf; i += 8) {
            uint64_t w;
            memcpy(&w, buf + i, 8);
            mix = rotl(mix ^ (w + round), 23) * 0x9e3779b97f4a7c15ULL;
            fnv = (fnv ^ buf[i]) * 16777619u;
        }
    printf("hash fnv %08x mix %016llx\n", fnv, (unsigned long long)mix);
    return mix ^ fnv;
}

static int queens(int n, int row, uint32_t cols, uint32_t d1, uint32_t d2)
{
    if (row == n) return 1;
    int count = 0;
    for (uint32_t avail = ~(cols | d1 | d2) & ((1u << n) - 1); avail; avail &= avail - 1) {
        uint32_t bit = avail & -avail;
        count += queens(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
    }
    return count;
}

int main(void)
{
    uint64_t check = sieve();
    check = check * 31 + (uint64_t)(int64_t)matmul();
    check = check * 31 + hash();
    int q = queens(11, 0, 0, 0, 0);
    printf("queens(11) %d\n", q);
    check = check * 31 + (uint64_t)q;
    printf("checksum %016llx\n", (unsigned long long)check);
    return 0;
}

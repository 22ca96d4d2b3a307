/* Integer work: a sieve, a CRC-32 over a buffer, and an integer hash mix. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const unsigned char *p, size_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 60;
    size_t N = (size_t)1 << (argc > 2 ? atoi(argv[2]) : 22);
    unsigned char *buf = malloc(N), *sieve = calloc(N, 1);
    uint64_t x = 88172645463325252ull, mix = 0, primes = 0;
    crc_init();
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    uint32_t crc = 0;
    for (int r = 0; r < rounds; r++) {
        crc = crc32(buf, N, crc);
        for (size_t i = 2; i * i < N; i++)
            if (!sieve[i])
                for (size_t j = i * i; j < N; j += i)
                    sieve[j] = 1;
        for (size_t i = 2; i < N; i++)
            primes += !sieve[i];
        for (size_t i = 0; i < N; i += 8) {
            uint64_t v = *(uint64_t *)(buf + i);
            mix = (mix ^ v) * 0x9E3779B97F4A7C15ull;
            mix = (mix << 29) | (mix >> 35);
        }
    }
    printf("crc %08x primes %llu mix %016llx\n", crc, (unsigned long long)primes, (unsigned long long)mix);
    return 0;
}

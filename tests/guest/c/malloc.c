/* Heap stress: many malloc/calloc/realloc/free calls of mixed sizes
 * (including ones above the mmap threshold) in a pseudo-random but fixed
 * order, each block filled with a pattern that is verified before it is
 * resized or freed.  Then qsort and bsearch on the data.  Prints checksums
 * only (never addresses); exits 1 if any verification fails. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    /* xorshift64*: fixed seed, so the sequence is the same every run */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

#define SLOTS 512

struct block { unsigned char *p; size_t size; unsigned char seed; };
static struct block blocks[SLOTS];
static int failures;

/* A block holds its seed everywhere except every MARK-th byte, which holds
 * a running value: cheap to write with memset, yet a block moved or
 * overwritten by the allocator shows up in verify(). */
#define MARK 61

static unsigned char expected_byte(const struct block *b, size_t i)
{
    return (unsigned char)(i % MARK ? b->seed : b->seed + 1 + i / MARK);
}

static void fill(struct block *b)
{
    memset(b->p, b->seed, b->size);
    for (size_t i = 0; i < b->size; i += MARK)
        b->p[i] = expected_byte(b, i);
}

/* Check the first `upto` bytes: all of them in small blocks, and in large
 * ones the marks plus the bytes around them. */
static void verify(const struct block *b, size_t upto, const char *what)
{
    size_t step = upto <= 4096 ? 1 : MARK;
    for (size_t i = 0; i < upto; i += step)
        for (size_t k = i; k < i + 2 && k < upto; k++)
            if (b->p[k] != expected_byte(b, k)) {
                if (failures++ < 5)
                    printf("corrupt %s at %zu of %zu\n", what, k, b->size);
                return;
            }
}

static size_t random_size(void)
{
    uint64_t r = rng();
    switch (r % 16) {
    case 0: return 0;
    case 1: return r % 4 ? 1 + r % 64 : 200000 + r % 100000;   /* some above the mmap threshold */
    case 2: return 4096 + r % 20000;
    default: return 1 + (r >> 8) % 600;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    uint64_t ops[4] = { 0 };
    for (int step = 0; step < 6000; step++) {
        struct block *b = &blocks[rng() % SLOTS];
        uint64_t action = rng() % 8;
        if (!b->p) {
            b->size = random_size();
            b->seed = (unsigned char)rng();
            if (action == 0) {
                b->p = calloc(1, b->size ? b->size : 1);
                for (size_t i = 0; i < b->size; i += 7)
                    if (b->p[i] != 0 && failures++ < 5)
                        printf("calloc not zero\n");
            } else {
                b->p = malloc(b->size ? b->size : 1);
            }
            if (!b->p) { printf("out of memory\n"); return 2; }
            fill(b);
            ops[0]++;
        } else if (action < 3) {
            verify(b, b->size, "before realloc");
            size_t old = b->size;
            b->size = random_size();
            b->p = realloc(b->p, b->size ? b->size : 1);
            if (!b->p) { printf("out of memory\n"); return 2; }
            verify(b, old < b->size ? old : b->size, "after realloc");
            fill(b);
            ops[1]++;
        } else {
            verify(b, b->size, "before free");
            free(b->p);
            b->p = NULL;
            ops[2]++;
        }
    }
    uint64_t live = 0, bytes = 0, sum = 0;
    for (int i = 0; i < SLOTS; i++)
        if (blocks[i].p) {
            verify(&blocks[i], blocks[i].size, "at end");
            live++;
            bytes += blocks[i].size;
            for (size_t j = 0; j < blocks[i].size; j += 13)
                sum = sum * 31 + blocks[i].p[j];
            free(blocks[i].p);
        }
    printf("allocs %llu reallocs %llu frees %llu\n",
           (unsigned long long)ops[0], (unsigned long long)ops[1], (unsigned long long)ops[2]);
    printf("live %llu bytes %llu checksum %016llx\n",
           (unsigned long long)live, (unsigned long long)bytes, (unsigned long long)sum);

    enum { N = 20000 };
    uint32_t *v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++)
        v[i] = (uint32_t)rng();
    qsort(v, N, sizeof *v, cmp_u32);
    int sorted = 1;
    uint64_t vsum = 0;
    for (int i = 0; i < N; i++) {
        if (i && v[i - 1] > v[i]) sorted = 0;
        vsum = vsum * 1000003 + v[i];
    }
    printf("qsort sorted=%d first=%08x last=%08x hash=%016llx\n", sorted, v[0], v[N - 1],
           (unsigned long long)vsum);
    int found = 0, missing = 0;
    for (int i = 0; i < 2000; i++) {
        uint32_t key = (i % 2) ? v[rng() % N] : (uint32_t)rng();
        uint32_t *hit = bsearch(&key, v, N, sizeof *v, cmp_u32);
        if (hit) found++; else missing++;
        if (hit && *hit != key) failures++;
    }
    printf("bsearch found=%d missing=%d\n", found, missing);
    free(v);
    printf("failures %d\n", failures);
    return failures ? 1 : 0;
}

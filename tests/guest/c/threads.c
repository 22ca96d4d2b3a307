/* POSIX threads: workers summing disjoint ranges joined in order, a mutex
 * protecting a shared counter, a condition variable hand-off, an atomic
 * counter, and thread-local storage.  Output is independent of scheduling
 * (printed only by main after the joins). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define WORKERS 4
#define PER_WORKER 200000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long shared_counter;
static atomic_long atomic_counter;
static int turn;
static __thread long tls_value;
static char order[WORKERS * 3 + 1];
static int order_len;

struct job { int id; uint64_t sum; long tls_seen; };

static void *worker(void *arg)
{
    struct job *job = arg;
    tls_value = job->id * 1000;
    for (uint64_t i = 0; i < PER_WORKER; i++) {
        job->sum += (i * (uint64_t)(job->id + 1)) ^ (i >> 3);
        if (i % 1000 == 0) {
            pthread_mutex_lock(&lock);
            shared_counter++;
            pthread_mutex_unlock(&lock);
        }
        atomic_fetch_add_explicit(&atomic_counter, 1, memory_order_relaxed);
    }
    /* take turns in id order through the condition variable */
    pthread_mutex_lock(&lock);
    while (turn != job->id)
        pthread_cond_wait(&cond, &lock);
    order[order_len++] = (char)('A' + job->id);
    turn++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    job->tls_seen = tls_value;
    return job;
}

int main(void)
{
    pthread_t t[WORKERS];
    struct job jobs[WORKERS];
    tls_value = -1;
    for (int i = 0; i < WORKERS; i++) {
        jobs[i] = (struct job){ .id = i };
        if (pthread_create(&t[i], NULL, worker, &jobs[i]) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    }
    uint64_t total = 0;
    for (int i = 0; i < WORKERS; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        printf("worker %d sum %llu tls %ld returned own job %d\n", i, (unsigned long long)jobs[i].sum,
               jobs[i].tls_seen, ret == &jobs[i]);
        total += jobs[i].sum;
    }
    printf("total %llu\n", (unsigned long long)total);
    printf("mutex counter %ld (want %d)\n", shared_counter, WORKERS * PER_WORKER / 1000);
    printf("atomic counter %ld (want %d)\n", (long)atomic_counter, WORKERS * PER_WORKER);
    printf("turn order %s\n", order);
    printf("main tls still %ld\n", tls_value);
    return 0;
}

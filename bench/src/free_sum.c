/* Freestanding integer + memory loop: a checksum over an array that the loop
 * also updates (one load and one store per iteration). */
#define N 4096
static unsigned long data[N];

unsigned long main(void)
{
    unsigned long sum = 0;
    for (unsigned long i = 0; i < N; i++)
        data[i] = i * 2654435761u;
    for (int round = 0; round < 100; round++)
        for (unsigned long i = 0; i < N; i++) {
            unsigned long v = data[i];
            sum += v ^ (sum >> 3);
            data[i] = v + round;
        }
    return sum == 0x5a5a5a5a;      /* exit status 0: sum is never that */
}

/* Tiering: a loop that touches no memory and calls nothing spins until a
 * timer signal arrives (setitimer, 50 ms); the handler exits.  Optimized
 * code must still notice the signal (exit requests are re-read on every
 * round).  Prints "spun" and exits with status 0. */
#include "rvtest.h"

#define SYS_rt_sigaction 134
#define SYS_setitimer 103
#define SYS_exit_group 94
#define SIGALRM 14
#define ITIMER_REAL 0

    START
    li a0, SIGALRM
    lla a1, act
    li a2, 0
    li a3, 8                    /* sizeof(sigset_t) */
    li a7, SYS_rt_sigaction
    ecall
    li a0, ITIMER_REAL
    lla a1, timer
    li a2, 0
    li a7, SYS_setitimer
    ecall
    li t0, 0
    li t1, 1
spin:
    add t0, t0, t1
    xor t1, t1, t0
    andi t1, t1, 7
    ori t1, t1, 1
    j spin

    .type handler, @function
handler:
    SAY "spun"
    li a0, 0
    li a7, SYS_exit_group
    ecall
    .size handler, . - handler

    .section .rodata
    .balign 8
act:                            /* the kernel's struct sigaction */
    .dword handler              /* sa_handler */
    .dword 0                    /* sa_flags */
    .dword 0                    /* sa_mask */
timer:                          /* struct itimerval: no interval, 50 ms */
    .dword 0, 0
    .dword 0, 50000

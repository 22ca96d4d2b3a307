/* Plugin tests (cflow early exits): a load in the middle of a block faults
 * 3 times; the SIGSEGV handler steps over it (pc += 4 in the ucontext), so
 * the block is left early each time.  Exit status 0. */
#include "rvtest.h"

#define SYS_rt_sigaction 134
#define SIGSEGV 11
#define SA_SIGINFO 4
#define UC_PC 176               /* offsetof(ucontext_t, uc_mcontext.__gregs[0]) */

    .text
    .globl _start
    .type _start, @function
_start:
    li a0, SIGSEGV
    lla a1, act
    li a2, 0
    li a3, 8                /* sizeof(sigset_t) */
    li a7, SYS_rt_sigaction
    ecall
    li s0, 3
    .option push
    .option norvc           /* the handler steps over 4 bytes */
loop:
    li t1, 0
    addi s1, s1, 1
    ld t2, 0(t1)            /* faults */
    addi s2, s2, 1
    addi s0, s0, -1
    bnez s0, loop
    .option pop
    li a0, 0
    li a7, SYS_exit
    ecall
    .size _start, . - _start

    .type handler, @function
handler:                    /* a2 = ucontext */
    ld t0, UC_PC(a2)
    addi t0, t0, 4
    sd t0, UC_PC(a2)
    ret
    .size handler, . - handler

    .section .rodata
    .balign 8
act:                        /* the kernel's struct sigaction */
    .dword handler          /* sa_handler */
    .dword SA_SIGINFO       /* sa_flags */
    .dword 0                /* sa_mask */

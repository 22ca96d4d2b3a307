/* Tiering: a loop runs hot (200000 times, over several blocks, with loads,
 * stores, integer and FP work carried around it), then a load in it faults.
 * The SIGSEGV handler prints the registers the kernel saved in its
 * ucontext: they must be exact although the loop ran optimized, with
 * registers kept in host registers.  Exit status 0. */
#include "rvtest.h"

#define SYS_rt_sigaction 134
#define SIGSEGV 11
#define SA_SIGINFO 4
#define UC_PC 176               /* offsetof(ucontext_t, uc_mcontext.__gregs[0]) */
#define UC_F0 (UC_PC + 256)     /* uc_mcontext.__fpregs.__d.__f[0] */
#define N 200000

    START
    li a0, SIGSEGV
    lla a1, act
    li a2, 0
    li a3, 8                    /* sizeof(sigset_t) */
    li a7, SYS_rt_sigaction
    ecall
    lla s3, table
    li s1, 0                    /* iterations */
    li s2, 0                    /* sum of loads */
    li s4, 0                    /* odd/even tally */
    fmv.d.x fs0, zero           /* FP sum */
    li s5, N
loop:
    andi t0, s1, 63
    slli t0, t0, 3
    add t0, t0, s3
    ld t1, 0(t0)
    add s2, s2, t1
    addi t1, t1, 1
    sd t1, 0(t0)                /* the table changes as the loop runs */
    fcvt.d.l ft0, t1
    fadd.d fs0, fs0, ft0
    andi t2, s1, 1
    beqz t2, even
    addi s4, s4, 3
    j join
even:
    addi s4, s4, 5
join:
    addi s1, s1, 1
    sub t3, s1, s5              /* 0 on the last round: then t4 = 0, a null pointer */
    snez t3, t3
    neg t3, t3
    and t4, t3, s3
fault_at:
    ld t5, 0(t4)
    j loop

    .type handler, @function
handler:                        /* a2 = ucontext */
    mv s6, a2
    ld t0, UC_PC(s6)
    lla t1, fault_at
    sub t0, t0, t1
    EXPECT "pc-fault_at", t0, 0
    ld t0, UC_PC+9*8(s6)
    EXPECT "s1", t0, N
    ld t0, UC_PC+18*8(s6)
    SHOW "s2", t0
    ld t0, UC_PC+20*8(s6)
    EXPECT "s4", t0, 4*N
    ld t0, UC_PC+29*8(s6)
    EXPECT "t4", t0, 0
    ld t0, UC_F0+8*8(s6)
    SHOW "fs0", t0
    EXIT
    .size handler, . - handler

    .section .rodata
    .balign 8
act:                            /* the kernel's struct sigaction */
    .dword handler              /* sa_handler */
    .dword SA_SIGINFO           /* sa_flags */
    .dword 0                    /* sa_mask */

    .data
    .balign 8
table:
    .rept 64
    .dword 7
    .endr

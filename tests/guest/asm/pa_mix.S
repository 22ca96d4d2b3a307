/* Plugin tests (howvec): a known instruction mix.  The loop body runs 100
 * times: 3 integer ALU, 2 mul/div, 1 load, 1 store, 2 FP load/store, 1 FP
 * arith, 1 FP fused multiply-add, 1 FP convert, 1 FP compare, 1 atomic,
 * 1 lui and 1 branch.  The rest runs once; every instruction is 32-bit
 * but the explicit c.* ones.  Exit status 0. */
#include "rvtest.h"

    .text
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norvc
    lla s0, buf             /* auipc, addi */
    li s1, 100              /* addi */
loop:
    add t0, t0, s1
    xor t1, t0, s1
    mul t2, t0, s1
    divu t3, t0, s1
    ld t4, 0(s0)
    sd t4, 8(s0)
    fld ft0, 16(s0)
    fadd.d ft1, ft0, ft0
    fmadd.d ft2, ft0, ft1, ft1
    fcvt.l.d t5, ft2
    feq.d t6, ft0, ft1
    fsd ft2, 24(s0)
    amoadd.d zero, s1, (s0)
    lui a0, 1
    addi s1, s1, -1
    bnez s1, loop
    .option pop

    .option push
    .option rvc
    c.li a0, 1              /* C ALU */
    c.addi a0, 1            /* C ALU */
    c.mv a2, s0             /* C ALU */
    c.ld a3, 0(a2)          /* C Load */
    c.sd a3, 8(a2)          /* C Store */
    c.fld fa0, 16(a2)       /* C FP Load/Store */
    c.addi16sp sp, -16      /* C ALU */
    c.ldsp a4, 16(sp)       /* C Load (sp): argc */
    c.sdsp a4, 0(sp)        /* C Store (sp) */
    c.beqz a0, 1f           /* C Branch, not taken */
1:  c.j 2f                  /* C Jump */
2:  .option norvc
    lla t0, 3f              /* auipc, addi */
    .option rvc
    c.jr t0                 /* C Jump */
    .option pop

    .option push
    .option norvc
3:  csrr a1, fflags         /* CSR Access */
    fence                   /* Fence */
    li a0, 0                /* addi */
    li a7, SYS_exit         /* addi */
    ecall                   /* System */
    .option pop
    .size _start, . - _start

    .bss
    .balign 8
buf:
    .space 32

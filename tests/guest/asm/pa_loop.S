/* Plugin tests (hotblocks, bbv, drcov, cflow): one loop block that runs
 * exactly 1000 times.  Blocks, as every translator cuts them (each ends
 * at a jump, a branch or ecall):
 *   _start: li t0, 1000; j loop            2 insns, run once
 *   loop:   addi t0, t0, -1; bnez t0, loop 2 insns, run 1000 times
 *   done:   li a0, 0; li a7, 93; ecall     3 insns, run once
 * 2005 instructions in all, no memory accesses.  Exit status 0. */
#include "rvtest.h"

    .text
    .globl _start
    .type _start, @function
_start:
    li t0, 1000
    j loop
loop:
    addi t0, t0, -1
    bnez t0, loop
done:
    li a0, 0
    li a7, SYS_exit
    ecall
    .size _start, . - _start

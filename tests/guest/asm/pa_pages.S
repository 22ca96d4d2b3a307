/* Plugin tests (hotpages): touches 8 pages and nothing else (no stack).
 * Page k of `pages` (k = 0..7) gets k + 1 stores and 16 - 2k loads, so
 * every page has its own number of reads, of writes and of both.
 * Exit status 0. */
#include "rvtest.h"

#define NPAGES 8

    .text
    .globl _start
    .type _start, @function
_start:
    lla s0, pages
    li s1, 0                /* k */
    li s2, NPAGES
outer:
    slli t0, s1, 12
    add t0, t0, s0          /* page k */
    addi t1, s1, 1          /* k + 1 stores */
1:  sd t1, 0(t0)
    addi t1, t1, -1
    bnez t1, 1b
    sub t1, s2, s1
    slli t1, t1, 1          /* 2 * (8 - k) loads */
2:  ld t2, 8(t0)
    addi t1, t1, -1
    bnez t1, 2b
    addi s1, s1, 1
    blt s1, s2, outer
    li a0, 0
    li a7, SYS_exit
    ecall
    .size _start, . - _start

    .bss
    .balign 4096
pages:
    .space NPAGES * 4096

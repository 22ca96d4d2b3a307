/* Plugin tests (execlog): a few instructions with known memory accesses.
 * Stores 42 to `word`, loads it back, adds 42 to it atomically (a load and
 * a store) and exits with status 0. */
#include "rvtest.h"

    .text
    .globl _start
    .type _start, @function
_start:
    lla a0, word
    li t0, 42
    sd t0, 0(a0)
    ld t1, 0(a0)
    amoadd.d t2, t0, (a0)
    li a0, 0
    li a7, SYS_exit
    ecall
    .size _start, . - _start

    .bss
    .balign 8
word:
    .dword 0

/* Plugin tests (cflow): a known branch pattern.  For i = 0..9: odd i call
 * func from one site, even i from another, so func's ret has two
 * destinations (5 returns each); beqz is taken 5 times, blt 9 times.
 * Exit status 0. */
#include "rvtest.h"

    .text
    .globl _start
    .type _start, @function
_start:
    li s0, 0                /* i */
    li s1, 10
loop:
    andi t0, s0, 1
    beqz t0, even
    call func               /* odd i */
    j next
even:
    call func               /* even i */
next:
    addi s0, s0, 1
    blt s0, s1, loop
    li a0, 0
    li a7, SYS_exit
    ecall
    .size _start, . - _start

    .type func, @function
func:
    addi s2, s2, 1
    ret
    .size func, . - func

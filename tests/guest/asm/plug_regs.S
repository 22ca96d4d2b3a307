/* For the register tests: known register values at the one-instruction
 * function reg_probe (a0-a7, s2, s11 = 0x10nn, ft0 = 1.5, frm = rdn) and
 * at the second of two straight-line `fdiv.d` of 1.0 by 3.0 (fflags = NX
 * from the first, still in the host FPU). A plugin may change frm before
 * the second (div= shows its result: ...555 rounded down, ...556 up; frm=
 * the mode), a2 at reg_probe (a2=), and skip reg_skip's `li a3, 7` (a3
 * stays 0x1013). Ends with a fence.i, which flushes llemu's translations. */
#include "rvtest.h"

    START
    li a0, 0x1010
    li a1, 0x1011
    li a2, 0x1012
    li a3, 0x1013
    li a4, 0x1014
    li a5, 0x1015
    li a6, 0x1016
    li a7, 0x1017
    li s2, 0x1022
    li s11, 0x1031
    DLOAD ft0, 0x3ff8000000000000
    DLOAD ft1, 0x3ff0000000000000
    DLOAD ft2, 0x4008000000000000
    csrwi frm, 2
    fdiv.d ft3, ft1, ft2
    fdiv.d ft4, ft1, ft2
    fmv.x.d t0, ft4
    SHOW div, t0
    csrr t0, frm
    SHOW frm, t0
    call reg_probe
    SHOW a2, a2
    call reg_skip
    SHOW a3, a3
    fence.i
    EXIT

    .globl reg_probe
    .type reg_probe, @function
reg_probe:
    ret
    .size reg_probe, .-reg_probe

    .globl reg_skip
    .type reg_skip, @function
reg_skip:
    .option push
    .option norvc
    li a3, 7
    ret
    .option pop
    .size reg_skip, .-reg_skip

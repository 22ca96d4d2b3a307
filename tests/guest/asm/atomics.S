/* A extension: lr/sc that succeed and that must fail (no reservation,
 * reservation already used, different address), and every AMO in .w and
 * .d form with negative operands, where signed and unsigned min/max
 * disagree.  rd gets the old value (sign-extended for .w); memory gets the
 * new one.  Exit status: number of failed EXPECTs. */
#include "rvtest.h"

/* AMO op, size(w|d), initial, operand, want_old, want_new:
 * mem = initial; rd = op(mem, operand); check rd and the new memory. */
.macro AMO op, sz, init, opnd, old, new
    li t0, \init
    s\sz t0, 0(s0)
    li t1, \opnd
    \op\().\sz t2, t1, (s0)
    EXPECT \op\().\sz\()_old, t2, \old
    l\sz t2, 0(s0)
    EXPECT \op\().\sz\()_new, t2, \new
.endm

    START
    lla s0, word
    lla s1, word2

    SAY "lr/sc"
    li t0, 0x1234
    sd t0, 0(s0)
    lr.d t1, (s0)
    addi t1, t1, 1
    sc.d t2, t1, (s0)
    EXPECT sc_d_ok, t2, 0
    ld t1, 0(s0)
    EXPECT sc_d_mem, t1, 0x1235
    /* the reservation was consumed by the successful sc */
    li t1, 99
    sc.d t2, t1, (s0)
    snez t2, t2
    EXPECT sc_d_again_fails, t2, 1
    ld t1, 0(s0)
    EXPECT sc_d_again_mem, t1, 0x1235
    /* sc.w to an address other than the reserved one */
    li t0, -5
    sw t0, 0(s1)
    lr.w t1, (s0)
    sc.w t2, t0, (s1)
    snez t2, t2
    EXPECT sc_w_other_fails, t2, 1
    lw t1, 0(s1)
    EXPECT sc_w_other_mem, t1, -5
    /* lr.w sign-extends; sc.w stores 32 bits */
    li t0, 0xfffffff0
    sw t0, 0(s0)
    lr.w.aq t1, (s0)
    EXPECT lr_w_sext, t1, 0xfffffffffffffff0
    li t0, 0x1122334455667788
    sc.w.rl t2, t0, (s0)
    EXPECT sc_w_ok, t2, 0
    ld t1, 0(s0)
    EXPECT sc_w_mem, t1, 0x55667788
    /* a retry loop as compilers emit it: atomic increment */
    li t3, 10
1:  lr.d.aqrl t1, (s0)
    addi t1, t1, 3
    sc.d.aqrl t2, t1, (s0)
    bnez t2, 1b
    addi t3, t3, -1
    bnez t3, 1b
    ld t1, 0(s0)
    EXPECT lr_sc_loop, t1, 0x55667788 + 30

    SAY "amo .w"
    AMO amoswap, w, 0x80000000, -3, 0xffffffff80000000, -3
    AMO amoadd, w, 0x7fffffff, 1, 0x7fffffff, 0xffffffff80000000
    AMO amoadd, w, -5, -7, -5, -12
    AMO amoand, w, 0xf0f0f0f0, 0xff00ff00, 0xfffffffff0f0f0f0, 0xfffffffff000f000
    AMO amoor, w, 0x0f0f0f0f, 0xf0000000, 0x0f0f0f0f, 0xffffffffff0f0f0f
    AMO amoxor, w, -1, 0x0000ffff, -1, 0xffffffffffff0000
    AMO amomin, w, -5, 3, -5, -5
    AMO amomin, w, 3, -5, 3, -5
    AMO amomax, w, -5, 3, -5, 3
    AMO amominu, w, -5, 3, -5, 3
    AMO amomaxu, w, -5, 3, -5, -5
    AMO amomaxu, w, 0x7fffffff, 0x80000000, 0x7fffffff, 0xffffffff80000000
    /* .w uses only the low 32 bits of the operand register */
    AMO amomin, w, 1, 0x00000000ffffffff, 1, -1
    AMO amominu, w, 1, 0xffffffff00000000, 1, 0

    SAY "amo .d"
    AMO amoswap, d, 0x8000000000000000, -3, 0x8000000000000000, -3
    AMO amoadd, d, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000
    AMO amoadd, d, -5, -7, -5, -12
    AMO amoand, d, 0xf0f0f0f0f0f0f0f0, -256, 0xf0f0f0f0f0f0f0f0, 0xf0f0f0f0f0f0f000
    AMO amoor, d, 0x0f, 0x8000000000000000, 0x0f, 0x800000000000000f
    AMO amoxor, d, -1, 0x00ff00ff00ff00ff, -1, 0xff00ff00ff00ff00
    AMO amomin, d, -5, 3, -5, -5
    AMO amomax, d, -5, 3, -5, 3
    AMO amomax, d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff
    AMO amominu, d, -5, 3, -5, 3
    AMO amominu, d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff
    AMO amomaxu, d, -5, 3, -5, -5

    SAY "amo ordering bits and rd=x0"
    li t0, 40
    sd t0, 0(s0)
    li t1, 2
    amoadd.d.aq zero, t1, (s0)
    amoadd.d.rl zero, t1, (s0)
    amoadd.d.aqrl t2, t1, (s0)
    EXPECT amo_aqrl_old, t2, 44
    ld t2, 0(s0)
    EXPECT amo_aqrl_new, t2, 46
    /* amoswap with rd == rs2: old value lands in rd after the swap */
    li t1, 7
    amoswap.d t1, t1, (s0)
    EXPECT amoswap_rd_rs2, t1, 46
    ld t2, 0(s0)
    EXPECT amoswap_rd_rs2_mem, t2, 7
    EXIT

    .data
    .balign 8
word:  .dword 0
word2: .dword 0

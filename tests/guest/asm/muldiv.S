/* M extension: mul, mulh (signed x signed), mulhsu (signed x unsigned),
 * mulhu, div/divu/rem/remu with the spec's results for division by zero
 * (quotient all ones, remainder = dividend) and overflow (INT_MIN / -1 =
 * INT_MIN, remainder 0), and the W forms with sign-extended 32-bit results.
 * Exit status: number of failed EXPECTs. */
#include "rvtest.h"

    START
    li s0, 0x8000000000000000   /* INT64_MIN */
    li s1, -1
    li s2, 0x7fffffffffffffff
    li s3, 0x0123456789abcdef
    li s4, -7
    li s5, 2

    SAY "mul"
    mul t0, s3, s3
    EXPECT mul, t0, 0xdca5e20890f2a521
    mulh t0, s3, s3
    EXPECT mulh, t0, 0x00014b66dc33f6ac
    mulhu t0, s1, s1
    EXPECT mulhu_m1, t0, 0xfffffffffffffffe
    mulh t0, s1, s1
    EXPECT mulh_m1, t0, 0
    mulhsu t0, s1, s1          /* -1 * (2^64-1) = -(2^64) + 1 */
    EXPECT mulhsu_m1, t0, -1
    mulhsu t0, s5, s1          /* 2 * (2^64-1) */
    EXPECT mulhsu_2, t0, 1
    mulh t0, s0, s0            /* 2^126 */
    EXPECT mulh_min, t0, 0x4000000000000000
    mulhu t0, s0, s0
    EXPECT mulhu_min, t0, 0x4000000000000000
    mulhsu t0, s0, s0          /* -2^63 * 2^63 = -2^126 */
    EXPECT mulhsu_min, t0, 0xc000000000000000
    mul t0, s0, s1
    EXPECT mul_min_m1, t0, 0x8000000000000000
    mulh t0, s0, s1            /* 2^63 fits in 128 bits: high = 0 */
    EXPECT mulh_min_m1, t0, 0
    mulh t0, s4, s5
    EXPECT mulh_m7_2, t0, -1
    mulhu t0, s4, s5
    EXPECT mulhu_m7_2, t0, 1
    mulw t0, s3, s3            /* low 32 bits of the square, sign-extended */
    EXPECT mulw, t0, 0xffffffff90f2a521
    li t1, 0x10000
    mulw t0, t1, t1
    EXPECT mulw_ovf, t0, 0
    li t1, 0x7fffffff
    mulw t0, t1, s5
    EXPECT mulw_neg, t0, -2

    SAY "div"
    li t1, 100
    div t0, t1, s4
    EXPECT div_100_m7, t0, -14
    rem t0, t1, s4
    EXPECT rem_100_m7, t0, 2
    neg t2, t1
    div t0, t2, s4
    EXPECT div_m100_m7, t0, 14
    rem t0, t2, s4
    EXPECT rem_m100_m7, t0, -2
    divu t0, t2, s4
    EXPECT divu_m100_m7, t0, 0
    remu t0, t2, s4
    EXPECT remu_m100_m7, t0, -100
    divu t0, s4, s5
    EXPECT divu_m7_2, t0, 0x7ffffffffffffffc
    remu t0, s4, s5
    EXPECT remu_m7_2, t0, 1

    SAY "div by zero"
    div t0, s3, zero
    EXPECT div0, t0, -1
    divu t0, s3, zero
    EXPECT divu0, t0, -1
    rem t0, s3, zero
    EXPECT rem0, t0, 0x0123456789abcdef
    remu t0, s4, zero
    EXPECT remu0, t0, -7
    divw t0, s3, zero
    EXPECT divw0, t0, -1
    divuw t0, s3, zero
    EXPECT divuw0, t0, -1
    remw t0, s3, zero          /* dividend's low 32 bits, sign-extended */
    EXPECT remw0, t0, 0xffffffff89abcdef
    remuw t0, s3, zero
    EXPECT remuw0, t0, 0xffffffff89abcdef

    SAY "overflow"
    div t0, s0, s1
    EXPECT div_ovf, t0, 0x8000000000000000
    rem t0, s0, s1
    EXPECT rem_ovf, t0, 0
    li t1, 0x80000000
    divw t0, t1, s1
    EXPECT divw_ovf, t0, 0xffffffff80000000
    remw t0, t1, s1
    EXPECT remw_ovf, t0, 0
    divu t0, s0, s1
    EXPECT divu_min_m1, t0, 0
    remu t0, s0, s1
    EXPECT remu_min_m1, t0, 0x8000000000000000

    SAY "W forms"
    li t1, 0xffffffff00000064  /* upper bits must be ignored: 100 */
    li t2, 0x12345678fffffff9  /* -7 */
    divw t0, t1, t2
    EXPECT divw, t0, -14
    remw t0, t1, t2
    EXPECT remw, t0, 2
    divuw t0, t2, t1           /* 0xfffffff9 / 100 */
    EXPECT divuw, t0, 42949672
    remuw t0, t2, t1
    EXPECT remuw, t0, 89
    li t1, 0xfffffffe
    li t2, 1
    divuw t0, t1, t2           /* result 0xfffffffe sign-extends */
    EXPECT divuw_sext, t0, 0xfffffffffffffffe
    remuw t0, t1, s5
    EXPECT remuw_0, t0, 0
    EXIT

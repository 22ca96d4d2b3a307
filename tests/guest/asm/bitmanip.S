/* Bit manipulation: Zba (address generation), Zbb (basic), Zbs (single
 * bit) and Zbc (carry-less multiply), with edge values: zero inputs for
 * the counts, .uw forms that must zero-extend the low word, W forms that
 * sign-extend, shift/bit indexes taken modulo XLEN.
 * Exit status: number of failed EXPECTs. */
#include "rvtest.h"

    START
    li s0, 0xfedcba9876543210
    li s1, 0x80000001
    li s2, 0xffffffff80000000
    li s3, 0x0123456789abcdef

    SAY "Zba"
    add.uw t0, s2, s1              /* zext(0x80000000) + rs2 */
    EXPECT add_uw, t0, 0x100000001
    sh1add t0, s1, s3
    EXPECT sh1add, t0, 0x0123456889abcdf1
    sh2add t0, s1, s3
    EXPECT sh2add, t0, 0x0123456989abcdf3
    sh3add t0, s1, s3
    EXPECT sh3add, t0, 0x0123456b89abcdf7
    sh1add.uw t0, s2, zero
    EXPECT sh1add_uw, t0, 0x100000000
    sh2add.uw t0, s2, s1
    EXPECT sh2add_uw, t0, 0x280000001
    sh3add.uw t0, s0, zero
    EXPECT sh3add_uw, t0, 0x3b2a19080
    slli.uw t0, s2, 4
    EXPECT slli_uw, t0, 0x800000000
    slli.uw t0, s0, 63
    EXPECT slli_uw63, t0, 0
    zext.w t0, s2
    EXPECT zext_w, t0, 0x80000000

    SAY "Zbb logic"
    andn t0, s0, s3
    EXPECT andn, t0, 0xfedcba9876543210 & ~0x0123456789abcdef
    orn t0, zero, s3
    EXPECT orn, t0, ~0x0123456789abcdef
    xnor t0, s0, s3
    EXPECT xnor, t0, ~(0xfedcba9876543210 ^ 0x0123456789abcdef)

    SAY "Zbb counts"
    clz t0, zero
    EXPECT clz0, t0, 64
    clz t0, s1
    EXPECT clz, t0, 32
    clz t0, s0
    EXPECT clz_neg, t0, 0
    clzw t0, zero
    EXPECT clzw0, t0, 32
    clzw t0, s0                    /* low word 0x76543210 */
    EXPECT clzw, t0, 1
    ctz t0, zero
    EXPECT ctz0, t0, 64
    ctz t0, s2
    EXPECT ctz, t0, 31
    ctzw t0, zero
    EXPECT ctzw0, t0, 32
    li t1, 0x100000000
    ctzw t0, t1
    EXPECT ctzw_hi, t0, 32
    cpop t0, s0
    EXPECT cpop, t0, 32
    cpop t0, zero
    EXPECT cpop0, t0, 0
    li t1, -1
    cpop t0, t1
    EXPECT cpop_all, t0, 64
    cpopw t0, t1
    EXPECT cpopw, t0, 32

    SAY "Zbb min/max/ext"
    li t1, -1
    li t2, 1
    max t0, t1, t2
    EXPECT max, t0, 1
    maxu t0, t1, t2
    EXPECT maxu, t0, -1
    min t0, t1, t2
    EXPECT min, t0, -1
    minu t0, t1, t2
    EXPECT minu, t0, 1
    sext.b t0, s1
    EXPECT sext_b, t0, 1
    li t1, 0x1280
    sext.b t0, t1
    EXPECT sext_b_neg, t0, 0xffffffffffffff80
    li t1, 0x18000
    sext.h t0, t1
    EXPECT sext_h, t0, 0xffffffffffff8000
    zext.h t0, s0
    EXPECT zext_h, t0, 0x3210

    SAY "Zbb rotates"
    li t1, 4
    rol t0, s3, t1
    EXPECT rol, t0, 0x123456789abcdef0
    ror t0, s3, t1
    EXPECT ror, t0, 0xf0123456789abcde
    li t1, 68                      /* modulo 64 */
    ror t0, s3, t1
    EXPECT ror68, t0, 0xf0123456789abcde
    rori t0, s3, 63
    EXPECT rori63, t0, 0x02468acf13579bde
    rori t0, s3, 0
    EXPECT rori0, t0, 0x0123456789abcdef
    li t1, 8
    rolw t0, s3, t1                /* 0x89abcdef rol 8 */
    EXPECT rolw, t0, 0xffffffffabcdef89
    rorw t0, s3, t1
    EXPECT rorw, t0, 0xffffffffef89abcd
    li t1, 36                      /* modulo 32 */
    rorw t0, s3, t1
    EXPECT rorw36, t0, 0xfffffffff89abcde
    roriw t0, s3, 0                /* just sign-extends */
    EXPECT roriw0, t0, 0xffffffff89abcdef
    roriw t0, s1, 1
    EXPECT roriw1, t0, 0xffffffffc0000000

    SAY "Zbb bytes"
    li t1, 0x0001008000ff0000
    orc.b t0, t1
    EXPECT orc_b, t0, 0x00ff00ff00ff0000
    rev8 t0, s3
    EXPECT rev8, t0, 0xefcdab8967452301

    SAY "Zbs"
    bclr t0, s0, zero
    EXPECT bclr0, t0, 0xfedcba9876543210
    li t1, 63
    bclr t0, s0, t1
    EXPECT bclr63, t0, 0x7edcba9876543210
    li t1, 68                      /* index modulo 64: bit 4 */
    bclr t0, s0, t1
    EXPECT bclr68, t0, 0xfedcba9876543200
    bclri t0, s0, 9
    EXPECT bclri, t0, 0xfedcba9876543010
    bext t0, s0, t1
    EXPECT bext68, t0, 1
    bexti t0, s0, 0
    EXPECT bexti0, t0, 0
    bexti t0, s0, 63
    EXPECT bexti63, t0, 1
    binv t0, s0, t1
    EXPECT binv68, t0, 0xfedcba9876543200
    binvi t0, s0, 32
    EXPECT binvi32, t0, 0xfedcba9976543210
    bset t0, zero, t1
    EXPECT bset68, t0, 0x10
    bseti t0, zero, 63
    EXPECT bseti63, t0, 0x8000000000000000

    SAY "Zbc"
    li t1, 0x8000000000000001
    li t2, 3
    clmul t0, t1, t2
    EXPECT clmul, t0, 0x8000000000000003
    clmulh t0, t1, t2
    EXPECT clmulh, t0, 1
    clmulr t0, t1, t2              /* bits 126..63 of the product */
    EXPECT clmulr, t0, 3
    clmul t0, s0, s3
    SHOW clmul_big, t0
    clmulh t0, s0, s3
    SHOW clmulh_big, t0
    clmulr t0, s0, s3
    SHOW clmulr_big, t0
    li t1, -1
    clmulh t0, t1, t1
    EXPECT clmulh_ones, t0, 0x5555555555555555
    EXIT

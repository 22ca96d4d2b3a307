/* Loads and stores of every size: sign and zero extension, negative and
 * large offsets, misaligned accesses (qemu-user performs them), accesses
 * straddling a page boundary, and FP loads/stores (flw NaN-boxes).
 * Exit status: number of failed EXPECTs. */
#include "rvtest.h"

    START
    lla s0, pattern
    SAY "loads"
    lb t0, 0(s0)
    EXPECT lb_neg, t0, 0xfffffffffffffff0
    lbu t0, 0(s0)
    EXPECT lbu, t0, 0xf0
    lb t0, 1(s0)
    EXPECT lb_pos, t0, 0x71
    lh t0, 0(s0)
    EXPECT lh_pos, t0, 0x71f0
    lh t0, 2(s0)
    EXPECT lh_neg, t0, 0xffffffffffffe2d3
    lhu t0, 2(s0)
    EXPECT lhu, t0, 0xe2d3
    lw t0, 0(s0)
    EXPECT lw_neg, t0, 0xffffffffe2d371f0
    lwu t0, 0(s0)
    EXPECT lwu, t0, 0xe2d371f0
    lw t0, 4(s0)
    EXPECT lw_pos, t0, 0x2637b495
    ld t0, 0(s0)
    EXPECT ld, t0, 0x2637b495e2d371f0
    addi t1, s0, 16
    ld t0, -8(t1)
    EXPECT ld_negoff, t0, 0x8899aabbccddeeff
    lw t0, -4(t1)
    EXPECT lw_negoff, t0, 0xffffffff8899aabb

    SAY "misaligned loads"
    lh t0, 1(s0)
    EXPECT lh_m1, t0, 0xffffffffffffd371
    lhu t0, 3(s0)
    EXPECT lhu_m3, t0, 0x95e2
    lw t0, 1(s0)
    EXPECT lw_m1, t0, 0xffffffff95e2d371
    lwu t0, 3(s0)
    EXPECT lwu_m3, t0, 0x37b495e2
    lw t0, 2(s0)
    EXPECT lw_m2, t0, 0xffffffffb495e2d3
    ld t0, 1(s0)
    EXPECT ld_m1, t0, 0xff2637b495e2d371
    ld t0, 5(s0)
    EXPECT ld_m5, t0, 0xbbccddeeff2637b4
    ld t0, 7(s0)
    EXPECT ld_m7, t0, 0x99aabbccddeeff26

    SAY "stores"
    lla s1, scratch
    li t0, 0x0123456789abcdef
    sd t0, 0(s1)
    sd zero, 8(s1)
    li t1, 0xfffffffffffff1a5
    sb t1, 0(s1)
    ld t0, 0(s1)
    EXPECT sb, t0, 0x0123456789abcda5
    sh t1, 2(s1)
    ld t0, 0(s1)
    EXPECT sh, t0, 0x01234567f1a5cda5
    sw t1, 4(s1)
    ld t0, 0(s1)
    EXPECT sw, t0, 0xfffff1a5f1a5cda5
    sd t1, 8(s1)
    ld t0, 8(s1)
    EXPECT sd, t0, 0xfffffffffffff1a5
    /* negative offset store */
    addi t2, s1, 16
    sw zero, -8(t2)
    ld t0, 8(s1)
    EXPECT sw_negoff, t0, 0xffffffff00000000

    SAY "misaligned stores"
    sd zero, 0(s1)
    sd zero, 8(s1)
    li t1, 0x1122334455667788
    sd t1, 3(s1)
    ld t0, 0(s1)
    EXPECT sd_m3_lo, t0, 0x4455667788000000
    ld t0, 8(s1)
    EXPECT sd_m3_hi, t0, 0x0000000000112233
    sw t1, 9(s1)
    ld t0, 8(s1)
    EXPECT sw_m9, t0, 0x0000005566778833
    sh t1, 15(s1)
    ld t0, 8(s1)
    EXPECT sh_m15, t0, 0x8800005566778833
    lbu t0, 16(s1)
    EXPECT sh_m15_next, t0, 0x77

    SAY "page boundary"
    /* `pages` is two page-aligned pages: access the last bytes of the
     * first page together with the first bytes of the second. */
    lla s2, pages
    li t2, 4096
    add s2, s2, t2
    li t1, 0xa1b2c3d4e5f60718
    sd t1, -4(s2)
    lwu t0, -4(s2)
    EXPECT pb_lo, t0, 0xe5f60718
    lwu t0, 0(s2)
    EXPECT pb_hi, t0, 0xa1b2c3d4
    ld t0, -4(s2)
    EXPECT pb_ld, t0, 0xa1b2c3d4e5f60718
    lw t0, -2(s2)
    EXPECT pb_lw, t0, 0xffffffffc3d4e5f6
    lh t0, -1(s2)
    EXPECT pb_lh, t0, 0xffffffffffffd4e5
    sh zero, -1(s2)
    ld t0, -4(s2)
    EXPECT pb_sh, t0, 0xa1b2c30000f60718
    sd zero, -7(s2)
    ld t0, -4(s2)
    EXPECT pb_sd, t0, 0xa1b2c30000000000

    SAY "fp loads/stores"
    flw ft0, 0(s0)
    fmv.x.d t0, ft0
    EXPECT flw_box, t0, 0xffffffffe2d371f0
    fld ft1, 0(s0)
    fmv.x.d t0, ft1
    EXPECT fld, t0, 0x2637b495e2d371f0
    fsw ft1, 0(s1)   /* stores the low 32 bits, whatever the boxing */
    lwu t0, 0(s1)
    EXPECT fsw_unboxed, t0, 0xe2d371f0
    fsd ft0, 8(s1)
    ld t0, 8(s1)
    EXPECT fsd_boxed, t0, 0xffffffffe2d371f0
    flw ft2, 1(s0)   /* misaligned FP */
    fmv.x.w t0, ft2
    EXPECT flw_m1, t0, 0xffffffff95e2d371
    fsd ft1, 3(s1)
    ld t0, 3(s1)
    EXPECT fsd_m3, t0, 0x2637b495e2d371f0

    SAY "load to x0"
    lw zero, 0(s0)
    EXPECT lw_x0, zero, 0
    EXIT

    .section .rodata
    .balign 16
pattern:
    .byte 0xf0, 0x71, 0xd3, 0xe2, 0x95, 0xb4, 0x37, 0x26
    .byte 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88

    .bss
    .balign 4096
pages: .zero 8192
scratch: .zero 64

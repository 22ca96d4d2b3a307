/* RV64C: every compressed instruction form written with its c. mnemonic
 * (so the assembler cannot pick the 32-bit encoding), with immediates at
 * their range edges and sign extension of the W forms.  c.ebreak is in
 * ebreak.S.  Exit status: number of failed EXPECTs. */
#include "rvtest.h"

    START
    SAY "CI: li/addi/addiw/lui/slli/nop"
    c.li a0, -32
    EXPECT c_li_min, a0, -32
    c.li a0, 31
    EXPECT c_li_max, a0, 31
    c.addi a0, -32
    EXPECT c_addi, a0, -1
    c.addi a0, 31
    EXPECT c_addi2, a0, 30
    li a1, 0x7fffffff
    c.addiw a1, 1
    EXPECT c_addiw_ovf, a1, 0xffffffff80000000
    c.addiw a1, 0                  /* sext.w */
    EXPECT c_addiw0, a1, 0xffffffff80000000
    c.lui a2, 1
    EXPECT c_lui_1, a2, 0x1000
    c.lui a2, 0x1f
    EXPECT c_lui_max, a2, 0x1f000
    c.lui a2, 0xfffe0              /* the most negative: -32 << 12 */
    EXPECT c_lui_min, a2, 0xfffffffffffe0000
    c.lui a2, 0xfffff
    EXPECT c_lui_m1, a2, 0xfffffffffffff000
    li a3, 0x8000000000000001
    c.slli a3, 63
    EXPECT c_slli63, a3, 0x8000000000000000
    li a3, 1
    c.slli a3, 32
    EXPECT c_slli32, a3, 0x100000000
    c.nop
    mv t0, sp
    c.addi16sp sp, -512            /* both range edges */
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    sub t0, sp, t0
    EXPECT c_addi16sp, t0, 0

    SAY "CB: srli/srai/andi/beqz/bnez"
    li s0, 0x8000000000000000
    c.srli s0, 63
    EXPECT c_srli63, s0, 1
    li s0, 0x8000000000000000
    c.srai s0, 63
    EXPECT c_srai63, s0, -1
    li s0, 0x8000000000000000
    c.srai s0, 32
    EXPECT c_srai32, s0, 0xffffffff80000000
    li s1, 0xff
    c.andi s1, -32
    EXPECT c_andi_neg, s1, 0xe0
    li s1, 0xff
    c.andi s1, 31
    EXPECT c_andi_pos, s1, 0x1f
    li a4, 5
    li a5, 0
    c.beqz a5, 1f
    li a4, 99
1:  c.bnez a5, 2f
    c.addi a4, 1
2:  EXPECT c_beqz_bnez, a4, 6
    li a5, 3
3:  c.addi a5, -1
    c.bnez a5, 3b
    EXPECT c_bnez_loop, a5, 0

    SAY "CA: sub/xor/or/and/subw/addw"
    li a0, 0x0123456789abcdef
    li a1, 0xfedcba9876543210
    mv a2, a0
    c.sub a2, a1
    EXPECT c_sub, a2, 0x02468acf13579bdf
    mv a2, a0
    c.xor a2, a1
    EXPECT c_xor, a2, -1
    mv a2, a0
    c.or a2, a1
    EXPECT c_or, a2, -1
    mv a2, a0
    c.and a2, a1
    EXPECT c_and, a2, 0
    mv a2, a0
    c.subw a2, a1                  /* 0x89abcdef - 0x76543210 */
    EXPECT c_subw, a2, 0x13579bdf
    mv a2, a0
    c.addw a2, a1
    EXPECT c_addw, a2, -1
    li a3, 0x7fffffff
    li a4, 1
    c.addw a3, a4
    EXPECT c_addw_ovf, a3, 0xffffffff80000000

    SAY "CR: mv/add/jr/jalr"
    li t1, 0x1111
    c.mv t2, t1
    EXPECT c_mv, t2, 0x1111
    c.add t2, t1
    EXPECT c_add, t2, 0x2222
    lla t3, 4f
    c.jr t3
    li t2, 99
4:  EXPECT c_jr, t2, 0x2222
    lla t3, cfunc
    c.jalr t3
5:  EXPECT c_jalr_ret, t4, 0x77
    lla t5, 5b
    sub t5, t6, t5
    EXPECT c_jalr_link, t5, 0

    SAY "CJ: j"
    li t2, 1
    c.j 6f
    li t2, 99
6:  EXPECT c_j, t2, 1

    SAY "CL/CS: lw/ld/sw/sd/fld/fsd"
    lla s0, cdata
    c.lw a0, 0(s0)
    EXPECT c_lw, a0, 0xfffffffff0e1d2c3
    c.lw a0, 124(s0)               /* the largest c.lw offset */
    EXPECT c_lw_max, a0, 0x7c7c7c7c
    c.ld a1, 8(s0)
    EXPECT c_ld, a1, 0x8899aabbccddeeff
    c.ld a1, 248(s0)               /* the largest c.ld offset */
    EXPECT c_ld_max, a1, 0xf8f8f8f8f8f8f8f8
    li a2, 0x5a5a5a5a12345678
    c.sw a2, 16(s0)
    c.ld a3, 16(s0)
    EXPECT c_sw, a3, 0x0000000012345678
    c.sd a2, 24(s0)
    c.ld a3, 24(s0)
    EXPECT c_sd, a3, 0x5a5a5a5a12345678
    c.fld fa0, 8(s0)
    fmv.x.d a4, fa0
    EXPECT c_fld, a4, 0x8899aabbccddeeff
    c.fsd fa0, 32(s0)
    c.ld a4, 32(s0)
    EXPECT c_fsd, a4, 0x8899aabbccddeeff

    SAY "CSS/CI sp-relative"
    c.addi16sp sp, -64
    c.addi4spn a5, sp, 8
    sub a4, a5, sp
    EXPECT c_addi4spn, a4, 8
    c.addi4spn a5, sp, 1020
    sub a4, a5, sp
    EXPECT c_addi4spn_max, a4, 1020
    li t1, 0xcafef00dbeefface
    c.sdsp t1, 0(sp)
    c.swsp t1, 8(sp)
    c.ldsp t2, 0(sp)
    EXPECT c_ldsp, t2, 0xcafef00dbeefface
    c.lwsp t2, 8(sp)
    EXPECT c_lwsp, t2, 0xffffffffbeefface
    fmv.d.x ft1, t1
    c.fsdsp ft1, 16(sp)
    c.fldsp ft2, 16(sp)
    fmv.x.d t2, ft2
    EXPECT c_fldsp, t2, 0xcafef00dbeefface
    c.ldsp t2, 16(sp)
    EXPECT c_fsdsp, t2, 0xcafef00dbeefface
    c.addi16sp sp, 64
    EXIT

cfunc:
    li t4, 0x77
    c.mv t6, ra
    c.jr ra

    .data
    .balign 8
cdata:
    .word 0xf0e1d2c3, 0
    .dword 0x8899aabbccddeeff
    .fill 13, 8, 0
    .fill 1, 4, 0
    .word 0x7c7c7c7c               /* offset 124 */
    .fill 15, 8, 0
    .dword 0xf8f8f8f8f8f8f8f8      /* offset 248 */

/* Branches and jumps: every branch kind taken and not taken (signed vs
 * unsigned ordering, equal operands), forward and backward, jal/jalr link
 * values, jalr with an offset, and jalr to an odd address (bit 0 of the
 * target is cleared). Exit status: number of failed EXPECTs. */
#include "rvtest.h"

/* BR op, a, b: t5 = 1 if "op a, b" is taken, else 0. */
.macro BR op, ra_, rb_
    li t5, 1
    \op \ra_, \rb_, 1f
    li t5, 0
1:
.endm

    START
    li s0, -1
    li s1, 1
    li s2, 0x8000000000000000
    li s3, 0x7fffffffffffffff

    SAY "beq/bne"
    BR beq, s0, s0
    EXPECT beq_eq, t5, 1
    BR beq, s0, s1
    EXPECT beq_ne, t5, 0
    BR bne, s0, s1
    EXPECT bne_ne, t5, 1
    BR bne, s1, s1
    EXPECT bne_eq, t5, 0
    BR beq, zero, zero
    EXPECT beq_x0, t5, 1

    SAY "blt/bge (signed)"
    BR blt, s0, s1
    EXPECT blt_m1_1, t5, 1
    BR blt, s1, s0
    EXPECT blt_1_m1, t5, 0
    BR blt, s1, s1
    EXPECT blt_eq, t5, 0
    BR blt, s2, s3
    EXPECT blt_min_max, t5, 1
    BR bge, s0, s1
    EXPECT bge_m1_1, t5, 0
    BR bge, s1, s0
    EXPECT bge_1_m1, t5, 1
    BR bge, s1, s1
    EXPECT bge_eq, t5, 1
    BR bge, s3, s2
    EXPECT bge_max_min, t5, 1

    SAY "bltu/bgeu (unsigned)"
    BR bltu, s0, s1
    EXPECT bltu_m1_1, t5, 0
    BR bltu, s1, s0
    EXPECT bltu_1_m1, t5, 1
    BR bltu, s1, s1
    EXPECT bltu_eq, t5, 0
    BR bltu, s3, s2
    EXPECT bltu_max_min, t5, 1
    BR bgeu, s0, s1
    EXPECT bgeu_m1_1, t5, 1
    BR bgeu, s1, s0
    EXPECT bgeu_1_m1, t5, 0
    BR bgeu, s2, s2
    EXPECT bgeu_eq, t5, 1
    BR bgeu, zero, s1
    EXPECT bgeu_0_1, t5, 0

    SAY "pseudo-branches"
    BR bgt, s1, s0
    EXPECT bgt, t5, 1
    BR ble, s0, s0
    EXPECT ble, t5, 1
    BR bgtu, s0, s1
    EXPECT bgtu, t5, 1
    BR bleu, s0, s1
    EXPECT bleu, t5, 0
    li t0, 0
    li t5, 0
    beqz t0, 2f
    li t5, 99
2:  EXPECT beqz, t5, 0
    bnez s0, 3f
    li t5, 99
3:  EXPECT bnez, t5, 0
    li t5, 0
    bltz s0, 4f
    li t5, 99
4:  bgez s1, 5f
    li t5, 98
5:  blez zero, 6f
    li t5, 97
6:  bgtz s1, 7f
    li t5, 96
7:  EXPECT sign_branches, t5, 0

    SAY "loops"
    /* backward branch: sum 1..100 */
    li t0, 100
    li t1, 0
8:  add t1, t1, t0
    addi t0, t0, -1
    bnez t0, 8b
    EXPECT sum100, t1, 5050
    /* a far branch target: beq spans more than the 12-bit jal-free range
     * of a compressed branch */
    li t5, 0
    beq zero, zero, far_target
    li t5, 99
    .skip 3000, 0
far_back:
    EXPECT far, t5, 7
    j jumps

far_target:
    li t5, 7
    j far_back

jumps:
    SAY "jal/jalr"
    jal t0, 9f
ret_addr1:
    li t5, 99
9:  lla t1, ret_addr1
    sub t2, t0, t1
    EXPECT jal_link, t2, 0
    /* jal x0 (plain j) writes no link */
    li t0, 5
    j 10f
10: EXPECT j_nolink, t0, 5
    /* jalr with positive and negative offsets */
    lla t1, target_a
    addi t1, t1, -8
    jalr t0, 8(t1)
ret_addr2:
    EXPECT jalr_back, t5, 0x41
    lla t1, ret_addr2
    sub t2, t0, t1
    EXPECT jalr_link, t2, 0
    lla t1, target_b
    addi t1, t1, 16
    jalr t0, -16(t1)
    EXPECT jalr_neg, t5, 0x42
    /* odd target: the low bit is cleared, so this lands on target_c */
    lla t1, target_c
    addi t1, t1, 1
    jalr t0, 0(t1)
    EXPECT jalr_odd, t5, 0x43
    /* odd via the offset */
    lla t1, target_c
    jalr t0, 1(t1)
    EXPECT jalr_odd2, t5, 0x43
    /* rd == rs1: the target uses the old value, then rd gets the link */
    lla t1, target_d
    jalr t1, 0(t1)
ret_addr3:
    lla t2, ret_addr3
    sub t2, t1, t2
    EXPECT jalr_rd_rs1, t2, 0
    /* call/ret through ra, nested */
    li a0, 10
    call fact
    EXPECT fact10, a0, 3628800
    /* a computed jump table */
    li s4, 0
    li t4, 0
11: lla t1, table
    slli t2, t4, 2
    add t1, t1, t2
    lw t2, 0(t1)
    lla t1, table
    add t1, t1, t2
    jalr ra, 0(t1)
    addi t4, t4, 1
    li t2, 4
    blt t4, t2, 11b
    EXPECT table, s4, 0x4321
    EXIT

target_a:
    li t5, 0x41
    jr t0
target_b:
    li t5, 0x42
    jr t0
    .balign 4
target_c:
    li t5, 0x43
    jr t0
target_d:
    jr t1

/* fact(a0) recursively, keeping ra on the stack */
fact:
    li t0, 1
    bgt a0, t0, 1f
    li a0, 1
    ret
1:  addi sp, sp, -16
    sd ra, 0(sp)
    sd a0, 8(sp)
    addi a0, a0, -1
    call fact
    ld t0, 8(sp)
    mul a0, a0, t0
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

case0: slli s4, s4, 4
       ori s4, s4, 4
       ret
case1: slli s4, s4, 4
       ori s4, s4, 3
       ret
case2: slli s4, s4, 4
       ori s4, s4, 2
       ret
case3: slli s4, s4, 4
       ori s4, s4, 1
       ret

    .section .rodata
    .balign 4
table: .word case0 - table, case1 - table, case2 - table, case3 - table

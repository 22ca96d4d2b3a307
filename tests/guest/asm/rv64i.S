/* RV64I integer computation: arithmetic, logic, shifts, compares, the
 * W-forms' sign extension of 32-bit results, lui/auipc, and shift amounts
 * at their edges (0, 31, 32, 63, and amounts whose high bits must be
 * ignored). Exit status: number of failed EXPECTs. */
#include "rvtest.h"

    START
    SAY "add/sub"
    li t0, 0x7fffffffffffffff
    li t1, 1
    add t2, t0, t1
    EXPECT add_ovf, t2, 0x8000000000000000
    sub t2, zero, t0
    EXPECT sub_neg, t2, 0x8000000000000001
    li t0, 0x8000000000000000
    sub t2, t0, t1
    EXPECT sub_wrap, t2, 0x7fffffffffffffff
    addi t2, zero, -2048
    EXPECT addi_min, t2, -2048
    addi t2, t2, 2047
    EXPECT addi_max, t2, -1
    /* x0 ignores writes */
    addi zero, zero, 5
    EXPECT x0, zero, 0

    SAY "W-forms"
    li t0, 0x7fffffff
    addiw t2, t0, 1
    EXPECT addiw_ovf, t2, 0xffffffff80000000
    li t0, 0x123456789abcdef0
    addiw t2, t0, 0
    EXPECT sextw, t2, 0xffffffff9abcdef0
    li t1, 0x0000000100000001
    addw t2, t0, t1
    EXPECT addw, t2, 0xffffffff9abcdef1
    subw t2, zero, t1
    EXPECT subw, t2, -1
    li t0, 0x80000000
    subw t2, zero, t0
    EXPECT subw_min, t2, 0xffffffff80000000
    li t0, 0xffffffff00000001
    slliw t2, t0, 31
    EXPECT slliw31, t2, 0xffffffff80000000
    li t0, 0x80000000
    srliw t2, t0, 0
    EXPECT srliw0, t2, 0xffffffff80000000
    srliw t2, t0, 31
    EXPECT srliw31, t2, 1
    sraiw t2, t0, 31
    EXPECT sraiw31, t2, -1
    srliw t2, t0, 1
    EXPECT srliw1, t2, 0x40000000
    li t1, 33          /* sllw/srlw/sraw use only the low 5 bits: 33 -> 1 */
    sllw t2, t0, t1
    EXPECT sllw33, t2, 0
    li t0, 0x40000000
    sllw t2, t0, t1
    EXPECT sllw33b, t2, 0xffffffff80000000
    li t0, 0xfedcba9880000000
    srlw t2, t0, t1
    EXPECT srlw33, t2, 0x40000000
    sraw t2, t0, t1
    EXPECT sraw33, t2, 0xffffffffc0000000
    li t1, 0xffffffffffffffe0  /* amount 32 -> 0 */
    sraw t2, t0, t1
    EXPECT sraw_m32, t2, 0xffffffff80000000

    SAY "shifts"
    li t0, 0x8000000000000001
    slli t2, t0, 63
    EXPECT slli63, t2, 0x8000000000000000
    srli t2, t0, 63
    EXPECT srli63, t2, 1
    srai t2, t0, 63
    EXPECT srai63, t2, -1
    srai t2, t0, 0
    EXPECT srai0, t2, 0x8000000000000001
    srli t2, t0, 32
    EXPECT srli32, t2, 0x80000000
    srai t2, t0, 32
    EXPECT srai32, t2, 0xffffffff80000000
    li t1, 64          /* sll/srl/sra use only the low 6 bits: 64 -> 0 */
    sll t2, t0, t1
    EXPECT sll64, t2, 0x8000000000000001
    li t1, 127
    srl t2, t0, t1
    EXPECT srl127, t2, 1
    sra t2, t0, t1
    EXPECT sra127, t2, -1
    li t1, -1
    sll t2, t0, t1
    EXPECT sll_m1, t2, 0x8000000000000000

    SAY "logic"
    li t0, 0xff00ff00ff00ff00
    li t1, 0x0ff00ff00ff00ff0
    and t2, t0, t1
    EXPECT and, t2, 0x0f000f000f000f00
    or t2, t0, t1
    EXPECT or, t2, 0xfff0fff0fff0fff0
    xor t2, t0, t1
    EXPECT xor, t2, 0xf0f0f0f0f0f0f0f0
    andi t2, t0, -256  /* immediates are sign-extended */
    EXPECT andi, t2, 0xff00ff00ff00ff00
    ori t2, zero, -1
    EXPECT ori, t2, -1
    xori t2, t0, -1
    EXPECT not, t2, 0x00ff00ff00ff00ff
    xori t2, t0, 0x7ff
    EXPECT xori, t2, 0xff00ff00ff00f8ff

    SAY "compare"
    li t0, -1
    li t1, 1
    slt t2, t0, t1
    EXPECT slt, t2, 1
    sltu t2, t0, t1
    EXPECT sltu, t2, 0
    slti t2, t0, 0
    EXPECT slti, t2, 1
    sltiu t2, t1, -1   /* compares with 0xffff...ffff */
    EXPECT sltiu_m1, t2, 1
    sltiu t2, zero, 1  /* seqz */
    EXPECT seqz, t2, 1
    sltu t2, zero, t0  /* snez */
    EXPECT snez, t2, 1
    li t0, 0x8000000000000000
    li t1, 0x7fffffffffffffff
    slt t2, t0, t1
    EXPECT slt_min, t2, 1
    sltu t2, t0, t1
    EXPECT sltu_min, t2, 0
    slt t2, t0, t0
    EXPECT slt_eq, t2, 0

    SAY "lui/auipc"
    lui t2, 0x80000
    EXPECT lui_neg, t2, 0xffffffff80000000
    lui t2, 0x7ffff
    EXPECT lui_pos, t2, 0x7ffff000
    lui t2, 0xfffff
    EXPECT lui_m1, t2, 0xfffffffffffff000
1:  auipc t2, 0
    lla t3, 1b
    sub t2, t2, t3
    EXPECT auipc0, t2, 0
2:  auipc t2, 0x80000   /* pc - 2 GiB: the immediate is sign-extended */
    lla t3, 2b
    sub t2, t2, t3
    EXPECT auipc_neg, t2, 0xffffffff80000000
3:  auipc t2, 1
    lla t3, 3b
    sub t2, t2, t3
    EXPECT auipc1, t2, 0x1000

    SAY "mixed"
    /* a small LCG mix so many ops feed each other; shown, not checked */
    li t0, 0x243f6a8885a308d3
    li t1, 0x13198a2e03707344
    li t4, 40
4:  add t0, t0, t1
    xor t1, t1, t0
    slli t2, t0, 13
    srli t3, t0, 51
    or t0, t2, t3
    addw t1, t1, t0
    sraiw t2, t1, 7
    sub t0, t0, t2
    addi t4, t4, -1
    bnez t4, 4b
    SHOW mix_a, t0
    SHOW mix_b, t1
    EXIT

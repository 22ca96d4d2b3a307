/* For the plugin tests: one memory access of every kind, all in the
 * function `probe` and all to `buf` (which fills its 16 KiB region). probe
 * stores 0x8899aabbccddeeff with sd, sw, sh and sb, loads it back with
 * every integer load, copies it with fld/flw/fsd/fsw, then does amoadd.w,
 * amoadd.d, lr.d and sc.d. The comments give the access each makes
 * (size, load/store, value). */
#include "rvtest.h"

    START
    call probe
    SHOW sc, t5
    lla t0, buf
    ld t1, 0(t0)
    SHOW buf0, t1
    ld t1, 8(t0)
    SHOW buf8, t1
    EXIT

    .globl probe
    .type probe, @function
probe:
    lla t0, buf
    li t1, 0x8899aabbccddeeff
    sd t1, 0(t0)            /* 8 store 8899aabbccddeeff */
    sw t1, 8(t0)            /* 4 store ccddeeff */
    sh t1, 12(t0)           /* 2 store eeff */
    sb t1, 14(t0)           /* 1 store ff */
    ld t2, 0(t0)            /* 8 load signed 8899aabbccddeeff */
    lw t2, 8(t0)            /* 4 load signed ccddeeff */
    lwu t2, 8(t0)           /* 4 load ccddeeff */
    lh t2, 12(t0)           /* 2 load signed eeff */
    lhu t2, 12(t0)          /* 2 load eeff */
    lb t2, 14(t0)           /* 1 load signed ff */
    lbu t2, 14(t0)          /* 1 load ff */
    fld ft0, 0(t0)          /* 8 load 8899aabbccddeeff */
    flw ft1, 8(t0)          /* 4 load ccddeeff */
    fsd ft0, 16(t0)         /* 8 store 8899aabbccddeeff */
    fsw ft1, 24(t0)         /* 4 store ccddeeff */
    li t3, 1
    addi t4, t0, 8
    amoadd.w t2, t3, (t4)   /* 4 load signed ccddeeff, 4 store signed ccddef00 */
    amoadd.d t2, t3, (t0)   /* 8 load 8899aabbccddeeff, 8 store 8899aabbccddef00 */
    lr.d t2, (t0)           /* 8 load 8899aabbccddef00 */
    sc.d t5, t3, (t0)       /* 8 load 8899aabbccddef00, 8 store 1; t5 = 0 */
    ret
    .size probe, .-probe

    .bss
    .balign 16384
buf:
    .zero 16384

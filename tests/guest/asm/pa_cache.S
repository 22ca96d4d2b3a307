/* Plugin tests (cache): data access patterns with known hits and misses.
 * The only data accesses are the load of argc and the loads below; the
 * pattern depends on the number of arguments:
 *   none: "fits"    two sweeps over 16 KiB, one load per 64-byte block
 *   one:  "streams" two sweeps over 64 KiB, one load per 64-byte block
 *   two:  "policy"  loads of blocks A B A C A (A = buf, B = buf + 64,
 *                   C = buf + 128): in one 2-way set, LRU misses A B C,
 *                   FIFO also the last A
 * Exit status 0. */
#include "rvtest.h"

    .text
    .globl _start
    .type _start, @function
_start:
    ld s3, 0(sp)            /* argc */
    lla s0, buf
    li t0, 2
    beq s3, t0, streams
    li t0, 3
    beq s3, t0, policy
fits:
    li a0, 16384
    call sweep
    call sweep
    j done
streams:
    li a0, 65536
    call sweep
    call sweep
    j done
policy:
    ld t1, 0(s0)
    ld t1, 64(s0)
    ld t1, 0(s0)
    ld t1, 128(s0)
    ld t1, 0(s0)
done:
    li a0, 0
    li a7, SYS_exit
    ecall
    .size _start, . - _start

/* sweep: one load from each 64-byte block of buf[0 .. a0) */
    .type sweep, @function
sweep:
    mv t1, s0
    add t2, s0, a0
1:  ld t3, 0(t1)
    addi t1, t1, 64
    bltu t1, t2, 1b
    ret
    .size sweep, . - sweep

    .bss
    .balign 4096
buf:
    .space 65536

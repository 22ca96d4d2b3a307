/* For the plugin tests: a loop run exactly 1000 times. Its first
 * instruction, `addi s1, s1, 3` (4 bytes: 93 84 34 00), appears nowhere
 * else, so plugins can count it, trace it and patch it.
 * Prints sum=0000000000000bb8 (3000). */
#include "rvtest.h"

    START
    li s0, 1000
    li s1, 0
1:
    .option push
    .option norvc
    addi s1, s1, 3
    .option pop
    addi s0, s0, -1
    bnez s0, 1b
    SHOW sum, s1
    EXIT

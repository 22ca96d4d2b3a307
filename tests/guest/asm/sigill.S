/* The all-zero instruction word is illegal by definition (as a 16-bit
 * c.unimp and as a 32-bit word): it must raise SIGILL. */
#include "rvtest.h"

    START
    SAY "executing 0x00000000"
    .option push
    .option norvc
    .word 0x00000000
    .option pop
    SAY "not reached"
    EXIT

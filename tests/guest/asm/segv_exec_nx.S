/* Jumping into .data (mapped readable and writable, not executable) must
 * raise SIGSEGV even though the bytes there are a valid instruction. */
#include "rvtest.h"

    START
    lla s0, code_in_data
    lw t1, 0(s0)
    SHOW data_readable, t1
    SAY "jumping into .data"
    jalr s0
    SAY "not reached"
    EXIT

    .data
    .balign 4
code_in_data:
    ret

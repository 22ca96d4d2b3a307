/* Jumping to an unmapped address must raise SIGSEGV (an instruction fetch
 * fault), not run whatever the emulator has there. */
#include "rvtest.h"

    START
    SAY "jumping to 0x1000"
    li t0, 0x1000
    jalr t0
    SAY "not reached"
    EXIT

/* A load from an unmapped address (the NULL page) must kill the program
 * with SIGSEGV; the line before it must still appear, the one after not. */
#include "rvtest.h"

    START
    SAY "loading from 0x10"
    li t0, 0x10
    ld t1, 0(t0)
    SAY "not reached"
    EXIT

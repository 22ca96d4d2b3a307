/* A store into .rodata (mapped read-only) must kill the program with
 * SIGSEGV.  Loading from the same address first shows it is mapped. */
#include "rvtest.h"

    START
    lla s0, constant
    ld t1, 0(s0)
    SHOW rodata_readable, t1
    SAY "storing to .rodata"
    sd zero, 0(s0)
    SAY "not reached"
    EXIT

    .section .rodata
    .balign 8
constant: .dword 0x0123456789abcdef

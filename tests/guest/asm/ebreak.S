/* ebreak (the 32-bit encoding) must raise SIGTRAP. */
#include "rvtest.h"

    START
    SAY "executing ebreak"
    .option push
    .option norvc
    ebreak
    .option pop
    SAY "not reached"
    EXIT

/* c.ebreak (the 16-bit encoding) must raise SIGTRAP like ebreak. */
#include "rvtest.h"

    START
    SAY "executing c.ebreak"
    c.ebreak
    SAY "not reached"
    EXIT

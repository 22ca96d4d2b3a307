/* For the plugin tests: a known set of syscalls. write (64) 4 times,
 * getpid (172) 5 times, close(-1) (57) twice, failing with EBADF,
 * nanosleep (101) of 1 us once (a vCPU wait), the magic syscall 2048 with
 * a0 = 0x66CCFF once (the syscall plugin's filter answers 0xFFCC66; Linux
 * says ENOSYS), then exit (93). */
#include "rvtest.h"

    START
    SAY "one"
    SAY "two"
    SAY "three"
    .rept 5
    li a7, 172
    ecall
    .endr
    .rept 2
    li a0, -1
    li a7, 57
    ecall
    .endr
    lla a0, one_us
    li a1, 0
    li a7, 101
    ecall
    li a0, 0x66CCFF
    li a7, 2048
    ecall
    SHOW magic, a0
    EXIT

    .data
    .balign 8
one_us:
    .dword 0, 1000

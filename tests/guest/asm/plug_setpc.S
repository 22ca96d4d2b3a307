/* For the setpc plugin test (QEMU's test-plugin-set-pc, in assembly): the
 * plugin moves the pc from an instruction callback, from a memory callback
 * and from a syscall filter. Each `j fail` is reached only if it did not.
 * Talks to the plugin through the magic syscall 4096. */
#include "rvtest.h"

#define MAGIC 4096
#define SETPC 0
#define SETTARGET 1

    START
    /* An instruction callback at `marker` jumps to after_marker. */
    li a0, SETTARGET
    lla a1, marker
    lla a2, after_marker
    li a3, 0
    li a7, MAGIC
    ecall
    EXPECT settarget, a0, 0
marker:
    j fail
after_marker:
    SAY "skipped the marker instruction"

    /* A memory callback after the load from `data` jumps to after_load. */
    li a0, SETTARGET
    li a1, 0
    lla a2, after_load
    lla a3, data
    li a7, MAGIC
    ecall
    lla t0, data
    ld t1, 0(t0)
    j fail
after_load:
    SAY "skipped after the marker load"

    /* The syscall filter jumps to clean_exit. */
    li a0, SETPC
    lla a1, clean_exit
    li a7, MAGIC
    ecall
    j fail
clean_exit:
    SAY "clean exit"
    EXIT

fail:
    SAY "FAIL: the pc did not move"
    li a0, 1
    li a7, SYS_exit
    ecall

    .data
    .balign 8
data:
    .dword 42

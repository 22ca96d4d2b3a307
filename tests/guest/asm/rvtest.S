/* Output helpers shared by the assembly guests: hex formatting and the
 * write/exit syscalls, with no libc.  Each helper saves every register it
 * uses besides ra, so the macros in rvtest.h can be dropped anywhere. */
#include "rvtest.h"

    .text

/* rt_write(a0 = buffer, a1 = length) */
    .globl rt_write
rt_write:
    addi sp, sp, -32
    sd a0, 0(sp)
    sd a1, 8(sp)
    sd a2, 16(sp)
    sd a7, 24(sp)
    mv a2, a1
    mv a1, a0
    li a0, 1
    li a7, SYS_write
    ecall
    ld a0, 0(sp)
    ld a1, 8(sp)
    ld a2, 16(sp)
    ld a7, 24(sp)
    addi sp, sp, 32
    ret

/* rt_line_*: build one output line in `line`, t0 = write position. */

/* Append the NUL-terminated string at a0. */
line_str:
1:  lbu t1, 0(a0)
    beqz t1, 2f
    sb t1, 0(t0)
    addi t0, t0, 1
    addi a0, a0, 1
    j 1b
2:  ret

/* Append a1 as 16 hex digits. */
line_hex:
    li t2, 60
1:  srl t1, a1, t2
    andi t1, t1, 15
    lla t3, hexdigits
    add t3, t3, t1
    lbu t1, 0(t3)
    sb t1, 0(t0)
    addi t0, t0, 1
    addi t2, t2, -4
    bgez t2, 1b
    ret

/* Write line[0 .. t0) followed by a newline. */
line_flush:
    li t1, '\n'
    sb t1, 0(t0)
    addi t0, t0, 1
    addi sp, sp, -16
    sd ra, 0(sp)
    lla a0, line
    sub a1, t0, a0
    call rt_write
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* Save / restore the temporaries the line builders use, plus a0-a2. */
.macro SAVE_T
    addi sp, sp, -64
    sd ra, 0(sp)
    sd t0, 8(sp)
    sd t1, 16(sp)
    sd t2, 24(sp)
    sd t3, 32(sp)
    sd a0, 40(sp)
    sd a1, 48(sp)
    sd a2, 56(sp)
.endm
.macro RESTORE_T
    ld ra, 0(sp)
    ld t0, 8(sp)
    ld t1, 16(sp)
    ld t2, 24(sp)
    ld t3, 32(sp)
    ld a0, 40(sp)
    ld a1, 48(sp)
    ld a2, 56(sp)
    addi sp, sp, 64
.endm

/* Append "=" and a1 in hex after the name at a0. */
line_name_value:
    addi sp, sp, -16
    sd ra, 0(sp)
    lla t0, line
    call line_str
    li t1, '='
    sb t1, 0(t0)
    addi t0, t0, 1
    call line_hex
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* rt_puts(a0 = NUL-terminated text): print it and a newline. */
    .globl rt_puts
rt_puts:
    SAVE_T
    lla t0, line
    call line_str
    call line_flush
    RESTORE_T
    ret

/* rt_show(a0 = name, a1 = value): "name=value" */
    .globl rt_show
rt_show:
    SAVE_T
    call line_name_value
    call line_flush
    RESTORE_T
    ret

/* rt_showf(a0 = name, a1 = value, a2 = fflags): "name=value fl=NZOUX",
 * one letter per set flag (NV DZ OF UF NX, high bit first), '-' if clear. */
    .globl rt_showf
rt_showf:
    SAVE_T
    call line_name_value
    lla a0, fl_text
    call line_str
    lla t3, fl_letters
    li t2, 4
1:  srl t1, a2, t2
    andi t1, t1, 1
    li a0, '-'
    beqz t1, 2f
    lbu a0, 0(t3)
2:  sb a0, 0(t0)
    addi t0, t0, 1
    addi t3, t3, 1
    addi t2, t2, -1
    bgez t2, 1b
    call line_flush
    RESTORE_T
    ret

/* rt_expect(a0 = name, a1 = value, a2 = wanted) */
    .globl rt_expect
rt_expect:
    SAVE_T
    call line_name_value
    beq a1, a2, 1f
    lla a0, fail_text
    call line_str
    mv a1, a2
    call line_hex
    lla t1, fails
    ld t2, 0(t1)
    addi t2, t2, 1
    sd t2, 0(t1)
1:  call line_flush
    RESTORE_T
    ret

/* rt_exit: exit(number of failed EXPECTs), capped so it stays a status. */
    .globl rt_exit
rt_exit:
    lla t0, fails
    ld a0, 0(t0)
    li t1, 100
    bltu a0, t1, 1f
    mv a0, t1
1:  li a7, SYS_exit
    ecall

    .section .rodata
hexdigits:  .ascii "0123456789abcdef"
fl_letters: .ascii "NZOUX"
fl_text:    .asciz " fl="
fail_text:  .asciz " FAIL want="

    .bss
    .balign 8
fails: .zero 8
line:  .zero 256

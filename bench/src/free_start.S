/* Entry of the freestanding benchmarks: no libc, no syscalls but the final
 * exit, so Unicorn (which has no OS) runs them too. */
    .globl _start
_start:
    la sp, stack_top
    call main
    li a7, 93
    ecall
    .bss
    .balign 16
    .space 65536
stack_top:

/* Macros for the freestanding assembly guests (see rvtest.S).
 *
 * Every macro prints one line "name=<16 hex digits>..." and preserves all
 * integer and FP registers, so a test can show a value and go on using its
 * registers.  The line names make a wrong result easy to find in a diff.
 * Only sp-relative saves are used; nothing here touches fflags except the
 * F* macros, which read and then clear it on purpose. */

/* Syscall numbers of the riscv64 Linux ABI (asm-generic). */
#define SYS_write 64
#define SYS_exit  93

/* START: the program's entry point.  gp must hold __global_pointer$ as
 * crt1 would set it, because the linker relaxes `lla` of nearby data
 * into gp-relative addressing. */
.macro START
    .text
    .globl _start
_start:
    .option push
    .option norelax
    lla gp, __global_pointer$
    .option pop
.endm

/* Common prologue of the macros: save ra, a0-a2 (the helper's arguments). */
.macro RT_SAVE
    addi sp, sp, -32
    sd ra, 0(sp)
    sd a0, 8(sp)
    sd a1, 16(sp)
    sd a2, 24(sp)
.endm
.macro RT_RESTORE
    ld ra, 0(sp)
    ld a0, 8(sp)
    ld a1, 16(sp)
    ld a2, 24(sp)
    addi sp, sp, 32
.endm

/* The name string lives in .rodata; a0 is loaded last because the value
 * register may itself be a0-a2 (it is copied before those are changed). */
.macro RT_NAME name
    .pushsection .rodata.str, "aMS", @progbits, 1
9:  .asciz "\name"
    .popsection
    lla a0, 9b
.endm

/* SHOW name, reg: print "name=<reg in hex>". */
.macro SHOW name, reg
    RT_SAVE
    mv a1, \reg
    RT_NAME \name
    call rt_show
    RT_RESTORE
.endm

/* EXPECT name, reg, value: like SHOW, and if reg != value also print
 * " FAIL want=<value>" and count a failure (the exit status). */
.macro EXPECT name, reg, value
    RT_SAVE
    mv a1, \reg
    li a2, \value
    RT_NAME \name
    call rt_expect
    RT_RESTORE
.endm

/* FSHOW name, freg: print all 64 bits of freg (so NaN-boxing of singles is
 * visible) and the accrued fflags as "fl=NZOUX" letters, then clear
 * fflags so the next operation's flags stand alone. */
.macro FSHOW name, freg
    RT_SAVE
    fmv.x.d a1, \freg
    csrr a2, fflags
    csrw fflags, zero
    RT_NAME \name
    call rt_showf
    RT_RESTORE
.endm

/* XSHOW name, reg: an integer result of an FP instruction (fcvt to int,
 * compares, fclass) with its flags, then clear fflags. */
.macro XSHOW name, reg
    RT_SAVE
    mv a1, \reg
    csrr a2, fflags
    csrw fflags, zero
    RT_NAME \name
    call rt_showf
    RT_RESTORE
.endm

/* SAY "text": print a text line (a section header in the output). */
.macro SAY text
    RT_SAVE
    RT_NAME "\text"
    call rt_puts
    RT_RESTORE
.endm

/* FLOAD freg, bits / DLOAD: put a raw bit pattern in an FP register
 * (through t6, saved around it).  A 32-bit pattern loaded with FLOAD is
 * NaN-boxed like flw would do. */
.macro FLOAD freg, bits
    addi sp, sp, -16
    sd t6, 0(sp)
    li t6, \bits
    fmv.w.x \freg, t6
    ld t6, 0(sp)
    addi sp, sp, 16
.endm
.macro DLOAD freg, bits
    addi sp, sp, -16
    sd t6, 0(sp)
    li t6, \bits
    fmv.d.x \freg, t6
    ld t6, 0(sp)
    addi sp, sp, 16
.endm

/* EXIT: exit with the number of failed EXPECTs as status. */
.macro EXIT
    j rt_exit
.endm

/* Rounding-mode sweeps for FP tests.  Each runs one instruction with every
 * static rounding mode (rne rtz rdn rup rmm) and then with the dynamic mode
 * under each frm value 0-4, printing result and flags after each as
 * "<name>_<mode>=...".  frm is left at 0 (rne) afterwards. */
.macro RM_SWEEP show, name, op, rd, args:vararg
    .irp rm, rne, rtz, rdn, rup, rmm
    \op \rd, \args, \rm
    \show \name\()_\rm, \rd
    .endr
    .irp frmv, 0, 1, 2, 3, 4
    csrwi frm, \frmv
    \op \rd, \args, dyn
    \show \name\()_dyn\frmv, \rd
    .endr
    csrwi frm, 0
.endm

/* FP result: FSWEEP name, op, fd, fs1[, fs2[, fs3]] */
.macro FSWEEP name, op, rd, args:vararg
    RM_SWEEP FSHOW, \name, \op, \rd, \args
.endm
/* Integer result (fcvt to integer): XSWEEP name, op, xd, fs1 */
.macro XSWEEP name, op, rd, args:vararg
    RM_SWEEP XSHOW, \name, \op, \rd, \args
.endm

/* The static rounding modes only (for long tables where the dynamic-mode
 * path is already covered by an FSWEEP/XSWEEP of the same instruction). */
.macro RM_STATIC show, name, op, rd, args:vararg
    .irp rm, rne, rtz, rdn, rup, rmm
    \op \rd, \args, \rm
    \show \name\()_\rm, \rd
    .endr
.endm

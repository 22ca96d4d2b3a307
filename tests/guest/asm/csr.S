/* CSR access: fflags (5 bits), frm (3 bits) and fcsr (frm << 5 | fflags)
 * through csrrw/csrrs/csrrc and the immediate forms, the old value
 * returned in rd, writes masked to the field width, the aliases seen
 * through each other, and csrrs/csrrc with x0 or a zero immediate reading
 * without writing.  Also checks that FP instructions accrue into fflags,
 * and that rdcycle/rdtime/rdinstret work from user mode (their values are
 * not printed, only sanity-checked).  Exit status: failed EXPECTs. */
#include "rvtest.h"

    START
    SAY "fflags"
    csrw fcsr, zero
    li t1, 0x3f                    /* only 5 bits exist */
    csrrw t0, fflags, t1
    EXPECT fflags_old, t0, 0
    csrr t0, fflags
    EXPECT fflags_masked, t0, 0x1f
    csrr t0, fcsr
    EXPECT fcsr_sees_fflags, t0, 0x1f
    li t1, 0x11
    csrrc t0, fflags, t1
    EXPECT csrrc_old, t0, 0x1f
    csrr t0, fflags
    EXPECT csrrc_new, t0, 0x0e
    csrrsi t0, fflags, 0x10
    EXPECT csrrsi_old, t0, 0x0e
    csrrci t0, fflags, 0x06
    EXPECT csrrci_old, t0, 0x1e
    csrrwi t0, fflags, 0x01
    EXPECT csrrwi_old, t0, 0x18
    csrrs t0, fflags, zero         /* reads, writes nothing */
    EXPECT csrrs_x0, t0, 0x01
    csrrci t0, fflags, 0
    EXPECT csrrci_0, t0, 0x01
    csrr t0, fflags
    EXPECT fflags_kept, t0, 0x01

    SAY "frm"
    csrwi fflags, 0
    li t1, 0xff                    /* only 3 bits exist */
    csrrw t0, frm, t1
    EXPECT frm_old, t0, 0
    csrr t0, frm
    EXPECT frm_masked, t0, 7
    csrr t0, fcsr
    EXPECT fcsr_sees_frm, t0, 0xe0
    csrrci t0, frm, 5
    EXPECT frm_csrrci_old, t0, 7
    csrr t0, frm
    EXPECT frm_csrrci_new, t0, 2
    csrrsi t0, frm, 1
    csrr t0, frm
    EXPECT frm_csrrsi_new, t0, 3
    fsrmi t0, 4                    /* the fsrm alias of csrrwi */
    EXPECT fsrmi_old, t0, 3
    frrm t0
    EXPECT frrm, t0, 4

    SAY "fcsr"
    li t1, 0xfff                   /* only 8 bits exist */
    csrrw t0, fcsr, t1
    EXPECT fcsr_old, t0, 0x80
    csrr t0, fcsr
    EXPECT fcsr_masked, t0, 0xff
    csrr t0, frm
    EXPECT fcsr_frm, t0, 7
    csrr t0, fflags
    EXPECT fcsr_fflags, t0, 0x1f
    li t1, 0x21
    csrrc t0, fcsr, t1
    csrr t0, fcsr
    EXPECT fcsr_csrrc, t0, 0xde
    li t1, 0x5a
    fscsr t0, t1
    EXPECT fscsr_old, t0, 0xde
    frcsr t0
    EXPECT frcsr, t0, 0x5a
    fsflagsi t0, 0
    EXPECT fsflagsi_old, t0, 0x1a
    frflags t0
    EXPECT frflags, t0, 0
    csrr t0, frm
    EXPECT frm_after_flags, t0, 2

    SAY "accrual"
    csrwi fcsr, 0
    li t1, 1
    fcvt.d.l ft0, t1
    li t1, 3
    fcvt.d.l ft1, t1
    fdiv.d ft2, ft0, ft1           /* NX */
    frflags t0
    EXPECT accrue_nx, t0, 0x01
    fmv.d.x ft3, zero
    fdiv.d ft2, ft0, ft3           /* DZ, NX stays */
    frflags t0
    EXPECT accrue_dz_nx, t0, 0x09
    fdiv.d ft2, ft3, ft3           /* NV */
    frflags t0
    EXPECT accrue_all, t0, 0x19
    csrr t0, fcsr
    EXPECT accrue_fcsr, t0, 0x19
    /* frm = rdn now affects a dyn-rounded operation */
    csrwi frm, 2
    fdiv.d ft2, ft0, ft1
    fmv.x.d t0, ft2
    EXPECT dyn_rdn, t0, 0x3fd5555555555555
    csrwi frm, 3
    fdiv.d ft2, ft0, ft1
    fmv.x.d t0, ft2
    EXPECT dyn_rup, t0, 0x3fd5555555555556
    csrwi fcsr, 0

    SAY "counters"
    rdcycle t0
    rdtime t1
    rdinstret t2
    rdtime t3
    sltu t4, t3, t1                /* time does not go backwards */
    EXPECT rdtime_monotonic, t4, 0
    rdinstret t3
    sltu t4, t3, t2
    EXPECT rdinstret_monotonic, t4, 0
    rdcycle t3
    sltu t4, t3, t0
    EXPECT rdcycle_monotonic, t4, 0
    EXIT

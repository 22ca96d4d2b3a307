/* FP min/max/compare/classify/sign-injection/moves, .s and .d.
 * fmin/fmax: a NaN operand yields the other operand, two NaNs the canonical
 * NaN, an sNaN raises NV, and -0 < +0.  feq is quiet (NV only for sNaN),
 * flt/fle signal NV for any NaN.  fclass of all ten classes, including an
 * unboxed single (reads as the canonical qNaN).  fsgnj/fsgnjn/fsgnjx with
 * NaN and zero operands (no flags, no canonicalization), fmv.x.w sign
 * extension and fmv.w.x boxing.  Exit status: number of failed EXPECTs. */
#include "rvtest.h"

#define S_ONE   0x3f800000
#define S_MONE  0xbf800000
#define S_P0    0x00000000
#define S_M0    0x80000000
#define S_QNAN  0x7fc00000
#define S_SNAN  0x7f800001
#define D_ONE   0x3ff0000000000000
#define D_MONE  0xbff0000000000000
#define D_P0    0x0000000000000000
#define D_M0    0x8000000000000000
#define D_QNAN  0x7ff8000000000000
#define D_SNAN  0x7ff0000000000001

/* BOTH op, load, name, a, b: result of op(a,b) and op(b,a) */
.macro MINMAX op, load, name, a, b
    \load fa0, \a
    \load fa1, \b
    \op ft0, fa0, fa1
    FSHOW \name\()_ab, ft0
    \op ft0, fa1, fa0
    FSHOW \name\()_ba, ft0
.endm

/* CMP load, sfx, name, a, b: feq, flt, fle of (a, b) */
.macro CMP load, sfx, name, a, b
    \load fa0, \a
    \load fa1, \b
    feq.\sfx t0, fa0, fa1
    XSHOW \name\()_eq, t0
    flt.\sfx t0, fa0, fa1
    XSHOW \name\()_lt, t0
    fle.\sfx t0, fa0, fa1
    XSHOW \name\()_le, t0
.endm

.macro CLASS load, sfx, name, bits, want
    \load fa0, \bits
    fclass.\sfx t0, fa0
    XSHOW class_\name, t0
    EXPECT class_\name\()_ok, t0, \want
.endm

    START
    csrw fflags, zero

    SAY "fmin/fmax .s"
    .irp op, fmin.s, fmax.s
    MINMAX \op, FLOAD, \op\()_1_m1, S_ONE, S_MONE
    MINMAX \op, FLOAD, \op\()_zeros, S_P0, S_M0
    MINMAX \op, FLOAD, \op\()_qnan, S_QNAN, S_ONE
    MINMAX \op, FLOAD, \op\()_snan, S_SNAN, S_ONE
    MINMAX \op, FLOAD, \op\()_2qnan, S_QNAN, 0xffc00001
    MINMAX \op, FLOAD, \op\()_snan_qnan, S_SNAN, S_QNAN
    MINMAX \op, FLOAD, \op\()_inf, 0x7f800000, 0xff800000
    .endr
    DLOAD fa0, D_ONE               /* unboxed operand is a NaN: other wins */
    FLOAD fa1, S_MONE
    fmin.s ft0, fa0, fa1
    FSHOW fmin_s_unboxed, ft0

    SAY "fmin/fmax .d"
    .irp op, fmin.d, fmax.d
    MINMAX \op, DLOAD, \op\()_1_m1, D_ONE, D_MONE
    MINMAX \op, DLOAD, \op\()_zeros, D_P0, D_M0
    MINMAX \op, DLOAD, \op\()_qnan, D_QNAN, D_ONE
    MINMAX \op, DLOAD, \op\()_snan, D_SNAN, D_ONE
    MINMAX \op, DLOAD, \op\()_2snan, D_SNAN, 0xfff0000000000001
    .endr

    SAY "compares .s"
    CMP FLOAD, s, s_1_2, S_ONE, 0x40000000
    CMP FLOAD, s, s_2_1, 0x40000000, S_ONE
    CMP FLOAD, s, s_eq, S_ONE, S_ONE
    CMP FLOAD, s, s_zeros, S_P0, S_M0
    CMP FLOAD, s, s_qnan, S_QNAN, S_ONE
    CMP FLOAD, s, s_snan, S_ONE, S_SNAN
    CMP FLOAD, s, s_inf, 0xff800000, 0x7f800000
    CMP FLOAD, s, s_sub, 0x00000001, 0x00000002

    SAY "compares .d"
    CMP DLOAD, d, d_1_2, D_ONE, 0x4000000000000000
    CMP DLOAD, d, d_eq, D_MONE, D_MONE
    CMP DLOAD, d, d_zeros, D_M0, D_P0
    CMP DLOAD, d, d_qnan, D_QNAN, D_QNAN
    CMP DLOAD, d, d_snan, D_SNAN, D_ONE
    CMP DLOAD, d, d_neg, 0xc000000000000000, D_MONE

    SAY "fclass.s"
    CLASS FLOAD, s, s_minf, 0xff800000, 0x001
    CLASS FLOAD, s, s_mnorm, S_MONE, 0x002
    CLASS FLOAD, s, s_msub, 0x80000001, 0x004
    CLASS FLOAD, s, s_m0, S_M0, 0x008
    CLASS FLOAD, s, s_p0, S_P0, 0x010
    CLASS FLOAD, s, s_psub, 0x007fffff, 0x020
    CLASS FLOAD, s, s_pnorm, 0x7f7fffff, 0x040
    CLASS FLOAD, s, s_pinf, 0x7f800000, 0x080
    CLASS FLOAD, s, s_snan, S_SNAN, 0x100
    CLASS FLOAD, s, s_msnan, 0xffbfffff, 0x100
    CLASS FLOAD, s, s_qnan, S_QNAN, 0x200
    CLASS FLOAD, s, s_mqnan, 0xffc00000, 0x200
    CLASS DLOAD, s, s_unboxed, 0x0000000000000000, 0x200

    SAY "fclass.d"
    CLASS DLOAD, d, d_minf, 0xfff0000000000000, 0x001
    CLASS DLOAD, d, d_mnorm, 0x8010000000000000, 0x002
    CLASS DLOAD, d, d_msub, 0x800fffffffffffff, 0x004
    CLASS DLOAD, d, d_m0, D_M0, 0x008
    CLASS DLOAD, d, d_p0, D_P0, 0x010
    CLASS DLOAD, d, d_psub, 0x0000000000000001, 0x020
    CLASS DLOAD, d, d_pnorm, D_ONE, 0x040
    CLASS DLOAD, d, d_pinf, 0x7ff0000000000000, 0x080
    CLASS DLOAD, d, d_snan, D_SNAN, 0x100
    CLASS DLOAD, d, d_qnan, D_QNAN, 0x200
    CLASS FLOAD, d, d_boxed_single, S_ONE, 0x200

    SAY "sign injection"
    FLOAD fa0, 0x7fc12345          /* a NaN payload passes through */
    FLOAD fa1, S_MONE
    fsgnj.s ft0, fa0, fa1
    FSHOW fsgnj_s_nan, ft0
    fsgnjn.s ft0, fa0, fa1
    FSHOW fsgnjn_s_nan, ft0
    fsgnjx.s ft0, fa1, fa1         /* - xor - = + */
    FSHOW fsgnjx_s, ft0
    fneg.s ft0, fa0
    FSHOW fneg_s_nan, ft0
    fabs.s ft0, fa1
    FSHOW fabs_s, ft0
    FLOAD fa2, S_SNAN              /* no NV, no quieting */
    fmv.s ft0, fa2
    FSHOW fmv_s_snan, ft0
    DLOAD fa3, 0x00000000bf800000  /* unboxed input acts as canonical NaN */
    fsgnj.s ft0, fa3, fa1
    FSHOW fsgnj_s_unboxed, ft0
    fsgnjx.s ft0, fa1, fa3         /* - xor + (canonical NaN) = - */
    FSHOW fsgnjx_s_unboxed, ft0
    DLOAD fa0, D_SNAN
    DLOAD fa1, D_M0
    fsgnj.d ft0, fa0, fa1
    FSHOW fsgnj_d_snan, ft0
    fsgnjn.d ft0, fa1, fa1
    FSHOW fsgnjn_d, ft0
    fsgnjx.d ft0, fa1, fa1
    FSHOW fsgnjx_d, ft0
    fabs.d ft0, fa1
    FSHOW fabs_d, ft0

    SAY "moves"
    FLOAD fa0, 0x80000001
    fmv.x.w t0, fa0
    XSHOW fmv_x_w_neg, t0
    EXPECT fmv_x_w_neg_sext, t0, 0xffffffff80000001
    FLOAD fa0, 0x7fffffff
    fmv.x.w t0, fa0
    EXPECT fmv_x_w_pos, t0, 0x7fffffff
    li t1, 0xabcdef0112345678      /* fmv.w.x takes the low 32 bits, boxes */
    fmv.w.x ft0, t1
    fmv.x.d t0, ft0
    EXPECT fmv_w_x_boxed, t0, 0xffffffff12345678
    fmv.d.x ft0, t1
    fmv.x.d t0, ft0
    EXPECT fmv_d_x, t0, 0xabcdef0112345678
    EXIT

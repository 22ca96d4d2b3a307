/* F extension, single precision: fadd/fsub/fmul/fdiv/fsqrt under every
 * rounding mode (static and dynamic through frm), printing the result's
 * 64 register bits and fflags after each.  Covers inexact ties, overflow
 * to inf or to the largest finite value depending on the mode, underflow
 * with tininess detected after rounding, exact subnormals (no flags),
 * division by zero, invalid operations, canonical NaN results, signed
 * zeros, and NaN-boxing (an unboxed value reads as the canonical NaN).
 * Exit status: number of failed EXPECTs (the spec-fixed cases). */
#include "rvtest.h"

#define ONE      0x3f800000
#define TWO      0x40000000
#define THREE    0x40400000
#define HALFULP  0x33800000   /* 2^-24: half an ulp of 1.0 */
#define TQULP    0x33c00000   /* 1.5 * 2^-24: three quarters of an ulp */
#define FMAX     0x7f7fffff
#define FMINN    0x00800000   /* smallest normal 2^-126 */
#define INF      0x7f800000
#define QNAN     0x7fc00000
#define SNAN     0x7f800001
#define CANON    0xffffffff7fc00000

    START
    csrw fflags, zero
    csrwi frm, 0

    SAY "fadd.s"
    FLOAD fa0, ONE
    FLOAD fa1, TQULP
    FSWEEP add_3q, fadd.s, ft0, fa0, fa1
    FLOAD fa1, HALFULP
    FSWEEP add_tie, fadd.s, ft0, fa0, fa1
    FLOAD fa2, 0xbf800000       /* -1 */
    FLOAD fa3, 0xb3800000       /* -2^-24 */
    FSWEEP add_neg_tie, fadd.s, ft0, fa2, fa3
    FLOAD fa0, FMAX
    FSWEEP add_ovf, fadd.s, ft0, fa0, fa0
    FLOAD fa1, 0xff7fffff
    FSWEEP add_novf, fadd.s, ft0, fa1, fa1
    /* x + (-x) is +0 except under rdn, where it is -0 */
    FLOAD fa0, THREE
    FLOAD fa1, 0xc0400000
    FSWEEP add_cancel, fadd.s, ft0, fa0, fa1
    FLOAD fa0, 0x3fc00000       /* 1.5 + 2.25 = 3.75 exactly */
    FLOAD fa1, 0x40100000
    fadd.s ft0, fa0, fa1
    FSHOW add_exact, ft0
    FLOAD fa0, INF
    FLOAD fa1, 0xff800000
    fadd.s ft0, fa0, fa1
    FSHOW add_inf_minf, ft0
    fmv.x.d t0, ft0
    EXPECT add_inf_minf_canon, t0, CANON
    FLOAD fa0, SNAN
    FLOAD fa1, ONE
    fadd.s ft0, fa0, fa1
    FSHOW add_snan, ft0
    FLOAD fa0, 0xffc12345       /* a qNaN with payload: result canonical */
    fadd.s ft0, fa1, fa0
    FSHOW add_qnan_payload, ft0
    fmv.x.d t0, ft0
    EXPECT add_qnan_canon, t0, CANON
    FLOAD fa0, 0x80000000       /* -0 + -0 = -0 */
    fadd.s ft0, fa0, fa0
    FSHOW add_m0_m0, ft0
    FLOAD fa0, 0x00000001       /* subnormal sums are exact */
    FLOAD fa1, 0x007fffff
    fadd.s ft0, fa0, fa1
    FSHOW add_sub_to_normal, ft0

    SAY "fsub.s"
    FLOAD fa0, ONE
    FLOAD fa1, 0x33000000       /* 2^-25: a quarter ulp below 1 */
    FSWEEP sub_quarter, fsub.s, ft0, fa0, fa1
    FLOAD fa0, FMAX
    FLOAD fa1, 0xff7fffff
    FSWEEP sub_ovf, fsub.s, ft0, fa0, fa1
    FLOAD fa0, TWO
    fsub.s ft0, fa0, fa0
    FSHOW sub_self, ft0
    fsub.s ft0, fa0, fa0, rdn
    FSHOW sub_self_rdn, ft0
    FLOAD fa0, INF
    fsub.s ft0, fa0, fa0
    FSHOW sub_inf_inf, ft0

    SAY "fmul.s"
    FLOAD fa0, 0x3f800001       /* (1+2^-23)^2 = 1 + 2^-22 + 2^-46 */
    FSWEEP mul_inexact, fmul.s, ft0, fa0, fa0
    FLOAD fa1, 0xbf800001
    FSWEEP mul_neg_inexact, fmul.s, ft0, fa0, fa1
    FLOAD fa0, 0x0d800000       /* 2^-100 * 2^-40 = 2^-140: exact subnormal */
    FLOAD fa1, 0x2b800000
    fmul.s ft0, fa0, fa1
    FSHOW mul_exact_subnormal, ft0
    FLOAD fa1, 0x2b800001       /* ... (1+2^-23): tiny and inexact */
    FSWEEP mul_underflow, fmul.s, ft0, fa0, fa1
    /* tiny before rounding, but rounds (24 bits, unbounded exponent) to
     * exactly 2^-126: RISC-V detects tininess after rounding, so rne
     * gives the smallest normal with NX and no UF, rtz stays tiny. */
    FLOAD fa0, 0x3f7ffffe
    FLOAD fa1, 0x00800001
    FSWEEP mul_tiny_after, fmul.s, ft0, fa0, fa1
    /* 2^-126 * (1-2^-24): tiny after rounding too, rounds up to 2^-126 */
    FLOAD fa0, FMINN
    FLOAD fa1, 0x3f7fffff
    FSWEEP mul_tiny_tie, fmul.s, ft0, fa0, fa1
    FLOAD fa0, 0x00000001       /* smallest subnormal squared -> 0 */
    FSWEEP mul_to_zero, fmul.s, ft0, fa0, fa0
    FLOAD fa0, 0x7f000000       /* 2^127 * 4 overflows */
    FLOAD fa1, 0x40800000
    FSWEEP mul_ovf, fmul.s, ft0, fa0, fa1
    FLOAD fa0, INF
    FLOAD fa1, 0x80000000
    fmul.s ft0, fa0, fa1
    FSHOW mul_inf_zero, ft0
    FLOAD fa0, 0xc0000000       /* -2 * +0 = -0 */
    FLOAD fa1, 0x00000000
    fmul.s ft0, fa0, fa1
    FSHOW mul_neg_zero, ft0

    SAY "fdiv.s"
    FLOAD fa0, ONE
    FLOAD fa1, THREE
    FSWEEP div_third, fdiv.s, ft0, fa0, fa1
    FLOAD fa0, 0xbf800000
    FSWEEP div_mthird, fdiv.s, ft0, fa0, fa1
    FLOAD fa0, ONE
    FLOAD fa1, 0x00000000
    fdiv.s ft0, fa0, fa1
    FSHOW div_by_zero, ft0
    FLOAD fa1, 0x80000000
    fdiv.s ft0, fa0, fa1
    FSHOW div_by_mzero, ft0
    FLOAD fa0, 0x00000000
    fdiv.s ft0, fa0, fa1
    FSHOW div_0_0, ft0
    fmv.x.d t0, ft0
    EXPECT div_0_0_canon, t0, CANON
    FLOAD fa0, INF
    fdiv.s ft0, fa0, fa0
    FSHOW div_inf_inf, ft0
    FLOAD fa1, ONE
    fdiv.s ft0, fa1, fa0
    FSHOW div_1_inf, ft0
    FLOAD fa0, FMAX
    FLOAD fa1, 0x3e800000       /* /0.25 overflows */
    FSWEEP div_ovf, fdiv.s, ft0, fa0, fa1
    FLOAD fa0, FMINN
    FLOAD fa1, 0x40400000       /* 2^-126 / 3: subnormal, inexact */
    FSWEEP div_underflow, fdiv.s, ft0, fa0, fa1
    FLOAD fa0, SNAN
    FLOAD fa1, 0x00000000
    fdiv.s ft0, fa0, fa1        /* sNaN beats divide-by-zero: NV only */
    FSHOW div_snan_0, ft0

    SAY "fsqrt.s"
    FLOAD fa0, TWO
    FSWEEP sqrt2, fsqrt.s, ft0, fa0
    FLOAD fa0, 0x40800000
    fsqrt.s ft0, fa0
    FSHOW sqrt4, ft0
    FLOAD fa0, 0xbf800000
    fsqrt.s ft0, fa0
    FSHOW sqrt_m1, ft0
    fmv.x.d t0, ft0
    EXPECT sqrt_m1_canon, t0, CANON
    FLOAD fa0, 0x80000000
    fsqrt.s ft0, fa0
    FSHOW sqrt_m0, ft0
    fmv.x.d t0, ft0
    EXPECT sqrt_m0_is_m0, t0, 0xffffffff80000000
    FLOAD fa0, INF
    fsqrt.s ft0, fa0
    FSHOW sqrt_inf, ft0
    FLOAD fa0, 0xff800000
    fsqrt.s ft0, fa0
    FSHOW sqrt_minf, ft0
    FLOAD fa0, SNAN
    fsqrt.s ft0, fa0
    FSHOW sqrt_snan, ft0
    FLOAD fa0, 0x00000003       /* sqrt of a subnormal is normal, inexact */
    FSWEEP sqrt_sub, fsqrt.s, ft0, fa0

    SAY "NaN-boxing"
    /* a double in the register: not a valid boxed single -> canonical NaN,
     * and as a quiet NaN it raises no flag */
    DLOAD fa0, 0x3ff0000000000000
    FLOAD fa1, ONE
    fadd.s ft0, fa0, fa1
    FSHOW unboxed_add, ft0
    fmv.x.d t0, ft0
    EXPECT unboxed_add_canon, t0, CANON
    DLOAD fa0, 0xfffffffe3f800000  /* upper bits not all ones */
    fmul.s ft0, fa0, fa1
    FSHOW almost_boxed_mul, ft0
    DLOAD fa0, 0xffffffff3f800000  /* properly boxed 1.0 */
    fmul.s ft0, fa0, fa1
    FSHOW boxed_mul, ft0
    DLOAD fa0, 0x0000000040000000
    fsqrt.s ft0, fa0
    FSHOW unboxed_sqrt, ft0
    fdiv.s ft0, fa1, fa0
    FSHOW unboxed_div, ft0
    /* fmv.x.w moves the low 32 bits as they are, sign-extended */
    fmv.x.w t0, fa0
    XSHOW unboxed_fmv_x_w, t0
    EXPECT fmv_x_w_low_bits, t0, 0x40000000
    DLOAD fa0, 0x12345678bf800000
    fmv.x.w t0, fa0
    EXPECT fmv_x_w_neg_sext, t0, 0xffffffffbf800000
    /* flags accrue until cleared */
    FLOAD fa0, ONE
    FLOAD fa1, THREE
    fdiv.s ft0, fa0, fa1
    FLOAD fa2, 0x00000000
    fdiv.s ft0, fa0, fa2
    csrr t0, fflags
    EXPECT flags_accrue, t0, 0x09
    csrw fflags, zero
    EXIT

/* D extension: the double-precision twin of fsingle.S.  fadd/fsub/fmul/
 * fdiv/fsqrt .d under every rounding mode (static and via frm) with result
 * bits and fflags after each: ties, overflow to inf or the largest finite
 * value, underflow with tininess after rounding, exact subnormals, division
 * by zero, invalid operations, canonical NaN (0x7ff8000000000000), signed
 * zeros.  Exit status: number of failed EXPECTs. */
#include "rvtest.h"

#define ONE      0x3ff0000000000000
#define MONE     0xbff0000000000000
#define TWO      0x4000000000000000
#define THREE    0x4008000000000000
#define HALFULP  0x3ca0000000000000   /* 2^-53 */
#define TQULP    0x3ca8000000000000   /* 1.5 * 2^-53 */
#define DMAX     0x7fefffffffffffff
#define DMINN    0x0010000000000000   /* 2^-1022 */
#define INF      0x7ff0000000000000
#define NINF     0xfff0000000000000
#define SNAN     0x7ff0000000000001
#define CANON    0x7ff8000000000000

    START
    csrw fflags, zero
    csrwi frm, 0

    SAY "fadd.d"
    DLOAD fa0, ONE
    DLOAD fa1, TQULP
    FSWEEP add_3q, fadd.d, ft0, fa0, fa1
    DLOAD fa1, HALFULP
    FSWEEP add_tie, fadd.d, ft0, fa0, fa1
    DLOAD fa2, MONE
    DLOAD fa3, 0xbca0000000000000
    FSWEEP add_neg_tie, fadd.d, ft0, fa2, fa3
    DLOAD fa0, DMAX
    FSWEEP add_ovf, fadd.d, ft0, fa0, fa0
    DLOAD fa1, 0xffefffffffffffff
    FSWEEP add_novf, fadd.d, ft0, fa1, fa1
    DLOAD fa0, THREE
    DLOAD fa1, 0xc008000000000000
    FSWEEP add_cancel, fadd.d, ft0, fa0, fa1
    DLOAD fa0, 0x3ff8000000000000
    DLOAD fa1, 0x4002000000000000
    fadd.d ft0, fa0, fa1
    FSHOW add_exact, ft0
    DLOAD fa0, INF
    DLOAD fa1, NINF
    fadd.d ft0, fa0, fa1
    FSHOW add_inf_minf, ft0
    fmv.x.d t0, ft0
    EXPECT add_inf_minf_canon, t0, CANON
    DLOAD fa0, SNAN
    DLOAD fa1, ONE
    fadd.d ft0, fa0, fa1
    FSHOW add_snan, ft0
    DLOAD fa0, 0xfff8123456789abc
    fadd.d ft0, fa1, fa0
    FSHOW add_qnan_payload, ft0
    fmv.x.d t0, ft0
    EXPECT add_qnan_canon, t0, CANON
    DLOAD fa0, 0x8000000000000000
    fadd.d ft0, fa0, fa0
    FSHOW add_m0_m0, ft0
    DLOAD fa0, 0x0000000000000001
    DLOAD fa1, 0x000fffffffffffff
    fadd.d ft0, fa0, fa1
    FSHOW add_sub_to_normal, ft0

    SAY "fsub.d"
    DLOAD fa0, ONE
    DLOAD fa1, 0x3c90000000000000   /* 2^-54 */
    FSWEEP sub_quarter, fsub.d, ft0, fa0, fa1
    DLOAD fa0, DMAX
    DLOAD fa1, 0xffefffffffffffff
    FSWEEP sub_ovf, fsub.d, ft0, fa0, fa1
    DLOAD fa0, TWO
    fsub.d ft0, fa0, fa0
    FSHOW sub_self, ft0
    fsub.d ft0, fa0, fa0, rdn
    FSHOW sub_self_rdn, ft0
    DLOAD fa0, INF
    fsub.d ft0, fa0, fa0
    FSHOW sub_inf_inf, ft0

    SAY "fmul.d"
    DLOAD fa0, 0x3ff0000000000001
    FSWEEP mul_inexact, fmul.d, ft0, fa0, fa0
    DLOAD fa1, 0xbff0000000000001
    FSWEEP mul_neg_inexact, fmul.d, ft0, fa0, fa1
    DLOAD fa0, 0x1ff0000000000000   /* 2^-512 * 2^-530 = 2^-1042: exact */
    DLOAD fa1, 0x1ed0000000000000
    fmul.d ft0, fa0, fa1
    FSHOW mul_exact_subnormal, ft0
    DLOAD fa1, 0x1ed0000000000001
    FSWEEP mul_underflow, fmul.d, ft0, fa0, fa1
    DLOAD fa0, 0x3feffffffffffffe   /* (1-2^-52) * 2^-1022(1+2^-52) */
    DLOAD fa1, 0x0010000000000001
    FSWEEP mul_tiny_after, fmul.d, ft0, fa0, fa1
    DLOAD fa0, DMINN
    DLOAD fa1, 0x3fefffffffffffff
    FSWEEP mul_tiny_tie, fmul.d, ft0, fa0, fa1
    DLOAD fa0, 0x0000000000000001
    FSWEEP mul_to_zero, fmul.d, ft0, fa0, fa0
    DLOAD fa0, 0x7fe0000000000000
    DLOAD fa1, 0x4010000000000000
    FSWEEP mul_ovf, fmul.d, ft0, fa0, fa1
    DLOAD fa0, INF
    DLOAD fa1, 0x8000000000000000
    fmul.d ft0, fa0, fa1
    FSHOW mul_inf_zero, ft0
    DLOAD fa0, 0xc000000000000000
    DLOAD fa1, 0
    fmul.d ft0, fa0, fa1
    FSHOW mul_neg_zero, ft0

    SAY "fdiv.d"
    DLOAD fa0, ONE
    DLOAD fa1, THREE
    FSWEEP div_third, fdiv.d, ft0, fa0, fa1
    DLOAD fa0, MONE
    FSWEEP div_mthird, fdiv.d, ft0, fa0, fa1
    DLOAD fa0, ONE
    DLOAD fa1, 0
    fdiv.d ft0, fa0, fa1
    FSHOW div_by_zero, ft0
    DLOAD fa1, 0x8000000000000000
    fdiv.d ft0, fa0, fa1
    FSHOW div_by_mzero, ft0
    DLOAD fa0, 0
    fdiv.d ft0, fa0, fa1
    FSHOW div_0_0, ft0
    fmv.x.d t0, ft0
    EXPECT div_0_0_canon, t0, CANON
    DLOAD fa0, INF
    fdiv.d ft0, fa0, fa0
    FSHOW div_inf_inf, ft0
    DLOAD fa1, ONE
    fdiv.d ft0, fa1, fa0
    FSHOW div_1_inf, ft0
    DLOAD fa0, DMAX
    DLOAD fa1, 0x3fd0000000000000
    FSWEEP div_ovf, fdiv.d, ft0, fa0, fa1
    DLOAD fa0, DMINN
    DLOAD fa1, THREE
    FSWEEP div_underflow, fdiv.d, ft0, fa0, fa1
    DLOAD fa0, SNAN
    DLOAD fa1, 0
    fdiv.d ft0, fa0, fa1
    FSHOW div_snan_0, ft0

    SAY "fsqrt.d"
    DLOAD fa0, TWO
    FSWEEP sqrt2, fsqrt.d, ft0, fa0
    DLOAD fa0, 0x4010000000000000
    fsqrt.d ft0, fa0
    FSHOW sqrt4, ft0
    DLOAD fa0, MONE
    fsqrt.d ft0, fa0
    FSHOW sqrt_m1, ft0
    fmv.x.d t0, ft0
    EXPECT sqrt_m1_canon, t0, CANON
    DLOAD fa0, 0x8000000000000000
    fsqrt.d ft0, fa0
    FSHOW sqrt_m0, ft0
    fmv.x.d t0, ft0
    EXPECT sqrt_m0_is_m0, t0, 0x8000000000000000
    DLOAD fa0, INF
    fsqrt.d ft0, fa0
    FSHOW sqrt_inf, ft0
    DLOAD fa0, NINF
    fsqrt.d ft0, fa0
    FSHOW sqrt_minf, ft0
    DLOAD fa0, SNAN
    fsqrt.d ft0, fa0
    FSHOW sqrt_snan, ft0
    DLOAD fa0, 0x0000000000000003
    FSWEEP sqrt_sub, fsqrt.d, ft0, fa0

    SAY "singles are not doubles"
    /* a NaN-boxed single read as a double is just a NaN bit pattern */
    FLOAD fa0, 0x3f800000
    DLOAD fa1, ONE
    fadd.d ft0, fa0, fa1
    FSHOW boxed_single_as_double, ft0
    fmv.x.d t0, ft0
    EXPECT boxed_single_as_double_canon, t0, CANON
    EXIT

/* Fused multiply-add: fmadd/fmsub/fnmadd/fnmsub in .s and .d.  The
 * product is not rounded before the add (a*a - round(a*a) gives the exact
 * error term), inf*0 + qNaN still raises invalid, signs of zero results
 * for each variant and rounding mode, overflow and underflow, and rounding
 * modes on a result that needs rounding.  Exit status: failed EXPECTs. */
#include "rvtest.h"

    START
    csrw fflags, zero
    csrwi frm, 0

    SAY "single rounding (.s)"
    FLOAD fa0, 0x3f800001          /* a = 1 + 2^-23 */
    FLOAD fa2, 0x3f800002          /* round(a*a) = 1 + 2^-22 */
    fmsub.s ft0, fa0, fa0, fa2     /* exact: 2^-46 */
    FSHOW fmsub_err_s, ft0
    fmv.x.d t0, ft0
    EXPECT fmsub_err_s_exact, t0, 0xffffffff28800000
    fmul.s ft1, fa0, fa0           /* unfused: the error term is lost */
    fsub.s ft0, ft1, fa2
    FSHOW mul_sub_s, ft0
    fnmadd.s ft0, fa0, fa0, fa2    /* -(a*a) - c */
    FSHOW fnmadd_s, ft0
    fnmsub.s ft0, fa0, fa0, fa2    /* -(a*a) + c = -2^-46 */
    FSHOW fnmsub_err_s, ft0

    SAY "single rounding (.d)"
    DLOAD fa0, 0x3ff0000000000001
    DLOAD fa2, 0x3ff0000000000002
    fmsub.d ft0, fa0, fa0, fa2
    FSHOW fmsub_err_d, ft0
    fmv.x.d t0, ft0
    EXPECT fmsub_err_d_exact, t0, 0x3970000000000000
    fnmsub.d ft0, fa0, fa0, fa2
    FSHOW fnmsub_err_d, ft0

    SAY "rounding modes"
    /* 1 * (1+2^-23) + 2^-24: the exact sum is 1 + 1.5 ulp */
    FLOAD fa0, 0x3f800000
    FLOAD fa1, 0x3f800001
    FLOAD fa2, 0x33800000
    FSWEEP fmadd_s, fmadd.s, ft0, fa0, fa1, fa2
    FSWEEP fnmadd_s, fnmadd.s, ft0, fa0, fa1, fa2
    FSWEEP fmsub_s, fmsub.s, ft0, fa0, fa1, fa2
    FSWEEP fnmsub_s, fnmsub.s, ft0, fa0, fa1, fa2
    /* 3 * (1/3 rounded) - 1: tiny nonzero residual */
    DLOAD fa0, 0x4008000000000000
    DLOAD fa1, 0x3fd5555555555555
    DLOAD fa2, 0x3ff0000000000000
    FSWEEP fmsub_third_d, fmsub.d, ft0, fa0, fa1, fa2
    /* a sum needing rounding in .d */
    DLOAD fa0, 0x3ff0000000000001
    DLOAD fa1, 0x3ff0000000000001
    DLOAD fa2, 0x3ca0000000000000
    FSWEEP fmadd_d, fmadd.d, ft0, fa0, fa1, fa2
    FSWEEP fnmadd_d, fnmadd.d, ft0, fa0, fa1, fa2

    SAY "signed zeros"
    /* (+0 * -1) + +0: exact zero sum of opposite signs -> +0, -0 in rdn */
    FLOAD fa0, 0x00000000
    FLOAD fa1, 0xbf800000
    FSWEEP fmadd_zero_s, fmadd.s, ft0, fa0, fa1, fa0
    FSWEEP fnmadd_zero_s, fnmadd.s, ft0, fa0, fa1, fa0
    FSWEEP fmsub_zero_s, fmsub.s, ft0, fa0, fa1, fa0
    FSWEEP fnmsub_zero_s, fnmsub.s, ft0, fa0, fa1, fa0
    DLOAD fa0, 0
    DLOAD fa1, 0x3ff0000000000000
    fnmadd.d ft0, fa0, fa1, fa0    /* -(0*1) - 0 = -0 */
    FSHOW fnmadd_zero_d, ft0
    fnmsub.d ft0, fa0, fa1, fa0    /* -(0*1) + 0 = +0 */
    FSHOW fnmsub_zero_d, ft0
    /* 1*1 - 1 = +0, but -0 under rdn */
    DLOAD fa0, 0x3ff0000000000000
    FSWEEP fmsub_exact_zero_d, fmsub.d, ft0, fa0, fa0, fa0

    SAY "NaN and invalid"
    FLOAD fa0, 0x7f800000          /* inf */
    FLOAD fa1, 0x00000000
    FLOAD fa2, 0x7fc00000          /* qNaN */
    fmadd.s ft0, fa0, fa1, fa2     /* inf*0 + qNaN: invalid even so */
    FSHOW inf0_qnan_s, ft0
    FLOAD fa2, 0x3f800000
    fmadd.s ft0, fa0, fa1, fa2
    FSHOW inf0_one_s, ft0
    FLOAD fa2, 0xff800000          /* inf*1 + -inf */
    FLOAD fa1, 0x3f800000
    fmadd.s ft0, fa0, fa1, fa2
    FSHOW inf_minf_s, ft0
    FLOAD fa2, 0x7fc00000          /* 1*1 + qNaN: quiet, no flag */
    fmadd.s ft0, fa1, fa1, fa2
    FSHOW one_qnan_s, ft0
    FLOAD fa2, 0x7f800001          /* 1*1 + sNaN */
    fmadd.s ft0, fa1, fa1, fa2
    FSHOW one_snan_s, ft0
    DLOAD fa0, 0xfff0000000000000
    DLOAD fa1, 0x8000000000000000
    DLOAD fa2, 0x7ff8000000000000
    fmadd.d ft0, fa0, fa1, fa2
    FSHOW inf0_qnan_d, ft0
    fnmsub.d ft0, fa0, fa1, fa2
    FSHOW inf0_qnan_fnmsub_d, ft0
    DLOAD fa2, 0x7ff0000000000001
    DLOAD fa1, 0x3ff0000000000000
    fnmadd.d ft0, fa1, fa1, fa2
    FSHOW one_snan_d, ft0
    /* unboxed single operand in fma: canonical NaN */
    DLOAD fa0, 0x3ff0000000000000
    FLOAD fa1, 0x3f800000
    fmadd.s ft0, fa0, fa1, fa1
    FSHOW unboxed_fma_s, ft0

    SAY "overflow/underflow"
    FLOAD fa0, 0x7f7fffff
    FLOAD fa1, 0x40000000
    FLOAD fa2, 0xff7fffff
    fmadd.s ft0, fa0, fa1, fa2     /* max*2 - max = max: no overflow */
    FSHOW fused_no_ovf_s, ft0
    FSWEEP fmadd_ovf_s, fmadd.s, ft0, fa0, fa1, fa0
    DLOAD fa0, 0x0010000000000000
    DLOAD fa1, 0x3fe0000000000001
    DLOAD fa2, 0x8000000000000001
    FSWEEP fmadd_uf_d, fmadd.d, ft0, fa0, fa1, fa2
    EXIT

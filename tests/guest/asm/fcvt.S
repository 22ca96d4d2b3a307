/* FP conversions.  fcvt.{w,wu,l,lu}.{s,d}: rounding of fractions (ties,
 * negatives) in every mode, saturation with NV on NaN, +-inf and
 * out-of-range values, NX (not NV) when a negative fraction rounds to 0 for
 * an unsigned target, the W forms' sign extension.  int -> float with
 * rounding, upper bits of W sources ignored.  fcvt.s.d rounding, overflow
 * and NaNs; fcvt.d.s exact, sNaN quieted with NV, unboxed input.
 * Exit status: number of failed EXPECTs (the saturation values). */
#include "rvtest.h"

/* TOINT name, freg: the four integer conversions of one value, all static
 * rounding modes.  SFX is s or d, set before use. */
.macro TOINT sfx, name, freg
    RM_STATIC XSHOW, \name\()_w, fcvt.w.\sfx, t0, \freg
    RM_STATIC XSHOW, \name\()_wu, fcvt.wu.\sfx, t0, \freg
    RM_STATIC XSHOW, \name\()_l, fcvt.l.\sfx, t0, \freg
    RM_STATIC XSHOW, \name\()_lu, fcvt.lu.\sfx, t0, \freg
.endm

    START
    csrw fflags, zero
    csrwi frm, 0

    SAY "single -> int"
    FLOAD fa0, 0x40200000          /* 2.5 */
    TOINT s, p2_5, fa0
    FLOAD fa0, 0xc0200000          /* -2.5 */
    TOINT s, m2_5, fa0
    FLOAD fa0, 0x3fc00000          /* 1.5 */
    XSWEEP p1_5_w, fcvt.w.s, t0, fa0
    FLOAD fa0, 0xbecccccd          /* -0.4: unsigned gets 0 with NX only */
    TOINT s, m0_4, fa0
    FLOAD fa0, 0xbf800000          /* -1.0: unsigned invalid */
    TOINT s, m1, fa0
    FLOAD fa0, 0x80000000          /* -0.0 */
    TOINT s, m0, fa0
    FLOAD fa0, 0x4f000000          /* 2^31: just out of w range */
    TOINT s, p2_31, fa0
    FLOAD fa0, 0xcf000000          /* -2^31: in range for w */
    TOINT s, m2_31, fa0
    FLOAD fa0, 0x4f800000          /* 2^32: out of wu range */
    TOINT s, p2_32, fa0
    FLOAD fa0, 0x5f000000          /* 2^63 */
    TOINT s, p2_63, fa0
    FLOAD fa0, 0x5f800000          /* 2^64 */
    TOINT s, p2_64, fa0
    FLOAD fa0, 0x7f800000          /* +inf */
    TOINT s, pinf, fa0
    FLOAD fa0, 0xff800000          /* -inf */
    TOINT s, minf, fa0
    FLOAD fa0, 0x7fc00000          /* qNaN */
    TOINT s, qnan, fa0
    FLOAD fa0, 0xffc00000          /* negative NaN: still "max" */
    TOINT s, mnan, fa0
    FLOAD fa0, 0x7f800001          /* sNaN */
    fcvt.w.s t0, fa0, rtz
    XSHOW snan_w, t0
    EXPECT snan_w_sat, t0, 0x7fffffff
    DLOAD fa0, 0x3ff0000000000000  /* unboxed: converts the canonical NaN */
    fcvt.w.s t0, fa0, rtz
    XSHOW unboxed_w, t0
    EXPECT unboxed_w_sat, t0, 0x7fffffff

    SAY "double -> int"
    DLOAD fa0, 0x4004000000000000  /* 2.5 */
    TOINT d, p2_5, fa0
    DLOAD fa0, 0xc004000000000000
    TOINT d, m2_5, fa0
    DLOAD fa0, 0x3ff8000000000000  /* 1.5 */
    XSWEEP p1_5_l, fcvt.l.d, t0, fa0
    DLOAD fa0, 0x41dfffffffc00000  /* 2^31 - 1 + 0.0 : 2147483647.0 */
    TOINT d, max_w, fa0
    DLOAD fa0, 0x41dfffffffe00000  /* 2147483647.5 */
    TOINT d, max_w_half, fa0
    DLOAD fa0, 0xc1e0000000100000  /* -2147483648.5 */
    TOINT d, min_w_half, fa0
    DLOAD fa0, 0x41efffffffe00000  /* 4294967295.0 */
    TOINT d, max_wu, fa0
    DLOAD fa0, 0x43dfffffffffffff  /* largest double below 2^63 */
    TOINT d, below_2_63, fa0
    DLOAD fa0, 0x43e0000000000000  /* 2^63 */
    TOINT d, p2_63, fa0
    DLOAD fa0, 0xc3e0000000000000  /* -2^63 */
    TOINT d, m2_63, fa0
    DLOAD fa0, 0x43efffffffffffff  /* largest double below 2^64 */
    TOINT d, below_2_64, fa0
    DLOAD fa0, 0xbfe0000000000000  /* -0.5 */
    TOINT d, m0_5, fa0
    DLOAD fa0, 0x7ff0000000000000
    TOINT d, pinf, fa0
    DLOAD fa0, 0xfff0000000000000
    TOINT d, minf, fa0
    DLOAD fa0, 0x7ff8000000000000
    TOINT d, qnan, fa0
    DLOAD fa0, 0x7ff0000000000001
    fcvt.l.d t0, fa0, rtz
    XSHOW snan_l, t0
    EXPECT snan_l_sat, t0, 0x7fffffffffffffff
    fcvt.lu.d t0, fa0, rtz
    EXPECT snan_lu_sat, t0, -1
    fcvt.wu.d t0, fa0, rtz
    EXPECT snan_wu_sat, t0, -1
    DLOAD fa0, 0xfff0000000000000
    fcvt.w.d t0, fa0, rtz
    EXPECT minf_w_sat, t0, 0xffffffff80000000
    fcvt.lu.d t0, fa0, rtz
    EXPECT minf_lu_sat, t0, 0

    SAY "int -> single"
    li s0, 0x7fffffff
    RM_STATIC FSHOW, w_max_s, fcvt.s.w, ft0, s0
    li s0, 0x1000001               /* 2^24 + 1: a tie */
    FSWEEP w_tie_s, fcvt.s.w, ft0, s0
    li s0, -0x1000003
    RM_STATIC FSHOW, w_mtie_s, fcvt.s.w, ft0, s0
    li s0, 0x12345678ffffffff      /* w uses the low 32 bits: -1 */
    fcvt.s.w ft0, s0
    FSHOW w_low32_s, ft0
    fcvt.s.wu ft0, s0              /* 4294967295 */
    FSHOW wu_low32_s, ft0
    RM_STATIC FSHOW, wu_max_s, fcvt.s.wu, ft0, s0
    li s0, 0x7fffffffffffffff
    RM_STATIC FSHOW, l_max_s, fcvt.s.l, ft0, s0
    li s0, 0x8000000000000000
    fcvt.s.l ft0, s0
    FSHOW l_min_s, ft0
    li s0, -1
    RM_STATIC FSHOW, lu_max_s, fcvt.s.lu, ft0, s0
    fcvt.s.l ft0, s0
    FSHOW l_m1_s, ft0
    fcvt.s.w ft0, zero
    FSHOW w_zero_s, ft0

    SAY "int -> double"
    li s0, 0x7fffffff
    fcvt.d.w ft0, s0
    FSHOW w_max_d, ft0
    li s0, 0xffffffff80000000
    fcvt.d.w ft0, s0
    FSHOW w_min_d, ft0
    fcvt.d.wu ft0, s0
    FSHOW wu_d, ft0
    li s0, 0x20000000000001        /* 2^53 + 1: a tie */
    FSWEEP l_tie_d, fcvt.d.l, ft0, s0
    li s0, 0x7fffffffffffffff
    RM_STATIC FSHOW, l_max_d, fcvt.d.l, ft0, s0
    li s0, -0x20000000000003
    RM_STATIC FSHOW, l_mtie_d, fcvt.d.l, ft0, s0
    li s0, -1
    RM_STATIC FSHOW, lu_max_d, fcvt.d.lu, ft0, s0
    fcvt.d.l ft0, s0
    FSHOW l_m1_d, ft0

    SAY "double <-> single"
    DLOAD fa0, 0x3fd5555555555555  /* 1/3 */
    FSWEEP third_s_d, fcvt.s.d, ft0, fa0
    DLOAD fa0, 0xbfd5555555555555
    RM_STATIC FSHOW, mthird_s_d, fcvt.s.d, ft0, fa0
    DLOAD fa0, 0x47efffffffffffff  /* above FLT_MAX: overflow by mode */
    RM_STATIC FSHOW, big_s_d, fcvt.s.d, ft0, fa0
    DLOAD fa0, 0x36a0000000000001  /* just above 2^-149: underflow */
    RM_STATIC FSHOW, tiny_s_d, fcvt.s.d, ft0, fa0
    DLOAD fa0, 0x380fffffffffffff  /* just below 2^-126 */
    RM_STATIC FSHOW, below_min_s_d, fcvt.s.d, ft0, fa0
    DLOAD fa0, 0x7ff8000000000001  /* qNaN with payload -> canonical */
    fcvt.s.d ft0, fa0
    FSHOW qnan_s_d, ft0
    DLOAD fa0, 0x7ff0000000000001  /* sNaN -> canonical, NV */
    fcvt.s.d ft0, fa0
    FSHOW snan_s_d, ft0
    DLOAD fa0, 0xfff0000000000000
    fcvt.s.d ft0, fa0
    FSHOW minf_s_d, ft0
    DLOAD fa0, 0x8000000000000000
    fcvt.s.d ft0, fa0
    FSHOW m0_s_d, ft0
    FLOAD fa0, 0x3eaaaaab
    fcvt.d.s ft0, fa0
    FSHOW third_d_s, ft0
    FLOAD fa0, 0x00000001          /* subnormal single is normal as double */
    fcvt.d.s ft0, fa0
    FSHOW sub_d_s, ft0
    FLOAD fa0, 0x7f800001
    fcvt.d.s ft0, fa0
    FSHOW snan_d_s, ft0
    fmv.x.d t0, ft0
    EXPECT snan_d_s_canon, t0, 0x7ff8000000000000
    FLOAD fa0, 0xffc00001
    fcvt.d.s ft0, fa0
    FSHOW qnan_d_s, ft0
    DLOAD fa0, 0x3ff0000000000000  /* unboxed single */
    fcvt.d.s ft0, fa0
    FSHOW unboxed_d_s, ft0
    EXIT

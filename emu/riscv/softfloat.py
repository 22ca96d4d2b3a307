"""Exact IEEE-754 binary32/binary64 arithmetic with RISC-V semantics, in pure Python.

Two users: the JIT calls `fp_slow` for the rounding mode RMM (ties to max
magnitude), which the host's SSE unit cannot do; the tests use this module as
the reference the JIT's native floating point is checked against.

Every value is a raw bit pattern held in a Python int (32 bits for fmt "s",
64 for "d"; no NaN-boxing at this level). Arithmetic is done on exact
integers: an operand is `m * 2**e`, a result is computed exactly (or as an
exact integer plus a sticky bit) and rounded once by `_round_pack`.

RISC-V specifics (unprivileged spec, F/D chapters):
  * every NaN result is the canonical NaN; signaling NaN operands raise NV;
  * tininess is detected after rounding; UF needs tiny AND inexact;
  * fused multiply-add raises NV for inf*0 even when the addend is a qNaN;
  * FNMSUB/FNMADD negate the product (not the sum), which matters for the
    sign of a zero result;
  * fmin/fmax are IEEE 754-201x minimumNumber/maximumNumber (F v2.2);
  * float-to-int conversions saturate, and NaN converts to the maximum.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from emu.vcpu import VCpu

# fflags bits.
NX, UF, OF, DZ, NV = 1, 2, 4, 8, 16
# Rounding modes (the instruction's rm field / frm).
RNE, RTZ, RDN, RUP, RMM = 0, 1, 2, 3, 4
DYN = 7                         # in a packed request: use frm at run time

CANONICAL_NAN = {"s": 0x7FC00000, "d": 0x7FF8000000000000}
U64 = (1 << 64) - 1


class _Format:
    """Constants of one binary interchange format."""

    def __init__(self, name: str, width: int, exp_bits: int):
        self.name = name
        self.width = width
        self.prec = width - exp_bits          # significand bits, hidden bit included
        self.bias = (1 << (exp_bits - 1)) - 1
        self.emin = 1 - self.bias             # exponent of the smallest normal
        self.emax = self.bias
        self.exp_max = (1 << exp_bits) - 1    # biased exponent of inf/NaN
        self.mask = (1 << width) - 1
        self.sign = 1 << (width - 1)
        self.frac_mask = (1 << (self.prec - 1)) - 1
        self.quiet = 1 << (self.prec - 2)
        self.inf = self.exp_max << (self.prec - 1)
        self.max_finite = self.inf - 1
        self.nan = CANONICAL_NAN[name]


_FMT = {"s": _Format("s", 32, 8), "d": _Format("d", 64, 11)}

# Operand kinds produced by _unpack.
_ZERO, _FINITE, _INF, _QNAN, _SNAN = range(5)


def _fmt(name: str) -> _Format:
    try:
        return _FMT[name]
    except KeyError:
        raise ValueError(f"unknown float format {name!r}") from None


def _check_rm(rm: int) -> None:
    if rm not in (RNE, RTZ, RDN, RUP, RMM):
        raise ValueError(f"invalid rounding mode {rm}")


def _unpack(f: _Format, bits: int) -> tuple[int, int, int, int]:
    """Split `bits` into (kind, sign, m, e) with value (-1)**sign * m * 2**e (m = 0 for zeros)."""
    if not 0 <= bits <= f.mask:
        raise ValueError(f"{bits:#x} is not a {f.width}-bit pattern")
    sign = bits >> (f.width - 1)
    biased = (bits >> (f.prec - 1)) & f.exp_max
    frac = bits & f.frac_mask
    if biased == f.exp_max:
        if frac == 0:
            return _INF, sign, 0, 0
        return (_QNAN if frac & f.quiet else _SNAN), sign, 0, 0
    if biased == 0:
        if frac == 0:
            return _ZERO, sign, 0, 0
        return _FINITE, sign, frac, f.emin - (f.prec - 1)
    return _FINITE, sign, frac | (1 << (f.prec - 1)), biased - f.bias - (f.prec - 1)


def _is_nan(kind: int) -> bool:
    return kind == _QNAN or kind == _SNAN


def _zero(f: _Format, sign: int) -> int:
    return f.sign if sign else 0


def _inf(f: _Format, sign: int) -> int:
    return (f.sign if sign else 0) | f.inf


def _round_shift(m: int, shift: int, rm: int, sign: int) -> tuple[int, bool]:
    """m / 2**shift (shift > 0) rounded to an integer per rm; returns (quotient, inexact)."""
    q = m >> shift
    rem = m & ((1 << shift) - 1)
    if rem == 0:
        return q, False
    half = 1 << (shift - 1)
    if rm == RNE:
        up = rem > half or (rem == half and q & 1 == 1)
    elif rm == RMM:
        up = rem >= half
    elif rm == RTZ:
        up = False
    elif rm == RDN:
        up = bool(sign)
    else:                                   # RUP
        up = not sign
    return q + up, True


def _round_pack(f: _Format, rm: int, sign: int, m: int, e: int) -> tuple[int, int]:
    """Round the exact nonzero value (-1)**sign * m * 2**e to format f; returns (bits, flags).

    Callers whose value is not exact pass it as an integer with at least
    prec+1 significant bits whose last bit is a sticky 1: no rounding
    boundary lies strictly between the stand-in and the true value.
    """
    n = m.bit_length()
    top = e + n - 1                          # 2**top <= |value| < 2**(top+1)
    ulp = max(top, f.emin) - (f.prec - 1)    # exponent of the result's last place
    if ulp > e:
        sig, inexact = _round_shift(m, ulp - e, rm, sign)
    else:
        sig, inexact = m << (e - ulp), False
    if sig >> f.prec:                        # rounded up into the next binade
        sig >>= 1
        ulp += 1
    flags = NX if inexact else 0
    if inexact and _tiny(f, rm, sign, m, top):
        flags |= UF
    sign_bit = f.sign if sign else 0
    if sig >> (f.prec - 1) == 0:             # subnormal or zero: biased exponent 0
        return sign_bit | sig, flags
    biased = ulp + (f.prec - 1) + f.bias
    if biased >= f.exp_max:
        to_inf = rm in (RNE, RMM) or (rm == RDN and sign) or (rm == RUP and not sign)
        return sign_bit | (f.inf if to_inf else f.max_finite), OF | NX
    return sign_bit | (biased << (f.prec - 1)) | (sig & f.frac_mask), flags


def _tiny(f: _Format, rm: int, sign: int, m: int, top: int) -> bool:
    """Tininess after rounding: is the value, rounded to prec bits with unbounded
    exponent range, nonzero and below the smallest normal 2**emin?"""
    if top >= f.emin:
        return False
    if top < f.emin - 1:
        return True
    shift = m.bit_length() - f.prec
    if shift <= 0:
        return True
    rounded, _ = _round_shift(m, shift, rm, sign)
    return rounded >> f.prec == 0            # no carry up to 2**emin


def _add_exact(f: _Format, rm: int, s1: int, m1: int, e1: int,
               s2: int, m2: int, e2: int) -> tuple[int, int]:
    """Round (-1)**s1*m1*2**e1 + (-1)**s2*m2*2**e2 (either may be a signed zero)."""
    if m1 == 0 and m2 == 0:
        # Zero plus zero keeps a common sign; otherwise an exact zero is +0, -0 in RDN.
        return _zero(f, s1 if s1 == s2 else rm == RDN), 0
    if m1 == 0:
        return _round_pack(f, rm, s2, m2, e2)
    if m2 == 0:
        return _round_pack(f, rm, s1, m1, e1)
    e = min(e1, e2)
    v1 = m1 << (e1 - e)
    v2 = m2 << (e2 - e)
    v = (-v1 if s1 else v1) + (-v2 if s2 else v2)
    if v == 0:
        return _zero(f, rm == RDN), 0
    return _round_pack(f, rm, int(v < 0), abs(v), e)


def _add(f: _Format, rm: int, a: int, b: int, negate_b: bool) -> tuple[int, int]:
    ka, sa, ma, ea = _unpack(f, a)
    kb, sb, mb, eb = _unpack(f, b)
    sb ^= negate_b
    if _is_nan(ka) or _is_nan(kb):
        return f.nan, NV if _SNAN in (ka, kb) else 0
    if ka == _INF and kb == _INF:
        return (_inf(f, sa), 0) if sa == sb else (f.nan, NV)
    if ka == _INF:
        return _inf(f, sa), 0
    if kb == _INF:
        return _inf(f, sb), 0
    return _add_exact(f, rm, sa, ma, ea, sb, mb, eb)


def _mul(f: _Format, rm: int, a: int, b: int) -> tuple[int, int]:
    ka, sa, ma, ea = _unpack(f, a)
    kb, sb, mb, eb = _unpack(f, b)
    sign = sa ^ sb
    if _is_nan(ka) or _is_nan(kb):
        return f.nan, NV if _SNAN in (ka, kb) else 0
    if _INF in (ka, kb):
        return (f.nan, NV) if _ZERO in (ka, kb) else (_inf(f, sign), 0)
    if _ZERO in (ka, kb):
        return _zero(f, sign), 0
    return _round_pack(f, rm, sign, ma * mb, ea + eb)


def _div(f: _Format, rm: int, a: int, b: int) -> tuple[int, int]:
    ka, sa, ma, ea = _unpack(f, a)
    kb, sb, mb, eb = _unpack(f, b)
    sign = sa ^ sb
    if _is_nan(ka) or _is_nan(kb):
        return f.nan, NV if _SNAN in (ka, kb) else 0
    if ka == _INF:
        return (f.nan, NV) if kb == _INF else (_inf(f, sign), 0)
    if kb == _INF:
        return _zero(f, sign), 0
    if kb == _ZERO:
        return (f.nan, NV) if ka == _ZERO else (_inf(f, sign), DZ)
    if ka == _ZERO:
        return _zero(f, sign), 0
    # Enough quotient bits (>= prec+3) that a nonzero remainder is a pure sticky bit.
    k = max(0, f.prec + 2 - (ma.bit_length() - mb.bit_length())) + 1
    q, r = divmod(ma << k, mb)
    e = ea - eb - k
    if r:
        q, e = 2 * q + 1, e - 1
    return _round_pack(f, rm, sign, q, e)


def _sqrt(f: _Format, rm: int, a: int) -> tuple[int, int]:
    ka, sa, ma, ea = _unpack(f, a)
    if _is_nan(ka):
        return f.nan, NV if ka == _SNAN else 0
    if ka == _ZERO:
        return a, 0                          # sqrt(-0) = -0
    if sa:
        return f.nan, NV
    if ka == _INF:
        return a, 0
    if ea & 1:
        ma, ea = ma << 1, ea - 1
    # Scale by an even power of two so the integer root has >= prec+2 bits.
    k = max(0, 2 * (f.prec + 2) - ma.bit_length() + 1)
    k += k & 1
    ma, ea = ma << k, ea - k
    s = math.isqrt(ma)
    if s * s == ma:
        return _round_pack(f, rm, 0, s, ea // 2)
    return _round_pack(f, rm, 0, 2 * s + 1, ea // 2 - 1)


def _fma(f: _Format, rm: int, a: int, b: int, c: int,
         negate_product: int, negate_addend: int) -> tuple[int, int]:
    ka, sa, ma, ea = _unpack(f, a)
    kb, sb, mb, eb = _unpack(f, b)
    kc, sc, mc, ec = _unpack(f, c)
    kinds = (ka, kb, kc)
    if (ka == _INF and kb == _ZERO) or (ka == _ZERO and kb == _INF):
        return f.nan, NV                     # even when c is a quiet NaN (RISC-V)
    if any(_is_nan(k) for k in kinds):
        return f.nan, NV if _SNAN in kinds else 0
    ps = sa ^ sb ^ negate_product
    cs = sc ^ negate_addend
    if ka == _INF or kb == _INF:
        if kc == _INF and cs != ps:
            return f.nan, NV
        return _inf(f, ps), 0
    if kc == _INF:
        return _inf(f, cs), 0
    return _add_exact(f, rm, ps, ma * mb, ea + eb, cs, mc, ec)


# op -> (negate product, negate addend) for the fused multiply-adds.
_FMA_SIGNS = {"fmadd": (0, 0), "fmsub": (0, 1), "fnmsub": (1, 0), "fnmadd": (1, 1)}


def fp_arith(op: str, fmt: str, rm: int, a: int, b: int = 0, c: int = 0) -> tuple[int, int]:
    """op in add, sub, mul, div, sqrt, fmadd (a*b+c), fmsub (a*b-c), fnmsub (-(a*b)+c),
    fnmadd (-(a*b)-c). Returns (result bits, flags)."""
    f = _fmt(fmt)
    _check_rm(rm)
    if op == "add":
        return _add(f, rm, a, b, False)
    if op == "sub":
        return _add(f, rm, a, b, True)
    if op == "mul":
        return _mul(f, rm, a, b)
    if op == "div":
        return _div(f, rm, a, b)
    if op == "sqrt":
        return _sqrt(f, rm, a)
    if op in _FMA_SIGNS:
        return _fma(f, rm, a, b, c, *_FMA_SIGNS[op])
    raise ValueError(f"unknown arithmetic op {op!r}")


# itype -> (bits, signed): integer operand/result types of the conversions.
_ITYPE = {"w": (32, True), "wu": (32, False), "l": (64, True), "lu": (64, False)}


def _itype(itype: str) -> tuple[int, bool]:
    try:
        return _ITYPE[itype]
    except KeyError:
        raise ValueError(f"unknown integer type {itype!r}") from None


def _int_register(bits: int, value: int) -> int:
    """The 64-bit register RISC-V writes for an integer result (32-bit results sign-extended)."""
    if bits == 32:
        value &= 0xFFFFFFFF
        return value | (0xFFFFFFFF00000000 if value >> 31 else 0)
    return value & U64


def fp_from_int(fmt: str, itype: str, rm: int, value: int) -> tuple[int, int]:
    """fcvt.{s,d}.{w,wu,l,lu}: `value` is the 64-bit register; w/wu use its low 32 bits."""
    f = _fmt(fmt)
    bits, signed = _itype(itype)
    _check_rm(rm)
    v = value & ((1 << bits) - 1)
    if signed and v >> (bits - 1):
        v -= 1 << bits
    if v == 0:
        return 0, 0                          # +0, never any flag
    return _round_pack(f, rm, int(v < 0), abs(v), 0)


def fp_to_int(fmt: str, itype: str, rm: int, a: int) -> tuple[int, int]:
    """fcvt.{w,wu,l,lu}.{s,d}: round per rm, saturate out-of-range values (NV, no NX);
    NaN gives the maximum. Returns the 64-bit register value and flags."""
    f = _fmt(fmt)
    bits, signed = _itype(itype)
    _check_rm(rm)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    kind, sign, m, e = _unpack(f, a)
    if _is_nan(kind):
        return _int_register(bits, hi), NV
    if kind == _INF:
        return _int_register(bits, lo if sign else hi), NV
    if kind == _ZERO:
        return 0, 0
    if e >= 0:
        mag, inexact = m << min(e, bits + 1), False     # clamped: anything that large saturates
    else:
        mag, inexact = _round_shift(m, -e, rm, sign)
    value = -mag if sign else mag
    if not lo <= value <= hi:                # range is checked after rounding: -0.3 -> wu 0 is valid
        return _int_register(bits, lo if sign else hi), NV
    return _int_register(bits, value), NX if inexact else 0


def fp_convert(src: str, dst: str, rm: int, a: int) -> tuple[int, int]:
    """fcvt.s.d / fcvt.d.s: NaN -> canonical NaN (NV if signaling); finite values rounded once."""
    fs, fd = _fmt(src), _fmt(dst)
    _check_rm(rm)
    kind, sign, m, e = _unpack(fs, a)
    if _is_nan(kind):
        return fd.nan, NV if kind == _SNAN else 0
    if kind == _INF:
        return _inf(fd, sign), 0
    if kind == _ZERO:
        return _zero(fd, sign), 0
    return _round_pack(fd, rm, sign, m, e)


def _order_key(f: _Format, bits: int) -> int:
    """An integer that orders non-NaN patterns by value (both zeros map to 0)."""
    mag = bits & ~f.sign
    return -mag if bits & f.sign else mag


def fp_compare(op: str, fmt: str, a: int, b: int) -> tuple[int, int]:
    """feq (quiet: NV only for a signaling NaN), flt/fle (signaling: NV for any NaN); result 0/1."""
    f = _fmt(fmt)
    ka, kb = _unpack(f, a)[0], _unpack(f, b)[0]
    if op not in ("feq", "flt", "fle"):
        raise ValueError(f"unknown compare op {op!r}")
    if _is_nan(ka) or _is_nan(kb):
        quiet = op == "feq" and _SNAN not in (ka, kb)
        return 0, 0 if quiet else NV
    x, y = _order_key(f, a), _order_key(f, b)
    return int(x == y if op == "feq" else x < y if op == "flt" else x <= y), 0


def fp_minmax(op: str, fmt: str, a: int, b: int) -> tuple[int, int]:
    """fmin/fmax (minimumNumber/maximumNumber): a single NaN yields the other operand, two
    NaNs the canonical NaN; any signaling NaN raises NV; -0.0 orders below +0.0."""
    f = _fmt(fmt)
    ka, kb = _unpack(f, a)[0], _unpack(f, b)[0]
    if op not in ("fmin", "fmax"):
        raise ValueError(f"unknown min/max op {op!r}")
    flags = NV if _SNAN in (ka, kb) else 0
    if _is_nan(ka) and _is_nan(kb):
        return f.nan, flags
    if _is_nan(ka):
        return b, flags
    if _is_nan(kb):
        return a, flags

    def key(bits: int) -> int:               # like _order_key, but -0 < +0
        mag = bits & ~f.sign
        return -mag - 1 if bits & f.sign else mag

    a_first = key(a) <= key(b) if op == "fmin" else key(a) >= key(b)
    return (a if a_first else b), flags


def fp_classify(fmt: str, a: int) -> int:
    """fclass: the 10-bit mask with exactly one bit set (never any flag)."""
    f = _fmt(fmt)
    kind, sign, m, _ = _unpack(f, a)
    if kind == _SNAN:
        return 1 << 8
    if kind == _QNAN:
        return 1 << 9
    if kind == _INF:
        return 1 << 0 if sign else 1 << 7
    if kind == _ZERO:
        return 1 << 3 if sign else 1 << 4
    subnormal = m >> (f.prec - 1) == 0
    if sign:
        return 1 << 2 if subnormal else 1 << 1
    return 1 << 5 if subnormal else 1 << 6


# ---- the helper compiled code calls -------------------------------------------------

OPS: dict[str, int] = {name: i for i, name in enumerate((
    "add", "sub", "mul", "div", "sqrt", "fmadd", "fmsub", "fnmsub", "fnmadd",
    "from_int", "to_int", "convert", "feq", "flt", "fle", "fmin", "fmax", "fclass"))}
FMTS: dict[str, int] = {"s": 0, "d": 1}
ITYPES: dict[str, int] = {"w": 0, "wu": 1, "l": 2, "lu": 3}
OP_NAMES: dict[int, str] = {i: n for n, i in OPS.items()}
FMT_NAMES: dict[int, str] = {i: n for n, i in FMTS.items()}
ITYPE_NAMES: dict[int, str] = {i: n for n, i in ITYPES.items()}
_ARITH = frozenset(("add", "sub", "mul", "div", "sqrt", "fmadd", "fmsub", "fnmsub", "fnmadd"))


def pack_request(op: str, fmt: str, rm: int, itype: str | None = None) -> int:
    """The constant the JIT passes as fp_slow's first argument:
    op_id | fmt_id << 8 | rm << 12 | itype_id << 16.

    fmt is the format of the FP operand/result; for "convert" it is the
    destination (the source is the other format). rm may be DYN (7): fp_slow
    then uses frm at run time.
    """
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}")
    if fmt not in FMTS:
        raise ValueError(f"unknown float format {fmt!r}")
    if rm not in (RNE, RTZ, RDN, RUP, RMM, DYN):
        raise ValueError(f"invalid rounding mode {rm}")
    needs_itype = op in ("from_int", "to_int")
    if needs_itype != (itype is not None):
        raise ValueError(f"op {op!r} {'needs' if needs_itype else 'takes no'} integer type")
    if itype is not None and itype not in ITYPES:
        raise ValueError(f"unknown integer type {itype!r}")
    return OPS[op] | FMTS[fmt] << 8 | rm << 12 | (ITYPES[itype] if itype else 0) << 16


def unpack_request(request: int) -> tuple[str, str, int, str | None]:
    """Inverse of pack_request: (op, fmt, rm, itype or None)."""
    op = OP_NAMES[request & 0xFF]
    fmt = FMT_NAMES[(request >> 8) & 0xF]
    rm = (request >> 12) & 0xF
    itype = ITYPE_NAMES[(request >> 16) & 0xF] if op in ("from_int", "to_int") else None
    return op, fmt, rm, itype


def unbox(fmt: str, reg: int) -> int:
    """The fmt value held in a 64-bit FP register: a single that is not properly
    NaN-boxed (upper 32 bits not all ones) reads as the canonical NaN."""
    if fmt == "d":
        return reg & U64
    return reg & 0xFFFFFFFF if reg >> 32 == 0xFFFFFFFF else CANONICAL_NAN["s"]


def box(fmt: str, bits: int) -> int:
    """The 64-bit FP register contents for a fmt result (singles NaN-boxed)."""
    return bits | 0xFFFFFFFF00000000 if fmt == "s" else bits


def execute(request: int, b: int, c: int = 0, d: int = 0, frm: int = RNE) -> tuple[int, int]:
    """Run one packed request on register operands; returns (64-bit register result, flags).

    FP operands are taken as stored in FP registers (NaN-boxed singles) and FP
    results are returned NaN-boxed; integer operands/results are 64-bit
    integer register values.
    """
    op, fmt, rm, itype = unpack_request(request)
    if rm == DYN:
        rm = frm
    if op in _ARITH:
        bits, flags = fp_arith(op, fmt, rm, unbox(fmt, b), unbox(fmt, c), unbox(fmt, d))
        return box(fmt, bits), flags
    if op == "from_int":
        bits, flags = fp_from_int(fmt, itype, rm, b)
        return box(fmt, bits), flags
    if op == "to_int":
        return fp_to_int(fmt, itype, rm, unbox(fmt, b))
    if op == "convert":
        src = "d" if fmt == "s" else "s"
        bits, flags = fp_convert(src, fmt, rm, unbox(src, b))
        return box(fmt, bits), flags
    if op in ("feq", "flt", "fle"):
        return fp_compare(op, fmt, unbox(fmt, b), unbox(fmt, c))
    if op in ("fmin", "fmax"):
        bits, flags = fp_minmax(op, fmt, unbox(fmt, b), unbox(fmt, c))
        return box(fmt, bits), flags
    return fp_classify(fmt, unbox(fmt, b)), 0        # fclass


def helpers() -> dict[str, Callable[..., int]]:
    """Helpers for compiled code: fp_slow(vcpu, request, b, c, d) runs `execute` and
    ORs the flags into the calling vCPU's fflags."""
    def fp_slow(vcpu: VCpu, a: int, b: int, c: int, d: int) -> int:
        state = vcpu.state
        result, flags = execute(a, b, c, d, state.frm)
        if flags:
            state.fflags |= flags
        return result

    return {"fp_slow": fp_slow}

"""Tests of emu.riscv.softfloat against two independent references:

* the host (numpy float32/float64 scalars, correctly rounded RNE on x86 SSE,
  which also detects tininess after rounding) for results and NV/DZ/OF/UF;
* a small Fraction-based rounding oracle written here, for every op in every
  rounding mode, including NX and fused multiply-add.
"""
from __future__ import annotations

import functools

import math
import random
import struct
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

from emu.riscv import softfloat as sf
from emu.riscv.softfloat import (CANONICAL_NAN, DZ, NV, NX, OF, RDN, RMM, RNE, RTZ, RUP, UF,
                                 fp_arith, fp_classify, fp_compare, fp_convert, fp_from_int,
                                 fp_minmax, fp_to_int)
from emu.state import CpuState

MODES = (RNE, RTZ, RDN, RUP, RMM)
FMTS = ("s", "d")
# fmt -> (precision, emin, emax, width)
PARAMS = {"s": (24, -126, 127, 32), "d": (53, -1022, 1023, 64)}
NP_TYPE = {"s": (np.float32, np.uint32), "d": (np.float64, np.uint64)}
ARITH2 = ("add", "sub", "mul", "div")
FMAS = ("fmadd", "fmsub", "fnmsub", "fnmadd")


# ---- bit patterns and exact values, computed without the module under test ----------

def bits_of(fmt: str, x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0] if fmt == "s" else \
        struct.unpack("<Q", struct.pack("<d", x))[0]


def float_of(fmt: str, bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits))[0] if fmt == "s" else \
        struct.unpack("<d", struct.pack("<Q", bits))[0]


def exact(fmt: str, bits: int) -> Fraction:
    return Fraction(float_of(fmt, bits))


def is_nan(fmt: str, bits: int) -> bool:
    return math.isnan(float_of(fmt, bits))


def is_snan(fmt: str, bits: int) -> bool:
    quiet = 1 << (PARAMS[fmt][0] - 2)
    return is_nan(fmt, bits) and not bits & quiet


def special_values(fmt: str) -> list[int]:
    """Zeros, infinities, NaNs (quiet and signaling), subnormal/normal/overflow boundaries."""
    p, emin, emax, width = PARAMS[fmt]
    sign = 1 << (width - 1)
    exp_max = (1 << (width - p)) - 1
    inf = exp_max << (p - 1)
    pos = [0, 1, 2, 3, (1 << (p - 1)) - 1, 1 << (p - 1), (1 << (p - 1)) + 1,
           bits_of(fmt, 1.0), bits_of(fmt, 1.0) + 1, bits_of(fmt, 1.0) - 1,
           bits_of(fmt, 2.0), bits_of(fmt, 1.5), bits_of(fmt, 3.0), bits_of(fmt, 0.1),
           bits_of(fmt, 2.0 ** (emax - 1)), inf - 1, inf - 2,
           bits_of(fmt, 2.0 ** (emin + p)), inf,
           inf | (1 << (p - 2)), inf | 1, inf | (1 << (p - 2)) | 5]
    return pos + [b | sign for b in pos]


def random_finite(fmt: str, rng: random.Random) -> int:
    """A finite pattern: mostly uniform over exponents, sometimes subnormal or near 1."""
    p, emin, emax, width = PARAMS[fmt]
    exp_max = (1 << (width - p)) - 1
    frac = rng.getrandbits(p - 1)
    kind = rng.random()
    if kind < 0.15:
        biased = 0
    elif kind < 0.35:
        biased = exp_max // 2 + rng.randint(-3, 3)
    elif kind < 0.5:
        biased = rng.choice((1, 2, exp_max - 1, exp_max - 2))
    else:
        biased = rng.randint(0, exp_max - 1)
    return rng.getrandbits(1) << (width - 1) | biased << (p - 1) | frac


def random_bits(fmt: str, rng: random.Random) -> int:
    return rng.getrandbits(PARAMS[fmt][3])


# ---- the Fraction oracle ------------------------------------------------------------

def floor_log2(x: Fraction) -> int:
    e = x.numerator.bit_length() - x.denominator.bit_length()
    return e - 1 if x < Fraction(2) ** e else e


def round_to_multiple(ax: Fraction, q: int, rm: int, negative: bool) -> Fraction:
    """|x| rounded to a multiple of 2**q in mode rm (x's sign decides RDN/RUP)."""
    scale = Fraction(2) ** q
    t = ax / scale
    lo = math.floor(t)
    frac = t - lo
    if frac == 0:
        return ax
    up = {RTZ: False, RDN: negative, RUP: not negative,
          RNE: frac > Fraction(1, 2) or (frac == Fraction(1, 2) and lo % 2 == 1),
          RMM: frac >= Fraction(1, 2)}[rm]
    return (lo + up) * scale


def oracle_round(fmt: str, rm: int, x: Fraction, zero_sign: int = 0) -> tuple[int, int]:
    """IEEE rounding of the exact value x: (bits, flags), tininess after rounding."""
    p, emin, emax, width = PARAMS[fmt]
    if x == 0:
        return zero_sign << (width - 1), 0
    negative = x < 0
    ax = abs(x)
    e = floor_log2(ax)
    r = round_to_multiple(ax, max(e, emin) - (p - 1), rm, negative)
    unbounded = round_to_multiple(ax, e - (p - 1), rm, negative)
    flags = NX if r != ax else 0
    if r >= Fraction(2) ** (emax + 1):
        to_inf = rm in (RNE, RMM) or (rm == RDN and negative) or (rm == RUP and not negative)
        biggest = (2 - Fraction(2) ** (1 - p)) * Fraction(2) ** emax
        r, flags = (math.inf if to_inf else biggest), OF | NX
    elif flags and unbounded < Fraction(2) ** emin:
        flags |= UF
    return bits_of(fmt, -float(r) if negative else float(r)), flags


def exact_zero_sign(rm: int, s1: int, s2: int) -> int:
    """IEEE sign of an exact zero sum of two terms whose signs are s1, s2."""
    return s1 if s1 == s2 else int(rm == RDN)


def oracle_arith(op: str, fmt: str, rm: int, a: int, b: int, c: int) -> tuple[int, int]:
    """Expected fp_arith result for finite operands (sqrt: nonnegative)."""
    x, y, z = exact(fmt, a), exact(fmt, b), exact(fmt, c)
    sa, sb, sc = (v >> (PARAMS[fmt][3] - 1) for v in (a, b, c))
    if op == "div" and y == 0:
        return (CANONICAL_NAN[fmt], NV) if x == 0 else (oracle_inf(fmt, sa ^ sb), DZ)
    if op == "sqrt":
        return oracle_sqrt(fmt, rm, a)
    if op in ("add", "sub"):
        sy = sb ^ (op == "sub")
        v = x + y if op == "add" else x - y
        return oracle_round(fmt, rm, v, exact_zero_sign(rm, sa, sy))
    if op in ("mul", "div"):
        return oracle_round(fmt, rm, x * y if op == "mul" else x / y, sa ^ sb)
    negate_product, negate_addend = {"fmadd": (0, 0), "fmsub": (0, 1),
                                     "fnmsub": (1, 0), "fnmadd": (1, 1)}[op]
    product = -(x * y) if negate_product else x * y
    addend = -z if negate_addend else z
    ps, cs = sa ^ sb ^ negate_product, sc ^ negate_addend
    return oracle_round(fmt, rm, product + addend, exact_zero_sign(rm, ps, cs))


def oracle_inf(fmt: str, sign: int) -> int:
    return bits_of(fmt, -math.inf if sign else math.inf)


def oracle_sqrt(fmt: str, rm: int, a: int) -> tuple[int, int]:
    """Correctly rounded sqrt by search around the host's estimate, comparing exact squares
    (a midpoint is never a tie: its square would need more than p bits)."""
    x = exact(fmt, a)
    if x == 0:
        return a, 0
    guess = bits_of(fmt, math.sqrt(float(x)))
    lo = guess
    while exact(fmt, lo) ** 2 > x:
        lo -= 1
    while exact(fmt, lo + 1) ** 2 <= x:
        lo += 1
    if exact(fmt, lo) ** 2 == x:
        return lo, 0
    hi = lo + 1
    if rm in (RTZ, RDN):
        return lo, NX
    if rm == RUP:
        return hi, NX
    mid = (exact(fmt, lo) + exact(fmt, hi)) / 2
    assert mid * mid != x
    return (hi if x > mid * mid else lo), NX


def oracle_to_int(fmt: str, itype: str, rm: int, a: int) -> tuple[int, int]:
    """Expected fcvt to integer for a finite operand."""
    bits, signed = {"w": (32, True), "wu": (32, False), "l": (64, True), "lu": (64, False)}[itype]
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    x = exact(fmt, a)
    r = round_to_multiple(abs(x), 0, rm, x < 0)
    value = int(-r if x < 0 else r)
    if value < lo or value > hi:
        value, flags = (lo if x < 0 else hi), NV
    else:
        flags = NX if r != abs(x) else 0
    return register(bits, value), flags


def register(bits: int, value: int) -> int:
    value &= (1 << bits) - 1
    if bits == 32 and value >> 31:
        value -= 1 << 32
    return value & ((1 << 64) - 1)


# ---- against the host, RNE ----------------------------------------------------------

NP_FLAGS = {1: DZ, 2: OF, 4: UF, 8: NV}


def host_op(op: str, fmt: str, a: int, b: int) -> tuple[int, int]:
    """The host's RNE result bits and its flags (NX is not reported by numpy)."""
    ftype, utype = NP_TYPE[fmt]
    x = np.array([a], dtype=utype).view(ftype)[0]
    y = np.array([b], dtype=utype).view(ftype)[0]
    raised: list[int] = []
    with np.errstate(all="call", call=lambda _kind, flag: raised.append(flag)):
        r = {"add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y,
             "div": lambda: x / y, "sqrt": lambda: np.sqrt(x)}[op]()
    flags = 0
    for flag in raised:
        for bit, ours in NP_FLAGS.items():
            if flag & bit:
                flags |= ours
    return int(np.array([r], dtype=ftype).view(utype)[0]), flags


def host_cases(fmt: str, count: int, seed: str) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    specials = special_values(fmt)
    cases = [(a, b) for a in specials for b in specials]
    cases += [(random_bits(fmt, rng), random_bits(fmt, rng)) for _ in range(count)]
    cases += [(random_finite(fmt, rng), random_finite(fmt, rng)) for _ in range(count)]
    cases += [(a, b) for a, b in ((rng.choice(specials), random_finite(fmt, rng))
                                  for _ in range(count // 4))]
    return cases


@pytest.mark.parametrize("fmt", FMTS)
@pytest.mark.parametrize("op", ARITH2 + ("sqrt",))
def test_rne_matches_host(op: str, fmt: str) -> None:
    mismatches = []
    for a, b in host_cases(fmt, 1500, f"host{op}{fmt}"):
        got, flags = fp_arith(op, fmt, RNE, a, b)
        want, host_flags = host_op(op, fmt, a, b)
        if is_nan(fmt, want):
            ok = got == CANONICAL_NAN[fmt]
        else:
            ok = got == want
        if not ok or flags & ~NX != host_flags:
            mismatches.append((hex(a), hex(b), hex(got), hex(want), flags, host_flags))
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("fmt", FMTS)
def test_nan_results_are_canonical_and_snan_signals(fmt: str) -> None:
    p, _, _, width = PARAMS[fmt]
    inf = bits_of(fmt, math.inf)
    qnan_payload = inf | (1 << (p - 2)) | 0x123 | (1 << (width - 1))
    snan = inf | 0x55
    one = bits_of(fmt, 1.0)
    for op in ARITH2:
        assert fp_arith(op, fmt, RNE, qnan_payload, one) == (CANONICAL_NAN[fmt], 0)
        assert fp_arith(op, fmt, RNE, one, snan) == (CANONICAL_NAN[fmt], NV)
    for op in FMAS:
        assert fp_arith(op, fmt, RMM, one, one, qnan_payload) == (CANONICAL_NAN[fmt], 0)
        assert fp_arith(op, fmt, RMM, snan, one, one) == (CANONICAL_NAN[fmt], NV)
    assert fp_arith("sqrt", fmt, RNE, qnan_payload) == (CANONICAL_NAN[fmt], 0)
    assert fp_arith("sqrt", fmt, RNE, snan) == (CANONICAL_NAN[fmt], NV)


# ---- the oracle, every op in every mode ---------------------------------------------

def with_exponent(fmt: str, e: int, rng: random.Random) -> int:
    """A random positive pattern near 2**e (subnormal below emin, clamped at emax)."""
    p, emin, emax, _ = PARAMS[fmt]
    frac = rng.getrandbits(p - 1)
    if e >= emin:
        return (min(e, emax) + emax) << (p - 1) | frac
    return ((1 << (p - 1)) | frac) >> (emin - e)


def make(fmt: str, negative: bool, m: int, e: int) -> int:
    """The pattern of (-1)**negative * m * 2**e, which must be representable."""
    x = math.ldexp(m, e)
    assert Fraction(x) == Fraction(m) * Fraction(2) ** e
    return bits_of(fmt, -x if negative else x)


def odd(rng: random.Random, bits: int) -> int:
    """A random odd integer of exactly `bits` bits."""
    return (1 << (bits - 1)) | rng.getrandbits(bits - 1) | 1 if bits > 1 else 1


def tie_case(fmt: str, op: str, rng: random.Random) -> tuple[int, int, int]:
    """Operands whose exact result is (or is very likely) halfway between two neighbours."""
    p, emin, emax, _ = PARAMS[fmt]
    neg = lambda: rng.random() < 0.5                                   # noqa: E731
    sub_ulp = emin - p + 1                                            # subnormal grid
    if op in ("mul", "div") and rng.random() < 0.4:
        # An odd multiple of the subnormal grid, halved: a tie on that grid.
        s = rng.randint(0, 5)
        a = make(fmt, neg(), odd(rng, rng.randint(1, p)), sub_ulp + s)
        b = make(fmt, neg(), 1, -(s + 1) if op == "mul" else s + 1)
        return a, b, 0
    if op in ("mul",) + FMAS:
        # Odd significands whose product has exactly p+1 bits: the last one is half an ulp.
        k = rng.randint(2, p)
        m1 = odd(rng, k)
        lo, hi = -(-(1 << p) // m1), ((1 << (p + 1)) - 1) // m1
        m2 = rng.randint(lo, min(hi, (1 << p) - 1)) | 1
        if (m1 * m2).bit_length() != p + 1:
            m2 = lo | 1
        e1 = rng.randint(emin // 2, emax // 2 - p)
        e2 = rng.randint(emin // 2, emax // 2 - p)
        a, b = make(fmt, neg(), m1, e1), make(fmt, neg(), m2, e2)
        c = make(fmt, neg(), rng.randint(0, 3), e1 + e2 + 1) if op in FMAS else 0
        return a, b, c
    if op in ("add", "sub"):
        # b's lowest bit sits at half of a's last place.
        ea = rng.randint(emin + p, emax - 1)
        a = make(fmt, neg(), odd(rng, p) ^ rng.getrandbits(1), ea - p + 1)
        return a, make(fmt, neg(), odd(rng, rng.randint(1, p - 2)), ea - p), 0
    if op == "sqrt":
        # Perfect squares (exact results), subnormal ones included.
        r = odd(rng, rng.randint(1, p // 2))
        k = rng.randint((sub_ulp + 1) // 2, (emax - p) // 2)
        return make(fmt, False, r * r, 2 * k), 0, 0
    return random_finite(fmt, rng), random_finite(fmt, rng), 0


def oracle_cases(fmt: str, op: str, count: int, rng: random.Random) -> list[tuple[int, int, int]]:
    """Finite operands, biased toward the interesting regions of each op: cancellation for
    sums, results near the subnormal range or the overflow threshold, and exact ties."""
    p, emin, emax, width = PARAMS[fmt]
    sign = 1 << (width - 1)
    cases = []
    for _ in range(count):
        a, b, c = (random_finite(fmt, rng) for _ in range(3))
        shape = rng.random()
        if shape < 0.25:
            a, b, c = tie_case(fmt, op, rng)
        elif op in ("add", "sub") and shape < 0.5:
            b = (a ^ (sign if rng.random() < 0.5 else 0)) + rng.randint(-2 ** 5, 2 ** 5)
        elif op in ("mul", "div") + FMAS and shape < 0.6:
            target = rng.choice((emin, emin - p // 2, emax))
            ea = rng.randint(emin, emax)
            eb = target - ea if op != "div" else ea - target
            a = with_exponent(fmt, ea, rng) | (sign if rng.random() < 0.5 else 0)
            b = with_exponent(fmt, eb, rng) | (sign if rng.random() < 0.5 else 0)
            product = exact(fmt, a) * exact(fmt, b)
            if op in FMAS and rng.random() < 0.5 and abs(product) < 2 ** emax:
                # An addend that nearly cancels the product.
                c = bits_of(fmt, float(np.float32(-float(product))) if fmt == "s"
                            else -float(product))
        if op == "sqrt":
            a &= ~sign
        cases.append((a, b, c))
    return [case for case in cases
            if all(0 <= v < 1 << width and math.isfinite(float_of(fmt, v)) for v in case)]


@pytest.mark.parametrize("fmt", FMTS)
@pytest.mark.parametrize("op", ARITH2 + ("sqrt",) + FMAS)
def test_every_mode_matches_oracle(op: str, fmt: str) -> None:
    rng = random.Random(f"{op}{fmt}")
    mismatches = []
    for a, b, c in oracle_cases(fmt, op, 300, rng):
        for rm in MODES:
            got = fp_arith(op, fmt, rm, a, b, c)
            want = oracle_arith(op, fmt, rm, a, b, c)
            if got != want:
                mismatches.append((rm, hex(a), hex(b), hex(c), hex(got[0]), got[1],
                                   hex(want[0]), want[1]))
    assert not mismatches, mismatches[:5]


def result_value(fmt: str, bits: int) -> Fraction | float:
    x = float_of(fmt, bits)
    return x if math.isinf(x) else Fraction(x)


@pytest.mark.parametrize("fmt", FMTS)
@pytest.mark.parametrize("op", ARITH2 + FMAS)
def test_rounding_mode_identities(op: str, fmt: str) -> None:
    """RDN <= exact <= RUP, |RTZ| <= |exact|, RNE and RMM pick one of the two neighbours."""
    rng = random.Random(f"identities{op}{fmt}")
    for a, b, c in oracle_cases(fmt, op, 100, rng):
        x, y, z = exact(fmt, a), exact(fmt, b), exact(fmt, c)
        if op == "div" and y == 0:
            continue
        v = {"add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y,
             "div": lambda: x / y, "fmadd": lambda: x * y + z, "fmsub": lambda: x * y - z,
             "fnmsub": lambda: -(x * y) + z, "fnmadd": lambda: -(x * y) - z}[op]()
        r = {rm: fp_arith(op, fmt, rm, a, b, c)[0] for rm in MODES}
        down, up = result_value(fmt, r[RDN]), result_value(fmt, r[RUP])
        assert down <= v <= up
        assert abs(result_value(fmt, r[RTZ])) <= abs(v)
        assert r[RNE] in (r[RDN], r[RUP]) and r[RMM] in (r[RDN], r[RUP])
        if down == up:
            assert len(set(r.values())) == 1 or v == 0


# ---- RMM: ties away from zero --------------------------------------------------------

def S(x: float) -> int:
    return bits_of("s", x)


def D(x: float) -> int:
    return bits_of("d", x)


@pytest.mark.parametrize("op, fmt, a, b, rne, rmm", [
    # 1 + half an ulp: RNE keeps the even 1.0, RMM goes away from zero.
    ("add", "s", S(1.0), S(2.0 ** -24), S(1.0), S(1.0) + 1),
    ("add", "d", D(1.0), D(2.0 ** -53), D(1.0), D(1.0) + 1),
    ("sub", "s", S(-1.0), S(2.0 ** -24), S(-1.0), S(-1.0) + 1),
    ("sub", "d", D(-1.0), D(2.0 ** -53), D(-1.0), D(-1.0) + 1),
    # Odd last bit: both modes round up.
    ("add", "s", S(1.0) + 1, S(2.0 ** -24), S(1.0) + 2, S(1.0) + 2),
    # (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 in single; (1+2^-26)(1+2^-27) ends in 2^-53 in double.
    ("mul", "s", S(1 + 2.0 ** -12), S(1 + 2.0 ** -12), S(1 + 2.0 ** -11), S(1 + 2.0 ** -11) + 1),
    ("mul", "d", D(1 + 2.0 ** -26), D(1 + 2.0 ** -27), D(1 + 2.0 ** -26 + 2.0 ** -27),
     D(1 + 2.0 ** -26 + 2.0 ** -27) + 1),
    ("mul", "d", D(-(1 + 2.0 ** -26)), D(1 + 2.0 ** -27), D(-(1 + 2.0 ** -26 + 2.0 ** -27)),
     D(-(1 + 2.0 ** -26 + 2.0 ** -27)) + 1),
    # Quotients that are exact ties only in the subnormal range.
    ("div", "s", 1, S(2.0), 0, 1),
    ("div", "s", 5, S(2.0), 2, 3),
    ("div", "s", 3, S(-2.0), S(-0.0) | 2, S(-0.0) | 2),
    ("div", "d", 1, D(2.0), 0, 1),
    ("div", "d", 5, D(2.0), 2, 3),
    ("mul", "d", 7 | D(-0.0), D(0.5), D(-0.0) | 4, D(-0.0) | 4),
    ("mul", "s", 9, S(0.5), 4, 5),
])
def test_rmm_ties(op: str, fmt: str, a: int, b: int, rne: int, rmm: int) -> None:
    assert fp_arith(op, fmt, RNE, a, b)[0] == rne
    assert fp_arith(op, fmt, RMM, a, b)[0] == rmm
    assert fp_arith(op, fmt, RMM, a, b)[1] & NX


def test_rmm_ties_in_fma_and_conversions() -> None:
    # 1*1 + 2^-24 is a tie in single; the fused op must not round twice.
    assert fp_arith("fmadd", "s", RMM, S(1.0), S(1.0), S(2.0 ** -24)) == (S(1.0) + 1, NX)
    assert fp_arith("fmadd", "s", RNE, S(1.0), S(1.0), S(2.0 ** -24)) == (S(1.0), NX)
    # (1+2^-12)^2 - 0 == tie; fnmadd negates the product, so the tie is on the negative side.
    t = S(1 + 2.0 ** -12)
    assert fp_arith("fnmadd", "s", RMM, t, t, 0) == (S(-(1 + 2.0 ** -11)) + 1, NX)
    # Not a tie after all when a tiny addend breaks it: single rounding sees it.
    assert fp_arith("fmadd", "s", RNE, t, t, S(2.0 ** -60)) == (S(1 + 2.0 ** -11) + 1, NX)
    assert fp_from_int("s", "w", RNE, 2 ** 24 + 1) == (S(2.0 ** 24), NX)
    assert fp_from_int("s", "w", RMM, 2 ** 24 + 1) == (S(2.0 ** 24 + 2), NX)
    assert fp_from_int("s", "w", RMM, (-(2 ** 24 + 1)) & (2 ** 64 - 1)) == (S(-(2.0 ** 24 + 2)), NX)
    assert fp_from_int("d", "l", RNE, 2 ** 53 + 1) == (D(2.0 ** 53), NX)
    assert fp_from_int("d", "l", RMM, 2 ** 53 + 1) == (D(2.0 ** 53 + 2), NX)
    assert fp_convert("d", "s", RNE, D(1 + 2.0 ** -24)) == (S(1.0), NX)
    assert fp_convert("d", "s", RMM, D(1 + 2.0 ** -24)) == (S(1.0) + 1, NX)
    assert fp_to_int("d", "w", RNE, D(2.5)) == (2, NX)
    assert fp_to_int("d", "w", RMM, D(2.5)) == (3, NX)
    assert fp_to_int("s", "l", RMM, S(-2.5)) == (2 ** 64 - 3, NX)
    assert fp_to_int("s", "l", RMM, S(0.5)) == (1, NX)
    assert fp_to_int("s", "l", RNE, S(0.5)) == (0, NX)


@pytest.mark.parametrize("fmt", FMTS)
def test_sqrt_has_no_ties(fmt: str) -> None:
    """A midpoint's square never fits the format, so RMM and RNE always agree for sqrt."""
    rng = random.Random(7)
    for _ in range(300):
        a = random_finite(fmt, rng) & ~(1 << (PARAMS[fmt][3] - 1))
        assert fp_arith("sqrt", fmt, RMM, a) == fp_arith("sqrt", fmt, RNE, a)


# ---- underflow: tininess after rounding ---------------------------------------------

@pytest.mark.parametrize("fmt, a, b, rm, result, flags", [
    # (1+ulp) * max_subnormal = 2^emin * (1 - 2^-2(p-1)): below 2^emin, but rounding to p bits
    # with unbounded exponent gives 2^emin, so it is not tiny: NX only.
    ("s", 0x3F800001, 0x007FFFFF, RNE, 0x00800000, NX),
    ("s", 0x3F800001, 0x007FFFFF, RMM, 0x00800000, NX),
    ("s", 0x3F800001, 0x007FFFFF, RUP, 0x00800000, NX),
    ("s", 0x3F800001, 0x007FFFFF, RTZ, 0x007FFFFF, NX | UF),
    ("s", 0x3F800001, 0x007FFFFF, RDN, 0x007FFFFF, NX | UF),
    ("d", 0x3FF0000000000001, 0x000FFFFFFFFFFFFF, RNE, 0x0010000000000000, NX),
    ("d", 0x3FF0000000000001, 0x000FFFFFFFFFFFFF, RMM, 0x0010000000000000, NX),
    ("d", 0x3FF0000000000001, 0x000FFFFFFFFFFFFF, RTZ, 0x000FFFFFFFFFFFFF, NX | UF),
    # (1-2^-p) * 2^emin is exact with p bits, so it stays tiny although the delivered
    # (subnormal-rounded) result is the smallest normal: UF.
    ("s", 0x3F7FFFFF, 0x00800000, RNE, 0x00800000, NX | UF),
    ("s", 0x3F7FFFFF, 0x00800000, RMM, 0x00800000, NX | UF),
    ("s", 0x3F7FFFFF, 0x00800000, RUP, 0x00800000, NX | UF),
    ("d", 0x3FEFFFFFFFFFFFFF, 0x0010000000000000, RNE, 0x0010000000000000, NX | UF),
    # Tiny but exact: no UF, no NX.
    ("s", 0x00800000, 0x3F000000, RNE, 0x00400000, 0),
    ("d", 0x0010000000000000, 0x3FE0000000000000, RMM, 0x0008000000000000, 0),
    # Rounds all the way to zero: UF and NX, sign kept.
    ("s", 0x80000001, 0x3E800000, RNE, 0x80000000, NX | UF),
    ("s", 0x80000001, 0x3E800000, RDN, 0x80000001, NX | UF),
])
def test_tininess_after_rounding(fmt: str, a: int, b: int, rm: int, result: int, flags: int) -> None:
    assert fp_arith("mul", fmt, rm, a, b) == (result, flags)
    assert oracle_round(fmt, rm, exact(fmt, a) * exact(fmt, b)) == (result, flags)


def test_tininess_in_fma_uses_the_exact_sum() -> None:
    # (1-2^-24)*2^-126 - 2^-149 = 2^-126 - 3*2^-150: exact with 24 bits, so tiny; on the
    # subnormal grid it is a tie between 0x007ffffe (even) and 0x007fffff.
    a, b, c = S(1 - 2.0 ** -24), S(2.0 ** -126), S(-(2.0 ** -149))
    assert fp_arith("fmadd", "s", RNE, a, b, c) == (0x007FFFFE, NX | UF)
    assert fp_arith("fmadd", "s", RMM, a, b, c) == (0x007FFFFF, NX | UF)
    assert fp_arith("fnmsub", "s", RMM, a, b ^ 0x80000000, c) == (0x007FFFFF, NX | UF)
    # (1+2^-23) * max_subnormal - 0: 2^-126 * (1 - 2^-46) rounds (unbounded) to 2^-126: not tiny.
    assert fp_arith("fmadd", "s", RNE, 0x3F800001, 0x007FFFFF, S(-0.0)) == (0x00800000, NX)
    assert fp_arith("fmsub", "s", RTZ, 0x3F800001, 0x007FFFFF, 0) == (0x007FFFFF, NX | UF)


# ---- overflow -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FMTS)
def test_overflow_by_mode_and_sign(fmt: str) -> None:
    big = bits_of(fmt, 2.0 ** (PARAMS[fmt][2]))
    inf, mx = bits_of(fmt, math.inf), bits_of(fmt, math.inf) - 1
    sign = 1 << (PARAMS[fmt][3] - 1)
    want = {RNE: (inf, inf), RMM: (inf, inf), RTZ: (mx, mx), RDN: (mx, inf), RUP: (inf, mx)}
    for rm, (pos, neg) in want.items():
        assert fp_arith("mul", fmt, rm, big, bits_of(fmt, 2.0)) == (pos, OF | NX)
        assert fp_arith("mul", fmt, rm, big | sign, bits_of(fmt, 2.0)) == (neg | sign, OF | NX)
    # max + half an ulp is exactly the overflow tie: RNE/RMM overflow, RTZ does not.
    half_ulp = bits_of(fmt, 2.0 ** (PARAMS[fmt][2] - PARAMS[fmt][0]))
    assert fp_arith("add", fmt, RNE, mx, half_ulp) == (inf, OF | NX)
    assert fp_arith("add", fmt, RMM, mx, half_ulp) == (inf, OF | NX)
    assert fp_arith("add", fmt, RTZ, mx, half_ulp) == (mx, NX)
    # Just under half an ulp stays at max in RNE.
    assert fp_arith("add", fmt, RNE, mx, half_ulp - 1) == (mx, NX)


# ---- invalid, divide by zero, signed zeros ------------------------------------------

@pytest.mark.parametrize("fmt", FMTS)
def test_invalid_and_divide_by_zero(fmt: str) -> None:
    zero, nzero = bits_of(fmt, 0.0), bits_of(fmt, -0.0)
    one, mone = bits_of(fmt, 1.0), bits_of(fmt, -1.0)
    inf, ninf = bits_of(fmt, math.inf), bits_of(fmt, -math.inf)
    qnan, nan = bits_of(fmt, math.nan), CANONICAL_NAN[fmt]
    for rm in MODES:
        assert fp_arith("add", fmt, rm, inf, ninf) == (nan, NV)
        assert fp_arith("sub", fmt, rm, inf, inf) == (nan, NV)
        assert fp_arith("add", fmt, rm, inf, inf) == (inf, 0)
        assert fp_arith("mul", fmt, rm, zero, ninf) == (nan, NV)
        assert fp_arith("div", fmt, rm, zero, nzero) == (nan, NV)
        assert fp_arith("div", fmt, rm, inf, ninf) == (nan, NV)
        assert fp_arith("div", fmt, rm, one, zero) == (inf, DZ)
        assert fp_arith("div", fmt, rm, one, nzero) == (ninf, DZ)
        assert fp_arith("div", fmt, rm, mone, zero) == (ninf, DZ)
        assert fp_arith("div", fmt, rm, inf, zero) == (inf, 0)        # not DZ: inf is exact
        assert fp_arith("div", fmt, rm, one, ninf) == (nzero, 0)
        assert fp_arith("sqrt", fmt, rm, nzero) == (nzero, 0)
        assert fp_arith("sqrt", fmt, rm, mone) == (nan, NV)
        assert fp_arith("sqrt", fmt, rm, ninf) == (nan, NV)
        assert fp_arith("sqrt", fmt, rm, nzero | 1) == (nan, NV)       # negative subnormal
        assert fp_arith("sqrt", fmt, rm, inf) == (inf, 0)
        for op in FMAS:
            # inf*0 is invalid even with a quiet NaN addend (RISC-V's choice).
            assert fp_arith(op, fmt, rm, inf, zero, qnan) == (nan, NV)
            assert fp_arith(op, fmt, rm, nzero, ninf, one) == (nan, NV)
            assert fp_arith(op, fmt, rm, qnan, one, one) == (nan, 0)
        assert fp_arith("fmadd", fmt, rm, inf, one, ninf) == (nan, NV)
        assert fp_arith("fmsub", fmt, rm, inf, one, inf) == (nan, NV)
        assert fp_arith("fnmadd", fmt, rm, inf, one, inf) == (ninf, 0)
        assert fp_arith("fnmadd", fmt, rm, inf, one, ninf) == (nan, NV)
        assert fp_arith("fnmsub", fmt, rm, inf, one, one) == (ninf, 0)
        assert fp_arith("fmadd", fmt, rm, one, one, ninf) == (ninf, 0)


@pytest.mark.parametrize("fmt", FMTS)
def test_signed_zeros(fmt: str) -> None:
    zero, nzero = bits_of(fmt, 0.0), bits_of(fmt, -0.0)
    one, mone, x = bits_of(fmt, 1.0), bits_of(fmt, -1.0), bits_of(fmt, 0.1)
    for rm in MODES:
        exact_zero = nzero if rm == RDN else zero
        assert fp_arith("add", fmt, rm, x, x ^ nzero) == (exact_zero, 0)
        assert fp_arith("sub", fmt, rm, x, x) == (exact_zero, 0)
        assert fp_arith("add", fmt, rm, zero, nzero) == (exact_zero, 0)
        assert fp_arith("add", fmt, rm, nzero, nzero) == (nzero, 0)
        assert fp_arith("sub", fmt, rm, nzero, zero) == (nzero, 0)
        assert fp_arith("add", fmt, rm, zero, zero) == (zero, 0)
        assert fp_arith("mul", fmt, rm, nzero, one) == (nzero, 0)
        assert fp_arith("div", fmt, rm, zero, mone) == (nzero, 0)
        # Fused: product +0 (or -0 when negated), addend as given.
        assert fp_arith("fmadd", fmt, rm, zero, one, nzero) == (exact_zero, 0)
        assert fp_arith("fmadd", fmt, rm, nzero, one, nzero) == (nzero, 0)
        assert fp_arith("fmsub", fmt, rm, zero, one, zero) == (exact_zero, 0)
        # fnmadd negates the product, not the sum: -(+0) - (-0) = -0 + +0.
        assert fp_arith("fnmadd", fmt, rm, zero, one, nzero) == (exact_zero, 0)
        assert fp_arith("fnmadd", fmt, rm, zero, one, zero) == (nzero, 0)
        assert fp_arith("fnmsub", fmt, rm, zero, one, zero) == (exact_zero, 0)
        assert fp_arith("fnmsub", fmt, rm, zero, one, nzero) == (nzero, 0)
        # Exact cancellation of a nonzero product.
        assert fp_arith("fmsub", fmt, rm, x, one, x) == (exact_zero, 0)
        # A nonzero exact result keeps its sign even when it rounds to zero:
        # -(min_subnormal * 0.5) - 0 is -0 or -min_subnormal, never +0.
        got, flags = fp_arith("fnmadd", fmt, rm, 1, bits_of(fmt, 0.5), zero)
        assert got in (nzero, nzero | 1) and flags == UF | NX
    assert fp_from_int(fmt, "l", RDN, 0) == (zero, 0)


# ---- conversions --------------------------------------------------------------------

def i64(v: int) -> int:
    return v & ((1 << 64) - 1)


SX32 = 0xFFFFFFFF00000000


@pytest.mark.parametrize("fmt", FMTS)
def test_to_int_table(fmt: str) -> None:
    """Every row of the spec's float-to-integer table, for w, wu, l, lu."""
    f = lambda x: bits_of(fmt, x)                                    # noqa: E731
    inf, ninf, qnan = f(math.inf), f(-math.inf), f(math.nan)
    snan = inf | 1
    nnan = qnan | (1 << (PARAMS[fmt][3] - 1))
    maxes = {"w": 0x7FFFFFFF, "wu": 0xFFFFFFFF | SX32, "l": 2 ** 63 - 1, "lu": 2 ** 64 - 1}
    mins = {"w": i64(-2 ** 31), "wu": 0, "l": i64(-2 ** 63), "lu": 0}
    too_big = {"w": 2.0 ** 31, "wu": 2.0 ** 32, "l": 2.0 ** 63, "lu": 2.0 ** 64}
    too_small = {"w": -(2.0 ** 31) * 2, "wu": -1.0, "l": -(2.0 ** 63) * 2, "lu": -1.0}
    for itype in ("w", "wu", "l", "lu"):
        for rm in MODES:
            for nan in (qnan, snan, nnan):
                assert fp_to_int(fmt, itype, rm, nan) == (maxes[itype], NV)
            assert fp_to_int(fmt, itype, rm, inf) == (maxes[itype], NV)
            assert fp_to_int(fmt, itype, rm, ninf) == (mins[itype], NV)
            assert fp_to_int(fmt, itype, rm, f(too_big[itype])) == (maxes[itype], NV)
            assert fp_to_int(fmt, itype, rm, f(1e30)) == (maxes[itype], NV)
            assert fp_to_int(fmt, itype, rm, f(too_small[itype])) == (mins[itype], NV)
            assert fp_to_int(fmt, itype, rm, f(-1e30)) == (mins[itype], NV)
            assert fp_to_int(fmt, itype, rm, f(-0.0)) == (0, 0)
            assert fp_to_int(fmt, itype, rm, 1) == (int(rm == RUP), NX)    # min subnormal
    # The minimum valid signed inputs are exact powers of two.
    assert fp_to_int(fmt, "w", RNE, f(-(2.0 ** 31))) == (i64(-2 ** 31), 0)
    assert fp_to_int(fmt, "l", RNE, f(-(2.0 ** 63))) == (i64(-2 ** 63), 0)
    assert fp_to_int(fmt, "wu", RNE, f(2.0 ** 31)) == (0x80000000 | SX32, 0)
    assert fp_to_int(fmt, "w", RNE, f(-1.0)) == (i64(-1), 0)
    assert fp_to_int(fmt, "lu", RNE, f(2.0 ** 63)) == (2 ** 63, 0)
    # Unsigned: negative values that round to zero are valid (NX only); -1 is invalid.
    assert fp_to_int(fmt, "wu", RTZ, f(-0.3)) == (0, NX)
    assert fp_to_int(fmt, "lu", RUP, f(-0.9)) == (0, NX)
    assert fp_to_int(fmt, "wu", RNE, f(-0.5)) == (0, NX)
    assert fp_to_int(fmt, "wu", RMM, f(-0.5)) == (0, NV)
    assert fp_to_int(fmt, "lu", RDN, f(-0.3)) == (0, NV)
    assert fp_to_int(fmt, "wu", RTZ, f(-1.0)) == (0, NV)
    assert fp_to_int(fmt, "lu", RNE, f(-1.0)) == (0, NV)


def test_to_int_range_is_checked_after_rounding() -> None:
    assert fp_to_int("d", "w", RNE, D(2.0 ** 31 - 0.5)) == (0x7FFFFFFF, NV)     # ties to 2^31
    assert fp_to_int("d", "w", RTZ, D(2.0 ** 31 - 0.5)) == (0x7FFFFFFF, NX)
    assert fp_to_int("d", "w", RNE, D(2.0 ** 31 - 1)) == (0x7FFFFFFF, 0)
    assert fp_to_int("d", "w", RNE, D(-(2.0 ** 31) - 0.5)) == (i64(-2 ** 31), NX)
    assert fp_to_int("d", "w", RDN, D(-(2.0 ** 31) - 0.5)) == (i64(-2 ** 31), NV)
    assert fp_to_int("d", "wu", RNE, D(2.0 ** 32 - 0.5)) == (0xFFFFFFFF | SX32, NV)
    assert fp_to_int("d", "wu", RTZ, D(2.0 ** 32 - 0.5)) == (0xFFFFFFFF | SX32, NX)
    assert fp_to_int("d", "lu", RNE, D(2.0 ** 64 - 2048)) == (2 ** 64 - 2048, 0)
    assert fp_to_int("d", "l", RNE, D(2.0 ** 63 - 1024)) == (2 ** 63 - 1024, 0)
    assert fp_to_int("s", "w", RNE, S(2.0 ** 31 - 128)) == (2 ** 31 - 128, 0)


@pytest.mark.parametrize("fmt", FMTS)
@pytest.mark.parametrize("itype", ("w", "wu", "l", "lu"))
def test_to_int_matches_oracle(fmt: str, itype: str) -> None:
    rng = random.Random(f"toint{fmt}{itype}")
    values = [random_finite(fmt, rng) for _ in range(150)]
    # Magnitudes around the interesting range of the integer type.
    for _ in range(150):
        x = rng.uniform(-1, 1) * 2.0 ** rng.uniform(-3, 66)
        values.append(bits_of(fmt, float(np.float32(x)) if fmt == "s" else x))
    for a in values:
        for rm in MODES:
            assert fp_to_int(fmt, itype, rm, a) == oracle_to_int(fmt, itype, rm, a), (hex(a), rm)


@pytest.mark.parametrize("fmt", FMTS)
@pytest.mark.parametrize("itype", ("w", "wu", "l", "lu"))
def test_from_int_matches_oracle(fmt: str, itype: str) -> None:
    rng = random.Random(f"fromint{fmt}{itype}")
    width, signed = {"w": (32, True), "wu": (32, False), "l": (64, True), "lu": (64, False)}[itype]
    regs = [0, 1, 2 ** 64 - 1, 2 ** 63, 2 ** 63 - 1, 2 ** 31, 2 ** 31 - 1, 2 ** 32 - 1,
            0xFFFFFFFF80000000, 0xDEADBEEF00000001]
    regs += [rng.getrandbits(64) >> rng.randint(0, 63) for _ in range(200)]
    for reg in regs:
        v = reg & ((1 << width) - 1)
        if signed and v >> (width - 1):
            v -= 1 << width
        for rm in MODES:
            assert fp_from_int(fmt, itype, rm, reg) == oracle_round(fmt, rm, Fraction(v)), \
                (hex(reg), itype, rm)


def test_convert() -> None:
    rng = random.Random(11)
    for _ in range(500):
        a = random_bits("s", rng)
        got = fp_convert("s", "d", RMM, a)
        if is_nan("s", a):
            assert got == (CANONICAL_NAN["d"], NV if is_snan("s", a) else 0)
        else:
            assert got == (D(float_of("s", a)), 0)                      # widening is exact
    for _ in range(300):
        a = random_finite("d", rng)
        for rm in MODES:
            assert fp_convert("d", "s", rm, a) == oracle_round("s", rm, exact("d", a),
                                                               a >> 63), hex(a)
        with np.errstate(all="ignore"):
            host = np.float64(float_of("d", a)).astype(np.float32)
        assert fp_convert("d", "s", RNE, a)[0] == int(np.array([host]).view(np.uint32)[0])
    assert fp_convert("d", "s", RNE, D(math.nan) | 0xBEEF) == (CANONICAL_NAN["s"], 0)
    assert fp_convert("d", "s", RNE, D(math.inf) | 1) == (CANONICAL_NAN["s"], NV)
    assert fp_convert("d", "s", RNE, D(-math.inf)) == (S(-math.inf), 0)
    assert fp_convert("d", "s", RNE, D(-0.0)) == (S(-0.0), 0)
    assert fp_convert("d", "s", RNE, D(1e300)) == (S(math.inf), OF | NX)
    assert fp_convert("d", "s", RTZ, D(-1e300)) == (S(-math.inf) - 1, OF | NX)
    assert fp_convert("d", "s", RNE, D(1e-50)) == (0, UF | NX)
    assert fp_convert("d", "s", RUP, D(1e-50)) == (1, UF | NX)


# ---- compare, min/max, classify -----------------------------------------------------

@pytest.mark.parametrize("fmt", FMTS)
def test_compare(fmt: str) -> None:
    f = lambda x: bits_of(fmt, x)                                    # noqa: E731
    qnan, snan = f(math.nan), f(math.inf) | 1
    assert fp_compare("feq", fmt, f(0.0), f(-0.0)) == (1, 0)
    assert fp_compare("fle", fmt, f(-0.0), f(0.0)) == (1, 0)
    assert fp_compare("flt", fmt, f(-0.0), f(0.0)) == (0, 0)
    assert fp_compare("flt", fmt, f(-math.inf), f(-1e30)) == (1, 0)
    assert fp_compare("flt", fmt, f(1.0), f(1.0)) == (0, 0)
    assert fp_compare("fle", fmt, f(1.0), f(1.0)) == (1, 0)
    assert fp_compare("flt", fmt, f(-2.0), f(-1.0)) == (1, 0)
    assert fp_compare("flt", fmt, 1, 2) == (1, 0)
    assert fp_compare("feq", fmt, qnan, qnan) == (0, 0)                 # quiet
    assert fp_compare("feq", fmt, f(1.0), snan) == (0, NV)
    assert fp_compare("flt", fmt, qnan, f(1.0)) == (0, NV)             # signaling
    assert fp_compare("fle", fmt, f(1.0), qnan) == (0, NV)
    assert fp_compare("fle", fmt, snan, snan) == (0, NV)
    rng = random.Random(3)
    for _ in range(500):
        a, b = random_finite(fmt, rng), random_finite(fmt, rng)
        x, y = float_of(fmt, a), float_of(fmt, b)
        assert fp_compare("feq", fmt, a, b) == (int(x == y), 0)
        assert fp_compare("flt", fmt, a, b) == (int(x < y), 0)
        assert fp_compare("fle", fmt, a, b) == (int(x <= y), 0)


@pytest.mark.parametrize("fmt", FMTS)
def test_minmax(fmt: str) -> None:
    f = lambda x: bits_of(fmt, x)                                    # noqa: E731
    qnan, snan, nan = f(math.nan) | 7, f(math.inf) | 1, CANONICAL_NAN[fmt]
    assert fp_minmax("fmin", fmt, f(0.0), f(-0.0)) == (f(-0.0), 0)
    assert fp_minmax("fmin", fmt, f(-0.0), f(0.0)) == (f(-0.0), 0)
    assert fp_minmax("fmax", fmt, f(-0.0), f(0.0)) == (f(0.0), 0)
    assert fp_minmax("fmax", fmt, f(0.0), f(-0.0)) == (f(0.0), 0)
    assert fp_minmax("fmin", fmt, qnan, f(2.0)) == (f(2.0), 0)
    assert fp_minmax("fmax", fmt, f(-2.0), qnan) == (f(-2.0), 0)
    assert fp_minmax("fmin", fmt, snan, f(2.0)) == (f(2.0), NV)       # NV, yet not NaN
    assert fp_minmax("fmax", fmt, f(-math.inf), snan) == (f(-math.inf), NV)
    assert fp_minmax("fmin", fmt, qnan, qnan) == (nan, 0)
    assert fp_minmax("fmax", fmt, qnan, snan) == (nan, NV)
    assert fp_minmax("fmax", fmt, f(-math.inf), f(-1e30)) == (f(-1e30), 0)
    rng = random.Random(5)
    for _ in range(500):
        a, b = random_finite(fmt, rng), random_finite(fmt, rng)
        x, y = float_of(fmt, a), float_of(fmt, b)
        if x != y:
            assert fp_minmax("fmin", fmt, a, b) == ((a if x < y else b), 0)
            assert fp_minmax("fmax", fmt, a, b) == ((a if x > y else b), 0)


@pytest.mark.parametrize("fmt", FMTS)
def test_classify(fmt: str) -> None:
    f = lambda x: bits_of(fmt, x)                                    # noqa: E731
    sign = 1 << (PARAMS[fmt][3] - 1)
    quiet = 1 << (PARAMS[fmt][0] - 2)
    cases = {f(-math.inf): 0, f(-1.5): 1, sign | 1: 2, sign | (quiet * 2 - 1): 2, f(-0.0): 3,
             f(0.0): 4, 1: 5, quiet * 2 - 1: 5, quiet * 2: 6, f(1e30): 6, f(math.inf): 7,
             f(math.inf) | 1: 8, sign | f(math.inf) | (quiet - 1): 8,
             f(math.inf) | quiet: 9, sign | f(math.inf) | quiet | 1: 9}
    for bits, bit in cases.items():
        assert fp_classify(fmt, bits) == 1 << bit, hex(bits)


# ---- the JIT helper -----------------------------------------------------------------

def test_pack_request_round_trips() -> None:
    for op in sf.OPS:
        itype = "lu" if op in ("from_int", "to_int") else None
        for fmt in FMTS:
            for rm in MODES + (sf.DYN,):
                req = sf.pack_request(op, fmt, rm, itype)
                assert req == sf.OPS[op] | sf.FMTS[fmt] << 8 | rm << 12 | \
                    (sf.ITYPES[itype] << 16 if itype else 0)
                assert sf.unpack_request(req) == (op, fmt, rm, itype)
    with pytest.raises(ValueError):
        sf.pack_request("to_int", "s", RNE)
    with pytest.raises(ValueError):
        sf.pack_request("add", "s", 5)


def test_fp_slow_helper() -> None:
    vcpu = SimpleNamespace(state=CpuState())
    fp_slow = functools.partial(sf.helpers()["fp_slow"], vcpu)
    box = 0xFFFFFFFF00000000
    one_s, tiny = box | S(1.0), box | S(2.0 ** -24)
    # RMM single add: NaN-boxed operands in, NaN-boxed result out, NX accrued.
    assert fp_slow(sf.pack_request("add", "s", RMM), one_s, tiny, 0) == box | (S(1.0) + 1)
    assert vcpu.state.fflags == NX
    # A single that is not NaN-boxed reads as the canonical NaN.
    assert fp_slow(sf.pack_request("add", "s", RMM), S(1.0), tiny, 0) == box | CANONICAL_NAN["s"]
    # Double fma (d is the addend); flags accumulate.
    req = sf.pack_request("fmadd", "d", RMM)
    assert fp_slow(req, D(1.0), D(1.0), D(2.0 ** -53)) == D(1.0) + 1
    assert fp_slow(sf.pack_request("div", "d", RMM), D(1.0), D(0.0), 0) == D(math.inf)
    assert vcpu.state.fflags == NX | DZ
    vcpu.state.fflags = 0
    # Conversions: fmt is the destination; integer results are 64-bit register values.
    assert fp_slow(sf.pack_request("convert", "s", RMM), D(1 + 2.0 ** -24), 0, 0) == box | (S(1.0) + 1)
    assert fp_slow(sf.pack_request("convert", "d", RMM), box | S(1.5), 0, 0) == D(1.5)
    assert fp_slow(sf.pack_request("to_int", "d", RMM, "w"), D(-2.5), 0, 0) == i64(-3)
    assert fp_slow(sf.pack_request("to_int", "s", RMM, "wu"), box | S(-3.0), 0, 0) == 0
    assert vcpu.state.fflags == NX | NV
    assert fp_slow(sf.pack_request("from_int", "s", RMM, "w"), i64(-(2 ** 24 + 1)), 0, 0) == \
        box | S(-(2.0 ** 24 + 2))
    assert fp_slow(sf.pack_request("from_int", "d", RNE, "lu"), 2 ** 64 - 1, 0, 0) == D(2.0 ** 64)
    # DYN takes the rounding mode from frm.
    vcpu.state.frm = RMM
    assert fp_slow(sf.pack_request("add", "d", sf.DYN), D(1.0), D(2.0 ** -53), 0) == D(1.0) + 1
    vcpu.state.frm = RNE
    assert fp_slow(sf.pack_request("add", "d", sf.DYN), D(1.0), D(2.0 ** -53), 0) == D(1.0)
    # The non-rounding ops are served too.
    assert fp_slow(sf.pack_request("flt", "s", RNE), box | S(1.0), box | S(2.0), 0) == 1
    assert fp_slow(sf.pack_request("fclass", "d", RNE), D(-0.0), 0, 0) == 1 << 3
    assert fp_slow(sf.pack_request("fmin", "s", RNE), box | S(3.0), box | S(-3.0), 0) == box | S(-3.0)


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        fp_arith("add", "s", RNE, 1 << 32, 0)                         # a NaN-boxed single
    with pytest.raises(ValueError):
        fp_arith("add", "d", 5, 0, 0)
    with pytest.raises(ValueError):
        fp_arith("fma", "d", RNE, 0, 0)
    with pytest.raises(ValueError):
        fp_to_int("q", "w", RNE, 0)

"""Lowering of the floating-point ops, with RISC-V's exact semantics.

Arithmetic runs on the host FPU through LLVM's constrained intrinsics
(`round.dynamic`, `fpexcept.strict`), so LLVM neither reorders nor folds it
and the x86 MXCSR does the rounding and collects the exception flags. The
MXCSR rounding field always mirrors the guest's frm inside native code, and
host flags are folded into fflags when Python or the guest reads them.
x86 detects tininess after rounding, as RISC-V does. What x86 does
differently is made explicit here: canonical NaNs, 0*inf+qNaN in FMA,
saturating conversions, fmin/fmax, compares and fclass (integer code, no
host flags), and RMM rounding, which x86 lacks: it goes to the exact
Python implementation (emu/riscv/softfloat.py).
"""
from __future__ import annotations

from emu import state as st
from emu.riscv import softfloat
from jit.ir import Op, to_signed
from jit.lower import EXTRA, BlockLowering

R = st.ExitReason
NV, DZ, OF, UF, NX = 16, 8, 4, 2, 1
RNE, RTZ, RDN, RUP, RMM, DYN = 0, 1, 2, 3, 4, 7
MXCSR_RC = {RNE: 0x0000, RTZ: 0x6000, RDN: 0x2000, RUP: 0x4000}
MXCSR_FLAGS = 0x3F


class Fmt:
    """LLVM type and bit layout of one IEEE format."""

    def __init__(self, ty: str, bits: int, canon: int):
        self.ty, self.bits, self.canon = ty, bits, canon
        self.suffix = "f32" if bits == 32 else "f64"
        self.sign = 1 << (bits - 1)
        self.abs = self.sign - 1
        self.mant_bits = 23 if bits == 32 else 52
        self.inf = self.abs & ~((1 << self.mant_bits) - 1)
        self.quiet = 1 << (self.mant_bits - 1)


FMTS = {"s": Fmt("float", 32, 0x7FC00000), "d": Fmt("double", 64, 0x7FF8000000000000)}
STRICT = 'metadata !"fpexcept.strict"'
DYNAMIC = 'metadata !"round.dynamic"'


def constrained(L: BlockLowering, name: str, ret: str, args: list[tuple[str, str]],
                rounding: bool = True, suffix: str | None = None) -> str:
    """Call llvm.experimental.constrained.<name>; returns the result value."""
    tys = [t for t, _ in args]
    sfx = suffix or {"float": "f32", "double": "f64"}[ret]
    meta = [DYNAMIC, STRICT] if rounding else [STRICT]
    L.intrinsic(f"declare {ret} @llvm.experimental.constrained.{name}.{sfx}("
                + ", ".join(tys + ["metadata"] * len(meta)) + ")")
    r = L.fresh("f")
    argtext = ", ".join([f"{t} {v}" for t, v in args] + meta)
    L.emit(f"{r} = call {ret} @llvm.experimental.constrained.{name}.{sfx}({argtext}) strictfp")
    return r


def to_host(L: BlockLowering, v: str, f: Fmt) -> str:
    """i64 register bits -> host float/double."""
    if f.bits == 32:
        t = L.fresh()
        L.emit(f"{t} = trunc i64 {v} to i32")
        v, src = t, "i32"
    else:
        src = "i64"
    r = L.fresh("f")
    L.emit(f"{r} = bitcast {src} {v} to {f.ty}")
    return r


def from_host(L: BlockLowering, x: str, f: Fmt) -> str:
    """host float/double -> i64 bits (single zero-extended), NaN made canonical."""
    ity = f"i{f.bits}"
    b = L.fresh()
    L.emit(f"{b} = bitcast {f.ty} {x} to {ity}")
    if f.bits == 32:
        w = L.fresh()
        L.emit(f"{w} = zext i32 {b} to i64")
        b = w
    return canonicalize(L, b, f)


def int_op(L: BlockLowering, instr: str, a: str, b: object) -> str:
    r = L.fresh()
    L.emit(f"{r} = {instr} i64 {a}, {b}")
    return r


def icmp(L: BlockLowering, cond: str, a: str, b: object) -> str:
    r = L.fresh()
    L.emit(f"{r} = icmp {cond} i64 {a}, {b}")
    return r


def select(L: BlockLowering, c: str, a: object, b: object, ty: str = "i64") -> str:
    r = L.fresh()
    L.emit(f"{r} = select i1 {c}, {ty} {a}, {ty} {b}")
    return r


def bool_op(L: BlockLowering, instr: str, a: str, b: str) -> str:
    r = L.fresh()
    L.emit(f"{r} = {instr} i1 {a}, {b}")
    return r


def is_nan(L: BlockLowering, v: str, f: Fmt) -> str:
    return icmp(L, "ugt", int_op(L, "and", v, f.abs), f.inf)


def is_snan(L: BlockLowering, v: str, f: Fmt) -> str:
    quiet = icmp(L, "ne", int_op(L, "and", v, f.quiet), 0)
    return bool_op(L, "and", is_nan(L, v, f), bool_op(L, "xor", quiet, "true"))


def canonicalize(L: BlockLowering, v: str, f: Fmt) -> str:
    return select(L, is_nan(L, v, f), to_signed(f.canon), v)


def raise_flags(L: BlockLowering, cond: str | None, bits: int | str) -> None:
    """fflags |= bits (if cond)."""
    add = bits if cond is None else select(L, cond, bits, 0)
    L.store_field("fflags", int_op(L, "or", L.load_field("fflags"), add))


# ---- rounding-mode plumbing --------------------------------------------
def mxcsr_update(L: BlockLowering, expr) -> None:
    """MXCSR = expr(current MXCSR value), via %mx.tmp."""
    L.intrinsic("ldmxcsr")
    L.intrinsic("stmxcsr")
    L.emit("call void @llvm.x86.sse.stmxcsr(ptr %mx.tmp)")
    cur = L.fresh()
    L.emit(f"{cur} = load i32, ptr %mx.tmp")
    L.emit(f"store i32 {expr(cur)}, ptr %mx.tmp")
    L.emit("call void @llvm.x86.sse.ldmxcsr(ptr %mx.tmp)")


def i32_op(L: BlockLowering, instr: str, a: str, b: object) -> str:
    r = L.fresh()
    L.emit(f"{r} = {instr} i32 {a}, {b}")
    return r


def with_static_rounding(L: BlockLowering, rm: int, native) -> str:
    """Run native() with MXCSR rounding rm, then restore frm's rounding (keeping new flags)."""
    L.intrinsic("stmxcsr")
    L.emit("call void @llvm.x86.sse.stmxcsr(ptr %mx.save)")
    saved = L.fresh()
    L.emit(f"{saved} = load i32, ptr %mx.save")
    mxcsr_update(L, lambda cur: i32_op(L, "or", i32_op(L, "and", cur, ~0x6000), MXCSR_RC[rm]))
    r = native()
    keep = i32_op(L, "and", saved, 0x6000)
    mxcsr_update(L, lambda cur: i32_op(L, "or", i32_op(L, "and", cur, ~0x6000), keep))
    return r


def rounded(L: BlockLowering, rm: int, native, slow, exact: bool = False) -> str:
    """The result of an op with a rounding mode: native host rounding, or the exact
    Python slow path for RMM; an invalid dynamic frm is an illegal instruction."""
    if rm == RMM:
        return native() if exact else slow()
    if rm != DYN:
        return native() if exact else with_static_rounding(L, rm, native)
    frm = L.load_field("frm")
    ok = icmp(L, "ult", frm, RMM)
    if exact:
        ok = icmp(L, "ule", frm, RMM)
    native_l, other_l, join = L.label("fp_native"), L.label("fp_other"), L.label("fp_join")
    L.emit(f"br i1 {ok}, label %{native_l}, label %{other_l}, !prof !0")
    before = dict(L.cache)
    L.start(native_l)
    r1 = native()
    native_end, native_cache = L.current, dict(L.cache)
    L.emit(f"br label %{join}")
    L.start(other_l)
    L.cache = dict(before)
    if exact:
        L.exit_to_python(R.ILLEGAL, L.pc)
        L.start(join)
        L.merge_cache(before, native_cache)
        return r1
    is_rmm = icmp(L, "eq", frm, RMM)
    slow_l, bad_l = L.label("fp_slow"), L.label("fp_bad_rm")
    L.emit(f"br i1 {is_rmm}, label %{slow_l}, label %{bad_l}")
    L.start(bad_l)
    L.exit_to_python(R.ILLEGAL, L.pc)
    L.start(slow_l)
    L.cache = dict(before)
    r2 = slow()
    slow_end, slow_cache = L.current, dict(L.cache)
    L.emit(f"br label %{join}")
    L.start(join)
    r = L.fresh()
    L.emit(f"{r} = phi i64 [ {r1}, %{native_end} ], [ {r2}, %{slow_end} ]")
    L.merge_cache(before, native_cache, slow_cache)
    return r


def slow_call(L: BlockLowering, op: str, fmt: str, rm: int, args: list[str],
              itype: str | None = None, boxed_args: bool = False, boxed_result: bool = False) -> str:
    """Call the exact Python implementation (it ORs its flags into fflags).

    It takes and returns register contents, so singles travel NaN-boxed."""
    from jit.helpers import helper_id
    if boxed_args:
        args = [int_op(L, "or", a, -(1 << 32)) for a in args]
    req = softfloat.pack_request(op, fmt, RMM if rm == DYN else rm, itype)
    r = L.call_python(helper_id("fp_slow"), [str(req)] + args + ["0"] * (3 - len(args)))
    L.forget_state()
    return int_op(L, "and", r, 0xFFFFFFFF) if boxed_result else r


# ---- arithmetic ---------------------------------------------------------
ARITH = {"fadd": "fadd", "fsub": "fsub", "fmul": "fmul", "fdiv": "fdiv"}


def lower_arith(L: BlockLowering, op: Op) -> None:
    a, b, fmt, rm = op.args
    f = FMTS[fmt]
    single = fmt == "s"
    va, vb = L.val(a), L.val(b)

    def native() -> str:
        x = constrained(L, ARITH[op.name], f.ty, [(f.ty, to_host(L, va, f)), (f.ty, to_host(L, vb, f))])
        return from_host(L, x, f)
    r = rounded(L, rm, native, lambda: slow_call(L, op.name[1:], fmt, rm, [va, vb], None, single, single))
    L.alias(op, r)


def lower_sqrt(L: BlockLowering, op: Op) -> None:
    a, fmt, rm = op.args
    f = FMTS[fmt]
    single = fmt == "s"
    va = L.val(a)

    def native() -> str:
        return from_host(L, constrained(L, "sqrt", f.ty, [(f.ty, to_host(L, va, f))]), f)
    r = rounded(L, rm, native, lambda: slow_call(L, "sqrt", fmt, rm, [va], None, single, single))
    L.alias(op, r)


# operand sign flips that turn each fused op into fma(a', b, c')
FUSED = {"fmadd": (False, False), "fmsub": (False, True), "fnmsub": (True, False), "fnmadd": (True, True)}


def lower_fused(L: BlockLowering, op: Op) -> None:
    a, b, c, fmt, rm = op.args
    f = FMTS[fmt]
    single = fmt == "s"
    va, vb, vc = L.val(a), L.val(b), L.val(c)
    neg_a, neg_c = FUSED[op.name]
    # RISC-V: inf * 0 + anything (even a quiet NaN) is invalid; x86 stays silent for qNaN.
    def inf_times_zero(x: str, y: str) -> str:
        xa, ya = int_op(L, "and", x, f.abs), int_op(L, "and", y, f.abs)
        return bool_op(L, "and", icmp(L, "eq", xa, f.inf), icmp(L, "eq", ya, 0))
    invalid = bool_op(L, "or", inf_times_zero(va, vb), inf_times_zero(vb, va))
    raise_flags(L, bool_op(L, "and", invalid, is_nan(L, vc, f)), NV)
    sa = int_op(L, "xor", va, to_signed(f.sign)) if neg_a else va
    sc = int_op(L, "xor", vc, to_signed(f.sign)) if neg_c else vc

    def native() -> str:
        x = constrained(L, "fma", f.ty, [(f.ty, to_host(L, sa, f)), (f.ty, to_host(L, vb, f)),
                                          (f.ty, to_host(L, sc, f))])
        return from_host(L, x, f)
    r = rounded(L, rm, native, lambda: slow_call(L, op.name, fmt, rm, [va, vb, vc], None, single, single))
    L.alias(op, r)


# ---- conversions ----------------------------------------------------------
INT_RANGE = {"w": (-(1 << 31), (1 << 31) - 1), "wu": (0, (1 << 32) - 1),
             "l": (-(1 << 63), (1 << 63) - 1), "lu": (0, (1 << 64) - 1)}
NAN_RESULT = {"w": (1 << 31) - 1, "wu": -1, "l": (1 << 63) - 1, "lu": -1}
ROUND_TO_INT = {RNE: "roundeven", RTZ: "trunc", RDN: "floor", RUP: "ceil", RMM: "round"}


def fcmp(L: BlockLowering, cond: str, x: str, y: str) -> str:
    """Quiet compare of doubles (raises nothing for quiet NaNs)."""
    L.intrinsic("declare i1 @llvm.experimental.constrained.fcmp.f64(double, double, metadata, metadata)")
    r = L.fresh()
    L.emit(f"{r} = call i1 @llvm.experimental.constrained.fcmp.f64(double {x}, double {y}, "
           f'metadata !"{cond}", {STRICT}) strictfp')
    return r


def double_const(v: float) -> str:
    import struct
    return "0x%016X" % struct.unpack("<Q", struct.pack("<d", v))[0]


def lower_f2i(L: BlockLowering, op: Op) -> None:
    """Saturating float -> int: NaN and out-of-range set NV (and nothing else)."""
    a, fmt, itype, rm = op.args
    f = FMTS[fmt]
    va = L.val(a)
    x = to_host(L, va, f)
    if f.bits == 32:
        x = constrained(L, "fpext", "double", [("float", x)], rounding=False, suffix="f64.f32")

    def round_with(mode: int) -> str:
        return constrained(L, ROUND_TO_INT[mode], "double", [("double", x)], rounding=False)
    if rm == DYN:
        frm = L.load_field("frm")
        bad = icmp(L, "ugt", frm, RMM)
        ok_l, bad_l = L.label("rm_ok"), L.label("rm_bad")
        L.emit(f"br i1 {bad}, label %{bad_l}, label %{ok_l}, !prof !1")
        L.start(bad_l)
        L.exit_to_python(R.ILLEGAL, L.pc)
        L.start(ok_l)
        L.intrinsic("declare double @llvm.experimental.constrained.nearbyint.f64(double, metadata, metadata)")
        near = constrained(L, "nearbyint", "double", [("double", x)])
        away = round_with(RMM)
        r = select(L, icmp(L, "eq", frm, RMM), away, near, "double")
    else:
        r = round_with(rm)
    lo, hi = INT_RANGE[itype]
    nan = fcmp(L, "uno", x, x)
    too_low = fcmp(L, "olt", r, double_const(float(lo)))
    # hi + 1 is a power of two, exact in double; r >= hi + 1 overflows.
    too_high = fcmp(L, "oge", r, double_const(float(hi + 1)))
    out = bool_op(L, "or", bool_op(L, "or", too_low, too_high), nan)
    safe = select(L, out, "0.0", r, "double")
    conv = "fptosi" if itype in ("w", "l") else "fptoui"
    L.intrinsic(f"declare i64 @llvm.experimental.constrained.{conv}.i64.f64(double, metadata)")
    n = L.fresh()
    L.emit(f"{n} = call i64 @llvm.experimental.constrained.{conv}.i64.f64(double {safe}, {STRICT}) strictfp")
    sat = select(L, too_low, to_signed(lo), to_signed(hi))
    sat = select(L, nan, to_signed(NAN_RESULT[itype]), sat)
    res = select(L, out, sat, n)
    if itype in ("w", "wu"):
        t = L.fresh()
        L.emit(f"{t} = trunc i64 {res} to i32")
        res = L.fresh()
        L.emit(f"{res} = sext i32 {t} to i64")
    inexact = bool_op(L, "and", fcmp(L, "une", r, x), bool_op(L, "xor", out, "true"))
    raise_flags(L, out, NV)
    raise_flags(L, inexact, NX)
    L.alias(op, res)


def lower_i2f(L: BlockLowering, op: Op) -> None:
    a, fmt, itype, rm = op.args
    f = FMTS[fmt]
    v = L.val(a)
    if itype == "w":
        t = L.fresh()
        L.emit(f"{t} = trunc i64 {v} to i32")
        v = L.fresh()
        L.emit(f"{v} = sext i32 {t} to i64")
    elif itype == "wu":
        v = int_op(L, "and", v, 0xFFFFFFFF)
    conv = "sitofp" if itype in ("w", "l") else "uitofp"
    exact = f.bits == 64 and itype in ("w", "wu")

    def native() -> str:
        x = constrained(L, conv, f.ty, [("i64", v)], suffix=f"{f.suffix}.i64")
        return from_host(L, x, f)
    r = rounded(L, rm, native, lambda: slow_call(L, "from_int", fmt, rm, [v], itype, False, fmt == "s"),
                exact=exact)
    L.alias(op, r)


def lower_f2f(L: BlockLowering, op: Op) -> None:
    a, src, dst, rm = op.args
    fs, fd = FMTS[src], FMTS[dst]
    va = L.val(a)

    def native() -> str:
        x = to_host(L, va, fs)
        if fd.bits > fs.bits:
            y = constrained(L, "fpext", fd.ty, [(fs.ty, x)], rounding=False, suffix="f64.f32")
        else:
            y = constrained(L, "fptrunc", fd.ty, [(fs.ty, x)], suffix="f32.f64")
        return from_host(L, y, fd)
    r = rounded(L, rm, native, lambda: slow_call(L, "convert", dst, rm, [va], None, src == "s", dst == "s"),
                exact=fd.bits > fs.bits)
    L.alias(op, r)


# ---- sign-magnitude integer logic: compares, min/max, class ---------------------
def order_key(L: BlockLowering, v: str, f: Fmt) -> str:
    """A signed integer ordering non-NaN floats as their values (-0 == +0)."""
    mag = int_op(L, "and", v, f.abs)
    neg = icmp(L, "ne", int_op(L, "and", v, to_signed(f.sign)), 0)
    return select(L, neg, int_op(L, "sub", "0", mag), mag)


def lower_compare(L: BlockLowering, op: Op) -> None:
    a, b, fmt = op.args
    f = FMTS[fmt]
    va, vb = L.val(a), L.val(b)
    any_nan = bool_op(L, "or", is_nan(L, va, f), is_nan(L, vb, f))
    if op.name == "feq":
        raise_flags(L, bool_op(L, "or", is_snan(L, va, f), is_snan(L, vb, f)), NV)
    else:
        raise_flags(L, any_nan, NV)
    cond = {"feq": "eq", "flt": "slt", "fle": "sle"}[op.name]
    hit = icmp(L, cond, order_key(L, va, f), order_key(L, vb, f))
    res = bool_op(L, "and", hit, bool_op(L, "xor", any_nan, "true"))
    L.define(op, f"zext i1 {res} to i64")


def lower_minmax(L: BlockLowering, op: Op) -> None:
    a, b, fmt = op.args
    f = FMTS[fmt]
    va, vb = L.val(a), L.val(b)
    raise_flags(L, bool_op(L, "or", is_snan(L, va, f), is_snan(L, vb, f)), NV)
    ka, kb = order_key(L, va, f), order_key(L, vb, f)
    if op.name == "fmin":
        pick_a = icmp(L, "slt", ka, kb)
        tie = int_op(L, "or", va, vb)            # -0 wins a tie of zeros
    else:
        pick_a = icmp(L, "sgt", ka, kb)
        tie = int_op(L, "and", va, vb)           # +0 wins
    r = select(L, icmp(L, "eq", ka, kb), tie, select(L, pick_a, va, vb))
    na, nb = is_nan(L, va, f), is_nan(L, vb, f)
    r = select(L, nb, va, r)
    r = select(L, na, vb, r)
    r = select(L, bool_op(L, "and", na, nb), to_signed(f.canon), r)
    L.alias(op, r)


def lower_class(L: BlockLowering, op: Op) -> None:
    a, fmt = op.args
    f = FMTS[fmt]
    v = L.val(a)
    mag = int_op(L, "and", v, f.abs)
    neg = icmp(L, "ne", int_op(L, "and", v, to_signed(f.sign)), 0)
    inf = icmp(L, "eq", mag, f.inf)
    zero = icmp(L, "eq", mag, 0)
    sub = bool_op(L, "and", icmp(L, "ult", mag, 1 << f.mant_bits), bool_op(L, "xor", zero, "true"))
    nan = icmp(L, "ugt", mag, f.inf)
    quiet = icmp(L, "ne", int_op(L, "and", v, f.quiet), 0)
    # bit index if positive; negative classes mirror: 7 - index
    idx = select(L, inf, 7, select(L, zero, 4, select(L, sub, 5, 6)))
    idx = select(L, neg, int_op(L, "sub", "7", idx), idx)
    idx = select(L, nan, select(L, quiet, 9, 8), idx)
    L.define(op, f"shl i64 1, {idx}")


# ---- fflags / frm ----------------------------------------------------------------
def host_flags_to_fflags(L: BlockLowering, mx: str) -> str:
    from jit.dispatch import MXCSR_TO_FFLAGS
    acc = "0"
    for host, guest in MXCSR_TO_FFLAGS:
        bit = icmp(L, "ne", int_op(L, "and", mx, host), 0)
        acc = int_op(L, "or", acc, select(L, bit, guest, 0))
    return acc


def fold_host_flags(L: BlockLowering) -> str:
    """fflags |= the flags the host FPU collected (which it then forgets); returns
    the new fflags. A guest read of fflags, and a plugin callback, see them all."""
    L.intrinsic("stmxcsr")
    L.intrinsic("ldmxcsr")
    L.emit("call void @llvm.x86.sse.stmxcsr(ptr %mx.tmp)")
    mx32 = L.fresh()
    L.emit(f"{mx32} = load i32, ptr %mx.tmp")
    mx = L.fresh()
    L.emit(f"{mx} = zext i32 {mx32} to i64")
    L.emit(f"store i32 {i32_op(L, 'and', mx32, ~MXCSR_FLAGS)}, ptr %mx.tmp")
    L.emit("call void @llvm.x86.sse.ldmxcsr(ptr %mx.tmp)")
    merged = int_op(L, "or", L.load_field("fflags"), host_flags_to_fflags(L, mx))
    L.store_field("fflags", merged)
    return merged


def lower_get_fflags(L: BlockLowering, op: Op) -> None:
    L.alias(op, fold_host_flags(L))


def lower_set_fflags(L: BlockLowering, op: Op) -> None:
    L.store_field("fflags", L.val(op.args[0]))
    mxcsr_update(L, lambda cur: i32_op(L, "and", cur, ~MXCSR_FLAGS))


def lower_set_frm(L: BlockLowering, op: Op) -> None:
    """frm and the MXCSR rounding field move together (state.mxcsr for the next run)."""
    v = L.val(op.args[0])
    L.store_field("frm", v)
    # rounding-control codes of frm 0..3 packed two bits each; frm >= 4 -> RNE.
    packed = sum(((MXCSR_RC[m] >> 13) << (2 * m)) for m in range(4))
    code = int_op(L, "and", int_op(L, "lshr", str(packed), int_op(L, "shl", v, 1)), 3)
    code = select(L, icmp(L, "ult", v, 4), code, 0)
    bits = int_op(L, "shl", code, 13)
    L.store_field("mxcsr", int_op(L, "or", bits, 0x1F80))
    rc = L.fresh()
    L.emit(f"{rc} = trunc i64 {bits} to i32")
    mxcsr_update(L, lambda cur: i32_op(L, "or", i32_op(L, "and", cur, ~0x6000), rc))


for _name in ARITH:
    EXTRA[_name] = lower_arith
for _name in FUSED:
    EXTRA[_name] = lower_fused
EXTRA.update({
    "fsqrt": lower_sqrt, "fcvt_f2i": lower_f2i, "fcvt_i2f": lower_i2f, "fcvt_f2f": lower_f2f,
    "feq": lower_compare, "flt": lower_compare, "fle": lower_compare,
    "fmin": lower_minmax, "fmax": lower_minmax, "fclass": lower_class,
    "get_fflags": lower_get_fflags, "set_fflags": lower_set_fflags, "set_frm": lower_set_frm,
})

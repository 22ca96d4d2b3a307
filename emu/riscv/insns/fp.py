"""F and D: single and double precision (NaN-boxing of singles lives here)."""
from __future__ import annotations

from jit.ir import Builder, Value

from .common import illegal, sext32, zext32

BOX = -(1 << 32)                  # upper 32 bits all ones
CANONICAL_S = 0x7FC00000
SIGN = {"s": 1 << 31, "d": 1 << 63}
INVALID_RM = (5, 6)


def unbox(b: Builder, v: Value) -> Value:
    """A single from an f register: a value not NaN-boxed reads as the canonical NaN."""
    return b.select(b.eq(b.shr(v, 32), 0xFFFFFFFF), zext32(b, v), CANONICAL_S)


def read(b: Builder, fmt: str, r: int) -> Value:
    return unbox(b, b.f(r)) if fmt == "s" else b.f(r)


def write(b: Builder, fmt: str, r: int, v: Value) -> None:
    b.set_f(r, b.or_(v, BOX) if fmt == "s" else v)


def _checked(sem):
    """Reserved static rounding modes (5, 6) are illegal instructions."""
    def wrapped(b: Builder, i) -> None:
        if i.rm in INVALID_RM:
            return illegal(b, i)
        sem(b, i)
    return wrapped


def _arith(op: str, fmt: str):
    return _checked(lambda b, i: write(b, fmt, i.rd, b.emit(op, read(b, fmt, i.rs1), read(b, fmt, i.rs2), fmt, i.rm)))


def _fused(op: str, fmt: str):
    return _checked(lambda b, i: write(b, fmt, i.rd, b.emit(
        op, read(b, fmt, i.rs1), read(b, fmt, i.rs2), read(b, fmt, i.rs3), fmt, i.rm)))


def _sgnj(kind: str, fmt: str):
    def sem(b: Builder, i) -> None:
        a, s = read(b, fmt, i.rs1), read(b, fmt, i.rs2)
        sign = SIGN[fmt]
        if kind == "n":
            s = b.xor(s, sign)
        elif kind == "x":
            s = b.xor(s, a)
        write(b, fmt, i.rd, b.or_(b.and_(a, sign - 1), b.and_(s, sign)))
    return sem


def _compare(op: str, fmt: str):
    return lambda b, i: b.set_x(i.rd, b.emit(op, read(b, fmt, i.rs1), read(b, fmt, i.rs2), fmt))


def _minmax(op: str, fmt: str):
    return lambda b, i: write(b, fmt, i.rd, b.emit(op, read(b, fmt, i.rs1), read(b, fmt, i.rs2), fmt))


def _sqrt(fmt: str):
    return _checked(lambda b, i: write(b, fmt, i.rd, b.fsqrt(read(b, fmt, i.rs1), fmt, i.rm)))


def _class(fmt: str):
    return lambda b, i: b.set_x(i.rd, b.fclass(read(b, fmt, i.rs1), fmt))


def _to_int(fmt: str, itype: str):
    return _checked(lambda b, i: b.set_x(i.rd, b.fcvt_f2i(read(b, fmt, i.rs1), fmt, itype, i.rm)))


def _from_int(fmt: str, itype: str):
    return _checked(lambda b, i: write(b, fmt, i.rd, b.fcvt_i2f(b.x(i.rs1), fmt, itype, i.rm)))


SEM = {
    "flw": lambda b, i: write(b, "s", i.rd, b.load(b.add(b.x(i.rs1), i.imm), 4, False)),
    "fld": lambda b, i: write(b, "d", i.rd, b.load(b.add(b.x(i.rs1), i.imm), 8, False)),
    "fsw": lambda b, i: b.store(b.add(b.x(i.rs1), i.imm), b.f(i.rs2), 4),
    "fsd": lambda b, i: b.store(b.add(b.x(i.rs1), i.imm), b.f(i.rs2), 8),
    "fmv.x.w": lambda b, i: b.set_x(i.rd, sext32(b, b.f(i.rs1))),
    "fmv.w.x": lambda b, i: write(b, "s", i.rd, zext32(b, b.x(i.rs1))),
    "fmv.x.d": lambda b, i: b.set_x(i.rd, b.f(i.rs1)),
    "fmv.d.x": lambda b, i: write(b, "d", i.rd, b.x(i.rs1)),
    "fcvt.s.d": _checked(lambda b, i: write(b, "s", i.rd, b.fcvt_f2f(read(b, "d", i.rs1), "d", "s", i.rm))),
    "fcvt.d.s": _checked(lambda b, i: write(b, "d", i.rd, b.fcvt_f2f(read(b, "s", i.rs1), "s", "d", i.rm))),
}
for _fmt in ("s", "d"):
    for _op in ("fadd", "fsub", "fmul", "fdiv"):
        SEM[f"{_op}.{_fmt}"] = _arith(_op, _fmt)
    for _op in ("fmadd", "fmsub", "fnmsub", "fnmadd"):
        SEM[f"{_op}.{_fmt}"] = _fused(_op, _fmt)
    SEM[f"fsqrt.{_fmt}"] = _sqrt(_fmt)
    SEM[f"fclass.{_fmt}"] = _class(_fmt)
    for _kind in ("", "n", "x"):
        SEM[f"fsgnj{_kind}.{_fmt}"] = _sgnj(_kind, _fmt)
    for _op in ("feq", "flt", "fle"):
        SEM[f"{_op}.{_fmt}"] = _compare(_op, _fmt)
    for _op in ("fmin", "fmax"):
        SEM[f"{_op}.{_fmt}"] = _minmax(_op, _fmt)
    for _itype in ("w", "wu", "l", "lu"):
        SEM[f"fcvt.{_itype}.{_fmt}"] = _to_int(_fmt, _itype)
        SEM[f"fcvt.{_fmt}.{_itype}"] = _from_int(_fmt, _itype)

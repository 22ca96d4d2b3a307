"""Zba, Zbb, Zbs, Zbc: address generation, basic bit manipulation, single bits, carry-less multiply."""
from __future__ import annotations

from jit.ir import Builder, Value

from .common import sext32, zext32


def _shadd(n: int, uw: bool):
    def sem(b: Builder, i) -> None:
        a = zext32(b, b.x(i.rs1)) if uw else b.x(i.rs1)
        b.set_x(i.rd, b.add(b.shl(a, n), b.x(i.rs2)))
    return sem


def _rot32(b: Builder, v: Value, n: Value, left: bool) -> Value:
    """32-bit rotate of the low word, sign-extended (rolw, rorw, roriw)."""
    z = zext32(b, v)
    n = b.and_(n, 31)
    back = b.sub(32, n)
    r = b.or_(b.shl(z, n), b.shr(z, back)) if left else b.or_(b.shr(z, n), b.shl(z, back))
    return sext32(b, r)


def _bit(v: Value, b: Builder) -> Value:
    return b.shl(1, b.and_(v, 63)) if not isinstance(v, int) else 1 << (v & 63)


SEM = {
    # Zba
    "sh1add": _shadd(1, False), "sh2add": _shadd(2, False), "sh3add": _shadd(3, False),
    "sh1add.uw": _shadd(1, True), "sh2add.uw": _shadd(2, True), "sh3add.uw": _shadd(3, True),
    "add.uw":  lambda b, i: b.set_x(i.rd, b.add(zext32(b, b.x(i.rs1)), b.x(i.rs2))),
    "slli.uw": lambda b, i: b.set_x(i.rd, b.shl(zext32(b, b.x(i.rs1)), i.imm)),
    # Zbb
    "andn":  lambda b, i: b.set_x(i.rd, b.and_(b.x(i.rs1), b.xor(b.x(i.rs2), -1))),
    "orn":   lambda b, i: b.set_x(i.rd, b.or_(b.x(i.rs1), b.xor(b.x(i.rs2), -1))),
    "xnor":  lambda b, i: b.set_x(i.rd, b.xor(b.xor(b.x(i.rs1), b.x(i.rs2)), -1)),
    "clz":   lambda b, i: b.set_x(i.rd, b.clz(b.x(i.rs1))),
    "clzw":  lambda b, i: b.set_x(i.rd, b.clz(b.or_(b.shl(b.x(i.rs1), 32), 1 << 31))),
    "ctz":   lambda b, i: b.set_x(i.rd, b.ctz(b.x(i.rs1))),
    "ctzw":  lambda b, i: b.set_x(i.rd, b.ctz(b.or_(b.x(i.rs1), 1 << 32))),
    "cpop":  lambda b, i: b.set_x(i.rd, b.cpop(b.x(i.rs1))),
    "cpopw": lambda b, i: b.set_x(i.rd, b.cpop(zext32(b, b.x(i.rs1)))),
    "max":   lambda b, i: b.set_x(i.rd, b.max(b.x(i.rs1), b.x(i.rs2))),
    "maxu":  lambda b, i: b.set_x(i.rd, b.maxu(b.x(i.rs1), b.x(i.rs2))),
    "min":   lambda b, i: b.set_x(i.rd, b.min(b.x(i.rs1), b.x(i.rs2))),
    "minu":  lambda b, i: b.set_x(i.rd, b.minu(b.x(i.rs1), b.x(i.rs2))),
    "sext.b": lambda b, i: b.set_x(i.rd, b.sext(b.x(i.rs1), 8)),
    "sext.h": lambda b, i: b.set_x(i.rd, b.sext(b.x(i.rs1), 16)),
    "zext.h": lambda b, i: b.set_x(i.rd, b.zext(b.x(i.rs1), 16)),
    "rol":   lambda b, i: b.set_x(i.rd, b.rotl(b.x(i.rs1), b.x(i.rs2))),
    "ror":   lambda b, i: b.set_x(i.rd, b.rotr(b.x(i.rs1), b.x(i.rs2))),
    "rori":  lambda b, i: b.set_x(i.rd, b.rotr(b.x(i.rs1), i.imm)),
    "rolw":  lambda b, i: b.set_x(i.rd, _rot32(b, b.x(i.rs1), b.x(i.rs2), True)),
    "rorw":  lambda b, i: b.set_x(i.rd, _rot32(b, b.x(i.rs1), b.x(i.rs2), False)),
    "roriw": lambda b, i: b.set_x(i.rd, _rot32(b, b.x(i.rs1), i.imm, False)),
    "orc.b": lambda b, i: b.set_x(i.rd, b.orcb(b.x(i.rs1))),
    "rev8":  lambda b, i: b.set_x(i.rd, b.bswap(b.x(i.rs1))),
    # Zbs
    "bclr":  lambda b, i: b.set_x(i.rd, b.and_(b.x(i.rs1), b.xor(_bit(b.x(i.rs2), b), -1))),
    "bclri": lambda b, i: b.set_x(i.rd, b.and_(b.x(i.rs1), ~_bit(i.imm, b))),
    "bset":  lambda b, i: b.set_x(i.rd, b.or_(b.x(i.rs1), _bit(b.x(i.rs2), b))),
    "bseti": lambda b, i: b.set_x(i.rd, b.or_(b.x(i.rs1), _bit(i.imm, b))),
    "binv":  lambda b, i: b.set_x(i.rd, b.xor(b.x(i.rs1), _bit(b.x(i.rs2), b))),
    "binvi": lambda b, i: b.set_x(i.rd, b.xor(b.x(i.rs1), _bit(i.imm, b))),
    "bext":  lambda b, i: b.set_x(i.rd, b.and_(b.shr(b.x(i.rs1), b.x(i.rs2)), 1)),
    "bexti": lambda b, i: b.set_x(i.rd, b.and_(b.shr(b.x(i.rs1), i.imm), 1)),
    # Zbc
    "clmul":  lambda b, i: b.set_x(i.rd, b.clmul(b.x(i.rs1), b.x(i.rs2))),
    "clmulh": lambda b, i: b.set_x(i.rd, b.clmulh(b.x(i.rs1), b.x(i.rs2))),
    "clmulr": lambda b, i: b.set_x(i.rd, b.clmulr(b.x(i.rs1), b.x(i.rs2))),
}

"""M: multiplication and division (corner cases live in the IR ops)."""
from __future__ import annotations

from .common import sext32, zext32

SEM = {
    "mul":    lambda b, i: b.set_x(i.rd, b.mul(b.x(i.rs1), b.x(i.rs2))),
    "mulh":   lambda b, i: b.set_x(i.rd, b.mulh(b.x(i.rs1), b.x(i.rs2))),
    "mulhsu": lambda b, i: b.set_x(i.rd, b.mulhsu(b.x(i.rs1), b.x(i.rs2))),
    "mulhu":  lambda b, i: b.set_x(i.rd, b.mulhu(b.x(i.rs1), b.x(i.rs2))),
    "div":    lambda b, i: b.set_x(i.rd, b.div(b.x(i.rs1), b.x(i.rs2))),
    "divu":   lambda b, i: b.set_x(i.rd, b.divu(b.x(i.rs1), b.x(i.rs2))),
    "rem":    lambda b, i: b.set_x(i.rd, b.rem(b.x(i.rs1), b.x(i.rs2))),
    "remu":   lambda b, i: b.set_x(i.rd, b.remu(b.x(i.rs1), b.x(i.rs2))),
    "mulw":   lambda b, i: b.set_x(i.rd, sext32(b, b.mul(b.x(i.rs1), b.x(i.rs2)))),
    "divw":   lambda b, i: b.set_x(i.rd, sext32(b, b.div(sext32(b, b.x(i.rs1)), sext32(b, b.x(i.rs2))))),
    "divuw":  lambda b, i: b.set_x(i.rd, sext32(b, b.divu(zext32(b, b.x(i.rs1)), zext32(b, b.x(i.rs2))))),
    "remw":   lambda b, i: b.set_x(i.rd, sext32(b, b.rem(sext32(b, b.x(i.rs1)), sext32(b, b.x(i.rs2))))),
    "remuw":  lambda b, i: b.set_x(i.rd, sext32(b, b.remu(zext32(b, b.x(i.rs1)), zext32(b, b.x(i.rs2))))),
}

"""Small formulas shared by the semantic tables."""
from __future__ import annotations

from emu.state import ExitReason
from jit.ir import Builder, Value


def next_pc(i) -> int:
    return i.pc + i.size


def sext32(b: Builder, v: Value) -> Value:
    return b.sext(v, 32)


def zext32(b: Builder, v: Value) -> Value:
    return b.zext(v, 32)


def illegal(b: Builder, i) -> None:
    b.exit(ExitReason.ILLEGAL, i.pc)

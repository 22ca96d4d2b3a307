"""A: load-reserved/store-conditional and atomic memory operations."""
from __future__ import annotations

SIZES = {"w": 4, "d": 8}
AMOS = ("swap", "add", "xor", "and", "or", "min", "max", "minu", "maxu")


def _amo(kind: str, size: int):
    return lambda b, i: b.set_x(i.rd, b.amo(b.x(i.rs1), b.x(i.rs2), kind, size))


SEM = {}
for _sfx, _size in SIZES.items():
    SEM[f"lr.{_sfx}"] = (lambda size: lambda b, i: b.set_x(i.rd, b.lr(b.x(i.rs1), size)))(_size)
    SEM[f"sc.{_sfx}"] = (lambda size: lambda b, i: b.set_x(i.rd, b.ne(b.sc(b.x(i.rs1), b.x(i.rs2), size), 0)))(_size)
    for _kind in AMOS:
        SEM[f"amo{_kind}.{_sfx}"] = _amo(_kind, _size)

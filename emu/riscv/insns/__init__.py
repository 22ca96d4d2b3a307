"""Instruction semantics: one entry per instruction, keyed by its decoded name.

Each entry is `fn(b, i)`: append to IR builder `b` what instruction `i` does,
in the spirit of Spike's riscv/insns/*.h. Modules by extension:
rv64i, rv64m, rv64a, zicsr, zb (Zba/Zbb/Zbs/Zbc), fp (F and D).
"""
from __future__ import annotations

from typing import Callable

from . import fp, rv64a, rv64i, rv64m, zb, zicsr

Semantics = Callable[..., None]
SEMANTICS: dict[str, Semantics] = {}
for _module in (rv64i, rv64m, rv64a, zicsr, zb, fp):
    for _name, _fn in _module.SEM.items():
        assert _name not in SEMANTICS, _name
        SEMANTICS[_name] = _fn

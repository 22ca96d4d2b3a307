"""Python functions that compiled code may call (`helper` IR op).

Each helper gets a fixed slot in the native `llemu_helpers` table; compiled
code calls it as `i64 fn(ptr state, i64, i64, i64, i64)`. An exception in a
helper must not unwind through native frames: it is kept, an exit is
requested, and the run loop raises it when native code returns.
"""
from __future__ import annotations

import ctypes
from typing import Callable

from jit.dispatch import HELPER_SLOTS

HELPER_FUNC = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64,
                               ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64)
_ids: dict[str, int] = {}


def helper_id(name: str) -> int:
    """The table slot of helper `name` (assigned on first use)."""
    if name not in _ids:
        if len(_ids) >= HELPER_SLOTS:
            raise RuntimeError("too many helpers")
        _ids[name] = len(_ids)
    return _ids[name]


def helper_slots() -> dict[str, int]:
    """Every helper's slot so far (compiled code calls them by slot)."""
    return dict(_ids)


class HelperTable:
    """Fills the native helper table with Python callables.

    `owner(state_address)` names the vCPU whose compiled code made the call;
    helpers get it as their first argument, and `on_error(owner, exc)` hears
    of their exceptions."""

    def __init__(self, address: int, owner: Callable[[int], object],
                 on_error: Callable[[object, BaseException], None]):
        self.slots = (ctypes.c_void_p * HELPER_SLOTS).from_address(address)
        self.owner = owner
        self.on_error = on_error
        self.keep: dict[str, object] = {}

    def bind(self, name: str, fn: Callable[..., int]) -> None:
        """Make `fn(vcpu, a, b, c, d) -> int` callable from compiled code as helper `name`."""
        def trampoline(state, a, b, c, d):
            cpu = self.owner(state)
            try:
                return fn(cpu, a, b, c, d) & 0xFFFFFFFFFFFFFFFF
            except BaseException as e:      # noqa: BLE001 - must not cross native frames
                self.on_error(cpu, e)
                return 0
        cfn = HELPER_FUNC(trampoline)
        self.keep[name] = cfn
        self.slots[helper_id(name)] = ctypes.cast(cfn, ctypes.c_void_p).value

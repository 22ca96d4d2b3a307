"""The one description of a vCPU's state in memory.

The JIT addresses fields by the offsets computed here, the syscall layer and
the register API read them through the ctypes structure built from the same
list, so compiled code and Python cannot disagree about the layout.
"""
from __future__ import annotations

import ctypes
import enum

# (name, ctypes type, count). Order is the layout.
FIELDS: list[tuple[str, type, int]] = [
    ("x", ctypes.c_uint64, 32),          # integer registers; x[0] stays 0
    ("f", ctypes.c_uint64, 32),          # FP registers, NaN-boxed
    ("pc", ctypes.c_uint64, 1),
    ("fflags", ctypes.c_uint32, 1),      # accrued exceptions (NX=1 UF=2 OF=4 DZ=8 NV=16)
    ("frm", ctypes.c_uint32, 1),         # dynamic rounding mode
    ("res_addr", ctypes.c_uint64, 1),    # LR/SC reservation address, -1 if none
    ("res_val", ctypes.c_uint64, 1),     # value loaded by LR
    ("exit_reason", ctypes.c_uint32, 1),  # ExitReason of the last return to Python
    ("exit_request", ctypes.c_uint32, 1),  # non-zero: leave native code at the next block
    ("exit_arg", ctypes.c_uint64, 1),    # fault address, or other detail of exit_reason
    ("patch_slot", ctypes.c_void_p, 1),  # chaining: exit slot to patch once the target is found
    ("patch_ic", ctypes.c_void_p, 1),    # an indirect jump's inline cache to refill likewise
    ("mxcsr", ctypes.c_uint32, 1),       # host MXCSR to use while guest code runs
    ("cpu_index", ctypes.c_uint32, 1),
    ("insn_count", ctypes.c_uint64, 1),  # guest instructions run (counted under -d stats)
    ("redirect", ctypes.c_uint32, 1),    # a plugin callback moved the pc (qemu_plugin_set_pc)
    ("cb_flags", ctypes.c_uint32, 1),    # flags of the plugin callback running, NO_CALLBACK if none
    ("mem_value", ctypes.c_uint64, 1),   # value of the access a memory callback reports
    ("segment", ctypes.c_uint64, 1),     # the run of merged inline counts being executed (plugins)
    ("fault_mxcsr", ctypes.c_uint32, 1),  # host MXCSR when a guest access faulted
    ("pad0", ctypes.c_uint32, 1),
    ("jmpbuf", ctypes.c_uint64, 32),     # sigjmp_buf: the run loop's re-entry after a host fault
]


class ExitReason(enum.IntEnum):
    """Why native code returned to Python; each is handled in one place (vcpu.py)."""
    MISS = 0          # state.pc has no translation yet
    SYSCALL = 1       # ecall at state.pc
    SEGV = 2          # guest access at exit_arg refused by the host MMU, insn at state.pc
    ILLEGAL = 4       # illegal instruction at state.pc
    EBREAK = 5        # ebreak at state.pc
    FENCE_I = 6       # fence.i at state.pc: flush translations, continue at pc + size
    REQUEST = 7       # exit_request was set (state.pc is the next block)
    BUS = 8           # misaligned atomic, or host SIGBUS (e.g. past the end of a mapped file)
    INSN_FETCH = 9    # fetch from a non-executable or unmapped page at state.pc
    HOT = 10          # a region's heat (its global at exit_arg) ran out; state.pc is next


NO_CALLBACK = 0xFF          # cb_flags outside plugin callbacks


class CpuState(ctypes.Structure):
    _fields_ = [(n, t * c) if c > 1 else (n, t) for n, t, c in FIELDS]


_OFFSETS = {n: getattr(CpuState, n).offset for n, _, _ in FIELDS}
_SIZES = {n: ctypes.sizeof(t) for n, t, _ in FIELDS}


def offset(name: str, index: int = 0) -> int:
    """Byte offset of field `name` (element `index` for arrays)."""
    return _OFFSETS[name] + index * _SIZES[name]


def width(name: str) -> int:
    """Width in bits of one element of field `name`."""
    return 8 * _SIZES[name]


SIZE = ctypes.sizeof(CpuState)

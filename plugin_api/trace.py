"""Bulk tracing, an llemu extension of QEMU's API: compiled code appends one
record per executed instruction or memory access to a per-vCPU buffer, and
the plugin receives full buffers as numpy structured arrays, in batches.

A Python callback per event costs ~200 ns; a record costs a few stores. The
buffers and their descriptors (base, position, capacity per vCPU) live in
the scoreboard arena, at addresses that stay the same from run to run, so
instrumented code still comes from the disk cache.
"""
from __future__ import annotations

import ctypes
from typing import Callable

import numpy as np

from jit.dispatch import MAX_THREADS
from plugin_api.scoreboard import _ARENA

INSN_RECORD = np.dtype([("pc", "<u8")])
MEM_RECORD = np.dtype([("addr", "<u8"), ("value", "<u8"), ("size", "u1"), ("store", "u1"),
                       ("sign", "u1"), ("pad", "V5")])
KINDS = {"insn": INSN_RECORD, "mem": MEM_RECORD}


class Descriptor(ctypes.Structure):
    """What compiled code reads and writes: one per vCPU."""
    _fields_ = [("base", ctypes.c_uint64), ("pos", ctypes.c_uint64), ("cap", ctypes.c_uint64)]


def _alloc(nbytes: int) -> tuple[int, object]:
    """Stable memory from the arena (or numpy's, kept alive by the returned object)."""
    address = _ARENA.take(nbytes)
    if address is not None:
        return address, None
    keep = np.zeros(nbytes, np.uint8)
    return keep.ctypes.data, keep


class TraceBuffer:
    """Per-vCPU record buffers of one kind ("insn" or "mem")."""

    def __init__(self, index: int, kind: str, on_batch: Callable[[int, np.ndarray], None],
                 capacity: int, plugin):
        if kind not in KINDS:
            raise ValueError(f"trace kind must be one of {sorted(KINDS)}, not {kind!r}")
        if capacity < 1:
            raise ValueError("trace buffers need a capacity of at least one record")
        self.index, self.kind, self.dtype = index, kind, KINDS[kind]
        self.on_batch, self.capacity, self.plugin = on_batch, capacity, plugin
        addr, self._keep_desc = _alloc(ctypes.sizeof(Descriptor) * MAX_THREADS)
        self.descriptors = (Descriptor * MAX_THREADS).from_address(addr)
        self.records: dict[int, np.ndarray] = {}       # vCPU -> its buffer (made on first use)
        self._keep: list[object] = []

    @property
    def descriptor_address(self) -> int:
        return ctypes.addressof(self.descriptors)

    def make_room(self, vcpu: int) -> None:
        """The vCPU's buffer is full (or missing): deliver it and start over."""
        d = self.descriptors[vcpu]
        if vcpu not in self.records:
            nbytes = self.capacity * self.dtype.itemsize
            addr, keep = _alloc(nbytes)
            self._keep.append(keep)
            self.records[vcpu] = np.frombuffer((ctypes.c_char * nbytes).from_address(addr), self.dtype)
            d.base, d.pos, d.cap = addr, 0, self.capacity
            return
        self.deliver(vcpu)

    def deliver(self, vcpu: int) -> None:
        d = self.descriptors[vcpu]
        n, d.pos = d.pos, 0
        if n:
            self.on_batch(vcpu, self.records[vcpu][:n])

    def flush(self) -> None:
        for vcpu in sorted(self.records):
            self.deliver(vcpu)

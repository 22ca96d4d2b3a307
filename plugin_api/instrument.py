"""Translation-time instrumentation: what a tb_trans callback sees and asks for,
and the rewrite of the block's IR that puts those requests in.

Instruction callbacks and inline ops go right after the instruction's
`insn_start` (so they run before it, and count an instruction that then
faults); TB-level ones before the first instruction's; memory callbacks and
inline ops after each guest access of the instruction, which a faulting
access never reaches.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from jit.ir import Block, Builder, Op
from plugin_api.enums import qemu_plugin_cond as Cond
from plugin_api.enums import qemu_plugin_mem_rw as RW
from plugin_api.scoreboard import qemu_plugin_u64

MEM_R, MEM_W = int(RW.QEMU_PLUGIN_MEM_R), int(RW.QEMU_PLUGIN_MEM_W)
SIZE_SHIFT = {1: 0, 2: 1, 4: 2, 8: 3}
# Bits of our qemu_plugin_meminfo_t.
INFO_SIGN, INFO_BIG_ENDIAN, INFO_STORE = 1 << 2, 1 << 3, 1 << 4


def meminfo(size: int, signed: bool, store: bool) -> int:
    return SIZE_SHIFT[size] | (INFO_SIGN if signed else 0) | (INFO_STORE if store else 0)


@dataclass
class Request:
    """One registration made during translation."""
    kind: str                     # "cb", "inline", "trace", "mem_cb", "mem_inline", "mem_trace"
    callback: int = -1            # index in the manager's table of callbacks (cb kinds)
    flags: int = 0
    cond: int = int(Cond.QEMU_PLUGIN_COND_ALWAYS)
    entry: qemu_plugin_u64 | None = None
    imm: int = 0
    op: int = 0
    rw: int = 0
    trace: object = None          # a plugin_api.trace.TraceBuffer (trace kinds)


class qemu_plugin_insn:
    """One translated instruction, as a tb_trans callback sees it."""

    def __init__(self, tb: qemu_plugin_tb, insn, index: int):
        self.tb = tb
        self.insn = insn
        self.index = index
        self.requests: list[Request] = []
        self.mem_requests: list[Request] = []


class qemu_plugin_tb:
    """One translation block, as a tb_trans callback sees it."""

    def __init__(self, block: Block, mem, symbols):
        self.block = block
        self.mem = mem
        self.symbols = symbols
        self.insns = [qemu_plugin_insn(self, insn, k) for k, insn in enumerate(block.insns)]
        self.requests: list[Request] = []

    def instrumented(self) -> bool:
        return bool(self.requests) or any(i.requests or i.mem_requests for i in self.insns)


class Counters:
    """Inline ADDs waiting to be emitted, summed per scoreboard entry."""

    def __init__(self):
        self.sums: dict[tuple[int, int], list] = {}

    def add(self, r: Request) -> None:
        key = (id(r.entry.score), r.entry.offset)
        if key in self.sums:
            self.sums[key][1] += r.imm
        else:
            self.sums[key] = [r.entry, r.imm]

    def flush(self, b: Builder) -> None:
        for entry, imm in self.sums.values():
            b.plugin_inline(1, 0, entry.address(), entry.score.element_size, imm & (1 << 64) - 1)
        self.sums.clear()


@dataclass
class Segment:
    """A run of a block's instructions whose only requests are inline ADDs (and
    memory inline ops): their adds are summed and made once, before the run. If
    the block stops inside the run (a fault), the run loop takes back the adds of
    the instructions after the one that stopped it (see undo), so every count is
    what per-instruction adds would have given."""
    id: int
    pcs: list[int]
    adds: list[list[Request]]           # per instruction, its ADD requests

    def undo(self, pc: int, vcpu_index: int, sub: Callable) -> None:
        if pc in self.pcs:
            for requests in self.adds[self.pcs.index(pc) + 1:]:
                for r in requests:
                    sub(r.entry, vcpu_index, r.imm)


def _plain(insn: qemu_plugin_insn) -> bool:
    """Only inline ADDs before it, nothing that reads counts after its accesses."""
    return all(r.kind == "inline" and r.op == 0 for r in insn.requests) and \
        all(r.kind == "mem_inline" for r in insn.mem_requests)


def _exec_ops(b: Builder, requests: list[Request], pc: int, counters: Counters) -> None:
    for r in requests:
        if r.kind == "inline" and r.op == 0:
            counters.add(r)
            continue
        counters.flush(b)
        if r.kind == "trace":
            t = r.trace
            b.plugin_trace(pc, 0, 1, t.index, t.descriptor_address, t.dtype.itemsize, 0)
        elif r.kind == "inline":
            b.plugin_inline(1, r.op, r.entry.address(), r.entry.score.element_size, r.imm)
        elif r.cond == Cond.QEMU_PLUGIN_COND_ALWAYS:
            b.plugin_cb(r.callback, r.flags, pc)
        else:
            b.plugin_cond_cb(r.callback, r.flags, pc, r.cond, r.entry.address(),
                             r.entry.score.element_size, r.imm)


def _accesses(b: Builder, op: Op) -> list[tuple[object, object, int, object]]:
    """(address, value, meminfo, guard) of each guest access `op` makes, in order."""
    a = op.args
    if op.name == "load":
        return [(a[0], op.dst, meminfo(a[1], a[2], False), 1)]
    if op.name == "store":
        return [(a[0], a[1], meminfo(a[2], False, True), 1)]
    # QEMU translates every .w atomic with a signed MemOp and every .d one
    # with an unsigned one (lr.d too), and reports both halves of an AMO or
    # SC with it.
    if op.name == "lr":
        return [(a[0], op.dst, meminfo(a[1], a[1] == 4, False), 1)]
    if op.name == "amo":
        addr, val, kind, size = a
        return [(addr, op.dst, meminfo(size, size == 4, False), 1),
                (addr, _amo_result(b, kind, size, op.dst, val), meminfo(size, size == 4, True), 1)]
    if op.name == "sc":          # an atomic compare-and-swap, unless there was no reservation
        addr, val, size = a
        tried = b.ne(op.dst, 2)
        return [(addr, b.get("res_val", 0), meminfo(size, size == 4, False), tried),
                (addr, val, meminfo(size, size == 4, True), tried)]
    return []


def _amo_result(b: Builder, kind: str, size: int, old, val):
    """The value an AMO stored, for memory callbacks."""
    if size == 4:
        val = b.sext(val, 32) if kind in ("min", "max") else val
        if kind in ("minu", "maxu"):
            old, val = b.zext(old, 32), b.zext(val, 32)
    return {"swap": lambda: val, "add": lambda: b.add(old, val), "xor": lambda: b.xor(old, val),
            "and": lambda: b.and_(old, val), "or": lambda: b.or_(old, val),
            "min": lambda: b.min(old, val), "max": lambda: b.max(old, val),
            "minu": lambda: b.minu(old, val), "maxu": lambda: b.maxu(old, val)}[kind]()


def _mem_ops(b: Builder, requests: list[Request], op: Op, pc: int) -> None:
    for addr, value, info, guard in _accesses(b, op):
        rw = MEM_W if info & INFO_STORE else MEM_R
        for r in requests:
            if not r.rw & rw:
                continue
            if r.kind == "mem_inline":
                b.plugin_inline(guard, r.op, r.entry.address(), r.entry.score.element_size, r.imm)
            elif r.kind == "mem_trace":
                t = r.trace
                record_info = (1 << (info & 3)) | (bool(info & INFO_STORE) << 8) | (bool(info & INFO_SIGN) << 16)
                b.plugin_trace(addr, value, guard, t.index, t.descriptor_address, t.dtype.itemsize,
                               record_info)
            else:
                b.plugin_mem_cb(addr, value, guard, r.callback, r.flags, info, pc)


def rewrite(tb: qemu_plugin_tb, segments: dict[int, Segment]) -> None:
    """Put the requests of `tb` into its block's IR (new runs of merged ADDs go
    into `segments`, by the id compiled code stores in state.segment)."""
    block = tb.block
    scratch = Block(block.pc, next_temp=block.next_temp)
    b = Builder(scratch)
    ops: list[Op] = []
    k = -1
    pc = block.pc
    plain = [_plain(i) for i in tb.insns]
    for op in block.ops:
        ops.append(op)
        start = len(scratch.ops)
        if op.name == "insn_start" and k + 1 < len(tb.insns):
            k += 1
            pc = op.args[0]
            if k == 0:
                tb_counts = Counters()      # a TB's own ADDs count its start: never undone
                _exec_ops(b, tb.requests, block.pc, tb_counts)
                tb_counts.flush(b)
            if plain[k] and (k == 0 or not plain[k - 1]):
                _start_segment(b, tb, k, plain, segments)
            elif not plain[k]:
                if k == 0 or plain[k - 1]:
                    b.set(0, "segment", 0)          # no run to undo from here on
                counters = Counters()
                _exec_ops(b, tb.insns[k].requests, pc, counters)
                counters.flush(b)
        elif k >= 0 and tb.insns[k].mem_requests:
            _mem_ops(b, tb.insns[k].mem_requests, op, pc)
        ops += scratch.ops[start:]
    block.ops = ops
    block.next_temp = scratch.next_temp


def _start_segment(b: Builder, tb: qemu_plugin_tb, k: int, plain: list[bool],
                   segments: dict[int, Segment]) -> None:
    end = k
    while end < len(plain) and plain[end]:
        end += 1
    insns = tb.insns[k:end]
    counters = Counters()
    for insn in insns:
        for r in insn.requests:
            counters.add(r)
    if not counters.sums:
        b.set(0, "segment", 0)
        return
    seg = Segment((tb.block.pc << 12 | k) & (1 << 63) - 1, [i.insn.pc for i in insns],
                  [list(i.requests) for i in insns])
    segments[seg.id] = seg
    b.set(seg.id, "segment", 0)
    counters.flush(b)

"""Frontend: fetch, decode and lift one guest block to llemu IR."""
from __future__ import annotations

import ctypes

from emu.memory import PAGE_SHIFT, PROT_EXEC, GuestMemory
from emu.riscv.decode import decode
from emu.riscv.insns import SEMANTICS
from emu.riscv.insns.common import illegal
from emu.state import ExitReason
from jit.ir import Block, Builder

MAX_BLOCK_INSNS = 256


def _fetch16(mem: GuestMemory, pc: int) -> int | None:
    """The halfword at pc, or None if its page is not executable."""
    page = pc >> PAGE_SHIFT
    if page >= len(mem.perms) or not mem.perms[page] & PROT_EXEC:
        return None
    return ctypes.c_uint16.from_address(mem.base + pc).value


def translate_block(mem: GuestMemory, pc: int, max_insns: int = MAX_BLOCK_INSNS) -> Block:
    """Lift guest code from pc up to a control transfer (or max_insns) into a Block."""
    block = Block(pc)
    b = Builder(block)
    start = pc
    while True:
        lo = _fetch16(mem, pc)
        hi = 0
        if lo is not None and lo & 3 == 3:
            hi = _fetch16(mem, pc + 2)
        if lo is None or hi is None:
            if pc == start:     # the fetch itself faults: SIGSEGV at this pc
                b.insn_start(pc)
                b.exit(ExitReason.INSN_FETCH, pc)
            else:               # let the next block report the fault
                b.goto_tb(pc)
            break
        insn = decode(lo | (hi << 16), pc)
        b.insn_start(pc)
        block.insns.append(insn)
        block.n_insns += 1
        SEMANTICS.get(insn.name, illegal)(b, insn)
        pc += insn.size
        if b.ended():
            if insn.name in ("jal", "jalr") and insn.rd in (1, 5):    # a call: its return site
                block.likely.append(pc)
            break
        if block.n_insns >= max_insns:
            b.goto_tb(pc)
            break
    block.size = pc - start
    return block

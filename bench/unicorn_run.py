"""Run a freestanding RISC-V program (bench/bin/free_*) under Unicorn, with a
Python hook per instruction or per memory access, as the yardstick for
llemu's Python callbacks.

    python bench/unicorn_run.py PROGRAM [none|insn|mem]

Prints "events N seconds S" (the hook's count and the emulation time).
"""
from __future__ import annotations

import sys
import time

from elftools.elf.elffile import ELFFile
from unicorn import (UC_ARCH_RISCV, UC_HOOK_CODE, UC_HOOK_INTR, UC_HOOK_MEM_READ,
                     UC_HOOK_MEM_WRITE, UC_MODE_RISCV64, Uc)
from unicorn.riscv_const import UC_RISCV_REG_SP

PAGE = 0x1000


def load(uc: Uc, path: str) -> int:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        for seg in elf.iter_segments():
            if seg["p_type"] != "PT_LOAD":
                continue
            start = seg["p_vaddr"] & ~(PAGE - 1)
            end = (seg["p_vaddr"] + seg["p_memsz"] + PAGE - 1) & ~(PAGE - 1)
            uc.mem_map(start, end - start)
            uc.mem_write(seg["p_vaddr"], seg.data())
        return elf["e_entry"]


def main() -> None:
    path, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "none"
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV64)
    entry = load(uc, path)
    uc.mem_map(0x7000_0000, 0x10000)
    uc.reg_write(UC_RISCV_REG_SP, 0x7000_F000)
    count = [0]

    def on_insn(uc, address, size, user):
        count[0] += 1

    def on_mem(uc, access, address, size, value, user):
        count[0] += 1

    def on_ecall(uc, intno, user):          # the only ecall is the final exit
        uc.emu_stop()
    uc.hook_add(UC_HOOK_INTR, on_ecall)
    if mode == "insn":
        uc.hook_add(UC_HOOK_CODE, on_insn)
    elif mode == "mem":
        uc.hook_add(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, on_mem)
    t0 = time.perf_counter()
    uc.emu_start(entry, 0)
    print(f"events {count[0]} seconds {time.perf_counter() - t0:.4f}")


if __name__ == "__main__":
    main()

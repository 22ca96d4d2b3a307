"""Guest disassembly for `-d in_asm` and plugins: capstone, else our own text.

Capstone 5 does not know every RV64GC+Zb encoding (it misses some compressed
forms and all of Zb*), so an instruction it cannot read is printed from the
decoded fields instead.
"""
from __future__ import annotations

import capstone

from emu.riscv.regs import F_NAMES, ROUNDING_MODES, X_NAMES

_cs = capstone.Cs(capstone.CS_ARCH_RISCV, capstone.CS_MODE_RISCV64 | capstone.CS_MODE_RISCVC)


def _fallback(insn) -> str:
    """Mnemonic and operands from the decoded fields."""
    name = insn.name
    is_fp = name.startswith("f") and name not in ("fence", "fence.i")
    reg = F_NAMES if is_fp else X_NAMES
    # fmv.x.*, fcvt.{w,l}*, feq/flt/fle/fclass write an integer register.
    int_rd = name.startswith(("fmv.x", "fcvt.w", "fcvt.l", "feq", "flt", "fle", "fclass"))
    int_rs1 = name.startswith(("fmv.w.x", "fmv.d.x", "fcvt.s.w", "fcvt.s.l", "fcvt.d.w", "fcvt.d.l",
                               "flw", "fld", "fsw", "fsd"))
    rd = (X_NAMES if int_rd else reg)[insn.rd]
    rs1 = (X_NAMES if int_rs1 else reg)[insn.rs1]
    ops = []
    if name in ("illegal",):
        return f"illegal {insn.raw:#x}"
    if name.startswith("csr"):
        ops = [X_NAMES[insn.rd], hex(insn.csr), str(insn.imm) if name.endswith("i") else X_NAMES[insn.rs1]]
    elif name in ("lui", "auipc", "jal"):
        ops = [rd, hex(insn.imm)]
    elif name.startswith(("s", "fs")) and name in ("sb", "sh", "sw", "sd", "fsw", "fsd"):
        ops = [(F_NAMES if is_fp else X_NAMES)[insn.rs2], f"{insn.imm}({X_NAMES[insn.rs1]})"]
    elif name.startswith("b") and len(name) <= 4 and name not in ("bext", "bset", "bclr", "binv"):
        ops = [rs1, reg[insn.rs2], hex(insn.pc + insn.imm)]
    else:
        ops = [rd, rs1]
        if insn.rs2 or insn.rs3:
            ops.append(reg[insn.rs2])
        if insn.rs3:
            ops.append(reg[insn.rs3])
        if insn.imm:
            ops.append(str(insn.imm))
        if is_fp and insn.rm not in (0, 7) and insn.rm < len(ROUNDING_MODES):
            ops.append(ROUNDING_MODES[insn.rm])
    return f"{name} {', '.join(ops)}"


def disas(insn) -> str:
    """One instruction as text."""
    code = insn.raw.to_bytes(insn.size, "little")
    for i in _cs.disasm(code, insn.pc, 1):
        return f"{i.mnemonic} {i.op_str}".strip()
    return _fallback(insn)


def format_block(block) -> str:
    """QEMU-style `IN:` listing of a block's guest instructions."""
    lines = ["----------------", "IN: "]
    for insn in block.insns:
        raw = f"{insn.raw:08x}" if insn.size == 4 else f"{insn.raw:04x}    "
        lines.append(f"0x{insn.pc:016x}:  {raw}          {disas(insn)}")
    return "\n".join(lines) + "\n\n"

"""The guest registers plugins see, named as gdb's RISC-V target description
names them, read and written in target (little-endian) byte order."""
from __future__ import annotations

from dataclasses import dataclass

from emu.riscv.regs import F_NAMES, X_NAMES
from emu.state import CpuState
from plugin_api.enums import qemu_plugin_reg_descriptor

CPU, FPU = "org.gnu.gdb.riscv.cpu", "org.gnu.gdb.riscv.fpu"


@dataclass(frozen=True)
class RegisterHandle:
    """Opaque to plugins: which state field, which element, how wide."""
    field: str
    index: int
    size: int

    def read(self, state: CpuState) -> bytes:
        if self.field == "fcsr":
            value = state.frm << 5 | state.fflags
        else:
            value = getattr(state, self.field)
            if self.index >= 0:
                value = value[self.index]
        return value.to_bytes(self.size, "little")

    def write(self, state: CpuState, data: bytes) -> None:
        value = int.from_bytes(data[:self.size], "little")
        if self.field == "fcsr":
            state.fflags, state.frm = value & 0x1F, (value >> 5) & 7
        elif self.field in ("fflags", "frm"):
            setattr(state, self.field, value & (0x1F if self.field == "fflags" else 7))
        elif self.index >= 0:
            getattr(state, self.field)[self.index] = value
        else:
            setattr(state, self.field, value)


def _descriptors() -> list[qemu_plugin_reg_descriptor]:
    # gdb's riscv-64bit-cpu.xml calls x8 "fp" (the ABI's s0)
    names = ["fp" if i == 8 else name for i, name in enumerate(X_NAMES)]
    regs = [qemu_plugin_reg_descriptor(RegisterHandle("x", i, 8), name, CPU, i == 0)
            for i, name in enumerate(names)]
    regs.append(qemu_plugin_reg_descriptor(RegisterHandle("pc", -1, 8), "pc", CPU, True))
    regs += [qemu_plugin_reg_descriptor(RegisterHandle("f", i, 8), name, FPU, False)
             for i, name in enumerate(F_NAMES)]
    regs += [qemu_plugin_reg_descriptor(RegisterHandle(name, -1, 4), name, FPU, False)
             for name in ("fflags", "frm", "fcsr")]
    return regs


DESCRIPTORS = _descriptors()

"""QEMU's plugin enums, with QEMU's names and values (qemu-plugin.h, API v6)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

QEMU_PLUGIN_VERSION = 6
QEMU_PLUGIN_MIN_VERSION = 2


class qemu_plugin_cb_flags(IntEnum):
    """What a callback does with the vCPU's registers."""
    QEMU_PLUGIN_CB_NO_REGS = 0
    QEMU_PLUGIN_CB_R_REGS = 1
    QEMU_PLUGIN_CB_RW_REGS = 2
    QEMU_PLUGIN_CB_RW_REGS_PC = 3


class qemu_plugin_mem_rw(IntEnum):
    QEMU_PLUGIN_MEM_R = 1
    QEMU_PLUGIN_MEM_W = 2
    QEMU_PLUGIN_MEM_RW = 3


class qemu_plugin_mem_value_type(IntEnum):
    QEMU_PLUGIN_MEM_VALUE_U8 = 0
    QEMU_PLUGIN_MEM_VALUE_U16 = 1
    QEMU_PLUGIN_MEM_VALUE_U32 = 2
    QEMU_PLUGIN_MEM_VALUE_U64 = 3
    QEMU_PLUGIN_MEM_VALUE_U128 = 4


class qemu_plugin_cond(IntEnum):
    """Condition of a conditional callback: entry <cond> imm (unsigned)."""
    QEMU_PLUGIN_COND_NEVER = 0
    QEMU_PLUGIN_COND_ALWAYS = 1
    QEMU_PLUGIN_COND_EQ = 2
    QEMU_PLUGIN_COND_NE = 3
    QEMU_PLUGIN_COND_LT = 4
    QEMU_PLUGIN_COND_LE = 5
    QEMU_PLUGIN_COND_GT = 6
    QEMU_PLUGIN_COND_GE = 7


class qemu_plugin_op(IntEnum):
    QEMU_PLUGIN_INLINE_ADD_U64 = 0
    QEMU_PLUGIN_INLINE_STORE_U64 = 1


class qemu_plugin_discon_type(IntEnum):
    QEMU_PLUGIN_DISCON_INTERRUPT = 1 << 0
    QEMU_PLUGIN_DISCON_EXCEPTION = 1 << 1
    QEMU_PLUGIN_DISCON_HOSTCALL = 1 << 2
    QEMU_PLUGIN_DISCON_ALL = -1


class qemu_plugin_hwaddr_operation_result(IntEnum):
    QEMU_PLUGIN_HWADDR_OPERATION_OK = 0
    QEMU_PLUGIN_HWADDR_OPERATION_ERROR = 1
    QEMU_PLUGIN_HWADDR_OPERATION_DEVICE_ERROR = 2
    QEMU_PLUGIN_HWADDR_OPERATION_ACCESS_DENIED = 3
    QEMU_PLUGIN_HWADDR_OPERATION_INVALID_ADDRESS = 4
    QEMU_PLUGIN_HWADDR_OPERATION_INVALID_ADDRESS_SPACE = 5


@dataclass(frozen=True)
class qemu_plugin_mem_value:
    """The value a memory access loaded or stored (U128 data is one int)."""
    type: qemu_plugin_mem_value_type
    data: int


@dataclass(frozen=True)
class qemu_info_version:
    min: int
    cur: int


@dataclass(frozen=True)
class qemu_info_system:
    smp_vcpus: int
    max_vcpus: int


@dataclass(frozen=True)
class qemu_info_t:
    """What qemu_plugin_install learns about the emulator."""
    target_name: str = "riscv64"
    version: qemu_info_version = field(
        default_factory=lambda: qemu_info_version(QEMU_PLUGIN_MIN_VERSION, QEMU_PLUGIN_VERSION))
    system_emulation: bool = False
    system: qemu_info_system = field(default_factory=lambda: qemu_info_system(1, 1))


@dataclass(frozen=True)
class qemu_plugin_reg_descriptor:
    """A register as gdb's RISC-V target description names it."""
    handle: object
    name: str
    feature: str
    is_readonly: bool


# Every enum member also under its bare QEMU name, as C code writes it.
CONSTANTS = {m.name: m for e in (qemu_plugin_cb_flags, qemu_plugin_mem_rw, qemu_plugin_mem_value_type,
                                 qemu_plugin_cond, qemu_plugin_op, qemu_plugin_discon_type,
                                 qemu_plugin_hwaddr_operation_result) for m in e}
globals().update(CONSTANTS)

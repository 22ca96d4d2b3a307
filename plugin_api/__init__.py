"""QEMU's TCG plugin API (qemu-plugin.h, API version 6 and the 10.2 discontinuity
callbacks) in Python, with QEMU's names.

A plugin is a Python file with `qemu_plugin_install(id, info, args) -> int`
(0: loaded); it writes `from plugin_api import *` and calls these functions
as a C plugin would. Python types stand in for C ones: userdata is any
object, byte buffers are bytes, register lists are lists, a scoreboard is
backed by a numpy array. docs/PLUGINS.md is the guide.
"""
from __future__ import annotations

import bisect
import builtins
from typing import Callable

import numpy as np

from plugin_api.core import SetPc, manager, output
from plugin_api.enums import *  # noqa: F401,F403  (QEMU's constants, by name)
from plugin_api.enums import (  # noqa: F401  (re-exported)
                              QEMU_PLUGIN_VERSION, qemu_info_t, qemu_plugin_cb_flags,
                              qemu_plugin_cond, qemu_plugin_discon_type,
                              qemu_plugin_hwaddr_operation_result, qemu_plugin_mem_value,
                              qemu_plugin_mem_value_type, qemu_plugin_op,
                              qemu_plugin_reg_descriptor)
from plugin_api.instrument import (INFO_BIG_ENDIAN, INFO_SIGN, INFO_STORE, Request, qemu_plugin_insn,
                                   qemu_plugin_tb)
from plugin_api.registers import DESCRIPTORS, RegisterHandle
from plugin_api.scoreboard import Scoreboard, qemu_plugin_u64
from plugin_api.trace import TraceBuffer

qemu_plugin_scoreboard = Scoreboard
qemu_plugin_id_t = int
qemu_plugin_meminfo_t = int
R_REGS = int(qemu_plugin_cb_flags.QEMU_PLUGIN_CB_R_REGS)
RW_REGS = int(qemu_plugin_cb_flags.QEMU_PLUGIN_CB_RW_REGS)


# ---- lifecycle and events ---------------------------------------------------------
def qemu_plugin_uninstall(id: int, cb: Callable[[int], None] | None) -> None:
    """Remove the plugin; asynchronous: its callbacks may fire until `cb(id)` runs."""
    m = manager()
    m.request_reset(m.plugin(id), cb, uninstall=True)


def qemu_plugin_reset(id: int, cb: Callable[[int], None] | None) -> None:
    """Drop all the plugin's callbacks (and translations carrying them), then `cb(id)`."""
    m = manager()
    m.request_reset(m.plugin(id), cb, uninstall=False)


def qemu_plugin_register_vcpu_init_cb(id: int, cb: Callable[[int, int], None]) -> None:
    manager().register(id, "vcpu_init", cb)


def qemu_plugin_register_vcpu_exit_cb(id: int, cb: Callable[[int, int], None]) -> None:
    manager().register(id, "vcpu_exit", cb)


def qemu_plugin_register_vcpu_idle_cb(id: int, cb: Callable[[int, int], None]) -> None:
    """Called when a vCPU waits in the host (a blocking syscall)."""
    manager().register(id, "vcpu_idle", cb)


def qemu_plugin_register_vcpu_resume_cb(id: int, cb: Callable[[int, int], None]) -> None:
    """Called when a vCPU returns from waiting in the host."""
    manager().register(id, "vcpu_resume", cb)


def qemu_plugin_register_vcpu_discon_cb(id: int, type: int, cb: Callable[..., None]) -> None:
    """cb(id, vcpu_index, type, from_pc, to_pc) on signal delivery: EXCEPTION for
    faults, INTERRUPT for asynchronous signals."""
    manager().register(id, "discon", cb, int(type) & 0xFFFFFFFF)


def qemu_plugin_register_flush_cb(id: int, cb: Callable[[int], None]) -> None:
    manager().register(id, "flush", cb)


def qemu_plugin_register_atexit_cb(id: int, cb: Callable[[int, object], None], userdata=None) -> None:
    manager().register(id, "atexit", cb, userdata)


def qemu_plugin_vcpu_for_each(id: int, cb: Callable[[int, int], None]) -> None:
    m = manager()
    plugin = m.plugin(id)
    for cpu in sorted(m.machine.cpus.values(), key=lambda c: c.state.cpu_index):
        m.in_cpu(cpu, cb, plugin, id, cpu.state.cpu_index)


def qemu_plugin_num_vcpus() -> int:
    """vCPUs started so far (threads that have existed, as in QEMU user mode)."""
    return manager().machine.vcpus_started


# ---- translation --------------------------------------------------------------
def qemu_plugin_register_vcpu_tb_trans_cb(id: int, cb: Callable[[int, qemu_plugin_tb], None]) -> None:
    manager().register(id, "tb_trans", cb)


def qemu_plugin_tb_n_insns(tb: qemu_plugin_tb) -> int:
    return len(tb.insns)


def qemu_plugin_tb_vaddr(tb: qemu_plugin_tb) -> int:
    return tb.block.pc


def qemu_plugin_tb_get_insn(tb: qemu_plugin_tb, idx: int) -> qemu_plugin_insn | None:
    return tb.insns[idx] if 0 <= idx < len(tb.insns) else None


def qemu_plugin_insn_data(insn: qemu_plugin_insn, dest: bytearray | None = None, len: int | None = None):
    """The instruction's bytes. With `dest`, copy at most `len` of them into it and
    return the count (QEMU's v3 form); else return them as bytes."""
    data = insn.insn.raw.to_bytes(insn.insn.size, "little")
    if dest is None:
        return data if len is None else data[:len]
    n = min(len if len is not None else builtins.len(dest), builtins.len(data))
    dest[:n] = data[:n]
    return n


def qemu_plugin_insn_size(insn: qemu_plugin_insn) -> int:
    return insn.insn.size


def qemu_plugin_insn_vaddr(insn: qemu_plugin_insn) -> int:
    return insn.insn.pc


def qemu_plugin_insn_haddr(insn: qemu_plugin_insn) -> int:
    """Host address of the instruction's bytes (user mode: guest memory's mapping)."""
    return insn.tb.mem.host_addr(insn.insn.pc)


def qemu_plugin_insn_disas(insn: qemu_plugin_insn) -> str:
    from emu.riscv.disas import disas
    return disas(insn.insn)


def qemu_plugin_insn_symbol(insn: qemu_plugin_insn) -> str | None:
    """The ELF symbol (program or interpreter) whose range holds the instruction."""
    return insn.tb.symbols.lookup(insn.insn.pc)


def _request(target, req: Request) -> None:
    m = manager()
    if m.translating is None:
        raise RuntimeError("instrumentation can only be registered in a tb_trans callback")
    (target.mem_requests if req.kind.startswith("mem") else target.requests).append(req)


def _callback(cb: Callable, flags, userdata) -> int:
    m = manager()
    return m.add_callback(m.translating, cb, userdata, int(flags))


def _cond_cb(target, cb, flags, cond, entry: qemu_plugin_u64, imm, userdata) -> None:
    cond = qemu_plugin_cond(cond)
    if cond == qemu_plugin_cond.QEMU_PLUGIN_COND_NEVER:
        return
    _request(target, Request("cb", _callback(cb, flags, userdata), int(flags), int(cond), entry,
                             imm & (1 << 64) - 1))


def qemu_plugin_register_vcpu_tb_exec_cb(tb: qemu_plugin_tb, cb: Callable[[int, object], None],
                                         flags: int, userdata=None) -> None:
    """cb(vcpu_index, userdata) each time the block starts to run."""
    _request(tb, Request("cb", _callback(cb, flags, userdata), int(flags)))


def qemu_plugin_register_vcpu_tb_exec_cond_cb(tb, cb, flags, cond, entry, imm, userdata=None) -> None:
    _cond_cb(tb, cb, flags, cond, entry, imm, userdata)


def qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, op, entry: qemu_plugin_u64, imm: int) -> None:
    _request(tb, Request("inline", entry=entry, imm=imm & (1 << 64) - 1, op=int(qemu_plugin_op(op))))


def qemu_plugin_register_vcpu_insn_exec_cb(insn: qemu_plugin_insn, cb: Callable[[int, object], None],
                                           flags: int, userdata=None) -> None:
    """cb(vcpu_index, userdata) each time the instruction is about to run."""
    _request(insn, Request("cb", _callback(cb, flags, userdata), int(flags)))


def qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, cb, flags, cond, entry, imm, userdata=None) -> None:
    _cond_cb(insn, cb, flags, cond, entry, imm, userdata)


def qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, op, entry: qemu_plugin_u64, imm: int) -> None:
    _request(insn, Request("inline", entry=entry, imm=imm & (1 << 64) - 1, op=int(qemu_plugin_op(op))))


def qemu_plugin_register_vcpu_mem_cb(insn: qemu_plugin_insn, cb: Callable[..., None], flags: int,
                                     rw: int, userdata=None) -> None:
    """cb(vcpu_index, info, vaddr, userdata) after each access of the instruction."""
    _request(insn, Request("mem_cb", _callback(cb, flags, userdata), int(flags), rw=int(rw)))


def qemu_plugin_register_vcpu_mem_inline_per_vcpu(insn, rw, op, entry: qemu_plugin_u64, imm: int) -> None:
    _request(insn, Request("mem_inline", entry=entry, imm=imm & (1 << 64) - 1,
                           op=int(qemu_plugin_op(op)), rw=int(rw)))


# ---- memory accesses ---------------------------------------------------------------
def qemu_plugin_mem_size_shift(info: int) -> int:
    return info & 3


def qemu_plugin_mem_is_sign_extended(info: int) -> bool:
    return bool(info & INFO_SIGN)


def qemu_plugin_mem_is_big_endian(info: int) -> bool:
    return bool(info & INFO_BIG_ENDIAN)


def qemu_plugin_mem_is_store(info: int) -> bool:
    return bool(info & INFO_STORE)


def qemu_plugin_mem_get_value(info: int) -> qemu_plugin_mem_value:
    """The value the access loaded or stored (in a memory callback)."""
    cpu, _ = manager().current()
    value = cpu.state.mem_value if cpu is not None else 0
    return qemu_plugin_mem_value(qemu_plugin_mem_value_type(info & 3),
                                 value & ((1 << (8 << (info & 3))) - 1))


def qemu_plugin_get_hwaddr(info: int, vaddr: int):
    """System mode only: None in user mode, as in QEMU."""
    return None


def qemu_plugin_hwaddr_is_io(haddr) -> bool:
    return False


def qemu_plugin_hwaddr_phys_addr(haddr) -> int:
    return 0


def qemu_plugin_hwaddr_device_name(haddr) -> str:
    return "Invalid"


# ---- syscalls ------------------------------------------------------------------------
def qemu_plugin_register_vcpu_syscall_cb(id: int, cb: Callable[..., None]) -> None:
    """cb(id, vcpu_index, num, a1, ..., a8) before each syscall."""
    manager().register(id, "syscall", cb)


def qemu_plugin_register_vcpu_syscall_ret_cb(id: int, cb: Callable[[int, int, int, int], None]) -> None:
    """cb(id, vcpu_index, num, ret) after each syscall."""
    manager().register(id, "syscall_ret", cb)


def qemu_plugin_register_vcpu_syscall_filter_cb(id: int, cb: Callable[..., tuple[bool, int] | None]) -> None:
    """cb(id, vcpu_index, num, a1, ..., a8) -> (True, value) skips the host syscall,
    and the guest gets `value`; anything else lets it run."""
    manager().register(id, "syscall_filter", cb)


# ---- registers ----------------------------------------------------------------------------
def qemu_plugin_get_registers() -> list[qemu_plugin_reg_descriptor]:
    return list(DESCRIPTORS)


def _current_cpu():
    """(vCPU, flags) of the running callback; flags None in vCPU events."""
    cpu, flags = manager().current()
    if cpu is None:
        raise RuntimeError("registers are only reachable from a vCPU callback")
    return cpu, flags


def qemu_plugin_read_register(handle: RegisterHandle) -> bytes | None:
    """The register's bytes (little-endian), or None where the callback's flags
    (QEMU_PLUGIN_CB_NO_REGS) do not allow reading."""
    cpu, flags = _current_cpu()
    if flags is not None and flags < R_REGS:
        return None
    return handle.read(cpu.state)


def qemu_plugin_write_register(handle: RegisterHandle, data: bytes) -> bool:
    """False if the register is read-only (pc: use qemu_plugin_set_pc) or the
    callback was not registered with an RW_REGS flag."""
    cpu, flags = _current_cpu()
    if (flags is not None and flags < RW_REGS) or handle.field == "pc" or \
            (handle.field == "x" and handle.index == 0) or len(data) < handle.size:
        return False
    handle.write(cpu.state, bytes(data))
    if handle.field in ("frm", "fcsr"):
        from emu.vcpu import mxcsr_for
        cpu.state.mxcsr = mxcsr_for(cpu.state.frm)
    return True


def qemu_plugin_set_pc(vaddr: int) -> None:
    """Resume the vCPU at `vaddr`; does not return to the callback. Allowed in
    callbacks registered with QEMU_PLUGIN_CB_RW_REGS_PC and in vCPU events
    (in a syscall callback it abandons the syscall); elsewhere it returns
    and changes nothing, as in QEMU."""
    _, flags = _current_cpu()
    if flags is not None and flags != qemu_plugin_cb_flags.QEMU_PLUGIN_CB_RW_REGS_PC:
        return
    raise SetPc(vaddr & (1 << 64) - 1)


# ---- guest memory ----------------------------------------------------------------------------
def qemu_plugin_read_memory_vaddr(addr: int, len: int) -> bytes | bool:
    """`len` guest bytes at `addr`, or False if any is not readable."""
    from emu.memory import GuestFault
    if len <= 0:
        return False
    try:
        return manager().machine.mem.read(addr, len)
    except (GuestFault, OverflowError):
        return False


def qemu_plugin_write_memory_vaddr(addr: int, data: bytes) -> bool:
    """Write guest memory as a debugger would (read-only pages too); False if unmapped."""
    from emu.memory import GuestFault, MemoryError_
    if not data:
        return False
    machine = manager().machine
    try:
        machine.mem.write(addr, bytes(data), force=True)
    except (GuestFault, MemoryError_, OverflowError):
        return False
    # As QEMU's debug writes: translations of the bytes are stale. The block
    # running now finishes as translated; every vCPU leaves native code at
    # its next check, and finds the new translation.
    machine.cache.invalidate(addr, addr + len(data))
    for cpu in list(machine.cpus.values()):
        cpu.state.exit_request = 1
    return True


def qemu_plugin_read_memory_hwaddr(addr: int, len: int) -> tuple[qemu_plugin_hwaddr_operation_result, bytes]:
    """System mode only: user mode answers ERROR, as QEMU does."""
    return qemu_plugin_hwaddr_operation_result.QEMU_PLUGIN_HWADDR_OPERATION_ERROR, b""


def qemu_plugin_write_memory_hwaddr(addr: int, data: bytes) -> qemu_plugin_hwaddr_operation_result:
    return qemu_plugin_hwaddr_operation_result.QEMU_PLUGIN_HWADDR_OPERATION_ERROR


def qemu_plugin_translate_vaddr(vaddr: int) -> tuple[bool, int]:
    """(translated, hwaddr), C's bool result and out-parameter (as bool_parse).
    System mode only: (False, 0) in user mode, as in QEMU."""
    return False, 0


# ---- time --------------------------------------------------------------------------------------
def qemu_plugin_request_time_control():
    """A handle for the first caller only (later ones get None)."""
    m = manager()
    if m.time_controller is not None:
        return None
    m.time_controller = object()
    return m.time_controller


def qemu_plugin_update_ns(handle, time: int) -> None:
    """User mode: time comes from the host, so this changes nothing, and (as
    in QEMU) a handle other than the controller's is ignored."""


# ---- scoreboards ---------------------------------------------------------------------------------
def qemu_plugin_scoreboard_new(element: int | np.dtype | str) -> Scoreboard:
    """A per-vCPU scoreboard of `element` (bytes, or a numpy dtype), zeroed."""
    m = manager()
    return Scoreboard(element, lambda: m.machine.vcpus_started)


def qemu_plugin_scoreboard_free(score: Scoreboard) -> None:
    score.freed = True


def qemu_plugin_scoreboard_find(score: Scoreboard, vcpu_index: int) -> np.ndarray:
    """The vCPU's element (a writable numpy view)."""
    return score.element(vcpu_index)


def qemu_plugin_scoreboard_u64(score: Scoreboard) -> qemu_plugin_u64:
    return qemu_plugin_u64(score, 0)


def qemu_plugin_scoreboard_u64_in_struct(score: Scoreboard, member: str | int) -> qemu_plugin_u64:
    """The uint64 `member` (a dtype field name, or a byte offset) of each element."""
    offset = member if isinstance(member, int) else score.dtype.fields[member][1]
    return qemu_plugin_u64(score, offset)


def qemu_plugin_u64_add(entry: qemu_plugin_u64, vcpu_index: int, added: int) -> None:
    words = entry.words
    if words is not None and vcpu_index >= 0:       # the fast path (plugins call this per event)
        i = entry.first + vcpu_index * entry.stride
        words[i] = (words[i] + added) & 0xFFFFFFFFFFFFFFFF
        return
    view = entry.score.u64(entry.offset)
    view[vcpu_index] = (int(view[vcpu_index]) + added) & (1 << 64) - 1


def qemu_plugin_u64_get(entry: qemu_plugin_u64, vcpu_index: int) -> int:
    return int(entry.score.u64(entry.offset)[vcpu_index])


def qemu_plugin_u64_set(entry: qemu_plugin_u64, vcpu_index: int, val: int) -> None:
    entry.score.u64(entry.offset)[vcpu_index] = val & (1 << 64) - 1


def qemu_plugin_u64_sum(entry: qemu_plugin_u64) -> int:
    return int(entry.array.sum(dtype=np.uint64))


# ---- bulk tracing (llemu's extension) --------------------------------------------------------------
def llemu_trace_buffer_new(id: int, kind: str, on_batch: Callable[[int, np.ndarray], None],
                           capacity: int = 1 << 16) -> TraceBuffer:
    """Per-vCPU buffers that compiled code fills with one record per event:
    kind "insn" (fields pc) or "mem" (addr, value, size, store, sign). Full
    buffers, and what is left at exit or on llemu_trace_flush, go to
    `on_batch(vcpu_index, records)`, a numpy structured array that is valid
    only during the call (copy what you keep)."""
    m = manager()
    buf = TraceBuffer(len(m.traces), kind, on_batch, capacity, m.plugin(id))
    m.traces.append(buf)
    return buf


def llemu_register_trace_insn(insn: qemu_plugin_insn, buf: TraceBuffer) -> None:
    """Record the instruction's pc each time it is about to run."""
    if buf.kind != "insn":
        raise ValueError("llemu_register_trace_insn needs an \"insn\" trace buffer")
    _request(insn, Request("trace", trace=buf))


def llemu_register_trace_mem(insn: qemu_plugin_insn, buf: TraceBuffer, rw: int = 3) -> None:
    """Record each access of the instruction (of kind `rw`) after it succeeds."""
    if buf.kind != "mem":
        raise ValueError("llemu_register_trace_mem needs a \"mem\" trace buffer")
    _request(insn, Request("mem_trace", rw=int(rw), trace=buf))


def llemu_trace_flush(buf: TraceBuffer) -> None:
    """Deliver the records buffered so far (every vCPU's) to on_batch now."""
    buf.flush()


# ---- utilities -----------------------------------------------------------------------------------
def qemu_plugin_outs(string: str) -> None:
    """Plugin output: stderr, or the -D log file."""
    output(string)


# QEMU's qapi_bool_parse: these spellings exactly (lower case).
_TRUE, _FALSE = ("on", "yes", "true", "y"), ("off", "no", "false", "n")


def qemu_plugin_bool_parse(name: str, value: str) -> tuple[bool, bool]:
    """(parsed, value) for "name=on|yes|true|y|off|no|false|n"."""
    if not name or value is None or value not in _TRUE + _FALSE:
        return False, False
    return True, value in _TRUE


def qemu_plugin_path_to_binary() -> str:
    return manager().machine.process.image.exe_path


def qemu_plugin_start_code() -> int:
    return manager().machine.process.image.start_code


def qemu_plugin_end_code() -> int:
    return manager().machine.process.image.end_code


def qemu_plugin_entry_code() -> int:
    return manager().machine.process.image.exe_entry


class Symbols:
    """ELF function symbols by address, for qemu_plugin_insn_symbol."""

    def __init__(self, symbols: list[tuple[int, int, str]]):
        self.table = sorted((a, s, n) for a, s, n in symbols if n)
        self.starts = [a for a, _, _ in self.table]

    def lookup(self, addr: int) -> str | None:
        i = bisect.bisect_right(self.starts, addr) - 1
        if i >= 0:
            start, size, name = self.table[i]
            if addr < start + max(size, 1):
                return name
        return None


__all__ = [n for n in list(globals()) if n.startswith(("qemu_plugin", "QEMU_PLUGIN", "qemu_info", "llemu_"))]
__all__ += ["qemu_plugin_id_t", "qemu_plugin_meminfo_t"]

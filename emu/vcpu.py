"""A vCPU and the Python half of the run loop.

`run()` calls native code, which runs and chains blocks until something
needs Python; the returned ExitReason is handled in exactly one place here.
"""
from __future__ import annotations

import ctypes
import os
import signal
import time

from emu import state as st
from emu.linux import sigframe, signals
from emu.linux.process import GuestExit, Process
from emu.log import log
from emu.memory import PAGE_MAPPED, PAGE_SHIFT, PAGE_SIZE, PROT_EXEC, PROT_READ, GuestFault, GuestMemory
from emu.riscv.translate import translate_block
from jit.cache import CodeCache
from jit.dispatch import MXCSR_DEFAULT, RUN_FUNC, HostSignals, install_fault_handler
from jit.helpers import HelperTable

R = st.ExitReason
# si_code values of synchronous signals.
SEGV_MAPERR, SEGV_ACCERR, BUS_ADRALN, ILL_ILLOPC, TRAP_BRKPT = 1, 2, 1, 1, 1
# x86 MXCSR rounding-control bits for RISC-V frm 0..3 (RNE, RTZ, RDN, RUP).
MXCSR_ROUNDING = (0x0000, 0x6000, 0x2000, 0x4000)


def mxcsr_for(frm: int) -> int:
    """The host MXCSR that implements guest rounding mode frm (RMM/invalid use RNE; the JIT checks)."""
    return MXCSR_DEFAULT | (MXCSR_ROUNDING[frm] if frm < 4 else 0)


class VCpu:
    """One guest hart: its state, the code cache it runs from, the process it serves."""

    def __init__(self, mem: GuestMemory, process: Process, cpu_index: int = 0):
        self.mem = mem
        self.process = process
        self.state = st.CpuState()
        self.state.cpu_index = cpu_index
        self.state.res_addr = (1 << 64) - 1
        self.state.mxcsr = mxcsr_for(0)
        self.cache = CodeCache(lambda pc: translate_block(mem, pc), self._executable)
        mem.on_code_change.append(self.cache.invalidate)
        self._native_run = RUN_FUNC(self.cache.run_address)
        install_fault_handler(self.cache.engine, mem.base)
        self.pending_error: BaseException | None = None
        self.helpers = HelperTable(self.cache.helpers_address, self._helper_failed)
        self._bind_helpers()
        self.python_entries = 0
        self.host_signals = HostSignals(self.cache.engine)
        process.host_signals = self.host_signals
        process.cpu = self.state
        self.sigreturn = self._map_sigreturn_page()

    def _executable(self, pc: int) -> bool:
        page = pc >> PAGE_SHIFT
        return page < len(self.mem.perms) and bool(self.mem.perms[page] & PROT_EXEC)

    def _helper_failed(self, e: BaseException) -> None:
        if self.pending_error is None:
            self.pending_error = e
        self.state.exit_request = 1

    def _bind_helpers(self) -> None:
        bind = self.helpers.bind
        bind("rdcycle", lambda *a: time.perf_counter_ns())
        bind("rdtime", lambda *a: time.monotonic_ns() // 100)       # 10 MHz timebase
        bind("rdinstret", lambda *a: time.perf_counter_ns())
        from emu.riscv import softfloat
        for name, fn in softfloat.helpers(self).items():
            bind(name, fn)

    def _map_sigreturn_page(self) -> int:
        """Where guest handlers return to: `li a7, 139; ecall` (Linux has it in the vDSO)."""
        addr = self.mem.map(0, PAGE_SIZE, PROT_READ | PROT_EXEC, name="[vdso]")
        self.mem.write(addr, sigframe.SIGRETURN_CODE, force=True)
        return addr

    def fault(self, sig: int, code: int, addr: int) -> None:
        """A synchronous signal: enter the guest's handler, or die by it."""
        if log.on("strace"):
            log.write(f"--- {signals.name(sig)} {{si_signo={signals.name(sig)}, si_code={code}, "
                      f"si_addr=0x{addr:016x}}} ---\n")
        self.process.fault_signal(sig)
        self._enter_handler(sig, sigframe.siginfo(sig, code, addr=addr))

    def deliver_signals(self) -> None:
        """Run guest handlers for the signals that are pending and unblocked."""
        while (taken := self.process.next_handled_signal()) is not None:
            sig, code = taken
            self._enter_handler(sig, sigframe.siginfo(sig, code, pid=self.process.pid, uid=os.getuid()))

    def _enter_handler(self, sig: int, info: bytes) -> None:
        try:
            sigframe.push_frame(self.mem, self.state, self.process.signals, sig, info, self.sigreturn)
        except GuestFault:          # no room for the frame: Linux kills with SIGSEGV
            raise GuestExit(128 + signal.SIGSEGV, signal=signal.SIGSEGV) from None

    def _segv_code(self, addr: int) -> int:
        """MAPERR or ACCERR from the guest's page table (the host sees the
        whole reservation as mapped)."""
        page = addr >> PAGE_SHIFT
        mapped = page < len(self.mem.perms) and self.mem.perms[page] & PAGE_MAPPED
        return SEGV_ACCERR if mapped else SEGV_MAPERR

    def run(self) -> None:
        """Run the guest until it exits or dies (GuestExit)."""
        s = self.state
        sp = ctypes.addressof(s)
        base = self.mem.base
        native_run = self._native_run
        host_pending = self.host_signals.pending
        while True:
            if host_pending.value:
                self.deliver_signals()
            if log.on("exec"):
                log.write(f"Trace {s.cpu_index}: [{s.pc:016x}]\n")
            reason = native_run(sp, base)
            self.python_entries += 1
            if self.pending_error is not None:
                e, self.pending_error = self.pending_error, None
                raise e
            if reason == R.MISS:
                self.cache.fill(s.pc)
            elif reason == R.SYSCALL:
                s.pc += 4                   # as QEMU: sigreturn and restarts see the next pc
                self.process.syscall(s)
                s.mxcsr = mxcsr_for(s.frm)  # rt_sigreturn may have changed frm
                self.deliver_signals()
            elif reason == R.REQUEST:
                s.exit_request = 0
                self.deliver_signals()
            elif reason == R.FENCE_I:
                self.cache.flush()
                s.pc += 4
            elif reason == R.SEGV:
                self.fault(signal.SIGSEGV, self._segv_code(s.exit_arg), s.exit_arg)
            elif reason == R.INSN_FETCH:
                self.fault(signal.SIGSEGV, self._segv_code(s.pc), s.pc)
            elif reason == R.BUS:
                self.fault(signal.SIGBUS, BUS_ADRALN, s.exit_arg)
            elif reason == R.ILLEGAL:
                self.fault(signal.SIGILL, ILL_ILLOPC, s.pc)
            elif reason == R.EBREAK:
                self.fault(signal.SIGTRAP, TRAP_BRKPT, s.pc)
            else:
                raise RuntimeError(f"unknown exit reason {reason}")

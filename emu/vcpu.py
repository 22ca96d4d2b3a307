"""A vCPU and the Python half of the run loop.

`run()` calls native code, which runs and chains blocks until something
needs Python; the returned ExitReason is handled in exactly one place here.
"""
from __future__ import annotations

import ctypes
import signal
import time

from emu import state as st
from emu.linux.process import GuestExit, Process
from emu.log import log
from emu.memory import PAGE_SHIFT, PROT_EXEC, GuestMemory
from emu.riscv.translate import translate_block
from jit.cache import CodeCache
from jit.dispatch import MXCSR_DEFAULT, RUN_FUNC, install_fault_handler
from jit.helpers import HelperTable

R = st.ExitReason
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
        self.started = time.monotonic()

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

    def fatal(self, sig: int) -> None:
        """A synchronous signal with no guest handler: the process dies by it."""
        raise GuestExit(128 + sig, signal=sig)

    def run(self) -> None:
        """Run the guest until it exits (GuestExit) or dies by a signal (GuestSignal)."""
        s = self.state
        sp = ctypes.addressof(s)
        base = self.mem.base
        native_run = self._native_run
        while True:
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
            elif reason == R.REQUEST:
                s.exit_request = 0
            elif reason == R.FENCE_I:
                self.cache.flush()
                s.pc += 4
            elif reason in (R.SEGV_MAPERR, R.SEGV_ACCERR, R.INSN_FETCH):
                self.fatal(signal.SIGSEGV)
            elif reason == R.BUS:
                self.fatal(signal.SIGBUS)
            elif reason == R.ILLEGAL:
                self.fatal(signal.SIGILL)
            elif reason == R.EBREAK:
                self.fatal(signal.SIGTRAP)
            else:
                raise RuntimeError(f"unknown exit reason {reason}")

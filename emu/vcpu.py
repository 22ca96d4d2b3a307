"""A vCPU and the Python half of the run loop.

`run()` calls native code, which runs and chains blocks until something
needs Python; the returned ExitReason is handled in exactly one place here.
"""
from __future__ import annotations

import ctypes
import os
import signal

from emu import state as st
from emu.linux import sigframe
from emu.linux.process import GuestExit, ThreadExit
from emu.log import log
from emu.memory import PAGE_MAPPED, PAGE_SHIFT, GuestFault
from jit.dispatch import MXCSR_DEFAULT, RUN_FUNC, RUN_PYFUNC

R = st.ExitReason
# si_code values of synchronous signals.
SEGV_MAPERR, SEGV_ACCERR, BUS_ADRALN, ILL_ILLOPC, TRAP_BRKPT = 1, 2, 1, 1, 1
# x86 MXCSR rounding-control bits for RISC-V frm 0..3 (RNE, RTZ, RDN, RUP).
MXCSR_ROUNDING = (0x0000, 0x6000, 0x2000, 0x4000)
FUTEX_WAKE = 1
INTERRUPT, EXCEPTION = 1, 2       # qemu_plugin_discon_type


def mxcsr_for(frm: int) -> int:
    """The host MXCSR that implements guest rounding mode frm (RMM/invalid use RNE; the JIT checks)."""
    return MXCSR_DEFAULT | (MXCSR_ROUNDING[frm] if frm < 4 else 0)


class VCpu:
    """One guest hart (a guest thread): its registers and its run loop."""

    def __init__(self, machine, cpu_index: int):
        self.machine = machine
        self.mem = machine.mem
        self.process = machine.process
        self.cache = machine.cache
        self.state = st.CpuState()
        self.state.cpu_index = cpu_index
        self.state.res_addr = (1 << 64) - 1
        self.state.mxcsr = mxcsr_for(0)
        self.state.cb_flags = st.NO_CALLBACK
        self.pending_error: BaseException | None = None
        self.python_entries = 0
        self.clear_child_tid = 0            # set_tid_address / CLONE_CHILD_CLEARTID

    def copy_registers_from(self, other: VCpu) -> None:
        """A new thread starts with its parent's registers (clone)."""
        ctypes.memmove(ctypes.addressof(self.state), ctypes.addressof(other.state),
                       st.offset("exit_reason"))
        self.state.mxcsr = other.state.mxcsr

    # ---- signals -------------------------------------------------------------
    def fault(self, sig: int, code: int, addr: int) -> None:
        """A synchronous signal: enter the guest's handler, or die by it."""
        self.machine.plugins.block_stopped(self)
        if log.on("strace"):
            log.write(f"--- {sig_name(sig)} {{si_signo={sig_name(sig)}, si_code={code}, "
                      f"si_addr=0x{addr:016x}}} ---\n")
        self.process.fault_signal(sig)
        self._enter_handler(sig, sigframe.siginfo(sig, code, addr=addr), EXCEPTION)

    def deliver_signals(self) -> None:
        """Run guest handlers for the signals that are pending and unblocked."""
        while (taken := self.process.next_handled_signal()) is not None:
            sig, code = taken
            info = sigframe.siginfo(sig, code, pid=self.process.pid, uid=os.getuid())
            self._enter_handler(sig, info, INTERRUPT)

    def _enter_handler(self, sig: int, info: bytes, kind: int) -> None:
        """Push the signal frame; plugins see the jump as a discontinuity."""
        from_pc = self.state.pc
        try:
            sigframe.push_frame(self.mem, self.state, self.process.signals, sig, info,
                                self.machine.sigreturn)
        except GuestFault:          # no room for the frame: Linux kills with SIGSEGV
            raise GuestExit(128 + signal.SIGSEGV, signal=signal.SIGSEGV) from None
        self.machine.plugins.discon(self, kind, from_pc, self.state.pc)

    def _segv_code(self, addr: int) -> int:
        """MAPERR or ACCERR from the guest's page table (the host sees the
        whole reservation as mapped)."""
        page = addr >> PAGE_SHIFT
        mapped = page < len(self.mem.perms) and self.mem.perms[page] & PAGE_MAPPED
        return SEGV_ACCERR if mapped else SEGV_MAPERR

    # ---- the run loop ----------------------------------------------------------
    def run(self) -> None:
        """Run this guest thread until it exits: GuestExit (process) or ThreadExit."""
        s = self.state
        sp = ctypes.addressof(s)
        base = self.mem.base
        # With one vCPU, native code runs holding the GIL (PYFUNCTYPE), so calls
        # into Python cost no GIL handover; threads release it to run in parallel.
        run_alone, run_shared = RUN_PYFUNC(self.cache.run_address), RUN_FUNC(self.cache.run_address)
        host_pending = self.machine.host_signals.pending
        self.process.local.cpu = self
        while True:
            if host_pending.value:
                self.deliver_signals()
            if log.on("exec"):
                log.write(f"Trace {s.cpu_index}: [{s.pc:016x}]\n")
            native_run = run_alone if len(self.machine.cpus) == 1 else run_shared
            reason = native_run(sp, base)
            self.python_entries += 1
            if self.pending_error is not None:
                e, self.pending_error = self.pending_error, None
                raise e
            if reason == R.MISS:                # patch_slot: the exit slot to chain, if any
                self.cache.fill(s.pc)
                continue
            s.patch_slot = None                 # stale: only a miss may chain its slot
            s.patch_ic = None
            if reason == R.SYSCALL:
                s.pc += 4                   # as QEMU: sigreturn and restarts see the next pc
                self.process.syscall(s)
                s.mxcsr = mxcsr_for(s.frm)  # rt_sigreturn may have changed frm
                self.deliver_signals()
            elif reason == R.REQUEST:
                s.exit_request = 0
                if self.machine.plugins.pending_resets:
                    self.machine.plugins.apply_resets()
                self.deliver_signals()
            elif reason == R.HOT:
                self.cache.promote(s.pc, s.exit_arg)
            elif reason == R.FENCE_I:
                self.machine.flush_translations()
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

    def run_thread(self) -> None:
        """Body of a guest thread: run; on exit clear the child tid and wake its
        joiner (CLONE_CHILD_CLEARTID); exit_group or a fatal signal ends the process."""
        from plugin_api.core import PluginError
        try:
            self.run()
        except ThreadExit:
            self.thread_done()
        except GuestExit as e:
            self.machine.finish(e)
        except PluginError as e:
            self.machine.finish(None, error=str(e))
        except BaseException as e:     # noqa: BLE001 - a bug must not leave a zombie thread
            from emu.run import internal_error
            internal_error(e)
            os._exit(1)

    def thread_done(self) -> None:
        from emu.linux import host
        if self.clear_child_tid:
            try:
                self.mem.write_u(self.clear_child_tid, 4, 0)
                host.call("futex", self.mem.host_addr(self.clear_child_tid), FUTEX_WAKE, 1, None, 0, 0)
            except (GuestFault, OSError):
                pass
        self.machine.retire(self)


def sig_name(sig: int) -> str:
    from emu.linux import signals
    return signals.name(sig)

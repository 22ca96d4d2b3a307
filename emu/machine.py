"""What the vCPUs of one guest process share: memory, the process, the code
cache, the Python helpers and the host-signal plumbing; and the threads.

Each guest thread is a vCPU run by a host thread. Native code runs without
the GIL, so threads run in parallel; Python work (translation, syscalls)
is serialized by the GIL, and translation also by the cache's lock.
"""
from __future__ import annotations

import ctypes
import dataclasses
import os
import sys
import threading
import time
from typing import Callable

from emu.linux.process import GuestExit, Process
from emu.log import log
from emu.memory import PAGE_SHIFT, PAGE_SIZE, PROT_EXEC, PROT_READ, GuestMemory
from emu.riscv.translate import translate_block
from jit.cache import CodeCache
from jit.dispatch import (MAX_THREADS, PY_ERROR, PY_TRACE, CallbackTable, HostSignals, PyTargets,
                          install_fault_handler)
from jit.helpers import HelperTable


class Machine:
    """One guest process: its address space, its OS state and its vCPUs."""

    def __init__(self, mem: GuestMemory, process: Process, plugin_specs: list[str] = ()):
        from emu.linux import sigframe
        from plugin_api import Symbols, core
        self.mem = mem
        self.process = process
        self.symbols = Symbols(process.image.symbols)
        self.plugins = core.PluginManager(self)
        core.MANAGER = self.plugins
        process.plugins = self.plugins
        # A plugin's tb_trans sees what is translated: translate only what runs then, as QEMU.
        self.cache = CodeCache(lambda pc: self.plugins.instrument(translate_block(mem, pc)),
                               self._executable, lambda: not self.plugins.watches_translation(),
                               self._code_bytes, process.image.exe_path)
        mem.on_code_change.append(self.cache.invalidate)
        install_fault_handler(self.cache.engine, mem.base)
        self.host_signals = HostSignals(self.cache.engine)
        process.host_signals = self.host_signals
        process.machine = self
        self.cpus: dict[int, object] = {}            # state address -> VCpu
        self.lock = threading.Lock()
        self.helpers = HelperTable(self.cache.helpers_address, self.cpus.get, self.native_call_failed)
        self._bind_helpers()
        self.sigreturn = mem.map(0, PAGE_SIZE, PROT_READ | PROT_EXEC, name="[vdso]")
        mem.write(self.sigreturn, sigframe.SIGRETURN_CODE, force=True)
        self.started = time.monotonic()
        self.vcpus_started = 0
        self.finishing = False
        self.py_targets = PyTargets(self.cache.engine)
        trace = self.plugins.trace_target
        self.py_targets.set(PY_TRACE, self.plugins.timed(trace) if log.on("stats") else trace)
        self.py_targets.set(PY_ERROR, self.plugins.callback_raised)
        self.plugins.native = CallbackTable(self.cache.engine)
        for spec in plugin_specs:
            self.plugins.load(spec)

    def flush_translations(self) -> None:
        """Drop every translation (fence.i, plugin reset), telling plugins."""
        self.cache.flush()
        self.plugins.flush()

    def _code_bytes(self, pc: int, size: int) -> bytes | None:
        """Guest code at [pc, pc+size), None unless all of it is executable."""
        from emu.memory import PROT_EXEC as X
        if not self.mem.check(pc, max(size, 1), X):
            return None
        return self.mem.read(pc, size, force=True)

    def _executable(self, pc: int) -> bool:
        page = pc >> PAGE_SHIFT
        return page < len(self.mem.perms) and bool(self.mem.perms[page] & PROT_EXEC)

    def native_call_failed(self, cpu, e: BaseException) -> None:
        """Compiled code called Python, which raised: leave native code now (a plugin
        callback's caller checks `redirect`; others notice `exit_request`)."""
        if cpu.pending_error is None:
            cpu.pending_error = e
        cpu.state.exit_request = 1
        cpu.state.redirect = 1

    def _bind_helpers(self) -> None:
        from emu.riscv import softfloat
        bind = self.helpers.bind
        bind("rdcycle", lambda cpu, *a: time.perf_counter_ns())
        bind("rdtime", lambda cpu, *a: time.monotonic_ns() // 100)       # 10 MHz timebase
        bind("rdinstret", lambda cpu, *a: time.perf_counter_ns())
        for name, fn in softfloat.helpers().items():
            bind(name, fn)

    # ---- vCPUs -------------------------------------------------------------
    def new_cpu(self):
        """A vCPU with a free slot (cpu_index) in the native thread table."""
        from emu.vcpu import VCpu
        with self.lock:
            used = {c.state.cpu_index for c in self.cpus.values()}
            free = [i for i in range(MAX_THREADS) if i not in used]
            if not free:
                return None
            cpu = VCpu(self, free[0])
            if free[0] and self.cache.options.single_cpu:
                # Code compiled for vCPU 0 alone addresses its scoreboard elements directly.
                self.cache.options = dataclasses.replace(self.cache.options, single_cpu=False)
                self.flush_translations()
            self.cpus[ctypes.addressof(cpu.state)] = cpu
            self.vcpus_started = max(self.vcpus_started, free[0] + 1)
        self.plugins.vcpu_event("vcpu_init", cpu)
        return cpu

    def retire(self, cpu) -> None:
        self.plugins.vcpu_event("vcpu_exit", cpu)
        with self.lock:
            self.cpus.pop(ctypes.addressof(cpu.state), None)

    def spawn(self, cpu, before_start: Callable[[int], None]) -> int:
        """Start `cpu` on a new host thread; `before_start(tid)` runs before its
        guest code does. Returns the thread id."""
        started = threading.Event()
        tid: list[int] = []

        def body() -> None:
            tid.append(threading.get_native_id())
            before_start(tid[0])
            started.set()
            cpu.run_thread()
        threading.Thread(target=body, daemon=True, name=f"vcpu{cpu.state.cpu_index}").start()
        started.wait()
        return tid[0]

    def live_threads(self) -> int:
        with self.lock:
            return len(self.cpus)

    # ---- the end -----------------------------------------------------------
    def report(self) -> None:
        if log.on("stats"):
            s = self.cache.stats
            cpus = list(self.cpus.values())
            entries = sum(c.python_entries for c in cpus)
            insns = sum(c.state.insn_count for c in cpus)
            per_m = entries / (insns / 1e6) if insns else 0.0
            engine = self.cache.engine
            log.write(f"stats: {insns} guest instructions, {s.translations} blocks in {s.modules} modules "
                      f"({engine.disk_hits} from the disk cache, {s.known} without translating), "
                      f"translate {s.translate_seconds * 1e3:.1f} ms "
                      f"(LLVM {engine.compile_seconds * 1e3:.1f} ms), "
                      f"{s.promotions} hot regions ({s.hot_blocks} blocks, {s.hot_seconds * 1e3:.1f} ms), "
                      f"{s.misses} misses, {s.flushes} flushes, {entries} Python entries "
                      f"({per_m:.2f} per million guest instructions), "
                      f"{self.plugins.callback_seconds * 1e3:.1f} ms in plugin callbacks\n")

    def finish(self, e: GuestExit | None, error: str | None = None) -> None:
        """End the whole process as the guest ended (from any thread): plugins'
        exit callbacks run, then the host process exits at once (other threads
        may be in native code). `error` (a failed plugin) is reported in one
        line and gives status 1."""
        from plugin_api.core import PluginError
        with self.lock:
            if self.finishing:                  # another thread is already ending us
                return
            self.finishing = True
        try:
            self.plugins.atexit()
        except PluginError as pe:
            error = error or str(pe)
        self.cache.save()
        self.report()
        if error:
            print(f"llemu-riscv64: {error}", file=sys.stderr)
            e = GuestExit(1)
        for f in (sys.stdout, sys.stderr, log.out):
            try:
                f.flush()
            except (OSError, ValueError):
                pass
        if e.signal:
            e.terminate()
        os._exit(e.status)

"""Plugins at run time: loading, lifecycle, events, and the Python side of the
callbacks that compiled code makes.

One PluginManager serves one guest process (`MANAGER`, set when the machine
starts); the public functions in plugin_api/__init__.py act on it.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from emu.log import log
from emu.state import NO_CALLBACK
from jit.ir import Block
from plugin_api import instrument
from plugin_api.enums import (QEMU_PLUGIN_MIN_VERSION, QEMU_PLUGIN_VERSION, qemu_info_system,
                              qemu_info_t, qemu_plugin_discon_type)

BUNDLED = Path(__file__).resolve().parent.parent / "contrib_plugins"
EVENTS = ("vcpu_init", "vcpu_exit", "vcpu_idle", "vcpu_resume", "tb_trans", "flush", "atexit",
          "syscall", "syscall_ret", "syscall_filter", "discon")


class PluginError(Exception):
    """A plugin failed to load or raised: one error line, the guest stops."""


class SetPc(BaseException):
    """qemu_plugin_set_pc: leave the callback, resume the guest at `pc`."""

    def __init__(self, pc: int):
        super().__init__(hex(pc))
        self.pc = pc


@dataclass
class Plugin:
    id: int
    name: str
    path: str
    args: list[str]
    module: object = None
    events: dict[str, list] = field(default_factory=lambda: {e: [] for e in EVENTS})
    discon_mask: int = 0
    resetting: bool = False         # a reset or uninstall is pending (QEMU's ctx flags)
    uninstalling: bool = False


@dataclass
class DynCallback:
    """A callback compiled code calls by index: exec (vcpu, userdata) or mem
    (vcpu, info, vaddr, userdata)."""
    plugin: Plugin
    fn: Callable
    userdata: object
    flags: int


class Context(threading.local):
    """What the callback running on this thread may do."""
    cpu = None              # set during vCPU events (compiled-code callbacks use the state)
    flags = None            # None: not in a flagged callback (registers allowed)
    syscall_a0 = 0          # a0 when the current syscall began
    abandoned = False       # a syscall callback moved the pc: the syscall is off


# What in_cpu returns when the callback called qemu_plugin_set_pc.
MOVED = object()


def parse_spec(spec: str) -> tuple[str, list[str]]:
    """`[file=]PATH[,name=value...]` -> (path, ["name=value", ...])."""
    parts = [p for p in spec.split(",") if p != ""]
    if not parts:
        raise PluginError("empty -plugin argument")
    path = parts[0][5:] if parts[0].startswith("file=") else parts[0]
    return path, parts[1:]


def resolve(path: str) -> Path:
    """A plugin file, or the bundled plugin of that name (QEMU's libNAME.so too)."""
    p = Path(path)
    if p.is_file():
        return p
    stem = p.name
    for suffix in (".py", ".so"):
        stem = stem.removesuffix(suffix)
    stem = stem.removeprefix("lib")
    bundled = BUNDLED / f"{stem}.py"
    if bundled.is_file():
        return bundled
    raise PluginError(f"could not load plugin {path}: no such file or bundled plugin")


class PluginManager:
    """The loaded plugins of one guest process."""

    def __init__(self, machine):
        self.machine = machine
        self.plugins: list[Plugin] = []
        self.callbacks: list[DynCallback | None] = []
        self.ctx = Context()
        self.failed: BaseException | None = None
        self.time_controller: object | None = None
        self.pending_resets: list[tuple[Plugin, Callable, bool]] = []
        self.translating: Plugin | None = None   # whose tb_trans callback runs now
        self.traces: list = []                   # plugin_api.trace.TraceBuffer, by index
        self.segments: dict[int, instrument.Segment] = {}   # runs of merged inline ADDs, by id
        self.callback_seconds = 0.0                          # in callbacks from compiled code (-d stats)
        self.native = None          # jit.dispatch.CallbackTable, set by the machine before plugins load

    # ---- loading -----------------------------------------------------------
    def load(self, spec: str) -> Plugin:
        path, args = parse_spec(spec)
        file = resolve(path)
        plugin = Plugin(len(self.plugins), file.stem, str(file), args)
        module_name = f"llemu_plugin_{plugin.id}_{file.stem}"
        try:
            spec_ = importlib.util.spec_from_file_location(module_name, file)
            module = importlib.util.module_from_spec(spec_)
            sys.modules[module_name] = module
            spec_.loader.exec_module(module)
        except Exception as e:
            raise PluginError(f"could not load plugin {path}: {type(e).__name__}: {e}") from None
        install = getattr(module, "qemu_plugin_install", None)
        if not callable(install):
            raise PluginError(f"could not load plugin {path}: no qemu_plugin_install")
        version = getattr(module, "qemu_plugin_version", QEMU_PLUGIN_VERSION)
        if not QEMU_PLUGIN_MIN_VERSION <= version <= QEMU_PLUGIN_VERSION:
            raise PluginError(f"could not load plugin {path}: plugin API version {version} "
                              f"(llemu supports {QEMU_PLUGIN_MIN_VERSION}..{QEMU_PLUGIN_VERSION})")
        plugin.module = module
        self.plugins.append(plugin)
        info = qemu_info_t(system=qemu_info_system(1, 64))
        try:
            rc = install(plugin.id, info, list(args))
        except Exception as e:
            raise PluginError(f"plugin {plugin.name}: {type(e).__name__}: {e}") from None
        if rc != 0:
            raise PluginError(f"could not load plugin {path}: qemu_plugin_install returned {rc}")
        return plugin

    def plugin(self, id: int) -> Plugin:
        if not 0 <= id < len(self.plugins):
            raise ValueError(f"no plugin with id {id}")
        return self.plugins[id]

    def register(self, id: int, event: str, cb: Callable, *extra) -> None:
        """Add `cb` for `event`; events with a parameter (atexit's userdata,
        discon's type mask) keep (cb, parameter). A plugin being uninstalled
        gets no new callbacks (they would outlive it)."""
        plugin = self.plugin(id)
        if not plugin.uninstalling:
            plugin.events[event].append((cb, *extra) if extra else cb)

    def active(self, event: str):
        for p in self.plugins:
            for cb in p.events[event]:
                yield p, cb

    # ---- errors ----------------------------------------------------------------
    def guard(self, plugin: Plugin, fn: Callable, *args):
        """Call plugin code; an exception becomes a PluginError that stops the guest."""
        try:
            return fn(*args)
        except (SetPc, PluginError):
            raise
        except SystemExit as e:           # the plugin ends the guest (stoptrigger, ...)
            from emu.linux.process import GuestExit
            raise GuestExit(e.code if isinstance(e.code, int) else 0 if e.code is None else 1) from None
        except Exception as e:
            raise PluginError(f"plugin {plugin.name}: {type(e).__name__}: {e}") from e

    # ---- translation -------------------------------------------------------------
    def watches_translation(self) -> bool:
        return any(p.events["tb_trans"] for p in self.plugins)

    def instrument(self, block: Block) -> Block:
        """Let tb_trans callbacks see the block and put their requests into it."""
        if not any(p.events["tb_trans"] for p in self.plugins):
            return block
        tb = instrument.qemu_plugin_tb(block, self.machine.mem, self.machine.symbols)
        for p, cb in self.active("tb_trans"):
            self.translating = p
            self.guard(p, cb, p.id, tb)
        self.translating = None
        if tb.instrumented():
            instrument.rewrite(tb, self.segments)
            if log.on("op_plugin"):
                log.write("OP after instrumentation:\n" + block.dump() + "\n")
        return block

    def add_callback(self, plugin: Plugin, fn: Callable, userdata, flags: int) -> int:
        """A callback compiled code will call by the index returned."""
        self.callbacks.append(DynCallback(plugin, fn, userdata, int(flags)))
        index = len(self.callbacks) - 1
        self.native.set(index, self.timed(fn) if log.on("stats") else fn, userdata)
        return index

    # ---- calls from compiled code ---------------------------------------------------
    # Compiled code calls the plugins' functions directly (jit.dispatch.CallbackTable,
    # filled by add_callback); these are its ways back into the manager. They
    # must not raise: an error is kept for the vCPU's run loop, which stops the guest.
    def callback_raised(self, index: int, e: BaseException) -> None:
        """Callback `index`, called from compiled code, raised `e`."""
        cb = self.callbacks[index]
        if cb is not None:
            self._callback_failed(cb, e)

    def trace_target(self, buffer: int, vcpu_index: int) -> None:
        """A trace buffer of the vCPU is full or not made yet."""
        trace = self.traces[buffer]
        try:
            self.guard(trace.plugin, trace.make_room, vcpu_index)
        except BaseException as e:          # noqa: BLE001
            self.machine.native_call_failed(self.machine.process.local.cpu, e)

    def block_stopped(self, cpu) -> None:
        """A block stopped at state.pc before its end (a fault): take back the
        merged counts of the instructions after it (see instrument.Segment)."""
        s = cpu.state
        seg = self.segments.get(s.segment)
        if seg is not None:
            from plugin_api import qemu_plugin_u64_add
            seg.undo(s.pc, s.cpu_index, lambda entry, vcpu, imm: qemu_plugin_u64_add(entry, vcpu, -imm))
        s.segment = 0

    def timed(self, target: Callable) -> Callable:
        """`target`, adding the time it takes to callback_seconds (-d stats)."""
        def run(*args) -> None:
            t0 = time.perf_counter()
            try:
                target(*args)
            finally:
                self.callback_seconds += time.perf_counter() - t0
        return run

    def _callback_failed(self, cb: DynCallback, e: BaseException) -> None:
        cpu = self.machine.process.local.cpu
        if isinstance(e, SetPc):
            cpu.state.pc = e.pc
            cpu.state.redirect = 1
            return
        try:
            self.guard(cb.plugin, _reraise, e)
        except BaseException as err:        # noqa: BLE001 - PluginError, GuestExit
            self.machine.native_call_failed(cpu, err)

    def current(self):
        """(vCPU, flags) of the callback running on this thread: flags None in a vCPU
        event (registers allowed); (None, None) outside callbacks."""
        ctx = self.ctx
        if ctx.cpu is not None:
            return ctx.cpu, ctx.flags
        cpu = getattr(self.machine.process.local, "cpu", None)
        if cpu is not None and cpu.state.cb_flags != NO_CALLBACK:
            return cpu, cpu.state.cb_flags
        return None, None

    # ---- events -------------------------------------------------------------------
    def in_cpu(self, cpu, fn: Callable, plugin: Plugin, *args):
        """Run an event callback with `cpu` as the current vCPU (registers allowed;
        a qemu_plugin_set_pc there moves the pc the vCPU resumes at, and gives MOVED)."""
        ctx = self.ctx
        saved = ctx.cpu, ctx.flags
        ctx.cpu, ctx.flags = cpu, None
        try:
            return self.guard(plugin, fn, *args)
        except SetPc as jump:
            cpu.state.pc = jump.pc
            return MOVED
        finally:
            ctx.cpu, ctx.flags = saved

    def vcpu_event(self, event: str, cpu) -> None:
        for p, cb in self.active(event):
            self.in_cpu(cpu, cb, p, p.id, cpu.state.cpu_index)

    def flush(self) -> None:
        for p, cb in self.active("flush"):
            self.guard(p, cb, p.id)

    # A syscall, filter or return callback that moves the pc abandons the
    # syscall, as QEMU's do_syscall does (it returns -QEMU_ESETPC): the host
    # call is not made (or its result dropped), a0 keeps its value from
    # before the syscall, and no further callbacks run for it. The syscall
    # goes on through Process.syscall, so this thread remembers (ctx).
    def syscall(self, cpu, num: int, args: list[int]) -> None:
        a = (list(args) + [0] * 8)[:8]
        self.ctx.syscall_a0, self.ctx.abandoned = a[0], False
        for p, cb in self.active("syscall"):
            if self.in_cpu(cpu, cb, p, p.id, cpu.state.cpu_index, _signed(num), *a) is MOVED:
                self.ctx.abandoned = True
                return

    def syscall_filter(self, cpu, num: int, args: list[int]) -> int | None:
        """The value of the first filter that skips the syscall, or None."""
        a = (list(args) + [0] * 8)[:8]
        for p, cb in self.active("syscall_filter"):
            if self.ctx.abandoned:
                break
            r = self.in_cpu(cpu, cb, p, p.id, cpu.state.cpu_index, _signed(num), *a)
            if r is MOVED:
                self.ctx.abandoned = True
            elif isinstance(r, tuple) and r and r[0]:
                return int(r[1])
        return self.ctx.syscall_a0 if self.ctx.abandoned else None

    def syscall_ret(self, cpu, num: int, ret: int) -> None:
        for p, cb in self.active("syscall_ret"):
            if self.ctx.abandoned:
                break
            if self.in_cpu(cpu, cb, p, p.id, cpu.state.cpu_index, _signed(num), _signed(ret)) is MOVED:
                self.ctx.abandoned = True
        if self.ctx.abandoned:
            cpu.state.x[10] = self.ctx.syscall_a0
        self.ctx.abandoned = False

    def discon(self, cpu, kind: int, from_pc: int, to_pc: int) -> None:
        kind = qemu_plugin_discon_type(kind)
        for p, (cb, mask) in self.active("discon"):
            if mask & kind:
                self.in_cpu(cpu, cb, p, p.id, cpu.state.cpu_index, kind, from_pc, to_pc)

    def atexit(self) -> None:
        """End of the process: vCPU exit callbacks, then atexit ones (each plugin
        gets its chance even if another failed)."""
        errors = []
        for trace in self.traces:                   # what is left in the buffers
            try:
                self.guard(trace.plugin, trace.flush)
            except PluginError as e:
                errors.append(e)
        for cpu in list(self.machine.cpus.values()):
            try:
                self.vcpu_event("vcpu_exit", cpu)
            except PluginError as e:
                errors.append(e)
        for p, (cb, userdata) in self.active("atexit"):
            try:
                self.guard(p, cb, p.id, userdata)
            except PluginError as e:
                errors.append(e)
        if errors:
            raise errors[0]

    # ---- reset and uninstall ---------------------------------------------------------
    def request_reset(self, plugin: Plugin, cb: Callable | None, uninstall: bool) -> None:
        """Asynchronous: done when no vCPU runs translated code (the run loop asks).
        As in QEMU, a request is ignored while the plugin is being uninstalled, or
        (a reset) while another reset is pending: callbacks that ask again
        before the first request is done must not get `cb` twice."""
        if plugin.uninstalling or (plugin.resetting and not uninstall):
            return
        plugin.resetting, plugin.uninstalling = not uninstall, uninstall
        self.pending_resets.append((plugin, cb, uninstall))
        for cpu in list(self.machine.cpus.values()):
            cpu.state.exit_request = 1

    def apply_resets(self) -> None:
        """Drop the plugins' callbacks and every translation that carried them;
        an uninstalled plugin's module is unloaded after its `cb`, so its
        weakref.finalize hooks run (the C plugins' destructors)."""
        pending, self.pending_resets = self.pending_resets, []
        for plugin, _, uninstall in pending:
            for event in EVENTS:
                plugin.events[event].clear()
            for index, c in enumerate(self.callbacks):
                if c is not None and c.plugin is plugin:
                    self.callbacks[index] = None
                    self.native.set(index, _ignore, None)
        self.machine.flush_translations()
        for plugin, cb, uninstall in pending:
            if uninstall and plugin in self.plugins:
                self.plugins[self.plugins.index(plugin)] = Plugin(plugin.id, plugin.name, plugin.path, [],
                                                                  uninstalling=True)
            plugin.resetting = False
            if cb is not None:
                self.guard(plugin, cb, plugin.id)
            if uninstall:
                sys.modules.pop(getattr(plugin.module, "__name__", None), None)
                plugin.module = None


def _ignore(*args) -> None:
    """What compiled code still holding a dropped callback's index calls."""


def _reraise(e: BaseException):
    raise e


def _signed(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


MANAGER: PluginManager | None = None


def manager() -> PluginManager:
    if MANAGER is None:
        raise RuntimeError("no plugin manager: plugins run inside llemu")
    return MANAGER


def output(text: str) -> None:
    """qemu_plugin_outs: the debug log (stderr unless -D), whether or not -d plugin is on."""
    log.write(text)


def env_plugins() -> list[str]:
    spec = os.environ.get("QEMU_PLUGIN")
    return [spec] if spec else []

"""Start a guest program: memory, loader, process, machine; turn its end into ours."""
from __future__ import annotations

import os
import sys
import time
import traceback

from emu.cli import PROG, Options
from emu.log import log


def run_program(opts: Options, envp: list[str]) -> int:
    """Load and run opts.program; return its exit status (or die by its signal)."""
    from emu.linux.process import GuestExit, Process, ThreadExit
    from emu.loader import LoadError, load_program
    from emu.machine import Machine
    from emu.memory import GuestMemory
    from emu.riscv import translate
    from plugin_api.core import PluginError, env_plugins

    if opts.one_insn_per_tb:
        translate.MAX_BLOCK_INSNS = 1
    mem = GuestMemory()
    try:
        image = load_program(mem, opts.program, [opts.program] + opts.args, envp,
                             sysroot=opts.sysroot, stack_size=opts.stack_size, argv0=opts.argv0)
    except LoadError as e:
        print(e.report(PROG), file=sys.stderr)
        return e.status
    process = Process(mem, image, sysroot=opts.sysroot)
    process.options = opts
    try:
        machine = Machine(mem, process, opts.plugins + env_plugins())
        cpu = machine.new_cpu()
    except PluginError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    cpu.state.pc = image.entry
    cpu.state.x[2] = image.sp
    if log.on("page"):
        log.write("".join(f"{v.start:012x}-{v.end:012x} {v.prot:x} {v.name}\n" for v in mem.vmas))
    try:
        cpu.run()
    except GuestExit as e:
        machine.finish(e)
    except PluginError as e:
        machine.finish(None, error=str(e))
    except ThreadExit as e:
        # The main thread ended alone: the process lives while other threads do.
        cpu.thread_done()
        while machine.live_threads():
            time.sleep(0.01)
        machine.finish(GuestExit(e.status))
    except KeyboardInterrupt:
        return 130
    raise AssertionError("the run loop only ends by GuestExit")


def internal_error(e: BaseException) -> None:
    """Report an emulator bug in one line (the traceback with LLEMU_DEBUG=1)."""
    sys.stdout.flush()
    if os.environ.get("LLEMU_DEBUG"):
        traceback.print_exception(e)
    where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    at = f" at {os.path.basename(where.filename)}:{where.lineno}" if where else ""
    print(f"{PROG}: internal error: {type(e).__name__}: {e}{at}", file=sys.stderr)

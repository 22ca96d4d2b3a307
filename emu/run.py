"""Start a guest program: memory, loader, process, vCPU; turn its end into ours."""
from __future__ import annotations

import sys

from emu.cli import PROG, Options
from emu.log import log


def run_program(opts: Options, envp: list[str]) -> int:
    """Load and run opts.program; return its exit status (or die by its signal)."""
    from emu.linux.process import GuestExit, Process
    from emu.loader import LoadError, load_program
    from emu.memory import GuestMemory
    from emu.riscv import translate
    from emu.vcpu import VCpu

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
    cpu = VCpu(mem, process)
    cpu.state.pc = image.entry
    cpu.state.x[2] = image.sp
    if log.on("page"):
        log.write("".join(f"{v.start:012x}-{v.end:012x} {v.prot:x} {v.name}\n" for v in mem.vmas))
    try:
        cpu.run()
    except GuestExit as e:
        _report(cpu)
        e.terminate()
    except KeyboardInterrupt:
        return 130
    raise AssertionError("the run loop only ends by GuestExit")


def _report(cpu) -> None:
    if log.on("stats"):
        s = cpu.cache.stats
        log.write(f"stats: {s.translations} blocks in {s.modules} modules, "
                  f"translate {s.translate_seconds * 1e3:.1f} ms "
                  f"(LLVM {cpu.cache.engine.compile_seconds * 1e3:.1f} ms), "
                  f"{s.misses} misses, {s.flushes} flushes, {cpu.python_entries} Python entries\n")

"""`llemu-riscv64 [options] PROGRAM [ARGS...]`, with qemu-riscv64's options."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from emu.log import ITEMS, log

PROG = "llemu-riscv64"
VERSION = "0.1.0"

USAGE = f"""usage: {PROG} [options] program [arguments...]
Linux RISC-V (RV64GC) user-mode emulator: guest code compiled by LLVM, QEMU's plugin API in Python.

Options:
-h, -help            print this help
-L path              prefix for the ELF interpreter and guest absolute paths (QEMU_LD_PREFIX)
-s size              stack size in bytes, suffixes k/M/G (QEMU_STACK_SIZE, default 8M)
-E var=value         set a variable in the guest's environment (repeatable)
-U var               remove a variable from the guest's environment (repeatable)
-0 argv0             force the guest's argv[0]
-d item[,...]        enable debug log items (use '-d help' for a list)
-D logfile           write the debug log to logfile (default stderr)
-plugin file[,arg=value...]  load a plugin (a Python file, or the name of a bundled
                     plugin in contrib_plugins/); repeatable (QEMU_PLUGIN)
-strace              log every syscall and its result
-one-insn-per-tb     translate one instruction per block (also: -singlestep)
-version             display version information and exit

Environment (llemu's own, besides QEMU's above):
LLEMU_CACHE_DIR      where compiled code is kept (default ~/.cache/llemu)
LLEMU_CACHE_SIZE     bytes of compiled code kept there (default 1 GiB)
LLEMU_HEAT           runs before a code region is optimized (default 100000, 0: never)
LLEMU_DEBUG=1        print the traceback of an internal error
"""


class UsageError(Exception):
    """A bad command line: one line to stderr, exit status 1."""


@dataclass
class Options:
    program: str = ""
    args: list[str] = field(default_factory=list)
    sysroot: str | None = None
    stack_size: int = 8 << 20
    set_env: list[str] = field(default_factory=list)
    unset_env: list[str] = field(default_factory=list)
    argv0: str | None = None
    one_insn_per_tb: bool = False
    plugins: list[str] = field(default_factory=list)


def parse_size(text: str) -> int:
    units = {"k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30}
    mult = units.get(text[-1:], 1)
    digits = text[:-1] if text[-1:] in units else text
    if not digits.isdigit() or int(digits) == 0:
        raise UsageError(f"invalid stack size: {text}")
    return int(digits) * mult


def parse_args(argv: list[str]) -> Options:
    """Parse QEMU-style options up to the program name; the rest are the guest's arguments."""
    opts = Options()
    env = os.environ
    if env.get("QEMU_LD_PREFIX"):
        opts.sysroot = env["QEMU_LD_PREFIX"]
    if env.get("QEMU_STACK_SIZE"):
        opts.stack_size = parse_size(env["QEMU_STACK_SIZE"])
    if env.get("QEMU_STRACE"):
        log.items.add("strace")
    i = 0
    takes_value = {"-L", "-s", "-E", "-U", "-0", "-d", "-D", "-plugin"}
    while i < len(argv):
        a = argv[i]
        if not a.startswith("-") or a == "-":
            break
        if a == "--":
            i += 1
            break
        name = "-" + a.lstrip("-")
        if name in takes_value:
            if i + 1 >= len(argv):
                raise UsageError(f"option '{a}' needs an argument")
            value = argv[i + 1]
            i += 2
            if name == "-L":
                opts.sysroot = value
            elif name == "-s":
                opts.stack_size = parse_size(value)
            elif name == "-E":
                opts.set_env += [v for v in value.split(",") if v]
            elif name == "-U":
                opts.unset_env += [v for v in value.split(",") if v]
            elif name == "-0":
                opts.argv0 = value
            elif name == "-plugin":
                opts.plugins.append(value)
            elif name == "-d":
                if value == "help":
                    print("Log items (comma separated):")
                    for k, v in ITEMS.items():
                        print(f"{k:<15} {v}")
                    sys.exit(0)
                try:
                    log.parse(value)
                except ValueError as e:
                    raise UsageError(f"unknown log item '{e}' (use '-d help' for a list)") from None
            elif name == "-D":
                try:
                    log.open(value)
                except OSError as e:
                    raise UsageError(f"cannot open log file '{value}': {e.strerror}") from None
            continue
        i += 1
        if name in ("-h", "-help"):
            print(USAGE, end="")
            sys.exit(0)
        elif name == "-version":
            print(f"{PROG} version {VERSION}\nRISC-V RV64GC Linux user-mode emulator on LLVM")
            sys.exit(0)
        elif name == "-strace":
            log.items.add("strace")
        elif name in ("-one-insn-per-tb", "-singlestep"):
            opts.one_insn_per_tb = True
        else:
            raise UsageError(f"unknown option '{a.lstrip('-')}'")
    if i >= len(argv):
        raise UsageError("no user program specified")
    opts.program, opts.args = argv[i], argv[i + 1:]
    return opts


def _exec_environment() -> dict[str, str]:
    """The environment we were started with: Python itself adds LC_CTYPE under
    the C locale (PEP 538), and the guest must not see that."""
    try:
        with open("/proc/self/environ", "rb") as f:
            items = f.read().split(b"\0")
    except OSError:
        return dict(os.environ)
    env = {}
    for item in items:
        k, sep, v = item.partition(b"=")
        if sep:
            env[os.fsdecode(k)] = os.fsdecode(v)
    return env


def guest_environment(opts: Options) -> list[str]:
    """The guest gets our environment, as under QEMU, edited by -E and -U."""
    env = _exec_environment()
    for item in opts.set_env:
        k, _, v = item.partition("=")
        env[k] = v
    for k in opts.unset_env:
        env.pop(k, None)
    return [f"{k}={v}" for k, v in env.items()]


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns (or exits with) the guest's exit status."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        opts = parse_args(argv)
    except UsageError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        if "no user program" in str(e):
            print(f"Try '{PROG} -h' for more information.", file=sys.stderr)
        return 1
    envp = guest_environment(opts)
    # numpy (plugin_api) would start BLAS threads that spin beside the guest's;
    # llemu does no linear algebra. (The guest's environment is taken above.)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from emu.run import internal_error, run_program
    try:
        return run_program(opts, envp)
    except Exception as e:      # noqa: BLE001 - an emulator bug: one line, not a traceback
        internal_error(e)
        return 1


if __name__ == "__main__":
    sys.exit(main())

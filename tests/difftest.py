"""Differential testing helpers: run a guest under qemu-riscv64 and under
llemu the same way and capture what each did.

Both run with an empty environment (``env -i``), so the guest sees the same
envp and neither side picks up QEMU_* or PYTHON* settings from the caller;
with core dumps disabled, because a host core of an emulator killed by a
guest signal is large and useless; and from the repository root, so
``python -m emu`` finds the package without installation.  Guest programs
from tests/guest/bin run from a copy at a fixed-length path (see stage()),
because their instruction counts depend on the length of that path.

A guest killed by a signal gives a negative status, as subprocess reports
it (-11 for SIGSEGV): qemu-riscv64 re-raises the guest's signal on itself.

Instruction and memory-access counts come from our QEMU plugin
(tools/qemu-count-plugin), read from its shared counter file rather than its
log, because QEMU 7.2 runs no plugin exit callback when the guest dies from
a signal.
"""
from __future__ import annotations

import atexit
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GUEST_DIR = REPO / "tests" / "guest"
BIN_DIR = GUEST_DIR / "bin"
EXPECTED_DIR = GUEST_DIR / "expected"
PLUGIN_DIR = REPO / "tools" / "qemu-count-plugin"
FETCH_SYSROOT = REPO / "tools" / "fetch-sysroot"
SYSROOT = REPO / "build" / "sysroot"

LLEMU = [sys.executable, "-m", "emu"]
QEMU = "qemu-riscv64"


@dataclass(frozen=True)
class Result:
    stdout: bytes
    stderr: bytes
    status: int  # exit code, or -N when killed by signal N


@dataclass(frozen=True)
class Guest:
    """How a guest program is run in the tests: its arguments, its standard
    input, whether it is dynamically linked (then it needs the sysroot), and
    whether its instruction counts are the same on every run."""
    name: str
    args: tuple[str, ...] = ()
    stdin: bytes = b""
    dynamic: bool = False
    counts_stable: bool = True
    timeout: float = 120

    @property
    def path(self) -> Path:
        return BIN_DIR / self.name


WC_INPUT = (b"the quick brown fox\njumps over\tthe lazy dog\n\n"
            b"  leading spaces and trailing   \n" + b"many words " * 40 + b"\n"
            b"last line without newline")

# Every guest program in tests/guest/bin and how to run it.  The fault
# programs die from a signal on purpose.  Counts that vary between runs
# are not compared: threads' depend on how its threads interleave, and
# files' on mkdtemp, whose rejection sampling of random bits sometimes
# takes one more round, timeprog's on how long its sleeps take on a busy
# machine.
GUESTS: dict[str, Guest] = {g.name: g for g in [
    Guest("rv64i"), Guest("branches"), Guest("loadstore"), Guest("muldiv"),
    Guest("atomics"), Guest("fsingle"), Guest("fdouble"), Guest("fma"),
    Guest("fcvt"), Guest("fcompare"), Guest("bitmanip"), Guest("compressed"),
    Guest("csr"),
    Guest("segv_load"), Guest("segv_store_ro"), Guest("sigill"), Guest("ebreak"),
    Guest("ebreak_c"), Guest("segv_exec_nx"), Guest("segv_exec_unmapped"),
    Guest("hello"), Guest("printf"), Guest("malloc"), Guest("strings"),
    Guest("files", counts_stable=False),
    Guest("fpfmt"), Guest("timeprog", counts_stable=False),
    Guest("auxv", args=("alpha", "beta gamma", "", "7")),
    Guest("compute"), Guest("recursion"),
    Guest("wc", stdin=WC_INPUT),
    Guest("signals"),
    Guest("hot_fault"),          # a hot loop that faults: exact registers in the handler
    Guest("hot_spin", counts_stable=False),   # a hot loop without memory accesses, stopped by a signal
    Guest("threads", counts_stable=False),
    # written for the plugin tests: known loops, accesses, pages, branches, calls
    Guest("pa_branch"), Guest("pa_cache"), Guest("pa_fault"), Guest("pa_loop"), Guest("pa_mem"),
    Guest("pa_mix"), Guest("pa_pages"), Guest("pb_calls"),
    Guest("plug_loop"), Guest("plug_mem"), Guest("plug_regs"), Guest("plug_setpc"), Guest("plug_sys"),
    Guest("hello_dyn", dynamic=True), Guest("printf_dyn", dynamic=True), Guest("strings_dyn", dynamic=True),
    Guest("fpfmt_dyn", dynamic=True), Guest("files_dyn", dynamic=True, counts_stable=False),
]}


def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(cmd: list[str], stdin: bytes = b"", timeout: float = 120, cwd=None) -> Result:
    """Run cmd with an empty environment and capture everything."""
    proc = subprocess.run([str(c) for c in cmd], input=stdin, capture_output=True,
                          timeout=timeout, cwd=cwd if cwd is not None else REPO,
                          env={}, preexec_fn=_no_core_dumps)
    return Result(proc.stdout, proc.stderr, proc.returncode)


_stage_dir: Path | None = None


def stage(path) -> Path:
    """A copy of the guest binary at a fixed-length path outside the checkout.

    Static glibc reads /proc/self/exe at startup (_dl_non_dynamic_init ->
    _dl_get_origin), so a guest's instruction count depends on the length
    of the absolute path of its binary.  Running the copy in
    /tmp/llemu-guests-XXXXXXXX makes counts the same in every checkout."""
    global _stage_dir
    if _stage_dir is None:
        _stage_dir = Path(tempfile.mkdtemp(prefix="llemu-guests-", dir="/tmp"))
        atexit.register(shutil.rmtree, _stage_dir, ignore_errors=True)
    copy = _stage_dir / Path(path).name
    if not copy.exists():
        shutil.copy2(path, copy)
    return copy


def _prog_path(prog) -> str:
    """A bare name or a path of a program in tests/guest/bin runs from its
    staged copy (see stage()); anything else is used as it is."""
    prog = str(prog)
    if os.sep not in prog and (BIN_DIR / prog).exists():
        prog = str(BIN_DIR / prog)
    path = Path(prog)
    if path.resolve().parent == BIN_DIR.resolve():
        return str(stage(path))
    return prog


def qemu_command(prog, args=(), sysroot=None, plugin=None) -> list[str]:
    """The qemu-riscv64 command line; plugin is "path.so[,arg=value...]" and
    its log (qemu_plugin_outs) goes to stderr."""
    cmd = [QEMU]
    if sysroot is not None:
        cmd += ["-L", str(sysroot)]
    if plugin is not None:
        cmd += ["-plugin", str(plugin), "-d", "plugin"]
    return cmd + [_prog_path(prog), *map(str, args)]


def llemu_command(prog, args=(), sysroot=None, extra_opts=()) -> list[str]:
    cmd = list(LLEMU)
    if sysroot is not None:
        cmd += ["-L", str(sysroot)]
    return cmd + [*map(str, extra_opts), _prog_path(prog), *map(str, args)]


def run_qemu(prog, args=(), sysroot=None, plugin=None, stdin: bytes = b"", timeout: float = 120) -> Result:
    return run(qemu_command(prog, args, sysroot, plugin), stdin=stdin, timeout=timeout)


def run_llemu(prog, args=(), sysroot=None, extra_opts=(), stdin: bytes = b"", timeout: float = 120) -> Result:
    return run(llemu_command(prog, args, sysroot, extra_opts), stdin=stdin, timeout=timeout)


# ---- both emulators side by side, from any working directory --------------

# `python -m emu` finds the package only from the repository root; from
# another working directory llemu starts through this bootstrap instead, so
# the guest still gets an empty environment (no PYTHONPATH to leak).
LLEMU_ANYWHERE = [sys.executable, "-c",
                  f"import sys; sys.path.insert(0, {str(REPO)!r}); "
                  "from emu.cli import main; sys.exit(main())"]


@dataclass(frozen=True)
class Pair:
    """One guest command run by both emulators, and what collect() saw after each."""
    qemu: Result
    llemu: Result
    qemu_after: object = None
    llemu_after: object = None


def run_pair(prog, args=(), sysroot=None, stdin: bytes = b"", cwd=None,
             timeout: float = 120, prepare=None, collect=None) -> Pair:
    """prog with args and stdin under qemu-riscv64 and under llemu, both from
    the working directory cwd (default: the repository root).

    prepare(), when given, runs before each of the two, so a guest that
    writes files starts from the same state under both emulators; collect(),
    after each, returns what the guest left (say, the files it wrote)."""
    qcmd = qemu_command(prog, args, sysroot)
    lcmd = llemu_command(prog, args, sysroot)
    lcmd[:len(LLEMU)] = LLEMU_ANYWHERE
    results, after = [], []
    for cmd in (qcmd, lcmd):
        if prepare is not None:
            prepare()
        results.append(run(cmd, stdin=stdin, timeout=timeout, cwd=cwd))
        after.append(collect() if collect is not None else None)
    return Pair(*results, *after)


def _text(data: bytes) -> list[str]:
    return data.decode(errors="replace").splitlines()


def pair_mismatch(pair: Pair, stderr: bool = False) -> str | None:
    """None when llemu did what qemu did (exit status and stdout, and stderr
    too if asked); else a report: what differs, a diff, llemu's last stderr."""
    import difflib
    qr, lr = pair.qemu, pair.llemu
    problems = []
    if lr.status != qr.status:
        problems.append(f"exit status: llemu {lr.status}, qemu {qr.status}")
    for name, want, got in [("stdout", qr.stdout, lr.stdout)] + (
            [("stderr", qr.stderr, lr.stderr)] if stderr else []):
        if want != got:
            diff = list(difflib.unified_diff(_text(want), _text(got), "qemu", "llemu",
                                             lineterm="", n=2))
            if not diff:    # same lines: the difference is in line ends or bytes
                diff = [f"qemu  {want[-200:]!r}", f"llemu {got[-200:]!r}"]
            problems.append(f"{name} differs ({len(want)} bytes from qemu, {len(got)} from llemu):")
            problems += diff[:60]
    if pair.llemu_after != pair.qemu_after:
        problems += ["what the guest left differs:", f"qemu  {pair.qemu_after!r}",
                     f"llemu {pair.llemu_after!r}"]
    if not problems:
        return None
    return "\n".join(problems + ["llemu stderr (last lines):", *_text(lr.stderr)[-25:]])


# ---- the counting plugin -------------------------------------------------

# Mode bits as count.c stores them in word 0 of its counter file.
_INSNS_BITS = 1 | 2 | 16 | 32   # insn_inline, insn_cb, tb_inline, tb_cb
_MEMS_BITS = 4 | 8              # mem_inline, mem_cb
_TBS_BITS = 16 | 32

_plugin_cache: Path | None = None


def build_count_plugin(outdir) -> Path:
    """Compile tools/qemu-count-plugin into outdir; returns the .so path.
    Raises RuntimeError (with the compiler's output) when that fails."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise RuntimeError("no host C compiler (gcc) to build the QEMU count plugin")
    out = Path(outdir) / "libcount.so"
    proc = subprocess.run([cc, "-O2", "-Wall", "-shared", "-fPIC", "-fvisibility=hidden",
                           "-o", str(out), str(PLUGIN_DIR / "count.c")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building the QEMU count plugin failed:\n{proc.stderr}")
    return out


def count_plugin() -> Path:
    """The count plugin, built once per process into a temporary directory."""
    global _plugin_cache
    if _plugin_cache is None:
        outdir = tempfile.mkdtemp(prefix="llemu-count-plugin-")
        atexit.register(shutil.rmtree, outdir, ignore_errors=True)
        _plugin_cache = build_count_plugin(outdir)
    return _plugin_cache


def read_counter_file(path) -> dict:
    data = Path(path).read_bytes()
    if len(data) < 32:
        raise RuntimeError(f"count plugin wrote no counters to {path} (did QEMU load it?)")
    mode, insns, mems, tbs = struct.unpack("=4Q", data[:32])
    counts = {}
    if mode & _INSNS_BITS:
        counts["insns"] = insns
    if mode & _MEMS_BITS:
        counts["mems"] = mems
    if mode & _TBS_BITS:
        counts["tbs"] = tbs
    return counts


def qemu_counts_run(prog, args=(), sysroot=None, mode="insn_inline", stdin: bytes = b"",
                    plugin_so=None, timeout: float = 120) -> tuple[dict, Result]:
    """Run prog under qemu-riscv64 with the count plugin in `mode`; returns
    the counts ({"insns": N} and/or {"mems": N}, plus "tbs" for tb modes)
    and the run's Result (whose stderr holds the plugin's log lines)."""
    so = Path(plugin_so) if plugin_so is not None else count_plugin()
    with tempfile.TemporaryDirectory(prefix="llemu-counts-") as tmp:
        counters = Path(tmp) / "counters"
        result = run_qemu(prog, args, sysroot, plugin=f"{so},mode={mode},counters={counters}",
                          stdin=stdin, timeout=timeout)
        if not counters.exists():
            raise RuntimeError(f"QEMU did not run the count plugin:\n{result.stderr.decode(errors='replace')}")
        return read_counter_file(counters), result


def qemu_counts(prog, args=(), sysroot=None, mode="insn_inline", stdin: bytes = b"", plugin_so=None) -> dict:
    return qemu_counts_run(prog, args, sysroot, mode, stdin, plugin_so)[0]


def parse_plugin_log(stderr: bytes) -> dict:
    """The "insns N" / "mems N" / "tbs N" lines the plugin prints at exit."""
    counts = {}
    for line in stderr.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("insns", "mems", "tbs") and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


# ---- sysroot and recorded expectations -----------------------------------

def fetch_sysroot(dest=SYSROOT) -> Path:
    """Unpack the riscv64 sysroot (idempotent); raises RuntimeError on failure."""
    proc = subprocess.run([str(FETCH_SYSROOT), str(dest)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"tools/fetch-sysroot failed:\n{proc.stdout}{proc.stderr}")
    return Path(dest)


def fetch_sysroot_packages(packages, dest=SYSROOT) -> Path:
    """Add Debian packages and the libraries they depend on to the sysroot
    (tools/fetch-sysroot --with-deps; idempotent, keeps packages already
    there); raises RuntimeError on failure."""
    proc = subprocess.run([str(FETCH_SYSROOT), "--with-deps", str(dest), *packages],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"tools/fetch-sysroot failed:\n{proc.stdout}{proc.stderr}")
    return Path(dest)


def sysroot_packages(sysroot=SYSROOT) -> dict:
    """{package: version} as recorded by tools/fetch-sysroot."""
    stamp = Path(sysroot) / ".fetch-sysroot"
    if not stamp.exists():
        return {}
    return dict(line.split(" ", 1) for line in stamp.read_text().splitlines() if " " in line)


@dataclass
class Expectation:
    """What qemu-riscv64 did with a guest, from tests/guest/expected/NAME.*"""
    name: str
    status: int
    stdout: bytes
    insns: int | None = None     # None: not comparable (see Guest.counts_stable)
    mems: int | None = None
    sysroot_packages: dict = field(default_factory=dict)


def load_expectation(name: str) -> Expectation:
    import json
    meta = json.loads((EXPECTED_DIR / f"{name}.json").read_text())
    return Expectation(name=name, status=meta["status"],
                       stdout=(EXPECTED_DIR / f"{name}.stdout").read_bytes(),
                       insns=meta.get("insns"), mems=meta.get("mems"),
                       sysroot_packages=meta.get("sysroot_packages", {}))


def guest_sysroot(guest: Guest, sysroot=SYSROOT):
    return sysroot if guest.dynamic else None

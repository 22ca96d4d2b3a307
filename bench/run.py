"""Side-by-side benchmark: llemu against qemu-riscv64 on the programs in bench/bin.

    python bench/run.py [--repeat N] [--only a,b] [--write docs/BENCHMARKS.md]

Each program runs under both emulators in the same process of this harness,
interleaved run by run so that machine noise hits both alike; the median
wall time of each is kept. The guest instruction count comes from our QEMU
counting plugin (tools/qemu-count-plugin). Ratios are what to compare
across machines, not seconds.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / "bench" / "bin"
PLUGIN_DIR = REPO / "tools" / "qemu-count-plugin"
HELLO = REPO / "tests" / "guest" / "bin" / "hello"
LLEMU = [sys.executable, "-m", "emu"]
QEMU = "qemu-riscv64"
# What each program stresses; all are compute-bound except where noted.
PROGRAMS = {
    "intmix": "integer: CRC-32, sieve, hash mix",
    "nbody": "floating point: n-body (double, sqrt)",
    "memchase": "memory-bound: random pointer chase, memcpy",
    "calls": "call-heavy: recursion, indirect calls",
    "libcmix": "libc-heavy: malloc, snprintf, qsort, strstr",
}


def timed(cmd: list[str]) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed, proc.stdout


def count_plugin() -> Path | None:
    """Build our QEMU counting plugin; None if it cannot be built."""
    lib = PLUGIN_DIR / "libcount.so"
    if not lib.exists():
        if subprocess.run(["make", "-s", "-C", str(PLUGIN_DIR)], capture_output=True).returncode:
            return None
    return lib


def guest_insns(prog: Path, plugin: Path | None) -> int | None:
    if plugin is None:
        return None
    proc = subprocess.run([QEMU, "-plugin", f"{plugin},mode=tb_inline", "-d", "plugin", str(prog)],
                          capture_output=True)
    for line in proc.stderr.decode().splitlines():
        if line.startswith("insns "):
            return int(line.split()[1])
    return None


def measure(names: list[str], repeat: int) -> dict:
    have_qemu = shutil.which(QEMU) is not None
    plugin = count_plugin() if have_qemu else None
    rows = {}
    for name in names:
        prog = BIN / name
        llemu_t, qemu_t = [], []
        out_l = out_q = b""
        for _ in range(repeat):
            t, out_l = timed(LLEMU + [str(prog)])
            llemu_t.append(t)
            if have_qemu:
                t, out_q = timed([QEMU, str(prog)])
                qemu_t.append(t)
        if have_qemu and out_l != out_q:
            raise SystemExit(f"{name}: llemu's output differs from qemu-riscv64's")
        rows[name] = {
            "llemu_s": statistics.median(llemu_t),
            "qemu_s": statistics.median(qemu_t) if qemu_t else None,
            "insns": guest_insns(prog, plugin),
        }
        print(f"  {name}: llemu {rows[name]['llemu_s']:.2f} s"
              + (f", qemu {rows[name]['qemu_s']:.2f} s" if qemu_t else ""), file=sys.stderr)
    hello = [timed(LLEMU + [str(HELLO)])[0] for _ in range(repeat)]
    hello_q = [timed([QEMU, str(HELLO)])[0] for _ in range(repeat)] if have_qemu else []
    return {"rows": rows, "hello_s": statistics.median(hello),
            "hello_qemu_s": statistics.median(hello_q) if hello_q else None, "qemu": have_qemu}


def table(result: dict) -> str:
    lines = ["| program | what | guest insns | qemu-riscv64 s | llemu s | llemu / qemu | llemu M insn/s |",
             "|---|---|---:|---:|---:|---:|---:|"]
    ratios = []
    for name, r in result["rows"].items():
        ratio = r["llemu_s"] / r["qemu_s"] if r["qemu_s"] else None
        if ratio:
            ratios.append(ratio)
        insns = f"{r['insns']:,}" if r["insns"] else "n/a"
        qemu = f"{r['qemu_s']:.2f}" if r["qemu_s"] else "n/a"
        mips = f"{r['insns'] / r['llemu_s'] / 1e6:.0f}" if r["insns"] else "n/a"
        lines.append(f"| {name} | {PROGRAMS[name]} | {insns} | {qemu} | {r['llemu_s']:.2f} | "
                     f"{f'{ratio:.2f}' if ratio else 'n/a'} | {mips} |")
    geo = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None
    out = "\n".join(lines) + "\n"
    if geo:
        out += f"\nGeometric mean of llemu / qemu-riscv64 wall time: **{geo:.2f}**\n"
    else:
        out += "\nqemu-riscv64 is not installed here: only llemu was measured.\n"
    hq = result["hello_qemu_s"]
    out += (f"\nHello world (tests/guest/bin/hello, static glibc): llemu {result['hello_s']:.2f} s"
            + (f", qemu-riscv64 {hq:.3f} s" if hq else "") + " wall.\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default=",".join(PROGRAMS))
    ap.add_argument("--write", metavar="MARKDOWN", help="also write the results into this file")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    result = measure(names, args.repeat)
    text = table(result)
    print(text)
    if args.write:
        header = (f"Measured {datetime.date.today()} on {platform.machine()} "
                  f"({os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}), "
                  f"median of {args.repeat} interleaved runs, with:\n\n"
                  f"    python bench/run.py --repeat {args.repeat} --write {args.write}\n\n")
        Path(args.write).write_text(BENCH_DOC_HEAD + header + text)
        (REPO / "bench" / "last.json").write_text(json.dumps(result, indent=1) + "\n")


BENCH_DOC_HEAD = """# Benchmarks

`make bench` runs each program in `bench/bin` (sources in `bench/src`, sized
so that qemu-riscv64 takes 1-3 s) under llemu and under qemu-riscv64, side by
side in one run, and prints wall-time ratios. Times include start-up and
translation (llemu compiles every block with LLVM on first use). Compare
ratios, not seconds: the machines are shared and noisy.

"""

if __name__ == "__main__":
    main()

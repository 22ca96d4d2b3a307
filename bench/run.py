"""Side-by-side benchmarks: llemu, qemu-riscv64 and Unicorn in one run.

    python bench/run.py [--repeat N] [--only a,b] [--modes m1,m2] [--write docs/BENCHMARKS.md]

Each program in bench/bin runs under llemu and under qemu-riscv64,
interleaved run by run so machine noise hits both alike, and the median
wall time of each is kept, with no plugin and with plugins in matching
modes (llemu's bundled plugins; for QEMU our counting plugin,
tools/qemu-count-plugin). Callback modes run the programs with smaller
arguments (a Python callback per event costs far more than a native one).
The freestanding programs (bench/bin/free_*) also run under Unicorn with a
Python hook per instruction or memory access, to compare how many events
per second reach a Python function. Ratios are what to compare across
machines, not seconds.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / "bench" / "bin"
PLUGIN_DIR = REPO / "tools" / "qemu-count-plugin"
HELLO = REPO / "tests" / "guest" / "bin" / "hello"
LLEMU = [sys.executable, "-m", "emu"]
QEMU = "qemu-riscv64"


@dataclass(frozen=True)
class Program:
    what: str
    small: tuple[str, ...]          # arguments for the callback modes


PROGRAMS = {
    "intmix": Program("integer: CRC-32, sieve, hash mix", ("1", "16")),
    "nbody": Program("floating point: n-body (double, sqrt)", ("5000",)),
    "memchase": Program("memory-bound: random pointer chase, memcpy", ("300000", "16")),
    "calls": Program("call-heavy: recursion, indirect calls", ("20", "20000", "200")),
    "libcmix": Program("libc-heavy: malloc, snprintf, qsort, strstr", ("1", "2000")),
}


@dataclass(frozen=True)
class Mode:
    llemu: str | None          # -plugin argument for llemu
    qemu: str | None           # mode of our QEMU counting plugin
    small: bool = False        # run with the programs' small arguments


MODES = {
    "none": Mode(None, None),
    "plugin registering nothing": Mode(str(REPO / "bench" / "plugins" / "nothing.py"), None),
    "empty plugin": Mode("empty", "empty"),
    "bb inline": Mode("bb,inline=on", "tb_inline"),
    "insn inline": Mode("insn,inline=on", "insn_inline"),
    "mem inline": Mode("mem,inline=on,callback=off", "mem_inline"),
    "hotblocks": Mode("hotblocks,inline=on", None),
    "none (small)": Mode(None, None, small=True),
    "bb callback": Mode("bb,inline=off", "tb_cb", small=True),
    "insn callback": Mode("insn,inline=off", "insn_cb", small=True),
    "mem callback": Mode("mem,inline=off,callback=on", "mem_cb", small=True),
    "cache": Mode("cache", None, small=True),
}


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): "
                         f"{proc.stderr.decode()[-500:]}")
    return elapsed


def count_plugin() -> Path | None:
    """Build our QEMU counting plugin; None if it cannot be built."""
    if subprocess.run(["make", "-s", "-C", str(PLUGIN_DIR)], capture_output=True).returncode:
        return None
    return PLUGIN_DIR / "libcount.so"


def guest_insns(prog: Path, args: tuple[str, ...], plugin: Path | None) -> int | None:
    if plugin is None:
        return None
    proc = subprocess.run([QEMU, "-plugin", f"{plugin},mode=tb_inline", "-d", "plugin", str(prog), *args],
                          capture_output=True)
    m = re.search(rb"insns (\d+)", proc.stderr)
    return int(m[1]) if m else None


def measure(names: list[str], modes: list[str], repeat: int) -> dict:
    plugin = count_plugin() if shutil.which(QEMU) else None
    rows: dict[str, dict] = {}
    for name in names:
        prog, spec = BIN / name, PROGRAMS[name]
        rows[name] = {"insns": guest_insns(prog, (), plugin),
                      "insns_small": guest_insns(prog, spec.small, plugin), "modes": {}}
        for mode_name in modes:
            mode = MODES[mode_name]
            args = list(spec.small if mode.small else ())
            ours = LLEMU + (["-plugin", mode.llemu] if mode.llemu else []) + [str(prog), *args]
            theirs = None
            if plugin is not None and (mode.qemu or not mode.llemu):
                theirs = [QEMU] + (["-plugin", f"{plugin},mode={mode.qemu}"] if mode.qemu else []) + \
                    [str(prog), *args]
            t_l, t_q = [], []
            for _ in range(repeat):
                t_l.append(timed(ours))
                if theirs:
                    t_q.append(timed(theirs))
            rows[name]["modes"][mode_name] = {
                "llemu_s": statistics.median(t_l), "qemu_s": statistics.median(t_q) if t_q else None}
            print(f"  {name:9} {mode_name:14} llemu {statistics.median(t_l):6.2f} s"
                  + (f"  qemu {statistics.median(t_q):6.2f} s" if t_q else ""), file=sys.stderr)
    return rows


def unicorn_vs_llemu(repeat: int) -> dict | None:
    """Events per second reaching a Python function: Unicorn's hooks that count
    them vs llemu's callbacks doing the same (bench/plugins/pycount.py), and
    vs the bundled plugins in callback mode (insn and mem, as QEMU's: a
    scoreboard add per event)."""
    try:
        import unicorn  # noqa: F401
    except ImportError:
        return None
    prog = BIN / "free_sum"
    counter = REPO / "bench" / "plugins" / "pycount.py"
    bundled = {"insn": "insn,inline=off", "mem": "mem,inline=off,callback=on"}
    out = {}
    for kind in ("insn", "mem"):
        runs = []
        for _ in range(repeat):
            proc = subprocess.run([sys.executable, str(REPO / "bench" / "unicorn_run.py"), str(prog), kind],
                                  capture_output=True, text=True, check=True)
            events, seconds = re.search(r"events (\d+) seconds ([\d.]+)", proc.stdout).groups()
            runs.append((int(events), float(seconds)))
        events, seconds = runs[0][0], statistics.median(s for _, s in runs)
        base = statistics.median(timed(LLEMU + [str(prog)]) for _ in range(repeat))
        # llemu's whole run includes start-up and compiling; the events' cost is the difference.
        rates = {}
        for name, plugin in (("pycount", f"{counter},kind={kind}"), ("bundled", bundled[kind])):
            with_cb = statistics.median(timed(LLEMU + ["-plugin", plugin, str(prog)]) for _ in range(repeat))
            rates[name] = events / max(with_cb - base, 1e-9)
        out[kind] = {"events": events, "unicorn_per_s": events / seconds, "llemu_per_s": rates["pycount"],
                     "plugin": bundled[kind], "plugin_per_s": rates["bundled"]}
    return out


def bulk_tracing(repeat: int) -> dict:
    """Memory records per second reaching numpy (bench/plugins/tracesum.py on calls)."""
    prog = BIN / "calls"
    plugin = REPO / "bench" / "plugins" / "tracesum.py"
    base = statistics.median(timed(LLEMU + [str(prog)]) for _ in range(repeat))
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(LLEMU + ["-plugin", str(plugin), str(prog)], capture_output=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
        runs.append(time.perf_counter() - t0)
        records = int(re.search(rb"records (\d+)", proc.stderr)[1])
    traced = statistics.median(runs)
    return {"records": records, "seconds": traced, "base": base,
            "per_s": records / max(traced - base, 1e-9)}


def warm_translation() -> dict:
    """Translation time of a first run (empty code cache) and of the next one,
    including the time spent optimizing hot regions."""
    import tempfile
    out = {}
    for name in ("printf", "compute"):
        prog = REPO / "tests" / "guest" / "bin" / name
        with tempfile.TemporaryDirectory() as cache:
            ms = []
            for _ in range(2):
                proc = subprocess.run(["env", f"LLEMU_CACHE_DIR={cache}"] + LLEMU + ["-d", "stats", str(prog)],
                                      capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})
                ms.append(float(re.search(rb"translate ([\d.]+) ms", proc.stderr)[1])
                          + float(re.search(rb"hot regions \(\d+ blocks, ([\d.]+) ms\)", proc.stderr)[1]))
        blocks = int(re.search(rb"(\d+) blocks", proc.stderr)[1])
        out[name] = {"first_ms": ms[0], "second_ms": ms[1], "blocks": blocks}
    return out


BATCH_SIZES = (1, 4, 8, 12, 24, 48)


def batching(repeat: int) -> dict:
    """How many blocks to compile per module: cold translation time (empty code
    cache) and wall time of short programs, for each batch size (jit.cache.BATCH_BLOCKS)."""
    boot = ("import sys; sys.path.insert(0, sys.argv[1]); import jit.cache as c; "
            "c.BATCH_BLOCKS = int(sys.argv[2]); from emu.cli import main; sys.exit(main(sys.argv[3:]))")
    out: dict[int, dict] = {}
    for size in BATCH_SIZES:
        ms, wall = [], []
        for name in ("hello", "printf", "compute"):
            prog = REPO / "tests" / "guest" / "bin" / name
            runs = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                proc = subprocess.run([sys.executable, "-c", boot, str(REPO), str(size), "-d", "stats,nocache,notier",
                                       str(prog)], capture_output=True, check=True)
                runs.append((time.perf_counter() - t0, float(re.search(rb"translate ([\d.]+) ms", proc.stderr)[1])))
            wall.append(statistics.median(w for w, _ in runs))
            ms.append(statistics.median(t for _, t in runs))
        out[size] = {"translate_ms": ms, "wall_s": wall}
        print(f"  batch {size:3}: translate {' '.join(f'{m:.0f}' for m in ms)} ms", file=sys.stderr)
    return out


def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def fmt(x: float | None, spec: str = ".2f") -> str:
    return format(x, spec) if x is not None else "n/a"


def report(rows: dict, unicorn: dict | None, hello: dict, bulk: dict, warm: dict, batch: dict) -> str:
    out = ["## llemu against qemu-riscv64, no plugin", "",
           "| program | what | guest insns | qemu-riscv64 s | llemu s | llemu / qemu | llemu M insn/s |",
           "|---|---|---:|---:|---:|---:|---:|"]
    ratios = []
    for name, r in rows.items():
        m = r["modes"].get("none")
        if not m:
            continue
        ratio = m["llemu_s"] / m["qemu_s"] if m["qemu_s"] else None
        ratios.append(ratio)
        mips = r["insns"] / m["llemu_s"] / 1e6 if r["insns"] else None
        out.append(f"| {name} | {PROGRAMS[name].what} | {r['insns'] or 0:,} | {fmt(m['qemu_s'])} | "
                   f"{m['llemu_s']:.2f} | {fmt(ratio)} | {fmt(mips, '.0f')} |")
    out += ["", f"Geometric mean of llemu / qemu-riscv64 wall time: **{fmt(geomean(ratios))}**", ""]
    modes = [m for m in MODES if m not in ("none", "none (small)") and
             any(m in r["modes"] for r in rows.values())]
    if modes:
        out += ["## Instrumentation: time with the plugin / time without (same program, same arguments)", "",
                "| mode | llemu plugin | QEMU plugin | llemu overhead (geomean) | QEMU overhead (geomean) "
                "| llemu / qemu with the plugin (geomean) |", "|---|---|---|---:|---:|---:|"]
        for mode_name in modes:
            mode = MODES[mode_name]
            base_name = "none (small)" if mode.small else "none"
            ours, theirs, vs = [], [], []
            for r in rows.values():
                m, base = r["modes"].get(mode_name), r["modes"].get(base_name)
                if not m or not base:
                    continue
                ours.append(m["llemu_s"] / base["llemu_s"])
                if m["qemu_s"] and base["qemu_s"]:
                    theirs.append(m["qemu_s"] / base["qemu_s"])
                    vs.append(m["llemu_s"] / m["qemu_s"])
            shown = os.path.relpath(mode.llemu, REPO) if os.path.isabs(mode.llemu) else mode.llemu
            out.append(f"| {mode_name} | `{shown}` | {mode.qemu or '-'} | {fmt(geomean(ours))} | "
                       f"{fmt(geomean(theirs))} | {fmt(geomean(vs))} |")
        out.append("")
    if unicorn:
        out += ["## Python callbacks: events per second reaching a Python function (bench/bin/free_sum)", "",
                "Unicorn's hooks (bench/unicorn_run.py) count the events; llemu's callbacks do the same "
                "(bench/plugins/pycount.py), and the bundled plugins in callback mode do what QEMU's do "
                "(a scoreboard add per event).", "",
                "| hook | events | Unicorn (Python hook) M/s | llemu, same work M/s | llemu / Unicorn "
                "| llemu plugin | M/s | plugin / Unicorn |",
                "|---|---:|---:|---:|---:|---|---:|---:|"]
        for kind, u in unicorn.items():
            out.append(f"| {kind} | {u['events']:,} | {u['unicorn_per_s'] / 1e6:.2f} | "
                       f"{u['llemu_per_s'] / 1e6:.2f} | {u['llemu_per_s'] / u['unicorn_per_s']:.2f} | "
                       f"`{u['plugin']}` | {u['plugin_per_s'] / 1e6:.2f} | "
                       f"{u['plugin_per_s'] / u['unicorn_per_s']:.2f} |")
        out.append("")
    out += ["## Bulk tracing: memory records reaching numpy (bench/plugins/tracesum.py on calls)", "",
            f"{bulk['records']:,} records; {bulk['seconds']:.2f} s traced against {bulk['base']:.2f} s "
            f"untraced: **{bulk['per_s'] / 1e6:.0f} M records/s**.", "",
            "## Translation: first run (empty code cache) and second run", "",
            "Translation time as `-d stats` gives it, plus the time spent optimizing hot regions.", "",
            "| program | blocks | first run, ms | second run, ms | ratio |", "|---|---:|---:|---:|---:|"]
    out += [f"| {n} | {w['blocks']} | {w['first_ms']:.0f} | {w['second_ms']:.0f} | "
            f"{w['second_ms'] / w['first_ms']:.3f} |" for n, w in warm.items()]
    out.append("")
    out.append(f"Hello world (tests/guest/bin/hello, static glibc), wall: llemu {hello['cold']:.2f} s with an "
               f"empty code cache, {hello['warm']:.2f} s with a warm one; qemu-riscv64 {fmt(hello['qemu'], '.3f')} s.")
    out += ["", "## Batching: blocks compiled per module (empty code cache, `-d nocache,notier`)", "",
            "A miss compiles the missing block and up to BATCH_BLOCKS - 1 blocks it is predicted to reach "
            "(jit/cache.py) as one module: fewer modules, but also blocks that may never run.", "",
            "| blocks per module | hello: translate ms | wall s | printf: translate ms | wall s "
            "| compute: translate ms | wall s |", "|---:|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {size} | " + " | ".join(f"{t:.0f} | {w:.2f}" for t, w in zip(b["translate_ms"], b["wall_s"])) + " |"
            for size, b in batch.items()]
    return "\n".join(out) + "\n"


def hello_times(repeat: int) -> dict:
    import tempfile
    with tempfile.TemporaryDirectory() as cache:
        env_cmd = ["env", f"LLEMU_CACHE_DIR={cache}"] + LLEMU + [str(HELLO)]
        cold = timed(env_cmd)
        warm = statistics.median(timed(env_cmd) for _ in range(repeat))
    qemu = statistics.median(timed([QEMU, str(HELLO)]) for _ in range(repeat)) if shutil.which(QEMU) else None
    return {"cold": cold, "warm": warm, "qemu": qemu}


def plot(rows: dict, path: Path) -> None:
    """Bar chart of the instrumentation overhead per mode, llemu beside QEMU."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    modes = [m for m in MODES if m not in ("none", "none (small)")]
    ours, theirs = [], []
    for mode_name in modes:
        base_name = "none (small)" if MODES[mode_name].small else "none"
        pairs = [(r["modes"][mode_name], r["modes"][base_name]) for r in rows.values()
                 if mode_name in r["modes"] and base_name in r["modes"]]
        ours.append(geomean([m["llemu_s"] / b["llemu_s"] for m, b in pairs]) or 0)
        theirs.append(geomean([m["qemu_s"] / b["qemu_s"] for m, b in pairs if m["qemu_s"] and b["qemu_s"]]) or 0)
    fig, ax = plt.subplots(figsize=(9, 4))
    xs = range(len(modes))
    ax.bar([x - 0.2 for x in xs], ours, 0.4, label="llemu")
    ax.bar([x + 0.2 for x in xs], theirs, 0.4, label="qemu-riscv64")
    ax.set_xticks(list(xs), modes, rotation=20, ha="right")
    ax.set_ylabel("time with plugin / without (geomean)")
    ax.set_yscale("log")
    ax.axhline(1, color="grey", linewidth=0.5)
    ax.legend()
    ax.set_title("Cost of instrumentation")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default=",".join(PROGRAMS))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--write", metavar="MARKDOWN", help="also write the results there (and a PNG beside it)")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    modes = [m for m in args.modes.split(",") if m]
    rows = measure(names, modes, args.repeat)
    unicorn = unicorn_vs_llemu(args.repeat)
    text = report(rows, unicorn, hello_times(args.repeat), bulk_tracing(args.repeat), warm_translation(),
                  batching(args.repeat))
    print(text)
    if args.write:
        doc = Path(args.write)
        png = doc.with_name("bench-overhead.png")
        plot(rows, png)
        header = (f"Measured {datetime.date.today()} on {platform.machine()} ({os.cpu_count()} cores, "
                  f"{platform.python_implementation()} {platform.python_version()}), median of "
                  f"{args.repeat} interleaved runs, with:\n\n    python bench/run.py --repeat {args.repeat} "
                  f"--write {args.write}\n\n![overhead per plugin and mode]({png.name})\n\n")
        doc.write_text(BENCH_DOC_HEAD + header + text)
        (REPO / "bench" / "last.json").write_text(json.dumps({"rows": rows, "unicorn": unicorn}, indent=1) + "\n")


BENCH_DOC_HEAD = """# Benchmarks

`make bench` runs each program in `bench/bin` (sources in `bench/src`, sized
so that qemu-riscv64 takes 1-3 s) under llemu and under qemu-riscv64, side by
side in one run, with and without plugins, and the freestanding ones under
Unicorn too; it prints ratios. Times include start-up and translation (llemu
compiles every block with LLVM on first use, and code that runs hot again,
optimized; its code cache is warm after the first run, so the medians below
are warm runs; the translation table shows cold ones). With a plugin that watches translation (tb_trans), every block
is translated again in every run, since the plugin must see it (the
compiled code comes from the disk cache, found by the instrumented IR):
part of the overheads below is that translation (about 0.1-0.15 s per
program), not the instrumentation. Compare ratios, not seconds: the machines are shared
and noisy.

"""

if __name__ == "__main__":
    main()

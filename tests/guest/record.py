"""Record what qemu-riscv64 does with each guest program into expected/.

    python3 tests/guest/record.py [NAME ...]     (or: make -C tests/guest record)

For each guest (all of difftest.GUESTS by default) it writes
  expected/NAME.stdout  the exact stdout bytes
  expected/NAME.json    exit status (negative = killed by that signal), the
                        instruction and memory-access counts from our QEMU
                        plugin (modes insn_inline and mem_inline), how the
                        program was run, and for dynamic guests the sysroot's
                        package versions (their counts depend on them).
Every run is done twice; a program whose output or status differs between
the runs is an error, and so are unstable counts for a guest that is not
marked counts_stable=False.  Re-record after rebuilding the binaries.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import difftest  # noqa: E402  (tests/ is not a package)


def record(guest: difftest.Guest, sysroot) -> dict:
    root = difftest.guest_sysroot(guest, sysroot)
    runs = [difftest.run_qemu(guest.path, guest.args, root, stdin=guest.stdin, timeout=guest.timeout)
            for _ in range(2)]
    if runs[0].stdout != runs[1].stdout or runs[0].status != runs[1].status:
        raise SystemExit(f"{guest.name}: output or status differs between two qemu runs")
    result = runs[0]

    counts = {}
    for mode, key in (("insn_inline", "insns"), ("mem_inline", "mems")):
        seen = {difftest.qemu_counts(guest.path, guest.args, root, mode, guest.stdin)[key] for _ in range(2)}
        if len(seen) > 1 and guest.counts_stable:
            raise SystemExit(f"{guest.name}: {key} differ between runs {sorted(seen)}; "
                             "mark it counts_stable=False in difftest.GUESTS")
        counts[key] = seen.pop() if guest.counts_stable else None

    meta = {
        "program": guest.name,
        "args": list(guest.args),
        "stdin": guest.stdin.decode("latin-1"),
        "dynamic": guest.dynamic,
        "status": result.status,
        "insns": counts["insns"],
        "mems": counts["mems"],
    }
    if result.status < 0:
        meta["signal"] = signal.Signals(-result.status).name
    if guest.dynamic:
        meta["sysroot_packages"] = difftest.sysroot_packages(sysroot)
    meta["recorded_with"] = subprocess.run([difftest.QEMU, "--version"], capture_output=True,
                                           text=True).stdout.splitlines()[0]
    (difftest.EXPECTED_DIR / f"{guest.name}.stdout").write_bytes(result.stdout)
    (difftest.EXPECTED_DIR / f"{guest.name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in difftest.GUESTS]
    if unknown:
        raise SystemExit(f"unknown guests: {unknown}")
    guests = [difftest.GUESTS[n] for n in names] if names else list(difftest.GUESTS.values())
    sysroot = difftest.fetch_sysroot() if any(g.dynamic for g in guests) else None
    difftest.EXPECTED_DIR.mkdir(exist_ok=True)
    for guest in guests:
        meta = record(guest, sysroot)
        print(f"{guest.name:20} status {meta['status']:4}  insns {meta['insns']}  mems {meta['mems']}")


if __name__ == "__main__":
    main(sys.argv[1:])

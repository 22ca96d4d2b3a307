"""The run loop stays native on a cache hit: Python is entered for misses,
syscalls and faults only, so its entries per guest instruction are tiny.

`-d stats` counts guest instructions in compiled code (a per-block add)
and the run loop's returns to Python; the instruction count must also be
exactly QEMU's, which checks the counter itself."""
from __future__ import annotations

import json
import re

import difftest


def stats(name: str) -> dict[str, float]:
    r = difftest.run_llemu(name, extra_opts=("-d", "stats"))
    assert r.status == 0, r.stderr.decode()[-2000:]
    m = re.search(rb"stats: (\d+) guest instructions, .* (\d+) Python entries \(([\d.]+) per million", r.stderr)
    assert m, r.stderr.decode()[-2000:]
    return {"insns": int(m[1]), "entries": int(m[2]), "per_million": float(m[3])}


def test_compute_loop_rarely_enters_python() -> None:
    s = stats("compute")
    expected = json.loads((difftest.EXPECTED_DIR / "compute.json").read_text())["insns"]
    assert s["insns"] == expected
    # ~1,900 blocks are compiled once each; the 110 M instructions around
    # them must not come back to Python per block (that would be > 10,000).
    assert s["entries"] < 1000
    assert s["per_million"] < 10


def test_python_entries_do_not_grow_with_run_length() -> None:
    short, long = stats("hello"), stats("compute")
    assert long["insns"] > 1000 * short["insns"] // 100
    assert long["entries"] < 10 * short["entries"]

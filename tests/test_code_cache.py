"""The on-disk code cache and warm starts change nothing a guest or a plugin
can see: outputs, statuses and counts are the same cold, warm and with
-d nocache, and changed guest code is never served from the cache."""
from __future__ import annotations

import re
import struct

import difftest
from elfmaker import make_elf
from emu import loader as L


def llemu(cache, *args: str) -> difftest.Result:
    """llemu with its cache in `cache` (the guest sees that variable too, in all runs alike)."""
    return difftest.run(["env", f"LLEMU_CACHE_DIR={cache}"] + difftest.LLEMU + list(args))


def stats(r: difftest.Result) -> dict[str, int]:
    m = re.search(rb"stats: (\d+) guest instructions, (\d+) blocks in (\d+) modules "
                  rb"\((\d+) from the disk cache, (\d+) without translating\), .* (\d+) hot regions", r.stderr)
    assert m, r.stderr.decode()[-1000:]
    return dict(zip(("insns", "blocks", "modules", "disk", "known", "hot"), map(int, m.groups())))


def test_warm_runs_translate_nothing_and_run_the_same(tmp_path):
    prog = str(difftest.stage(difftest.BIN_DIR / "printf"))
    cold = llemu(tmp_path, "-d", "stats", prog)
    warm = llemu(tmp_path, "-d", "stats", prog)
    off = llemu(tmp_path, "-d", "stats,nocache", prog)
    assert cold.stdout == warm.stdout == off.stdout and cold.status == warm.status == off.status == 0
    c, w, o = stats(cold), stats(warm), stats(off)
    assert c["insns"] == w["insns"] == o["insns"]
    # hot regions are found again by their heat, not in the index of the program's regions
    assert c["known"] == 0 and w["known"] == w["modules"] - w["hot"] > 0 and o["disk"] == o["known"] == 0


def test_plugin_counts_do_not_depend_on_the_cache(tmp_path):
    prog = str(difftest.stage(difftest.BIN_DIR / "fsingle"))
    for spec in ("insn,inline=on", "insn,inline=off", "mem,inline=on,callback=on", "bb,inline=on"):
        runs = [llemu(tmp_path, "-plugin", spec, prog) for _ in range(2)]
        runs.append(llemu(tmp_path, "-d", "nocache", "-plugin", spec, prog))
        outputs = {(r.status, r.stdout, r.stderr) for r in runs}
        assert len(outputs) == 1, spec
        assert re.search(rb"\d", runs[0].stderr), spec


def exit_with(status: int) -> bytes:
    """li a0, status; li a7, 93; ecall, after the ELF and program headers."""
    words = [(status & 0xFFF) << 20 | 10 << 7 | 0x13, 93 << 20 | 17 << 7 | 0x13, 0x73]
    return bytes(64 + 56) + struct.pack("<3I", *words)


def test_changed_code_is_not_served_from_the_cache(tmp_path):
    cache, path = tmp_path / "cache", tmp_path / "prog"
    for status in (3, 4, 5):
        code = exit_with(status)
        make_elf(path, segments=[(0x10000, L.PF_R | L.PF_X, code, len(code), b"")], entry=0x10000 + 64 + 56)
        assert llemu(cache, str(path)).status == status
        assert llemu(cache, str(path)).status == status


def test_the_disk_cache_stays_within_its_limit(tmp_path):
    """$LLEMU_CACHE_SIZE caps the objects kept: a run that stores some trims
    the least recently used ones (at most hourly), and later runs still run right."""
    prog = str(difftest.stage(difftest.BIN_DIR / "printf"))
    cache, limit = tmp_path / "cache", 200_000
    capped = ["env", f"LLEMU_CACHE_DIR={cache}", f"LLEMU_CACHE_SIZE={limit}"] + difftest.LLEMU
    want = difftest.load_expectation("printf")
    first = difftest.run(capped + [prog])
    objects = list(cache.glob("??/*.o"))
    assert objects and sum(p.stat().st_size for p in objects) <= limit
    second = difftest.run(capped + [prog])
    for r in (first, second):
        assert (r.status, r.stdout) == (want.status, want.stdout)

"""QEMU's test plugins (tests/tcg/plugins), as bundled in contrib_plugins/,
each on a guest whose answer is known: QEMU's arguments, QEMU's output lines.

The guests are the plug_* programs of tests/guest: plug_loop runs
`addi s1, s1, 3` exactly 1000 times, plug_mem makes one access of every
kind in `probe`, plug_sys makes a known list of syscalls, plug_setpc talks
to the setpc plugin. Instruction and access totals are checked against
qemu-riscv64 with our QEMU count plugin, run on the same binary.
"""
from __future__ import annotations

import re
import subprocess

import pytest
from elftools.elf.elffile import ELFFile

import difftest

TARGET = bytes.fromhex("93843400")      # addi s1, s1, 3 in plug_loop
PATCHED = bytes.fromhex("93845400")     # addi s1, s1, 5


def run(guest: str, *plugins: str, **kw) -> difftest.Result:
    return difftest.run_llemu(guest, extra_opts=[x for p in plugins for x in ("-plugin", p)], **kw)


def lines(r: difftest.Result) -> list[str]:
    return r.stderr.decode().splitlines()


def guest_output(r: difftest.Result) -> list[str]:
    return r.stdout.decode().splitlines()


def elf_symbol(guest: str, name: str, field: str = "st_value") -> int:
    with open(difftest.BIN_DIR / guest, "rb") as f:
        return ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)[0][field]


def target_vaddr() -> int:
    """Address of the loop's `addi s1, s1, 3` (its bytes appear once in .text)."""
    with open(difftest.BIN_DIR / "plug_loop", "rb") as f:
        text = ELFFile(f).get_section_by_name(".text")
        data = text.data()
        assert data.count(TARGET) == 1
        return text["sh_addr"] + data.index(TARGET)


@pytest.fixture(scope="module")
def qemu_counts(qemu, count_plugin):
    """Instructions and memory accesses qemu-riscv64 counts for a plug_* guest."""
    cache = {}

    def counts(guest: str) -> dict:
        if guest not in cache:
            cache[guest] = difftest.qemu_counts(difftest.BIN_DIR / guest, mode="all_inline",
                                                plugin_so=count_plugin)
        return cache[guest]
    return counts


def test_empty():
    r = run("plug_loop", "empty")
    assert (r.status, guest_output(r), r.stderr) == (0, ["sum=0000000000000bb8"], b"")


@pytest.mark.parametrize("spec", ["bb", "bb,inline=on", "libbb.so,inline=off"])
def test_bb(spec, qemu_counts):
    r = run("plug_loop", spec)
    assert r.status == 0, r.stderr
    cpu0, total = lines(r)
    bbs, insns = map(int, re.fullmatch(r"Total: bb's: (\d+), insns: (\d+)", total).groups())
    assert cpu0 == f"CPU0: bb's: {bbs}, insns: {insns}"
    assert insns == qemu_counts("plug_loop")["insns"]
    assert bbs > 1000       # the loop's block runs 999 times, after the one holding _start


def test_bb_idle():
    """plug_sys waits once in the host (nanosleep): one report then."""
    r = run("plug_sys", "bb,idle=on")
    idle = [ln for ln in lines(r) if ln.startswith("Idling")]
    assert len(idle) == 1 and re.fullmatch(r"Idling CPU0: bb's: \d+, insns: \d+", idle[0])


@pytest.mark.parametrize("spec, message", [
    ("bb,inline=maybe", "boolean argument parsing failed: inline=maybe"),
    ("bb,colour=on", "option parsing failed: colour=on"),
    ("insn,sizes", "boolean argument parsing failed: sizes"),
    ("mem,track=x", "invalid value for argument track: track=x"),
    ("mem,inline=on,callback=on", "can't enable inline and callback counting at the same time"),
    ("syscall,verbose=on", "unsupported argument: verbose=on"),
    ("patch,target=9384", "patch argument is required"),
    ("patch,target=9384,patch=938454", "Target and patch data must be the same length"),
    ("patch,target=938,patch=938", "Failed to parse target bytes."),
])
def test_bad_arguments(spec, message):
    r = run("plug_loop", spec)
    assert r.status == 1 and r.stdout == b""
    assert message in lines(r)
    assert lines(r)[-1].startswith("llemu-riscv64: could not load plugin")


@pytest.mark.parametrize("inline", ["on", "off"])
def test_insn(inline, qemu_counts):
    r = run("plug_loop", f"insn,inline={inline}")
    insns = qemu_counts("plug_loop")["insns"]
    assert (r.status, lines(r)) == (0, [f"cpu 0 insns: {insns}", f"total insns: {insns}"])


def test_insn_match_and_trace():
    """The loop's addi runs 1000 times; the first time 5 instructions have
    run (it included), then 3 more each time round."""
    r = run("plug_loop", "insn,match=addi s1,trace=on")
    assert r.status == 0
    out = lines(r)
    vaddr = target_vaddr()
    assert out[0] == f"Created record for: {vaddr:x} addi s1, s1, 3"
    trace = out[1:1001]
    assert trace[0] == (f"0x{vaddr:x}, 'addi s1, s1, 3', 1 hits , cpu 0, 1 match hits, "
                        "Δ+5 since last match, 5 avg insns/match")
    assert trace[999] == (f"0x{vaddr:x}, 'addi s1, s1, 3', 1000 hits , cpu 0, 1000 match hits, "
                          "Δ+3 since last match, 3 avg insns/match")
    assert out[-2:] == ["Match: addi s1, hits 1000", f"  {vaddr:x}: addi s1, s1, 3 (hits 1000)"]


def test_insn_sizes():
    """Counted at translation: every translated instruction is 2 or 4 bytes."""
    r = run("plug_loop", "insn,sizes=on")
    sizes = dict(re.fullmatch(r"len (\d) bytes: (\d+) insns", ln).groups() for ln in lines(r))
    assert sorted(sizes) == ["2", "4"] and all(int(n) > 0 for n in sizes.values())


@pytest.mark.parametrize("spec", ["mem,inline=on", "mem,callback=on", "mem,callback=on,haddr=on"])
def test_mem_counts(spec, qemu_counts):
    r = run("plug_mem", spec)
    want = [f"mem accesses: {qemu_counts('plug_mem')['mems']}"]
    assert r.status == 0 and lines(r) == want + (["io accesses: 0"] if "haddr" in spec else [])


def test_mem_track():
    """probe's 13 loads and 9 stores (AMOs and sc.d both)."""
    counts = {}
    for track in ("r", "w", "rw"):
        out = lines(run("plug_mem", f"mem,inline=on,track={track}"))
        counts[track] = int(out[0].removeprefix("mem accesses: "))
    assert counts["r"] + counts["w"] == counts["rw"]
    assert counts["r"] >= 13 and counts["w"] >= 9


def test_mem_print_accesses():
    r = run("plug_mem", "mem,print-accesses=on")
    out = lines(r)
    assert out[0] == "insn_vaddr,insn_symbol,mem_vaddr,mem_hwaddr,access_size,access_type,mem_value"
    buf = elf_symbol("plug_mem", "buf")
    probe = [ln.split(",") for ln in out if ",probe," in ln]
    got = [(int(a, 16) - buf, int(hw, 16), int(size), kind, value)
           for _, _, a, hw, size, kind, value in probe]
    assert got == [
        (0, 0, 64, "store", "0x8899aabbccddeeff"), (8, 0, 32, "store", "0xccddeeff"),
        (12, 0, 16, "store", "0xeeff"), (14, 0, 8, "store", "0xff"),
        (0, 0, 64, "load", "0x8899aabbccddeeff"), (8, 0, 32, "load", "0xccddeeff"),
        (8, 0, 32, "load", "0xccddeeff"), (12, 0, 16, "load", "0xeeff"), (12, 0, 16, "load", "0xeeff"),
        (14, 0, 8, "load", "0xff"), (14, 0, 8, "load", "0xff"),
        (0, 0, 64, "load", "0x8899aabbccddeeff"), (8, 0, 32, "load", "0xccddeeff"),
        (16, 0, 64, "store", "0x8899aabbccddeeff"), (24, 0, 32, "store", "0xccddeeff"),
        (8, 0, 32, "load", "0xccddeeff"), (8, 0, 32, "store", "0xccddef00"),
        (0, 0, 64, "load", "0x8899aabbccddeeff"), (0, 0, 64, "store", "0x8899aabbccddef00"),
        (0, 0, 64, "load", "0x8899aabbccddef00"),
        (0, 0, 64, "load", "0x8899aabbccddef00"), (0, 0, 64, "store", "0x0000000000000001")]
    start = elf_symbol("plug_mem", "probe")
    end = start + elf_symbol("plug_mem", "probe", "st_size")
    assert all(start <= int(insn, 16) < end for insn, *_ in probe)


def test_mem_region_summary():
    """buf fills its 16 KiB region: probe's 13 reads and 9 writes there, and
    the guest's 2 reads of it afterwards, all see what was written."""
    r = run("plug_mem", "mem,region-summary=on")
    out = lines(r)
    i = out.index("Region Base, Reads, Writes, Seen all")
    assert f"0x{elf_symbol('plug_mem', 'buf'):016x}, 15, 9, true" in out[i + 1:]


def test_syscall_statistics():
    r = run("plug_sys", "syscall")
    assert guest_output(r) == ["one", "two", "three", "magic=0000000000ffcc66"]     # filtered
    out = lines(r)
    assert out[0] == "syscall no.  calls  errors"
    assert out[1:4] == ["172          5      0", "64           4      0", "57           2      2"]
    assert sorted(out[4:]) == ["101          1      0", "2048         1      0", "93           1      0"]


def test_syscall_print():
    r = run("plug_sys", "syscall,print=on")
    want = []
    for num, ret in [(64, 4), (64, 4), (64, 6)] + [(172, None)] * 5 + [(57, -9)] * 2 + [(101, 0)]:
        want += [f"syscall #{num}", f"syscall #{num} returned -> {ret}"]
    want += ["syscall #2048", "magic syscall filtered, set magic return",
             f"syscall #2048 returned -> {0xFFCC66}", "syscall #64", "syscall #64 returned -> 23",
             "syscall #93"]
    out = lines(r)
    pid = out[7].removeprefix("syscall #172 returned -> ")
    assert out == [w.replace("None", pid) for w in want]


def test_syscall_log_writes():
    r = run("plug_sys", "syscall,log_writes=on")
    out = lines(r)
    assert out[:3] == ["6f 6e 65 0a " + "   " * 12 + " | one.",
                       "74 77 6f 0a " + "   " * 12 + " | two.",
                       "74 68 72 65 65 0a " + "   " * 10 + " | three."]
    assert out[3:5] == ["6d 61 67 69 63 3d 30 30 30 30 30 30 30 30 30 30  | magic=0000000000",
                        "66 66 63 63 36 36 0a " + "   " * 9 + " | ffcc66."]


@pytest.mark.parametrize("guest", ["plug_loop", "plug_mem", "plug_sys"])
def test_inline(guest, qemu_counts):
    r = run(guest, "inline")
    assert r.status == 0, r.stderr
    counts = qemu_counts(guest)
    for what, n in (("insn", counts["insns"]), ("mem", counts["mems"])):
        assert [f"{what}: {n}", f"{what}: {n} (per vcpu)", f"{what}: {n} (per vcpu inline)"] == \
            [ln for ln in lines(r) if ln.startswith(f"{what}: ")][:3]


def test_reset():
    r = run("plug_loop", "reset")
    assert (r.status, guest_output(r)) == (0, ["sum=0000000000000bb8"])
    assert lines(r) == ["reset done", "uninstall done", "plugin exit"]


def test_patch():
    """The first run through the loop is the one translated before the
    patch; the 999 others run `addi s1, s1, 5`: 3 + 999 * 5."""
    r = run("plug_loop", f"patch,target={TARGET.hex()},patch={PATCHED.hex()},use_hwaddr=false")
    assert (r.status, guest_output(r)) == (0, [f"sum={3 + 999 * 5:016x}"])
    assert lines(r) == [f"patching: @0x{target_vaddr():x}", "Writing memory (vaddr)...",
                        "Reading memory (vaddr)...", "Success!"]


def test_patch_hwaddr_is_system_mode_only():
    r = run("plug_loop", f"patch,target={TARGET.hex()},patch={PATCHED.hex()}")
    assert (r.status, guest_output(r)) == (0, ["sum=0000000000000bb8"])
    assert set(lines(r)) == {"Failed to translate vaddr"}


def test_registers():
    """Read and write back a register at the start of each of threads' 5 vCPUs."""
    r = run("threads", "registers")
    assert (r.status, r.stderr) == (0, b"")
    assert r.stdout == difftest.load_expectation("threads").stdout


def test_setpc():
    r = run("plug_setpc", "setpc")
    assert r.status == 0, r.stderr
    assert guest_output(r) == ["settarget=0000000000000000", "skipped the marker instruction",
                               "skipped after the marker load", "clean exit"]
    assert lines(r) == ["Magic syscall detected, set target_pc / target_vaddr",
                        "Marker insn detected, jump to clean return",
                        "Magic syscall detected, set target_pc / target_vaddr",
                        "Marker mem access detected, jump to clean return",
                        "Magic syscall detected, jump to clean exit"]


def test_setpc_guest_fails_without_the_plugin():
    r = run("plug_setpc")
    assert r.status == 1 and guest_output(r)[-1] == "FAIL: the pc did not move"


def test_output_to_log_file(tmp_path):
    """qemu_plugin_outs writes to the -D file when there is one."""
    log = tmp_path / "log"
    r = difftest.run_llemu("plug_sys", extra_opts=["-D", str(log), "-plugin", "syscall"])
    assert (r.status, r.stderr) == (0, b"")
    assert log.read_text().splitlines()[:2] == ["syscall no.  calls  errors", "172          5      0"]


def test_plugin_from_the_environment():
    """QEMU_PLUGIN holds a -plugin argument, as for qemu-riscv64."""
    cmd = difftest.llemu_command("plug_sys")
    proc = subprocess.run(cmd, capture_output=True, cwd=difftest.REPO, timeout=120,
                          env={"QEMU_PLUGIN": "libsyscall.so,print=on"})
    assert proc.returncode == 0
    assert proc.stderr.decode().splitlines()[:2] == ["syscall #64", "syscall #64 returned -> 4"]

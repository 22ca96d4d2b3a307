"""The recorded expectations in tests/guest/expected/ still describe what
live qemu-riscv64 does, and our QEMU count plugin and sysroot fetcher work.

These need qemu-riscv64 (and the network once, for the sysroot) but not
llemu.  When one fails after a guest or QEMU changed, re-record with
`make -C tests/guest record` and review the diff.
"""
from __future__ import annotations

import subprocess

import pytest

import difftest
from difftest import GUESTS

NAMES = sorted(GUESTS)


def test_every_binary_is_listed_and_recorded(guest_bin):
    on_disk = {p.name for p in guest_bin.iterdir() if p.is_file()}
    assert on_disk == set(GUESTS), "tests/guest/bin and difftest.GUESTS disagree"
    for name in GUESTS:
        assert (difftest.EXPECTED_DIR / f"{name}.json").is_file(), f"{name} was never recorded"
        assert (difftest.EXPECTED_DIR / f"{name}.stdout").is_file(), f"{name} was never recorded"


@pytest.mark.parametrize("name", NAMES)
def test_qemu_output_matches_recording(name, qemu, guest_bin, guest_sysroot):
    guest = GUESTS[name]
    want = difftest.load_expectation(name)
    got = difftest.run_qemu(guest.path, guest.args, guest_sysroot(guest), stdin=guest.stdin,
                            timeout=guest.timeout)
    assert got.status == want.status, got.stderr.decode(errors="replace")
    assert got.stdout == want.stdout


@pytest.mark.parametrize("name", [n for n in NAMES if GUESTS[n].counts_stable])
def test_qemu_counts_match_recording(name, qemu, guest_bin, count_plugin, guest_sysroot):
    guest = GUESTS[name]
    root = guest_sysroot(guest)
    want = difftest.load_expectation(name)

    def counts():
        insns = difftest.qemu_counts(guest.path, guest.args, root, "insn_inline", guest.stdin, count_plugin)
        mems = difftest.qemu_counts(guest.path, guest.args, root, "mem_inline", guest.stdin, count_plugin)
        return insns["insns"], mems["mems"]

    got = counts()
    if guest.dynamic and difftest.sysroot_packages() != want.sysroot_packages:
        # The recording was made with other libc6 versions, whose counts it
        # cannot predict; what must hold regardless is that they are exact.
        assert counts() == got, "counts of a dynamic guest differ between two runs"
    else:
        assert got == (want.insns, want.mems)


# ---- the count plugin itself ---------------------------------------------

@pytest.mark.parametrize("name", ["rv64i", "printf", "segv_load", "signals"])
def test_plugin_modes_agree(name, qemu, guest_bin, count_plugin):
    def counts(mode):
        return difftest.qemu_counts(name, mode=mode, plugin_so=count_plugin)

    insns = counts("insn_inline")["insns"]
    mems = counts("mem_inline")["mems"]
    assert counts("insn_cb") == {"insns": insns}
    assert counts("mem_cb") == {"mems": mems}
    assert counts("all_inline") == {"insns": insns, "mems": mems}
    assert counts("all_cb") == {"insns": insns, "mems": mems}
    tb = counts("tb_inline")
    assert counts("tb_cb") == tb
    if name in ("segv_load", "signals"):
        # a block cut short by a fault still counts whole
        assert tb["insns"] >= insns
    else:
        assert tb["insns"] == insns
    assert 0 < tb["tbs"] <= insns


def test_plugin_log_matches_counter_file(qemu, guest_bin, count_plugin):
    counts, result = difftest.qemu_counts_run("rv64i", mode="all_inline", plugin_so=count_plugin)
    assert result.status == 0
    assert difftest.parse_plugin_log(result.stderr) == counts
    assert counts["insns"] > counts["mems"] > 0


def test_plugin_prints_nothing_when_guest_dies(qemu, guest_bin, count_plugin):
    # QEMU 7.2 skips plugin exit callbacks on a fatal guest signal: this is
    # why difftest reads the shared counter file instead of the log.
    counts, result = difftest.qemu_counts_run("segv_load", mode="insn_inline", plugin_so=count_plugin)
    assert result.status == -11
    assert difftest.parse_plugin_log(result.stderr) == {}
    assert counts["insns"] > 0


def test_plugin_rejects_unknown_mode(qemu, guest_bin, count_plugin):
    result = difftest.run_qemu("rv64i", plugin=f"{count_plugin},mode=bogus")
    assert result.status != 0
    assert b"bad argument 'mode=bogus'" in result.stderr
    assert result.stdout == b""


# ---- the sysroot ---------------------------------------------------------

def test_fetch_sysroot_is_idempotent(sysroot):
    again = subprocess.run([str(difftest.FETCH_SYSROOT), str(sysroot)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "already has" in again.stdout
    packages = difftest.sysroot_packages(sysroot)
    assert {"libc6", "busybox-static"} <= set(packages)


def test_sysroot_runs_busybox(qemu, sysroot):
    busybox = sysroot / "usr" / "bin" / "busybox"
    result = difftest.run_qemu(busybox, ["echo", "hello", "from", "busybox"], sysroot=sysroot)
    assert (result.status, result.stdout) == (0, b"hello from busybox\n")

"""Tiering (hot regions recompiled at O2, registers carried across blocks,
returns predicted, indirect jumps through inline caches) changes nothing a
guest or a plugin can see: with a tiny heat, so that nearly every loop is
optimized, every output, status and count is the one QEMU gives.

llemu reads the heat from $LLEMU_HEAT; `-U LLEMU_HEAT` keeps it out of the
guest's environment, so the guest runs exactly as in the recorded
expectations (tests/guest/expected).
"""
from __future__ import annotations

import re

import pytest

import difftest
from test_plugin_counts import STATIC, counts

HEAT = "20"
# Loops, calls and returns, FP, atomics, faults and signal handlers, threads.
CALLBACK_GUESTS = ["atomics", "hot_fault", "signals", "wc", "recursion", "pa_loop"]


def tiered(name: str, *opts: str, heat: str = HEAT) -> difftest.Result:
    guest = difftest.GUESTS[name]
    cmd = difftest.llemu_command(name, guest.args, extra_opts=("-U", "LLEMU_HEAT", *opts))
    return difftest.run(["env", f"LLEMU_HEAT={heat}"] + cmd, stdin=guest.stdin)


def hot_regions(r: difftest.Result) -> int:
    m = re.search(rb"(\d+) hot regions \((\d+) blocks", r.stderr)
    assert m, r.stderr.decode()[-1000:]
    return int(m.group(1))


def check(name: str, r: difftest.Result) -> None:
    want = difftest.load_expectation(name)
    assert (r.status, r.stdout) == (want.status, want.stdout), r.stderr.decode()[-2000:]


def plugins(*specs: str) -> list[str]:
    return [x for p in specs for x in ("-plugin", p)]


@pytest.mark.parametrize("name", STATIC)
def test_hot_code_counts_as_qemu(name, guest_bin):
    r = tiered(name, "-d", "stats", *plugins("insn,inline=on", "mem,inline=on"))
    check(name, r)
    want = difftest.load_expectation(name)
    assert counts(r) == {"insns": want.insns, "mems": want.mems}


@pytest.mark.parametrize("name", CALLBACK_GUESTS)
def test_hot_code_calls_back_as_qemu(name, guest_bin):
    r = tiered(name, "-d", "stats", *plugins("insn,inline=off", "mem,callback=on"))
    check(name, r)
    want = difftest.load_expectation(name)
    assert counts(r) == {"insns": want.insns, "mems": want.mems}
    assert hot_regions(r) > 0


@pytest.mark.parametrize("name", ["compute", "recursion", "threads", "signals", "hot_fault"])
def test_hot_code_without_plugins(name, guest_bin):
    """The uninstrumented tier: the guest's own output and status, and the
    instruction count -d stats keeps, equal with and without tiering."""
    on = tiered(name, "-d", "stats")
    off = tiered(name, "-d", "stats,notier")
    check(name, on)
    check(name, off)
    assert hot_regions(on) > 0 and hot_regions(off) == 0
    insns = [re.search(rb"stats: (\d+) guest instructions", r.stderr).group(1) for r in (on, off)]
    if difftest.GUESTS[name].counts_stable and name != "threads":
        assert insns[0] == insns[1]


def test_signals_stop_optimized_loops(guest_bin):
    """A hot loop with no memory access still sees a timer signal (its exit
    requests must not be hoisted out of the loop by the optimizer)."""
    r = tiered("hot_spin", "-d", "stats", heat="1000")
    check("hot_spin", r)
    assert hot_regions(r) > 0


DRAIN = """
from plugin_api import *

def qemu_plugin_install(id, info, args):
    count = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))
    drained = [0]
    def drain(vcpu, userdata):          # moves the inline count into Python
        drained[0] += qemu_plugin_u64_get(count, vcpu)
        qemu_plugin_u64_set(count, vcpu, 0)
    def trans(id, tb):
        qemu_plugin_register_vcpu_tb_exec_cb(tb, drain, QEMU_PLUGIN_CB_NO_REGS, None)
        for i in range(qemu_plugin_tb_n_insns(tb)):
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
                qemu_plugin_tb_get_insn(tb, i), QEMU_PLUGIN_INLINE_ADD_U64, count, 1)
    def at_exit(id, userdata):
        qemu_plugin_outs(f"insns {drained[0] + qemu_plugin_u64_sum(count)}\\n")
    qemu_plugin_register_vcpu_tb_trans_cb(id, trans)
    qemu_plugin_register_atexit_cb(id, at_exit, None)
    return 0
"""


def test_callbacks_that_change_counters_are_seen_by_hot_code(tmp_path, guest_bin):
    """Hot code keeps scoreboard elements in registers between inline ops: a
    callback that changes one in between must be seen (the count is exact)."""
    path = tmp_path / "drain.py"
    path.write_text(DRAIN)
    r = tiered("hot_fault", "-d", "stats", "-plugin", str(path))
    check("hot_fault", r)
    assert f"insns {difftest.load_expectation('hot_fault').insns}" in r.stderr.decode().splitlines()
    assert hot_regions(r) > 0


def test_bb_counts_are_the_same_hot_and_cold(guest_bin):
    runs = [tiered("compute", *plugins("bb,inline=on"), heat=heat) for heat in (HEAT, "0")]
    assert runs[0].stderr == runs[1].stderr and re.search(rb"bb's: \d+", runs[0].stderr)
    check("compute", runs[0])


def test_tier_log_names_each_hot_region(guest_bin):
    """Both promotions happen: cold to hot, and hot regions entered often
    grown into bigger ones (here while a plugin keeps translation to what runs)."""
    r = tiered("compute", "-d", "tier", *plugins("insn,inline=on"))
    check("compute", r)
    lines = [x for x in r.stderr.decode().splitlines() if "insns: " not in x]
    assert any(x.startswith("TIER: hot ") for x in lines) and any(x.startswith("TIER: hotter ") for x in lines)
    assert lines and all(re.fullmatch(r"TIER: (hot|hotter) at 0x[0-9a-f]+: \d+ blocks optimized in [\d.]+ ms", x)
                         for x in lines), lines


def test_no_heat_means_no_tiering(guest_bin):
    r = tiered("compute", "-d", "stats", heat="0")
    check("compute", r)
    assert hot_regions(r) == 0

"""The bundled insn, mem and inline plugins count exactly what qemu-riscv64
counts: instructions and memory accesses, on every guest program whose
counts are stable (recorded in tests/guest/expected by our QEMU count
plugin) and on busybox applets (counted by qemu-riscv64 now).

Both emulators run each guest the same way (difftest: an empty
environment, the staged binary, the same arguments and stdin), because
static glibc's startup depends on the binary's path and the environment.

The dynamically linked guests are compared on memory accesses only: their
instruction counts differ by 2 because ld.so sorts some of its records by
address, and llemu places the libraries in another order than QEMU does.
"""
from __future__ import annotations

import pytest

import difftest

STABLE = [g for g in difftest.GUESTS.values() if g.counts_stable]
STATIC = [g.name for g in STABLE if not g.dynamic]
DYNAMIC = [g.name for g in STABLE if g.dynamic]
# Small guests for the Python callbacks (each instruction calls into
# Python): integer, atomic, a fault, signals with handlers, stdin.
CALLBACK_GUESTS = ["atomics", "segv_store_ro", "ebreak_c", "signals", "wc"]
SELF_CHECK_GUESTS = ["atomics", "sigill", "compressed"]


def counts(r: difftest.Result) -> dict[str, int]:
    """The totals the insn and mem plugins print."""
    out = {}
    for line in r.stderr.decode().splitlines():
        if line.startswith("total insns: "):
            out["insns"] = int(line.removeprefix("total insns: "))
        elif line.startswith("mem accesses: "):
            out["mems"] = int(line.removeprefix("mem accesses: "))
    return out


def run(name: str, *plugins: str, sysroot=None) -> difftest.Result:
    guest = difftest.GUESTS[name]
    opts = [x for p in plugins for x in ("-plugin", p)]
    return difftest.run_llemu(name, guest.args, sysroot=sysroot, extra_opts=opts, stdin=guest.stdin)


def check_run(name: str, r: difftest.Result) -> None:
    """The guest did what it does without plugins."""
    want = difftest.load_expectation(name)
    assert (r.status, r.stdout) == (want.status, want.stdout), r.stderr.decode()[-2000:]


@pytest.mark.parametrize("name", STATIC)
def test_inline_counts(name, guest_bin):
    r = run(name, "insn,inline=on", "mem,inline=on")
    check_run(name, r)
    want = difftest.load_expectation(name)
    assert counts(r) == {"insns": want.insns, "mems": want.mems}


@pytest.mark.parametrize("name", CALLBACK_GUESTS)
def test_callback_counts(name, guest_bin):
    r = run(name, "insn,inline=off", "mem,callback=on")
    check_run(name, r)
    want = difftest.load_expectation(name)
    assert counts(r) == {"insns": want.insns, "mems": want.mems}


@pytest.mark.parametrize("name", DYNAMIC[:2])
def test_dynamic_guest_memory_accesses(name, guest_bin, sysroot):
    r = run(name, "mem,inline=on", sysroot=sysroot)
    check_run(name, r)
    assert counts(r) == {"mems": difftest.load_expectation(name).mems}


@pytest.mark.parametrize("name", SELF_CHECK_GUESTS)
def test_inline_self_check(name, guest_bin):
    """Callbacks, inline ops and conditional callbacks agree (the plugin
    asserts it at exit: a failure is status 1), and they count QEMU's."""
    r = run(name, "inline")
    check_run(name, r)
    want = difftest.load_expectation(name)
    out = r.stderr.decode().splitlines()
    assert f"insn: {want.insns} (cond cb)" in out and f"mem: {want.mems} (per vcpu inline)" in out


@pytest.mark.parametrize("args", [("echo", "hello"), ("expr", "6", "*", "7"), ("sha256sum",)],
                         ids=lambda a: a[0])
def test_busybox_applets(args, sysroot, qemu, count_plugin):
    busybox = sysroot / "bin" / "busybox"
    stdin = b"some text for sha256sum\n"
    want = difftest.qemu_counts(busybox, args, mode="all_inline", stdin=stdin, plugin_so=count_plugin)
    r = difftest.run_llemu(busybox, args, stdin=stdin,
                           extra_opts=["-plugin", "insn,inline=on", "-plugin", "mem,inline=on"])
    assert r.status == 0 and r.stdout == difftest.run_qemu(busybox, args, stdin=stdin).stdout
    assert counts(r) == want

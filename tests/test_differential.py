"""llemu against qemu-riscv64 on every guest program: the same stdout and
exit status (a negative status is death by that signal), compared both with
a live qemu-riscv64 run and with the recording in tests/guest/expected/.
"""
from __future__ import annotations

import difflib

import pytest

import difftest
from difftest import GUESTS


def _explain(what: str, want: bytes, got: bytes, stderr: bytes) -> str:
    diff = difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                got.decode(errors="replace").splitlines(),
                                "qemu", "llemu", lineterm="", n=2)
    lines = list(diff)[:60]
    tail = stderr.decode(errors="replace").splitlines()[-20:]
    return "\n".join([f"stdout differs from {what}:", *lines, "llemu stderr (last lines):", *tail])


@pytest.mark.parametrize("name", sorted(GUESTS))
def test_llemu_matches_qemu(name, qemu, guest_bin, guest_sysroot):
    guest = GUESTS[name]
    root = guest_sysroot(guest)
    want = difftest.load_expectation(name)
    live = difftest.run_qemu(guest.path, guest.args, root, stdin=guest.stdin, timeout=guest.timeout)
    got = difftest.run_llemu(guest.path, guest.args, root, stdin=guest.stdin, timeout=guest.timeout)

    stderr = got.stderr.decode(errors="replace")
    assert got.status == live.status, f"status {got.status}, qemu {live.status}\n{stderr[-3000:]}"
    assert got.stdout == live.stdout, _explain("live qemu", live.stdout, got.stdout, got.stderr)
    assert got.status == want.status, f"status {got.status}, recorded {want.status}"
    assert got.stdout == want.stdout, _explain("the recording", want.stdout, got.stdout, got.stderr)

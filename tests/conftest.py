"""Shared fixtures for the guest-program tests.

Each fixture fails the test (never skips it) when what it needs is missing,
so a machine without qemu-riscv64 or the sysroot cannot pass by silence.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import difftest  # noqa: E402  (tests/ is not a package)


@pytest.fixture(scope="session")
def qemu() -> str:
    """Path of qemu-riscv64, the reference emulator."""
    path = shutil.which(difftest.QEMU)
    if path is None:
        pytest.fail("qemu-riscv64 is not installed; install Debian's qemu-user "
                    "(apt-get install qemu-user)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def guest_bin() -> Path:
    """tests/guest/bin, checked to hold every guest of difftest.GUESTS."""
    missing = [name for name in difftest.GUESTS if not (difftest.BIN_DIR / name).is_file()]
    if missing:
        pytest.fail(f"guest binaries missing from {difftest.BIN_DIR}: {missing}; "
                    "build them with `make -C tests/guest`", pytrace=False)
    return difftest.BIN_DIR


@pytest.fixture(scope="session")
def count_plugin(tmp_path_factory) -> Path:
    """Our QEMU count plugin, compiled with the host gcc into a temp dir."""
    try:
        return difftest.build_count_plugin(tmp_path_factory.mktemp("count-plugin"))
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture(scope="session")
def sysroot() -> Path:
    """build/sysroot with riscv64 libc6 and busybox-static from Debian
    (tools/fetch-sysroot, which downloads only the first time)."""
    try:
        root = difftest.fetch_sysroot()
    except (RuntimeError, OSError) as err:
        pytest.fail(f"cannot prepare the riscv64 sysroot in {difftest.SYSROOT}: {err}", pytrace=False)
    if not (root / "lib" / "ld-linux-riscv64-lp64d.so.1").exists():
        pytest.fail(f"{root} has no riscv64 dynamic loader; delete it and rerun tools/fetch-sysroot",
                    pytrace=False)
    return root


@pytest.fixture
def guest_sysroot(request):
    """A function guest -> the sysroot to run it with (None when static),
    fetching the sysroot only for tests that run a dynamic guest."""
    def for_guest(guest: difftest.Guest):
        return request.getfixturevalue("sysroot") if guest.dynamic else None
    return for_guest

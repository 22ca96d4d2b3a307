"""Nothing a guest does may crash the emulator or reach host memory outside
the guest's range: generated programs (random code, wild addresses) must
end exactly as under qemu-riscv64 (same status, same output)."""
from __future__ import annotations

import random
import struct
import subprocess

import pytest

import difftest
from elfmaker import make_elf
from emu import loader as L

CODE, DATA = 0x10000, 0x20000
ECALL, EBREAK = 0x00000073, 0x00100073


def lui(rd: int, imm20: int) -> int:
    return (imm20 & 0xFFFFF) << 12 | rd << 7 | 0x37


def addi(rd: int, rs1: int, imm: int) -> int:
    return (imm & 0xFFF) << 20 | rs1 << 15 | rd << 7 | 0x13


def slli(rd: int, rs1: int, sh: int) -> int:
    return sh << 20 | rs1 << 15 | 1 << 12 | rd << 7 | 0x13


def sd(rs2: int, rs1: int, imm: int = 0) -> int:
    return (imm >> 5 & 0x7F) << 25 | rs2 << 20 | rs1 << 15 | 3 << 12 | (imm & 0x1F) << 7 | 0x23


def ld(rd: int, rs1: int, imm: int = 0) -> int:
    return (imm & 0xFFF) << 20 | rs1 << 15 | 3 << 12 | rd << 7 | 0x03


HEADERS = 64 + 2 * 56          # the first segment starts with the ELF and program headers


def program(tmp_path, name: str, words: list[int], data: bytes = bytes(4096)) -> str:
    code = bytes(HEADERS) + struct.pack(f"<{len(words)}I", *words)
    segs = [(CODE, L.PF_R | L.PF_X, code, len(code), b""),
            (DATA, L.PF_R | L.PF_W, data, len(data), b"")]
    return make_elf(tmp_path / name, segments=segs, entry=CODE + HEADERS)


def same_as_qemu(path: str) -> difftest.Result | None:
    """Run both; a program that loops forever under QEMU must loop under llemu too."""
    try:
        theirs = difftest.run([difftest.QEMU, path], timeout=3)
    except subprocess.TimeoutExpired:
        with pytest.raises(subprocess.TimeoutExpired):
            difftest.run(difftest.LLEMU + [path], timeout=5)
        return None
    ours = difftest.run(difftest.LLEMU + [path], timeout=60)
    assert b"internal error" not in ours.stderr and b"Traceback" not in ours.stderr, ours.stderr
    assert (ours.status, ours.stdout) == (theirs.status, theirs.stdout)
    return ours


A0 = 10


@pytest.mark.parametrize("name, setup", [
    ("all_ones", [addi(A0, 0, -1)]),                                   # 2^64 - 1
    ("just_past_guest_space", [lui(A0, 0x40000), slli(A0, A0, 8)]),     # 2^38
    ("last_guest_bytes", [lui(A0, 0x40000), slli(A0, A0, 8), addi(A0, A0, -4)]),
    ("negative_kernel_half", [lui(A0, 0x80000), slli(A0, A0, 32)]),     # 0x8000...0 region
    ("null", [addi(A0, 0, 8)]),
])
@pytest.mark.parametrize("access", ["load", "store"])
def test_wild_addresses_are_guest_segfaults(tmp_path, name, setup, access) -> None:
    op = ld(11, A0) if access == "load" else sd(1, A0)
    r = same_as_qemu(program(tmp_path, name, setup + [op, EBREAK]))
    assert r.status == -11


def random_program(rng: random.Random) -> list[int]:
    """Registers pointed into the data page, then random words (no ecall: random
    syscalls could touch the test machine), then an ebreak."""
    words = []
    for rd in range(3, 32):
        words += [lui(rd, DATA >> 12), addi(rd, rd, rng.randrange(0, 2048, 8))]
    for _ in range(48):
        w = rng.getrandbits(32)
        while w == ECALL or (w & 0xFFFF) == ECALL & 0xFFFF and w >> 16 == 0:
            w = rng.getrandbits(32)
        words.append(w)
    return words + [EBREAK]


@pytest.mark.parametrize("seed", range(24))
def test_random_code_ends_as_under_qemu(tmp_path, seed) -> None:
    rng = random.Random(seed)
    data = bytes(rng.getrandbits(8) for _ in range(4096))
    same_as_qemu(program(tmp_path, f"random{seed}", random_program(rng), data))

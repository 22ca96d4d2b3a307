"""GuestMemory: mappings, permissions, brk, mremap, and access from Python."""
from __future__ import annotations

import ctypes
import errno
import os

import pytest

from emu import memory as M
from emu.memory import GuestFault, GuestMemory, MemoryError_

RW = M.PROT_READ | M.PROT_WRITE
ANON = M.MAP_PRIVATE | M.MAP_ANONYMOUS
FIXED = ANON | M.MAP_FIXED
PAGE = M.PAGE_SIZE


@pytest.fixture(scope="module")
def shared_mem() -> GuestMemory:
    return GuestMemory()


@pytest.fixture
def mem() -> GuestMemory:
    return GuestMemory()


def test_anonymous_map_is_zeroed_and_round_trips(mem):
    a = mem.map(0, 3 * PAGE, RW)
    assert a % PAGE == 0
    assert mem.read(a, 3 * PAGE) == bytes(3 * PAGE)
    mem.write(a + PAGE - 2, b"spans")
    assert mem.read(a + PAGE - 2, 5) == b"spans"
    assert ctypes.string_at(mem.host_addr(a + PAGE - 2), 5) == b"spans"
    mem.write_u(a + 8, 8, -2)
    assert mem.read_u(a + 8, 8) == (1 << 64) - 2
    assert mem.read_u(a + 8, 2) == 0xFFFE


def test_non_fixed_maps_go_top_down_below_mmap_base_without_overlap(mem):
    a = mem.map(0, PAGE, RW)
    b = mem.map(0, 2 * PAGE, RW)
    assert a + PAGE <= mem.mmap_base
    assert b + 2 * PAGE <= a
    assert not mem._overlaps(a, a + PAGE) or mem.vma_at(a).end == a + PAGE


def test_hint_is_used_when_free(mem):
    a = mem.map(0x40000000, PAGE, RW)
    assert a == 0x40000000
    b = mem.map(0x40000000, PAGE, RW)     # taken: another place
    assert b != a


def test_fixed_requires_alignment_and_noreplace_refuses_overlap(mem):
    with pytest.raises(MemoryError_) as e:
        mem.map(0x10001, PAGE, RW, FIXED)
    assert e.value.errno == errno.EINVAL
    mem.map(0x10000, PAGE, RW, FIXED)
    with pytest.raises(MemoryError_) as e:
        mem.map(0x10000, PAGE, RW, ANON | M.MAP_FIXED_NOREPLACE)
    assert e.value.errno == errno.EEXIST
    with pytest.raises(MemoryError_) as e:
        mem.map(0, 0, RW)
    assert e.value.errno == errno.EINVAL


def test_fixed_map_replaces_contents(mem):
    mem.map(0x20000, 2 * PAGE, RW, FIXED)
    mem.write(0x20000, b"old")
    mem.map(0x20000, PAGE, RW, FIXED)
    assert mem.read(0x20000, 3) == b"\0\0\0"
    assert len([v for v in mem.vmas if v.start < 0x22000 and v.end > 0x20000]) == 2


def test_check_and_first_bad(mem):
    mem.map(0x30000, 2 * PAGE, RW, FIXED)
    mem.protect(0x31000, PAGE, M.PROT_READ)
    assert mem.check(0x30000, 2 * PAGE, M.PROT_READ)
    assert not mem.check(0x30000, 2 * PAGE, M.PROT_WRITE)
    assert mem.check(0x30000, PAGE, M.PROT_WRITE)
    assert mem.first_bad(0x30800, 0x1000, M.PROT_WRITE) == 0x31000
    assert not mem.check(0x32000, 1, M.PROT_READ)
    assert not mem.check(-8, 16, M.PROT_READ)
    assert not mem.check(M.GUEST_SIZE - 8, 16, M.PROT_READ)
    assert mem.check(0x99999000, 0, M.PROT_READ)          # empty ranges are fine


def test_faults_carry_address_and_direction(mem):
    mem.map(0x40000, PAGE, M.PROT_READ, FIXED)
    with pytest.raises(GuestFault) as e:
        mem.write(0x40ff0, b"x" * 32)
    assert e.value.write and e.value.addr == 0x40ff0
    with pytest.raises(GuestFault) as e:
        mem.read(0x40ff0, 32)
    assert not e.value.write and e.value.addr == 0x41000


def test_unmap_splits_vma_and_revokes_access(mem):
    mem.map(0x50000, 3 * PAGE, RW, FIXED)
    mem.write(0x52000, b"keep")
    mem.unmap(0x51000, PAGE)
    assert [(v.start, v.end) for v in mem.vmas] == [(0x50000, 0x51000), (0x52000, 0x53000)]
    assert not mem.check(0x51000, 1, M.PROT_READ)
    assert mem.read(0x52000, 4) == b"keep"
    mem.map(0x51000, PAGE, RW, FIXED)
    assert mem.read(0x51000, 4) == bytes(4)           # a fresh mapping, not the old data


def test_protect_splits_and_refuses_unmapped(mem):
    mem.map(0x60000, 3 * PAGE, RW, FIXED)
    mem.protect(0x61000, PAGE, M.PROT_READ)
    assert [(v.start, v.prot) for v in mem.vmas] == [(0x60000, RW), (0x61000, M.PROT_READ),
                                                     (0x62000, RW)]
    with pytest.raises(MemoryError_) as e:
        mem.protect(0x62000, 2 * PAGE, M.PROT_READ)
    assert e.value.errno == errno.ENOMEM
    mem.protect(0x60000, 0, M.PROT_NONE)                 # empty range: no-op
    mem.protect(0x5F000, 0, M.PROT_NONE)                 # even below every mapping


def test_is_mapped(mem):
    mem.map(0x70000, 2 * PAGE, RW, FIXED)
    mem.map(0x72000, PAGE, M.PROT_NONE, FIXED)
    assert mem.is_mapped(0x70000, 0x73000)
    assert not mem.is_mapped(0x70000, 0x74000)
    assert not mem.is_mapped(0x6F000, 0x71000)
    assert mem.is_mapped(0x80000, 0x80000)               # empty ranges, even with
    assert mem.is_mapped(0x6F000, 0x6F000)               # a mapping above them


def test_code_change_callbacks_fire_for_executable_pages(mem):
    seen = []
    mem.on_code_change.append(lambda s, e: seen.append((s, e)))
    mem.map(0x90000, 2 * PAGE, M.PROT_READ | M.PROT_EXEC, FIXED)
    mem.map(0xA0000, PAGE, RW, FIXED)
    assert seen == []
    mem.protect(0x90000, PAGE, RW)
    mem.unmap(0x91000, PAGE)
    mem.unmap(0xA0000, PAGE)
    assert seen == [(0x90000, 0x91000), (0x91000, 0x92000)]


def test_remap_shrink_grow_and_move(mem):
    a = mem.map(0x100000, 2 * PAGE, RW, FIXED)
    mem.write(a, b"data")
    assert mem.remap(a, 2 * PAGE, PAGE, 0) == a
    assert not mem.check(a + PAGE, 1, M.PROT_READ)
    assert mem.remap(a, PAGE, 3 * PAGE, 0) == a           # grows in place
    assert mem.check(a, 3 * PAGE, M.PROT_WRITE)
    mem.map(a + 3 * PAGE, PAGE, RW, FIXED)                # now blocked above
    with pytest.raises(MemoryError_) as e:
        mem.remap(a, 3 * PAGE, 5 * PAGE, 0)
    assert e.value.errno == errno.ENOMEM
    b = mem.remap(a, 3 * PAGE, 5 * PAGE, M.MREMAP_MAYMOVE)
    assert b != a and mem.read(b, 4) == b"data"
    assert mem.check(b, 5 * PAGE, RW)
    assert not mem.check(a, 1, M.PROT_READ)
    c = mem.remap(b, 5 * PAGE, PAGE, M.MREMAP_MAYMOVE | M.MREMAP_FIXED, 0x200000)
    assert c == 0x200000 and mem.read(c, 4) == b"data"
    with pytest.raises(MemoryError_) as e:
        mem.remap(0x300000, PAGE, 2 * PAGE, M.MREMAP_MAYMOVE)
    assert e.value.errno == errno.EFAULT


def test_brk_grows_zeroed_and_shrinks(mem):
    mem.set_brk_start(0x400000)
    assert mem.brk(0) == 0x400000
    assert mem.brk(0x400010) == 0x400010
    mem.write(0x400000, b"heap")
    assert mem.brk(0x403000) == 0x403000
    assert mem.read(0x402000, 8) == bytes(8) and mem.read(0x400000, 4) == b"heap"
    assert mem.brk(0x401000) == 0x401000
    assert not mem.check(0x401000, 1, M.PROT_READ)
    assert mem.brk(0x1000) == 0x401000                   # below the start: unchanged
    mem.map(0x402000, PAGE, RW, FIXED)
    assert mem.brk(0x404000) == 0x401000                 # would overlap a mapping: refused
    assert mem.brk(M.GUEST_SIZE + (1 << 40)) == 0x401000  # beyond the address space: refused


def test_read_cstr(mem):
    mem.map(0x500000, 2 * PAGE, RW, FIXED)
    mem.write(0x500FFE, b"ab")
    mem.write(0x501000, b"cd\0")
    assert mem.read_cstr(0x500FFE) == b"abcd"
    assert mem.read_cstr(0x500FFE, limit=3) == b"abc"
    mem.write(0x501000, b"x" * PAGE)
    with pytest.raises(GuestFault):
        mem.read_cstr(0x501FFE)


def test_file_mappings_private_and_shared(mem, tmp_path):
    f = tmp_path / "data"
    f.write_bytes(b"A" * PAGE + b"B" * 100)
    fd = os.open(f, os.O_RDWR)
    try:
        a = mem.map(0, 2 * PAGE, RW, M.MAP_PRIVATE, fd, 0, name=str(f))
        assert mem.read(a, 2) == b"AA" and mem.read(a + PAGE, 2) == b"BB"
        assert mem.read(a + PAGE + 100, 4) == bytes(4)
        mem.write(a, b"private")
        assert f.read_bytes()[:7] == b"AAAAAAA"
        b = mem.map(0, PAGE, RW, M.MAP_SHARED, fd, PAGE)
        mem.write(b, b"shared")
        assert f.read_bytes()[PAGE:PAGE + 6] == b"shared"
        assert mem.vma_at(a).name == str(f) and mem.vma_at(b).offset == PAGE
    finally:
        os.close(fd)


def test_read_only_fd_shared_writable_is_refused(mem, tmp_path):
    f = tmp_path / "ro"
    f.write_bytes(b"x" * PAGE)
    fd = os.open(f, os.O_RDONLY)
    try:
        with pytest.raises(MemoryError_) as e:
            mem.map(0, PAGE, RW, M.MAP_SHARED, fd, 0)
        assert e.value.errno == errno.EACCES
        a = mem.map(0, PAGE, RW, M.MAP_PRIVATE, fd, 0)    # private copy-on-write is fine
        mem.write(a, b"y")
        assert mem.read(a, 2) == b"yx"
    finally:
        os.close(fd)


def test_out_of_range_fixed_map(shared_mem):
    with pytest.raises(MemoryError_) as e:
        shared_mem.map(M.GUEST_SIZE - PAGE, 2 * PAGE, RW, FIXED)
    assert e.value.errno == errno.ENOMEM

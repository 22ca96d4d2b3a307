"""Guest argument helpers: integer views of raw registers, checked guest buffers.

Every guest pointer that reaches the host kernel goes through `rd`/`wr`
first: they check the guest range against the page permissions (GuestFault,
turned into -EFAULT by the dispatcher) and only then give the host address.
"""
from __future__ import annotations

import errno

from emu.memory import PROT_READ, PROT_WRITE, GuestFault, GuestMemory

PATH_MAX = 4096
MASK64 = (1 << 64) - 1


def i32(x: int) -> int:
    """A C `int` argument (the kernel ignores the upper register half)."""
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x >> 31 else x


def u32(x: int) -> int:
    return x & 0xFFFFFFFF


def i64(x: int) -> int:
    x &= MASK64
    return x - (1 << 64) if x >> 63 else x


def rd(mem: GuestMemory, addr: int, length: int) -> int:
    """Host address of a guest buffer the host will read; GuestFault if not readable."""
    if length <= 0:
        return 0 if addr == 0 else mem.host_addr(addr & MASK64)
    if not mem.check(addr, length, PROT_READ):
        raise GuestFault(addr)
    return mem.host_addr(addr)


def wr(mem: GuestMemory, addr: int, length: int) -> int:
    """Host address of a guest buffer the host will write; GuestFault if not writable."""
    if length <= 0:
        return 0 if addr == 0 else mem.host_addr(addr & MASK64)
    if not mem.check(addr, length, PROT_WRITE):
        raise GuestFault(addr, write=True)
    return mem.host_addr(addr)


def path(mem: GuestMemory, addr: int) -> bytes:
    """A guest path argument: EFAULT if unreadable, ENAMETOOLONG past PATH_MAX, ENOENT if empty."""
    s = cstr(mem, addr, PATH_MAX)
    if not s:
        raise OSError(errno.ENOENT, "empty path")
    return s


def cstr(mem: GuestMemory, addr: int, limit: int = PATH_MAX) -> bytes:
    """A guest C string of at most limit-1 bytes; EFAULT if unreadable, ENAMETOOLONG if longer."""
    if addr == 0:
        raise GuestFault(0)
    s = mem.read_cstr(addr, limit)
    if len(s) >= limit:
        raise OSError(errno.ENAMETOOLONG, "name too long")
    return s

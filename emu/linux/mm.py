"""Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise, msync.

Argument validation follows Linux (and QEMU 7.2 where they agree); the
address-space bookkeeping itself is GuestMemory's.
"""
from __future__ import annotations

import ctypes
import errno
import os
from typing import TYPE_CHECKING

from emu import memory as M
from emu.linux.guest import i32, u32

if TYPE_CHECKING:
    from emu.linux.process import Process

PROT_SEM, PROT_GROWSDOWN, PROT_GROWSUP = 0x8, 0x01000000, 0x02000000
MAP_TYPE, MAP_SHARED_VALIDATE = 0x0F, 0x03
MREMAP_DONTUNMAP = 4
MADV_DONTNEED = 4
MS_ASYNC, MS_INVALIDATE, MS_SYNC = 1, 2, 4

_libc = ctypes.CDLL(None, use_errno=True)
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.msync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def _einval(what: str) -> OSError:
    return OSError(errno.EINVAL, what)


def _prot(prot: int) -> int:
    prot = u32(prot)
    if prot & ~(7 | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP):
        raise _einval("prot")
    return prot & 7


def brk(p: Process, addr: int) -> int:
    return p.mem.brk(addr)


def mmap(p: Process, addr: int, length: int, prot: int, flags: int, fd: int, off: int) -> int:
    flags = u32(flags)
    if length == 0 or off & M.PAGE_MASK or flags & MAP_TYPE not in (1, 2, MAP_SHARED_VALIDATE):
        raise _einval("mmap")
    if M.page_ceil(length) == 0 or length > M.GUEST_SIZE:
        raise OSError(errno.ENOMEM, "length")
    prot = _prot(prot)
    if flags & MAP_TYPE == MAP_SHARED_VALIDATE:
        flags = (flags & ~MAP_TYPE) | M.MAP_SHARED
    if flags & M.MAP_ANONYMOUS:
        if flags & M.MAP_SHARED and flags & M.MAP_GROWSDOWN:
            raise _einval("shared growsdown")
        return p.mem.map(addr, length, prot, flags, -1, 0)
    fd = i32(fd)
    name = ""
    try:
        name = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        pass
    return p.mem.map(addr, length, prot, flags, fd, off, name=name)


def munmap(p: Process, addr: int, length: int) -> int:
    if addr & M.PAGE_MASK or length == 0 or addr + length > M.GUEST_SIZE:
        raise _einval("munmap")
    p.mem.unmap(addr, length)
    return 0


def mprotect(p: Process, addr: int, length: int, prot: int) -> int:
    prot = _prot(prot)
    if addr & M.PAGE_MASK:
        raise _einval("mprotect")
    if length == 0:
        return 0
    if addr + M.page_ceil(length) > M.GUEST_SIZE or M.page_ceil(length) == 0:
        raise OSError(errno.ENOMEM, "range")
    p.mem.protect(addr, length, prot)
    return 0


def mremap(p: Process, old: int, old_len: int, new_len: int, flags: int, new_addr: int) -> int:
    flags = u32(flags)
    if (flags & ~(M.MREMAP_MAYMOVE | M.MREMAP_FIXED | MREMAP_DONTUNMAP)
            or flags & MREMAP_DONTUNMAP
            or (flags & M.MREMAP_FIXED and not flags & M.MREMAP_MAYMOVE)
            or old & M.PAGE_MASK or old_len == 0 or new_len == 0):
        raise _einval("mremap")
    if flags & M.MREMAP_FIXED:
        if new_addr & M.PAGE_MASK:
            raise _einval("new_addr")
        a, b = old, old + M.page_ceil(old_len)
        c, d = new_addr, new_addr + M.page_ceil(new_len)
        if a < d and c < b:
            raise _einval("overlap")
    return p.mem.remap(old, old_len, new_len, flags, new_addr)


def madvise(p: Process, addr: int, length: int, advice: int) -> int:
    """QEMU 7.2: a hint, accepted; MADV_DONTNEED really drops the pages (zeroing private anonymous ones)."""
    if addr & M.PAGE_MASK:
        raise _einval("madvise")
    size = M.page_ceil(length)
    if length and not size or addr + size > M.GUEST_SIZE:
        raise _einval("madvise")
    if size == 0:
        return 0
    if not p.mem.is_mapped(addr, addr + size):
        raise OSError(errno.ENOMEM, "unmapped")
    if i32(advice) == MADV_DONTNEED:
        for v in list(p.mem.vmas):
            lo, hi = max(v.start, addr), min(v.end, addr + size)
            if lo < hi and _libc.madvise(p.mem.host_addr(lo), hi - lo, MADV_DONTNEED) != 0:
                e = ctypes.get_errno()
                raise OSError(e, os.strerror(e))
    return 0


def msync(p: Process, addr: int, length: int, flags: int) -> int:
    flags = i32(flags)
    if addr & M.PAGE_MASK or flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) \
            or (flags & MS_ASYNC and flags & MS_SYNC):
        raise _einval("msync")
    size = M.page_ceil(length)
    if size == 0:
        return 0
    if not p.mem.is_mapped(addr, addr + size):
        raise OSError(errno.ENOMEM, "unmapped")
    if _libc.msync(p.mem.host_addr(addr), size, flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return 0

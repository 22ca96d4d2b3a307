"""The guest address space: one reserved host range, guest address = offset.

The whole 2^38-byte space of a riscv64 Sv39 process is reserved at start-up
(PROT_NONE, MAP_NORESERVE); guest mappings become host mappings inside it.
Guest permissions live in a byte-per-page table that compiled code checks
before every access, so a bad guest access becomes a guest signal instead of
a host fault, and no guest address can reach host memory outside the range.
"""
from __future__ import annotations

import bisect
import ctypes
import ctypes.util
import os
from dataclasses import dataclass
from typing import Callable


PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = PAGE_SIZE - 1
GUEST_BITS = 38                         # riscv64 Sv39: TASK_SIZE = 2^38
GUEST_SIZE = 1 << GUEST_BITS
N_PAGES = GUEST_SIZE >> PAGE_SHIFT
LAST_PAGE = N_PAGES - 1                 # never mapped: out-of-range addresses land here

# Guest permission bits: Linux's PROT_* values.
PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC = 0, 1, 2, 4
PAGE_MAPPED = 8          # perm-table bit: the page is mapped (tells SEGV_MAPERR from ACCERR)
# Linux mmap flags (the same on riscv64 and x86_64).
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x01, 0x02, 0x10, 0x20
MAP_GROWSDOWN, MAP_NORESERVE, MAP_POPULATE, MAP_STACK = 0x100, 0x4000, 0x8000, 0x20000
MAP_FIXED_NOREPLACE = 0x100000
MREMAP_MAYMOVE, MREMAP_FIXED = 1, 2

# Layout, as riscv64 Linux lays out an Sv39 process.
STACK_TOP = GUEST_SIZE - 16 * PAGE_SIZE
ET_DYN_BASE = (GUEST_SIZE // 3 * 2) & ~0xFFFFFF   # ELF_ET_DYN_BASE
STACK_GAP = 128 << 20                              # between stack and mmap_base

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_MAP_FAILED = ctypes.c_void_p(-1).value
_HOST_RW = PROT_READ | PROT_WRITE
_MADV_DONTNEED = 4


def host_prot(prot: int) -> int:
    """Host protection that lets the MMU enforce guest `prot` (compiled code never
    executes guest pages, and the translator reads executable ones)."""
    readable = PROT_READ if prot & (PROT_READ | PROT_WRITE | PROT_EXEC) else PROT_NONE
    return readable | (prot & PROT_WRITE)


# For each protection p, a bytes.translate table: perm-table byte -> 1 if it allows p, else 0.
_ALLOWS = {p: bytes(int(b & p == p) for b in range(256)) for p in range(16)}


class GuestFault(Exception):
    """A guest access that Linux would answer with SIGSEGV (or -EFAULT in a syscall)."""

    def __init__(self, addr: int, write: bool = False):
        super().__init__(f"guest fault at {addr:#x} ({'write' if write else 'read'})")
        self.addr = addr
        self.write = write


class MemoryError_(OSError):
    """A mapping request that cannot be satisfied (carries a Linux errno)."""


def page_floor(x: int) -> int:
    return x & ~PAGE_MASK


def page_ceil(x: int) -> int:
    return (x + PAGE_MASK) & ~PAGE_MASK


def _host_mmap(addr: int, length: int, prot: int, flags: int, fd: int = -1, off: int = 0) -> int:
    r = _libc.mmap(addr, length, prot, flags, fd, off)
    if r is None or r == _MAP_FAILED:
        e = ctypes.get_errno()
        raise MemoryError_(e, os.strerror(e))
    return r


@dataclass
class Vma:
    """One guest mapping: [start, end), its guest protection and origin."""
    start: int
    end: int
    prot: int
    flags: int
    name: str = ""
    offset: int = 0     # file offset of `start`, for /proc/self/maps


class GuestMemory:
    """The guest's address space and the host memory that backs it."""

    def __init__(self) -> None:
        host_flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
        self.base = _host_mmap(0, GUEST_SIZE, PROT_NONE, host_flags)
        self.perm_table = _host_mmap(0, N_PAGES, _HOST_RW, host_flags)
        self.perms = (ctypes.c_uint8 * N_PAGES).from_address(self.perm_table)
        self.vmas: list[Vma] = []          # sorted by start, non-overlapping
        self.mmap_base = page_floor(STACK_TOP - (8 << 20) - STACK_GAP)
        self.brk_start = self.brk_cur = 0
        # Called with (start, end) when executable guest pages change, so
        # the translation cache can drop what it compiled from them.
        self.on_code_change: list[Callable[[int, int], None]] = []

    # ---- mapping -------------------------------------------------------
    def map(self, addr: int, length: int, prot: int, flags: int = MAP_PRIVATE | MAP_ANONYMOUS,
            fd: int = -1, offset: int = 0, name: str = "") -> int:
        """mmap(2) in the guest: returns the guest address or raises MemoryError_."""
        import errno
        if length <= 0:
            raise MemoryError_(errno.EINVAL, "length")
        length = page_ceil(length)
        if addr & PAGE_MASK and flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
            raise MemoryError_(errno.EINVAL, "unaligned")
        if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
            if addr + length > LAST_PAGE << PAGE_SHIFT or addr + length < addr:
                raise MemoryError_(errno.ENOMEM, "range")
            if flags & MAP_FIXED_NOREPLACE and self._overlaps(addr, addr + length):
                raise MemoryError_(errno.EEXIST, "exists")
        else:
            addr = self.find_free(length, page_floor(addr))
        host = self.base + addr
        hflags = MAP_FIXED | (MAP_SHARED if flags & MAP_SHARED else MAP_PRIVATE)
        if fd >= 0 and not flags & MAP_ANONYMOUS:
            hprot = _HOST_RW if not flags & MAP_SHARED else (prot & _HOST_RW) | PROT_READ
            try:
                _host_mmap(host, length, hprot, hflags, fd, offset)
            except MemoryError_:
                if flags & MAP_SHARED:
                    raise
                _host_mmap(host, length, PROT_READ, hflags, fd, offset)   # read-only file
                _host_mmap(host, length, _HOST_RW, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS)
                self._copy_file(host, length, fd, offset)
        else:
            _host_mmap(host, length, _HOST_RW, hflags | MAP_ANONYMOUS | MAP_NORESERVE)
        self._set_vma(Vma(addr, addr + length, prot, flags, name, offset))
        self._host_protect(addr, length, prot)
        return addr

    def _host_protect(self, addr: int, length: int, prot: int) -> None:
        if _libc.mprotect(self.base + addr, length, host_prot(prot)) != 0:
            e = ctypes.get_errno()
            raise MemoryError_(e, os.strerror(e))

    @staticmethod
    def _copy_file(host: int, length: int, fd: int, offset: int) -> None:
        data = os.pread(fd, length, offset)
        ctypes.memmove(host, data, len(data))

    def unmap(self, addr: int, length: int) -> None:
        """munmap(2): the range becomes inaccessible again."""
        length = page_ceil(length)
        if not length:
            return
        end = min(addr + length, LAST_PAGE << PAGE_SHIFT)
        if end <= addr:
            return
        had_code = self._has_exec(addr, end)
        _host_mmap(self.base + addr, end - addr, PROT_NONE,
                   MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
        self._cut(addr, end)
        self._set_perms(addr, end, 0)
        if had_code:
            self._code_changed(addr, end)

    def protect(self, addr: int, length: int, prot: int) -> None:
        """mprotect(2): raises MemoryError_(ENOMEM) if part of the range is unmapped."""
        import errno
        end = addr + page_ceil(length)
        if not self.is_mapped(addr, end):
            raise MemoryError_(errno.ENOMEM, "unmapped")
        had_code = self._has_exec(addr, end)
        self._host_protect(addr, end - addr, prot)
        for v in self._split(addr, end):
            v.prot = prot
        self._set_perms(addr, end, prot | PAGE_MAPPED)
        if had_code:
            self._code_changed(addr, end)

    def remap(self, old: int, old_len: int, new_len: int, flags: int, new_addr: int = 0) -> int:
        """mremap(2) for private anonymous and file mappings (data is copied)."""
        import errno
        old_len, new_len = page_ceil(old_len), page_ceil(new_len)
        if old & PAGE_MASK or not new_len:
            raise MemoryError_(errno.EINVAL, "args")
        vma = self.vma_at(old)
        if vma is None or not self.is_mapped(old, old + old_len):
            raise MemoryError_(errno.EFAULT, "unmapped")
        if flags & MREMAP_FIXED:
            if not flags & MREMAP_MAYMOVE or new_addr & PAGE_MASK:
                raise MemoryError_(errno.EINVAL, "fixed")
            target = new_addr
        elif new_len <= old_len:
            self.unmap(old + new_len, old_len - new_len)
            return old
        elif not self._overlaps(old + old_len, old + new_len) and old + new_len < self.stack_limit():
            self.map(old + old_len, new_len - old_len, vma.prot,
                     (vma.flags & ~MAP_SHARED) | MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, name=vma.name)
            return old
        elif not flags & MREMAP_MAYMOVE:
            raise MemoryError_(errno.ENOMEM, "no room")
        else:
            target = self.find_free(new_len, 0)
        data = self.read(old, min(old_len, new_len), force=True)
        self.unmap(target, new_len)
        self.map(target, new_len, vma.prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, name=vma.name)
        self.write(target, data, force=True)
        self.unmap(old, old_len)
        return target

    def brk(self, new: int) -> int:
        """brk(2): grows or shrinks the heap after the program's bss."""
        if new < self.brk_start:
            return self.brk_cur
        old_top, new_top = page_ceil(self.brk_cur), page_ceil(new)
        if new_top > old_top:
            if self._overlaps(old_top, new_top):
                return self.brk_cur
            try:
                self.map(old_top, new_top - old_top, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, name="[heap]")
            except MemoryError_:          # out of the address space: brk fails softly
                return self.brk_cur
        elif new_top < old_top:
            self.unmap(new_top, old_top - new_top)
        self.brk_cur = new
        return new

    def set_brk_start(self, addr: int) -> None:
        self.brk_start = self.brk_cur = addr

    def stack_limit(self) -> int:
        return self.mmap_base

    def find_free(self, length: int, hint: int = 0) -> int:
        """A free range for a non-fixed mmap: the hint if free, else top-down from mmap_base."""
        import errno
        if hint and hint + length <= self.mmap_base and not self._overlaps(hint, hint + length):
            return hint
        top = self.mmap_base
        for v in reversed(self.vmas):
            if v.start >= top:
                continue
            if v.end <= top - length:
                return top - length
            top = min(top, v.start)
        if top - length >= PAGE_SIZE * 16:
            return top - length
        raise MemoryError_(errno.ENOMEM, "address space exhausted")

    # ---- queries -------------------------------------------------------
    def vma_at(self, addr: int) -> Vma | None:
        i = bisect.bisect_right(self.vmas, addr, key=lambda v: v.start) - 1
        if i >= 0 and self.vmas[i].start <= addr < self.vmas[i].end:
            return self.vmas[i]
        return None

    def is_mapped(self, start: int, end: int) -> bool:
        """True if every page of [start, end) is mapped (any protection)."""
        if end <= start:
            return True
        pos = page_floor(start)
        for v in self.vmas:
            if v.end <= pos:
                continue
            if v.start > pos:
                return False
            pos = v.end
            if pos >= end:
                return True
        return pos >= end

    def check(self, addr: int, length: int, prot: int) -> bool:
        """True if [addr, addr+length) allows `prot` (e.g. PROT_READ)."""
        if length <= 0:
            return True
        if addr < 0 or addr + length > GUEST_SIZE:
            return False
        lo, hi = addr >> PAGE_SHIFT, (addr + length - 1) >> PAGE_SHIFT
        if lo == hi:
            return self.perms[lo] & prot == prot
        table = _ALLOWS[prot]
        return b"\0" not in ctypes.string_at(self.perm_table + lo, hi + 1 - lo).translate(table)

    def first_bad(self, addr: int, length: int, prot: int) -> int:
        """The first guest address in the range that does not allow `prot`."""
        for page in range(addr >> PAGE_SHIFT, ((addr + length - 1) >> PAGE_SHIFT) + 1):
            if page >= N_PAGES or self.perms[page] & prot != prot:
                return max(addr, page << PAGE_SHIFT)
        return addr + length

    def host_addr(self, addr: int) -> int:
        return self.base + addr

    # ---- access from Python (syscalls, loader, plugins) ------------------
    def read(self, addr: int, length: int, force: bool = False) -> bytes:
        """Guest bytes; `force` (loader, mremap) ignores the guest's protection."""
        if length <= 0:
            return b""
        if not self.check(addr, length, PROT_READ):
            if not force:
                raise GuestFault(self.first_bad(addr, length, PROT_READ))
            return self._forced(addr, length, lambda: ctypes.string_at(self.base + addr, length))
        return ctypes.string_at(self.base + addr, length)

    def write(self, addr: int, data: bytes | bytearray | memoryview, force: bool = False) -> None:
        """Store guest bytes; `force` (loader) ignores the guest's protection."""
        n = len(data)
        if not n:
            return
        if not self.check(addr, n, PROT_WRITE):
            if not force:
                raise GuestFault(self.first_bad(addr, n, PROT_WRITE), write=True)
            self._forced(addr, n, lambda: ctypes.memmove(self.base + addr, bytes(data), n))
            return
        ctypes.memmove(self.base + addr, bytes(data), n)

    def _forced(self, addr: int, length: int, access: Callable[[], object]):
        """Run `access` with [addr, addr+length) made host read-write, then restore."""
        import errno
        start, end = page_floor(addr), page_ceil(addr + length)
        if not self.is_mapped(start, end):
            raise GuestFault(addr)
        if _libc.mprotect(self.base + start, end - start, _HOST_RW) != 0:
            raise MemoryError_(errno.EACCES, "cannot unprotect")
        try:
            return access()
        finally:
            for v in self.vmas:
                lo, hi = max(v.start, start), min(v.end, end)
                if lo < hi:
                    self._host_protect(lo, hi - lo, v.prot)

    def read_u(self, addr: int, size: int) -> int:
        return int.from_bytes(self.read(addr, size), "little")

    def write_u(self, addr: int, size: int, value: int) -> None:
        self.write(addr, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))

    def read_cstr(self, addr: int, limit: int = 1 << 16) -> bytes:
        """A NUL-terminated guest string (without the NUL); GuestFault if unreadable."""
        out = bytearray()
        while len(out) < limit:
            chunk_end = min(page_floor(addr) + PAGE_SIZE, addr + limit - len(out))
            chunk = self.read(addr, chunk_end - addr)
            nul = chunk.find(b"\0")
            if nul >= 0:
                out += chunk[:nul]
                return bytes(out)
            out += chunk
            addr = chunk_end
        return bytes(out)

    # ---- internals -----------------------------------------------------
    def _set_perms(self, start: int, end: int, value: int) -> None:
        ctypes.memset(self.perm_table + (start >> PAGE_SHIFT), value, (end - start) >> PAGE_SHIFT)

    def _overlaps(self, start: int, end: int) -> bool:
        return any(v.start < end and start < v.end for v in self.vmas)

    def _has_exec(self, start: int, end: int) -> bool:
        return any(v.prot & PROT_EXEC and v.start < end and start < v.end for v in self.vmas)

    def _code_changed(self, start: int, end: int) -> None:
        for cb in self.on_code_change:
            cb(start, end)

    def _set_vma(self, vma: Vma) -> None:
        had_code = self._has_exec(vma.start, vma.end)
        self._cut(vma.start, vma.end)
        bisect.insort(self.vmas, vma, key=lambda v: v.start)
        self._set_perms(vma.start, vma.end, vma.prot | PAGE_MAPPED)
        if had_code:
            self._code_changed(vma.start, vma.end)

    def _split(self, start: int, end: int) -> list[Vma]:
        """Split VMAs at start and end; return those inside [start, end)."""
        out = []
        for v in list(self.vmas):
            if v.start < start < v.end:
                self._split_at(v, start)
        for v in list(self.vmas):
            if v.start < end < v.end:
                self._split_at(v, end)
        for v in self.vmas:
            if start <= v.start and v.end <= end:
                out.append(v)
        return out

    def _split_at(self, v: Vma, at: int) -> None:
        if v.start < at < v.end:
            tail = Vma(at, v.end, v.prot, v.flags, v.name, v.offset + (at - v.start))
            v.end = at
            bisect.insort(self.vmas, tail, key=lambda x: x.start)

    def _cut(self, start: int, end: int) -> None:
        for v in self._split(start, end):
            self.vmas.remove(v)

"""Scoreboards: one element per vCPU, in a numpy array that plugins can read whole.

Compiled inline ops address the running vCPU's element directly (base +
cpu_index * element size), so the storage never moves: it holds room for
every vCPU the machine can run, and the arrays plugins see are views of
the elements of the vCPUs that exist so far (scoreboards "grow" with them).

Because those addresses are constants in the compiled blocks, scoreboards
come from an arena at a fixed host address: the same plugins then get the
same addresses in every run, the instrumented blocks are the same text,
and the engine's disk cache serves them the next time.
"""
from __future__ import annotations

import ctypes
import mmap
import threading
import numpy as np

from jit.dispatch import MAX_THREADS


class _Arena:
    """Bump allocation in a reservation at ADDRESS (committed as it is
    touched); None when the address is taken or the arena is full, and the
    scoreboard then lives in numpy's memory."""
    ADDRESS = 0x5EC0_0000_0000
    SIZE = 1 << 30
    MAP_NORESERVE, MAP_FIXED_NOREPLACE = 0x4000, 0x100000

    def __init__(self):
        self.base: int | None = None
        self.tried = False
        self.used = 0
        self.lock = threading.Lock()

    def _reserve(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long]
        flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | self.MAP_NORESERVE | self.MAP_FIXED_NOREPLACE
        got = libc.mmap(self.ADDRESS, self.SIZE, mmap.PROT_READ | mmap.PROT_WRITE, flags, -1, 0)
        if got == self.ADDRESS:
            self.base = got
        elif got not in (None, ctypes.c_void_p(-1).value):     # a kernel that took it as a hint
            libc.munmap(ctypes.c_void_p(got), ctypes.c_size_t(self.SIZE))

    def take(self, size: int) -> int | None:
        size = (size + 63) & ~63
        with self.lock:
            if not self.tried:
                self.tried = True
                self._reserve()
            if self.base is None or self.used + size > self.SIZE:
                return None
            self.used += size
            return self.base + self.used - size


_ARENA = _Arena()


class Scoreboard:
    """qemu_plugin_scoreboard: `element` is a size in bytes or a numpy dtype."""

    def __init__(self, element: int | np.dtype | str, vcpus: callable):
        dtype = np.dtype(element) if not isinstance(element, int) else np.dtype((np.void, element))
        if dtype.itemsize == 0:
            raise ValueError("scoreboard elements must have a size")
        self.dtype = dtype
        nbytes = MAX_THREADS * dtype.itemsize
        address = _ARENA.take(nbytes)
        if address is None:
            self.storage = np.zeros(MAX_THREADS, dtype)
        else:                   # fresh pages: already zero
            self.storage = np.frombuffer((ctypes.c_char * nbytes).from_address(address), dtype)
        self.vcpus = vcpus
        self.freed = False
        self._u64: dict[int, np.ndarray] = {}
        # Plain uint64 words of the storage: an item access costs a third of numpy's.
        self.words = memoryview(self.storage.view(np.uint8)).cast("Q") if dtype.itemsize % 8 == 0 else None

    @property
    def address(self) -> int:
        return self.storage.ctypes.data

    @property
    def element_size(self) -> int:
        return self.dtype.itemsize

    @property
    def array(self) -> np.ndarray:
        """The elements of the existing vCPUs (a view: writes go to the scoreboard)."""
        return self.storage[:max(1, self.vcpus())]

    def element(self, vcpu_index: int) -> np.ndarray:
        if not 0 <= vcpu_index < MAX_THREADS:
            raise IndexError(f"no vCPU {vcpu_index}")
        return self.storage[vcpu_index:vcpu_index + 1]

    def u64(self, offset: int) -> np.ndarray:
        """The uint64 at `offset` in every element, as a strided view over all slots
        (made once per offset: plugins call this per event)."""
        view = self._u64.get(offset)
        if view is None:
            if offset % 8 or offset + 8 > self.element_size:
                raise ValueError(f"no aligned u64 at offset {offset} of a {self.element_size}-byte element")
            raw = self.storage.view(np.uint8).reshape(MAX_THREADS, self.element_size)
            view = self._u64[offset] = raw[:, offset:offset + 8].view(np.uint64).reshape(MAX_THREADS)
        return view


class qemu_plugin_u64:
    """A uint64 member of every element of a scoreboard: what inline ops target.

    Besides QEMU's (score, offset) it keeps where the member lies among the
    scoreboard's 64-bit words, so qemu_plugin_u64_add and friends (called per
    event by callback plugins) are a few list-like operations."""
    __slots__ = ("score", "offset", "words", "first", "stride")

    def __init__(self, score: Scoreboard, offset: int = 0):
        self.score, self.offset = score, offset
        fast = score.words is not None and offset % 8 == 0
        self.words = score.words if fast else None
        self.first, self.stride = offset // 8, score.element_size // 8

    def __iter__(self):
        return iter((self.score, self.offset))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, qemu_plugin_u64) and (self.score, self.offset) == (other.score, other.offset)

    def __hash__(self) -> int:
        return hash((id(self.score), self.offset))

    def __repr__(self) -> str:
        return f"qemu_plugin_u64(offset={self.offset})"

    @property
    def array(self) -> np.ndarray:
        """This member for the existing vCPUs, as a uint64 numpy view."""
        return self.score.u64(self.offset)[:max(1, self.score.vcpus())]

    def address(self) -> int:
        """Address of vCPU 0's member (compiled code adds cpu_index * stride)."""
        return self.score.address + self.offset

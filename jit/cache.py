"""The translation cache: guest pc -> compiled block, batching and invalidation.

A miss translates the missing block and, speculatively, the blocks it jumps to
directly (breadth first, up to a batch), and compiles them as one LLVM module:
LLVM's fixed cost per module is paid once per batch. Invalidation works per
module: a module that holds a block from a changed guest range is dropped
whole, and every exit slot that chained into it is reset.
"""
from __future__ import annotations

import ctypes
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from emu.log import log
from jit.dispatch import NativeTable, runtime_module
from jit.engine import Engine, default_cache_dir
from jit.ir import Block
from jit.lower import Options, lower_module
from jit.warm import Entry, RegionIndex, digest, program_index

BATCH_BLOCKS = 12
REGION = "REGION"       # placeholder name, replaced by one derived from the region's content


@dataclass(frozen=True)
class Extent:
    """The guest range a compiled block came from (all invalidation needs)."""
    pc: int
    size: int


@dataclass
class Module:
    blocks: list[Extent]
    functions: dict[int, int]              # pc -> host address
    slots: list[int] = field(default_factory=list)   # addresses of this module's exit slots


@dataclass
class Stats:
    translations: int = 0
    modules: int = 0
    misses: int = 0
    translate_seconds: float = 0.0
    flushes: int = 0
    reused: int = 0         # regions already in the engine (retranslated after a flush)
    known: int = 0          # regions of an earlier run, loaded without translating


class CodeCache:
    """Owns the LLVM engine, the native table and every compiled block."""

    def __init__(self, frontend: Callable[[int], Block], can_execute: Callable[[int], bool],
                 speculate: Callable[[], bool] = lambda: True,
                 read_code: Callable[[int, int], bytes | None] | None = None, program: str | None = None):
        self.frontend = frontend
        self.can_execute = can_execute
        self.speculate = speculate      # False: translate only what runs (plugins watch translation)
        self.read_code = read_code      # guest code bytes, or None if not executable
        self.lock = threading.RLock()
        self.engine = Engine(runtime_module())
        self.index: RegionIndex | None = None
        # -d perfmap: name compiled regions for perf (perf reads /tmp/perf-PID.map)
        self.perf_map = open(f"/tmp/perf-{os.getpid()}.map", "a") if log.on("perfmap") else None
        self.engine.want_sizes = self.perf_map is not None
        if not log.on("nocache"):
            self.engine.use_disk_cache(default_cache_dir())
            if program and read_code:
                self.index = program_index(default_cache_dir(), program)
        self.table = NativeTable(self.engine.global_("llemu_tc"))
        self.run_address = self.engine.function("llemu_run")
        self.dispatch_address = self.engine.function("llemu_dispatch")
        self.helpers_address = self.engine.global_("llemu_helpers")
        self.blocks: dict[int, tuple[Module, int]] = {}    # pc -> (module, fn address)
        self.modules: list[Module] = []
        self.options = Options(nochain=log.on("nochain") or log.on("exec"), count_insns=log.on("stats"))
        self.stats = Stats()

    def lookup(self, pc: int) -> int | None:
        hit = self.blocks.get(pc)
        return hit[1] if hit else None

    def fill(self, pc: int) -> None:
        """Make pc runnable: translate (with a batch around it) and install in the native table.

        One thread translates at a time (LLVM releases the GIL; a plugin's
        tb_trans callback must see one block at a time)."""
        with self.lock:
            self.stats.misses += 1
            fn = self.lookup(pc)
            if fn is None:
                self._translate_batch(pc)
                fn = self.blocks[pc][1]
            self.table.install(pc, fn)

    def _translate_batch(self, pc: int) -> None:
        t0 = time.perf_counter()
        # A region of an earlier run whose guest code is unchanged, unless plugins
        # watch translation (their tb_trans must see every block).
        warm = self.index is not None and self.speculate()
        if warm and self._load_known(pc):
            self.stats.translate_seconds += time.perf_counter() - t0
            return
        batch: list[Block] = []
        queue, seen = deque([pc]), {pc}
        limit = BATCH_BLOCKS if self.speculate() else 1
        while queue and len(batch) < limit:
            at = queue.popleft()
            block = self.frontend(at)
            batch.append(block)
            for nxt in block.predicted():
                if nxt not in seen and nxt not in self.blocks and self.can_execute(nxt):
                    seen.add(nxt)
                    queue.append(nxt)
        text, name, slot_names = lower_module(batch, REGION, self.options)
        key = self.engine.key(text)
        name = f"r{key}"
        text = text.replace(REGION, name)
        slot_names = [s.replace(REGION, name) for s in slot_names]
        self._debug(batch, text)
        if not self.engine.add(text, key):
            self.stats.reused += 1
        self._install(name, [(b.pc, b.size) for b in batch], slot_names)
        if warm:
            ranges = tuple((b.pc, b.size) for b in batch)
            code = digest(ranges, self.read_code)
            if code is not None:
                self.index.add(Entry(key, ranges, code, tuple(slot_names), repr(self.options)))
        self.stats.translations += len(batch)
        self.stats.translate_seconds += time.perf_counter() - t0
        if log.on("out_asm"):
            log.write(f"OUT: [module {self.stats.modules}]\n{self.engine.host_asm(text)}\n")

    def _load_known(self, pc: int) -> bool:
        entry = self.index.find(pc, repr(self.options), self.read_code)
        if entry is None or not self.engine.load(entry.key):
            return False
        self._install(f"r{entry.key}", list(entry.blocks), list(entry.slots))
        self.stats.translations += len(entry.blocks)
        self.stats.known += 1
        return True

    def _install(self, name: str, blocks: list[tuple[int, int]], slot_names: list[str]) -> None:
        """Make a loaded region's blocks reachable (the native table learns them on misses)."""
        region = self.engine.function(name)
        module = Module([Extent(pc, size) for pc, size in blocks], {pc: region for pc, _ in blocks},
                        [self.engine.global_(s) for s in slot_names])
        for slot in module.slots:           # a reused region may still chain to dropped code
            ctypes.c_void_p.from_address(slot).value = self.dispatch_address
        self.modules.append(module)
        for pc, _ in blocks:
            self.blocks[pc] = (module, region)
        self.stats.modules += 1
        if self.perf_map is not None:
            size = self.engine.code_sizes.get(name[1:], 1)
            first, last = blocks[0][0], max(pc + s for pc, s in blocks)
            self.perf_map.write(f"{region:x} {size:x} guest_{first:x}_{last:x}_{len(blocks)}blocks\n")
            self.perf_map.flush()

    def save(self) -> None:
        """Keep this run's regions for the next run of the program."""
        if self.index is not None:
            with self.lock:
                self.index.save()

    def _debug(self, batch: list[Block], text: str) -> None:
        if log.on("in_asm"):
            from emu.riscv.disas import format_block
            for b in batch:
                log.write(format_block(b))
        if log.on("op"):
            for b in batch:
                log.write("OP:\n" + b.dump() + "\n")

    def invalidate(self, start: int, end: int) -> None:
        """Drop every module holding a block that overlaps guest range [start, end)."""
        with self.lock:
            self._invalidate(start, end)

    def _invalidate(self, start: int, end: int) -> None:
        doomed = [m for m in self.modules
                  if any(b.pc < end and start < b.pc + max(b.size, 1) for b in m.blocks)]
        if doomed:
            self._drop(doomed)

    def flush(self) -> None:
        """Drop everything (fence.i)."""
        with self.lock:
            self._drop(list(self.modules))

    def _drop(self, doomed: list[Module]) -> None:
        self.stats.flushes += 1
        dead_fns = {fn for m in doomed for fn in m.functions.values()}
        for m in doomed:
            self.modules.remove(m)
            for pc in m.functions:
                del self.blocks[pc]
        self.table.clear()
        for m in self.modules:
            for slot in m.slots:
                cell = ctypes.c_void_p.from_address(slot)
                if cell.value in dead_fns:
                    cell.value = self.dispatch_address

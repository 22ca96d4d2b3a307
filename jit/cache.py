"""The translation cache: guest pc -> compiled block, batching, tiering and invalidation.

A miss translates the missing block and, speculatively, the blocks it jumps to
directly (breadth first, up to a batch), and compiles them as one LLVM module:
LLVM's fixed cost per module is paid once per batch. Invalidation works per
module: a module that holds a block from a changed guest range is dropped
whole, and every exit slot that chained into it is reset.

Tiering: cold regions count down a heat (entries and loop runs); when it runs
out, the blocks around the hot pc (already translated and instrumented: the
same IR, so plugins see no new translation and counts cannot change) are
compiled again as one hot region, optimized, and replace the cold code. A hot
region counts its entries too: one entered that often is part of a larger
loop (an inner loop that got hot before the rest of its loop nest had even
been translated, as happens when plugins keep translation to what runs), so
it is compiled once more, final, with the translated blocks around it.
"""
from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from emu.log import log
from jit.dispatch import IcEntry, NativeTable, runtime_module
from jit.engine import Engine, default_cache_dir
from jit.ir import Block
from jit.lower import COLD, FINAL, HOT, Options, RegionGlobals, lower_module, region_signature
from jit.warm import Entry, RegionIndex, digest, program_index

BATCH_BLOCKS = 12
HOT_BLOCKS = 24         # most blocks in one hot region
HEAT = 100_000          # region entries and loop runs before a cold region is optimized
NEVER = (1 << 31) - 1   # the heat of a region that must not ask again


def maker_digest() -> str:
    """A digest of the code that makes LLVM IR from llemu IR (the state layout,
    the memory layout, every jit module): objects are found by the IR they
    come from, so a change there must not find the old ones."""
    import emu.memory
    import emu.state
    paths = sorted(Path(__file__).parent.glob("*.py")) + [Path(emu.state.__file__), Path(emu.memory.__file__)]
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def heat_setting() -> int:
    """The heat of cold regions: $LLEMU_HEAT if set (0: no tiering), HEAT by default."""
    value = os.environ.get("LLEMU_HEAT", "")
    return min(int(value), NEVER) if value.isdigit() else HEAT


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
    ics: list[int] = field(default_factory=list)     # addresses of its indirect jumps' inline caches
    heat: int | None = None                # address of its heat countdown, if counted
    tier: int = COLD


@dataclass
class Stats:
    translations: int = 0
    modules: int = 0
    misses: int = 0
    translate_seconds: float = 0.0
    flushes: int = 0
    reused: int = 0         # regions already in the engine (retranslated after a flush)
    known: int = 0          # regions of an earlier run, loaded without translating
    promotions: int = 0     # hot regions compiled
    hot_blocks: int = 0     # blocks in them
    hot_seconds: float = 0.0


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
        self.engine = Engine(runtime_module(), maker_digest())
        self.index: RegionIndex | None = None
        # -d perfmap: name compiled regions for perf (perf reads /tmp/perf-PID.map)
        self.perf_map = open(f"/tmp/perf-{os.getpid()}.map", "a") if log.on("perfmap") else None
        self.engine.want_sizes = self.perf_map is not None
        if not log.on("nocache"):
            self.engine.use_disk_cache(default_cache_dir())
            if program and read_code:
                self.index = program_index(default_cache_dir(), program, self.engine.identity)
        self.table = NativeTable(self.engine.global_("llemu_tc"))
        self.run_address = self.engine.function("llemu_run")
        self.dispatch_address = self.engine.function("llemu_dispatch")
        self.helpers_address = self.engine.global_("llemu_helpers")
        self.blocks: dict[int, tuple[Module, int]] = {}    # pc -> (module, fn address)
        self.ir: dict[int, Block] = {}                      # pc -> its instrumented IR (for tiering)
        self.modules: list[Module] = []
        self.by_heat: dict[int, Module] = {}                # heat address -> cold module
        nochain = log.on("nochain") or log.on("exec")
        self.options = Options(nochain=nochain, count_insns=log.on("stats"),
                               heat=0 if nochain or log.on("notier") else heat_setting())
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
        for block in batch:
            self.ir[block.pc] = block
        key = self._compile(batch, self.options)
        if warm:
            ranges = tuple((b.pc, b.size) for b in batch)
            code = digest(ranges, self.read_code)
            if code is not None:
                self.index.add(Entry(key, ranges, code, repr(self.options)))
        self.stats.translations += len(batch)
        self.stats.translate_seconds += time.perf_counter() - t0

    def _compile(self, blocks: list[Block], options: Options) -> str:
        """Find compiled (by signature, making no text), or lower and compile,
        and install blocks as one region; returns its key."""
        key = self.engine.key(region_signature(blocks, options), options.hot)
        name = f"r{key}"

        def make() -> tuple[str, str]:
            text, names = lower_module(blocks, name, options)
            return text, names.to_text()
        self._debug(blocks)
        meta, fresh = self.engine.add(key, make, options.hot)
        if not fresh:
            self.stats.reused += 1
        self._install(name, [(b.pc, b.size) for b in blocks], RegionGlobals.from_text(meta), options.tier)
        if log.on("out_asm"):
            log.write(f"OUT: [module {self.stats.modules}{', hot' if options.hot else ''}]\n"
                      f"{self.engine.host_asm(make()[0], options.hot)}\n")
        return key

    # ---- tiering -----------------------------------------------------------
    def promote(self, pc: int, heat: int) -> None:
        """The region whose heat is at address `heat` ran out at `pc`: compile
        the blocks around pc as a region of the next tier and run that from now on."""
        with self.lock:
            t0 = time.perf_counter()
            module = self.by_heat.get(heat)
            if module is None:
                return
            ctypes.c_int32.from_address(heat).value = NEVER
            hit = self.blocks.get(pc)
            if hit is None or hit[0].tier > module.tier:
                return                  # dropped meanwhile, or optimized from another region
            tier = HOT if module.tier == COLD else FINAL
            blocks = self._hot_blocks(pc, tier)
            if not blocks or (tier == FINAL and len(blocks) <= len(hit[0].blocks)):
                return                  # nothing around it to grow with
            self._compile(blocks, dataclasses.replace(self.options, tier=tier,
                                                      heat=self.options.heat if tier == HOT else 0))
            new = self.blocks[pc][0]
            for b in blocks:
                self.table.install(b.pc, new.functions[b.pc])
            self._unchain({fn for m in self.modules if m is not new
                           for at, fn in m.functions.items() if at in new.functions})
            self.stats.promotions += 1
            self.stats.hot_blocks += len(blocks)
            self.stats.hot_seconds += time.perf_counter() - t0
            if log.on("tier"):
                log.write(f"TIER: {'hot' if tier == HOT else 'hotter'} at 0x{pc:x}: {len(blocks)} blocks "
                          f"optimized in {(time.perf_counter() - t0) * 1e3:.1f} ms\n")

    def _hot_blocks(self, pc: int, tier: int) -> list[Block]:
        """The translated blocks reachable from pc (breadth first), of a lower tier."""
        order: list[Block] = []
        queue, seen = deque([pc]), {pc}
        while queue and len(order) < HOT_BLOCKS:
            block = self._ir_of(queue.popleft())
            if block is None:
                continue
            order.append(block)
            for nxt in block.successors() + block.likely:
                hit = self.blocks.get(nxt)
                if nxt not in seen and hit is not None and hit[0].tier < tier:
                    seen.add(nxt)
                    queue.append(nxt)
        return order

    def _ir_of(self, pc: int) -> Block | None:
        """The IR pc was compiled from; a region loaded from an earlier run has
        none, and is translated again unless plugins watch translation."""
        block = self.ir.get(pc)
        if block is None and self.speculate():
            block = self.ir[pc] = self.frontend(pc)
        return block

    def _unchain(self, fns: set[int]) -> None:
        """Reset every exit slot and inline cache that leads to one of `fns`: the
        dispatcher finds their targets again (and patches them back)."""
        for m in self.modules:
            for slot in m.slots:
                cell = ctypes.c_void_p.from_address(slot)
                if cell.value in fns:
                    cell.value = self.dispatch_address
            for ic in m.ics:
                entry = IcEntry.from_address(ic)
                if entry.fn in fns:
                    entry.reset(self.dispatch_address)

    def _load_known(self, pc: int) -> bool:
        entry = self.index.find(pc, repr(self.options), self.read_code)
        meta = self.engine.load(entry.key) if entry is not None else None
        if meta is None:
            return False
        self._install(f"r{entry.key}", list(entry.blocks), RegionGlobals.from_text(meta), COLD)
        self.stats.translations += len(entry.blocks)
        self.stats.known += 1
        return True

    def _install(self, name: str, blocks: list[tuple[int, int]], region: RegionGlobals, tier: int) -> None:
        """Make a loaded region's blocks reachable (the native table learns them on misses)."""
        fn = self.engine.function(name)
        module = Module([Extent(pc, size) for pc, size in blocks], {pc: fn for pc, _ in blocks},
                        [self.engine.global_(s) for s in region.slots],
                        [self.engine.global_(s) for s in region.ics],
                        self.engine.global_(region.heat) if region.heat else None, tier)
        # A reused region may still chain to dropped code, or have spent its heat.
        for slot in module.slots:
            ctypes.c_void_p.from_address(slot).value = self.dispatch_address
        for ic in module.ics:
            IcEntry.from_address(ic).reset(self.dispatch_address)
        if module.heat is not None:
            ctypes.c_int32.from_address(module.heat).value = self.options.heat
            self.by_heat[module.heat] = module
        self.modules.append(module)
        for pc, _ in blocks:
            self.blocks[pc] = (module, fn)
        self.stats.modules += 1
        if self.perf_map is not None:
            size = self.engine.code_sizes.get(name[1:], 1)
            first, last = blocks[0][0], max(pc + s for pc, s in blocks)
            suffix = "_hot" if tier != COLD else ""
            self.perf_map.write(f"{fn:x} {size:x} guest_{first:x}_{last:x}_{len(blocks)}blocks{suffix}\n")
            self.perf_map.flush()

    def save(self) -> None:
        """Keep this run's regions for the next run of the program (and the
        disk cache within its size)."""
        with self.lock:
            if self.index is not None:
                self.index.save()
            self.engine.trim()

    def _debug(self, batch: list[Block]) -> None:
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
            self.by_heat.pop(m.heat, None)
            for pc in m.functions:
                if self.blocks.get(pc, (None,))[0] is m:     # (a block may be in a cold and a hot module)
                    del self.blocks[pc]
                self.ir.pop(pc, None)
        self.table.clear()
        self._unchain(dead_fns)

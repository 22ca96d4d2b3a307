"""The regions a program used, found again by the guest code they came from.

The engine's disk cache saves LLVM's work but not the lifting and lowering
that produce the text it is keyed by. This index, one file per program in
the cache directory, maps a block's pc to the regions compiled with it as
their entry: the guest ranges they cover, a digest of those guest bytes
and the key of the object file. On a miss, a region whose guest bytes are
unchanged is loaded directly, with no decoding at all.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Entry:
    key: str                            # the object's key (the region is called "r" + key)
    blocks: tuple[tuple[int, int], ...]  # (pc, size) of each block, the entry block first
    digest: str                         # of the guest bytes of the blocks, in order
    options: str                        # the lowering options it was compiled with

    def row(self) -> list:
        return [self.key, [list(b) for b in self.blocks], self.digest, self.options]

    @classmethod
    def from_row(cls, row: list) -> Entry:
        key, blocks, code, options = row
        return cls(key, tuple(map(tuple, blocks)), code, options)


def digest(blocks, read: Callable[[int, int], bytes | None]) -> str | None:
    """Digest of the guest bytes of (pc, size) blocks; None if any is unreadable."""
    h = hashlib.sha256()
    for pc, size in blocks:
        data = read(pc, size)
        if data is None:
            return None
        h.update(pc.to_bytes(8, "little") + data)
    return h.hexdigest()[:32]


class RegionIndex:
    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[int, list[Entry]] = {}
        self.added: list[Entry] = []
        try:
            rows = json.loads(path.read_text())
        except (OSError, ValueError):
            rows = []
        for row in rows if isinstance(rows, list) else ():
            try:
                entry = Entry.from_row(row)
            except (ValueError, IndexError, TypeError):
                continue                # a row of an older format
            self.entries.setdefault(entry.blocks[0][0], []).append(entry)

    def find(self, pc: int, options: str, read: Callable[[int, int], bytes | None]) -> Entry | None:
        for e in self.entries.get(pc, ()):
            if e.options == options and digest(e.blocks, read) == e.digest:
                return e
        return None

    def add(self, entry: Entry) -> None:
        self.entries.setdefault(entry.blocks[0][0], []).append(entry)
        self.added.append(entry)

    def save(self) -> None:
        """Merge what this run added into the file (atomically; runs may race)."""
        if not self.added:
            return
        try:
            old = json.loads(self.path.read_text()) if self.path.exists() else []
        except (OSError, ValueError):
            old = []
        rows = old + [e.row() for e in self.added]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(rows))
            os.replace(tmp, self.path)
        except OSError:
            pass
        self.added = []


def program_index(cache_dir: Path, program: str, engine: str) -> RegionIndex:
    """The index of one program binary (by path, size and modification time)
    for one engine (`engine` identifies the code that made its objects)."""
    st = os.stat(program)
    ident = f"{os.path.realpath(program)} {st.st_size} {st.st_mtime_ns} {engine}"
    return RegionIndex(cache_dir / "index" / (hashlib.sha256(ident.encode()).hexdigest()[:32] + ".json"))

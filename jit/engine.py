"""llvmlite glue: compile LLVM IR text to host code, find symbols, cache objects.

One MCJIT engine holds the runtime module and every batch of blocks, so the
blocks link against the dispatcher and against each other by name. A module
is compiled to an object file, which is what MCJIT loads; objects are kept
on disk, keyed by a hash of what the module's text is made from (its
caller's signature of it, the code that makes text, the llemu version, the
host CPU and LLVM's version), so a later run loads them without even making
the text: reloading costs ~5 us per block, compiling ~200 us. Each object
is stored with a little metadata of its maker's (the names of its globals).

Two tiers: cold code is compiled with no IR passes and FastISel (cheap to
make); hot regions run LLVM's O2 pipeline and O2 code generation (several
times dearer to make, 20-30% faster to run).
"""
from __future__ import annotations

import hashlib
import os
import struct
import time
from pathlib import Path
from typing import Callable

import llvmlite
import llvmlite.binding as llvm

VERSION = "0.1.0"
MAGIC = b"llemu-object-1\n"      # then the metadata's length (u32), the metadata, the object

_initialized = False


CACHE_LIMIT = 1 << 30        # bytes of objects kept on disk ($LLEMU_CACHE_SIZE to change)
TRIM_EVERY = 3600            # seconds between two checks of the cache's size


def cache_limit() -> int:
    value = os.environ.get("LLEMU_CACHE_SIZE", "")
    return int(value) if value.isdigit() else CACHE_LIMIT


def default_cache_dir() -> Path:
    """$LLEMU_CACHE_DIR, else the user's cache directory (XDG)."""
    if os.environ.get("LLEMU_CACHE_DIR"):
        return Path(os.environ["LLEMU_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "llemu"


def _init_llvm() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


class Engine:
    """Compiles modules of LLVM IR text, cold (no passes, FastISel) or hot (O2)."""

    def __init__(self, runtime_ir: str, maker: str = ""):
        """`maker` identifies the code that makes module texts (a digest of it)."""
        _init_llvm()
        from jit.dispatch import python_api_symbols
        python_api_symbols()
        target = llvm.Target.from_default_triple()
        cpu, features = llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()
        self.tm = target.create_target_machine(cpu=cpu, features=features, opt=0, codemodel="jitdefault")
        self.tm_hot = target.create_target_machine(cpu=cpu, features=features, opt=2, codemodel="jitdefault")
        self.ee = llvm.create_mcjit_compiler(llvm.parse_assembly(runtime_ir), self.tm)
        self.ee.finalize_object()
        self.modules = 0
        self.compile_seconds = 0.0
        self.disk_hits = 0
        self.loaded: dict[str, str] = {}                # key -> metadata, of the modules loaded
        self.objects: list[llvm.ObjectFileRef] = []     # MCJIT keeps pointers into them
        self.code_sizes: dict[str, int] = {}            # key -> bytes of host code (for perf maps)
        self.want_sizes = False
        salt = f"{VERSION} {llvmlite.__version__} {llvm.get_host_cpu_name()} {maker} {runtime_ir}"
        self.salted = hashlib.sha256(salt.encode())      # copied for each key: the salt is long
        self.identity = self.salted.hexdigest()[:16]     # of this engine and the code feeding it
        self.cache_dir: Path | None = None
        self.stored = 0                                 # objects this run added to the disk cache

    verify = False          # set by `-d op_verify`-style debugging and the tests

    def _parse(self, text: str) -> llvm.ModuleRef:
        mod = llvm.parse_assembly(text)
        if self.verify:
            mod.verify()
        return mod

    def use_disk_cache(self, directory: str | os.PathLike | None) -> None:
        """Keep compiled objects in `directory` (None: compile everything)."""
        self.cache_dir = Path(directory) if directory else None

    def key(self, signature: str, hot: bool = False) -> str:
        """The name of a module: the same signature (everything its text is made
        from) and tier give the same text, the same code, the same object."""
        h = self.salted.copy()
        h.update((("hot " if hot else "") + signature).encode())
        return h.hexdigest()[:32]

    def add(self, key: str, make: Callable[[], tuple[str, str]], hot: bool = False) -> tuple[str, bool]:
        """Make module `key` callable: loaded already, from the disk cache, or
        compiled from the (LLVM IR text, metadata) that make() gives. Returns
        its metadata, and whether it was loaded now (else its symbols exist)."""
        if key in self.loaded:
            return self.loaded[key], False
        t0 = time.perf_counter()
        stored = self._cached(key)
        if stored is None:
            text, meta = make()
            obj = self._compile(text, hot)
            self._store(key, meta, obj)
        else:
            meta, obj = stored
            self.disk_hits += 1
        self._load(key, obj, meta)
        self.compile_seconds += time.perf_counter() - t0
        return meta, True

    def _compile(self, text: str, hot: bool) -> bytes:
        return (self.tm_hot if hot else self.tm).emit_object(self._module(text, hot))

    def _module(self, text: str, hot: bool) -> llvm.ModuleRef:
        """The parsed module, through LLVM's O2 pipeline if hot."""
        mod = self._parse(text)
        if hot:
            # A pass builder's module pipeline is single-use in llvmlite: one per module.
            tuning = llvm.create_pipeline_tuning_options(speed_level=2)
            builder = llvm.create_pass_builder(self.tm_hot, tuning)
            builder.getModulePassManager().run(mod, builder)
        return mod

    def load(self, key: str) -> str | None:
        """Load the object `key` from the disk cache (no text needed): its
        metadata, or None if it is not there."""
        if key in self.loaded:
            return self.loaded[key]
        stored = self._cached(key)
        if stored is None:
            return None
        t0 = time.perf_counter()
        self._load(key, stored[1], stored[0])
        self.disk_hits += 1
        self.compile_seconds += time.perf_counter() - t0
        return stored[0]

    def _load(self, key: str, obj: bytes, meta: str) -> None:
        ref = llvm.ObjectFileRef.from_data(obj)
        if self.want_sizes:             # before MCJIT takes the object over
            self.code_sizes[key] = sum(s.size() for s in ref.sections() if s.is_text())
        self.objects.append(ref)
        self.ee.add_object_file(ref)
        self.ee.finalize_object()
        self.loaded[key] = meta
        self.modules += 1

    def _path(self, key: str) -> str | None:
        """Where object `key` is kept (a plain string: this is on every block's path)."""
        return f"{self.cache_dir}/{key[:2]}/{key}.o" if self.cache_dir else None

    def _cached(self, key: str) -> tuple[str, bytes] | None:
        """(metadata, object) of `key` in the disk cache."""
        path = self._path(key)
        if path is None:
            return None
        try:        # os-level calls: this runs for every block of every run
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            data = b"".join(iter(lambda: os.read(fd, 1 << 20), b""))
        except OSError:
            return None
        finally:
            os.close(fd)
        if not data.startswith(MAGIC):
            return None
        at = len(MAGIC) + 4
        (n,) = struct.unpack_from("<I", data, len(MAGIC))
        return data[at:at + n].decode(), data[at + n:]

    def _store(self, key: str, meta: str, obj: bytes) -> None:
        """Write atomically (rename), so concurrent runs never read half a file."""
        path = self._path(key)
        if path is None:
            return
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.tmp"
            head = meta.encode()
            Path(tmp).write_bytes(MAGIC + struct.pack("<I", len(head)) + head + obj)
            os.replace(tmp, path)
            self.stored += 1
        except OSError:
            self.cache_dir = None       # a read-only or full cache: just compile

    def trim(self) -> None:
        """Keep the disk cache under its limit: if this run stored objects and
        no run checked for an hour, delete the least recently used objects down
        to 3/4 of it (objects of older llemu versions, or of programs long gone)."""
        if self.cache_dir is None or not self.stored:
            return
        stamp = self.cache_dir / "checked"
        try:
            if time.time() - stamp.stat().st_mtime < TRIM_EVERY:
                return
        except OSError:
            pass
        try:
            stamp.touch()
            files = []
            for sub in os.scandir(self.cache_dir):
                if sub.is_dir() and len(sub.name) == 2:
                    for e in os.scandir(sub.path):
                        st = e.stat()           # last use: loads move atime (relatime: daily)
                        files.append((max(st.st_atime, st.st_mtime), st.st_size, e.path))
            total, limit = sum(size for _, size, _ in files), cache_limit()
            if total <= limit:
                return
            for _, size, path in sorted(files):
                os.unlink(path)
                total -= size
                if total <= limit * 3 // 4:
                    break
        except OSError:
            pass                # another run trims too, or the cache is read-only

    def function(self, name: str) -> int:
        return self.ee.get_function_address(name)

    def global_(self, name: str) -> int:
        return self.ee.get_global_value_address(name)

    def host_asm(self, text: str, hot: bool = False) -> str:
        """Host assembly of a module, for `-d out_asm` (compiled a second time)."""
        return (self.tm_hot if hot else self.tm).emit_assembly(self._module(text, hot))

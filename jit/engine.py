"""llvmlite glue: compile LLVM IR text to host code, find symbols, cache objects.

One MCJIT engine holds the runtime module and every batch of blocks, so the
blocks link against the dispatcher and against each other by name. A module
is compiled to an object file, which is what MCJIT loads; objects are kept
on disk, keyed by a hash of the module's text (with the llemu version, the
host CPU and LLVM's version), so a later run loads them instead of
compiling: reloading costs ~5 us per block, compiling ~200 us.

Two tiers: cold code is compiled with no IR passes and FastISel (cheap to
make); hot regions run LLVM's O2 pipeline and O2 code generation (several
times dearer to make, 20-30% faster to run).
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import llvmlite
import llvmlite.binding as llvm

VERSION = "0.1.0"

_initialized = False


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

    def __init__(self, runtime_ir: str):
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
        self.loaded: set[str] = set()
        self.objects: list[llvm.ObjectFileRef] = []     # MCJIT keeps pointers into them
        self.code_sizes: dict[str, int] = {}            # key -> bytes of host code (for perf maps)
        self.want_sizes = False
        self.salt = f"{VERSION} {llvmlite.__version__} {llvm.get_host_cpu_name()} {runtime_ir}"
        self.cache_dir: Path | None = None

    verify = False          # set by `-d op_verify`-style debugging and the tests

    def _parse(self, text: str) -> llvm.ModuleRef:
        mod = llvm.parse_assembly(text)
        if self.verify:
            mod.verify()
        return mod

    def use_disk_cache(self, directory: str | os.PathLike | None) -> None:
        """Keep compiled objects in `directory` (None: compile everything)."""
        self.cache_dir = Path(directory) if directory else None

    def key(self, text: str, hot: bool = False) -> str:
        """The name a module's content gets: same text and tier, same code, same object."""
        return hashlib.sha256((self.salt + ("hot " if hot else "") + text).encode()).hexdigest()[:32]

    def add(self, text: str, key: str, hot: bool = False) -> bool:
        """Make the module `key` (of LLVM IR `text`) callable; False if it was
        already loaded in this engine (its symbols are the same)."""
        if key in self.loaded:
            return False
        t0 = time.perf_counter()
        obj = self._cached(key)
        if obj is None:
            obj = self._compile(text, hot)
            self._store(key, obj)
        else:
            self.disk_hits += 1
        self._load(key, obj)
        self.compile_seconds += time.perf_counter() - t0
        return True

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

    def load(self, key: str) -> bool:
        """Load the object `key` from the disk cache (no text needed); False if absent."""
        if key in self.loaded:
            return True
        obj = self._cached(key)
        if obj is None:
            return False
        t0 = time.perf_counter()
        self._load(key, obj)
        self.disk_hits += 1
        self.compile_seconds += time.perf_counter() - t0
        return True

    def _load(self, key: str, obj: bytes) -> None:
        ref = llvm.ObjectFileRef.from_data(obj)
        if self.want_sizes:             # before MCJIT takes the object over
            self.code_sizes[key] = sum(s.size() for s in ref.sections() if s.is_text())
        self.objects.append(ref)
        self.ee.add_object_file(ref)
        self.ee.finalize_object()
        self.loaded.add(key)
        self.modules += 1

    def _path(self, key: str) -> Path | None:
        return self.cache_dir / key[:2] / f"{key}.o" if self.cache_dir else None

    def _cached(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return path.read_bytes() if path else None
        except OSError:
            return None

    def _store(self, key: str, obj: bytes) -> None:
        """Write atomically (rename), so concurrent runs never read half a file."""
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(obj)
            os.replace(tmp, path)
        except OSError:
            self.cache_dir = None       # a read-only or full cache: just compile

    def function(self, name: str) -> int:
        return self.ee.get_function_address(name)

    def global_(self, name: str) -> int:
        return self.ee.get_global_value_address(name)

    def host_asm(self, text: str, hot: bool = False) -> str:
        """Host assembly of a module, for `-d out_asm` (compiled a second time)."""
        return (self.tm_hot if hot else self.tm).emit_assembly(self._module(text, hot))

"""llvmlite glue: parse LLVM IR text, compile it to host code, find symbols.

One MCJIT engine holds the runtime module and every batch of blocks, so the
blocks link against the dispatcher and against each other by name.
"""
from __future__ import annotations

import time

import llvmlite.binding as llvm

_initialized = False


def _init_llvm() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


class Engine:
    """Compiles modules of LLVM IR text; `opt` is the codegen level (0: FastISel)."""

    def __init__(self, runtime_ir: str, opt: int = 0):
        _init_llvm()
        target = llvm.Target.from_default_triple()
        self.tm = target.create_target_machine(
            cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(),
            opt=opt, codemodel="jitdefault")
        self.ee = llvm.create_mcjit_compiler(llvm.parse_assembly(runtime_ir), self.tm)
        self.ee.finalize_object()
        self.modules = 0
        self.compile_seconds = 0.0

    verify = False          # set by `-d op_verify`-style debugging and the tests

    def _parse(self, text: str) -> llvm.ModuleRef:
        mod = llvm.parse_assembly(text)
        if self.verify:
            mod.verify()
        return mod

    def add(self, text: str) -> llvm.ModuleRef:
        """Compile one module; its functions become callable by address."""
        t0 = time.perf_counter()
        mod = self._parse(text)
        self.ee.add_module(mod)
        self.ee.finalize_object()
        self.compile_seconds += time.perf_counter() - t0
        self.modules += 1
        return mod

    def function(self, name: str) -> int:
        return self.ee.get_function_address(name)

    def global_(self, name: str) -> int:
        return self.ee.get_global_value_address(name)

    def host_asm(self, text: str) -> str:
        """Host assembly of a module, for `-d out_asm` (compiled a second time)."""
        return self.tm.emit_assembly(self._parse(text))

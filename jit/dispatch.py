"""The native run loop: dispatcher, translation-cache table, chaining.

Every translated block is a `fastcc void (ptr state, ptr guest_base,
ptr perm_table)` function. A block ends by tail-calling its successor:
through a per-exit slot once that slot is patched, otherwise through
`llemu_dispatch`, which looks the guest pc up in a direct-mapped table and
patches the slot that sent it there. Only a table miss, or a block that
exits on purpose (syscall, fault, ...), returns to `llemu_run` and so to
Python.
"""
from __future__ import annotations

import ctypes

import numpy as np

from emu import state as st
from emu.memory import LAST_PAGE, PAGE_MAPPED, PAGE_SHIFT

TC_BITS = 16
TC_SIZE = 1 << TC_BITS
TC_EMPTY = 1                 # no block starts at an odd pc
HELPER_SLOTS = 256           # Python helpers callable from compiled code
MXCSR_DEFAULT = 0x1F80       # all FP exceptions masked, round to nearest

# x86 MXCSR flag bits -> RISC-V fflags bits.
MXCSR_TO_FFLAGS = ((0x01, 0x10), (0x04, 0x08), (0x08, 0x04), (0x10, 0x02), (0x20, 0x01))
BLOCK_ARGS = "ptr %s, ptr %m, ptr %p"
BLOCK_TYPE = "fastcc void"


def _fold_mxcsr_flags(src: str, dst: str) -> str:
    """LLVM lines computing RISC-V fflags bits %dst (i32) from MXCSR value %src."""
    lines, acc = [], "0"
    for i, (host, guest) in enumerate(MXCSR_TO_FFLAGS):
        lines.append(f"  %{dst}.b{i} = and i32 %{src}, {host}")
        lines.append(f"  %{dst}.c{i} = icmp ne i32 %{dst}.b{i}, 0")
        lines.append(f"  %{dst}.v{i} = select i1 %{dst}.c{i}, i32 {guest}, i32 0")
        lines.append(f"  %{dst}.o{i} = or i32 {acc}, %{dst}.v{i}")
        acc = f"%{dst}.o{i}"
    lines.append(f"  %{dst} = or i32 {acc}, 0")
    return "\n".join(lines)


def runtime_module() -> str:
    """LLVM IR text of the runtime: table, dispatcher, run entry, helpers table."""
    o = st.offset
    return f"""
%tc_entry = type {{ i64, ptr }}
@llemu_tc = global [{TC_SIZE} x %tc_entry] zeroinitializer, align 16
@llemu_helpers = global [{HELPER_SLOTS} x ptr] zeroinitializer, align 16

define {BLOCK_TYPE} @llemu_dispatch({BLOCK_ARGS}) {{
entry:
  %pcp = getelementptr i8, ptr %s, i64 {o("pc")}
  %pc = load i64, ptr %pcp
  %h0 = lshr i64 %pc, 1
  %h = and i64 %h0, {TC_SIZE - 1}
  %e = getelementptr [{TC_SIZE} x %tc_entry], ptr @llemu_tc, i64 0, i64 %h
  %key = load i64, ptr %e
  %hit = icmp eq i64 %key, %pc
  br i1 %hit, label %found, label %miss, !prof !0
found:
  %fnp = getelementptr %tc_entry, ptr %e, i64 0, i32 1
  %fn = load ptr, ptr %fnp
  %slotp = getelementptr i8, ptr %s, i64 {o("patch_slot")}
  %slot = load ptr, ptr %slotp
  %has = icmp ne ptr %slot, null
  br i1 %has, label %patch, label %go
patch:
  store ptr %fn, ptr %slot
  store ptr null, ptr %slotp
  br label %go
go:
  musttail call {BLOCK_TYPE} %fn({BLOCK_ARGS})
  ret void
miss:
  %rp = getelementptr i8, ptr %s, i64 {o("exit_reason")}
  store i32 {int(st.ExitReason.MISS)}, ptr %rp
  ret void
}}

define i32 @llemu_run({BLOCK_ARGS}) {{
entry:
  %tmp = alloca i32
  %mxp = getelementptr i8, ptr %s, i64 {o("mxcsr")}
  call void @llvm.x86.sse.ldmxcsr(ptr %mxp)
  call {BLOCK_TYPE} @llemu_dispatch({BLOCK_ARGS})
  call void @llvm.x86.sse.stmxcsr(ptr %tmp)
  %mx = load i32, ptr %tmp
{_fold_mxcsr_flags("mx", "fl")}
  %ffp = getelementptr i8, ptr %s, i64 {o("fflags")}
  %old = load i32, ptr %ffp
  %new = or i32 %old, %fl
  store i32 %new, ptr %ffp
  store i32 {MXCSR_DEFAULT}, ptr %tmp
  call void @llvm.x86.sse.ldmxcsr(ptr %tmp)
  %rp = getelementptr i8, ptr %s, i64 {o("exit_reason")}
  %r = load i32, ptr %rp
  ret i32 %r
}}

; Slow path of the per-access check: both pages of [a, a+size), returns 0 or
; the ExitReason (unmapped vs. protected) of the first page that refuses.
define i32 @llemu_check(ptr %p, i64 %a, i64 %size, i32 %need) {{
entry:
  %need8 = trunc i32 %need to i8
  %r1 = call i32 @llemu_check_page(ptr %p, i64 %a, i8 %need8)
  %bad1 = icmp ne i32 %r1, 0
  br i1 %bad1, label %out1, label %second
out1:
  ret i32 %r1
second:
  %end0 = add i64 %a, %size
  %end = sub i64 %end0, 1
  %r2 = call i32 @llemu_check_page(ptr %p, i64 %end, i8 %need8)
  ret i32 %r2
}}

define internal i32 @llemu_check_page(ptr %p, i64 %a, i8 %need) {{
  %pg = lshr i64 %a, {PAGE_SHIFT}
  %pgc = call i64 @llvm.umin.i64(i64 %pg, i64 {LAST_PAGE})
  %pp = getelementptr i8, ptr %p, i64 %pgc
  %b = load i8, ptr %pp
  %m = and i8 %b, %need
  %ok = icmp eq i8 %m, %need
  %mapped0 = and i8 %b, {PAGE_MAPPED}
  %mapped = icmp ne i8 %mapped0, 0
  %why = select i1 %mapped, i32 {int(st.ExitReason.SEGV_ACCERR)}, i32 {int(st.ExitReason.SEGV_MAPERR)}
  %r = select i1 %ok, i32 0, i32 %why
  ret i32 %r
}}

declare i64 @llvm.umin.i64(i64, i64)
declare void @llvm.x86.sse.ldmxcsr(ptr)
declare void @llvm.x86.sse.stmxcsr(ptr)
!0 = !{{!"branch_weights", i32 1000, i32 1}}
"""


RUN_FUNC = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)


class TcEntry(ctypes.Structure):
    _fields_ = [("pc", ctypes.c_uint64), ("fn", ctypes.c_void_p)]


class NativeTable:
    """Python's view of the native direct-mapped (pc -> function) table."""

    def __init__(self, address: int):
        self.entries = (TcEntry * TC_SIZE).from_address(address)
        self.clear()

    @staticmethod
    def index(pc: int) -> int:
        return (pc >> 1) & (TC_SIZE - 1)

    def install(self, pc: int, fn: int) -> None:
        e = self.entries[self.index(pc)]
        e.pc, e.fn = pc, fn

    def clear(self) -> None:
        words = np.ctypeslib.as_array(
            (ctypes.c_uint64 * (2 * TC_SIZE)).from_address(ctypes.addressof(self.entries)))
        words[0::2] = TC_EMPTY
        words[1::2] = 0

"""The native run loop: dispatcher, translation-cache table, chaining, faults.

Every translated block is a `fastcc void (ptr state, ptr guest_base)`
function. A block ends by tail-calling its successor: through a per-exit
slot once that slot is patched, otherwise through `llemu_dispatch`, which
looks the guest pc up in a direct-mapped table and patches the slot that
sent it there. Only a table miss, or a block that exits on purpose
(syscall, ...), returns to `llemu_run` and so to Python.

Guest accesses are not checked in software: the host MMU does it, because
guest pages are mapped with the guest's protection inside the reservation.
A host SIGSEGV/SIGBUS whose address lies in the reservation, taken while a
vCPU runs native code, is a guest fault: the handler (LLVM IR, below)
records it and long-jumps back into `llemu_run`. Compiled code stores the
guest pc before each access and writes registers through to the state, so
the state is exact at the fault. Any other fault goes to the handler that
was installed before ours.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import signal

from emu import state as st
from emu.memory import GUEST_SIZE

TC_BITS = 16
TC_SIZE = 1 << TC_BITS
TC_EMPTY = 1                 # no block starts at an odd pc
IC_TYPE = "{ i64, ptr }"     # an indirect jump's inline cache: last target pc, its region
IC_EMPTY = TC_EMPTY
HELPER_SLOTS = 256           # Python helpers callable from compiled code
MAX_THREADS = 64             # vCPUs in native code at once (cpu_index is their slot)
PY_TARGETS = 2               # Python functions compiled code calls directly (py_targets)
PY_TRACE, PY_ERROR = 0, 1    # their slots: a trace buffer to empty, a callback that raised
MXCSR_DEFAULT = 0x1F80       # all FP exceptions masked, round to nearest
SIGACTION_SIZE = 152         # glibc x86_64 struct sigaction
SA_SIGINFO = 4
SA_RESTART = 0x10000000

# x86 MXCSR flag bits -> RISC-V fflags bits.
MXCSR_TO_FFLAGS = ((0x01, 0x10), (0x04, 0x08), (0x08, 0x04), (0x10, 0x02), (0x20, 0x01))
BLOCK_ARGS = "ptr %s, ptr %m"
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


def _py_call_n(name: str, inner: str, n: int) -> str:
    """@name(i64 first, a1..an): @inner(first, args, n), the n integers in memory."""
    params = ", ".join(f"i64 %a{i}" for i in range(n))
    stores = "\n".join(f"  %p{i} = getelementptr i64, ptr %args, i64 {i}\n  store i64 %a{i}, ptr %p{i}"
                       for i in range(n))
    return (f"define void @{name}(i64 %n, {params}) {{\n  %args = alloca [{n} x i64]\n"
            f"{stores}\n  call void @{inner}(i64 %n, ptr %args, i64 {n})\n  ret void\n}}\n")


def runtime_module() -> str:
    """LLVM IR text of the runtime: table, dispatcher, run entry, fault handler."""
    o = st.offset
    R = st.ExitReason
    return f"""
%tc_entry = type {{ i64, ptr }}
%thread_entry = type {{ i64, ptr }}   ; pthread_self of a vCPU thread in native code, its state
@llemu_tc = global [{TC_SIZE} x %tc_entry] zeroinitializer, align 16
@llemu_helpers = global [{HELPER_SLOTS} x ptr] zeroinitializer, align 16
@llemu_guest_base = global i64 0
@llemu_threads = global [{MAX_THREADS} x %thread_entry] zeroinitializer, align 16
@llemu_old_segv = global [{SIGACTION_SIZE} x i8] zeroinitializer, align 16
@llemu_old_bus = global [{SIGACTION_SIZE} x i8] zeroinitializer, align 16
@llemu_sig_pending = global i64 0
@llemu_py_targets = global [{PY_TARGETS} x ptr] zeroinitializer, align 8
@llemu_callbacks = global ptr null    ; plugin callbacks by index: {{ ptr fn, ptr userdata }} (CallbackTable)
@llemu_sig_codes = global [65 x i32] zeroinitializer

define {BLOCK_TYPE} @llemu_dispatch({BLOCK_ARGS}) {{
entry:
  %pcp = getelementptr i8, ptr %s, i64 {o("pc")}
  %pc = load i64, ptr %pcp
  %h0 = lshr i64 %pc, 1
  %h = and i64 %h0, {TC_SIZE - 1}
  %e = getelementptr [{TC_SIZE} x %tc_entry], ptr @llemu_tc, i64 0, i64 %h
  %key = load atomic i64, ptr %e acquire, align 8
  %hit = icmp eq i64 %key, %pc
  %rqp = getelementptr i8, ptr %s, i64 {o("exit_request")}
  %rq = load i32, ptr %rqp
  %calm = icmp eq i32 %rq, 0
  %enter = and i1 %hit, %calm
  br i1 %enter, label %found, label %miss, !prof !0
found:
  %fnp = getelementptr %tc_entry, ptr %e, i64 0, i32 1
  %fn = load atomic ptr, ptr %fnp acquire, align 8
  %key2 = load atomic i64, ptr %e acquire, align 8
  %same = icmp eq i64 %key2, %pc
  br i1 %same, label %consistent, label %miss
consistent:
  %slotp = getelementptr i8, ptr %s, i64 {o("patch_slot")}
  %slot = load ptr, ptr %slotp
  %has = icmp ne ptr %slot, null
  br i1 %has, label %patch, label %ic
patch:
  store ptr %fn, ptr %slot
  store ptr null, ptr %slotp
  br label %go
ic:
  %icp = getelementptr i8, ptr %s, i64 {o("patch_ic")}
  %cache = load ptr, ptr %icp
  %refill = icmp ne ptr %cache, null
  br i1 %refill, label %fill, label %go
fill:
  ; target first, key last: a torn read lands in a region that checks the pc
  %icfn = getelementptr {IC_TYPE}, ptr %cache, i64 0, i32 1
  store atomic ptr %fn, ptr %icfn release, align 8
  store atomic i64 %pc, ptr %cache release, align 8
  store ptr null, ptr %icp
  br label %go
go:
  musttail call {BLOCK_TYPE} %fn({BLOCK_ARGS})
  ret void
miss:
  %rp = getelementptr i8, ptr %s, i64 {o("exit_reason")}
  %why = select i1 %calm, i32 {int(R.MISS)}, i32 {int(R.REQUEST)}
  store i32 %why, ptr %rp
  ret void
}}

define i32 @llemu_run({BLOCK_ARGS}) {{
entry:
  %tmp = alloca i32
  %idxp = getelementptr i8, ptr %s, i64 {o("cpu_index")}
  %idx32 = load i32, ptr %idxp
  %idx = and i32 %idx32, {MAX_THREADS - 1}
  %me = call i64 @pthread_self()
  %tidp = getelementptr [{MAX_THREADS} x %thread_entry], ptr @llemu_threads, i64 0, i32 %idx, i32 0
  store i64 %me, ptr %tidp
  %stp = getelementptr [{MAX_THREADS} x %thread_entry], ptr @llemu_threads, i64 0, i32 %idx, i32 1
  store atomic ptr %s, ptr %stp release, align 8
  %jb = getelementptr i8, ptr %s, i64 {o("jmpbuf")}
  %again = call i32 @__sigsetjmp(ptr %jb, i32 1) returns_twice
  %first = icmp eq i32 %again, 0
  br i1 %first, label %run, label %faulted
run:
  %mxp = getelementptr i8, ptr %s, i64 {o("mxcsr")}
  call void @llvm.x86.sse.ldmxcsr(ptr %mxp)
  call {BLOCK_TYPE} @llemu_dispatch({BLOCK_ARGS})
  call void @llvm.x86.sse.stmxcsr(ptr %tmp)
  %mx.run = load i32, ptr %tmp
  br label %out
faulted:
  %fmxp = getelementptr i8, ptr %s, i64 {o("fault_mxcsr")}
  %mx.fault = load i32, ptr %fmxp
  br label %out
out:
  %mx = phi i32 [ %mx.run, %run ], [ %mx.fault, %faulted ]
{_fold_mxcsr_flags("mx", "fl")}
  %ffp = getelementptr i8, ptr %s, i64 {o("fflags")}
  %old = load i32, ptr %ffp
  %new = or i32 %old, %fl
  store i32 %new, ptr %ffp
  store i32 {MXCSR_DEFAULT}, ptr %tmp
  call void @llvm.x86.sse.ldmxcsr(ptr %tmp)
  store atomic ptr null, ptr %stp release, align 8
  %rp = getelementptr i8, ptr %s, i64 {o("exit_reason")}
  %r = load i32, ptr %rp
  ret i32 %r
}}

; SA_SIGINFO handler for SIGSEGV and SIGBUS (x86_64 siginfo/ucontext layout).
define void @llemu_fault_handler(i32 %sig, ptr %info, ptr %uc) {{
entry:
  %st = call ptr @llemu_my_state()
  %active = icmp ne ptr %st, null
  br i1 %active, label %check, label %foreign
check:
  %ap = getelementptr i8, ptr %info, i64 16
  %addr = load i64, ptr %ap
  %base = load i64, ptr @llemu_guest_base
  %off = sub i64 %addr, %base
  %inside = icmp ult i64 %off, {GUEST_SIZE}
  br i1 %inside, label %ours, label %foreign
ours:
  %isbus = icmp eq i32 %sig, {int(signal.SIGBUS)}
  %why = select i1 %isbus, i32 {int(R.BUS)}, i32 {int(R.SEGV)}
  %rp = getelementptr i8, ptr %st, i64 {o("exit_reason")}
  store i32 %why, ptr %rp
  %argp = getelementptr i8, ptr %st, i64 {o("exit_arg")}
  store i64 %off, ptr %argp
  %fpregsp = getelementptr i8, ptr %uc, i64 224
  %fpregs = load ptr, ptr %fpregsp
  %mxp = getelementptr i8, ptr %fpregs, i64 24
  %mx = load i32, ptr %mxp
  %fmxp = getelementptr i8, ptr %st, i64 {o("fault_mxcsr")}
  store i32 %mx, ptr %fmxp
  %jb = getelementptr i8, ptr %st, i64 {o("jmpbuf")}
  call void @siglongjmp(ptr %jb, i32 1)
  unreachable
foreign:
  %issegv = icmp eq i32 %sig, {int(signal.SIGSEGV)}
  %prev = select i1 %issegv, ptr @llemu_old_segv, ptr @llemu_old_bus
  %ignored = call i32 @sigaction(i32 %sig, ptr %prev, ptr null)
  ret void
}}

; Handler of host signals the guest wants: note the signal (and its si_code)
; and ask the running vCPU, if any, to come back to Python soon.
define void @llemu_async_handler(i32 %sig, ptr %info, ptr %uc) {{
entry:
  %cp = getelementptr i8, ptr %info, i64 8
  %code = load i32, ptr %cp
  %slot = getelementptr [65 x i32], ptr @llemu_sig_codes, i64 0, i32 %sig
  store i32 %code, ptr %slot
  %sig1 = sub i32 %sig, 1
  %sh = zext i32 %sig1 to i64
  %bit = shl i64 1, %sh
  %old = atomicrmw or ptr @llemu_sig_pending, i64 %bit seq_cst
  %st = call ptr @llemu_my_state()
  %active = icmp ne ptr %st, null
  br i1 %active, label %poke, label %done
poke:
  %rq = getelementptr i8, ptr %st, i64 {o("exit_request")}
  store volatile i32 1, ptr %rq
  br label %done
done:
  ret void
}}

; The state of the vCPU this thread is running in native code, or null.
define internal ptr @llemu_my_state() {{
entry:
  %me = call i64 @pthread_self()
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %next, %skip ]
  %tidp = getelementptr [{MAX_THREADS} x %thread_entry], ptr @llemu_threads, i64 0, i32 %i, i32 0
  %tid = load i64, ptr %tidp
  %stp = getelementptr [{MAX_THREADS} x %thread_entry], ptr @llemu_threads, i64 0, i32 %i, i32 1
  %st = load atomic ptr, ptr %stp acquire, align 8
  %mine = icmp eq i64 %tid, %me
  %live = icmp ne ptr %st, null
  %found = and i1 %mine, %live
  br i1 %found, label %out, label %skip
skip:
  %next = add i32 %i, 1
  %more = icmp ult i32 %next, {MAX_THREADS}
  br i1 %more, label %loop, label %none
out:
  ret ptr %st
none:
  ret ptr null
}}

; Calls into Python from compiled code without ctypes: take the GIL (cheap if
; this thread holds it), call fn with the integers as Python ints (and
; `extra`, if not null, last), drop the result. If fn raises: a plugin
; callback's exception (index >= 0) goes to the ERROR target with the index,
; which keeps it for the vCPU's run loop; anything else is a bug, printed.
define internal void @llemu_python(ptr %fn, ptr %extra, ptr %args, i64 %nargs, i64 %index) {{
entry:
  %et = alloca ptr
  %ev = alloca ptr
  %etb = alloca ptr
  %eslots = alloca [3 x ptr]
  %g = call i32 @PyGILState_Ensure()
  %slots = alloca [9 x ptr]
  %objs = getelementptr ptr, ptr %slots, i64 1   ; slot 0 free: PY_VECTORCALL_ARGUMENTS_OFFSET
  br label %box
box:
  %i = phi i64 [ 0, %entry ], [ %i1, %box ]
  %ap = getelementptr i64, ptr %args, i64 %i
  %a = load i64, ptr %ap
  %o = call ptr @PyLong_FromUnsignedLongLong(i64 %a)
  %op = getelementptr ptr, ptr %objs, i64 %i
  store ptr %o, ptr %op
  %i1 = add i64 %i, 1
  %more = icmp ult i64 %i1, %nargs
  br i1 %more, label %box, label %call
call:
  %xslot = getelementptr ptr, ptr %objs, i64 %nargs
  store ptr %extra, ptr %xslot
  %hasx = icmp ne ptr %extra, null
  %nx = zext i1 %hasx to i64
  %total = add i64 %nargs, %nx
  %nargsf = or i64 %total, {1 << 63}
  %r = call ptr @PyObject_Vectorcall(ptr %fn, ptr %objs, i64 %nargsf, ptr null)
  %failed = icmp eq ptr %r, null
  br i1 %failed, label %error, label %ok
error:
  %bug = icmp slt i64 %index, 0
  br i1 %bug, label %unreported, label %fetch
fetch:
  call void @PyErr_Fetch(ptr %et, ptr %ev, ptr %etb)
  call void @PyErr_NormalizeException(ptr %et, ptr %ev, ptr %etb)
  %t = load ptr, ptr %et
  %v = load ptr, ptr %ev
  %tb = load ptr, ptr %etb
  %hastb = icmp ne ptr %tb, null
  br i1 %hastb, label %settb, label %report
settb:
  %ignored = call i32 @PyException_SetTraceback(ptr %v, ptr %tb)
  br label %report
report:
  %ix = call ptr @PyLong_FromUnsignedLongLong(i64 %index)
  %eobjs = getelementptr ptr, ptr %eslots, i64 1
  store ptr %ix, ptr %eobjs
  %evp = getelementptr ptr, ptr %eslots, i64 2
  store ptr %v, ptr %evp
  %efnp = getelementptr [{PY_TARGETS} x ptr], ptr @llemu_py_targets, i64 0, i64 {PY_ERROR}
  %efn = load ptr, ptr %efnp
  %r2 = call ptr @PyObject_Vectorcall(ptr %efn, ptr %eobjs, i64 {2 | 1 << 63}, ptr null)
  call void @Py_DecRef(ptr %ix)
  call void @Py_DecRef(ptr %t)
  call void @Py_DecRef(ptr %v)
  call void @Py_DecRef(ptr %tb)
  %failed2 = icmp eq ptr %r2, null
  br i1 %failed2, label %unreported, label %reported
unreported:
  call void @PyErr_Print()
  br label %drop
reported:
  call void @Py_DecRef(ptr %r2)
  br label %drop
ok:
  call void @Py_DecRef(ptr %r)
  br label %drop
drop:
  %j = phi i64 [ 0, %unreported ], [ 0, %reported ], [ 0, %ok ], [ %j1, %drop ]
  %dp = getelementptr ptr, ptr %objs, i64 %j
  %d = load ptr, ptr %dp
  call void @Py_DecRef(ptr %d)
  %j1 = add i64 %j, 1
  %again = icmp ult i64 %j1, %nargs
  br i1 %again, label %drop, label %out
out:
  call void @PyGILState_Release(i32 %g)
  ret void
}}

; Target n of @llemu_py_targets (a trace buffer to empty).
define internal void @llemu_py_call(i64 %n, ptr %args, i64 %nargs) {{
  %tp = getelementptr [{PY_TARGETS} x ptr], ptr @llemu_py_targets, i64 0, i64 %n
  %fn = load ptr, ptr %tp
  call void @llemu_python(ptr %fn, ptr null, ptr %args, i64 %nargs, i64 -1)
  ret void
}}

{_py_call_n("llemu_py_call2", "llemu_py_call", 2)}

; Plugin callback `index` of @llemu_callbacks (CallbackTable), its userdata last.
define internal void @llemu_callback(i64 %index, ptr %args, i64 %nargs) {{
  %table = load ptr, ptr @llemu_callbacks
  %fnp = getelementptr {{ ptr, ptr }}, ptr %table, i64 %index, i32 0
  %fn = load ptr, ptr %fnp
  %udp = getelementptr {{ ptr, ptr }}, ptr %table, i64 %index, i32 1
  %ud = load ptr, ptr %udp
  call void @llemu_python(ptr %fn, ptr %ud, ptr %args, i64 %nargs, i64 %index)
  ret void
}}

{_py_call_n("llemu_callback1", "llemu_callback", 1)}
{_py_call_n("llemu_callback3", "llemu_callback", 3)}

declare i32 @PyGILState_Ensure()
declare void @PyGILState_Release(i32)
declare ptr @PyLong_FromUnsignedLongLong(i64)
declare ptr @PyObject_Vectorcall(ptr, ptr, i64, ptr)
declare void @Py_DecRef(ptr)
declare void @PyErr_Print()
declare void @PyErr_Fetch(ptr, ptr, ptr)
declare void @PyErr_NormalizeException(ptr, ptr, ptr)
declare i32 @PyException_SetTraceback(ptr, ptr)

; The host signals noted since the last call (bit n-1 for signal n).
define i64 @llemu_take_signals() {{
  %v = atomicrmw xchg ptr @llemu_sig_pending, i64 0 seq_cst
  ret i64 %v
}}

declare i64 @pthread_self()
declare i32 @__sigsetjmp(ptr, i32) returns_twice
declare void @siglongjmp(ptr, i32) noreturn
declare i32 @sigaction(i32, ptr, ptr)
declare void @llvm.x86.sse.ldmxcsr(ptr)
declare void @llvm.x86.sse.stmxcsr(ptr)
!0 = !{{!"branch_weights", i32 1000, i32 1}}
"""


RUN_FUNC = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p)     # releases the GIL
RUN_PYFUNC = ctypes.PYFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p)   # keeps it


def install_fault_handler(engine, guest_base: int) -> None:
    """Route host SIGSEGV/SIGBUS to the native handler, keeping the old actions for
    faults that are not the guest's."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    ctypes.c_uint64.from_address(engine.global_("llemu_guest_base")).value = guest_base
    handler = engine.function("llemu_fault_handler")
    for sig, old_name in ((signal.SIGSEGV, "llemu_old_segv"), (signal.SIGBUS, "llemu_old_bus")):
        new = (ctypes.c_uint8 * SIGACTION_SIZE)()
        ctypes.c_uint64.from_buffer(new, 0).value = handler
        ctypes.c_int32.from_buffer(new, 136).value = SA_SIGINFO
        old = engine.global_(old_name)
        if libc.sigaction(int(sig), ctypes.byref(new), ctypes.c_void_p(old)) != 0:
            raise OSError(ctypes.get_errno(), "sigaction")


class HostSignals:
    """Host signals the guest has handlers for, caught natively (see
    llemu_async_handler) so that a vCPU running compiled code notices them."""

    def __init__(self, engine):
        self.handler = engine.function("llemu_async_handler")
        self._take = ctypes.CFUNCTYPE(ctypes.c_uint64)(engine.function("llemu_take_signals"))
        self.codes = (ctypes.c_int32 * 65).from_address(engine.global_("llemu_sig_codes"))
        self.pending = ctypes.c_uint64.from_address(engine.global_("llemu_sig_pending"))
        self._libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)

    def take(self) -> list[tuple[int, int]]:
        """(signal, si_code) of each host signal noted since the last call."""
        bits = self._take()
        return [(n, self.codes[n]) for n in range(1, 65) if bits >> (n - 1) & 1]

    def catch(self, sig: int, restart: bool) -> None:
        """Route host signal `sig` to the native handler."""
        new = (ctypes.c_uint8 * SIGACTION_SIZE)()
        ctypes.c_uint64.from_buffer(new, 0).value = self.handler
        ctypes.c_int32.from_buffer(new, 136).value = SA_SIGINFO | (SA_RESTART if restart else 0)
        self._libc.sigaction(sig, ctypes.byref(new), None)

    def release(self, sig: int, ignore: bool) -> None:
        """Give host signal `sig` back its default action (or ignore it)."""
        new = (ctypes.c_uint8 * SIGACTION_SIZE)()
        ctypes.c_uint64.from_buffer(new, 0).value = 1 if ignore else 0
        self._libc.sigaction(sig, ctypes.byref(new), None)


def python_api_symbols() -> None:
    """Make the CPython API functions the runtime calls known to LLVM's linker
    (whether the interpreter exports them or a libpython does)."""
    import llvmlite.binding as llvm
    for name in ("PyGILState_Ensure", "PyGILState_Release", "PyLong_FromUnsignedLongLong",
                 "PyObject_Vectorcall", "Py_DecRef", "PyErr_Print", "PyErr_Fetch",
                 "PyErr_NormalizeException", "PyException_SetTraceback"):
        llvm.add_symbol(name, ctypes.cast(getattr(ctypes.pythonapi, name), ctypes.c_void_p).value)


class CallbackTable:
    """The plugin callbacks compiled code calls by index (llemu_callback1/3):
    their functions and userdata, in a native array that grows by copying
    (old arrays are kept: a vCPU thread may still be reading one)."""

    def __init__(self, engine):
        self.cell = ctypes.c_void_p.from_address(engine.global_("llemu_callbacks"))
        self.keep: list[tuple[object, object]] = []
        self.arrays: list[ctypes.Array] = []
        self._grow(64)

    def _grow(self, capacity: int) -> None:
        array = (ctypes.c_void_p * (2 * capacity))()
        if self.arrays:
            old = self.arrays[-1]
            ctypes.memmove(array, old, ctypes.sizeof(old))
        self.arrays.append(array)
        self.cell.value = ctypes.addressof(array)

    def set(self, index: int, fn: object, userdata: object) -> None:
        """Callback `index` calls fn(*ints, userdata) from now on."""
        while 2 * index + 1 >= len(self.arrays[-1]):
            self._grow(len(self.arrays[-1]))
        while len(self.keep) <= index:
            self.keep.append((None, None))
        self.keep[index] = (fn, userdata)      # the array holds no references of its own
        array = self.arrays[-1]
        array[2 * index], array[2 * index + 1] = id(fn), id(userdata)


class PyTargets:
    """The Python callables compiled code reaches through llemu_py_call2 and,
    for a callback that raised, llemu_callback (slots TRACE and ERROR)."""

    def __init__(self, engine):
        self.slots = (ctypes.c_void_p * PY_TARGETS).from_address(engine.global_("llemu_py_targets"))
        self.keep: list[object] = [None] * PY_TARGETS

    def set(self, n: int, fn: object) -> None:
        self.keep[n] = fn                   # the table holds no reference of its own
        self.slots[n] = id(fn)


class TcEntry(ctypes.Structure):
    _fields_ = [("pc", ctypes.c_uint64), ("fn", ctypes.c_void_p)]


class IcEntry(ctypes.Structure):
    """An indirect jump's inline cache (IC_TYPE)."""
    _fields_ = [("pc", ctypes.c_uint64), ("fn", ctypes.c_void_p)]

    def reset(self, dispatcher: int) -> None:
        """Target first: a jump reading concurrently goes to the dispatcher."""
        self.fn = dispatcher
        self.pc = IC_EMPTY


class NativeTable:
    """Python's view of the native direct-mapped (pc -> function) table."""

    def __init__(self, address: int):
        self.entries = (TcEntry * TC_SIZE).from_address(address)
        self.address = address
        self.empty = bytes(TcEntry(TC_EMPTY, None)) * TC_SIZE
        self.clear()

    @staticmethod
    def index(pc: int) -> int:
        return (pc >> 1) & (TC_SIZE - 1)

    def install(self, pc: int, fn: int) -> None:
        """Key last: a dispatcher reading concurrently sees a miss, never a torn entry."""
        e = self.entries[self.index(pc)]
        e.pc = TC_EMPTY
        e.fn = fn
        e.pc = pc

    def clear(self) -> None:
        ctypes.memmove(self.address, self.empty, len(self.empty))

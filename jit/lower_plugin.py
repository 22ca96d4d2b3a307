"""Lowering of the plugin ops: callbacks into Python and inline scoreboard ops.

An inline op works on the running vCPU's element of a scoreboard:
entry + cpu_index * stride, a constant address (scoreboards never move).
A callback stores the pc first, so R_REGS callbacks see an exact state
(registers are written through already, and the FP flags the host FPU
collected are folded into fflags); RW_REGS callbacks may change
registers, so cached values are dropped after them and the host rounding
mode follows frm again; after any callback, a pc moved by
qemu_plugin_set_pc (or an error) leaves the block at once.
"""
from __future__ import annotations

from emu import state as st
from emu.state import NO_CALLBACK
from jit.ir import Op, to_signed
from jit.dispatch import PY_TRACE
from jit.lower import EXTRA, PLUGIN_DATA, PLUGIN_DATA_ACCESS, BlockLowering
from jit.lower_fp import fold_host_flags

R = st.ExitReason
R_REGS, RW_REGS = 1, 2
DESCRIPTOR_SIZE = 24        # plugin_api.trace.Descriptor: base, pos, cap
INLINE_ADD, INLINE_STORE = 0, 1
# QEMU's qemu_plugin_cond values -> icmp predicates (unsigned, as QEMU compares u64)
CONDS = {2: "eq", 3: "ne", 4: "ult", 5: "ule", 6: "ugt", 7: "uge"}


def entry_ptr(L: BlockLowering, entry: int, stride: int) -> str:
    """Address of the running vCPU's element of a scoreboard entry (a constant
    while vCPU 0 is the only one)."""
    if L.single_cpu:
        return f"inttoptr (i64 {entry} to ptr)"
    idx = L.load_field("cpu_index")
    off = L.fresh()
    L.emit(f"{off} = mul i64 {idx}, {stride}")
    addr = L.fresh()
    L.emit(f"{addr} = add i64 {off}, {entry}")
    p = L.fresh()
    L.emit(f"{p} = inttoptr i64 {addr} to ptr")
    return p


def guarded(L: BlockLowering, guard: str, body) -> None:
    """Emit body() under `if guard != 0` (no branch for a constant guard)."""
    if guard.lstrip("-").isdigit():
        if int(guard):
            body()
        return
    c = L.fresh()
    L.emit(f"{c} = icmp ne i64 {guard}, 0")
    yes, done = L.label("plugin_on"), L.label("plugin_done")
    L.emit(f"br i1 {c}, label %{yes}, label %{done}")
    before = dict(L.cache)
    L.start(yes)
    body()
    after = dict(L.cache)
    L.emit(f"br label %{done}")
    L.start(done)
    L.merge_cache(before, after)


def reload_rounding(L: BlockLowering) -> None:
    """The host MXCSR from state.mxcsr, which follows frm (a callback may have
    written frm or fcsr)."""
    mx = L.fresh()
    L.emit(f"{mx} = trunc i64 {L.load_field('mxcsr')} to i32")
    L.emit(f"store i32 {mx}, ptr %mx.tmp")
    L.emit("call void @llvm.x86.sse.ldmxcsr(ptr %mx.tmp)")


def call(L: BlockLowering, index: int, flags: int, pc: int, args: list[str]) -> None:
    """Call plugin callback `index` with the vCPU index and `args` (then its
    userdata), straight through the CPython API (llemu_callback in
    dispatch.py); state.cb_flags tells the register API what it may do."""
    if flags >= R_REGS:
        fold_host_flags(L)
    L.emit(f"store i64 {to_signed(pc)}, ptr {L.field_ptr('pc')}")
    L.emit(f"store i32 {flags}, ptr {L.field_ptr('cb_flags')}")
    L.pc_saved = pc
    values = [L.load_field("cpu_index")] + args
    fn = f"llemu_callback{len(values)}"
    L.intrinsic(f"declare void @{fn}(i64{', i64' * len(values)})")
    L.python_fp_env(lambda: L.emit(f"call void @{fn}(i64 {index}, "
                                   + ", ".join(f"i64 {v}" for v in values) + ")"))
    L.emit(f"store i32 {NO_CALLBACK}, ptr {L.field_ptr('cb_flags')}")
    L.forget_plugin_data()
    if flags >= RW_REGS:
        L.forget_state()
        reload_rounding(L)
    # set_pc, a stop or an error in the callback: leave the block at once
    moved = L.fresh()
    L.emit(f"{moved} = load i32, ptr {L.field_ptr('redirect')}")
    stay = L.fresh()
    L.emit(f"{stay} = icmp eq i32 {moved}, 0")
    go_on, leave = L.label("stay"), L.label("redirected")
    L.cold_branch(stay, go_on, leave)
    L.start(leave)
    L.emit(f"store i32 0, ptr {L.field_ptr('redirect')}")
    L.emit(f"store i32 {int(R.REQUEST)}, ptr {L.field_ptr('exit_reason')}")
    L.emit("ret void")
    L.start(go_on)
    L.pc_saved = None


def lower_cb(L: BlockLowering, op: Op) -> None:
    index, flags, pc = op.args
    call(L, index, flags, pc, [])


def entry_value(L: BlockLowering, entry: int, stride: int) -> str:
    """The running vCPU's element of a scoreboard entry (remembered while vCPU 0 is alone)."""
    if L.single_cpu:
        return L.load_plugin_data(entry)
    v = L.fresh()
    L.emit(f"{v} = load i64, ptr {entry_ptr(L, entry, stride)}{PLUGIN_DATA_ACCESS}")
    return v


def lower_cond_cb(L: BlockLowering, op: Op) -> None:
    index, flags, pc, cond, entry, stride, imm = op.args
    v = entry_value(L, entry, stride)
    hit = L.fresh()
    L.emit(f"{hit} = icmp {CONDS[cond]} i64 {v}, {to_signed(imm)}")
    flag = L.fresh()
    L.emit(f"{flag} = zext i1 {hit} to i64")
    guarded(L, flag, lambda: call(L, index, flags, pc, []))


def lower_inline(L: BlockLowering, op: Op) -> None:
    guard, kind, entry, stride, imm = op.args

    def body() -> None:
        if kind == INLINE_STORE:
            new = str(to_signed(imm))
        else:
            old, new = entry_value(L, entry, stride), L.fresh()
            L.emit(f"{new} = add i64 {old}, {to_signed(imm)}")
        L.emit(f"store i64 {new}, ptr {entry_ptr(L, entry, stride)}{PLUGIN_DATA_ACCESS}")
        if L.single_cpu:
            L.cache[(PLUGIN_DATA, entry)] = new
    guarded(L, L.val(guard), body)


def lower_mem_cb(L: BlockLowering, op: Op) -> None:
    vaddr, value, guard, index, flags, info, pc = op.args

    def body() -> None:
        L.emit(f"store i64 {L.val(value)}, ptr {L.field_ptr('mem_value')}")
        call(L, index, flags, pc, [str(info), L.val(vaddr)])
    guarded(L, L.val(guard), body)


def lower_trace(L: BlockLowering, op: Op) -> None:
    """Append a record to the running vCPU's trace buffer; a full (or not yet
    made) buffer goes to Python first, which delivers it and starts over."""
    a, b, guard, buffer, descriptors, size, info = op.args

    def body() -> None:
        L.forget_plugin_data()                  # the cold path below calls Python
        vcpu = L.load_field("cpu_index")        # before the branch: the cold path uses it too
        d = entry_ptr(L, descriptors, DESCRIPTOR_SIZE)
        pos_p, cap_p = L.fresh(), L.fresh()
        L.emit(f"{pos_p} = getelementptr i8, ptr {d}, i64 8")
        L.emit(f"{cap_p} = getelementptr i8, ptr {d}, i64 16")
        pos, cap = L.fresh(), L.fresh()
        L.emit(f"{pos} = load i64, ptr {pos_p}")
        L.emit(f"{cap} = load i64, ptr {cap_p}")
        room = L.fresh()
        L.emit(f"{room} = icmp ult i64 {pos}, {cap}")
        full, write = L.label("trace_full"), L.label("trace_write")
        L.cold_branch(room, write, full)
        L.start(full)
        L.python_fp_env(lambda: L.emit(f"call void @llemu_py_call2(i64 {PY_TRACE}, i64 {buffer}, i64 {vcpu})"))
        L.intrinsic("declare void @llemu_py_call2(i64, i64, i64)")
        L.emit(f"br label %{write}")
        L.start(write)
        at, base, off, rec = L.fresh(), L.fresh(), L.fresh(), L.fresh()
        L.emit(f"{at} = load i64, ptr {pos_p}")
        L.emit(f"{base} = load ptr, ptr {d}")
        L.emit(f"{off} = mul i64 {at}, {size}")
        L.emit(f"{rec} = getelementptr i8, ptr {base}, i64 {off}")
        L.emit(f"store i64 {L.val(a)}, ptr {rec}")
        if size > 8:            # a memory record: value (the access's bits only), then info
            value = L.val(b)
            width = info & 0xFF
            if width < 8:
                masked = L.fresh()
                L.emit(f"{masked} = and i64 {value}, {(1 << (8 * width)) - 1}")
                value = masked
            second, third = L.fresh(), L.fresh()
            L.emit(f"{second} = getelementptr i8, ptr {rec}, i64 8")
            L.emit(f"store i64 {value}, ptr {second}")
            L.emit(f"{third} = getelementptr i8, ptr {rec}, i64 16")
            L.emit(f"store i32 {info}, ptr {third}")
        nxt = L.fresh()
        L.emit(f"{nxt} = add i64 {at}, 1")
        L.emit(f"store i64 {nxt}, ptr {pos_p}")
    guarded(L, L.val(guard), body)


EXTRA.update({"plugin_trace": lower_trace,"plugin_cb": lower_cb, "plugin_cond_cb": lower_cond_cb,
              "plugin_inline": lower_inline, "plugin_mem_cb": lower_mem_cb})

"""Lowering: llemu IR blocks -> LLVM IR text, from one template per op.

Each block becomes a `fastcc` function of (state, guest_base).
Guest registers are written through to the state at once and read back from
SSA values while the block runs, so the state is exact at every exit and a
fault needs only the pc. Guest memory is `getelementptr i8, %m, addr`,
checked by the host MMU (see dispatch.py); out-of-range addresses are
clamped onto the last page, which is never mapped, so no guest address
reaches host memory outside the reservation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from emu import state as st
from emu.memory import LAST_PAGE, PAGE_SHIFT
from jit.dispatch import BLOCK_ARGS, BLOCK_TYPE, HELPER_SLOTS, IC_EMPTY, IC_TYPE
from jit.ir import Block, Op, Temp, to_signed

R = st.ExitReason
COLD, HOT, FINAL = 0, 1, 2   # tiers: compiled fast; optimized; optimized again, grown (see jit/cache.py)
GUARD_ADDR = LAST_PAGE << PAGE_SHIFT     # first byte of the never-mapped last page
INT_TYPES = {1: "i8", 2: "i16", 4: "i32", 8: "i64"}
ICMP = {"eq": "eq", "ne": "ne", "lt": "slt", "ge": "sge", "ltu": "ult", "geu": "uge"}
INTRINSICS = {
    "umin": "declare i64 @llvm.umin.i64(i64, i64)",
    "smin": "declare i64 @llvm.smin.i64(i64, i64)", "smax": "declare i64 @llvm.smax.i64(i64, i64)",
    "umax": "declare i64 @llvm.umax.i64(i64, i64)",
    "fshl": "declare i64 @llvm.fshl.i64(i64, i64, i64)", "fshr": "declare i64 @llvm.fshr.i64(i64, i64, i64)",
    "ctlz": "declare i64 @llvm.ctlz.i64(i64, i1)", "cttz": "declare i64 @llvm.cttz.i64(i64, i1)",
    "ctpop": "declare i64 @llvm.ctpop.i64(i64)", "bswap": "declare i64 @llvm.bswap.i64(i64)",
    "pclmul": "declare <2 x i64> @llvm.x86.pclmulqdq(<2 x i64>, <2 x i64>, i8)",
    "ldmxcsr": "declare void @llvm.x86.sse.ldmxcsr(ptr)",
    "stmxcsr": "declare void @llvm.x86.sse.stmxcsr(ptr)",
}
# Scoped alias metadata: the vCPU state and plugin data (scoreboards) never
# overlap, so LLVM may keep a counter in a register across register stores
# in hot loops. Guest accesses carry none: they may fault, and a fault must
# see every store before it, so nothing may move across them.
STATE_ACCESS = ", !alias.scope !3, !noalias !4"
PLUGIN_DATA_ACCESS = ", !alias.scope !4, !noalias !3"
PLUGIN_DATA = "sb"          # cache key of a scoreboard element: (PLUGIN_DATA, address)
ALIAS_METADATA = ['!2 = distinct !{!2, !"llemu"}', '!5 = distinct !{!5, !2, !"state"}',
                  '!6 = distinct !{!6, !2, !"plugin data"}', '!3 = !{!5}', '!4 = !{!6}']
# Extra lowering for op families defined elsewhere (floating point).
EXTRA: dict[str, Callable[["BlockLowering", Op], None]] = {}


class BlockLowering:
    """Lowers one Block to LLVM IR lines: a labelled part of its module's function.

    Every name it makes starts with `prefix`, so blocks share a function."""

    def __init__(self, block: Block, region: str, prefix: str, options: Options):
        self.block = block
        self.region = region
        self.prefix = prefix
        self.nochain = options.nochain
        self.count_insns = options.count_insns
        self.single_cpu = options.single_cpu
        self.heat = options.heat if options.tier == COLD else 0     # loops count only in cold code
        self.local: dict[int, str] = {}   # pc -> entry label, for the blocks of this region
        self.lines: list[str] = []
        self.slots: list[str] = []
        self.ics: list[str] = []          # inline caches of this block's indirect jumps
        # Hot regions: guest registers travel between the region's blocks as SSA
        # values (phis at each block's entry), fed by `edges`.
        self.carried: list[tuple[str, int]] = []
        self.edges: dict[int, list[tuple[str, dict]]] = {}   # target pc -> (from label, values)
        self.return_sites: list[int] = []   # local pcs an indirect jump tries first (hot)
        self.intrinsics: set[str] = set()
        self.cache: dict[tuple[str, int], str] = {}
        self.pc = block.pc
        self.n = 0
        self.current = ""
        self.pc_saved: int | None = None   # guest pc last stored to the state in this basic block
        self.values: dict[int, str] = {}
        self.uses_fp_env = False        # needs strictfp and the MXCSR scratch slots

    # ---- small emitters -------------------------------------------------
    def fresh(self, stem: str = "v") -> str:
        self.n += 1
        return f"%{self.prefix}{stem}{self.n}"

    def label(self, stem: str = "L") -> str:
        self.n += 1
        return f"{self.prefix}{stem}{self.n}"

    @property
    def entry(self) -> str:
        return f"{self.prefix}entry"

    def emit(self, line: str) -> None:
        self.lines.append("  " + line)

    def start(self, label: str) -> None:
        self.lines.append(f"{label}:")
        self.current = label
        self.pc_saved = None

    def val(self, v: object) -> str:
        if isinstance(v, Temp):
            return self.values[v.id]
        return str(to_signed(v))

    def define(self, op: Op, expr: str) -> None:
        """The op's result is the LLVM expression `expr`."""
        name = f"%{self.prefix}t{op.dst.id}"
        self.emit(f"{name} = {expr}")
        self.values[op.dst.id] = name

    def alias(self, op: Op, value: str) -> None:
        """The op's result is an existing LLVM value (no instruction emitted)."""
        self.values[op.dst.id] = value

    def intrinsic(self, key: str) -> None:
        """Declare an intrinsic: a key of INTRINSICS or a whole `declare` line."""
        self.intrinsics.add(INTRINSICS.get(key, key))
        if "constrained" in key or "mxcsr" in key:
            self.uses_fp_env = True

    def add_const(self, value: str, k: int) -> str:
        r = self.fresh()
        self.emit(f"{r} = add i64 {value}, {k}")
        return r

    def field_ptr(self, field: str, index: int = 0) -> str:
        p = self.fresh("fp")
        self.emit(f"{p} = getelementptr i8, ptr %s, i64 {st.offset(field, index)}")
        return p

    def load_field(self, field: str, index: int = 0) -> str:
        """An i64 value of a state field (narrow fields zero-extended)."""
        key = (field, index)
        if key in self.cache:
            return self.cache[key]
        bits = st.width(field)
        p = self.field_ptr(field, index)
        v = self.fresh()
        self.emit(f"{v} = load i{bits}, ptr {p}{STATE_ACCESS}")
        if bits < 64:
            w = self.fresh()
            self.emit(f"{w} = zext i{bits} {v} to i64")
            v = w
        self.cache[key] = v
        return v

    def load_plugin_data(self, entry: int) -> str:
        """The i64 at `entry` (vCPU 0's scoreboard element), remembered like a
        register: inline ops then add in registers and write through, so a
        hot loop carries no dependency through memory."""
        key = (PLUGIN_DATA, entry)
        if key not in self.cache:
            v = self.fresh()
            self.emit(f"{v} = load i64, ptr inttoptr (i64 {entry} to ptr){PLUGIN_DATA_ACCESS}")
            self.cache[key] = v
        return self.cache[key]

    def load_cached(self, key: tuple[str, int]) -> str:
        """A carried value: a state field or an element of plugin data."""
        return self.load_plugin_data(key[1]) if key[0] == PLUGIN_DATA else self.load_field(*key)

    def forget_plugin_data(self) -> None:
        """After a call into Python, which may change scoreboards."""
        self.cache = {k: v for k, v in self.cache.items() if k[0] != PLUGIN_DATA}

    def store_field(self, field: str, value: str, index: int = 0) -> None:
        bits = st.width(field)
        p = self.field_ptr(field, index)
        if bits < 64:
            t = self.fresh()
            self.emit(f"{t} = trunc i64 {value} to i{bits}")
            self.emit(f"store i{bits} {t}, ptr {p}{STATE_ACCESS}")
        else:
            self.emit(f"store i64 {value}, ptr {p}{STATE_ACCESS}")
        self.cache[(field, index)] = value

    def forget_state(self) -> None:
        """After a call that may change the state, re-read registers from memory."""
        self.cache.clear()

    def merge_cache(self, before: dict, *ends: dict) -> None:
        """After control flow rejoins: keep only cached values valid on every path."""
        self.cache = {k: v for k, v in before.items() if all(e.get(k) == v for e in ends)}

    def exit_to_python(self, reason: int | str, pc: int | str, arg: str | None = None) -> None:
        """Store pc (and detail), set exit_reason, return to the run loop."""
        self.emit(f"store i64 {pc}, ptr {self.field_ptr('pc')}")
        if arg is not None:
            self.emit(f"store i64 {arg}, ptr {self.field_ptr('exit_arg')}")
        self.emit(f"store i32 {int(reason) if isinstance(reason, int) else reason}, "
                  f"ptr {self.field_ptr('exit_reason')}")
        self.emit("ret void")

    def cold_branch(self, ok: str, then: str, other: str) -> None:
        self.emit(f"br i1 {ok}, label %{then}, label %{other}, !prof !0")

    # ---- guest memory ---------------------------------------------------
    def guest_ptr(self, addr: str, size: int, align_exit: bool = False) -> str:
        """The host pointer for a guest access; the host MMU checks it (see dispatch.py).

        The pc is stored first so a fault knows its instruction. Addresses past
        the guest range are clamped into its last page, which is never mapped."""
        if align_exit:
            mis = self.fresh()
            self.emit(f"{mis} = and i64 {addr}, {size - 1}")
            al = self.fresh()
            self.emit(f"{al} = icmp eq i64 {mis}, 0")
            ok_l, bad_l = self.label("aligned"), self.label("misaligned")
            self.cold_branch(al, ok_l, bad_l)
            self.start(bad_l)
            self.exit_to_python(R.BUS, self.pc, addr)
            self.start(ok_l)
        if self.pc_saved != self.pc:
            self.emit(f"store i64 {to_signed(self.pc)}, ptr {self.field_ptr('pc')}")
            self.pc_saved = self.pc
        self.intrinsic("umin")
        clamped = self.fresh()
        self.emit(f"{clamped} = call i64 @llvm.umin.i64(i64 {addr}, i64 {GUARD_ADDR})")
        hp = self.fresh("hp")
        self.emit(f"{hp} = getelementptr i8, ptr %m, i64 {clamped}")
        return hp

    # ---- ops ------------------------------------------------------------
    def lower(self) -> str:
        b = self.block
        self.start(self.entry)
        if self.carried:
            self.lines.append(phi_placeholder(self.prefix))
            self.cache = {key: carried_name(self.prefix, key) for key in self.carried}
        if self.count_insns:
            n = self.load_field("insn_count")
            self.store_field("insn_count", f"{self.add_const(n, b.n_insns)}")
        for op in b.ops:
            extra = EXTRA.get(op.name)
            if extra is not None:
                extra(self, op)
            else:
                getattr(self, "op_" + op.name)(op)
        return "\n".join(self.lines)

    def op_insn_start(self, op: Op) -> None:
        self.pc = op.args[0]

    def op_mov(self, op: Op) -> None:
        self.alias(op, self.val(op.args[0]))

    def _binary(self, op: Op, instr: str) -> None:
        a, b = op.args
        self.define(op, f"{instr} i64 {self.val(a)}, {self.val(b)}")

    def op_add(self, op): self._binary(op, "add")
    def op_sub(self, op): self._binary(op, "sub")
    def op_mul(self, op): self._binary(op, "mul")
    def op_and(self, op): self._binary(op, "and")
    def op_or(self, op): self._binary(op, "or")
    def op_xor(self, op): self._binary(op, "xor")

    def _shift(self, op: Op, instr: str) -> None:
        a, b = op.args
        if isinstance(b, int):
            amount = str(b & 63)
        else:
            amount = self.fresh()
            self.emit(f"{amount} = and i64 {self.val(b)}, 63")
        self.define(op, f"{instr} i64 {self.val(a)}, {amount}")

    def op_shl(self, op): self._shift(op, "shl")
    def op_shr(self, op): self._shift(op, "lshr")
    def op_sar(self, op): self._shift(op, "ashr")

    def op_rotl(self, op): self._funnel(op, "fshl")
    def op_rotr(self, op): self._funnel(op, "fshr")

    def _funnel(self, op: Op, fn: str) -> None:
        self.intrinsic(fn)
        a, b = (self.val(x) for x in op.args)
        self.define(op, f"call i64 @llvm.{fn}.i64(i64 {a}, i64 {a}, i64 {b})")

    def _mulhigh(self, op: Op, ext_a: str, ext_b: str) -> None:
        a, b = (self.val(x) for x in op.args)
        wa, wb, p, h = self.fresh(), self.fresh(), self.fresh(), self.fresh()
        self.emit(f"{wa} = {ext_a} i64 {a} to i128")
        self.emit(f"{wb} = {ext_b} i64 {b} to i128")
        self.emit(f"{p} = mul i128 {wa}, {wb}")
        self.emit(f"{h} = lshr i128 {p}, 64")
        self.define(op, f"trunc i128 {h} to i64")

    def op_mulh(self, op): self._mulhigh(op, "sext", "sext")
    def op_mulhu(self, op): self._mulhigh(op, "zext", "zext")
    def op_mulhsu(self, op): self._mulhigh(op, "sext", "zext")

    def _divide(self, op: Op, instr: str, signed: bool, on_zero: str | None) -> None:
        """RISC-V division: no traps; x/0 and MIN/-1 have defined results."""
        a, b = (self.val(x) for x in op.args)
        zero = self.fresh()
        self.emit(f"{zero} = icmp eq i64 {b}, 0")
        bad = zero
        if signed:
            amin, bneg, ovf = self.fresh(), self.fresh(), self.fresh()
            self.emit(f"{amin} = icmp eq i64 {a}, {-(1 << 63)}")
            self.emit(f"{bneg} = icmp eq i64 {b}, -1")
            self.emit(f"{ovf} = and i1 {amin}, {bneg}")
            bad = self.fresh()
            self.emit(f"{bad} = or i1 {zero}, {ovf}")
        safe, r = self.fresh(), self.fresh()
        self.emit(f"{safe} = select i1 {bad}, i64 1, i64 {b}")
        self.emit(f"{r} = {instr} i64 {a}, {safe}")
        if instr == "sdiv":                       # MIN / -1 -> MIN (a / 1)
            fix = self.fresh()
            self.emit(f"{fix} = select i1 {ovf}, i64 {a}, i64 {r}")
            r = fix
        self.define(op, f"select i1 {zero}, i64 {on_zero or a}, i64 {r}")

    def op_div(self, op): self._divide(op, "sdiv", True, "-1")
    def op_divu(self, op): self._divide(op, "udiv", False, "-1")
    def op_rem(self, op): self._divide(op, "srem", True, None)
    def op_remu(self, op): self._divide(op, "urem", False, None)

    def _compare(self, op: Op, cond: str) -> None:
        c = self.fresh()
        self.emit(f"{c} = icmp {cond} i64 {self.val(op.args[0])}, {self.val(op.args[1])}")
        self.define(op, f"zext i1 {c} to i64")

    def op_eq(self, op): self._compare(op, "eq")
    def op_ne(self, op): self._compare(op, "ne")
    def op_lt(self, op): self._compare(op, "slt")
    def op_ge(self, op): self._compare(op, "sge")
    def op_ltu(self, op): self._compare(op, "ult")
    def op_geu(self, op): self._compare(op, "uge")

    def _minmax(self, op: Op, fn: str) -> None:
        self.intrinsic(fn)
        a, b = (self.val(x) for x in op.args)
        self.define(op, f"call i64 @llvm.{fn}.i64(i64 {a}, i64 {b})")

    def op_min(self, op): self._minmax(op, "smin")
    def op_max(self, op): self._minmax(op, "smax")
    def op_minu(self, op): self._minmax(op, "umin")
    def op_maxu(self, op): self._minmax(op, "umax")

    def op_select(self, op: Op) -> None:
        c, a, b = (self.val(x) for x in op.args)
        t = self.fresh()
        self.emit(f"{t} = icmp ne i64 {c}, 0")
        self.define(op, f"select i1 {t}, i64 {a}, i64 {b}")

    def op_sext(self, op: Op) -> None:
        a, bits = op.args
        t = self.fresh()
        self.emit(f"{t} = trunc i64 {self.val(a)} to i{bits}")
        self.define(op, f"sext i{bits} {t} to i64")

    def op_zext(self, op: Op) -> None:
        a, bits = op.args
        self.define(op, f"and i64 {self.val(a)}, {to_signed((1 << bits) - 1)}")

    def _unary(self, op: Op, fn: str, extra: str = "") -> None:
        self.intrinsic(fn)
        self.define(op, f"call i64 @llvm.{fn}.i64(i64 {self.val(op.args[0])}{extra})")

    def op_clz(self, op): self._unary(op, "ctlz", ", i1 false")
    def op_ctz(self, op): self._unary(op, "cttz", ", i1 false")
    def op_cpop(self, op): self._unary(op, "ctpop")
    def op_bswap(self, op): self._unary(op, "bswap")

    def op_orcb(self, op: Op) -> None:
        a = self.val(op.args[0])
        low7 = 0x7F7F7F7F7F7F7F7F
        t1, t2, t3, t4, t5 = (self.fresh() for _ in range(5))
        self.emit(f"{t1} = and i64 {a}, {low7}")
        self.emit(f"{t2} = add i64 {t1}, {low7}")
        self.emit(f"{t3} = or i64 {t2}, {a}")
        self.emit(f"{t4} = and i64 {t3}, {to_signed(0x8080808080808080)}")
        self.emit(f"{t5} = lshr i64 {t4}, 7")
        self.define(op, f"mul i64 {t5}, 255")

    def _clmul128(self, op: Op) -> tuple[str, str]:
        self.intrinsic("pclmul")
        a, b = (self.val(x) for x in op.args)
        va, vb, prod, lo, hi = (self.fresh() for _ in range(5))
        self.emit(f"{va} = insertelement <2 x i64> zeroinitializer, i64 {a}, i32 0")
        self.emit(f"{vb} = insertelement <2 x i64> zeroinitializer, i64 {b}, i32 0")
        self.emit(f"{prod} = call <2 x i64> @llvm.x86.pclmulqdq(<2 x i64> {va}, <2 x i64> {vb}, i8 0)")
        self.emit(f"{lo} = extractelement <2 x i64> {prod}, i32 0")
        self.emit(f"{hi} = extractelement <2 x i64> {prod}, i32 1")
        return lo, hi

    def op_clmul(self, op): self.alias(op, self._clmul128(op)[0])
    def op_clmulh(self, op): self.alias(op, self._clmul128(op)[1])

    def op_clmulr(self, op: Op) -> None:
        lo, hi = self._clmul128(op)
        self.define(op, f"call i64 @llvm.fshl.i64(i64 {hi}, i64 {lo}, i64 1)")
        self.intrinsic("fshl")

    def op_get(self, op: Op) -> None:
        field, index = op.args
        self.alias(op, self.load_field(field, index))

    def op_set(self, op: Op) -> None:
        v, field, index = op.args
        self.store_field(field, self.val(v), index)

    # guest memory
    def op_load(self, op: Op) -> None:
        addr, size, signed = op.args
        hp = self.guest_ptr(self.val(addr), size)
        ty = INT_TYPES[size]
        if size == 8:
            self.define(op, f"load i64, ptr {hp}, align 1")
            return
        v = self.fresh()
        self.emit(f"{v} = load {ty}, ptr {hp}, align 1")
        self.define(op, f"{'sext' if signed else 'zext'} {ty} {v} to i64")

    def op_store(self, op: Op) -> None:
        addr, value, size = op.args
        hp = self.guest_ptr(self.val(addr), size)
        v = self.val(value)
        ty = INT_TYPES[size]
        if size < 8:
            t = self.fresh()
            self.emit(f"{t} = trunc i64 {v} to {ty}")
            v = t
        self.emit(f"store {ty} {v}, ptr {hp}, align 1")

    AMO = {"swap": "xchg", "add": "add", "xor": "xor", "and": "and", "or": "or",
           "min": "min", "max": "max", "minu": "umin", "maxu": "umax"}

    def op_amo(self, op: Op) -> None:
        addr, value, kind, size = op.args
        hp = self.guest_ptr(self.val(addr), size, align_exit=True)
        ty = INT_TYPES[size]
        v = self.val(value)
        if size < 8:
            t = self.fresh()
            self.emit(f"{t} = trunc i64 {v} to {ty}")
            v = t
        old = self.fresh()
        self.emit(f"{old} = atomicrmw {self.AMO[kind]} ptr {hp}, {ty} {v} seq_cst")
        if size < 8:
            self.define(op, f"sext {ty} {old} to i64")
        else:
            self.alias(op, old)

    def op_lr(self, op: Op) -> None:
        addr, size = op.args
        a = self.val(addr)
        hp = self.guest_ptr(a, size, align_exit=True)
        ty = INT_TYPES[size]
        raw = self.fresh()
        self.emit(f"{raw} = load atomic {ty}, ptr {hp} seq_cst, align {size}")
        if size < 8:
            self.define(op, f"sext {ty} {raw} to i64")
        else:
            self.alias(op, raw)
        self.store_field("res_addr", a)
        self.store_field("res_val", self.val(op.dst))

    def op_sc(self, op: Op) -> None:
        """QEMU's SC: compare the reservation, then cmpxchg against the LR value."""
        addr, value, size = op.args
        a, v = self.val(addr), self.val(value)
        ty = INT_TYPES[size]
        res = self.load_field("res_addr")
        match = self.fresh()
        self.emit(f"{match} = icmp eq i64 {res}, {a}")
        try_l, fail_l, done_l = self.label("sc_try"), self.label("sc_fail"), self.label("sc_done")
        self.emit(f"br i1 {match}, label %{try_l}, label %{fail_l}")
        self.start(try_l)
        hp = self.guest_ptr(a, size, align_exit=True)
        expect = self.load_field("res_val")
        e, n = expect, v
        if size < 8:
            e, n = self.fresh(), self.fresh()
            self.emit(f"{e} = trunc i64 {expect} to {ty}")
            self.emit(f"{n} = trunc i64 {v} to {ty}")
        pair, okb, r = self.fresh(), self.fresh(), self.fresh()
        self.emit(f"{pair} = cmpxchg ptr {hp}, {ty} {e}, {ty} {n} seq_cst seq_cst")
        self.emit(f"{okb} = extractvalue {{ {ty}, i1 }} {pair}, 1")
        self.emit(f"{r} = select i1 {okb}, i64 0, i64 1")
        try_end = self.label("sc_tried")
        self.emit(f"br label %{try_end}")
        self.start(try_end)
        self.emit(f"br label %{done_l}")
        self.start(fail_l)
        self.emit(f"br label %{done_l}")
        self.start(done_l)
        self.define(op, f"phi i64 [ {r}, %{try_end} ], [ 2, %{fail_l} ]")
        self.cache.pop(("res_val", 0), None)
        self.store_field("res_addr", "-1")

    # Python helpers
    def op_helper(self, op: Op) -> None:
        from jit.helpers import helper_id
        *values, name = op.args
        args = [self.val(v) for v in values] + ["0"] * (4 - len(values))
        self.alias(op, self.call_python(helper_id(name), args))
        self.forget_state()

    def python_fp_env(self, call: Callable[[], str | None]) -> str | None:
        """Emit call() with Python's FP environment (MXCSR default) around it: Python
        code must not see the guest's rounding mode, nor add flags to the guest's."""
        self.intrinsic("ldmxcsr")
        self.intrinsic("stmxcsr")
        self.emit("call void @llvm.x86.sse.stmxcsr(ptr %mx.save)")
        self.emit("store i32 8064, ptr %mx.py")
        self.emit("call void @llvm.x86.sse.ldmxcsr(ptr %mx.py)")
        r = call()
        self.emit("call void @llvm.x86.sse.ldmxcsr(ptr %mx.save)")
        return r

    def call_python(self, slot: int, args: list[str]) -> str:
        """A call into Python through the helper table (ctypes)."""
        assert 0 <= slot < HELPER_SLOTS
        return self.python_fp_env(lambda: self._call_helper(slot, args))

    def _call_helper(self, slot: int, args: list[str]) -> str:
        fp = self.fresh()
        self.emit(f"{fp} = getelementptr [{HELPER_SLOTS} x ptr], ptr @llemu_helpers, i64 0, i64 {slot}")
        fn = self.fresh()
        self.emit(f"{fn} = load ptr, ptr {fp}")
        r = self.fresh()
        argtext = ", ".join(f"i64 {a}" for a in args)
        self.emit(f"{r} = call i64 {fn}(ptr %s, {argtext})")
        return r

    # exits
    def check_exit_request(self, pc: int) -> None:
        """Leave to Python if asked to. Every cycle of blocks has an edge to a
        pc <= its source's, so checking those edges (and the dispatcher)
        bounds the time before native code notices a request."""
        if pc <= self.block.pc:
            self.leave_if_requested(to_signed(pc))

    def leave_if_requested(self, pc: str | int) -> None:
        """If state.exit_request is set, return to the run loop, to go on at pc.
        (Volatile: a signal handler sets it, and optimized loops must not hoist it.)"""
        rq = self.fresh()
        self.emit(f"{rq} = load volatile i32, ptr {self.field_ptr('exit_request')}")
        go = self.fresh()
        self.emit(f"{go} = icmp eq i32 {rq}, 0")
        cont, leave = self.label("go"), self.label("request")
        self.cold_branch(go, cont, leave)
        self.start(leave)
        self.exit_to_python(R.REQUEST, pc)
        self.start(cont)

    def jump_to(self, pc: int) -> None:
        """Go to the block at `pc`: a branch if it is in this module, else a tail call
        through an exit slot (with `-d nochain`: back to the run loop, which finds it)."""
        if self.nochain:
            self.exit_to_python(R.MISS, to_signed(pc))
            return
        self.check_exit_request(pc)
        if pc in self.local:
            if self.heat and pc <= self.block.pc:
                self.count_heat(pc)
            self.branch_local(pc)
            return
        slot = f"@{self.region}.{self.prefix}slot{len(self.slots)}"
        self.slots.append(slot[1:])
        # The slot holds the dispatcher until it patches in the target (see dispatch.py);
        # the target region switches on the pc.
        self.emit(f"store i64 {to_signed(pc)}, ptr {self.field_ptr('pc')}")
        self.emit(f"store ptr {slot}, ptr {self.field_ptr('patch_slot')}")
        fn = self.fresh()
        self.emit(f"{fn} = load ptr, ptr {slot}")
        self.emit(f"musttail call {BLOCK_TYPE} {fn}({BLOCK_ARGS})")
        self.emit("ret void")

    def branch_local(self, pc: int) -> None:
        """Branch to a block of this region (handing it the carried registers)."""
        if self.carried:
            values = {key: self.load_cached(key) for key in self.carried}
            self.edges.setdefault(pc, []).append((self.current, values))
        self.emit(f"br label %{self.local[pc]}")

    def count_heat(self, pc: int) -> None:
        """One more run of a loop in cold code: when the region's heat runs out,
        leave to Python (ExitReason.HOT), which compiles it again, optimized."""
        h, h1, left = self.fresh(), self.fresh(), self.fresh()
        for line in heat_countdown(f"@{self.region}.heat", h, h1, left):
            self.emit(line)
        cool, hot = self.label("cool"), self.label("hot")
        self.cold_branch(left, cool, hot)
        self.start(hot)
        self.exit_to_python(R.HOT, to_signed(pc), f"ptrtoint (ptr @{self.region}.heat to i64)")
        self.start(cool)

    def op_goto_tb(self, op: Op) -> None:
        self.jump_to(op.args[0])

    def op_goto_ptr(self, op: Op) -> None:
        """An indirect jump: to a return site of this region if it is one (hot
        regions: return prediction), else through this jump's inline cache of
        the last target, else through the dispatcher, which refills the cache."""
        target = self.val(op.args[0])
        if self.nochain:
            self.exit_to_python(R.MISS, target)
            return
        self.emit(f"store i64 {target}, ptr {self.field_ptr('pc')}")
        self.leave_if_requested(target)     # indirect jumps may form cycles of their own
        self.predict_return(target)
        self.through_inline_cache(target)

    def predict_return(self, target: str) -> None:
        """Branch to the region's return site that `target` is, if any."""
        sites = [pc for pc in self.return_sites if pc in self.local]
        if sites:
            labels = [self.label("return") for _ in sites]
            other = self.label("unpredicted")
            cases = " ".join(f"i64 {to_signed(pc)}, label %{lab}" for pc, lab in zip(sites, labels))
            self.emit(f"switch i64 {target}, label %{other} [ {cases} ]")
            cache = dict(self.cache)
            for pc, lab in zip(sites, labels):
                self.start(lab)
                self.cache = dict(cache)
                self.branch_local(pc)
            self.start(other)
            self.cache = cache

    def through_inline_cache(self, target: str) -> None:
        """Tail-call the region of `target` (state.pc) if it is this jump's last
        target, else the dispatcher, asking it to remember this target."""
        ic = f"@{self.region}.{self.prefix}ic{len(self.ics)}"
        self.ics.append(ic[1:])
        known = self.fresh()
        self.emit(f"{known} = load i64, ptr {ic}")
        hit = self.fresh()
        self.emit(f"{hit} = icmp eq i64 {known}, {target}")
        hit_l, miss_l = self.label("ic_hit"), self.label("ic_miss")
        self.emit(f"br i1 {hit}, label %{hit_l}, label %{miss_l}")
        self.start(hit_l)
        fnp = self.fresh()
        self.emit(f"{fnp} = getelementptr {IC_TYPE}, ptr {ic}, i64 0, i32 1")
        fn = self.fresh()
        self.emit(f"{fn} = load ptr, ptr {fnp}")
        self.emit(f"musttail call {BLOCK_TYPE} {fn}({BLOCK_ARGS})")
        self.emit("ret void")
        self.start(miss_l)
        self.emit(f"store ptr null, ptr {self.field_ptr('patch_slot')}")
        self.emit(f"store ptr {ic}, ptr {self.field_ptr('patch_ic')}")
        self.emit(f"musttail call {BLOCK_TYPE} @llemu_dispatch({BLOCK_ARGS})")
        self.emit("ret void")

    def op_brcond(self, op: Op) -> None:
        a, b, cond, taken, fall = op.args
        c = self.fresh()
        self.emit(f"{c} = icmp {ICMP[cond]} i64 {self.val(a)}, {self.val(b)}")
        t_l, f_l = self.label("taken"), self.label("fall")
        self.emit(f"br i1 {c}, label %{t_l}, label %{f_l}")
        before = dict(self.cache)           # what the taken path loads is not known on the other
        self.start(t_l)
        self.jump_to(taken)
        self.cache = before
        self.start(f_l)
        self.jump_to(fall)

    def op_exit(self, op: Op) -> None:
        reason, pc = op.args
        self.exit_to_python(int(reason), to_signed(pc))


@dataclass(frozen=True)
class Options:
    """How blocks are lowered: `-d nochain`/`exec` and `-d stats` change the code."""
    nochain: bool = False       # every block returns to the run loop
    count_insns: bool = False   # state.insn_count += instructions, per block
    single_cpu: bool = True     # only vCPU 0 exists: scoreboard elements have fixed addresses
    heat: int = 0               # entries (and loop runs, if cold) before it asks to be optimized (0: never)
    tier: int = COLD            # HOT, FINAL: optimized, registers carried between blocks, returns predicted

    @property
    def hot(self) -> bool:
        return self.tier != COLD


@dataclass
class RegionGlobals:
    """The names of a lowered region's globals (all starting with the region's name)."""
    slots: list[str]            # exit slots (ptr), each holding its target region or the dispatcher
    ics: list[str]              # inline caches of indirect jumps ({i64 pc, ptr region})
    heat: str | None            # the countdown to optimization (i32), if counted

    def to_text(self) -> str:
        """One line per kind, names separated by spaces (read for every region loaded)."""
        return f"{' '.join(self.slots)}\n{' '.join(self.ics)}\n{self.heat or ''}"

    @classmethod
    def from_text(cls, text: str) -> RegionGlobals:
        slots, ics, heat = text.split("\n")
        return cls(slots.split(), ics.split(), heat or None)


def phi_placeholder(prefix: str) -> str:
    return f"<<phis {prefix}>>"


def carried_name(prefix: str, key: tuple[str, int]) -> str:
    return f"%{prefix}c.{key[0]}{key[1]}"


def heat_countdown(heat: str, h: str, h1: str, left: str) -> list[str]:
    """Lines that decrement the region's heat; `left` is true while some is left.
    (Racy between threads, which only moves the moment of optimization.)"""
    return [f"{h} = load i32, ptr {heat}", f"{h1} = sub i32 {h}, 1",
            f"store i32 {h1}, ptr {heat}", f"{left} = icmp sgt i32 {h1}, 0"]


def carried_values(blocks: list[Block], single_cpu: bool) -> list[tuple[str, int]]:
    """What a hot region carries between its blocks: the guest registers its
    blocks read or write (x1-x31, f0-f31) and, while vCPU 0 is alone, the
    scoreboard elements its inline ops work on."""
    keys = set()
    for b in blocks:
        for op in b.ops:
            if op.name in ("get", "set"):
                field, index = op.args[-2:]
                if field == "f" or (field == "x" and index):
                    keys.add((field, index))
            elif op.name in ("plugin_inline", "plugin_cond_cb") and single_cpu:
                keys.add((PLUGIN_DATA, op.args[-3]))
    return sorted(keys)


def region_signature(blocks: list[Block], options: Options) -> str:
    """Everything lower_module makes a region's text from, but its name: the
    blocks' IR (plugin ops included), the options and the helper slots. Equal
    signatures give equal texts, so compiled code is found by its signature
    before any text is made (jit/engine.py adds the code that makes texts)."""
    from jit.helpers import helper_slots
    parts = [repr(options), repr(helper_slots())]
    for b in blocks:
        parts.append(f"block {b.pc} {b.size} {b.n_insns} {b.likely}")
        parts.append(repr([(op.name, op.dst, op.args) for op in b.ops]))
    return "\n".join(parts)


def lower_module(blocks: list[Block], name: str, options: Options = Options()) -> tuple[str, RegionGlobals]:
    """A batch of blocks as one function (a region) called `name`, which enters
    the block of `state.pc` through a switch; blocks of the region reach each
    other by branches. Cold regions count their entries and loop runs down
    from options.heat (HOT ones count entries only); hot ones carry guest
    registers across those branches."""
    lowerings = [BlockLowering(b, name, f"b{k}.", options) for k, b in enumerate(blocks)]
    local = {low.block.pc: low.entry for low in lowerings}
    carried = carried_values(blocks, options.single_cpu) if options.hot else []
    edges: dict[int, list[tuple[str, dict]]] = {}
    return_sites = sorted({pc for b in blocks for pc in b.likely})
    for low in lowerings:
        if not options.nochain:
            low.local = local
        low.carried, low.edges = carried, edges
        if options.hot:
            low.return_sites = return_sites
    bodies = [low.lower() for low in lowerings]
    slots = [s for low in lowerings for s in low.slots]
    ics = [s for low in lowerings for s in low.ics]
    intrinsics = set().union(*(low.intrinsics for low in lowerings))
    strict = any(low.uses_fp_env for low in lowerings)
    heat = f"{name}.heat" if options.heat and not options.nochain else None
    entries = {low.block.pc: (f"x{low.prefix}entry" if carried else low.entry) for low in lowerings}
    cases = " ".join(f"i64 {to_signed(pc)}, label %{label}" for pc, label in entries.items())
    entry = [f"define {BLOCK_TYPE} @{name}({BLOCK_ARGS}){' strictfp' if strict else ''} {{",
             "entry:"]
    if strict:
        entry += ["  %mx.save = alloca i32", "  %mx.py = alloca i32", "  %mx.tmp = alloca i32"]
    entry += [f"  %pcp = getelementptr i8, ptr %s, i64 {st.offset('pc')}",
              "  %pc = load i64, ptr %pcp"]
    if heat:
        entry += ["  " + line for line in heat_countdown(f"@{heat}", "%h", "%h1", "%left")]
        entry += ["  br i1 %left, label %cool, label %hot, !prof !0",
                  "hot:", f"  %ep = getelementptr i8, ptr %s, i64 {st.offset('exit_arg')}",
                  f"  store i64 ptrtoint (ptr @{heat} to i64), ptr %ep",
                  f"  %rp = getelementptr i8, ptr %s, i64 {st.offset('exit_reason')}",
                  f"  store i32 {int(R.HOT)}, ptr %rp", "  ret void", "cool:"]
    entry += [f"  switch i64 %pc, label %elsewhere [ {cases} ]",
              "elsewhere:",
              f"  musttail call {BLOCK_TYPE} @llemu_dispatch({BLOCK_ARGS})",
              "  ret void"]
    for low in lowerings if carried else ():
        # entered from the switch: the carried values come from memory
        label = entries[low.block.pc]
        entry.append(f"{label}:")
        values = {}
        for field, index in carried:
            v = f"%{label}.{field}{index}"
            if field == PLUGIN_DATA:
                entry.append(f"  {v} = load i64, ptr inttoptr (i64 {index} to ptr){PLUGIN_DATA_ACCESS}")
            else:
                entry.append(f"  {v}p = getelementptr i8, ptr %s, i64 {st.offset(field, index)}")
                entry.append(f"  {v} = load i64, ptr {v}p{STATE_ACCESS}")
            values[(field, index)] = v
        edges.setdefault(low.block.pc, []).append((label, values))
        entry.append(f"  br label %{low.entry}")
    for k, low in enumerate(lowerings if carried else ()):
        phis = "\n".join(
            f"  {carried_name(low.prefix, key)} = phi i64 "
            + ", ".join(f"[ {values[key]}, %{src} ]" for src, values in edges[low.block.pc])
            for key in carried)
        bodies[k] = bodies[k].replace(phi_placeholder(low.prefix), phis, 1)
    head = [f"declare {BLOCK_TYPE} @llemu_dispatch(ptr, ptr)",
            f"@llemu_helpers = external global [{HELPER_SLOTS} x ptr]"]
    head += [f"@{s} = global ptr @llemu_dispatch" for s in slots]
    head += [f"@{s} = global {IC_TYPE} {{ i64 {IC_EMPTY}, ptr @llemu_dispatch }}" for s in ics]
    if heat:
        head.append(f"@{heat} = global i32 {options.heat}")
    head += sorted(intrinsics)
    tail = ["}", '!0 = !{!"branch_weights", i32 1000, i32 1}', '!1 = !{!"branch_weights", i32 1, i32 1000}']
    tail += ALIAS_METADATA
    return "\n".join(head + entry + bodies + tail) + "\n", RegionGlobals(slots, ics, heat)


from jit import lower_fp  # noqa: E402,F401  (registers the FP ops in EXTRA)
from jit import lower_plugin  # noqa: E402,F401  (registers the plugin ops in EXTRA)

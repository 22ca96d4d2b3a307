"""llemu's IR: a small, printable, TCG-like op list for one guest block.

Values are 64-bit SSA temps or integer constants; FP values travel as their
bit patterns (single precision in the low 32 bits). A block is straight-line
code: the only control flow is the terminator at its end and the implicit
fault exit of ops that touch guest memory. `-d op` prints this form.
"""
from __future__ import annotations

import keyword
from dataclasses import dataclass, field
from typing import Iterable, Union

MASK64 = (1 << 64) - 1


class Temp:
    """An SSA value, defined once by the op that produces it."""
    __slots__ = ("id",)

    def __init__(self, id: int):
        self.id = id

    def __repr__(self) -> str:
        return f"t{self.id}"


Value = Union[Temp, int]

# name: (number of value operands, produces a result, what it does).
# Attribute operands (strings, small ints that are not guest values) follow
# the value operands in Op.args and are listed after ';' in the docs.
OPS: dict[str, tuple[int, bool, str]] = {
    # integer arithmetic, RISC-V semantics (shift amounts taken mod 64)
    "mov": (1, True, "a"),
    "add": (2, True, "a + b"), "sub": (2, True, "a - b"), "mul": (2, True, "a * b (low 64)"),
    "mulh": (2, True, "high 64 of signed a*b"), "mulhu": (2, True, "high 64 of unsigned a*b"),
    "mulhsu": (2, True, "high 64 of signed a * unsigned b"),
    "div": (2, True, "signed a / b; /0 -> -1, MIN/-1 -> MIN"),
    "divu": (2, True, "unsigned a / b; /0 -> all ones"),
    "rem": (2, True, "signed a % b; %0 -> a, MIN%-1 -> 0"),
    "remu": (2, True, "unsigned a % b; %0 -> a"),
    "and": (2, True, "a & b"), "or": (2, True, "a | b"), "xor": (2, True, "a ^ b"),
    "shl": (2, True, "a << (b & 63)"), "shr": (2, True, "a >>u (b & 63)"),
    "sar": (2, True, "a >>s (b & 63)"),
    "rotl": (2, True, "rotate left by b & 63"), "rotr": (2, True, "rotate right by b & 63"),
    "eq": (2, True, "a == b ? 1 : 0"), "ne": (2, True, "a != b"), "lt": (2, True, "a <s b"),
    "ge": (2, True, "a >=s b"), "ltu": (2, True, "a <u b"), "geu": (2, True, "a >=u b"),
    "min": (2, True, "signed min"), "max": (2, True, "signed max"),
    "minu": (2, True, "unsigned min"), "maxu": (2, True, "unsigned max"),
    "select": (3, True, "a != 0 ? b : c"),
    "sext": (1, True, "sign-extend the low `bits` bits; bits"),
    "zext": (1, True, "zero-extend the low `bits` bits; bits"),
    "clz": (1, True, "count leading zeros (64 for 0)"), "ctz": (1, True, "count trailing zeros"),
    "cpop": (1, True, "population count"), "bswap": (1, True, "byte swap"),
    "orcb": (1, True, "each byte: 0xff if non-zero else 0"),
    "clmul": (2, True, "carry-less product, low 64"), "clmulh": (2, True, "carry-less product, high 64"),
    "clmulr": (2, True, "carry-less product, bits 126..63"),
    # vCPU state
    "get": (0, True, "read state field; field, index"),
    "set": (1, False, "write state field; field, index"),
    # guest memory: fault exits to Python with SIGSEGV/SIGBUS, state exact
    "load": (1, True, "guest load at a; size, signed"),
    "store": (2, False, "guest store of b at a; size"),
    "amo": (2, True, "atomic read-modify-write of b at a, returns old; op, size"),
    "lr": (1, True, "load-reserved at a; size"),
    "sc": (2, True, "store-conditional of b at a: 0 stored, 1 memory changed, 2 no reservation (no access); size"),
    # floating point (flags accrue into fflags; rm: 0-4 static, 7 dynamic)
    "fadd": (2, True, "; fmt, rm"), "fsub": (2, True, "; fmt, rm"), "fmul": (2, True, "; fmt, rm"),
    "fdiv": (2, True, "; fmt, rm"), "fsqrt": (1, True, "; fmt, rm"),
    "fmadd": (3, True, "a*b+c; fmt, rm"), "fmsub": (3, True, "a*b-c; fmt, rm"),
    "fnmsub": (3, True, "-(a*b)+c; fmt, rm"), "fnmadd": (3, True, "-(a*b)-c; fmt, rm"),
    "fmin": (2, True, "; fmt"), "fmax": (2, True, "; fmt"),
    "feq": (2, True, "; fmt"), "flt": (2, True, "; fmt"), "fle": (2, True, "; fmt"),
    "fclass": (1, True, "; fmt"),
    "fcvt_f2i": (1, True, "float to integer, saturating; fmt, int type (w wu l lu), rm"),
    "fcvt_i2f": (1, True, "integer to float; fmt, int type (w wu l lu), rm"),
    "fcvt_f2f": (1, True, "between formats; from fmt, to fmt, rm"),
    "get_fflags": (0, True, "accrued flags, including those the host FPU holds"),
    "set_fflags": (1, False, "replace accrued flags"),
    "set_frm": (1, False, "set the dynamic rounding mode"),
    "helper": (-1, True, "call a Python helper with any number of values; name"),
    # plugin instrumentation (inserted by plugin_api/instrument.py)
    "plugin_cb": (0, False, "call a plugin callback; index, flags, pc"),
    "plugin_cond_cb": (0, False, "call it if *entry <cond> imm; index, flags, pc, cond, entry, stride, imm"),
    "plugin_inline": (1, False, "if a: *entry op= imm (ADD or STORE); op, entry, stride, imm"),
    "plugin_mem_cb": (3, False, "if c: memory callback for address a, value b; index, flags, info, pc"),
    "plugin_trace": (3, False, "if c: append record (a[, b, info]) to a trace buffer; "
                               "buffer, descriptors, record size, info"),
    # block structure and exits
    "insn_start": (0, False, "start of a guest instruction; pc"),
    "goto_tb": (0, False, "jump to a known pc (chained); pc"),
    "goto_ptr": (1, False, "jump to the pc in a"),
    "brcond": (2, False, "if a <cond> b goto taken else fallthrough; cond, taken, fallthrough"),
    "exit": (0, False, "return to Python; reason, pc"),
}
TERMINATORS = frozenset({"goto_tb", "goto_ptr", "brcond", "exit"})


@dataclass(slots=True)
class Op:
    name: str
    dst: Temp | None
    args: tuple

    def values(self) -> tuple:
        n = OPS[self.name][0]
        return self.args if n < 0 else self.args[:n]

    def attrs(self) -> tuple:
        n = OPS[self.name][0]
        return () if n < 0 else self.args[n:]

    def __str__(self) -> str:
        def fmt(a: object) -> str:
            if isinstance(a, int) and not isinstance(a, bool):
                return hex(a) if abs(a) > 9 else str(a)
            return str(a)
        args = ", ".join(fmt(a) for a in self.args)
        if self.name == "insn_start":
            return f" ---- {self.args[0]:#x}"
        return f"{self.dst} = {self.name} {args}" if self.dst is not None else f"{self.name} {args}"


@dataclass
class Block:
    """One translated guest block: its ops and the guest range it came from."""
    pc: int
    ops: list[Op] = field(default_factory=list)
    n_insns: int = 0
    size: int = 0           # guest bytes covered
    insns: list = field(default_factory=list)   # decoded guest instructions, in order
    likely: list[int] = field(default_factory=list)   # other pcs likely to run soon (a call's return site)
    next_temp: int = 0      # the next free temp number

    def successors(self) -> list[int]:
        """Guest pcs this block can jump to directly."""
        last = self.ops[-1]
        if last.name == "goto_tb":
            return [last.args[0]]
        if last.name == "brcond":
            return [last.args[3], last.args[4]]
        return []

    def predicted(self) -> list[int]:
        """The pcs worth translating with this block, most likely first: a
        branch's fall-through (and its target if it loops back), a jump's
        target, a call's return site."""
        last = self.ops[-1]
        if last.name == "brcond":
            taken, fall = last.args[3], last.args[4]
            out = [fall, taken] if taken <= self.pc else [fall]
        else:
            out = self.successors()
        return out + self.likely

    def dump(self) -> str:
        lines = [f"block {self.pc:#x} ({self.n_insns} insns)"]
        lines += ["  " + str(op) for op in self.ops]
        return "\n".join(lines) + "\n"


def _sx(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


# Pure ops that the builder evaluates when every operand is a constant.
FOLD = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
    "shl": lambda a, b: a << (b & 63), "shr": lambda a, b: (a & MASK64) >> (b & 63),
    "sar": lambda a, b: _sx(a, 64) >> (b & 63),
    "eq": lambda a, b: int(a & MASK64 == b & MASK64), "ne": lambda a, b: int(a & MASK64 != b & MASK64),
    "lt": lambda a, b: int(_sx(a, 64) < _sx(b, 64)), "ge": lambda a, b: int(_sx(a, 64) >= _sx(b, 64)),
    "ltu": lambda a, b: int(a & MASK64 < b & MASK64), "geu": lambda a, b: int(a & MASK64 >= b & MASK64),
    "sext": _sx, "zext": lambda a, bits: a & ((1 << bits) - 1),
}
# x op identity == x
IDENTITY = {"add": 0, "sub": 0, "or": 0, "xor": 0, "shl": 0, "shr": 0, "sar": 0, "and": -1}


class Builder:
    """Appends ops to a block; each method returns the op's result temp.

    The semantic functions in emu/riscv/insns use it, one line per
    instruction, so a reader sees each instruction's meaning as a formula.
    """

    def __init__(self, block: Block):
        self.block = block

    def emit(self, name: str, *args: object) -> Value | None:
        fold = FOLD.get(name)
        if fold is not None:                # every foldable op has two operands
            a, b = args
            if type(a) is int and type(b) is int:
                return to_signed(fold(a, b))
            if type(b) is int and name in IDENTITY and to_signed(b) == IDENTITY[name]:
                return a
            if a == 0 and name in ("add", "or", "xor"):
                return b
        if OPS[name][1]:
            dst = Temp(self.block.next_temp)
            self.block.next_temp += 1
        else:
            dst = None
        self.block.ops.append(Op(name, dst, tuple(args)))
        return dst

    # Register access with x0 hard-wired to zero.
    def x(self, r: int) -> Value:
        return 0 if r == 0 else self.emit("get", "x", r)

    def set_x(self, r: int, v: Value) -> None:
        if r != 0:
            self.emit("set", v, "x", r)

    def f(self, r: int) -> Temp:
        return self.emit("get", "f", r)

    def set_f(self, r: int, v: Value) -> None:
        self.emit("set", v, "f", r)

    def ended(self) -> bool:
        return bool(self.block.ops) and self.block.ops[-1].name in TERMINATORS


def _op_method(name: str):
    def method(self: Builder, *args: object) -> Temp | None:
        return self.emit(name, *args)
    method.__name__ = name
    method.__doc__ = OPS[name][2]
    return method


# b.add(x, y), b.load(addr, 4, True), b.and_(x, y) ... one method per op.
for _name in OPS:
    setattr(Builder, _name + "_" if keyword.iskeyword(_name) else _name, _op_method(_name))


def to_signed(v: int) -> int:
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


def format_ops(ops: Iterable[Op]) -> str:
    return "\n".join(str(op) for op in ops)

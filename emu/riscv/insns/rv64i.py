"""RV64I base integer instructions."""
from __future__ import annotations

from emu.state import ExitReason
from jit.ir import Builder

from .common import next_pc, sext32, zext32


def _jalr(b: Builder, i) -> None:
    target = b.and_(b.add(b.x(i.rs1), i.imm), -2)   # read rs1 before rd is written
    b.set_x(i.rd, next_pc(i))
    b.goto_ptr(target)


def _jal(b: Builder, i) -> None:
    b.set_x(i.rd, next_pc(i))
    b.goto_tb(i.pc + i.imm)


def _branch(cond: str):
    return lambda b, i: b.brcond(b.x(i.rs1), b.x(i.rs2), cond, i.pc + i.imm, next_pc(i))


def _load(size: int, signed: bool):
    return lambda b, i: b.set_x(i.rd, b.load(b.add(b.x(i.rs1), i.imm), size, signed))


def _store(size: int):
    return lambda b, i: b.store(b.add(b.x(i.rs1), i.imm), b.x(i.rs2), size)


SEM = {
    "lui":   lambda b, i: b.set_x(i.rd, i.imm),
    "auipc": lambda b, i: b.set_x(i.rd, i.pc + i.imm),
    "jal":   _jal,
    "jalr":  _jalr,
    "beq":  _branch("eq"), "bne": _branch("ne"), "blt": _branch("lt"),
    "bge":  _branch("ge"), "bltu": _branch("ltu"), "bgeu": _branch("geu"),
    "lb": _load(1, True), "lh": _load(2, True), "lw": _load(4, True), "ld": _load(8, True),
    "lbu": _load(1, False), "lhu": _load(2, False), "lwu": _load(4, False),
    "sb": _store(1), "sh": _store(2), "sw": _store(4), "sd": _store(8),
    "addi":  lambda b, i: b.set_x(i.rd, b.add(b.x(i.rs1), i.imm)),
    "slti":  lambda b, i: b.set_x(i.rd, b.lt(b.x(i.rs1), i.imm)),
    "sltiu": lambda b, i: b.set_x(i.rd, b.ltu(b.x(i.rs1), i.imm)),
    "xori":  lambda b, i: b.set_x(i.rd, b.xor(b.x(i.rs1), i.imm)),
    "ori":   lambda b, i: b.set_x(i.rd, b.or_(b.x(i.rs1), i.imm)),
    "andi":  lambda b, i: b.set_x(i.rd, b.and_(b.x(i.rs1), i.imm)),
    "slli":  lambda b, i: b.set_x(i.rd, b.shl(b.x(i.rs1), i.imm)),
    "srli":  lambda b, i: b.set_x(i.rd, b.shr(b.x(i.rs1), i.imm)),
    "srai":  lambda b, i: b.set_x(i.rd, b.sar(b.x(i.rs1), i.imm)),
    "add":   lambda b, i: b.set_x(i.rd, b.add(b.x(i.rs1), b.x(i.rs2))),
    "sub":   lambda b, i: b.set_x(i.rd, b.sub(b.x(i.rs1), b.x(i.rs2))),
    "sll":   lambda b, i: b.set_x(i.rd, b.shl(b.x(i.rs1), b.x(i.rs2))),
    "slt":   lambda b, i: b.set_x(i.rd, b.lt(b.x(i.rs1), b.x(i.rs2))),
    "sltu":  lambda b, i: b.set_x(i.rd, b.ltu(b.x(i.rs1), b.x(i.rs2))),
    "xor":   lambda b, i: b.set_x(i.rd, b.xor(b.x(i.rs1), b.x(i.rs2))),
    "srl":   lambda b, i: b.set_x(i.rd, b.shr(b.x(i.rs1), b.x(i.rs2))),
    "sra":   lambda b, i: b.set_x(i.rd, b.sar(b.x(i.rs1), b.x(i.rs2))),
    "or":    lambda b, i: b.set_x(i.rd, b.or_(b.x(i.rs1), b.x(i.rs2))),
    "and":   lambda b, i: b.set_x(i.rd, b.and_(b.x(i.rs1), b.x(i.rs2))),
    "addiw": lambda b, i: b.set_x(i.rd, sext32(b, b.add(b.x(i.rs1), i.imm))),
    "slliw": lambda b, i: b.set_x(i.rd, sext32(b, b.shl(b.x(i.rs1), i.imm))),
    "srliw": lambda b, i: b.set_x(i.rd, sext32(b, b.shr(zext32(b, b.x(i.rs1)), i.imm))),
    "sraiw": lambda b, i: b.set_x(i.rd, sext32(b, b.sar(sext32(b, b.x(i.rs1)), i.imm))),
    "addw":  lambda b, i: b.set_x(i.rd, sext32(b, b.add(b.x(i.rs1), b.x(i.rs2)))),
    "subw":  lambda b, i: b.set_x(i.rd, sext32(b, b.sub(b.x(i.rs1), b.x(i.rs2)))),
    "sllw":  lambda b, i: b.set_x(i.rd, sext32(b, b.shl(b.x(i.rs1), b.and_(b.x(i.rs2), 31)))),
    "srlw":  lambda b, i: b.set_x(i.rd, sext32(b, b.shr(zext32(b, b.x(i.rs1)), b.and_(b.x(i.rs2), 31)))),
    "sraw":  lambda b, i: b.set_x(i.rd, sext32(b, b.sar(sext32(b, b.x(i.rs1)), b.and_(b.x(i.rs2), 31)))),
    "fence":   lambda b, i: None,
    "fence.i": lambda b, i: b.exit(ExitReason.FENCE_I, i.pc),
    "ecall":   lambda b, i: b.exit(ExitReason.SYSCALL, i.pc),
    "ebreak":  lambda b, i: b.exit(ExitReason.EBREAK, i.pc),
}

"""Zicsr: the CSRs a Linux user program can reach (FP control, counters)."""
from __future__ import annotations

from jit.ir import Builder, Value

from .common import illegal

FFLAGS, FRM, FCSR = 0x001, 0x002, 0x003
CYCLE, TIME, INSTRET = 0xC00, 0xC01, 0xC02
COUNTERS = {CYCLE: "rdcycle", TIME: "rdtime", INSTRET: "rdinstret"}


def read_csr(b: Builder, csr: int) -> Value:
    if csr == FFLAGS:
        return b.get_fflags()
    if csr == FRM:
        return b.get("frm", 0)
    if csr == FCSR:
        return b.or_(b.shl(b.get("frm", 0), 5), b.get_fflags())
    return b.helper(COUNTERS[csr])


def write_csr(b: Builder, csr: int, v: Value) -> None:
    if csr in (FFLAGS, FCSR):
        b.set_fflags(b.and_(v, 0x1F))
    if csr == FRM:
        b.set_frm(b.and_(v, 7))
    if csr == FCSR:
        b.set_frm(b.and_(b.shr(v, 5), 7))


def _csr(op: str, immediate: bool):
    """csrrw/csrrs/csrrc and their immediate forms: read old value, maybe write."""
    def sem(b: Builder, i) -> None:
        src = i.imm if immediate else b.x(i.rs1)
        writes = op == "w" or (i.imm if immediate else i.rs1) != 0
        if i.csr not in (FFLAGS, FRM, FCSR, *COUNTERS) or (writes and i.csr in COUNTERS):
            return illegal(b, i)
        old = read_csr(b, i.csr) if (i.rd != 0 or op != "w") else None
        if writes:
            new = {"w": lambda: src, "s": lambda: b.or_(old, src),
                   "c": lambda: b.and_(old, b.xor(src, -1))}[op]()
            write_csr(b, i.csr, new)
        if old is not None:
            b.set_x(i.rd, old)
    return sem


SEM = {
    "csrrw": _csr("w", False), "csrrs": _csr("s", False), "csrrc": _csr("c", False),
    "csrrwi": _csr("w", True), "csrrsi": _csr("s", True), "csrrci": _csr("c", True),
}

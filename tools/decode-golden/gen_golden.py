#!/usr/bin/env python3
"""Generate tests/data/decode_golden.txt for llemu's RISC-V decoder.

Oracles:
  * binutils (riscv64-linux-gnu-as / objdump -M no-aliases,numeric) gives
    names and operands,
  * qemu-riscv64 7.2 (via ./harness, which executes each word once and
    reports whether it raised SIGILL at its own pc) decides legality.

Usage: gen_golden.py OUT_PATH
"""
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from emu.riscv import opcodes  # noqa: E402  (only for the list of names/formats)

AS = "riscv64-linux-gnu-as"
OBJDUMP = "riscv64-linux-gnu-objdump"
MARCH = "rv64gc_zba_zbb_zbs_zbc"
HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness")

rng = random.Random(20240611)

FMT = {row[1]: row[2] for row in opcodes.RV32}
RMS = ["rne", "rtz", "rdn", "rup", "rmm", "dyn"]
RM_VAL = {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3, "rmm": 4, "dyn": 7}
# binutils only knows these exact conversions with rm == 0 and prints no rm.
NO_RM_SYNTAX = {"fcvt.d.w", "fcvt.d.wu", "fcvt.d.s"}
LOADS = {"lb", "lh", "lw", "ld", "lbu", "lhu", "lwu", "flw", "fld", "jalr"}


def sext(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


# ---------------------------------------------------------------- registers
def reg_classes(name):
    """'x'/'f' class of rd, rs1, rs2, rs3 in assembly syntax."""
    if not name.startswith("f") or name.startswith("fence"):
        return "xxxx"
    if name in ("flw", "fld"):
        return "fxxx"
    if name in ("fsw", "fsd"):
        return "xxff"
    parts = name.split(".")
    if parts[0] == "fcvt":
        dst, src = parts[1], parts[2]
        return ("f" if dst in "sd" else "x") + ("f" if src in "sd" else "x") + "ff"
    if parts[0] == "fmv":
        return ("f" if parts[1] != "x" else "x") + ("f" if parts[2] != "x" else "x") + "ff"
    if parts[0] in ("feq", "flt", "fle", "fclass"):
        return "xfff"
    return "ffff"


def rreg(cls, nonzero=False):
    lo = 1 if nonzero else 0
    return f"{cls}{rng.randint(lo, 31)}"


# ------------------------------------------------------------ 32-bit source
def imm12():
    return rng.choice([0, 1, -1, 2047, -2048, rng.randint(-2048, 2047), rng.randint(-2048, 2047)])


def gen32(name):
    """One random assembly line for `name` (None if not expressible)."""
    fmt = FMT[name]
    cl = reg_classes(name)
    rd, rs1, rs2, rs3 = (rreg(c) for c in cl)
    if fmt == "R":
        return f"{name} {rd},{rs1},{rs2}"
    if fmt == "R1":
        return f"{name} {rd},{rs1}"
    if fmt == "I":
        if name in LOADS:
            return f"{name} {rd},{imm12()}({rs1})"
        return f"{name} {rd},{rs1},{imm12()}"
    if fmt == "S":
        return f"{name} {rs2},{imm12()}({rs1})"
    if fmt == "B":
        off = rng.choice([0, 2, -2, 4094, -4096, rng.randrange(-4096, 4096, 2)])
        return f"{name} {rs1},{rs2},.{off:+d}"
    if fmt == "U":
        return f"{name} {rd},{rng.choice([0, 1, 0x7ffff, 0x80000, 0xfffff, rng.randint(0, 0xfffff)]):#x}"
    if fmt == "J":
        off = rng.choice([0, 2, -2, 0xffffe, -0x100000, rng.randrange(-0x100000, 0x100000, 2)])
        return f"{name} {rd},.{off:+d}"
    if fmt in ("SH6", "SH5"):
        top = 63 if fmt == "SH6" else 31
        return f"{name} {rd},{rs1},{rng.choice([0, 1, top, rng.randint(0, top)])}"
    if fmt == "FENCE":
        if name != "fence":
            return None
        def bits():
            return "".join(c for c in "iorw" if rng.random() < 0.5) or "rw"
        return f"fence {bits()},{bits()}"
    if fmt == "NONE":
        return name
    if fmt == "CSR":
        return f"{name} {rd},{rng.choice([1, 2, 3, 0xc00, 0xc01, 0xc02, rng.randint(0, 4095)])},{rs1}"
    if fmt == "CSRI":
        return f"{name} {rd},{rng.choice([1, 2, 3, rng.randint(0, 4095)])},{rng.choice([0, 31, rng.randint(0, 31)])}"
    if fmt in ("LR", "AMO"):
        suffix = rng.choice(["", ".aq", ".rl", ".aqrl"])
        if fmt == "LR":
            return f"{name}{suffix} {rd},({rs1})"
        return f"{name}{suffix} {rd},{rs2},({rs1})"
    if fmt in ("R4RM", "RRM", "R1RM"):
        regs = {"R4RM": [rd, rs1, rs2, rs3], "RRM": [rd, rs1, rs2], "R1RM": [rd, rs1]}[fmt]
        if name not in NO_RM_SYNTAX and rng.random() < 0.7:
            regs.append(rng.choice(RMS))
        return f"{name} " + ",".join(regs)
    raise ValueError(fmt)


def extra32():
    """Hand-picked edge cases."""
    return [
        "fence", "fence.tso", "fence.i", "ecall", "ebreak",
        "fence iorw,iorw", "fence w,r", "fence i,o",
        "addi x0,x0,0", "addi x31,x31,-1", "lui x0,0", "lui x31,0xfffff",
        "auipc x1,0x80000", "jal x0,.+0", "jalr x0,0(x1)", "jalr x1,-2048(x31)",
        "slli x1,x2,63", "srai x1,x2,63", "srli x1,x2,0", "sraiw x1,x2,31",
        "rori x1,x2,63", "roriw x1,x2,31", "bseti x1,x2,63", "bexti x1,x2,0",
        "slli.uw x1,x2,63", "csrrwi x0,0xfff,31", "csrrs x1,0,x0",
        "lr.d.aqrl x1,(x2)", "sc.d.aqrl x1,x2,(x3)", "amoswap.w.aq x0,x0,(x0)",
        "fmadd.d f31,f30,f29,f28,rmm", "fcvt.lu.d x1,f2,rtz", "fmv.d.x f0,x31",
    ]


# --------------------------------------------------------- 16-bit source
def rp():
    return f"x{rng.randint(8, 15)}"


def fp_p():
    return f"f{rng.randint(8, 15)}"


def nz6():
    return rng.choice([1, -1, 31, -32, rng.choice([v for v in range(-32, 32) if v])])


def gen16():
    """Random explicit c.* lines covering every RV64C instruction."""
    out = []
    for _ in range(12):
        out += [
            f"c.addi4spn {rp()},x2,{rng.choice([4, 1020, rng.randrange(4, 1024, 4)])}",
            f"c.fld {fp_p()},{rng.choice([0, 248, rng.randrange(0, 256, 8)])}({rp()})",
            f"c.lw {rp()},{rng.choice([0, 124, rng.randrange(0, 128, 4)])}({rp()})",
            f"c.ld {rp()},{rng.choice([0, 248, rng.randrange(0, 256, 8)])}({rp()})",
            f"c.fsd {fp_p()},{rng.choice([0, 248, rng.randrange(0, 256, 8)])}({rp()})",
            f"c.sw {rp()},{rng.choice([0, 124, rng.randrange(0, 128, 4)])}({rp()})",
            f"c.sd {rp()},{rng.choice([0, 248, rng.randrange(0, 256, 8)])}({rp()})",
            "c.nop",
            f"c.addi {rreg('x', True)},{nz6()}",
            f"c.addiw {rreg('x', True)},{rng.choice([0, nz6()])}",
            f"c.li {rreg('x', True)},{rng.choice([0, nz6()])}",
            f"c.addi16sp x2,{rng.choice([16, -16, 496, -512, rng.choice([v for v in range(-512, 512, 16) if v])])}",
            f"c.lui x{rng.choice([1] + list(range(3, 32)))},"
            f"{rng.choice([1, 31, 0xfffe0, 0xfffff, rng.randint(1, 31), rng.randint(0xfffe0, 0xfffff)]):#x}",
            f"c.srli {rp()},{rng.choice([1, 63, rng.randint(1, 63)])}",
            f"c.srai {rp()},{rng.choice([1, 63, rng.randint(1, 63)])}",
            f"c.andi {rp()},{rng.choice([0, nz6()])}",
            f"c.sub {rp()},{rp()}",
            f"c.xor {rp()},{rp()}",
            f"c.or {rp()},{rp()}",
            f"c.and {rp()},{rp()}",
            f"c.subw {rp()},{rp()}",
            f"c.addw {rp()},{rp()}",
            f"c.j .{rng.choice([2, -2, 2046, -2048, rng.randrange(-2048, 2048, 2)]):+d}",
            f"c.beqz {rp()},.{rng.choice([2, -2, 254, -256, rng.randrange(-256, 256, 2)]):+d}",
            f"c.bnez {rp()},.{rng.choice([2, -2, 254, -256, rng.randrange(-256, 256, 2)]):+d}",
            f"c.slli {rreg('x', True)},{rng.choice([1, 63, rng.randint(1, 63)])}",
            f"c.fldsp {rreg('f')},{rng.choice([0, 504, rng.randrange(0, 512, 8)])}(x2)",
            f"c.lwsp {rreg('x', True)},{rng.choice([0, 252, rng.randrange(0, 256, 4)])}(x2)",
            f"c.ldsp {rreg('x', True)},{rng.choice([0, 504, rng.randrange(0, 512, 8)])}(x2)",
            f"c.jr {rreg('x', True)}",
            f"c.mv {rreg('x', True)},{rreg('x', True)}",
            "c.ebreak",
            f"c.jalr {rreg('x', True)}",
            f"c.add {rreg('x', True)},{rreg('x', True)}",
            f"c.fsdsp {rreg('f')},{rng.choice([0, 504, rng.randrange(0, 512, 8)])}(x2)",
            f"c.swsp {rreg('x')},{rng.choice([0, 252, rng.randrange(0, 256, 4)])}(x2)",
            f"c.sdsp {rreg('x')},{rng.choice([0, 504, rng.randrange(0, 512, 8)])}(x2)",
        ]
    return out


# ------------------------------------------------------- assemble / parse
LINE = re.compile(r"^\s*([0-9a-f]+):\s+([0-9a-f]{4}(?:[0-9a-f]{4})?)\s+(\S+)\s*(.*)$")


def assemble(lines, rvc):
    """[(addr, raw, mnemonic, operand text)] for each assembled line."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "a.s")
        obj = os.path.join(tmp, "a.o")
        with open(src, "w") as f:
            f.write(".option norelax\n.option %s\n" % ("rvc" if rvc else "norvc"))
            f.write("\n".join(lines) + "\n")
        subprocess.run([AS, f"-march={MARCH}", "-o", obj, src], check=True)
        dump = subprocess.run([OBJDUMP, "-d", "-M", "no-aliases,numeric", obj],
                              check=True, capture_output=True, text=True).stdout
    out = []
    for line in dump.splitlines():
        m = LINE.match(line)
        if m:
            out.append((int(m[1], 16), int(m[2], 16), m[3], m[4].split("#")[0].strip()))
    return out


def qemu_illegal(words):
    """Set of words that raise SIGILL at their own pc under qemu-riscv64."""
    data = struct.pack("<%dI" % len(words), *words)
    res = subprocess.run(["qemu-riscv64", HARNESS], input=data, capture_output=True, check=True).stdout
    res = res.decode().strip()
    assert len(res) == len(words)
    return {w for w, r in zip(words, res) if r == "I"}


def csr_names():
    """objdump's CSR name -> number map.  The names objdump picks depend on
    the privileged-spec attribute `as` records, which only files containing
    CSR mnemonics get, so both kinds of file are dumped."""
    names = {}
    for src in ([f"csrrs x0,{n},x0" for n in range(4096)],
                [f".insn {(n << 20) | 0x2073:#x}" for n in range(4096)]):
        for _, raw, _, ops in assemble(src, rvc=False):
            name = ops.split(",")[1]
            assert names.setdefault(name, raw >> 20) == raw >> 20, name
    return names


CSR = None
MEM = re.compile(r"^(-?\d+)\((x\d+)\)$")


def reg(tok):
    assert tok[0] in "xf", tok
    return int(tok[1:])


def num(tok):
    return int(tok, 0)


def target(tok, addr):
    return sext(int(tok.split()[0], 16) - addr, 64)


def parse32(addr, raw, mn, ops):
    """Expected fields from objdump's text of a 32-bit instruction."""
    name = mn
    f = {}
    for sfx in (".aqrl", ".aq", ".rl"):
        if mn.endswith(sfx) and (mn.startswith("amo") or mn[:2] in ("lr", "sc")):
            name = mn[: -len(sfx)]
            f["aq"] = "aq" in sfx
            f["rl"] = "rl" in sfx
            break
    if name == "fence.tso":
        return "fence", {"imm": raw >> 20}
    if name not in FMT:
        return None
    fmt = FMT[name]
    t = [x for x in ops.split(",")] if ops else []
    if fmt == "R":
        f.update(rd=reg(t[0]), rs1=reg(t[1]), rs2=reg(t[2]))
    elif fmt == "R1":
        f.update(rd=reg(t[0]), rs1=reg(t[1]))
        assert len(t) == 2
    elif fmt == "I":
        if name in LOADS:
            m = MEM.match(t[1])
            f.update(rd=reg(t[0]), rs1=reg(m[2]), imm=int(m[1]))
        else:
            f.update(rd=reg(t[0]), rs1=reg(t[1]), imm=num(t[2]))
    elif fmt == "S":
        m = MEM.match(t[1])
        f.update(rs2=reg(t[0]), rs1=reg(m[2]), imm=int(m[1]))
    elif fmt == "B":
        f.update(rs1=reg(t[0]), rs2=reg(t[1]), imm=target(t[2], addr))
    elif fmt == "U":
        f.update(rd=reg(t[0]), imm=sext(num(t[1]) << 12, 32))
    elif fmt == "J":
        f.update(rd=reg(t[0]), imm=target(t[1], addr))
    elif fmt in ("SH6", "SH5"):
        f.update(rd=reg(t[0]), rs1=reg(t[1]), imm=num(t[2]))
    elif fmt == "FENCE":
        bits = {c: b for c, b in zip("iorw", (8, 4, 2, 1))}
        pred, succ = (sum(bits[c] for c in s if s != "unknown") for s in t)
        f["imm"] = (pred << 4) | succ
    elif fmt == "NONE":
        assert not t
    elif fmt in ("CSR", "CSRI"):
        csr = CSR[t[1]] if t[1] in CSR else num(t[1])
        f.update(rd=reg(t[0]), csr=csr)
        if fmt == "CSR":
            f["rs1"] = reg(t[2])
        else:
            f["imm"] = num(t[2])
    elif fmt == "LR":
        f.update(rd=reg(t[0]), rs1=reg(t[1].strip("()")))
    elif fmt == "AMO":
        f.update(rd=reg(t[0]), rs2=reg(t[1]), rs1=reg(t[2].strip("()")))
    elif fmt in ("R4RM", "RRM", "R1RM"):
        nregs = {"R4RM": 4, "RRM": 3, "R1RM": 2}[fmt]
        for key, tok in zip(("rd", "rs1", "rs2", "rs3"), t[:nregs]):
            f[key] = reg(tok)
        if len(t) > nregs:
            if t[nregs] not in RM_VAL:
                return None
            f["rm"] = RM_VAL[t[nregs]]
        else:
            f["rm"] = 0 if name in NO_RM_SYNTAX else 7
    else:
        raise ValueError(fmt)
    return name, f


# compressed mnemonic -> (expanded name, operand roles); role "=rd" copies rd.
C_EXPAND = {
    "c.addi4spn": ("addi", ["rd", "rs1", "imm"]),
    "c.fld": ("fld", ["rd", "mem"]), "c.lw": ("lw", ["rd", "mem"]), "c.ld": ("ld", ["rd", "mem"]),
    "c.fsd": ("fsd", ["rs2", "mem"]), "c.sw": ("sw", ["rs2", "mem"]), "c.sd": ("sd", ["rs2", "mem"]),
    "c.nop": ("addi", []),
    "c.addi": ("addi", ["rd=rs1", "imm"]), "c.addiw": ("addiw", ["rd=rs1", "imm"]),
    "c.li": ("addi", ["rd", "imm"]),
    "c.addi16sp": ("addi", ["rd=rs1", "imm"]),
    "c.lui": ("lui", ["rd", "imm20"]),
    "c.srli": ("srli", ["rd=rs1", "imm"]), "c.srai": ("srai", ["rd=rs1", "imm"]),
    "c.andi": ("andi", ["rd=rs1", "imm"]), "c.slli": ("slli", ["rd=rs1", "imm"]),
    "c.sub": ("sub", ["rd=rs1", "rs2"]), "c.xor": ("xor", ["rd=rs1", "rs2"]),
    "c.or": ("or", ["rd=rs1", "rs2"]), "c.and": ("and", ["rd=rs1", "rs2"]),
    "c.subw": ("subw", ["rd=rs1", "rs2"]), "c.addw": ("addw", ["rd=rs1", "rs2"]),
    "c.j": ("jal", ["target"]),
    "c.beqz": ("beq", ["rs1", "target"]), "c.bnez": ("bne", ["rs1", "target"]),
    "c.fldsp": ("fld", ["rd", "mem"]), "c.lwsp": ("lw", ["rd", "mem"]), "c.ldsp": ("ld", ["rd", "mem"]),
    "c.fsdsp": ("fsd", ["rs2", "mem"]), "c.swsp": ("sw", ["rs2", "mem"]), "c.sdsp": ("sd", ["rs2", "mem"]),
    "c.jr": ("jalr", ["rs1"]), "c.jalr": ("jalr", ["rs1"]),
    "c.mv": ("add", ["rd", "rs2"]), "c.add": ("add", ["rd=rs1", "rs2"]),
    "c.ebreak": ("ebreak", []),
}


def parse16(addr, mn, ops):
    """Expected (name, fields) of the expansion of objdump's c.* text."""
    if mn not in C_EXPAND:
        return None
    name, roles = C_EXPAND[mn]
    t = ops.split(",") if ops else []
    assert len(t) == len(roles), (mn, ops)
    f = {}
    for role, tok in zip(roles, t):
        if role == "rd=rs1":
            f["rd"] = f["rs1"] = reg(tok)
        elif role in ("rd", "rs1", "rs2"):
            f[role] = reg(tok)
        elif role == "imm":
            f["imm"] = num(tok)
        elif role == "imm20":
            f["imm"] = sext(num(tok) << 12, 32)
        elif role == "mem":
            m = MEM.match(tok)
            f["rs1"] = reg(m[2])
            f["imm"] = int(m[1])
        elif role == "target":
            f["imm"] = target(tok, addr)
    if mn == "c.jalr":
        f["rd"] = 1
    return name, f


# ------------------------------------------------------------- rendering
def render32(name, f):
    """32-bit assembly text of (name, fields); used to build twins."""
    g = lambda k: f.get(k, 0)  # noqa: E731
    cl = reg_classes(name)
    r = {k: f"{c}{g(k)}" for k, c in zip(("rd", "rs1", "rs2", "rs3"), cl)}
    fmt = FMT[name]
    if fmt == "NONE":
        return name
    if fmt == "R":
        return f"{name} {r['rd']},{r['rs1']},{r['rs2']}"
    if fmt == "I":
        if name in LOADS:
            return f"{name} {r['rd']},{g('imm')}({r['rs1']})"
        return f"{name} {r['rd']},{r['rs1']},{g('imm')}"
    if fmt == "S":
        return f"{name} {r['rs2']},{g('imm')}({r['rs1']})"
    if fmt == "B":
        return f"{name} {r['rs1']},{r['rs2']},.{g('imm'):+d}"
    if fmt == "U":
        return f"{name} {r['rd']},{(g('imm') >> 12) & 0xfffff:#x}"
    if fmt == "J":
        return f"{name} {r['rd']},.{g('imm'):+d}"
    if fmt in ("SH6", "SH5"):
        return f"{name} {r['rd']},{r['rs1']},{g('imm')}"
    raise ValueError(name)


KEYS = ("rd", "rs1", "rs2", "rs3", "imm", "csr", "rm", "aq", "rl")


def fmt_fields(f):
    parts = []
    for k in KEYS:
        v = f.get(k, 0)
        if k in ("aq", "rl"):
            if v:
                parts.append(k)
        elif v:
            parts.append(f"{k}={v}")
    return " ".join(parts)


def c_fields_from_bits(h):
    """Spec expansion computed from the bits, for the few HINT encodings
    objdump refuses to print but QEMU executes (shift amount 0)."""
    q, f3 = h & 3, h >> 13
    rdp = 8 + ((h >> 7) & 7)
    sh = ((h >> 12) & 1) << 5 | ((h >> 2) & 31)
    rd = (h >> 7) & 31
    if q == 1 and f3 == 4 and (h >> 10) & 3 in (0, 1):
        return ("srli", "srai")[(h >> 10) & 3], {"rd": rdp, "rs1": rdp, "imm": sh}
    if q == 2 and f3 == 0:
        return "slli", {"rd": rd, "rs1": rd, "imm": sh}
    return None


def q_only32(w):
    """Expansion of the 32-bit words QEMU executes but objdump rejects."""
    op, f3 = w & 0x7F, (w >> 12) & 7
    if op == 0x0F and f3 == 0:
        return "fence", {"imm": w >> 20}
    if op == 0x0F and f3 == 1:
        return "fence.i", {}
    f7, rs2 = w >> 25, (w >> 20) & 31
    rm = f3
    names = {(0x69, 0): "fcvt.d.w", (0x69, 1): "fcvt.d.wu", (0x21, 0): "fcvt.d.s"}
    if op == 0x53 and (f7, rs2) in names:
        return names[(f7, rs2)], {"rd": (w >> 7) & 31, "rs1": (w >> 15) & 31, "rm": rm}
    return None


def is_vector_whole_reg(w):
    """vl<n>re<eew>.v / vs<n>r.v: QEMU 7.2 runs them even with V disabled."""
    op = w & 0x7F
    return op in (0x07, 0x27) and (w >> 20) & 0x3F == 0x28 and (w >> 26) & 3 == 0


def main(out_path):
    global CSR
    CSR = csr_names()
    lines_out = []
    notes = []

    # ---- 32-bit from mnemonics
    src = []
    for name in sorted(FMT):
        for _ in range(12):
            line = gen32(name)
            if line:
                src.append(line)
    src += extra32()
    asm32 = assemble(src, rvc=False)
    assert len(asm32) == len(src), (len(asm32), len(src))

    # ---- 16-bit explicit forms, their auto-compressed 32-bit spellings
    csrc = gen16()
    asm16 = assemble(csrc, rvc=True)
    assert len(asm16) == len(csrc)
    assert all(raw < 0x10000 for _, raw, _, _ in asm16)

    # ---- raw words: sampled halfwords and random 32-bit words
    all16 = [h for h in range(0x10000) if h & 3 != 3]
    ill16 = qemu_illegal(all16)
    sample16 = sorted(set(rng.sample(all16, 2500)) | set(sorted(ill16)[::4]))
    raw32 = set()
    pats = [row[0].replace(" ", "") for row in opcodes.RV32]
    while len(raw32) < 4000:
        if rng.random() < 0.5:
            w = rng.getrandbits(32) | 3
        else:
            p = rng.choice(pats)
            w = int("".join(c if c in "01" else str(rng.getrandbits(1)) for c in p), 2)
            if rng.random() < 0.5:
                w ^= 1 << rng.randrange(2, 32)
        if w & 0x1F != 0x1F:
            raw32.add(w)
    raw32 = sorted(raw32)
    dumped_raw = assemble([f".insn {w:#x}" for w in sample16 + raw32], rvc=True)
    assert [raw for _, raw, _, _ in dumped_raw] == sample16 + raw32

    words32 = sorted({raw for _, raw, _, _ in asm32} | set(raw32))
    ill32 = qemu_illegal(words32)

    def emit32(addr, raw, mn, ops, source):
        parsed = parse32(addr, raw, mn, ops) if not mn.startswith(".") else None
        text = f"{mn} {ops}".strip()
        if parsed is None:
            q = q_only32(raw)
            if raw in ill32 or is_vector_whole_reg(raw) or q is None:
                why = "vector whole-register ld/st: QEMU 7.2 runs it without V" \
                    if is_vector_whole_reg(raw) and raw not in ill32 else "qemu: SIGILL"
                if raw not in ill32 and not is_vector_whole_reg(raw):
                    raise AssertionError(f"unexplained qemu-legal word {raw:#010x} ({text})")
                if why == "qemu: SIGILL" and mn.startswith("."):
                    lines_out.append(f"illegal {raw:08x}")
                else:
                    lines_out.append(f"illegal {raw:08x}  # objdump: {text}; {why}")
                return
            notes.append(f"{raw:08x} {q[0]} objdump-unknown-qemu-legal")
            lines_out.append(f"insn {raw:08x} {q[0]} {fmt_fields(q[1])}  # objdump: {text}; qemu executes it")
            return
        name, f = parsed
        is_csr = name.startswith("csr")
        if raw in ill32 and not is_csr:
            lines_out.append(f"illegal {raw:08x}  # objdump: {text}")
            return
        note = "  (qemu: SIGILL for this CSR at run time)" if raw in ill32 else ""
        comment = f"  # {text}{note}" if source == "as" or note else ""
        lines_out.append(f"insn {raw:08x} {name} {fmt_fields(f)}{comment}")

    lines_out.append("# --- 32-bit instructions assembled from mnemonics")
    for addr, raw, mn, ops in asm32:
        emit32(addr, raw, mn, ops, "as")

    lines_out.append("# --- compressed: c.* mnemonics, 32-bit mnemonics that as compressed, sampled"
                     " halfwords (twin = 32-bit expansion)")
    compressed = []
    for addr, raw, mn, ops in asm16:
        parsed = parse16(addr, mn, ops)
        assert parsed, (mn, ops)
        compressed.append((raw, parsed, f"{mn} {ops}".strip()))

    # The same instructions spelled as 32-bit mnemonics: `as` compresses them.
    spelled = [render32(name, f) for _, (name, f), _ in compressed]
    auto = assemble(spelled, rvc=True)
    assert len(auto) == len(spelled)
    for src_text, (addr, raw, mn, ops) in zip(spelled, auto):
        if raw & 3 != 3:
            compressed.append((raw, parse16(addr, mn, ops), f"as: {src_text} -> {mn} {ops}"))

    lines_out_raw16 = []
    for addr, raw, mn, ops in dumped_raw:
        if raw & 3 == 3:
            continue
        text = f"{mn} {ops}".strip()
        if raw in ill16:
            known = not (mn.startswith(".") or mn == "c.unimp")
            lines_out_raw16.append(f"illegal {raw:04x}" + (f"  # objdump: {text}" if known else ""))
            continue
        parsed = parse16(addr, mn, ops)
        note = ""
        if parsed is None:
            parsed = c_fields_from_bits(raw)
            assert parsed, f"{raw:04x} {text}"
            notes.append(f"{raw:04x} {parsed[0]} objdump-unknown-qemu-legal")
            note = f"objdump: {text}; qemu executes it (HINT)"
        compressed.append((raw, parsed, note))

    # Twins: assemble each expansion without RVC, and with RVC to check the
    # assembler compresses it back to the same halfword where it can.
    twin_src = [render32(name, f) for _, (name, f), _ in compressed]
    twins = assemble(twin_src, rvc=False)
    assert len(twins) == len(compressed)
    for (raw, (name, f), text), (taddr, traw, tmn, tops) in zip(compressed, twins):
        tparsed = parse32(taddr, traw, tmn, tops)
        assert tparsed == (name, f) or (tparsed[0] == name and _same(tparsed[1], f)), \
            (hex(raw), text, tparsed, name, f)
        comment = f"  # {text}" if text else ""
        lines_out.append(f"insn {raw:04x} {name} {fmt_fields(f)} twin={traw:08x}{comment}")
    lines_out += lines_out_raw16

    lines_out.append("# --- random 32-bit words")
    for addr, raw, mn, ops in dumped_raw:
        if raw & 3 == 3:
            emit32(addr, raw, mn, ops, "objdump")

    lines_out.append("# --- every halfword qemu-riscv64 7.2 rejects (all others are legal)")
    ill = sorted(ill16)
    for i in range(0, len(ill), 16):
        lines_out.append("illegal16 " + " ".join(f"{h:04x}" for h in ill[i:i + 16]))

    header = [
        "# Golden data for tests/test_decode.py.",
        "# Names/operands: riscv64-linux-gnu-as + objdump 2.40 (-M no-aliases,numeric),",
        f"# -march={MARCH}; legality: qemu-riscv64 7.2 executing each word once",
        "# (SIGILL at the word's own pc = illegal).  QEMU wins where the two disagree.",
        "# insn <hex> <name> [field=value ...] [aq] [rl] [twin=<hex>]: unlisted fields are 0;",
        "#   twin is the 32-bit encoding of a compressed instruction's expansion.",
        "# illegal <hex>: must decode as illegal.",
        "# illegal16 <hex>...: together, exactly the illegal 16-bit encodings.",
    ]
    with open(out_path, "w") as fh:
        fh.write("\n".join(header + lines_out) + "\n")
    print(f"{len(lines_out)} lines; {len(notes)} objdump-unknown but qemu-legal", file=sys.stderr)
    from collections import Counter
    print(Counter(n.split()[1] for n in notes), file=sys.stderr)


def _same(a, b):
    return all(a.get(k, 0) == b.get(k, 0) for k in KEYS)


if __name__ == "__main__":
    main(sys.argv[1])

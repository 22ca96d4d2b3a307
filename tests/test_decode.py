"""Tests for emu.riscv.decode.

Expected results come from tests/data/decode_golden.txt, generated once with
binutils (names, operands) and qemu-riscv64 7.2 (legality); see its header.
No cross tools are needed to run these tests.
"""

import random
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from emu.riscv import opcodes
from emu.riscv.decode import INSN_NAMES, Insn, decode, fields_text, insn_size

GOLDEN = Path(__file__).parent / "data" / "decode_golden.txt"
OPERANDS = ("rd", "rs1", "rs2", "rs3", "imm", "csr", "rm", "aq", "rl")
PC = 0x10000


@dataclass
class Case:
    raw: int
    name: str
    fields: dict
    twin: int | None
    line: str


def _load_golden():
    insns: list[Case] = []
    illegal: list[int] = []
    illegal16: set[int] = set()
    for line in GOLDEN.read_text().splitlines():
        tokens = line.partition("#")[0].split()
        if not tokens:
            continue
        kind, rest = tokens[0], tokens[1:]
        if kind == "illegal16":
            illegal16.update(int(t, 16) for t in rest)
        elif kind == "illegal":
            illegal.append(int(rest[0], 16))
        elif kind == "insn":
            fields = dict.fromkeys(OPERANDS, 0)
            fields["aq"] = fields["rl"] = False
            twin = None
            for tok in rest[2:]:
                key, _, value = tok.partition("=")
                if key in ("aq", "rl"):
                    fields[key] = True
                elif key == "twin":
                    twin = int(value, 16)
                else:
                    fields[key] = int(value)
            insns.append(Case(int(rest[0], 16), rest[1], fields, twin, line))
        else:
            raise ValueError(f"bad golden line: {line!r}")
    return insns, illegal, illegal16


GOLDEN_INSNS, GOLDEN_ILLEGAL, GOLDEN_ILLEGAL16 = _load_golden()
GOLDEN_NAMES = sorted({c.name for c in GOLDEN_INSNS})


def operands(insn: Insn) -> dict:
    return {k: getattr(insn, k) for k in OPERANDS}


def test_golden_file_is_substantial():
    assert len(GOLDEN_INSNS) > 5000
    assert len(GOLDEN_ILLEGAL) > 1000
    assert sum(1 for c in GOLDEN_INSNS if c.raw & 3 != 3) > 2000
    assert len(GOLDEN_ILLEGAL16) > 2000


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_instructions(name):
    cases = [c for c in GOLDEN_INSNS if c.name == name]
    bad = []
    for c in cases:
        insn = decode(c.raw, PC)
        size = 4 if c.raw & 3 == 3 else 2
        got = (insn.name, insn.size, insn.raw, insn.pc, operands(insn))
        if got != (c.name, size, c.raw, PC, c.fields):
            bad.append(f"{c.line}\n    got {insn!r}")
    assert not bad, f"{len(bad)}/{len(cases)} wrong:\n" + "\n".join(bad[:10])


def test_golden_covers_every_name():
    assert set(GOLDEN_NAMES) == set(INSN_NAMES)
    # Every name is exercised through a 32-bit encoding.
    assert {c.name for c in GOLDEN_INSNS if c.raw & 3 == 3} == set(INSN_NAMES)


def test_golden_illegal_words():
    bad = [f"{w:#x} -> {decode(w, PC)!r}" for w in GOLDEN_ILLEGAL if decode(w, PC).name != "illegal"]
    assert not bad, "\n".join(bad[:20])
    for w in GOLDEN_ILLEGAL:
        assert decode(w, PC).size == (4 if w & 3 == 3 else 2)


def test_compressed_expands_to_its_32bit_twin():
    twins = [c for c in GOLDEN_INSNS if c.twin is not None]
    assert len(twins) > 2000
    for c in twins:
        short, long = decode(c.raw, PC), decode(c.twin, PC)
        assert (short.size, long.size) == (2, 4)
        assert short.raw == c.raw and long.raw == c.twin
        assert (short.name, operands(short)) == (long.name, operands(long)), c.line


def test_compressed_illegal_set_is_exactly_qemus():
    """Every 16-bit encoding: illegal iff qemu-riscv64 7.2 raises SIGILL."""
    wrong = []
    for h in range(0x10000):
        if h & 3 == 3:
            continue
        if (decode(h, PC).name == "illegal") != (h in GOLDEN_ILLEGAL16):
            wrong.append(f"{h:04x} -> {decode(h, PC)!r}")
    assert not wrong, "\n".join(wrong[:20])


def _check_invariants(insn: Insn, word: int, pc: int) -> None:
    size = insn_size(word & 0xFFFF)
    assert isinstance(insn, Insn)
    assert insn.size == size
    assert insn.pc == pc
    assert insn.raw == word & (0xFFFFFFFF if size == 4 else 0xFFFF)
    assert insn.name == "illegal" or insn.name in INSN_NAMES
    for reg in (insn.rd, insn.rs1, insn.rs2, insn.rs3):
        assert 0 <= reg < 32
    assert 0 <= insn.csr < 4096
    assert insn.rm in (0, 1, 2, 3, 4, 7)
    assert isinstance(insn.imm, int) and -(1 << 31) <= insn.imm < (1 << 31)
    assert isinstance(insn.aq, bool) and isinstance(insn.rl, bool)


def test_every_halfword_decodes_without_raising():
    for h in range(0x10000):
        _check_invariants(decode(h, 0x1000), h, 0x1000)


def test_compressed_ignores_upper_halfword():
    rng = random.Random(7)
    for h in range(0, 0x10000, 7):
        if h & 3 == 3:
            continue
        word = (rng.getrandbits(16) << 16) | h
        insn = decode(word, 0)
        assert insn.raw == h and insn.size == 2
        assert (insn.name, operands(insn)) == (decode(h, 0).name, operands(decode(h, 0)))


def test_random_words_decode_without_raising():
    rng = random.Random(1234)
    for _ in range(300_000):
        word = rng.getrandbits(32)
        pc = rng.getrandbits(48) & ~1
        _check_invariants(decode(word, pc), word, pc)


def test_insn_size():
    assert insn_size(0x0000) == 2
    assert insn_size(0x4501) == 2
    assert insn_size(0x9002) == 2
    assert insn_size(0x0513) == 4
    assert insn_size(0xFFFF) == 4
    # Longer-than-32-bit encodings are treated as 4-byte illegal words.
    assert insn_size(0x003F) == 4
    assert decode(0x0000003F, 0).name == "illegal"
    assert decode(0x0000007F, 0).size == 4


def check(word: int, name: str, **fields) -> Insn:
    insn = decode(word, 0x2000)
    expected = {k: fields.get(k, False if k in ("aq", "rl") else 0) for k in OPERANDS}
    assert (insn.name, operands(insn)) == (name, expected), repr(insn)
    return insn


def test_compressed_expansions_from_the_brief():
    check(0x0001, "addi")                                  # c.nop
    check(0x0505, "addi", rd=10, rs1=10, imm=1)            # c.addi a0,1
    check(0x852E, "add", rd=10, rs1=0, rs2=11)             # c.mv a0,a1
    check(0x952E, "add", rd=10, rs1=10, rs2=11)            # c.add a0,a1
    check(0xA001, "jal", rd=0, imm=0)                      # c.j .
    check(0x8082, "jalr", rd=0, rs1=1, imm=0)              # c.jr ra
    check(0x9502, "jalr", rd=1, rs1=10, imm=0)             # c.jalr a0
    check(0x9002, "ebreak")                                # c.ebreak
    check(0x557D, "addi", rd=10, rs1=0, imm=-1)            # c.li a0,-1
    check(0x6522, "ld", rd=10, rs1=2, imm=8)               # c.ldsp a0,8(sp)
    check(0x7101, "addi", rd=2, rs1=2, imm=-512)           # c.addi16sp sp,-512
    check(0x757D, "lui", rd=10, imm=-4096)                 # c.lui a0,0xfffff
    check(0x0048, "addi", rd=10, rs1=2, imm=4)             # c.addi4spn a0,sp,4
    check(0x2522, "fld", rd=10, rs1=2, imm=8)              # c.fldsp fa0,8(sp)
    check(0xBFA2, "fsd", rs1=2, rs2=8, imm=504)            # c.fsdsp fs0,504(sp)
    check(0xD101, "beq", rs1=10, rs2=0, imm=-256)          # c.beqz a0,.-256
    assert decode(0x4501, 0).size == 2


@pytest.mark.parametrize("halfword, what", [
    (0x0000, "all-zero halfword"),
    (0x0004, "c.addi4spn with imm 0"),
    (0x0010, "c.addi4spn with imm 0, rd' != x8"),
    (0x6101, "c.addi16sp with imm 0"),
    (0x6501, "c.lui a0 with imm 0"),
    (0x6001, "c.lui x0 with imm 0"),
    (0x4002, "c.lwsp x0"),
    (0x6002, "c.ldsp x0"),
    (0x8002, "c.jr x0"),
    (0x2001, "c.addiw x0 (RV64)"),
    (0x8000, "quadrant 0 funct3 100"),
    (0x9C41, "c.subw-space reserved funct2 10"),
    (0x9C61, "c.subw-space reserved funct2 11"),
])
def test_reserved_compressed_encodings_are_illegal(halfword, what):
    insn = decode(halfword, 0)
    assert (insn.name, insn.size, insn.raw) == ("illegal", 2, halfword), what


@pytest.mark.parametrize("halfword, name", [
    (0x0015, "addi"),   # c.addi x0,5 (HINT)
    (0x0501, "addi"),   # c.addi a0,0 (HINT)
    (0x400D, "addi"),   # c.li x0,3 (HINT)
    (0x6005, "lui"),    # c.lui x0,1 (HINT)
    (0x802E, "add"),    # c.mv x0,a1 (HINT)
    (0x902E, "add"),    # c.add x0,a1 (HINT)
    (0x000E, "slli"),   # c.slli x0,3 (HINT)
    (0x0502, "slli"),   # c.slli a0,0 (HINT)
    (0x8101, "srli"),   # c.srli s0,0 (HINT)
    (0x2022, "fld"),    # c.fldsp f0,8(sp): f0 is a valid target
])
def test_compressed_hints_decode_as_their_expansion(halfword, name):
    assert decode(halfword, 0).name == name


def test_32bit_specifics_from_the_brief():
    check(0x0805C53B, "zext.h", rd=10, rs1=11)
    check(0x6B85D513, "rev8", rd=10, rs1=11)
    check(0x2875D513, "orc.b", rd=10, rs1=11)
    check(0x0FF0000F, "fence", imm=0xFF)
    check(0x8330000F, "fence", imm=0x833)                  # fence.tso
    check(0x0100000F, "fence", imm=0x010)                  # pause
    check(0x0000100F, "fence.i")
    check(0x00000073, "ecall")
    check(0x00100073, "ebreak")
    check(0x002FD573, "csrrwi", rd=10, imm=31, csr=2)      # csrrwi a0,frm,31
    check(0x00159573, "csrrw", rd=10, rs1=11, csr=1)
    check(0x06B6252F, "amoadd.w", rd=10, rs1=12, rs2=11, aq=True, rl=True)
    check(0x1405B52F, "lr.d", rd=10, rs1=11, aq=True)
    check(0x68C5B543, "fmadd.s", rd=10, rs1=11, rs2=12, rs3=13, rm=3)
    check(0x02C5F553, "fadd.d", rd=10, rs1=11, rs2=12, rm=7)
    check(0xC2054553, "fcvt.w.d", rd=10, rs1=10, rm=4)
    check(0x80000517, "auipc", rd=10, imm=-(1 << 31))
    check(0x801FF06F, "jal", imm=-2048)
    check(0x03F59513, "slli", rd=10, rs1=11, imm=63)
    check(0x63F2D293, "rori", rd=5, rs1=5, imm=63)


@pytest.mark.parametrize("word, what", [
    (0x10500073, "wfi"),
    (0x30200073, "mret"),
    (0x10200073, "sret"),
    (0x12000073, "sfence.vma"),
    (0x000000F3, "ecall with rd != 0"),
    (0x00100173, "ebreak with rd != 0"),
    (0x001151D3, "fadd.s with reserved rm 5"),
    (0x001161D3, "fadd.s with reserved rm 6"),
    (0x420151D3, "fcvt.d.s with reserved rm 5"),
    (0x0402D293, "slli with shamt 64"),
    (0x0202929B, "slliw with shamt[5] set"),
    (0x6402D293, "rori with shamt 64"),
    (0x1012A2AF, "lr.w with rs2 != 0"),
    (0x0002F283, "ldu (RV128 only)"),
    (0x0042A00F, "cbo.zero (Zicboz not enabled in QEMU 7.2)"),
    (0x00D00073, "wrs.nto (Zawrs)"),
    (0x0C057057, "vsetvli (V disabled)"),
    (0x02828407, "vl1re8.v: QEMU 7.2 runs it without V; llemu has no V"),
    (0x041101D3, "fadd.h (Zfh disabled)"),
    (0x081141B3, "pack (Zbkb disabled)"),
    (0x6982D293, "rev8 RV32 encoding"),
    (0x0802C2B3, "zext.h RV32 encoding"),
    (0xFFFFFFFF, "all ones"),
])
def test_illegal_32bit_encodings(word, what):
    insn = decode(word, 0)
    assert (insn.name, insn.size) == ("illegal", 4), what


def test_qemu_accepts_operand_bits_objdump_rejects():
    """QEMU ignores these fields; objdump prints the words as unknown."""
    check(0x0FF0028F, "fence", imm=0xFF)        # rd != 0
    check(0x0FF2800F, "fence", imm=0xFF)        # rs1 != 0
    check(0xFFF0000F, "fence", imm=0xFFF)       # fm = 0xf
    check(0xFFF0100F, "fence.i")                # imm != 0
    check(0xD20575D3, "fcvt.d.w", rd=11, rs1=10, rm=7)
    check(0x420595D3, "fcvt.d.s", rd=11, rs1=11, rm=1)


def test_insn_names():
    assert isinstance(INSN_NAMES, frozenset)
    assert "illegal" not in INSN_NAMES
    required = """
        lui auipc jal jalr beq bne blt bge bltu bgeu lb lh lw ld lbu lhu lwu sb sh sw sd
        addi slti sltiu xori ori andi slli srli srai add sub sll slt sltu xor srl sra or and
        addiw slliw srliw sraiw addw subw sllw srlw sraw fence fence.i ecall ebreak
        csrrw csrrs csrrc csrrwi csrrsi csrrci
        mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw
        lr.w sc.w amoswap.w amoadd.w amoxor.w amoand.w amoor.w amomin.w amomax.w amominu.w amomaxu.w
        lr.d sc.d amoswap.d amoadd.d amoxor.d amoand.d amoor.d amomin.d amomax.d amominu.d amomaxu.d
        add.uw sh1add sh2add sh3add sh1add.uw sh2add.uw sh3add.uw slli.uw
        andn orn xnor clz clzw ctz ctzw cpop cpopw max maxu min minu sext.b sext.h zext.h
        rol rolw ror rori roriw rorw orc.b rev8
        bclr bclri bext bexti binv binvi bset bseti clmul clmulh clmulr
    """.split()
    for p in ("s", "d"):
        required += [f"fl{'w' if p == 's' else 'd'}", f"fs{'w' if p == 's' else 'd'}"]
        required += [f"{op}.{p}" for op in (
            "fmadd fmsub fnmsub fnmadd fadd fsub fmul fdiv fsqrt fsgnj fsgnjn fsgnjx "
            "fmin fmax feq flt fle fclass").split()]
        required += [f"fcvt.{i}.{p}" for i in ("w", "wu", "l", "lu")]
        required += [f"fcvt.{p}.{i}" for i in ("w", "wu", "l", "lu")]
    required += ["fcvt.s.d", "fcvt.d.s", "fmv.x.w", "fmv.w.x", "fmv.x.d", "fmv.d.x"]
    assert set(required) == INSN_NAMES


def test_repr_and_fields_text():
    insn = decode(0xFFC10093, 0x10000)        # addi x1,x2,-4
    assert repr(insn) == "Insn(addi rd=1 rs1=2 imm=-4 @0x10000)"
    assert fields_text(decode(0x00000013, 0)) == "addi rd=0 rs1=0 imm=0"
    assert fields_text(decode(0x06B6252F, 0)) == "amoadd.w rd=10 rs1=12 rs2=11 aq rl"
    assert fields_text(decode(0x00159573, 0)) == "csrrw rd=10 rs1=11 csr=0x1"
    assert fields_text(decode(0, 0)) == "illegal"


def test_insn_uses_slots():
    insn = decode(0x00000013, 0)
    with pytest.raises(AttributeError):
        insn.extra = 1


def test_decode_returns_fresh_objects():
    a, b = decode(0x00000013, 0x100), decode(0x00000013, 0x200)
    assert a is not b and (a.pc, b.pc) == (0x100, 0x200)
    a.rd = 5
    assert decode(0x00000013, 0).rd == 0


def test_table_patterns_are_well_formed():
    for rows, width in ((opcodes.RV32, 32), (opcodes.RVC, 16)):
        for row in rows:
            bits = row[0].replace(" ", "")
            assert len(bits) == width and set(bits) <= set("01."), row
            assert row[2] in opcodes.FORMATS, row


def test_ambiguous_patterns_are_rejected():
    from emu.riscv.decode import _Table
    rows = [("....... ..... ..... 000 ..... 0110011", "a", "R"),
            ("0000000 ..... ..... ... ..... 0110011", "b", "R")]
    with pytest.raises(ValueError, match="ambiguous"):
        _Table(rows, 32, 0x7F)


def test_decode_speed():
    """Generous bound: the target is well under 3 us per instruction."""
    words = [c.raw for c in GOLDEN_INSNS][:5000]
    for w in words:
        decode(w, 0)
    start = time.perf_counter()
    for _ in range(4):
        for w in words:
            decode(w, 0x1000)
    per_insn = (time.perf_counter() - start) / (4 * len(words))
    assert per_insn < 10e-6

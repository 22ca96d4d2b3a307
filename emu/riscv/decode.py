"""RV64GC instruction decoder driven by the tables in `emu.riscv.opcodes`.

Compressed instructions are expanded: they decode to the same name and
operands as their 32-bit twin, with `size == 2` and the 16-bit `raw`.
Anything QEMU 7.2 (user mode, default CPU) rejects decodes as "illegal".
"""

from collections.abc import Callable

from emu.riscv import opcodes

__all__ = ["Insn", "decode", "insn_size", "fields_text", "INSN_NAMES"]

_OPERANDS = ("rd", "rs1", "rs2", "rs3", "imm", "csr", "rm", "aq", "rl")

# Rounding-mode values 5 and 6 are reserved; QEMU raises SIGILL for them.
_RESERVED_RM = (5, 6)

# Decoded words are cached; the cache is dropped when it grows past this, so
# feeding random words cannot exhaust memory.
_CACHE_LIMIT = 1 << 17


class Insn:
    """One decoded instruction; plain attributes, cheap to create."""

    __slots__ = ("name", "pc", "raw", "size") + _OPERANDS

    def __init__(self, name: str, pc: int, raw: int, size: int,
                 rd: int = 0, rs1: int = 0, rs2: int = 0, rs3: int = 0,
                 imm: int = 0, csr: int = 0, rm: int = 0,
                 aq: bool = False, rl: bool = False) -> None:
        self.name = name
        self.pc = pc
        self.raw = raw
        self.size = size
        self.rd = rd
        self.rs1 = rs1
        self.rs2 = rs2
        self.rs3 = rs3
        self.imm = imm
        self.csr = csr
        self.rm = rm
        self.aq = aq
        self.rl = rl

    def __repr__(self) -> str:
        return f"Insn({fields_text(self)} @{self.pc:#x})"


def fields_text(insn: Insn) -> str:
    """Name plus the operands its format uses, e.g. "addi rd=1 rs1=2 imm=-4"."""
    parts = [insn.name]
    for attr in _USED_OPERANDS.get(insn.name, ()):
        value = getattr(insn, attr)
        if attr in ("aq", "rl"):
            if value:
                parts.append(attr)
        elif attr == "csr":
            parts.append(f"csr={value:#x}")
        else:
            parts.append(f"{attr}={value}")
    return " ".join(parts)


def _field_extractor(spec: str) -> Callable[[int], int]:
    """Compile a decodetree-style field layout (see opcodes.FIELDS)."""
    segments: list[tuple[int, int]] = []
    signed = False
    shift = 0
    bias = 0
    for token in spec.split():
        if token.startswith("<<"):
            shift = int(token[2:])
        elif token.startswith("+"):
            bias = int(token[1:])
        else:
            pos, length = token.split(":")
            if length.startswith("s"):
                if segments:
                    raise ValueError(f"only the first segment may be signed: {spec}")
                signed = True
                length = length[1:]
            segments.append((int(pos), int(length)))
    width = sum(length for _, length in segments)
    sign_bit = 1 << (width - 1)

    def extract(word: int) -> int:
        value = 0
        for pos, length in segments:
            value = (value << length) | ((word >> pos) & ((1 << length) - 1))
        if signed and value & sign_bit:
            value -= sign_bit << 1
        return (value << shift) + bias

    return extract


_EXTRACTORS = {name: _field_extractor(spec) for name, spec in opcodes.FIELDS.items()}

# Per format: (attribute, extractor or constant) pairs, in _OPERANDS order.
_FORMATS = {
    fmt: tuple((attr, _EXTRACTORS[src] if isinstance(src, str) else src)
               for attr in _OPERANDS if (src := layout.get(attr)) is not None)
    for fmt, layout in opcodes.FORMATS.items()
}


class _Pattern:
    """One table row compiled to mask/match form."""

    __slots__ = ("mask", "match", "name", "operands", "nonzero", "check_rm")

    def __init__(self, row: opcodes.Row, width: int) -> None:
        bits = row[0].replace(" ", "")
        if len(bits) != width or set(bits) - set("01."):
            raise ValueError(f"bad {width}-bit pattern {row[0]!r}")
        self.mask = int(bits.replace("0", "1").replace(".", "0"), 2)
        self.match = int(bits.replace(".", "0"), 2)
        self.name = row[1]
        self.operands = _FORMATS[row[2]]
        self.nonzero = row[3] if len(row) > 3 else ()
        self.check_rm = "rm" in opcodes.FORMATS[row[2]]

    def overlaps(self, other: "_Pattern") -> bool:
        common = self.mask & other.mask
        return (self.match ^ other.match) & common == 0

    def refines(self, other: "_Pattern") -> bool:
        """True if every fixed bit of `other` is fixed here too, and more."""
        return self.mask != other.mask and self.mask & other.mask == other.mask


class _Table:
    """Patterns bucketed by major opcode, then by the bits all patterns of
    that bucket fix; each final list is sorted most specific first."""

    def __init__(self, rows: list[opcodes.Row], width: int, major_mask: int) -> None:
        patterns = [_Pattern(row, width) for row in rows]
        majors: dict[int, list[_Pattern]] = {}
        for p in patterns:
            if p.mask & major_mask != major_mask:
                raise ValueError(f"{p.name}: pattern does not fix the major opcode")
            majors.setdefault(p.match & major_mask, []).append(p)
        self.major_mask = major_mask
        self.buckets: dict[int, tuple[int, dict[int, list[_Pattern]]]] = {}
        for major, group in majors.items():
            _check_unambiguous(group)
            sub_mask = -1
            for p in group:
                sub_mask &= p.mask
            subs: dict[int, list[_Pattern]] = {}
            for p in sorted(group, key=lambda p: -p.mask.bit_count()):
                subs.setdefault(p.match & sub_mask, []).append(p)
            self.buckets[major] = (sub_mask, subs)

    def lookup(self, word: int) -> _Pattern | None:
        bucket = self.buckets.get(word & self.major_mask)
        if bucket is None:
            return None
        sub_mask, subs = bucket
        for p in subs.get(word & sub_mask, ()):
            if word & p.mask == p.match:
                return p
        return None


def _check_unambiguous(group: list[_Pattern]) -> None:
    """Overlapping patterns must nest, so "most specific wins" is well defined."""
    for i, a in enumerate(group):
        for b in group[i + 1:]:
            if a.overlaps(b) and not (a.refines(b) or b.refines(a)):
                raise ValueError(f"ambiguous patterns: {a.name} / {b.name}")


_RV32 = _Table(opcodes.RV32, 32, 0x7F)
_RVC = _Table(opcodes.RVC, 16, 0xE003)

INSN_NAMES: frozenset[str] = frozenset(row[1] for row in opcodes.RV32 + opcodes.RVC)

# Operands each name's 32-bit format defines (compressed forms use the same).
_USED_OPERANDS: dict[str, tuple[str, ...]] = {
    row[1]: tuple(a for a in _OPERANDS if a in opcodes.FORMATS[row[2]])
    for row in opcodes.RV32
}

_ILLEGAL = ("illegal", 0, 0, 0, 0, 0, 0, 0, False, False)
_cache: dict[int, tuple] = {}  # raw word -> _decode_uncached() result


def _decode_uncached(raw: int, table: _Table) -> tuple:
    """(name, rd, rs1, rs2, rs3, imm, csr, rm, aq, rl) for one raw word."""
    p = table.lookup(raw)
    if p is None:
        return _ILLEGAL
    values = dict.fromkeys(_OPERANDS, 0)
    for attr, src in p.operands:
        values[attr] = src if isinstance(src, int) else src(raw)
    for attr in p.nonzero:
        if values[attr] == 0:
            return _ILLEGAL
    if p.check_rm and values["rm"] in _RESERVED_RM:
        return _ILLEGAL
    return (p.name, values["rd"], values["rs1"], values["rs2"], values["rs3"],
            values["imm"], values["csr"], values["rm"],
            bool(values["aq"]), bool(values["rl"]))


def insn_size(first_halfword: int) -> int:
    """Length in bytes of the instruction starting with this halfword."""
    return 4 if first_halfword & 3 == 3 else 2


def decode(word: int, pc: int) -> Insn:
    """Decode the instruction at `pc`; `word` holds (at least) its bits.

    Never raises: unknown and reserved encodings give name "illegal".
    """
    if word & 3 == 3:
        raw = word & 0xFFFFFFFF
        size = 4
    else:
        raw = word & 0xFFFF
        size = 2
    t = _cache.get(raw)
    if t is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        t = _cache[raw] = _decode_uncached(raw, _RV32 if size == 4 else _RVC)
    return Insn(t[0], pc, raw, size, t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9])

"""Small ELF64 files built byte by byte, for the loader tests and for guest
programs that the tests generate (no cross compiler needed)."""
from __future__ import annotations

import os
import struct

from emu import loader as L
from emu import memory as M

PAGE = M.PAGE_SIZE


def make_elf(path, *, e_type=L.ET_EXEC, machine=L.EM_RISCV, ei_class=2, ei_data=1, entry=0x10078,
             segments=(), interp=None, phdr_seg=False, symbols=(), phnum_override=None,
             mode=0o755):
    """Write a small ELF64 file.

    segments: (vaddr, p_flags, file_bytes, memsz, trailing_file_bytes); each segment's data
    goes at a file offset congruent to vaddr mod PAGE; the trailing bytes follow it in the
    file (to check that bss really zeroes the rest of the last file page).
    """
    n = len(segments) + (1 if interp is not None else 0) + (1 if phdr_seg else 0)
    hdr_size = 64 + 56 * n
    phdrs, seg_blobs, blobs = [], [], []
    off = hdr_size
    if phdr_seg:
        phdrs.append((L.PT_PHDR, 4, 64, segments[0][0] + 64, 0, 56 * n, 56 * n, 8))
    if interp is not None:
        data = interp if isinstance(interp, bytes) else interp.encode() + b"\0"
        phdrs.append((L.PT_INTERP, 4, off, 0, 0, len(data), len(data), 1))
        blobs.append((off, data))
        off += len(data)
    for i, (vaddr, flags, data, memsz, trailing) in enumerate(segments):
        if i == 0 and vaddr % PAGE == 0:
            seg_off = 0     # the first segment covers the headers, as linkers do
        else:
            seg_off = off + (vaddr - off) % PAGE
        phdrs.append((L.PT_LOAD, flags, seg_off, vaddr, vaddr, len(data), memsz, PAGE))
        seg_blobs += [(seg_off, data), (seg_off + len(data), trailing)]
        off = max(off, seg_off + len(data) + len(trailing))
    blobs = seg_blobs + blobs
    sh = b""
    shoff = shnum = shstrndx = 0
    if symbols:
        strtab = b"\0" + b"".join(s.encode() + b"\0" for s, _, _ in symbols)
        symtab = bytes(24)
        pos = 1
        for name, value, size in symbols:
            symtab += struct.pack("<IBBHQQ", pos, 0x12, 0, 1, value, size)   # GLOBAL FUNC
            pos += len(name) + 1
        shstr = b"\0.symtab\0.strtab\0.shstrtab\0"
        base = off
        blobs += [(base, symtab), (base + len(symtab), strtab), (base + len(symtab) + len(strtab), shstr)]
        shoff = base + len(symtab) + len(strtab) + len(shstr)
        sh = bytes(64)
        sh += struct.pack("<IIQQQQIIQQ", 1, 2, 0, 0, base, len(symtab), 2, 1, 8, 24)
        sh += struct.pack("<IIQQQQIIQQ", 9, 3, 0, 0, base + len(symtab), len(strtab), 0, 0, 1, 0)
        sh += struct.pack("<IIQQQQIIQQ", 17, 3, 0, 0, base + len(symtab) + len(strtab),
                          len(shstr), 0, 0, 1, 0)
        shnum, shstrndx = 4, 3
        blobs.append((shoff, sh))
    ident = b"\x7fELF" + bytes([ei_class, ei_data, 1]) + bytes(9)
    ehdr = L.EHDR.pack(ident, e_type, machine, 1, entry, 64, shoff, 0, 64, 56,
                       n if phnum_override is None else phnum_override, 64, shnum, shstrndx)
    size = max([o + len(b) for o, b in blobs] + [hdr_size])
    img = bytearray(size)
    for o, b in blobs:
        img[o:o + len(b)] = b
    img[:64] = ehdr
    for i, ph in enumerate(phdrs):
        img[64 + 56 * i:64 + 56 * (i + 1)] = L.PHDR.pack(*ph)
    with open(path, "wb") as f:
        f.write(img)
    os.chmod(path, mode)
    return str(path)

"""The ELF loader: segments, bss, brk, the initial stack and auxv, errors in QEMU's words."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from emu import loader as L
from emu import memory as M
from emu.loader import LoadError, load_program
from emu.memory import GuestMemory
from elfmaker import make_elf

PAGE = M.PAGE_SIZE


TEXT = bytes(range(256)) * 4           # 1 KiB of recognisable "code"


def static_exe(tmp_path, name="prog", **kw):
    segs = [(0x10000, L.PF_R | L.PF_X, bytes(64 + 56 * 2) + TEXT, 64 + 56 * 2 + len(TEXT), b""),
            (0x12F00, L.PF_R | L.PF_W, b"D" * 0x80, 0x2000, b"\xee" * 64)]
    return make_elf(tmp_path / name, segments=segs, entry=0x10100, **kw)


def auxv_of(mem, sp):
    argc = mem.read_u(sp, 8)
    p = sp + 8 * (argc + 1)
    assert mem.read_u(p, 8) == 0
    p += 8
    while mem.read_u(p, 8):
        p += 8
    p += 8
    pairs = []
    while True:
        k, v = mem.read_u(p, 8), mem.read_u(p + 8, 8)
        pairs.append((k, v))
        p += 16
        if k == 0:
            return pairs


@pytest.fixture
def mem():
    return GuestMemory()


def test_static_segments_permissions_bss_and_brk(mem, tmp_path):
    path = static_exe(tmp_path)
    img = load_program(mem, path, [path], [])
    assert (img.entry, img.exe_entry, img.load_bias, img.interp_base) == (0x10100, 0x10100, 0, 0)
    assert mem.read(0x10000 + 64 + 112, len(TEXT)) == TEXT
    text, data = mem.vma_at(0x10000), mem.vma_at(0x12F00)
    assert text.prot == M.PROT_READ | M.PROT_EXEC
    assert data.prot == M.PROT_READ | M.PROT_WRITE
    assert mem.read(0x12F00, 0x80) == b"D" * 0x80
    # The file bytes after filesz on the same page must read as zero (bss).
    assert mem.read(0x12F80, 0x2000 - 0x80) == bytes(0x2000 - 0x80)
    assert mem.check(0x14EFF, 1, M.PROT_WRITE)
    assert img.brk == M.page_ceil(0x12F00 + 0x2000) == mem.brk_start == mem.brk(0)
    assert (img.start_code, img.end_code) == (0x10000, 0x10000 + 176 + len(TEXT))
    assert (img.start_data, img.end_data) == (0x12F00, 0x12F80)
    assert img.exe_path == os.path.realpath(path)


def test_stack_layout_and_auxv(mem, tmp_path):
    path = static_exe(tmp_path)
    img = load_program(mem, path, [path, "one", "two"], ["A=1", "HOME=/x"], stack_size=1 << 20)
    sp = img.sp
    assert sp % 16 == 0 and img.start_stack == sp
    stack = mem.vma_at(sp)
    assert (stack.end, stack.end - stack.start, stack.name) == (M.STACK_TOP, 1 << 20, "[stack]")
    guard = mem.vma_at(stack.start - 1)                             # guard below the stack
    assert (guard.start, guard.prot) == (stack.start - PAGE, M.PROT_NONE)
    assert not mem.check(stack.start - 1, 1, M.PROT_READ)
    assert mem.read_u(sp, 8) == 3
    argv = [mem.read_cstr(mem.read_u(sp + 8 * i, 8)) for i in range(1, 4)]
    assert argv == [path.encode(), b"one", b"two"]
    envp = [mem.read_cstr(mem.read_u(sp + 8 * i, 8)) for i in range(5, 7)]
    assert envp == [b"A=1", b"HOME=/x"]
    aux = auxv_of(mem, sp)
    keys = [k for k, _ in aux]
    assert keys == [L.AT_PHDR, L.AT_PHENT, L.AT_PHNUM, L.AT_PAGESZ, L.AT_BASE, L.AT_FLAGS,
                    L.AT_ENTRY, L.AT_UID, L.AT_EUID, L.AT_GID, L.AT_EGID, L.AT_HWCAP,
                    L.AT_CLKTCK, L.AT_RANDOM, L.AT_SECURE, L.AT_EXECFN, L.AT_NULL]
    a = dict(aux)
    assert a[L.AT_PHDR] == 0x10040 and a[L.AT_PHENT] == 56 and a[L.AT_PHNUM] == 2
    assert a[L.AT_PAGESZ] == 4096 and a[L.AT_ENTRY] == 0x10100 and a[L.AT_BASE] == 0
    assert a[L.AT_HWCAP] == 0x112D and a[L.AT_CLKTCK] == 100 and a[L.AT_SECURE] == 0
    assert a[L.AT_UID] == os.getuid() and a[L.AT_EGID] == os.getegid()
    assert mem.read_cstr(a[L.AT_EXECFN]) == path.encode()
    assert sp < a[L.AT_RANDOM] < M.STACK_TOP and mem.check(a[L.AT_RANDOM], 16, M.PROT_READ)
    assert img.auxv == aux
    # Strings sit at the top: argv, then envp, then the exec name, then a NULL word.
    first = mem.read_u(sp + 8, 8)
    blob = mem.read(first, M.STACK_TOP - first)
    assert blob == (path.encode() + b"\0one\0two\0A=1\0HOME=/x\0" + path.encode() + b"\0"
                    + bytes(8))


def test_argv0_replaces_argv0_only(mem, tmp_path):
    path = static_exe(tmp_path)
    img = load_program(mem, path, [path, "x"], [], argv0="renamed")
    assert mem.read_cstr(mem.read_u(img.sp + 8, 8)) == b"renamed"
    assert mem.read_cstr(dict(auxv_of(mem, img.sp))[L.AT_EXECFN]) == path.encode()
    assert img.argv == ["renamed", "x"]


def test_arguments_too_big_for_the_stack(mem, tmp_path):
    path = static_exe(tmp_path)
    with pytest.raises(LoadError) as e:
        load_program(mem, path, [path, "x" * 200000], [], stack_size=64 * 1024)
    assert str(e.value) == f"Error while loading {path}: Argument list too long"


def test_static_pie_loads_at_et_dyn_base_with_symbols(mem, tmp_path):
    segs = [(0, L.PF_R | L.PF_X, bytes(64 + 56 * 2) + TEXT, 0x1000, b""),
            (0x1E00, L.PF_R | L.PF_W, b"d" * 16, 0x300, b"")]
    path = make_elf(tmp_path / "pie", e_type=L.ET_DYN, segments=segs, entry=0x200,
                    symbols=[("main", 0x180, 12), ("_start", 0x200, 4)])
    img = load_program(mem, path, [path], [])
    base = M.ET_DYN_BASE
    assert img.load_bias == base and img.entry == img.exe_entry == base + 0x200
    assert mem.read(base + 0x1E00, 16) == b"d" * 16
    assert dict(auxv_of(mem, img.sp))[L.AT_PHDR] == base + 64
    assert sorted(img.symbols) == [(base + 0x180, 12, "main"), (base + 0x200, 4, "_start")]
    assert img.brk == base + 0x3000


def test_pt_phdr_gives_at_phdr(mem, tmp_path):
    segs = [(0x10000, L.PF_R | L.PF_X, bytes(64 + 56 * 2) + TEXT, 0x1000, b"")]
    path = make_elf(tmp_path / "ph", segments=segs, phdr_seg=True)
    img = load_program(mem, path, [path], [])
    a = dict(auxv_of(mem, img.sp))
    assert a[L.AT_PHDR] == 0x10040 and a[L.AT_PHNUM] == 2


def dynamic_pair(tmp_path, interp="/lib/ld-test.so.1"):
    sysroot = tmp_path / "sysroot"
    (sysroot / "lib").mkdir(parents=True)
    isegs = [(0, L.PF_R | L.PF_X, bytes(64 + 56) + b"ldso", 0x2000, b"")]
    make_elf(sysroot / "lib" / "ld-test.so.1", e_type=L.ET_DYN, segments=isegs, entry=0x100,
             symbols=[("_dl_start", 0x100, 8)], mode=0o644)
    segs = [(0, L.PF_R | L.PF_X, bytes(64 + 56 * 2 + 64) + TEXT, 0x1000, b"")]
    prog = make_elf(tmp_path / "dyn", e_type=L.ET_DYN, segments=segs, entry=0x400, interp=interp)
    return prog, str(sysroot)


def test_dynamic_program_with_interpreter_under_sysroot(mem, tmp_path):
    prog, sysroot = dynamic_pair(tmp_path)
    img = load_program(mem, prog, [prog], [], sysroot=sysroot)
    assert img.exe_entry == M.ET_DYN_BASE + 0x400
    assert img.interp_base % PAGE == 0 and img.interp_base + 0x2000 <= mem.mmap_base
    assert img.entry == img.interp_base + 0x100
    assert img.interp_path == os.path.join(sysroot, "lib/ld-test.so.1")
    a = dict(auxv_of(mem, img.sp))
    assert a[L.AT_BASE] == img.interp_base and a[L.AT_ENTRY] == img.exe_entry
    assert mem.read(img.interp_base + 64 + 56, 4) == b"ldso"
    assert (img.interp_base + 0x100, 8, "_dl_start") in img.symbols
    assert mem.vma_at(img.interp_base).name == os.path.realpath(img.interp_path)


def test_missing_interpreter(mem, tmp_path):
    prog, _ = dynamic_pair(tmp_path, interp="/lib/ld-missing.so.1")
    with pytest.raises(LoadError) as e:
        load_program(mem, prog, [prog], [], sysroot=str(tmp_path / "sysroot"))
    assert e.value.report() == ("llemu-riscv64: Could not open '/lib/ld-missing.so.1': "
                                "No such file or directory")
    assert e.value.status == 255


def test_bad_pt_interp(mem, tmp_path):
    segs = [(0x10000, L.PF_R | L.PF_X, bytes(200), 0x1000, b"")]
    path = make_elf(tmp_path / "badinterp", segments=segs, interp=b"/lib/ld.so")
    with pytest.raises(LoadError) as e:
        load_program(mem, path, [path], [])
    assert str(e.value) == f"{path}: Invalid PT_INTERP entry"


@pytest.mark.parametrize("kw", [dict(machine=62), dict(ei_class=1), dict(ei_data=2),
                                dict(e_type=4), dict(e_type=1)],
                         ids=["x86_64", "elf32", "big-endian", "core", "relocatable"])
def test_foreign_elf_is_invalid_image(mem, tmp_path, kw):
    path = static_exe(tmp_path, **kw)
    with pytest.raises(LoadError) as e:
        load_program(mem, path, [path], [])
    assert e.value.report() == f"llemu-riscv64: {path}: Invalid ELF image for this architecture"
    assert e.value.status == 255


def test_truncated_program_headers(mem, tmp_path):
    path = static_exe(tmp_path, phnum_override=2000)
    with pytest.raises(LoadError) as e:
        load_program(mem, path, [path], [])
    assert str(e.value) == f"{path}: Incomplete read of file header"


def test_open_and_format_errors_use_qemus_stdout_form(mem, tmp_path):
    cases = {}
    cases[str(tmp_path / "missing")] = "No such file or directory"
    cases[str(tmp_path)] = "Permission denied"                         # a directory
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    cases[str(script)] = "Exec format error"
    noexec = tmp_path / "noexec"
    noexec.write_bytes(b"\x7fELF" + bytes(100))
    noexec.chmod(0o644)
    cases[str(noexec)] = "Permission denied"
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    empty.chmod(0o755)
    cases[str(empty)] = "Exec format error"
    for path, why in cases.items():
        with pytest.raises(LoadError) as e:
            load_program(mem, path, [path], [])
        assert e.value.report() == f"llemu-riscv64: Error while loading {path}: {why}"
        assert e.value.status == 1


def test_mmap_base_moves_below_a_big_stack(mem, tmp_path):
    path = static_exe(tmp_path)
    img = load_program(mem, path, [path], [], stack_size=64 << 20)
    assert mem.mmap_base <= M.STACK_TOP - (64 << 20) - M.STACK_GAP
    assert mem.vma_at(img.sp).start == M.STACK_TOP - (64 << 20)


CROSS = shutil.which("riscv64-linux-gnu-gcc")
SYSROOT = "/usr/riscv64-linux-gnu"


def test_real_static_binary(mem, tmp_path):
    """A glibc static program from the cross compiler: layout matches its headers."""
    assert CROSS, "riscv64-linux-gnu-gcc is part of the development environment"
    src = tmp_path / "hello.c"
    src.write_text('#include <stdio.h>\nint main(void){puts("hi");return 0;}\n')
    exe = tmp_path / "hello"
    subprocess.run([CROSS, "-static", "-O1", str(src), "-o", str(exe)], check=True)
    from elftools.elf.elffile import ELFFile
    with open(exe, "rb") as f:
        elf = ELFFile(f)
        entry = elf.header.e_entry
        loads = [s.header for s in elf.iter_segments() if s.header.p_type == "PT_LOAD"]
        main = elf.get_section_by_name(".symtab").get_symbol_by_name("main")[0]
    img = load_program(mem, str(exe), [str(exe)], [])
    assert img.entry == entry
    for ph in loads:
        vma = mem.vma_at(ph.p_vaddr)
        assert vma is not None and vma.prot & M.PROT_READ
        with open(exe, "rb") as f:
            f.seek(ph.p_offset)
            assert mem.read(ph.p_vaddr, ph.p_filesz) == f.read(ph.p_filesz)
    end = max(ph.p_vaddr + ph.p_memsz for ph in loads)
    assert img.brk == M.page_ceil(end)
    assert (main.entry.st_value, main.entry.st_size, "main") in img.symbols


def test_real_dynamic_loader_as_program(mem):
    """The sysroot's ld.so is an ET_DYN program too; it has no interpreter itself."""
    ldso = os.path.join(SYSROOT, "lib", "ld-linux-riscv64-lp64d.so.1")
    assert os.path.exists(ldso), "the riscv64 sysroot is part of the development environment"
    img = load_program(mem, ldso, [ldso], [])
    assert img.load_bias == M.ET_DYN_BASE and img.interp_base == 0
    assert mem.read(M.ET_DYN_BASE, 4) == b"\x7fELF"
    assert any(name == "_dl_catch_exception" for _, _, name in img.symbols)

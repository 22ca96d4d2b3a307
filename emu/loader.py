"""Loading a RISC-V ELF program into guest memory, as Linux's binfmt_elf does.

Handles static (ET_EXEC), static-pie (ET_DYN without PT_INTERP, loaded at
ELF_ET_DYN_BASE) and dynamic programs (PT_INTERP, interpreter looked up
under the `-L` sysroot first and loaded where a plain mmap would put it).
Then the initial stack: strings, AT_RANDOM bytes, argc/argv/envp/auxv, in
Linux's layout with QEMU 7.2's auxv order (so a guest dumping its auxv sees
what it sees under qemu-riscv64).

Errors reproduce QEMU 7.2's wording and channel: problems opening or
recognising the file are printed by QEMU on stdout as "Error while loading
PATH: strerror" with exit status 1; a malformed or foreign ELF is reported
on stderr as "qemu-riscv64: PATH: Invalid ELF image for this architecture"
with exit status 255. LoadError carries both (see LoadError.report).
"""
from __future__ import annotations

import errno
import os
import stat
import struct
from dataclasses import dataclass, field

from elftools.elf.elffile import ELFFile

from emu import memory as M
from emu.memory import GuestMemory, MemoryError_

BPRM_BUF_SIZE = 1024            # QEMU reads this much of the file header up front
EM_RISCV = 243
ET_EXEC, ET_DYN = 2, 3
PT_LOAD, PT_INTERP, PT_PHDR = 1, 3, 6
PF_X, PF_W, PF_R = 1, 2, 4

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")

# Auxiliary vector keys.
AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_HWCAP, AT_CLKTCK = 11, 12, 13, 14, 16, 17
AT_SECURE, AT_RANDOM, AT_EXECFN = 23, 25, 31
# riscv AT_HWCAP: one bit per single-letter extension, bit (letter - 'A'): IMAFDC.
HWCAP_RV64GC = sum(1 << (ord(c) - ord("A")) for c in "IMAFDC")   # 0x112d


class LoadError(Exception):
    """The program cannot be loaded; str(e) is QEMU's message without the program prefix.

    status: the exit status QEMU uses for this error (1 or 255).
    QEMU prints "Error while loading ..." with printf on stdout and loses it
    when stdout is a pipe; llemu prints every load error on stderr.
    """

    def __init__(self, message: str, *, status: int = 255):
        super().__init__(message)
        self.status = status

    def report(self, prog: str = "llemu-riscv64") -> str:
        """The error line, prefixed with the program name."""
        return f"{prog}: {self}"


def _exec_error(path: str, err: int) -> LoadError:
    return LoadError(f"Error while loading {path}: {os.strerror(err)}", status=1)


@dataclass
class Image:
    """Where the program landed and how its process starts."""
    entry: int          # where the vCPU starts (interpreter entry for dynamic programs)
    sp: int             # initial stack pointer (points at argc)
    exe_entry: int      # the program's own entry (AT_ENTRY)
    load_bias: int      # 0 for ET_EXEC
    start_code: int
    end_code: int
    start_data: int
    end_data: int
    start_stack: int
    brk: int
    interp_base: int    # AT_BASE (0 if static)
    exe_path: str       # absolute host path of the program
    symbols: list[tuple[int, int, str]]   # (addr, size, name) FUNC symbols, relocated
    argv: list[str] = field(default_factory=list)          # as placed on the stack
    auxv: list[tuple[int, int]] = field(default_factory=list)
    interp_path: str = ""                                   # host path of the interpreter


@dataclass
class _Elf:
    """One opened, validated ELF file (the program or its interpreter)."""
    name: str           # as QEMU names it in messages
    fd: int
    e_type: int
    entry: int
    phoff: int
    phnum: int
    phdrs: list[tuple[int, ...]]

    def loads(self) -> list[tuple[int, ...]]:
        return [p for p in self.phdrs if p[0] == PT_LOAD]


@dataclass
class _Placed:
    """An ELF image after mapping: addresses already include the bias."""
    bias: int
    entry: int
    phdr: int
    start_code: int
    end_code: int
    start_data: int
    end_data: int
    end: int            # end of the highest segment (brk starts at its page end)


def _invalid(name: str, what: str = "Invalid ELF image for this architecture") -> LoadError:
    return LoadError(f"{name}: {what}")


def _parse(name: str, fd: int, buf: bytes) -> _Elf:
    """QEMU's elf_check_ident/elf_check_ehdr, then the program headers."""
    buf = buf.ljust(BPRM_BUF_SIZE, b"\0")
    (ident, e_type, e_machine, _ver, entry, phoff, _shoff, _flags, ehsize, phentsize,
     phnum, _shentsize, _shnum, _shstrndx) = EHDR.unpack_from(buf)
    if ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1 or ident[6] != 1:
        raise _invalid(name)
    if (e_machine != EM_RISCV or ehsize != EHDR.size or phentsize != PHDR.size
            or e_type not in (ET_EXEC, ET_DYN)):
        raise _invalid(name)
    size = phnum * PHDR.size
    if phoff + size <= BPRM_BUF_SIZE:
        raw = buf[phoff:phoff + size]
    else:
        try:
            raw = os.pread(fd, size, phoff)
        except OSError as e:
            raise _invalid(name, f"Error reading file header: {e.strerror}") from None
        if len(raw) != size:
            raise _invalid(name, "Incomplete read of file header")
    phdrs = [PHDR.unpack_from(raw, i * PHDR.size) for i in range(phnum)]
    if not any(p[0] == PT_LOAD for p in phdrs):
        raise _invalid(name)
    return _Elf(name, fd, e_type, entry, phoff, phnum, phdrs)


def _interp_name(elf: _Elf, buf: bytes) -> str | None:
    interps = [p for p in elf.phdrs if p[0] == PT_INTERP]
    if not interps:
        return None
    if len(interps) > 1:
        raise _invalid(elf.name, "Multiple PT_INTERP entries")
    _, _, off, _, _, filesz, _, _ = interps[0]
    raw = buf[off:off + filesz] if off + filesz <= len(buf) else os.pread(elf.fd, filesz, off)
    if len(raw) != filesz:
        raise _invalid(elf.name, "Incomplete read of file header")
    if not raw or raw[-1] != 0:
        raise _invalid(elf.name, "Invalid PT_INTERP entry")
    return os.fsdecode(raw[:-1])


def _prot(p_flags: int) -> int:
    return ((M.PROT_READ if p_flags & PF_R else 0) | (M.PROT_WRITE if p_flags & PF_W else 0)
            | (M.PROT_EXEC if p_flags & PF_X else 0))


def _place(mem: GuestMemory, elf: _Elf, host_path: str, base: int | None) -> _Placed:
    """Map every PT_LOAD of `elf`; `base` is where the lowest page goes (None: ET_EXEC)."""
    loads = elf.loads()
    lo = M.page_floor(min(p[3] for p in loads))
    hi = M.page_ceil(max(p[3] + p[6] for p in loads))
    if elf.e_type == ET_EXEC:
        bias = 0
    else:
        if base is None:
            try:
                base = mem.find_free(hi - lo)
            except MemoryError_ as e:
                raise _invalid(elf.name, f"Error mapping file: {os.strerror(e.errno)}") from None
        bias = base - lo
    if lo + bias < M.PAGE_SIZE or hi + bias > M.LAST_PAGE << M.PAGE_SHIFT:
        raise _invalid(elf.name, f"Error mapping file: {os.strerror(errno.ENOMEM)}")
    file_size = os.fstat(elf.fd).st_size
    start_code, end_code, start_data, end_data, end = (1 << 64), 0, 0, 0, 0
    try:
        for _, flags, off, vaddr, _, filesz, memsz, _ in loads:
            _map_segment(mem, elf.fd, host_path, file_size, vaddr + bias, off, filesz, memsz,
                         _prot(flags))
            start_code = min(start_code, vaddr + bias)
            start_data = max(start_data, vaddr + bias)
            if flags & PF_X:
                end_code = max(end_code, vaddr + bias + filesz)
            end_data = max(end_data, vaddr + bias + filesz)
            end = max(end, vaddr + bias + memsz)
    except MemoryError_ as e:
        raise _invalid(elf.name, f"Error mapping file: {os.strerror(e.errno)}") from None
    return _Placed(bias, elf.entry + bias, _phdr_addr(elf, bias), start_code, end_code,
                   start_data, end_data, end)


def _map_segment(mem: GuestMemory, fd: int, host_path: str, file_size: int, vaddr: int,
                 off: int, filesz: int, memsz: int, prot: int) -> None:
    """One PT_LOAD: file pages mapped privately, then bss zeroed and mapped anonymous."""
    page = M.page_floor(vaddr)
    delta = vaddr - page
    file_end = vaddr + filesz
    name = host_path
    if filesz:
        length = M.page_ceil(file_end) - page
        if (off - delta) % M.PAGE_SIZE == 0 and off + filesz <= file_size:
            mem.map(page, length, prot, M.MAP_PRIVATE | M.MAP_FIXED, fd, off - delta, name=name)
        else:   # misaligned or truncated file: copy what exists (the rest reads as zero)
            mem.map(page, length, prot, M.MAP_PRIVATE | M.MAP_ANONYMOUS | M.MAP_FIXED, name=name)
            mem.write(vaddr, os.pread(fd, filesz, off), force=True)
    if memsz > filesz:
        if filesz and file_end & M.PAGE_MASK:      # the bss part of the last file page
            tail = M.page_ceil(file_end) - file_end
            mem.write(file_end, bytes(tail), force=True)
        bss_start = M.page_ceil(file_end) if filesz else page
        bss_end = M.page_ceil(vaddr + memsz)
        if bss_end > bss_start:
            mem.map(bss_start, bss_end - bss_start, prot,
                    M.MAP_PRIVATE | M.MAP_ANONYMOUS | M.MAP_FIXED, name=name if filesz == 0 else "")


def _phdr_addr(elf: _Elf, bias: int) -> int:
    """AT_PHDR: PT_PHDR if present, else where the load containing e_phoff maps it."""
    for p in elf.phdrs:
        if p[0] == PT_PHDR:
            return p[3] + bias
    for p in elf.loads():
        if p[2] <= elf.phoff < p[2] + p[5]:
            return elf.phoff - p[2] + p[3] + bias
    return M.page_floor(min(p[3] for p in elf.loads())) + elf.phoff + bias


def _func_symbols(fd: int, bias: int) -> list[tuple[int, int, str]]:
    """FUNC symbols from .symtab (else .dynsym), relocated by `bias`.

    pyelftools finds the tables; the entries are unpacked in bulk, which is
    ~20x faster than pyelftools' per-symbol objects on a libc-sized table.
    """
    try:
        with open(fd, "rb", closefd=False) as f:
            elf = ELFFile(f)
            sec = elf.get_section_by_name(".symtab") or elf.get_section_by_name(".dynsym")
            if sec is None:
                return []
            strtab = elf.get_section(sec["sh_link"]).data()
            data = sec.data()
    except Exception:       # malformed section headers: symbols are optional
        return []
    out = []
    for name_off, info, _other, shndx, value, size in struct.iter_unpack("<IBBHQQ", data[:len(data) // 24 * 24]):
        if info & 0xF == 2 and shndx != 0 and value:          # STT_FUNC, defined
            end = strtab.find(b"\0", name_off)
            out.append((value + bias, size, strtab[name_off:end].decode("utf-8", "replace")))
    return out


def _open_checked(path: str) -> tuple[int, bytes]:
    """QEMU's open + prepare_binprm: a regular file with an exec bit, then its header."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        raise _exec_error(path, e.errno) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not st.st_mode & 0o111:
            raise _exec_error(path, errno.EACCES)
        buf = os.pread(fd, BPRM_BUF_SIZE, 0)
    except OSError as e:
        os.close(fd)
        raise _exec_error(path, e.errno) from None
    except LoadError:
        os.close(fd)
        raise
    if buf[:4] != b"\x7fELF":
        os.close(fd)
        raise _exec_error(path, errno.ENOEXEC)
    return fd, buf


def resolve_under(sysroot: str | None, path: str) -> str:
    """QEMU's path(): an absolute path that exists under the sysroot resolves there."""
    if sysroot and path.startswith("/"):
        candidate = os.path.join(sysroot, path.lstrip("/"))
        if os.access(candidate, os.F_OK):
            return candidate
    return path


def load_program(mem: GuestMemory, path: str, argv: list[str], envp: list[str], *,
                 sysroot: str | None = None, stack_size: int = 8 << 20,
                 argv0: str | None = None) -> Image:
    """Load the program at `path` and build its initial stack; raises LoadError."""
    stack_size = M.page_ceil(max(stack_size, 16 * M.PAGE_SIZE))
    if stack_size > 8 << 20:        # Linux puts mmap_base below the stack rlimit
        mem.mmap_base = min(mem.mmap_base, M.page_floor(M.STACK_TOP - stack_size - M.STACK_GAP))
    fd, buf = _open_checked(path)
    interp_fd = -1
    try:
        exe = _parse(path, fd, buf)
        interp = _interp_name(exe, buf)
        # The stack first, as Linux's setup_arg_pages does before mapping segments.
        stack_lo = M.STACK_TOP - stack_size
        mem.map(stack_lo, stack_size, M.PROT_READ | M.PROT_WRITE,
                M.MAP_PRIVATE | M.MAP_ANONYMOUS | M.MAP_FIXED, name="[stack]")
        # A PROT_NONE guard page below, as QEMU maps one: an overflow faults
        # and no later mapping can sit right against the stack.
        mem.map(stack_lo - M.PAGE_SIZE, M.PAGE_SIZE, M.PROT_NONE,
                M.MAP_PRIVATE | M.MAP_ANONYMOUS | M.MAP_FIXED)
        exe_path = os.path.realpath(path)
        placed = _place(mem, exe, exe_path, M.ET_DYN_BASE if exe.e_type == ET_DYN else None)
        symbols = _func_symbols(fd, placed.bias)
        interp_base, entry, interp_host = 0, placed.entry, ""
        if interp is not None:
            interp_host = resolve_under(sysroot, interp)
            try:
                interp_fd = os.open(interp_host, os.O_RDONLY | os.O_CLOEXEC)
                ibuf = os.pread(interp_fd, BPRM_BUF_SIZE, 0)
            except OSError as e:
                raise LoadError(f"Could not open '{interp}': {e.strerror}") from None
            ielf = _parse(interp, interp_fd, ibuf)
            iplaced = _place(mem, ielf, os.path.realpath(interp_host), None)
            interp_base = M.page_floor(min(p[3] for p in ielf.loads())) + iplaced.bias
            entry = iplaced.entry
            symbols += _func_symbols(interp_fd, iplaced.bias)
        brk = M.page_ceil(placed.end)
        mem.set_brk_start(brk)
        args = list(argv)
        if argv0 is not None:
            args[:1] = [argv0]
        auxv_head = [(AT_PHDR, placed.phdr), (AT_PHENT, PHDR.size), (AT_PHNUM, exe.phnum),
                     (AT_PAGESZ, M.PAGE_SIZE), (AT_BASE, interp_base), (AT_FLAGS, 0),
                     (AT_ENTRY, placed.entry), (AT_UID, os.getuid()), (AT_EUID, os.geteuid()),
                     (AT_GID, os.getgid()), (AT_EGID, os.getegid()), (AT_HWCAP, HWCAP_RV64GC),
                     (AT_CLKTCK, os.sysconf("SC_CLK_TCK"))]
        sp, auxv = build_stack(mem, M.STACK_TOP, stack_lo, args, envp, path, auxv_head)
    except MemoryError_ as e:
        raise _exec_error(path, e.errno) from None
    finally:
        os.close(fd)
        if interp_fd >= 0:
            os.close(interp_fd)
    return Image(entry=entry, sp=sp, exe_entry=placed.entry, load_bias=placed.bias,
                 start_code=placed.start_code, end_code=placed.end_code,
                 start_data=placed.start_data, end_data=placed.end_data, start_stack=sp,
                 brk=brk, interp_base=interp_base, exe_path=exe_path, symbols=symbols,
                 argv=args, auxv=auxv, interp_path=interp_host)


def build_stack(mem: GuestMemory, top: int, limit: int, argv: list[str], envp: list[str],
                execfn: str, auxv_head: list[tuple[int, int]]) -> tuple[int, list[tuple[int, int]]]:
    """Lay out the initial stack below `top` as Linux does; returns (sp, full auxv).

    From the top down: a NULL word, the AT_EXECFN string, the envp then argv
    strings (so in memory argv[0] comes first), 16-byte alignment, the 16
    AT_RANDOM bytes, then argc, argv[], NULL, envp[], NULL, auxv pairs with
    sp 16-byte aligned. AT_RANDOM, AT_SECURE and AT_EXECFN follow `auxv_head`
    in QEMU's order.
    """
    enc = [os.fsencode(s) + b"\0" for s in argv + envp]
    fn = os.fsencode(execfn) + b"\0"
    p = top - 8 - len(fn)
    execfn_addr = p
    blob = b"".join(enc)
    p -= len(blob)
    strings_at = p
    addrs, off = [], p
    for s in enc:
        addrs.append(off)
        off += len(s)
    p &= ~15
    p -= 16
    random_addr = p
    auxv = auxv_head + [(AT_RANDOM, random_addr), (AT_SECURE, 0), (AT_EXECFN, execfn_addr),
                        (AT_NULL, 0)]
    words = [len(argv)] + addrs[:len(argv)] + [0] + addrs[len(argv):] + [0]
    words += [v for pair in auxv for v in pair]
    sp = (p - 8 * len(words)) & ~15
    if sp < limit + M.PAGE_SIZE:
        raise MemoryError_(errno.E2BIG, "arguments do not fit on the stack")
    mem.write(top - 8, bytes(8), force=True)
    mem.write(execfn_addr, fn, force=True)
    mem.write(strings_at, blob, force=True)
    mem.write(random_addr, os.urandom(16), force=True)
    mem.write(sp, struct.pack(f"<{len(words)}Q", *words), force=True)
    return sp, auxv

"""New threads and processes: clone (threads, fork, vfork) and execve.

A thread (CLONE_VM | CLONE_THREAD) is a new vCPU on a new host thread
sharing everything. Without CLONE_VM the emulator forks itself, as QEMU
does; vfork (CLONE_VFORK, as posix_spawn uses) becomes a plain fork, also
as QEMU does. execve starts a new emulator on the new program.
"""
from __future__ import annotations

import errno
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emu.linux.process import Process

CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_VFORK, CLONE_THREAD, CLONE_SETTLS = 0x4000, 0x10000, 0x80000
CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID = 0x100000, 0x200000, 0x1000000
THREAD_FLAGS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
TP = 4                                  # the thread pointer register
EM_RISCV = 243


def clone(p: Process, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
    """riscv64 argument order: flags, stack, parent_tid, tls, child_tid."""
    flags &= 0xFFFFFFFF
    if flags & CLONE_VFORK:
        flags &= ~(CLONE_VFORK | CLONE_VM)
    if flags & CLONE_VM:
        if flags & THREAD_FLAGS != THREAD_FLAGS:
            raise OSError(errno.EINVAL, "unsupported clone flags")
        return _thread(p, flags, newsp, ptid, tls, ctid)
    if flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | CLONE_FILES):
        raise OSError(errno.EINVAL, "unsupported clone flags")
    return _fork(p, flags, newsp, ptid, tls, ctid)


def _thread(p: Process, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
    parent = p.thread
    child = p.machine.new_cpu()
    if child is None:
        raise OSError(errno.EAGAIN, "too many threads")
    child.copy_registers_from(parent)
    s = child.state
    s.x[10] = 0
    if newsp:
        s.x[2] = newsp
    if flags & CLONE_SETTLS:
        s.x[TP] = tls
    if flags & CLONE_CHILD_CLEARTID:
        child.clear_child_tid = ctid
    tid = p.machine.spawn(child, before_start=lambda tid: _announce(p, flags, ptid, ctid, tid))
    return tid


def _announce(p: Process, flags: int, ptid: int, ctid: int, tid: int) -> None:
    """Write the new tid where the caller asked, before the child runs."""
    if flags & CLONE_PARENT_SETTID:
        p.mem.write_u(ptid, 4, tid)
    if flags & CLONE_CHILD_SETTID:
        p.mem.write_u(ctid, 4, tid)


def _fork(p: Process, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        if flags & CLONE_PARENT_SETTID:
            p.mem.write_u(ptid, 4, pid)
        return pid
    p.pid = os.getpid()
    s = p.cpu
    if newsp:
        s.x[2] = newsp
    if flags & CLONE_SETTLS:
        s.x[TP] = tls
    if flags & CLONE_CHILD_SETTID:
        p.mem.write_u(ctid, 4, p.pid)
    if flags & CLONE_CHILD_CLEARTID:
        p.thread.clear_child_tid = ctid
    return 0


def _strings(p: Process, array: int) -> list[bytes]:
    out = []
    while array:
        ptr = p.mem.read_u(array, 8)
        if not ptr:
            break
        out.append(p.mem.read_cstr(ptr))
        array += 8
    return out


def _is_riscv64(host_path: bytes) -> bool:
    """True for an ELF file this emulator runs (64-bit, EM_RISCV)."""
    try:
        with open(host_path, "rb") as f:
            head = f.read(20)
    except OSError:
        return False
    return head[:4] == b"\x7fELF" and head[4] == 2 and int.from_bytes(head[18:20], "little") == EM_RISCV


def execve(p: Process, path: int, argv: int, envp: int) -> int:
    """Replace this emulator by a new one running the new program (the guest's
    environment exactly, our options that QEMU also keeps: -L and -s).

    /proc/self/exe is the guest's own program, as QEMU maps it (busybox runs
    its applets that way). A program that is not RISC-V (a host binary, or a
    script whose interpreter is one) goes to the host's execve, which is what
    QEMU does with every execve: the host runs it natively."""
    guest_path = p.mem.read_cstr(path)
    args = _strings(p, argv)
    env = _strings(p, envp)
    if p.is_proc_self(guest_path, b"exe"):
        host_path = os.fsencode(p.image.exe_path)
    else:
        host_path = p.resolve_path(guest_path)
    native_path, native_args = host_path, args
    if not os.path.exists(host_path):
        raise OSError(errno.ENOENT, "no such file")
    if not os.access(host_path, os.X_OK) or os.path.isdir(host_path):
        raise OSError(errno.EACCES, "not executable")
    with open(host_path, "rb") as f:
        head = f.read(256)
    if head.startswith(b"#!"):                       # binfmt_script
        line = head[2:].split(b"\n", 1)[0].strip()
        interp, _, arg = line.partition(b" ")
        args = [interp] + ([arg.strip()] if arg.strip() else []) + [guest_path] + args[1:]
        guest_path, host_path = interp, p.resolve_path(interp)
    elif not head.startswith(b"\x7fELF"):
        raise OSError(errno.ENOEXEC, "exec format error")
    environ = dict(e.split(b"=", 1) for e in env if b"=" in e)
    if not _is_riscv64(host_path):
        sys.stdout.flush()
        os.execve(native_path, native_args, environ)
    opts = p.options
    pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    boot = f"import sys; sys.path.insert(0, {pkg_root!r}); from emu.cli import main; sys.exit(main())"
    cmd = [sys.executable, "-c", boot]
    if opts.sysroot:
        cmd += ["-L", opts.sysroot]
    cmd += ["-s", str(opts.stack_size), "-0", os.fsdecode(args[0] if args else guest_path),
            "--", os.fsdecode(host_path)] + [os.fsdecode(a) for a in args[1:]]
    sys.stdout.flush()
    os.execve(sys.executable, cmd, environ)
    return -errno.ENOEXEC

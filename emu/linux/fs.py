"""File and file-system syscalls. Guest descriptors are host descriptors.

Each handler takes the Process and the raw argument registers it uses, and
returns the result or raises OSError (-> -errno) / GuestFault (-> -EFAULT).
Paths that QEMU resolves under the `-L` sysroot (open, stat, access,
readlink, statfs) go through Process.resolve_path; /proc/self/{exe,maps,
cmdline,auxv} show the guest's view, as under QEMU.
"""
from __future__ import annotations

import ctypes
import errno
import os
from typing import TYPE_CHECKING

from emu.linux import host, structs
from emu.linux.guest import cstr, i32, i64, path, rd, u32, wr
from emu.log import log
from emu.memory import GuestFault

if TYPE_CHECKING:
    from emu.linux.process import Process

AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
O_CREAT, O_TMPFILE_BIT = 0o100, 0o20000000     # O_TMPFILE also takes a mode
O_LARGEFILE = 0o100000
SSIZE_MAX = (1 << 63) - 1


def _dirfd(fd: int) -> int:
    return i32(fd)


# ---- open / close / read / write -----------------------------------------

def openat(p: Process, dirfd: int, pathname: int, flags: int, mode: int) -> int:
    name = path(p.mem, pathname)
    fake = p.proc_self(name, i32(flags))
    if fake is not None:
        return fake
    mode = u32(mode) if u32(flags) & (O_CREAT | O_TMPFILE_BIT) else 0
    return host.call("openat", _dirfd(dirfd), p.resolve_path(name), u32(flags), mode)


def close(p: Process, fd: int) -> int:
    return host.call("close", i32(fd))


def read(p: Process, fd: int, buf: int, count: int) -> int:
    return host.call("read", i32(fd), wr(p.mem, buf, count), count)


def write(p: Process, fd: int, buf: int, count: int) -> int:
    return p.pipe_checked(host.call, "write", i32(fd), rd(p.mem, buf, count), count)


def pread64(p: Process, fd: int, buf: int, count: int, off: int) -> int:
    return host.call("pread64", i32(fd), wr(p.mem, buf, count), count, off)


def pwrite64(p: Process, fd: int, buf: int, count: int, off: int) -> int:
    return p.pipe_checked(host.call, "pwrite64", i32(fd), rd(p.mem, buf, count), count, off)


def _iovec(p: Process, iov: int, cnt: int, writing_guest: bool) -> ctypes.Array:
    """Guest iovecs as host iovecs: a bad first buffer faults, later ones are cut (as QEMU)."""
    n = i32(cnt)
    if n < 0 or n > structs.IOV_MAX:
        raise OSError(errno.EINVAL, "iovcnt")
    raw = p.mem.read(iov, n * structs.IOVEC.size) if n else b""
    out = (ctypes.c_uint64 * (2 * n or 1))()
    bad, total = False, 0
    for i in range(n):
        base, length = structs.IOVEC.unpack_from(raw, i * 16)
        if length > SSIZE_MAX:
            raise OSError(errno.EINVAL, "iov_len")
        if length and not bad:
            try:
                out[2 * i] = (wr if writing_guest else rd)(p.mem, base, length)
                out[2 * i + 1] = min(length, SSIZE_MAX - total)
                total += out[2 * i + 1]
            except GuestFault:
                if i == 0:
                    raise
                bad = True
    return out


def readv(p: Process, fd: int, iov: int, cnt: int) -> int:
    vec = _iovec(p, iov, cnt, True)
    return host.call("readv", i32(fd), vec, i32(cnt))


def writev(p: Process, fd: int, iov: int, cnt: int) -> int:
    vec = _iovec(p, iov, cnt, False)
    return p.pipe_checked(host.call, "writev", i32(fd), vec, i32(cnt))


def lseek(p: Process, fd: int, off: int, whence: int) -> int:
    return host.call("lseek", i32(fd), off, u32(whence))


def sendfile(p: Process, out_fd: int, in_fd: int, offp: int, count: int) -> int:
    off = _in_off(p, offp)
    r = p.pipe_checked(host.call, "sendfile", i32(out_fd), i32(in_fd), off, count)
    _out_off(p, offp, off)
    return r


def copy_file_range(p: Process, fd_in: int, off_in: int, fd_out: int, off_out: int,
                    length: int, flags: int) -> int:
    oi, oo = _in_off(p, off_in), _in_off(p, off_out)
    r = host.call("copy_file_range", i32(fd_in), oi, i32(fd_out), oo, length, u32(flags))
    _out_off(p, off_in, oi)
    _out_off(p, off_out, oo)
    return r


def _in_off(p: Process, ptr: int) -> ctypes.c_int64 | None:
    return None if ptr == 0 else ctypes.c_int64(i64(p.mem.read_u(ptr, 8)))


def _out_off(p: Process, ptr: int, off: ctypes.c_int64 | None) -> None:
    if off is not None:
        p.mem.write_u(ptr, 8, off.value)


# ---- descriptors ----------------------------------------------------------

def dup(p: Process, fd: int) -> int:
    return host.call("dup", i32(fd))


def dup3(p: Process, old: int, new: int, flags: int) -> int:
    return host.call("dup3", i32(old), i32(new), u32(flags))


def pipe2(p: Process, fds: int, flags: int) -> int:
    wr(p.mem, fds, 8)
    pair = (ctypes.c_int * 2)()
    host.call("pipe2", pair, u32(flags))
    p.mem.write(fds, bytes(pair))
    return 0


# fcntl commands whose third argument points to a struct (size, guest reads it, guest gets it).
_FCNTL_PTR = {5: (structs.FLOCK_SIZE, True, True), 6: (structs.FLOCK_SIZE, True, False),
              7: (structs.FLOCK_SIZE, True, False), 36: (structs.FLOCK_SIZE, True, True),
              37: (structs.FLOCK_SIZE, True, False), 38: (structs.FLOCK_SIZE, True, False),
              15: (structs.F_OWNER_EX_SIZE, True, False), 16: (structs.F_OWNER_EX_SIZE, False, True)}
_FCNTL_INT = {0, 1, 2, 3, 4, 8, 9, 10, 11, 1024, 1025, 1026, 1030, 1031, 1032, 1033, 1034}
F_GETFL = 3


def fcntl(p: Process, fd: int, cmd: int, arg: int) -> int:
    cmd = i32(cmd)
    if cmd in _FCNTL_PTR:
        size, reads, writes = _FCNTL_PTR[cmd]
        ptr = (wr if writes else rd)(p.mem, arg, size)
        if reads:
            rd(p.mem, arg, size)
        return host.call("fcntl", i32(fd), cmd, ptr)
    if cmd not in _FCNTL_INT:
        raise OSError(errno.EINVAL, "fcntl cmd")
    r = host.call("fcntl", i32(fd), cmd, arg)
    return r & ~O_LARGEFILE if cmd == F_GETFL else r   # QEMU does not report O_LARGEFILE


# ioctl requests: name, argument kind, size of the pointed-to struct.
# Kinds: "none" (no argument), "int" (the value itself), "r" (kernel writes
# the struct to the guest), "w" (kernel reads it), "rw". Terminal structs
# have the same layout on riscv64 and x86_64, so pointers pass through.
IOCTLS: dict[int, tuple[str, str, int]] = {
    0x5401: ("TCGETS", "r", structs.TERMIOS.size),
    0x5402: ("TCSETS", "w", structs.TERMIOS.size),
    0x5403: ("TCSETSW", "w", structs.TERMIOS.size),
    0x5404: ("TCSETSF", "w", structs.TERMIOS.size),
    0x5409: ("TCSBRK", "int", 0),
    0x540A: ("TCXONC", "int", 0),
    0x540B: ("TCFLSH", "int", 0),
    0x540C: ("TIOCEXCL", "none", 0),
    0x540D: ("TIOCNXCL", "none", 0),
    0x540E: ("TIOCSCTTY", "int", 0),
    0x540F: ("TIOCGPGRP", "r", 4),
    0x5410: ("TIOCSPGRP", "w", 4),
    0x5411: ("TIOCOUTQ", "r", 4),
    0x5412: ("TIOCSTI", "w", 1),
    0x5413: ("TIOCGWINSZ", "r", structs.WINSIZE.size),
    0x5414: ("TIOCSWINSZ", "w", structs.WINSIZE.size),
    0x5415: ("TIOCMGET", "r", 4),
    0x5416: ("TIOCMBIS", "w", 4),
    0x5417: ("TIOCMBIC", "w", 4),
    0x5418: ("TIOCMSET", "w", 4),
    0x541B: ("FIONREAD", "r", 4),
    0x541D: ("TIOCCONS", "none", 0),
    0x5421: ("FIONBIO", "w", 4),
    0x5422: ("TIOCNOTTY", "none", 0),
    0x5423: ("TIOCSETD", "w", 4),
    0x5424: ("TIOCGETD", "r", 4),
    0x5425: ("TCSBRKP", "int", 0),
    0x5429: ("TIOCGSID", "r", 4),
    0x80045430: ("TIOCGPTN", "r", 4),
    0x40045431: ("TIOCSPTLCK", "w", 4),
    0x5450: ("FIONCLEX", "none", 0),
    0x5451: ("FIOCLEX", "none", 0),
    0x5452: ("FIOASYNC", "w", 4),
    0x5460: ("FIOQSIZE", "r", 8),
}


def ioctl(p: Process, fd: int, req: int, arg: int) -> int:
    req = u32(req)
    entry = IOCTLS.get(req)
    if entry is None:
        if log.on("unimp"):
            log.write(f"Unsupported ioctl: cmd=0x{req:04x}\n")
        raise OSError(errno.ENOSYS, "ioctl")
    _, kind, size = entry
    if kind == "none":
        return host.call("ioctl", i32(fd), req, 0)
    if kind == "int":
        return host.call("ioctl", i32(fd), req, arg)
    ptr = (wr if "r" in kind else rd)(p.mem, arg, size)
    if kind == "rw":
        rd(p.mem, arg, size)
    return host.call("ioctl", i32(fd), req, ptr)


def flock(p: Process, fd: int, op: int) -> int:
    return host.call("flock", i32(fd), u32(op))


def close_range(p: Process, first: int, last: int, flags: int) -> int:
    return host.call("close_range", u32(first), u32(last), u32(flags))


def eventfd2(p: Process, initval: int, flags: int) -> int:
    return host.call("eventfd2", u32(initval), u32(flags))


def memfd_create(p: Process, name: int, flags: int) -> int:
    return host.call("memfd_create", cstr(p.mem, name, 250), u32(flags))


# ---- stat family -----------------------------------------------------------

def _put_stat(p: Process, statbuf: int, raw: ctypes.Array) -> int:
    p.mem.write(statbuf, structs.stat_from_host(raw.raw))
    return 0


def fstat(p: Process, fd: int, statbuf: int) -> int:
    wr(p.mem, statbuf, structs.STAT.size)
    raw = host.buffer(structs.HOST_STAT.size)
    host.call("fstat", i32(fd), raw)
    return _put_stat(p, statbuf, raw)


def newfstatat(p: Process, dirfd: int, pathname: int, statbuf: int, flags: int) -> int:
    name = _at_path(p, pathname, flags)
    wr(p.mem, statbuf, structs.STAT.size)
    raw = host.buffer(structs.HOST_STAT.size)
    host.call("newfstatat", _dirfd(dirfd), name, raw, u32(flags))
    return _put_stat(p, statbuf, raw)


def statx(p: Process, dirfd: int, pathname: int, flags: int, mask: int, buf: int) -> int:
    name = _at_path(p, pathname, flags)
    return host.call("statx", _dirfd(dirfd), name, u32(flags), u32(mask),
                     wr(p.mem, buf, structs.STATX_SIZE))


def _at_path(p: Process, pathname: int, flags: int) -> bytes:
    """Path of a *at call that may be empty with AT_EMPTY_PATH."""
    if u32(flags) & AT_EMPTY_PATH:
        name = cstr(p.mem, pathname)
        return p.resolve_path(name) if name else b""
    return p.resolve_path(path(p.mem, pathname))


def statfs(p: Process, pathname: int, buf: int) -> int:
    name = p.resolve_path(path(p.mem, pathname))
    return host.call("statfs", name, wr(p.mem, buf, structs.STATFS_SIZE))


def fstatfs(p: Process, fd: int, buf: int) -> int:
    return host.call("fstatfs", i32(fd), wr(p.mem, buf, structs.STATFS_SIZE))


def getdents64(p: Process, fd: int, dirp: int, count: int) -> int:
    count = u32(count)
    return host.call("getdents64", i32(fd), wr(p.mem, dirp, count), count)


def readlinkat(p: Process, dirfd: int, pathname: int, buf: int, size: int) -> int:
    name = path(p.mem, pathname)
    size = i32(size)
    if size <= 0:
        raise OSError(errno.EINVAL, "bufsiz")
    if p.is_proc_self(name, b"exe"):
        target = os.fsencode(p.image.exe_path)[:size]
        p.mem.write(buf, target)
        return len(target)
    return host.call("readlinkat", _dirfd(dirfd), p.resolve_path(name), wr(p.mem, buf, size), size)


def faccessat(p: Process, dirfd: int, pathname: int, mode: int) -> int:
    return host.call("faccessat", _dirfd(dirfd), p.resolve_path(path(p.mem, pathname)), u32(mode))


def faccessat2(p: Process, dirfd: int, pathname: int, mode: int, flags: int) -> int:
    name = _at_path(p, pathname, flags)
    return host.call("faccessat2", _dirfd(dirfd), name, u32(mode), u32(flags))


# ---- directories and names -------------------------------------------------

def getcwd(p: Process, buf: int, size: int) -> int:
    return host.call("getcwd", wr(p.mem, buf, size), size)


def chdir(p: Process, pathname: int) -> int:
    os.chdir(path(p.mem, pathname))
    return 0


def fchdir(p: Process, fd: int) -> int:
    os.fchdir(i32(fd))
    return 0


def mkdirat(p: Process, dirfd: int, pathname: int, mode: int) -> int:
    return host.call("mkdirat", _dirfd(dirfd), path(p.mem, pathname), u32(mode))


def mknodat(p: Process, dirfd: int, pathname: int, mode: int, dev: int) -> int:
    return host.call("mknodat", _dirfd(dirfd), path(p.mem, pathname), u32(mode), u32(dev))


def unlinkat(p: Process, dirfd: int, pathname: int, flags: int) -> int:
    return host.call("unlinkat", _dirfd(dirfd), path(p.mem, pathname), u32(flags))


def renameat2(p: Process, olddir: int, oldpath: int, newdir: int, newpath: int, flags: int) -> int:
    return host.call("renameat2", _dirfd(olddir), path(p.mem, oldpath), _dirfd(newdir),
                     path(p.mem, newpath), u32(flags))


def linkat(p: Process, olddir: int, oldpath: int, newdir: int, newpath: int, flags: int) -> int:
    old = _at_path(p, oldpath, flags) if u32(flags) & AT_EMPTY_PATH else path(p.mem, oldpath)
    return host.call("linkat", _dirfd(olddir), old, _dirfd(newdir), path(p.mem, newpath),
                     u32(flags))


def symlinkat(p: Process, target: int, newdir: int, linkpath: int) -> int:
    return host.call("symlinkat", path(p.mem, target), _dirfd(newdir), path(p.mem, linkpath))


def utimensat(p: Process, dirfd: int, pathname: int, times: int, flags: int) -> int:
    name = None if pathname == 0 else cstr(p.mem, pathname)
    ts = None if times == 0 else ctypes.create_string_buffer(p.mem.read(times, 32), 32)
    return host.call("utimensat", _dirfd(dirfd), name, ts, u32(flags))


def umask(p: Process, mask: int) -> int:
    return os.umask(u32(mask) & 0o777)


# ---- attributes and sizes --------------------------------------------------

def fchmod(p: Process, fd: int, mode: int) -> int:
    return host.call("fchmod", i32(fd), u32(mode))


def fchmodat(p: Process, dirfd: int, pathname: int, mode: int) -> int:
    return host.call("fchmodat", _dirfd(dirfd), path(p.mem, pathname), u32(mode))


def fchown(p: Process, fd: int, uid: int, gid: int) -> int:
    return host.call("fchown", i32(fd), u32(uid), u32(gid))


def fchownat(p: Process, dirfd: int, pathname: int, uid: int, gid: int, flags: int) -> int:
    name = _at_path(p, pathname, flags) if u32(flags) & AT_EMPTY_PATH else path(p.mem, pathname)
    return host.call("fchownat", _dirfd(dirfd), name, u32(uid), u32(gid), u32(flags))


def truncate(p: Process, pathname: int, length: int) -> int:
    return host.call("truncate", path(p.mem, pathname), length)


def ftruncate(p: Process, fd: int, length: int) -> int:
    return host.call("ftruncate", i32(fd), length)


def fallocate(p: Process, fd: int, mode: int, off: int, length: int) -> int:
    return host.call("fallocate", i32(fd), u32(mode), off, length)


def fadvise64(p: Process, fd: int, off: int, length: int, advice: int) -> int:
    return host.call("fadvise64", i32(fd), off, length, u32(advice))


def fsync(p: Process, fd: int) -> int:
    os.fsync(i32(fd))
    return 0


def fdatasync(p: Process, fd: int) -> int:
    os.fdatasync(i32(fd))
    return 0


def sync(p: Process) -> int:
    os.sync()
    return 0


def syncfs(p: Process, fd: int) -> int:
    return host.call("syncfs", i32(fd))


# ---- extended attributes -----------------------------------------------------
# As QEMU 7.2 (CONFIG_ATTR): straight to the host, paths not looked up under
# the -L sysroot; a value or list buffer is checked only when non-NULL.

XATTR_SIZE_MAX = 65536


def _xname(p: Process, addr: int) -> bytes:
    """An attribute name; the host says ERANGE when it is empty or too long."""
    return cstr(p.mem, addr, XATTR_SIZE_MAX)


def _xbuf(p: Process, addr: int, size: int, writing_guest: bool) -> int | None:
    return None if addr == 0 else (wr if writing_guest else rd)(p.mem, addr, size)


def _setxattr(call: str, p: Process, target, name: int, value: int, size: int, flags: int) -> int:
    return host.call(call, target, _xname(p, name), _xbuf(p, value, size, False), size, u32(flags))


def setxattr(p: Process, pathname: int, name: int, value: int, size: int, flags: int) -> int:
    return _setxattr("setxattr", p, cstr(p.mem, pathname), name, value, size, flags)


def lsetxattr(p: Process, pathname: int, name: int, value: int, size: int, flags: int) -> int:
    return _setxattr("lsetxattr", p, cstr(p.mem, pathname), name, value, size, flags)


def fsetxattr(p: Process, fd: int, name: int, value: int, size: int, flags: int) -> int:
    return _setxattr("fsetxattr", p, i32(fd), name, value, size, flags)


def getxattr(p: Process, pathname: int, name: int, value: int, size: int) -> int:
    return host.call("getxattr", cstr(p.mem, pathname), _xname(p, name),
                     _xbuf(p, value, size, True), size)


def lgetxattr(p: Process, pathname: int, name: int, value: int, size: int) -> int:
    return host.call("lgetxattr", cstr(p.mem, pathname), _xname(p, name),
                     _xbuf(p, value, size, True), size)


def fgetxattr(p: Process, fd: int, name: int, value: int, size: int) -> int:
    return host.call("fgetxattr", i32(fd), _xname(p, name), _xbuf(p, value, size, True), size)


def listxattr(p: Process, pathname: int, lst: int, size: int) -> int:
    return host.call("listxattr", cstr(p.mem, pathname), _xbuf(p, lst, size, True), size)


def llistxattr(p: Process, pathname: int, lst: int, size: int) -> int:
    return host.call("llistxattr", cstr(p.mem, pathname), _xbuf(p, lst, size, True), size)


def flistxattr(p: Process, fd: int, lst: int, size: int) -> int:
    return host.call("flistxattr", i32(fd), _xbuf(p, lst, size, True), size)


def removexattr(p: Process, pathname: int, name: int) -> int:
    return host.call("removexattr", cstr(p.mem, pathname), _xname(p, name))


def lremovexattr(p: Process, pathname: int, name: int) -> int:
    return host.call("lremovexattr", cstr(p.mem, pathname), _xname(p, name))


def fremovexattr(p: Process, fd: int, name: int) -> int:
    return host.call("fremovexattr", i32(fd), _xname(p, name))


# ---- waiting on descriptors ------------------------------------------------

def ppoll(p: Process, fds: int, nfds: int, tmo: int, sigmask: int, sigsetsize: int) -> int:
    n = u32(nfds)
    ptr = wr(p.mem, fds, 8 * n)
    rd(p.mem, fds, 8 * n)
    ts = _timeout(p, tmo)
    try:
        return host.call("ppoll", ptr, n, ts, None, 8)
    finally:
        if ts is not None:
            p.mem.write(tmo, ts.raw)


def pselect6(p: Process, n: int, inp: int, outp: int, exp: int, tsp: int, sig: int) -> int:
    nfds = i32(n)
    if nfds < 0:
        raise OSError(errno.EINVAL, "nfds")
    size = (nfds + 63) // 64 * 8
    sets = []
    for addr in (inp, outp, exp):
        if addr:
            rd(p.mem, addr, size)
        sets.append(None if addr == 0 else wr(p.mem, addr, size))
    ts = _timeout(p, tsp)
    try:
        return host.call("pselect6", nfds, *sets, ts, None)
    finally:
        if ts is not None:
            p.mem.write(tsp, ts.raw)


def _timeout(p: Process, addr: int) -> ctypes.Array | None:
    return None if addr == 0 else ctypes.create_string_buffer(p.mem.read(addr, 16), 16)

"""Raw host (x86_64) system calls through libc's syscall(), for the syscall layer.

Python's os module sets O_CLOEXEC on every descriptor it creates and hides
flags the guest must control, so descriptor-creating and *at calls go to the
kernel directly. Arguments are guest values or host pointers that the
caller has already checked against guest memory.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long

# x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
NR = dict(
    read=0, write=1, close=3, fstat=5, lseek=8, ioctl=16, pread64=17, pwrite64=18, readv=19,
    writev=20, madvise=28, dup=32, nanosleep=35, getitimer=36, setitimer=38, sendfile=40, wait4=61, kill=62, fcntl=72,
    flock=73, truncate=76, ftruncate=77, getcwd=79, fchmod=91, fchown=93, gettimeofday=96,
    getrusage=98, sysinfo=99, times=100, setuid=105, setgid=106, setpgid=109, setsid=112,
    setreuid=113, setregid=114, getgroups=115, setgroups=116, setresuid=117, getresuid=118,
    setresgid=119, getresgid=120, getpgid=121, setfsuid=122, setfsgid=123, getsid=124,
    statfs=137, fstatfs=138, getpriority=140, setpriority=141, prctl=157, sync=162, tkill=200,
    futex=202, sched_getaffinity=204, getdents64=217, fadvise64=221, clock_gettime=228,
    clock_getres=229, clock_nanosleep=230, tgkill=234, openat=257, mkdirat=258, mknodat=259,
    fchownat=260, newfstatat=262, unlinkat=263, linkat=265, symlinkat=266, readlinkat=267,
    fchmodat=268, faccessat=269, pselect6=270, ppoll=271, utimensat=280, fallocate=285,
    eventfd2=290, dup3=292, pipe2=293, prlimit64=302, syncfs=306, getcpu=309, renameat2=316,
    getrandom=318, memfd_create=319, copy_file_range=326, statx=332, close_range=436,
    faccessat2=439, setxattr=188, lsetxattr=189, fsetxattr=190, getxattr=191, lgetxattr=192,
    fgetxattr=193, listxattr=194, llistxattr=195, flistxattr=196, removexattr=197,
    lremovexattr=198, fremovexattr=199, ioprio_set=251, ioprio_get=252,
)

_MASK = (1 << 64) - 1


def _arg(a: int | bytes | None | ctypes.Array | ctypes._SimpleCData):
    if a is None:
        return ctypes.c_void_p(0)
    if isinstance(a, bytes):
        return ctypes.c_char_p(a)
    if isinstance(a, int):
        a &= _MASK
        return ctypes.c_long(a - (1 << 64) if a >> 63 else a)
    return ctypes.byref(a) if not isinstance(a, ctypes.Array) else a


def call(name: str, *args) -> int:
    """Run host syscall `name`; returns its result or raises OSError(errno).

    Integers are passed as 64-bit values, bytes as NUL-terminated strings,
    None as NULL, ctypes arrays and objects by address.
    """
    ctypes.set_errno(0)
    r = _syscall(ctypes.c_long(NR[name]), *[_arg(a) for a in args])
    if r == -1:
        e = ctypes.get_errno()
        if e:
            raise OSError(e, os.strerror(e))
    return r


def buffer(size: int) -> ctypes.Array:
    """A zeroed host buffer for a kernel to fill in."""
    return ctypes.create_string_buffer(size)


def sigsuspend(blocked: set) -> None:
    """Wait for a signal with exactly the signals in `blocked` blocked (libc sigsuspend)."""
    mask = ctypes.create_string_buffer(128)
    _libc.sigemptyset(mask)
    for sig in blocked:
        _libc.sigaddset(mask, int(sig))
    _libc.sigsuspend(mask)

"""QEMU `-strace` output: "PID name(args) = ret", one line per syscall.

The argument layout of each syscall is a short format in the syscall table
(syscalls.py): space-separated kinds, one per argument, named after QEMU
7.2's strace.c printers. `None` means QEMU's generic form (six signed
decimal arguments) and "" means no arguments. Results print as QEMU's:
" = N", " = 0x%016x" for addresses, " = -1 errno=N (text)" for errors, and
for a few calls the structure they filled in.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable

from emu.linux import signals, structs
from emu.linux.guest import i32, i64, u32
from emu.memory import GuestFault

if TYPE_CHECKING:
    from emu.linux.process import Process
    from emu.linux.syscalls import Syscall

Flags = list[tuple[int, str]]

OPEN_ACCESS: Flags = [(0, "O_RDONLY"), (1, "O_WRONLY"), (2, "O_RDWR")]
OPEN_FLAGS: Flags = [
    (0o2000, "O_APPEND"), (0o100, "O_CREAT"), (0o200000, "O_DIRECTORY"), (0o200, "O_EXCL"),
    (0o100000, "O_LARGEFILE"), (0o400, "O_NOCTTY"), (0o400000, "O_NOFOLLOW"),
    (0o4000, "O_NONBLOCK"), (0o10000, "O_DSYNC"), (0o4000000, "__O_SYNC"), (0o1000, "O_TRUNC"),
    (0o40000, "O_DIRECT"), (0o1000000, "O_NOATIME"), (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"), (0o20200000, "O_TMPFILE"), (0o20000000, "__O_TMPFILE")]
PROT: Flags = [(0, "PROT_NONE"), (4, "PROT_EXEC"), (1, "PROT_READ"), (2, "PROT_WRITE"),
               (8, "PROT_SEM"), (0x01000000, "PROT_GROWSDOWN"), (0x02000000, "PROT_GROWSUP")]
MMAP_FLAGS: Flags = [
    (0x01, "MAP_SHARED"), (0x02, "MAP_PRIVATE"), (0x20, "MAP_ANONYMOUS"), (0x800, "MAP_DENYWRITE"),
    (0x10, "MAP_FIXED"), (0x100, "MAP_GROWSDOWN"), (0x1000, "MAP_EXECUTABLE"), (0x2000, "MAP_LOCKED"),
    (0x10000, "MAP_NONBLOCK"), (0x4000, "MAP_NORESERVE"), (0x8000, "MAP_POPULATE"),
    (0x4000000, "MAP_UNINITIALIZED")]
AT_FLAGS: Flags = [(0x200, "AT_EACCESS"), (0x100, "AT_SYMLINK_NOFOLLOW")]
UNLINK_FLAGS: Flags = [(0x200, "AT_REMOVEDIR")]
ACCESS: Flags = [(0, "F_OK"), (4, "R_OK"), (2, "W_OK"), (1, "X_OK")]
STATX_FLAGS: Flags = [(0x1000, "AT_EMPTY_PATH"), (0x800, "AT_NO_AUTOMOUNT"),
                      (0x100, "AT_SYMLINK_NOFOLLOW")]
STATX_MASK: Flags = [
    (0xFFF, "STATX_ALL"), (0x7FF, "STATX_BASIC_STATS"), (1, "STATX_TYPE"), (2, "STATX_MODE"),
    (4, "STATX_NLINK"), (8, "STATX_UID"), (0x10, "STATX_GID"), (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"), (0x80, "STATX_CTIME"), (0x100, "STATX_INO"), (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"), (0x800, "STATX_BTIME")]
MODE_TYPES: Flags = [(0o140000, "S_IFSOCK"), (0o120000, "S_IFLNK"), (0o100000, "S_IFREG"),
                     (0o060000, "S_IFBLK"), (0o040000, "S_IFDIR"), (0o020000, "S_IFCHR"),
                     (0o010000, "S_IFIFO")]
WHENCE = {0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE"}
CLOCKS = {0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID",
          3: "CLOCK_THREAD_CPUTIME_ID", 4: "CLOCK_MONOTONIC_RAW", 5: "CLOCK_REALTIME_COARSE",
          6: "CLOCK_MONOTONIC_COARSE", 7: "CLOCK_BOOTTIME", 8: "CLOCK_REALTIME_ALARM",
          9: "CLOCK_BOOTTIME_ALARM", 10: "CLOCK_SGI_CYCLE", 11: "CLOCK_TAI"}
SIGHOW = {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}
MADVICE = {0: "MADV_NORMAL", 1: "MADV_RANDOM", 2: "MADV_SEQUENTIAL", 3: "MADV_WILLNEED",
           4: "MADV_DONTNEED", 8: "MADV_FREE", 9: "MADV_REMOVE", 10: "MADV_DONTFORK",
           11: "MADV_DOFORK", 12: "MADV_MERGEABLE", 13: "MADV_UNMERGEABLE", 14: "MADV_HUGEPAGE",
           15: "MADV_NOHUGEPAGE", 16: "MADV_DONTDUMP", 17: "MADV_DODUMP", 18: "MADV_WIPEONFORK",
           19: "MADV_KEEPONFORK", 20: "MADV_COLD", 21: "MADV_PAGEOUT", 100: "MADV_HWPOISON"}
FUTEX_OPS = ["FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE",
             "FUTEX_WAKE_OP", "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI",
             "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
             "FUTEX_CMP_REQUEUE_PI"]
FCNTL_NAMES = {0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL",
               5: "F_GETLK", 6: "F_SETLK", 7: "F_SETLKW", 8: "F_SETOWN", 9: "F_GETOWN",
               10: "F_SETSIG", 11: "F_GETSIG", 15: "F_SETOWN_EX", 16: "F_GETOWN_EX",
               36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW", 1024: "F_SETLEASE",
               1025: "F_GETLEASE", 1026: "F_NOTIFY", 1030: "F_DUPFD_CLOEXEC",
               1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ", 1033: "F_ADD_SEALS", 1034: "F_GET_SEALS"}
_FCNTL_NOARG = {1, 3, 9, 11, 1025, 1032, 1034}
_FCNTL_PTR = {5, 6, 7, 15, 16, 36, 37, 38}

# termios flags, for TCGETS/TCSETS* (asm-generic values, as QEMU prints them).
TC_IFLAGS: Flags = [(1, "IGNBRK"), (2, "BRKINT"), (4, "IGNPAR"), (0o10, "PARMRK"), (0o20, "INPCK"),
                    (0o40, "ISTRIP"), (0o100, "INLCR"), (0o200, "IGNCR"), (0o400, "ICRNL"),
                    (0o1000, "IUCLC"), (0o2000, "IXON"), (0o4000, "IXANY"), (0o10000, "IXOFF"),
                    (0o20000, "IMAXBEL"), (0o40000, "IUTF8")]
TC_OFLAGS: Flags = [(1, "OPOST"), (2, "OLCUC"), (4, "ONLCR"), (0o10, "OCRNL"), (0o20, "ONOCR"),
                    (0o40, "ONLRET"), (0o100, "OFILL"), (0o200, "OFDEL")]
TC_ODELAYS = [(0o400, {0: "NL0", 0o400: "NL1"}),
              (0o3000, {0: "CR0", 0o1000: "CR1", 0o2000: "CR2", 0o3000: "CR3"}),
              (0o14000, {0: "TAB0", 0o4000: "TAB1", 0o10000: "TAB2", 0o14000: "TAB3"}),
              (0o20000, {0: "BS0", 0o20000: "BS1"}), (0o40000, {0: "VT0", 0o40000: "VT1"}),
              (0o100000, {0: "FF0", 0o100000: "FF1"})]
TC_BAUD = {0: "B0", 1: "B50", 2: "B75", 3: "B110", 4: "B134", 5: "B150", 6: "B200", 7: "B300",
           0o10: "B600", 0o11: "B1200", 0o12: "B1800", 0o13: "B2400", 0o14: "B4800",
           0o15: "B9600", 0o16: "B19200", 0o17: "B38400", 0o10001: "B57600",
           0o10002: "B115200", 0o10003: "B230400", 0o10004: "B460800"}
TC_CSIZE = {0: "CS5", 0o20: "CS6", 0o40: "CS7", 0o60: "CS8"}
TC_CFLAGS: Flags = [(0o100, "CSTOPB"), (0o200, "CREAD"), (0o400, "PARENB"), (0o1000, "PARODD"),
                    (0o2000, "HUPCL"), (0o4000, "CLOCAL"), (0o20000000000, "CRTSCTS")]
TC_LFLAGS: Flags = [(1, "ISIG"), (2, "ICANON"), (4, "XCASE"), (0o10, "ECHO"), (0o20, "ECHOE"),
                    (0o40, "ECHOK"), (0o100, "ECHONL"), (0o200, "NOFLSH"), (0o400, "TOSTOP"),
                    (0o1000, "ECHOCTL"), (0o2000, "ECHOPRT"), (0o4000, "ECHOKE"),
                    (0o10000, "FLUSHO"), (0o40000, "PENDIN"), (0o100000, "IEXTEN"),
                    (0o200000, "EXTPROC")]


# ---- value printers ----------------------------------------------------------

def flags(table: Flags, value: int) -> str:
    """QEMU's print_flags: known names joined by |, leftover bits in hex."""
    v = u32(value)
    if v == 0 and table[0][0] == 0:
        return table[0][1]
    names = []
    for bit, name in table:
        if bit and v & bit == bit:
            names.append(name)
            v &= ~bit
    if not names:
        return _hex(v)
    return "|".join(names + ([_hex(v)] if v else []))


def _hex(v: int) -> str:
    return f"{v:#x}" if v else "0"


def _oct(v: int) -> str:
    return f"0{v:o}" if v else "0"


def pointer(v: int) -> str:
    return "NULL" if v == 0 else f"0x{v:016x}"


def host_pointer(v: int) -> str:
    return "(nil)" if v == 0 else f"0x{v:x}"


def string(p: Process, v: int) -> str:
    try:
        s = p.mem.read_cstr(v, 4096) if v else None
    except GuestFault:
        s = None
    if s is None:
        return pointer(v)
    return '"' + s.decode("utf-8", "backslashreplace") + '"'


def file_mode(v: int) -> str:
    mode, out = u32(v), ""
    for bit, name in MODE_TYPES:
        if mode & bit == bit:
            out = name
            mode &= ~bit
            break
    mode &= ~0o170000
    if mode:
        out += ("|" if out else "") + _oct(mode)
    return out


def timespec(p: Process, v: int, usec: bool = False) -> str:
    if v == 0:
        return "NULL"
    try:
        sec, frac = structs.TIMESPEC.unpack(p.mem.read(v, 16))
    except GuestFault:
        return pointer(v)
    return f"{{tv_sec = {sec},tv_{'usec' if usec else 'nsec'} = {frac}}}"


def timezone(p: Process, v: int) -> str:
    if v == 0:
        return "NULL"
    try:
        return "{%d,%d}" % structs.TIMEZONE.unpack(p.mem.read(v, 8))
    except GuestFault:
        return pointer(v)


def termios(raw: bytes) -> str:
    iflag, oflag, cflag, lflag, line, cc = structs.TERMIOS.unpack(raw)
    odelay = "".join(names[oflag & mask] + "," for mask, names in TC_ODELAYS if oflag & mask)
    cbaud = TC_BAUD.get(cflag & 0o10017, _hex(cflag & 0o10017)) + "," if cflag & 0o10017 else ""
    csize = TC_CSIZE[cflag & 0o60] + "," if cflag & 0o60 else ""
    chars = cc.split(b"\0")[0].decode("latin-1")
    return (f"{{c_iflag = {flags(TC_IFLAGS, iflag)},"
            f"c_oflag = {flags(TC_OFLAGS, oflag & ~0o177400)},{odelay}"
            f"c_cflag = {cbaud}{csize}{flags(TC_CFLAGS, cflag & ~0o10077)},"
            f"c_lflag = {flags(TC_LFLAGS, lflag)},"
            f"c_cc = \"{chars}\",c_line = '{chr(line)}'}}")


def ioctl_struct(p: Process, req: int, addr: int) -> str:
    """The pointed-to value of a known ioctl, as QEMU's thunk printer shows it."""
    from emu.linux.fs import IOCTLS
    _, _, size = IOCTLS[req]
    try:
        raw = p.mem.read(addr, size)
    except GuestFault:
        return pointer(addr)
    if size == structs.TERMIOS.size:
        return termios(raw)
    if size == structs.WINSIZE.size:
        return "{%d,%d,%d,%d}" % structs.WINSIZE.unpack(raw)
    return str(int.from_bytes(raw, "little", signed=True))


def xattr_list(p: Process, addr: int, size: int) -> str:
    """The names a listxattr returned, as QEMU prints them: "a","b" (NULL for no buffer)."""
    if addr == 0:
        return "NULL"
    try:
        raw = p.mem.read(addr, size)
    except GuestFault:
        return pointer(addr)
    return ",".join('"' + name.decode("utf-8", "backslashreplace") + '"'
                    for name in raw.split(b"\0")[:-1])


def _enum(table: dict[int, str], v: int, fallback: Callable[[int], str] = str) -> str:
    return table.get(v, fallback(v))


# One printer per argument kind; each takes (process, value).
KINDS: dict[str, Callable[[Process, int], str]] = {
    "d": lambda p, v: str(i32(v)),
    "u": lambda p, v: str(u32(v)),
    "ld": lambda p, v: str(i64(v)),
    "lu": lambda p, v: str(v & ((1 << 64) - 1)),
    "x": lambda p, v: _hex(u32(v)),
    "o": lambda p, v: _oct(u32(v)),
    "p": lambda p, v: pointer(v),
    "P": lambda p, v: host_pointer(v),
    "s": string,
    "at": lambda p, v: "AT_FDCWD" if i32(v) == -100 else str(i32(v)),
    "mode": lambda p, v: file_mode(v),
    "prot": lambda p, v: flags(PROT, v),
    "mapf": lambda p, v: flags(MMAP_FLAGS, v),
    "atf": lambda p, v: flags(AT_FLAGS, v),
    "unlinkf": lambda p, v: flags(UNLINK_FLAGS, v),
    "acc": lambda p, v: flags(ACCESS, v),
    "sxf": lambda p, v: flags(STATX_FLAGS, v),
    "sxm": lambda p, v: flags(STATX_MASK, v),
    "whence": lambda p, v: _enum(WHENCE, u32(v), _hex),
    "clk": lambda p, v: _enum(CLOCKS, i32(v)),
    "how": lambda p, v: _enum(SIGHOW, i32(v)),
    "madv": lambda p, v: _enum(MADVICE, i32(v), _hex),
    "sig": lambda p, v: signal_name(i32(v)),
    "ts": timespec,
    "futexop": lambda p, v: _futex_op(i32(v)),
}


def _futex_op(op: int) -> str:
    out = ("FUTEX_PRIVATE_FLAG|" if op & 128 else "") + ("FUTEX_CLOCK_REALTIME|" if op & 256 else "")
    cmd = op & ~384
    return out + (FUTEX_OPS[cmd] if 0 <= cmd < len(FUTEX_OPS) else str(cmd))


def open_flags(v: int) -> str:
    f = u32(v)
    out = flags(OPEN_ACCESS, f & 3)
    return out + ("|" + flags(OPEN_FLAGS, f & ~3) if f & ~3 else "")


def _args(p: Process, fmt: str, a: list[int]) -> str:
    """Format the arguments by kind; "open", "fcntl" and "ioctl" consume two."""
    out, i = [], 0
    for kind in fmt.split():
        if kind == "open":
            out.append(open_flags(a[i]))
            if u32(a[i]) & (0o100 | 0o20000000):
                out.append(file_mode(a[i + 1]))
            i += 2
        elif kind == "fcntl":
            out.append(_fcntl(p, i32(a[i]), a[i + 1]))
            i += 2
        elif kind == "ioctl":
            out.append(_ioctl(p, u32(a[i]), a[i + 1]))
            i += 2
        else:
            out.append(KINDS[kind](p, a[i]))
            i += 1
    return ",".join(out)


def _fcntl(p: Process, cmd: int, arg: int) -> str:
    name = FCNTL_NAMES.get(cmd)
    if name is None:
        return f"{cmd},{pointer(arg)}"
    if cmd in _FCNTL_NOARG:
        return name
    if cmd in _FCNTL_PTR:
        return f"{name},{pointer(arg)}"
    if cmd == 4:
        return f"{name},{open_flags(arg)}"
    return f"{name},{i64(arg)}"


def _ioctl(p: Process, req: int, arg: int) -> str:
    from emu.linux.fs import IOCTLS
    entry = IOCTLS.get(req)
    if entry is None:
        return f"{_hex(req)},{_hex(u32(arg))}"
    name, kind, _ = entry
    if kind == "none":
        return name
    if kind == "int":
        return f"{name},{i32(arg)}"
    if kind == "r":
        return f"{name},{pointer(arg)}"
    return f"{name},{ioctl_struct(p, req, arg)}"


def signal_name(sig: int) -> str:
    """QEMU 7.2's names: SIGIOT for 6 (its table lists the alias last), numbers past 31."""
    return "SIGIOT" if sig == 6 else signals.NAMES.get(sig, str(sig))


SI_CODES = {0: "SI_USER", -6: "SI_TKILL", 0x80: "SI_KERNEL"}


# ---- lines ---------------------------------------------------------------------

def format_signal(sig: int, code: int, pid: int, uid: int) -> str:
    """QEMU's line for a signal taken: "--- SIGPIPE {si_signo=..., ...} ---"."""
    name = signal_name(sig)
    return (f"--- {name} {{si_signo={name}, si_code={SI_CODES.get(code, code)}, "
            f"si_pid={pid}, si_uid={uid}}} ---\n")


def format_call(p: Process, num: int, sc: Syscall | None, args: list[int]) -> str:
    """The first half of a trace line: "PID name(args)" (or QEMU's unknown-syscall line)."""
    prefix = f"{p.tid} "
    if sc is None:
        return f"{prefix}Unknown syscall {i64(num)}\n"
    if sc.fmt is None:
        body = ",".join(str(i64(a)) for a in args)
    else:
        body = _args(p, sc.fmt, args)
    return f"{prefix}{sc.name}({body})" + ("\n" if sc.ret == "none" else "")


def format_ret(p: Process, sc: Syscall, ret: int, args: list[int]) -> str:
    """The second half: " = value" with QEMU's error and structure forms, and the newline."""
    if sc.ret == "none":
        return ""
    if -4096 < ret < 0:
        return f" = -1 errno={-ret} ({os.strerror(-ret)})\n"
    if sc.ret == "addr":
        return f" = 0x{ret & ((1 << 64) - 1):016x}\n"
    extra = ""
    if sc.ret == "ts1":
        extra = f" ({timespec(p, args[1])})"
    elif sc.ret == "tv_tz":
        extra = f" ({timespec(p, args[0], usec=True)},{timezone(p, args[1])})"
    elif sc.ret == "xattrs":
        extra = f" (list = {xattr_list(p, args[1], ret)})"
    elif sc.ret == "ioctl":
        from emu.linux.fs import IOCTLS
        entry = IOCTLS.get(u32(args[1]))
        if entry is not None and "r" in entry[1]:
            extra = f" ({ioctl_struct(p, u32(args[1]), args[2])})"
    return f" = {ret}{extra}\n"

"""riscv64 Linux structure layouts, and the x86_64 ones where they differ.

Most kernel structures have the same LP64 layout on riscv64 and x86_64
(statfs, statx, dirent64, timespec, rusage, sysinfo, termios, winsize,
flock), so the syscall layer passes them through; `stat` differs and is
translated here. Layouts were checked against riscv64-linux-gnu headers.
"""
from __future__ import annotations

import struct

# ---- time ---------------------------------------------------------------
TIMESPEC = struct.Struct("<qq")          # tv_sec, tv_nsec
TIMEVAL = struct.Struct("<qq")           # tv_sec, tv_usec
TIMEZONE = struct.Struct("<ii")          # tz_minuteswest, tz_dsttime
TMS = struct.Struct("<qqqq")             # utime, stime, cutime, cstime
RUSAGE_SIZE = 144

# ---- files --------------------------------------------------------------
# asm-generic struct stat (riscv64): 128 bytes.
STAT = struct.Struct("<QQIIIIQ8xqi4xqqQqQqQ8x")
STAT_FIELDS = ("st_dev", "st_ino", "st_mode", "st_nlink", "st_uid", "st_gid", "st_rdev",
               "st_size", "st_blksize", "st_blocks", "st_atime", "st_atime_nsec",
               "st_mtime", "st_mtime_nsec", "st_ctime", "st_ctime_nsec")
# Offsets of the fields in the guest struct stat (for tests and plugins).
STAT_OFFSETS = dict(st_dev=0, st_ino=8, st_mode=16, st_nlink=20, st_uid=24, st_gid=28,
                    st_rdev=32, st_size=48, st_blksize=56, st_blocks=64, st_atime=72,
                    st_atime_nsec=80, st_mtime=88, st_mtime_nsec=96, st_ctime=104,
                    st_ctime_nsec=112)
# x86_64 struct stat as the host kernel writes it: 144 bytes, other order.
HOST_STAT = struct.Struct("<QQQIII4xQqqqqQqQqQ24x")
HOST_STAT_FIELDS = ("st_dev", "st_ino", "st_nlink", "st_mode", "st_uid", "st_gid", "st_rdev",
                    "st_size", "st_blksize", "st_blocks", "st_atime", "st_atime_nsec",
                    "st_mtime", "st_mtime_nsec", "st_ctime", "st_ctime_nsec")
STATX_SIZE = 256
STATFS_SIZE = 120
DIRENT64_HEAD = struct.Struct("<QqHB")   # d_ino, d_off, d_reclen, d_type; then d_name
FLOCK_SIZE = 32
F_OWNER_EX_SIZE = 8
IOVEC = struct.Struct("<QQ")             # iov_base, iov_len
IOV_MAX = 1024

# ---- terminals ----------------------------------------------------------
TERMIOS = struct.Struct("<IIIIB19s")     # kernel struct termios: iflag oflag cflag lflag line cc[19]
WINSIZE = struct.Struct("<HHHH")         # ws_row, ws_col, ws_xpixel, ws_ypixel

# ---- process ------------------------------------------------------------
RLIMIT = struct.Struct("<QQ")            # rlim_cur, rlim_max
RLIM_INFINITY = (1 << 64) - 1
UTSNAME_FIELD = 65                       # six fields of 65 bytes
SYSINFO_SIZE = 112
# riscv64 has no sa_restorer: handler, flags, mask (one 64-bit sigset word).
SIGACTION = struct.Struct("<QQQ")
SIGSET_SIZE = 8
STACK_T = struct.Struct("<Qi4xQ")        # ss_sp, ss_flags, ss_size


def stat_from_host(raw: bytes) -> bytes:
    """Translate an x86_64 `struct stat` written by the host kernel to riscv64's."""
    host = dict(zip(HOST_STAT_FIELDS, HOST_STAT.unpack_from(raw)))
    return pack_stat(**host)


def pack_stat(**f: int) -> bytes:
    """Build a riscv64 `struct stat` from field values (missing fields are 0)."""
    vals = []
    for name in STAT_FIELDS:
        v = f.get(name, 0)
        if name in ("st_nlink", "st_mode", "st_uid", "st_gid"):
            v &= 0xFFFFFFFF
        elif name == "st_blksize":
            v = max(-(1 << 31), min(v, (1 << 31) - 1))
        vals.append(v)
    return STAT.pack(*vals)


def unpack_stat(raw: bytes) -> dict[str, int]:
    """Field values of a riscv64 `struct stat` (for tests and plugins)."""
    return dict(zip(STAT_FIELDS, STAT.unpack_from(raw)))


def pack_utsname(*fields: str | bytes) -> bytes:
    """struct utsname: each field NUL-padded to 65 bytes (truncated to 64)."""
    out = b""
    for f in fields:
        b = f.encode() if isinstance(f, str) else f
        out += b[:UTSNAME_FIELD - 1].ljust(UTSNAME_FIELD, b"\0")
    return out

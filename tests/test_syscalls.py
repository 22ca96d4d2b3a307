"""Process.syscall driven with a real GuestMemory and CpuState, group by group."""
from __future__ import annotations

import errno
import io
import os
import resource
import select
import signal
import stat
import struct
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from emu import memory as M
from emu.linux import structs
from emu.linux.process import GuestExit, Process
from emu.linux.syscalls import NAMES, TABLE
from emu.loader import Image
from emu.log import log
from emu.memory import GuestMemory
from emu.state import CpuState

RW = M.PROT_READ | M.PROT_WRITE
AT_FDCWD = -100
BAD = 0x1000            # never mapped in these tests
MASK = (1 << 64) - 1


class Guest:
    """A guest process with a 1 MiB scratch area and a bump allocator in it."""

    def __init__(self, exe: str, sysroot: str | None = None):
        self.mem = GuestMemory()
        self.scratch = self.mem.map(0, 1 << 20, RW)
        self.top = self.scratch
        img = Image(entry=0, sp=0, exe_entry=0, load_bias=0, start_code=0, end_code=0,
                    start_data=0, end_data=0, start_stack=0, brk=0, interp_base=0,
                    exe_path=exe, symbols=[], argv=["prog", "arg 1"],
                    auxv=[(6, 4096), (25, 0x1234), (0, 0)])
        self.mem.set_brk_start(0x800000)
        self.p = Process(self.mem, img, sysroot=sysroot)
        self.cpu = CpuState()
        self.p.local.cpu = SimpleNamespace(state=self.cpu, clear_child_tid=0)   # the calling thread

    def call(self, name: str | int, *args: int) -> int:
        num = NAMES[name] if isinstance(name, str) else name
        self.cpu.x[17] = num
        for i in range(6):
            self.cpu.x[10 + i] = (args[i] if i < len(args) else 0) & MASK
        self.p.syscall(self.cpu)
        r = self.cpu.x[10]
        return r - (1 << 64) if r >> 63 else r

    def alloc(self, size: int, align: int = 16) -> int:
        self.top = (self.top + align - 1) & ~(align - 1)
        a = self.top
        self.top += size
        return a

    def put(self, data: bytes) -> int:
        a = self.alloc(len(data) + 1)
        self.mem.write(a, data)
        return a

    def s(self, text: str | bytes) -> int:
        return self.put((text.encode() if isinstance(text, str) else text) + b"\0")

    def read(self, addr: int, n: int) -> bytes:
        return self.mem.read(addr, n)

    def u(self, addr: int, size: int = 8) -> int:
        return self.mem.read_u(addr, size)


@pytest.fixture
def exe(tmp_path):
    f = tmp_path / "prog"
    f.write_bytes(b"\x7fELF program image")
    return str(f)


@pytest.fixture
def g(exe):
    return Guest(exe)


@pytest.fixture
def logged():
    """Capture the -d log with strace and unimp on."""
    saved = (log.items, log.out)
    log.items, log.out = {"strace", "unimp"}, io.StringIO()
    yield log.out
    log.items, log.out = saved


# ---- dispatch, hooks, unknown syscalls ---------------------------------------------

def test_unknown_syscalls_are_enosys_and_logged_as_qemu(g, logged):
    for nr in (999, 293, 258):                   # 293 rseq and 258 riscv_hwprobe, as QEMU 7.2
        assert g.call(nr) == -errno.ENOSYS
    pid = os.getpid()
    assert logged.getvalue() == "".join(f"{pid} Unknown syscall {n}\nUnsupported syscall: {n}\n"
                                        for n in (999, 293, 258))


class RecordingPlugins:
    """Stands for the plugin manager: records the syscall events it hears."""

    def __init__(self, skip: dict[int, int] | None = None):
        self.before, self.after, self.events, self.skip = [], [], [], skip or {}

    def syscall(self, thread, num, args):
        self.before.append((num, args[:2]))

    def syscall_filter(self, thread, num, args):
        return self.skip.get(num)

    def syscall_ret(self, thread, num, ret):
        self.after.append((num, ret))

    def vcpu_event(self, event, thread):
        self.events.append(event)


def test_flush_icache_returns_zero_untraced_and_unhooked(g, logged):
    g.p.plugins = RecordingPlugins()
    assert g.call(259, 0, 0, 0) == 0
    assert g.p.plugins.before == [] and logged.getvalue() == ""


def test_hooks_see_number_args_and_result(g):
    g.p.plugins = hooks = RecordingPlugins()
    g.call("close", 12345)
    assert hooks.before == [(57, [12345, 0])] and hooks.after == [(57, -errno.EBADF)]


def test_filter_skips_the_host_syscall(g, tmp_path):
    g.p.plugins = hooks = RecordingPlugins(skip={NAMES["unlinkat"]: 42})
    victim = tmp_path / "keep"
    victim.write_text("x")
    assert g.call("unlinkat", -100 & MASK, g.s(str(victim)), 0) == 42
    assert victim.exists() and hooks.after == [(NAMES["unlinkat"], 42)]


def test_blocking_syscalls_are_idle_time(g):
    g.p.plugins = hooks = RecordingPlugins()
    ts = g.put(struct.pack("<qq", 0, 1000))
    assert g.call("nanosleep", ts, 0) == 0
    g.call("getpid")
    assert hooks.events == ["vcpu_idle", "vcpu_resume"]


def test_table_names_are_unique_and_numbers_generic():
    assert len(NAMES) == len(TABLE)
    assert (NAMES["read"], NAMES["openat"], NAMES["mmap"], NAMES["exit_group"]) == (63, 56, 222, 94)
    assert (NAMES["newfstatat"], NAMES["statx"], NAMES["faccessat2"], NAMES["brk"]) == (79, 291, 439, 214)


# ---- -strace format ------------------------------------------------------------------

def test_strace_lines(g, logged, tmp_path):
    pid = os.getpid()
    f = tmp_path / "f"
    fd = g.call("openat", AT_FDCWD, g.s(str(f)), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    g.call("close", fd)
    g.call("openat", AT_FDCWD, g.s("/nonexistent"), os.O_RDONLY)
    a = g.call("mmap", 0, 8192, 3, 0x22, -1, 0)
    g.call("getpid")
    g.call("set_tid_address", 0x1000)
    ts = g.alloc(16)
    g.call("clock_gettime", 1, ts)
    sec, nsec = struct.unpack("<qq", g.read(ts, 16))
    with pytest.raises(GuestExit):
        g.call("exit_group", 3)
    lines = logged.getvalue().splitlines()
    assert lines[0] == f'{pid} openat(AT_FDCWD,"{f}",O_RDWR|O_CREAT|O_TRUNC,0644) = {fd}'
    assert lines[1] == f"{pid} close({fd}) = 0"
    assert lines[2] == (f'{pid} openat(AT_FDCWD,"/nonexistent",O_RDONLY) = '
                        "-1 errno=2 (No such file or directory)")
    assert lines[3] == (f"{pid} mmap(NULL,8192,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0)"
                        f" = 0x{a:016x}")
    assert lines[4] == f"{pid} getpid() = {pid}"
    assert lines[5] == f"{pid} set_tid_address(4096,0,0,0,0,0) = {pid}"
    assert lines[6] == (f"{pid} clock_gettime(CLOCK_MONOTONIC,0x{ts:016x}) = 0 "
                        f"({{tv_sec = {sec},tv_nsec = {nsec}}})")
    assert lines[7] == f"{pid} exit_group(3)"


def test_strace_ioctl_and_unsupported_ioctl(g, logged):
    r, w = os.pipe()
    try:
        ws = g.alloc(8)
        assert g.call("ioctl", r, 0x5413, ws) == -errno.ENOTTY
        assert g.call("ioctl", r, 0x1234, 0) == -errno.ENOSYS
    finally:
        os.close(r)
        os.close(w)
    pid = os.getpid()
    assert logged.getvalue() == (
        f"{pid} ioctl({r},TIOCGWINSZ,0x{ws:016x}) = -1 errno=25 (Inappropriate ioctl for device)\n"
        f"{pid} ioctl({r},0x1234,0)Unsupported ioctl: cmd=0x1234\n"
        " = -1 errno=38 (Function not implemented)\n")


# ---- files ---------------------------------------------------------------------------

def test_open_write_seek_read_close(g, tmp_path):
    path = g.s(str(tmp_path / "data"))
    fd = g.call("openat", AT_FDCWD, path, os.O_RDWR | os.O_CREAT, 0o600)
    assert fd >= 0
    msg = g.put(b"hello, guest")
    assert g.call("write", fd, msg, 12) == 12
    assert g.call("lseek", fd, 7, os.SEEK_SET) == 7
    buf = g.alloc(64)
    assert g.call("read", fd, buf, 64) == 5
    assert g.read(buf, 5) == b"guest"
    assert g.call("close", fd) == 0
    assert g.call("close", fd) == -errno.EBADF
    assert (tmp_path / "data").read_bytes() == b"hello, guest"
    assert stat.S_IMODE(os.stat(tmp_path / "data").st_mode) == 0o600 & ~_umask()


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def test_descriptors_are_inheritable_unless_cloexec(g, tmp_path):
    a = g.call("openat", AT_FDCWD, g.s(str(tmp_path)), os.O_RDONLY | os.O_DIRECTORY)
    b = g.call("openat", AT_FDCWD, g.s(str(tmp_path)), os.O_RDONLY | os.O_CLOEXEC)
    try:
        assert g.call("fcntl", a, 1, 0) == 0                 # F_GETFD
        assert g.call("fcntl", b, 1, 0) == 1                 # FD_CLOEXEC
        assert g.call("fcntl", a, 3, 0) & ~0o400000 == os.O_RDONLY | os.O_DIRECTORY
        assert g.call("fcntl", a, 3, 0) & 0o100000 == 0      # no O_LARGEFILE, as QEMU
        assert g.call("fcntl", a, 99999, 0) == -errno.EINVAL
    finally:
        os.close(a)
        os.close(b)


def test_efault_on_bad_pointers(g, tmp_path):
    fd = os.open(tmp_path / "x", os.O_RDWR | os.O_CREAT)
    ro = g.mem.map(0, 4096, M.PROT_READ)
    try:
        os.write(fd, b"abc")
        os.lseek(fd, 0, 0)
        assert g.call("read", fd, BAD, 3) == -errno.EFAULT
        assert g.call("read", fd, ro, 3) == -errno.EFAULT       # read-only page
        assert g.call("write", fd, BAD, 3) == -errno.EFAULT
        assert g.call("write", fd, ro, 3) == 3                  # reading it is fine
        assert g.call("openat", AT_FDCWD, BAD, 0) == -errno.EFAULT
        assert g.call("fstat", fd, BAD) == -errno.EFAULT
        assert g.call("newfstatat", AT_FDCWD, BAD, g.alloc(128), 0) == -errno.EFAULT
        assert g.call("clock_gettime", 0, BAD) == -errno.EFAULT
        assert g.call("uname", BAD) == -errno.EFAULT
        assert g.call("getrandom", BAD, 8, 0) == -errno.EFAULT
        assert g.call("pipe2", BAD, 0) == -errno.EFAULT
        assert g.call("rt_sigaction", 10, BAD, 0, 8) == -errno.EFAULT
        assert g.call("readv", fd, BAD, 1) == -errno.EFAULT
        assert g.call("getcwd", BAD, 100) == -errno.EFAULT
    finally:
        os.close(fd)


def test_paths_empty_and_too_long(g):
    assert g.call("openat", AT_FDCWD, g.s(""), 0) == -errno.ENOENT
    assert g.call("openat", AT_FDCWD, g.s("/" + "a" * 5000), 0) == -errno.ENAMETOOLONG


def test_readv_writev_pread_pwrite(g, tmp_path):
    fd = os.open(tmp_path / "v", os.O_RDWR | os.O_CREAT)
    try:
        a, b = g.put(b"abc"), g.put(b"defg")
        iov = g.put(struct.pack("<4Q", a, 3, b, 4))
        assert g.call("writev", fd, iov, 2) == 7
        assert g.call("pwrite64", fd, g.put(b"XY"), 2, 1) == 2
        x, y = g.alloc(2), g.alloc(10)
        riov = g.put(struct.pack("<4Q", x, 2, y, 10))
        assert g.call("pread64", fd, y, 3, 4) == 3 and g.read(y, 3) == b"efg"
        os.lseek(fd, 0, 0)
        assert g.call("readv", fd, riov, 2) == 7
        assert g.read(x, 2) + g.read(y, 5) == b"aXYdefg"
        bad = g.put(struct.pack("<4Q", a, 3, BAD, 4))           # later bad buffer: partial
        assert g.call("writev", fd, bad, 2) == 3
        bad_first = g.put(struct.pack("<4Q", BAD, 3, a, 3))
        assert g.call("writev", fd, bad_first, 2) == -errno.EFAULT
        assert g.call("writev", fd, iov, 5000) == -errno.EINVAL
    finally:
        os.close(fd)


def test_dup_dup3_pipe2(g):
    fds = g.alloc(8)
    assert g.call("pipe2", fds, os.O_CLOEXEC) == 0
    r, w = struct.unpack("<ii", g.read(fds, 8))
    try:
        assert not os.get_inheritable(r)
        d = g.call("dup", w)
        assert d > w and os.get_inheritable(d)
        assert g.call("dup3", w, 60, 0) == 60
        assert g.call("dup3", w, w, 0) == -errno.EINVAL
        assert g.call("write", 60, g.put(b"via dup"), 7) == 7
        assert os.read(r, 7) == b"via dup"
        os.close(d)
        os.close(60)
    finally:
        os.close(r)
        os.close(w)


def test_stat_layout_matches_host(g, tmp_path):
    f = tmp_path / "s"
    f.write_bytes(b"x" * 5000)
    os.utime(f, ns=(1_600_000_000_123_456_789, 1_700_000_000_987_654_321))
    st = os.stat(f)
    buf = g.alloc(128)
    assert g.call("newfstatat", AT_FDCWD, g.s(str(f)), buf, 0) == 0
    raw = g.read(buf, 128)
    field = lambda name, fmt: struct.unpack_from(fmt, raw, structs.STAT_OFFSETS[name])[0]
    assert field("st_dev", "<Q") == st.st_dev and field("st_ino", "<Q") == st.st_ino
    assert field("st_mode", "<I") == st.st_mode and field("st_nlink", "<I") == st.st_nlink
    assert field("st_uid", "<I") == st.st_uid and field("st_gid", "<I") == st.st_gid
    assert field("st_size", "<q") == 5000 and field("st_blksize", "<i") == st.st_blksize
    assert field("st_blocks", "<q") == st.st_blocks
    assert field("st_atime", "<q") == 1_600_000_000 and field("st_atime_nsec", "<Q") == 123_456_789
    assert field("st_mtime", "<q") == 1_700_000_000 and field("st_mtime_nsec", "<Q") == 987_654_321
    assert structs.unpack_stat(raw)["st_ctime"] == int(st.st_ctime)
    fd = os.open(f, os.O_RDONLY)
    try:
        buf2 = g.alloc(128)
        assert g.call("fstat", fd, buf2) == 0 and g.read(buf2, 128) == raw
        buf3 = g.alloc(128)
        assert g.call("newfstatat", fd, g.s(""), buf3, 0x1000) == 0    # AT_EMPTY_PATH
        assert g.read(buf3, 128) == raw
    finally:
        os.close(fd)
    os.symlink(f, tmp_path / "link")
    assert g.call("newfstatat", AT_FDCWD, g.s(str(tmp_path / "link")), buf, 0x100) == 0
    assert stat.S_ISLNK(structs.unpack_stat(g.read(buf, 128))["st_mode"])


def test_statx_passes_through(g, tmp_path):
    f = tmp_path / "sx"
    f.write_bytes(b"y" * 777)
    buf = g.alloc(256)
    assert g.call("statx", AT_FDCWD, g.s(str(f)), 0, 0x7FF, buf) == 0
    mask, = struct.unpack_from("<I", g.read(buf, 4))
    mode, = struct.unpack_from("<H", g.read(buf + 28, 2))
    size, = struct.unpack_from("<Q", g.read(buf + 40, 8))
    assert mask & 0x7FF == 0x7FF and stat.S_ISREG(mode) and size == 777


def test_getdents64(g, tmp_path):
    for n in ("alpha", "beta"):
        (tmp_path / n).write_text(n)
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        buf = g.alloc(4096)
        n = g.call("getdents64", fd, buf, 4096)
        names, off, raw = set(), 0, g.read(buf, n)
        while off < n:
            _ino, _off, reclen, _type = structs.DIRENT64_HEAD.unpack_from(raw, off)
            names.add(raw[off + 19:off + reclen].split(b"\0")[0])
            off += reclen
        assert {b".", b"..", b"alpha", b"beta"} <= names
    finally:
        os.close(fd)


def test_readlinkat_and_proc_self(g, exe, tmp_path):
    buf = g.alloc(256)
    n = g.call("readlinkat", AT_FDCWD, g.s("/proc/self/exe"), buf, 256)
    assert g.read(buf, n) == exe.encode()
    assert g.call("readlinkat", AT_FDCWD, g.s(f"/proc/{os.getpid()}/exe"), buf, 4) == 4
    assert g.call("readlinkat", AT_FDCWD, g.s("/proc/self/exe"), buf, 0) == -errno.EINVAL
    os.symlink("target-name", tmp_path / "l")
    n = g.call("readlinkat", AT_FDCWD, g.s(str(tmp_path / "l")), buf, 256)
    assert g.read(buf, n) == b"target-name"
    fd = g.call("openat", AT_FDCWD, g.s("/proc/self/exe"), os.O_RDONLY)
    assert os.read(fd, 4) == b"\x7fELF"
    os.close(fd)
    fd = g.call("openat", AT_FDCWD, g.s("/proc/self/cmdline"), os.O_RDONLY)
    assert os.read(fd, 100) == b"prog\0arg 1\0"
    os.close(fd)
    fd = g.call("openat", AT_FDCWD, g.s("/proc/self/auxv"), os.O_RDONLY)
    assert os.read(fd, 100) == struct.pack("<6Q", 6, 4096, 25, 0x1234, 0, 0)
    os.close(fd)
    fd = g.call("openat", AT_FDCWD, g.s("/proc/self/maps"), os.O_RDONLY | os.O_CLOEXEC)
    maps = os.read(fd, 65536).decode()
    assert not os.get_inheritable(fd)
    os.close(fd)
    assert f"{g.scratch:08x}-{g.scratch + (1 << 20):08x} rw-p 00000000 00:00 0" in maps


def test_sysroot_resolution(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "only-in-root").write_text("from sysroot")
    g = Guest(str(tmp_path / "prog"), sysroot=str(root))
    assert g.p.resolve_path(b"/etc/only-in-root") == str(root / "etc" / "only-in-root").encode()
    assert g.p.resolve_path(b"/etc/hostname-not-in-root") == b"/etc/hostname-not-in-root"
    assert g.p.resolve_path(b"relative") == b"relative"
    fd = g.call("openat", AT_FDCWD, g.s("/etc/only-in-root"), 0)
    assert os.read(fd, 100) == b"from sysroot"
    os.close(fd)
    buf = g.alloc(128)
    assert g.call("newfstatat", AT_FDCWD, g.s("/etc/only-in-root"), buf, 0) == 0
    assert structs.unpack_stat(g.read(buf, 128))["st_size"] == 12


def test_directory_and_name_calls(g, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = str(tmp_path / "dir")
    assert g.call("mkdirat", AT_FDCWD, g.s(d), 0o755) == 0 and os.path.isdir(d)
    assert g.call("mkdirat", AT_FDCWD, g.s(d), 0o755) == -errno.EEXIST
    assert g.call("faccessat", AT_FDCWD, g.s(d), os.W_OK) == 0
    assert g.call("faccessat2", AT_FDCWD, g.s(d + "/nope"), os.F_OK, 0) == -errno.ENOENT
    f = tmp_path / "dir" / "f"
    f.write_text("x")
    assert g.call("renameat2", AT_FDCWD, g.s(str(f)), AT_FDCWD, g.s(d + "/g"), 0) == 0
    assert g.call("linkat", AT_FDCWD, g.s(d + "/g"), AT_FDCWD, g.s(d + "/h"), 0) == 0
    assert os.stat(d + "/h").st_nlink == 2
    assert g.call("symlinkat", g.s("g"), AT_FDCWD, g.s(d + "/s")) == 0
    assert os.readlink(d + "/s") == "g"
    assert g.call("fchmodat", AT_FDCWD, g.s(d + "/g"), 0o604) == 0
    assert stat.S_IMODE(os.stat(d + "/g").st_mode) == 0o604
    times = g.put(struct.pack("<4q", 1000, 5, 2000, 7))
    assert g.call("utimensat", AT_FDCWD, g.s(d + "/g"), times, 0) == 0
    assert os.stat(d + "/g").st_mtime_ns == 2000 * 10**9 + 7
    assert g.call("unlinkat", AT_FDCWD, g.s(d + "/s"), 0) == 0
    assert g.call("unlinkat", AT_FDCWD, g.s(d), 0x200) == -errno.ENOTEMPTY
    for n in ("g", "h"):
        assert g.call("unlinkat", AT_FDCWD, g.s(f"{d}/{n}"), 0) == 0
    dfd = os.open(tmp_path, os.O_RDONLY)
    try:
        assert g.call("unlinkat", dfd, g.s("dir"), 0x200) == 0 and not os.path.exists(d)
    finally:
        os.close(dfd)


def test_cwd_calls(g, tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    buf = g.alloc(4096)
    assert g.call("chdir", g.s(str(tmp_path))) == 0
    n = g.call("getcwd", buf, 4096)
    assert n == len(str(tmp_path)) + 1 and g.read(buf, n) == str(tmp_path).encode() + b"\0"
    assert g.call("getcwd", buf, 2) == -errno.ERANGE
    fd = os.open("/", os.O_RDONLY)
    try:
        assert g.call("fchdir", fd) == 0 and os.getcwd() == "/"
    finally:
        os.close(fd)
    assert g.call("chdir", g.s("/nonexistent-dir")) == -errno.ENOENT
    old = g.call("umask", 0o027)
    assert g.call("umask", old) == 0o027


def test_sizes_sync_and_attributes(g, tmp_path):
    f = tmp_path / "t"
    f.write_bytes(b"z" * 100)
    fd = os.open(f, os.O_RDWR)
    try:
        assert g.call("ftruncate", fd, 10) == 0 and f.stat().st_size == 10
        assert g.call("truncate", g.s(str(f)), 3) == 0 and f.stat().st_size == 3
        assert g.call("ftruncate", fd, -1) == -errno.EINVAL
        assert g.call("fsync", fd) == 0 and g.call("fdatasync", fd) == 0
        assert g.call("fchmod", fd, 0o640) == 0 and stat.S_IMODE(f.stat().st_mode) == 0o640
        assert g.call("fchown", fd, os.getuid(), os.getgid()) == 0
        assert g.call("fsync", 9999) == -errno.EBADF
        sf = g.alloc(120)
        assert g.call("fstatfs", fd, sf) == 0
        assert g.call("statfs", g.s(str(tmp_path)), sf) == 0
        f_type, f_bsize = struct.unpack_from("<qq", g.read(sf, 16))
        assert f_type != 0 and f_bsize > 0
    finally:
        os.close(fd)


def test_sendfile_and_copy_file_range(g, tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.write_bytes(b"0123456789")
    a, b = os.open(src, os.O_RDONLY), os.open(dst, os.O_RDWR | os.O_CREAT)
    try:
        off = g.put(struct.pack("<q", 2))
        assert g.call("sendfile", b, a, off, 4) == 4
        assert struct.unpack("<q", g.read(off, 8))[0] == 6
        assert os.lseek(a, 0, os.SEEK_CUR) == 0               # offset pointer: fd not moved
        assert g.call("copy_file_range", a, 0, b, 0, 3, 0) == 3
        assert dst.read_bytes() == b"2345012"
    finally:
        os.close(a)
        os.close(b)


def test_terminal_ioctls_on_a_pty(g):
    master, slave = os.openpty()
    try:
        ws = g.put(structs.WINSIZE.pack(40, 132, 0, 0))
        assert g.call("ioctl", slave, 0x5414, ws) == 0               # TIOCSWINSZ
        out = g.alloc(8)
        assert g.call("ioctl", slave, 0x5413, out) == 0              # TIOCGWINSZ
        assert structs.WINSIZE.unpack(g.read(out, 8)) == (40, 132, 0, 0)
        tio = g.alloc(36)
        assert g.call("ioctl", slave, 0x5401, tio) == 0              # TCGETS
        iflag, oflag, cflag, lflag, _line, _cc = structs.TERMIOS.unpack(g.read(tio, 36))
        assert cflag & 0o200                                         # CREAD
        assert g.call("ioctl", slave, 0x5402, tio) == 0              # TCSETS
        assert g.call("ioctl", slave, 0x5413, BAD) == -errno.EFAULT
        os.write(master, b"abc\n")
        select.select([slave], [], [], 5)          # the line discipline works asynchronously
        n = g.alloc(4)
        assert g.call("ioctl", slave, 0x541B, n) == 0                # FIONREAD
        assert g.u(n, 4) == 4
    finally:
        os.close(master)
        os.close(slave)


def test_ppoll_pselect6(g):
    r, w = os.pipe()
    try:
        os.write(w, b"!")
        pfd = g.put(struct.pack("<ihh", r, 1, 0))
        ts = g.put(struct.pack("<qq", 1, 0))
        assert g.call("ppoll", pfd, 1, ts, 0, 8) == 1
        assert struct.unpack("<ihh", g.read(pfd, 8))[2] & 1
        fdset = g.put((1 << r).to_bytes(8, "little"))
        assert g.call("pselect6", r + 1, fdset, 0, 0, 0, 0) == 1
        os.read(r, 1)
        zero = g.put(struct.pack("<qq", 0, 0))
        assert g.call("ppoll", pfd, 1, zero, 0, 8) == 0
    finally:
        os.close(r)
        os.close(w)


# ---- memory -------------------------------------------------------------------------

def test_brk(g):
    start = g.call("brk", 0)
    assert start == 0x800000
    assert g.call("brk", start + 10000) == start + 10000
    g.mem.write(start + 9000, b"heap")
    assert g.call("brk", start + 100) == start + 100
    assert not g.mem.check(start + 4096, 1, M.PROT_READ)
    assert g.call("brk", 1 << 62) == start + 100


def test_mmap_munmap_mprotect(g, tmp_path):
    a = g.call("mmap", 0, 10000, RW, 0x22, -1, 0)
    assert a > 0 and a % 4096 == 0 and g.read(a, 12288) == bytes(12288)
    assert g.call("mmap", 0, 0, RW, 0x22, -1, 0) == -errno.EINVAL
    assert g.call("mmap", 0, 4096, RW, 0x20, -1, 0) == -errno.EINVAL      # no type
    assert g.call("mmap", 0, 4096, RW, 0x22, -1, 100) == -errno.EINVAL    # offset
    assert g.call("mmap", 0, 4096, 0x40, 0x22, -1, 0) == -errno.EINVAL    # prot bits
    assert g.call("mmap", 0, 4096, RW, 0x02, 9999, 0) == -errno.EBADF
    assert g.call("mmap", 0x7000000, 4096, RW, 0x32, -1, 0) == 0x7000000  # MAP_FIXED
    assert g.call("mprotect", a, 4096, M.PROT_READ) == 0
    fd = os.open(tmp_path / "m", os.O_RDWR | os.O_CREAT)
    try:
        os.write(fd, b"abc")
        os.lseek(fd, 0, 0)
        assert g.call("read", fd, a, 3) == -errno.EFAULT                 # now read-only
        assert g.call("read", fd, a + 4096, 3) == 3
        f = g.call("mmap", 0, 4096, M.PROT_READ, 0x02, fd, 0)
        assert g.read(f, 3) == b"abc" and not g.mem.check(f, 1, M.PROT_WRITE)
        assert g.mem.vma_at(f).name == str(tmp_path / "m")
    finally:
        os.close(fd)
    assert g.call("mprotect", a + 1, 4096, M.PROT_READ) == -errno.EINVAL
    assert g.call("mprotect", 0x7001000, 4096, M.PROT_READ) == -errno.ENOMEM
    assert g.call("mprotect", 0x7001000, 0, M.PROT_READ) == 0
    assert g.call("munmap", a + 1, 4096) == -errno.EINVAL
    assert g.call("munmap", a, 0) == -errno.EINVAL
    assert g.call("munmap", a, 12288) == 0 and not g.mem.check(a, 1, M.PROT_READ)
    assert g.call("munmap", a, 12288) == 0                                # unmapped: still 0


def test_mremap(g):
    a = g.call("mmap", 0, 8192, RW, 0x22, -1, 0)
    g.mem.write(a, b"moved")
    g.call("mmap", a + 8192, 4096, RW, 0x32, -1, 0)                       # block in-place growth
    assert g.call("mremap", a, 8192, 65536, 0, 0) == -errno.ENOMEM
    b = g.call("mremap", a, 8192, 65536, 1, 0)
    assert b > 0 and g.read(b, 5) == b"moved" and g.mem.check(b, 65536, M.PROT_WRITE)
    assert g.call("mremap", b, 65536, 4096, 0, 0) == b
    assert g.call("mremap", b, 4096, 8192, 8, 0) == -errno.EINVAL         # unknown flag
    assert g.call("mremap", b, 4096, 8192, 2, 0x9000000) == -errno.EINVAL  # FIXED w/o MAYMOVE
    assert g.call("mremap", b, 4096, 8192, 3, b - 4096) == -errno.EINVAL  # overlapping
    assert g.call("mremap", b, 4096, 8192, 3, 0x9000000) == 0x9000000
    assert g.read(0x9000000, 5) == b"moved"


def test_madvise_dontneed_zeroes_private_anonymous(g):
    a = g.call("mmap", 0, 8192, RW, 0x22, -1, 0)
    g.mem.write(a, b"x" * 8192)
    assert g.call("madvise", a, 4096, 4) == 0
    assert g.read(a, 4096) == bytes(4096) and g.read(a + 4096, 1) == b"x"
    assert g.call("madvise", a, 8192, 3) == 0                             # WILLNEED: a hint
    assert g.read(a + 4096, 1) == b"x"
    assert g.call("madvise", a + 1, 4096, 4) == -errno.EINVAL
    assert g.call("madvise", a, 0, 4) == 0


# ---- process ------------------------------------------------------------------------

def test_exit_and_exit_group(g):
    with pytest.raises(GuestExit) as e:
        g.call("exit_group", 0x1_07)
    assert (e.value.status, e.value.signal) == (7, 0)
    with pytest.raises(GuestExit) as e:
        g.call("exit", 256 + 42)
    assert e.value.status == 42


def test_identity(g):
    assert g.call("getpid") == os.getpid() and g.call("getppid") == os.getppid()
    assert g.call("gettid") == os.getpid()
    assert (g.call("getuid"), g.call("geteuid")) == (os.getuid(), os.geteuid())
    assert (g.call("getgid"), g.call("getegid")) == (os.getgid(), os.getegid())
    r, e, s = g.alloc(4), g.alloc(4), g.alloc(4)
    assert g.call("getresuid", r, e, s) == 0
    assert (g.u(r, 4), g.u(e, 4), g.u(s, 4)) == os.getresuid()
    n = g.call("getgroups", 0, 0)
    lst = g.alloc(4 * max(n, 1))
    assert g.call("getgroups", n, lst) == n
    assert sorted(struct.unpack(f"<{n}I", g.read(lst, 4 * n))) == sorted(os.getgroups())
    assert g.call("setuid", os.getuid()) == 0


def test_uname(g):
    buf = g.alloc(390)
    assert g.call("uname", buf) == 0
    fields = [g.read(buf + 65 * i, 65).split(b"\0")[0].decode() for i in range(6)]
    u = os.uname()
    assert fields[:5] == [u.sysname, u.nodename, u.release, u.version, "riscv64"]
    g.p.uname_release = "6.1.0-llemu"
    g.call("uname", buf)
    assert g.read(buf + 130, 12) == b"6.1.0-llemu\0"


def test_rlimits(g):
    old = g.alloc(16)
    assert g.call("prlimit64", 0, resource.RLIMIT_NOFILE, 0, old) == 0
    assert struct.unpack("<QQ", g.read(old, 16)) == tuple(
        x & MASK for x in resource.getrlimit(resource.RLIMIT_NOFILE))
    host_stack = resource.getrlimit(resource.RLIMIT_STACK)
    new = g.put(struct.pack("<QQ", 1 << 20, 1 << 20))
    assert g.call("prlimit64", 0, resource.RLIMIT_STACK, new, 0) == 0      # not applied (QEMU)
    assert resource.getrlimit(resource.RLIMIT_STACK) == host_stack
    assert g.call("getrlimit", resource.RLIMIT_NOFILE, old) == 0
    assert g.call("setrlimit", resource.RLIMIT_NOFILE, old) == 0
    assert g.call("setrlimit", resource.RLIMIT_NOFILE, 0) == -errno.EFAULT
    assert g.call("getrlimit", 99, old) == -errno.EINVAL


def test_tid_address_robust_list_sysinfo_affinity(g):
    assert g.call("set_tid_address", g.alloc(4)) == os.getpid()
    assert g.call("set_robust_list", g.alloc(24), 24) == -errno.ENOSYS       # as QEMU 7.2
    info = g.alloc(112)
    assert g.call("sysinfo", info) == 0
    assert struct.unpack_from("<q", g.read(info, 8))[0] > 0                   # uptime
    mask = g.alloc(128)
    n = g.call("sched_getaffinity", 0, 128, mask)
    assert n > 0 and n % 8 == 0
    cpus = int.from_bytes(g.read(mask, n), "little")
    assert {i for i in range(8 * n) if cpus >> i & 1} == os.sched_getaffinity(0)
    assert g.call("sched_getaffinity", 0, 7, mask) == -errno.EINVAL
    assert g.call("sched_yield") == 0
    ru = g.alloc(144)
    assert g.call("getrusage", 0, ru) == 0
    assert struct.unpack_from("<q", g.read(ru, 144), 32)[0] > 0               # ru_maxrss


def test_prctl_name_and_unsupported(g, logged):
    assert g.call("prctl", 15, g.s("worker-thread-name-long"), 0, 0, 0) == 0
    buf = g.alloc(16)
    assert g.call("prctl", 16, buf, 0, 0, 0) == 0
    assert g.read(buf, 16) == b"worker-thread-n\0"
    assert g.call("prctl", 12345, 0, 0, 0, 0) == -errno.EINVAL
    assert "Unsupported prctl: 12345\n" in logged.getvalue()


# ---- time and randomness --------------------------------------------------------------

def test_clocks(g):
    ts = g.alloc(16)
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    assert g.call("clock_gettime", time.CLOCK_MONOTONIC, ts) == 0
    sec, nsec = struct.unpack("<qq", g.read(ts, 16))
    assert 0 <= sec * 10**9 + nsec - before < 10**9
    assert g.call("clock_gettime", 12345, ts) == -errno.EINVAL
    assert g.call("clock_getres", 0, ts) == 0 and struct.unpack("<qq", g.read(ts, 16)) == (0, 1)
    assert g.call("clock_getres", 0, 0) == 0
    tv = g.alloc(16)
    assert g.call("gettimeofday", tv, 0) == 0
    assert abs(struct.unpack("<qq", g.read(tv, 16))[0] - time.time()) < 5
    tms = g.alloc(32)
    assert g.call("times", tms) > 0


def test_sleeps(g):
    req = g.put(struct.pack("<qq", 0, 20_000_000))
    t = time.monotonic()
    assert g.call("nanosleep", req, 0) == 0
    assert g.call("clock_nanosleep", time.CLOCK_MONOTONIC, 0, req, 0) == 0
    assert time.monotonic() - t >= 0.039
    assert g.call("nanosleep", g.put(struct.pack("<qq", 0, 2_000_000_000)), 0) == -errno.EINVAL
    assert g.call("nanosleep", BAD, 0) == -errno.EFAULT


def test_getrandom(g):
    buf = g.alloc(64)
    assert g.call("getrandom", buf, 64, 0) == 64
    assert g.read(buf, 64) != bytes(64)


def test_futex(g):
    word = g.put(struct.pack("<I", 5))
    assert g.call("futex", word, 1 | 128, 1, 0, 0, 0) == 0                   # WAKE: nobody
    assert g.call("futex", word, 0 | 128, 4, 0, 0, 0) == -errno.EAGAIN      # WAIT, value differs
    tmo = g.put(struct.pack("<qq", 0, 10_000_000))
    assert g.call("futex", word, 0 | 128, 5, tmo, 0, 0) == -errno.ETIMEDOUT
    assert g.call("futex", BAD, 1, 1, 0, 0, 0) == -errno.EFAULT


# ---- signals -------------------------------------------------------------------------

def test_rt_sigaction_records_and_returns_old(g):
    act = g.put(structs.SIGACTION.pack(0x12345, 0x10000004, 1 << 9))
    old = g.alloc(24)
    assert g.call("rt_sigaction", signal.SIGUSR1, act, old, 8) == 0
    assert structs.SIGACTION.unpack(g.read(old, 24)) == (0, 0, 0)
    assert g.call("rt_sigaction", signal.SIGUSR1, 0, old, 8) == 0
    assert structs.SIGACTION.unpack(g.read(old, 24)) == (0x12345, 0x10000004, 1 << 9)
    assert g.p.signals.actions[signal.SIGUSR1].handler == 0x12345
    assert g.call("rt_sigaction", signal.SIGKILL, act, 0, 8) == -errno.EINVAL
    assert g.call("rt_sigaction", signal.SIGKILL, 0, old, 8) == 0
    assert g.call("rt_sigaction", 65, 0, old, 8) == -errno.EINVAL
    assert g.call("rt_sigaction", 0, 0, old, 8) == -errno.EINVAL
    assert g.call("rt_sigaction", signal.SIGUSR1, act, 0, 16) == -errno.EINVAL


def test_rt_sigprocmask(g):
    s, o = g.put(struct.pack("<Q", (1 << 9) | (1 << 8))), g.alloc(8)
    assert g.call("rt_sigprocmask", 0, s, o, 8) == 0                       # BLOCK USR1, KILL
    assert g.u(o) == 0 and g.p.signals.mask == 1 << 9                     # SIGKILL unblockable
    assert g.call("rt_sigprocmask", 1, g.put(struct.pack("<Q", 1 << 9)), o, 8) == 0
    assert g.u(o) == 1 << 9 and g.p.signals.mask == 0
    assert g.call("rt_sigprocmask", 7, s, 0, 8) == -errno.EINVAL
    assert g.call("rt_sigprocmask", 7, 0, o, 8) == 0                      # how ignored without set
    assert g.call("rt_sigprocmask", 2, s, 0, 4) == -errno.EINVAL


def test_sigaltstack(g):
    old = g.alloc(24)
    assert g.call("sigaltstack", 0, old) == 0
    assert structs.STACK_T.unpack(g.read(old, 24)) == (0, 2, 0)           # SS_DISABLE
    new = g.put(structs.STACK_T.pack(0x7000, 0, 65536))
    assert g.call("sigaltstack", new, 0) == 0
    assert g.call("sigaltstack", 0, old) == 0
    assert structs.STACK_T.unpack(g.read(old, 24)) == (0x7000, 0, 65536)
    assert g.call("sigaltstack", g.put(structs.STACK_T.pack(0x7000, 0, 100)), 0) == -errno.ENOMEM
    assert g.call("sigaltstack", g.put(structs.STACK_T.pack(0, 77, 0)), 0) == -errno.EINVAL


def test_kill_self_ignored_handled_blocked_and_fatal(g):
    pid = os.getpid()
    ign = g.put(structs.SIGACTION.pack(1, 0, 0))
    assert g.call("rt_sigaction", signal.SIGUSR1, ign, 0, 8) == 0
    assert g.call("kill", pid, signal.SIGUSR1) == 0                        # ignored
    assert g.call("kill", pid, signal.SIGCHLD) == 0                        # default: ignore
    handler = g.put(structs.SIGACTION.pack(0x4000, 0, 0))
    g.call("rt_sigaction", signal.SIGUSR2, handler, 0, 8)
    assert g.call("tgkill", pid, pid, signal.SIGUSR2) == 0
    assert g.p.signals.pending == 1 << (signal.SIGUSR2 - 1)                # left for delivery
    assert g.call("kill", pid, 0) == 0 and g.call("kill", pid, 99) == -errno.EINVAL
    g.call("rt_sigprocmask", 0, g.put(struct.pack("<Q", 1 << (signal.SIGTERM - 1))), 0, 8)
    assert g.call("kill", pid, signal.SIGTERM) == 0                        # blocked: pending
    with pytest.raises(GuestExit) as e:                                    # unblocked: dies
        g.call("rt_sigprocmask", 1, g.put(struct.pack("<Q", 1 << (signal.SIGTERM - 1))), 0, 8)
    assert (e.value.status, e.value.signal) == (128 + 15, 15)
    with pytest.raises(GuestExit) as e:
        g.call("tgkill", pid, pid, signal.SIGABRT)
    assert (e.value.status, e.value.signal) == (134, 6)


def test_sigpipe_on_broken_pipe(g):
    r, w = os.pipe()
    os.close(r)
    try:
        with pytest.raises(GuestExit) as e:
            g.call("write", w, g.put(b"x"), 1)
        assert e.value.signal == signal.SIGPIPE
        g.call("rt_sigaction", signal.SIGPIPE, g.put(structs.SIGACTION.pack(1, 0, 0)), 0, 8)
        assert g.call("write", w, g.put(b"x"), 1) == -errno.EPIPE
    finally:
        os.close(w)


def test_guest_exit_terminate_dies_by_the_signal(tmp_path):
    """abort() in the guest: the emulator itself must end by SIGABRT (status -6), without a core."""
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from emu.linux.process import GuestExit\n"
            "GuestExit(134, signal=6).terminate()\n") % os.path.dirname(os.path.dirname(
                os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path)
    assert r.returncode == -signal.SIGABRT
    assert not any(p.name.startswith("core") for p in tmp_path.iterdir())
    r = subprocess.run([sys.executable, "-c", code.replace("134, signal=6", "3")], cwd=tmp_path)
    assert r.returncode == 3


def test_strace_shows_the_return_then_the_signal_taken(g, logged):
    pid, uid = os.getpid(), os.getuid()
    with pytest.raises(GuestExit) as e:
        g.call("tgkill", pid, pid, signal.SIGABRT)
    assert e.value.signal == signal.SIGABRT
    r, w = os.pipe()
    os.close(r)
    buf = g.put(b"x")
    try:
        with pytest.raises(GuestExit):
            g.call("write", w, buf, 1)
    finally:
        os.close(w)
    assert logged.getvalue() == (
        f"{pid} tgkill({pid},{pid},SIGIOT) = 0\n"
        f"--- SIGIOT {{si_signo=SIGIOT, si_code=SI_TKILL, si_pid={pid}, si_uid={uid}}} ---\n"
        f"{pid} write({w},{buf & 0xFFFFFFFF:#x},1) = -1 errno=32 (Broken pipe)\n"
        f"--- SIGPIPE {{si_signo=SIGPIPE, si_code=SI_USER, si_pid={pid}, si_uid={uid}}} ---\n")

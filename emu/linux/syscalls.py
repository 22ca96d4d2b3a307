"""THE syscall table: riscv64 number -> name, handler, and -strace format.

Numbers are asm-generic/unistd.h (riscv64 has no legacy calls). Handlers
live in fs.py (files), mm.py (memory) and task.py (process, time, signals);
each takes the Process and the argument registers it uses. The format
column is the -strace argument layout (see strace.py: None = QEMU's generic
six-number form, "" = no arguments); the ret column picks QEMU's result form.

Not in the table, on purpose, as in QEMU 7.2: rseq (293) and riscv_hwprobe
(258) are unknown syscalls (-ENOSYS, "Unsupported syscall" under -d unimp),
which glibc handles. riscv_flush_icache (259) is answered 0 without tracing
or plugin callbacks, as QEMU's cpu_loop does before do_syscall.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from emu.linux import clone, fs, mm, task


@dataclass(frozen=True)
class Syscall:
    nr: int
    name: str
    handler: Callable[..., int]
    fmt: str | None = None      # -strace argument kinds
    ret: str = ""               # "", "addr", "none", "ts1", "tv_tz", "ioctl", "xattrs"
    traced: bool = True         # False: invisible to -strace and plugins (QEMU's cpu_loop)
    nargs: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nargs", self.handler.__code__.co_argcount - 1)


def _zero(p) -> int:
    return 0


RISCV_FLUSH_ICACHE = 259

_ROWS = [
    # nr  name                 handler                 -strace args             ret
    (5,   "setxattr",          fs.setxattr,            None),
    (6,   "lsetxattr",         fs.lsetxattr,           None),
    (7,   "fsetxattr",         fs.fsetxattr,           None),
    (8,   "getxattr",          fs.getxattr,            "s s p lu"),
    (9,   "lgetxattr",         fs.lgetxattr,           "s s p lu"),
    (10,  "fgetxattr",         fs.fgetxattr,           "d s p lu"),
    (11,  "listxattr",         fs.listxattr,           "s p lu",                "xattrs"),
    (12,  "llistxattr",        fs.llistxattr,          "s p lu",                "xattrs"),
    (13,  "flistxattr",        fs.flistxattr,          "d p lu",                "xattrs"),
    (14,  "removexattr",       fs.removexattr,         "s s"),
    (15,  "lremovexattr",      fs.lremovexattr,        "s s"),
    (16,  "fremovexattr",      fs.fremovexattr,        "d s"),
    (17,  "getcwd",            fs.getcwd,              "P d"),
    (19,  "eventfd2",          fs.eventfd2,            None),
    (23,  "dup",               fs.dup,                 "d"),
    (24,  "dup3",              fs.dup3,                "d d d"),
    (25,  "fcntl",             fs.fcntl,               "d fcntl"),
    (29,  "ioctl",             fs.ioctl,               "d ioctl",               "ioctl"),
    (30,  "ioprio_set",        task.ioprio_set,        None),
    (31,  "ioprio_get",        task.ioprio_get,        None),
    (32,  "flock",             fs.flock,               None),
    (33,  "mknodat",           fs.mknodat,             "at s mode u"),
    (34,  "mkdirat",           fs.mkdirat,             "at s mode"),
    (35,  "unlinkat",          fs.unlinkat,            "at s unlinkf"),
    (36,  "symlinkat",         fs.symlinkat,           "s at s"),
    (37,  "linkat",            fs.linkat,              "at s at s atf"),
    (43,  "statfs",            fs.statfs,              "s p"),
    (44,  "fstatfs",           fs.fstatfs,             "d P"),
    (45,  "truncate",          fs.truncate,            "s ld"),
    (46,  "ftruncate",         fs.ftruncate,           "d ld"),
    (47,  "fallocate",         fs.fallocate,           "d x ld ld"),
    (48,  "faccessat",         fs.faccessat,           "at s acc atf"),
    (49,  "chdir",             fs.chdir,               "s"),
    (50,  "fchdir",            fs.fchdir,              "d"),
    (52,  "fchmod",            fs.fchmod,              "d o"),
    (53,  "fchmodat",          fs.fchmodat,            "at s mode atf"),
    (54,  "fchownat",          fs.fchownat,            "at s d d atf"),
    (55,  "fchown",            fs.fchown,              "d d d"),
    (56,  "openat",            fs.openat,              "at s open"),
    (57,  "close",             fs.close,               "d"),
    (59,  "pipe2",             fs.pipe2,               None),
    (61,  "getdents64",        fs.getdents64,          "d P d"),
    (62,  "lseek",             fs.lseek,               "d ld whence"),
    (63,  "read",              fs.read,                "d x d"),
    (64,  "write",             fs.write,               "d x d"),
    (65,  "readv",             fs.readv,               None),
    (66,  "writev",            fs.writev,              "d P x"),
    (67,  "pread64",           fs.pread64,             None),
    (68,  "pwrite64",          fs.pwrite64,            None),
    (71,  "sendfile",          fs.sendfile,            None),
    (72,  "pselect6",          fs.pselect6,            None),
    (73,  "ppoll",             fs.ppoll,               None),
    (78,  "readlinkat",        fs.readlinkat,          "at s p d"),
    (79,  "newfstatat",        fs.newfstatat,          "at s p atf"),
    (80,  "fstat",             fs.fstat,               "d p"),
    (81,  "sync",              fs.sync,                None),
    (82,  "fsync",             fs.fsync,               "d"),
    (83,  "fdatasync",         fs.fdatasync,           "d"),
    (88,  "utimensat",         fs.utimensat,           "at s ts atf"),
    (93,  "exit",              task.exit_thread,       "d",                     "none"),
    (94,  "exit_group",        task.exit_group,        "d",                     "none"),
    (96,  "set_tid_address",   task.set_tid_address,   None),
    (98,  "futex",             task.futex,             "p futexop d p p d"),
    (99,  "set_robust_list",   task.robust_list,       None),
    (100, "get_robust_list",   task.robust_list,       None),
    (101, "nanosleep",         task.nanosleep,         None),
    (102, "getitimer",         task.getitimer,         "d p"),
    (103, "setitimer",         task.setitimer,         "d p p"),
    (113, "clock_gettime",     task.clock_gettime,     "clk p",                 "ts1"),
    (114, "clock_getres",      task.clock_getres,      "clk p",                 "ts1"),
    (115, "clock_nanosleep",   task.clock_nanosleep,   "clk d ts p"),
    (123, "sched_getaffinity", task.sched_getaffinity, None),
    (124, "sched_yield",       task.sched_yield,       None),
    (129, "kill",              task.kill,              "d sig"),
    (130, "tkill",             task.tkill,             "d sig"),
    (131, "tgkill",            task.tgkill,            "d d sig"),
    (132, "sigaltstack",       task.sigaltstack,       "P P"),
    (133, "rt_sigsuspend",     task.rt_sigsuspend,     "p d"),
    (134, "rt_sigaction",      task.rt_sigaction,      "sig p p"),
    (135, "rt_sigprocmask",    task.rt_sigprocmask,    "how p p"),
    (136, "rt_sigpending",     task.rt_sigpending,     None),
    (139, "rt_sigreturn",      task.rt_sigreturn,      ""),
    (140, "setpriority",       task.setpriority,       None),
    (141, "getpriority",       task.getpriority,       "x x"),
    (143, "setregid",          task.setregid,          None),
    (144, "setgid",            task.setgid,            None),
    (145, "setreuid",          task.setreuid,          None),
    (146, "setuid",            task.setuid,            None),
    (147, "setresuid",         task.setresuid,         None),
    (148, "getresuid",         task.getresuid,         None),
    (149, "setresgid",         task.setresgid,         None),
    (150, "getresgid",         task.getresgid,         None),
    (151, "setfsuid",          task.setfsuid,          None),
    (152, "setfsgid",          task.setfsgid,          None),
    (153, "times",             task.times,             None),
    (154, "setpgid",           task.setpgid,           None),
    (155, "getpgid",           task.getpgid,           None),
    (156, "getsid",            task.getsid,            None),
    (157, "setsid",            task.setsid,            None),
    (158, "getgroups",         task.getgroups,         None),
    (159, "setgroups",         task.setgroups,         None),
    (160, "uname",             task.uname,             "P"),
    (163, "getrlimit",         task.getrlimit,         None),
    (164, "setrlimit",         task.setrlimit,         None),
    (165, "getrusage",         task.getrusage,         None),
    (166, "umask",             fs.umask,               "o"),
    (167, "prctl",             task.prctl,             None),
    (168, "getcpu",            task.getcpu,            None),
    (169, "gettimeofday",      task.gettimeofday,      "p p",                   "tv_tz"),
    (172, "getpid",            task.getpid,            ""),
    (173, "getppid",           task.getppid,           ""),
    (174, "getuid",            task.getuid,            ""),
    (175, "geteuid",           task.geteuid,           ""),
    (176, "getgid",            task.getgid,            ""),
    (177, "getegid",           task.getegid,           ""),
    (178, "gettid",            task.gettid,            ""),
    (179, "sysinfo",           task.sysinfo,           None),
    (214, "brk",               mm.brk,                 "p",                     "addr"),
    (215, "munmap",            mm.munmap,              "p d"),
    (216, "mremap",            mm.mremap,              None),
    (222, "mmap",              mm.mmap,                "p d prot mapf d x",     "addr"),
    (223, "fadvise64",         fs.fadvise64,           None),
    (226, "mprotect",          mm.mprotect,            "p d prot"),
    (227, "msync",             mm.msync,               None),
    (233, "madvise",           mm.madvise,             "p d madv"),
    (220, "clone",             clone.clone,            None),
    (221, "execve",            clone.execve,           "s p p"),
    (260, "wait4",             task.wait4,             None),
    (261, "prlimit64",         task.prlimit64,         None),
    (267, "syncfs",            fs.syncfs,              "d"),
    (276, "renameat2",         fs.renameat2,           None),
    (278, "getrandom",         task.getrandom,         "P u u"),
    (279, "memfd_create",      fs.memfd_create,        None),
    (285, "copy_file_range",   fs.copy_file_range,     None),
    (291, "statx",             fs.statx,               "at s sxf sxm p"),
    (436, "close_range",       fs.close_range,         None),
    (439, "faccessat2",        fs.faccessat2,          "at s acc atf"),
]

TABLE: dict[int, Syscall] = {row[0]: Syscall(*row) for row in _ROWS}
TABLE[RISCV_FLUSH_ICACHE] = Syscall(RISCV_FLUSH_ICACHE, "riscv_flush_icache", _zero, traced=False)
NAMES: dict[str, int] = {sc.name: nr for nr, sc in TABLE.items()}

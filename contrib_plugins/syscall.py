"""QEMU's tests/tcg/plugins/syscall.c: syscall statistics or a trace.

Arguments: print=on|off (a line per syscall and per return, instead of a
table at exit), log_writes=on|off (hex dump of the buffer of each write).
Without print, at exit: "syscall no.  calls  errors" and a line per
syscall number, most called first. The syscall filter answers the magic
syscall 2048 with a1 = 0x66CCFF by 0xFFCC66, without running it.
"""
import sys
import threading
from dataclasses import dataclass

from plugin_api import *

# The write syscall's number on each target QEMU knows (-1: none).
ARCH_WRITE_SYSNO = {"aarch64": 64, "aarch64_be": 64, "alpha": 4, "arm": 4, "armeb": 4, "avr": -1,
                    "hexagon": 64, "hppa": -1, "i386": 4, "loongarch64": -1, "m68k": 4,
                    "microblaze": 4, "microblazeel": 4, "mips": 1, "mips64": 1, "mips64el": 1,
                    "mipsel": 1, "mipsn32": 1, "mipsn32el": 1, "or1k": -1, "ppc": 4, "ppc64": 4,
                    "ppc64le": 4, "riscv32": 64, "riscv64": 64, "rx": -1, "s390x": -1, "sh4": -1,
                    "sh4eb": -1, "sparc": 4, "sparc32plus": 4, "sparc64": 4, "tricore": -1,
                    "x86_64": 1, "xtensa": 13, "xtensaeb": 13}
MAGIC_SYSCALL, MAGIC_ARG, MAGIC_RET = 2048, 0x66CCFF, 0xFFCC66


@dataclass
class SyscallStats:
    num: int
    calls: int = 0
    errors: int = 0


lock = threading.Lock()
statistics: dict[int, SyscallStats] | None = None
do_log_writes = False
write_sysno = -1


def get_or_create_entry(num):
    entry = statistics.get(num)
    if entry is None:
        entry = statistics[num] = SyscallStats(num)
    return entry


def hexdump(data):
    """16 bytes a line: "61 63 63 65 ...  | acce..." (unprintable bytes as '.')."""
    out = ""
    for index in range(0, len(data), 16):
        row = data[index:index + 16]
        out += "".join(f"{b:02x} " for b in row) + "   " * (16 - len(row)) + " | "
        out += "".join(chr(b) if 0x21 <= b <= 0x7E else "." for b in row) + "\n"
    qemu_plugin_outs(out)


def vcpu_syscall(id, vcpu_index, num, a1, a2, a3, a4, a5, a6, a7, a8):
    if statistics is not None:
        with lock:
            get_or_create_entry(num).calls += 1
    else:
        qemu_plugin_outs(f"syscall #{num}\n")
    if do_log_writes and num == write_sysno:
        data = qemu_plugin_read_memory_vaddr(a2, a3)
        if data:
            hexdump(data)
        else:
            print(f"Error reading memory from vaddr {a2}", file=sys.stderr)


def vcpu_syscall_ret(id, vcpu_idx, num, ret):
    if statistics is not None:
        with lock:
            if ret < 0:
                get_or_create_entry(num).errors += 1
    else:
        qemu_plugin_outs(f"syscall #{num} returned -> {ret}\n")


def vcpu_syscall_filter(id, vcpu_index, num, a1, a2, a3, a4, a5, a6, a7, a8):
    """A syscall no kernel has, answered here, to test the filter."""
    if num == MAGIC_SYSCALL and a1 == MAGIC_ARG:
        if statistics is None:
            qemu_plugin_outs("magic syscall filtered, set magic return\n")
        return True, MAGIC_RET
    return False


def plugin_exit(id, p):
    if statistics is None:
        return
    with lock:
        out = "syscall no.  calls  errors\n"
        for e in sorted(statistics.values(), key=lambda e: -e.calls):
            out += f"{e.num:<13}{e.calls:<6} {e.errors}\n"
        qemu_plugin_outs(out)


def qemu_plugin_install(id, info, args):
    global statistics, do_log_writes, write_sysno
    do_print = False
    for opt in args:
        name, _, value = opt.partition("=")
        if name in ("print", "log_writes"):
            ok, flag = qemu_plugin_bool_parse(name, value)
            if not ok:     # as QEMU: reported, not fatal
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
            elif name == "print":
                do_print = flag
            else:
                do_log_writes = flag
        else:
            print(f"unsupported argument: {opt}", file=sys.stderr)
            return -1
    if not do_print:
        statistics = {}
    if do_log_writes:
        write_sysno = ARCH_WRITE_SYSNO.get(info.target_name, -1)
        if write_sysno == -1:
            print("write syscall number not found", file=sys.stderr)
            return -1
    qemu_plugin_register_vcpu_syscall_cb(id, vcpu_syscall)
    qemu_plugin_register_vcpu_syscall_ret_cb(id, vcpu_syscall_ret)
    qemu_plugin_register_vcpu_syscall_filter_cb(id, vcpu_syscall_filter)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0

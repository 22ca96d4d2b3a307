"""uftrace: record the guest's function calls as a trace the uftrace tool
reads, from its frame pointers (QEMU's contrib/plugins/uftrace.c).

    -plugin uftrace[,trace-privilege-level=on|off]
    uftrace replay -d uftrace.data      (or: uftrace info, graph, report, dump)

Writes ./uftrace.data/: info, task.txt, sid-0.map and one <id>.dat per
vCPU (id = (vcpu + 1) * 100), at exit; prints nothing. The guest must keep
a frame pointer (gcc -fno-omit-frame-pointer): the plugin follows s0 (fp),
checking it after each instruction that names it. A new frame whose saved
fp is the current one is a call, getting back to the caller's fp a
return, anything else (longjmp, a signal handler, code without frame
pointers) ends the whole stack and unwinds the new one.

RISC-V frames (the QEMU version ported here knows aarch64 and x86_64):
fp is the stack pointer at entry; below it, a function saves ra at fp-8
and the caller's fp at fp-16, except that gcc's leaf functions save no ra
and keep the caller's fp at fp-8.

User mode runs at one privilege level, U: trace-privilege-level=on only
names the trace "cpu<n> U" instead of "cpu<n>".

sid-0.map tells uftrace where the program is mapped, to find its symbols:
QEMU copies its own /proc/self/maps (which shows the guest where QEMU
mapped it at the guest's addresses); llemu writes the program's text and a
[stack] line above every guest address.
"""
import os
import re
import struct
import sys
import time
from dataclasses import dataclass, field

from plugin_api import *

DATA_DIR = "./uftrace.data"
TRACE_FLUSH_SIZE = 32 << 20
TRACE_ID_SCALE = 100
UNWIND_STACK_MAX_DEPTH = 1024
# struct uftrace_record: time, then type:2 more:1 magic:3 depth:10 addr:48
ENTRY = struct.Struct("<QQ")
UFTRACE_ENTRY, UFTRACE_EXIT = 0, 1
RECORD_MAGIC = 0x5
MASK64 = (1 << 64) - 1
# An instruction naming fp (and so maybe changing it): the next one checks it.
NAMES_FP = re.compile(r"\b(s0|fp)\b")


@dataclass(frozen=True)
class CallstackEntry:
    pc: int = 0
    frame_pointer: int = 0


NO_ENTRY = CallstackEntry()


class Trace:
    """The records of one vCPU (at one privilege level), flushed to <id>.dat."""

    def __init__(self, id, name):
        self.id = id
        self.name = name
        self.path = f"{DATA_DIR}/{id}.dat"
        self.buf = bytearray()

    def flush(self, append):
        os.makedirs(DATA_DIR, exist_ok=True)
        with open(self.path, "ab" if append else "wb") as dat:
            dat.write(self.buf)
        self.buf.clear()

    def add_entry(self, timestamp, pc, depth, type):
        data = type + (RECORD_MAGIC << 3) + (depth << 6) + (pc << 16)
        self.buf += ENTRY.pack(timestamp, data & MASK64)
        if len(self.buf) > TRACE_FLUSH_SIZE:
            self.flush(True)

    def enter_stack(self, cs, timestamp):
        for depth, e in enumerate(cs, 1):
            self.add_entry(timestamp, e.pc, depth, UFTRACE_ENTRY)

    def exit_stack(self, cs, timestamp):
        for depth in range(len(cs), 0, -1):
            self.add_entry(timestamp, cs[depth - 1].pc, depth, UFTRACE_EXIT)


@dataclass
class Cpu:
    traces: list
    trace: Trace
    cs: list = field(default_factory=list)     # CallstackEntry, outermost first


cpus = {}               # vcpu index -> Cpu
trace_privilege_level = False
reg_fp = reg_ra = None


def gettime_ns():
    return time.time_ns()


def read_u64(addr):
    data = qemu_plugin_read_memory_vaddr(addr, 8) if addr >= 8 else False
    return int.from_bytes(data, "little") if data else 0


def read_reg(handle):
    return int.from_bytes(qemu_plugin_read_register(handle), "little")


def caller_frame_pointers(fp):
    """Where a frame at fp may keep its caller's fp: fp-16, or fp-8 in a gcc leaf."""
    return read_u64(fp - 16), read_u64(fp - 8)


def unwind_stack(cpu, fp, pc):
    """Fill the empty call stack from the frame records, outermost first."""
    unwind = []
    while len(unwind) < UNWIND_STACK_MAX_DEPTH:
        unwind.append(CallstackEntry(pc, fp))
        if not fp:
            break
        saved = read_u64(fp - 8)
        if len(unwind) == 1 and saved > fp:
            # a leaf: fp-8 holds the caller's fp (stack frames lie above us),
            # and the return address is still in ra
            caller_fp, pc = saved, read_reg(reg_ra)
        else:
            caller_fp, pc = read_u64(fp - 16), saved
        # frames lie ever higher on the stack (0: the outermost): anything else
        # is not a frame record
        if not pc or 0 < caller_fp <= fp:
            break
        fp = caller_fp
    cpu.cs[:] = reversed(unwind)


def track_callstack(cpu_index, pc):
    cpu = cpus[cpu_index]
    timestamp = gettime_ns()
    cs, t = cpu.cs, cpu.trace

    fp = read_reg(reg_fp)
    if not fp and not cs:
        # Push the current pc: a change of function goes unseen until a real call.
        cs.append(CallstackEntry(pc, fp))
        t.add_entry(timestamp, pc, len(cs), UFTRACE_ENTRY)
        return

    top = cs[-1] if cs else NO_ENTRY
    if fp == top.frame_pointer:                 # same function
        return

    caller = cs[-2] if len(cs) >= 2 else NO_ENTRY
    if fp == caller.frame_pointer:              # return
        e = cs.pop()
        t.add_entry(timestamp, e.pc, len(cs), UFTRACE_EXIT)
        return

    if fp and top.frame_pointer in caller_frame_pointers(fp):     # call
        cs.append(CallstackEntry(pc, fp))
        t.add_entry(timestamp, pc, len(cs), UFTRACE_ENTRY)
        return

    # discontinuity: leave the whole stack and unwind the new one
    t.exit_stack(cs, timestamp)
    cs.clear()
    unwind_stack(cpu, fp, pc)
    t.enter_stack(cs, timestamp)


def vcpu_tb_trans(id, tb):
    # A callback runs before its instruction: to see what an instruction did to
    # fp, check at the next one. The last of a block may change it, so the first
    # instruction of every block checks too.
    instrument_insn = True
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        if instrument_insn:
            qemu_plugin_register_vcpu_insn_exec_cb(insn, track_callstack, QEMU_PLUGIN_CB_R_REGS,
                                                   qemu_plugin_insn_vaddr(insn))
        instrument_insn = NAMES_FP.search(qemu_plugin_insn_disas(insn)) is not None


def vcpu_init(id, vcpu_index):
    trace_id = (vcpu_index + 1) * TRACE_ID_SCALE
    name = f"cpu{vcpu_index} U" if trace_privilege_level else f"cpu{vcpu_index}"
    trace = Trace(trace_id, name)
    trace.flush(False)          # create or truncate the trace file
    cpus[vcpu_index] = Cpu([trace], trace)


def write_map():
    """Where the program is, for uftrace to find its symbols (see the docstring)."""
    exe = qemu_plugin_path_to_binary()
    start, end = qemu_plugin_start_code(), qemu_plugin_end_code()
    with open(f"{DATA_DIR}/sid-0.map", "w") as sid_map:
        sid_map.write(f"{start:012x}-{end:012x} r-xp 00000000 00:00 0 {exe}\n"
                      "# the stack on the highest address possible, so that uftrace takes\n"
                      "# no guest address for a kernel one\n"
                      "ffffffffffff-ffffffffffff rw-p 00000000 00:00 0 [stack]\n")


def write_task(traces):
    with open(f"{DATA_DIR}/task.txt", "w") as task:
        for t in traces:
            task.write(f'SESS timestamp=0.0 pid={t.id} sid=0 exename="{t.name}"\n')
            task.write(f"TASK timestamp=0.0 tid={t.id} pid={t.id}\n")


# uftrace's file header (`uftrace dump --debug` of a uftrace record): magic
# "Ftrace!", version 4, header size 40, little endian, 64 bit, feature and
# info masks, max stack depth.
INFO_HEADER = bytes([0x46, 0x74, 0x72, 0x61, 0x63, 0x65, 0x21, 0x00,
                     0x04, 0x00, 0x00, 0x00, 0x28, 0x00, 0x01, 0x02,
                     0x63, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                     0xff, 0x7b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                     0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])


def write_info(traces):
    info_data = [
        "exename:", "build_id:" + "0" * 40, "exit_status:", "cmdline:",
        "cpuinfo:lines=2", "cpuinfo:nr_cpus=", "cpuinfo:desc=", "meminfo:",
        "osinfo:lines=3", "osinfo:kernel=", "osinfo:hostname=", "osinfo:distro=",
        "taskinfo:lines=2", f"taskinfo:nr_tid={len(traces)}",
        "taskinfo:tids=" + ",".join(str(t.id) for t in traces),
        "usageinfo:lines=6", "usageinfo:systime=", "usageinfo:usrtime=", "usageinfo:ctxsw=",
        "usageinfo:maxrss=", "usageinfo:pagefault=", "usageinfo:iops=",
        "loadinfo:", "record_date:", "elapsed_time:", "pattern_type:regex",
        "uftrace_version:", "utc_offset:"]
    with open(f"{DATA_DIR}/info", "wb") as info:
        info.write(INFO_HEADER)
        info.write("".join(line + "\n" for line in info_data).encode())


def at_exit(id, data):
    traces = []
    for i in range(qemu_plugin_num_vcpus()):
        for t in cpus[i].traces if i in cpus else ():
            t.flush(True)
            traces.append(t)
    write_map()
    write_info(traces)
    write_task(traces)


def find_register(*names):
    for reg in qemu_plugin_get_registers():
        if reg.name in names:
            return reg.handle
    return None


def qemu_plugin_install(id, info, args):
    global trace_privilege_level, reg_fp, reg_ra
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "trace-privilege-level":
            ok, trace_privilege_level = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1

    if info.target_name != "riscv64":
        print(f"plugin uftrace: {info.target_name} target is not supported", file=sys.stderr)
        return 1
    reg_fp, reg_ra = find_register("fp", "s0"), find_register("ra")

    qemu_plugin_register_vcpu_init_cb(id, vcpu_init)
    qemu_plugin_register_atexit_cb(id, at_exit, info.system_emulation)
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    return 0

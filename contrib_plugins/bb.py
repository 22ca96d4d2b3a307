"""QEMU's tests/tcg/plugins/bb.c: count executed blocks and instructions.

Arguments: inline=on|off (count with inline ops instead of callbacks),
idle=on|off (report a vCPU's counts each time it waits in the host).
At exit: "CPU<n>: bb's: N, insns: M" per vCPU that ran, then
"Total: bb's: N, insns: M".
"""
import sys

import numpy as np

from plugin_api import *

CPUCount = np.dtype([("bb_count", np.uint64), ("insn_count", np.uint64)])

counts = None
bb_count = insn_count = None
do_inline = False
idle_report = False


def one_cpu_report(count, cpu_index):
    if count["bb_count"]:
        return f"CPU{cpu_index}: bb's: {count['bb_count']}, insns: {count['insn_count']}\n"
    return ""


def plugin_exit(id, p):
    report = "".join(one_cpu_report(qemu_plugin_scoreboard_find(counts, i)[0], i)
                     for i in range(qemu_plugin_num_vcpus()))
    report += (f"Total: bb's: {qemu_plugin_u64_sum(bb_count)}, "
               f"insns: {qemu_plugin_u64_sum(insn_count)}\n")
    qemu_plugin_outs(report)
    qemu_plugin_scoreboard_free(counts)


def vcpu_idle(id, cpu_index):
    report = one_cpu_report(qemu_plugin_scoreboard_find(counts, cpu_index)[0], cpu_index)
    if report:
        qemu_plugin_outs("Idling " + report)


def vcpu_tb_exec(cpu_index, n_insns):
    count = qemu_plugin_scoreboard_find(counts, cpu_index)[0]
    count["insn_count"] += n_insns
    count["bb_count"] += 1


def vcpu_tb_trans(id, tb):
    n_insns = qemu_plugin_tb_n_insns(tb)
    if do_inline:
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, bb_count, 1)
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                                          insn_count, n_insns)
    else:
        qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, n_insns)


def qemu_plugin_install(id, info, args):
    global counts, bb_count, insn_count, do_inline, idle_report
    for opt in args:
        name, _, value = opt.partition("=")
        if name in ("inline", "idle"):
            ok, flag = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
            if name == "inline":
                do_inline = flag
            else:
                idle_report = flag
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1

    counts = qemu_plugin_scoreboard_new(CPUCount)
    bb_count = qemu_plugin_scoreboard_u64_in_struct(counts, "bb_count")
    insn_count = qemu_plugin_scoreboard_u64_in_struct(counts, "insn_count")
    if idle_report:
        qemu_plugin_register_vcpu_idle_cb(id, vcpu_idle)
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0

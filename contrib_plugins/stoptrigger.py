"""stoptrigger: stop the guest after N instructions or at an address
(QEMU's contrib/plugins/stoptrigger.c).

    -plugin stoptrigger,icount=N[:CODE]      stop before instruction N+1 runs
    -plugin stoptrigger,addr=A[:CODE]        stop before the instruction at A runs
                                             (repeatable: one exit code per address)

Prints "icount reached at 0x<pc>, exiting" (pc: the instruction not run)
or "0x<addr> reached, exiting", then the emulator exits with CODE (default
0). As QEMU's exit() does, that runs every plugin's exit callbacks.
"""
import sys

import numpy as np

from plugin_api import *

# Per vCPU: instructions started so far, and the pc of the last one.
InstructionsCount = np.dtype([("insn_count", np.uint64), ("current_pc", np.uint64)])

insn_count_sb = None
insn_count = current_pc = None
icount = 0
icount_exit_code = 0
exit_on_icount = False
exit_addrs = {}          # address -> exit code


def exit_emulation(return_code, message):
    qemu_plugin_outs(message)
    sys.exit(return_code)     # llemu stops the guest cleanly: atexit callbacks run


def exit_icount_reached(cpu_index, udata):
    insn_vaddr = qemu_plugin_u64_get(current_pc, cpu_index)
    exit_emulation(icount_exit_code, f"icount reached at 0x{insn_vaddr:x}, exiting\n")


def exit_address_reached(cpu_index, addr):
    exit_emulation(exit_addrs[addr], f"0x{addr:x} reached, exiting\n")


def vcpu_tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        insn_vaddr = qemu_plugin_insn_vaddr(insn)
        if exit_on_icount:
            # Count every instruction before it runs; the (N+1)th stops the guest
            # before it has any effect, so exactly N ran.
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
                insn, QEMU_PLUGIN_INLINE_ADD_U64, insn_count, 1)
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
                insn, QEMU_PLUGIN_INLINE_STORE_U64, current_pc, insn_vaddr)
            qemu_plugin_register_vcpu_insn_exec_cond_cb(
                insn, exit_icount_reached, QEMU_PLUGIN_CB_NO_REGS,
                QEMU_PLUGIN_COND_EQ, insn_count, icount + 1, None)
        if insn_vaddr in exit_addrs:
            qemu_plugin_register_vcpu_insn_exec_cb(
                insn, exit_address_reached, QEMU_PLUGIN_CB_NO_REGS, insn_vaddr)


def plugin_exit(id, p):
    qemu_plugin_scoreboard_free(insn_count_sb)


def parse_uint(text):
    """g_ascii_strtoull(text, NULL, 0): decimal, 0x hex or 0-prefixed octal; None if malformed."""
    if len(text) > 1 and text[0] == "0" and text[1].isdigit():
        text = "0o" + text[1:]
    try:
        return int(text, 0)
    except ValueError:
        return None


def qemu_plugin_install(id, info, args):
    global insn_count_sb, insn_count, current_pc, icount, icount_exit_code, exit_on_icount
    insn_count_sb = qemu_plugin_scoreboard_new(InstructionsCount)
    insn_count = qemu_plugin_scoreboard_u64_in_struct(insn_count_sb, "insn_count")
    current_pc = qemu_plugin_scoreboard_u64_in_struct(insn_count_sb, "current_pc")

    for opt in args:
        name, _, value = opt.partition("=")
        target, _, code = value.partition(":")
        exit_code = parse_uint(code) or 0
        if name == "icount":
            icount = parse_uint(target)
            if icount is None or icount < 1 or "-" in target:
                print(f"icount parsing failed: '{target}' must be a positive integer",
                      file=sys.stderr)
                return -1
            icount_exit_code = exit_code
            exit_on_icount = True
        elif name == "addr":
            addr = parse_uint(target)
            if addr is None:
                print(f"option parsing failed: {opt}", file=sys.stderr)
                return -1
            exit_addrs[addr] = exit_code
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1

    if not exit_on_icount and not exit_addrs:
        print("'icount' or 'addr' argument missing", file=sys.stderr)
        return -1

    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0

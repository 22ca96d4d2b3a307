"""Bench plugin: a Python callback per instruction (kind=insn) or memory access
(kind=mem) that only counts, the same work as bench/unicorn_run.py's hooks, so
that the two compare how fast events reach a Python function."""
from plugin_api import *

count = [0]


def on_insn(vcpu, userdata):
    count[0] += 1


def on_mem(vcpu, info, vaddr, userdata):
    count[0] += 1


def qemu_plugin_install(id, info, args):
    kind = dict(a.partition("=")[::2] for a in args).get("kind", "insn")

    def trans(id, tb):
        for i in range(qemu_plugin_tb_n_insns(tb)):
            insn = qemu_plugin_tb_get_insn(tb, i)
            if kind == "mem":
                qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, None)
            else:
                qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, None)
    qemu_plugin_register_vcpu_tb_trans_cb(id, trans)
    qemu_plugin_register_atexit_cb(id, lambda id, _: qemu_plugin_outs(f"events {count[0]}\n"))
    return 0

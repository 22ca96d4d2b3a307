"""QEMU's tests/tcg/plugins/setpc.c: move the pc from callbacks.

The guest talks to the plugin through the magic syscall 4096:
a1 = 0 (SETPC): the syscall filter jumps to a2 at once;
a1 = 1 (SETTARGET): remember source_pc = a2, target_pc = a3 and
target_vaddr = a4 (the syscall returns 0). Then an instruction at
source_pc jumps to target_pc before it runs, and a load from target_vaddr
jumps to target_pc after it. Each jump prints what it detected.
"""
from plugin_api import *

MAGIC_SYSCALL = 4096
SETPC, SETTARGET = 0, 1

source_pc = target_pc = target_vaddr = 0


def vcpu_syscall_filter(id, vcpu_index, num, a1, a2, a3, a4, a5, a6, a7, a8):
    global source_pc, target_pc, target_vaddr
    if num == MAGIC_SYSCALL:
        if a1 == SETPC:
            qemu_plugin_outs("Magic syscall detected, jump to clean exit\n")
            qemu_plugin_set_pc(a2)
        elif a1 == SETTARGET:
            qemu_plugin_outs("Magic syscall detected, set target_pc / target_vaddr\n")
            source_pc, target_pc, target_vaddr = a2, a3, a4
            return True, 0
        else:
            qemu_plugin_outs("Unknown magic syscall argument, ignoring\n")
    return False


def vcpu_insn_exec(vcpu_index, vaddr):
    if vaddr == source_pc:
        assert target_pc != 0
        assert target_vaddr == 0
        qemu_plugin_outs("Marker insn detected, jump to clean return\n")
        qemu_plugin_set_pc(target_pc)


def vcpu_mem_access(vcpu_index, info, vaddr, userdata):
    if vaddr != 0 and vaddr == target_vaddr:
        assert source_pc == 0
        assert target_pc != 0
        qemu_plugin_outs("Marker mem access detected, jump to clean return\n")
        qemu_plugin_set_pc(target_pc)


def vcpu_tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec, QEMU_PLUGIN_CB_RW_REGS_PC,
                                               qemu_plugin_insn_vaddr(insn))
        qemu_plugin_register_vcpu_mem_cb(insn, vcpu_mem_access, QEMU_PLUGIN_CB_RW_REGS_PC,
                                         QEMU_PLUGIN_MEM_R, None)


def qemu_plugin_install(id, info, args):
    qemu_plugin_register_vcpu_syscall_filter_cb(id, vcpu_syscall_filter)
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    return 0

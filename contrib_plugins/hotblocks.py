"""hotblocks: which translation blocks run most (QEMU's contrib/plugins/hotblocks.c).

    -plugin hotblocks[,inline=on|off]

At exit: "collected N entries in the hash table", then the 20 hottest
blocks as "pc, tcount, icount, ecount" lines (start address, times
translated, instructions, times executed).  A block is known by its start
address and its length, as in QEMU: the same address translated with
another length is another entry.
"""
import sys

from plugin_api import *

do_inline = False
limit = 20
# (pc, n_insns) -> ExecCount
hotblocks = {}


class ExecCount:
    def __init__(self, start_addr, insns):
        self.start_addr = start_addr
        self.insns = insns
        self.trans_count = 0
        # Per-vCPU executions: compiled inline adds and callbacks both land here.
        self.exec_count = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))

    def executions(self):
        return qemu_plugin_u64_sum(self.exec_count)


def plugin_exit(id, p):
    report = [f"collected {len(hotblocks)} entries in the hash table\n"]
    counts = sorted(hotblocks.values(), key=ExecCount.executions, reverse=True)
    if counts:
        report.append("pc, tcount, icount, ecount\n")
        for rec in counts[:limit]:
            report.append(f"0x{rec.start_addr:016x}, {rec.trans_count}, {rec.insns}, "
                          f"{rec.executions()}\n")
    qemu_plugin_outs("".join(report))


def vcpu_tb_exec(cpu_index, cnt):
    qemu_plugin_u64_add(cnt.exec_count, cpu_index, 1)


def vcpu_tb_trans(id, tb):
    key = (qemu_plugin_tb_vaddr(tb), qemu_plugin_tb_n_insns(tb))
    cnt = hotblocks.get(key)
    if cnt is None:
        cnt = hotblocks[key] = ExecCount(*key)
    cnt.trans_count += 1
    if do_inline:
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                                          cnt.exec_count, 1)
    else:
        qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, cnt)


def qemu_plugin_install(id, info, args):
    global do_inline
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "inline":
            ok, do_inline = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0

"""cflow: where control flow leaves the straight line (QEMU's contrib/plugins/cflow.c).

    -plugin cflow[,sort=hottest|early|exceptions]

Each block stores, inline, its last instruction's address and the address
after it; each instruction stores its own address before it runs.  A block
that does not start at the address after the previous block was reached by
a branch (from the previous block's last instruction) or an early exit (a
fault in the middle of the previous block); only then does a callback run.

At exit: "collected N control flow nodes in the hash table", then the 10
nodes with most branches taken (sort=hottest), most early exits
(sort=early) or most distinct destinations (sort=exceptions), each with its
destinations.
"""
import sys

import numpy as np

from plugin_api import *

topn = 10
report = "hottest"

SORT_KEYS = {
    "hottest": lambda n: n.dest_count,
    "early": lambda n: n.early_exit,
    "exceptions": lambda n: len(n.dests),
}


class NodeData:
    """An instruction where control may go elsewhere than the next one."""

    def __init__(self, addr):
        self.addr = addr
        self.dests = {}             # destination -> count, in order of first use
        self.early_exit = 0
        self.dest_count = 0
        self.insn_disas = None
        self.symbol = None
        self.last_count = 0         # translated as the last instruction of a block
        self.mid_count = 0          # translated in the middle of a block


nodes = {}          # address -> NodeData
state = end_block = pc_after_block = last_pc = None


def plugin_exit(id, p):
    result = [f"collected {len(nodes)} control flow nodes in the hash table\n"]
    branched = [n for n in nodes.values() if n.dest_count]
    branched.sort(key=SORT_KEYS[report], reverse=True)
    for n in branched[:topn]:
        kind = "sync fault" if n.mid_count else "branch"
        # QEMU prints a missing symbol with %s: "(null)".
        result.append(f"  addr: 0x{n.addr:x} {n.symbol or '(null)'}: {n.insn_disas} ({kind})\n")
        if n.early_exit:
            result.append(f"    early exits {n.early_exit}\n")
        result.append(f"    branches {n.dest_count}\n")
        for daddr, dcount in n.dests.items():
            result.append(f"      to 0x{daddr:x} ({dcount})\n")
    qemu_plugin_outs("".join(result))


def fetch_node(addr, create_if_not_found):
    node = nodes.get(addr)
    if node is None and create_if_not_found:
        node = nodes[addr] = NodeData(addr)
    return node


def vcpu_tb_branched_exec(cpu_index, pc):
    """The block at `pc` did not follow the previous one linearly."""
    lpc = qemu_plugin_u64_get(last_pc, cpu_index)
    ebpc = qemu_plugin_u64_get(end_block, cpu_index)
    if not lpc:             # the first block
        return
    node = fetch_node(lpc, True)
    if lpc != ebpc:         # the previous block stopped before its end
        node.early_exit += 1
        if not node.mid_count:
            node.mid_count += 1
    node.dests[pc] = node.dests.get(pc, 0) + 1
    node.dest_count += 1


def vcpu_tb_trans(id, tb):
    pc = qemu_plugin_tb_vaddr(tb)
    n = qemu_plugin_tb_n_insns(tb)
    first_insn = qemu_plugin_tb_get_insn(tb, 0)
    last_insn = qemu_plugin_tb_get_insn(tb, n - 1)
    last_vaddr = qemu_plugin_insn_vaddr(last_insn)
    # Before anything else: did we get here linearly from the previous block?
    qemu_plugin_register_vcpu_tb_exec_cond_cb(tb, vcpu_tb_branched_exec, QEMU_PLUGIN_CB_NO_REGS,
                                              QEMU_PLUGIN_COND_NE, pc_after_block, pc, pc)
    # Then this block's end, on its first instruction (after the test above).
    qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(first_insn, QEMU_PLUGIN_INLINE_STORE_U64,
                                                        end_block, last_vaddr)
    qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
        first_insn, QEMU_PLUGIN_INLINE_STORE_U64, pc_after_block,
        last_vaddr + qemu_plugin_insn_size(last_insn))
    for idx in range(n):
        insn = qemu_plugin_tb_get_insn(tb, idx)
        ipc = qemu_plugin_insn_vaddr(insn)
        # Every instruction gets a node (QEMU passes last_insn, never NULL,
        # as create_if_not_found); those that never branch are not reported.
        node = fetch_node(ipc, True)
        if node.insn_disas is None:
            node.insn_disas = qemu_plugin_insn_disas(insn)
        if node.symbol is None:
            node.symbol = qemu_plugin_insn_symbol(insn)
        if insn is last_insn:
            node.last_count += 1
        else:
            node.mid_count += 1
        qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64,
                                                            last_pc, ipc)


def qemu_plugin_install(id, info, args):
    global report, state, end_block, pc_after_block, last_pc
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "sort":
            if value not in SORT_KEYS:
                print(f"failed to parse: {value}", file=sys.stderr)
                return -1
            report = value
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
    state = qemu_plugin_scoreboard_new(np.dtype([("end_block", np.uint64),
                                                 ("pc_after_block", np.uint64),
                                                 ("last_pc", np.uint64)]))
    end_block = qemu_plugin_scoreboard_u64_in_struct(state, "end_block")
    pc_after_block = qemu_plugin_scoreboard_u64_in_struct(state, "pc_after_block")
    last_pc = qemu_plugin_scoreboard_u64_in_struct(state, "last_pc")
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0

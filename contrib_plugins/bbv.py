"""bbv: basic block vectors for SimPoint (QEMU's contrib/plugins/bbv.c).

    -plugin bbv,outfile=PATH[,interval=N]       (interval default 100000000)

Each vCPU writes PATH.<vcpu>.bb: one line per interval of N instructions,
"T:id:count :id:count ... ", where id numbers a block start address (from
1, in order of first translation) and count is the instructions it ran in
the interval.  Counting is inline, per block: an interval closes at the
start of the first block that brings the vCPU's count to N or more, so a
line holds N instructions plus what the previous line carried over.  The
last, partial interval is not written, as in QEMU.
"""
import re
import sys

from plugin_api import *

interval = 100000000
filename = None
count = None       # per-vCPU instructions since the last interval closed
files = {}          # vcpu_index -> open file
bbs = {}            # block start address -> Bb


class Bb:
    def __init__(self, vaddr, index):
        self.vaddr = vaddr
        self.index = index
        self.count = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))


def vcpu_init(id, vcpu_index):
    # Open until the atexit callback closes it.
    files[vcpu_index] = open(f"{filename}.{vcpu_index}.bb", "w")  # noqa: SIM115


def vcpu_interval_exec(vcpu_index, udata):
    f = files.get(vcpu_index)
    if f is None:
        return
    qemu_plugin_u64_set(count, vcpu_index, qemu_plugin_u64_get(count, vcpu_index) - interval)
    line = ["T"]
    for bb in bbs.values():
        bb_count = qemu_plugin_u64_get(bb.count, vcpu_index)
        if bb_count:
            line.append(f":{bb.index}:{bb_count} ")
            qemu_plugin_u64_set(bb.count, vcpu_index, 0)
    f.write("".join(line) + "\n")


def vcpu_tb_trans(id, tb):
    n_insns = qemu_plugin_tb_n_insns(tb)
    vaddr = qemu_plugin_tb_vaddr(tb)
    bb = bbs.get(vaddr)
    if bb is None:
        bb = bbs[vaddr] = Bb(vaddr, len(bbs) + 1)
    # Count first, then test: the interval closes on the block that fills it.
    qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, count, n_insns)
    qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, bb.count, n_insns)
    qemu_plugin_register_vcpu_tb_exec_cond_cb(tb, vcpu_interval_exec, QEMU_PLUGIN_CB_NO_REGS,
                                              QEMU_PLUGIN_COND_GE, count, interval, None)


def plugin_exit(id, p):
    for f in files.values():
        f.close()


def qemu_plugin_install(id, info, args):
    global interval, filename, count
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "interval":
            if not re.fullmatch(r"[+-]?[0-9]+", value):
                print(f"malformed integer: {opt}", file=sys.stderr)
                return -1
            interval = int(value)
            if interval <= 0:
                print(f"unexpected non-positive value: {opt}", file=sys.stderr)
                return -1
        elif name == "outfile":
            filename = value
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
    if not filename:
        print("outfile unspecified", file=sys.stderr)
        return -1
    count = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init)
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    return 0

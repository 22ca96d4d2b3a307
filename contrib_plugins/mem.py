"""QEMU's tests/tcg/plugins/mem.c: count guest memory accesses.

Arguments: inline=on|off or callback=on|off (how to count; not both),
track=r|w|rw (which accesses, default rw), haddr=on|off (ask each access
for its host address and count I/O ones apart: none in user mode),
print-accesses=on|off (a CSV line per access), region-summary=on|off
(mirror the data written to each 16 KiB region and check that reads see it).
At exit: "mem accesses: N", "io accesses: N" with haddr, and with
region-summary "Region Base, Reads, Writes, Seen all" and a line per region.
"""
import sys
import threading
from dataclasses import dataclass, field

import numpy as np

from plugin_api import *

CPUCount = np.dtype([("mem_count", np.uint64), ("io_count", np.uint64)])
REGION_SIZE = 4096 * 4
REGION_MASK = REGION_SIZE - 1


@dataclass
class RegionInfo:
    region_address: int
    reads: int = 0
    writes: int = 0
    data: bytearray = field(default_factory=lambda: bytearray(REGION_SIZE))
    seen_all: bool = True       # every read so far saw what the writes we saw left


counts = mem_count = io_count = None
do_inline = do_callback = do_print_accesses = do_region_summary = do_haddr = False
rw = QEMU_PLUGIN_MEM_RW
lock = threading.Lock()
regions: dict[int, RegionInfo] = {}


def plugin_exit(id, p):
    out = ""
    if do_inline or do_callback:
        out = f"mem accesses: {qemu_plugin_u64_sum(mem_count)}\n"
    if do_haddr:
        out += f"io accesses: {qemu_plugin_u64_sum(io_count)}\n"
    qemu_plugin_outs(out)
    if do_region_summary:
        out = "Region Base, Reads, Writes, Seen all\n"
        # As QEMU's: a single region is not listed.
        if len(regions) > 1:
            for ri in sorted(regions.values(), key=lambda r: r.region_address):
                out += (f"0x{ri.region_address:016x}, {ri.reads}, {ri.writes}, "
                        f"{'true' if ri.seen_all else 'false'}\n")
        qemu_plugin_outs(out)
    qemu_plugin_scoreboard_free(counts)


def update_region_info(region, offset, meminfo, value, size):
    """Mirror stores into the region's copy; a load that differs from the
    copy read something we did not see written (fine for .text, not for data
    the program wrote itself)."""
    assert offset + size <= REGION_SIZE
    order = "big" if qemu_plugin_mem_is_big_endian(meminfo) else "little"
    is_store = qemu_plugin_mem_is_store(meminfo)
    with lock:
        ri = regions.get(region)
        if ri is None:
            ri = regions[region] = RegionInfo(region)
        if is_store:
            ri.writes += 1
        else:
            ri.reads += 1
        if value.type == QEMU_PLUGIN_MEM_VALUE_U128:      # none in the test
            return
        data = value.data.to_bytes(size, order)
        unseen_data = False
        if is_store:
            ri.data[offset:offset + size] = data
        else:
            unseen_data = ri.data[offset:offset + size] != data
        if unseen_data and ri.seen_all:
            qemu_plugin_outs(f"Warning: 0x{region:016x}:{offset} read an un-instrumented value\n")
            ri.seen_all = False


def vcpu_mem(cpu_index, meminfo, vaddr, udata):
    if do_haddr:
        hwaddr = qemu_plugin_get_hwaddr(meminfo, vaddr)
        if qemu_plugin_hwaddr_is_io(hwaddr):
            qemu_plugin_u64_add(io_count, cpu_index, 1)
        else:
            qemu_plugin_u64_add(mem_count, cpu_index, 1)
    else:
        qemu_plugin_u64_add(mem_count, cpu_index, 1)
    if do_region_summary:
        value = qemu_plugin_mem_get_value(meminfo)
        size = 1 << qemu_plugin_mem_size_shift(meminfo)
        update_region_info(vaddr & ~REGION_MASK, vaddr & REGION_MASK, meminfo, value, size)


VALUE_DIGITS = {QEMU_PLUGIN_MEM_VALUE_U8: 2, QEMU_PLUGIN_MEM_VALUE_U16: 4,
                QEMU_PLUGIN_MEM_VALUE_U32: 8, QEMU_PLUGIN_MEM_VALUE_U64: 16,
                QEMU_PLUGIN_MEM_VALUE_U128: 32}


def print_access(cpu_index, meminfo, vaddr, insn_info):
    insn_vaddr, sym = insn_info
    size = 8 << qemu_plugin_mem_size_shift(meminfo)
    kind = "store" if qemu_plugin_mem_is_store(meminfo) else "load"
    value = qemu_plugin_mem_get_value(meminfo)
    hwaddr = qemu_plugin_hwaddr_phys_addr(qemu_plugin_get_hwaddr(meminfo, vaddr))
    qemu_plugin_outs(f"0x{insn_vaddr:x},{sym},0x{vaddr:x},0x{hwaddr:x},{size},{kind},"
                     f"0x{value.data:0{VALUE_DIGITS[value.type]}x}\n")


def vcpu_tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        if do_inline:
            qemu_plugin_register_vcpu_mem_inline_per_vcpu(insn, rw, QEMU_PLUGIN_INLINE_ADD_U64,
                                                          mem_count, 1)
        if do_callback or do_region_summary:
            qemu_plugin_register_vcpu_mem_cb(insn, vcpu_mem, QEMU_PLUGIN_CB_NO_REGS, rw, None)
        if do_print_accesses:
            insn_info = (qemu_plugin_insn_vaddr(insn), qemu_plugin_insn_symbol(insn) or "")
            qemu_plugin_register_vcpu_mem_cb(insn, print_access, QEMU_PLUGIN_CB_NO_REGS, rw, insn_info)


BOOLS = ("haddr", "inline", "callback", "print-accesses", "region-summary")
TRACK = {"r": QEMU_PLUGIN_MEM_R, "w": QEMU_PLUGIN_MEM_W, "rw": QEMU_PLUGIN_MEM_RW}


def qemu_plugin_install(id, info, args):
    global counts, mem_count, io_count, rw
    global do_inline, do_callback, do_print_accesses, do_region_summary, do_haddr
    flags = {}
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "track":
            if value not in TRACK:
                print(f"invalid value for argument track: {opt}", file=sys.stderr)
                return -1
            rw = TRACK[value]
        elif name in BOOLS:
            ok, flags[name] = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
    do_haddr = flags.get("haddr", False)
    do_inline = flags.get("inline", False)
    do_callback = flags.get("callback", False)
    do_print_accesses = flags.get("print-accesses", False)
    do_region_summary = flags.get("region-summary", False)

    if do_inline and do_callback:
        print("can't enable inline and callback counting at the same time", file=sys.stderr)
        return -1
    if do_print_accesses:
        qemu_plugin_outs("insn_vaddr,insn_symbol,mem_vaddr,mem_hwaddr,"
                         "access_size,access_type,mem_value\n")
    counts = qemu_plugin_scoreboard_new(CPUCount)
    mem_count = qemu_plugin_scoreboard_u64_in_struct(counts, "mem_count")
    io_count = qemu_plugin_scoreboard_u64_in_struct(counts, "io_count")
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0

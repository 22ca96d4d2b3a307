"""hotpages: which pages see the most memory accesses (QEMU's contrib/plugins/hotpages.c).

    -plugin hotpages[,sortby=reads|writes|address][,io=on|off][,pagesize=N]

At exit: "Addr, RCPUs, Reads, WCPUs, Writes", then one line per page (the
50 first in the chosen order: most reads + writes by default, most reads,
most writes, or highest address first), with the masks of the vCPUs that
read and wrote it.  User mode has no physical or I/O addresses, so pages
are virtual and io=on (count only device accesses) counts nothing, as in
QEMU's user mode.
"""
import sys

from plugin_api import *

page_size = 4096
limit = 50
sort_by = "rw"
track_io = False


class PageCounters:
    __slots__ = ("cpu_read", "cpu_write", "page_address", "reads", "writes")

    def __init__(self, page_address):
        self.page_address = page_address
        self.cpu_read = self.cpu_write = self.reads = self.writes = 0


pages = {}          # page address -> PageCounters
SORT_KEYS = {
    "rw": lambda p: p.reads + p.writes,
    "reads": lambda p: p.reads,
    "writes": lambda p: p.writes,
    "address": lambda p: p.page_address,
}


def plugin_exit(id, p):
    report = ["Addr, RCPUs, Reads, WCPUs, Writes\n"]
    for rec in sorted(pages.values(), key=SORT_KEYS[sort_by], reverse=True)[:limit]:
        report.append(f"0x{rec.page_address:016x}, 0x{rec.cpu_read:04x}, {rec.reads}, "
                      f"0x{rec.cpu_write:04x}, {rec.writes}\n")
    qemu_plugin_outs("".join(report))


def vcpu_haddr(cpu_index, meminfo, vaddr, udata):
    hwaddr = qemu_plugin_get_hwaddr(meminfo, vaddr)     # None in user mode
    if track_io:
        if hwaddr is None or not qemu_plugin_hwaddr_is_io(hwaddr):
            return
        page = vaddr
    elif hwaddr is not None and not qemu_plugin_hwaddr_is_io(hwaddr):
        page = qemu_plugin_hwaddr_phys_addr(hwaddr)
    else:
        page = vaddr
    page &= ~(page_size - 1)
    count = pages.get(page)
    if count is None:
        count = pages[page] = PageCounters(page)
    if qemu_plugin_mem_is_store(meminfo):
        count.writes += 1
        count.cpu_write |= 1 << cpu_index
    else:
        count.reads += 1
        count.cpu_read |= 1 << cpu_index


def vcpu_tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(tb, i), vcpu_haddr,
                                         QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, None)


def qemu_plugin_install(id, info, args):
    global sort_by, track_io, page_size
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "sortby":
            if value not in ("reads", "writes", "address"):
                print(f"invalid value to sortby: {value}", file=sys.stderr)
                return -1
            sort_by = value
        elif name == "io":
            ok, track_io = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
        elif name == "pagesize":
            # g_ascii_strtoull: the leading decimal digits (0 if none).
            digits = value[:len(value) - len(value.lstrip("0123456789"))]
            page_size = int(digits or 0)
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0

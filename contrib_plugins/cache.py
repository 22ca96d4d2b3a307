"""cache: L1 instruction/data and L2 cache simulation (QEMU's contrib/plugins/cache.c).

    -plugin cache[,dcachesize=N][,dassoc=N][,dblksize=N][,icachesize=N][,iassoc=N]
                 [,iblksize=N][,l2cachesize=N][,l2assoc=N][,l2blksize=N][,l2=on|off]
                 [,evict=lru|fifo|rand][,cores=N][,limit=N]

Every instruction fetch goes through the L1 icache of its core (vCPU index
modulo cores), every data access through the L1 dcache; L1 misses go to
the core's unified L2 when l2 is on (any l2* size option turns it on).
Defaults as QEMU's: L1s 32 KiB 8-way with 64-byte blocks, L2 2 MiB 16-way,
LRU, one core (user mode), 32 instructions in each top list.

At exit: a table of accesses, misses and miss rates per core (and summed
when there are several), then the instructions with the most data misses,
fetch misses and, with L2, L2 misses.

A set holds the block numbers it caches in eviction order (next victim
first), which gives QEMU's results for each policy: LRU moves a hit to the
end, FIFO and random leave hits alone.  Sets are small Python lists: a
lookup of up to 16 tags in a list costs less than one numpy call, so the
simulation is plain Python, and the price is the callbacks themselves.
"""
import random
import sys

from plugin_api import *

policy = "lru"
use_l2 = False
cores = 1
limit = 32
sys_mode = False


class Cache:
    def __init__(self, blksize, assoc, cachesize):
        self.assoc = assoc
        self.num_sets = cachesize // (blksize * assoc)
        self.blksize_shift = blksize.bit_length() - 1
        # QEMU's set index: the block number's bits under num_sets - 1.
        self.set_mask = self.num_sets - 1
        self.sets = [[] for _ in range(self.num_sets)]
        self.accesses = 0
        self.misses = 0
        self.last = None        # the block of the last access: a hit that changes nothing

    def access(self, addr):
        """Simulate one access; True on a hit (the cache is filled on a miss)."""
        self.accesses += 1
        blk = addr >> self.blksize_shift
        if blk == self.last:
            return True         # already the most recently used: no policy moves it
        self.last = blk
        s = self.sets[blk & self.set_mask]
        if blk in s:
            if policy == "lru":
                s.remove(blk)
                s.append(blk)
            return True
        self.misses += 1
        if len(s) == self.assoc:
            del s[random.randrange(self.assoc) if policy == "rand" else 0]
        s.append(blk)
        return False


class InsnData:
    __slots__ = ("addr", "disas_str", "l1_dmisses", "l1_imisses", "l2_misses", "symbol")

    def __init__(self, disas_str, symbol, addr):
        self.disas_str = disas_str
        self.symbol = symbol
        self.addr = addr
        self.l1_dmisses = self.l1_imisses = self.l2_misses = 0


l1_dcaches = l1_icaches = l2_ucaches = None
miss_ht = {}        # instruction address -> InsnData


def vcpu_mem_access(vcpu_index, info, vaddr, insn):
    hwaddr = qemu_plugin_get_hwaddr(info, vaddr)
    if hwaddr is not None and qemu_plugin_hwaddr_is_io(hwaddr):
        return
    addr = qemu_plugin_hwaddr_phys_addr(hwaddr) if hwaddr is not None else vaddr
    core = vcpu_index % cores
    if l1_dcaches[core].access(addr):
        return
    insn.l1_dmisses += 1
    if use_l2 and not l2_ucaches[core].access(addr):
        insn.l2_misses += 1


def vcpu_insn_exec(vcpu_index, insn):
    core = vcpu_index % cores
    if l1_icaches[core].access(insn.addr):
        return
    insn.l1_imisses += 1
    if use_l2 and not l2_ucaches[core].access(insn.addr):
        insn.l2_misses += 1


def vcpu_tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        addr = qemu_plugin_insn_haddr(insn) if sys_mode else qemu_plugin_insn_vaddr(insn)
        # An instruction translated again keeps its counters.
        data = miss_ht.get(addr)
        if data is None:
            data = miss_ht[addr] = InsnData(qemu_plugin_insn_disas(insn),
                                            qemu_plugin_insn_symbol(insn), addr)
        qemu_plugin_register_vcpu_mem_cb(insn, vcpu_mem_access, QEMU_PLUGIN_CB_NO_REGS,
                                         QEMU_PLUGIN_MEM_RW, data)
        qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec, QEMU_PLUGIN_CB_NO_REGS, data)


def stats_line(daccess, dmisses, iaccess, imisses, l2access, l2misses):
    drate = dmisses / daccess * 100 if daccess else 0.0
    irate = imisses / iaccess * 100 if iaccess else 0.0
    line = f"{daccess:<14} {dmisses:<12} {drate:9.4f}%  {iaccess:<14} {imisses:<12} {irate:9.4f}%"
    if l2access and l2misses:
        line += f"  {l2access:<12} {l2misses:<11} {l2misses / l2access * 100:10.4f}%"
    return line + "\n"


def log_stats():
    rep = ["core #, data accesses, data misses, dmiss rate, insn accesses, insn misses, imiss rate"]
    if use_l2:
        rep.append(", l2 accesses, l2 misses, l2 miss rate")
    rep.append("\n")
    rows = []
    for i in range(cores):
        d, c = l1_dcaches[i], l1_icaches[i]
        l2 = (l2_ucaches[i].accesses, l2_ucaches[i].misses) if use_l2 else (0, 0)
        rows.append((d.accesses, d.misses, c.accesses, c.misses) + l2)
        rep.append(f"{i:<8}" + stats_line(*rows[-1]))
    if cores > 1:
        rep.append(f"{'sum':<8}" + stats_line(*(sum(col) for col in zip(*rows))))
    rep.append("\n")
    qemu_plugin_outs("".join(rep))


def log_top_insns():
    # Sorted one after the other, as QEMU does: ties keep the previous order.
    miss_insns = list(miss_ht.values())
    tables = [("data misses", "l1_dmisses"), ("fetch misses", "l1_imisses")]
    if use_l2:
        tables.append(("L2 misses", "l2_misses"))
    rep = []
    for n, (title, field) in enumerate(tables):
        miss_insns.sort(key=lambda insn: getattr(insn, field), reverse=True)
        rep.append(("\n" if n else "") + f"address, {title}, instruction\n")
        for insn in miss_insns[:limit]:
            symbol = f" ({insn.symbol})" if insn.symbol else ""
            rep.append(f"0x{insn.addr:x}{symbol}, {getattr(insn, field)}, {insn.disas_str}\n")
    qemu_plugin_outs("".join(rep))


def plugin_exit(id, p):
    log_stats()
    log_top_insns()


def cache_config_error(blksize, assoc, cachesize):
    if blksize <= 0 or cachesize % blksize:
        return "cache size must be divisible by block size"
    if assoc <= 0 or cachesize % (blksize * assoc) or cachesize < blksize * assoc:
        return "cache size must be divisible by set size (assoc * block size)"
    if blksize & (blksize - 1):
        return "block size must be a power of two"
    return None


def caches_init(what, blksize, assoc, cachesize):
    err = cache_config_error(blksize, assoc, cachesize)
    if err:
        print(f"{what} cannot be constructed from given parameters\n{err}", file=sys.stderr)
        return None
    return [Cache(blksize, assoc, cachesize) for _ in range(cores)]


def _strtoll(text):
    """g_ascii_strtoll(text, NULL, 10): the leading (signed) decimal number, else 0."""
    text = (text or "").strip()
    sign = -1 if text[:1] == "-" else 1
    body = text[1:] if text[:1] in "+-" else text
    digits = body[:len(body) - len(body.lstrip("0123456789"))]
    return sign * int(digits) if digits else 0


def qemu_plugin_install(id, info, args):
    global policy, use_l2, cores, limit, sys_mode, l1_dcaches, l1_icaches, l2_ucaches
    sys_mode = info.system_emulation
    cores = info.system.smp_vcpus if sys_mode else 1
    sizes = {"dblksize": 64, "dassoc": 8, "dcachesize": 64 * 8 * 32,
             "iblksize": 64, "iassoc": 8, "icachesize": 64 * 8 * 32,
             "l2blksize": 64, "l2assoc": 16, "l2cachesize": 64 * 16 * 2048}
    for opt in args:
        name, _, value = opt.partition("=")
        if name in sizes:
            sizes[name] = _strtoll(value)
            use_l2 = use_l2 or name.startswith("l2")
        elif name == "limit":
            limit = _strtoll(value)
        elif name == "cores":
            cores = _strtoll(value)
        elif name == "l2":
            ok, use_l2 = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
        elif name == "evict":
            if value not in ("rand", "lru", "fifo"):
                print(f"invalid eviction policy: {opt}", file=sys.stderr)
                return -1
            policy = value
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
    if cores < 1:
        print(f"invalid number of cores: {cores}", file=sys.stderr)
        return -1
    l1_dcaches = caches_init("dcache", sizes["dblksize"], sizes["dassoc"], sizes["dcachesize"])
    l1_icaches = caches_init("icache", sizes["iblksize"], sizes["iassoc"], sizes["icachesize"])
    if use_l2:
        l2_ucaches = caches_init("L2 cache", sizes["l2blksize"], sizes["l2assoc"], sizes["l2cachesize"])
    if l1_dcaches is None or l1_icaches is None or (use_l2 and l2_ucaches is None):
        return -1
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0
